//! Verification of rotating card codes at the till, offline, with the member's secret.
//!
//! A scanned payload is `LC1:<card>:<totp>:<seconds>` ([`super::rotating`]). The till checks, in
//! this order, and stops at the first failure:
//!
//! 1. **Shape.** Exactly that shape, the TOTP with the policy's number of digits, the seconds a
//!    canonical decimal (no sign, no leading zeros) that fits a date → else
//!    [`Refusal::Malformed`]. The expected card's bare number (its static code) →
//!    [`Refusal::NotRotating`]: it never expires, so a screenshot of it would work forever —
//!    unless the policy accepts static codes ([`TillPolicy::accept_static`], checked by
//!    [`TillVerifier::check`]). Any other text, including another card's number, is
//!    [`Refusal::Malformed`]: the till cannot tell another card's number from noise. Surrounding
//!    ASCII whitespace (a scanner's trailing newline) is ignored.
//! 2. **Member.** The card in the payload must be the expected card → [`Refusal::WrongMember`].
//! 3. **Secret.** A secret shorter than 16 bytes (or longer than 256) cannot vouch for anything →
//!    [`Refusal::Unverifiable`].
//! 4. **Stated time.** With `skew = max_skew`: a timestamp after `now + skew` →
//!    [`Refusal::FromTheFuture`]; one before `now - max_age - skew` → [`Refusal::Expired`].
//!    Both bounds are inclusive (exactly at the bound is accepted).
//! 5. **TOTP.** The candidate steps are the step containing the timestamp and, to absorb a
//!    generator whose timestamp and TOTP straddle a step boundary, the previous and the next
//!    step *only if the timestamp lies within `skew` of that step* (measured to the step's nearest
//!    instant). The scanned TOTP is compared in constant time with every candidate's TOTP (all are
//!    computed, no early exit). No match → [`Refusal::Forged`].
//! 6. **Matched step.** The timestamp is not covered by the secret, so the age rule is applied
//!    again to the start of the step whose TOTP matched: it must lie in
//!    `[now - max_age - skew, now + skew]` → else Expired / FromTheFuture. This stops an old code
//!    re-stamped with a newer timestamp from living longer than it would have.
//! 7. **Replay.** A counter at or below the highest already accepted for this card →
//!    [`Refusal::Replayed`] (the same code twice, or an older code after a newer one). One code
//!    per card per step: a second scan within the same period is refused until the code rotates.
//!
//! **Replay cache.** Per card the highest accepted counter, at most `capacity` cards. Entries
//! whose counter is too old for any code at or below it to pass rule 6 are dropped first (that is
//! always safe). If the cache is still full, the card whose last accepted code is the oldest is
//! forgotten ([`TillVerifier::forced_evictions`] counts these): a code of that card still inside
//! its age window could then be accepted once more. Size `capacity` above the number of distinct
//! cards a till scans within `max_age + 2 × max_skew` and this never happens.
//!
//! **Static codes: the till policy.** The printed card and the cards exported where no rotating
//! code exists (Catima, Apple Wallet) carry the static code, the card number. It identifies the
//! member but proves nothing: no expiry, no replay protection. The policy of this project's till
//! ([`TillPolicy::accept_static`]): a static code may *credit* points — the reference server's
//! `POST /v1/till/purchases` takes it, like every supermarket's printed card — and is refused
//! wherever the code must prove the phone is present (`POST /v1/till/scans`, spending points or
//! member-only prices). Google Wallet's export carries the rotating code and passes everywhere.

use super::member::{validate_card_number, MAX_CARD_NUMBER_LEN};
use super::pattern::PAYLOAD_PREFIX;
use super::totp::{constant_time_eq, hotp, validate_secret, TotpParams};
use crate::check::InputError;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// Largest accepted clock skew.
pub const MAX_SKEW_LIMIT: TimeDelta = TimeDelta::minutes(10);
/// Largest accepted `max_age`.
pub const MAX_AGE_LIMIT: TimeDelta = TimeDelta::days(1);
/// A reasonable replay cache size for one till.
pub const DEFAULT_REPLAY_CAPACITY: usize = 10_000;

/// Longest payload worth parsing: prefix, 32-character card, 10 digits, 20-digit seconds, colons.
const MAX_SCANNED_LEN: usize = PAYLOAD_PREFIX.len() + MAX_CARD_NUMBER_LEN + 10 + 20 + 3;

/// How strict the till is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TillPolicy {
    /// The TOTP parameters the cards use.
    pub params: TotpParams,
    /// Largest tolerated difference between the phone's and the till's clocks (0..=10 min).
    pub max_skew: TimeDelta,
    /// How long after its timestamp (and after the start of its step) a code stays acceptable,
    /// on top of the skew (0..=1 day). One period lets a code shown at the end of its step be
    /// scanned a moment later.
    pub max_age: TimeDelta,
    /// Whether [`TillVerifier::check`] accepts the expected card's static code (its bare number)
    /// as [`Verdict::Static`]. Off by default; [`TillVerifier::verify`] never accepts it.
    pub accept_static: bool,
}

