//! The `valuePattern` grammar of Google Wallet rotating barcodes and its renderer, shared by our
//! rotating code ([`super::rotating`]) and the Google Wallet JSON ([`super::google_wallet`]):
//! placeholders `{totp_value_n}`, `{totp_timestamp_seconds}`, `{totp_timestamp_millis}`; any
//! other `{identifier}` is refused, braces that do not enclose an identifier are literal text.
//! Errors name the rule and never repeat keys, card numbers or the pattern.

use super::member::validate_card_number;
use super::totp::{totp, validate_secret, TotpAlgorithm, TotpParams, MAX_DIGITS, MIN_DIGITS};
use crate::check::InputError;
use chrono::{DateTime, Utc};
use std::fmt;

/// The version tag that starts every rotating payload.
pub const PAYLOAD_PREFIX: &str = "LC1";
/// Longest `valuePattern` we accept (a QR code holds at most 2953 bytes).
pub const MAX_VALUE_PATTERN_LEN: usize = 2048;
/// Most `parameters` entries we accept.
pub const MAX_TOTP_PARAMETERS: usize = 16;

const SUPPORTED_PLACEHOLDERS: &str =
    "{totp_value_n}, {totp_timestamp_seconds} and {totp_timestamp_millis}";

/// One entry of `totpDetails.parameters`: the secret for `{totp_value_n}` and its length.
/// `Debug` never prints the key.
#[derive(Clone, PartialEq, Eq)]
pub struct GoogleTotpParameter {
    /// The raw secret (Base16 in the JSON).
    pub key: Vec<u8>,
    /// Decimal digits of the TOTP value, 6..=10.
    pub value_length: u32,
}

impl fmt::Debug for GoogleTotpParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleTotpParameter")
            .field("key", &format_args!("<{} secret bytes>", self.key.len()))
            .field("value_length", &self.value_length)
            .finish()
    }
}

/// `totpDetails`: the step, the algorithm and one parameter per `{totp_value_n}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleTotpDetails {
    pub period_millis: u64,
    /// Only [`TotpAlgorithm::Sha1`] can be exported to Google; the others are for our own codes.
    pub algorithm: TotpAlgorithm,
    pub parameters: Vec<GoogleTotpParameter>,
}

impl GoogleTotpDetails {
    /// The TOTP parameters of `{totp_value_n}`.
    pub fn params(&self, n: usize) -> Result<TotpParams, InputError> {
        let p = self.parameters.get(n).ok_or_else(|| {
            InputError::new("valuePattern uses {totp_value_n} with n beyond totpDetails.parameters")
        })?;
        TotpParams::new(self.algorithm, p.value_length, self.period_millis)
    }

    pub fn validate(&self) -> Result<(), InputError> {
        if self.parameters.is_empty() {
            return Err(InputError::new(
                "totpDetails.parameters must have at least one entry",
            ));
        }
        if self.parameters.len() > MAX_TOTP_PARAMETERS {
            return Err(InputError::new(format!(
                "totpDetails.parameters has at most {MAX_TOTP_PARAMETERS} entries"
            )));
        }
        TotpParams::new(self.algorithm, MIN_DIGITS, self.period_millis)
            .map_err(|e| InputError::new(format!("totpDetails.periodMillis: {}", e.reason)))?;
        for (i, p) in self.parameters.iter().enumerate() {
            validate_secret(&p.key).map_err(|e| {
                InputError::new(format!("totpDetails.parameters[{i}].key: {}", e.reason))
            })?;
            if !(MIN_DIGITS..=MAX_DIGITS).contains(&p.value_length) {
                return Err(InputError::new(format!(
                    "totpDetails.parameters[{i}].valueLength must be between {MIN_DIGITS} and {MAX_DIGITS}"
                )));
            }
        }
        Ok(())
    }
}

/// A piece of a parsed `valuePattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Segment<'a> {
    Literal(&'a str),
    TotpValue(usize),
    TimestampSeconds,
    TimestampMillis,
}

/// Splits a pattern into literals and placeholders, checking every `{identifier}` is one we know
/// and every `{totp_value_n}` has `n < parameter_count`.
pub(crate) fn parse_pattern(
    pattern: &str,
    parameter_count: usize,
) -> Result<Vec<Segment<'_>>, InputError> {
    if pattern.is_empty() {
        return Err(InputError::new(
            "rotatingBarcode.valuePattern must not be empty",
        ));
    }
    if pattern.len() > MAX_VALUE_PATTERN_LEN {
        return Err(InputError::new(format!(
            "rotatingBarcode.valuePattern is at most {MAX_VALUE_PATTERN_LEN} bytes"
        )));
    }
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = pattern.as_bytes();
    let mut segments = Vec::new();
    let mut literal_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'{' {
            i += 1;
            continue;
        }
        let ident_len = bytes[i + 1..].iter().take_while(|b| is_ident(**b)).count();
        let close = i + 1 + ident_len;
        if ident_len == 0 || bytes.get(close) != Some(&b'}') {
            // Not `{identifier}`: a literal brace.
            i += 1;
            continue;
        }
        let ident = &pattern[i + 1..close];
        let segment = match ident {
            "totp_timestamp_seconds" => Segment::TimestampSeconds,
            "totp_timestamp_millis" => Segment::TimestampMillis,
            _ => match ident.strip_prefix("totp_value_") {
                Some(n)
                    if !n.is_empty()
                        && n.bytes().all(|b| b.is_ascii_digit())
                        && (n == "0" || !n.starts_with('0')) =>
                {
                    let n = n
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n < parameter_count)
                        .ok_or_else(|| {
                            InputError::new(
                                "valuePattern uses {totp_value_n} with n beyond totpDetails.parameters",
                            )
                        })?;
                    Segment::TotpValue(n)
                }
                _ => {
                    return Err(InputError::new(format!(
                        "valuePattern has an unknown placeholder; supported are {SUPPORTED_PLACEHOLDERS}"
                    )))
                }
            },
        };
        if literal_start < i {
            segments.push(Segment::Literal(&pattern[literal_start..i]));
        }
        segments.push(segment);
        i = close + 1;
        literal_start = i;
    }
    if literal_start < bytes.len() {
        segments.push(Segment::Literal(&pattern[literal_start..]));
    }
    Ok(segments)
}

