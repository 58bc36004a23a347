//! The app's webhook subscriptions for an account (`subscribed_apps`).

use super::{
    client::{success, Call, InstagramClient},
    error::InstagramError,
    types::UserToken,
    wire::{PageWire, SubscribedAppWire, SuccessWire},
};

impl InstagramClient {
    /// Subscribes the app to the account's webhook `fields` (such as `comments`, `messages`).
    pub async fn subscribe_webhooks(
        &self,
        user: &UserToken<'_>,
        fields: &[&str],
    ) -> Result<(), InstagramError> {
        let call = Call::post(
            "subscribed_apps",
            self.endpoints()
                .graph(&format!("{}/subscribed_apps", user.account_id)),
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
        let call = Call::get(
            "subscribed_apps",
            self.endpoints()
                .graph(&format!("{}/subscribed_apps", user.account_id)),
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
