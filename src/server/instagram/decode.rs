//! Every answer the client reads from Instagram, decoded from raw bytes as the client decodes
//! it: the entry of the Graph-answer fuzz target (`tests/fuzz`). An error answer is classified;
//! a success answer is read as each type the client asks for and turned into the public types.

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::{
    client::{parse_json, regain, success},
    comments::comment_from,
    discovery::{discovered_from, DiscoveryWire},
    facebook_login::{
        page_from, token_debug_from, user_token, DebugWire, PageEntryWire, UserTokenWire,
    },
    graph_error,
    headers::{parse_retry_after, parse_usage},
    insights::insight_from,
    media::{media_from, media_page_from},
    oauth::{long_lived, short_lived},
    profile::profile_from,
    publish::{container_status_from, publishing_limit_from},
    wire::{
        CommentWire, ContainerStatusWire, HomeWire, IdWire, InsightWire, LongLivedWire,
        MaybeEnveloped, MediaWire, PageWire, ProfileWire, PublishingLimitWire, ShortLivedWire,
        SubscribedAppWire, SuccessWire,
    },
    InstagramError, Usage,
};

/// What one answer came to.
#[derive(Debug, Default)]
pub struct Decoded {
    /// The usage headers, as every call reads them.
    pub usage: Usage,
    /// For an error status, the classified error.
    pub error: Option<InstagramError>,
    /// For a success status, how many of the client's answer types accepted the body.
    pub accepted: usize,
    /// Every message of the errors made on the way (a refused shape is a malformed answer).
    pub messages: Vec<String>,
}

/// Decodes `body` answered with `status` and `headers` for `account`, with `secrets` being
/// what the call sent (scrubbed from any message).
pub fn every_answer(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    account: Option<&str>,
    secrets: &[&str],
) -> Decoded {
    let usage = parse_usage(headers, account);
    let mut out = Decoded::default();
    if !(200..300).contains(&status) {
        let retry_after = parse_retry_after(headers);
        let e = graph_error::from_response(status, body, retry_after, regain(&usage), secrets);
        out.messages.push(e.to_string());
        out.error = Some(e);
        out.usage = usage;
        return out;
    }
    let mut read = |r: Result<(), InstagramError>| match r {
        Ok(()) => out.accepted += 1,
        Err(e) => out.messages.push(e.to_string()),
    };
    read(as_::<MaybeEnveloped<ShortLivedWire>>(body).and_then(|w| short_lived(w).map(drop)));
    read(as_::<LongLivedWire>(body).and_then(|w| long_lived(w).map(drop)));
    read(as_::<MaybeEnveloped<ProfileWire>>(body).and_then(|w| {
        let w = w
            .into_inner()
            .ok_or_else(|| InstagramError::malformed("empty"))?;
        profile_from(w).map(drop)
    }));
    read(as_::<PageWire<MediaWire>>(body).map(|p| drop(media_page_from(p))));
    read(as_::<MediaWire>(body).map(|m| drop(media_from(m))));
    read(as_::<MaybeEnveloped<HomeWire>>(body).map(drop));
    read(
        as_::<PageWire<CommentWire>>(body)
            .map(|p| p.data.into_iter().for_each(|c| drop(comment_from(c)))),
    );
    read(
        as_::<PageWire<InsightWire>>(body)
            .map(|p| p.data.into_iter().for_each(|i| drop(insight_from(i)))),
    );
    read(as_::<IdWire>(body).map(drop));
    read(as_::<PageWire<IdWire>>(body).map(drop));
    read(as_::<SuccessWire>(body).and_then(success));
    read(as_::<ContainerStatusWire>(body).and_then(|w| container_status_from(w, "0").map(drop)));
    read(
        as_::<MaybeEnveloped<PublishingLimitWire>>(body)
            .and_then(|w| publishing_limit_from(w).map(drop)),
    );
    read(as_::<PageWire<SubscribedAppWire>>(body).map(drop));
    read(as_::<DiscoveryWire>(body).and_then(|w| discovered_from(w).map(drop)));
    read(as_::<UserTokenWire>(body).and_then(|w| user_token(w).map(drop)));
    read(as_::<DebugWire>(body).map(|w| drop(token_debug_from(w))));
    read(
        as_::<PageWire<PageEntryWire>>(body)
            .map(|p| p.data.into_iter().for_each(|e| drop(page_from(e)))),
    );
    out.usage = usage;
    out
}

fn as_<T: DeserializeOwned>(body: &[u8]) -> Result<T, InstagramError> {
    parse_json(body)
}
