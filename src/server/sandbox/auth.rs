//! Checking the access token of a Graph request, with Instagram's errors for a missing,
//! unknown, revoked or expired token and for a token used on the wrong host.

use super::{
    error::ApiError,
    render,
    world::{TokenInfo, TokenKind, World},
};

/// A token that passed the checks.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The token string (to rebuild paging links).
    pub token: String,
    /// Its account.
    pub ig_id: String,
    /// What it is.
    pub info: TokenInfo,
}

impl Auth {
    /// Fails unless this token may act for the Instagram account `ig_id`: an Instagram token
    /// for its own account; a Facebook user token for an account linked to a Page the person
    /// chose in the dialog and still has a role on; a Page token for its Page's account. Graph
    /// answers as if the account did not exist.
    pub fn acts_for(&self, w: &World, ig_id: &str) -> Result<(), ApiError> {
        let allowed = match (&self.info.fb, self.info.kind) {
            (Some(g), TokenKind::FacebookPage) => g
                .page
                .as_deref()
                .and_then(|p| w.facebook.pages.get(p))
                .is_some_and(|p| p.instagram.as_deref() == Some(ig_id)),
            (Some(g), _) => w.facebook.page_for(&g.person, &g.pages, ig_id).is_some(),
            (None, _) => self.ig_id == ig_id,
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::no_object(ig_id, &axum::http::Method::GET))
        }
    }

    /// Whether this is a Facebook Login token (user or Page).
    pub fn facebook(&self) -> bool {
        self.info.fb.is_some()
    }

    /// Fails with error 10 unless `scope` was granted: an Instagram Login scope, or for a
    /// Facebook Login token the Facebook permission that stands for it.
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        let scope = if self.facebook() {
            facebook_permission(scope)
        } else {
            scope
        };
        if self.info.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::permission(scope))
        }
    }
}

/// The Facebook Login permission that allows what an Instagram Login scope allows.
fn facebook_permission(scope: &str) -> &str {
    match scope {
        "instagram_business_basic" => "instagram_basic",
        "instagram_business_manage_comments" => "instagram_manage_comments",
        "instagram_business_manage_insights" => "instagram_manage_insights",
        "instagram_business_content_publish" => "instagram_content_publish",
        "instagram_business_manage_messages" => "instagram_manage_messages",
        other => other,
    }
}

/// Which Graph host a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// `graph.instagram.com`
    Instagram,
    /// `graph.facebook.com`
    Facebook,
}

/// Checks the `access_token` of a Graph request.
pub fn authenticate(
    w: &World,
    token: Option<&str>,
    host: Host,
    now: i64,
) -> Result<Auth, ApiError> {
    let token = token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::graph(
                2500,
                None,
                "An active access token must be used to query information about the current user.",
            )
        })?;
    let cannot_parse = || {
        ApiError::graph(
            190,
            None,
            "Invalid OAuth access token - Cannot parse access token",
        )
    };
    let info = w.tokens.get(token).ok_or_else(cannot_parse)?;
    match (host, info.kind) {
        (
            Host::Instagram,
            TokenKind::Facebook | TokenKind::FacebookUser | TokenKind::FacebookPage,
        ) => return Err(cannot_parse()),
        (Host::Facebook, TokenKind::Short | TokenKind::Long) => {
            return Err(ApiError::param(
                "(#100) This endpoint is not available for Instagram Login tokens; it needs a Facebook Login for Business token",
            ))
        }
        _ => {}
    }
    if let Some(subcode) = info.revoked {
        let message = match subcode {
            458 => "Error validating access token: The user has not authorized application.",
            459 => "Error validating access token: You cannot access the app till you log in to www.instagram.com and follow the instructions given.",
            460 => "Error validating access token: The session has been invalidated because the user changed their password or Instagram has changed the session for security reasons.",
            464 => "Error validating access token: Sessions for the user are not allowed because the user is not a confirmed user.",
            492 => "Error validating access token: The session is invalid because the user who made this Page token no longer has a role on the Page.",
            _ => "Error validating access token: The session is invalid.",
        };
        return Err(ApiError::graph(190, Some(subcode), message));
    }
    if info.expires_at <= now {
        return Err(ApiError::graph(
            190,
            Some(463),
            format!(
                "Error validating access token: Session has expired on {}. The current time is {}.",
                render::timestamp(info.expires_at),
                render::timestamp(now)
            ),
        ));
    }
    Ok(Auth {
        token: token.to_owned(),
        ig_id: info.ig_id.clone(),
        info: info.clone(),
    })
}
