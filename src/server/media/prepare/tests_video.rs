//! Tests for the video header checks, on minimal ISO base media files built in code.

use std::path::PathBuf;

use super::{check_video, PrepareErrorKind, Target, VideoContainer};

/// One box: size, type and body.
fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend(kind);
    out.extend(body);
    out
}

/// What to put in a test movie.
#[derive(Clone)]
struct Spec {
    brand: &'static [u8; 4],
    timescale: u32,
    duration: u64,
    mvhd_version: u8,
    width: u32,
    height: u32,
    quarter_turn: bool,
    handler: &'static [u8; 4],
    moov_first: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Self {
            brand: b"isom",
            timescale: 600,
            duration: 600 * 10,
            mvhd_version: 0,
            width: 1080,
            height: 1920,
            quarter_turn: false,
            handler: b"vide",
            moov_first: true,
        }
    }
}

/// An `mvhd` box of the spec's version.
fn mvhd(spec: &Spec) -> Vec<u8> {
    let mut body = vec![spec.mvhd_version, 0, 0, 0];
    if spec.mvhd_version == 1 {
        body.extend([0; 16]);
        body.extend(spec.timescale.to_be_bytes());
        body.extend(spec.duration.to_be_bytes());
    } else {
        body.extend([0; 8]);
        body.extend(spec.timescale.to_be_bytes());
        body.extend((spec.duration as u32).to_be_bytes());
    }
    body.extend([0; 80]);
    boxed(b"mvhd", &body)
}

/// A version 0 `tkhd` box with the spec's size and matrix.
fn tkhd(spec: &Spec) -> Vec<u8> {
    let mut body = vec![0, 0, 0, 7];
    body.extend([0; 20 + 16]);
    let one = 0x0001_0000u32;
    let matrix: [u32; 9] = if spec.quarter_turn {
        [0, one, 0, one.wrapping_neg(), 0, 0, 0, 0, 0x4000_0000]
    } else {
        [one, 0, 0, 0, one, 0, 0, 0, 0x4000_0000]
    };
    for value in matrix {
        body.extend(value.to_be_bytes());
    }
    body.extend((spec.width << 16).to_be_bytes());
    body.extend((spec.height << 16).to_be_bytes());
    boxed(b"tkhd", &body)
}

/// A whole movie: ftyp, then moov and mdat in the spec's order.
fn movie(spec: &Spec) -> Vec<u8> {
    let mut ftyp_body = spec.brand.to_vec();
    ftyp_body.extend([0, 0, 2, 0]);
    ftyp_body.extend(spec.brand);
    let mut hdlr_body = vec![0; 8];
    hdlr_body.extend(spec.handler);
    hdlr_body.extend([0; 13]);
    let mdia = boxed(b"mdia", &boxed(b"hdlr", &hdlr_body));
    let trak = boxed(
        b"trak",
        &[tkhd(spec), mdia, boxed(b"edts", &[0; 16])].concat(),
    );
    let moov = boxed(b"moov", &[mvhd(spec), trak].concat());
    let mdat = boxed(b"mdat", &[0xAB; 4096]);
    let (first, second) = if spec.moov_first {
        (moov, mdat)
    } else {
        (mdat, moov)
    };
    [
        boxed(b"ftyp", &ftyp_body),
        boxed(b"free", &[]),
        first,
        second,
    ]
    .concat()
}

