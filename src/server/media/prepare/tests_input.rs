//! Tests for the kinds of photo input: damaged, oversized, other formats, colour and orientation.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

use super::tests::{baseline_without_icc, encoded, folder, near, put, refusal, run};
use super::{Fit, Target};

/// Encodes an RGB picture as PNG carrying the given ICC profile.
pub(super) fn png_with_icc(image: &RgbImage, icc: Vec<u8>) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = PngEncoder::new(&mut bytes);
    encoder.set_icc_profile(icc).expect("png takes icc");
    encoder
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("encode png");
    bytes
}

/// CRC-32 as PNG chunks use it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG that claims to be `width × height` but holds almost no data.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut chunk = b"IHDR".to_vec();
    chunk.extend(width.to_be_bytes());
    chunk.extend(height.to_be_bytes());
    chunk.extend([8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(13u32.to_be_bytes());
    png.extend(&chunk);
    png.extend(crc32(&chunk).to_be_bytes());
    let idat = b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01";
    png.extend(8u32.to_be_bytes());
    png.extend(idat);
    png.extend(crc32(idat).to_be_bytes());
    png
}

#[test]
fn decompression_bombs_are_refused() {
    let dir = folder();
    let many_pixels = put(&dir, "bomb.png", &png_claiming(12_000, 10_000));
    let message = refusal(&many_pixels, Target::Feed, Fit::Crop, "bomb.png");
    assert!(
        message.contains("too large") && message.contains("100 megapixels"),
        "{message}"
    );
    assert!(message.contains("12000 × 10000"), "{message}");
    let long_side = put(&dir, "strip.png", &png_claiming(60_000, 10));
    let message = refusal(&long_side, Target::Feed, Fit::Crop, "strip.png");
    assert!(message.contains("too large"), "{message}");
}

#[test]
fn truncated_png_is_refused_as_damaged() {
    let dir = folder();
    let noise = RgbImage::from_fn(400, 400, |x, y| {
        Rgb([(x * 7 + y) as u8, (x ^ y) as u8, (y * 3) as u8])
    });
    let whole = encoded(&noise.into(), ImageFormat::Png);
    let input = put(&dir, "cut.png", &whole[..whole.len() / 2]);
    let message = refusal(&input, Target::Feed, Fit::Crop, "cut.png");
    assert_eq!(
        message,
        "cut.png is not a picture Instagram can use: the file is damaged or incomplete."
    );
}

#[test]
fn text_named_jpg_is_refused() {
    let dir = folder();
    let input = put(&dir, "x.jpg", b"This is a shopping list, not a photo.\n");
    let message = refusal(&input, Target::Feed, Fit::Crop, "x.jpg");
    assert!(
        message.starts_with("x.jpg is not a photo or a video"),
        "{message}"
    );
    let empty = put(&dir, "empty.jpg", b"");
    assert!(
        refusal(&empty, Target::Feed, Fit::Crop, "empty.jpg").contains("not a photo or a video")
    );
}

#[test]
fn heic_and_video_are_refused_with_advice() {
    let dir = folder();
    let heic = put(&dir, "IMG_1.HEIC", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic");
    let message = refusal(&heic, Target::Feed, Fit::Crop, "IMG_1.HEIC");
    assert!(
        message.contains("HEIC") && message.contains("JPEG"),
        "{message}"
    );
    let video = put(&dir, "clip.jpg", b"\0\0\0\x18ftypisom\0\0\0\0isommp41");
    assert!(refusal(&video, Target::Feed, Fit::Crop, "clip.jpg").contains("is a video"));
}

#[test]
fn webp_and_gif_are_converted() {
    let dir = folder();
    let picture: DynamicImage = RgbaImage::from_pixel(480, 480, Rgba([0, 128, 0, 255])).into();
    for (format, label, file) in [
        (ImageFormat::WebP, "WebP", "a.webp"),
        (ImageFormat::Gif, "GIF", "a.gif"),
    ] {
        let input = put(&dir, file, &encoded(&picture, format));
        let (prepared, out, _) = run(&input, Target::Feed, Fit::Crop);
        assert_eq!((out.width(), out.height()), (480, 480));
        assert!(
            near(*out.get_pixel(240, 240), [0, 128, 0], 10),
            "{label}: {:?}",
            out.get_pixel(240, 240)
        );
        assert!(
            prepared
                .changes
                .contains(&format!("converted from {label} to JPEG")),
            "{:?}",
            prepared.changes
        );
    }
}

#[test]
fn display_p3_is_converted_to_srgb_and_srgb_is_left_alone() {
    let dir = folder();
    let picture = RgbImage::from_pixel(400, 400, Rgb([40, 180, 90]));
    let p3 = moxcms::ColorProfile::new_display_p3()
        .encode()
        .expect("encode P3 profile");
    let input = put(&dir, "p3.png", &png_with_icc(&picture, p3));
    let (prepared, out, bytes) = run(&input, Target::Feed, Fit::Crop);
    assert!(
        prepared
            .changes
            .contains(&"colour profile converted to sRGB".to_owned()),
        "{:?}",
        prepared.changes
    );
    let pixel = *out.get_pixel(200, 200);
    assert!(
        !near(pixel, [40, 180, 90], 4),
        "P3 green is more saturated in sRGB: {pixel:?}"
    );
    assert!(pixel.0[1] > 180 && pixel.0[0] < 40, "{pixel:?}");
    assert!(baseline_without_icc(&bytes));

    let srgb = moxcms::ColorProfile::new_srgb()
        .encode()
        .expect("encode sRGB profile");
    let input = put(&dir, "srgb.png", &png_with_icc(&picture, srgb));
    let (prepared, out, _) = run(&input, Target::Feed, Fit::Crop);
    assert!(
        !prepared.changes.iter().any(|c| c.contains("colour")),
        "{:?}",
        prepared.changes
    );
    assert!(near(*out.get_pixel(200, 200), [40, 180, 90], 4));

    let input = put(
        &dir,
        "junk.png",
        &png_with_icc(&picture, b"not a profile at all".to_vec()),
    );
    let (prepared, _, _) = run(&input, Target::Feed, Fit::Crop);
    assert!(
        !prepared.changes.iter().any(|c| c.contains("colour")),
        "{:?}",
        prepared.changes
    );
}

/// A little-endian Exif block holding only an orientation tag.
fn exif_orientation(value: u16) -> Vec<u8> {
    let mut exif = b"II*\0".to_vec();
    exif.extend(8u32.to_le_bytes());
    exif.extend(1u16.to_le_bytes());
    exif.extend(0x0112u16.to_le_bytes());
    exif.extend(3u16.to_le_bytes());
    exif.extend(1u32.to_le_bytes());
    exif.extend(value.to_le_bytes());
    exif.extend([0, 0]);
    exif.extend(0u32.to_le_bytes());
    exif
}

#[test]
fn camera_orientation_is_applied() {
    let dir = folder();
    // Top half red, bottom half blue; orientation 6 means "turn 90° clockwise to view".
    let picture = RgbImage::from_fn(500, 400, |_, y| {
        if y < 200 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    let mut bytes = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut bytes, 95);
    encoder
        .set_exif_metadata(exif_orientation(6))
        .expect("jpeg takes exif");
    encoder
        .write_image(picture.as_raw(), 500, 400, image::ExtendedColorType::Rgb8)
        .expect("encode");
    let input = put(&dir, "phone.jpg", &bytes);
    let (prepared, out, _) = run(&input, Target::Feed, Fit::Crop);
    assert_eq!((out.width(), out.height()), (400, 500));
    assert!(
        near(*out.get_pixel(350, 250), [255, 0, 0], 20),
        "old top is now on the right"
    );
    assert!(
        near(*out.get_pixel(50, 250), [0, 0, 255], 20),
        "old bottom is now on the left"
    );
    assert!(
        prepared.changes.iter().any(|c| c.contains("upright")),
        "{:?}",
        prepared.changes
    );
}
