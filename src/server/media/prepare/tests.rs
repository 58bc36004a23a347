//! Sniffing and photo-fitting tests on pictures made in code, and functions the other photo tests share.

use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

use super::{
    prepare_image, sniff, Fit, ImageKind, PrepareErrorKind, Sniffed, Target, VideoContainer,
};

/// A folder that lives as long as the test.
pub(super) fn folder() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary folder")
}

/// Writes `bytes` to `name` inside `dir`.
pub(super) fn put(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

/// Encodes a picture in `format`.
pub(super) fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, format)
        .expect("encode test picture");
    bytes.into_inner()
}

/// Prepares `input` and returns the result with the decoded output.
pub(super) fn run(
    input: &Path,
    target: Target,
    fit: Fit,
) -> (super::PreparedImage, RgbImage, Vec<u8>) {
    let output = input.with_extension("out.jpg");
    let prepared = prepare_image(input, &output, target, fit, "upload").expect("prepared");
    let bytes = std::fs::read(&output).expect("output written");
    let decoded =
        image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg).expect("output is JPEG");
    (prepared, decoded.to_rgb8(), bytes)
}

/// Prepares `input` expecting a refusal, and returns its message.
pub(super) fn refusal(input: &Path, target: Target, fit: Fit, name: &str) -> String {
    let output = input.with_extension("out.jpg");
    let err = prepare_image(input, &output, target, fit, name).expect_err("refused");
    assert_eq!(err.kind(), PrepareErrorKind::Refused, "{err}");
    assert!(
        err.to_string().starts_with(name),
        "message names the file: {err}"
    );
    assert!(!output.exists(), "no output for a refused file");
    err.to_string()
}

/// Whether `w:h` is within Instagram's feed ratios.
pub(super) fn feed_ratio(w: u32, h: u32) -> bool {
    let ratio = f64::from(w) / f64::from(h);
    (0.8..=1.91).contains(&ratio)
}

/// Whether two colours are within `tolerance` of each other in every channel.
pub(super) fn near(a: Rgb<u8>, b: [u8; 3], tolerance: i16) -> bool {
    a.0.iter()
        .zip(b)
        .all(|(x, y)| (i16::from(*x) - i16::from(y)).abs() <= tolerance)
}

/// Whether the JPEG holds a baseline frame and no progressive one, and no ICC profile.
pub(super) fn baseline_without_icc(jpeg: &[u8]) -> bool {
    let has = |marker: &[u8]| jpeg.windows(marker.len()).any(|w| w == marker);
    jpeg.starts_with(&[0xFF, 0xD8])
        && has(&[0xFF, 0xC0])
        && !has(&[0xFF, 0xC2])
        && !has(b"ICC_PROFILE")
}

#[test]
fn sniff_tells_kinds_apart_by_content() {
    assert_eq!(
        sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
        Sniffed::Image(ImageKind::Jpeg)
    );
    assert_eq!(
        sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        Sniffed::Image(ImageKind::Png)
    );
    assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Sniffed::Image(ImageKind::Gif));
    assert_eq!(
        sniff(b"RIFF\0\0\0\0WEBPVP8 "),
        Sniffed::Image(ImageKind::WebP)
    );
    assert_eq!(
        sniff(b"RIFF\0\0\0\0AVI LIST"),
        Sniffed::Video(VideoContainer::Avi)
    );
    assert_eq!(
        sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
        Sniffed::Image(ImageKind::Heif)
    );
    assert_eq!(
        sniff(b"\0\0\0\x18ftypavif\0\0\0\0"),
        Sniffed::Image(ImageKind::Avif)
    );
    assert_eq!(
        sniff(b"\0\0\0\x18ftypisom\0\0\0\0"),
        Sniffed::Video(VideoContainer::Mp4)
    );
    assert_eq!(
        sniff(b"\0\0\0\x14ftypqt  \0\0\0\0"),
        Sniffed::Video(VideoContainer::QuickTime)
    );
    assert_eq!(
        sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F]),
        Sniffed::Video(VideoContainer::Matroska)
    );
    assert_eq!(sniff(b"hello, this is text"), Sniffed::Unknown);
    assert_eq!(sniff(b""), Sniffed::Unknown);
    assert_eq!(sniff(&[0xFF]), Sniffed::Unknown);
}

#[test]
fn png_with_alpha_becomes_jpeg_on_white() {
    let dir = folder();
    // Left half fully transparent black, right half opaque red.
    let picture = RgbaImage::from_fn(400, 500, |x, _| {
        if x < 200 {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([255, 0, 0, 255])
        }
    });
    let input = put(
        &dir,
        "logo.png",
        &encoded(&picture.into(), ImageFormat::Png),
    );
    let (prepared, out, bytes) = run(&input, Target::Feed, Fit::Crop);
    assert_eq!((out.width(), out.height()), (400, 500));
    assert_eq!(
        (prepared.width, prepared.height, prepared.bytes),
        (400, 500, bytes.len() as u64)
    );
    assert!(
        near(*out.get_pixel(50, 250), [255, 255, 255], 6),
        "{:?}",
        out.get_pixel(50, 250)
    );
    assert!(
        near(*out.get_pixel(350, 250), [255, 0, 0], 12),
        "{:?}",
        out.get_pixel(350, 250)
    );
    assert!(prepared
        .changes
        .contains(&"converted from PNG to JPEG".to_owned()));
    assert!(prepared
        .changes
        .contains(&"transparent areas filled with white".to_owned()));
    assert!(baseline_without_icc(&bytes));
}

