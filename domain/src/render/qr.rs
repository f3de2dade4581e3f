//! QR codes through the `qrcode` crate, with a faster mask selection.
//!
//! The crate's `QrCode::with_error_correction_level` spends almost all of its time (about 99 % for
//! a version 2 symbol, see `benches/card_vs_qrencode.rs`) choosing the mask: for each of the 8
//! masks it clones the canvas and scores it, and its finder-pattern score allocates a boxed
//! closure per module. We run the crate's own steps up to data placement (segmentation,
//! Reed-Solomon, function patterns, data), then apply each mask and its format information on a
//! flat grid of bytes and score it with the crate's rules, without data-dependent branches. The
//! chosen mask, and so every module, is the crate's: tests compare each masked grid with the
//! crate's `apply_mask` and the final symbols with the crate's, across versions and levels.

use super::validate::too_long;
use super::{BarcodeMatrix, EcLevel, Symbology};
use crate::check::InputError;
use qrcode::bits::Bits;
use qrcode::canvas::{Canvas, MaskPattern, Module};
use qrcode::Version;

/// The crate's order of the masks (its `MaskPattern` values are their numbers 0-7); on equal
/// scores the first one wins, as in the crate.
pub(super) const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

pub(super) fn level(ec: EcLevel) -> qrcode::EcLevel {
    match ec {
        EcLevel::Low => qrcode::EcLevel::L,
        EcLevel::Medium => qrcode::EcLevel::M,
        EcLevel::Quartile => qrcode::EcLevel::Q,
        EcLevel::High => qrcode::EcLevel::H,
    }
}

/// ASCII payloads: the crate's optimal segmentation (numeric / alphanumeric / byte). Anything else:
/// one byte-mode segment with the UTF-8 bytes, in the smallest version that holds it. (The crate's
/// segmentation would read some UTF-8 byte pairs, such as those of `€`, as Shift JIS Kanji and
/// change the text.)
pub(super) fn bits(text: &str, ec: EcLevel) -> Option<Bits> {
    if text.is_ascii() {
        qrcode::bits::encode_auto(text.as_bytes(), level(ec)).ok()
    } else {
        byte_mode(text.as_bytes(), level(ec))
    }
}

fn byte_mode(data: &[u8], level: qrcode::EcLevel) -> Option<Bits> {
    for v in 1..=40 {
        let mut bits = Bits::new(Version::Normal(v));
        // mode indicator + character count (8 bits up to version 9, 16 after) + the bytes
        let needed = 4 + if v <= 9 { 8 } else { 16 } + 8 * data.len();
        if needed > bits.max_len(level).ok()? {
            continue;
        }
        bits.push_byte_data(data).ok()?;
        bits.push_terminator(level).ok()?;
        return Some(bits);
    }
    None
}

pub(super) fn encode(text: &str, ec: EcLevel) -> Result<BarcodeMatrix, InputError> {
    let too_long = || too_long(Symbology::QrCode);
    let bits = bits(text, ec).ok_or_else(too_long)?;
    let version = bits.version();
    let data = bits.into_bytes();
    let (codewords, ec_codewords) =
        qrcode::ec::construct_codewords(&data, version, level(ec)).map_err(|_| too_long())?;
    let mut canvas = Canvas::new(version, level(ec));
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&codewords, &ec_codewords);

    let unmasked = Unmasked::from_canvas(&canvas, version.width());
    let mut grid = Vec::new();
    let mut scratch = Vec::new();
    let mut best: Option<(u32, Vec<u8>)> = None;
    for number in 0..MASKS.len() {
        unmasked.apply(number, level(ec), &mut grid);
        let score = penalty(&grid, unmasked.width, &mut scratch);
        match &mut best {
            Some((s, _)) if score >= *s => {}
            Some((s, b)) => {
                *s = score;
                b.copy_from_slice(&grid);
            }
            None => best = Some((score, grid.clone())),
        }
    }
    let (_, modules) = best.ok_or_else(too_long)?;
    Ok(BarcodeMatrix {
        symbology: Symbology::QrCode,
        width: unmasked.width as u32,
        height: unmasked.width as u32,
        modules: modules.into_iter().map(|d| d == 1).collect(),
    })
}

