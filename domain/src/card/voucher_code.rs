//! Retailer-signed voucher codes the till verifies offline (Ed25519, RFC 8032).
//!
//! ```text
//! LCV1.<base64url(payload)>.<base64url(signature)>
//! ```
//!
//! - `payload` is canonical compact JSON: the fields `id`, `kind`, `title`, `valid_from`,
//!   `valid_until` in that order, no whitespace, `kind` as [`VoucherKind`] serialises it
//!   (internally tagged by `type`, fields in declaration order, absent options as `null`), times
//!   as RFC 3339 UTC (`2026-03-01T09:00:00Z`, sub-seconds only when present). The same voucher
//!   always gives the same code (Ed25519 signatures are deterministic).
//! - The signature covers the ASCII text `LCV1.<base64url(payload)>` (as JWS does), so the
//!   version tag is signed too and no base64 re-encoding question arises.
//! - Base64url without padding (RFC 4648 §5); padding, other alphabets and non-canonical trailing
//!   bits are refused.
//! - Verification uses `verify_strict` (rejects small-order keys and non-canonical signatures).
//!   The payload JSON is parsed only after the signature checked out, and unknown top-level fields
//!   are refused (a new field means a new version tag).
//! - Not signed: the voucher's state, description and display code; the till learns the state
//!   from the redemption flow, not from the code.
//! - Validity is half-open, like [`Voucher::is_usable`]: usable from `valid_from` (inclusive)
//!   until `valid_until` (exclusive).

use super::totp::{hex_decode, hex_encode};
use crate::check::InputError;
use crate::crypto::{self, PublicKeyError, SigningKey, VerifyingKey};
use crate::wallet::{Voucher, VoucherKind, VoucherState};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The version tag that starts every voucher code.
pub const VOUCHER_CODE_PREFIX: &str = "LCV1";
/// Longest code worth parsing (a voucher's payload is bounded by [`Voucher::validate`]).
pub const MAX_VOUCHER_CODE_LEN: usize = 4096;

/// The signed content, in canonical field order.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedPayload {
    id: String,
    kind: VoucherKind,
    title: String,
    valid_from: DateTime<Utc>,
    valid_until: DateTime<Utc>,
}

/// What a verified code vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedVoucher {
    pub id: String,
    pub kind: VoucherKind,
    pub title: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
}

impl VerifiedVoucher {
    /// Whether `voucher` carries exactly the signed fields.
    pub fn matches(&self, voucher: &Voucher) -> bool {
        self.id == voucher.id
            && self.kind == voucher.kind
            && self.title == voucher.title
            && self.valid_from == voucher.valid_from
            && self.valid_until == voucher.valid_until
    }
}

/// Why the till refused a voucher code. [`VoucherRefusal::reason`] is free of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum VoucherRefusal {
    /// Not a voucher code: wrong shape, version, Base64 or signature length, or a signed payload
    /// this version does not understand.
    Malformed,
    /// The signature does not match the payload under the retailer's key (altered, forged, or
    /// signed with another key).
    BadSignature,
    /// Genuine, but its validity window has not started.
    NotYetValid,
    /// Genuine, but its validity window has ended.
    Expired,
}

impl VoucherRefusal {
    pub fn reason(self) -> &'static str {
        match self {
            VoucherRefusal::Malformed => "the scanned code is not a voucher code",
            VoucherRefusal::BadSignature => {
                "the voucher code is not genuine: the retailer's signature does not match"
            }
            VoucherRefusal::NotYetValid => "the voucher is not valid yet",
            VoucherRefusal::Expired => "the voucher has expired",
        }
    }
}

impl fmt::Display for VoucherRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for VoucherRefusal {}

/// The canonical payload bytes of `voucher` (see the module documentation).
fn canonical_payload(voucher: &Voucher) -> Result<Vec<u8>, InputError> {
    let payload = SignedPayload {
        id: voucher.id.clone(),
        kind: voucher.kind.clone(),
        title: voucher.title.clone(),
        valid_from: voucher.valid_from,
        valid_until: voucher.valid_until,
    };
    serde_json::to_vec(&payload).map_err(|_| InputError::new("voucher could not be encoded"))
}

