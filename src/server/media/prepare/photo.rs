//! Turns an uploaded picture into a JPEG that Instagram's publishing API accepts.

use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::metadata::Orientation;
use image::{
    DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, Rgb, RgbImage,
};
use moxcms::Layout;

use super::colour::{self, Outcome};
use super::{not_media, read_head, sniff, Fit, ImageKind, PrepareError, Sniffed, Target};

/// Largest JPEG Instagram takes, in bytes (8 MB).
pub(super) const MAX_BYTES: u64 = 8_000_000;
/// Narrowest feed or carousel photo, in pixels.
pub(super) const MIN_WIDTH: u32 = 320;
/// Widest photo written; Instagram scales anything wider down anyway.
pub(super) const MAX_WIDTH: u32 = 1440;
/// Largest picture decoded, in pixels (100 megapixels).
pub(super) const MAX_PIXELS: u64 = 100_000_000;
/// Largest side decoded, in pixels.
const MAX_SIDE: u32 = 50_000;
/// Most memory a decoder may take, in bytes.
const MAX_ALLOC: u64 = 1024 * 1024 * 1024;
/// JPEG qualities tried in turn until the file fits in [`MAX_BYTES`].
const QUALITIES: [u8; 6] = [90, 82, 74, 66, 58, 50];

/// A photo written by [`prepare_image`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedImage {
    /// Width of the written JPEG, in pixels.
    pub width: u32,
    /// Height of the written JPEG, in pixels.
    pub height: u32,
    /// Size of the written JPEG, in bytes.
    pub bytes: u64,
    /// What was changed, as short sentences for people (empty when nothing visible changed).
    pub changes: Vec<String>,
}

/// Reads the picture at `input`, fits it to what Instagram accepts for `target` and writes it
/// to `output` as a baseline JPEG (quality 90, lower when needed to stay under 8 MB).
///
/// The output is always a fresh encoding, even for a JPEG that needed no change; this drops
/// its metadata (such as location) and any MPO extra images. `name` is the file's name as the
/// person knows it, used in messages. Blocking.
pub fn prepare_image(
    input: &Path,
    output: &Path,
    target: Target,
    fit: Fit,
    name: &str,
) -> Result<PreparedImage, PrepareError> {
    let mut changes = Vec::new();
    let decoded = decode(input, name)?;
    if decoded.kind != ImageKind::Jpeg {
        changes.push(format!("converted from {} to JPEG", decoded.kind.label()));
    }
    let mut image = decoded.image;
    if decoded.orientation != Orientation::NoTransforms {
        image.apply_orientation(decoded.orientation);
        changes.push("turned upright as the camera recorded".to_owned());
    }
    let rgb = to_srgb_on_white(image, decoded.icc.as_deref(), &mut changes);
    let rgb = shape(rgb, target, fit, name, &mut changes)?;
    let jpeg = encode(&rgb, name, &mut changes)?;
    std::fs::write(output, &jpeg).map_err(|e| PrepareError::io(name, "writing the photo", &e))?;
    tracing::debug!(
        file = name,
        width = rgb.width(),
        height = rgb.height(),
        ?changes,
        "photo prepared"
    );
    Ok(PreparedImage {
        width: rgb.width(),
        height: rgb.height(),
        bytes: jpeg.len() as u64,
        changes,
    })
}

/// A decoded picture and what its file said about it.
struct Decoded {
    kind: ImageKind,
    image: DynamicImage,
    icc: Option<Vec<u8>>,
    orientation: Orientation,
}

/// Opens and decodes the picture, refusing what is not a usable picture.
fn decode(input: &Path, name: &str) -> Result<Decoded, PrepareError> {
    let file = File::open(input).map_err(|e| PrepareError::io(name, "opening the upload", &e))?;
    let mut reader = BufReader::new(file);
    let head =
        read_head(&mut reader).map_err(|e| PrepareError::io(name, "reading the upload", &e))?;
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| PrepareError::io(name, "reading the upload", &e))?;
    let kind = match sniff(&head) {
        Sniffed::Image(kind) => kind,
        Sniffed::Video(_) => return Err(PrepareError::refused(name, "is a video, not a photo.")),
        Sniffed::Unknown => return Err(not_media(name)),
    };
    let format = match kind {
        ImageKind::Jpeg => ImageFormat::Jpeg,
        ImageKind::Png => ImageFormat::Png,
        ImageKind::WebP => ImageFormat::WebP,
        ImageKind::Gif => ImageFormat::Gif,
        ImageKind::Heif | ImageKind::Avif | ImageKind::Bmp | ImageKind::Tiff => {
            return Err(unsupported_kind(name, kind))
        }
    };
    let mut image_reader = ImageReader::new(reader);
    image_reader.set_format(format);
    image_reader.limits(limits());
    let mut decoder = image_reader
        .into_decoder()
        .map_err(|e| image_error(name, e))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(too_large(name, Some((width, height))));
    }
    let icc = decoder.icc_profile().unwrap_or_else(|err| {
        tracing::warn!(file = name, error = %err, "colour profile unreadable; ignored");
        None
    });
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|e| image_error(name, e))?;
    Ok(Decoded {
        kind,
        image,
        icc,
        orientation,
    })
}

