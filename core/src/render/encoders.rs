//! The encoders behind [`super::encode`]: `qrcode` for QR (in [`super::qr`]), rxing for the other
//! 12, each called below its image writer so the matrix has no quiet zone and one cell per module.
//!
//! What the rxing writers would add, and how we avoid it:
//! - 1D writers pad with a margin (9 or 10 modules) and scale to the requested width: we call
//!   `OneDimensionalCodeWriter::encode_oned`, which returns the bare bar pattern (first and last
//!   module dark).
//! - `AztecWriter` scales and adds a margin: we call `aztec_encoder` and take the code's matrix.
//! - `PDF417Writer` adds 30 modules of white space, draws each row 4 pixels high, scales, and may
//!   rotate: we run `PDF417::generateBarcodeLogic` and read its barcode matrix, one entry per
//!   module, and repeat each row [`PDF417_ROW_HEIGHT`] times ourselves.
//! - `DataMatrixWriter` has no default margin and no scaling when asked for a 0×0 image: we call
//!   it that way (it is the only public entry to its symbol placement).

use super::{BarcodeMatrix, EcLevel, Symbology, PDF417_ROW_HEIGHT};
use crate::error::InputError;
use rxing::common::{BitMatrix, CharacterSet};
use rxing::datamatrix::encoder::SymbolShapeHint;
use rxing::oned::{
    CodaBarWriter, Code128Writer, Code39Writer, Code93Writer, EAN13Writer, EAN8Writer, ITFWriter,
    OneDimensionalCodeWriter, UPCEWriter,
};
use rxing::pdf417::encoder::{Compaction, PDF417};
use rxing::{BarcodeFormat, EncodeHints, Writer};

pub(super) fn encode(
    text: &str,
    symbology: Symbology,
    ec: EcLevel,
) -> Result<BarcodeMatrix, InputError> {
    match symbology {
        Symbology::QrCode => super::qr::encode(text, ec),
        Symbology::Aztec => aztec(text, ec),
        Symbology::DataMatrix => data_matrix(text),
        Symbology::Pdf417 => pdf417(text, ec),
        _ => linear(text, symbology),
    }
}

pub(super) fn too_long(symbology: Symbology) -> InputError {
    InputError::new(format!(
        "{symbology} payload does not fit in the largest symbol at this error-correction level"
    ))
}

// ---------------------------------------------------------------------------------------------
// rxing 2D

fn from_bit_matrix(symbology: Symbology, m: &BitMatrix) -> BarcodeMatrix {
    let (width, height) = (m.getWidth(), m.getHeight());
    let mut modules = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        for x in 0..width {
            modules.push(m.get(x, y));
        }
    }
    BarcodeMatrix {
        symbology,
        width,
        height,
        modules,
    }
}

fn aztec(text: &str, ec: EcLevel) -> Result<BarcodeMatrix, InputError> {
    use rxing::aztec::encoder::aztec_encoder;
    let percent = match ec {
        EcLevel::Low => 23,
        EcLevel::Medium => 33,
        EcLevel::Quartile => 50,
        EcLevel::High => 66,
    };
    let code = if text.is_ascii() {
        aztec_encoder::encode_bytes(text.as_bytes(), percent, 0)
    } else {
        aztec_encoder::encode_bytes_with_charset(text.as_bytes(), percent, 0, CharacterSet::UTF8)
    }
    .map_err(|_| too_long(Symbology::Aztec))?;
    Ok(from_bit_matrix(Symbology::Aztec, code.getMatrix()))
}

/// Codewords of the largest Data Matrix symbol (144 x 144).
const DATA_MATRIX_MAX_CODEWORDS: usize = 1558;

/// Data Matrix codewords of `text` in ASCII encodation (digit pairs 1, other ASCII 1, other bytes
/// 2), plus 2 for the UTF-8 ECI when the text is not ASCII.
pub(super) fn data_matrix_ascii_codewords(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut n, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 2;
            n += 1;
        } else {
            n += if bytes[i] < 128 { 1 } else { 2 };
            i += 1;
        }
    }
    n + if text.is_ascii() { 0 } else { 2 }
}