/// Signs `voucher` with the retailer's key: `LCV1.<payload>.<signature>`.
///
/// Refuses a voucher whose signed fields break [`Voucher::validate`]'s rules (empty id or title,
/// an empty or inverted window, an invalid kind). Its state and display code are not signed and
/// not checked.
pub fn sign_voucher(voucher: &Voucher, signing_key: &SigningKey) -> Result<String, InputError> {
    let mut probe = voucher.clone();
    probe.code = VOUCHER_CODE_PREFIX.into();
    probe.state = VoucherState::Available;
    probe.validate()?;
    let payload = canonical_payload(voucher)?;
    let signing_input = format!("{VOUCHER_CODE_PREFIX}.{}", URL_SAFE_NO_PAD.encode(payload));
    let signature = signing_key.sign(signing_input.as_bytes());
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

/// Verifies a voucher code with the retailer's public key at `now`.
///
/// Checks, in order: shape and Base64 → [`VoucherRefusal::Malformed`]; signature (an invalid or
/// small-order key verifies nothing) → [`VoucherRefusal::BadSignature`]; payload →
/// Malformed; window → [`VoucherRefusal::NotYetValid`] / [`VoucherRefusal::Expired`].
/// Surrounding ASCII whitespace (a scanner's newline) is ignored.
pub fn verify_voucher_code(
    code: &str,
    public_key: &[u8; 32],
    now: DateTime<Utc>,
) -> Result<VerifiedVoucher, VoucherRefusal> {
    let code = code.trim_matches(|c: char| c.is_ascii_whitespace());
    if code.len() > MAX_VOUCHER_CODE_LEN {
        return Err(VoucherRefusal::Malformed);
    }
    let (signing_input, signature_b64) = code.rsplit_once('.').ok_or(VoucherRefusal::Malformed)?;
    let (prefix, payload_b64) = signing_input
        .split_once('.')
        .ok_or(VoucherRefusal::Malformed)?;
    if prefix != VOUCHER_CODE_PREFIX || payload_b64.is_empty() {
        return Err(VoucherRefusal::Malformed);
    }
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| VoucherRefusal::Malformed)?;
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(VoucherRefusal::Malformed)?;
    if !crypto::verify(public_key, signing_input.as_bytes(), &signature) {
        return Err(VoucherRefusal::BadSignature);
    }

    let p: SignedPayload =
        serde_json::from_slice(&payload).map_err(|_| VoucherRefusal::Malformed)?;
    if p.valid_until <= p.valid_from {
        return Err(VoucherRefusal::Malformed);
    }
    if now < p.valid_from {
        return Err(VoucherRefusal::NotYetValid);
    }
    if now >= p.valid_until {
        return Err(VoucherRefusal::Expired);
    }
    Ok(VerifiedVoucher {
        id: p.id,
        kind: p.kind,
        title: p.title,
        valid_from: p.valid_from,
        valid_until: p.valid_until,
    })
}

/// Whether `voucher` is the retailer's: its code is an `LCV1` code signed with `public_key` whose
/// signed fields are exactly the voucher's. The validity window is not judged here (an expired
/// voucher is still genuine); [`Voucher::is_usable`] judges it when the voucher is shown.
pub fn check_issued(voucher: &Voucher, public_key: &[u8; 32]) -> Result<(), VoucherRefusal> {
    if voucher.valid_until <= voucher.valid_from {
        return Err(VoucherRefusal::Malformed);
    }
    // Verified at the start of its own window, so the window check always passes for a
    // well-formed voucher and only the signature and the fields decide.
    let verified = verify_voucher_code(&voucher.code, public_key, voucher.valid_from)?;
    if verified.matches(voucher) {
        Ok(())
    } else {
        Err(VoucherRefusal::BadSignature)
    }
}

