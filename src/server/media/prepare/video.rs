//! Checks uploaded videos against Instagram's limits by reading their headers only.
//!
//! The box walker is written by hand because the available MP4 crates parse whole sample
//! tables, and only four boxes are needed here: `ftyp`, `mvhd`, the video track's `tkhd`, and
//! where `mdat` lies. Large boxes are skipped with a seek; the file is never read whole.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::{not_media, read_head, sniff, PrepareError, Sniffed, Target, VideoContainer};

/// Most boxes read from one file, so a crafted file cannot keep the walker busy.
const MAX_BOXES: u32 = 100_000;
/// Largest `mvhd`, `tkhd` or `mehd` body read into memory, in bytes.
const MAX_HEADER_BODY: u64 = 4096;

/// What [`check_video`] learnt about an acceptable video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoInfo {
    /// The container, MP4 or MOV.
    pub container: VideoContainer,
    /// Length, in milliseconds.
    pub duration_ms: u64,
    /// Width as shown (after the track's rotation), in pixels.
    pub width: u32,
    /// Height as shown (after the track's rotation), in pixels.
    pub height: u32,
    /// File size, in bytes.
    pub bytes: u64,
}

/// What Instagram accepts for a video of one target.
struct Limits {
    what: &'static str,
    min_ms: u64,
    max_ms: u64,
    max_bytes: u64,
    /// Narrowest and widest ratio, as width per height.
    ratio: (f64, f64),
    max_width: Option<u32>,
}

/// The limits for videos of `target`.
fn limits(target: Target) -> Limits {
    match target {
        Target::Feed => Limits {
            what: "a Reel",
            min_ms: 3_000,
            max_ms: 15 * 60_000,
            max_bytes: 300_000_000,
            ratio: (0.01, 10.0),
            max_width: Some(1920),
        },
        Target::Story => Limits {
            what: "a story video",
            min_ms: 3_000,
            max_ms: 60_000,
            max_bytes: 100_000_000,
            ratio: (0.1, 10.0),
            max_width: None,
        },
        Target::CarouselItem => Limits {
            what: "a carousel video",
            min_ms: 3_000,
            max_ms: 60_000,
            max_bytes: 300_000_000,
            ratio: (0.01, 10.0),
            max_width: Some(1920),
        },
    }
}

/// Reads the headers of the video at `input` and checks it against Instagram's limits for
/// `target`. `name` is the file's name as the person knows it, used in messages. Blocking.
pub fn check_video(input: &Path, target: Target, name: &str) -> Result<VideoInfo, PrepareError> {
    let file = File::open(input).map_err(|e| PrepareError::io(name, "opening the upload", &e))?;
    let bytes = file
        .metadata()
        .map_err(|e| PrepareError::io(name, "reading the upload", &e))?
        .len();
    let mut reader = BufReader::new(file);
    let head =
        read_head(&mut reader).map_err(|e| PrepareError::io(name, "reading the upload", &e))?;
    let container = match sniff(&head) {
        Sniffed::Video(c @ (VideoContainer::Mp4 | VideoContainer::QuickTime)) => c,
        Sniffed::Video(other) => {
            return Err(PrepareError::refused(
                name,
                format!(
                    "is a {} video, which Instagram does not take. Use MP4 or MOV.",
                    other.label()
                ),
            ))
        }
        Sniffed::Image(_) => return Err(PrepareError::refused(name, "is a photo, not a video.")),
        Sniffed::Unknown => return Err(not_media(name)),
    };
    let movie = Walker::new(&mut reader, bytes)
        .movie()
        .map_err(|err| match err {
            ReadError::Io(e) => PrepareError::io(name, "reading the video headers", &e),
            ReadError::Damaged(why) => PrepareError::refused(
                name,
                format!(
                    "is not a video Instagram can use: the file is damaged or incomplete ({why})."
                ),
            ),
        })?;
    let info = VideoInfo {
        container,
        duration_ms: movie.duration_ms,
        width: movie.width,
        height: movie.height,
        bytes,
    };
    let mut problems = Vec::new();
    if movie.mdat_before_moov {
        problems.push(
            "its index comes after the video data; export it again with 'fast start' \
             (also called 'web optimised' or 'optimise for network use') turned on"
                .to_owned(),
        );
    }
    problems.extend(limit_problems(&info, &limits(target)));
    if problems.is_empty() {
        Ok(info)
    } else {
        let what = limits(target).what;
        Err(PrepareError::refused(
            name,
            format!("cannot be used as {what}: {}.", problems.join("; ")),
        ))
    }
}

