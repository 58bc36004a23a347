//! Downloading the media of a new publishing container, as Meta does: a real HTTP GET of
//! `image_url` or `video_url` (15 s at most, 3 redirects at most), the body counted as it
//! streams and dropped past the size cap, then the content checked by its first bytes.
//!
//! - An image must be a JPEG (`FF D8 FF`) of at most 8 MiB; its bytes are kept, so the CDN
//!   shows the photo that was published.
//! - A video must be ISO-BMFF (MP4/MOV: an `ftyp` box at offset 4) of at most 300 MB; only its
//!   size is counted.
//! - A host that cannot be reached, a refused connection, an answer other than 2xx or too many
//!   redirects is Meta's `9004/2207052`; a download that takes too long is `-2/2207003`.
//!
//! Hosts on the reserved documentation names (`example.com`, `example.net`, `example.org`, their
//! subdomains, and any name under `.example`) stand in for the public internet: they are not
//! fetched, and the URL alone decides (its extension, and "error" in it makes processing fail).
//! Names under `.invalid` never resolve, so they fail like an unreachable host, at once.
//!
//! The download runs before the world is locked, and only for a request whose token is valid.

use std::{sync::OnceLock, time::Duration};

use axum::body::Bytes;

use crate::server::sandbox::{common::Params, error::ApiError};

/// The largest image Meta accepts (8 MiB).
pub const IMAGE_CAP: u64 = 8 << 20;
/// The largest video accepted (300 MB).
pub const VIDEO_CAP: u64 = 300_000_000;
/// How long a download may take.
const TIMEOUT: Duration = Duration::from_secs(15);
/// Redirects followed before giving up.
const REDIRECTS: usize = 3;

/// What downloading a container's media found.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// A reserved documentation host: not fetched; the URL alone decides.
    StandIn,
    /// A JPEG image, with its bytes.
    Jpeg(Bytes),
    /// An ISO-BMFF video within the cap, of this many bytes.
    Video(u64),
    /// Refused with Meta's error.
    Failed(ApiError),
}

/// What a container asks to be downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Image,
    Video,
}

/// Downloads the media a `POST /{ig-id}/media` names, when it names exactly one of
/// `image_url` and `video_url`; `None` when nothing is to be fetched.
pub async fn media(params: &Params) -> Option<Fetched> {
    let (url, want) = match (params.get("image_url"), params.get("video_url")) {
        (Some(u), None) => (u, Want::Image),
        (None, Some(u)) => (u, Want::Video),
        _ => return None,
    };
    Some(download(url, want).await)
}

/// Whether `host` is a reserved documentation name (RFC 2606): a stand-in, never fetched.
pub fn is_stand_in(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    let under = |d: &str| h == d || h.ends_with(&format!(".{d}"));
    ["example.com", "example.net", "example.org", "example"]
        .into_iter()
        .any(under)
}

/// Whether `host` is under `.invalid` (RFC 6761): a name that never resolves.
fn is_invalid(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "invalid" || h.ends_with(".invalid")
}

/// Meta's answer when a URL cannot be fetched.
pub fn unreachable(url: &str) -> ApiError {
    ApiError::graph(
        9004,
        Some(2207052),
        format!("The media could not be fetched from this URI: {url}"),
    )
}

fn timed_out(url: &str) -> ApiError {
    ApiError::graph(
        -2,
        Some(2207003),
        format!("The media download timed out: {url} did not answer within 15 seconds"),
    )
}

fn too_large(want: Want) -> ApiError {
    match want {
        Want::Image => ApiError::graph(
            36000,
            Some(2207004),
            "The image is too large to download: images may be at most 8 MB",
        ),
        Want::Video => ApiError::graph(
            352,
            Some(2207026),
            "The video is too large: videos may be at most 300 MB",
        ),
    }
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(REDIRECTS))
            .user_agent("facebookexternalhit/1.1")
            .no_proxy()
            .build()
            .unwrap_or_default()
    })
}

