//! One code for the card and the vouchers the shopper chose to use (issue #16 part 3): the till
//! scans once instead of once for the card and once per voucher.
//!
//! ```text
//! LCC1 <rotating card payload> <voucher code> [<voucher code> ...]
//! ```
//!
//! - The parts are the codes the till already reads on their own — the rotating payload
//!   `LC1:<card>:<totp>:<seconds>` ([`super::rotating`]) and 1 to [`MAX_COMBINED_VOUCHERS`]
//!   retailer-signed voucher codes `LCV1.<payload>.<signature>` ([`super::voucher_code`]) —
//!   joined by single ASCII spaces after the version tag. Neither alphabet holds a space, so the
//!   split is unambiguous, and a space survives every scanner keyboard layout (unlike `|` or `~`
//!   on an AZERTY keyboard wedge). Nothing new is signed: each part carries its own proof.
//! - At most [`MAX_COMBINED_CODE_LEN`] characters, so the code fits one QR symbol at error
//!   correction level M (version 40 holds 2,331 bytes).
//! - The till ([`TillVerifier::verify_combined`]) checks the card code first, with every rule and
//!   the replay cache of [`TillVerifier::verify`]; a refused card refuses the whole code and
//!   takes no voucher, so a screenshot of a combined code is as dead as a screenshot of the
//!   card. Then each voucher on its own: signature and validity window
//!   ([`super::verify_voucher_code`]), then once per till: a voucher this till already took (in
//!   this code or an earlier one) is [`ChosenVoucher::AlreadyTaken`] until its window ends. The
//!   retailer's server redeems each voucher once across all tills when the sale is sent.
//! - A plain rotating payload is read too (a card without vouchers), so the till has one entry
//!   point for every code the app shows.

use super::till::{Accepted, Refusal, TillVerifier};
use super::voucher_code::{
    verify_voucher_code, VerifiedVoucher, VoucherRefusal, MAX_VOUCHER_CODE_LEN, VOUCHER_CODE_PREFIX,
};
use crate::check::InputError;
use chrono::{DateTime, Utc};

/// The version tag that starts every combined code.
pub const COMBINED_CODE_PREFIX: &str = "LCC1";
/// Most vouchers one code carries.
pub const MAX_COMBINED_VOUCHERS: usize = 4;
/// Longest combined code: one QR symbol at error correction level M (version 40, byte mode).
pub const MAX_COMBINED_CODE_LEN: usize = 2_331;

/// A scanned code split into its parts (not verified yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CombinedCode<'a> {
    /// The rotating card payload.
    pub card: &'a str,
    /// The voucher codes, in the order shown (empty for a plain card code).
    pub vouchers: Vec<&'a str>,
}

impl<'a> CombinedCode<'a> {
    /// Splits a scanned text: a combined code, or a plain card code (no vouchers). Surrounding
    /// ASCII whitespace (a scanner's newline) is ignored. Any other text, an empty part, a part
    /// that is not a voucher code, a voucher count outside 1..=[`MAX_COMBINED_VOUCHERS`] or a
    /// text longer than [`MAX_COMBINED_CODE_LEN`] is [`Refusal::Malformed`]. The card part is
    /// judged by the verifier.
    pub fn parse(scanned: &'a str) -> Result<Self, Refusal> {
        let s = scanned.trim_matches(|c: char| c.is_ascii_whitespace());
        if s.len() > MAX_COMBINED_CODE_LEN {
            return Err(Refusal::Malformed);
        }
        let Some(rest) = s
            .strip_prefix(COMBINED_CODE_PREFIX)
            .and_then(|r| r.strip_prefix(' '))
        else {
            if s.starts_with(COMBINED_CODE_PREFIX) {
                return Err(Refusal::Malformed);
            }
            return Ok(Self {
                card: s,
                vouchers: Vec::new(),
            });
        };
        let mut parts = rest.split(' ');
        let card = parts.next().unwrap_or_default();
        let vouchers: Vec<&str> = parts.collect();
        let voucher_like = |v: &&str| {
            v.strip_prefix(VOUCHER_CODE_PREFIX)
                .is_some_and(|r| r.starts_with('.'))
        };
        if card.is_empty()
            || vouchers.is_empty()
            || vouchers.len() > MAX_COMBINED_VOUCHERS
            || !vouchers.iter().all(voucher_like)
        {
            return Err(Refusal::Malformed);
        }
        Ok(Self { card, vouchers })
    }