/// Each limit the video breaks, as a phrase stating the limit and the file's value.
fn limit_problems(info: &VideoInfo, limits: &Limits) -> Vec<String> {
    let mut problems = Vec::new();
    if info.duration_ms < limits.min_ms || info.duration_ms > limits.max_ms {
        problems.push(format!(
            "it is {} long, and must be between {} and {}",
            duration(info.duration_ms),
            duration(limits.min_ms),
            duration(limits.max_ms)
        ));
    }
    if info.bytes > limits.max_bytes {
        problems.push(format!(
            "it is {} MB, and can be at most {} MB",
            megabytes(info.bytes),
            limits.max_bytes / 1_000_000
        ));
    }
    let ratio = f64::from(info.width) / f64::from(info.height);
    if ratio < limits.ratio.0 || ratio > limits.ratio.1 {
        problems.push(format!(
            "its shape is {}:{} ({ratio:.2}:1), and must be between {}:1 and {}:1",
            info.width, info.height, limits.ratio.0, limits.ratio.1
        ));
    }
    if let Some(max) = limits.max_width.filter(|max| info.width > *max) {
        problems.push(format!(
            "it is {} pixels wide, and can be at most {max}",
            info.width
        ));
    }
    problems
}

/// A length for people: "2.5 s", "15 min" or "16 min 40 s".
fn duration(ms: u64) -> String {
    if ms < 60_000 {
        let tenths = ms.div_ceil(100);
        return if tenths.is_multiple_of(10) {
            format!("{} s", tenths / 10)
        } else {
            format!("{}.{} s", tenths / 10, tenths % 10)
        };
    }
    let (min, s) = (ms / 60_000, (ms % 60_000).div_ceil(1000));
    if s == 0 {
        format!("{min} min")
    } else {
        format!("{min} min {s} s")
    }
}

/// A size for people, in megabytes with one decimal.
fn megabytes(bytes: u64) -> String {
    let tenths = bytes.div_ceil(100_000);
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Why the headers could not be read.
#[derive(Debug)]
enum ReadError {
    /// The server could not read the file.
    Io(std::io::Error),
    /// The file is damaged; the text says how, in a few words.
    Damaged(&'static str),
}

impl From<std::io::Error> for ReadError {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::UnexpectedEof {
            Self::Damaged("it ends too early")
        } else {
            Self::Io(err)
        }
    }
}

/// The facts read from a movie's headers.
#[derive(Debug, Default)]
struct Movie {
    duration_ms: u64,
    width: u32,
    height: u32,
    mdat_before_moov: bool,
}

/// One box: its four-letter type and where its body starts and ends in the file.
#[derive(Debug, Clone, Copy)]
struct BoxHeader {
    kind: [u8; 4],
    body: u64,
    end: u64,
}

/// What the walk has found so far.
#[derive(Debug, Default)]
struct Found {
    moov: bool,
    mdat: bool,
    mdat_before_moov: bool,
    /// (timescale, duration) from `mvhd`.
    mvhd: Option<(u32, u64)>,
    /// Fragment duration from `mehd`, in `mvhd` units.
    mehd: Option<u64>,
    /// Shown width and height of the first video track.
    video: Option<(u32, u32)>,
}

/// Walks the boxes of an ISO base media file.
struct Walker<'r, R> {
    reader: &'r mut R,
    file_len: u64,
    boxes: u32,
}

