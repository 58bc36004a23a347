//! `/fb/{version}/dialog/oauth` (www.facebook.com's Facebook Login dialog): the person picks
//! the Pages the app may use and continues or cancels, then goes back to the app exactly as
//! Facebook sends them: `?code=…&state=…#_=_`, or `?error=access_denied&error_code=200…`.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{Method, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

use crate::server::instagram::endpoints::{is_graph_version, FACEBOOK_SCOPES};
use crate::server::sandbox::{
    common::{self, params, Ctx, Params},
    oauth::{esc, page},
    state::{SandboxApp, SandboxState},
    world::facebook::{Facebook, FbCode},
};

/// Permissions the dialog knows besides [`FACEBOOK_SCOPES`].
const OTHER_SCOPES: [&str; 4] = [
    "pages_manage_metadata",
    "instagram_manage_messages",
    "ads_management",
    "ads_read",
];

/// A checked dialog request.
struct Dialog {
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
}

fn check(app: &SandboxApp, version: &str, p: &Params) -> Result<Dialog, String> {
    if !is_graph_version(version) {
        return Err(format!("Unknown Graph API version {version}"));
    }
    if p.get("client_id") != Some(&app.meta_app_id) {
        return Err(
            "Invalid App ID: The provided app ID does not look like a valid app ID.".into(),
        );
    }
    let redirect_uri = p.get("redirect_uri").cloned().unwrap_or_default();
    let parsed = url::Url::parse(&redirect_uri)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none());
    // Byte for byte one of the registered redirect URIs (with none registered, the sandbox
    // accepts any, as its Instagram dialog does).
    let registered = parsed.is_some()
        && (app.redirect_uris.is_empty() || app.redirect_uris.contains(&redirect_uri));
    if !registered {
        return Err("URL Blocked: This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings.".into());
    }
    if p.get("response_type").is_some_and(|t| t != "code") {
        return Err("Invalid response_type: the sandbox's dialog answers with a code".into());
    }
    let scopes: Vec<String> = match (p.get("scope"), p.get("config_id")) {
        (_, Some(c)) if !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) => {
            FACEBOOK_SCOPES.iter().map(|s| (*s).to_owned()).collect()
        }
        (_, Some(_)) => return Err("Invalid configuration ID".into()),
        (Some(s), None) => s
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        (None, None) => Vec::new(),
    };
    let known = |s: &str| FACEBOOK_SCOPES.contains(&s) || OTHER_SCOPES.contains(&s);
    if let Some(bad) = scopes.iter().find(|s| !known(s.as_str())) {
        return Err(format!("Invalid Scopes: {bad}"));
    }
    Ok(Dialog {
        redirect_uri,
        scopes,
        state: p.get("state").cloned().filter(|s| !s.is_empty()),
    })
}

fn refused(why: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        page(
            "Sorry, something went wrong",
            &format!(
                "<h1>Sorry, something went wrong</h1><p class=\"error\">{}</p>",
                esc(why)
            ),
        ),
    )
        .into_response()
}

/// `GET /fb/{version}/dialog/oauth`: the Page picker of the person logged in to Facebook (the
/// first demo person, or `sandbox_person`).
pub async fn dialog(
    State(state): State<Arc<SandboxState>>,
    Path(version): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = params(q.as_deref(), &Bytes::new());
    let path = format!("/fb/{version}/dialog/oauth");
    let ctx = Ctx::new("facebook_dialog", &Method::GET, &path);
    let mut response = match check(&state.app, &version, &p) {
        Err(why) => refused(&why),
        Ok(d) => {
            let w = state.world();
            let person = p
                .get("sandbox_person")
                .and_then(|id| w.facebook.people.get(id))
                .or_else(|| w.facebook.people.values().next());
            match person {
                None => refused("Nobody is logged in to Facebook in the sandbox"),
                Some(person) => page(
                    "Log in with Facebook",
                    &picker(&w.facebook, &person.id, &path, &p, &d, &w.accounts),
                )
                .into_response(),
            }
        }
    };
    common::finish(&state, &ctx, None, &mut response, state.clock.now());
    response
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
        esc(value)
    )
}

