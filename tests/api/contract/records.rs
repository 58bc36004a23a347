//! The contract's records: users and sessions, connections with their leases and failures,
//! job leases, OAuth states, webhook deliveries, action keys and the cache.

use instagram_connect::server::db::{
    self, CacheRow, OAuthStateRow, RefreshFailure, SessionRow, Store, UserRow,
};

use super::{connection, method, sealed, NOW};

/// Users and sessions (bytes round-trip; an ID is inserted once); the session, for later.
pub(super) async fn users_and_sessions(store: &dyn Store) -> SessionRow {
    let user = UserRow {
        id: "usr_1".into(),
        display_name: "Ada".into(),
        created_at: NOW,
        updated_at: NOW,
    };
    store.user_insert(&user).await.unwrap();
    assert_eq!(store.user_get("usr_1").await.unwrap(), Some(user));
    let session = SessionRow {
        id: "s1".into(),
        user_id: Some("usr_1".into()),
        method_id: Some("sim_1".into()),
        data: vec![0, 159, 146, 150, 255],
        expires_at: NOW + 60,
    };
    assert!(store.session_insert(&session).await.unwrap());
    assert!(
        !store.session_insert(&session).await.unwrap(),
        "an ID is never adopted twice"
    );
    assert_eq!(
        store.session_load("s1", NOW).await.unwrap(),
        Some(session.clone())
    );
    assert_eq!(store.session_load("s1", NOW + 61).await.unwrap(), None);
    // A session is written only while it exists: a deleted one stays deleted.
    let moved = SessionRow {
        expires_at: NOW + 90,
        ..session.clone()
    };
    assert!(store.session_update(&moved).await.unwrap());
    store.session_delete("s1").await.unwrap();
    assert!(
        !store.session_update(&moved).await.unwrap(),
        "never brought back"
    );
    assert_eq!(store.session_load("s1", NOW).await.unwrap(), None);
    assert!(store.session_insert(&session).await.unwrap());
    assert_eq!(store.sessions_delete_expired(NOW + 61).await.unwrap(), 1);
    session
}

/// A connection is one row per Instagram account; reconnecting bumps the version.
/// RF-03: one lease at a time; RF-05: compare-and-set on version and owner.
pub(super) async fn connections_and_leases(store: &dyn Store) {
    let first = store
        .integration_save_connection(&connection("int_1", "1784", "usr_1", 1))
        .await
        .unwrap();
    assert_eq!((first.version, first.status.as_str()), (1, "active"));
    assert_eq!(first.sealed(), Some(sealed(1)));
    let again = store
        .integration_save_connection(&connection("int_other", "1784", "usr_1", 2))
        .await
        .unwrap();
    assert_eq!((again.id.as_str(), again.version), ("int_1", 2));
    assert_eq!(store.integrations_all().await.unwrap().len(), 1);

    // RF-03: one lease at a time; RF-05: compare-and-set on version and owner.
    let claimed = store
        .integration_claim("int_1", "w1", NOW + 120, NOW)
        .await
        .unwrap()
        .expect("free");
    assert!(store
        .integration_claim("int_1", "w2", NOW + 120, NOW + 1)
        .await
        .unwrap()
        .is_none());
    assert!(!store
        .integration_store_refreshed(
            "int_1",
            claimed.version,
            "w2",
            &sealed(3),
            "wxyz",
            NOW,
            NOW + 60 * 86_400,
            NOW
        )
        .await
        .unwrap());
    assert!(store
        .integration_store_refreshed(
            "int_1",
            claimed.version,
            "w1",
            &sealed(3),
            "wxyz",
            NOW,
            NOW + 60 * 86_400,
            NOW
        )
        .await
        .unwrap());
    let fresh = store.integration_get("int_1").await.unwrap().unwrap();
    assert_eq!((fresh.version, fresh.lease_owner.clone()), (3, None));
    assert_eq!(fresh.sealed(), Some(sealed(3)));
    assert!(
        !store
            .integration_store_refreshed(
                "int_1",
                claimed.version,
                "w1",
                &sealed(4),
                "late",
                NOW,
                NOW,
                NOW
            )
            .await
            .unwrap(),
        "a late writer changes nothing"
    );
}

