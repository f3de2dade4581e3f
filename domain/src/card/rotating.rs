//! The codes a shopper shows at the till: the static code (the card number) and the rotating code.
//!
//! The rotating payload is our default Google Wallet `valuePattern`
//! (see [`super::pattern::value_pattern_for_card`]):
//!
//! ```text
//! LC1:<card number>:<TOTP>:<timestamp seconds>
//! ```
//!
//! **Timestamp choice.** Google Wallet replaces `{totp_timestamp_seconds}` with "the time the
//! barcode was generated", so its payload changes every second. [`rotating_code`] instead puts the
//! *start of the current TOTP step* there (rounded up to a whole second when the period is not a
//! whole number of seconds, so the timestamp always lies inside the step). The payload is then
//! constant for a whole period and the app redraws the QR code only when it rotates
//! ([`RotatingCode::valid_until`]). The till reads both kinds alike: it takes the TOTP step of the
//! stated timestamp (see [`super::till`]), so codes from Google Wallet and from the app verify the
//! same way.

use super::member::validate_card_number;
use super::pattern::{
    render_value_pattern, value_pattern_for_card, GoogleTotpDetails, GoogleTotpParameter,
};
use super::totp::{counter_at, validate_secret, TotpParams};
use crate::check::InputError;
use chrono::{DateTime, TimeDelta, Utc};

/// The static code: the card number itself, for tills that cannot verify rotating codes and for
/// printed cards. It never expires, so a screenshot of it works forever; the till verifier
/// refuses it ([`super::till::Refusal::NotRotating`]).
pub fn static_code(card_number: &str) -> Result<String, InputError> {
    validate_card_number(card_number)?;
    Ok(card_number.to_string())
}

/// One rotating code: the payload to draw and the TOTP step it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RotatingCode {
    /// `LC1:<card>:<totp>:<step start seconds>`, constant for the whole step.
    pub payload: String,
    /// The TOTP counter (RFC 6238 T) of the step.
    pub counter: u64,
    /// First instant of the step.
    pub valid_from: DateTime<Utc>,
    /// First instant of the next step (exclusive end): redraw then.
    pub valid_until: DateTime<Utc>,
}

impl RotatingCode {
    /// Whether `now` still lies in this code's step.
    pub fn is_current(&self, now: DateTime<Utc>) -> bool {
        self.valid_from <= now && now < self.valid_until
    }

    /// Time left until the next rotation (zero once it has passed).
    pub fn remaining(&self, now: DateTime<Utc>) -> TimeDelta {
        (self.valid_until - now).max(TimeDelta::zero())
    }
}

/// The rotating code for `card_number` at `now`.
///
/// Refuses an invalid card number, secret (see [`validate_secret`]) or parameters, and a `now`
/// before the Unix epoch.
pub fn rotating_code(
    card_number: &str,
    secret: &[u8],
    params: &TotpParams,
    now: DateTime<Utc>,
) -> Result<RotatingCode, InputError> {
    let pattern = value_pattern_for_card(card_number)?;
    validate_secret(secret)?;
    let counter = counter_at(params, now)?;
    let out_of_range = || InputError::new("time is beyond the supported date range");
    let valid_from = params.step_start(counter).ok_or_else(out_of_range)?;
    let valid_until = counter
        .checked_add(1)
        .and_then(|next| params.step_start(next))
        .ok_or_else(out_of_range)?;
    // The timestamp written into the payload: the step start, rounded up to a whole second so it
    // lies inside the step (a no-op for whole-second periods).
    let millis = valid_from.timestamp_millis();
    let stamped =
        DateTime::from_timestamp_millis(millis + (1_000 - millis.rem_euclid(1_000)) % 1_000)
            .ok_or_else(out_of_range)?;
    let details = GoogleTotpDetails {
        period_millis: params.period_millis,
        algorithm: params.algorithm,
        parameters: vec![GoogleTotpParameter {
            key: secret.to_vec(),
            value_length: params.digits,
        }],
    };
    let payload = render_value_pattern(&pattern, &details, stamped)?;
    Ok(RotatingCode {
        payload,
        counter,
        valid_from,
        valid_until,
    })
}

#[cfg(test)]
mod tests {
    use super::super::totp::{hotp, totp, TotpAlgorithm};
    use super::*;

    const SECRET: &[u8] = b"12345678901234567890";