/// The decoding limits that keep a small file from taking all memory.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

/// The refusal for picture formats that are recognised but not read here.
fn unsupported_kind(name: &str, kind: ImageKind) -> PrepareError {
    let advice = match kind {
        ImageKind::Heif => " On an iPhone, choose Settings > Camera > Formats > Most Compatible,",
        _ => "",
    };
    PrepareError::refused(
        name,
        format!(
            "is a {} picture, which cannot be used.{advice} Save it as JPEG or PNG and upload it again.",
            kind.label()
        ),
    )
}

/// The refusal for pictures too large to decode safely.
fn too_large(name: &str, size: Option<(u32, u32)>) -> PrepareError {
    let is = match size {
        Some((w, h)) => format!(" This one is {w} × {h} pixels."),
        None => String::new(),
    };
    PrepareError::refused(
        name,
        format!(
            "is too large to process: at most {} megapixels and {MAX_SIDE} pixels a side.{is} Make it smaller and upload it again.",
            MAX_PIXELS / 1_000_000
        ),
    )
}

/// Turns a decoder error into a message for people.
fn image_error(name: &str, err: ImageError) -> PrepareError {
    match err {
        ImageError::Limits(_) => too_large(name, None),
        ImageError::Unsupported(detail) => {
            tracing::info!(file = name, %detail, "unsupported picture feature");
            PrepareError::refused(
                name,
                "uses a picture feature that cannot be read. Save it again as a plain JPEG or PNG.",
            )
        }
        ImageError::IoError(io)
            if !matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData
            ) =>
        {
            PrepareError::io(name, "decoding the photo", &io)
        }
        other => {
            tracing::info!(file = name, error = %other, "picture could not be decoded");
            PrepareError::refused(
                name,
                "is not a picture Instagram can use: the file is damaged or incomplete.",
            )
        }
    }
}

/// Converts to 8-bit sRGB and fills transparent areas with white.
fn to_srgb_on_white(
    image: DynamicImage,
    icc: Option<&[u8]>,
    changes: &mut Vec<String>,
) -> RgbImage {
    if image.color().has_alpha() {
        let mut rgba = image.into_rgba8();
        convert_profile(icc, Layout::Rgba, &mut rgba, changes);
        let transparent = rgba.pixels().any(|p| p.0[3] < 255);
        if transparent {
            changes.push("transparent areas filled with white".to_owned());
        }
        RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
            let [r, g, b, a] = rgba.get_pixel(x, y).0;
            let over_white = |c: u8| {
                let (c, a) = (u32::from(c), u32::from(a));
                ((c * a + 255 * (255 - a) + 127) / 255) as u8
            };
            Rgb([over_white(r), over_white(g), over_white(b)])
        })
    } else {
        let mut rgb = image.into_rgb8();
        convert_profile(icc, Layout::Rgb, &mut rgb, changes);
        rgb
    }
}

/// Converts pixels to sRGB when the picture carries another colour profile.
fn convert_profile(
    icc: Option<&[u8]>,
    layout: Layout,
    pixels: &mut [u8],
    changes: &mut Vec<String>,
) {
    let Some(icc) = icc else { return };
    if colour::to_srgb(icc, layout, pixels) == Outcome::Converted {
        changes.push("colour profile converted to sRGB".to_owned());
    }
}

