//! The Facebook side of the world: people who log in with Facebook, the Pages they have a role
//! on, the Instagram professional accounts linked to those Pages, and the codes of the
//! Facebook Login dialog.

use std::collections::BTreeMap;

use serde::Serialize;

/// Lifetime of a Facebook dialog code.
pub const FB_CODE_TTL: i64 = 600;
/// Lifetime of a short-lived Facebook user token (one to two hours).
pub const FB_SHORT_TOKEN_TTL: i64 = 5_400;
/// What "never expires" is stored as (a Page token derived from a long-lived user token).
pub const NEVER: i64 = i64::MAX / 2;
/// The tasks a Page role gives, as `/me/accounts` lists them.
pub const PAGE_TASKS: [&str; 5] = [
    "MANAGE",
    "CREATE_CONTENT",
    "MODERATE",
    "ADVERTISE",
    "ANALYZE",
];

/// Someone who logs in with Facebook.
#[derive(Debug, Clone, Serialize)]
pub struct FbPerson {
    /// Their app-scoped Facebook user ID.
    pub id: String,
    /// Their name.
    pub name: String,
    /// The Pages they have a role on, in the order the dialog lists them.
    pub pages: Vec<String>,
    /// They removed the app from their Facebook settings.
    pub app_removed: bool,
}

/// A Facebook Page.
#[derive(Debug, Clone, Serialize)]
pub struct FbPage {
    /// Its ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its category.
    pub category: String,
    /// The Instagram professional account linked to it, if any (IG ID).
    pub instagram: Option<String>,
}

/// A code of the Facebook Login dialog in flight.
#[derive(Debug, Clone)]
pub struct FbCode {
    /// Who pressed Continue.
    pub person: String,
    /// The Pages they chose.
    pub pages: Vec<String>,
    /// The permissions granted.
    pub scopes: Vec<String>,
    /// The dialog's redirect URI.
    pub redirect_uri: String,
    /// Issued at.
    pub issued_at: i64,
    /// Already exchanged.
    pub used: bool,
}

/// What a Facebook user or Page token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FbGrant {
    /// The person who logged in.
    pub person: String,
    /// The Pages they chose in the dialog.
    pub pages: Vec<String>,
    /// For a Page token: its Page.
    pub page: Option<String>,
}

/// The Facebook side, behind the world's lock.
#[derive(Debug, Default)]
pub struct Facebook {
    /// People by ID.
    pub people: BTreeMap<String, FbPerson>,
    /// Pages by ID.
    pub pages: BTreeMap<String, FbPage>,
    /// Dialog codes.
    pub codes: BTreeMap<String, FbCode>,
}

impl Facebook {
    /// Whether `person` still has a role on `page`.
    pub fn has_role(&self, person: &str, page: &str) -> bool {
        self.people
            .get(person)
            .is_some_and(|p| p.pages.iter().any(|x| x == page))
    }

    /// The Page linked to `ig_id` among `pages` on which `person` still has a role.
    pub fn page_for(&self, person: &str, pages: &[String], ig_id: &str) -> Option<&FbPage> {
        pages
            .iter()
            .filter(|p| self.has_role(person, p))
            .filter_map(|p| self.pages.get(p))
            .find(|p| p.instagram.as_deref() == Some(ig_id))
    }

    /// Seeds the demo person: three Pages linked to the demo Instagram accounts and one Page
    /// without an Instagram account.
    pub fn seed(&mut self, linked: &[(&str, &str)]) {
        let mut pages = Vec::new();
        for (i, (name, ig_id)) in linked.iter().enumerate() {
            let id = format!("1045000000000{:02}", i + 1);
            self.pages.insert(
                id.clone(),
                FbPage {
                    id: id.clone(),
                    name: (*name).to_owned(),
                    category: "Local business".to_owned(),
                    instagram: Some((*ig_id).to_owned()),
                },
            );
            pages.push(id);
        }
        let unlinked = "104500000000099".to_owned();
        self.pages.insert(
            unlinked.clone(),
            FbPage {
                id: unlinked.clone(),
                name: "Sandbox Café".to_owned(),
                category: "Café".to_owned(),
                instagram: None,
            },
        );
        pages.push(unlinked);
        let id = "1200000000000001".to_owned();
        self.people.insert(
            id.clone(),
            FbPerson {
                id,
                name: "Sam Sandbox".to_owned(),
                pages,
                app_removed: false,
            },
        );
    }
}