impl Default for TillPolicy {
    /// Default TOTP parameters (SHA-1, 8 digits, 30 s), 30 s skew, one period of age.
    fn default() -> Self {
        Self::for_params(TotpParams::default())
    }
}

impl TillPolicy {
    /// `params` with a 30 s skew and one period of age.
    pub fn for_params(params: TotpParams) -> Self {
        Self {
            params,
            max_skew: TimeDelta::seconds(30),
            max_age: params.period(),
            accept_static: false,
        }
    }

    pub fn validate(&self) -> Result<(), InputError> {
        self.params.validate()?;
        if self.max_skew < TimeDelta::zero() || self.max_skew > MAX_SKEW_LIMIT {
            return Err(InputError::new(
                "till max_skew must be between 0 and 10 minutes",
            ));
        }
        if self.max_age < TimeDelta::zero() || self.max_age > MAX_AGE_LIMIT {
            return Err(InputError::new("till max_age must be between 0 and 1 day"));
        }
        Ok(())
    }
}

/// A code the till accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// The TOTP step whose code matched (now the highest accepted for the card).
    pub counter: u64,
    /// The timestamp the payload states (for our app: the start of its step).
    pub generated_at: DateTime<Utc>,
}

/// What [`TillVerifier::check`] accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A rotating code, verified with the card's secret and consumed.
    Rotating(Accepted),
    /// The expected card's static code, accepted because the policy allows it: it identifies
    /// the card and proves nothing else (see the module documentation).
    Static,
}

/// Why the till refused a code. [`Refusal::reason`] is a sentence for the cashier, free of
/// personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Refusal {
    /// Not a rotating Loyalty Core card code (nor the expected card's static code).
    Malformed,
    /// The expected card's static code (its bare number): not accepted where rotating codes are
    /// checked.
    NotRotating,
    /// A valid code of another card.
    WrongMember,
    /// Older than the policy allows.
    Expired,
    /// Dated after now plus the allowed skew.
    FromTheFuture,
    /// The one-time value does not match: altered, or made without the card's secret.
    Forged,
    /// This code, or a newer one of the same card, was already accepted.
    Replayed,
    /// The till has no usable secret (missing or too short) for the card.
    Unverifiable,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Malformed => "the scanned code is not a rotating loyalty card code",
            Refusal::NotRotating => {
                "the scanned code is this card's printed number, not its rotating code; ask the shopper to show the code in the app"
            }
            Refusal::WrongMember => "the code belongs to a different card than the one expected",
            Refusal::Expired => "the code has expired; ask the shopper to show the current code",
            Refusal::FromTheFuture => {
                "the code is dated in the future; the phone's or the till's clock is wrong"
            }
            Refusal::Forged => "the code is not genuine: its one-time value does not match",
            Refusal::Replayed => "this code was already used; ask the shopper to wait for the next code",
            Refusal::Unverifiable => "the till has no usable secret to verify this card",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for Refusal {}

/// A parsed payload.
struct Scanned<'a> {
    card: &'a str,
    totp: &'a str,
    timestamp: DateTime<Utc>,
}

/// The scanned text without the whitespace a scanner may add around it.
fn trimmed(scanned: &str) -> &str {
    scanned.trim_matches(|c: char| c.is_ascii_whitespace())
}

fn parse_scanned<'a>(
    scanned: &'a str,
    expected_card: &str,
    digits: u32,
) -> Result<Scanned<'a>, Refusal> {
    let s = trimmed(scanned);
    if s.len() > MAX_SCANNED_LEN {
        return Err(Refusal::Malformed);
    }
    if s == expected_card && validate_card_number(s).is_ok() {
        return Err(Refusal::NotRotating);
    }
    let mut parts = s.split(':');
    let (Some(prefix), Some(card), Some(totp), Some(seconds), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(Refusal::Malformed);
    };
    let digits_only = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if prefix != PAYLOAD_PREFIX
        || validate_card_number(card).is_err()
        || totp.len() != digits as usize
        || !digits_only(totp)
        || !digits_only(seconds)
        || (seconds.len() > 1 && seconds.starts_with('0'))
    {
        return Err(Refusal::Malformed);
    }
    let timestamp = seconds
        .parse::<u64>()
        .ok()
        .and_then(|s| s.checked_mul(1_000))
        .and_then(|ms| i64::try_from(ms).ok())
        .and_then(DateTime::from_timestamp_millis)
        .ok_or(Refusal::Malformed)?;
    Ok(Scanned {
        card,
        totp,
        timestamp,
    })
}

