//! Hashtag search: a Facebook Login for Business feature (`graph.facebook.com`). For accounts
//! connected with Instagram Login the client answers with a typed error that says why,
//! without calling Instagram.

use super::{
    client::{Call, InstagramClient},
    error::{ErrorKind, InstagramError},
    media::media_from,
    paging::strip_token,
    types::*,
    wire::*,
};

const HASHTAG_MEDIA_FIELDS: &str =
    "id,media_type,caption,permalink,timestamp,like_count,comments_count,media_url,children{id,media_type,media_url}";

fn facebook_only(user: &UserToken<'_>) -> Result<(), InstagramError> {
    match user.flavor {
        LoginFlavor::Facebook => Ok(()),
        LoginFlavor::Instagram => Err(InstagramError::new(
            ErrorKind::Unsupported,
            "hashtag search is only available to accounts connected with Facebook Login for Business, not Instagram Login",
        )),
    }
}

/// Normalizes a hashtag query: without `#`, trimmed, one word.
pub fn hashtag_query(q: &str) -> Result<String, InstagramError> {
    let q = q.trim().trim_start_matches('#').trim();
    if q.is_empty() {
        return Err(InstagramError::new(
            ErrorKind::BadRequest,
            "the hashtag is empty",
        ));
    }
    if !q.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(InstagramError::new(
            ErrorKind::BadRequest,
            "a hashtag is one word of letters, digits and underscores (no spaces, punctuation or emoji)",
        ));
    }
    Ok(q.to_lowercase())
}

impl InstagramClient {
    /// Finds a hashtag's ID. Each account may search 30 distinct hashtags per 7 days.
    pub async fn hashtag_search(
        &self,
        user: &UserToken<'_>,
        q: &str,
    ) -> Result<Option<Hashtag>, InstagramError> {
        facebook_only(user)?;
        let q = hashtag_query(q)?;
        let call = Call::get(
            "hashtag_search",
            self.endpoints().facebook_graph("ig_hashtag_search"),
        )
        .user(user)
        .param("user_id", user.account_id)
        .param("q", q);
        let (page, _) = self.execute::<PageWire<IdWire>>(call).await?;
        Ok(page.data.into_iter().next().map(|w| Hashtag { id: w.id }))
    }

    /// A hashtag's top or recent media.
    pub async fn hashtag_media(
        &self,
        user: &UserToken<'_>,
        hashtag_id: &str,
        edge: HashtagEdge,
        after: Option<&str>,
    ) -> Result<Page<Media>, InstagramError> {
        facebook_only(user)?;
        let edge = match edge {
            HashtagEdge::Top => "top_media",
            HashtagEdge::Recent => "recent_media",
        };
        let mut call = Call::get(
            "hashtag_media",
            self.endpoints()
                .facebook_graph(&format!("{hashtag_id}/{edge}")),
        )
        .user(user)
        .param("user_id", user.account_id)
        .param("fields", HASHTAG_MEDIA_FIELDS);
        if let Some(a) = after {
            call = call.param("after", a);
        }
        let (page, _) = self.execute::<PageWire<MediaWire>>(call).await?;
        let paging = page.paging.unwrap_or_default();
        Ok(Page {
            items: page.data.into_iter().map(media_from).collect(),
            after: paging
                .next
                .as_ref()
                .and(paging.cursors.and_then(|c| c.after)),
            next_url: paging.next.as_deref().map(strip_token),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtags_are_normalized() {
        assert_eq!(hashtag_query(" #Sourdough ").unwrap(), "sourdough");
        assert!(hashtag_query("#").is_err());
        assert!(hashtag_query("two words").is_err());
        assert!(hashtag_query("🍞").is_err());
    }
}