/// Failures count once a day and set a cooldown; the due list skips it meanwhile.
pub(super) async fn failures_and_due_dates(store: &dyn Store) {
    let lease = store
        .integration_claim("int_1", "w3", NOW + 120, NOW)
        .await
        .unwrap()
        .unwrap();
    let failure = |owner: &str, version: i64| RefreshFailure {
        id: "int_1".into(),
        version,
        owner: owner.into(),
        now: NOW,
        message: "down".into(),
        class: "transient".into(),
        day: NOW / 86_400,
        next_attempt_at: Some(NOW + 900),
        status: None,
    };
    assert!(store
        .integration_record_failure(&failure("w3", lease.version))
        .await
        .unwrap());
    let failed = store.integration_get("int_1").await.unwrap().unwrap();
    assert_eq!(
        (failed.failed_days, failed.next_attempt_at),
        (1, Some(NOW + 900))
    );
    // Expiring within the window: listed once the cooldown is over (and when issued a day ago).
    assert!(store
        .integrations_due(
            NOW + 86_400 * 50,
            NOW + 86_400 * 90,
            NOW + 86_400 * 49,
            (i64::MIN, ""),
            10,
        )
        .await
        .unwrap()
        .iter()
        .any(|r| r.id == "int_1"));
    assert!(
        store
            .integrations_due(NOW, NOW + 86_400 * 90, NOW, (i64::MIN, ""), 10)
            .await
            .unwrap()
            .is_empty(),
        "too young and cooling down"
    );
}

/// The metrics' token buckets, counted in SQL, agree with `expiry_bucket` on every row, at
/// every edge of every bucket.
pub(super) async fn token_counts(store: &dyn Store) {
    use instagram_connect::{model::IntegrationStatus, server::metrics::expiry_bucket};
    store
        .integration_save_connection(&connection("int_c1", "1790", "usr_1", 4))
        .await
        .unwrap();
    let expires = NOW + 20 * 86_400;
    for at in [
        NOW - 30 * 86_400,
        expires - 30 * 86_400,
        expires - 7 * 86_400,
        expires - 3 * 86_400 - 1,
        expires - 3 * 86_400,
        expires - 1,
        expires,
        expires + 86_400,
    ] {
        let mut want = std::collections::BTreeMap::new();
        for r in store.integrations_all().await.unwrap() {
            let bucket = match (r.status, r.expires_at) {
                (IntegrationStatus::Active, Some(e)) if r.token_ciphertext.is_some() => {
                    expiry_bucket(e - at)
                }
                _ => "none",
            };
            *want
                .entry((r.status.as_str().to_owned(), bucket.to_owned()))
                .or_insert(0i64) += 1;
        }
        let got: std::collections::BTreeMap<(String, String), i64> = store
            .integration_counts(at)
            .await
            .unwrap()
            .into_iter()
            .map(|(s, b, n)| ((s, b), n))
            .collect();
        assert_eq!(got, want, "at {at}");
    }
    assert!(store.integration_delete("int_c1").await.unwrap());
}

/// RF-02: the job lease, taken once while held and before it is due.
pub(super) async fn job_leases(store: &dyn Store) {
    assert!(store
        .job_claim("scan", "a", NOW + 300, NOW, false)
        .await
        .unwrap());
    assert!(!store
        .job_claim("scan", "b", NOW + 300, NOW + 1, false)
        .await
        .unwrap());
    assert!(store.job_renew("scan", "a", NOW + 600).await.unwrap());
    assert!(!store.job_renew("scan", "b", NOW + 600).await.unwrap());
    assert!(store
        .job_finish("scan", "a", NOW + 10, NOW + 3600, "{\"total\":1}")
        .await
        .unwrap());
    assert!(
        !store
            .job_claim("scan", "b", NOW + 300, NOW + 20, false)
            .await
            .unwrap(),
        "not due"
    );
    assert!(
        store
            .job_claim("scan", "b", NOW + 300, NOW + 20, true)
            .await
            .unwrap(),
        "forced"
    );
    let job = store.job_get("scan").await.unwrap().unwrap();
    assert_eq!(
        (job.lease_owner.as_deref(), job.last_summary.as_deref()),
        (Some("b"), Some("{\"total\":1}"))
    );
}

/// OAuth states are consumed once, by their own session, for their own login.
pub(super) async fn oauth_states(store: &dyn Store) {
    use instagram_connect::server::db::{PROVIDER_FACEBOOK as FB, PROVIDER_INSTAGRAM as IG};
    let state = OAuthStateRow {
        state_hash: "h".into(),
        session_id: "s9".into(),
        return_to: None,
        pkce_verifier: None,
        created_at: NOW,
        expires_at: NOW + 900,
        provider: instagram_connect::server::db::PROVIDER_FACEBOOK.into(),
    };
    store.oauth_state_insert(&state).await.unwrap();
    assert!(store
        .oauth_state_consume("h", "other", FB, NOW)
        .await
        .unwrap()
        .is_none());
    assert!(
        store
            .oauth_state_consume("h", "s9", IG, NOW)
            .await
            .unwrap()
            .is_none(),
        "another login's state is refused, and not used up"
    );
    assert_eq!(
        store.oauth_state_consume("h", "s9", FB, NOW).await.unwrap(),
        Some(state)
    );
    assert!(store
        .oauth_state_consume("h", "s9", FB, NOW)
        .await
        .unwrap()
        .is_none());
}

