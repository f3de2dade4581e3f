//! Terminal output with Unicode half blocks: each character cell shows two pixel rows, and a
//! terminal cell is about twice as high as wide, so a module is close to square.

use super::layout::Layout;
use super::{BarcodeMatrix, RenderOptions, MAX_TEXT_BAR_HEIGHT, MAX_TEXT_SCALE};

/// Quiet zones wider than this are drawn this wide (modules).
const MAX_TEXT_QUIET_ZONE: u32 = 32;

pub(super) fn to_text(m: &BarcodeMatrix, opts: &RenderOptions) -> String {
    let layout = Layout::with_limits(m, opts, MAX_TEXT_QUIET_ZONE, MAX_TEXT_BAR_HEIGHT);
    let scale = u64::from(opts.scale.clamp(1, MAX_TEXT_SCALE));
    let (w, h) = (layout.width * scale, layout.height * scale);
    // A block is drawn where the pixel is light (normal) or dark (dark mode): see `to_text`.
    let ink = |x: u64, y: u64| y < h && layout.dark(x / scale, y / scale) == opts.dark_mode;

    let mut out = String::with_capacity(((w + 1) * h.div_ceil(2) * 3) as usize);
    for y in (0..h).step_by(2) {
        for x in 0..w {
            out.push(match (ink(x, y), ink(x, y + 1)) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        out.push('\n');
    }
    out
}
