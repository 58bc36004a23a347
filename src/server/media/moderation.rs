//! Moderating an account's comments in its name: replying (once per form, on any instance),
//! hiding or showing, and deleting. Each change makes the post's comments and the feed's counts
//! stale.

use super::{check_media_id, Media};
use crate::{model::AppError, server::db::IntegrationRow};

/// A comment ID as Instagram writes them; anything else is "not found".
pub fn check_comment_id(id: &str) -> Result<(), AppError> {
    check_media_id(id).map_err(|_| AppError::NotFound)
}

impl Media {
    /// Replies to comment `parent` as the account. `form_key` makes a form act once: sent again
    /// (a double click, a retry after a lost answer) it changes nothing; when Instagram refuses,
    /// the key is forgotten so the same form may try again.
    pub async fn reply(
        &self,
        row: &IntegrationRow,
        parent: &str,
        message: &str,
        form_key: &str,
    ) -> Result<(), AppError> {
        check_comment_id(parent)?;
        let message = message.trim();
        if message.is_empty() {
            return Err(AppError::BadRequest("Write a reply first.".to_owned()));
        }
        if form_key.len() < 16 || form_key.len() > 64 {
            return Err(AppError::BadRequest(
                "The form has expired. Reload the page and try again.".to_owned(),
            ));
        }
        let action_key = format!("reply:{form_key}");
        if !self
            .store
            .action_key_insert(&action_key, self.clock.now())
            .await?
        {
            tracing::info!(integration.id = %row.id, "the same reply form again: not sent twice");
            return Ok(());
        }
        let (ig, parent, message) = (
            self.instagram.clone(),
            parent.to_owned(),
            message.to_owned(),
        );
        let sent = self
            .act(row, |a| async move {
                ig.reply(&a.user(), &parent, &message).await
            })
            .await;
        if let Err(e) = sent {
            // Not sent: the same form may try again.
            if let Err(forget) = self.store.action_key_delete(&action_key).await {
                tracing::warn!(error = %forget, "a failed reply's form key could not be forgotten");
            }
            return Err(e);
        }
        tracing::info!(integration.id = %row.id, "comment reply sent");
        Ok(())
    }

    /// Hides a comment (only the account and its author see it) or shows it again.
    pub async fn set_comment_hidden(
        &self,
        row: &IntegrationRow,
        comment: &str,
        hidden: bool,
    ) -> Result<(), AppError> {
        check_comment_id(comment)?;
        let (ig, id) = (self.instagram.clone(), comment.to_owned());
        self.act(row, |a| async move {
            ig.set_comment_hidden(&a.user(), &id, hidden).await
        })
        .await
    }

    /// Deletes a comment.
    pub async fn delete_comment(
        &self,
        row: &IntegrationRow,
        comment: &str,
    ) -> Result<(), AppError> {
        check_comment_id(comment)?;
        let (ig, id) = (self.instagram.clone(), comment.to_owned());
        self.act(
            row,
            |a| async move { ig.delete_comment(&a.user(), &id).await },
        )
        .await
    }

    /// After a change to a post's comments: its comments and counts, and the feed's counts, are
    /// fetched again on the next view. A failure is logged; the change itself stands.
    pub async fn comments_changed(&self, row: &IntegrationRow, media: &str) {
        let expired = async {
            self.expire(&row.id, &format!("media:{media}")).await?;
            self.expire(&row.id, "feed").await
        }
        .await;
        if let Err(e) = expired {
            tracing::warn!(error = %e, "the media cache could not be expired");
        }
    }
}
