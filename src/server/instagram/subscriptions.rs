//! The app's webhook subscriptions for an account (`subscribed_apps`).

use super::{
    client::{success, Call, InstagramClient},
    error::ErrorKind,
    error::InstagramError,
    types::{LoginFlavor, UserToken},
    wire::{PageWire, SubscribedAppWire, SuccessWire},
};

impl InstagramClient {
    /// Subscribes the app to the account's webhook `fields` (such as `comments`, `messages`).
    /// With Facebook Login the subscription belongs to the Page, not to the Instagram account:
    /// refused here.
    pub async fn subscribe_webhooks(
        &self,
        user: &UserToken<'_>,
        fields: &[&str],
    ) -> Result<(), InstagramError> {
        instagram_login_only(user)?;
        let call = Call::post(
            "subscribed_apps",
            self.graph_url(user, &format!("{}/subscribed_apps", user.account_id)),
        )
        .user(user)
        .param("subscribed_fields", fields.join(","));
        let (w, _) = self.execute::<SuccessWire>(call).await?;
        success(w)
    }

    /// The webhook fields the app is subscribed to for the account.
    pub async fn webhook_subscriptions(
        &self,
        user: &UserToken<'_>,
    ) -> Result<Vec<String>, InstagramError> {
        instagram_login_only(user)?;
        let call = Call::get(
            "subscribed_apps",
            self.graph_url(user, &format!("{}/subscribed_apps", user.account_id)),
        )
        .user(user);
        let (page, _) = self.execute::<PageWire<SubscribedAppWire>>(call).await?;
        Ok(page
            .data
            .into_iter()
            .flat_map(|a| a.subscribed_fields.unwrap_or_default())
            .collect())
    }
}

/// An account's own webhook subscription exists with Instagram Login only.
fn instagram_login_only(user: &UserToken<'_>) -> Result<(), InstagramError> {
    match user.flavor {
        LoginFlavor::Instagram => Ok(()),
        LoginFlavor::Facebook => Err(InstagramError::new(
            ErrorKind::Unsupported,
            "with Facebook Login, webhooks are subscribed on the Facebook Page, not on the Instagram account",
        )),
    }
}
