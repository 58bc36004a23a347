//! How each row of the access table is called, as each caller.

use instagram_connect::server::auth::table::{Entry, Kind};
use serde_json::{json, Value};

use super::{As, Rig};

/// How a row is called.
pub(super) struct Probe {
    pub(super) method: &'static str,
    pub(super) path: String,
    pub(super) form: Vec<(String, String)>,
    pub(super) json: Option<Value>,
    pub(super) fragment: bool,
    /// The caller the answer is checked for (default: the row's `Who`). A row about a person's
    /// own things, called with the victim's, lets only the victim through.
    pub(super) only_owner: bool,
    /// Changes the account: called on the spare account, after every other row.
    pub(super) destructive: bool,
    /// About the caller's own role (leaving): an admin without one has nothing to act on.
    pub(super) members_only: bool,
}

impl Probe {
    fn get(path: String) -> Self {
        Probe {
            method: "GET",
            path,
            form: Vec::new(),
            json: None,
            fragment: false,
            only_owner: false,
            destructive: false,
            members_only: false,
        }
    }

    fn post(path: &str, form: &[(&str, &str)]) -> Self {
        Probe {
            method: "POST",
            path: path.to_owned(),
            form: form
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..Probe::get(String::new())
        }
    }

    fn json(path: &str, body: Value) -> Self {
        Probe {
            method: "POST",
            json: Some(body),
            ..Probe::get(path.to_owned())
        }
    }

    fn fragment(mut self) -> Self {
        self.fragment = true;
        self
    }

    fn only_owner(mut self) -> Self {
        self.only_owner = true;
        self
    }

    fn destructive(mut self) -> Self {
        self.destructive = true;
        self
    }

    fn members_only(mut self) -> Self {
        self.members_only = true;
        self
    }
}

impl Rig {
    /// How to call `entry`, as `caller`.
    pub(super) fn probe(&self, entry: &Entry, caller: As) -> Option<Probe> {
        let a = &self.bakery;
        let s = &self.spare;
        let p = self
            .page_probe(entry)
            .or_else(|| self.server_function_probe(entry))
            .or_else(|| self.route_probe(entry, caller))?;
        // Destructive rows act on the spare account when they are let through.
        Some(if p.destructive {
            Probe {
                path: p.path.replace(a.as_str(), s),
                form: p
                    .form
                    .into_iter()
                    .map(|(k, v)| (k, if v == *a { s.clone() } else { v }))
                    .collect(),
                ..p
            }
        } else {
            p
        })
    }

    /// How to call a page's row (`None` for any other row).
    fn page_probe(&self, entry: &Entry) -> Option<Probe> {
        let a = &self.bakery;
        let m = &self.media;
        Some(match (entry.method, entry.path) {
            (_, "/") => Probe::get("/".into()),
            (_, "/connect") => Probe::get("/connect".into()),
            (_, "/auth/instagram/callback") => Probe::get("/auth/instagram/callback".into()),
            (_, "/connect/facebook") => Probe::get("/connect/facebook".into()),
            (_, "/sign-in") => Probe::get("/sign-in".into()),
            (_, "/media") => Probe::get(format!("/media?account={a}")),
            (_, "/media/{account}/posts/{media}") => Probe::get(format!("/media/{a}/posts/{m}")),
            (_, "/media/{account}/insights") => Probe::get(format!("/media/{a}/insights")),
            (_, "/media/{account}/hashtags") => Probe::get(format!("/media/{a}/hashtags?q=bread")),
            (_, "/media/{account}/discover") => {
                Probe::get(format!("/media/{a}/discover?username=sandbox.studio"))
            }
            (_, "/media/{account}/publish") if entry.kind == Kind::Page => {
                Probe::get(format!("/media/{a}/publish"))
            }
            (_, "/media/{account}/publish/{job}") if entry.kind == Kind::Page => {
                Probe::get(format!("/media/{a}/publish/{}", self.job))
            }
            (_, "/media/{account}/calendar") => {
                Probe::get(format!("/media/{a}/calendar?view=week"))
            }
            (_, "/accounts") => Probe::get("/accounts".into()),
            (_, "/sharing") => Probe::get("/sharing".into()),
            (_, "/invite") => Probe::get("/invite".into()),
            (_, "/admin") => Probe::get("/admin".into()),
            (_, "/privacy/deletion") => Probe::get("/privacy/deletion?code=del_x".into()),
            (_, "/developers") => Probe::get("/developers".into()),
            _ => return None,
        })
    }

