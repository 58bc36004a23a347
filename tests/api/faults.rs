//! T-FAULT (SECURITY.md §6) against the client: the code exchange, the long-lived exchange,
//! the refresh and a Graph GET, each through the fault matrix; and the token canary (OA-10).

use std::time::{Duration, Instant};

use instagram_connect::server::{
    instagram::*,
    sandbox::{seed::BAKERY_ID, Fault, FaultRule, Sandbox, SandboxOptions, TokenKind},
};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    helpers::capture_logs,
    instagram::{client_for, setup, setup_with, REDIRECT},
};

const DAY: i64 = 86_400;

/// The four calls of the matrix; each returns the kind of error, or `None` on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    CodeExchange,
    LongLived,
    Refresh,
    GraphGet,
}

impl Op {
    fn endpoint(self) -> &'static str {
        match self {
            Op::CodeExchange => "oauth_access_token",
            Op::LongLived => "ig_exchange_token",
            Op::Refresh => "ig_refresh_token",
            Op::GraphGet => "media_list",
        }
    }

    fn retried(self) -> bool {
        self != Op::CodeExchange
    }

    async fn run(self, sandbox: &Sandbox, client: &InstagramClient) -> Result<(), InstagramError> {
        match self {
            Op::CodeExchange => {
                let code =
                    sandbox.authorize("sandbox.bakery", REDIRECT, &endpoints::DEFAULT_SCOPES);
                client.exchange_code(&code, REDIRECT).await.map(|_| ())
            }
            Op::LongLived => {
                let short =
                    SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Short, 0));
                client
                    .exchange_long_lived(BAKERY_ID, &short)
                    .await
                    .map(|_| ())
            }
            Op::Refresh => {
                let long = SecretString::from(sandbox.issue_token(
                    "sandbox.bakery",
                    TokenKind::Long,
                    2 * DAY,
                ));
                client.refresh(BAKERY_ID, &long).await.map(|_| ())
            }
            Op::GraphGet => {
                let long =
                    SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Long, 0));
                client
                    .media_page(
                        &UserToken::instagram(BAKERY_ID, &long),
                        5,
                        None,
                        Priority::Interactive,
                    )
                    .await
                    .map(|_| ())
            }
        }
    }
}

const OPS: [Op; 4] = [Op::CodeExchange, Op::LongLived, Op::Refresh, Op::GraphGet];

async fn fresh() -> (Sandbox, InstagramClient) {
    setup_with(ClientOptions {
        timeout: Duration::from_millis(400),
        min_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        ..ClientOptions::default()
    })
    .await
}

#[tokio::test]
async fn a_delay_beyond_the_timeout_is_a_transient_error() {
    for op in OPS {
        let (sandbox, client) = fresh().await;
        sandbox.add_fault(FaultRule::on(op.endpoint(), Fault::Delay { ms: 1500 }));
        let started = Instant::now();
        let e = op.run(&sandbox, &client).await.unwrap_err();
        let attempts = if op.retried() { 3 } else { 1 };
        assert_eq!(e.kind, ErrorKind::Transient, "{op:?}");
        assert!(e.message.contains("did not answer in time"), "{op:?}: {e}");
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(400 * attempts),
            "{op:?}: {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_millis(600 * attempts + 500),
            "{op:?}: aborted at the timeout, {elapsed:?}"
        );
    }
}

