//! API keys for integrators: `icak_` and 256 random bits, shown once, stored as a SHA-256
//! hash (the key is random, so a fast hash is enough: there is nothing to brute-force).

use crate::server::{
    db::{ApiKeyRow, Store, StoreError},
    ids,
};

/// Every key starts with this, so leaked keys are recognisable (secret scanners).
pub const KEY_PREFIX: &str = "icak_";

/// A freshly created key: the secret (shown once) and its row.
pub struct NewKey {
    /// The key itself. Not stored anywhere.
    pub secret: String,
    /// What is stored.
    pub row: ApiKeyRow,
}

/// Creates and stores a key.
pub async fn create(store: &dyn Store, name: &str, now: i64) -> Result<NewKey, StoreError> {
    let secret = format!("{KEY_PREFIX}{}", ids::random_token(32));
    let row = ApiKeyRow {
        id: ids::new_id("key"),
        name: name.to_owned(),
        prefix: secret.chars().take(KEY_PREFIX.len() + 6).collect(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    store
        .api_key_insert(&row, &ids::sha256_hex(secret.as_bytes()))
        .await?;
    Ok(NewKey { secret, row })
}

/// The key a bearer secret belongs to, if it is valid and not revoked.
pub async fn authenticate(
    store: &dyn Store,
    secret: &str,
    now: i64,
) -> Result<Option<ApiKeyRow>, StoreError> {
    if !secret.starts_with(KEY_PREFIX) {
        return Ok(None);
    }
    let row = store
        .api_key_by_hash(&ids::sha256_hex(secret.as_bytes()))
        .await?;
    if let Some(r) = &row {
        store.api_key_touch(&r.id, now).await?;
    }
    Ok(row)
}