impl<'r, R: Read + Seek> Walker<'r, R> {
    fn new(reader: &'r mut R, file_len: u64) -> Self {
        Self {
            reader,
            file_len,
            boxes: 0,
        }
    }

    /// Reads the whole top level and the parts of `moov` that matter.
    fn movie(mut self) -> Result<Movie, ReadError> {
        let mut found = Found::default();
        let mut pos = 0;
        while pos < self.file_len {
            let header = self.header(pos, self.file_len)?;
            match &header.kind {
                b"moov" if !found.moov => {
                    found.moov = true;
                    found.mdat_before_moov = found.mdat;
                    self.moov(header, &mut found)?;
                }
                b"mdat" => found.mdat = true,
                _ => {}
            }
            pos = header.end;
        }
        if !found.moov {
            return Err(ReadError::Damaged("it has no movie header"));
        }
        if !found.mdat {
            return Err(ReadError::Damaged("it holds no video data"));
        }
        let (timescale, mvhd_duration) =
            found.mvhd.ok_or(ReadError::Damaged("it has no length"))?;
        let units = match (mvhd_duration, found.mehd) {
            (0, Some(fragments)) => fragments,
            (units, _) => units,
        };
        if timescale == 0 || units == 0 || units == u64::MAX || units == u64::from(u32::MAX) {
            return Err(ReadError::Damaged("its length cannot be read"));
        }
        let duration_ms = (u128::from(units) * 1000 / u128::from(timescale)) as u64;
        let (width, height) = found
            .video
            .ok_or(ReadError::Damaged("it has no picture track"))?;
        if width == 0 || height == 0 {
            return Err(ReadError::Damaged("its picture size is zero"));
        }
        Ok(Movie {
            duration_ms,
            width,
            height,
            mdat_before_moov: found.mdat_before_moov,
        })
    }

    /// Reads the box header at `pos`; the box must end by `limit`.
    fn header(&mut self, pos: u64, limit: u64) -> Result<BoxHeader, ReadError> {
        self.boxes += 1;
        if self.boxes > MAX_BOXES {
            return Err(ReadError::Damaged("it has too many boxes"));
        }
        if limit - pos < 8 {
            return Err(ReadError::Damaged("a box header is cut short"));
        }
        self.reader.seek(SeekFrom::Start(pos))?;
        let mut small = [0; 8];
        self.reader.read_exact(&mut small)?;
        let size = u64::from(u32::from_be_bytes([small[0], small[1], small[2], small[3]]));
        let kind = [small[4], small[5], small[6], small[7]];
        let (size, header_len) = match size {
            0 => (limit - pos, 8),
            1 => {
                let mut large = [0; 8];
                self.reader.read_exact(&mut large)?;
                (u64::from_be_bytes(large), 16)
            }
            size => (size, 8),
        };
        if size < header_len {
            return Err(ReadError::Damaged("a box has an impossible size"));
        }
        let end = pos.checked_add(size).filter(|end| *end <= limit);
        let end = end.ok_or(ReadError::Damaged("a box runs past the end of the file"))?;
        Ok(BoxHeader {
            kind,
            body: pos + header_len,
            end,
        })
    }

    /// Calls `visit` for each child box of `parent`.
    fn children(
        &mut self,
        parent: BoxHeader,
        visit: &mut dyn FnMut(&mut Self, BoxHeader) -> Result<(), ReadError>,
    ) -> Result<(), ReadError> {
        let mut pos = parent.body;
        while pos < parent.end {
            let child = self.header(pos, parent.end)?;
            visit(self, child)?;
            pos = child.end;
        }
        Ok(())
    }

    /// Reads a small box's body into memory.
    fn body(&mut self, header: BoxHeader) -> Result<Vec<u8>, ReadError> {
        let len = header.end - header.body;
        if len > MAX_HEADER_BODY {
            return Err(ReadError::Damaged("a header box is far too large"));
        }
        self.reader.seek(SeekFrom::Start(header.body))?;
        let mut body = vec![0; len as usize];
        self.reader.read_exact(&mut body)?;
        Ok(body)
    }

