//! Checks and prepares uploaded photos and videos so Instagram's publishing API accepts them.
//!
//! Photos are decoded (JPEG, PNG, WebP or the first frame of a GIF), turned upright, converted
//! to sRGB, flattened on white, fitted to the ratio and width Instagram allows and written as
//! a baseline JPEG. Videos are only checked: their headers are read, never the whole file.
//!
//! Every function here blocks; run them on a blocking thread.

mod colour;
mod photo;
mod video;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_input;
#[cfg(test)]
mod tests_video;

pub use self::photo::{prepare_image, PreparedImage};
pub use self::video::{check_video, VideoInfo};

/// What an uploaded file is to become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A feed photo, or a Reel when the file is a video.
    Feed,
    /// A story photo or story video.
    Story,
    /// One item of a carousel (photo or video).
    CarouselItem,
}

/// What to do with a photo whose ratio is outside the 4:5 to 1.91:1 range of the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Cut the middle out of the photo, at the nearest allowed ratio.
    Crop,
    /// Keep the whole photo and add white borders up to the nearest allowed ratio.
    Pad,
}

/// The kind of picture a file holds, told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// JPEG (also MPO and JPS, which start the same way).
    Jpeg,
    /// PNG.
    Png,
    /// WebP.
    WebP,
    /// GIF, still or animated.
    Gif,
    /// HEIC or HEIF, as many phones save photos.
    Heif,
    /// AVIF.
    Avif,
    /// Windows bitmap.
    Bmp,
    /// TIFF.
    Tiff,
}

impl ImageKind {
    /// The short name people know the format by.
    pub fn label(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::WebP => "WebP",
            Self::Gif => "GIF",
            Self::Heif => "HEIC",
            Self::Avif => "AVIF",
            Self::Bmp => "BMP",
            Self::Tiff => "TIFF",
        }
    }
}

/// The container a video file uses, told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoContainer {
    /// MPEG-4 (ISO base media file, any brand other than QuickTime).
    Mp4,
    /// QuickTime movie (MOV).
    QuickTime,
    /// WebM or Matroska.
    Matroska,
    /// AVI.
    Avi,
}

impl VideoContainer {
    /// The short name people know the container by.
    pub fn label(self) -> &'static str {
        match self {
            Self::Mp4 => "MP4",
            Self::QuickTime => "MOV",
            Self::Matroska => "WebM/MKV",
            Self::Avi => "AVI",
        }
    }
}

/// What a file's first bytes say it is. The file name is never looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// A picture.
    Image(ImageKind),
    /// A video.
    Video(VideoContainer),
    /// Neither a picture nor a video we know.
    Unknown,
}

/// How many first bytes of a file [`sniff`] needs to tell every kind apart.
pub const SNIFF_LEN: usize = 32;

/// Tells what a file is from its first bytes (at least [`SNIFF_LEN`] of them when the file
/// is that long).
pub fn sniff(head: &[u8]) -> Sniffed {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Image(ImageKind::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Image(ImageKind::Png);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Sniffed::Image(ImageKind::Gif);
    }
    if starts(b"RIFF") && head.len() >= 12 {
        match &head[8..12] {
            b"WEBP" => return Sniffed::Image(ImageKind::WebP),
            b"AVI " => return Sniffed::Video(VideoContainer::Avi),
            _ => return Sniffed::Unknown,
        }
    }
    if starts(b"BM") && head.len() >= 14 && head[6..10] == [0; 4] {
        return Sniffed::Image(ImageKind::Bmp);
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Sniffed::Image(ImageKind::Tiff);
    }
    if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Sniffed::Video(VideoContainer::Matroska);
    }
    sniff_iso_bmff(head)
}

/// Tells ISO base media files (MP4, MOV, HEIC, AVIF) apart by their first box and brand.
fn sniff_iso_bmff(head: &[u8]) -> Sniffed {
    if head.len() < 12 {
        return Sniffed::Unknown;
    }
    match &head[4..8] {
        b"ftyp" => {}
        // Old QuickTime files may start straight with one of these atoms.
        b"moov" | b"mdat" | b"wide" | b"pnot" => return Sniffed::Video(VideoContainer::QuickTime),
        _ => return Sniffed::Unknown,
    }
    let major = &head[8..12];
    match major {
        b"qt  " => Sniffed::Video(VideoContainer::QuickTime),
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => {
            Sniffed::Image(ImageKind::Heif)
        }
        b"avif" | b"avis" => Sniffed::Image(ImageKind::Avif),
        _ => Sniffed::Video(VideoContainer::Mp4),
    }
}

/// Whether an error lies with the file itself or with the server reading or writing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrepareErrorKind {
    /// The file cannot be used as it is; the person has to change it.
    Refused,
    /// Reading or writing failed on the server; trying again may work.
    Io,
}

/// Why a file cannot be used. Its text is meant for people and names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PrepareError {
    message: String,
    kind: PrepareErrorKind,
}

impl PrepareError {
    /// A refusal: the file needs to change. `reason` is a sentence after "name ".
    pub(crate) fn refused(name: &str, reason: impl std::fmt::Display) -> Self {
        Self {
            message: format!("{name} {reason}"),
            kind: PrepareErrorKind::Refused,
        }
    }

    /// A server-side reading or writing failure; the details go to the log only.
    pub(crate) fn io(name: &str, doing: &str, err: &std::io::Error) -> Self {
        tracing::error!(file = name, error = %err, "media preparation failed while {doing}");
        Self {
            message: format!("{name} could not be processed on the server. Please try again."),
            kind: PrepareErrorKind::Io,
        }
    }

    /// The message for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the file was refused or the server failed.
    pub fn kind(&self) -> PrepareErrorKind {
        self.kind
    }
}

/// Reads up to [`SNIFF_LEN`] first bytes of a file.
pub(crate) fn read_head<R: std::io::Read>(file: &mut R) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(SNIFF_LEN);
    file.take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// The refusal for a file that is neither a picture nor a video.
pub(crate) fn not_media(name: &str) -> PrepareError {
    PrepareError::refused(
        name,
        "is not a photo or a video. Use a JPEG, PNG, WebP or GIF photo, or an MP4 or MOV video.",
    )
}
