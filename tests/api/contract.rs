//! The storage contract: what every backend must do, run on SQLite and on PostgreSQL (a fresh
//! database on the server `TEST_DATABASE_URL` names; skipped, with a note, without it).

use std::sync::Arc;

use instagram_connect::server::{
    config::{Backend, DatabaseUrl},
    crypto::Sealed,
    db::{
        self, CacheRow, ConnectionWrite, InvitationRow, NewInvitation, OAuthStateRow,
        PasskeyChallengeRow, RefreshFailure, SessionRow, SignInMethodRow, Store, UserRow,
    },
};

use crate::helpers::postgres_database;

const NOW: i64 = 1_790_000_000;

fn sealed(tag: u8) -> Sealed {
    Sealed {
        ciphertext: vec![tag, 0, 255, 7, 42],
        nonce: vec![tag; 12],
        key_id: "k1".to_owned(),
    }
}

fn connection(id: &str, ig: &str, user: &str, tag: u8) -> ConnectionWrite {
    ConnectionWrite {
        id: id.to_owned(),
        user_id: user.to_owned(),
        instagram_id: ig.to_owned(),
        app_scoped_id: Some("260001".to_owned()),
        username: format!("user.{ig}"),
        account_type: Some("Business".to_owned()),
        scopes: "instagram_business_basic".to_owned(),
        status: instagram_connect::model::IntegrationStatus::Active,
        sealed: sealed(tag),
        token_last4: "abcd".to_owned(),
        issued_at: NOW - 40 * 86_400,
        expires_at: NOW + 20 * 86_400,
        now: NOW,
    }
}

/// Every backend passes this.
async fn contract(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
    assert!(store.schema_version().await.unwrap() >= 4);

    // Users and sessions (bytes round-trip; an ID is inserted once).
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

    // A connection is one row per Instagram account; reconnecting bumps the version.
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

    // Failures count once a day and set a cooldown; the due list skips it meanwhile.
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
        .integrations_due(NOW + 86_400 * 50, NOW + 86_400 * 90, NOW + 86_400 * 49, 10)
        .await
        .unwrap()
        .contains(&"int_1".to_owned()));
    assert!(
        store
            .integrations_due(NOW, NOW + 86_400 * 90, NOW, 10)
            .await
            .unwrap()
            .is_empty(),
        "too young and cooling down"
    );

    // RF-02: the job lease, taken once while held and before it is due.
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

    // OAuth states are consumed once, by their own session.
    let state = OAuthStateRow {
        state_hash: "h".into(),
        session_id: "s9".into(),
        return_to: None,
        pkce_verifier: None,
        created_at: NOW,
        expires_at: NOW + 900,
    };
    store.oauth_state_insert(&state).await.unwrap();
    assert!(store
        .oauth_state_consume("h", "other", NOW)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.oauth_state_consume("h", "s9", NOW).await.unwrap(),
        Some(state)
    );
    assert!(store
        .oauth_state_consume("h", "s9", NOW)
        .await
        .unwrap()
        .is_none());

    // Webhook deliveries are stored once per body; events once per natural key.
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

    // The cache expires a key and the keys under it, with LIKE's wildcards taken literally.
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

    people(store.as_ref()).await;

    // Deleting an account's data takes its sign-in method with its sessions, the deliveries
    // that mention it, and its person when nothing else is theirs.
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
        .member_set("int_1", "usr_1", "owner", None, NOW)
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
    store.close().await;
}

fn method(
    id: &str,
    user: &str,
    instagram: Option<&str>,
    credential: Option<&str>,
) -> SignInMethodRow {
    SignInMethodRow {
        id: id.into(),
        user_id: user.into(),
        kind: if instagram.is_some() {
            "instagram"
        } else {
            "passkey"
        }
        .into(),
        instagram_id: instagram.map(Into::into),
        credential_id: credential.map(Into::into),
        credential: credential.map(|_| "{}".into()),
        label: id.into(),
        created_at: NOW,
        last_used_at: None,
    }
}

