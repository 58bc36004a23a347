//! The connected account's profile (`/me`), and the cheap health check built on it.

use std::time::Instant;

use super::{
    client::{Call, InstagramClient, Reply},
    error::InstagramError,
    limiter::Priority,
    types::{PingReport, Profile, Usage, UserToken},
    wire::{MaybeEnveloped, ProfileWire},
};

/// The profile fields.
pub const PROFILE_FIELDS: &str =
    "id,user_id,username,name,account_type,profile_picture_url,followers_count,follows_count,media_count";

impl InstagramClient {
    /// The connected account's profile (`/me`).
    pub async fn me(&self, user: &UserToken<'_>) -> Result<Profile, InstagramError> {
        self.me_fields(user, PROFILE_FIELDS, Priority::Interactive)
            .await
            .map(|(p, _)| p)
    }

    async fn me_fields(
        &self,
        user: &UserToken<'_>,
        fields: &str,
        priority: Priority,
    ) -> Result<(Profile, Reply), InstagramError> {
        let call = Call::get("me", self.endpoints().graph("me"))
            .user(user)
            .param("fields", fields)
            .priority(priority);
        let (wire, reply) = self.execute::<MaybeEnveloped<ProfileWire>>(call).await?;
        let w = wire
            .into_inner()
            .ok_or_else(|| InstagramError::malformed("an empty data array"))?;
        Ok((profile_from(w)?, reply))
    }

    /// A cheap authenticated call (`/me?fields=user_id,username`): does the token work, how
    /// long does Instagram take, and how close is the account to the rate limit.
    pub async fn ping(&self, user: &UserToken<'_>) -> PingReport {
        let started = Instant::now();
        match self
            .me_fields(user, "user_id,username", Priority::Token)
            .await
        {
            Ok((p, reply)) => PingReport {
                ok: true,
                latency: reply.latency,
                user_id: Some(p.user_id),
                username: Some(p.username),
                usage: reply.usage,
                error: None,
            },
            Err(e) => PingReport {
                ok: false,
                latency: started.elapsed(),
                user_id: None,
                username: None,
                usage: Usage {
                    account_pct: self.limiter().usage_pct(user.account_id),
                    ..Usage::default()
                },
                error: Some(e),
            },
        }
    }
}

/// The profile from its wire form.
pub(super) fn profile_from(w: ProfileWire) -> Result<Profile, InstagramError> {
    let user_id = w
        .user_id
        .ok_or_else(|| InstagramError::malformed("no user_id in the profile"))?;
    Ok(Profile {
        id: w.id,
        user_id,
        username: w.username.unwrap_or_default(),
        name: w.name,
        account_type: w.account_type,
        profile_picture_url: w.profile_picture_url,
        followers_count: w.followers_count,
        follows_count: w.follows_count,
        media_count: w.media_count,
    })
}
