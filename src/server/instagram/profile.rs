//! The connected account's profile (`/me`), and the cheap health check built on it.

use std::time::Instant;

use super::{
    client::{Call, InstagramClient, Reply},
    error::InstagramError,
    limiter::Priority,
    types::{LoginFlavor, PingReport, Profile, Usage, UserToken},
    wire::{MaybeEnveloped, ProfileWire},
};

/// The profile fields.
pub const PROFILE_FIELDS: &str =
    "id,user_id,username,name,account_type,profile_picture_url,followers_count,follows_count,media_count";
/// The profile fields on `graph.facebook.com`, where the account's `id` is its Instagram user
/// ID and there is no `user_id` or `account_type`.
pub const FACEBOOK_PROFILE_FIELDS: &str =
    "id,username,name,profile_picture_url,followers_count,follows_count,media_count";

/// The profile fields for `user`'s login.
pub(super) fn profile_fields(user: &UserToken<'_>) -> &'static str {
    match user.flavor {
        LoginFlavor::Instagram => PROFILE_FIELDS,
        LoginFlavor::Facebook => FACEBOOK_PROFILE_FIELDS,
    }
}

impl InstagramClient {
    /// The connected account's profile (`/me`).
    pub async fn me(&self, user: &UserToken<'_>) -> Result<Profile, InstagramError> {
        self.me_fields(user, profile_fields(user), Priority::Interactive)
            .await
            .map(|(p, _)| p)
    }

    async fn me_fields(
        &self,
        user: &UserToken<'_>,
        fields: &str,
        priority: Priority,
    ) -> Result<(Profile, Reply), InstagramError> {
        let call = Call::get("me", self.graph_url(user, "me"))
            .user(user)
            .param("fields", fields)
            .priority(priority);
        let (wire, reply) = self.execute::<MaybeEnveloped<ProfileWire>>(call).await?;
        let w = wire
            .into_inner()
            .ok_or_else(|| InstagramError::malformed("an empty data array"))?;
        Ok((profile_for(user, w)?, reply))
    }

    /// A cheap authenticated call (`/me?fields=user_id,username`): does the token work, how
    /// long does Instagram take, and how close is the account to the rate limit.
    pub async fn ping(&self, user: &UserToken<'_>) -> PingReport {
        let started = Instant::now();
        match self
            .me_fields(
                user,
                match user.flavor {
                    LoginFlavor::Instagram => "user_id,username",
                    LoginFlavor::Facebook => "id,username",
                },
                Priority::Token,
            )
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
        .clone()
        .ok_or_else(|| InstagramError::malformed("no user_id in the profile"))?;
    Ok(Profile {
        user_id,
        ..facebook_profile_from(w)
    })
}

/// A profile read on `graph.facebook.com`: its `id` is the Instagram user ID.
pub(super) fn facebook_profile_from(w: ProfileWire) -> Profile {
    Profile {
        user_id: w.id.clone(),
        id: w.id,
        username: w.username.unwrap_or_default(),
        name: w.name,
        account_type: w.account_type,
        profile_picture_url: w.profile_picture_url,
        followers_count: w.followers_count,
        follows_count: w.follows_count,
        media_count: w.media_count,
    }
}

/// A profile as `user`'s login writes it.
pub(super) fn profile_for(user: &UserToken<'_>, w: ProfileWire) -> Result<Profile, InstagramError> {
    match user.flavor {
        LoginFlavor::Instagram => profile_from(w),
        LoginFlavor::Facebook => Ok(facebook_profile_from(w)),
    }
}
