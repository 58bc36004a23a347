//! The rig: the app with the victim's account shared with a viewer and an editor, things of
//! the victim's to name, and a browser for every kind of caller.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use super::{As, Probe, EVERYONE, VICTIM};
use crate::helpers::TestApp;

const BAKERY_ID: &str = "17841400000000001";
const STUDIO_ID: &str = "17841400000000002";

/// The app with the victim's account shared with a viewer and an editor, and every caller.
pub(super) struct Rig {
    pub(super) app: TestApp,
    pub(super) clients: BTreeMap<As, reqwest::Client>,
    pub(super) api_key: String,
    pub(super) bakery: String,
    pub(super) spare: String,
    pub(super) media: String,
    pub(super) comments: HashMap<As, String>,
    pub(super) job: String,
    pub(super) owner_method: String,
    pub(super) owner_invitation: String,
    pub(super) viewer_id: String,
    pub(super) bystander_id: String,
}

impl Rig {
    pub(super) async fn new() -> Rig {
        let app = TestApp::builder()
            .var("METRICS_TOKEN", "metrics-secret")
            .spawn()
            .await;
        let mut clients = BTreeMap::new();
        for c in EVERYONE {
            clients.insert(c, app.browser());
        }
        let (bakery, spare) = the_victims_team(&app, &clients).await;
        someone_else_and_an_admin(&app, &clients).await;
        a_session_through_a_disconnected_account(&app, &clients).await;
        let api_key = app.api_key("matrix").await;
        let (media, comments) = a_comment_for_everyone(&app).await;
        let owner = &clients[&As::Owner];
        a_published_job(&app, owner, &bakery).await;
        let methods: Value = app
            .call_form(owner, "/api/account/methods", &[])
            .await
            .json()
            .await
            .unwrap();
        let owner_method = methods[0][0]["id"].as_str().unwrap().to_owned();
        app.invite(owner, &[&bakery], "viewer").await;
        let owner_invitation = app.open_invitation(owner).await;
        let viewer_id = app.user_id(&clients[&As::Viewer]).await;
        // Someone the owner removes from both accounts (an allowed call).
        let bystander = app.person("bystander.person").await;
        app.share(owner, &[&bakery, &spare], "viewer", &bystander)
            .await;
        let bystander_id = app.user_id(&bystander).await;
        Rig {
            app,
            clients,
            api_key,
            bakery,
            spare,
            media,
            comments,
            job: JOB.to_owned(),
            owner_method,
            owner_invitation,
            viewer_id,
            bystander_id,
        }
    }

    pub(super) async fn call(&self, probe: &Probe, caller: As) -> (u16, String) {
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
    pub(super) async fn victim(&self) -> Value {
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
            .map(|m| (m.user_id, m.role.as_str().to_owned()))
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

/// The key of the owner's publishing job.
const JOB: &str = "k_matrix_job_0001";

/// The victim: the owner signs in with @sandbox.bakery and owns a spare account too; their
/// team, a viewer and an editor, are people of their own. The bakery's and the spare's IDs.
async fn the_victims_team(
    app: &TestApp,
    clients: &BTreeMap<As, reqwest::Client>,
) -> (String, String) {
    let owner = &clients[&As::Owner];
    let bakery = app.connect_id(owner, BAKERY_ID).await;
    let spare = app.connect_id(owner, &app.new_account("spare.shop")).await;
    app.connect(&clients[&As::Viewer], &app.new_account("viewer.person"))
        .await;
    app.connect(&clients[&As::Editor], &app.new_account("editor.person"))
        .await;
    for (c, role) in [(As::Viewer, "viewer"), (As::Editor, "editor")] {
        app.share(owner, &[&bakery, &spare], role, &clients[&c])
            .await;
    }
    (bakery, spare)
}

/// Someone else, and an admin (made by an operator).
async fn someone_else_and_an_admin(app: &TestApp, clients: &BTreeMap<As, reqwest::Client>) {
    app.connect(&clients[&As::Other], STUDIO_ID).await;
    app.connect(&clients[&As::Admin], &app.new_account("admin.person"))
        .await;
    app.make_admin(&clients[&As::Admin]).await;
    assert_eq!(app.viewer(&clients[&As::Admin]).await["is_admin"], true);
}

/// A session opened through an account that was disconnected since: the owner's second
/// account, made a way to sign in and used in another browser, then disconnected.
async fn a_session_through_a_disconnected_account(
    app: &TestApp,
    clients: &BTreeMap<As, reqwest::Client>,
) {
    let owner = &clients[&As::Owner];
    let second_ig = app.new_account("owner.second");
    let second = app.connect_id(owner, &second_ig).await;
    let on = app
        .call_form(
            owner,
            "/api/account/sign-in-with",
            &[("id", &second), ("on", "true")],
        )
        .await;
    assert_eq!(on.status(), 200);
    app.connect(&clients[&As::Stale], &second_ig).await;
    assert_eq!(
        app.viewer(&clients[&As::Stale]).await["display_name"],
        app.viewer(owner).await["display_name"]
    );
    let off = app
        .call_form(owner, "/api/account/disconnect", &[("id", &second)])
        .await;
    assert_eq!(off.status(), 200);
}

/// A comment on the victim's post for every caller to act on: the post's ID and the comments.
async fn a_comment_for_everyone(app: &TestApp) -> (String, HashMap<As, String>) {
    let mut comments = HashMap::new();
    let mut media = String::new();
    for c in EVERYONE {
        let made = app
            .sandbox_post(
                "__sandbox/simulate/comment",
                json!({ "account": VICTIM, "text": format!("comment for {c:?}") }),
            )
            .await;
        media = made["media_id"].as_str().unwrap().to_owned();
        comments.insert(c, made["id"].as_str().unwrap().to_owned());
    }
    (media, comments)
}

/// The owner publishes a post (the job [`JOB`]) and waits until it is out.
async fn a_published_job(app: &TestApp, owner: &reqwest::Client, bakery: &str) {
    let publish = owner
        .post(app.url(&format!("/media/{bakery}/publish")))
        .form(&[
            ("key", JOB),
            ("kind", "image"),
            ("urls", "https://cdn.example.com/a.jpg"),
        ])
        .send()
        .await
        .unwrap();
    assert!(publish.status().is_redirection(), "{}", publish.status());
    crate::helpers::eventually("the owner's post is published", || async {
        app.store
            .publish_job_get(JOB)
            .await
            .unwrap()
            .is_some_and(|j| j.status.as_str() == "published")
    })
    .await;
}
