//! Who may act, in the storage contract: people, sign-in methods and the sessions opened
//! through them, memberships, invitations, admins and passkey ceremonies.

use instagram_connect::server::db::{
    InvitationRow, NewInvitation, PasskeyChallengeRow, SessionRow, Store, UserRow,
};

use super::{connection, method, NOW};

/// Who may act: people, sign-in methods and the sessions opened through them, memberships,
/// invitations, admins and passkey ceremonies.
pub(super) async fn people(store: &dyn Store) {
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
    sign_in_methods(store).await;
    ending_a_method_ends_its_sessions(store).await;
    roles(store).await;
    invitations(store).await;
    admins(store).await;
    a_new_holder(store).await;
    passkey_ceremonies(store).await;
    passkey_handles_and_deletion(store).await;
}

/// An invitation made at [`NOW`]: a sharing link (for viewers) or an admin link.
fn invitation(id: &str, kind: &str, by: Option<&str>, expires_at: i64) -> InvitationRow {
    InvitationRow {
        id: id.into(),
        kind: kind.into(),
        role: (kind == "share").then_some(instagram_connect::model::Role::Viewer),
        created_by: by.map(Into::into),
        created_at: NOW,
        expires_at,
        used_at: None,
        used_by: None,
        revoked_at: None,
    }
}

/// An Instagram account signs in as one person at most; a credential belongs to one passkey.
async fn sign_in_methods(store: &dyn Store) {
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
}

/// Ending a method ends the sessions opened through it, and only those.
async fn ending_a_method_ends_its_sessions(store: &dyn Store) {
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
}

/// Roles: set, raise but never lower by a grant, list owners first, reset for a new holder.
async fn roles(store: &dyn Store) {
    store
        .member_set(
            "int_c",
            "usr_a",
            instagram_connect::model::Role::Owner,
            None,
            NOW,
        )
        .await
        .unwrap();
    store
        .member_grant(
            "int_c",
            "usr_c",
            instagram_connect::model::Role::Viewer,
            Some("usr_a"),
            NOW,
        )
        .await
        .unwrap();
    store
        .member_grant(
            "int_c",
            "usr_c",
            instagram_connect::model::Role::Editor,
            Some("usr_a"),
            NOW,
        )
        .await
        .unwrap();
    store
        .member_grant(
            "int_c",
            "usr_c",
            instagram_connect::model::Role::Viewer,
            Some("usr_a"),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .member_role("int_c", "usr_c")
            .await
            .unwrap()
            .map(|r| r.as_str()),
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
}

/// Invitations: found by hash, used once, revoked only by their maker, unusable expired.
async fn invitations(store: &dyn Store) {
    store
        .invitation_insert(NewInvitation {
            row: &invitation("inv_1", "share", Some("usr_a"), NOW + 600),
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
            row: &invitation("inv_2", "admin", None, NOW + 600),
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
}

/// Admins made by an operator.
async fn admins(store: &dyn Store) {
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
}

/// A new holder of the account: its former team loses it, and the pending links too.
async fn a_new_holder(store: &dyn Store) {
    store
        .invitation_insert(NewInvitation {
            row: &invitation("inv_3", "share", Some("usr_a"), NOW + 600),
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
            .map(|r| r.as_str()),
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
}

/// Passkey ceremonies: one per session and purpose, taken once, not after they expire.
async fn passkey_ceremonies(store: &dyn Store) {
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
}

/// A WebAuthn user handle is set once. A person with nothing left goes; one with a way to
/// sign in stays.
async fn passkey_handles_and_deletion(store: &dyn Store) {
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
