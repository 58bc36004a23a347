//! `POST /{ig-id}/media`: publishing containers for an image (feed or story), a video (reel,
//! story or carousel item) or a carousel.
//!
//! The media a URL names has been downloaded before the world was locked (see [`fetch`]): an
//! image that cannot be fetched, is not a JPEG or is too large is refused at once, as Meta does;
//! a video is downloaded as it processes, so its failure shows in the container's status and
//! publishing it answers that failure. URLs on the reserved documentation names are not
//! fetched and keep the sandbox's URL rules: a `.png`, `.gif`, `.webp`, `.heic` or `.bmp` image
//! is refused, and "error" anywhere in the URL makes processing fail.

use axum::body::Bytes;
use serde_json::{json, Value};

use super::{
    fetch::{self, Fetched},
    request::{own_account, Req},
};
use crate::server::instagram::endpoints::SCOPE_PUBLISH;
use crate::server::sandbox::{
    auth::Auth,
    error::ApiError,
    world::{Container, ContainerKind, Settings, World},
};

/// The largest story video (100 MB).
const STORY_VIDEO_CAP: u64 = 100_000_000;

/// A media URL parameter: absent, or an absolute http(s) URL.
fn url_param(r: &Req, name: &str) -> Result<Option<String>, ApiError> {
    match r.params.get(name) {
        None => Ok(None),
        Some(u) => match url::Url::parse(u) {
            Ok(p) if matches!(p.scheme(), "http" | "https") => Ok(Some(u.clone())),
            _ => Err(ApiError::graph(
                9004,
                Some(2207052),
                format!("The media could not be fetched from this URI: {name} is not a valid URL"),
            )),
        },
    }
}

/// What a new container holds, how long it processes, how it fails, and its photo.
struct Made {
    kind: ContainerKind,
    ready_in: i64,
    error: Option<String>,
    failure: Option<ApiError>,
    photo: Option<Bytes>,
}

impl Made {
    fn new(kind: ContainerKind, ready_in: i64) -> Self {
        Self {
            kind,
            ready_in,
            error: None,
            failure: None,
            photo: None,
        }
    }
}

/// `POST /{ig-id}/media`: a container for an image, a video (reel, story) or a carousel.
pub fn create_container(w: &mut World, r: &Req, auth: &Auth, now: i64) -> Result<Value, ApiError> {
    auth.require(SCOPE_PUBLISH)?;
    let owner = own_account(w, auth, &r.id, &r.method)?.to_owned();
    let image = url_param(r, "image_url")?;
    let video = url_param(r, "video_url")?;
    let media_type = r.params.get("media_type").cloned();
    let is_item = r.flag("is_carousel_item")?.unwrap_or(false);
    let caption = r.params.get("caption").cloned();
    let settings = w.settings.clone();
    let fetched = r.fetched.as_ref();
    let made = match (image, video, media_type.as_deref()) {
        (Some(url), None, None | Some("IMAGE")) => image_container(url, false, fetched, &settings)?,
        (Some(_), None, Some("STORIES")) if is_item => return Err(ApiError::param("(#100) A story cannot be a carousel item")),
        (Some(url), None, Some("STORIES")) => image_container(url, true, fetched, &settings)?,
        (None, Some(url), Some(t @ ("VIDEO" | "REELS" | "STORIES"))) => video_container(url, t, fetched, &settings),
        (None, None, Some("CAROUSEL")) => Made::new(carousel_container(w, r, &owner)?, 0),
        (None, Some(_), None) => return Err(ApiError::param("(#100) media_type is required for videos: VIDEO, REELS or STORIES")),
        _ => return Err(ApiError::param("(#100) Provide image_url (media_type STORIES for a story), or video_url with media_type, or media_type=CAROUSEL with children")),
    };
    let feed_image = matches!(made.kind, ContainerKind::Image { story: false, .. });
    let cid = w.new_id("1790");
    if let Some(jpeg) = made.photo {
        w.photos.keep(&cid, jpeg);
    }
    w.containers.insert(
        cid.clone(),
        Container {
            id: cid.clone(),
            owner,
            kind: made.kind,
            caption: if is_item { None } else { caption },
            alt_text: r.params.get("alt_text").filter(|_| feed_image).cloned(),
            is_carousel_item: is_item,
            created_at: now,
            ready_at: now + made.ready_in,
            error: made.error,
            failure: made.failure,
            published_media: None,
        },
    );
    Ok(json!({ "id": cid }))
}

