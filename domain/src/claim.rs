//! Receipt claim codes: the compact QR a till shows on its screen and prints on the paper receipt
//! of a purchase made without the card, signed by the retailer (Ed25519, the voucher codes' key).
//! The app scans it, the core verifies it offline and queues the claim; the server credits the
//! receipt and its points to the first member who claims it.
//!
//! ```text
//! LCR1.<key id>.<base64url(payload)>.<base64url(signature)>
//! ```
//!
//! - `key id`: the first 8 bytes of the retailer's public key, upper-case Base16 (16 characters).
//!   A code whose key id is not the retailer's is another retailer's ([`ClaimRefusal::OtherRetailer`]);
//!   one that names the retailer's key but does not verify under it is forged or altered
//!   ([`ClaimRefusal::NotGenuine`]).
//! - `payload`: compact JSON with short keys to keep the QR small, in this order:
//!   `r` receipt id, `s` store name, `t` purchase time (Unix seconds), `a` total in minor units,
//!   `c` currency, `p` points, `d` claim deadline (Unix seconds, exclusive). Unknown keys are
//!   refused (a new field means a new version tag).
//! - The signature covers the ASCII text `LCR1.<key id>.<payload>` (as JWS does), so the version
//!   tag and the key id are signed too.
//! - Base64url without padding; verification with `verify_strict`; the JSON is parsed only after
//!   the signature checked out.
//!
//! Every function is total: any input gives a value or a typed refusal, never a panic.

use crate::card::hex_encode;
use crate::check::{non_empty, InputError};
use crate::crypto::{self, SigningKey};
use crate::money::{validate_currency, Money};
use crate::reminders::{l10n, Lang};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The version tag that starts every claim code.
pub const CLAIM_CODE_PREFIX: &str = "LCR1";
/// Longest code worth looking at (a well-formed one is well under 600 characters).
pub const MAX_CLAIM_CODE_LEN: usize = 1024;
/// Longest claim window a till may grant, in days.
pub const MAX_CLAIM_WINDOW_DAYS: i64 = 366;
/// How far ahead of the phone's clock a purchase time may lie (clocks disagree a little).
pub const CLOCK_SKEW_MINUTES: i64 = 10;
/// Most points one claim code can carry (the ledger's per-entry limit).
pub const MAX_CLAIM_POINTS: i64 = 1_000_000_000;

/// What a claim code vouches for: a receipt sold without the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimCode {
    /// The retailer's receipt id.
    pub receipt_id: String,
    pub store_name: String,
    pub purchased_at: DateTime<Utc>,
    pub total: Money,
    /// Points the purchase earns (0 allowed: the receipt is still worth having).
    pub points: i64,
    /// The claim must reach the server before this moment.
    pub claim_until: DateTime<Utc>,
}

/// The signed content, in canonical key order.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    r: String,
    s: String,
    t: i64,
    a: i64,
    c: String,
    p: i64,
    d: i64,
}

/// Why a scanned claim code is refused. [`ClaimRefusal::reason`] is a fixed English sentence
/// free of personal data (for logs and errors); [`ClaimRefusal::text`] is the shopper's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ClaimRefusal {
    /// Not a claim code (wrong shape, version, Base64, or a signed payload this version does not
    /// understand).
    Malformed,
    /// A claim code signed by another retailer's key.
    OtherRetailer,
    /// Forged or altered: the retailer's signature does not match.
    NotGenuine,
    /// The purchase lies in the future (a till or phone clock far off).
    NotYetValid,
    /// The claim deadline has passed.
    Expired,
    /// This receipt was already claimed (here, or by another member).
    AlreadyClaimed,
    /// Genuine, but the retailer's server holds no receipt for it (told by the server).
    Unknown,
}

impl ClaimRefusal {
    pub const ALL: [ClaimRefusal; 7] = [
        ClaimRefusal::Malformed,
        ClaimRefusal::OtherRetailer,
        ClaimRefusal::NotGenuine,
        ClaimRefusal::NotYetValid,
        ClaimRefusal::Expired,
        ClaimRefusal::AlreadyClaimed,
        ClaimRefusal::Unknown,
    ];

