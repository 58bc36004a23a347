//! The admin console's questions, answered in SQL, agree with the rules written in Rust: each
//! token's state ([`TokenState::of`]), every order, every filter, the search, the counts and
//! the pages.

use std::collections::BTreeMap;

use instagram_connect::{
    model::{
        admin::{AdminSort, TokenState},
        IntegrationStatus,
    },
    server::db::{
        console::{ConsoleQuery, EXPIRED, LATER, NO_EXPIRY},
        IntegrationRow, RefreshFailure, Store,
    },
};

use super::{connection, NOW};

const DAY: i64 = 86_400;
const WINDOW: i64 = 30 * DAY;

/// The state the console shows for a row (the service's rule: no token, no expiry).
fn state_of(r: &IntegrationRow, now: i64) -> TokenState {
    let expires = r.expires_at.filter(|_| r.token_ciphertext.is_some());
    TokenState::of(r.status, expires, now, WINDOW)
}

fn query(sort: AdminSort, state: Option<TokenState>, search: &str) -> ConsoleQuery {
    ConsoleQuery {
        now: NOW,
        window: WINDOW,
        sort,
        state,
        search: search.to_owned(),
        ids: None,
        offset: 0,
        limit: 1000,
        many: false,
    }
}

/// Every page of `q`, `size` at a time.
async fn pages(store: &dyn Store, mut q: ConsoleQuery, size: i64) -> Vec<String> {
    let mut ids = Vec::new();
    q.limit = size;
    loop {
        let page = store.console_page(&q).await.unwrap();
        let n = page.len() as i64;
        ids.extend(page.into_iter().map(|o| o.integration.id));
        if n < size {
            return ids;
        }
        q.offset += size;
    }
}

/// Twelve accounts in every state, at the edges of the window.
async fn accounts(store: &dyn Store) -> Vec<String> {
    let expiries = [
        NOW - DAY,        // expired by time
        NOW,              // expired at the edge
        NOW + 1,          // expiring
        NOW + WINDOW,     // expiring at the edge
        NOW + WINDOW + 1, // active
        NOW + 59 * DAY,   // active
        NOW + 70 * DAY,   // later than the timeline
        NOW + 3 * DAY,
        NOW + 10 * DAY,
        NOW + 40 * DAY,
        NOW + 5 * DAY,
        NOW + 45 * DAY,
    ];
    let mut ids = Vec::new();
    for (i, expires) in expiries.into_iter().enumerate() {
        let id = format!("int_k{i:02}");
        let mut c = connection(&id, &format!("88{i:02}"), "usr_1", 9);
        c.username = format!("shop_{}.{i:02}", ["north", "south", "east"][i % 3]);
        c.expires_at = expires;
        store.integration_save_connection(&c).await.unwrap();
        ids.push(id);
    }
    let ended = [
        (7, IntegrationStatus::NeedsReauth),
        (8, IntegrationStatus::Revoked),
        (9, IntegrationStatus::Expired),
    ];
    for (i, status) in ended {
        store
            .integration_end(&ids[i], status, Some("ended"), Some("reauth"), NOW)
            .await
            .unwrap();
    }
    store
        .integration_set_status(&ids[10], IntegrationStatus::NeedsReauth, None, None, NOW)
        .await
        .unwrap();
    for (i, at) in [(0, NOW - 5), (3, NOW - 50), (5, NOW - 50), (11, NOW - 1)] {
        attempted(store, &ids[i], at).await;
    }
    ids
}

/// Records a failed refresh attempt at `at`, as a refresher does: claim, then failure.
async fn attempted(store: &dyn Store, id: &str, at: i64) {
    let row = store
        .integration_claim(id, "t", at + 60, at)
        .await
        .unwrap()
        .expect("claimed");
    let f = RefreshFailure {
        id: id.to_owned(),
        version: row.version,
        owner: "t".to_owned(),
        now: at,
        message: "try later".to_owned(),
        class: "transient".to_owned(),
        day: at / DAY,
        next_attempt_at: Some(at + 900),
        status: None,
    };
    assert!(store.integration_record_failure(&f).await.unwrap());
}

