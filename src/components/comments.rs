//! A post's comments, with reply, hide and delete for the account's owner. Plain forms: the
//! [`Enhance`](super::enhance::Enhance) island sends them in place when it can.

use leptos::prelude::*;

use super::enhance::attrs;
use crate::{
    model::{format, CommentView, CommentsPage, Notice, MAX_CAPTION_CHARS},
    paths,
};

/// The comments of a post.
#[component]
pub fn CommentSection(
    account: String,
    media: String,
    comments: Option<CommentsPage>,
    /// Whether comments are on for the post.
    enabled: Option<bool>,
    /// A fresh action key when the viewer may reply, hide and delete; `None` otherwise.
    moderate: Option<String>,
    /// The number of comments Instagram counts.
    count: Option<i64>,
    notice: Option<Notice>,
) -> impl IntoView {
    let base = paths::comment_reply(&account, &media);
    let list = comments.clone().map(|c| c.items).unwrap_or_default();
    let after = comments.and_then(|c| c.after);
    let empty = list.is_empty();
    view! {
        <section class="comments" id="comments" data-testid="comments" aria-labelledby="comments-title" {..attrs::swap()}>
            <h2 id="comments-title">
                "Comments"
                {count.map(|n| view! { <span class="muted">{format!(" ({n})")}</span> })}
            </h2>
            {notice.map(|n| view! {
                <p class=if n.ok { "notice ok" } else { "notice error" } role=if n.ok { "status" } else { "alert" } data-testid="comment-notice">
                    {n.text}
                </p>
            })}
            {(enabled == Some(false)).then(|| view! { <p class="muted">"Comments are turned off for this post."</p> })}
            {empty.then(|| view! { <p class="muted" data-testid="no-comments">"No comments yet."</p> })}
            <ol class="comment-list">
                {list
                    .into_iter()
                    .map(|c| comment(c, None, &base, moderate.clone()))
                    .collect_view()}
            </ol>
            {after.map(|a| view! {
                <p><a href=format!("{}?comments_after={}#comments", paths::post(&account, &media), paths::encode(&a))>"Older comments"</a></p>
            })}
        </section>
    }
}

/// One comment and its replies (`parent`: the comment it replies to).
fn comment(
    c: CommentView,
    parent: Option<String>,
    base: &str,
    moderate: Option<String>,
) -> AnyView {
    let base = base.to_owned();
    let CommentView {
        id,
        text,
        username,
        posted_at,
        likes,
        hidden,
        replies,
    } = c;
    let author = username
        .map(|u| format!("@{u}"))
        .unwrap_or_else(|| "Someone".to_owned());
    let thread = parent.clone().unwrap_or_else(|| id.clone());
    let actions = moderate.clone().map(|key| {
        let hide_label = if hidden { "Unhide" } else { "Hide" };
        view! {
            <div class="comment-actions">
                <details class="reply">
                    <summary data-testid="reply-toggle">"Reply"</summary>
                    <form method="post" action=base.clone() class="reply-form" {..attrs::enhanced()}>
                        <input type="hidden" name="parent" value=thread.clone() />
                        <input type="hidden" name="key" value=key />
                        <label>
                            <span class="visually-hidden">{format!("Reply to {author}")}</span>
                            <textarea name="message" rows="2" required maxlength=MAX_CAPTION_CHARS.to_string()
                                placeholder=format!("Reply to {author}") data-testid="reply-text"></textarea>
                        </label>
                        <button type="submit" class="button button-primary small" data-testid="reply-send">"Send reply"</button>
                        <p class="notice error" hidden {..attrs::form_error()}></p>
                    </form>
                </details>
                <form method="post" action=format!("{base}/{id}/hide") {..attrs::enhanced()}>
                    <input type="hidden" name="hide" value=(!hidden).to_string() />
                    <button type="submit" class="link-button" data-testid="hide">{hide_label}</button>
                </form>
                <form method="post" action=format!("{base}/{id}/delete")
                    {..(attrs::enhanced(), attrs::confirm("Delete this comment? It is removed from Instagram for everyone."))}>
                    <button type="submit" class="link-button danger" data-testid="delete">"Delete"</button>
                </form>
            </div>
        }
    });
    view! {
        <li class="comment" class:hidden-comment=hidden id=format!("comment-{id}") data-testid="comment" data-hidden=hidden.to_string()>
            <div class="comment-head">
                <strong>{author.clone()}</strong>
                {posted_at.map(|t| view! { <span class="muted small">{format::date(t)}</span> })}
                {likes.filter(|l| *l > 0).map(|l| view! { <span class="muted small">{format!("{l} likes")}</span> })}
                {hidden.then(|| view! { <span class="badge warn" title="Only you and its author see it">"Hidden"</span> })}
            </div>
            <p class="comment-text">{text}</p>
            {actions}
            {(!replies.is_empty()).then(|| view! {
                <ol class="replies">
                    {replies
                        .into_iter()
                        .map(|r| comment(r, Some(thread.clone()), &base, moderate.clone()))
                        .collect_view()}
                </ol>
            })}
        </li>
    }
    .into_any()
}
