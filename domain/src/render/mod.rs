//! Rendering card and voucher codes in the 13 symbologies Catima offers: module matrix, PNG, SVG,
//! text.
//!
//! Two steps, so native apps can draw the matrix themselves:
//! 1. [`encode`] checks the payload against the symbology's rules ([`validate`]) and produces a
//!    [`BarcodeMatrix`]: the symbol's modules, row-major, `true` = dark, **without** quiet zone.
//!    QR goes through the `qrcode` crate (with our own, output-identical and much faster, mask
//!    selection: see `qr.rs`); Aztec and PDF417 through our own encoders (`aztec.rs`, `pdf417.rs`:
//!    ports of ZXing's, symbol for symbol the same as rxing's); the other 10 through rxing's
//!    encoders, called below their image writers so no margin or pixel scaling is ever added (Data
//!    Matrix: our ASCII encodation, rxing's error correction and placement; see `encoders.rs`).
//! 2. [`to_png`], [`to_svg`], [`to_text`] draw a matrix with [`RenderOptions`]: quiet zone, pixels
//!    per module, dark mode, bar height of 1D codes.
//!
//! Byte-exactness: [`encoded_text`] is the text a decoder reads back from the symbol (for EAN/UPC
//! the payload with its check digit, for UPC-E the 8 digits, for Codabar the payload between its
//! start/stop characters); it equals the payload for every other symbology. tests/decode checks
//! this with zxing-cpp, zbar and libdmtx on every symbology, PNG and SVG, light and dark, and on
//! seeded random payloads of every character class and length. Non-ASCII text is carried as
//! UTF-8: QR in byte mode (no ECI, as phones expect), Aztec, Data Matrix and PDF417 with ECI 26
//! (UTF-8) in front of the bytes.
//!
//! Errors are [`InputError`]s whose reason names the symbology and the rule, never the payload
//! (it may be a card number).

mod aztec;
mod encoders;
mod layout;
mod pdf417;
mod png;
mod qr;
mod svg;
mod text;
pub mod validate;

use crate::check::InputError;

pub use layout::{quiet_zone_for, Margins};
pub use validate::encoded_text;

/// The 13 symbologies of Catima (the same names as ZXing's `BarcodeFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Symbology {
    Aztec,
    Code39,
    Code93,
    Code128,
    Codabar,
    DataMatrix,
    Ean8,
    Ean13,
    Itf,
    Pdf417,
    QrCode,
    UpcA,
    UpcE,
}

impl Symbology {
    /// Every symbology, in the order DESIGN.md lists Catima's 13.
    pub const ALL: [Symbology; 13] = [
        Symbology::Aztec,
        Symbology::Code39,
        Symbology::Code93,
        Symbology::Code128,
        Symbology::Codabar,
        Symbology::DataMatrix,
        Symbology::Ean8,
        Symbology::Ean13,
        Symbology::Itf,
        Symbology::Pdf417,
        Symbology::QrCode,
        Symbology::UpcA,
        Symbology::UpcE,
    ];

    /// Catima's name of the symbology (its CSV `barcodetype` column; ZXing's `BarcodeFormat`).
    pub fn catima_name(self) -> &'static str {
        match self {
            Symbology::Aztec => "AZTEC",
            Symbology::Code39 => "CODE_39",
            Symbology::Code93 => "CODE_93",
            Symbology::Code128 => "CODE_128",
            Symbology::Codabar => "CODABAR",
            Symbology::DataMatrix => "DATA_MATRIX",
            Symbology::Ean8 => "EAN_8",
            Symbology::Ean13 => "EAN_13",
            Symbology::Itf => "ITF",
            Symbology::Pdf417 => "PDF_417",
            Symbology::QrCode => "QR_CODE",
            Symbology::UpcA => "UPC_A",
            Symbology::UpcE => "UPC_E",
        }
    }

    /// The symbology with this Catima name (case-sensitive, as Catima writes them).
    pub fn from_catima_name(name: &str) -> Option<Self> {
        Symbology::ALL.into_iter().find(|s| s.catima_name() == name)
    }

    /// Matrix and stacked codes (Aztec, Data Matrix, PDF417, QR); the others are linear (1D).
    pub fn is_two_dimensional(self) -> bool {
        matches!(
            self,
            Symbology::Aztec | Symbology::DataMatrix | Symbology::Pdf417 | Symbology::QrCode
        )
    }
}

impl std::fmt::Display for Symbology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.catima_name())
    }
}

/// Error-correction level. QR uses it as is (L 7 %, M 15 %, Q 25 %, H 30 % of the symbol
/// recoverable). Aztec maps it to the share of error-correction codewords: Low 23 % (the minimum
/// ISO/IEC 24778 recommends), Medium 33 % (ZXing's default), Quartile 50 %, High 66 %. PDF417 maps it
/// to its security level: Low 2 (ZXing's default), Medium 3, Quartile 4, High 5. Data Matrix ECC 200
/// has a fixed error correction per symbol size and the 1D codes have none: they ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum EcLevel {
    Low,
    #[default]
    Medium,
    Quartile,
    High,
}