/// A symbol with its function patterns and data placed, before masking, as flat bytes.
pub(super) struct Unmasked {
    pub width: usize,
    /// 1 = dark (function pattern or data bit), 0 = light.
    dark: Vec<u8>,
    /// 1 where the mask applies: data and error-correction modules (and unused ones).
    maskable: Vec<u8>,
}

impl Unmasked {
    /// Appends the modules with the mask `inverts(x, y)` (ISO/IEC 18004 table 10, with i = row
    /// y and j = column x) applied to the maskable ones.
    fn mask_with(&self, out: &mut Vec<u8>, inverts: impl Fn(usize, usize) -> bool) {
        let w = self.width;
        out.reserve(w * w);
        for y in 0..w {
            let (dark, maskable) = (&self.dark[y * w..][..w], &self.maskable[y * w..][..w]);
            for x in 0..w {
                out.push(dark[x] ^ (maskable[x] & u8::from(inverts(x, y))));
            }
        }
    }

    pub fn from_canvas(canvas: &Canvas, width: i16) -> Unmasked {
        let w = width as usize;
        let mut dark = Vec::with_capacity(w * w);
        let mut maskable = Vec::with_capacity(w * w);
        for y in 0..width {
            for x in 0..width {
                let module = canvas.get(x, y);
                dark.push(u8::from(module.is_dark()));
                maskable.push(u8::from(!matches!(module, Module::Masked(_))));
            }
        }
        Unmasked {
            width: w,
            dark,
            maskable,
        }
    }

    /// The symbol with mask `number` (0-7, ISO/IEC 18004 numbering, the crate's `MaskPattern`)
    /// applied and its format information drawn, as the crate's `Canvas::apply_mask` does, into
    /// `out` (1 = dark).
    pub fn apply(&self, number: usize, level: qrcode::EcLevel, out: &mut Vec<u8>) {
        out.clear();
        match number {
            0 => self.mask_with(out, |x, y| (x + y) % 2 == 0),
            1 => self.mask_with(out, |_, y| y % 2 == 0),
            2 => self.mask_with(out, |x, _| x % 3 == 0),
            3 => self.mask_with(out, |x, y| (x + y) % 3 == 0),
            4 => self.mask_with(out, |x, y| (x / 3 + y / 2) % 2 == 0),
            5 => self.mask_with(out, |x, y| (x * y) % 2 + (x * y) % 3 == 0),
            6 => self.mask_with(out, |x, y| ((x * y) % 2 + (x * y) % 3) % 2 == 0),
            _ => self.mask_with(out, |x, y| ((x + y) % 2 + (x * y) % 3) % 2 == 0),
        }
        let w = self.width;
        let format = format_info(level, number);
        for (i, &(x, y)) in FORMAT_MAIN.iter().enumerate() {
            out[y * w + x] = ((format >> (14 - i)) & 1) as u8;
        }
        for (i, &(x, y)) in FORMAT_SIDE.iter().enumerate() {
            // negative coordinates count from the right / bottom edge
            let x = if x < 0 {
                (w as i16 + x) as usize
            } else {
                x as usize
            };
            let y = if y < 0 {
                (w as i16 + y) as usize
            } else {
                y as usize
            };
            out[y * w + x] = ((format >> (14 - i)) & 1) as u8;
        }
    }
}

/// The 15 format bits: error-correction level (L 01, M 00, Q 11, H 10) and mask number, BCH(15,5)
/// protected, XOR 101010000010010 (ISO/IEC 18004 7.9).
fn format_info(level: qrcode::EcLevel, mask: usize) -> u16 {
    let level_bits: u16 = match level {
        qrcode::EcLevel::L => 0b01,
        qrcode::EcLevel::M => 0b00,
        qrcode::EcLevel::Q => 0b11,
        qrcode::EcLevel::H => 0b10,
    };
    let data = (level_bits << 3) | mask as u16;
    let mut rem = data << 10;
    for bit in (10..15).rev() {
        if rem & (1 << bit) != 0 {
            rem ^= 0x537 << (bit - 10);
        }
    }
    ((data << 10) | rem) ^ 0x5412
}

