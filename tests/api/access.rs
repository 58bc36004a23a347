//! The authorization matrix (ID-04): every row of the access table (`server::auth::table`),
//! which the router itself refuses to start without, called as every kind of caller:
//! nobody, another person, a viewer, an editor and an owner of the account, an admin, an API
//! key, and a session opened through an account that was since disconnected. Each answer must
//! be the row's; whoever is refused changes nothing of the account's (its token, its people,
//! its jobs, its comments on Instagram) and sees nothing of it.

use std::collections::{BTreeMap, HashMap};

use instagram_connect::{
    model::{Capability, Role},
    server::{
        auth::{
            api_keys,
            table::{Entry, Kind, Who, TABLE},
        },
        clock::Clock,
        sandbox::NewAccount,
    },
};
use serde_json::{json, Value};

use crate::helpers::TestApp;

const BAKERY_ID: &str = "17841400000000001";
const STUDIO_ID: &str = "17841400000000002";
/// Only the victim's team may see this name anywhere.
const VICTIM: &str = "sandbox.bakery";

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum As {
    Anonymous,
    Other,
    Viewer,
    Editor,
    Owner,
    Admin,
    ApiKey,
    Stale,
}

const EVERYONE: [As; 8] = [
    As::Anonymous,
    As::Other,
    As::Viewer,
    As::Editor,
    As::Owner,
    As::Admin,
    As::ApiKey,
    As::Stale,
];

/// What a caller should get.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    /// Through the authorization (any answer but 401, 403 and 404).
    Allowed,
    /// Refused with one of these statuses.
    Refused(&'static [u16]),
}

/// The role a caller has on the victim's account.
fn role(caller: As) -> Option<Role> {
    match caller {
        As::Viewer => Some(Role::Viewer),
        As::Editor => Some(Role::Editor),
        As::Owner => Some(Role::Owner),
        _ => None,
    }
}

fn signed_in(caller: As) -> bool {
    !matches!(caller, As::Anonymous | As::ApiKey | As::Stale)
}

/// The answer a row's `Who` gives a caller.
fn expected(entry: &Entry, caller: As) -> Expect {
    use Expect::*;
    let anonymous: &'static [u16] = &[401];
    match entry.who {
        Who::Anyone => Allowed,
        Who::Meta => Refused(&[400, 401, 403]),
        Who::MetricsToken => Refused(&[401]),
        Who::Person => {
            if signed_in(caller) {
                Allowed
            } else {
                Refused(anonymous)
            }
        }
        Who::Admin => match caller {
            As::Admin => Allowed,
            c if signed_in(c) => Refused(&[403]),
            _ => Refused(anonymous),
        },
        Who::ApiKeyOrPerson => {
            if signed_in(caller) || caller == As::ApiKey {
                Allowed
            } else {
                Refused(anonymous)
            }
        }
        Who::PersonOrLinkHolder => {
            if signed_in(caller) {
                Allowed
            } else {
                // Without an invitation opened in the session there is nothing to finish.
                Refused(&[400, 401])
            }
        }
        // Called without a link opened in the session: nothing to see or accept.
        Who::LinkHolder => Refused(&[401, 404]),
        Who::Account(cap) => account(entry, cap, caller),
        Who::Job(_) | Who::System => unreachable!("jobs are not called over HTTP"),
    }
}

fn account(entry: &Entry, cap: Capability, caller: As) -> Expect {
    use Expect::*;
    // The REST API answers 403 to a caller who may not refresh an integration that exists.
    let rest = entry.kind == Kind::Api;
    match caller {
        As::ApiKey if rest => Allowed,
        As::Anonymous | As::Stale | As::ApiKey => Refused(&[401]),
        As::Admin if cap.for_admins() => Allowed,
        As::Admin => Refused(&[403]),
        As::Other => Refused(if rest { &[403] } else { &[404] }),
        c => {
            if role(c).is_some_and(|r| r.allows(cap)) {
                Allowed
            } else {
                Refused(&[403])
            }
        }
    }
}