/// The barcode value for `pattern` at `at`, as Google Wallet computes it: `{totp_value_n}` is the
/// TOTP of `details.parameters[n]` at `at`, and the timestamps are `at` itself (Google: "the
/// timestamp at which the barcode was generated"), in whole seconds (rounded down) or
/// milliseconds since the epoch. The secrets come from `details` (the JSON carries them there).
///
/// Refuses invalid details, unknown placeholders, `n` out of range and `at` before the epoch.
pub fn render_value_pattern(
    pattern: &str,
    details: &GoogleTotpDetails,
    at: DateTime<Utc>,
) -> Result<String, InputError> {
    details.validate()?;
    let segments = parse_pattern(pattern, details.parameters.len())?;
    if at.timestamp_millis() < 0 {
        return Err(InputError::new(
            "time is before 1970-01-01; TOTP codes start at the Unix epoch",
        ));
    }
    let mut out = String::with_capacity(pattern.len() + 16);
    for segment in segments {
        match segment {
            Segment::Literal(s) => out.push_str(s),
            Segment::TotpValue(n) => {
                out.push_str(&totp(&details.parameters[n].key, &details.params(n)?, at)?)
            }
            Segment::TimestampSeconds => out.push_str(&at.timestamp().to_string()),
            Segment::TimestampMillis => out.push_str(&at.timestamp_millis().to_string()),
        }
    }
    Ok(out)
}

/// Our default pattern for a card: `LC1:<card_number>:{totp_value_0}:{totp_timestamp_seconds}`.
/// Refuses card numbers that are not 1..=32 characters of `[A-Za-z0-9-]`.
pub fn value_pattern_for_card(card_number: &str) -> Result<String, InputError> {
    validate_card_number(card_number)?;
    Ok(format!(
        "{PAYLOAD_PREFIX}:{card_number}:{{totp_value_0}}:{{totp_timestamp_seconds}}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"12345678901234567890";

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap()
    }

    #[test]
    fn render_substitutes_every_placeholder() {
        let details = GoogleTotpDetails {
            period_millis: 30_000,
            algorithm: TotpAlgorithm::Sha1,
            parameters: vec![
                GoogleTotpParameter {
                    key: SECRET.to_vec(),
                    value_length: 8,
                },
                GoogleTotpParameter {
                    key: SECRET.to_vec(),
                    value_length: 6,
                },
            ],
        };
        let at = DateTime::from_timestamp_millis(1_111_111_109_250).unwrap();
        assert_eq!(
            render_value_pattern(
                "{totp_value_0}/{totp_value_1}/{totp_timestamp_seconds}/{totp_timestamp_millis}/{totp_value_0}",
                &details,
                at
            )
            .unwrap(),
            "07081804/081804/1111111109/1111111109250/07081804"
        );
        // SHA-256 and SHA-512 details render for our own codes (RFC 6238 seeds).
        let sha256 = GoogleTotpDetails {
            algorithm: TotpAlgorithm::Sha256,
            parameters: vec![GoogleTotpParameter {
                key: b"12345678901234567890123456789012".to_vec(),
                value_length: 8,
            }],
            ..details.clone()
        };
        assert_eq!(
            render_value_pattern("{totp_value_0}", &sha256, t(59)).unwrap(),
            "46119246"
        );
        assert!(render_value_pattern("{totp_value_2}", &details, at).is_err());
        assert!(render_value_pattern("{nope}", &details, at).is_err());
        assert!(render_value_pattern("{totp_value_0}", &details, t(-1)).is_err());
        let no_params = GoogleTotpDetails {
            parameters: vec![],
            ..details.clone()
        };
        assert!(render_value_pattern("plain", &no_params, at).is_err());
        let bad_period = GoogleTotpDetails {
            period_millis: 0,
            ..details
        };
        assert!(render_value_pattern("{totp_value_0}", &bad_period, at).is_err());
    }

    #[test]
    fn default_pattern() {
        assert_eq!(
            value_pattern_for_card("4000-123").unwrap(),
            "LC1:4000-123:{totp_value_0}:{totp_timestamp_seconds}"
        );
        for bad in ["", "a b", "a:b", "{totp_value_0}", &"1".repeat(33)] {
            assert!(value_pattern_for_card(bad).is_err(), "{bad}");
        }
    }
}