/// Where the format bits go, most significant first (the crate's `FORMAT_INFO_COORDS_QR_*`, as
/// (x, y)): around the top-left finder, and split between the bottom-left and top-right finders.
const FORMAT_MAIN: [(usize, usize); 15] = [
    (0, 8),
    (1, 8),
    (2, 8),
    (3, 8),
    (4, 8),
    (5, 8),
    (7, 8),
    (8, 8),
    (8, 7),
    (8, 5),
    (8, 4),
    (8, 3),
    (8, 2),
    (8, 1),
    (8, 0),
];
const FORMAT_SIDE: [(i16, i16); 15] = [
    (8, -1),
    (8, -2),
    (8, -3),
    (8, -4),
    (8, -5),
    (8, -6),
    (8, -7),
    (-8, 8),
    (-7, 8),
    (-6, 8),
    (-5, 8),
    (-4, 8),
    (-3, 8),
    (-2, 8),
    (-1, 8),
];

/// ISO/IEC 18004 mask penalty as the `qrcode` crate computes it (its `compute_total_penalty_scores`
/// for normal QR codes): N1 runs of 5+ same-coloured modules in a row or column (3 + extra
/// length), N2 2x2 blocks of one colour (3 each), N3 finder-like `#.###.#` with 4 light modules
/// (or the symbol's edge) on at least one side (40 each, less the 9 matches of the three finder
/// patterns per direction), N4 distance of the dark share from 50 % (1 per 0.5 %).
///
/// `m` holds 1 for dark, 0 for light. Written without data-dependent branches: the module values
/// of different symbols are random, and mispredicted branches cost more than the arithmetic.
pub(super) fn penalty(m: &[u8], w: usize, transposed: &mut Vec<u8>) -> u32 {
    if w < 7 || m.len() != w * w {
        return u32::MAX;
    }
    transposed.clear();
    transposed.resize(w * w, 0);
    for y in 0..w {
        for x in 0..w {
            transposed[x * w + y] = m[y * w + x];
        }
    }
    let mut score = 0u32;
    let mut finder = 0u32;
    for grid in [m, &transposed[..]] {
        for line in grid.chunks_exact(w) {
            let (runs, finders) = line_penalty(line);
            score += runs;
            finder += finders;
        }
    }
    for y in 0..w - 1 {
        let (row, below) = (&m[y * w..][..w], &m[(y + 1) * w..][..w]);
        for x in 0..w - 1 {
            let c = row[x];
            let same = (row[x + 1] == c) & (below[x] == c) & (below[x + 1] == c);
            score += 3 * u32::from(same);
        }
    }
    let dark: usize = m.iter().map(|&d| usize::from(d)).sum();
    let ratio = dark * 200 / m.len();
    score + finder.saturating_sub(720) + ratio.abs_diff(100) as u32
}

/// N1 and N3 of one row or column.
///
/// N1: a run of L >= 5 costs L - 2 = (L - 4) + 2: one point per position where 5 modules in a row
/// are equal, plus 2 where such a position starts a run. N3 slides a 15-module window (4 before,
/// the 7 of the pattern, 4 after; outside the line counts as light) over the line.
fn line_penalty(line: &[u8]) -> (u32, u32) {
    const PATTERN: u32 = 0b1011101;
    let w = line.len();
    let mut runs = 0;
    let mut previous = 0u32;
    for k in 0..w - 4 {
        let c = line[k];
        let five =
            (line[k + 1] == c) & (line[k + 2] == c) & (line[k + 3] == c) & (line[k + 4] == c);
        let five = u32::from(five);
        runs += five + 2 * (five & (previous ^ 1));
        previous = five;
    }
    // bit b of `window` is module k - b; the 4 modules before the line are light
    let mut window = 0u32;
    let mut finders = 0;
    let padded = line.iter().map(|&d| u32::from(d)).chain([0; 4]);
    for (k, dark) in padded.enumerate() {
        window = ((window << 1) | dark) & 0x7fff;
        // the window ends at module k = j + 10 for a pattern starting at j = k - 10
        if k >= 10 {
            let before = window >> 11;
            let pattern = (window >> 4) & 0x7f;
            let after = window & 0xf;
            let hit = (pattern == PATTERN) & ((before == 0) | (after == 0));
            finders += 40 * u32::from(hit);
        }
    }
    (runs, finders)
}
