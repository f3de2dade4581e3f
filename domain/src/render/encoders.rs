//! The encoders behind [`super::encode`]: `qrcode` for QR (in [`super::qr`]), our own for Aztec
//! ([`super::aztec`]) and PDF417 ([`super::pdf417`]), rxing for the other 10, each called below its
//! image writer so the matrix has no quiet zone and one cell per module.
//!
//! What the rxing writers would add, and how we avoid it:
//! - 1D writers pad with a margin (9 or 10 modules) and scale to the requested width: we call
//!   `OneDimensionalCodeWriter::encode_oned`, which returns the bare bar pattern (first and last
//!   module dark).
//! - Aztec: our own encoder in [`super::aztec`] (a port of ZXing's, the same symbols as rxing's):
//!   rxing's writes the ECI digits through `CharacterSet`, which linked `encoding_rs` into the
//!   library.
//! - PDF417: our own encoder in [`super::pdf417`] (rxing computes only its error correction):
//!   rxing's writer would link every character set of `encoding_rs` into the library.
//! - Data Matrix: we write the ASCII-encodation codewords ourselves and use rxing only for the
//!   Reed-Solomon codewords and the module placement (see [`data_matrix`] for why).
//!
//! `CharacterSet` audit (rxing 0.9.3, issue #14): none of the rxing code the library calls
//! converts text through `CharacterSet` (`encode`, `encode_replace`, `decode`), so `encoding_rs`
//! (rxing needs one of its character-set features to compile) is dead code the linker drops.
//! Searched for `CharacterSet`, `.encode(` and `.decode(` in rxing's `oned/` writers of our 9
//! symbologies (`code_39`, `code_93`, `code_128`, `coda_bar`, `ean_8`, `ean_13`, `itf`, `upc_e`;
//! the only hits are `Writer::encode` calls in their `#[cfg(test)]` modules),
//! `one_d_code_writer.rs`, `upcean_common.rs`,
//! `datamatrix/encoder/{error_correction,default_placement,symbol_info}.rs`,
//! `pdf417/encoder/pdf_417_error_correction.rs`, `pdf417/pdf_417_common.rs`, `common/reedsolomon/`
//! and `common/bit_{matrix,array}.rs`: no other hit. rxing's Aztec encoder (`state.rs`
//! `appendFLGn`, `aztec_encoder.rs`), PDF417 high-level encoder and Data Matrix high-level encoders
//! do convert through it: the library calls none of them (the tests use the first two as oracles).
//! `bindings/size.sh` shows the result: no `encoding_rs` line.

use super::validate::too_long;
use super::{BarcodeMatrix, EcLevel, Symbology};
use crate::check::InputError;
use rxing::datamatrix::encoder::SymbolShapeHint;
use rxing::oned::{
    CodaBarWriter, Code128Writer, Code39Writer, Code93Writer, EAN13Writer, EAN8Writer, ITFWriter,
    OneDimensionalCodeWriter, UPCEWriter,
};

/// Encodes `text` (already checked by `validate`). Every encoder keeps within its symbology's
/// limits and reports what does not fit as an [`InputError`]; as a last line of defence a panic in
/// a third-party encoder is caught here and reported as an error too, so none reaches the caller
/// (or crosses the FFI boundary).
pub(super) fn encode(
    text: &str,
    symbology: Symbology,
    ec: EcLevel,
) -> Result<BarcodeMatrix, InputError> {
    let run = || match symbology {
        Symbology::QrCode => super::qr::encode(text, ec),
        Symbology::Aztec => aztec(text, ec),
        Symbology::DataMatrix => data_matrix(text),
        Symbology::Pdf417 => super::pdf417::encode(text, ec),
        _ => linear(text, symbology),
    };
    // The closures only read `text`; nothing they touch outlives a panic in a broken state.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|_| {
        Err(InputError::new(format!(
            "{symbology} encoder failed on this payload"
        )))
    })
}

// ---------------------------------------------------------------------------------------------
// 2D

/// Aztec through our encoder ([`super::aztec`]) with the minimum error correction of `ec`: 23,
/// 33, 50 or 66 % of the data bits (plus 11 bits).
fn aztec(text: &str, ec: EcLevel) -> Result<BarcodeMatrix, InputError> {
    let percent = match ec {
        EcLevel::Low => 23,
        EcLevel::Medium => 33,
        EcLevel::Quartile => 50,
        EcLevel::High => 66,
    };
    super::aztec::encode(text, percent)
}

/// Data codewords of the largest Data Matrix symbol (144 x 144).
const DATA_MATRIX_MAX_CODEWORDS: usize = 1558;

/// ASCII encodation (ISO/IEC 16022 5.2.3), the only one we emit: two digits in one codeword
/// (130 + value), other ASCII as value + 1, bytes 128..=255 as Upper Shift (235) + value - 127.
const DM_UPPER_SHIFT: u8 = 235;
/// ECI designator (241) followed by ECI 26 (UTF-8) written as 26 + 1.
const DM_ECI_UTF8: [u8; 2] = [241, 27];
/// The first pad codeword; the following ones are randomised (253-state algorithm).
const DM_PAD: u8 = 129;

/// Data Matrix data codewords of `text` in ASCII encodation (digit pairs 1, other ASCII 1, other
/// bytes 2), with the UTF-8 ECI in front when the text is not ASCII.
pub(super) fn data_matrix_codewords(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() + 2);
    if !text.is_ascii() {
        out.extend_from_slice(&DM_ECI_UTF8);
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match bytes.get(i + 1) {
            Some(&next) if b.is_ascii_digit() && next.is_ascii_digit() => {
                out.push(130 + (b - b'0') * 10 + (next - b'0'));
                i += 2;
                continue;
            }
            _ if b < 128 => out.push(b + 1),
            _ => out.extend_from_slice(&[DM_UPPER_SHIFT, b - 127]),
        }
        i += 1;
    }
    out
}

