//! The disk under SQLite filling up: deliveries are refused with a 503 while it is full, none
//! is stored twice or half, the database stays sound, and writing resumes once space is freed.

use std::{io::Write, path::PathBuf, process::Command};

use super::{assert_unavailable, deliver};
use crate::helpers::{Raw, TestApp};

/// A small tmpfs mounted for one test (mounting needs root: without it the test is skipped,
/// except under `CI=1`, where that is a failure).
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap().keep();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI=1 and a small disk cannot be mounted (the test needs root)"
            );
            eprintln!("note: no tmpfs can be mounted here (not root?), so this test is skipped");
            return None;
        }
        Some(SmallDisk(dir))
    }

    /// Fills the disk with one file; its path.
    fn fill(&self) -> PathBuf {
        let path = self.0.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        // The last partial block: byte by byte up to the very end.
        while f.write_all(&[0]).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[tokio::test]
async fn a_full_disk_refuses_writes_with_503_and_leaves_a_sound_database() {
    if std::env::var("TEST_BACKEND").is_ok_and(|b| b == "postgres") {
        return; // A SQLite matter.
    }
    let Some(disk) = SmallDisk::mount(8) else {
        return;
    };
    let file = disk.0.join("app.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let app = TestApp::builder().var("DATABASE_URL", &url).spawn().await;
    let (status, _) = deliver(&app, "17999000000001000", 10).await;
    assert_eq!(status, 200, "a delivery before the disk is full");

    let filler = disk.fill();
    let mut refused = None;
    let mut stored = 1;
    for i in 1..200 {
        let id = format!("{}", 17999000000001000u64 + i);
        let (status, body) = deliver(&app, &id, 16 * 1024).await;
        if status == 200 {
            stored += 1;
            continue;
        }
        assert_unavailable("a delivery on a full disk", status, &body);
        refused = Some(id);
        break;
    }
    let refused = refused.expect("the disk filled up");
    std::fs::remove_file(filler).unwrap();

    // Meta delivers the refused one again: stored once, next to every one stored before.
    let (status, _) = deliver(&app, &refused, 16 * 1024).await;
    assert_eq!(status, 200, "writing resumes once there is space");
    let raw = Raw::of(&app).await;
    assert_eq!(
        raw.count("SELECT COUNT(*) FROM webhook_events").await,
        stored + 1
    );
    let Raw::Sqlite(pool) = &raw else {
        unreachable!()
    };
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    app.stop().await;
}