/// A fresh random signing key (for the server and for tests).
pub fn new_signing_key() -> SigningKey {
    SigningKey::from_bytes(&rand::random::<[u8; 32]>())
}

/// The public key as upper-case Base16 (64 characters), for till configuration.
pub fn public_key_hex(key: &VerifyingKey) -> String {
    hex_encode(key.as_bytes())
}

/// Parses a Base16 public key (either case): 32 bytes forming a valid Ed25519 point that is not
/// of small order. The error never repeats the input.
pub fn parse_public_key_hex(text: &str) -> Result<[u8; 32], InputError> {
    let bytes: [u8; 32] = hex_decode(text.trim())
        .map_err(|e| InputError::new(format!("voucher public key: {}", e.reason)))?
        .try_into()
        .map_err(|_| InputError::new("voucher public key must be 32 bytes (64 hex characters)"))?;
    match crypto::check_public_key(&bytes) {
        Ok(()) => Ok(bytes),
        Err(PublicKeyError::NotAPoint) => Err(InputError::new(
            "voucher public key is not a valid Ed25519 key",
        )),
        Err(PublicKeyError::SmallOrder) => Err(InputError::new(
            "voucher public key is a weak (small-order) Ed25519 key",
        )),
    }
}

/// The signing key's 32-byte seed as upper-case Base16 — a secret: store it as one.
pub fn signing_key_hex(key: &SigningKey) -> String {
    hex_encode(&key.to_bytes())
}

