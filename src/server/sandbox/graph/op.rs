//! What a Graph request does, decided once from its path, its verb and the world: the node it
//! names and the edge or verb applied there. The answer is a match on this, and the name an
//! operation has in the request log and in fault rules comes from here too.

use axum::http::Method;

use crate::server::sandbox::world::World;

/// A Graph operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `/me` with another verb than GET: refused before the token is looked at.
    MeOtherVerb,
    /// On an account (`/me`, `/{ig-id}`).
    Account(AccountOp),
    /// On a media item.
    Media(MediaOp),
    /// On a comment.
    Comment(CommentOp),
    /// `GET /{container-id}`: a publishing container's status.
    Container,
    /// A verb or edge the sandbox does not serve.
    Unsupported,
}

/// What is done on an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountOp {
    /// `GET /me`: the token's own profile.
    Me,
    /// `GET /{ig-id}`: the profile.
    Read,
    /// `GET /{ig-id}/media`: its media, newest first.
    ListMedia,
    /// `POST /{ig-id}/media`: a new publishing container.
    CreateContainer,
    /// `POST /{ig-id}/media_publish`: publishes a container.
    Publish,
    /// `GET /{ig-id}/content_publishing_limit`.
    PublishingLimit,
    /// `GET /{ig-id}/insights`.
    Insights,
    /// `/{ig-id}/subscribed_apps`.
    SubscribedApps(Subscription),
}

/// What a verb does on `subscribed_apps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscription {
    /// GET: the app and its fields.
    List,
    /// POST: subscribes to more fields.
    Add,
    /// DELETE: unsubscribes from everything.
    Clear,
    /// Any other verb: refused.
    Other,
}

/// What is done on a media item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaOp {
    /// `GET /{media-id}`.
    Read,
    /// `POST /{media-id}?comment_enabled=…`.
    SetCommentEnabled,
    /// `GET /{media-id}/children`: a carousel's items.
    Children,
    /// `GET /{media-id}/comments`: the top-level comments.
    Comments,
    /// `POST /{media-id}/comments`: a new comment.
    AddComment,
    /// `GET /{media-id}/insights`.
    Insights,
}

/// What is done on a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentOp {
    /// `GET /{comment-id}`.
    Read,
    /// `POST /{comment-id}?hide=…`.
    Hide,
    /// `DELETE /{comment-id}`, with its replies.
    Delete,
    /// `GET /{comment-id}/replies`.
    Replies,
    /// `POST /{comment-id}/replies`: a reply.
    Reply,
}

impl Op {
    /// `/me`.
    pub fn me(method: &Method) -> Self {
        if method == Method::GET {
            Op::Account(AccountOp::Me)
        } else {
            Op::MeOtherVerb
        }
    }

    /// `/{id}`: what `id` names in the world decides the node for a GET; POST and DELETE
    /// act on media and comments.
    pub fn node(w: &World, id: &str, method: &Method) -> Self {
        match *method {
            Method::GET if w.containers.contains_key(id) => Op::Container,
            Method::GET if w.comments.contains_key(id) => Op::Comment(CommentOp::Read),
            Method::GET if w.accounts.contains_key(id) => Op::Account(AccountOp::Read),
            Method::GET => Op::Media(MediaOp::Read),
            Method::POST if w.media.contains_key(id) => Op::Media(MediaOp::SetCommentEnabled),
            Method::POST => Op::Comment(CommentOp::Hide),
            Method::DELETE => Op::Comment(CommentOp::Delete),
            _ => Op::Unsupported,
        }
    }

    /// `/{id}/{edge}`: the edge and the verb decide, and for `insights` whether `id` is a
    /// media item.
    pub fn edge(w: &World, id: &str, edge: &str, method: &Method) -> Self {
        let is_media = w.media.contains_key(id);
        match (edge, method) {
            ("media", &Method::GET) => Op::Account(AccountOp::ListMedia),
            ("media", &Method::POST) => Op::Account(AccountOp::CreateContainer),
            ("children", &Method::GET) => Op::Media(MediaOp::Children),
            ("comments", &Method::GET) => Op::Media(MediaOp::Comments),
            ("comments", &Method::POST) => Op::Media(MediaOp::AddComment),
            ("replies", &Method::GET) => Op::Comment(CommentOp::Replies),
            ("replies", &Method::POST) => Op::Comment(CommentOp::Reply),
            ("insights", &Method::GET) if is_media => Op::Media(MediaOp::Insights),
            ("insights", &Method::GET) => Op::Account(AccountOp::Insights),
            ("media_publish", &Method::POST) => Op::Account(AccountOp::Publish),
            ("content_publishing_limit", &Method::GET) => Op::Account(AccountOp::PublishingLimit),
            ("subscribed_apps", m) => Op::Account(AccountOp::SubscribedApps(Subscription::of(m))),
            _ => Op::Unsupported,
        }
    }