    /// Stable snake_case name (the wire's and the CLI's `--json`).
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimRefusal::Malformed => "malformed",
            ClaimRefusal::OtherRetailer => "other_retailer",
            ClaimRefusal::NotGenuine => "not_genuine",
            ClaimRefusal::NotYetValid => "not_yet_valid",
            ClaimRefusal::Expired => "expired",
            ClaimRefusal::AlreadyClaimed => "already_claimed",
            ClaimRefusal::Unknown => "unknown",
        }
    }

    /// A fixed English sentence for logs and errors (no personal data).
    pub fn reason(self) -> &'static str {
        match self {
            ClaimRefusal::Malformed => "the scanned code is not a receipt claim code",
            ClaimRefusal::OtherRetailer => "the receipt claim code is from another retailer",
            ClaimRefusal::NotGenuine => {
                "the receipt claim code is not genuine: the retailer's signature does not match"
            }
            ClaimRefusal::NotYetValid => "the receipt claim code is dated in the future",
            ClaimRefusal::Expired => "the receipt claim code has expired",
            ClaimRefusal::AlreadyClaimed => "this receipt was already claimed",
            ClaimRefusal::Unknown => "no receipt waits to be claimed with this code",
        }
    }

    /// The shopper's text in `lang` (nl, fr, en).
    pub fn text(self, lang: Lang) -> String {
        let id = match self {
            ClaimRefusal::Malformed => "claim-refused-malformed",
            ClaimRefusal::OtherRetailer => "claim-refused-other-retailer",
            ClaimRefusal::NotGenuine => "claim-refused-not-genuine",
            ClaimRefusal::NotYetValid => "claim-refused-not-yet-valid",
            ClaimRefusal::Expired => "claim-refused-expired",
            ClaimRefusal::AlreadyClaimed => "claim-refused-already-claimed",
            ClaimRefusal::Unknown => "claim-refused-unknown",
        };
        l10n::localizer().format(lang, id, None)
    }
}

impl fmt::Display for ClaimRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for ClaimRefusal {}

/// Where a scanned receipt claim stands on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ClaimStatus {
    /// Verified here and queued: shown at once, the points wait for the server.
    Pending,
    /// The server credited the receipt and its points to this member.
    Claimed,
    /// The server refused it (`refusal`: already claimed by another member, expired, unknown).
    Refused,
}

/// A receipt claimed by scanning its code: what the phone shows before (and after) the server
/// answered. The code itself is kept only in the outbox until sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReceiptClaim {
    pub receipt_id: String,
    pub store_name: String,
    pub purchased_at: DateTime<Utc>,
    pub total: Money,
    pub points: i64,
    pub claim_until: DateTime<Utc>,
    pub scanned_at: DateTime<Utc>,
    pub status: ClaimStatus,
    /// Why the server refused it, when `status` is `Refused`.
    #[serde(default)]
    pub refusal: Option<ClaimRefusal>,
}

impl ReceiptClaim {
    /// A claim just scanned: pending.
    pub fn pending(code: &ClaimCode, now: DateTime<Utc>) -> Self {
        Self {
            receipt_id: code.receipt_id.clone(),
            store_name: code.store_name.clone(),
            purchased_at: code.purchased_at,
            total: code.total.clone(),
            points: code.points,
            claim_until: code.claim_until,
            scanned_at: now,
            status: ClaimStatus::Pending,
            refusal: None,
        }
    }

    /// What to tell the shopper about it in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        status_text(self.status, self.refusal, lang)
    }
}

/// What scanning a receipt claim code did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ClaimScan {
    /// Verified offline and queued: the receipt shows at once as pending; the next sync claims
    /// it (first claim across all members wins).
    Queued { claim: ReceiptClaim },
    /// Refused offline, with the reason ([`ClaimRefusal::text`] for the shopper).
    Refused { refusal: ClaimRefusal },
}

/// The shopper's text for a claim in `status` (refused: for `refusal`) in `lang`.
pub fn status_text(status: ClaimStatus, refusal: Option<ClaimRefusal>, lang: Lang) -> String {
    match status {
        ClaimStatus::Pending => l10n::localizer().format(lang, "claim-pending", None),
        ClaimStatus::Claimed => l10n::localizer().format(lang, "claim-credited", None),
        ClaimStatus::Refused => refusal.unwrap_or(ClaimRefusal::Unknown).text(lang),
    }
}

/// The key id of a public key: its first 8 bytes, upper-case Base16.
pub fn key_id(public_key: &[u8; 32]) -> String {
    hex_encode(&public_key[..8])
}