    /// How to call a server function's row (`None` for any other row).
    fn server_function_probe(&self, entry: &Entry) -> Option<Probe> {
        let a = &self.bakery;
        let m = &self.media;
        Some(match (entry.method, entry.path) {
            (_, "/api/connect/info") => Probe::post(entry.path, &[]),
            (_, "/api/developers/reference") => Probe::post(entry.path, &[]),
            (_, "/api/connect/start") => Probe::post(entry.path, &[("return_to", "")]),
            (_, "/api/connect/complete") => {
                Probe::post(entry.path, &[("code", "c"), ("state", "s")])
            }
            (_, "/api/account/viewer") => Probe::post(entry.path, &[]),
            (_, "/api/account/sign-out") => Probe::post(entry.path, &[]).destructive(),
            (_, "/api/account/methods") => Probe::post(entry.path, &[]),
            (_, "/api/account/connections") => Probe::post(entry.path, &[]),
            (_, "/api/connect/facebook") => Probe::post(entry.path, &[]),
            (_, "/api/account/remove-method") => {
                Probe::post(entry.path, &[("id", &self.owner_method)])
                    .only_owner()
                    .destructive()
            }
            (_, "/api/account/sign-in-with") => {
                Probe::post(entry.path, &[("id", a), ("on", "true")])
            }
            (_, "/api/account/refresh") => Probe::post(entry.path, &[("id", a)]),
            (_, "/api/account/disconnect") => Probe::post(entry.path, &[("id", a)]).destructive(),
            (_, "/api/account/leave") => Probe::post(entry.path, &[("id", a)])
                .destructive()
                .members_only(),
            (_, "/api/privacy/deletion-status") => Probe::post(entry.path, &[("code", "del_x")]),
            (_, "/api/media/gallery") => Probe::post(entry.path, &[("account", a)]),
            (_, "/api/media/post") => Probe::post(entry.path, &[("account", a), ("media", m)]),
            (_, "/api/media/insights") => Probe::post(entry.path, &[("account", a)]),
            (_, "/api/media/discover") => Probe::post(
                entry.path,
                &[("account", a), ("username", "sandbox.studio")],
            ),
            (_, "/api/media/hashtags") => Probe::post(
                entry.path,
                &[("account", a), ("q", "bread"), ("recent", "false")],
            ),
            (_, "/api/media/publishing") => Probe::post(entry.path, &[("account", a)]),
            (_, "/api/media/publish-job") => {
                Probe::post(entry.path, &[("account", a), ("job", &self.job)])
            }
            (_, "/api/media/calendar") => Probe::post(entry.path, &[("account", a)]),
            (_, "/api/media/notice") => Probe::post(entry.path, &[]),
            (_, "/api/sharing/view") => Probe::post(entry.path, &[]),
            (_, "/api/sharing/invite") => Probe::post(
                entry.path,
                &[("accounts[]", a), ("role", "viewer"), ("days", "7")],
            ),
            (_, "/api/sharing/revoke") => {
                Probe::post(entry.path, &[("id", &self.owner_invitation)]).only_owner()
            }
            (_, "/api/sharing/set-role") => Probe::post(
                entry.path,
                &[
                    ("account", a),
                    ("user", &self.viewer_id),
                    ("role", "viewer"),
                ],
            ),
            (_, "/api/sharing/remove") => {
                Probe::post(entry.path, &[("account", a), ("user", &self.bystander_id)])
                    .destructive()
            }
            (_, "/api/invite/view") => Probe::post(entry.path, &[]),
            (_, "/api/invite/accept") => Probe::post(entry.path, &[]),
            (_, "/api/admin/overview") => Probe::post(entry.path, &[]),
            (_, "/api/admin/refresh") => Probe::post(entry.path, &[("id", a)]),
            (_, "/api/admin/disconnect") => Probe::post(entry.path, &[("id", a)]).destructive(),
            (_, "/api/admin/refresh-all") => Probe::post(entry.path, &[("days", "1")]),
            (_, "/api/admin/notifications") => Probe::post(entry.path, &[]),
            (_, "/api/account/notifications") => Probe::post(entry.path, &[]),
            _ => return None,
        })
    }

