//! The binary itself: configuration errors at startup, `.env` files, graceful shutdown.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use crate::helpers::eventually_blocking;

/// Whether `GET /healthz` answers 200 on the port.
fn healthy(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 12];
    s.read_exact(&mut buf).is_ok()
        && (buf.starts_with(b"HTTP/1.0 200") || buf.starts_with(b"HTTP/1.1 200"))
}

/// The binary with an empty environment, run in a fresh directory (so no developer `.env`).
fn bin(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_instagram-connect"));
    c.env_clear().current_dir(dir);
    c
}

#[test]
fn check_config_describes_a_default_setup_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .arg("check-config")
        .env("INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "VERIFY-CANARY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("sandbox"), "{stdout}");
    assert!(
        stdout.contains("http://localhost:3000/auth/instagram/callback"),
        "{stdout}"
    );
    assert!(!stdout.contains("VERIFY-CANARY"), "{stdout}");
}

#[test]
fn a_missing_secret_stops_startup_naming_the_variable_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .env("INSTAGRAM_APP_ID", "990000000000001")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("INSTAGRAM_APP_SECRET"), "{stderr}");
    assert!(stderr.contains("fix:"), "{stderr}");
}

#[test]
fn a_dotenv_file_in_the_working_directory_is_read_and_the_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "INSTAGRAM_CLIENT_ID=990000000000002\nINSTAGRAM_CLIENT_SECRET=from-file\nLOG_FORMAT=json\n",
    )
    .unwrap();
    let out = bin(dir.path())
        .arg("check-config")
        .env("LOG_FORMAT", "pretty")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("990000000000002"), "{stdout}");
    assert!(!stdout.contains("from-file"), "{stdout}");
    assert!(stdout.contains("pretty"), "{stdout}");
}

#[test]
fn an_unopenable_database_stops_startup_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("DATABASE_URL", "sqlite:///nonexistent-dir/x.db")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}

#[test]
fn sigterm_shuts_the_server_down_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = bin(dir.path())
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", dir.path().join("site"))
        .env("SANDBOX_LISTEN_ADDR", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    eventually_blocking("the server starts", Duration::from_secs(30), || {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the server exited early"
        );
        healthy(port)
    });
    assert!(
        dir.path().join("data/instagram-connect.db").exists(),
        "the default database is created on first run"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut status = None;
    eventually_blocking(
        "the server shuts down after SIGTERM",
        Duration::from_secs(15),
        || {
            status = child.try_wait().unwrap();
            status.is_some()
        },
    );
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
}

fn keys_dir_env(dir: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![
        ("LISTEN_ADDR", "127.0.0.1:0".to_owned()),
        ("SANDBOX_LISTEN_ADDR", "127.0.0.1:0".to_owned()),
        ("LEPTOS_SITE_ROOT", dir.join("site").display().to_string()),
    ]
}

/// Runs `serve` until it is healthy or exits; returns the exit status if it exited.
fn serve_briefly(
    dir: &std::path::Path,
    extra: &[(&str, String)],
) -> (Option<std::process::ExitStatus>, String) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cmd = bin(dir);
    for (k, v) in keys_dir_env(dir) {
        cmd.env(k, v);
    }
    cmd.env("LISTEN_ADDR", format!("127.0.0.1:{port}"));
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut exited = None;
    eventually_blocking(
        "the server is healthy or exits",
        Duration::from_secs(30),
        || {
            exited = child.try_wait().unwrap();
            exited.is_some() || healthy(port)
        },
    );
    if let Some(status) = exited {
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        return (Some(status), err);
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    (None, String::new())
}