#[tokio::test]
async fn server_errors_are_retried_except_for_the_code_exchange() {
    for op in OPS {
        for status in [500, 502, 503] {
            let (sandbox, client) = fresh().await;
            sandbox.add_fault(FaultRule::on(op.endpoint(), Fault::Status { status }).times(2));
            let result = op.run(&sandbox, &client).await;
            let sent = sandbox.requests_to(op.endpoint()).len();
            if op.retried() {
                assert!(result.is_ok(), "{op:?} {status}: {result:?}");
                assert_eq!(sent, 3, "{op:?} {status}: two failures and a success");
            } else {
                assert_eq!(result.unwrap_err().kind, ErrorKind::Transient);
                assert_eq!(sent, 1, "the code is never sent twice");
            }
        }
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    for op in [Op::Refresh, Op::GraphGet] {
        let (sandbox, client) = fresh().await;
        sandbox.add_fault(
            FaultRule::on(
                op.endpoint(),
                Fault::TooManyRequests {
                    retry_after_secs: 1,
                },
            )
            .times(1),
        );
        op.run(&sandbox, &client).await.unwrap();
        let sent = sandbox.requests_to(op.endpoint());
        assert_eq!(sent.len(), 2, "{op:?}");
        let waited = sent[1].at_ms - sent[0].at_ms;
        assert!(waited >= 1000, "{op:?}: waited only {waited} ms");
    }
}

#[tokio::test]
async fn an_invalid_token_is_not_retried_and_asks_for_reauth() {
    for op in [Op::LongLived, Op::Refresh, Op::GraphGet] {
        let (sandbox, client) = fresh().await;
        sandbox.add_fault(FaultRule::on(
            op.endpoint(),
            Fault::GraphError {
                code: 190,
                subcode: Some(463),
                message: None,
                transient: false,
                status: None,
            },
        ));
        let e = op.run(&sandbox, &client).await.unwrap_err();
        assert!(e.needs_reauth(), "{op:?}: {e:?}");
        assert_eq!(sandbox.requests_to(op.endpoint()).len(), 1, "{op:?}");
    }
}

#[tokio::test]
async fn throttles_back_off_and_never_mean_reauth() {
    for code in [4, 17, 32, 613, 80002] {
        for op in [Op::Refresh, Op::GraphGet] {
            let (sandbox, client) = fresh().await;
            sandbox.add_fault(
                FaultRule::on(
                    op.endpoint(),
                    Fault::GraphError {
                        code,
                        subcode: None,
                        message: None,
                        transient: false,
                        status: None,
                    },
                )
                .times(1),
            );
            op.run(&sandbox, &client)
                .await
                .unwrap_or_else(|e| panic!("{op:?} {code}: {e:?}"));
            assert_eq!(
                sandbox.requests_to(op.endpoint()).len(),
                2,
                "{op:?} {code}: retried once"
            );

            let (sandbox, client) = fresh().await;
            sandbox.add_fault(FaultRule::on(
                op.endpoint(),
                Fault::GraphError {
                    code,
                    subcode: None,
                    message: None,
                    transient: false,
                    status: None,
                },
            ));
            let e = op.run(&sandbox, &client).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::RateLimited, "{op:?} {code}");
            assert!(!e.needs_reauth());
        }
    }
}

#[tokio::test]
async fn a_long_buc_wait_is_returned_and_blocks_only_that_account() {
    let (sandbox, client) = fresh().await;
    sandbox.add_fault(
        FaultRule::on(
            "media_list",
            Fault::Usage {
                app_pct: 10,
                account_pct: 100,
                regain_minutes: 12,
            },
        )
        .times(1),
    );
    sandbox.add_fault(
        FaultRule::on(
            "media_list",
            Fault::GraphError {
                code: 80002,
                subcode: None,
                message: Some("Instagram account rate limited".into()),
                transient: false,
                status: None,
            },
        )
        .times(1),
    );
    let e = Op::GraphGet.run(&sandbox, &client).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert_eq!(
        e.retry_after,
        Some(Duration::from_secs(12 * 60)),
        "estimated_time_to_regain_access minutes"
    );
    assert_eq!(
        sandbox.requests_to("media_list").len(),
        1,
        "a 12-minute wait is not slept through"
    );

    // The account now fails fast, without calling Instagram; other accounts go on.
    let e = Op::GraphGet.run(&sandbox, &client).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert_eq!(sandbox.requests_to("media_list").len(), 1);
    let other = SecretString::from(sandbox.issue_token("sandbox.studio", TokenKind::Long, 0));
    client
        .media_page(
            &UserToken::instagram("17841400000000002", &other),
            5,
            None,
            Priority::Interactive,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn malformed_answers_never_yield_a_token() {
    for fault in [
        Fault::MalformedJson,
        Fault::EmptyObject,
        Fault::EmptyAccessToken,
        Fault::ZeroExpiresIn,
    ] {
        for op in [Op::CodeExchange, Op::LongLived, Op::Refresh] {
            let (sandbox, client) = fresh().await;
            sandbox.add_fault(FaultRule::on(op.endpoint(), fault.clone()));
            let e = op.run(&sandbox, &client).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Malformed, "{op:?} {fault:?}: {e:?}");
            let sent = sandbox.requests_to(op.endpoint()).len();
            assert_eq!(sent, if op.retried() { 3 } else { 1 }, "{op:?} {fault:?}");
        }
    }
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let elsewhere = Sandbox::bind("127.0.0.1:0".parse().unwrap(), SandboxOptions::default())
        .await
        .unwrap();
    for op in OPS {
        let (sandbox, client) = fresh().await;
        sandbox.add_fault(FaultRule::on(
            op.endpoint(),
            Fault::Redirect {
                location: format!("{}v25.0/me", elsewhere.url()),
            },
        ));
        let e = op.run(&sandbox, &client).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed, "{op:?}");
        assert_eq!(e.http_status, Some(302));
    }
    assert!(
        elsewhere.requests().is_empty(),
        "OA-09: the redirect target saw nothing"
    );
}