/// Webhook deliveries are stored once per body; events once per natural key.
pub(super) async fn webhooks_and_action_keys(store: &dyn Store) {
    assert!(store
        .webhook_insert("wh1", "sha-a", b"{\"x\":1}", NOW, ",1784,")
        .await
        .unwrap());
    assert!(!store
        .webhook_insert("wh2", "sha-a", b"{\"x\":1}", NOW, ",1784,")
        .await
        .unwrap());
    let claimed = store.webhook_claim(NOW, NOW + 60).await.unwrap().unwrap();
    assert_eq!(
        (claimed.id.as_str(), claimed.body.as_slice()),
        ("wh1", b"{\"x\":1}".as_slice())
    );
    assert!(
        store.webhook_claim(NOW, NOW + 60).await.unwrap().is_none(),
        "leased"
    );
    store
        .webhook_finish("wh1", db::WebhookStatus::Done, None, NOW)
        .await
        .unwrap();
    assert!(store
        .webhook_event_key_insert("1784:comments:c1", "wh1", "1784", "comments", NOW)
        .await
        .unwrap());
    assert!(!store
        .webhook_event_key_insert("1784:comments:c1", "wh1", "1784", "comments", NOW)
        .await
        .unwrap());

    // A form's key acts once, until it is forgotten (the action failed).
    assert!(store.action_key_insert("reply:k1", NOW).await.unwrap());
    assert!(!store.action_key_insert("reply:k1", NOW + 5).await.unwrap());
    store.action_key_delete("reply:k1").await.unwrap();
    assert!(store.action_key_insert("reply:k1", NOW).await.unwrap());
    assert_eq!(store.action_keys_delete_before(NOW + 1).await.unwrap(), 1);
}

/// The cache expires a key and the keys under it, with LIKE's wildcards taken literally.
pub(super) async fn the_cache(store: &dyn Store) {
    let entry = |body: &str| CacheRow {
        body: body.into(),
        fetched_at: NOW,
        expires_at: NOW + 300,
    };
    for key in ["feed", "feed:abc", "feed_x", "feedback", "media:1"] {
        store.cache_put("int_1", key, &entry(key)).await.unwrap();
    }
    assert_eq!(store.cache_expire("int_1", "feed").await.unwrap(), 2);
    assert_eq!(
        store
            .cache_get("int_1", "feed_x")
            .await
            .unwrap()
            .unwrap()
            .expires_at,
        NOW + 300
    );
    assert!(
        store
            .cache_get("int_1", "feed")
            .await
            .unwrap()
            .unwrap()
            .expires_at
            <= 0
    );
    store
        .cache_put("int_1", "feed", &entry("again"))
        .await
        .unwrap();
    assert_eq!(
        store
            .cache_get("int_1", "feed")
            .await
            .unwrap()
            .unwrap()
            .body,
        "again"
    );
}

/// Deleting an account's data takes its sign-in method with its sessions, the deliveries that
/// mention it, and its person when nothing else is theirs.
pub(super) async fn deleting_account_data(store: &dyn Store, session: SessionRow) {
    store
        .method_insert(&method("sim_1", "usr_1", Some("1784"), None))
        .await
        .unwrap();
    store
        .session_insert(&SessionRow {
            expires_at: NOW + 999,
            ..session
        })
        .await
        .unwrap();
    store
        .member_set(
            "int_1",
            "usr_1",
            instagram_connect::model::Role::Owner,
            None,
            NOW,
        )
        .await
        .unwrap();
    let deleted = store.delete_account_data("1784").await.unwrap();
    assert_eq!(
        (
            deleted.integrations,
            deleted.users,
            deleted.sessions,
            deleted.methods,
            deleted.deliveries
        ),
        (1, 1, 1, 1, 1)
    );
    assert!(store.integration_get("int_1").await.unwrap().is_none());
    assert!(
        store.cache_get("int_1", "media:1").await.unwrap().is_none(),
        "cascade"
    );
    assert!(store.user_get("usr_1").await.unwrap().is_none());
}
