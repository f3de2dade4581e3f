//! Payload rules per symbology, checked before anything is encoded.
//!
//! | symbology | accepted payload | carried as |
//! |---|---|---|
//! | EAN-13 | 12 digits, or 13 with a correct check digit | 13 digits |
//! | EAN-8 | 7 digits, or 8 with a correct check digit | 8 digits |
//! | UPC-A | 11 digits, or 12 with a correct check digit | 12 digits |
//! | UPC-E | 6 digits (number system 0 assumed), 7 (number system 0 or 1 first), or 8 with the check digit of the expanded UPC-A | 8 digits |
//! | ITF | an even number of digits, 6 to 80 | as given |
//! | CODE_39 | 1 to 80 of `0-9 A-Z space - . $ / + %` | as given |
//! | CODE_93 | ASCII (0x00–0x7F), at most 80 symbol characters after full-ASCII expansion | as given |
//! | CODE_128 | ASCII (0x00–0x7F), 1 to 80 characters | as given |
//! | CODABAR | 2 to 60 of `0-9 - $ : / . +`, optionally between start/stop characters `A`–`D` | with start/stop (`A` added at both ends when missing) |
//! | AZTEC, PDF_417, QR_CODE | any text that fits the largest symbol at the error-correction level | UTF-8 |
//! | DATA_MATRIX | any text whose ASCII encodation takes at most 1558 codewords (see `encoders.rs`) | UTF-8 |
//!
//! Digits are ASCII `0`–`9` only. Reasons never contain the payload.
//!
//! Code 39 is limited to its 43 native characters: for others rxing switches to Full ASCII Code 39,
//! which a scanner reads back only when set to Full ASCII (ZXing on Android, Catima's scanner, is
//! not by default). A native payload in which `$`, `/`, `+` or `%` is followed by a letter still
//! reads differently on a scanner that *is* set to Full ASCII; Code 128 has no such ambiguity.
//!
//! Codabar: the start/stop characters are part of the symbol. A payload without them is drawn
//! between `A` and `A` (as ZXing and Catima do); a payload with them (`A123B`) is drawn as given.
//! Readers differ in whether they report the start/stop characters: zxing-cpp and zbar report them,
//! ZXing on Android (Catima's scanner) strips them by default. So the decoded text equals the
//! payload exactly when the payload carries its start/stop characters and the reader reports them,
//! or when it carries none and the reader strips them. [`encoded_text`] returns the full symbol text
//! (`A40156A` for `40156`). At least 2 data characters: zxing-cpp and zbar ignore shorter Codabar
//! symbols (a fragment of a longer one looks like a short one).

use super::Symbology;
use crate::check::InputError;
use crate::gs1::gs1_check_digit;

/// Longest 1D payload rxing's writers accept (symbol characters).
const MAX_LINEAR: usize = 80;
/// Codabar data characters we accept (60 keeps the symbol under ~700 modules).
const MAX_CODABAR: usize = 60;
const MIN_CODABAR: usize = 2;
/// Shortest ITF payload: shorter ITF symbols are refused by common scanners (ZXing's default
/// allowed lengths start at 6) because a partial scan of a longer one looks like a valid short one.
const MIN_ITF: usize = 6;

/// Upper bounds in bytes, the largest symbol's capacity in its densest mode (numeric); anything
/// longer cannot fit whatever it contains, and is refused before the encoder spends time on it.
pub(super) fn max_bytes(symbology: Symbology) -> usize {
    match symbology {
        Symbology::QrCode => 7089,
        Symbology::Aztec => 3832,
        Symbology::DataMatrix => 3116,
        Symbology::Pdf417 => 2710,
        // 1D codes: their own rules below are stricter.
        _ => usize::MAX,
    }
}

fn err(symbology: Symbology, rule: &str) -> InputError {
    InputError::new(format!("{symbology} payload {rule}"))
}