#[tokio::test]
async fn a_connection_cut_mid_body_is_transient() {
    for op in OPS {
        let (sandbox, client) = fresh().await;
        sandbox.add_fault(FaultRule::on(op.endpoint(), Fault::Truncated).times(1));
        let result = op.run(&sandbox, &client).await;
        if op.retried() {
            result.unwrap_or_else(|e| panic!("{op:?}: {e:?}"));
            assert_eq!(sandbox.requests_to(op.endpoint()).len(), 2);
        } else {
            assert_eq!(result.unwrap_err().kind, ErrorKind::Transient);
        }
    }
}

// --- OA-10: the canary ------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn no_token_or_secret_reaches_logs_or_errors() {
    let (logs, _guard) = capture_logs();

    let (sandbox, client) = setup().await;
    let mut secrets: Vec<String> = vec!["sandbox-app-secret".into()];
    let mut errors: Vec<String> = Vec::new();

    // The ladder, pagination and a refresh, all logged at TRACE.
    let code = sandbox.authorize("sandbox.bakery", REDIRECT, &endpoints::DEFAULT_SCOPES);
    secrets.push(code.clone());
    let short = client.exchange_code(&code, REDIRECT).await.unwrap();
    secrets.push(short.access_token.expose_secret().to_owned());
    let long = client
        .exchange_long_lived(BAKERY_ID, &short.access_token)
        .await
        .unwrap();
    secrets.push(long.access_token.expose_secret().to_owned());
    let user = UserToken::instagram(BAKERY_ID, &long.access_token);
    let page = client
        .media_page(&user, 10, None, Priority::Interactive)
        .await
        .unwrap();
    client
        .media_next(
            &user,
            page.next_url.as_deref().unwrap(),
            Priority::Interactive,
        )
        .await
        .unwrap();
    let old = SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Long, 2 * DAY));
    secrets.push(old.expose_secret().to_owned());
    let refreshed = client.refresh(BAKERY_ID, &old).await.unwrap();
    secrets.push(refreshed.access_token.expose_secret().to_owned());

    errors.extend(
        failures_carrying_tokens(&sandbox, &client, &user, &old, &long.access_token, &code).await,
    );
    errors.push(format!("{client:?} {short:?} {long:?}"));

    let logs = logs.text();
    assert!(
        logs.contains("instagram call"),
        "the calls were logged: {logs}"
    );
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "a secret leaked into the logs");
        for e in &errors {
            assert!(
                !e.contains(s.as_str()),
                "a secret leaked into an error: {e}"
            );
        }
    }
}

/// Failures whose upstream text carries the token, and a transport failure: how each error
/// reads, shown and debugged.
async fn failures_carrying_tokens(
    sandbox: &Sandbox,
    client: &InstagramClient,
    user: &UserToken<'_>,
    old: &SecretString,
    long: &SecretString,
    code: &str,
) -> Vec<String> {
    let mut errors = Vec::new();
    let leaky = format!(
        "Invalid token {} (access_token={})",
        old.expose_secret(),
        long.expose_secret()
    );
    sandbox.add_fault(FaultRule::on(
        "ig_refresh_token",
        Fault::GraphError {
            code: 190,
            subcode: Some(467),
            message: Some(leaky),
            transient: false,
            status: None,
        },
    ));
    let e = client.refresh(BAKERY_ID, old).await.unwrap_err();
    errors.push(format!("{e} {e:?}"));
    sandbox.clear_faults();
    sandbox.add_fault(FaultRule::on("media_list", Fault::Delay { ms: 3000 }));
    let e = client
        .media_page(user, 10, None, Priority::Interactive)
        .await
        .unwrap_err();
    errors.push(format!("{e} {e:?}"));
    let wrong = client_for(sandbox, "sandbox-app-secret", ClientOptions::default());
    let e = wrong.exchange_code(code, REDIRECT).await.unwrap_err();
    errors.push(format!("{e} {e:?}"));
    errors
}