impl ClaimCode {
    /// The rules a claim code's content keeps (checked when signing and after verifying).
    pub fn validate(&self) -> Result<(), InputError> {
        non_empty("receipt id", &self.receipt_id, 128)?;
        non_empty("store name", &self.store_name, 200)?;
        validate_currency(&self.total.currency)?;
        if !(0..=1_000_000_000_000).contains(&self.total.amount_minor) {
            return Err(InputError::new(
                "receipt total must be between 0 and 1000000000000 minor units",
            ));
        }
        if !(0..=MAX_CLAIM_POINTS).contains(&self.points) {
            return Err(InputError::new("points must be between 0 and 1000000000"));
        }
        if self.claim_until <= self.purchased_at {
            return Err(InputError::new(
                "the claim deadline must follow the purchase",
            ));
        }
        if self.claim_until - self.purchased_at > Duration::days(MAX_CLAIM_WINDOW_DAYS) {
            return Err(InputError::new("the claim window is at most 366 days"));
        }
        if self.purchased_at.timestamp_subsec_nanos() != 0
            || self.claim_until.timestamp_subsec_nanos() != 0
        {
            return Err(InputError::new("claim code times are whole seconds"));
        }
        Ok(())
    }

    /// Whether the claim can still be made at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        now < self.claim_until
    }
}

/// Signs a claim code with the retailer's key (the till's or the server's): the text the QR
/// carries. Refuses content that breaks [`ClaimCode::validate`].
pub fn sign_claim_code(claim: &ClaimCode, signing_key: &SigningKey) -> Result<String, InputError> {
    claim.validate()?;
    let payload = Payload {
        r: claim.receipt_id.clone(),
        s: claim.store_name.clone(),
        t: claim.purchased_at.timestamp(),
        a: claim.total.amount_minor,
        c: claim.total.currency.clone(),
        p: claim.points,
        d: claim.claim_until.timestamp(),
    };
    let json = serde_json::to_vec(&payload)
        .map_err(|_| InputError::new("claim code could not be encoded"))?;
    let kid = key_id(&signing_key.verifying_key().to_bytes());
    let signing_input = format!("{CLAIM_CODE_PREFIX}.{kid}.{}", URL_SAFE_NO_PAD.encode(json));
    let signature = signing_key.sign(signing_input.as_bytes());
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

/// A signed code as scanned, `<prefix>.<key id>.<base64url payload>.<base64url signature>`: the
/// claim codes' shape, and the receipt line proofs' ([`crate::proof`]).
pub(crate) struct SignedCode<'a> {
    /// 16 Base16 characters, as written.
    pub kid: &'a str,
    /// The payload, decoded (non-empty).
    pub payload: Vec<u8>,
    pub signature: [u8; 64],
    /// Everything before the signature's dot.
    pub signing_input: &'a str,
}

/// Splits `text` (trimmed by the caller) into a [`SignedCode`] with `prefix`; `None` when it is
/// not one (the caller's `Malformed`).
pub(crate) fn split_signed_code<'a>(text: &'a str, prefix: &str) -> Option<SignedCode<'a>> {
    let mut parts = text.split('.');
    let (Some(p), Some(kid), Some(payload_b64), Some(sig_b64), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    if p != prefix
        || kid.len() != 16
        || !kid.bytes().all(|b| b.is_ascii_hexdigit())
        || payload_b64.is_empty()
    {
        return None;
    }
    Some(SignedCode {
        kid,
        payload: URL_SAFE_NO_PAD.decode(payload_b64).ok()?,
        signature: URL_SAFE_NO_PAD.decode(sig_b64).ok()?.try_into().ok()?,
        signing_input: &text[..text.len() - sig_b64.len() - 1],
    })
}

/// Reads a claim code without judging time: shape, key id, signature, content. What
/// [`verify_claim_code`] checks before the deadline; also what a server uses when the time rule
/// is its own.
pub fn read_claim_code(text: &str, public_key: &[u8; 32]) -> Result<ClaimCode, ClaimRefusal> {
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    if text.len() > MAX_CLAIM_CODE_LEN || !text.is_ascii() {
        return Err(ClaimRefusal::Malformed);
    }
    let SignedCode {
        kid,
        payload,
        signature,
        signing_input,
    } = split_signed_code(text, CLAIM_CODE_PREFIX).ok_or(ClaimRefusal::Malformed)?;
    if !kid.eq_ignore_ascii_case(&key_id(public_key)) {
        return Err(ClaimRefusal::OtherRetailer);
    }
    if !crypto::verify(public_key, signing_input.as_bytes(), &signature) {
        return Err(ClaimRefusal::NotGenuine);
    }
    let p: Payload = serde_json::from_slice(&payload).map_err(|_| ClaimRefusal::Malformed)?;
    let time = |s: i64| DateTime::<Utc>::from_timestamp(s, 0).ok_or(ClaimRefusal::Malformed);
    let claim = ClaimCode {
        receipt_id: p.r,
        store_name: p.s,
        purchased_at: time(p.t)?,
        total: Money {
            amount_minor: p.a,
            currency: p.c,
        },
        points: p.p,
        claim_until: time(p.d)?,
    };
    claim.validate().map_err(|_| ClaimRefusal::Malformed)?;
    Ok(claim)
}