/// Writes a file for the test.
fn put(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

/// Checks a built movie, expecting a refusal, and returns its message.
fn refused(bytes: &[u8], target: Target) -> String {
    let dir = tempfile::tempdir().expect("folder");
    let err = check_video(&put(&dir, "clip.mp4", bytes), target, "clip.mp4").expect_err("refused");
    assert_eq!(err.kind(), PrepareErrorKind::Refused, "{err}");
    assert!(err.to_string().starts_with("clip.mp4 "), "{err}");
    err.to_string()
}

#[test]
fn good_mp4_is_described() {
    let dir = tempfile::tempdir().expect("folder");
    let bytes = movie(&Spec::default());
    let info = check_video(&put(&dir, "a.mp4", &bytes), Target::Feed, "a.mp4").expect("accepted");
    assert_eq!(info.container, VideoContainer::Mp4);
    assert_eq!(info.duration_ms, 10_000);
    assert_eq!((info.width, info.height), (1080, 1920));
    assert_eq!(info.bytes, bytes.len() as u64);
}

#[test]
fn version_one_movie_header_is_read() {
    let dir = tempfile::tempdir().expect("folder");
    let spec = Spec {
        mvhd_version: 1,
        timescale: 90_000,
        duration: 90_000 * 125 / 10,
        ..Spec::default()
    };
    let info =
        check_video(&put(&dir, "a.mp4", &movie(&spec)), Target::Story, "a.mp4").expect("accepted");
    assert_eq!(info.duration_ms, 12_500);
}

#[test]
fn quicktime_brand_is_detected() {
    let dir = tempfile::tempdir().expect("folder");
    let spec = Spec {
        brand: b"qt  ",
        ..Spec::default()
    };
    let info = check_video(
        &put(&dir, "a.mov", &movie(&spec)),
        Target::CarouselItem,
        "a.mov",
    )
    .expect("ok");
    assert_eq!(info.container, VideoContainer::QuickTime);
}

#[test]
fn quarter_turn_swaps_width_and_height() {
    let dir = tempfile::tempdir().expect("folder");
    let spec = Spec {
        width: 1920,
        height: 1080,
        quarter_turn: true,
        ..Spec::default()
    };
    let info = check_video(&put(&dir, "a.mov", &movie(&spec)), Target::Feed, "a.mov").expect("ok");
    assert_eq!((info.width, info.height), (1080, 1920));
}

#[test]
fn moov_after_mdat_is_refused() {
    let message = refused(
        &movie(&Spec {
            moov_first: false,
            ..Spec::default()
        }),
        Target::Feed,
    );
    assert!(message.contains("fast start"), "{message}");
    assert!(message.contains("web optimised"), "{message}");
}

#[test]
fn too_long_and_too_short_are_refused_with_limits() {
    let long = refused(
        &movie(&Spec {
            duration: 600 * 90,
            ..Spec::default()
        }),
        Target::Story,
    );
    assert!(
        long.contains("1 min 30 s long") && long.contains("between 3 s and 1 min"),
        "{long}"
    );
    let reel = movie(&Spec {
        duration: 600 * 60 * 16,
        ..Spec::default()
    });
    let message = refused(&reel, Target::Feed);
    assert!(
        message.contains("16 min long") && message.contains("15 min"),
        "{message}"
    );
    let short = refused(
        &movie(&Spec {
            duration: 600 * 2,
            ..Spec::default()
        }),
        Target::CarouselItem,
    );
    assert!(
        short.contains("2 s long") && short.contains("carousel"),
        "{short}"
    );
}

#[test]
fn ratio_and_width_limits_are_checked() {
    let wide = refused(
        &movie(&Spec {
            width: 3840,
            height: 2160,
            ..Spec::default()
        }),
        Target::Feed,
    );
    assert!(
        wide.contains("3840 pixels wide") && wide.contains("at most 1920"),
        "{wide}"
    );
    let strip = movie(&Spec {
        width: 2000,
        height: 100,
        ..Spec::default()
    });
    let message = refused(&strip, Target::Story);
    assert!(
        message.contains("2000:100") && message.contains("10:1"),
        "{message}"
    );
}

#[test]
fn oversized_file_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().expect("folder");
    // The last mdat has size 0 ("to the end of the file"); the file is sparse.
    let mut bytes = movie(&Spec::default());
    let mdat_at = bytes.len() - (4096 + 8);
    bytes[mdat_at..mdat_at + 4].copy_from_slice(&0u32.to_be_bytes());
    let path = put(&dir, "big.mp4", &bytes);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open");
    file.set_len(150_000_000).expect("grow sparse file");
    let err = check_video(&path, Target::Story, "big.mp4").expect_err("too big");
    assert!(
        err.to_string().contains("150.0 MB") && err.to_string().contains("100 MB"),
        "{err}"
    );
    check_video(&path, Target::Feed, "big.mp4").expect("a Reel may be 300 MB");
}

#[test]
fn large_size_box_header_is_followed() {
    let dir = tempfile::tempdir().expect("folder");
    let mut bytes = movie(&Spec::default());
    // Replace the mdat with a 64-bit sized one that reaches the end of a sparse file.
    bytes.truncate(bytes.len() - (4096 + 8));
    let total: u64 = 5_000_000;
    let mdat_size = total - bytes.len() as u64;
    bytes.extend(1u32.to_be_bytes());
    bytes.extend(b"mdat");
    bytes.extend(mdat_size.to_be_bytes());
    let path = put(&dir, "large.mp4", &bytes);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open")
        .set_len(total)
        .expect("grow");
    let info = check_video(&path, Target::Feed, "large.mp4").expect("accepted");
    assert_eq!(info.bytes, total);
}

#[test]
fn truncated_headers_are_refused_as_damaged() {
    let whole = movie(&Spec::default());
    let moov_at = whole.windows(4).position(|w| w == b"moov").expect("moov") - 4;
    for cut in [moov_at + 3, moov_at + 60, whole.len() - 100] {
        let message = refused(&whole[..cut], Target::Feed);
        assert!(
            message.contains("damaged or incomplete"),
            "cut at {cut}: {message}"
        );
    }
}

#[test]
fn audio_only_file_is_refused() {
    let message = refused(
        &movie(&Spec {
            handler: b"soun",
            ..Spec::default()
        }),
        Target::Feed,
    );
    assert!(message.contains("no picture track"), "{message}");
}

#[test]
fn other_containers_and_photos_are_refused() {
    let webm = refused(
        &[
            0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0, 0, 0, 0,
        ],
        Target::Feed,
    );
    assert!(
        webm.contains("WebM") && webm.contains("Use MP4 or MOV"),
        "{webm}"
    );
    let photo = refused(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16], Target::Story);
    assert!(photo.contains("is a photo, not a video"), "{photo}");
    let text = refused(b"just some words in a file", Target::Story);
    assert!(text.contains("not a photo or a video"), "{text}");
}
