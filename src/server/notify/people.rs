//! People's side of notifications: their settings, the confirmation of an address, the
//! one-click unsubscribe, and the mailing of their notices (at once, or in a daily digest).

use super::{
    mail::{self, Mail, MailError},
    Notifier,
};
use crate::{
    model::{notify::NotifyMode, AppError},
    paths,
    server::{
        db::{MailResult, NoticeRow, NotifySettingsRow, StoreError},
        ids,
    },
};

/// How long a confirmation link works.
const CONFIRM_SECS: i64 = 2 * 86_400;
/// How long an instance holds a notice while mailing it.
const LEASE_SECS: i64 = 120;

/// What a person asked for in the settings form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsForm {
    /// The address (empty: none).
    pub email: String,
    /// How they hear.
    pub mode: NotifyMode,
}

/// What saving the settings did, for the notice shown after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// Saved; nothing to confirm.
    Saved,
    /// A confirmation was sent to a new address.
    ConfirmationSent,
}

impl Notifier {
    /// A person's settings, or the defaults.
    pub async fn settings_of(&self, user_id: &str) -> Result<NotifySettingsRow, StoreError> {
        Ok(self
            .store
            .notify_settings(user_id)
            .await?
            .unwrap_or_else(|| NotifySettingsRow {
                user_id: user_id.to_owned(),
                email: None,
                pending_email: None,
                pending_sent_at: None,
                mode: NotifyMode::default().as_str().to_owned(),
                unsubscribe_epoch: 0,
                digest_sent_at: None,
                updated_at: 0,
            }))
    }

    /// Saves a person's settings. A new address is used only once its owner follows the link
    /// mailed to it.
    pub async fn save_settings(
        &self,
        user_id: &str,
        form: SettingsForm,
    ) -> Result<Saved, AppError> {
        let now = self.clock.now();
        let mut s = self.settings_of(user_id).await?;
        s.mode = form.mode.as_str().to_owned();
        s.updated_at = now;
        let email = form.email.trim();
        let mut saved = Saved::Saved;
        if email.is_empty() {
            s.email = None;
            s.pending_email = None;
        } else if Some(email) != s.email.as_deref() {
            if email.parse::<lettre::message::Mailbox>().is_err() || !email.contains('@') {
                return Err(AppError::BadRequest(format!(
                    "`{email}` is not an email address."
                )));
            }
            let Some(mailer) = &self.mailer else {
                return Err(AppError::BadRequest(
                    "This server cannot send email (no SMTP_URL is configured).".into(),
                ));
            };
            if s.pending_email.as_deref() == Some(email)
                && s.pending_sent_at.is_some_and(|t| now - t < 60)
            {
                return Ok(Saved::ConfirmationSent);
            }
            let expires = now + CONFIRM_SECS;
            let proof = format!(
                "{expires}.{}",
                self.keyring
                    .link_mac(&confirm_message(user_id, email, expires))
            );
            let link = self
                .config
                .public_url(&paths::fill(paths::NOTIFY_CONFIRM, &[user_id, &proof]));
            let text = format!("Someone (we hope you) asked for notices about their Instagram accounts at this address. Confirm it within two days:\n\n{link}\n\nIf it was not you, ignore this message: nothing will be sent.");
            let m = Mail {
                to: email.to_owned(),
                subject: "Confirm your address for Instagram account notices".to_owned(),
                html: mail::html(
                    &[text.lines().next().unwrap_or_default()],
                    &[("Confirm this address", &link)],
                    "If it was not you, ignore this message: nothing will be sent.",
                ),
                text,
                message_id: format!("{}@{}", ids::new_id("confirm"), self.mail_domain()),
                unsubscribe: None,
            };
            mailer.send(&m).await.map_err(|e| {
                tracing::warn!(error = %e, "a confirmation email could not be sent");
                AppError::Upstream(
                    "The confirmation email could not be sent; try again later.".into(),
                )
            })?;
            s.pending_email = Some(email.to_owned());
            s.pending_sent_at = Some(now);
            saved = Saved::ConfirmationSent;
        }
        self.store.notify_settings_put(&s).await?;
        Ok(saved)
    }