/// What every encoder reports when a valid payload does not fit its largest symbol.
pub(super) fn too_long(symbology: Symbology) -> InputError {
    InputError::new(format!(
        "{symbology} payload does not fit in the largest symbol at this error-correction level"
    ))
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// A GTIN-like code (EAN-13, EAN-8, UPC-A): `len - 1` digits get their check digit; `len` digits
/// must carry the right one.
fn gtin(payload: &str, symbology: Symbology, len: usize) -> Result<String, InputError> {
    if !all_digits(payload) {
        return Err(err(symbology, "must contain digits only"));
    }
    if payload.len() == len - 1 {
        let mut s = payload.to_owned();
        s.push(gs1_check_digit(payload));
        Ok(s)
    } else if payload.len() == len {
        let (body, check) = payload.split_at(len - 1);
        if check.starts_with(gs1_check_digit(body)) {
            Ok(payload.to_owned())
        } else {
            Err(err(symbology, "has a wrong check digit"))
        }
    } else {
        Err(err(
            symbology,
            &format!(
                "must be {} digits (check digit added) or {len} digits (with check digit)",
                len - 1
            ),
        ))
    }
}

/// Expands a UPC-E (number system + 6 digits, no check digit) to the 11 digits of its UPC-A
/// without check digit (GS1 General Specifications, zero suppression).
pub(super) fn upce_to_upca(ns_and_six: &str) -> String {
    let d: Vec<char> = ns_and_six.chars().collect();
    let (ns, x) = (d[0], &d[1..7]);
    let body: String = match x[5] {
        '0' | '1' | '2' => [x[0], x[1], x[5], '0', '0', '0', '0', x[2], x[3], x[4]]
            .iter()
            .collect(),
        '3' => [x[0], x[1], x[2], '0', '0', '0', '0', '0', x[3], x[4]]
            .iter()
            .collect(),
        '4' => [x[0], x[1], x[2], x[3], '0', '0', '0', '0', '0', x[4]]
            .iter()
            .collect(),
        _ => [x[0], x[1], x[2], x[3], x[4], '0', '0', '0', '0', x[5]]
            .iter()
            .collect(),
    };
    format!("{ns}{body}")
}

fn upce(payload: &str) -> Result<String, InputError> {
    let s = Symbology::UpcE;
    if !all_digits(payload) {
        return Err(err(s, "must contain digits only"));
    }
    let body = match payload.len() {
        6 => format!("0{payload}"),
        7 | 8 => payload[..7].to_owned(),
        _ => {
            return Err(err(
                s,
                "must be 6 digits (number system 0), 7 digits (number system and 6 digits) or 8 digits (with check digit)",
            ))
        }
    };
    if !body.starts_with(['0', '1']) {
        return Err(err(s, "must start with number system 0 or 1"));
    }
    let check = gs1_check_digit(&upce_to_upca(&body));
    if payload.len() == 8 && !payload.ends_with(check) {
        return Err(err(
            s,
            "has a wrong check digit (computed over the expanded UPC-A)",
        ));
    }
    Ok(format!("{body}{check}"))
}

const CODE39_CHARS: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%";
const CODABAR_DATA: &str = "0123456789-$:/.+";
const CODABAR_GUARDS: &str = "ABCD";

/// Number of Code 93 symbol characters (before check characters) a character takes in full ASCII.
fn code93_width(c: char) -> usize {
    if c.is_ascii_digit() || c.is_ascii_uppercase() || " -.$/+%".contains(c) {
        1
    } else {
        2
    }
}

fn codabar(payload: &str) -> Result<String, InputError> {
    let s = Symbology::Codabar;
    let bytes = payload.as_bytes();
    let first_guard = CODABAR_GUARDS.as_bytes().contains(&bytes[0]);
    let last_guard = CODABAR_GUARDS.as_bytes().contains(&bytes[bytes.len() - 1]);
    let data = if first_guard && last_guard && bytes.len() >= 2 {
        &payload[1..payload.len() - 1]
    } else if first_guard || last_guard {
        return Err(err(
            s,
            "must have start/stop characters (A-D) at both ends or at neither",
        ));
    } else {
        payload
    };
    let n = data.chars().count();
    if !(MIN_CODABAR..=MAX_CODABAR).contains(&n) {
        return Err(err(
            s,
            &format!("must have {MIN_CODABAR} to {MAX_CODABAR} data characters"),
        ));
    }
    if !data.chars().all(|c| CODABAR_DATA.contains(c)) {
        return Err(err(
            s,
            "may contain only digits and - $ : / . + between optional start/stop characters A-D",
        ));
    }
    if first_guard {
        Ok(payload.to_owned())
    } else {
        Ok(format!("A{payload}A"))
    }
}

/// Checks `payload` for `symbology` and returns the text to hand to the encoder (check digits
/// added, Codabar start/stop characters added).
pub(super) fn prepare(payload: &str, symbology: Symbology) -> Result<String, InputError> {
    if payload.is_empty() {
        return Err(err(symbology, "is empty"));
    }
    if payload.len() > max_bytes(symbology) {
        return Err(err(
            symbology,
            &format!(
                "is too long: at most {} bytes fit in the largest symbol",
                max_bytes(symbology)
            ),
        ));
    }
    match symbology {
        Symbology::Ean13 => gtin(payload, symbology, 13),
        Symbology::Ean8 => gtin(payload, symbology, 8),
        Symbology::UpcA => gtin(payload, symbology, 12),
        Symbology::UpcE => upce(payload),
        Symbology::Itf => {
            if !all_digits(payload) {
                Err(err(symbology, "must contain digits only"))
            } else if !payload.len().is_multiple_of(2) {
                Err(err(symbology, "must have an even number of digits"))
            } else if payload.len() < MIN_ITF || payload.len() > MAX_LINEAR {
                Err(err(
                    symbology,
                    &format!("must have {MIN_ITF} to {MAX_LINEAR} digits"),
                ))
            } else {
                Ok(payload.to_owned())
            }
        }
        Symbology::Code39 => {
            if !payload.chars().all(|c| CODE39_CHARS.contains(c)) {
                Err(err(
                    symbology,
                    "may contain only digits, upper-case letters A-Z, space and - . $ / + %",
                ))
            } else if payload.len() > MAX_LINEAR {
                Err(err(
                    symbology,
                    &format!("must be at most {MAX_LINEAR} characters"),
                ))
            } else {
                Ok(payload.to_owned())
            }
        }
        Symbology::Code93 => {
            if !payload.is_ascii() {
                Err(err(symbology, "may contain only ASCII characters"))
            } else if payload.chars().map(code93_width).sum::<usize>() > MAX_LINEAR {
                Err(err(
                    symbology,
                    &format!(
                        "is too long: at most {MAX_LINEAR} symbol characters (lower case and punctuation take two)"
                    ),
                ))
            } else {
                Ok(payload.to_owned())
            }
        }
        Symbology::Code128 => {
            if !payload.is_ascii() {
                Err(err(symbology, "may contain only ASCII characters"))
            } else if payload.len() > MAX_LINEAR {
                Err(err(
                    symbology,
                    &format!("must be at most {MAX_LINEAR} characters"),
                ))
            } else {
                Ok(payload.to_owned())
            }
        }
        Symbology::Codabar => codabar(payload),
        Symbology::Aztec | Symbology::DataMatrix | Symbology::Pdf417 | Symbology::QrCode => {
            Ok(payload.to_owned())
        }
    }
}

/// The text a decoder reads back from the symbol [`super::encode`] makes of `payload`: the payload
/// with its check digit for EAN-13, EAN-8 and UPC-A, the 8 digits (number system, 6 digits, check
/// digit) for UPC-E, the symbol text with its start/stop characters for Codabar (see the module
/// notes), the payload itself for every other symbology.
///
/// Readers may present EAN/UPC differently: zxing-cpp 3 reports UPC-A and UPC-E as the 13-digit
/// GTIN (`0` + UPC-A; UPC-E expanded), zbar reports UPC-A as EAN-13 unless UPC-A is enabled.
pub fn encoded_text(payload: &str, symbology: Symbology) -> Result<String, InputError> {
    prepare(payload, symbology)
}