/// Crops or pads to the allowed ratio, scales down to the allowed width and checks the width.
fn shape(
    mut image: RgbImage,
    target: Target,
    fit: Fit,
    name: &str,
    changes: &mut Vec<String>,
) -> Result<RgbImage, PrepareError> {
    let ratio_limited = target != Target::Story;
    if ratio_limited && fit == Fit::Crop {
        image = crop_to_ratio(image, changes);
    }
    let (w, h) = image.dimensions();
    let (canvas_w, _) = if ratio_limited {
        padded_size(w, h)
    } else {
        (w, h)
    };
    if canvas_w > MAX_WIDTH {
        // Scale the content so that, once padded, the photo is exactly the widest allowed.
        let scale = f64::from(MAX_WIDTH) / f64::from(canvas_w);
        let new_w = ((f64::from(w) * scale).round() as u32).clamp(1, MAX_WIDTH);
        let new_h = ((f64::from(h) * scale).round() as u32).max(1);
        image = imageops::resize(&image, new_w, new_h, FilterType::CatmullRom);
        changes.push(format!("resized to {MAX_WIDTH} px wide"));
    }
    let (w, h) = image.dimensions();
    let (canvas_w, canvas_h) = if ratio_limited {
        padded_size(w, h)
    } else {
        (w, h)
    };
    if (canvas_w, canvas_h) != (w, h) {
        image = pad(&image, canvas_w, canvas_h, changes);
    }
    if ratio_limited && image.width() < MIN_WIDTH {
        return Err(PrepareError::refused(
            name,
            format!(
                "is too small: at least {MIN_WIDTH} pixels wide is needed, and this photo is {} pixels wide{}.",
                image.width(),
                if fit == Fit::Crop && changes.iter().any(|c| c.starts_with("cropped")) {
                    " once cropped"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok(image)
}

/// Whether `w:h` is taller than 4:5.
fn too_tall(w: u32, h: u32) -> bool {
    u64::from(w) * 5 < u64::from(h) * 4
}

/// Whether `w:h` is wider than 1.91:1.
fn too_wide(w: u32, h: u32) -> bool {
    u64::from(w) * 100 > u64::from(h) * 191
}

/// Cuts the middle out of a photo outside 4:5..1.91:1, at the nearest limit.
fn crop_to_ratio(image: RgbImage, changes: &mut Vec<String>) -> RgbImage {
    let (w, h) = image.dimensions();
    if too_tall(w, h) {
        let new_h = ((u64::from(w) * 5 / 4) as u32).max(1);
        changes.push("cropped to 4:5".to_owned());
        imageops::crop_imm(&image, 0, (h - new_h) / 2, w, new_h).to_image()
    } else if too_wide(w, h) {
        let new_w = ((u64::from(h) * 191 / 100) as u32).max(1);
        changes.push("cropped to 1.91:1".to_owned());
        imageops::crop_imm(&image, (w - new_w) / 2, 0, new_w, h).to_image()
    } else {
        image
    }
}

/// The size a `w × h` photo has once white borders bring it to the nearest allowed ratio.
fn padded_size(w: u32, h: u32) -> (u32, u32) {
    if too_tall(w, h) {
        ((u64::from(h) * 4).div_ceil(5) as u32, h)
    } else if too_wide(w, h) {
        (w, (u64::from(w) * 100).div_ceil(191) as u32)
    } else {
        (w, h)
    }
}

/// Centres the photo on a white canvas of the given size.
fn pad(image: &RgbImage, canvas_w: u32, canvas_h: u32, changes: &mut Vec<String>) -> RgbImage {
    let mut canvas = RgbImage::from_pixel(canvas_w, canvas_h, Rgb([255, 255, 255]));
    let x = (canvas_w - image.width()) / 2;
    let y = (canvas_h - image.height()) / 2;
    imageops::replace(&mut canvas, image, i64::from(x), i64::from(y));
    let limit = if canvas_w > image.width() {
        "4:5"
    } else {
        "1.91:1"
    };
    changes.push(format!("white borders added to reach {limit}"));
    canvas
}

/// Encodes a baseline JPEG, lowering the quality until it fits in [`MAX_BYTES`].
fn encode(
    image: &RgbImage,
    name: &str,
    changes: &mut Vec<String>,
) -> Result<Vec<u8>, PrepareError> {
    let mut jpeg = Vec::new();
    for quality in QUALITIES {
        jpeg.clear();
        JpegEncoder::new_with_quality(&mut jpeg, quality)
            .encode_image(image)
            .map_err(|e| PrepareError::io(name, "encoding the JPEG", &std::io::Error::other(e)))?;
        if jpeg.len() as u64 <= MAX_BYTES {
            if quality != QUALITIES[0] {
                changes.push(format!(
                    "saved at JPEG quality {quality} to stay under 8 MB"
                ));
            }
            return Ok(jpeg);
        }
    }
    Err(PrepareError::refused(
        name,
        "is too detailed to fit in 8 MB as a JPEG, even at lower quality. Make it smaller and upload it again.",
    ))
}
