//! The authorization matrix (ID-04): every row of the access table (`server::auth::table`),
//! which the router itself refuses to start without, called as every kind of caller:
//! nobody, another person, a viewer, an editor and an owner of the account, an admin, an API
//! key, and a session opened through an account that was since disconnected. Each answer must
//! be the row's; whoever is refused changes nothing of the account's (its token, its people,
//! its jobs, its comments on Instagram) and sees nothing of it.

mod probes;
mod rig;

use instagram_connect::{
    model::{Capability, Role},
    server::auth::table::{Entry, Kind, Who, TABLE},
};

use crate::helpers::TestApp;
use probes::Probe;
use rig::Rig;

/// Only the victim's team may see this name anywhere.
const VICTIM: &str = "sandbox.bakery";

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum As {
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
        // Without the file's secret address: nothing, for anyone.
        Who::UploadLink => Refused(&[404]),
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
    // Jobs check their caller when they run (tests/api/people/sharing.rs: a job whose author lost
    // their role publishes nothing).
    assert!(TABLE
        .iter()
        .any(|e| e.kind == Kind::Job && e.who == Who::Job(Capability::Publish)));
}
