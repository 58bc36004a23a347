//! Business discovery: another public professional account's profile and recent posts, by
//! username. A Facebook Login for Business feature (`graph.facebook.com`), asked through the
//! connected account's own node; for accounts connected with Instagram Login the client answers
//! with a typed error that says why, without calling Instagram.

use serde::Deserialize;

use super::{
    client::{Call, InstagramClient},
    error::{ErrorKind, InstagramError},
    media::media_from,
    types::*,
    wire::*,
};

const DISCOVERED_FIELDS: &str =
    "id,username,name,biography,website,profile_picture_url,followers_count,follows_count,media_count";
const DISCOVERED_MEDIA_FIELDS: &str =
    "id,media_type,caption,media_url,thumbnail_url,permalink,timestamp,like_count,comments_count";
/// Posts per page of a discovered account.
pub const DISCOVERY_PAGE: usize = 24;

/// A public professional account found by username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// Its IG professional account ID.
    pub id: String,
    /// The handle.
    pub username: String,
    /// The display name.
    pub name: Option<String>,
    /// Its biography, when it has one.
    pub biography: Option<String>,
    /// Its website, when it has one.
    pub website: Option<String>,
    /// An expiring CDN URL.
    pub profile_picture_url: Option<String>,
    /// Followers.
    pub followers_count: Option<i64>,
    /// Accounts followed.
    pub follows_count: Option<i64>,
    /// Posts.
    pub media_count: Option<i64>,
    /// One page of its posts, newest first (cursor paging only).
    pub media: Page<Media>,
}

/// `{"business_discovery":{…},"id":"<own IG ID>"}`.
#[derive(Debug, Deserialize)]
pub struct DiscoveryWire {
    business_discovery: DiscoveredWire,
}

#[derive(Debug, Deserialize)]
struct DiscoveredWire {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    biography: Option<String>,
    #[serde(default)]
    website: Option<String>,
    #[serde(default)]
    profile_picture_url: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    followers_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    follows_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    media_count: Option<i64>,
    #[serde(default)]
    media: Option<PageWire<MediaWire>>,
}

/// Checks an Instagram username (letters, digits, periods and underscores, at most 30): the
/// name goes inside the `fields` parameter, where anything else would change the request.
pub fn discovery_username(name: &str) -> Result<String, InstagramError> {
    let name = name.trim().trim_start_matches('@');
    let ok = !name.is_empty()
        && name.len() <= 30
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if ok {
        Ok(name.to_lowercase())
    } else {
        Err(InstagramError::new(
            ErrorKind::BadRequest,
            "an Instagram username is 1 to 30 letters, digits, periods and underscores",
        ))
    }
}

/// Turns the wire answer into a [`Discovered`].
pub fn discovered_from(w: DiscoveryWire) -> Result<Discovered, InstagramError> {
    let d = w.business_discovery;
    let username = d.username.ok_or_else(|| {
        InstagramError::malformed("business discovery answered without a username")
    })?;
    let (items, after) = match d.media {
        Some(page) => (
            page.data.into_iter().map(media_from).collect(),
            page.paging.and_then(|p| p.cursors).and_then(|c| c.after),
        ),
        None => (Vec::new(), None),
    };
    Ok(Discovered {
        id: d.id,
        username,
        name: d.name,
        biography: d.biography.filter(|b| !b.is_empty()),
        website: d.website.filter(|w| !w.is_empty()),
        profile_picture_url: d.profile_picture_url,
        followers_count: d.followers_count,
        follows_count: d.follows_count,
        media_count: d.media_count,
        media: Page {
            items,
            after,
            next_url: None,
        },
    })
}

impl InstagramClient {
    /// Another public professional account by `username`, with a page of its posts (from
    /// `after`, a cursor of an earlier answer).
    pub async fn business_discovery(
        &self,
        user: &UserToken<'_>,
        username: &str,
        after: Option<&str>,
    ) -> Result<Discovered, InstagramError> {
        if user.flavor != LoginFlavor::Facebook {
            return Err(InstagramError::new(
                ErrorKind::Unsupported,
                "business discovery is only available to accounts connected with Facebook Login for Business, not Instagram Login",
            ));
        }
        let name = discovery_username(username)?;
        if let Some(a) = after.filter(|a| {
            !a.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '='))
        }) {
            return Err(InstagramError::new(
                ErrorKind::BadRequest,
                format!("not a page cursor: {} characters", a.len()),
            ));
        }
        let media = match after {
            Some(a) => {
                format!("media.after({a}).limit({DISCOVERY_PAGE}){{{DISCOVERED_MEDIA_FIELDS}}}")
            }
            None => format!("media.limit({DISCOVERY_PAGE}){{{DISCOVERED_MEDIA_FIELDS}}}"),
        };
        let call = Call::get(
            "business_discovery",
            self.endpoints().facebook_graph(user.account_id),
        )
        .user(user)
        .param(
            "fields",
            format!("business_discovery.username({name}){{{DISCOVERED_FIELDS},{media}}}"),
        );
        let (w, _) = self.execute::<DiscoveryWire>(call).await?;
        discovered_from(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_checked_before_they_enter_the_fields() {
        assert_eq!(
            discovery_username(" @Sandbox.Studio ").unwrap(),
            "sandbox.studio"
        );
        for bad in ["", "a b", "x){id}", "é", &"a".repeat(31)] {
            assert!(discovery_username(bad).is_err(), "{bad}");
        }
    }
}