/// Verifies rotating codes and remembers, per card, the highest counter it accepted.
pub struct TillVerifier {
    policy: TillPolicy,
    capacity: usize,
    /// card → (highest accepted counter, insertion sequence).
    by_card: HashMap<String, (u64, u64)>,
    /// (highest accepted counter, sequence) → card: oldest first, for eviction.
    by_age: BTreeMap<(u64, u64), String>,
    next_seq: u64,
    forced_evictions: u64,
    /// Vouchers taken from combined codes ([`super::combined`]): id → end of its window.
    vouchers: HashMap<String, DateTime<Utc>>,
    /// (end of window, id): soonest ending first, for pruning and eviction.
    vouchers_by_end: BTreeSet<(DateTime<Utc>, String)>,
}

impl fmt::Debug for TillVerifier {
    /// Counts only: the cache holds card numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TillVerifier")
            .field("policy", &self.policy)
            .field("capacity", &self.capacity)
            .field("cards", &self.by_card.len())
            .field("vouchers", &self.vouchers.len())
            .field("forced_evictions", &self.forced_evictions)
            .finish()
    }
}

impl TillVerifier {
    /// A verifier remembering at most `capacity` cards (at least 1).
    pub fn new(policy: TillPolicy, capacity: usize) -> Result<Self, InputError> {
        policy.validate()?;
        if capacity == 0 {
            return Err(InputError::new(
                "till replay cache capacity must be at least 1",
            ));
        }
        Ok(Self {
            policy,
            capacity,
            by_card: HashMap::new(),
            by_age: BTreeMap::new(),
            next_seq: 0,
            forced_evictions: 0,
            vouchers: HashMap::new(),
            vouchers_by_end: BTreeSet::new(),
        })
    }

