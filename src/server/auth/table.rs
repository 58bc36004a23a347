//! Who may call what: every page, server function, route, fragment, stream, callback and
//! background job of the app, in one table.
//!
//! The router refuses to start with a page, server function or plain route that has no row
//! here ([`checked`], [`check_coverage`]), and the authorization test (`tests/api/access/`)
//! calls every row as every kind of caller and checks the answer and that nothing changed.
//! Handlers enforce their row through [`super::viewer`]: the role on the account named by the
//! request, the admin rule, or the signature.

use crate::{model::Capability, paths as P};

/// Who may call an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Anyone, signed in or not (what it shows depends on who asks).
    Anyone,
    /// Meta (or the sandbox), proven by an HMAC signature or the verify token; nobody else.
    Meta,
    /// Whoever sends `METRICS_TOKEN` (anyone outside production when none is set).
    MetricsToken,
    /// A signed-in person, for their own things.
    Person,
    /// A person whose role on the account named by the request allows this; admins too for
    /// what [`Capability::for_admins`] allows; API keys act as admins where the entry takes
    /// them.
    Account(Capability),
    /// An admin.
    Admin,
    /// An API key, or a signed-in person.
    ApiKeyOrPerson,
    /// Whoever holds the one-time link (an invitation), signed in or not.
    LinkHolder,
    /// A signed-in person, or the holder of an invitation link (who becomes a person).
    PersonOrLinkHolder,
    /// Whoever holds an uploaded file's unguessable address (Meta, fetching it for a post),
    /// until the post is published or cancelled.
    UploadLink,
    /// A background job acting for the person who started it; their role is checked again
    /// each time it runs.
    Job(Capability),
    /// The app's own background work.
    System,
}

/// What kind of entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A page (Leptos route).
    Page,
    /// A server function (`/api/…`).
    ServerFn,
    /// A form route that answers with a redirect or an HTML fragment.
    Fragment,
    /// A Server-Sent Events stream.
    Stream,
    /// A JSON route (REST API, passkey ceremonies, health, metrics).
    Api,
    /// A route Meta calls.
    Callback,
    /// Static files.
    Asset,
    /// Background work.
    Job,
}

/// One row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// What kind.
    pub kind: Kind,
    /// HTTP method (`-` for jobs).
    pub method: &'static str,
    /// Path with axum parameters (`/media/{account}/page`), or a job's name.
    pub path: &'static str,
    /// Who may call it.
    pub who: Who,
}

const fn e(kind: Kind, method: &'static str, path: &'static str, who: Who) -> Entry {
    Entry {
        kind,
        method,
        path,
        who,
    }
}

use Capability::{Disconnect, Moderate, Publish, Refresh, Share, View};
use Kind::{Api, Asset, Callback, Fragment, Job, Page, ServerFn, Stream};
use Who::*;

