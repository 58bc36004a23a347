//! The sandbox's CDN: the photos it downloaded for publishing (JPEG), pictures drawn on the fly
//! (SVG) for every other item, and one small video, behind links that expire like Instagram's
//! (`oe=` is the expiry in hex).
//!
//! The video (`media/clip.mp4`, 4 s, 480×480, H.264, 35 KB) was made locally with
//! `ffmpeg -f lavfi -i "gradients=s=480x480:r=24:d=4:c0=f58529:c1=dd2a7b:c2=8134af:c3=515bd4:nb_colors=4:speed=0.04"
//! -c:v libx264 -profile:v baseline -preset veryslow -crf 34 -pix_fmt yuv420p -movflags +faststart -an clip.mp4`.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{header, HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
};

use super::{
    common::{self, Ctx},
    seed::Rng,
    state::SandboxState,
    world::Kind,
};

const CLIP: &[u8] = include_bytes!("media/clip.mp4");

const PALETTES: [(&str, &str, &str); 8] = [
    ("#f58529", "#dd2a7b", "#fff3e6"),
    ("#8134af", "#515bd4", "#efe9ff"),
    ("#dd2a7b", "#8134af", "#ffe3ef"),
    ("#f7b267", "#f25c54", "#fff1e0"),
    ("#2a9d8f", "#264653", "#e6f6f3"),
    ("#e9c46a", "#e76f51", "#fff8e1"),
    ("#6d597a", "#b56576", "#f6eef4"),
    ("#48cae4", "#0077b6", "#e6f7fb"),
];

/// A square picture for a media item: a gradient with soft shapes, different for every seed.
pub fn picture(seed: u64, label: &str) -> String {
    let mut rng = Rng::new(seed);
    let (a, b, light) = PALETTES[rng.below(PALETTES.len() as u64) as usize];
    let angle = rng.below(360);
    let mut shapes = String::new();
    for _ in 0..3 {
        let (cx, cy, r) = (rng.below(100), rng.below(100), 12 + rng.below(30));
        let opacity = 15 + rng.below(35);
        shapes.push_str(&format!(
            "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{r}\" fill=\"{light}\" fill-opacity=\"0.{opacity:02}\"/>"
        ));
    }
    let (x, y, w) = (20 + rng.below(30), 55 + rng.below(15), 30 + rng.below(30));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 100\" width=\"1080\" height=\"1080\">\
<title>{}</title>\
<defs><linearGradient id=\"g\" gradientTransform=\"rotate({angle} .5 .5)\"><stop offset=\"0\" stop-color=\"{a}\"/><stop offset=\"1\" stop-color=\"{b}\"/></linearGradient></defs>\
<rect width=\"100\" height=\"100\" fill=\"url(#g)\"/>{shapes}\
<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"14\" rx=\"7\" fill=\"{light}\" fill-opacity=\"0.85\"/>\
</svg>",
        escape(label)
    )
}

