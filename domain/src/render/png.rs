//! PNG output: 1-bit grayscale (bit 1 = white), the smallest lossless form of a two-colour image.

use super::layout::{consistent, Layout};
use super::{BarcodeMatrix, RenderOptions, MAX_IMAGE_SIDE};
use crate::check::InputError;

pub(super) fn to_png(m: &BarcodeMatrix, opts: &RenderOptions) -> Result<Vec<u8>, InputError> {
    if opts.scale == 0 {
        return Err(InputError::new(
            "render scale must be at least 1 pixel per module",
        ));
    }
    if opts.bar_height == 0 && !m.symbology.is_two_dimensional() {
        return Err(InputError::new("bar height must be at least 1 module"));
    }
    if m.width == 0 || m.height == 0 {
        return Err(InputError::new("barcode matrix is empty"));
    }
    if !consistent(m) {
        return Err(InputError::new(
            "barcode matrix is inconsistent: it needs width x height modules",
        ));
    }
    let layout = Layout::new(m, opts);
    let scale = u64::from(opts.scale);
    // Saturating: a quiet zone and a scale near u32::MAX multiply past u64.
    let (w, h) = (
        layout.width.saturating_mul(scale),
        layout.height.saturating_mul(scale),
    );
    if w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE {
        return Err(InputError::new(format!(
            "image would be {w} x {h} pixels, more than {MAX_IMAGE_SIDE} on a side: lower the scale or the quiet zone"
        )));
    }
    let (w, h) = (w as usize, h as usize);
    let stride = w.div_ceil(8);
    // light = 1 unless dark mode inverts
    let (dark_bit, light_bit) = if opts.dark_mode { (1u8, 0u8) } else { (0, 1) };

    let mut data = Vec::with_capacity(stride * h);
    let mut row = vec![0u8; stride];
    for gy in 0..layout.height {
        row.fill(0);
        for px in 0..w {
            let dark = layout.dark(px as u64 / scale, gy);
            let bit = if dark { dark_bit } else { light_bit };
            row[px / 8] |= bit << (7 - px % 8);
        }
        for _ in 0..scale {
            data.extend_from_slice(&row);
        }
    }

    let mut out = Vec::new();
    let write = |out: &mut Vec<u8>| -> Result<(), png::EncodingError> {
        let mut encoder = png::Encoder::new(out, w as u32, h as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&data)?;
        writer.finish()
    };
    write(&mut out).map_err(|_| InputError::new("could not write the PNG image"))?;
    Ok(out)
}
