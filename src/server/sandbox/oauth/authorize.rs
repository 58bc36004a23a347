//! `/oauth/authorize`: the page where a person picks a demo account and allows or denies,
//! and the redirect back to the app exactly as Instagram does it.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{Method, StatusCode},
    response::{IntoResponse, Redirect, Response},
};

use super::page::{esc, page, scope_label};
use crate::server::instagram::endpoints::{scope_problem, SCOPE_BASIC};
use crate::server::sandbox::{
    common::{self, params, Ctx, Params},
    mint::issue_code,
    state::{SandboxApp, SandboxState},
};

struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
    force_reauth: bool,
}

fn check_authorize(app: &SandboxApp, p: &Params) -> Result<AuthorizeQuery, String> {
    let client_id = p.get("client_id").cloned().unwrap_or_default();
    if client_id != app.app_id {
        return Err("Invalid platform app".to_owned());
    }
    let redirect_uri = p.get("redirect_uri").cloned().unwrap_or_default();
    let valid = url::Url::parse(&redirect_uri)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none());
    if !valid || (!app.redirect_uris.is_empty() && !app.redirect_uris.contains(&redirect_uri)) {
        return Err("Invalid redirect_uri: it must exactly match one of the redirect URIs registered for the app".to_owned());
    }
    if p.get("response_type").map(String::as_str) != Some("code") {
        return Err("Invalid response_type: only `code` is supported".to_owned());
    }
    let scopes: Vec<String> = p
        .get("scope")
        .map(|s| {
            s.split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if scopes.is_empty() {
        return Err("Invalid Scopes: the scope parameter is empty".to_owned());
    }
    if let Some(bad) = scopes.iter().find(|s| scope_problem(s).is_some()) {
        return Err(format!("Invalid Scopes: {bad}"));
    }
    Ok(AuthorizeQuery {
        client_id,
        redirect_uri,
        scopes,
        state: p.get("state").cloned(),
        force_reauth: p
            .get("force_reauth")
            .is_some_and(|v| v == "true" || v == "1"),
    })
}

/// `GET /oauth/authorize`: the page where a person picks a demo account and allows or denies.
pub async fn authorize_page(
    State(state): State<Arc<SandboxState>>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = params(q.as_deref(), &Bytes::new());
    let ctx = Ctx::new("authorize", &Method::GET, "/oauth/authorize");
    let mut response = match check_authorize(&state.app, &p) {
        Err(why) => (
            StatusCode::BAD_REQUEST,
            page(
                "Sorry, this page isn't available",
                &format!(
                    "<h1>Sorry, this page isn't available</h1><p class=\"error\">{}</p>",
                    esc(&why)
                ),
            ),
        )
            .into_response(),
        Ok(a) => page(
            "Connect an account",
            &consent_form(&a, &account_choices(&state)),
        )
        .into_response(),
    };
    common::finish(&state, &ctx, None, &mut response, state.clock.now());
    response
}

/// A demo account as the consent form offers it: IG ID, username, name and account type.
type Choice = (String, String, String, &'static str);

fn account_choices(state: &SandboxState) -> Vec<Choice> {
    state
        .world()
        .accounts
        .values()
        .map(|acc| {
            (
                acc.ig_id.clone(),
                acc.username.clone(),
                acc.name.clone(),
                acc.account_type.as_str(),
            )
        })
        .collect()
}

/// The consent form: the request's fields (hidden), the accounts, the scopes, Deny and Allow.
fn consent_form(a: &AuthorizeQuery, accounts: &[Choice]) -> String {
    let mut html = String::new();
    html.push_str("<h1>Connect an account</h1>");
    html.push_str(&format!(
        "<p>The app <strong>{}</strong> wants to connect to your Instagram professional account.{}</p>",
        esc(&a.client_id),
        if a.force_reauth { " Sign in again to continue." } else { "" }
    ));
    html.push_str("<form method=\"post\" action=\"/oauth/authorize\">");
    for (k, v) in [
        ("client_id", a.client_id.as_str()),
        ("redirect_uri", a.redirect_uri.as_str()),
        ("state", a.state.as_deref().unwrap_or("")),
    ] {
        html.push_str(&format!(
            "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
            esc(v)
        ));
    }
    html.push_str("<fieldset><legend>Account</legend>");
    for (i, (id, username, name, kind)) in accounts.iter().enumerate() {
        html.push_str(&format!(
            "<label><input type=\"radio\" name=\"account\" value=\"{}\"{}> <span><strong>{}</strong><br><small>{} · {}</small></span></label>",
            esc(id),
            if i == 0 { " checked" } else { "" },
            esc(username),
            esc(name),
            if *kind == "Business" { "Business" } else { "Creator" }
        ));
    }
    html.push_str("</fieldset><fieldset><legend>Allow access to</legend>");
    for s in &a.scopes {
        html.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"scope\" value=\"{}\" checked{}> <span>{}<br><small>{}</small></span></label>",
            esc(s),
            if s == SCOPE_BASIC { " disabled" } else { "" },
            scope_label(s),
            esc(s)
        ));
    }
    html.push_str(&format!(
        "<input type=\"hidden\" name=\"scope\" value=\"{SCOPE_BASIC}\">"
    ));
    html.push_str(&format!(
        "<input type=\"hidden\" name=\"requested\" value=\"{}\">",
        esc(&a.scopes.join(","))
    ));
    html.push_str("</fieldset><div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button><button class=\"allow\" type=\"submit\" name=\"decision\" value=\"allow\">Allow</button></div></form>");
    html
}

