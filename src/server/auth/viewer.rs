//! Who the caller is, and what they may see.

use crate::{
    model::{AppError, IntegrationStatus, IntegrationSummary, Viewer},
    server::{db::IntegrationRow, state::AppState},
};

/// The authenticated party of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// Nobody signed in.
    Anonymous,
    /// A person, through their browser session.
    User {
        /// User ID.
        user_id: String,
        /// Whether they are an admin.
        is_admin: bool,
    },
    /// An integrator, through an API key (admin rights).
    ApiKey {
        /// Key ID.
        key_id: String,
    },
}

impl Caller {
    /// Whether the caller has admin rights.
    pub fn is_admin(&self) -> bool {
        matches!(
            self,
            Caller::ApiKey { .. } | Caller::User { is_admin: true, .. }
        )
    }

    /// Whether the caller may act on an integration owned by `owner`.
    pub fn may_manage(&self, owner: &str) -> bool {
        match self {
            Caller::Anonymous => false,
            Caller::ApiKey { .. } => true,
            Caller::User { user_id, is_admin } => *is_admin || user_id == owner,
        }
    }
}

/// A row as its owner or an admin sees it: no token, its last four characters for admins.
pub fn summarize(
    row: &IntegrationRow,
    requested: &[String],
    with_last4: bool,
) -> IntegrationSummary {
    let scopes = row.scope_list();
    IntegrationSummary {
        id: row.id.clone(),
        username: row.username.clone(),
        instagram_id: row.instagram_id.clone(),
        account_type: row.account_type.clone(),
        status: IntegrationStatus::parse(&row.status).unwrap_or(IntegrationStatus::Revoked),
        missing_scopes: requested
            .iter()
            .filter(|s| !scopes.contains(s))
            .cloned()
            .collect(),
        scopes,
        expires_at: row.expires_at,
        last_refresh_ok_at: row.last_refresh_ok_at,
        last_error: row.last_error.clone(),
        token_last4: if with_last4 {
            row.token_last4.clone()
        } else {
            None
        },
    }
}

/// Whether any of a user's accounts is listed as an admin.
pub fn is_admin(st: &AppState, rows: &[IntegrationRow]) -> bool {
    rows.iter()
        .any(|r| st.config.is_admin_account(&r.username, &r.instagram_id))
}

/// The viewer for a signed-in user; `None` if the user no longer exists.
pub async fn viewer_for(st: &AppState, user_id: &str) -> Result<Option<Viewer>, AppError> {
    let Some(user) = st.store.user_get(user_id).await? else {
        return Ok(None);
    };
    let rows = st.store.integrations_for_user(user_id).await?;
    let admin = is_admin(st, &rows);
    Ok(Some(Viewer {
        user_id: user.id,
        display_name: user.display_name,
        is_admin: admin,
        integrations: rows
            .iter()
            .map(|r| summarize(r, &st.config.instagram.scopes, admin))
            .collect(),
        now: st.clock.now(),
    }))
}