/// Every entry.
pub const TABLE: &[Entry] = &[
    // Pages. A page about one account answers 404 to whoever may not see it. (`/media` without
    // an account shows the caller's first account, or how to connect one.)
    e(Page, "GET", P::HOME, Anyone),
    e(Page, "GET", P::CONNECT, Anyone),
    e(Page, "GET", P::CALLBACK, Anyone),
    e(Page, "GET", P::CONNECT_FACEBOOK, Anyone),
    e(Page, "GET", P::SIGN_IN, Anyone),
    e(Page, "GET", P::MEDIA, Account(View)),
    e(Page, "GET", P::POST, Account(View)),
    e(Page, "GET", P::INSIGHTS, Account(View)),
    e(Page, "GET", P::HASHTAGS, Account(View)),
    e(Page, "GET", P::DISCOVER, Account(View)),
    e(Page, "GET", P::PUBLISH, Account(Publish)),
    e(Page, "GET", P::PUBLISH_JOB, Account(Publish)),
    e(Page, "GET", P::CALENDAR, Account(Publish)),
    e(Page, "GET", P::ACCOUNTS, Person),
    e(Page, "GET", P::SHARING, Person),
    e(Page, "GET", P::INVITE, LinkHolder),
    e(Page, "GET", P::ADMIN, Admin),
    e(Page, "GET", P::DELETION_STATUS, Anyone),
    e(Page, "GET", P::DEVELOPERS, Anyone),
    // Server functions.
    e(ServerFn, "POST", "/api/connect/info", Anyone),
    e(ServerFn, "POST", "/api/connect/start", Anyone),
    e(ServerFn, "POST", "/api/connect/complete", Anyone),
    e(ServerFn, "POST", "/api/connect/facebook", Anyone),
    e(ServerFn, "POST", "/api/account/viewer", Anyone),
    e(ServerFn, "POST", "/api/account/sign-out", Anyone),
    e(ServerFn, "POST", "/api/account/methods", Person),
    e(ServerFn, "POST", "/api/account/connections", Person),
    e(ServerFn, "POST", "/api/account/remove-method", Person),
    e(
        ServerFn,
        "POST",
        "/api/account/sign-in-with",
        Account(Share),
    ),
    e(ServerFn, "POST", "/api/account/refresh", Account(Refresh)),
    e(
        ServerFn,
        "POST",
        "/api/account/disconnect",
        Account(Disconnect),
    ),
    e(ServerFn, "POST", "/api/account/leave", Account(View)),
    e(ServerFn, "POST", "/api/privacy/deletion-status", Anyone),
    e(ServerFn, "POST", "/api/developers/reference", Anyone),
    e(ServerFn, "POST", "/api/media/gallery", Account(View)),
    e(ServerFn, "POST", "/api/media/post", Account(View)),
    e(ServerFn, "POST", "/api/media/insights", Account(View)),
    e(ServerFn, "POST", "/api/media/hashtags", Account(View)),
    e(ServerFn, "POST", "/api/media/discover", Account(View)),
    e(ServerFn, "POST", "/api/media/publishing", Account(Publish)),
    e(ServerFn, "POST", "/api/media/publish-job", Account(Publish)),
    e(ServerFn, "POST", "/api/media/calendar", Account(Publish)),
    e(ServerFn, "POST", "/api/media/notice", Anyone),
    e(ServerFn, "POST", "/api/sharing/view", Person),
    e(ServerFn, "POST", "/api/sharing/invite", Account(Share)),
    e(ServerFn, "POST", "/api/sharing/revoke", Person),
    e(ServerFn, "POST", "/api/sharing/set-role", Account(Share)),
    e(ServerFn, "POST", "/api/sharing/remove", Account(Share)),
    e(ServerFn, "POST", "/api/invite/view", LinkHolder),
    e(ServerFn, "POST", "/api/invite/accept", LinkHolder),
    e(ServerFn, "POST", "/api/admin/overview", Admin),
    e(ServerFn, "POST", "/api/admin/refresh", Admin),
    e(ServerFn, "POST", "/api/admin/disconnect", Admin),
    e(ServerFn, "POST", "/api/admin/refresh-all", Admin),
    e(ServerFn, "POST", "/api/admin/notifications", Admin),
    e(ServerFn, "POST", "/api/account/notifications", Person),
    // Facebook Login: leaving for the dialog, its callback (the one-time state proves the
    // session that started it), and choosing the Pages.
    e(Fragment, "POST", P::FACEBOOK_START, Person),
    e(Fragment, "GET", P::FACEBOOK_CALLBACK, Anyone),
    e(Fragment, "POST", P::FACEBOOK_CHOOSE, Person),
    // The gallery's forms and fragments.
    e(Fragment, "GET", P::FEED_PAGE, Account(View)),
    e(Fragment, "POST", P::FEED_REFRESH, Account(View)),
    e(Fragment, "POST", P::COMMENT_REPLY, Account(Moderate)),
    e(Fragment, "POST", P::COMMENT_HIDE, Account(Moderate)),
    e(Fragment, "POST", P::COMMENT_DELETE, Account(Moderate)),
    e(Fragment, "POST", P::PUBLISH, Account(Publish)),
    e(Fragment, "GET", P::PUBLISH_STATUS, Account(Publish)),
    e(Fragment, "POST", P::PUBLISH_JOB, Account(Publish)),
    e(Fragment, "GET", P::ADMIN_BATCH, Admin),
    e(Stream, "GET", P::ADMIN_EVENTS, Admin),
    // Notifications: a person's settings, the links in emails, the admin's endpoints.
    e(Fragment, "POST", P::NOTIFY_SETTINGS, Person),
    e(Fragment, "GET", P::NOTIFY_CONFIRM, LinkHolder),
    e(Fragment, "POST", P::NOTIFY_CONFIRM, LinkHolder),
    e(Fragment, "GET", P::NOTIFY_UNSUBSCRIBE, LinkHolder),
    e(Fragment, "POST", P::NOTIFY_UNSUBSCRIBE, LinkHolder),
    e(Fragment, "POST", P::ADMIN_ENDPOINTS, Admin),
    e(Fragment, "POST", P::ADMIN_ENDPOINT_DELETE, Admin),
    e(Fragment, "POST", P::ADMIN_ENDPOINT_TEST, Admin),
    // Passkeys.
    e(Api, "POST", P::PASSKEY_REGISTER_START, PersonOrLinkHolder),
    e(Api, "POST", P::PASSKEY_REGISTER_FINISH, PersonOrLinkHolder),
    e(Api, "POST", P::PASSKEY_SIGN_IN_START, Anyone),
    e(Api, "POST", P::PASSKEY_SIGN_IN_FINISH, Anyone),
    // The REST API.
    e(Api, "POST", P::REST_TOKEN, ApiKeyOrPerson),
    e(Api, "POST", P::REST_REFRESH, Account(Refresh)),
    e(Api, "GET", P::OPENAPI, Anyone),
    // Operations.
    e(Api, "GET", P::HEALTH, Anyone),
    e(Api, "GET", P::METRICS, MetricsToken),
    // What Meta calls.
    e(Callback, "GET", P::WEBHOOK, Meta),
    e(Callback, "POST", P::WEBHOOK, Meta),
    e(Callback, "POST", P::DEAUTHORIZE, Meta),
    e(Callback, "POST", P::DATA_DELETION, Meta),
    e(Callback, "GET", P::UPLOAD, UploadLink),
    // Static files (the bundle, the stylesheet, `public/`).
    e(Asset, "GET", ASSETS, Anyone),
    // Background work.
    e(Job, "-", "publish", Who::Job(Publish)),
    e(Job, "-", "refresh-tokens", System),
    e(Job, "-", "refresh-all", Admin),
    e(Job, "-", "webhook-worker", System),
    e(Job, "-", "housekeeping", System),
    e(Job, "-", "notify-worker", System),
    e(Job, "-", "notify-watch", System),
    e(Job, "-", "notify-digest", System),
];

