//! Every path the app serves, owned here: the pages, the form and fragment routes, the JSON
//! routes, Meta's callbacks and the operational endpoints. Route patterns use axum's `{param}`
//! syntax; links with parameters are built by the functions below, so a page, its route and the
//! access table ([`crate::server::auth::table`]) name the same constant.
//!
//! Two kinds of path are written where they are declared, because a macro needs a literal:
//! the page routes in [`crate::app`] (`path!`, checked against the access table's rows by the
//! router at startup) and the server functions' `/api/…` endpoints (`#[server(endpoint = …)]`).

// --- Pages ---------------------------------------------------------------------------------------

/// The home page.
pub const HOME: &str = "/";
/// Starts a connection (`?return_to=`).
pub const CONNECT: &str = "/connect";
/// Where Instagram sends the person back after the consent screen.
pub const CALLBACK: &str = "/auth/instagram/callback";
/// Connecting accounts through Facebook Login for Business: the start, then the Pages to
/// choose from (`?failed=` after a failure).
pub const CONNECT_FACEBOOK: &str = "/connect/facebook";
/// Where Facebook sends the person back after its dialog.
pub const FACEBOOK_CALLBACK: &str = "/auth/facebook/callback";
/// Signing in (`?return_to=`).
pub const SIGN_IN: &str = "/sign-in";
/// The gallery (`?account=&after=`).
pub const MEDIA: &str = "/media";
/// A post.
pub const POST: &str = "/media/{account}/posts/{media}";
/// An account's insights.
pub const INSIGHTS: &str = "/media/{account}/insights";
/// An account's hashtag search (`?q=&recent=`).
pub const HASHTAGS: &str = "/media/{account}/hashtags";
/// Business discovery from an account (`?username=&after=`).
pub const DISCOVER: &str = "/media/{account}/discover";
/// The publishing page (GET), and the form that publishes (POST, files or addresses).
pub const PUBLISH: &str = "/media/{account}/publish";
/// A planned or past post (GET), and the form that edits, reschedules or cancels it (POST).
pub const PUBLISH_JOB: &str = "/media/{account}/publish/{job}";
/// The publishing calendar (`?view=week|month&date=YYYY-MM-DD&tz=`).
pub const CALENDAR: &str = "/media/{account}/calendar";
/// A person's accounts and sign-in methods.
pub const ACCOUNTS: &str = "/accounts";
/// Who shares which account.
pub const SHARING: &str = "/sharing";
/// An invitation (`?t=` once, then from the session).
pub const INVITE: &str = "/invite";
/// The admin console (`?sort=&state=&q=`).
pub const ADMIN: &str = "/admin";
/// A data-deletion request's status (`?code=`).
pub const DELETION_STATUS: &str = "/privacy/deletion";

// --- Forms, fragments and streams ----------------------------------------------------------------

/// Leaves for Facebook's dialog (form).
pub const FACEBOOK_START: &str = "/connect/facebook/start";
/// Connects the Pages chosen (form).
pub const FACEBOOK_CHOOSE: &str = "/connect/facebook/choose";

/// The grid items after a cursor (an HTML fragment).
pub const FEED_PAGE: &str = "/media/{account}/page";
/// Reloads an account's feed and profile.
pub const FEED_REFRESH: &str = "/media/{account}/refresh";
/// Replies to a post.
pub const COMMENT_REPLY: &str = "/media/{account}/posts/{media}/comments";
/// Hides or shows a comment.
pub const COMMENT_HIDE: &str = "/media/{account}/posts/{media}/comments/{comment}/hide";
/// Deletes a comment.
pub const COMMENT_DELETE: &str = "/media/{account}/posts/{media}/comments/{comment}/delete";
/// A publishing job's status (an HTML fragment).
pub const PUBLISH_STATUS: &str = "/media/{account}/publish/{job}/status";
/// The "refresh all" batch's progress (an HTML fragment).
pub const ADMIN_BATCH: &str = "/admin/batch";
/// The live webhook log (Server-Sent Events).
pub const ADMIN_EVENTS: &str = "/admin/events";
/// A person's notification settings (form).
pub const NOTIFY_SETTINGS: &str = "/accounts/notifications";
/// An admin adds a webhook endpoint (form).
pub const ADMIN_ENDPOINTS: &str = "/admin/endpoints";
/// An admin deletes a webhook endpoint (form).
pub const ADMIN_ENDPOINT_DELETE: &str = "/admin/endpoints/{endpoint}/delete";
/// An admin sends a test event to a webhook endpoint (form).
pub const ADMIN_ENDPOINT_TEST: &str = "/admin/endpoints/{endpoint}/test";
/// The link in a confirmation email: shows a button (GET) that confirms the address (POST).
pub const NOTIFY_CONFIRM: &str = "/notifications/confirm/{user}/{proof}";
/// The unsubscribe link of every email: a button (GET), and the one-click unsubscribe (POST).
pub const NOTIFY_UNSUBSCRIBE: &str = "/notifications/unsubscribe/{user}/{proof}";

// --- JSON routes ---------------------------------------------------------------------------------

