//! `instagram-connect api-key …`: API keys for the REST API.

use crate::server::{
    auth::api_keys,
    clock::{Clock, SystemClock},
    config::Config,
    db, tokens,
};

use super::ApiKeyCommand;

/// Creates, lists or revokes an API key.
pub(super) async fn api_key(config: Config, cmd: ApiKeyCommand) -> anyhow::Result<()> {
    let store = db::open(&config.database_url).await?;
    let now = SystemClock.now();
    match cmd {
        ApiKeyCommand::Create { name } => {
            let key = api_keys::create(store.as_ref(), name.trim(), now).await?;
            println!("Created API key {} ({}).", key.row.id, key.row.name);
            println!("Key (shown only now; store it as a secret):");
            println!("{}", key.secret);
        }
        ApiKeyCommand::List => {
            let keys = store.api_keys().await?;
            if keys.is_empty() {
                println!(
                    "No API keys. Create one with `instagram-connect api-key create --name NAME`."
                );
            }
            for k in keys {
                let state = match k.revoked_at {
                    Some(_) => "revoked".to_owned(),
                    None => match k.last_used_at {
                        Some(t) => format!("last used {}", tokens::rfc3339(t)),
                        None => "never used".to_owned(),
                    },
                };
                println!("{:<24} {:<20} {}…  {state}", k.id, k.name, k.prefix);
            }
        }
        ApiKeyCommand::Revoke { id } => {
            if store.api_key_revoke(&id, now).await? {
                println!("Revoked {id}.");
            } else {
                anyhow::bail!("no active API key has the ID {id}");
            }
        }
    }
    store.close().await;
    Ok(())
}
