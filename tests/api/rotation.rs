//! ST-03: key rotation re-seals every token, resumably, and old keys can then go.

use std::{
    path::Path,
    process::{Command, Output},
};

use instagram_connect::server::{
    crypto::{KeySource, Keyring},
    sandbox::seed::BAKERY_ID,
    startup::check_keys,
};

use crate::helpers::TestApp;

#[tokio::test]
async fn rotate_key_reseals_tokens_and_the_old_key_can_be_removed() {
    let app = TestApp::spawn().await;
    app.connect(&app.browser(), BAKERY_ID).await;
    app.connect(&app.browser(), "17841400000000002").await;
    let data = app.data_dir.path();
    let before = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before.key_id.as_deref(), Some("k1"));
    let old_token = app.state.tokens.open_token(&before).await.unwrap();

    let out = run(&app, &["rotate-key"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout.contains("Added key k2") && stdout.contains("Re-sealed 2 token(s) with k2"),
        "{stdout}"
    );
    assert!(stdout.contains("older keys may be removed"), "{stdout}");

    let after = app
        .store
        .integration_by_instagram_id(BAKERY_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.key_id.as_deref(), Some("k2"));
    let keys = KeySource::File {
        path: data.join("token-keys"),
        create: false,
    }
    .load()
    .unwrap();
    let opened = keys.open(&after.id, &after.sealed().unwrap()).unwrap();
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&opened),
        secrecy::ExposeSecret::expose_secret(&old_token)
    );

    // Resuming is harmless.
    let out = run(&app, &["rotate-key", "--rewrap-only"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Re-sealed 0 token(s)"));

    // With k1 removed, startup accepts the keyring: no token needs it any more.
    check_keys(app.store.as_ref(), &k2_only(data), 0)
        .await
        .expect("k1 is no longer needed");

    before_the_rewrap_a_keyring_without_k1_is_refused().await;
}

/// The binary run with `args` on `app`'s data and database.
fn run(app: &TestApp, args: &[&str]) -> Output {
    let data = app.data_dir.path();
    Command::new(env!("CARGO_BIN_EXE_instagram-connect"))
        .env_clear()
        .current_dir(data)
        .env("DATA_DIR", data)
        .env("DATABASE_URL", app.state.config.database_url.expose())
        .args(args)
        .output()
        .unwrap()
}

/// The keyring of the key file in `data` with its key `k2` only.
fn k2_only(data: &Path) -> Keyring {
    let text = std::fs::read_to_string(data.join("token-keys")).unwrap();
    let k2_only: Vec<(String, [u8; 32])> = text
        .lines()
        .filter(|l| l.starts_with("k2:"))
        .map(|l| {
            (
                "k2".to_owned(),
                instagram_connect::server::crypto::parse_key(&l[3..]).unwrap(),
            )
        })
        .collect();
    Keyring::new(k2_only).unwrap()
}

/// Whereas before the rewrap a keyring without k1 is refused.
async fn before_the_rewrap_a_keyring_without_k1_is_refused() {
    let fresh = TestApp::spawn().await;
    fresh.connect(&fresh.browser(), BAKERY_ID).await;
    let lonely = Keyring::new(vec![("k9".into(), rand_key())]).unwrap();
    let e = check_keys(fresh.store.as_ref(), &lonely, 0)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("k1"), "{e}");
}

/// A key that is not any app's.
fn rand_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    for (i, b) in k.iter_mut().enumerate() {
        *b = i as u8 * 7 + 3;
    }
    k
}

#[tokio::test]
async fn rotate_key_reseals_facebook_page_and_user_tokens_too() {
    use instagram_connect::server::db::facebook::{page_aad, user_aad};
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.connect(&browser, BAKERY_ID).await;
    // The studio through Facebook only: its tokens are the Page and user tokens.
    app.connect_facebook(&browser, &["104500000000002"]).await;
    let studio = app
        .store
        .integration_by_instagram_id("17841400000000002")
        .await
        .unwrap()
        .unwrap();
    let before = app.store.facebook_get(&studio.id).await.unwrap().unwrap();
    assert_eq!(before.page_key_id.as_deref(), Some("k1"));
    let keys = app.state.keyring.clone();
    let page = keys
        .open(&page_aad(&studio.id), &before.page_sealed().unwrap())
        .unwrap();
    let user = keys
        .open(&user_aad(&studio.id), &before.user_sealed().unwrap())
        .unwrap();

    let out = run(&app, &["rotate-key"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("Re-sealed 2 token(s) with k2"), "{stdout}");
    assert!(stdout.contains("older keys may be removed"), "{stdout}");

    let after = app.store.facebook_get(&studio.id).await.unwrap().unwrap();
    assert_eq!(
        (after.page_key_id.as_deref(), after.user_key_id.as_deref()),
        (Some("k2"), Some("k2"))
    );
    let k2 = k2_only(app.data_dir.path());
    let page2 = k2
        .open(&page_aad(&studio.id), &after.page_sealed().unwrap())
        .unwrap();
    let user2 = k2
        .open(&user_aad(&studio.id), &after.user_sealed().unwrap())
        .unwrap();
    use secrecy::ExposeSecret;
    assert_eq!(page2.expose_secret(), page.expose_secret());
    assert_eq!(user2.expose_secret(), user.expose_secret());
    check_keys(app.store.as_ref(), &k2, 0)
        .await
        .expect("no token needs k1 any more");
}
