//! The token-encryption key file: `new-key-file` and `rotate-key`.

use std::{path::Path, process::ExitCode};

use crate::server::{
    clock::{Clock, SystemClock},
    config::Config,
    crypto::{append_key, create_key_file, KeySource},
    db,
    startup::check_keys,
};

/// Creates a key file with one fresh key.
pub(super) fn new_key_file(path: &Path) -> ExitCode {
    match create_key_file(path) {
        Ok(()) => {
            println!("Created {}: set TOKEN_ENCRYPTION_KEY_FILE to it and keep it apart from the database.", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Adds a key to the key file (unless `rewrap_only`) and re-seals every token with the
/// current key.
pub(super) async fn rotate_key(config: Config, rewrap_only: bool) -> anyhow::Result<()> {
    let KeySource::File { path, create } = &config.token_keys else {
        anyhow::bail!("keys can be rotated only in a key file: set TOKEN_ENCRYPTION_KEY_FILE instead of TOKEN_ENCRYPTION_KEY");
    };
    if *create && !path.exists() {
        anyhow::bail!(
            "there is no key file at {} yet: nothing to rotate",
            path.display()
        );
    }
    let store = db::open(&config.database_url).await?;
    let now = SystemClock.now();
    check_keys(
        store.as_ref(),
        &config.token_keys.load().map_err(anyhow::Error::msg)?,
        now,
    )
    .await?;
    if !rewrap_only {
        let id = append_key(path).map_err(anyhow::Error::msg)?;
        println!(
            "Added key {id} to {}; new tokens are sealed with it.",
            path.display()
        );
    }
    let keyring = config.token_keys.load().map_err(anyhow::Error::msg)?;
    check_keys(store.as_ref(), &keyring, now).await?;
    let current = keyring.current_id().to_owned();
    let (mut done, mut skipped) = (0u64, 0u64);
    for row in store.integrations_all().await? {
        let Some(sealed) = row.sealed() else { continue };
        if sealed.key_id == current {
            continue;
        }
        let token = keyring
            .open(&row.id, &sealed)
            .map_err(|e| anyhow::anyhow!("integration {}: {e}", row.id))?;
        if store
            .integration_rewrap(&row.id, row.version, &keyring.seal(&row.id, &token), now)
            .await?
        {
            done += 1;
        } else {
            // Refreshed meanwhile: the new token is already sealed with the current key.
            skipped += 1;
        }
    }
    rewrap_endpoints(store.as_ref(), &keyring, &current).await?;
    let (fb_done, fb_skipped) = rewrap_facebook(store.as_ref(), &keyring, &current).await?;
    done += fb_done;
    skipped += fb_skipped;
    let still: Vec<String> = store
        .token_key_ids_in_use()
        .await?
        .into_iter()
        .filter(|k| *k != current)
        .collect();
    println!("Re-sealed {done} token(s) with {current} ({skipped} changed meanwhile).");
    if still.is_empty() {
        println!("No token uses an older key any more: once every instance runs with this file, older keys may be removed from it.");
    } else {
        println!(
            "Tokens still sealed with {}: run `instagram-connect rotate-key --rewrap-only` again.",
            still.join(", ")
        );
    }
    store.close().await;
    Ok(())
}

/// Seals Facebook connections' Page and user tokens with the current key; returns how many
/// connections were re-sealed and how many changed meanwhile.
async fn rewrap_facebook(
    store: &dyn crate::server::db::Store,
    keyring: &crate::server::crypto::Keyring,
    current: &str,
) -> anyhow::Result<(u64, u64)> {
    use crate::server::db::facebook::{page_aad, user_aad};
    let (mut done, mut skipped) = (0, 0);
    for row in store.facebook_sealed().await? {
        let Some(page) = row.page_sealed() else {
            continue;
        };
        let user = row.user_sealed();
        if page.key_id == current && user.as_ref().is_none_or(|u| u.key_id == current) {
            continue;
        }
        let id = &row.integration_id;
        let opened = keyring
            .open(&page_aad(id), &page)
            .map_err(|e| anyhow::anyhow!("the Facebook connection of {id}: {e}"))?;
        let page = keyring.seal(&page_aad(id), &opened);
        let user = match &user {
            Some(u) => {
                let opened = keyring
                    .open(&user_aad(id), u)
                    .map_err(|e| anyhow::anyhow!("the Facebook connection of {id}: {e}"))?;
                Some(keyring.seal(&user_aad(id), &opened))
            }
            None => None,
        };
        let now = SystemClock.now();
        if store
            .facebook_rewrap(id, row.version, &page, user.as_ref(), now)
            .await?
        {
            done += 1;
        } else {
            skipped += 1;
        }
    }
    Ok((done, skipped))
}

/// Seals webhook endpoints' signing secrets with the current key.
async fn rewrap_endpoints(
    store: &dyn crate::server::db::Store,
    keyring: &crate::server::crypto::Keyring,
    current: &str,
) -> anyhow::Result<()> {
    for e in store.endpoints().await? {
        if e.key_id == current {
            continue;
        }
        let secret = keyring
            .open(&e.id, &e.sealed())
            .map_err(|err| anyhow::anyhow!("webhook endpoint {}: {err}", e.id))?;
        let again = keyring.seal(&e.id, &secret);
        store
            .endpoint_rewrap(&e.id, &again.ciphertext, &again.nonce, &again.key_id)
            .await?;
        println!(
            "Re-sealed the signing secret of webhook endpoint {} with {current}.",
            e.id
        );
    }
    Ok(())
}