/// Starts registering a passkey.
pub const PASSKEY_REGISTER_START: &str = "/auth/passkey/register/start";
/// Finishes registering a passkey.
pub const PASSKEY_REGISTER_FINISH: &str = "/auth/passkey/register/finish";
/// Starts a sign-in with a passkey.
pub const PASSKEY_SIGN_IN_START: &str = "/auth/passkey/sign-in/start";
/// Finishes a sign-in with a passkey (`?return_to=`).
pub const PASSKEY_SIGN_IN_FINISH: &str = "/auth/passkey/sign-in/finish";
/// REST: exchange an authorization code.
pub const REST_TOKEN: &str = "/integrations/instagram/token";
/// REST: refresh an integration's token.
pub const REST_REFRESH: &str = "/integrations/instagram/refresh/{integration_id}";
/// The REST API and Meta's routes, described for people.
pub const DEVELOPERS: &str = "/developers";
/// The REST API's OpenAPI document.
pub const OPENAPI: &str = "/integrations/instagram/openapi.json";
/// Liveness and readiness.
pub const HEALTH: &str = "/healthz";
/// Prometheus metrics.
pub const METRICS: &str = "/metrics";
/// An uploaded file, for Meta to fetch: `{file}` is its secret and extension. It answers only
/// until the post is published or cancelled.
pub const UPLOAD: &str = "/uploads/{upload}/{file}";

// --- Meta's callbacks ----------------------------------------------------------------------------

/// Webhook verification (GET) and deliveries (POST).
pub const WEBHOOK: &str = "/integrations/instagram/webhook";
/// A person removed the app on Instagram.
pub const DEAUTHORIZE: &str = "/integrations/instagram/deauthorize";
/// A person asked Meta to delete their data.
pub const DATA_DELETION: &str = "/integrations/instagram/data-deletion";

// --- Links ---------------------------------------------------------------------------------------

/// Percent-encodes a query or path component (everything but `A–Z a–z 0–9 - _ . ~`).
pub fn encode(s: &str) -> String {
    encode_but(s, b"")
}

/// Percent-encodes everything but `A–Z a–z 0–9 - _ . ~` and `keep`; runs of bytes kept as
/// they are are copied whole.
fn encode_but(s: &str, keep: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() + 8);
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') || keep.contains(&b)
        {
            continue;
        }
        // A run of kept bytes is ASCII, so it lies on character boundaries (between two
        // encoded bytes of one character there is no run, and `start` may be inside it).
        if start < i {
            out.push_str(&s[start..i]);
        }
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out
}

/// A route pattern with its `{param}`s replaced, in order, by the encoded values.
pub fn fill(pattern: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut values = values.iter();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str(&rest[..open]);
        out.push_str(&encode(values.next().copied().unwrap_or_default()));
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// A page with `?return_to=` (a path of this app; its slashes stay readable, as a query allows).
pub fn with_return_to(page: &str, return_to: &str) -> String {
    format!("{page}?return_to={}", encode_but(return_to, b"/"))
}

/// The gallery of an account, from a cursor on.
pub fn gallery(account: &str, after: Option<&str>) -> String {
    match after {
        Some(a) => format!("{MEDIA}?account={}&after={}", encode(account), encode(a)),
        None => format!("{MEDIA}?account={}", encode(account)),
    }
}

/// The grid items after a cursor (an HTML fragment).
pub fn feed_fragment(account: &str, after: &str) -> String {
    format!("{}?after={}", fill(FEED_PAGE, &[account]), encode(after))
}

/// A post.
pub fn post(account: &str, media: &str) -> String {
    fill(POST, &[account, media])
}

/// An account's insights.
pub fn insights(account: &str) -> String {
    fill(INSIGHTS, &[account])
}

/// The publishing page.
pub fn publish(account: &str) -> String {
    fill(PUBLISH, &[account])
}

/// The form that reloads an account's feed and profile.
pub fn refresh(account: &str) -> String {
    fill(FEED_REFRESH, &[account])
}

/// A planned or past post, and its edit form.
pub fn publish_job(account: &str, job: &str) -> String {
    fill(PUBLISH_JOB, &[account, job])
}

/// The publishing calendar of a week or a month around `date` (`YYYY-MM-DD`).
pub fn calendar(account: &str, mode: &str, date: &str) -> String {
    format!(
        "{}?view={}&date={}",
        fill(CALENDAR, &[account]),
        encode(mode),
        encode(date)
    )
}

/// An uploaded file's address (relative to `PUBLIC_BASE_URL`).
pub fn upload(upload: &str, file: &str) -> String {
    fill(UPLOAD, &[upload, file])
}

/// A publishing job's status (an HTML fragment).
pub fn job_status(account: &str, job: &str) -> String {
    fill(PUBLISH_STATUS, &[account, job])
}

/// The form that replies to a post.
pub fn comment_reply(account: &str, media: &str) -> String {
    fill(COMMENT_REPLY, &[account, media])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_encode_their_parts() {
        assert_eq!(encode("QVFI+a/b=="), "QVFI%2Ba%2Fb%3D%3D");
        assert_eq!(encode("café ü.x"), "caf%C3%A9%20%C3%BC.x");
        assert_eq!(encode("ü"), "%C3%BC");
        assert_eq!(encode(""), "");
        assert_eq!(
            gallery("int_1", Some("a=b")),
            "/media?account=int_1&after=a%3Db"
        );
        assert_eq!(post("int_1", "17"), "/media/int_1/posts/17");
        assert_eq!(post("a/b", "1 2"), "/media/a%2Fb/posts/1%202");
        assert_eq!(
            feed_fragment("int_1", "c+d"),
            "/media/int_1/page?after=c%2Bd"
        );
        assert_eq!(job_status("i", "j"), "/media/i/publish/j/status");
        assert_eq!(publish_job("i", "j"), "/media/i/publish/j");
        assert_eq!(
            calendar("i", "week", "2026-12-08"),
            "/media/i/calendar?view=week&date=2026-12-08"
        );
        assert_eq!(upload("u1", "s3cr3t.jpg"), "/uploads/u1/s3cr3t.jpg");
        assert_eq!(comment_reply("i", "m"), "/media/i/posts/m/comments");
        assert_eq!(
            with_return_to(CONNECT, "/media?x=1"),
            "/connect?return_to=/media%3Fx%3D1"
        );
    }
}