/// The submitted consent form, read as a list because the checkboxes repeat `scope`.
struct Decision(Vec<(String, String)>);

impl Decision {
    /// The first value of a field.
    fn get(&self, k: &str) -> Option<String> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    /// The app's `state`, unless empty.
    fn app_state(&self) -> Option<String> {
        self.get("state").filter(|s| !s.is_empty())
    }
}

/// `POST /oauth/authorize`: Allow or Deny, then the redirect back exactly as Instagram does it.
pub async fn authorize_decision(State(state): State<Arc<SandboxState>>, body: Bytes) -> Response {
    let form = Decision(url::form_urlencoded::parse(&body).into_owned().collect());
    let ctx = Ctx::new("authorize_decision", &Method::POST, "/oauth/authorize");
    let now = state.clock.now();
    let redirect_uri = form.get("redirect_uri").unwrap_or_default();
    let mut p = Params::new();
    p.insert(
        "client_id".into(),
        form.get("client_id").unwrap_or_default(),
    );
    p.insert("redirect_uri".into(), redirect_uri.clone());
    p.insert("response_type".into(), "code".into());
    p.insert(
        "scope".into(),
        form.get("requested")
            .unwrap_or_else(|| SCOPE_BASIC.to_owned()),
    );
    let mut response = match check_authorize(&state.app, &p) {
        Err(why) => (
            StatusCode::BAD_REQUEST,
            page(
                "Error",
                &format!("<h1>Error</h1><p class=\"error\">{}</p>", esc(&why)),
            ),
        )
            .into_response(),
        Ok(a) => {
            let target = url::Url::parse(&redirect_uri).expect("checked above");
            if form.get("decision").as_deref() == Some("allow") {
                allow(&state, &form, &a, target, now)
            } else {
                deny(&form, target)
            }
        }
    };
    common::finish(&state, &ctx, None, &mut response, now);
    response
}

/// Allow: a code for the chosen account and the scopes left checked, then back to the app.
fn allow(
    state: &SandboxState,
    form: &Decision,
    a: &AuthorizeQuery,
    mut target: url::Url,
    now: i64,
) -> Response {
    let account = form.get("account").unwrap_or_default();
    let mut granted: Vec<String> = form
        .0
        .iter()
        .filter(|(k, v)| k == "scope" && a.scopes.contains(v))
        .map(|(_, v)| v.clone())
        .collect();
    granted.dedup();
    let code = {
        let mut w = state.world();
        if !w.accounts.contains_key(&account) {
            None
        } else {
            Some(issue_code(&mut w, &account, &a.redirect_uri, granted, now))
        }
    };
    match code {
        None => (
            StatusCode::BAD_REQUEST,
            page("Error", "<h1>Choose an account</h1>"),
        )
            .into_response(),
        Some(code) => {
            target.query_pairs_mut().append_pair("code", &code);
            if let Some(s) = form.app_state() {
                target.query_pairs_mut().append_pair("state", &s);
            }
            target.set_fragment(Some("_"));
            Redirect::to(target.as_str()).into_response()
        }
    }
}

/// Deny: back to the app with Instagram's `access_denied` parameters.
fn deny(form: &Decision, mut target: url::Url) -> Response {
    target
        .query_pairs_mut()
        .append_pair("error", "access_denied")
        .append_pair("error_reason", "user_denied")
        .append_pair("error_description", "The user denied your request");
    if let Some(s) = form.app_state() {
        target.query_pairs_mut().append_pair("state", &s);
    }
    Redirect::to(target.as_str()).into_response()
}