pub(super) async fn console_pages(store: &dyn Store) {
    let ids = accounts(store).await;
    // Every account in the table (the contract's earlier ones too), and these twelve.
    let every = store.integrations_all().await.unwrap();
    let rows: Vec<IntegrationRow> = every
        .iter()
        .filter(|r| ids.contains(&r.id))
        .cloned()
        .collect();
    assert_eq!(rows.len(), ids.len());

    counts_and_filters(store, &every).await;
    orders(store, &rows).await;
    search(store, &ids).await;
    for id in &ids[..6] {
        assert!(store.integration_delete(id).await.unwrap());
    }
    // The tally follows deletions, and folding it changes no count.
    let every = store.integrations_all().await.unwrap();
    counts(store, &every).await;
    store.console_compact().await.unwrap();
    counts(store, &every).await;
    for id in &ids[6..] {
        assert!(store.integration_delete(id).await.unwrap());
    }
    counts(store, &store.integrations_all().await.unwrap()).await;
}

/// The counts per state and expiry day against the rules on every row, at several times of
/// day (the tally counts calendar days; the day now falls on and the window's last day are
/// counted account by account).
async fn counts(store: &dyn Store, every: &[IntegrationRow]) {
    for now in [NOW, NOW - 7 * 3600, NOW + 5 * 3600, NOW + DAY / 2 + 1] {
        let mut want: BTreeMap<(String, i64), i64> = BTreeMap::new();
        for r in every {
            let state = state_of(r, now);
            let day = match r.expires_at.filter(|_| r.token_ciphertext.is_some()) {
                None => NO_EXPIRY,
                Some(t) if t <= now => EXPIRED,
                Some(t) if t.div_euclid(DAY) - now.div_euclid(DAY) >= 60 => LATER,
                Some(t) => t.div_euclid(DAY) - now.div_euclid(DAY),
            };
            *want.entry((state.as_str().to_owned(), day)).or_default() += 1;
        }
        let got: BTreeMap<(String, i64), i64> = store
            .console_counts(now, WINDOW, 60)
            .await
            .unwrap()
            .into_iter()
            .map(|c| ((c.state.unwrap().as_str().to_owned(), c.day), c.count))
            .collect();
        assert_eq!(got, want, "at {now}");
    }
}

/// The counts per state and expiry day, and every filter, against the rules on every row.
async fn counts_and_filters(store: &dyn Store, every: &[IntegrationRow]) {
    counts(store, every).await;

    // Every filter, counted and listed.
    for state in [
        TokenState::Active,
        TokenState::Expiring,
        TokenState::NeedsReconnect,
        TokenState::Expired,
        TokenState::Revoked,
    ] {
        let mut want: Vec<&str> = every
            .iter()
            .filter(|r| state_of(r, NOW) == state)
            .map(|r| r.id.as_str())
            .collect();
        want.sort_unstable();
        assert!(!want.is_empty(), "{state:?} is covered");
        let q = query(AdminSort::Username, Some(state), "");
        let mut got = pages(store, q.clone(), 1000).await;
        got.sort_unstable();
        assert_eq!(got, want, "{state:?}");
        assert_eq!(store.console_count(&q).await.unwrap(), want.len() as i64);
        // A filter written for walking the order's index finds the same pages, in order.
        for sort in [AdminSort::Refreshed, AdminSort::Expires] {
            let q = query(sort, Some(state), "");
            let walked = ConsoleQuery {
                many: true,
                ..q.clone()
            };
            assert_eq!(
                pages(store, walked, 2).await,
                pages(store, q, 2).await,
                "{state:?}"
            );
        }
    }
}

/// Every order, the same in pages of 5 as in one page, and as the rules say.
async fn orders(store: &dyn Store, rows: &[IntegrationRow]) {
    let key_expiry = |r: &IntegrationRow| match r.expires_at {
        Some(t) if r.token_ciphertext.is_some() => t,
        _ => i64::MAX,
    };
    let urgency = |r: &IntegrationRow| match r.status {
        IntegrationStatus::NeedsReauth => 0,
        IntegrationStatus::Expired => 1,
        IntegrationStatus::Revoked => 3,
        IntegrationStatus::Active => 2,
    };
    for sort in [
        AdminSort::Expires,
        AdminSort::Username,
        AdminSort::Status,
        AdminSort::Refreshed,
    ] {
        let mut want = rows.to_vec();
        match sort {
            AdminSort::Expires => want.sort_by_key(|r| (key_expiry(r), r.id.clone())),
            AdminSort::Username => want.sort_by_key(|r| (r.username.clone(), r.id.clone())),
            AdminSort::Status => want.sort_by_key(|r| (urgency(r), key_expiry(r), r.id.clone())),
            AdminSort::Refreshed => want
                .sort_by_key(|r| std::cmp::Reverse((r.last_refresh_at.unwrap_or(0), r.id.clone()))),
        }
        let want: Vec<String> = want.into_iter().map(|r| r.id).collect();
        let all = pages(store, query(sort, None, "shop_"), 1000).await;
        assert_eq!(all, want, "{sort:?}");
        assert_eq!(pages(store, query(sort, None, "shop_"), 5).await, want);
    }
}

