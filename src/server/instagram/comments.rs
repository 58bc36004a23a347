//! Comments on the account's media: list, replies, reply, hide, delete, enable/disable.
//!
//! Replies and new comments are sent once (a retry could post twice); hiding, deleting and
//! switching comments are idempotent and retried like reads.

use super::{
    client::{success, Call, InstagramClient},
    error::{ErrorKind, InstagramError},
    paging::strip_token,
    types::*,
    wire::*,
};

const COMMENT_FIELDS: &str = "id,text,timestamp,username,like_count,hidden,from{id,username},parent_id,replies{id,text,timestamp,username,like_count,hidden,from{id,username},parent_id}";
const REPLY_FIELDS: &str =
    "id,text,timestamp,username,like_count,hidden,from{id,username},parent_id";

/// The longest comment Instagram takes.
pub const MAX_COMMENT_CHARS: usize = 2200;

fn check_message(message: &str) -> Result<&str, InstagramError> {
    let m = message.trim();
    if m.is_empty() {
        return Err(InstagramError::new(
            ErrorKind::BadRequest,
            "the message is empty",
        ));
    }
    if m.chars().count() > MAX_COMMENT_CHARS {
        return Err(InstagramError::new(
            ErrorKind::BadRequest,
            format!("a comment holds at most {MAX_COMMENT_CHARS} characters"),
        ));
    }
    Ok(m)
}

impl InstagramClient {
    /// One page of a media item's comments, with their replies.
    pub async fn comments(
        &self,
        user: &UserToken<'_>,
        media_id: &str,
        after: Option<&str>,
    ) -> Result<Page<Comment>, InstagramError> {
        let mut call = Call::get(
            "comments",
            self.graph_url(user, &format!("{media_id}/comments")),
        )
        .user(user)
        .param("fields", COMMENT_FIELDS);
        if let Some(a) = after {
            call = call.param("after", a);
        }
        let (page, _) = self.execute::<PageWire<CommentWire>>(call).await?;
        let paging = page.paging.unwrap_or_default();
        Ok(Page {
            items: page.data.into_iter().map(comment_from).collect(),
            after: paging
                .next
                .as_ref()
                .and(paging.cursors.and_then(|c| c.after)),
            next_url: paging.next.as_deref().map(strip_token),
        })
    }

    /// A comment's replies.
    pub async fn replies(
        &self,
        user: &UserToken<'_>,
        comment_id: &str,
    ) -> Result<Vec<Comment>, InstagramError> {
        let call = Call::get(
            "replies",
            self.graph_url(user, &format!("{comment_id}/replies")),
        )
        .user(user)
        .param("fields", REPLY_FIELDS);
        let (page, _) = self.execute::<PageWire<CommentWire>>(call).await?;
        Ok(page.data.into_iter().map(comment_from).collect())
    }

    /// Replies to a comment as the account; returns the reply's ID.
    pub async fn reply(
        &self,
        user: &UserToken<'_>,
        comment_id: &str,
        message: &str,
    ) -> Result<String, InstagramError> {
        let message = check_message(message)?;
        let call = Call::post(
            "reply",
            self.graph_url(user, &format!("{comment_id}/replies")),
        )
        .user(user)
        .param("message", message);
        let (w, _) = self.execute::<IdWire>(call).await?;
        Ok(w.id)
    }

    /// Comments on one of the account's media; returns the comment's ID.
    pub async fn comment(
        &self,
        user: &UserToken<'_>,
        media_id: &str,
        message: &str,
    ) -> Result<String, InstagramError> {
        let message = check_message(message)?;
        let call = Call::post(
            "comment",
            self.graph_url(user, &format!("{media_id}/comments")),
        )
        .user(user)
        .param("message", message);
        let (w, _) = self.execute::<IdWire>(call).await?;
        Ok(w.id)
    }

    /// Hides or shows a comment (the owner's own comments always stay visible).
    pub async fn set_comment_hidden(
        &self,
        user: &UserToken<'_>,
        comment_id: &str,
        hidden: bool,
    ) -> Result<(), InstagramError> {
        let call = Call::post("comment_hide", self.graph_url(user, comment_id))
            .user(user)
            .param("hide", hidden.to_string())
            .retry(true);
        let (w, _) = self.execute::<SuccessWire>(call).await?;
        success(w)
    }

    /// Deletes a comment on the account's media.
    pub async fn delete_comment(
        &self,
        user: &UserToken<'_>,
        comment_id: &str,
    ) -> Result<(), InstagramError> {
        let call = Call::delete("comment_delete", self.graph_url(user, comment_id)).user(user);
        let (w, _) = self.execute::<SuccessWire>(call).await?;
        success(w)
    }

    /// Turns comments on a media item on or off.
    pub async fn set_comments_enabled(
        &self,
        user: &UserToken<'_>,
        media_id: &str,
        enabled: bool,
    ) -> Result<(), InstagramError> {
        let call = Call::post("comment_enabled", self.graph_url(user, media_id))
            .user(user)
            .param("comment_enabled", enabled.to_string())
            .retry(true);
        let (w, _) = self.execute::<SuccessWire>(call).await?;
        success(w)
    }
}

pub(super) fn comment_from(w: CommentWire) -> Comment {
    let (from_id, from_username) = match w.from {
        Some(f) => (f.id, f.username),
        None => (None, None),
    };
    Comment {
        id: w.id,
        text: w.text.unwrap_or_default(),
        timestamp: w.timestamp,
        username: w.username.or(from_username),
        from_id,
        like_count: w.like_count,
        hidden: w.hidden.unwrap_or(false),
        parent_id: w.parent_id,
        replies: w
            .replies
            .map(|r| r.data.into_iter().map(comment_from).collect())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_checked_before_sending() {
        assert!(check_message("  ").is_err());
        assert!(check_message(&"x".repeat(MAX_COMMENT_CHARS + 1)).is_err());
        assert_eq!(check_message(" thanks! ").unwrap(), "thanks!");
    }
}