    /// The card number the code names (the second field of the rotating payload), for the till
    /// to look up the card's secret before verifying. `None` when the card part has no such
    /// field; the number is not validated here.
    pub fn card_number(&self) -> Option<&'a str> {
        let mut fields = self.card.split(':');
        fields.next()?;
        fields.next().filter(|n| !n.is_empty())
    }
}

/// Joins the app's rotating `card_payload` and the chosen `voucher_codes` into one code.
///
/// Refuses (naming the rule, never a code): no voucher or more than
/// [`MAX_COMBINED_VOUCHERS`]; a card payload that is not a rotating payload (`LC1:...`); a voucher
/// code that is not an `LCV1` code or holds whitespace; the same voucher code twice; a result
/// longer than [`MAX_COMBINED_CODE_LEN`].
pub fn combine(card_payload: &str, voucher_codes: &[&str]) -> Result<String, InputError> {
    if voucher_codes.is_empty() {
        return Err(InputError::new(
            "a combined code needs at least one voucher (show the card code alone otherwise)",
        ));
    }
    if voucher_codes.len() > MAX_COMBINED_VOUCHERS {
        return Err(InputError::new(
            "a combined code carries at most 4 vouchers",
        ));
    }
    let no_space = |t: &str| !t.is_empty() && !t.bytes().any(|b| b.is_ascii_whitespace());
    if !card_payload.starts_with("LC1:") || !no_space(card_payload) {
        return Err(InputError::new(
            "the card part of a combined code must be a rotating card code",
        ));
    }
    for (i, code) in voucher_codes.iter().enumerate() {
        if !code.starts_with("LCV1.") || !no_space(code) || code.len() > MAX_VOUCHER_CODE_LEN {
            return Err(InputError::new(
                "each voucher of a combined code must be a retailer-signed voucher code",
            ));
        }
        if voucher_codes[..i].contains(code) {
            return Err(InputError::new("a combined code carries each voucher once"));
        }
    }
    let len = COMBINED_CODE_PREFIX.len()
        + 1
        + card_payload.len()
        + voucher_codes.iter().map(|c| c.len() + 1).sum::<usize>();
    if len > MAX_COMBINED_CODE_LEN {
        return Err(InputError::new(
            "the chosen vouchers do not fit in one code: choose fewer",
        ));
    }
    let mut out = String::with_capacity(len);
    out.push_str(COMBINED_CODE_PREFIX);
    out.push(' ');
    out.push_str(card_payload);
    for code in voucher_codes {
        out.push(' ');
        out.push_str(code);
    }
    Ok(out)
}

/// The till's verdict on one voucher of a combined code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChosenVoucher {
    /// Genuine, valid now, and new to this till: apply it. The till now remembers it.
    Taken(VerifiedVoucher),
    /// Genuine and valid, but this till already took it (earlier in this code, or in an earlier
    /// code) and its window has not ended: not applied again.
    AlreadyTaken(VerifiedVoucher),
    /// Not genuine or not valid now.
    Refused(VoucherRefusal),
}

impl ChosenVoucher {
    /// The voucher, when it is taken now.
    pub fn taken(&self) -> Option<&VerifiedVoucher> {
        match self {
            ChosenVoucher::Taken(v) => Some(v),
            _ => None,
        }
    }

    /// A sentence for the cashier, free of personal data.
    pub fn reason(&self) -> &'static str {
        match self {
            ChosenVoucher::Taken(_) => "the voucher is valid: apply it",
            ChosenVoucher::AlreadyTaken(_) => {
                "this voucher was already used at this till; it can be used only once"
            }
            ChosenVoucher::Refused(r) => r.reason(),
        }
    }
}

/// What the till accepted from a combined code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CombinedVerdict {
    /// The card code, verified and consumed as [`TillVerifier::verify`] does.
    pub card: Accepted,
    /// One verdict per voucher, in the order of the code.
    pub vouchers: Vec<ChosenVoucher>,
}

