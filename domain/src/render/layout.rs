//! Geometry shared by the PNG, SVG and text renderers: quiet zones and the module grid to draw.

use super::{BarcodeMatrix, RenderOptions, Symbology};

/// Quiet zone around a symbol, in modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Margins {
    pub left: u32,
    pub right: u32,
    pub top: u32,
    pub bottom: u32,
}

/// The quiet zone [`super::RenderOptions::quiet_zone`] gives `symbology`.
///
/// Standard minima (`None`): QR 4 (ISO/IEC 18004), Data Matrix 1 (ISO/IEC 16022), PDF417 2
/// (ISO/IEC 15438), Aztec 0 (ISO/IEC 24778: Aztec needs none, its finder is in the centre),
/// EAN-13 11 left / 7 right, EAN-8 7 / 7, UPC-A 9 / 9, UPC-E 9 / 7 (GS1 General Specifications),
/// Code 39 (ISO/IEC 16388), Code 93, Code 128 (ISO/IEC 15417), Codabar and ITF (ISO/IEC 16390) 10.
/// 1D codes never get a margin above or below their bars.
pub fn quiet_zone_for(symbology: Symbology, quiet_zone: Option<u32>) -> Margins {
    let linear = !symbology.is_two_dimensional();
    let (left, right) = match quiet_zone {
        Some(q) => (q, q),
        None => match symbology {
            Symbology::QrCode => (4, 4),
            Symbology::DataMatrix => (1, 1),
            Symbology::Pdf417 => (2, 2),
            Symbology::Aztec => (0, 0),
            Symbology::Ean13 => (11, 7),
            Symbology::Ean8 => (7, 7),
            Symbology::UpcA => (9, 9),
            Symbology::UpcE => (9, 7),
            Symbology::Code39
            | Symbology::Code93
            | Symbology::Code128
            | Symbology::Codabar
            | Symbology::Itf => (10, 10),
        },
    };
    let vertical = if linear { 0 } else { left };
    Margins {
        left,
        right,
        top: vertical,
        bottom: vertical,
    }
}

/// Whether `modules` holds exactly `width * height` cells (a matrix built by hand may not).
pub(super) fn consistent(m: &BarcodeMatrix) -> bool {
    m.modules.len() as u64 == u64::from(m.width) * u64::from(m.height)
}

/// The grid of modules a renderer draws: the matrix inside its quiet zone, 1D bars stretched to
/// `bar_height` rows. Sizes are `u64` so no option overflows them. An inconsistent matrix (see
/// [`consistent`]) is drawn as an empty one: only its quiet zone.
pub(super) struct Layout<'a> {
    pub m: &'a BarcodeMatrix,
    /// Columns and rows of the matrix drawn (0 x 0 for an inconsistent matrix).
    pub cols: u32,
    pub rows: u32,
    pub margins: Margins,
    /// Module rows of the symbol itself (`bar_height` for 1D, the matrix height for 2D).
    pub symbol_rows: u64,
    /// Modules across and down, quiet zone included.
    pub width: u64,
    pub height: u64,
    pub linear: bool,
}

impl<'a> Layout<'a> {
    pub fn new(m: &'a BarcodeMatrix, opts: &RenderOptions) -> Self {
        Self::with_limits(m, opts, u32::MAX, u32::MAX)
    }

    /// Like [`Layout::new`], with the quiet zone and the 1D bar height clamped.
    pub fn with_limits(
        m: &'a BarcodeMatrix,
        opts: &RenderOptions,
        max_quiet_zone: u32,
        max_bar_height: u32,
    ) -> Self {
        let (cols, rows) = if consistent(m) {
            (m.width, m.height)
        } else {
            (0, 0)
        };
        let linear = rows == 1 && !m.symbology.is_two_dimensional();
        let mut margins = quiet_zone_for(m.symbology, opts.quiet_zone);
        margins.left = margins.left.min(max_quiet_zone);
        margins.right = margins.right.min(max_quiet_zone);
        margins.top = margins.top.min(max_quiet_zone);
        margins.bottom = margins.bottom.min(max_quiet_zone);
        let symbol_rows = if linear {
            u64::from(opts.bar_height.clamp(1, max_bar_height))
        } else {
            u64::from(rows)
        };
        Layout {
            m,
            cols,
            rows,
            margins,
            symbol_rows,
            width: u64::from(margins.left) + u64::from(cols) + u64::from(margins.right),
            height: u64::from(margins.top) + symbol_rows + u64::from(margins.bottom),
            linear,
        }
    }

    /// The matrix row drawn at grid row `y`, if `y` is inside the symbol.
    pub fn matrix_row(&self, y: u64) -> Option<u32> {
        let y = y.checked_sub(u64::from(self.margins.top))?;
        if y >= self.symbol_rows {
            None
        } else if self.linear {
            Some(0)
        } else {
            Some(y as u32)
        }
    }

    /// Whether the module at grid position (`x`, `y`) is dark.
    pub fn dark(&self, x: u64, y: u64) -> bool {
        let Some(row) = self.matrix_row(y) else {
            return false;
        };
        match x.checked_sub(u64::from(self.margins.left)) {
            Some(col) if col < u64::from(self.cols) => self.m.get(col as u32, row),
            _ => false,
        }
    }

    /// Runs of dark modules in matrix row `row`: (first column, length), in matrix columns, into
    /// `runs` (cleared first).
    pub fn runs(&self, row: u32, runs: &mut Vec<(u32, u32)>) {
        runs.clear();
        if row >= self.rows {
            return;
        }
        let w = self.cols as usize;
        let cells = &self.m.modules[row as usize * w..][..w];
        let mut start = None;
        for (x, &dark) in cells.iter().chain(std::iter::once(&false)).enumerate() {
            match (dark, start) {
                (true, None) => start = Some(x as u32),
                (false, Some(s)) => {
                    runs.push((s, x as u32 - s));
                    start = None;
                }
                _ => {}
            }
        }
    }
}
