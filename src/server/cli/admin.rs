//! `instagram-connect admin …`: one-time links that make admins, and the admins there are.

use crate::server::{
    config::Config, sharing, startup::offline_state, state::AppState, tokens::rfc3339 as rfc,
};

use super::AdminCommand;

/// Makes an admin link, lists admins or links, or takes either back.
pub(super) async fn admin(config: Config, cmd: AdminCommand) -> anyhow::Result<()> {
    let st = offline_state(config).await?;
    let now = st.clock.now();
    match cmd {
        AdminCommand::Invite { hours } => {
            let (link, expires_at) = st
                .sharing
                .admin_invitation(hours)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("This link makes whoever opens it an admin, once they add a passkey. It works once, until {}:", rfc(expires_at));
            println!("{link}");
            if !st.passkeys.available() {
                println!("note: passkeys do not work at PUBLIC_BASE_URL ({}): open the app at a domain name or localhost.", st.config.public_base_url);
            }
        }
        AdminCommand::List => list(&st).await?,
        AdminCommand::Remove { person } => {
            if st.store.admin_revoke(&person).await? {
                println!("{person} is no longer an admin (made by a link).");
            } else {
                anyhow::bail!(
                    "{person} was not made an admin by a link (see `instagram-connect admin list`)"
                );
            }
        }
        AdminCommand::Invitations => invitations(&st, now).await?,
        AdminCommand::RevokeInvitation { id } => {
            if st.store.invitation_revoke(&id, None, now).await? {
                println!("The admin link {id} no longer works.");
            } else {
                anyhow::bail!("no unused admin link has the ID {id} (see `instagram-connect admin invitations`)");
            }
        }
    }
    st.store.close().await;
    Ok(())
}

/// `admin list`: those made admins by a link, then the owners of the accounts in
/// ADMIN_INSTAGRAM_USERS.
async fn list(st: &AppState) -> anyhow::Result<()> {
    let admins = st.store.admins().await?;
    if admins.is_empty() && st.config.admins.is_empty() {
        println!("No admins yet. Make one with `instagram-connect admin invite`.");
    }
    for (user, at, by) in admins {
        println!(
            "{:<20} {:<24} admin since {} ({by})",
            user.id,
            user.display_name,
            rfc(at)
        );
    }
    for ig in &st.config.admins {
        match st.store.integration_by_instagram_id(ig).await? {
            Some(row) if row.is_active() => {
                for m in st.store.members_of(&row.id).await? {
                    if m.role == crate::model::Role::Owner {
                        println!("{:<20} {:<24} admin while they own @{} (ADMIN_INSTAGRAM_USERS)", m.user_id, m.display_name, row.username);
                    }
                }
            }
            Some(row) => println!("(nobody)             @{} is listed in ADMIN_INSTAGRAM_USERS but not connected and active", row.username),
            None => println!("(nobody)             Instagram user {ig} is listed in ADMIN_INSTAGRAM_USERS but not connected"),
        }
    }
    Ok(())
}

/// `admin invitations`: every admin link made, and where it stands.
async fn invitations(st: &AppState, now: i64) -> anyhow::Result<()> {
    let all = st.store.invitations_by(None).await?;
    if all.is_empty() {
        println!("No admin links. Make one with `instagram-connect admin invite`.");
    }
    for (row, _) in all {
        let state = sharing::state_of(&row, now);
        let who = row.used_by.clone().unwrap_or_default();
        println!(
            "{:<28} made {}  expires {}  {} {who}",
            row.id,
            rfc(row.created_at),
            rfc(row.expires_at),
            state.label()
        );
    }
    Ok(())
}