/// Headroom over the ASCII encodation for the other modes' partial paths (a latch, one C40 / Text
/// triple or EDIFACT quadruple, an unlatch).
const DATA_MATRIX_PATH_SLACK: usize = 30;

/// Square symbols only (a rectangular Data Matrix is valid but looks odd on a card), minimal
/// encodation (smallest symbol), ECI UTF-8 for non-ASCII text.
///
/// Capacity: rxing's Data Matrix encoders panic instead of failing when the text does not fit the
/// largest symbol (the minimal encoder subtracts past zero when a partial path it explores is too
/// long; ZXing's look-ahead encoder unwraps a failed symbol lookup). Every partial path the minimal
/// encoder keeps costs at most the ASCII encodation of its prefix plus a few codewords, so we only
/// hand it texts whose ASCII encodation fits with [`DATA_MATRIX_PATH_SLACK`] codewords to spare,
/// and refuse longer ones. That is about 1528 ASCII characters, 3056 digits or 760 bytes of
/// non-ASCII UTF-8: a little below the 144 x 144 symbol's true capacity, far above any card.
fn data_matrix(text: &str) -> Result<BarcodeMatrix, InputError> {
    if data_matrix_ascii_codewords(text) + DATA_MATRIX_PATH_SLACK > DATA_MATRIX_MAX_CODEWORDS {
        return Err(InputError::new(format!(
            "{} payload is too long: at most {} codewords (about {} characters) fit",
            Symbology::DataMatrix,
            DATA_MATRIX_MAX_CODEWORDS - DATA_MATRIX_PATH_SLACK,
            DATA_MATRIX_MAX_CODEWORDS - DATA_MATRIX_PATH_SLACK,
        )));
    }
    let hints = EncodeHints {
        Margin: Some("0".to_owned()),
        DataMatrixShape: Some(SymbolShapeHint::FORCE_SQUARE),
        DataMatrixCompact: Some(true),
        CharacterSet: (!text.is_ascii()).then(|| "UTF-8".to_owned()),
        ..EncodeHints::default()
    };
    let m = rxing::datamatrix::DataMatrixWriter
        .encode_with_hints(text, &BarcodeFormat::DATA_MATRIX, 0, 0, &hints)
        .map_err(|_| too_long(Symbology::DataMatrix))?;
    Ok(from_bit_matrix(Symbology::DataMatrix, &m))
}

/// ISO/IEC 15438 limits: 3 to 90 rows, 1 to 30 data columns (rxing's defaults stop at 30 rows).
fn pdf417(text: &str, ec: EcLevel) -> Result<BarcodeMatrix, InputError> {
    let level = match ec {
        EcLevel::Low => 2,
        EcLevel::Medium => 3,
        EcLevel::Quartile => 4,
        EcLevel::High => 5,
    };
    let mut encoder = PDF417::new();
    encoder.setDimensions(30, 1, 90, 3);
    encoder.setCompaction(Compaction::AUTO);
    if !text.is_ascii() {
        encoder.setEncoding(Some(CharacterSet::UTF8));
    }
    encoder
        .generateBarcodeLogic(text, level)
        .map_err(|_| too_long(Symbology::Pdf417))?;
    let rows = encoder
        .getBarcodeMatrix()
        .as_ref()
        .map(|m| m.getMatrix())
        .filter(|rows| !rows.is_empty() && !rows[0].is_empty())
        .ok_or(too_long(Symbology::Pdf417))?;
    // getMatrix() lists the rows bottom-up (ZXing's writer flips them back).
    let width = rows[0].len() as u32;
    let mut modules = Vec::with_capacity(rows.len() * PDF417_ROW_HEIGHT as usize * width as usize);
    for row in rows.iter().rev() {
        for _ in 0..PDF417_ROW_HEIGHT {
            modules.extend(row.iter().map(|&b| b == 1));
        }
    }
    Ok(BarcodeMatrix {
        symbology: Symbology::Pdf417,
        width,
        height: rows.len() as u32 * PDF417_ROW_HEIGHT,
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
