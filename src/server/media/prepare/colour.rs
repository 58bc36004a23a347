//! Converts pixels described by an embedded ICC profile to sRGB.

use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};

/// Colours that show whether a profile differs from sRGB: primaries, grey and a few mixes.
const PROBES: [[u8; 3]; 8] = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [128, 128, 128],
    [255, 255, 255],
    [30, 60, 90],
    [200, 150, 100],
    [20, 200, 120],
];

/// How far (in 8-bit steps) a probe may move and the profile still count as sRGB.
const SAME_AS_SRGB: i16 = 2;

/// What [`to_srgb`] did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// The profile describes sRGB (or near enough); pixels are untouched.
    AlreadySrgb,
    /// Pixels were converted to sRGB.
    Converted,
    /// The profile could not be used; pixels are untouched.
    Ignored,
}

/// Converts interleaved 8-bit pixels (`layout` is [`Layout::Rgb`] or [`Layout::Rgba`]) from
/// the colour space `icc` describes to sRGB, in place. Alpha is kept as it is.
pub(super) fn to_srgb(icc: &[u8], layout: Layout, pixels: &mut [u8]) -> Outcome {
    let source = match ColorProfile::new_from_slice(icc) {
        Ok(profile) => profile,
        Err(err) => {
            tracing::warn!(error = ?err, "embedded colour profile could not be read; ignored");
            return Outcome::Ignored;
        }
    };
    if source.color_space != DataColorSpace::Rgb {
        tracing::warn!(space = ?source.color_space, "colour profile is not RGB; ignored");
        return Outcome::Ignored;
    }
    let srgb = ColorProfile::new_srgb();
    let options = TransformOptions::default();
    let transform = match source.create_transform_8bit(layout, &srgb, layout, options) {
        Ok(transform) => transform,
        Err(err) => {
            tracing::warn!(error = ?err, "colour profile cannot be converted to sRGB; ignored");
            return Outcome::Ignored;
        }
    };
    let channels = layout.channels();
    let probe_in: Vec<u8> = PROBES
        .iter()
        .flat_map(|rgb| {
            rgb.iter()
                .copied()
                .chain(std::iter::repeat_n(255, channels - 3))
        })
        .collect();
    let mut probe_out = vec![0; probe_in.len()];
    if transform.transform(&probe_in, &mut probe_out).is_err() {
        return Outcome::Ignored;
    }
    let same = probe_in
        .iter()
        .zip(&probe_out)
        .all(|(a, b)| (i16::from(*a) - i16::from(*b)).abs() <= SAME_AS_SRGB);
    if same {
        return Outcome::AlreadySrgb;
    }
    // Convert a row band at a time so the copy of the source stays small.
    let band = channels * 64 * 1024;
    let mut source_band = vec![0; band.min(pixels.len())];
    for chunk in pixels.chunks_mut(band) {
        let src = &mut source_band[..chunk.len()];
        src.copy_from_slice(chunk);
        if let Err(err) = transform.transform(src, chunk) {
            tracing::warn!(error = ?err, "colour conversion failed part way");
            chunk.copy_from_slice(src);
            return Outcome::Ignored;
        }
    }
    Outcome::Converted
}