/// How a row is called.
struct Probe {
    method: &'static str,
    path: String,
    form: Vec<(String, String)>,
    json: Option<Value>,
    fragment: bool,
    /// The caller the answer is checked for (default: the row's `Who`). A row about a person's
    /// own things, called with the victim's, lets only the victim through.
    only_owner: bool,
    /// Changes the account: called on the spare account, after every other row.
    destructive: bool,
    /// About the caller's own role (leaving): an admin without one has nothing to act on.
    members_only: bool,
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

/// The app with the victim's account shared with a viewer and an editor, and every caller.
struct Rig {
    app: TestApp,
    clients: BTreeMap<As, reqwest::Client>,
    api_key: String,
    bakery: String,
    spare: String,
    media: String,
    comments: HashMap<As, String>,
    job: String,
    owner_method: String,
    owner_invitation: String,
    viewer_id: String,
    bystander_id: String,
}

/// Starts a connection in `client` and completes it for `ig_id`.
async fn connect(app: &TestApp, client: &reqwest::Client, ig_id: &str) -> String {
    app.connect(client, ig_id).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Opens an invitation link in `client` and accepts it.
pub async fn accept(app: &TestApp, client: &reqwest::Client, link: &str) -> reqwest::Response {
    let res = client.get(link).send().await.unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()["location"], "/invite");
    app.call_form(client, "/api/invite/accept", &[]).await
}

/// Makes a sharing link as `client` (an owner); its address.
pub async fn invite(
    app: &TestApp,
    client: &reqwest::Client,
    accounts: &[&str],
    role: &str,
) -> String {
    let mut form: Vec<(&str, &str)> = accounts.iter().map(|a| ("accounts[]", *a)).collect();
    form.push(("role", role));
    form.push(("days", "7"));
    let res = app.call_form(client, "/api/sharing/invite", &form).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let view: Value = app
        .call_form(client, "/api/sharing/view", &[])
        .await
        .json()
        .await
        .unwrap();
    view["new_link"].as_str().expect("the new link").to_owned()
}

async fn sandbox_post(app: &TestApp, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}{path}", app.sandbox.url()))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

impl Rig {
    async fn new() -> Rig {
        let app = TestApp::builder()
            .var("METRICS_TOKEN", "metrics-secret")
            .spawn()
            .await;
        let mut clients = BTreeMap::new();
        for c in EVERYONE {
            clients.insert(c, app.browser());
        }
        let named = |n: &str| {
            app.sandbox
                .add_account(NewAccount::named(n))
                .expect("a sandbox account")
        };

        // The victim: the owner signs in with @sandbox.bakery and owns a spare account too.
        let owner = &clients[&As::Owner];
        let bakery = connect(&app, owner, BAKERY_ID).await;
        let spare = connect(&app, owner, &named("spare.shop")).await;
        // Their team: a viewer and an editor, each a person of their own.
        connect(&app, &clients[&As::Viewer], &named("viewer.person")).await;
        connect(&app, &clients[&As::Editor], &named("editor.person")).await;
        for (c, role) in [(As::Viewer, "viewer"), (As::Editor, "editor")] {
            let link = invite(&app, owner, &[&bakery, &spare], role).await;
            let res = accept(&app, &clients[&c], &link).await;
            assert_eq!(res.status(), 200, "{:?}", res.text().await);
        }
        // Someone else, and an admin (made by an operator).
        connect(&app, &clients[&As::Other], STUDIO_ID).await;
        connect(&app, &clients[&As::Admin], &named("admin.person")).await;
        let admin_id = app.viewer(&clients[&As::Admin]).await["user_id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.store
            .admin_grant(&admin_id, app.clock.now(), "test")
            .await
            .unwrap();
        assert_eq!(app.viewer(&clients[&As::Admin]).await["is_admin"], true);

        // A session opened through an account that was disconnected since: the owner's second
        // account, made a way to sign in and used in another browser, then disconnected.
        let second_ig = named("owner.second");
        let second = connect(&app, owner, &second_ig).await;
        let on = app
            .call_form(
                owner,
                "/api/account/sign-in-with",
                &[("id", &second), ("on", "true")],
            )
            .await;
        assert_eq!(on.status(), 200);
        connect(&app, &clients[&As::Stale], &second_ig).await;
        assert_eq!(
            app.viewer(&clients[&As::Stale]).await["display_name"],
            app.viewer(owner).await["display_name"]
        );
        let off = app
            .call_form(owner, "/api/account/disconnect", &[("id", &second)])
            .await;
        assert_eq!(off.status(), 200);

        let key = api_keys::create(app.store.as_ref(), "matrix", app.clock.now())
            .await
            .unwrap()
            .secret;

        // Things of the victim's to name: a post, comments, a publishing job, the owner's
        // sign-in method and a link they made.
        let mut comments = HashMap::new();
        let mut media = String::new();
        for c in EVERYONE {
            let made = sandbox_post(
                &app,
                "__sandbox/simulate/comment",
                json!({ "account": VICTIM, "text": format!("comment for {c:?}") }),
            )
            .await;
            media = made["media_id"].as_str().unwrap().to_owned();
            comments.insert(c, made["id"].as_str().unwrap().to_owned());
        }
        let publish = owner
            .post(app.url(&format!("/media/{bakery}/publish")))
            .form(&[
                ("key", "k_matrix_job_0001"),
                ("kind", "image"),
                ("urls", "https://cdn.example.com/a.jpg"),
            ])
            .send()
            .await
            .unwrap();
        assert!(publish.status().is_redirection(), "{}", publish.status());
        crate::helpers::eventually("the owner's post is published", || async {
            app.store
                .publish_job_get("k_matrix_job_0001")
                .await
                .unwrap()
                .is_some_and(|j| j.status.as_str() == "published")
        })
        .await;
        let methods: Value = app
            .call_form(owner, "/api/account/methods", &[])
            .await
            .json()
            .await
            .unwrap();
        let owner_method = methods[0][0]["id"].as_str().unwrap().to_owned();
        invite(&app, owner, &[&bakery], "viewer").await;
        let view: Value = app
            .call_form(owner, "/api/sharing/view", &[])
            .await
            .json()
            .await
            .unwrap();
        let owner_invitation = view["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["state"] == "open")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let viewer_id = app.viewer(&clients[&As::Viewer]).await["user_id"]
            .as_str()
            .unwrap()
            .to_owned();
        // Someone the owner removes from both accounts (an allowed call).
        let bystander = app.browser();
        connect(&app, &bystander, &named("bystander.person")).await;
        let link = invite(&app, owner, &[&bakery, &spare], "viewer").await;
        assert_eq!(accept(&app, &bystander, &link).await.status(), 200);
        let bystander_id = app.viewer(&bystander).await["user_id"]
            .as_str()
            .unwrap()
            .to_owned();
        Rig {
            app,
            clients,
            api_key: key,
            bakery,
            spare,
            media,
            comments,
            job: "k_matrix_job_0001".to_owned(),
            owner_method,
            owner_invitation,
            viewer_id,
            bystander_id,
        }
    }

    /// How to call `entry`, as `caller`.
    fn probe(&self, entry: &Entry, caller: As) -> Option<Probe> {
        let a = &self.bakery;
        let s = &self.spare;
        let m = &self.media;
        let comment = &self.comments[&caller];
        let p = match (entry.method, entry.path) {
            (_, "/") => Probe::get("/".into()),
            (_, "/connect") => Probe::get("/connect".into()),
            (_, "/auth/instagram/callback") => Probe::get("/auth/instagram/callback".into()),
            (_, "/sign-in") => Probe::get("/sign-in".into()),
            (_, "/media") => Probe::get(format!("/media?account={a}")),
            (_, "/media/{account}/posts/{media}") => Probe::get(format!("/media/{a}/posts/{m}")),
            (_, "/media/{account}/insights") => Probe::get(format!("/media/{a}/insights")),
            (_, "/media/{account}/publish") if entry.kind == Kind::Page => {
                Probe::get(format!("/media/{a}/publish"))
            }
            (_, "/accounts") => Probe::get("/accounts".into()),
            (_, "/sharing") => Probe::get("/sharing".into()),
            (_, "/invite") => Probe::get("/invite".into()),
            (_, "/admin") => Probe::get("/admin".into()),
            (_, "/privacy/deletion") => Probe::get("/privacy/deletion?code=del_x".into()),
            (_, "/api/connect/info") => Probe::post(entry.path, &[]),
            (_, "/api/connect/start") => Probe::post(entry.path, &[("return_to", "")]),
            (_, "/api/connect/complete") => {
                Probe::post(entry.path, &[("code", "c"), ("state", "s")])
            }
            (_, "/api/account/viewer") => Probe::post(entry.path, &[]),
            (_, "/api/account/sign-out") => Probe::post(entry.path, &[]).destructive(),
            (_, "/api/account/methods") => Probe::post(entry.path, &[]),
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
            (_, "/api/media/publishing") => Probe::post(entry.path, &[("account", a)]),
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
            ("POST", "/media/{account}/publish") => Probe::post(
                &format!("/media/{a}/publish"),
                &[
                    ("key", &format!("k_publish_{caller:?}_01234")),
                    ("kind", "image"),
                    ("urls", "https://cdn.example.com/b.jpg"),
                ],
            )
            .fragment(),
            (_, "/media/{account}/publish/{job}/status") => {
                Probe::get(format!("/media/{a}/publish/{}/status", self.job)).fragment()
            }
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
        };
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

    async fn call(&self, probe: &Probe, caller: As) -> (u16, String) {
        let client = &self.clients[&caller];
        let url = self.app.url(&probe.path);
        let mut req = match probe.method {
            "GET" => client.get(url),
            _ => client.post(url),
        };
        if caller == As::ApiKey {
            req = req.bearer_auth(&self.api_key);
        }
        if probe.fragment {
            req = req.header("x-fragment", "1");
        }
        req = req.header("accept", "application/json");
        if let Some(body) = &probe.json {
            req = req.json(body);
        } else if probe.method == "POST" {
            req = req.form(&probe.form);
        }
        let res = req.send().await.expect("the app answers");
        let status = res.status().as_u16();
        let body = if probe.path == "/admin/events" {
            // A live stream: the answer's head is enough.
            String::new()
        } else {
            res.text().await.unwrap_or_default()
        };
        (status, body)
    }

    /// Everything of the victim's a refused caller must not change.
    async fn victim(&self) -> Value {
        let row = self
            .app
            .store
            .integration_get(&self.bakery)
            .await
            .unwrap()
            .unwrap();
        let members: Vec<(String, String)> = self
            .app
            .store
            .members_of(&self.bakery)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.user_id, m.role))
            .collect();
        let owner = self.app.viewer(&self.clients[&As::Owner]).await;
        let methods = self
            .app
            .store
            .methods_for(owner["user_id"].as_str().unwrap())
            .await
            .unwrap()
            .len();
        let jobs = self
            .app
            .store
            .publish_jobs_for(&self.bakery, 100)
            .await
            .unwrap()
            .len();
        let invitations = self
            .app
            .store
            .invitations_by(owner["user_id"].as_str())
            .await
            .unwrap()
            .iter()
            .map(|(r, _)| (r.id.clone(), r.revoked_at.is_some()))
            .collect::<Vec<_>>();
        let sandbox_writes: Vec<String> = self
            .app
            .sandbox
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .map(|r| r.endpoint.clone())
            .collect();
        json!({
            "status": row.status, "version": row.version, "token": row.token_ciphertext,
            "members": members, "methods": methods, "jobs": jobs,
            "invitations": invitations, "sandbox_writes": sandbox_writes,
        })
    }
}

fn bogus_credential() -> Value {
    json!({ "id": "AAAA", "rawId": "AAAA", "type": "public-key",
            "response": { "clientDataJSON": "e30", "authenticatorData": "AAAA", "signature": "AAAA",
                          "attestationObject": "AAAA" } })
}

fn expectation(entry: &Entry, probe: &Probe, caller: As) -> Expect {
    if probe.members_only && caller == As::Admin {
        return Expect::Refused(&[404]);
    }
    if probe.only_owner {
        return match caller {
            As::Owner => Expect::Allowed,
            c if signed_in(c) => Expect::Refused(&[404]),
            _ => Expect::Refused(&[401]),
        };
    }
    expected(entry, caller)
}

fn check(entry: &Entry, caller: As, expect: &Expect, status: u16, body: &str) -> Option<String> {
    let ok = match expect {
        Expect::Allowed => !matches!(status, 401 | 403 | 404),
        Expect::Refused(statuses) => statuses.contains(&status),
    };
    let leaks = matches!(caller, As::Anonymous | As::Other | As::Stale | As::ApiKey)
        && body.contains(VICTIM);
    (!ok || leaks).then(|| {
        format!(
            "{} {} as {caller:?}: expected {expect:?}, got {status}{}",
            entry.method,
            entry.path,
            if leaks {
                " and it shows the victim's account"
            } else {
                ""
            }
        )
    })
}

#[tokio::test]
async fn every_route_answers_every_caller_as_its_row_says_and_refusals_change_nothing() {
    let rig = Rig::new().await;
    let mut failures = Vec::new();
    let mut allowed = Vec::new();
    let mut missing = Vec::new();
    let before = rig.victim().await;

    // Refusals first: none of them may change anything of the victim's.
    for entry in TABLE
        .iter()
        .filter(|e| !matches!(e.kind, Kind::Job | Kind::Asset))
    {
        for caller in EVERYONE {
            let Some(probe) = rig.probe(entry, caller) else {
                missing.push(format!("{} {}", entry.method, entry.path));
                break;
            };
            match expectation(entry, &probe, caller) {
                Expect::Allowed => allowed.push((entry, caller)),
                expect => {
                    let probe = Probe {
                        // Refused calls name the victim's own account, even the destructive.
                        path: probe.path.replace(&rig.spare, &rig.bakery),
                        form: probe
                            .form
                            .into_iter()
                            .map(|(k, v)| (k, v.replace(&rig.spare, &rig.bakery)))
                            .collect(),
                        ..probe
                    };
                    let (status, body) = rig.call(&probe, caller).await;
                    failures.extend(check(entry, caller, &expect, status, &body));
                }
            }
        }
    }
    assert!(missing.is_empty(), "rows without a probe here: {missing:?}");
    assert_eq!(
        rig.victim().await,
        before,
        "a refused call changed the victim's data"
    );

    // Then what each caller may do: harmless rows first, then those that change the spare
    // account, then the ones that end sessions.
    let rank = |p: &Probe| {
        if p.path.ends_with("/sign-out") {
            3
        } else if p.path.ends_with("/remove-method") {
            2
        } else if p.destructive {
            1
        } else {
            0
        }
    };
    let mut runs: Vec<(&Entry, As, Probe)> = allowed
        .into_iter()
        .filter_map(|(e, c)| rig.probe(e, c).map(|p| (e, c, p)))
        .collect();
    runs.sort_by_key(|(_, c, p)| (rank(p), *c == As::Owner || *c == As::Admin));
    for (entry, caller, probe) in runs {
        let (status, body) = rig.call(&probe, caller).await;
        failures.extend(check(entry, caller, &Expect::Allowed, status, &body));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn every_page_server_function_and_route_has_a_row_and_every_row_a_route() {
    // The router refuses to start otherwise (see `table::checked`); here the reverse: every
    // row names something that answers (not the 404 page, not 405).
    let app = TestApp::spawn().await;
    for entry in TABLE
        .iter()
        .filter(|e| !matches!(e.kind, Kind::Job | Kind::Asset))
    {
        let path = entry
            .path
            .replace("{account}", "int_x")
            .replace("{media}", "1")
            .replace("{comment}", "2")
            .replace("{job}", "k")
            .replace("{integration_id}", "int_x");
        let req = match entry.method {
            "GET" => app.client.get(app.url(&path)),
            _ => app.client.post(app.url(&path)),
        };
        let res = req.header("x-fragment", "1").send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap_or_default();
        assert_ne!(status, 405, "{} {}", entry.method, entry.path);
        assert!(
            !body.contains("This page does not exist"),
            "{} {} reaches no route",
            entry.method,
            entry.path
        );
    }
    // Jobs check their caller when they run (tests/api/people.rs: a job whose author lost
    // their role publishes nothing).
    assert!(TABLE
        .iter()
        .any(|e| e.kind == Kind::Job && e.who == Who::Job(Capability::Publish)));
}