/// A round-friendly profile picture with the account's initial.
pub fn avatar(seed: u64, initial: char) -> String {
    let mut rng = Rng::new(seed);
    let (a, b, _) = PALETTES[rng.below(PALETTES.len() as u64) as usize];
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 100\" width=\"320\" height=\"320\">\
<defs><linearGradient id=\"g\" x1=\"0\" y1=\"1\" x2=\"1\" y2=\"0\"><stop offset=\"0\" stop-color=\"{a}\"/><stop offset=\"1\" stop-color=\"{b}\"/></linearGradient></defs>\
<rect width=\"100\" height=\"100\" fill=\"url(#g)\"/>\
<text x=\"50\" y=\"50\" dy=\".35em\" text-anchor=\"middle\" font-family=\"system-ui,sans-serif\" font-size=\"46\" font-weight=\"700\" fill=\"#fff\">{}</text></svg>",
        escape(&initial.to_uppercase().to_string())
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Query of a CDN link.
#[derive(Debug, serde::Deserialize)]
pub struct CdnQuery {
    oe: Option<String>,
}

/// `GET /cdn/{kind}/{file}`: `m` media picture (the published photo when there is one), `t`
/// video thumbnail, `p` profile picture, `v` video.
pub async fn serve(
    State(state): State<Arc<SandboxState>>,
    Path((kind, file)): Path<(String, String)>,
    Query(q): Query<CdnQuery>,
    headers: HeaderMap,
) -> Response {
    let now = state.clock.now();
    let ctx = Ctx::new("cdn", &Method::GET, &format!("/cdn/{kind}/{file}"));
    let mut response = answer(&state, &kind, &file, q.oe.as_deref(), &headers, now);
    common::finish(&state, &ctx, None, &mut response, now);
    response
}

fn answer(
    state: &SandboxState,
    kind: &str,
    file: &str,
    oe: Option<&str>,
    headers: &HeaderMap,
    now: i64,
) -> Response {
    let expires = oe.and_then(|h| i64::from_str_radix(h, 16).ok());
    match expires {
        None => return (StatusCode::FORBIDDEN, "Bad URL hash").into_response(),
        Some(e) if e <= now => {
            return (StatusCode::FORBIDDEN, "URL signature expired").into_response()
        }
        Some(_) => {}
    }
    let id = file.split('.').next().unwrap_or_default();
    let svg = |body: String| {
        (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "max-age=1209600, no-transform"),
            ],
            body,
        )
            .into_response()
    };
    let w = state.world();
    match kind {
        "m" => match w.media.get(id) {
            Some(m) if !m.copyrighted => match w.photos.get(id) {
                Some(jpeg) => photo(jpeg),
                None => svg(picture(
                    m.art_seed,
                    m.caption.as_deref().unwrap_or("Instagram sandbox media"),
                )),
            },
            _ => (StatusCode::NOT_FOUND, "Not found").into_response(),
        },
        "t" => match w.media.get(id) {
            Some(m) if !m.copyrighted => svg(picture(
                m.art_seed,
                m.caption.as_deref().unwrap_or("Instagram sandbox media"),
            )),
            _ => (StatusCode::NOT_FOUND, "Not found").into_response(),
        },
        "p" => match w.accounts.get(id) {
            Some(a) => svg(avatar(a.art_seed, a.username.chars().nth(8).unwrap_or('s'))),
            None => (StatusCode::NOT_FOUND, "Not found").into_response(),
        },
        "v" => match w.media.get(id) {
            Some(m) if m.kind == Kind::Video => video(headers),
            _ => (StatusCode::NOT_FOUND, "Not found").into_response(),
        },
        _ => (StatusCode::NOT_FOUND, "Not found").into_response(),
    }
}

/// A published photo: the JPEG the sandbox downloaded when its container was made.
fn photo(jpeg: Bytes) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "max-age=1209600, no-transform"),
        ],
        jpeg,
    )
        .into_response()
}

/// The clip, honouring a single `Range` (browsers seek with it).
fn video(headers: &HeaderMap) -> Response {
    let len = CLIP.len();
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|r| {
            let (a, b) = r.split_once('-')?;
            let start: usize = a.parse().ok()?;
            let end: usize = if b.is_empty() {
                len - 1
            } else {
                b.parse().ok()?
            };
            (start <= end && end < len).then_some((start, end))
        });
    match range {
        Some((start, end)) => (
            StatusCode::PARTIAL_CONTENT,
            [
                (header::CONTENT_TYPE, "video/mp4".to_owned()),
                (header::ACCEPT_RANGES, "bytes".to_owned()),
                (header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")),
            ],
            &CLIP[start..=end],
        )
            .into_response(),
        None => (
            [
                (header::CONTENT_TYPE, "video/mp4".to_owned()),
                (header::ACCEPT_RANGES, "bytes".to_owned()),
            ],
            CLIP,
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_differ_by_seed_and_escape_their_label() {
        assert_ne!(picture(1, "a"), picture(2, "a"));
        assert_eq!(picture(7, "x"), picture(7, "x"));
        assert!(picture(1, "<script>").contains("&lt;script&gt;"));
        assert!(avatar(3, 'b').contains(">B<"));
    }
}