impl CombinedVerdict {
    /// The vouchers to apply to the sale.
    pub fn taken(&self) -> impl Iterator<Item = &VerifiedVoucher> {
        self.vouchers.iter().filter_map(ChosenVoucher::taken)
    }
}

impl TillVerifier {
    /// Verifies a combined code (or a plain rotating card code) for `expected_card`: the card
    /// with its `secret` first, then each voucher with the retailer's `voucher_key`, at `now`.
    /// See the [module documentation](self) for the rules. A refused card is the whole code's
    /// refusal, and then no voucher is taken.
    pub fn verify_combined(
        &mut self,
        scanned: &str,
        expected_card: &str,
        secret: &[u8],
        voucher_key: &[u8; 32],
        now: DateTime<Utc>,
    ) -> Result<CombinedVerdict, Refusal> {
        let code = CombinedCode::parse(scanned)?;
        let card = self.verify(code.card, expected_card, secret, now)?;
        self.prune_vouchers(now);
        let vouchers = code
            .vouchers
            .iter()
            .map(|text| match verify_voucher_code(text, voucher_key, now) {
                Err(refusal) => ChosenVoucher::Refused(refusal),
                Ok(v) if self.voucher_taken(&v.id) => ChosenVoucher::AlreadyTaken(v),
                Ok(v) => {
                    self.take_voucher(&v.id, v.valid_until);
                    ChosenVoucher::Taken(v)
                }
            })
            .collect();
        Ok(CombinedVerdict { card, vouchers })
    }
}

#[cfg(test)]
mod tests {
    use super::super::rotating::rotating_code;
    use super::super::till::TillPolicy;
    use super::super::totp::TotpParams;
    use super::super::voucher_code::sign_voucher;
    use super::*;
    use crate::crypto::SigningKey;
    use crate::money::Money;
    use crate::wallet::{Voucher, VoucherKind, VoucherState};
    use chrono::{Duration, TimeZone};

