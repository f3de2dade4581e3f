//! GS1 identification keys: the GTIN rule and the GS1 check digit, shared by receipts, vouchers,
//! reminders and the barcode renderer.

use crate::check::InputError;

/// A GTIN-8, -12, -13 or -14: digits only, valid GS1 check digit.
pub fn validate_gtin(gtin: &str) -> Result<(), InputError> {
    if !matches!(gtin.len(), 8 | 12 | 13 | 14) || !gtin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InputError::new("GTIN must be 8, 12, 13 or 14 digits"));
    }
    let (body, check) = gtin.split_at(gtin.len() - 1);
    if !check.starts_with(gs1_check_digit(body)) {
        return Err(InputError::new("GTIN check digit is wrong"));
    }
    Ok(())
}

/// The GS1 check digit for `body`, the digits before it (weights 3, 1, 3, ... from the right;
/// GS1 General Specifications 7.9.1). Bytes that are not ASCII digits count as 0.
pub fn gs1_check_digit(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                0
            };
            if i % 2 == 0 {
                d * 3
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_check_digits() {
        for ok in [
            "4006381333931",
            "96385074",
            "036000291452",
            "10614141000415",
        ] {
            assert!(validate_gtin(ok).is_ok(), "{ok}");
            let (body, check) = ok.split_at(ok.len() - 1);
            assert_eq!(gs1_check_digit(body).to_string(), check, "{ok}");
        }
        for bad in [
            "4006381333932",
            "400638133393A",
            "123",
            "",
            "40063813339310000",
        ] {
            assert!(validate_gtin(bad).is_err(), "{bad}");
        }
    }
}
