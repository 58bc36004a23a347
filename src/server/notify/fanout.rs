//! Fanning an event out, once: who hears it (notices, each with its email's fate), which
//! endpoints receive it, and whether an open incident keeps it quiet. Everything is written in
//! one transaction with the event marked done, by the holder of the event's lease.

use std::collections::BTreeSet;

use super::{
    events::{self, Audience, EventType},
    Notifier,
};
use crate::{
    model::{notify::NotifyMode, Role},
    server::{
        db::{
            EventRow, FanOut, IncidentChange, IncidentRow, IntegrationRow, NewDelivery, NoticeRow,
            PublishJobRow, StoreError,
        },
        failpoint, ids,
    },
};

/// How long an instance holds an event while fanning it out.
const LEASE_SECS: i64 = 60;

impl Notifier {
    /// Fans out the oldest pending event; `false` when there is none (or another instance
    /// took it).
    pub async fn fan_out_next(&self) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let owner = ids::random_token(12);
        let Some(event) = self
            .store
            .notify_event_claim(&owner, now + LEASE_SECS, now)
            .await?
        else {
            return Ok(false);
        };
        if let Err(stop) = self.failpoints.check(failpoint::NOTIFY_BEFORE_FAN_OUT) {
            // As if the process died here: the lease stays until it runs out.
            tracing::warn!(event.id = %event.id, "{stop}");
            return Ok(false);
        }
        let fan = self.plan(&event, owner, now).await?;
        if !self.store.notify_fan_out(&fan).await? {
            tracing::warn!(event.id = %event.id, "an event's lease ran out before it was fanned out");
        } else {
            tracing::info!(
                event.id = %event.id,
                event.kind = %event.kind,
                state = fan.state,
                notices = fan.notices.len(),
                deliveries = fan.deliveries.len(),
                "event fanned out"
            );
        }
        Ok(true)
    }

    /// What an event becomes.
    async fn plan(&self, e: &EventRow, owner: String, now: i64) -> Result<FanOut, StoreError> {
        let account = match &e.integration_id {
            Some(id) => self.store.integration_get(id).await?,
            None => None,
        };
        let post = match (&e.subject_id, e.kind.starts_with("post.")) {
            (Some(id), true) => self.store.publish_job_get(id).await?,
            _ => None,
        };
        let mut fan = FanOut {
            event_id: e.id.clone(),
            owner,
            state: "quiet",
            body: String::new(),
            notices: Vec::new(),
            deliveries: Vec::new(),
            incidents: Vec::new(),
            now,
        };
        let Some(kind) = EventType::parse(&e.kind) else {
            tracing::warn!(event.kind = %e.kind, "an event of an unknown type is not told");
            return Ok(fan);
        };
        fan.body = events::body(kind, e, account.as_ref(), post.as_ref());
        let key = e.integration_id.clone().unwrap_or_default();
        if !self.decide(kind, &key, now, &mut fan.incidents).await? {
            return Ok(fan);
        }
        fan.state = "sent";
        let words = events::words(kind, e, account.as_ref(), post.as_ref());
        for person in self.audience(kind, account.as_ref(), post.as_ref()).await? {
            fan.notices
                .push(self.notice(&person, e, kind, &words, now).await?);
        }
        for endpoint in self.store.endpoints().await? {
            // A test goes to the endpoint it names only.
            let wants = if kind == EventType::Test {
                e.subject_id.as_deref() == Some(endpoint.id.as_str())
            } else {
                endpoint.event_types == "*"
                    || endpoint.event_types.split(',').any(|t| t == kind.as_str())
            };
            if endpoint.disabled_at.is_none() && wants {
                fan.deliveries.push(NewDelivery {
                    id: ids::new_id("dlv"),
                    endpoint_id: endpoint.id,
                });
            }
        }
        Ok(fan)
    }

    /// Whether the event is told, and the incident changes it makes. A failure opens its
    /// incident and is told, unless the same incident is open (and younger than the quiet
    /// period) or closed within the quiet period after being told; a recovery closes the
    /// account's incidents and is told when one of them was.
    async fn decide(
        &self,
        kind: EventType,
        key: &str,
        now: i64,
        changes: &mut Vec<IncidentChange>,
    ) -> Result<bool, StoreError> {
        let quiet = self.config.notify.quiet_secs;
        if kind == EventType::Recovered {
            let open: Vec<IncidentRow> = self.store.notify_incidents_open(key).await?;
            changes.push(IncidentChange::CloseAll {
                integration_id: key.to_owned(),
            });
            return Ok(open.iter().any(|i| i.notified == 1));
        }
        let Some(incident) = kind.incident() else {
            return Ok(true);
        };
        let last = self.store.notify_incident(key, incident).await?;
        let told = match &last {
            Some(i) if i.closed_at.is_none() => now - i.opened_at >= quiet,
            Some(i) => !(i.notified == 1 && i.closed_at.is_some_and(|c| now - c < quiet)),
            None => true,
        };
        let still_open = last.as_ref().is_some_and(|i| i.closed_at.is_none());
        if told || !still_open {
            changes.push(IncidentChange::Open {
                integration_id: key.to_owned(),
                kind: incident.to_owned(),
                notified: told,
            });
        }
        Ok(told)
    }

    /// The people who hear an event, each once.
    async fn audience(
        &self,
        kind: EventType,
        account: Option<&IntegrationRow>,
        post: Option<&PublishJobRow>,
    ) -> Result<BTreeSet<String>, StoreError> {
        let mut people = BTreeSet::new();
        match kind.audience() {
            Audience::Nobody => {}
            Audience::Owners | Audience::AuthorAndOwners => {
                if let Some(a) = account {
                    for m in self.store.members_of(&a.id).await? {
                        if m.role == Role::Owner {
                            people.insert(m.user_id);
                        }
                    }
                }
                if kind.audience() == Audience::AuthorAndOwners {
                    if let Some(author) = post.and_then(|p| p.created_by.clone()) {
                        people.insert(author);
                    }
                }
            }
            Audience::Admins => {
                for (user, _, _) in self.store.admins().await? {
                    people.insert(user.id);
                }
                for instagram_id in &self.config.admins {
                    if let Some(a) = self.store.integration_by_instagram_id(instagram_id).await? {
                        if a.is_active() {
                            people.insert(a.user_id);
                        }
                    }
                }
            }
        }
        Ok(people)
    }

    /// One person's notice, and what becomes of its email.
    async fn notice(
        &self,
        person: &str,
        e: &EventRow,
        kind: EventType,
        words: &events::Words,
        now: i64,
    ) -> Result<NoticeRow, StoreError> {
        let settings = self.store.notify_settings(person).await?;
        let mode = settings
            .as_ref()
            .and_then(|s| NotifyMode::parse(&s.mode))
            .unwrap_or_default();
        let to = settings.and_then(|s| s.email);
        let state = match (&to, mode) {
            _ if self.mailer.is_none() => "no_address",
            (None, _) => "no_address",
            (Some(_), NotifyMode::Off) => "off",
            (Some(_), NotifyMode::Digest) => "digest",
            (Some(_), NotifyMode::Instant) => "pending",
        };
        Ok(NoticeRow {
            id: ids::new_id("ntc"),
            user_id: person.to_owned(),
            event_id: e.id.clone(),
            integration_id: e.integration_id.clone(),
            kind: kind.as_str().to_owned(),
            title: words.title.clone(),
            body: words.body.clone(),
            link: words.link.clone(),
            created_at: now,
            email_state: state.to_owned(),
            email_to: to,
            attempts: 0,
            next_attempt_at: (state == "pending").then_some(now),
            last_error: None,
            sent_at: None,
        })
    }
}
