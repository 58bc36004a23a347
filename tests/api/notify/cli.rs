//! The operator's commands: webhook endpoints from the command line, and `doctor` sending a
//! test email through SMTP_URL.

use std::process::Command;

use crate::helpers::mail::MailServer;

/// The binary with an empty environment but `vars`, in `dir`.
fn bin(dir: &std::path::Path, vars: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_instagram-connect"));
    c.env_clear().current_dir(dir).envs(vars.iter().copied());
    c
}

fn run(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = bin(dir, &[]).args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn webhook_endpoints_are_added_listed_and_removed_and_the_secret_shown_once() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = run(
        dir.path(),
        &[
            "webhooks",
            "add",
            "https://example.com/hooks",
            "--events",
            "account.needs_reconnect,post.failed",
        ],
    );
    assert!(ok, "{out}");
    let secret = out
        .lines()
        .find(|l| l.starts_with("whsec_"))
        .expect("the secret is printed");
    let id = out
        .split_whitespace()
        .find(|w| w.starts_with("wep_"))
        .expect("the endpoint's ID")
        .to_owned();
    let (_, list) = run(dir.path(), &["webhooks", "list"]);
    assert!(
        list.contains(&id) && list.contains("account.needs_reconnect,post.failed"),
        "{list}"
    );
    assert!(!list.contains(secret), "the secret is not listed");
    let (ok, out) = run(
        dir.path(),
        &[
            "webhooks",
            "add",
            "https://example.com/x",
            "--events",
            "account.sleeping",
        ],
    );
    assert!(
        !ok && out.contains("no event type `account.sleeping`"),
        "{out}"
    );
    let (ok, _) = run(dir.path(), &["webhooks", "remove", &id]);
    assert!(ok);
    let (ok, out) = run(dir.path(), &["webhooks", "remove", &id]);
    assert!(!ok && out.contains("no endpoint"), "{out}");
}

#[tokio::test]
async fn doctor_sends_a_test_email_through_smtp_url() {
    let mail = MailServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = mail.url();
    let path = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        bin(
            &path,
            &[
                ("SMTP_URL", &url),
                ("SMTP_FROM", "Doctor <doctor@example.test>"),
            ],
        )
        .args(["doctor", "--send-test-email", "ops@example.test"])
        .output()
        .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ok    Email (SMTP_URL): the mail server answers"),
        "{text}"
    );
    assert!(
        text.contains("ok    Test email: sent to ops@example.test"),
        "{text}"
    );
    let got = mail.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].subject(), "Test from instagram-connect");
    assert!(
        !text.contains(&mail.url()),
        "the URL (it may hold a password) is not printed"
    );
}