    /// How to call the row of a plain route (fragments, the passkey ceremonies, the REST API,
    /// webhooks, health and metrics) as `caller` (`None` for any other row).
    fn route_probe(&self, entry: &Entry, caller: As) -> Option<Probe> {
        if let Some(p) = self
            .publishing_probe(entry, caller)
            .or_else(|| notification_probe(entry))
        {
            return Some(p);
        }
        let a = &self.bakery;
        let m = &self.media;
        let comment = &self.comments[&caller];
        Some(match (entry.method, entry.path) {
            (_, "/media/{account}/page") => {
                Probe::get(format!("/media/{a}/page?after=QVFIabc")).fragment()
            }
            (_, "/media/{account}/refresh") => {
                Probe::post(&format!("/media/{a}/refresh"), &[]).fragment()
            }
            (_, "/media/{account}/posts/{media}/comments") => Probe::post(
                &format!("/media/{a}/posts/{m}/comments"),
                &[
                    ("parent", comment),
                    ("key", &format!("k_reply_{caller:?}_0123456789")),
                    ("message", "Thanks!"),
                ],
            )
            .fragment(),
            (_, "/media/{account}/posts/{media}/comments/{comment}/hide") => Probe::post(
                &format!("/media/{a}/posts/{m}/comments/{comment}/hide"),
                &[("hide", "true")],
            )
            .fragment(),
            (_, "/media/{account}/posts/{media}/comments/{comment}/delete") => Probe::post(
                &format!("/media/{a}/posts/{m}/comments/{comment}/delete"),
                &[],
            )
            .fragment(),
            (_, "/connect/facebook/start") => Probe::post(entry.path, &[]),
            (_, "/auth/facebook/callback") => {
                Probe::get("/auth/facebook/callback?code=c&state=s".into())
            }
            (_, "/connect/facebook/choose") => Probe::post(entry.path, &[("page", "1")]),
            (_, "/admin/batch") => Probe::get("/admin/batch".into()).fragment(),
            (_, "/admin/events") => Probe::get("/admin/events".into()),
            (_, "/auth/passkey/register/start") => Probe::json(entry.path, json!({})),
            (_, "/auth/passkey/register/finish") => Probe::json(entry.path, bogus_credential()),
            (_, "/auth/passkey/sign-in/start") => Probe::json(entry.path, json!({})),
            (_, "/auth/passkey/sign-in/finish") => Probe::json(entry.path, bogus_credential()),
            (_, "/integrations/instagram/token") => Probe::json(
                entry.path,
                json!({ "code": "nope", "redirectUri": self.app.url("/auth/instagram/callback") }),
            ),
            (_, "/integrations/instagram/refresh/{integration_id}") => {
                Probe::json(&format!("/integrations/instagram/refresh/{a}"), json!({}))
            }
            (_, "/integrations/instagram/openapi.json") => Probe::get(entry.path.into()),
            (_, "/healthz") => Probe::get("/healthz".into()),
            (_, "/metrics") => Probe::get("/metrics".into()),
            ("GET", "/integrations/instagram/webhook") => Probe::get(format!(
                "{}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=abc",
                entry.path
            )),
            ("POST", "/integrations/instagram/webhook") => {
                Probe::json(entry.path, json!({ "object": "instagram", "entry": [] }))
            }
            (
                _,
                "/integrations/instagram/deauthorize" | "/integrations/instagram/data-deletion",
            ) => Probe::post(entry.path, &[("signed_request", "forged.payload")]),
            _ => return None,
        })
    }
}

impl Rig {
    /// How to call a publishing route's row (`None` for any other row).
    fn publishing_probe(&self, entry: &Entry, caller: As) -> Option<Probe> {
        let a = &self.bakery;
        Some(match (entry.method, entry.path) {
            ("POST", "/media/{account}/publish") => Probe::post(
                &format!("/media/{a}/publish"),
                &[
                    ("key", &format!("k_publish_{caller:?}_01234")),
                    ("kind", "image"),
                    ("urls", "https://cdn.example.com/b.jpg"),
                ],
            )
            .fragment(),
            // The post is published: whoever may act gets 409 and nothing changes.
            ("POST", "/media/{account}/publish/{job}") => Probe::post(
                &format!("/media/{a}/publish/{}", self.job),
                &[("action", "cancel")],
            )
            .fragment(),
            (_, "/uploads/{upload}/{file}") => {
                Probe::get("/uploads/upl_unknown/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.jpg".into())
            }
            (_, "/media/{account}/publish/{job}/status") => {
                Probe::get(format!("/media/{a}/publish/{}/status", self.job)).fragment()
            }
            _ => return None,
        })
    }
}

/// How to call a notification route's row (`None` for any other row). Links carry a wrong
/// proof: only their holder gets through.
fn notification_probe(entry: &Entry) -> Option<Probe> {
    const LINK: &str = "usr_unknown/4102444800.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    Some(match (entry.method, entry.path) {
        (_, "/accounts/notifications") => {
            Probe::post(entry.path, &[("email", ""), ("mode", "instant")])
        }
        ("GET", "/notifications/confirm/{user}/{proof}") => {
            Probe::get(format!("/notifications/confirm/{LINK}"))
        }
        ("POST", "/notifications/confirm/{user}/{proof}") => {
            Probe::post(&format!("/notifications/confirm/{LINK}"), &[])
        }
        ("GET", "/notifications/unsubscribe/{user}/{proof}") => {
            Probe::get(format!("/notifications/unsubscribe/{LINK}"))
        }
        ("POST", "/notifications/unsubscribe/{user}/{proof}") => Probe::post(
            &format!("/notifications/unsubscribe/{LINK}"),
            &[("List-Unsubscribe", "One-Click")],
        ),
        (_, "/admin/endpoints") => Probe::post(
            entry.path,
            &[("url", "http://127.0.0.1:9/hooks"), ("types", "test.ping")],
        ),
        (_, "/admin/endpoints/{endpoint}/delete") => {
            Probe::post("/admin/endpoints/wep_unknown/delete", &[])
        }
        (_, "/admin/endpoints/{endpoint}/test") => {
            Probe::post("/admin/endpoints/wep_unknown/test", &[])
        }
        _ => return None,
    })
}

fn bogus_credential() -> Value {
    json!({ "id": "AAAA", "rawId": "AAAA", "type": "public-key",
            "response": { "clientDataJSON": "e30", "authenticatorData": "AAAA", "signature": "AAAA",
                          "attestationObject": "AAAA" } })
}
