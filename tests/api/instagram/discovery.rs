//! Business discovery: another public professional account by username, for Facebook-Login
//! connections only.

use instagram_connect::server::{
    instagram::*,
    sandbox::{seed::BAKERY_ID, TokenKind},
};
use secrecy::SecretString;

use super::{long_token, setup};

#[tokio::test]
async fn business_discovery_finds_a_public_account_and_pages_its_posts() {
    let (sandbox, client) = setup().await;
    let fb = SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Facebook, 0));
    let user = UserToken::facebook(BAKERY_ID, &fb);
    let studio_posts = sandbox.state().world().accounts
        [instagram_connect::server::sandbox::seed::STUDIO_ID]
        .media
        .clone();

    let found = client
        .business_discovery(&user, "@Sandbox.Studio", None)
        .await
        .unwrap();
    assert_eq!(
        found.id,
        instagram_connect::server::sandbox::seed::STUDIO_ID
    );
    assert_eq!(found.username, "sandbox.studio");
    assert_eq!(found.media_count, Some(studio_posts.len() as i64));
    assert!(found.followers_count.is_some() && found.profile_picture_url.is_some());
    assert_eq!(found.biography, None, "an empty field is left out");
    let first: Vec<&str> = found.media.items.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(first.len(), studio_posts.len().min(DISCOVERY_PAGE));
    assert_eq!(
        first,
        studio_posts[..first.len()]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert!(found.media.next_url.is_none(), "cursors only");

    if studio_posts.len() > DISCOVERY_PAGE {
        let after = found
            .media
            .after
            .clone()
            .expect("a cursor to the next page");
        let next = client
            .business_discovery(&user, "sandbox.studio", Some(&after))
            .await
            .unwrap();
        assert_eq!(next.media.items[0].id, studio_posts[DISCOVERY_PAGE]);
    } else {
        assert!(found.media.after.is_none(), "one page: no cursor");
    }
    let requests = sandbox.requests_to("business_discovery");
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r.path.starts_with("/fb/")),
        "graph.facebook.com"
    );
}

#[tokio::test]
async fn business_discovery_refuses_what_it_cannot_do() {
    let (sandbox, client) = setup().await;
    // Instagram Login: refused without a request.
    let ig = long_token(&sandbox, 0);
    let e = client
        .business_discovery(
            &UserToken::instagram(BAKERY_ID, &ig),
            "sandbox.studio",
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert!(e.action().contains("Facebook Login"), "{}", e.action());

    let fb = SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Facebook, 0));
    let user = UserToken::facebook(BAKERY_ID, &fb);
    for bad in ["two words", "x){id}", ""] {
        let e = client
            .business_discovery(&user, bad, None)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadRequest, "{bad}");
    }
    let e = client
        .business_discovery(&user, "sandbox.studio", Some("a){b"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
    assert!(
        sandbox.requests_to("business_discovery").is_empty(),
        "none of these left"
    );

    // An account nobody has: Graph's own error, with its code.
    let e = client
        .business_discovery(&user, "nobody.here", None)
        .await
        .unwrap_err();
    assert_eq!((e.code, e.subcode), (Some(110), Some(2207013)), "{e}");
    assert_eq!(e.kind, ErrorKind::BadRequest);

    // An Instagram-Login token on graph.facebook.com is not a Facebook token: Graph's `100`.
    let e = client
        .business_discovery(&UserToken::facebook(BAKERY_ID, &ig), "sandbox.studio", None)
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::BadRequest, Some(100)), "{e}");
}