    /// The operation's name in the request log and in fault rules.
    pub fn endpoint(self) -> &'static str {
        match self {
            Op::MeOtherVerb => "me",
            Op::Account(a) => a.endpoint(),
            Op::Media(m) => m.endpoint(),
            Op::Comment(c) => c.endpoint(),
            Op::Container => "container_status",
            Op::Unsupported => "unsupported",
        }
    }
}

impl AccountOp {
    fn endpoint(self) -> &'static str {
        match self {
            AccountOp::Me => "me",
            AccountOp::Read => "user",
            AccountOp::ListMedia => "media_list",
            AccountOp::CreateContainer => "media_create",
            AccountOp::Publish => "media_publish",
            AccountOp::PublishingLimit => "content_publishing_limit",
            AccountOp::Insights => "account_insights",
            AccountOp::SubscribedApps(_) => "subscribed_apps",
        }
    }
}

impl Subscription {
    fn of(method: &Method) -> Self {
        match *method {
            Method::GET => Subscription::List,
            Method::POST => Subscription::Add,
            Method::DELETE => Subscription::Clear,
            _ => Subscription::Other,
        }
    }
}

impl MediaOp {
    fn endpoint(self) -> &'static str {
        match self {
            MediaOp::Read => "media",
            MediaOp::SetCommentEnabled => "comment_enabled",
            MediaOp::Children => "media_children",
            MediaOp::Comments => "comments",
            MediaOp::AddComment => "comment",
            MediaOp::Insights => "media_insights",
        }
    }
}

impl CommentOp {
    fn endpoint(self) -> &'static str {
        match self {
            CommentOp::Read => "comment",
            CommentOp::Hide => "comment_hide",
            CommentOp::Delete => "comment_delete",
            CommentOp::Replies => "replies",
            CommentOp::Reply => "reply",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::sandbox::seed::{self, BAKERY_ID};

    #[test]
    fn a_request_is_named_as_before_in_the_log() {
        let mut w = World::default();
        seed::seed(&mut w, 1_790_000_000);
        let media = w.accounts[BAKERY_ID].media[0].clone();
        let comment = w.comments.keys().next().expect("seeded comments").clone();
        assert_eq!(Op::me(&Method::GET).endpoint(), "me");
        assert_eq!(Op::me(&Method::POST), Op::MeOtherVerb);
        assert_eq!(Op::node(&w, BAKERY_ID, &Method::GET).endpoint(), "user");
        assert_eq!(Op::node(&w, &media, &Method::GET).endpoint(), "media");
        assert_eq!(Op::node(&w, "404", &Method::GET).endpoint(), "media");
        assert_eq!(Op::node(&w, &comment, &Method::GET).endpoint(), "comment");
        assert_eq!(
            Op::node(&w, &media, &Method::POST).endpoint(),
            "comment_enabled"
        );
        assert_eq!(
            Op::node(&w, &comment, &Method::POST).endpoint(),
            "comment_hide"
        );
        assert_eq!(
            Op::node(&w, &comment, &Method::DELETE).endpoint(),
            "comment_delete"
        );
        assert_eq!(Op::node(&w, &media, &Method::HEAD), Op::Unsupported);
        for (id, edge, method, endpoint) in [
            (BAKERY_ID, "media", Method::GET, "media_list"),
            (BAKERY_ID, "media", Method::POST, "media_create"),
            (media.as_str(), "children", Method::GET, "media_children"),
            (media.as_str(), "comments", Method::GET, "comments"),
            (media.as_str(), "comments", Method::POST, "comment"),
            (comment.as_str(), "replies", Method::GET, "replies"),
            (comment.as_str(), "replies", Method::POST, "reply"),
            (media.as_str(), "insights", Method::GET, "media_insights"),
            (BAKERY_ID, "insights", Method::GET, "account_insights"),
            (BAKERY_ID, "media_publish", Method::POST, "media_publish"),
            (
                BAKERY_ID,
                "content_publishing_limit",
                Method::GET,
                "content_publishing_limit",
            ),
            (
                BAKERY_ID,
                "subscribed_apps",
                Method::HEAD,
                "subscribed_apps",
            ),
            (BAKERY_ID, "stories", Method::GET, "unsupported"),
        ] {
            assert_eq!(
                Op::edge(&w, id, edge, &method).endpoint(),
                endpoint,
                "{method} {edge}"
            );
        }
    }
}