/// The form: who is logged in, the Pages with their linked accounts, the permissions, Cancel
/// and Continue.
fn picker(
    fb: &Facebook,
    person: &str,
    path: &str,
    p: &Params,
    d: &Dialog,
    accounts: &std::collections::BTreeMap<String, crate::server::sandbox::world::Account>,
) -> String {
    let who = &fb.people[person];
    let mut html = format!(
        "<h1>Log in with Facebook</h1><p>Continue as <strong>{}</strong>. Choose the Pages whose Instagram accounts the app may use.</p><form method=\"post\" action=\"{}\">",
        esc(&who.name),
        esc(path)
    );
    for (k, v) in [
        (
            "client_id",
            p.get("client_id").map(String::as_str).unwrap_or(""),
        ),
        ("redirect_uri", d.redirect_uri.as_str()),
        ("state", d.state.as_deref().unwrap_or("")),
        ("scope", &d.scopes.join(",")),
        ("person", person),
    ] {
        html.push_str(&hidden(k, v));
    }
    html.push_str("<fieldset><legend>Pages</legend>");
    for page_id in &who.pages {
        let Some(pg) = fb.pages.get(page_id) else {
            continue;
        };
        let linked = pg
            .instagram
            .as_deref()
            .and_then(|ig| accounts.get(ig))
            .map_or("No Instagram account linked".to_owned(), |a| {
                format!("Instagram: @{}", a.username)
            });
        html.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"page\" value=\"{}\" checked> <span><strong>{}</strong><br><small>{}</small></span></label>",
            esc(&pg.id),
            esc(&pg.name),
            esc(&linked)
        ));
    }
    html.push_str("</fieldset><fieldset><legend>The app will be able to</legend><ul>");
    for s in &d.scopes {
        html.push_str(&format!("<li><small>{}</small></li>", esc(s)));
    }
    html.push_str("</ul></fieldset><div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button><button class=\"allow\" type=\"submit\" name=\"decision\" value=\"continue\">Continue</button></div></form>");
    html
}

/// `POST /fb/{version}/dialog/oauth`: Continue or Cancel, then back to the app.
pub async fn decision(
    State(state): State<Arc<SandboxState>>,
    Path(version): Path<String>,
    body: Bytes,
) -> Response {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let path = format!("/fb/{version}/dialog/oauth");
    let ctx = Ctx::new("facebook_dialog_decision", &Method::POST, &path);
    let now = state.clock.now();
    let mut p = Params::new();
    for k in ["client_id", "redirect_uri", "state", "scope"] {
        if let Some(v) = get(k) {
            p.insert(k.into(), v);
        }
    }
    let mut response = match check(&state.app, &version, &p) {
        Err(why) => refused(&why),
        Ok(d) => {
            let mut target = url::Url::parse(&d.redirect_uri).expect("checked above");
            if get("decision").as_deref() == Some("continue") {
                let pages: Vec<String> = form
                    .iter()
                    .filter(|(k, _)| k == "page")
                    .map(|(_, v)| v.clone())
                    .collect();
                let person = get("person").unwrap_or_default();
                match issue_code(&state, &person, pages, &d, now) {
                    Some(code) => {
                        target.query_pairs_mut().append_pair("code", &code);
                    }
                    None => return refused("Choose Pages of the person logged in"),
                }
            } else {
                target
                    .query_pairs_mut()
                    .append_pair("error", "access_denied")
                    .append_pair("error_code", "200")
                    .append_pair("error_description", "Permissions error")
                    .append_pair("error_reason", "user_denied");
            }
            if let Some(s) = &d.state {
                target.query_pairs_mut().append_pair("state", s);
            }
            target.set_fragment(Some("_=_"));
            Redirect::to(target.as_str()).into_response()
        }
    };
    common::finish(&state, &ctx, None, &mut response, now);
    response
}

/// A code for `person` and the chosen `pages` (each one of theirs), or `None`.
fn issue_code(
    state: &SandboxState,
    person: &str,
    pages: Vec<String>,
    d: &Dialog,
    now: i64,
) -> Option<String> {
    let mut w = state.world();
    let fb = &mut w.facebook;
    let ok = fb.people.contains_key(person) && pages.iter().all(|pg| fb.has_role(person, pg));
    if !ok {
        return None;
    }
    let bytes: [u8; 30] = rand::random();
    let code = format!("AQB{}", URL_SAFE_NO_PAD.encode(bytes));
    fb.codes.insert(
        code.clone(),
        FbCode {
            person: person.to_owned(),
            pages,
            scopes: d.scopes.clone(),
            redirect_uri: d.redirect_uri.clone(),
            issued_at: now,
            used: false,
        },
    );
    Some(code)
}
