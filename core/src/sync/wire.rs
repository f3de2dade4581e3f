//! The API's JSON (snake_case, RFC 3339 UTC times), and the checks that turn what the server
//! sent into records the store accepts. A record that breaks a rule makes the whole page
//! malformed: nothing of it is applied and its cursor does not move.

use crate::card::{TotpAlgorithm, TotpParams};
use crate::points::{EntryKind, NewEntry};
use crate::receipts::Receipt;
use crate::store::{ServerLedgerEntry, ServerVoucher, ServerVoucherState};
use crate::wallet::{Voucher, VoucherKind, VoucherState};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The position a delta-feed cursor stands for, when it is one the server's grammar allows:
/// `c1.` then a decimal sequence number without sign or leading zero that fits the server's
/// 63-bit counter, optionally followed by `.` and the check of the history under it (12
/// lower-case hex digits; see server/openapi.yaml, "Delta feeds and cursors"). Anything else
/// (`c5.0`, `garbage`, an overflowing number, a malformed check) is `None`: never stored, never
/// sent. The check is the server's business: the device only keeps and sends it back.
pub fn cursor_position(cursor: &str) -> Option<u64> {
    let rest = cursor.strip_prefix("c1.")?;
    let (digits, check) = match rest.split_once('.') {
        Some((digits, check)) => (digits, Some(check)),
        None => (rest, None),
    };
    if check.is_some_and(|c| {
        c.len() != 12
            || !c
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }) {
        return None;
    }
    if digits.is_empty()
        || digits.len() > 19
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    digits
        .parse::<i64>()
        .ok()
        .and_then(|n| u64::try_from(n).ok())
}

/// `GET /v1/me`, the part the device takes: the member's consent and the company details for
/// invoices as the server has them (absent from an older server: none).
#[derive(Deserialize)]
pub struct Me {
    pub consents: crate::reminders::Consent,
    #[serde(default)]
    pub company: Option<crate::invoice::InvoiceParty>,
    /// The premium membership (`null` or absent: none).
    #[serde(default)]
    pub membership: Option<crate::membership::Membership>,
}

/// `GET /v1/content/{kind}`: the body is checked by the reminder data it feeds.
#[derive(Deserialize)]
pub struct ContentDoc {
    pub kind: String,
    pub version: u64,
    pub body: serde_json::Value,
}

/// `POST /v1/members`. No `Debug`: it holds the token and the household code.
#[derive(Deserialize)]
pub struct Enrolled {
    pub member_id: String,
    pub card_number: String,
    pub token: String,
    pub household_code: String,
    /// Renews the session when `token` expires (absent from servers without expiring sessions).
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// `POST /v1/sessions`. No `Debug`: it holds the token.
#[derive(Deserialize)]
pub struct Session {
    pub member_id: String,
    #[allow(dead_code)]
    pub card_number: String,
    pub token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl Enrolled {
    /// What the device needs of an enrolment answer is there and sound.
    pub fn ok(&self) -> bool {
        id_ok(&self.member_id) && !self.token.is_empty() && !self.household_code.is_empty()
    }
}

impl Session {
    /// A sign-in answer the device can use.
    pub fn ok(&self) -> bool {
        id_ok(&self.member_id) && !self.token.is_empty()
    }

    /// A renewal answer for `member_id`: the same member, a token and a new refresh token.
    pub fn renews(&self, member_id: &str) -> bool {
        self.member_id == member_id
            && !self.token.is_empty()
            && self.refresh_token.as_ref().is_some_and(|r| !r.is_empty())
    }
}

#[derive(Deserialize)]
pub struct TotpInfo {
    pub algorithm: String,
    pub digits: u32,
    pub period_millis: u64,
}

/// `GET /v1/me/card-secret`. No `Debug`: it holds the secret.
#[derive(Deserialize)]
pub struct CardSecret {
    pub card_number: String,
    pub secret_hex: String,
    pub totp: TotpInfo,
}

impl CardSecret {
    pub fn params(&self) -> Option<TotpParams> {
        let algorithm = match self.totp.algorithm.as_str() {
            "SHA1" => TotpAlgorithm::Sha1,
            "SHA256" => TotpAlgorithm::Sha256,
            "SHA512" => TotpAlgorithm::Sha512,
            _ => return None,
        };
        TotpParams::new(algorithm, self.totp.digits, self.totp.period_millis).ok()
    }