/// Square symbols only (a rectangular Data Matrix is valid but looks odd on a card), ASCII
/// encodation, ECI UTF-8 for non-ASCII text; rxing does the Reed-Solomon codewords and the module
/// placement.
///
/// Why ASCII only: rxing's C40 / Text / X12 / EDIFACT paths (both its minimal and its look-ahead
/// encoder) end some symbols with wrong shift or unlatch sequences, so decoders read the payload
/// plus stray characters (`DM-BARCODE-VALUE`, `MTAZYMYC/R 17`: 5 of 100 random payloads in
/// tests/decode), and they panic instead of failing on texts that do not fit. ASCII is the
/// default encodation every reader starts in; it is optimal for digits (card numbers, rotating
/// codes) and costs at most one symbol size step for other short texts.
///
/// Capacity: 1558 codewords (144 x 144): 3116 digits, 1558 other ASCII characters, 778 bytes of
/// non-ASCII UTF-8.
fn data_matrix(text: &str) -> Result<BarcodeMatrix, InputError> {
    use rxing::datamatrix::encoder::{error_correction, DefaultPlacement, SymbolInfoLookup};
    let mut data = data_matrix_codewords(text);
    if data.len() > DATA_MATRIX_MAX_CODEWORDS {
        return Err(InputError::new(format!(
            "{} payload is too long: at most {DATA_MATRIX_MAX_CODEWORDS} codewords (about \
             {DATA_MATRIX_MAX_CODEWORDS} characters, twice as many digits) fit",
            Symbology::DataMatrix,
        )));
    }
    let fail = |_| too_long(Symbology::DataMatrix);
    let info = SymbolInfoLookup::new()
        .lookup_with_shape(data.len() as u32, SymbolShapeHint::FORCE_SQUARE)
        .map_err(fail)?
        .ok_or(too_long(Symbology::DataMatrix))?;
    let capacity = info.getDataCapacity() as usize;
    if data.len() < capacity {
        data.push(DM_PAD);
    }
    while data.len() < capacity {
        // 253-state randomising of the pad codewords (ISO/IEC 16022 5.2.3), by 1-based position
        let position = data.len() as u32 + 1;
        let pad = u32::from(DM_PAD) + (149 * position) % 253 + 1;
        data.push(if pad <= 254 { pad } else { pad - 254 } as u8);
    }
    let data: String = data.into_iter().map(char::from).collect();
    let codewords = error_correction::encodeECC200(&data, info).map_err(fail)?;
    let (data_width, data_height) = (
        info.getSymbolDataWidth().map_err(fail)?,
        info.getSymbolDataHeight().map_err(fail)?,
    );
    let (width, height) = (
        info.getSymbolWidth().map_err(fail)?,
        info.getSymbolHeight().map_err(fail)?,
    );
    let mut placement = DefaultPlacement::new(codewords, data_width as usize, data_height as usize);
    placement.place().map_err(fail)?;
    // Data regions: each has a finder (solid left and bottom edges) and a clock track (alternating
    // top and right edges); the symbol is (regions x region size + 2 x regions) each way.
    let regions_x = (width - data_width) / 2;
    let regions_y = (height - data_height) / 2;
    let (region_w, region_h) = (data_width / regions_x, data_height / regions_y);
    let mut modules = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        let (ry, iy) = (y / (region_h + 2), y % (region_h + 2));
        for x in 0..width {
            let (rx, ix) = (x / (region_w + 2), x % (region_w + 2));
            let dark = if iy == region_h + 1 || ix == 0 {
                true // bottom and left finder edges
            } else if iy == 0 {
                ix % 2 == 0 // top clock track
            } else if ix == region_w + 1 {
                iy % 2 == 1 // right clock track
            } else {
                placement.getBit(
                    (rx * region_w + ix - 1) as usize,
                    (ry * region_h + iy - 1) as usize,
                )
            };
            modules.push(dark);
        }
    }
    Ok(BarcodeMatrix {
        symbology: Symbology::DataMatrix,
        width,
        height,
        modules,
    })
}

// ---------------------------------------------------------------------------------------------
// 1D

fn linear(text: &str, symbology: Symbology) -> Result<BarcodeMatrix, InputError> {
    let bars = match symbology {
        Symbology::Code39 => Code39Writer.encode_oned(text),
        Symbology::Code93 => Code93Writer.encode_oned(text),
        Symbology::Code128 => Code128Writer.encode_oned(text),
        Symbology::Codabar => CodaBarWriter.encode_oned(text),
        Symbology::Ean8 => EAN8Writer.encode_oned(text),
        Symbology::Ean13 => EAN13Writer.encode_oned(text),
        // UPC-A is EAN-13 with a leading 0 (same bars).
        Symbology::UpcA => EAN13Writer.encode_oned(&format!("0{text}")),
        Symbology::Itf => ITFWriter.encode_oned(text),
        Symbology::UpcE => UPCEWriter.encode_oned(text),
        Symbology::Aztec | Symbology::DataMatrix | Symbology::Pdf417 | Symbology::QrCode => {
            return Err(InputError::new(format!(
                "{symbology} is not a linear symbology"
            )));
        }
    }
    .map_err(|_| InputError::new(format!("{symbology} payload cannot be encoded")))?;
    Ok(BarcodeMatrix {
        symbology,
        width: bars.len() as u32,
        height: 1,
        modules: bars,
    })
}