    const SECRET: &[u8] = b"12345678901234567890";
    const CARD: &str = "4000123";

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, s).unwrap()
    }

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn voucher(id: &str, days: i64) -> Voucher {
        Voucher {
            titles: Default::default(),
            id: id.into(),
            kind: VoucherKind::AmountOff {
                amount: Money::new(500, "EUR").unwrap(),
                min_spend: None,
            },
            title: "€5 off".into(),
            description: None,
            code: "x".into(),
            valid_from: at(0, 0, 0) - Duration::days(1),
            valid_until: at(0, 0, 0) + Duration::days(days),
            state: VoucherState::Available,
            signature: None,
        }
    }

    fn signed(id: &str, days: i64) -> String {
        sign_voucher(&voucher(id, days), &key()).unwrap()
    }

    fn card_at(t: DateTime<Utc>) -> String {
        rotating_code(CARD, SECRET, &TotpParams::default(), t)
            .unwrap()
            .payload
    }

    fn till() -> TillVerifier {
        TillVerifier::new(TillPolicy::default(), 100).unwrap()
    }

    fn public() -> [u8; 32] {
        key().verifying_key().to_bytes()
    }

    #[test]
    fn card_and_vouchers_are_verified_in_one_scan_each_voucher_taken_once() {
        let (a, b) = (signed("v-a", 30), signed("v-b", 30));
        let code = combine(&card_at(at(9, 0, 0)), &[&a, &b]).unwrap();
        assert!(code.starts_with("LCC1 LC1:4000123:"));
        let parsed = CombinedCode::parse(&code).unwrap();
        assert_eq!(parsed.card_number(), Some(CARD));
        assert_eq!(parsed.vouchers, vec![a.as_str(), b.as_str()]);

        let mut till = till();
        let verdict = till
            .verify_combined(&format!("{code}\r\n"), CARD, SECRET, &public(), at(9, 0, 5))
            .unwrap();
        let ids: Vec<&str> = verdict.taken().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["v-a", "v-b"]);

        // The same code again: the card code is spent.
        assert_eq!(
            till.verify_combined(&code, CARD, SECRET, &public(), at(9, 0, 6)),
            Err(Refusal::Replayed)
        );
        // A fresh card code with the same vouchers: the card passes, the vouchers were taken.
        let again = combine(&card_at(at(9, 0, 30)), &[&b, &a]).unwrap();
        let verdict = till
            .verify_combined(&again, CARD, SECRET, &public(), at(9, 0, 31))
            .unwrap();
        assert!(verdict
            .vouchers
            .iter()
            .all(|v| matches!(v, ChosenVoucher::AlreadyTaken(_))));
        assert_eq!(verdict.taken().count(), 0);
    }

    #[test]
    fn a_refused_card_takes_no_voucher() {
        let a = signed("v-a", 30);
        let mut till = till();
        // Two minutes old: expired; a forged TOTP; another card.
        let old = combine(&card_at(at(8, 58, 0)), &[&a]).unwrap();
        assert_eq!(
            till.verify_combined(&old, CARD, SECRET, &public(), at(9, 0, 0)),
            Err(Refusal::Expired)
        );
        let forged = old.replacen(&card_at(at(8, 58, 0)), "LC1:4000123:00000000:1772442000", 1);
        assert_eq!(
            till.verify_combined(&forged, CARD, SECRET, &public(), at(9, 0, 0)),
            Err(Refusal::Forged)
        );
        assert_eq!(
            till.verify_combined(&old, "4000999", SECRET, &public(), at(9, 0, 0)),
            Err(Refusal::WrongMember)
        );
        // Nothing was remembered: the voucher is still new with a good card code.
        let good = combine(&card_at(at(9, 0, 0)), &[&a]).unwrap();
        let verdict = till
            .verify_combined(&good, CARD, SECRET, &public(), at(9, 0, 1))
            .unwrap();
        assert_eq!(verdict.taken().count(), 1);
    }

    #[test]
    fn each_voucher_gets_its_own_verdict() {
        let good = signed("v-good", 30);
        let other_key = SigningKey::from_bytes(&[8u8; 32]);
        let foreign = sign_voucher(&voucher("v-foreign", 30), &other_key).unwrap();
        let mut expired_voucher = voucher("v-old", 0);
        expired_voucher.valid_until = at(8, 0, 0);
        let expired = sign_voucher(&expired_voucher, &key()).unwrap();
        // An altered voucher: a character of its payload changed.
        let mut altered = good.clone();
        let i = 10;
        let c = if &altered[i..=i] == "A" { "B" } else { "A" };
        altered.replace_range(i..=i, c);
        let mut till = till();
        // The same voucher twice in one code is taken once (combine refuses it; a hand-made
        // code can still carry it).
        let code = format!(
            "LCC1 {} {good} {foreign} {expired} {good}",
            card_at(at(9, 0, 0))
        );
        let verdict = till
            .verify_combined(&code, CARD, SECRET, &public(), at(9, 0, 1))
            .unwrap();
        assert!(matches!(&verdict.vouchers[0], ChosenVoucher::Taken(v) if v.id == "v-good"));
        assert_eq!(
            verdict.vouchers[1],
            ChosenVoucher::Refused(VoucherRefusal::BadSignature)
        );
        assert_eq!(
            verdict.vouchers[2],
            ChosenVoucher::Refused(VoucherRefusal::Expired)
        );
        assert!(matches!(
            &verdict.vouchers[3],
            ChosenVoucher::AlreadyTaken(v) if v.id == "v-good"
        ));
        let code = format!("LCC1 {} {altered}", card_at(at(9, 0, 30)));
        let verdict = till
            .verify_combined(&code, CARD, SECRET, &public(), at(9, 0, 31))
            .unwrap();
        assert!(matches!(
            verdict.vouchers[0],
            ChosenVoucher::Refused(VoucherRefusal::BadSignature | VoucherRefusal::Malformed)
        ));
        for v in &verdict.vouchers {
            assert!(!v.reason().contains("v-"), "no voucher id in the reason");
        }
    }

    #[test]
    fn a_taken_voucher_is_forgotten_when_its_window_ends_or_the_sale_is_voided() {
        let short = signed("v-short", 1);
        let mut till = till();
        let code = combine(&card_at(at(9, 0, 0)), &[&short]).unwrap();
        let first = till
            .verify_combined(&code, CARD, SECRET, &public(), at(9, 0, 1))
            .unwrap();
        assert_eq!(first.taken().count(), 1);
        assert_eq!(till.vouchers_taken(), 1);
        // The cashier voids the sale: the voucher can be used in the next one.
        assert!(till.release_voucher("v-short"));
        assert!(!till.release_voucher("v-short"));
        let code = combine(&card_at(at(9, 0, 30)), &[&short]).unwrap();
        let second = till
            .verify_combined(&code, CARD, SECRET, &public(), at(9, 0, 31))
            .unwrap();
        assert_eq!(second.taken().count(), 1);
        // After its window the voucher is refused as expired and no longer remembered.
        let later = at(0, 0, 0) + Duration::days(1);
        let code = combine(&card_at(later), &[&short]).unwrap();
        let third = till
            .verify_combined(&code, CARD, SECRET, &public(), later)
            .unwrap();
        assert_eq!(
            third.vouchers[0],
            ChosenVoucher::Refused(VoucherRefusal::Expired)
        );
        assert_eq!(till.vouchers_taken(), 0);
    }

    #[test]
    fn a_plain_card_code_is_read_too() {
        let mut till = till();
        let verdict = till
            .verify_combined(&card_at(at(9, 0, 0)), CARD, SECRET, &public(), at(9, 0, 1))
            .unwrap();
        assert!(verdict.vouchers.is_empty());
        // The static code stays refused where rotating codes are checked.
        assert_eq!(
            till.verify_combined(CARD, CARD, SECRET, &public(), at(9, 0, 1)),
            Err(Refusal::NotRotating)
        );
    }

    #[test]
    fn malformed_combined_codes_are_refused_before_any_check() {
        let card = card_at(at(9, 0, 0));
        let a = signed("v-a", 30);
        let five: Vec<String> = (0..5).map(|i| signed(&format!("v-{i}"), 30)).collect();
        let cases = [
            "LCC1".to_string(),
            "LCC1 ".to_string(),
            format!("LCC1 {card}"),
            format!("LCC1  {card} {a}"),
            format!("LCC1 {card}  {a}"),
            format!("LCC1 {card} {a}  {a}"),
            format!("LCC1\t{card} {a}"),
            format!("LCC1 {card} hello"),
            format!("LCC1 {card} LCV1x{a}"),
            format!("LCC2 {card} {a}"),
            format!("LCC1 {card} {}", five.join(" ")),
            format!("LCC1 {card} {}", "LCV1.x".repeat(500)),
        ];
        let mut till = till();
        for case in &cases {
            assert_eq!(
                till.verify_combined(case, CARD, SECRET, &public(), at(9, 0, 1)),
                Err(Refusal::Malformed),
                "{case:.60}"
            );
        }
        assert_eq!(till.highest_accepted(CARD), None, "no card code was spent");
    }

    #[test]
    fn combine_refuses_what_the_till_could_not_read() {
        let card = card_at(at(9, 0, 0));
        let a = signed("v-a", 30);
        let five: Vec<String> = (0..5).map(|i| signed(&format!("v-{i}"), 30)).collect();
        let five: Vec<&str> = five.iter().map(String::as_str).collect();
        let long = format!("LCV1.{}", "A".repeat(2_400));
        for (payload, vouchers) in [
            (card.as_str(), vec![]),
            (card.as_str(), five.clone()),
            ("4000123", vec![a.as_str()]),
            ("LC1:4000123 x", vec![a.as_str()]),
            (card.as_str(), vec!["hello"]),
            (card.as_str(), vec!["LCV1.a b"]),
            (card.as_str(), vec![a.as_str(), a.as_str()]),
            (card.as_str(), vec![long.as_str()]),
        ] {
            let e = combine(payload, &vouchers).unwrap_err();
            assert!(!e.to_string().contains("4000123"), "{e}");
        }
        // Four real vouchers fit, with room to spare.
        let four = combine(&card, &five[..4]).unwrap();
        assert!(four.len() < MAX_COMBINED_CODE_LEN, "{}", four.len());
        assert_eq!(CombinedCode::parse(&four).unwrap().vouchers.len(), 4);
    }
}