/// Search: part of a username (`_` is a letter, not a wildcard), or the owner's name.
async fn search(store: &dyn Store, ids: &[String]) {
    let q = query(AdminSort::Username, None, "SHO__NORTH");
    assert!(pages(store, q, 1000).await.is_empty(), "no wildcard");
    let q = query(AdminSort::Username, None, "SOUTH");
    let south = pages(store, q.clone(), 1000).await;
    assert_eq!(south, ["int_k01", "int_k04", "int_k07", "int_k10"]);
    assert_eq!(store.console_count(&q).await.unwrap(), 4);
    let q = query(AdminSort::Username, Some(TokenState::Active), "south");
    assert_eq!(pages(store, q, 1000).await, ["int_k04"]);
    let by_owner = pages(store, query(AdminSort::Username, None, "ada"), 1000).await;
    assert!(ids.iter().all(|id| by_owner.contains(id)), "{by_owner:?}");

    // The trigram indexes list what the scan finds, whichever name matches.
    for text in [
        "SOUTH",
        "sho__north",
        "h_e",
        "ada",
        "shop_east.0",
        "zz",
        "%",
        "nobody",
    ] {
        let mut scanned = pages(store, query(AdminSort::Username, None, text), 1000).await;
        scanned.sort_unstable();
        let listed = store.console_search(text, 1000).await.unwrap();
        assert_eq!(listed.as_ref(), Some(&scanned), "{text}");
        let mut q = query(AdminSort::Expires, Some(TokenState::Expiring), text);
        q.ids = listed;
        let mut only = pages(store, q.clone(), 2).await;
        only.sort_unstable();
        let mut want = pages(
            store,
            query(AdminSort::Expires, Some(TokenState::Expiring), text),
            1000,
        )
        .await;
        want.sort_unstable();
        assert_eq!(only, want, "{text} among the expiring");
        assert_eq!(store.console_count(&q).await.unwrap(), want.len() as i64);
    }
    // More matches than the cap: left to the scan.
    assert_eq!(store.console_search("shop", 3).await.unwrap(), None);
    // A renamed account is found by its new name only.
    let mut renamed = connection("int_k00", "8800", "usr_1", 9);
    renamed.username = "bakery_renamed".to_owned();
    store.integration_save_connection(&renamed).await.unwrap();
    assert_eq!(
        store.console_search("ry_ren", 10).await.unwrap(),
        Some(vec!["int_k00".to_owned()])
    );
    assert_eq!(
        store.console_search("shop_north.00", 10).await.unwrap(),
        Some(vec![])
    );
}

/// The refresh scan's walk: pages after the last `(expires_at, id)` read list every due token
/// once, soonest first, ties broken by ID; the count agrees.
pub(super) async fn due_walk(store: &dyn Store) {
    let (now, until, issued_by) = (NOW, NOW + WINDOW, NOW - DAY);
    let before = store
        .integrations_due_count(now, until, issued_by)
        .await
        .unwrap();
    let mut want = Vec::new();
    for i in 0..7 {
        let id = format!("int_w{i}");
        let mut c = connection(&id, &format!("77{i}"), "usr_1", 3);
        // Pairs share an expiry: the ID orders them.
        c.expires_at = NOW + (10 + i as i64 / 2) * DAY;
        store.integration_save_connection(&c).await.unwrap();
        want.push(id);
    }
    assert_eq!(
        store
            .integrations_due_count(now, until, issued_by)
            .await
            .unwrap(),
        before + 7
    );
    let mut got = Vec::new();
    let mut after = (i64::MIN, String::new());
    loop {
        let page = store
            .integrations_due(now, until, issued_by, (after.0, &after.1), 2)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = (last.expires_at.unwrap(), last.id.clone());
        got.extend(page.into_iter().map(|r| r.id));
    }
    let mut once = got.clone();
    once.sort_unstable();
    once.dedup();
    assert_eq!(once.len(), got.len(), "no row read twice");
    got.retain(|id| id.starts_with("int_w"));
    assert_eq!(got, want);
    for id in &want {
        assert!(store.integration_delete(id).await.unwrap());
    }
}