    /// Whether a confirmation link is genuine and current (nothing changes).
    pub async fn confirm_valid(&self, user_id: &str, proof: &str) -> Result<bool, StoreError> {
        let Some((expires, mac)) = proof_parts(proof) else {
            return Ok(false);
        };
        let s = self.settings_of(user_id).await?;
        let Some(email) = s.pending_email.or(s.email) else {
            return Ok(false);
        };
        Ok(expires >= self.clock.now()
            && self
                .keyring
                .link_mac_matches(&confirm_message(user_id, &email, expires), mac))
    }

    /// Confirms the address a link was made for; `false` when the link is wrong or old.
    pub async fn confirm(&self, user_id: &str, proof: &str) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let Some((expires, mac)) = proof_parts(proof) else {
            return Ok(false);
        };
        let mut s = self.settings_of(user_id).await?;
        let Some(email) = s.pending_email.clone() else {
            return Ok(s.email.is_some()
                && self.keyring.link_mac_matches(
                    &confirm_message(user_id, s.email.as_deref().unwrap_or_default(), expires),
                    mac,
                ));
        };
        if expires < now
            || !self
                .keyring
                .link_mac_matches(&confirm_message(user_id, &email, expires), mac)
        {
            return Ok(false);
        }
        s.email = Some(email);
        s.pending_email = None;
        s.pending_sent_at = None;
        s.updated_at = now;
        self.store.notify_settings_put(&s).await?;
        Ok(true)
    }

    /// The unsubscribe address of a person's messages.
    pub fn unsubscribe_link(&self, s: &NotifySettingsRow) -> String {
        let proof = format!(
            "{}.{}",
            s.unsubscribe_epoch,
            self.keyring
                .link_mac(&unsubscribe_message(&s.user_id, s.unsubscribe_epoch))
        );
        self.config.public_url(&paths::fill(
            paths::NOTIFY_UNSUBSCRIBE,
            &[&s.user_id, &proof],
        ))
    }

    /// Whether an unsubscribe link is genuine.
    pub async fn unsubscribe_valid(&self, user_id: &str, proof: &str) -> Result<bool, StoreError> {
        let s = self.settings_of(user_id).await?;
        let Some((epoch, mac)) = proof_parts(proof) else {
            return Ok(false);
        };
        Ok(epoch == s.unsubscribe_epoch
            && self
                .keyring
                .link_mac_matches(&unsubscribe_message(user_id, s.unsubscribe_epoch), mac))
    }

    /// Turns a person's email off (the one-click unsubscribe); `false` when the link is wrong.
    pub async fn unsubscribe(&self, user_id: &str, proof: &str) -> Result<bool, StoreError> {
        if !self.unsubscribe_valid(user_id, proof).await? {
            return Ok(false);
        }
        let mut s = self.settings_of(user_id).await?;
        s.mode = NotifyMode::Off.as_str().to_owned();
        s.updated_at = self.clock.now();
        self.store.notify_settings_put(&s).await?;
        tracing::info!(user.id = %user_id, "a person unsubscribed from notices");
        Ok(true)
    }

    /// Mails the next due notice; `false` when there is none.
    pub async fn mail_next(&self) -> Result<bool, StoreError> {
        let Some(mailer) = &self.mailer else {
            return Ok(false);
        };
        let now = self.clock.now();
        let owner = ids::random_token(12);
        let Some(n) = self
            .store
            .notice_claim_due(&owner, now + LEASE_SECS, now)
            .await?
        else {
            return Ok(false);
        };
        let settings = self.settings_of(&n.user_id).await?;
        // What the person wants now, which may have changed since the notice was made.
        let (state, error, next) = match (&settings.email, settings.mode.as_str()) {
            (Some(to), "instant") => {
                match mailer.send(&self.notice_mail(&n, to, &settings)).await {
                    Ok(()) => ("sent", None, None),
                    Err(MailError::Transient(e)) => match mail::retry_after(n.attempts + 1) {
                        Some(d) => ("pending", Some(e), Some(now + d)),
                        None => ("failed", Some(e), None),
                    },
                    Err(MailError::Permanent(e)) => ("failed", Some(e), None),
                }
            }
            (Some(_), "digest") => ("digest", None, None),
            (Some(_), _) => ("off", None, None),
            (None, _) => ("no_address", None, None),
        };
        self.store
            .notice_mailed(&MailResult {
                id: &n.id,
                owner: &owner,
                state,
                error: error.as_deref(),
                next_attempt_at: next,
                now: self.clock.now(),
            })
            .await?;
        self.metrics
            .notice_email(if state == "pending" { "retry" } else { state });
        tracing::info!(notice.id = %n.id, state, "notice mailed");
        Ok(true)
    }

    /// The email of one notice.
    fn notice_mail(&self, n: &NoticeRow, to: &str, s: &NotifySettingsRow) -> Mail {
        let link = self.config.public_url(&n.link);
        let unsubscribe = self.unsubscribe_link(s);
        let footer = format!("You receive this because you own or manage this account. Choose how you hear at {} or unsubscribe: {unsubscribe}", self.config.public_url(paths::ACCOUNTS));
        Mail {
            to: to.to_owned(),
            subject: n.title.clone(),
            text: format!("{}\n\n{}\n\n{link}\n\n-- \n{footer}\n", n.title, n.body),
            html: mail::html(&[&n.title, &n.body], &[("Open", &link)], &footer),
            message_id: format!("{}@{}", n.id, self.mail_domain()),
            unsubscribe: Some(unsubscribe),
        }
    }

    /// Sends each person whose digest is due one email with their waiting notices.
    pub async fn send_digests(&self) -> Result<usize, StoreError> {
        let Some(mailer) = &self.mailer else {
            return Ok(0);
        };
        let now = self.clock.now();
        let mut sent = 0;
        for person in self.store.digest_people_due(now - 86_400).await? {
            let s = self.settings_of(&person).await?;
            let notices = self.store.digest_notices(&person).await?;
            let (Some(to), false) = (s.email.clone(), notices.is_empty()) else {
                continue;
            };
            let items: Vec<String> = notices
                .iter()
                .map(|n| {
                    format!(
                        "- {}\n  {}\n  {}",
                        n.title,
                        n.body,
                        self.config.public_url(&n.link)
                    )
                })
                .collect();
            let unsubscribe = self.unsubscribe_link(&s);
            let footer = format!(
                "Your daily digest. Choose how you hear at {} or unsubscribe: {unsubscribe}",
                self.config.public_url(paths::ACCOUNTS)
            );
            let titles: Vec<&str> = notices.iter().map(|n| n.title.as_str()).collect();
            let m = Mail {
                to: to.clone(),
                subject: format!("{} notice(s) about your Instagram accounts", notices.len()),
                text: format!("{}\n\n-- \n{footer}\n", items.join("\n\n")),
                html: mail::html(
                    &titles,
                    &[(
                        "Open your accounts",
                        &self.config.public_url(paths::ACCOUNTS),
                    )],
                    &footer,
                ),
                message_id: format!("digest-{person}-{now}@{}", self.mail_domain()),
                unsubscribe: Some(unsubscribe),
            };
            match mailer.send(&m).await {
                Ok(()) => {
                    let ids: Vec<String> = notices.into_iter().map(|n| n.id).collect();
                    self.store.digest_sent(&person, &ids, &to, now).await?;
                    self.metrics.notice_email("digest_sent");
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(user.id = %person, error = %e, "a digest could not be sent")
                }
            }
        }
        Ok(sent)
    }

    /// The domain of the app's `Message-ID`s.
    fn mail_domain(&self) -> String {
        self.config
            .public_base_url
            .host_str()
            .unwrap_or("localhost")
            .to_owned()
    }
}

/// A link's proof: `<number>.<mac>` (the expiry of a confirmation, the epoch of an
/// unsubscribe link).
fn proof_parts(proof: &str) -> Option<(i64, &str)> {
    let (number, mac) = proof.split_once('.')?;
    Some((number.parse().ok()?, mac))
}

fn confirm_message(user_id: &str, email: &str, expires: i64) -> String {
    format!(
        "confirm-email\n{user_id}\n{}\n{expires}",
        email.to_lowercase()
    )
}

fn unsubscribe_message(user_id: &str, epoch: i64) -> String {
    format!("unsubscribe\n{user_id}\n{epoch}")
}