#[test]
fn st04_the_key_file_is_created_private_and_a_wrong_or_missing_key_stops_startup() {
    let dir = tempfile::tempdir().unwrap();
    let (exited, _) = serve_briefly(dir.path(), &[]);
    assert!(
        exited.is_none(),
        "first run: starts and creates the key file"
    );
    let keys = dir.path().join("data/token-keys");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // The same database with a different key: refused, naming the variable.
    std::fs::write(&keys, format!("k1:{}\n", "A".repeat(43) + "=")).unwrap();
    let (exited, err) = serve_briefly(dir.path(), &[]);
    assert_eq!(exited.and_then(|s| s.code()), Some(1), "{err}");
    assert!(
        err.contains("fingerprint") && err.contains("TOKEN_ENCRYPTION_KEY_FILE"),
        "{err}"
    );

    // A short key, and a missing file.
    std::fs::write(dir.path().join("short"), "k1:c2hvcnQ=\n").unwrap();
    let (exited, err) = serve_briefly(
        dir.path(),
        &[(
            "TOKEN_ENCRYPTION_KEY_FILE",
            dir.path().join("short").display().to_string(),
        )],
    );
    assert_eq!(exited.and_then(|s| s.code()), Some(1));
    assert!(err.contains("5 bytes long, not 32"), "{err}");
    let (exited, err) = serve_briefly(
        dir.path(),
        &[("TOKEN_ENCRYPTION_KEY_FILE", "/nonexistent/keys".to_owned())],
    );
    assert_eq!(exited.and_then(|s| s.code()), Some(1));
    assert!(err.contains("cannot be read"), "{err}");
}

#[test]
fn api_keys_are_shown_once_and_listed_by_prefix_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .args(["api-key", "create", "--name", "ci"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout
        .lines()
        .find(|l| l.starts_with("icak_"))
        .expect("the key is printed")
        .to_owned();
    assert!(key.len() > 40);
    let id = stdout
        .split_whitespace()
        .find(|w| w.starts_with("key_"))
        .unwrap()
        .to_owned();

    let out = bin(dir.path()).args(["api-key", "list"]).output().unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    assert!(
        list.contains(&id) && list.contains("ci") && list.contains("never used"),
        "{list}"
    );
    assert!(!list.contains(&key), "the key itself is never shown again");

    let out = bin(dir.path())
        .args(["api-key", "revoke", &id])
        .output()
        .unwrap();
    assert!(out.status.success());
    let list = String::from_utf8(
        bin(dir.path())
            .args(["api-key", "list"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(list.contains("revoked"), "{list}");
    let again = bin(dir.path())
        .args(["api-key", "revoke", &id])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
}

#[test]
fn new_key_files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys");
    let out = bin(dir.path())
        .arg("new-key-file")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(std::fs::read_to_string(&path).unwrap().contains("\nk1:"));
    let out = bin(dir.path())
        .arg("new-key-file")
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success(), "never overwrites a key file");
}

#[test]
fn admin_links_are_printed_once_listed_and_withdrawn() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = bin(dir.path()).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };

    let (code, out, err) = run(&["admin", "list"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("No admins yet"), "{out}");

    let (code, out, err) = run(&["admin", "invite", "--hours", "2"]);
    assert_eq!(code, Some(0), "{err}");
    let link = out
        .lines()
        .find(|l| l.starts_with("http://localhost:3000/invite?t="))
        .expect("the link is printed")
        .to_owned();
    let secret = link.split("t=").nth(1).unwrap().to_owned();
    assert!(secret.len() >= 32, "{link}");
    assert!(out.contains("It works once"), "{out}");
    // The database keeps only a hash of it.
    for entry in std::fs::read_dir(dir.path().join("data")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the link's secret is not stored"
        );
    }

    let (_, out, _) = run(&["admin", "invitations"]);
    let line = out.lines().find(|l| l.starts_with("inv_")).expect("listed");
    assert!(line.contains("Waiting"), "{line}");
    assert!(!out.contains(&secret), "the secret is shown only once");
    let id = line.split_whitespace().next().unwrap().to_owned();

    let (code, out, _) = run(&["admin", "revoke-invitation", &id]);
    assert_eq!(code, Some(0));
    assert!(out.contains("no longer works"), "{out}");
    let (_, out, _) = run(&["admin", "invitations"]);
    assert!(out.contains("Revoked"), "{out}");
    let (code, _, err) = run(&["admin", "revoke-invitation", &id]);
    assert_eq!(code, Some(1), "only an unused link can be withdrawn: {err}");

    // Out of range, and nobody to remove.
    let (code, _, err) = run(&["admin", "invite", "--hours", "0"]);
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = run(&["admin", "remove", "usr_nobody"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("was not made an admin by a link"), "{err}");
}