/// The row standing for every static file.
pub const ASSETS: &str = "(static files)";

/// Axum's spelling of a path (`{param}`), from Leptos' (`:param`).
pub fn axum_path(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg.strip_prefix(':') {
            Some(name) => format!("{{{name}}}"),
            None => seg.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The row of a method and path.
pub fn entry(method: &str, path: &str) -> Option<&'static Entry> {
    let path = axum_path(path);
    TABLE
        .iter()
        .find(|e| e.method.eq_ignore_ascii_case(method) && e.path == path)
}

/// A plain route's path, refused (at startup) when it has no row: routes are registered through
/// this, so a new route without a row stops the app.
pub fn checked(path: &'static str) -> &'static str {
    assert!(
        TABLE
            .iter()
            .any(|e| e.path == path && !matches!(e.kind, Kind::Page | Kind::ServerFn)),
        "the route {path} has no row in the access table (src/server/auth/table.rs)"
    );
    path
}

/// Refuses (at startup) pages and server functions without a row.
pub fn check_coverage<'a>(
    pages: impl IntoIterator<Item = &'a str>,
    server_fns: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    let mut missing = Vec::new();
    for page in pages {
        if entry("GET", page).is_none_or(|e| e.kind != Kind::Page) {
            missing.push(format!("page GET {page}"));
        }
    }
    for (path, method) in server_fns {
        if entry(method, path).is_none_or(|e| e.kind != Kind::ServerFn) {
            missing.push(format!("server function {method} {path}"));
        }
    }
    assert!(
        missing.is_empty(),
        "no row in the access table (src/server/auth/table.rs) for: {}",
        missing.join(", ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_unique_and_leptos_paths_translate() {
        for (i, a) in TABLE.iter().enumerate() {
            for b in &TABLE[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
        assert_eq!(
            axum_path("/media/:account/posts/:media"),
            "/media/{account}/posts/{media}"
        );
        assert!(entry("get", "/media/:account/insights").is_some());
    }

    #[test]
    #[should_panic(expected = "has no row in the access table")]
    fn a_route_without_a_row_is_refused() {
        checked("/no/such/route");
    }
}
