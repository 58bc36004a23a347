//! Comments and replies, hashtags, and webhook subscriptions.

use instagram_connect::server::{
    instagram::*,
    sandbox::{seed::BAKERY_ID, Fault, FaultRule, TokenKind},
};
use secrecy::SecretString;

use super::{long_token, setup};

#[tokio::test]
async fn comments_can_be_read_replied_hidden_and_deleted() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    let page = client
        .media_page(&user, 100, None, Priority::Interactive)
        .await
        .unwrap();
    let media = page
        .items
        .iter()
        .find(|m| m.comments_count.unwrap_or(0) > 0 && m.is_comment_enabled == Some(true))
        .unwrap();
    let comments = client.comments(&user, &media.id, None).await.unwrap();
    assert!(!comments.items.is_empty());
    let first = &comments.items[0];
    assert!(first.username.is_some() && !first.text.is_empty());

    let reply_id = client
        .reply(&user, &first.id, "Thanks for stopping by!")
        .await
        .unwrap();
    let replies = client.replies(&user, &first.id).await.unwrap();
    assert!(replies
        .iter()
        .any(|r| r.id == reply_id && r.text == "Thanks for stopping by!"));

    client
        .set_comment_hidden(&user, &first.id, true)
        .await
        .unwrap();
    let again = client.comments(&user, &media.id, None).await.unwrap();
    assert!(
        again
            .items
            .iter()
            .find(|c| c.id == first.id)
            .unwrap()
            .hidden
    );
    client
        .set_comment_hidden(&user, &first.id, false)
        .await
        .unwrap();

    client.delete_comment(&user, &first.id).await.unwrap();
    let after = client.comments(&user, &media.id, None).await.unwrap();
    assert!(after.items.iter().all(|c| c.id != first.id));

    let own = client
        .comment(&user, &media.id, "Open till 6 today")
        .await
        .unwrap();
    assert!(!own.is_empty());
    client
        .set_comments_enabled(&user, &media.id, false)
        .await
        .unwrap();
    let e = client
        .comment(&user, &media.id, "closed?")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
    assert!(client.comment(&user, &media.id, "   ").await.is_err());
}

#[tokio::test]
async fn replies_are_never_sent_twice() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    let page = client
        .media_page(&user, 100, None, Priority::Interactive)
        .await
        .unwrap();
    let media = page
        .items
        .iter()
        .find(|m| m.comments_count.unwrap_or(0) > 0)
        .unwrap();
    let c = client
        .comments(&user, &media.id, None)
        .await
        .unwrap()
        .items
        .remove(0);
    sandbox.add_fault(FaultRule::on("reply", Fault::Status { status: 503 }));
    assert_eq!(
        client.reply(&user, &c.id, "hello").await.unwrap_err().kind,
        ErrorKind::Transient
    );
    assert_eq!(sandbox.requests_to("reply").len(), 1);
}

// --- Hashtags and subscriptions ---------------------------------------------------------------

#[tokio::test]
async fn hashtag_search_is_for_facebook_login_only() {
    let (sandbox, client) = setup().await;
    let ig = long_token(&sandbox, 0);
    let e = client
        .hashtag_search(&UserToken::instagram(BAKERY_ID, &ig), "sourdough")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert!(e.action().contains("Facebook Login"));
    assert!(sandbox.requests_to("hashtag_search").is_empty());

    let fb = SecretString::from(sandbox.issue_token("sandbox.bakery", TokenKind::Facebook, 0));
    let user = UserToken::facebook(BAKERY_ID, &fb);
    let tag = client
        .hashtag_search(&user, "#Sourdough")
        .await
        .unwrap()
        .unwrap();
    let top = client
        .hashtag_media(&user, &tag.id, HashtagEdge::Top, None)
        .await
        .unwrap();
    assert!(!top.items.is_empty());
    assert!(top.items.iter().all(|m| m
        .caption
        .as_deref()
        .unwrap()
        .to_lowercase()
        .contains("#sourdough")));

    for i in 1..30 {
        client
            .hashtag_search(&user, &format!("tag{i}"))
            .await
            .unwrap();
    }
    client
        .hashtag_search(&user, "sourdough")
        .await
        .expect("a known hashtag does not count again");
    let limit = client
        .hashtag_search(&user, "onetoomany")
        .await
        .unwrap_err();
    assert_eq!(limit.code, Some(24));
}

#[tokio::test]
async fn webhook_subscriptions_are_set_per_account() {
    let (sandbox, client) = setup().await;
    let t = long_token(&sandbox, 0);
    let user = UserToken::instagram(BAKERY_ID, &t);
    client
        .subscribe_webhooks(&user, &["comments", "messages"])
        .await
        .unwrap();
    assert_eq!(
        client.webhook_subscriptions(&user).await.unwrap(),
        ["comments", "messages"]
    );
    let e = client
        .subscribe_webhooks(&user, &["story_insights"])
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
}