    /// The card number, the secret and its parameters, each checked; `None` if any is unsound.
    pub fn checked(self) -> Option<(String, Vec<u8>, TotpParams)> {
        let params = self.params()?;
        let secret = crate::card::hex_decode(&self.secret_hex).ok()?;
        crate::card::validate_secret(&secret).ok()?;
        crate::card::validate_card_number(&self.card_number).ok()?;
        Some((self.card_number, secret, params))
    }
}

#[derive(Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: String,
    pub has_more: bool,
}

impl<T> Page<T> {
    pub fn cursor_ok(&self) -> bool {
        cursor_position(&self.next_cursor).is_some()
    }
}

#[derive(Deserialize)]
pub struct LedgerItem {
    pub id: String,
    pub kind: String,
    pub points: i64,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub claim_key: Option<String>,
}

#[derive(Deserialize)]
pub struct VoucherItem {
    pub id: String,
    pub kind: VoucherKind,
    pub title: String,
    #[serde(default)]
    pub titles: crate::reminders::LocalizedText,
    #[serde(default)]
    pub description: Option<String>,
    pub code: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub state: String,
    #[serde(default)]
    pub redeemed_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RedemptionOutcomeWire {
    Accepted,
    AlreadyRedeemed,
    Rejected,
}

#[derive(Deserialize)]
pub struct RedemptionAnswer {
    pub outcome: RedemptionOutcomeWire,
    #[serde(default)]
    pub redeemed_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClaimOutcomeWire {
    Confirmed,
    Rejected,
}

#[derive(Deserialize)]
pub struct BatchAnswer {
    pub results: Vec<BatchItemAnswer>,
}

/// One item's answer in a batch: the single endpoint's status and body.
#[derive(Deserialize)]
pub struct BatchItemAnswer {
    #[serde(default)]
    pub idempotency_key: Option<String>,
    pub status: u16,
    #[serde(default)]
    pub body: serde_json::Value,
}

#[derive(Deserialize)]
pub struct ClaimAnswer {
    pub outcome: ClaimOutcomeWire,
    #[serde(default)]
    pub ledger_id: Option<String>,
}

impl ClaimAnswer {
    /// `Some(Some(ledger id))` confirmed, `Some(None)` rejected, `None` a confirmation without a
    /// usable ledger id.
    pub fn verdict(self) -> Option<Option<String>> {
        match self.outcome {
            ClaimOutcomeWire::Confirmed => Some(Some(self.ledger_id.filter(|id| id_ok(id))?)),
            ClaimOutcomeWire::Rejected => Some(None),
        }
    }
}

/// The answer to a receipt claim (`POST /v1/receipt-claims`).
#[derive(Deserialize)]
pub struct ReceiptClaimAnswer {
    pub outcome: String,
    #[serde(default)]
    pub ledger_id: Option<String>,
    #[serde(default)]
    pub refusal: Option<String>,
}

impl ReceiptClaimAnswer {
    /// The verdict, or `None` when the answer is not one this client understands.
    pub fn verdict(self) -> Option<crate::store::ReceiptClaimVerdict> {
        use crate::claim::ClaimRefusal;
        use crate::store::ReceiptClaimVerdict;
        Some(match self.outcome.as_str() {
            "claimed" => ReceiptClaimVerdict::Claimed {
                ledger_id: match self.ledger_id {
                    Some(id) if id_ok(&id) => Some(id),
                    Some(_) => return None,
                    None => None,
                },
            },
            "already_claimed" => ReceiptClaimVerdict::Refused(ClaimRefusal::AlreadyClaimed),
            "rejected" => ReceiptClaimVerdict::Refused(match self.refusal.as_deref() {
                Some("expired") => ClaimRefusal::Expired,
                Some("already_claimed") => ClaimRefusal::AlreadyClaimed,
                _ => ClaimRefusal::Unknown,
            }),
            _ => return None,
        })
    }
}

/// An issued invoice (`POST /v1/receipts/{receipt_id}/invoice`, 201 or 200).
#[derive(Deserialize)]
pub struct IssuedInvoice {
    pub number: String,
    pub receipt_id: String,
    pub issue_date: chrono::NaiveDate,
    pub buyer: crate::invoice::InvoiceParty,
    pub lang: String,
    pub ubl: String,
    pub html: String,
}

impl IssuedInvoice {
    /// The verdict for a request about `receipt_id`, or `None` when the answer is not a sound
    /// invoice for it (number `YYYY-NNNNNN`, a buyer that passes the invoice rules, a UBL
    /// document and an HTML page).
    pub fn verdict(self, receipt_id: &str) -> Option<crate::store::InvoiceVerdict> {
        let number_ok = self.number.len() == 11
            && self.number.bytes().enumerate().all(|(i, b)| {
                if i == 4 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        let sound = number_ok
            && self.receipt_id == receipt_id
            && matches!(self.lang.as_str(), "nl" | "fr" | "en")
            && self.buyer.validate().is_ok()
            && self.ubl.trim_start().starts_with('<')
            && !self.html.trim().is_empty();
        if !sound {
            return None;
        }
        Some(crate::store::InvoiceVerdict::Issued(Box::new(
            crate::store::IssuedInvoice {
                number: self.number,
                issue_date: self.issue_date,
                buyer: self.buyer,
                lang: self.lang,
                ubl: self.ubl,
                html: self.html,
            },
        )))
    }
}

/// A server id: 1 to 128 visible ASCII characters.
pub fn id_ok(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

impl LedgerItem {
    pub fn check(self) -> Option<ServerLedgerEntry> {
        let kind = match self.kind.as_str() {
            "earn" => EntryKind::Earn,
            "redeem" => EntryKind::Redeem,
            "adjust" => EntryKind::Adjust,
            "expire" => EntryKind::Expire,
            "reverse" => EntryKind::Reverse,
            _ => return None,
        };
        let rules = NewEntry {
            kind,
            points: self.points,
            status: crate::points::EntryStatus::Confirmed,
            reference: self.reference.clone(),
            description: self.description.clone(),
            reverses: None,
        };
        if !id_ok(&self.id) || rules.validate().is_err() {
            return None;
        }
        let key_ok =
            |k: &String| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic());
        if self.claim_key.as_ref().is_some_and(|k| !key_ok(k)) {
            return None;
        }
        Some(ServerLedgerEntry {
            id: self.id,
            kind,
            points: self.points,
            at: self.at,
            reference: self.reference,
            description: self.description,
            claim_key: self.claim_key,
        })
    }
}

impl VoucherItem {
    pub fn check(self, now: DateTime<Utc>) -> Option<ServerVoucher> {
        let state = match self.state.as_str() {
            "available" => ServerVoucherState::Available,
            "redeemed" => ServerVoucherState::Redeemed {
                at: self.redeemed_at.unwrap_or(now),
            },
            "revoked" => ServerVoucherState::Revoked,
            _ => return None,
        };
        let voucher = Voucher {
            titles: translations_or_none(self.titles, 200),
            id: self.id,
            kind: self.kind,
            title: self.title,
            description: self.description,
            code: self.code,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            state: VoucherState::Available,
            signature: None,
        };
        if !id_ok(&voucher.id) || voucher.validate().is_err() {
            return None;
        }
        Some(ServerVoucher { voucher, state })
    }
}

/// Translations that break the rules are dropped, what carries them kept: the shopper then
/// reads the retailer's own name.
fn translations_or_none(
    t: crate::reminders::LocalizedText,
    max: usize,
) -> crate::reminders::LocalizedText {
    if t.validate_translations("name", max).is_ok() {
        t
    } else {
        Default::default()
    }
}

pub fn check_receipt(mut r: Receipt) -> Option<Receipt> {
    // A seal of the wrong shape is dropped, the receipt kept: it only costs the line proofs.
    if r.seal.as_ref().is_some_and(|s| s.validate().is_err()) {
        r.seal = None;
    }
    r.store_names = translations_or_none(std::mem::take(&mut r.store_names), 200);
    for l in &mut r.lines {
        l.names = translations_or_none(std::mem::take(&mut l.names), 200);
    }
    (id_ok(&r.id) && r.validate().is_ok()).then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_items_are_checked() {
        let item = |kind: &str, points: i64, id: &str| LedgerItem {
            id: id.into(),
            kind: kind.into(),
            points,
            at: Utc::now(),
            reference: Some("r_1".into()),
            description: None,
            claim_key: None,
        };
        assert!(item("earn", 10, "l_1").check().is_some());
        assert!(item("adjust", -5, "l_2").check().is_some());
        assert!(item("earn", -10, "l_3").check().is_none());
        assert!(item("redeem", 10, "l_4").check().is_none());
        assert!(item("bonus", 10, "l_5").check().is_none());
        assert!(item("earn", 10, "").check().is_none());
        assert!(item("earn", 10, "l 6").check().is_none());
        assert!(item("earn", 0, "l_7").check().is_none());
        // A server's i64::MIN: refused, not an overflow (validate took its abs()).
        assert!(item("adjust", i64::MIN, "l_8").check().is_none());
        assert!(item("adjust", i64::MAX, "l_9").check().is_none());
    }

    #[test]
    fn voucher_states_are_read() {
        let json = |state: &str| {
            format!(
                r#"{{"id":"v_1","kind":{{"type":"amount_off","amount":{{"amount_minor":500,"currency":"EUR"}}}},
                "title":"5 off","description":null,"code":"LCV1.x.y","valid_from":"2026-01-01T00:00:00Z",
                "valid_until":"2026-12-31T00:00:00Z","state":"{state}","redeemed_at":"2026-02-01T10:00:00Z"}}"#
            )
        };
        let now = Utc::now();
        let parse = |s: &str| {
            serde_json::from_str::<VoucherItem>(&json(s))
                .unwrap()
                .check(now)
        };
        assert_eq!(
            parse("available").unwrap().state,
            ServerVoucherState::Available
        );
        assert!(matches!(
            parse("redeemed").unwrap().state,
            ServerVoucherState::Redeemed { .. }
        ));
        assert_eq!(parse("revoked").unwrap().state, ServerVoucherState::Revoked);
        assert!(parse("lost").is_none());
        assert!(serde_json::from_str::<VoucherItem>(r#"{"id":"v_1"}"#).is_err());
    }
}

#[cfg(test)]
mod cursor_tests {
    use super::cursor_position;

    #[test]
    fn only_the_servers_cursor_grammar_is_accepted() {
        assert_eq!(cursor_position("c1.0"), Some(0));
        assert_eq!(cursor_position("c1.42"), Some(42));
        assert_eq!(cursor_position("c1.42.0123456789ab"), Some(42));
        assert_eq!(cursor_position("c1.0.ffffffffffff"), Some(0));
        assert_eq!(
            cursor_position("c1.9223372036854775807"),
            Some(i64::MAX as u64)
        );
        for bad in [
            "",
            "c5.0",
            "garbage",
            "c1.",
            "c1.-1",
            "c1.+1",
            "c1.042",
            "c1.4 2",
            "C1.4",
            "c1.1e3",
            "c1.9223372036854775808",
            "c1.99999999999999999999",
            "c1.\u{663}",
            "c1.42.",
            "c1.42.0123456789a",
            "c1.42.0123456789abc",
            "c1.42.0123456789AB",
            "c1.42.0123456789ag",
            "c1.42.0123456789ab.1",
            "c1..0123456789ab",
            "c1.042.0123456789ab",
        ] {
            assert_eq!(cursor_position(bad), None, "{bad:?}");
        }
    }
}

/// `DELETE /v1/me`: the account is erased (now, or by an earlier request of this session).
#[derive(Debug, Deserialize)]
pub(crate) struct Erased {
    pub status: String,
}

impl Erased {
    pub(crate) fn is_erased(&self) -> bool {
        matches!(self.status.as_str(), "erased" | "already_erased")
    }
}

/// `GET /v1/offers`: the member's current offers with their state.
#[derive(Deserialize)]
pub struct OfferList {
    pub items: Vec<OfferWire>,
}

/// One offer of the list: the offer's fields and its state side by side in one object.
#[derive(Deserialize)]
#[serde(from = "OfferWireFields")]
pub struct OfferWire {
    pub offer: crate::offers::Offer,
    pub state: crate::offers::OfferState,
    pub activated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub used_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// [`OfferWire`] as it comes, read field by field: `#[serde(flatten)]` would buffer the object
/// in serde's `Content` tree first, a second reader of every offer type in the mobile library
/// (issue #14). The offer's fields and defaults are those of [`crate::offers::Offer`].
#[derive(Deserialize)]
struct OfferWireFields {
    id: String,
    title: crate::offers::OfferTitle,
    kind: crate::offers::OfferKind,
    #[serde(default)]
    min_quantity: Option<u32>,
    valid_from: chrono::DateTime<chrono::Utc>,
    valid_until: chrono::DateTime<chrono::Utc>,
    scope: crate::offers::OfferScope,
    activation: crate::offers::OfferActivation,
    limit: crate::offers::OfferLimit,
    #[serde(default)]
    premium_only: bool,
    state: crate::offers::OfferState,
    #[serde(default)]
    activated_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    used_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<OfferWireFields> for OfferWire {
    fn from(f: OfferWireFields) -> Self {
        Self {
            offer: crate::offers::Offer {
                id: f.id,
                title: f.title,
                kind: f.kind,
                min_quantity: f.min_quantity.unwrap_or(1),
                valid_from: f.valid_from,
                valid_until: f.valid_until,
                scope: f.scope,
                activation: f.activation,
                limit: f.limit,
                premium_only: f.premium_only,
            },
            state: f.state,
            activated_at: f.activated_at,
            used_at: f.used_at,
        }
    }
}

/// The answer to an offer activation (`POST /v1/offers/{offer_id}/activation`).
#[derive(Deserialize)]
pub struct OfferActivationAnswer {
    pub offer_id: String,
    pub state: crate::offers::OfferState,
    pub activated_at: chrono::DateTime<chrono::Utc>,
}

impl OfferActivationAnswer {
    /// The verdict for the activation of `offer_id`, or `None` when the answer is about another
    /// offer or says it is still available.
    pub fn verdict(self, offer_id: &str) -> Option<crate::store::OfferActivationVerdict> {
        use crate::offers::OfferState;
        (self.offer_id == offer_id && self.state != OfferState::Available).then_some(
            crate::store::OfferActivationVerdict::Activated {
                state: self.state,
                activated_at: self.activated_at,
            },
        )
    }
}

/// The server's record of a survey answer (201 stored, 200 the same answer already stored).
#[derive(Debug, Clone, Deserialize)]
pub struct SurveyAnswerRecord {
    pub survey_id: String,
    pub answer: crate::survey::SurveyAnswer,
    #[allow(dead_code)] // required on the wire; the device keeps the time it was answered
    pub answered_at: chrono::DateTime<chrono::Utc>,
}

impl SurveyAnswerRecord {
    /// Counted when the record holds `sent` for `survey_id`; already answered when it holds
    /// another answer (the member's other device was first); `None` when it is about another
    /// survey.
    pub fn verdict(
        self,
        survey_id: &str,
        sent: &crate::survey::SurveyAnswer,
    ) -> Option<crate::store::SurveyVerdict> {
        use crate::store::SurveyVerdict;
        (self.survey_id == survey_id).then(|| {
            if &self.answer == sent {
                SurveyVerdict::Counted
            } else {
                SurveyVerdict::Refused(crate::survey::SurveyRefusal::AlreadyAnswered)
            }
        })
    }
}

/// The refusal of a survey answer from its 422 answer; `None` for any other status or a
/// refusal this version does not know.
pub fn survey_refusal(status: u16, refusal: Option<&str>) -> Option<crate::survey::SurveyRefusal> {
    (status == 422)
        .then(|| refusal.and_then(crate::survey::SurveyRefusal::from_wire))
        .flatten()
}

/// The refusal of an offer activation from its 404/422 answer; `None` for any other status.
pub fn offer_refusal(status: u16, refusal: Option<&str>) -> Option<crate::offers::OfferRefusal> {
    use crate::offers::OfferRefusal;
    match status {
        404 => Some(OfferRefusal::Unknown),
        422 => Some(
            OfferRefusal::ALL
                .into_iter()
                .find(|r| Some(r.as_str()) == refusal)
                .unwrap_or(OfferRefusal::Unknown),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod offer_tests {
    use super::*;
    use crate::offers::{OfferRefusal, OfferState};
    use crate::store::OfferActivationVerdict;

    #[test]
    fn activation_answers_and_refusals() {
        assert_eq!(offer_refusal(404, None), Some(OfferRefusal::Unknown));
        assert_eq!(
            offer_refusal(422, Some("expired")),
            Some(OfferRefusal::Expired)
        );
        assert_eq!(
            offer_refusal(422, Some("not_yours")),
            Some(OfferRefusal::NotYours)
        );
        assert_eq!(
            offer_refusal(422, Some("whatever")),
            Some(OfferRefusal::Unknown)
        );
        assert_eq!(offer_refusal(409, Some("expired")), None);
        assert_eq!(offer_refusal(400, None), None);

        let at: DateTime<Utc> = "2026-03-02T09:00:00Z".parse().unwrap();
        let answer = |id: &str, state: &str| -> OfferActivationAnswer {
            serde_json::from_value(serde_json::json!({
                "offer_id": id, "state": state, "activated_at": at,
            }))
            .unwrap()
        };
        assert_eq!(
            answer("o_1", "activated").verdict("o_1"),
            Some(OfferActivationVerdict::Activated {
                state: OfferState::Activated,
                activated_at: at,
            })
        );
        assert!(matches!(
            answer("o_1", "used").verdict("o_1"),
            Some(OfferActivationVerdict::Activated {
                state: OfferState::Used,
                ..
            })
        ));
        // About another offer, or still available: not an answer to this activation.
        assert_eq!(answer("o_2", "activated").verdict("o_1"), None);
        assert_eq!(answer("o_1", "available").verdict("o_1"), None);
    }

    #[test]
    fn a_receipt_with_a_damaged_seal_is_kept_without_it() {
        use crate::receipts::{LineItem, ReceiptSeal, ReceiptSource};
        let mut r = Receipt {
            store_names: Default::default(),
            id: "r_1".into(),
            store_name: "Gent Zuid".into(),
            purchased_at: Utc::now(),
            lines: vec![LineItem {
                names: Default::default(),
                gtin: "4006381333931".into(),
                name: "Koffie".into(),
                quantity: 1,
                unit_price: crate::money::Money::new(599, "EUR").unwrap(),
                category: "food".into(),
                lot: None,
                warranty_months: None,
            }],
            source: ReceiptSource::Server,
            return_window_days: None,
            discounts: vec![],
            seal: Some(ReceiptSeal {
                key_id: "not hex".into(),
                salt_seed: "AA".into(),
                signature: "AA".into(),
            }),
        };
        let kept = check_receipt(r.clone()).expect("the receipt is kept");
        assert_eq!(kept.seal, None);
        r.seal = None;
        assert_eq!(kept, r);

        // Names in other languages are kept when they follow the rules, and dropped (not the
        // receipt) when they do not.
        use crate::reminders::LocalizedText;
        r.lines[0].names = LocalizedText::of(&[("nl", "Koffiebonen"), ("fr", "Café en grains")]);
        r.store_names = LocalizedText::of(&[("fr", "Gand Sud")]);
        assert_eq!(check_receipt(r.clone()).expect("kept"), r);
        r.lines[0].names = LocalizedText::of(&[("nl", " "), ("fr", "Café en grains")]);
        r.store_names = LocalizedText::of(&[("not a tag!", "Gand Sud")]);
        let kept = check_receipt(r.clone()).expect("the receipt is kept");
        assert!(kept.lines[0].names.is_empty() && kept.store_names.is_empty());
        assert_eq!(kept.lines[0].name, "Koffie");
    }
}