    pub fn policy(&self) -> &TillPolicy {
        &self.policy
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Cards currently remembered.
    pub fn len(&self) -> usize {
        self.by_card.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_card.is_empty()
    }

    /// The highest counter accepted for `card_number`, if remembered.
    pub fn highest_accepted(&self, card_number: &str) -> Option<u64> {
        self.by_card.get(card_number).map(|(h, _)| *h)
    }

    /// Cards forgotten while their last code could still have been replayed, and vouchers
    /// forgotten before their window ended (cache too small).
    pub fn forced_evictions(&self) -> u64 {
        self.forced_evictions
    }

    /// Vouchers this till took from combined codes whose window has not ended (as of the last
    /// verification).
    pub fn vouchers_taken(&self) -> usize {
        self.vouchers.len()
    }

    /// Forgets that voucher `id` was taken, for a sale the cashier voided: the voucher can be
    /// used again. Whether it was remembered.
    pub fn release_voucher(&mut self, id: &str) -> bool {
        match self.vouchers.remove(id) {
            Some(end) => {
                self.vouchers_by_end.remove(&(end, id.to_string()));
                true
            }
            None => false,
        }
    }

    pub(super) fn voucher_taken(&self, id: &str) -> bool {
        self.vouchers.contains_key(id)
    }

    /// Forgets vouchers whose window ended by `now`: their codes are refused as expired anyway.
    pub(super) fn prune_vouchers(&mut self, now: DateTime<Utc>) {
        while let Some((end, _)) = self.vouchers_by_end.first() {
            if *end > now {
                break;
            }
            if let Some((_, id)) = self.vouchers_by_end.pop_first() {
                self.vouchers.remove(&id);
            }
        }
    }

    /// Remembers voucher `id` until `valid_until`; at most `capacity` vouchers, the one whose
    /// window ends first is forgotten when full (counted in [`Self::forced_evictions`]).
    pub(super) fn take_voucher(&mut self, id: &str, valid_until: DateTime<Utc>) {
        if self.vouchers.len() >= self.capacity {
            if let Some((_, evicted)) = self.vouchers_by_end.pop_first() {
                self.vouchers.remove(&evicted);
                self.forced_evictions += 1;
            }
        }
        self.vouchers.insert(id.to_string(), valid_until);
        self.vouchers_by_end.insert((valid_until, id.to_string()));
    }

    /// Forgets cards whose highest accepted counter is too old for any code at or below it to be
    /// accepted at `now` (rule 6). Returns how many were dropped.
    pub fn prune(&mut self, now: DateTime<Utc>) -> usize {
        let lower = i128::from(now.timestamp_millis())
            - i128::from(self.policy.max_age.num_milliseconds())
            - i128::from(self.policy.max_skew.num_milliseconds());
        if lower <= 0 {
            return 0;
        }
        let period = i128::from(self.policy.params.period_millis);
        // Counters below ceil(lower / period) start before `lower`.
        let stale_below = u64::try_from((lower + period - 1) / period).unwrap_or(u64::MAX);
        let mut dropped = 0;
        while let Some(entry) = self.by_age.first_entry() {
            if entry.key().0 >= stale_below {
                break;
            }
            let card = entry.remove();
            self.by_card.remove(&card);
            dropped += 1;
        }
        dropped
    }

    fn record(&mut self, card: &str, counter: u64, now: DateTime<Utc>) {
        self.prune(now);
        let seq = self.next_seq;
        self.next_seq += 1;
        if let Some((highest, old_seq)) = self.by_card.get_mut(card) {
            self.by_age.remove(&(*highest, *old_seq));
            *highest = counter;
            *old_seq = seq;
        } else {
            if self.by_card.len() >= self.capacity {
                if let Some((_, evicted)) = self.by_age.pop_first() {
                    self.by_card.remove(&evicted);
                    self.forced_evictions += 1;
                }
            }
            self.by_card.insert(card.to_string(), (counter, seq));
        }
        self.by_age.insert((counter, seq), card.to_string());
    }

    /// Verifies `scanned` for `expected_card` with the card's `secret` at `now`; on success the
    /// code's counter becomes the card's highest accepted. See the module documentation for the
    /// rules and their order.
    ///
    /// Rotating codes only, whatever [`TillPolicy::accept_static`] says.
    pub fn verify(
        &mut self,
        scanned: &str,
        expected_card: &str,
        secret: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Accepted, Refusal> {
        let params = self.policy.params;
        let code = parse_scanned(scanned, expected_card, params.digits)?;
        if code.card != expected_card {
            return Err(Refusal::WrongMember);
        }
        if validate_secret(secret).is_err() {
            return Err(Refusal::Unverifiable);
        }

        // All in i128 milliseconds: no overflow for any date chrono can hold.
        let ts = i128::from(code.timestamp.timestamp_millis());
        let now_ms = i128::from(now.timestamp_millis());
        let skew = i128::from(self.policy.max_skew.num_milliseconds());
        let age = i128::from(self.policy.max_age.num_milliseconds());
        let period = i128::from(params.period_millis);
        let upper = now_ms + skew;
        let lower = now_ms - age - skew;
        if ts > upper {
            return Err(Refusal::FromTheFuture);
        }
        if ts < lower {
            return Err(Refusal::Expired);
        }

        let c0 = ts / period; // ts >= 0
        let within_skew = |c: i128| {
            let start = c * period;
            let last = start + period - 1;
            let distance = if ts < start {
                start - ts
            } else if ts > last {
                ts - last
            } else {
                0
            };
            distance <= skew
        };
        let mut matched: Option<i128> = None;
        for c in [c0, c0 - 1, c0 + 1] {
            if c < 0 || !within_skew(c) {
                continue;
            }
            let Ok(counter) = u64::try_from(c) else {
                continue;
            };
            let expected = hotp(secret, counter, params.algorithm, params.digits);
            if constant_time_eq(expected.as_bytes(), code.totp.as_bytes()) && matched.is_none() {
                matched = Some(c);
            }
        }
        let c = matched.ok_or(Refusal::Forged)?;
        let start = c * period;
        if start > upper {
            return Err(Refusal::FromTheFuture);
        }
        if start < lower {
            return Err(Refusal::Expired);
        }
        let counter = u64::try_from(c).map_err(|_| Refusal::Malformed)?;

        if self
            .highest_accepted(expected_card)
            .is_some_and(|highest| counter <= highest)
        {
            return Err(Refusal::Replayed);
        }
        self.record(expected_card, counter, now);
        Ok(Accepted {
            counter,
            generated_at: code.timestamp,
        })
    }

    /// As [`Self::verify`], and the expected card's static code is [`Verdict::Static`] when the
    /// policy accepts static codes ([`Refusal::NotRotating`] otherwise).
    pub fn check(
        &mut self,
        scanned: &str,
        expected_card: &str,
        secret: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Verdict, Refusal> {
        match self.verify(scanned, expected_card, secret, now) {
            Ok(accepted) => Ok(Verdict::Rotating(accepted)),
            Err(Refusal::NotRotating) if self.policy.accept_static => Ok(Verdict::Static),
            Err(refusal) => Err(refusal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::rotating::rotating_code;
    use super::super::totp::{new_secret, TotpAlgorithm};
    use super::*;

    const SECRET: &[u8] = b"12345678901234567890";
    const CARD: &str = "4000123";
    /// A step boundary for 30 s periods.
    const T0: i64 = 1_700_000_010_000;

    fn t(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    fn verifier() -> TillVerifier {
        TillVerifier::new(TillPolicy::default(), 100).unwrap()
    }

    fn code_at(ms: i64) -> String {
        rotating_code(CARD, SECRET, &TotpParams::default(), t(ms))
            .unwrap()
            .payload
    }

    /// A payload with an arbitrary TOTP step and stated time.
    fn payload(card: &str, counter: u64, stated_ms: i64) -> String {
        format!(
            "LC1:{card}:{}:{}",
            hotp(SECRET, counter, TotpAlgorithm::Sha1, 8),
            stated_ms / 1000
        )
    }

    #[test]
    fn a_fresh_code_is_accepted() {
        let mut v = verifier();
        let code = rotating_code(CARD, SECRET, &TotpParams::default(), t(T0 + 12_345)).unwrap();
        let ok = v
            .verify(&code.payload, CARD, SECRET, t(T0 + 13_000))
            .unwrap();
        assert_eq!(ok.counter, code.counter);
        assert_eq!(ok.generated_at, t(T0));
        assert_eq!(v.highest_accepted(CARD), Some(code.counter));
        // A scanner's trailing newline does not matter.
        let next = code_at(T0 + 30_000);
        assert!(v
            .verify(&format!("{next}\r\n"), CARD, SECRET, t(T0 + 30_500))
            .is_ok());
    }

    #[test]
    fn rfc6238_google_style_payload_is_accepted() {
        // Google Wallet stamps the generation time; 59 s -> step 1, code 94287082.
        let mut v = verifier();
        let ok = v
            .verify("LC1:4000123:94287082:59", CARD, SECRET, t(60_000))
            .unwrap();
        assert_eq!(ok.counter, 1);
        assert_eq!(ok.generated_at, t(59_000));
    }

    #[test]
    fn forged_codes_are_refused() {
        let mut v = verifier();
        let good = code_at(T0);
        let now = t(T0 + 1_000);
        // Change each TOTP digit in turn.
        let totp_at = good.find(':').unwrap() + CARD.len() + 2;
        for i in totp_at..totp_at + 8 {
            let mut bytes = good.clone().into_bytes();
            bytes[i] = if bytes[i] == b'9' { b'0' } else { bytes[i] + 1 };
            let forged = String::from_utf8(bytes).unwrap();
            assert_eq!(v.verify(&forged, CARD, SECRET, now), Err(Refusal::Forged));
        }
        // Made with another secret.
        let other = new_secret(TotpAlgorithm::Sha1);
        let made = rotating_code(CARD, &other, &TotpParams::default(), t(T0)).unwrap();
        assert_eq!(
            v.verify(&made.payload, CARD, SECRET, now),
            Err(Refusal::Forged)
        );
        // Verified with another secret.
        assert_eq!(v.verify(&good, CARD, &other, now), Err(Refusal::Forged));
        // The genuine code still passes: refusals do not touch the replay cache.
        assert!(v.verify(&good, CARD, SECRET, now).is_ok());
    }

    #[test]
    fn replays_are_refused() {
        let mut v = verifier();
        let first = code_at(T0);
        let second = code_at(T0 + 30_000);
        assert!(v.verify(&first, CARD, SECRET, t(T0 + 100)).is_ok());
        assert_eq!(
            v.verify(&first, CARD, SECRET, t(T0 + 200)),
            Err(Refusal::Replayed)
        );
        assert!(v.verify(&second, CARD, SECRET, t(T0 + 30_100)).is_ok());
        // The older code after the newer one, still within its age.
        assert_eq!(
            v.verify(&first, CARD, SECRET, t(T0 + 30_200)),
            Err(Refusal::Replayed)
        );
        // Google Wallet re-stamps every second, but the step is the same: still a replay.
        let restamped = payload(CARD, (T0 as u64 + 30_000) / 30_000, T0 + 31_000);
        assert_eq!(
            v.verify(&restamped, CARD, SECRET, t(T0 + 31_000)),
            Err(Refusal::Replayed)
        );
        // Another card has its own history.
        let other = rotating_code("777", SECRET, &TotpParams::default(), t(T0)).unwrap();
        assert!(v.verify(&other.payload, "777", SECRET, t(T0 + 100)).is_ok());
    }

    #[test]
    fn age_and_future_bounds_are_inclusive() {
        // Default policy: skew 30 s, age 30 s. The code is stamped T0.
        let code = code_at(T0);
        let age_bound = T0 + 30_000 + 30_000;
        assert!(verifier().verify(&code, CARD, SECRET, t(age_bound)).is_ok());
        assert_eq!(
            verifier().verify(&code, CARD, SECRET, t(age_bound + 1)),
            Err(Refusal::Expired)
        );
        let future_bound = T0 - 30_000;
        assert!(verifier()
            .verify(&code, CARD, SECRET, t(future_bound))
            .is_ok());
        assert_eq!(
            verifier().verify(&code, CARD, SECRET, t(future_bound - 1)),
            Err(Refusal::FromTheFuture)
        );
        // Far in the future, yet a valid date: from the future, not malformed.
        assert_eq!(
            verifier().verify("LC1:4000123:12345678:100000000000", CARD, SECRET, t(T0)),
            Err(Refusal::FromTheFuture)
        );
        // Zero skew and zero age: only the exact instant.
        let strict = TillPolicy {
            max_skew: TimeDelta::zero(),
            max_age: TimeDelta::zero(),
            ..TillPolicy::default()
        };
        let mut v = TillVerifier::new(strict, 10).unwrap();
        assert_eq!(
            v.verify(&code, CARD, SECRET, t(T0 + 1)),
            Err(Refusal::Expired)
        );
        assert_eq!(
            v.verify(&code, CARD, SECRET, t(T0 - 1)),
            Err(Refusal::FromTheFuture)
        );
        assert!(v.verify(&code, CARD, SECRET, t(T0)).is_ok());
    }

    #[test]
    fn neighbouring_steps_only_within_the_skew() {
        let policy = TillPolicy {
            max_skew: TimeDelta::seconds(10),
            ..TillPolicy::default()
        };
        let c = (T0 / 30_000) as u64; // step c = [T0, T0 + 30 s)
        let fresh = || TillVerifier::new(policy, 10).unwrap();
        // The next step's TOTP, stamped up to 10 s before that step starts.
        let next_start = T0 + 30_000;
        let now = t(T0 + 20_000);
        let ok = fresh()
            .verify(
                &payload(CARD, c + 1, next_start - 10_000),
                CARD,
                SECRET,
                now,
            )
            .unwrap();
        assert_eq!(ok.counter, c + 1);
        assert_eq!(
            fresh().verify(
                &payload(CARD, c + 1, next_start - 11_000),
                CARD,
                SECRET,
                now
            ),
            Err(Refusal::Forged)
        );
        // The previous step's TOTP, stamped up to 10 s after it ended (its last instant is
        // T0 - 1 ms, so T0 + 9 s is 9.001 s away; payloads carry whole seconds).
        let now = t(T0 + 9_000);
        let ok = fresh()
            .verify(&payload(CARD, c - 1, T0 + 9_000), CARD, SECRET, now)
            .unwrap();
        assert_eq!(ok.counter, c - 1);
        let mut v = fresh();
        assert_eq!(
            v.verify(&payload(CARD, c - 1, T0 + 10_000), CARD, SECRET, now),
            Err(Refusal::Forged)
        );
        // Two steps away is never a candidate.
        assert_eq!(
            v.verify(&payload(CARD, c + 2, T0), CARD, SECRET, now),
            Err(Refusal::Forged)
        );
        assert_eq!(
            v.verify(&payload(CARD, c - 2, T0), CARD, SECRET, now),
            Err(Refusal::Forged)
        );
    }

    #[test]
    fn restamping_an_old_code_does_not_extend_its_life() {
        let c = (T0 / 30_000) as u64;
        let original = payload(CARD, c, T0);
        // Just past the original's age bound (30 s age + 30 s skew after T0).
        let now = t(T0 + 60_001);
        assert_eq!(
            verifier().verify(&original, CARD, SECRET, now),
            Err(Refusal::Expired)
        );
        // Same TOTP, stamped with the next step's start: the stated time is fresh and step c is a
        // neighbour within the skew, but step c itself is too old.
        let restamped = payload(CARD, c, T0 + 30_000);
        assert_eq!(
            verifier().verify(&restamped, CARD, SECRET, now),
            Err(Refusal::Expired)
        );
        // The other direction: a stated time just inside the skew, but the matching TOTP is the
        // next step's, which starts beyond now + skew.
        let early = payload(CARD, c + 1, T0 + 15_000);
        assert_eq!(
            verifier().verify(&early, CARD, SECRET, t(T0 - 10_000)),
            Err(Refusal::FromTheFuture)
        );
        assert!(verifier().verify(&early, CARD, SECRET, t(T0)).is_ok());
    }

    #[test]
    fn wrong_member_and_static_codes() {
        let mut v = verifier();
        let other = rotating_code("999", SECRET, &TotpParams::default(), t(T0)).unwrap();
        assert_eq!(
            v.verify(&other.payload, CARD, SECRET, t(T0)),
            Err(Refusal::WrongMember)
        );
        assert_eq!(
            v.verify(CARD, CARD, SECRET, t(T0)),
            Err(Refusal::NotRotating)
        );
        assert_eq!(
            v.verify("  4000123\n", CARD, SECRET, t(T0)),
            Err(Refusal::NotRotating)
        );
        // Another card's number, or any word, is not this card's static code.
        for other in ["LC1", "garbage", "999", "4000124"] {
            assert_eq!(
                v.verify(other, CARD, SECRET, t(T0)),
                Err(Refusal::Malformed),
                "{other}"
            );
        }
        assert!(v.is_empty());
    }

    #[test]
    fn static_codes_pass_check_only_when_the_policy_accepts_them() {
        let strict = TillPolicy::default();
        assert!(!strict.accept_static);
        let mut v = TillVerifier::new(strict, 10).unwrap();
        assert_eq!(
            v.check(CARD, CARD, SECRET, t(T0)),
            Err(Refusal::NotRotating)
        );
        let lenient = TillPolicy {
            accept_static: true,
            ..TillPolicy::default()
        };
        let mut v = TillVerifier::new(lenient, 10).unwrap();
        assert_eq!(
            v.check("4000123\n", CARD, SECRET, t(T0)),
            Ok(Verdict::Static)
        );
        // verify() stays rotating-only, and other texts keep their reasons.
        assert_eq!(
            v.verify(CARD, CARD, SECRET, t(T0)),
            Err(Refusal::NotRotating)
        );
        assert_eq!(v.check("999", CARD, SECRET, t(T0)), Err(Refusal::Malformed));
        // Rotating codes pass check() as they pass verify(), and are consumed once.
        let code = code_at(T0);
        let Ok(Verdict::Rotating(ok)) = v.check(&code, CARD, SECRET, t(T0 + 100)) else {
            panic!("a fresh rotating code passes check()");
        };
        assert_eq!(ok.generated_at, t(T0));
        assert_eq!(
            v.check(&code, CARD, SECRET, t(T0 + 200)),
            Err(Refusal::Replayed)
        );
        // A static code is not remembered: it has no counter to replay-protect.
        assert_eq!(
            v.check(CARD, CARD, SECRET, t(T0 + 300)),
            Ok(Verdict::Static)
        );
    }

    #[test]
    fn malformed_payloads() {
        let good = code_at(T0);
        let (head, secs) = good.rsplit_once(':').unwrap();
        let huge_secs = format!("{head}:99999999999999999999999");
        let overflow_i64 = format!("{head}:18446744073709551615");
        let beyond_dates = format!("{head}:9999999999999999");
        let leading_zero = format!("{head}:0{secs}");
        let signed = format!("{head}:+{secs}");
        let negative = format!("{head}:-{secs}");
        let cases = [
            "",
            "   ",
            "garbage!",
            "<script>",
            "hello world",
            "LC1:",
            "LC1:4000123",
            "LC1:4000123:94287082",
            &good[..good.len() - 3].replace(':', "/"),
            &good[..good.find(':').unwrap() + 12],
            "LC2:4000123:94287082:59",
            "lc1:4000123:94287082:59",
            "LC1:4000123:9428708a:59",
            "LC1:4000123:9428708:59",
            "LC1:4000123:942870820:59",
            "LC1:4000123:94287082:",
            "LC1:4000123:94287082:5x",
            "LC1:4000123:94287082:59:extra",
            "LC1::94287082:59",
            "LC1:4000 123:94287082:59",
            "LC1:4000123: 94287082:59",
            "LC1:4000123:٩٤٢٨٧٠٨٢:59",
            &huge_secs,
            &overflow_i64,
            &beyond_dates,
            &leading_zero,
            &signed,
            &negative,
            &"9".repeat(1_000),
            &format!("LC1:{}:94287082:59", "A".repeat(33)),
        ];
        let mut v = verifier();
        for case in cases {
            assert_eq!(
                v.verify(case, CARD, SECRET, t(T0)),
                Err(Refusal::Malformed),
                "{case:?}"
            );
        }
        assert!(v.is_empty());
        assert!(v.verify(&good, CARD, SECRET, t(T0)).is_ok());
    }

    #[test]
    fn an_unusable_secret_is_not_a_verdict_on_the_code() {
        let mut v = verifier();
        let good = code_at(T0);
        assert_eq!(
            v.verify(&good, CARD, &[], t(T0)),
            Err(Refusal::Unverifiable)
        );
        assert_eq!(
            v.verify(&good, CARD, &SECRET[..15], t(T0)),
            Err(Refusal::Unverifiable)
        );
    }

    #[test]
    fn refusal_reasons_are_free_of_personal_data() {
        let all = [
            Refusal::Malformed,
            Refusal::NotRotating,
            Refusal::WrongMember,
            Refusal::Expired,
            Refusal::FromTheFuture,
            Refusal::Forged,
            Refusal::Replayed,
            Refusal::Unverifiable,
        ];
        let mut seen = std::collections::HashSet::new();
        for r in all {
            assert!(!r.reason().is_empty());
            assert!(!r.reason().chars().any(|c| c.is_ascii_digit()));
            assert_eq!(r.to_string(), r.reason());
            assert!(seen.insert(r.reason()), "distinct reasons");
        }
    }

    #[test]
    fn policy_and_capacity_are_validated() {
        assert!(TillVerifier::new(TillPolicy::default(), 0).is_err());
        let bad = |f: fn(&mut TillPolicy)| {
            let mut p = TillPolicy::default();
            f(&mut p);
            TillVerifier::new(p, 10).is_err()
        };
        assert!(bad(|p| p.max_skew = TimeDelta::seconds(-1)));
        assert!(bad(|p| p.max_skew = TimeDelta::minutes(11)));
        assert!(bad(|p| p.max_age = TimeDelta::milliseconds(-1)));
        assert!(bad(|p| p.max_age = TimeDelta::days(2)));
        assert!(bad(|p| p.params.digits = 5));
        assert!(bad(|p| p.params.period_millis = 0));
        let p = TillPolicy::for_params(TotpParams::new(TotpAlgorithm::Sha256, 6, 60_000).unwrap());
        assert_eq!(p.max_age, TimeDelta::seconds(60));
        let v = TillVerifier::new(p, 5).unwrap();
        assert_eq!(v.capacity(), 5);
        assert_eq!(v.policy(), &p);
        assert!(!format!("{v:?}").contains(CARD));
    }

    #[test]
    fn the_cache_drops_stale_cards_first_and_stays_bounded() {
        let mut v = TillVerifier::new(TillPolicy::default(), 3).unwrap();
        let at = |card: &str, ms: i64| {
            rotating_code(card, SECRET, &TotpParams::default(), t(ms))
                .unwrap()
                .payload
        };
        for (i, card) in ["A", "B", "C"].iter().enumerate() {
            let ms = T0 + i as i64 * 1_000;
            v.verify(&at(card, ms), card, SECRET, t(ms)).unwrap();
        }
        assert_eq!(v.len(), 3);
        // Within the age window, a fourth card forces out the oldest (A).
        v.verify(&at("D", T0 + 5_000), "D", SECRET, t(T0 + 5_000))
            .unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v.forced_evictions(), 1);
        assert_eq!(v.highest_accepted("A"), None);
        // Much later every entry is stale: they are pruned, not force-evicted.
        let later = T0 + 600_000;
        v.verify(&at("E", later), "E", SECRET, t(later)).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v.forced_evictions(), 1);
        // A stale card's old code is refused as expired even though it was forgotten.
        assert_eq!(
            v.verify(&at("B", T0), "B", SECRET, t(later)),
            Err(Refusal::Expired)
        );
        // prune() drops exactly the entries no code can revive.
        let c_e = v.highest_accepted("E").unwrap();
        let step_e = (c_e * 30_000) as i64;
        assert_eq!(v.prune(t(step_e + 60_000)), 0, "still inside age + skew");
        assert_eq!(v.prune(t(step_e + 60_001)), 1);
        assert!(v.is_empty());
    }

    #[test]
    fn property_many_times_and_delays() {
        // Deterministic pseudo-random walk over times, delays and algorithms.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        for round in 0..400 {
            let algorithm = [
                TotpAlgorithm::Sha1,
                TotpAlgorithm::Sha256,
                TotpAlgorithm::Sha512,
            ][round % 3];
            let digits = 6 + (next() % 5) as u32;
            let period = [1_000u64, 1_500, 30_000, 45_000, 60_000][(next() % 5) as usize];
            let params = TotpParams::new(algorithm, digits, period).unwrap();
            let policy = TillPolicy::for_params(params);
            let secret = new_secret(algorithm);
            let card = format!("M-{round}");
            let shown = (next() % 4_000_000_000_000) as i64;
            let code = rotating_code(&card, &secret, &params, t(shown)).unwrap();
            let stamped = code.valid_from.timestamp_millis().div_euclid(1_000) * 1_000
                + if code.valid_from.timestamp_millis() % 1_000 == 0 {
                    0
                } else {
                    1_000
                };
            let skew = policy.max_skew.num_milliseconds();
            let age = policy.max_age.num_milliseconds();
            // Acceptable from `skew` before the stamp to `age + skew` after the step start.
            let lo = stamped - skew;
            let hi = code.valid_from.timestamp_millis() + age + skew;
            let mut v = TillVerifier::new(policy, 8).unwrap();

            // Scanned anywhere in that window: accepted exactly once.
            let now = t(lo + (next() % (hi - lo + 1) as u64) as i64);
            let ok = v.verify(&code.payload, &card, &secret, now);
            assert_eq!(ok.map(|a| a.counter), Ok(code.counter), "round {round}");
            assert_eq!(
                v.verify(&code.payload, &card, &secret, now),
                Err(Refusal::Replayed)
            );

            // Beyond the window: expired; before it: from the future.
            let mut fresh = TillVerifier::new(policy, 8).unwrap();
            let late = hi + 1 + (next() % 100_000) as i64;
            assert_eq!(
                fresh.verify(&code.payload, &card, &secret, t(late)),
                Err(Refusal::Expired)
            );
            let early = lo - 1 - (next() % 100_000) as i64;
            assert_eq!(
                fresh.verify(&code.payload, &card, &secret, t(early)),
                Err(Refusal::FromTheFuture)
            );

            // Any single changed TOTP digit is refused as forged.
            let mut parts: Vec<String> = code.payload.split(':').map(str::to_string).collect();
            let i = (next() % digits as u64) as usize;
            let mut totp_bytes = parts[2].clone().into_bytes();
            totp_bytes[i] = b'0' + (totp_bytes[i] - b'0' + 1 + (next() % 9) as u8) % 10;
            parts[2] = String::from_utf8(totp_bytes).unwrap();
            assert_eq!(
                fresh.verify(&parts.join(":"), &card, &secret, t(stamped)),
                Err(Refusal::Forged),
                "round {round}"
            );
            assert!(fresh
                .verify(&code.payload, &card, &secret, t(stamped))
                .is_ok());
        }
    }
}