/// An image container: JPEG only, checked by its bytes or, on a stand-in host, by its URL.
fn image_container(
    url: String,
    story: bool,
    fetched: Option<&Fetched>,
    settings: &Settings,
) -> Result<Made, ApiError> {
    let mut made = Made::new(
        ContainerKind::Image {
            url: url.clone(),
            story,
        },
        settings.image_processing_secs,
    );
    match fetched {
        Some(Fetched::Failed(e)) => return Err(e.clone()),
        Some(Fetched::Jpeg(bytes)) => made.photo = Some(bytes.clone()),
        Some(Fetched::Video(_)) => return Err(fetch::unreachable(&url)),
        Some(Fetched::StandIn) | None => {
            let path = url
                .split(['?', '#'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if [".png", ".gif", ".webp", ".heic", ".bmp"]
                .iter()
                .any(|e| path.ends_with(e))
            {
                return Err(ApiError::graph(
                    9004,
                    Some(2207052),
                    "Only photo or video can be accepted as media type; images must be JPEG",
                ));
            }
            made.error = url
                .contains("error")
                .then(|| "ERROR: the media could not be processed".to_owned());
        }
    }
    Ok(made)
}

/// A video container: its download's failure shows in its status, as Meta's does.
fn video_container(
    url: String,
    media_type: &str,
    fetched: Option<&Fetched>,
    settings: &Settings,
) -> Made {
    let stand_in_error = url.contains("error");
    let mut made = Made::new(
        ContainerKind::Video {
            url,
            media_type: media_type.to_owned(),
        },
        settings.video_processing_secs,
    );
    match fetched {
        Some(Fetched::Failed(e)) => {
            let code = match e {
                ApiError::Graph { code, subcode, .. } => subcode.unwrap_or(*code),
                ApiError::Flat { code, .. } => i64::from(*code),
            };
            made.error = Some(format!(
                "Error: Media upload has failed with error code {code}"
            ));
            made.failure = Some(e.clone());
        }
        Some(Fetched::Video(size)) if media_type == "STORIES" && *size > STORY_VIDEO_CAP => {
            let e = ApiError::graph(
                352,
                Some(2207026),
                "The video is too large for a story: stories may be at most 100 MB",
            );
            made.error = Some("Error: Media upload has failed with error code 2207026".into());
            made.failure = Some(e);
        }
        Some(Fetched::Video(_)) => {}
        Some(Fetched::Jpeg(_)) => {
            made.error = Some("Error: Media upload has failed with error code 2207026".into());
        }
        Some(Fetched::StandIn) | None => {
            made.error =
                stand_in_error.then(|| "ERROR: the video could not be processed".to_owned());
        }
    }
    made
}

/// A carousel container: 2 to 10 item containers of the same account.
fn carousel_container(w: &World, r: &Req, owner: &str) -> Result<ContainerKind, ApiError> {
    let children: Vec<String> = r
        .params
        .get("children")
        .map(|c| {
            c.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if !(2..=10).contains(&children.len()) {
        return Err(ApiError::param(
            "(#100) A carousel needs between 2 and 10 children",
        ));
    }
    for c in &children {
        match w.containers.get(c) {
            Some(k) if k.owner == owner && k.is_carousel_item => {}
            _ => {
                return Err(ApiError::param(format!(
                    "(#100) The child {c} is not a carousel item container of this account"
                )))
            }
        }
    }
    Ok(ContainerKind::Carousel { children })
}