/// Parses a Base16 signing key seed (32 bytes, either case). The error never repeats the input.
pub fn parse_signing_key_hex(text: &str) -> Result<SigningKey, InputError> {
    let seed: [u8; 32] = hex_decode(text.trim())
        .map_err(|e| InputError::new(format!("voucher signing key: {}", e.reason)))?
        .try_into()
        .map_err(|_| InputError::new("voucher signing key must be 32 bytes (64 hex characters)"))?;
    Ok(SigningKey::from_bytes(&seed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
    }

    fn voucher() -> Voucher {
        Voucher {
            titles: Default::default(),
            id: "v-1".into(),
            kind: VoucherKind::AmountOff {
                amount: Money::new(500, "EUR").unwrap(),
                min_spend: Some(Money::new(2_500, "EUR").unwrap()),
            },
            title: "€5 off".into(),
            description: Some("Not signed".into()),
            code: "V-123".into(),
            valid_from: t0(),
            valid_until: t0() + Duration::days(30),
            state: VoucherState::Available,
            signature: None,
        }
    }

    /// The largest voucher the validation rules allow still signs into a code that the wallet
    /// accepts as the voucher's code (found by the demo: a 515-byte code broke a 512-byte cap).
    #[test]
    fn the_longest_voucher_signs_into_a_code_the_wallet_accepts() {
        let mut v = voucher();
        v.id = "i".repeat(128);
        v.title = "€".repeat(66);
        v.kind = VoucherKind::EventInvitation {
            event_name: "é".repeat(100),
            location: "ü".repeat(100),
            starts_at: t0(),
            ends_at: t0() + Duration::hours(3),
        };
        v.validate().unwrap();
        let code = sign_voucher(&v, &key()).unwrap();
        v.code = code.clone();
        v.validate().unwrap();
        assert!(verify_voucher_code(&code, &pk(), t0()).is_ok());
    }

    #[test]
    fn a_voucher_is_the_retailers_only_when_its_code_signs_its_own_fields() {
        let mut v = voucher();
        // Not a signed code at all.
        assert_eq!(check_issued(&v, &pk()), Err(VoucherRefusal::Malformed));
        v.code = sign_voucher(&v, &key()).unwrap();
        assert_eq!(check_issued(&v, &pk()), Ok(()));
        // Genuine whatever the time: an expired voucher is still the retailer's.
        let mut old = v.clone();
        old.state = VoucherState::Redeemed { at: t0() };
        assert_eq!(check_issued(&old, &pk()), Ok(()));
        // A signed field changed after signing, or another voucher's code borrowed.
        let mut richer = v.clone();
        richer.kind = VoucherKind::AmountOff {
            amount: Money::new(50_000, "EUR").unwrap(),
            min_spend: None,
        };
        assert_eq!(
            check_issued(&richer, &pk()),
            Err(VoucherRefusal::BadSignature)
        );
        let mut longer = v.clone();
        longer.valid_until += Duration::days(365);
        assert_eq!(
            check_issued(&longer, &pk()),
            Err(VoucherRefusal::BadSignature)
        );
        // Signed with another key.
        let other = SigningKey::from_bytes(&[8u8; 32]);
        let mut forged = voucher();
        forged.code = sign_voucher(&forged, &other).unwrap();
        assert_eq!(
            check_issued(&forged, &pk()),
            Err(VoucherRefusal::BadSignature)
        );
    }

    /// A fixed key, so the canonical payload test is stable.
    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn pk() -> [u8; 32] {
        key().verifying_key().to_bytes()
    }

    /// 32 bytes that do not decode to a curve point (about half of all y values do not).
    fn not_a_point() -> [u8; 32] {
        (2u8..=255)
            .map(|b| {
                let mut k = [0u8; 32];
                k[0] = b;
                k
            })
            .find(|k| VerifyingKey::from_bytes(k).is_err())
            .expect("some y is not on the curve")
    }

    fn parts(code: &str) -> (String, Vec<u8>, Vec<u8>) {
        let p: Vec<&str> = code.split('.').collect();
        assert_eq!(p.len(), 3);
        (
            p[0].to_string(),
            URL_SAFE_NO_PAD.decode(p[1]).unwrap(),
            URL_SAFE_NO_PAD.decode(p[2]).unwrap(),
        )
    }

    fn assemble(payload: &[u8], signature: &[u8]) -> String {
        format!(
            "LCV1.{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    #[test]
    fn round_trip() {
        let v = voucher();
        let code = sign_voucher(&v, &key()).unwrap();
        assert!(code.starts_with("LCV1."));
        assert!(code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'));
        let verified = verify_voucher_code(&code, &pk(), t0() + Duration::days(1)).unwrap();
        assert!(verified.matches(&v));
        assert_eq!(verified.id, "v-1");
        assert_eq!(verified.kind, v.kind);
        assert_eq!(verified.title, "€5 off");
        // Deterministic.
        assert_eq!(sign_voucher(&v, &key()).unwrap(), code);
        // Scanner newline.
        assert!(verify_voucher_code(&format!("{code}\n"), &pk(), t0()).is_ok());
        // Every kind round-trips.
        let kinds = [
            VoucherKind::PercentOff {
                percent: 15,
                max_discount: None,
            },
            VoucherKind::FreeProduct {
                gtin: "4006381333931".into(),
                product_name: "Bread \"rustic\"".into(),
            },
            VoucherKind::PointsMultiplier { multiplier: 2 },
            VoucherKind::EventInvitation {
                event_name: "Pre-sale evening".into(),
                location: "Store 12".into(),
                starts_at: t0() + Duration::days(3),
                ends_at: t0() + Duration::days(3) + Duration::hours(3),
            },
        ];
        for kind in kinds {
            let v = Voucher { kind, ..voucher() };
            let code = sign_voucher(&v, &key()).unwrap();
            assert!(verify_voucher_code(&code, &pk(), t0()).unwrap().matches(&v));
        }
    }

    #[test]
    fn payload_is_canonical_compact_json() {
        let code = sign_voucher(&voucher(), &key()).unwrap();
        let (_, payload, signature) = parts(&code);
        assert_eq!(
            String::from_utf8(payload).unwrap(),
            r#"{"id":"v-1","kind":{"type":"amount_off","amount":{"amount_minor":500,"currency":"EUR"},"min_spend":{"amount_minor":2500,"currency":"EUR"}},"title":"€5 off","valid_from":"2026-03-01T09:00:00Z","valid_until":"2026-03-31T09:00:00Z"}"#
        );
        assert_eq!(signature.len(), 64);
        // State, description and display code are not part of it.
        let mut other = voucher();
        other.description = None;
        other.code = String::new();
        other.state = VoucherState::Redeemed { at: t0() };
        assert_eq!(sign_voucher(&other, &key()).unwrap(), code);
    }

    #[test]
    fn tampered_payloads_are_refused() {
        let code = sign_voucher(&voucher(), &key()).unwrap();
        let (_, payload, signature) = parts(&code);
        // Every single byte of the payload changed in turn.
        for i in 0..payload.len() {
            let mut p = payload.clone();
            p[i] ^= 0x01;
            assert_eq!(
                verify_voucher_code(&assemble(&p, &signature), &pk(), t0()),
                Err(VoucherRefusal::BadSignature),
                "byte {i}"
            );
        }
        // A bigger amount, otherwise valid JSON.
        let richer = String::from_utf8(payload.clone())
            .unwrap()
            .replace("\"amount_minor\":500", "\"amount_minor\":5000");
        assert_eq!(
            verify_voucher_code(&assemble(richer.as_bytes(), &signature), &pk(), t0()),
            Err(VoucherRefusal::BadSignature)
        );
        // Whitespace added: same meaning, different bytes.
        let spaced = String::from_utf8(payload).unwrap().replace(',', ", ");
        assert_eq!(
            verify_voucher_code(&assemble(spaced.as_bytes(), &signature), &pk(), t0()),
            Err(VoucherRefusal::BadSignature)
        );
    }

    #[test]
    fn the_signature_covers_every_field() {
        let original = voucher();
        let code = sign_voucher(&original, &key()).unwrap();
        let (_, _, signature) = parts(&code);
        let variants: Vec<Voucher> = vec![
            Voucher {
                id: "v-2".into(),
                ..original.clone()
            },
            Voucher {
                title: "€50 off".into(),
                ..original.clone()
            },
            Voucher {
                valid_from: original.valid_from - Duration::days(1),
                ..original.clone()
            },
            Voucher {
                valid_until: original.valid_until + Duration::days(365),
                ..original.clone()
            },
            Voucher {
                kind: VoucherKind::AmountOff {
                    amount: Money::new(5_000, "EUR").unwrap(),
                    min_spend: Some(Money::new(2_500, "EUR").unwrap()),
                },
                ..original.clone()
            },
            Voucher {
                kind: VoucherKind::AmountOff {
                    amount: Money::new(500, "USD").unwrap(),
                    min_spend: Some(Money::new(2_500, "USD").unwrap()),
                },
                ..original.clone()
            },
            Voucher {
                kind: VoucherKind::AmountOff {
                    amount: Money::new(500, "EUR").unwrap(),
                    min_spend: None,
                },
                ..original.clone()
            },
            Voucher {
                kind: VoucherKind::PercentOff {
                    percent: 100,
                    max_discount: None,
                },
                ..original.clone()
            },
        ];
        for (i, changed) in variants.iter().enumerate() {
            // The changed voucher's own genuine payload, with the original signature.
            let (_, payload, _) = parts(&sign_voucher(changed, &key()).unwrap());
            assert_eq!(
                verify_voucher_code(&assemble(&payload, &signature), &pk(), t0()),
                Err(VoucherRefusal::BadSignature),
                "variant {i}"
            );
        }
        // The version tag is signed too.
        let relabelled = code.replacen("LCV1.", "LCV2.", 1);
        assert_eq!(
            verify_voucher_code(&relabelled, &pk(), t0()),
            Err(VoucherRefusal::Malformed)
        );
    }

    #[test]
    fn tampered_signatures_and_other_keys() {
        let code = sign_voucher(&voucher(), &key()).unwrap();
        let (_, payload, signature) = parts(&code);
        for i in [0, 31, 32, 63] {
            let mut s = signature.clone();
            s[i] ^= 0x80;
            assert_eq!(
                verify_voucher_code(&assemble(&payload, &s), &pk(), t0()),
                Err(VoucherRefusal::BadSignature),
                "signature byte {i}"
            );
        }
        assert_eq!(
            verify_voucher_code(&assemble(&payload, &[0u8; 64]), &pk(), t0()),
            Err(VoucherRefusal::BadSignature)
        );
        // Verified with another key.
        let other = new_signing_key();
        assert_eq!(
            verify_voucher_code(&code, &other.verifying_key().to_bytes(), t0()),
            Err(VoucherRefusal::BadSignature)
        );
        // Signed with another key.
        let forged = sign_voucher(&voucher(), &other).unwrap();
        assert_eq!(
            verify_voucher_code(&forged, &pk(), t0()),
            Err(VoucherRefusal::BadSignature)
        );
        // A key that is not a curve point, and the identity (small order), verify nothing.
        let not_a_point = not_a_point();
        assert_eq!(
            verify_voucher_code(&code, &not_a_point, t0()),
            Err(VoucherRefusal::BadSignature)
        );
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            verify_voucher_code(&code, &identity, t0()),
            Err(VoucherRefusal::BadSignature)
        );
    }

    #[test]
    fn validity_window_is_half_open() {
        let v = voucher();
        let code = sign_voucher(&v, &key()).unwrap();
        assert_eq!(
            verify_voucher_code(&code, &pk(), v.valid_from - Duration::milliseconds(1)),
            Err(VoucherRefusal::NotYetValid)
        );
        assert!(verify_voucher_code(&code, &pk(), v.valid_from).is_ok());
        assert!(
            verify_voucher_code(&code, &pk(), v.valid_until - Duration::milliseconds(1)).is_ok()
        );
        assert_eq!(
            verify_voucher_code(&code, &pk(), v.valid_until),
            Err(VoucherRefusal::Expired)
        );
        assert_eq!(
            verify_voucher_code(&code, &pk(), v.valid_until + Duration::days(400)),
            Err(VoucherRefusal::Expired)
        );
    }

    #[test]
    fn malformed_codes() {
        let code = sign_voucher(&voucher(), &key()).unwrap();
        let (_, payload, signature) = parts(&code);
        let p64 = URL_SAFE_NO_PAD.encode(&payload);
        let s64 = URL_SAFE_NO_PAD.encode(&signature);
        let padded = format!("LCV1.{p64}.{}=", &s64);
        let cases = vec![
            String::new(),
            "garbage".into(),
            "LCV1".into(),
            "LCV1.".into(),
            "LCV1..".into(),
            format!("LCV1.{p64}"),
            format!("LCV1.{p64}."),
            format!("LCV1..{s64}"),
            format!("{p64}.{s64}"),
            format!("lcv1.{p64}.{s64}"),
            format!("LCV1.{p64}.{s64}.extra"),
            format!("LCV1.{p64}!.{s64}"),
            format!("LCV1.{p64}.{s64}!"),
            format!("LCV1.{p64}.{}", &s64[..s64.len() - 2]),
            format!("LCV1.{p64}.{}", URL_SAFE_NO_PAD.encode([1u8; 63])),
            format!("LCV1.{p64}.{}", URL_SAFE_NO_PAD.encode([1u8; 65])),
            format!("LCV1.{p64} .{s64}"),
            padded,
            // Standard-alphabet characters.
            format!("LCV1.+{}.{s64}", &p64[1..]),
            format!("LCV1.{p64}./{}", &s64[1..]),
            "x".repeat(MAX_VOUCHER_CODE_LEN + 1),
        ];
        for case in &cases {
            assert_eq!(
                verify_voucher_code(case, &pk(), t0()),
                Err(VoucherRefusal::Malformed),
                "{case:?}"
            );
        }
    }

    #[test]
    fn genuinely_signed_but_unknown_payloads_are_malformed() {
        let sign_raw = |payload: &[u8]| {
            let input = format!("LCV1.{}", URL_SAFE_NO_PAD.encode(payload));
            let sig = key().sign(input.as_bytes());
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
        };
        let (_, payload, _) = parts(&sign_voucher(&voucher(), &key()).unwrap());
        let text = String::from_utf8(payload).unwrap();
        let extra = text.replacen('{', "{\"max_uses\":3,", 1);
        let cases = [
            "not json".to_string(),
            "{}".to_string(),
            extra,
            text.replace("amount_off", "cash_back"),
            text.replace("2026-03-31T09:00:00Z", "2026-02-01T09:00:00Z"),
        ];
        for case in cases {
            assert_eq!(
                verify_voucher_code(&sign_raw(case.as_bytes()), &pk(), t0()),
                Err(VoucherRefusal::Malformed),
                "{case}"
            );
        }
    }

    #[test]
    fn invalid_vouchers_are_not_signed() {
        let mut v = voucher();
        v.valid_until = v.valid_from;
        assert!(sign_voucher(&v, &key()).is_err());
        let mut v = voucher();
        v.id = String::new();
        assert!(sign_voucher(&v, &key()).is_err());
        let mut v = voucher();
        v.kind = VoucherKind::PercentOff {
            percent: 0,
            max_discount: None,
        };
        assert!(sign_voucher(&v, &key()).is_err());
        // An empty display code or a non-available state do not matter.
        let mut v = voucher();
        v.code = String::new();
        v.state = VoucherState::Expired;
        assert!(sign_voucher(&v, &key()).is_ok());
    }

    #[test]
    fn key_helpers() {
        let sk = new_signing_key();
        let hex = public_key_hex(&sk.verifying_key());
        assert_eq!(hex.len(), 64);
        assert_eq!(hex, hex.to_uppercase());
        assert_eq!(
            parse_public_key_hex(&hex).unwrap(),
            sk.verifying_key().to_bytes()
        );
        assert_eq!(
            parse_public_key_hex(&hex.to_lowercase()).unwrap(),
            sk.verifying_key().to_bytes()
        );
        let round = parse_signing_key_hex(&signing_key_hex(&sk)).unwrap();
        assert_eq!(round.to_bytes(), sk.to_bytes());
        assert_ne!(new_signing_key().to_bytes(), sk.to_bytes());

        let e = parse_public_key_hex(&hex[..62]).unwrap_err();
        assert!(e.reason.contains("32 bytes"), "{}", e.reason);
        assert!(parse_public_key_hex(&format!("{hex}00")).is_err());
        let e = parse_public_key_hex(&hex[..63]).unwrap_err();
        assert!(e.reason.contains("even"), "{}", e.reason);
        assert!(parse_public_key_hex(&format!("{}ZZ", &hex[..62])).is_err());
        let mut identity = "00".repeat(32);
        identity.replace_range(0..2, "01");
        assert!(parse_public_key_hex(&identity)
            .unwrap_err()
            .reason
            .contains("weak"));
        let e = parse_public_key_hex(&hex_encode(&not_a_point())).unwrap_err();
        assert!(e.reason.contains("not a valid"), "{}", e.reason);
        let e = parse_signing_key_hex("abc").unwrap_err();
        assert!(!e.reason.contains("abc"));
        assert!(parse_signing_key_hex(&"00".repeat(31)).is_err());
    }

    #[test]
    fn refusal_reasons() {
        for r in [
            VoucherRefusal::Malformed,
            VoucherRefusal::BadSignature,
            VoucherRefusal::NotYetValid,
            VoucherRefusal::Expired,
        ] {
            assert_eq!(r.to_string(), r.reason());
            assert!(!r.reason().is_empty());
        }
    }
}