#[test]
fn opaque_jpeg_that_fits_reports_no_change() {
    let dir = folder();
    let picture = RgbImage::from_pixel(1080, 1080, Rgb([10, 120, 200]));
    let input = put(
        &dir,
        "square.jpg",
        &encoded(&picture.into(), ImageFormat::Jpeg),
    );
    let (prepared, out, _) = run(&input, Target::Feed, Fit::Crop);
    assert_eq!((out.width(), out.height()), (1080, 1080));
    assert!(prepared.changes.is_empty(), "{:?}", prepared.changes);
    assert!(near(*out.get_pixel(540, 540), [10, 120, 200], 4));
}

/// A 900 × 300 panorama: blue left third, green middle, red right third.
fn panorama() -> DynamicImage {
    RgbImage::from_fn(900, 300, |x, _| match x {
        0..300 => Rgb([0, 0, 255]),
        300..600 => Rgb([0, 255, 0]),
        _ => Rgb([255, 0, 0]),
    })
    .into()
}

#[test]
fn panorama_is_cropped_to_the_widest_ratio() {
    let dir = folder();
    let input = put(&dir, "wide.png", &encoded(&panorama(), ImageFormat::Png));
    let (prepared, out, _) = run(&input, Target::Feed, Fit::Crop);
    assert!(
        feed_ratio(out.width(), out.height()),
        "{}x{}",
        out.width(),
        out.height()
    );
    assert_eq!(out.height(), 300);
    assert!(
        out.width() >= 570,
        "cropped no more than needed: {}",
        out.width()
    );
    assert!(near(*out.get_pixel(out.width() / 2, 150), [0, 255, 0], 12));
    assert!(
        prepared.changes.contains(&"cropped to 1.91:1".to_owned()),
        "{:?}",
        prepared.changes
    );
}

#[test]
fn panorama_is_padded_with_white_to_the_widest_ratio() {
    let dir = folder();
    let input = put(&dir, "wide.png", &encoded(&panorama(), ImageFormat::Png));
    let (prepared, out, _) = run(&input, Target::CarouselItem, Fit::Pad);
    assert!(
        feed_ratio(out.width(), out.height()),
        "{}x{}",
        out.width(),
        out.height()
    );
    assert_eq!(out.width(), 900);
    assert!(
        out.height() > 300 && out.height() <= 475,
        "{}",
        out.height()
    );
    assert!(
        near(*out.get_pixel(450, 2), [255, 255, 255], 6),
        "white border on top"
    );
    assert!(
        near(*out.get_pixel(450, out.height() - 3), [255, 255, 255], 6),
        "and at the bottom"
    );
    assert!(
        near(*out.get_pixel(450, out.height() / 2), [0, 255, 0], 12),
        "photo in the middle"
    );
    assert!(
        near(*out.get_pixel(20, out.height() / 2), [0, 0, 255], 12),
        "nothing cut off"
    );
    assert!(
        prepared.changes.iter().any(|c| c.contains("white borders")),
        "{:?}",
        prepared.changes
    );
}

#[test]
fn tall_photo_is_cropped_or_padded_to_four_by_five() {
    let dir = folder();
    let tall = RgbImage::from_pixel(400, 1000, Rgb([200, 30, 30]));
    let input = put(&dir, "tall.png", &encoded(&tall.into(), ImageFormat::Png));
    let (cropped, out, _) = run(&input, Target::Feed, Fit::Crop);
    assert_eq!((out.width(), out.height()), (400, 500));
    assert!(cropped.changes.contains(&"cropped to 4:5".to_owned()));
    let (padded, out, _) = run(&input, Target::Feed, Fit::Pad);
    assert_eq!((out.width(), out.height()), (800, 1000));
    assert!(near(*out.get_pixel(5, 500), [255, 255, 255], 6));
    assert!(padded
        .changes
        .contains(&"white borders added to reach 4:5".to_owned()));
}

#[test]
fn story_keeps_any_ratio() {
    let dir = folder();
    let tall = RgbImage::from_pixel(400, 1000, Rgb([0, 0, 0]));
    let input = put(&dir, "story.png", &encoded(&tall.into(), ImageFormat::Png));
    let (_, out, _) = run(&input, Target::Story, Fit::Crop);
    assert_eq!((out.width(), out.height()), (400, 1000));
}

#[test]
fn wide_photo_is_scaled_down_to_1440() {
    let dir = folder();
    let big = RgbImage::from_pixel(3000, 2000, Rgb([90, 90, 90]));
    let input = put(&dir, "big.jpg", &encoded(&big.into(), ImageFormat::Jpeg));
    let (prepared, out, _) = run(&input, Target::Feed, Fit::Crop);
    assert_eq!((out.width(), out.height()), (1440, 960));
    assert!(prepared
        .changes
        .contains(&"resized to 1440 px wide".to_owned()));
}

#[test]
fn padding_a_huge_tall_photo_stays_within_1440() {
    let dir = folder();
    let tall = RgbImage::from_pixel(1000, 4000, Rgb([0, 0, 0]));
    let input = put(&dir, "tower.png", &encoded(&tall.into(), ImageFormat::Png));
    let (_, out, _) = run(&input, Target::Feed, Fit::Pad);
    assert!(
        out.width() <= 1440 && feed_ratio(out.width(), out.height()),
        "{}x{}",
        out.width(),
        out.height()
    );
    assert_eq!(out.height(), 1800);
}

#[test]
fn narrow_photo_is_refused() {
    let dir = folder();
    let small = RgbImage::from_pixel(100, 100, Rgb([0, 0, 0]));
    let input = put(&dir, "icon.png", &encoded(&small.into(), ImageFormat::Png));
    let message = refusal(&input, Target::Feed, Fit::Crop, "icon.png");
    assert!(
        message.contains("too small: at least 320 pixels wide"),
        "{message}"
    );
    assert!(message.contains("100 pixels"), "{message}");
}
