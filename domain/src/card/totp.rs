//! RFC 4226 HOTP and RFC 6238 TOTP, plus the small Base16 helpers the card codes need.
//!
//! - [`hotp`] is RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation to a
//!   31-bit number, reduced modulo 10^digits and zero-padded.
//! - [`totp`] is RFC 6238 §4 with T0 = 0 (the Unix epoch) and a step of `period_millis`:
//!   `counter = floor(unix_millis / period_millis)`. Steps in milliseconds keep Google Wallet's
//!   `periodMillis` exact; with whole-second periods this is the RFC's `floor(unix_seconds / X)`.
//! - Times before the Unix epoch are refused ([`counter_at`] returns an error): RFC 6238 only
//!   defines T for times at or after T0, and a phone clock set before 1970 is broken, not a shopper
//!   to serve a code to.

use crate::check::InputError;
use crate::crypto::{hmac, HmacHash};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// The HMAC hash of a TOTP (RFC 6238 §1.2: SHA-1 by default, SHA-256 and SHA-512 allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TotpAlgorithm {
    #[default]
    Sha1,
    Sha256,
    Sha512,
}

impl TotpAlgorithm {
    /// The secret length [`new_secret`] generates: the hash's output length, as RFC 6238's test
    /// seeds use (20, 32 and 64 bytes).
    pub fn secret_len(self) -> usize {
        match self {
            TotpAlgorithm::Sha1 => 20,
            TotpAlgorithm::Sha256 => 32,
            TotpAlgorithm::Sha512 => 64,
        }
    }

    /// A stable display name ("SHA1", "SHA256", "SHA512").
    pub fn as_str(self) -> &'static str {
        match self {
            TotpAlgorithm::Sha1 => "SHA1",
            TotpAlgorithm::Sha256 => "SHA256",
            TotpAlgorithm::Sha512 => "SHA512",
        }
    }
}

/// Fewest digits of a code (RFC 4226 §5.3 requires at least 6).
pub const MIN_DIGITS: u32 = 6;
/// Most digits of a code: the truncated value is 31 bits, at most 10 decimal digits.
pub const MAX_DIGITS: u32 = 10;
/// Shortest step: one second.
pub const MIN_PERIOD_MILLIS: u64 = 1_000;
/// Longest step: one day. A code that rotates less often than daily does not protect anything.
pub const MAX_PERIOD_MILLIS: u64 = 86_400_000;
/// Shortest accepted secret: 128 bits (RFC 4226 §4, requirement R6).
pub const MIN_SECRET_BYTES: usize = 16;
/// Longest accepted secret (HMAC hashes longer keys anyway; this bounds hostile input).
pub const MAX_SECRET_BYTES: usize = 256;

/// The parameters of a TOTP: hash, number of digits and step length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TotpParams {
    pub algorithm: TotpAlgorithm,
    /// Digits of the code, [`MIN_DIGITS`]..=[`MAX_DIGITS`].
    pub digits: u32,
    /// Step length in milliseconds, [`MIN_PERIOD_MILLIS`]..=[`MAX_PERIOD_MILLIS`].
    pub period_millis: u64,
}

impl Default for TotpParams {
    /// SHA-1, 8 digits, 30 seconds: what Google Wallet generates on the phone and what every till
    /// scanner library knows.
    fn default() -> Self {
        Self {
            algorithm: TotpAlgorithm::Sha1,
            digits: 8,
            period_millis: 30_000,
        }
    }
}

impl TotpParams {
    /// Validated parameters.
    pub fn new(
        algorithm: TotpAlgorithm,
        digits: u32,
        period_millis: u64,
    ) -> Result<Self, InputError> {
        let p = Self {
            algorithm,
            digits,
            period_millis,
        };
        p.validate()?;
        Ok(p)
    }