    fn t(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    #[test]
    fn card_numbers_are_validated() {
        for ok in ["1", "0123456789", "ABC-def-123", &"9".repeat(32)] {
            assert!(validate_card_number(ok).is_ok(), "{ok}");
            assert_eq!(static_code(ok).unwrap(), ok);
        }
        for bad in [
            "",
            &"9".repeat(33),
            "12 34",
            "12:34",
            "12{3}",
            "kaart-é",
            "1_2",
            "1\n",
        ] {
            let e = validate_card_number(bad).unwrap_err();
            assert!(bad.is_empty() || !e.reason.contains(bad.trim()), "no echo");
            assert!(static_code(bad).is_err());
        }
    }

    #[test]
    fn payload_is_the_default_pattern_with_the_step_start() {
        let p = TotpParams::default(); // SHA-1, 8 digits, 30 s
                                       // RFC 6238: at 59 s the SHA-1 code is 94287082, step 1 starts at 30 s.
        let code = rotating_code("4000123", SECRET, &p, t(59_000)).unwrap();
        assert_eq!(code.payload, "LC1:4000123:94287082:30");
        assert_eq!(code.counter, 1);
        assert_eq!(code.valid_from, t(30_000));
        assert_eq!(code.valid_until, t(60_000));
        // RFC 6238 at 1111111109 s: 07081804, step 0x23523EC starts at 1111111080 s.
        let code = rotating_code("4000123", SECRET, &p, t(1_111_111_109_000)).unwrap();
        assert_eq!(code.payload, "LC1:4000123:07081804:1111111080");
    }

    #[test]
    fn payload_is_constant_for_the_whole_step_and_changes_on_rotation() {
        let p = TotpParams::default();
        let start = 1_700_000_010_000; // a step boundary (divisible by 30 000)
        let first = rotating_code("C-1", SECRET, &p, t(start)).unwrap();
        for offset in [1, 999, 15_000, 29_999] {
            let again = rotating_code("C-1", SECRET, &p, t(start + offset)).unwrap();
            assert_eq!(again, first);
            assert!(first.is_current(t(start + offset)));
        }
        let next = rotating_code("C-1", SECRET, &p, t(start + 30_000)).unwrap();
        assert_eq!(next.counter, first.counter + 1);
        assert_ne!(next.payload, first.payload);
        assert!(!first.is_current(t(start + 30_000)));
        assert_eq!(next.valid_from, first.valid_until);
        assert_eq!(first.remaining(t(start + 10_000)), TimeDelta::seconds(20));
        assert_eq!(first.remaining(t(start + 90_000)), TimeDelta::zero());
    }

    #[test]
    fn totp_in_the_payload_is_the_step_totp() {
        for algorithm in [
            TotpAlgorithm::Sha1,
            TotpAlgorithm::Sha256,
            TotpAlgorithm::Sha512,
        ] {
            let secret = super::super::totp::new_secret(algorithm);
            let p = TotpParams::new(algorithm, 10, 45_000).unwrap();
            let now = t(1_750_000_000_123);
            let code = rotating_code("X9", &secret, &p, now).unwrap();
            let parts: Vec<&str> = code.payload.split(':').collect();
            assert_eq!(parts.len(), 4);
            assert_eq!(parts[2], totp(&secret, &p, now).unwrap());
            assert_eq!(parts[2], hotp(&secret, code.counter, algorithm, 10));
            assert_eq!(
                parts[3].parse::<i64>().unwrap(),
                code.valid_from.timestamp()
            );
        }
    }

    #[test]
    fn fractional_second_periods_stamp_a_second_inside_the_step() {
        let p = TotpParams::new(TotpAlgorithm::Sha1, 8, 1_500).unwrap();
        // Step 1 is [1.5 s, 3 s): the stamped second is 2, inside the step.
        let code = rotating_code("A", SECRET, &p, t(2_000)).unwrap();
        assert_eq!(code.counter, 1);
        assert_eq!(code.valid_from, t(1_500));
        assert!(code.payload.ends_with(":2"), "{}", code.payload);
        assert_eq!(counter_at(&p, t(2_000)).unwrap(), 1);
        // Step 2 is [3 s, 4.5 s): already whole.
        let code = rotating_code("A", SECRET, &p, t(4_400)).unwrap();
        assert!(code.payload.ends_with(":3"), "{}", code.payload);
    }

    #[test]
    fn bad_input_is_refused() {
        let p = TotpParams::default();
        let now = t(1_700_000_000_000);
        assert!(rotating_code("", SECRET, &p, now).is_err());
        assert!(rotating_code("a:b", SECRET, &p, now).is_err());
        assert!(rotating_code("A", b"short", &p, now).is_err());
        let bad = TotpParams {
            digits: 4,
            ..TotpParams::default()
        };
        assert!(rotating_code("A", SECRET, &bad, now).is_err());
        assert!(rotating_code("A", SECRET, &p, t(-1)).is_err());
        assert!(rotating_code("A", SECRET, &p, DateTime::<Utc>::MAX_UTC).is_err());
    }
}