/// A symbol's modules, row-major, `true` = dark, with no quiet zone.
///
/// 1D codes have `height == 1` (one module row: the bar pattern). PDF417 is a stacked code whose
/// rows are [`PDF417_ROW_HEIGHT`] modules high: its matrix repeats each codeword row that many
/// times, so a renderer drawing square modules produces a conformant symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarcodeMatrix {
    pub symbology: Symbology,
    pub width: u32,
    pub height: u32,
    pub modules: Vec<bool>,
}

impl BarcodeMatrix {
    /// Whether the module at column `x`, row `y` is dark (`false` outside the matrix).
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let i = y as usize * self.width as usize + x as usize;
        self.modules.get(i).copied().unwrap_or(false)
    }
}

/// Height of one PDF417 row in modules in [`BarcodeMatrix`]: ISO/IEC 15438 asks for a row height of
/// at least 3 module widths; ZXing (and so Catima) draws 4, which we follow so imported cards look
/// the same.
pub const PDF417_ROW_HEIGHT: u32 = 4;

/// How to draw a [`BarcodeMatrix`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RenderOptions {
    /// Quiet zone in modules. `None`: the symbology's standard minimum ([`quiet_zone_for`]): QR 4,
    /// Data Matrix 1, PDF417 2, Aztec 0 (it needs none), EAN-13 11 left / 7 right, EAN-8 7 / 7,
    /// UPC-A 9 / 9, UPC-E 9 / 7, Code 39 / 93 / 128, Codabar and ITF 10. `Some(n)`: `n` on all four
    /// sides of a 2D code, on the left and right of a 1D code. 1D codes get no margin above or below
    /// their bars (none of their specifications asks for one).
    pub quiet_zone: Option<u32>,
    /// Pixels per module (PNG), user units per module (SVG `width`/`height`; the `viewBox` is in
    /// modules), or characters per module (text). At least 1: [`to_png`] refuses 0, [`to_svg`] and
    /// [`to_text`] draw 0 as 1.
    pub scale: u32,
    /// Inverted colours for dark themes: light modules on a dark background. Many scanners read
    /// these; some need an "inverted" setting.
    pub dark_mode: bool,
    /// Height of the bars of 1D codes, in modules (ignored for 2D codes). At least 1, like `scale`.
    pub bar_height: u32,
}

impl Default for RenderOptions {
    /// Standard quiet zone, 4 px per module, light background, 1D bars 60 modules high (GS1's
    /// nominal EAN-13 is about 69 modules high; 60 keeps long Code 128 symbols compact).
    fn default() -> Self {
        RenderOptions {
            quiet_zone: None,
            scale: 4,
            dark_mode: false,
            bar_height: 60,
        }
    }
}

/// Checks `payload` against the rules of `symbology` and encodes it. `ec` applies to QR, Aztec and
/// PDF417 (see [`EcLevel`]).
///
/// Errors: an empty payload, characters or a length the symbology cannot carry, a wrong check
/// digit, or a payload too long for the largest symbol at this error-correction level.
pub fn encode(
    payload: &str,
    symbology: Symbology,
    ec: EcLevel,
) -> Result<BarcodeMatrix, InputError> {
    let text = validate::prepare(payload, symbology)?;
    encoders::encode(&text, symbology, ec)
}

/// A 1-bit grayscale PNG of the matrix (bit 1 = white). Errors: `scale` or `bar_height`
/// of 0, or an image wider or higher than [`MAX_IMAGE_SIDE`] pixels.
pub fn to_png(m: &BarcodeMatrix, opts: &RenderOptions) -> Result<Vec<u8>, InputError> {
    png::to_png(m, opts)
}

/// A compact SVG of the matrix: one background `rect` and one `path` whose subpaths are the runs of
/// dark modules merged per row (per bar for 1D codes), `shape-rendering="crispEdges"`, `viewBox` in
/// modules, `width`/`height` = modules × `scale`.
pub fn to_svg(m: &BarcodeMatrix, opts: &RenderOptions) -> String {
    svg::to_svg(m, opts)
}

/// The matrix drawn with Unicode half blocks (two pixel rows per line), for terminals.
///
/// Like `qrencode -t UTF8`, it assumes light text on a dark terminal: it draws the *light* pixels
/// (quiet zone and light modules) as blocks and leaves the dark ones blank, so the code appears dark
/// on light. With `dark_mode` it draws the dark modules instead (light code on the dark terminal).
/// `scale` is clamped to 1..=[`MAX_TEXT_SCALE`] and 1D bars to [`MAX_TEXT_BAR_HEIGHT`] modules so
/// the text stays printable.
pub fn to_text(m: &BarcodeMatrix, opts: &RenderOptions) -> String {
    text::to_text(m, opts)
}

/// Largest PNG side in pixels that [`to_png`] produces.
pub const MAX_IMAGE_SIDE: u64 = 16_384;
/// Largest `scale` [`to_text`] uses.
pub const MAX_TEXT_SCALE: u32 = 8;
/// Largest 1D bar height (modules) [`to_text`] uses.
pub const MAX_TEXT_BAR_HEIGHT: u32 = 200;

#[cfg(test)]
mod tests;