/// Verifies a scanned claim code with the retailer's public key at `now`.
///
/// In order: shape → [`ClaimRefusal::Malformed`]; key id → [`ClaimRefusal::OtherRetailer`];
/// signature → [`ClaimRefusal::NotGenuine`]; content → Malformed; purchase more than
/// [`CLOCK_SKEW_MINUTES`] ahead → [`ClaimRefusal::NotYetValid`]; deadline passed →
/// [`ClaimRefusal::Expired`]. Replays are the caller's to judge (it knows what was claimed).
pub fn verify_claim_code(
    text: &str,
    public_key: &[u8; 32],
    now: DateTime<Utc>,
) -> Result<ClaimCode, ClaimRefusal> {
    let claim = read_claim_code(text, public_key)?;
    let ahead = now
        .checked_add_signed(Duration::minutes(CLOCK_SKEW_MINUTES))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    if claim.purchased_at > ahead {
        return Err(ClaimRefusal::NotYetValid);
    }
    if !claim.is_open(now) {
        return Err(ClaimRefusal::Expired);
    }
    Ok(claim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }
    fn pk() -> [u8; 32] {
        key().verifying_key().to_bytes()
    }
    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
    }
    fn claim() -> ClaimCode {
        ClaimCode {
            receipt_id: "r_0123456789abcdef".into(),
            store_name: "Gent Zuid".into(),
            purchased_at: t0(),
            total: Money::new(4_395, "EUR").unwrap(),
            points: 43,
            claim_until: t0() + Duration::days(30),
        }
    }

    #[test]
    fn a_signed_code_verifies_into_its_content_and_is_compact() {
        let code = sign_claim_code(&claim(), &key()).unwrap();
        assert!(code.starts_with("LCR1."));
        assert!(code.len() < 300, "{} characters", code.len());
        assert_eq!(verify_claim_code(&code, &pk(), t0()), Ok(claim()));
        // A scanner's newline is harmless; the last second of the window still counts.
        let last = t0() + Duration::days(30) - Duration::seconds(1);
        assert_eq!(
            verify_claim_code(&format!("{code}\r\n"), &pk(), last),
            Ok(claim())
        );
        // Deterministic: the same receipt always prints the same code.
        assert_eq!(sign_claim_code(&claim(), &key()).unwrap(), code);
    }

    #[test]
    fn expired_and_future_codes_are_refused() {
        let code = sign_claim_code(&claim(), &key()).unwrap();
        let end = t0() + Duration::days(30);
        assert_eq!(
            verify_claim_code(&code, &pk(), end),
            Err(ClaimRefusal::Expired)
        );
        assert_eq!(
            verify_claim_code(&code, &pk(), t0() - Duration::hours(1)),
            Err(ClaimRefusal::NotYetValid)
        );
        // Within the clock skew: accepted.
        assert!(verify_claim_code(&code, &pk(), t0() - Duration::minutes(5)).is_ok());
    }

    #[test]
    fn forged_altered_and_other_retailer_codes_are_refused() {
        let code = sign_claim_code(&claim(), &key()).unwrap();
        // Another retailer's key: its own key id.
        let other = SigningKey::from_bytes(&[9u8; 32]);
        let theirs = sign_claim_code(&claim(), &other).unwrap();
        assert_eq!(
            verify_claim_code(&theirs, &pk(), t0()),
            Err(ClaimRefusal::OtherRetailer)
        );
        // Forged: signed with another key but naming ours.
        let kid = key_id(&pk());
        let their_kid = key_id(&other.verifying_key().to_bytes());
        let forged = theirs.replacen(&their_kid, &kid, 1);
        assert_eq!(
            verify_claim_code(&forged, &pk(), t0()),
            Err(ClaimRefusal::NotGenuine)
        );
        // Altered: more points in the payload, the retailer's signature kept.
        let parts: Vec<&str> = code.split('.').collect();
        let mut richer = claim();
        richer.points = 4_300;
        let richer_code = sign_claim_code(&richer, &other).unwrap();
        let richer_payload = richer_code.split('.').nth(2).unwrap();
        let altered = format!("{}.{}.{}.{}", parts[0], parts[1], richer_payload, parts[3]);
        assert_eq!(
            verify_claim_code(&altered, &pk(), t0()),
            Err(ClaimRefusal::NotGenuine)
        );
        // Every single character changed anywhere: refused, never accepted, never a panic.
        for i in 0..code.len() {
            for c in [b'A', b'z', b'0', b'.', b'_'] {
                let mut b = code.clone().into_bytes();
                if b[i] == c {
                    continue;
                }
                b[i] = c;
                let s = String::from_utf8(b).unwrap();
                assert!(verify_claim_code(&s, &pk(), t0()).is_err(), "{i} {c}");
            }
        }
    }

    #[test]
    fn garbage_is_malformed() {
        let code = sign_claim_code(&claim(), &key()).unwrap();
        let voucher_like = code.replacen("LCR1", "LCV1", 1);
        for text in [
            "",
            " ",
            "LCR1",
            "LCR1...",
            "LCR1.x.y.z",
            "LC1:1234567890:123456:1767000000",
            "https://example.com/receipt/123",
            "LCR1.0123456789ABCDEF.e30.AAAA",
            voucher_like.as_str(),
            &"A".repeat(5000),
            "LCR1.ÄÖÜ.é.ñ",
            &format!("{code}.extra"),
        ] {
            assert_eq!(
                verify_claim_code(text, &pk(), t0()),
                Err(ClaimRefusal::Malformed),
                "{text:?}"
            );
        }
        // Signed by the retailer but with content this version refuses: still malformed.
        let kid = key_id(&pk());
        for json in [
            r#"{"r":"x","s":"s","t":1,"a":1,"c":"EUR","p":1,"d":2,"extra":1}"#,
            r#"{"r":"","s":"s","t":1,"a":1,"c":"EUR","p":1,"d":2}"#,
            r#"{"r":"x","s":"s","t":5,"a":1,"c":"EUR","p":1,"d":2}"#,
            r#"{"r":"x","s":"s","t":1,"a":-1,"c":"EUR","p":1,"d":2}"#,
            r#"{"r":"x","s":"s","t":1,"a":1,"c":"eur","p":1,"d":2}"#,
            r#"{"r":"x","s":"s","t":1,"a":1,"c":"EUR","p":-1,"d":2}"#,
            r#"{"r":"x","s":"s","t":9223372036854775807,"a":1,"c":"EUR","p":1,"d":2}"#,
            r#"[1,2,3]"#,
        ] {
            let input = format!("LCR1.{kid}.{}", URL_SAFE_NO_PAD.encode(json));
            let sig = key().sign(input.as_bytes());
            let text = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig));
            assert_eq!(
                verify_claim_code(&text, &pk(), t0()),
                Err(ClaimRefusal::Malformed),
                "{json}"
            );
        }
    }

    #[test]
    fn signing_refuses_bad_content() {
        let mut c = claim();
        c.claim_until = c.purchased_at;
        assert!(sign_claim_code(&c, &key()).is_err());
        let mut c = claim();
        c.claim_until = c.purchased_at + Duration::days(400);
        assert!(sign_claim_code(&c, &key()).is_err());
        let mut c = claim();
        c.receipt_id = " ".into();
        assert!(sign_claim_code(&c, &key()).is_err());
        let mut c = claim();
        c.purchased_at += Duration::milliseconds(5);
        assert!(sign_claim_code(&c, &key()).is_err());
    }

    #[test]
    fn every_refusal_has_a_text_in_each_language_without_the_code() {
        for r in ClaimRefusal::ALL {
            let mut seen = std::collections::HashSet::new();
            for lang in Lang::ALL {
                let t = r.text(lang);
                assert!(
                    !t.is_empty() && !t.contains("claim-refused"),
                    "{r:?} {lang:?}"
                );
                assert!(seen.insert(t), "{r:?} {lang:?} repeats another language");
            }
        }
        assert!(ClaimRefusal::AlreadyClaimed
            .text(Lang::Nl)
            .contains("al aan een klantenkaart toegevoegd"));
    }
}