    /// Reads `mvhd`, `mvex/mehd` and each `trak` of `moov`.
    fn moov(&mut self, moov: BoxHeader, found: &mut Found) -> Result<(), ReadError> {
        self.children(moov, &mut |walker, child| {
            match &child.kind {
                b"mvhd" => found.mvhd = Some(parse_mvhd(&walker.body(child)?)?),
                b"mvex" => walker.children(child, &mut |walker, grandchild| {
                    if &grandchild.kind == b"mehd" {
                        found.mehd = Some(parse_mehd(&walker.body(grandchild)?)?);
                    }
                    Ok(())
                })?,
                b"trak" if found.video.is_none() => found.video = walker.trak(child)?,
                _ => {}
            }
            Ok(())
        })
    }

    /// Returns the shown size of a track when it is a video track.
    fn trak(&mut self, trak: BoxHeader) -> Result<Option<(u32, u32)>, ReadError> {
        let mut size = None;
        let mut is_video = false;
        self.children(trak, &mut |walker, child| {
            match &child.kind {
                b"tkhd" => size = Some(parse_tkhd(&walker.body(child)?)?),
                b"mdia" => walker.children(child, &mut |walker, grandchild| {
                    if &grandchild.kind == b"hdlr" {
                        let body = walker.body(grandchild)?;
                        is_video = body.get(8..12) == Some(b"vide".as_slice());
                    }
                    Ok(())
                })?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(size.filter(|_| is_video))
    }
}

/// Reads a big-endian `u32` at `at`.
fn be32(body: &[u8], at: usize) -> Result<u32, ReadError> {
    let bytes = body
        .get(at..at + 4)
        .ok_or(ReadError::Damaged("a header box is cut short"))?;
    Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// Reads a big-endian `u64` at `at`.
fn be64(body: &[u8], at: usize) -> Result<u64, ReadError> {
    Ok((u64::from(be32(body, at)?) << 32) | u64::from(be32(body, at + 4)?))
}

/// Timescale and duration from an `mvhd` body (versions 0 and 1).
fn parse_mvhd(body: &[u8]) -> Result<(u32, u64), ReadError> {
    match body.first() {
        Some(0) => Ok((be32(body, 12)?, u64::from(be32(body, 16)?))),
        Some(1) => Ok((be32(body, 20)?, be64(body, 24)?)),
        _ => Err(ReadError::Damaged(
            "the movie header has an unknown version",
        )),
    }
}

/// Fragment duration from an `mehd` body (versions 0 and 1).
fn parse_mehd(body: &[u8]) -> Result<u64, ReadError> {
    match body.first() {
        Some(0) => Ok(u64::from(be32(body, 4)?)),
        Some(1) => be64(body, 4),
        _ => Err(ReadError::Damaged(
            "the fragment header has an unknown version",
        )),
    }
}

/// Shown width and height from a `tkhd` body: the 16.16 fixed-point size, swapped when the
/// track's matrix turns it a quarter turn.
fn parse_tkhd(body: &[u8]) -> Result<(u32, u32), ReadError> {
    // After version and flags: times, track id, reserved and duration, then 16 bytes of
    // reserved, layer, group and volume, then the 3×3 matrix, then width and height.
    let matrix_at = match body.first() {
        Some(0) => 4 + 20 + 16,
        Some(1) => 4 + 32 + 16,
        _ => return Err(ReadError::Damaged("a track header has an unknown version")),
    };
    let a = be32(body, matrix_at)?;
    let d = be32(body, matrix_at + 16)?;
    let fixed = |v: u32| v.saturating_add(0x8000) >> 16;
    let width = fixed(be32(body, matrix_at + 36)?);
    let height = fixed(be32(body, matrix_at + 40)?);
    Ok(if a == 0 && d == 0 {
        (height, width)
    } else {
        (width, height)
    })
}
