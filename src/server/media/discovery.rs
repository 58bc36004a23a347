//! Business discovery, for accounts with a Facebook Login connection: another public
//! professional account's profile and recent posts by its username, cached like the
//! gallery (`discovery:<username>[:<cursor>]`) and charged to the looking account's budget.

use crate::{
    model::{AccountRef, AppError, DiscoveredAccount, DiscoveryView, Problem},
    server::{
        db::IntegrationRow,
        instagram::{discovery_username, Discovered},
        media::{cache::Via, hashtags::found, Media},
        tokens,
    },
};

/// How long a discovered account is kept.
pub const DISCOVERY_TTL: i64 = 15 * 60;

impl Media {
    /// The discovery page of `row`: for `username`, that account's profile and a page of its
    /// posts (from `after`). Refused in words, without a call, for an account without a
    /// Facebook connection.
    pub async fn discover(
        &self,
        row: &IntegrationRow,
        account: AccountRef,
        username: Option<&str>,
        after: Option<&str>,
    ) -> Result<DiscoveryView, AppError> {
        let facebook = self
            .store
            .facebook_get(&row.id)
            .await?
            .is_some_and(|f| f.is_active());
        let mut view = DiscoveryView {
            account,
            facebook,
            username: None,
            found: None,
            refusal: None,
            fresh: Default::default(),
            now: self.clock.now(),
        };
        let Some(asked) = username.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(view);
        };
        let name =
            discovery_username(asked).map_err(|e| AppError::BadRequest(e.public_message()))?;
        view.username = Some(name.clone());
        if !facebook {
            view.refusal = Some(tokens::NEEDS_FACEBOOK.to_owned());
            return Ok(view);
        }
        if let Some(a) = after {
            super::check_cursor(a)?;
        }
        let key = match after {
            Some(a) => format!("discovery:{name}:{a}"),
            None => format!("discovery:{name}"),
        };
        let loaded = self
            .cached_via(row, &key, DISCOVERY_TTL, Via::Facebook, |a| {
                let name = name.clone();
                async move {
                    let d = self
                        .instagram
                        .business_discovery(&a.user(), &name, after)
                        .await?;
                    Ok(discovered(d))
                }
            })
            .await?;
        view.found = loaded.value;
        if let Some(Problem::Refused { message }) = &loaded.fresh.problem {
            view.refusal = Some(message.clone());
        }
        view.fresh = loaded.fresh;
        Ok(view)
    }
}

fn discovered(d: Discovered) -> DiscoveredAccount {
    DiscoveredAccount {
        username: d.username,
        name: d.name,
        biography: d.biography,
        website: d.website,
        picture: d.profile_picture_url,
        followers: d.followers_count,
        follows: d.follows_count,
        posts_count: d.media_count,
        posts: d.media.items.iter().map(found).collect(),
        after: d.media.after,
    }
}
