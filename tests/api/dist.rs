//! The release tarball (`./dev dist`): unpacked into an empty directory and started in
//! production, first without its settings, then with the example settings filled in. `./dev
//! test` builds it and names it in `DIST_TARBALL`; without it this test is skipped (and fails
//! under `CI=1`).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use crate::helpers::eventually_within;

/// The tarball, or `None` (with a note) when this run has none.
fn tarball() -> Option<PathBuf> {
    match std::env::var_os("DIST_TARBALL") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI=1 and DIST_TARBALL is not set: run the tests through ./dev test, which builds the tarball"
            );
            eprintln!(
                "note: DIST_TARBALL is not set (./dev dist makes one), so this test is skipped"
            );
            None
        }
    }
}

/// Unpacks `tarball` into `into`; returns the one directory it holds.
fn unpack(tarball: &Path, into: &Path) -> PathBuf {
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(tarball)
        .arg("-C")
        .arg(into)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "tar could not unpack {}",
        tarball.display()
    );
    let entries: Vec<PathBuf> = std::fs::read_dir(into)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "one top directory: {entries:?}");
    entries.into_iter().next().unwrap()
}

/// The variables the example settings set (comments and blank lines left out).
fn example_settings(root: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(root.join("instagram-connect.env.example"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn the_release_tarball_names_each_missing_setting_then_serves_with_them() {
    let Some(tarball) = tarball() else { return };
    if std::env::var("TEST_BACKEND").is_ok_and(|b| b == "postgres") {
        return; // The tarball is the same on every backend: once is enough.
    }
    let empty = tempfile::tempdir().unwrap();
    let root = unpack(&tarball, empty.path());
    let bin = root.join("bin/instagram-connect");
    assert!(root.join("site/pkg/instagram-connect.wasm").is_file());
    let unit = std::fs::read_to_string(root.join("instagram-connect.service")).unwrap();
    for option in [
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "DynamicUser=yes",
        "ExecStart=/opt/instagram-connect/bin/instagram-connect serve",
    ] {
        assert!(unit.contains(option), "the unit sets {option}");
    }

    refuses_without_settings(&bin, &root);
    serves_with_the_example_settings(&bin, &root).await;
}

/// In production without any setting: refused, each missing variable named on its own line.
fn refuses_without_settings(bin: &Path, root: &Path) {
    let refused = Command::new(bin)
        .arg("serve")
        .env_clear()
        .env("APP_ENV", "production")
        .current_dir(root)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr).into_owned();
    for variable in [
        "PUBLIC_BASE_URL",
        "INSTAGRAM_APP_ID",
        "INSTAGRAM_APP_SECRET",
        "INSTAGRAM_WEBHOOK_VERIFY_TOKEN",
        "TOKEN_ENCRYPTION_KEY_FILE",
    ] {
        let named = format!("- {variable}: ");
        let lines = said.lines().filter(|l| l.contains(&named)).count();
        assert_eq!(lines, 1, "{variable} has a message of its own:\n{said}");
    }
    assert!(!said.contains("panicked"), "{said}");
}

/// With the example settings filled in (paths inside the unpacked directory): it serves.
async fn serves_with_the_example_settings(bin: &Path, root: &Path) {
    let key_file = root.join("token-keys");
    let made = Command::new(bin)
        .arg("new-key-file")
        .arg(&key_file)
        .env_clear()
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let mut settings = example_settings(root);
    assert_eq!(
        settings.get("APP_ENV").map(String::as_str),
        Some("production")
    );
    let port = free_port();
    for (name, value) in [
        ("LISTEN_ADDR", format!("127.0.0.1:{port}")),
        ("PUBLIC_BASE_URL", "https://connect.example.test".to_owned()),
        ("DATA_DIR", root.join("data").display().to_string()),
        ("LEPTOS_SITE_ROOT", root.join("site").display().to_string()),
        ("TOKEN_ENCRYPTION_KEY_FILE", key_file.display().to_string()),
        ("INSTAGRAM_APP_ID", "1234567890".to_owned()),
        (
            "INSTAGRAM_APP_SECRET",
            "an-app-secret-of-the-test".to_owned(),
        ),
        (
            "INSTAGRAM_WEBHOOK_VERIFY_TOKEN",
            "a-verify-token".to_owned(),
        ),
    ] {
        settings.insert(name.to_owned(), value);
    }
    std::fs::create_dir_all(root.join("data")).unwrap();
    let mut server = Command::new(bin)
        .arg("serve")
        .env_clear()
        .envs(&settings)
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{port}/healthz");
    let mut body = serde_json::Value::Null;
    eventually_within(
        "the unpacked server to pass /healthz",
        Duration::from_secs(30),
        async || match client.get(&health).send().await {
            Ok(r) if r.status() == 200 => {
                body = r.json().await.unwrap_or_default();
                true
            }
            _ => false,
        },
    )
    .await;
    assert_eq!(body["database"]["reachable"], true, "{body}");
    let home = client
        .get(format!("http://127.0.0.1:{port}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
    let page = home.text().await.unwrap();
    assert!(
        page.contains("instagram-connect"),
        "the page loads its bundle"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
