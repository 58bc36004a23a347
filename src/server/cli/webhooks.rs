//! `instagram-connect webhooks …`: the endpoints the app sends signed events to.

use secrecy::ExposeSecret;

use crate::server::{
    config::Config, notify::hooks::NewEndpoint, startup::offline_state, tokens::rfc3339,
};

use super::WebhooksCommand;

/// Adds, lists, removes or tests an endpoint.
pub(super) async fn webhooks(config: Config, cmd: WebhooksCommand) -> anyhow::Result<()> {
    let st = offline_state(config).await?;
    match cmd {
        WebhooksCommand::Add {
            url,
            events,
            description,
        } => {
            let (row, secret) = st
                .notifier
                .add_endpoint(
                    NewEndpoint {
                        url,
                        description,
                        event_types: events,
                    },
                    "cli",
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "Added endpoint {} for {} ({}).",
                row.id, row.url, row.event_types
            );
            println!("Signing secret (verify each delivery's webhook-signature with it):");
            println!("{}", secret.expose_secret());
        }
        WebhooksCommand::List => {
            let view = st
                .notifier
                .admin_view()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if view.endpoints.is_empty() {
                println!("No endpoints. Add one with `instagram-connect webhooks add URL`.");
            }
            for e in &view.endpoints {
                let state = e
                    .disabled
                    .as_deref()
                    .map_or("on".to_owned(), |w| format!("off: {w}"));
                println!(
                    "{:<20} {}  [{}]  {state}",
                    e.id,
                    e.url,
                    e.event_types.join(",")
                );
            }
            for d in &view.deliveries {
                println!(
                    "  {}  {:<26} {:<10} attempts {}  {}",
                    rfc3339(d.created_at),
                    d.event_type,
                    d.state,
                    d.attempts,
                    d.url
                );
            }
        }
        WebhooksCommand::Remove { id } => {
            if !st.notifier.delete_endpoint(&id).await? {
                anyhow::bail!("no endpoint has the ID {id}");
            }
            println!("Removed {id}.");
        }
        WebhooksCommand::Test { id } => {
            st.notifier
                .test_endpoint(&id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("A test.ping event for {id} is stored; the running server delivers it.");
        }
    }
    st.store.close().await;
    Ok(())
}