    pub fn validate(&self) -> Result<(), InputError> {
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&self.digits) {
            return Err(InputError::new(format!(
                "TOTP digits must be between {MIN_DIGITS} and {MAX_DIGITS}"
            )));
        }
        if !(MIN_PERIOD_MILLIS..=MAX_PERIOD_MILLIS).contains(&self.period_millis) {
            return Err(InputError::new(format!(
                "TOTP period must be between {MIN_PERIOD_MILLIS} and {MAX_PERIOD_MILLIS} milliseconds"
            )));
        }
        Ok(())
    }

    /// The step length as a duration.
    pub fn period(&self) -> TimeDelta {
        // period_millis is bounded by validate(); saturate rather than panic if it was not called.
        TimeDelta::try_milliseconds(i64::try_from(self.period_millis).unwrap_or(i64::MAX))
            .unwrap_or(TimeDelta::MAX)
    }

    /// The first instant of step `counter`, or `None` if it lies beyond what a date can hold.
    pub fn step_start(&self, counter: u64) -> Option<DateTime<Utc>> {
        let millis = counter.checked_mul(self.period_millis)?;
        DateTime::from_timestamp_millis(i64::try_from(millis).ok()?)
    }
}

/// Checks a TOTP secret's length ([`MIN_SECRET_BYTES`]..=[`MAX_SECRET_BYTES`]).
pub fn validate_secret(secret: &[u8]) -> Result<(), InputError> {
    if secret.len() < MIN_SECRET_BYTES {
        Err(InputError::new(format!(
            "TOTP secret must be at least {MIN_SECRET_BYTES} bytes"
        )))
    } else if secret.len() > MAX_SECRET_BYTES {
        Err(InputError::new(format!(
            "TOTP secret must be at most {MAX_SECRET_BYTES} bytes"
        )))
    } else {
        Ok(())
    }
}

/// A fresh random secret of [`TotpAlgorithm::secret_len`] bytes (20, 32 or 64), from the
/// operating system's CSPRNG through `rand`'s thread RNG.
pub fn new_secret(algorithm: TotpAlgorithm) -> Vec<u8> {
    let bytes: [u8; 64] = rand::random();
    bytes[..algorithm.secret_len()].to_vec()
}

/// HMAC-`algorithm`(secret, counter as 8 bytes big-endian): step 1 of RFC 4226 §5.3.
pub fn hotp_hmac(secret: &[u8], counter: u64, algorithm: TotpAlgorithm) -> Vec<u8> {
    let message = counter.to_be_bytes();
    match algorithm {
        TotpAlgorithm::Sha1 => hmac(HmacHash::Sha1, secret, &message),
        TotpAlgorithm::Sha256 => hmac(HmacHash::Sha256, secret, &message),
        TotpAlgorithm::Sha512 => hmac(HmacHash::Sha512, secret, &message),
    }
}

/// Dynamic truncation (RFC 4226 §5.3 step 2): the low 4 bits of the last byte give an offset;
/// the 4 bytes there, with the top bit cleared, are a 31-bit number.
pub fn dynamic_truncation(hmac: &[u8]) -> u32 {
    let Some(last) = hmac.last() else {
        return 0;
    };
    let offset = usize::from(last & 0x0f);
    match hmac.get(offset..offset + 4) {
        Some(b) => u32::from_be_bytes([b[0] & 0x7f, b[1], b[2], b[3]]),
        // Only reachable with a digest shorter than 20 bytes, which no supported hash produces.
        None => 0,
    }
}

/// RFC 4226 HOTP: the code for `counter`, `digits` long, zero-padded.
///
/// `digits` is meant to be [`MIN_DIGITS`]..=[`MAX_DIGITS`] (as [`TotpParams::validate`] checks);
/// any other value is clamped into 1..=10 so the function stays total: the truncated value has at
/// most 10 decimal digits.
pub fn hotp(secret: &[u8], counter: u64, algorithm: TotpAlgorithm, digits: u32) -> String {
    let digits = digits.clamp(1, MAX_DIGITS);
    let value = u64::from(dynamic_truncation(&hotp_hmac(secret, counter, algorithm)));
    let code = value % 10u64.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The TOTP counter (RFC 6238 T) at `at`: `floor(unix_millis / period_millis)`.
/// Refuses invalid parameters and times before the Unix epoch.
pub fn counter_at(params: &TotpParams, at: DateTime<Utc>) -> Result<u64, InputError> {
    params.validate()?;
    let millis = u64::try_from(at.timestamp_millis()).map_err(|_| {
        InputError::new("time is before 1970-01-01; TOTP codes start at the Unix epoch")
    })?;
    Ok(millis / params.period_millis)
}

/// RFC 6238 TOTP: the code at `at`. Refuses invalid parameters, a secret shorter than
/// [`MIN_SECRET_BYTES`] (or longer than [`MAX_SECRET_BYTES`]) and times before the epoch.
pub fn totp(secret: &[u8], params: &TotpParams, at: DateTime<Utc>) -> Result<String, InputError> {
    validate_secret(secret)?;
    let counter = counter_at(params, at)?;
    Ok(hotp(secret, counter, params.algorithm, params.digits))
}

/// Upper-case Base16 (RFC 4648 §8), as Google Wallet's `TotpParameters.key` documents.
pub fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Base16 decoding, case-insensitive. The error never repeats the input (it may be a secret).
pub fn hex_decode(text: &str) -> Result<Vec<u8>, InputError> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(InputError::new(
            "hex text must have an even number of characters",
        ));
    }
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    bytes
        .chunks_exact(2)
        .map(|pair| match (nibble(pair[0]), nibble(pair[1])) {
            (Some(hi), Some(lo)) => Ok(hi << 4 | lo),
            _ => Err(InputError::new(
                "hex text may only contain the characters 0-9, A-F and a-f",
            )),
        })
        .collect()
}