/// Who may act: people, sign-in methods and the sessions opened through them, memberships,
/// invitations, admins and passkey ceremonies.
async fn people(store: &dyn Store) {
    for (id, name) in [("usr_a", "Agency"), ("usr_c", "Client")] {
        store
            .user_insert(&UserRow {
                id: id.into(),
                display_name: name.into(),
                created_at: NOW,
                updated_at: NOW,
            })
            .await
            .unwrap();
    }
    store
        .integration_save_connection(&connection("int_c", "5555", "usr_a", 9))
        .await
        .unwrap();

    // An Instagram account signs in as one person at most; a credential belongs to one passkey.
    assert!(store
        .method_insert(&method("sim_a", "usr_a", Some("5555"), None))
        .await
        .unwrap());
    assert!(!store
        .method_insert(&method("sim_x", "usr_c", Some("5555"), None))
        .await
        .unwrap());
    assert!(store
        .method_insert(&method("sim_k", "usr_c", None, Some("cred1")))
        .await
        .unwrap());
    assert!(!store
        .method_insert(&method("sim_k2", "usr_a", None, Some("cred1")))
        .await
        .unwrap());
    assert_eq!(
        store
            .method_for_instagram("5555")
            .await
            .unwrap()
            .unwrap()
            .id,
        "sim_a"
    );
    assert_eq!(
        store
            .method_by_credential("cred1")
            .await
            .unwrap()
            .unwrap()
            .user_id,
        "usr_c"
    );
    let signed = store.signed_in("usr_a", "sim_a").await.unwrap().unwrap();
    assert_eq!(
        (
            signed.display_name.as_str(),
            signed.method_kind.as_str(),
            signed.operator_admin
        ),
        ("Agency", "instagram", false)
    );
    assert!(
        store.signed_in("usr_c", "sim_a").await.unwrap().is_none(),
        "a method signs in its own person only"
    );

    // Ending a method ends the sessions opened through it, and only those.
    for (sid, m) in [("sa1", "sim_a"), ("sa2", "sim_a"), ("sc1", "sim_k")] {
        store
            .session_insert(&SessionRow {
                id: sid.into(),
                user_id: Some(if m == "sim_a" { "usr_a" } else { "usr_c" }.into()),
                method_id: Some(m.into()),
                data: vec![1],
                expires_at: NOW + 600,
            })
            .await
            .unwrap();
    }
    let ended = store.method_delete_for_instagram("5555").await.unwrap();
    assert_eq!((ended.methods, ended.sessions), (1, 2));
    assert!(store.session_load("sa1", NOW).await.unwrap().is_none());
    assert!(store.session_load("sc1", NOW).await.unwrap().is_some());
    assert!(store.signed_in("usr_a", "sim_a").await.unwrap().is_none());

    // Roles: set, raise but never lower by a grant, list owners first, reset for a new holder.
    store
        .member_set("int_c", "usr_a", "owner", None, NOW)
        .await
        .unwrap();
    store
        .member_grant("int_c", "usr_c", "viewer", Some("usr_a"), NOW)
        .await
        .unwrap();
    store
        .member_grant("int_c", "usr_c", "editor", Some("usr_a"), NOW)
        .await
        .unwrap();
    store
        .member_grant("int_c", "usr_c", "viewer", Some("usr_a"), NOW)
        .await
        .unwrap();
    assert_eq!(
        store
            .member_role("int_c", "usr_c")
            .await
            .unwrap()
            .as_deref(),
        Some("editor"),
        "a grant never lowers a role"
    );
    let members = store.members_of("int_c").await.unwrap();
    assert_eq!(
        members
            .iter()
            .map(|m| (m.user_id.as_str(), m.role.as_str()))
            .collect::<Vec<_>>(),
        [("usr_a", "owner"), ("usr_c", "editor")]
    );
    let theirs = store.memberships_of("usr_c").await.unwrap();
    assert_eq!(
        (
            theirs.len(),
            theirs[0].integration.id.as_str(),
            theirs[0].role.as_str()
        ),
        (1, "int_c", "editor")
    );

    // Invitations: found by hash, used once, revoked only by their maker, unusable expired.
    let inv = |id: &str, kind: &str, by: Option<&str>, expires_at: i64| InvitationRow {
        id: id.into(),
        kind: kind.into(),
        role: (kind == "share").then(|| "viewer".into()),
        created_by: by.map(Into::into),
        created_at: NOW,
        expires_at,
        used_at: None,
        used_by: None,
        revoked_at: None,
    };
    store
        .invitation_insert(NewInvitation {
            row: &inv("inv_1", "share", Some("usr_a"), NOW + 600),
            token_hash: "hash1",
            accounts: &["int_c".to_owned()],
        })
        .await
        .unwrap();
    let (found, accounts) = store.invitation_by_hash("hash1").await.unwrap().unwrap();
    assert_eq!(
        (found.id.as_str(), accounts),
        ("inv_1", vec!["int_c".to_owned()])
    );
    assert!(
        store
            .invitation_use("inv_1", "usr_c", NOW + 601)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(store
        .invitation_use("inv_1", "usr_c", NOW)
        .await
        .unwrap()
        .is_some());
    assert!(
        store
            .invitation_use("inv_1", "usr_c", NOW)
            .await
            .unwrap()
            .is_none(),
        "once"
    );
    store
        .invitation_insert(NewInvitation {
            row: &inv("inv_2", "admin", None, NOW + 600),
            token_hash: "hash2",
            accounts: &[],
        })
        .await
        .unwrap();
    assert!(
        !store
            .invitation_revoke("inv_2", Some("usr_a"), NOW)
            .await
            .unwrap(),
        "not theirs"
    );
    assert!(store.invitation_revoke("inv_2", None, NOW).await.unwrap());
    assert!(
        store
            .invitation_use("inv_2", "usr_c", NOW)
            .await
            .unwrap()
            .is_none(),
        "revoked"
    );
    assert_eq!(store.invitations_by(None).await.unwrap().len(), 1);
    assert_eq!(store.invitations_by(Some("usr_a")).await.unwrap().len(), 1);

    // Admins made by an operator.
    store
        .admin_grant("usr_c", NOW, "invitation inv_2")
        .await
        .unwrap();
    assert!(
        store
            .signed_in("usr_c", "sim_k")
            .await
            .unwrap()
            .unwrap()
            .operator_admin
    );
    assert_eq!(store.admins().await.unwrap().len(), 1);
    assert!(store.admin_revoke("usr_c").await.unwrap());

    // A new holder of the account: its former team loses it, and the pending links too.
    store
        .invitation_insert(NewInvitation {
            row: &inv("inv_3", "share", Some("usr_a"), NOW + 600),
            token_hash: "hash3",
            accounts: &["int_c".to_owned()],
        })
        .await
        .unwrap();
    store.members_reset("int_c", "usr_c", NOW).await.unwrap();
    assert_eq!(store.member_role("int_c", "usr_a").await.unwrap(), None);
    assert_eq!(
        store
            .member_role("int_c", "usr_c")
            .await
            .unwrap()
            .as_deref(),
        Some("owner")
    );
    assert_eq!(
        store
            .integration_get("int_c")
            .await
            .unwrap()
            .unwrap()
            .user_id,
        "usr_c"
    );
    assert!(store
        .invitation_by_hash("hash3")
        .await
        .unwrap()
        .unwrap()
        .1
        .is_empty());

    // Passkey ceremonies: one per session and purpose, taken once, not after they expire.
    let ceremony = PasskeyChallengeRow {
        session_id: "s7".into(),
        purpose: "sign_in".into(),
        state: "{}".into(),
        user_id: None,
        invitation_id: None,
        label: String::new(),
        created_at: NOW,
        expires_at: NOW + 300,
    };
    store.challenge_put(&ceremony).await.unwrap();
    store
        .challenge_put(&PasskeyChallengeRow {
            state: "{\"b\":1}".into(),
            ..ceremony.clone()
        })
        .await
        .unwrap();
    assert!(store
        .challenge_take("s7", "register", NOW)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .challenge_take("s7", "sign_in", NOW)
            .await
            .unwrap()
            .unwrap()
            .state,
        "{\"b\":1}"
    );
    assert!(
        store
            .challenge_take("s7", "sign_in", NOW)
            .await
            .unwrap()
            .is_none(),
        "once"
    );
    store.challenge_put(&ceremony).await.unwrap();
    assert!(
        store
            .challenge_take("s7", "sign_in", NOW + 301)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert_eq!(store.challenges_delete_expired(NOW + 301).await.unwrap(), 1);

    // A WebAuthn user handle is set once.
    assert_eq!(
        store
            .person_passkey_handle("usr_c", "h-1")
            .await
            .unwrap()
            .as_deref(),
        Some("h-1")
    );
    assert_eq!(
        store
            .person_passkey_handle("usr_c", "h-2")
            .await
            .unwrap()
            .as_deref(),
        Some("h-1")
    );
    assert_eq!(
        store
            .person_by_passkey_handle("h-1")
            .await
            .unwrap()
            .unwrap()
            .id,
        "usr_c"
    );

    // A person with nothing left goes; one with a way to sign in stays.
    assert!(!store.person_delete_if_unused("usr_c").await.unwrap());
    assert!(store.person_delete_if_unused("usr_a").await.unwrap());
    assert!(store.user_get("usr_a").await.unwrap().is_none());
}

#[tokio::test]
async fn the_storage_contract_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url =
        DatabaseUrl::parse(&format!("sqlite://{}/c.db?mode=rwc", dir.path().display())).unwrap();
    let store = db::open(&url).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    contract(store).await;
}

#[tokio::test]
async fn the_storage_contract_on_postgres() {
    let Some(url) = postgres_database().await else {
        return;
    };
    let store = db::open(&DatabaseUrl::parse(&url).unwrap()).await.unwrap();
    assert_eq!(store.backend(), Backend::Postgres);
    contract(store).await;
}

#[tokio::test]
async fn postgres_migrations_are_safe_when_instances_start_together() {
    let Some(url) = postgres_database().await else {
        return;
    };
    let url = DatabaseUrl::parse(&url).unwrap();
    let opened = futures_util::future::join_all((0..4).map(|_| db::open(&url))).await;
    for store in opened {
        let store = store.expect("every instance starts");
        assert!(store.schema_version().await.unwrap() >= 4);
        store.close().await;
    }
}
