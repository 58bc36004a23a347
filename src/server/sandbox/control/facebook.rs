//! The Facebook side on demand: listing people and Pages, and the changes a person makes on
//! Facebook that the app must notice (a Page role removed or given back, the app removed, a
//! Page's Instagram account unlinked or linked).

use axum::{response::IntoResponse, response::Response, Json};
use serde::Deserialize;
use serde_json::json;

use super::base::{bad, resolve, S};
use crate::server::sandbox::state::SandboxState;

/// A change on the Facebook side (`POST /__sandbox/facebook`).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FacebookChange {
    /// The person loses their role on the Page: their user token no longer reaches its
    /// account, and the Page tokens they made die with 190/492.
    RemoveRole {
        /// Facebook user ID.
        person: String,
        /// Page ID.
        page: String,
    },
    /// The person gets a role on the Page (again).
    GiveRole {
        /// Facebook user ID.
        person: String,
        /// Page ID.
        page: String,
    },
    /// The person removes the app in their Facebook settings: every token they gave dies
    /// with 190/458.
    RemoveApp {
        /// Facebook user ID.
        person: String,
    },
    /// The Page's linked Instagram account changes (`null`: unlinked).
    Link {
        /// Page ID.
        page: String,
        /// An IG ID or username, or none.
        instagram: Option<String>,
    },
}

/// Applies a change; the reason it cannot be applied otherwise.
pub fn apply(state: &SandboxState, change: FacebookChange) -> Result<(), String> {
    let instagram = match &change {
        FacebookChange::Link {
            instagram: Some(a), ..
        } => Some(resolve(state, a).ok_or_else(|| format!("unknown account {a}"))?),
        _ => None,
    };
    let mut w = state.world();
    let fb = &mut w.facebook;
    match change {
        FacebookChange::RemoveRole { person, page } => {
            let p = fb.people.get_mut(&person).ok_or("unknown person")?;
            p.pages.retain(|x| *x != page);
            // The Page tokens the person made die for good: a role given back later does not
            // bring them back.
            for t in w.tokens.values_mut() {
                let theirs =
                    t.fb.as_ref()
                        .is_some_and(|g| g.person == person && g.page.as_deref() == Some(&page));
                if theirs {
                    t.revoked = Some(492);
                }
            }
        }
        FacebookChange::GiveRole { person, page } => {
            if !fb.pages.contains_key(&page) {
                return Err("unknown Page".into());
            }
            let p = fb.people.get_mut(&person).ok_or("unknown person")?;
            if !p.pages.contains(&page) {
                p.pages.push(page);
            }
        }
        FacebookChange::RemoveApp { person } => {
            fb.people
                .get_mut(&person)
                .ok_or("unknown person")?
                .app_removed = true;
            for t in w.tokens.values_mut() {
                if t.fb.as_ref().is_some_and(|g| g.person == person) {
                    t.revoked = Some(458);
                }
            }
        }
        FacebookChange::Link { page, .. } => {
            fb.pages.get_mut(&page).ok_or("unknown Page")?.instagram = instagram;
        }
    }
    Ok(())
}

/// `GET /__sandbox/facebook`: people and Pages.
pub async fn list(axum::extract::State(state): S) -> Response {
    let w = state.world();
    Json(json!({
        "people": w.facebook.people.values().collect::<Vec<_>>(),
        "pages": w.facebook.pages.values().collect::<Vec<_>>(),
    }))
    .into_response()
}

/// `POST /__sandbox/facebook`: a change.
pub async fn change(axum::extract::State(state): S, Json(c): Json<FacebookChange>) -> Response {
    match apply(&state, c) {
        Ok(()) => Json(json!({ "ok": true })).into_response(),
        Err(why) => bad(why),
    }
}