/// Equality that takes the same time wherever the inputs differ (lengths are not secret here:
/// both sides have the configured number of digits).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SEED20: &[u8] = b"12345678901234567890";
    const SEED32: &[u8] = b"12345678901234567890123456789012";
    const SEED64: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

    fn at_seconds(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(s, 0).unwrap()
    }

    /// RFC 4226 Appendix D, tables 1 and 2: HMAC, truncated hex, truncated decimal, HOTP.
    const RFC4226: [(u64, &str, u32, u32, &str); 10] = [
        (
            0,
            "cc93cf18508d94934c64b65d8ba7667fb7cde4b0",
            0x4c93cf18,
            1284755224,
            "755224",
        ),
        (
            1,
            "75a48a19d4cbe100644e8ac1397eea747a2d33ab",
            0x41397eea,
            1094287082,
            "287082",
        ),
        (
            2,
            "0bacb7fa082fef30782211938bc1c5e70416ff44",
            0x082fef30,
            137359152,
            "359152",
        ),
        (
            3,
            "66c28227d03a2d5529262ff016a1e6ef76557ece",
            0x66ef7655,
            1726969429,
            "969429",
        ),
        (
            4,
            "a904c900a64b35909874b33e61c5938a8e15ed1c",
            0x61c5938a,
            1640338314,
            "338314",
        ),
        (
            5,
            "a37e783d7b7233c083d4f62926c7a25f238d0316",
            0x33c083d4,
            868254676,
            "254676",
        ),
        (
            6,
            "bc9cd28561042c83f219324d3c607256c03272ae",
            0x7256c032,
            1918287922,
            "287922",
        ),
        (
            7,
            "a4fb960c0bc06e1eabb804e5b397cdc4b45596fa",
            0x04e5b397,
            82162583,
            "162583",
        ),
        (
            8,
            "1b3c89f65e6c9e883012052823443f048b4332db",
            0x2823443f,
            673399871,
            "399871",
        ),
        (
            9,
            "1637409809a679dc698207310c8c7fc07290d9e5",
            0x2679dc69,
            645520489,
            "520489",
        ),
    ];

    #[test]
    fn rfc4226_appendix_d_all_vectors() {
        for (count, hmac_hex, trunc_hex, trunc_dec, code) in RFC4226 {
            let mac = hotp_hmac(SEED20, count, TotpAlgorithm::Sha1);
            assert_eq!(
                hex_encode(&mac).to_lowercase(),
                hmac_hex,
                "HMAC, count {count}"
            );
            let truncated = dynamic_truncation(&mac);
            assert_eq!(truncated, trunc_hex, "truncated hex, count {count}");
            assert_eq!(truncated, trunc_dec, "truncated decimal, count {count}");
            assert_eq!(
                hotp(SEED20, count, TotpAlgorithm::Sha1, 6),
                code,
                "HOTP, count {count}"
            );
        }
    }

    /// RFC 6238 Appendix B: every time for every mode, 8 digits, X = 30 s, T0 = 0.
    const RFC6238: [(i64, u64, &str, TotpAlgorithm); 18] = [
        (59, 0x1, "94287082", TotpAlgorithm::Sha1),
        (59, 0x1, "46119246", TotpAlgorithm::Sha256),
        (59, 0x1, "90693936", TotpAlgorithm::Sha512),
        (1111111109, 0x23523EC, "07081804", TotpAlgorithm::Sha1),
        (1111111109, 0x23523EC, "68084774", TotpAlgorithm::Sha256),
        (1111111109, 0x23523EC, "25091201", TotpAlgorithm::Sha512),
        (1111111111, 0x23523ED, "14050471", TotpAlgorithm::Sha1),
        (1111111111, 0x23523ED, "67062674", TotpAlgorithm::Sha256),
        (1111111111, 0x23523ED, "99943326", TotpAlgorithm::Sha512),
        (1234567890, 0x273EF07, "89005924", TotpAlgorithm::Sha1),
        (1234567890, 0x273EF07, "91819424", TotpAlgorithm::Sha256),
        (1234567890, 0x273EF07, "93441116", TotpAlgorithm::Sha512),
        (2000000000, 0x3F940AA, "69279037", TotpAlgorithm::Sha1),
        (2000000000, 0x3F940AA, "90698825", TotpAlgorithm::Sha256),
        (2000000000, 0x3F940AA, "38618901", TotpAlgorithm::Sha512),
        (20000000000, 0x27BC86AA, "65353130", TotpAlgorithm::Sha1),
        (20000000000, 0x27BC86AA, "77737706", TotpAlgorithm::Sha256),
        (20000000000, 0x27BC86AA, "47863826", TotpAlgorithm::Sha512),
    ];

    fn seed(algorithm: TotpAlgorithm) -> &'static [u8] {
        match algorithm {
            TotpAlgorithm::Sha1 => SEED20,
            TotpAlgorithm::Sha256 => SEED32,
            TotpAlgorithm::Sha512 => SEED64,
        }
    }

    #[test]
    fn rfc6238_appendix_b_all_vectors() {
        for (time, t, code, algorithm) in RFC6238 {
            let params = TotpParams::new(algorithm, 8, 30_000).unwrap();
            let at = at_seconds(time);
            assert_eq!(counter_at(&params, at).unwrap(), t, "T at {time}");
            assert_eq!(
                totp(seed(algorithm), &params, at).unwrap(),
                code,
                "{} at {time}",
                algorithm.as_str()
            );
            assert_eq!(hotp(seed(algorithm), t, algorithm, 8), code);
        }
    }

    #[test]
    fn fewer_digits_are_the_low_digits_zero_padded() {
        // 1111111109 SHA1 is 07081804: six digits keep the leading zero.
        let params = TotpParams::new(TotpAlgorithm::Sha1, 6, 30_000).unwrap();
        assert_eq!(
            totp(SEED20, &params, at_seconds(1111111109)).unwrap(),
            "081804"
        );
        // 1234567890 SHA1 is 89005924 -> 005924: two leading zeros.
        assert_eq!(
            totp(SEED20, &params, at_seconds(1234567890)).unwrap(),
            "005924"
        );
        // Ten digits is the whole 31-bit truncated value, zero-padded.
        assert_eq!(hotp(SEED20, 7, TotpAlgorithm::Sha1, 10), "0082162583");
        assert_eq!(hotp(SEED20, 0, TotpAlgorithm::Sha1, 10), "1284755224");
        // Out-of-range digit counts are clamped instead of panicking.
        assert_eq!(hotp(SEED20, 0, TotpAlgorithm::Sha1, 0), "4");
        assert_eq!(hotp(SEED20, 0, TotpAlgorithm::Sha1, 99), "1284755224");
    }

    #[test]
    fn counter_uses_milliseconds_and_step_boundaries() {
        let p = TotpParams::new(TotpAlgorithm::Sha1, 8, 30_000).unwrap();
        let t = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap();
        assert_eq!(counter_at(&p, t(0)).unwrap(), 0);
        assert_eq!(counter_at(&p, t(29_999)).unwrap(), 0);
        assert_eq!(counter_at(&p, t(30_000)).unwrap(), 1);
        let odd = TotpParams::new(TotpAlgorithm::Sha1, 8, 1_500).unwrap();
        assert_eq!(counter_at(&odd, t(2_999)).unwrap(), 1);
        assert_eq!(counter_at(&odd, t(3_000)).unwrap(), 2);
        assert_eq!(odd.step_start(2), Some(t(3_000)));
        assert_eq!(p.step_start(u64::MAX), None);
        assert_eq!(p.period(), TimeDelta::seconds(30));
    }

    #[test]
    fn times_before_the_epoch_are_refused() {
        let p = TotpParams::default();
        let before = DateTime::from_timestamp_millis(-1).unwrap();
        let e = counter_at(&p, before).unwrap_err();
        assert!(e.reason.contains("before 1970"), "{}", e.reason);
        assert!(totp(SEED20, &p, before).is_err());
        assert!(totp(SEED20, &p, DateTime::<Utc>::MIN_UTC).is_err());
        // The far end of chrono's range still works.
        assert!(totp(SEED20, &p, DateTime::<Utc>::MAX_UTC).is_ok());
    }

    #[test]
    fn params_are_validated() {
        assert!(TotpParams::default().validate().is_ok());
        for digits in [0, 5, 11, u32::MAX] {
            let e = TotpParams::new(TotpAlgorithm::Sha1, digits, 30_000).unwrap_err();
            assert!(e.reason.contains("digits"), "{}", e.reason);
        }
        for d in [6, 10] {
            assert!(TotpParams::new(TotpAlgorithm::Sha512, d, 30_000).is_ok());
        }
        for period in [0, 999, MAX_PERIOD_MILLIS + 1, u64::MAX] {
            let e = TotpParams::new(TotpAlgorithm::Sha1, 8, period).unwrap_err();
            assert!(e.reason.contains("period"), "{}", e.reason);
        }
        assert!(TotpParams::new(TotpAlgorithm::Sha1, 8, 1_000).is_ok());
        assert!(TotpParams::new(TotpAlgorithm::Sha1, 8, MAX_PERIOD_MILLIS).is_ok());
        // Unvalidated params never divide by zero.
        let zero = TotpParams {
            period_millis: 0,
            ..TotpParams::default()
        };
        assert!(counter_at(&zero, at_seconds(59)).is_err());
        assert!(totp(SEED20, &zero, at_seconds(59)).is_err());
        let huge = TotpParams {
            period_millis: u64::MAX,
            ..TotpParams::default()
        };
        assert_eq!(huge.period(), TimeDelta::MAX);
    }

    #[test]
    fn secrets_are_length_checked() {
        let p = TotpParams::default();
        assert!(totp(&[], &p, at_seconds(59)).is_err());
        assert!(totp(&[7; 15], &p, at_seconds(59)).is_err());
        assert!(totp(&[7; 16], &p, at_seconds(59)).is_ok());
        assert!(totp(&[7; 256], &p, at_seconds(59)).is_ok());
        let e = totp(&[7; 257], &p, at_seconds(59)).unwrap_err();
        assert!(e.reason.contains("at most"));
    }

    #[test]
    fn new_secrets_have_the_hash_length_and_differ() {
        for algorithm in [
            TotpAlgorithm::Sha1,
            TotpAlgorithm::Sha256,
            TotpAlgorithm::Sha512,
        ] {
            let a = new_secret(algorithm);
            let b = new_secret(algorithm);
            assert_eq!(a.len(), algorithm.secret_len());
            assert_ne!(a, b);
            assert!(validate_secret(&a).is_ok());
        }
    }

    #[test]
    fn hex_round_trip_and_errors() {
        assert_eq!(hex_encode(&[]), "");
        assert_eq!(hex_encode(&[0x00, 0x0f, 0xa5, 0xff]), "000FA5FF");
        assert_eq!(
            hex_decode("000fA5Ff").unwrap(),
            vec![0x00, 0x0f, 0xa5, 0xff]
        );
        assert_eq!(hex_decode("").unwrap(), Vec::<u8>::new());
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(hex_decode(&hex_encode(&all)).unwrap(), all);
        assert_eq!(hex_decode(&hex_encode(&all).to_lowercase()).unwrap(), all);
        let odd = hex_decode("ABC").unwrap_err();
        assert!(odd.reason.contains("even"), "{}", odd.reason);
        for bad in ["0G", "zz", "0 ", "0x12", "é1", "+1"] {
            let e = hex_decode(bad).unwrap_err();
            assert!(!e.reason.contains(bad), "error must not echo the input");
        }
        // The RFC 4226 secret, as Google Wallet would carry it.
        assert_eq!(
            hex_encode(SEED20),
            "3132333435363738393031323334353637383930"
        );
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"12345678", b"12345678"));
        assert!(!constant_time_eq(b"12345678", b"12345679"));
        assert!(!constant_time_eq(b"02345678", b"12345678"));
        assert!(!constant_time_eq(b"1234567", b"12345678"));
        assert!(constant_time_eq(b"", b""));
    }
}