/// Fetches `url` and checks what came back.
async fn download(url: &str, want: Want) -> Fetched {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned));
    let Some(host) = host else {
        return Fetched::Failed(unreachable(url));
    };
    if is_stand_in(&host) {
        return Fetched::StandIn;
    }
    if is_invalid(&host) {
        return Fetched::Failed(unreachable(url));
    }
    match read(url, want).await {
        Ok((head, total)) => check(want, head, total),
        Err(e) => Fetched::Failed(e),
    }
}

/// The body of `url` (an image's whole body, a video's first bytes) and its length.
async fn read(url: &str, want: Want) -> Result<(Vec<u8>, u64), ApiError> {
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            timed_out(url)
        } else {
            unreachable(url)
        }
    };
    let mut resp = client().get(url).send().await.map_err(failed)?;
    if !resp.status().is_success() {
        return Err(unreachable(url));
    }
    let cap = match want {
        Want::Image => IMAGE_CAP,
        Want::Video => VIDEO_CAP,
    };
    if resp.content_length().is_some_and(|n| n > cap) {
        return Err(too_large(want));
    }
    let mut head = Vec::new();
    let mut total = 0u64;
    while let Some(chunk) = resp.chunk().await.map_err(failed)? {
        total += chunk.len() as u64;
        if total > cap {
            return Err(too_large(want));
        }
        let keep = match want {
            Want::Image => chunk.len(),
            Want::Video => chunk.len().min(12usize.saturating_sub(head.len())),
        };
        head.extend_from_slice(&chunk[..keep]);
    }
    Ok((head, total))
}

/// Checks downloaded content by its first bytes.
fn check(want: Want, head: Vec<u8>, total: u64) -> Fetched {
    match want {
        Want::Image if is_jpeg(&head) => Fetched::Jpeg(Bytes::from(head)),
        Want::Image => Fetched::Failed(ApiError::graph(
            36001,
            Some(2207005),
            "The image format is not supported: images must be JPEG",
        )),
        Want::Video if is_iso_bmff(&head) => Fetched::Video(total),
        Want::Video => Fetched::Failed(ApiError::graph(
            352,
            Some(2207026),
            "The video format is not supported: use MOV or MP4",
        )),
    }
}

/// A JPEG starts with `FF D8 FF`.
pub fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// An ISO-BMFF file (MP4, MOV) starts with an `ftyp` box: its size, then `ftyp`.
pub fn is_iso_bmff(bytes: &[u8]) -> bool {
    bytes.get(4..8) == Some(b"ftyp".as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documentation_names_stand_in_and_invalid_names_fail() {
        for h in [
            "example.com",
            "cdn.example.com",
            "EXAMPLE.org.",
            "a.b.example.net",
            "shop.example",
        ] {
            assert!(is_stand_in(h), "{h}");
        }
        for h in [
            "notexample.com",
            "example.com.evil.io",
            "127.0.0.1",
            "localhost",
            "photos.invalid",
        ] {
            assert!(!is_stand_in(h), "{h}");
        }
        assert!(
            is_invalid("photos.invalid") && is_invalid("invalid") && !is_invalid("invalid.com")
        );
    }

    #[test]
    fn content_is_told_by_its_first_bytes() {
        assert!(is_jpeg(&[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(!is_jpeg(b"\x89PNG\r\n\x1a\n"));
        assert!(is_iso_bmff(b"\0\0\0\x20ftypisom"));
        assert!(!is_iso_bmff(b"RIFF\0\0\0\0AVI "));
        assert!(matches!(
            check(Want::Image, b"GIF89a".to_vec(), 6),
            Fetched::Failed(_)
        ));
        assert!(matches!(
            check(Want::Video, b"\0\0\0\x18ftypmp42".to_vec(), 9),
            Fetched::Video(9)
        ));
    }

    #[tokio::test]
    async fn invalid_hosts_fail_without_a_lookup() {
        let f = download("https://photos.invalid/a.jpg", Want::Image).await;
        assert!(matches!(
            f,
            Fetched::Failed(ApiError::Graph {
                subcode: Some(2207052),
                ..
            })
        ));
        let f = download("https://cdn.example.com/a.jpg", Want::Image).await;
        assert!(matches!(f, Fetched::StandIn));
    }
}
