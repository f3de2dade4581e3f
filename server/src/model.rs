//! The JSON bodies of the API (see `server/openapi.yaml`): snake_case fields, times as RFC 3339
//! UTC strings, money in integer minor units. Also the delta feeds' cursors and the request hash
//! that tells an idempotent retry from a different request.

use crate::error::{ApiError, ApiResult};
use axum::http::Method;
use chrono::{DateTime, Utc};
use loyalty_domain::membership::Membership;
use loyalty_domain::money::Money;
use loyalty_domain::offers::{
    FreeItem, LineDiscount, LinePoints, Offer, OfferActivation, OfferKind, OfferLimit, OfferState,
    OfferTitle,
};
use loyalty_domain::receipts::{LineItem, Receipt};
use loyalty_domain::reminders::LocalizedText;
use loyalty_domain::wallet::VoucherKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---- members and sessions ----------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct EnrolRequest {
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Enrolled {
    pub member_id: String,
    pub card_number: String,
    pub token: String,
    pub household_code: String,
    /// Renews the session (`POST /v1/sessions/refresh`) once `token` expires.
    pub refresh_token: String,
    /// When `token` stops working.
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize)]
pub struct SessionRequest {
    pub household_code: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SessionCreated {
    pub member_id: String,
    pub card_number: String,
    pub token: String,
    pub refresh_token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consents {
    pub marketing: bool,
    pub service: bool,
    pub safety: bool,
}

impl Default for Consents {
    /// Marketing is opt-in; service messages and safety notices (recalls) are on until refused.
    fn default() -> Self {
        Self {
            marketing: false,
            service: true,
            safety: true,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Me {
    pub member_id: String,
    pub card_number: String,
    pub display_name: Option<String>,
    pub consents: Consents,
    pub push_tokens: i64,
    /// The company details saved for invoices (by `PUT /v1/me/company` or an invoice request):
    /// the member's devices take them from here with the consent, at no extra request.
    pub company: Option<Company>,
    /// The member's current premium membership record (schema v10), whatever its dates: the
    /// app decides whether it is active with its own clock. `null` without one.
    #[serde(default)]
    pub membership: Option<Membership>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Android,
    Ios,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Ios => "ios",
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PushTokenRequest {
    pub platform: Platform,
    pub token: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TotpInfo {
    pub algorithm: String,
    pub digits: u32,
    pub period_millis: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CardSecret {
    pub card_number: String,
    pub secret_hex: String,
    pub totp: TotpInfo,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct VoucherKey {
    pub algorithm: String,
    pub public_key_hex: String,
}

// ---- deltas ------------------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: String,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerItem {
    pub id: String,
    pub kind: String,
    pub points: i64,
    pub at: DateTime<Utc>,
    pub reference: Option<String>,
    pub description: Option<String>,
    pub claim_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherItem {
    pub id: String,
    pub kind: VoucherKind,
    pub title: String,
    /// The title in other languages, by language tag.
    #[serde(default, skip_serializing_if = "LocalizedText::is_empty")]
    pub titles: LocalizedText,
    pub description: Option<String>,
    pub code: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub state: String,
    pub redeemed_at: Option<DateTime<Utc>>,
}

// ---- member writes -----------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct RedemptionRequest {
    pub voucher_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RedemptionResult {
    pub outcome: String,
    pub redeemed_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ClaimRequest {
    pub points: i64,
    pub reference: String,
    pub earned_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimResult {
    pub outcome: String,
    pub ledger_id: Option<String>,
    pub reason: Option<String>,
}

// ---- content -----------------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
pub struct Content {
    pub kind: String,
    pub version: i64,
    pub body: serde_json::Value,
}

/// The content feeds, by the name used in URLs. `surveys` is checked when published (the
/// domain's `SurveyFeed`); the others are stored as sent.
pub const CONTENT_KINDS: [&str; 5] = [
    "reminder-rules",
    "recipes",
    "recalls",
    "post-purchase",
    loyalty_domain::survey::SURVEYS_FEED,
];

// ---- till --------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct ScanRequest {
    pub payload: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ScanResult {
    pub member_id: String,
    pub card_number: String,
}

#[derive(Debug, Deserialize)]
pub struct PurchaseRequest {
    pub card: String,
    pub store_name: String,
    /// The store's name in other languages, by language tag.
    #[serde(default)]
    pub store_names: LocalizedText,
    pub lines: Vec<LineItem>,
    #[serde(default)]
    pub return_window_days: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PurchaseResult {
    pub receipt: Receipt,
    /// The points the receipt's total earns (offers' extra points: `offers.extra_points_total`).
    pub points_earned: i64,
    pub ledger_id: Option<String>,
    /// The member's offers this till purchase used (till purchases only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offers: Option<PurchaseOffers>,
}

/// What the member's offers gave a till purchase: `discounts[].line` and `free_items[].line`
/// index `receipt.lines`.
#[derive(Debug, Serialize, Deserialize)]
pub struct PurchaseOffers {
    pub discounts: Vec<LineDiscount>,
    pub extra_points: Vec<LinePoints>,
    pub free_items: Vec<FreeItem>,
    /// Sum of `discounts`, in minor units.
    pub total_discount_minor: i64,
    /// The receipt's total less the discounts: what the shopper pays.
    pub amount_due: Money,
    /// Sum of `extra_points`, credited as one ledger entry per offer (`ledger_ids`).
    pub extra_points_total: i64,
    pub ledger_ids: Vec<String>,
    /// The offers used (each now used once per its limit), sorted.
    pub used_offers: Vec<String>,
}

/// `POST /v1/till/claim-codes`: a purchase made without the card.
#[derive(Debug, Deserialize)]
pub struct ClaimCodeRequest {
    pub store_name: String,
    /// The store's name in other languages, by language tag.
    #[serde(default)]
    pub store_names: LocalizedText,
    pub lines: Vec<LineItem>,
    #[serde(default)]
    pub return_window_days: Option<u32>,
    /// Days the shopper has to claim it (1–366; 30 when absent).
    #[serde(default)]
    pub claim_days: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ClaimCodeResult {
    pub receipt: Receipt,
    pub points: i64,
    pub claim_until: DateTime<Utc>,
    /// The text of the QR code the till shows and prints (`LCR1.…`).
    pub claim_code: String,
}

/// `POST /v1/receipt-claims`: a member claims a receipt with its claim code.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReceiptClaimRequest {
    pub claim_code: String,
}

/// The answer to a receipt claim: `claimed` (this member has it: first claim, or a repeat by
/// the same member), `already_claimed` (another member claimed it first) or `rejected`
/// (`refusal` says why: expired, unknown).
#[derive(Debug, Serialize, Deserialize)]
pub struct ReceiptClaimResult {
    pub outcome: String,
    pub receipt_id: String,
    pub points: i64,
    pub ledger_id: Option<String>,
    pub refusal: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TillRedemptionRequest {
    pub voucher_code: String,
}

/// `POST /v1/till/receipt-proofs`: the text of a receipt line proof scanned at the till or the
/// service desk.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptProofRequest {
    pub proof: String,
}

/// A verified receipt line proof: what the retailer's signature vouches for, with what the
/// shopper paid for the line and the end of its warranty.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReceiptProofResult {
    #[serde(flatten)]
    pub proof: loyalty_domain::proof::LineProof,
    pub paid_minor: i64,
    pub warranty_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TillRedemptionResult {
    pub outcome: String,
    pub voucher_id: String,
    pub redeemed_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

// ---- admin -------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct IssueVoucherRequest {
    pub kind: VoucherKind,
    /// The title in the retailer's own language.
    pub title: String,
    /// The title in other languages, by language tag (`{"nl": "...", "fr": "..."}`).
    #[serde(default)]
    pub titles: LocalizedText,
    #[serde(default)]
    pub description: Option<String>,
    /// Defaults to now.
    #[serde(default)]
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: DateTime<Utc>,
}

/// `POST /v1/admin/offers`: an offer for every member, or for one (`member_id`: personal).
/// Unknown fields are refused: a misspelt `member_id` must not publish an offer to everyone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishOfferRequest {
    pub title: OfferTitle,
    pub kind: OfferKind,
    #[serde(default)]
    pub min_quantity: Option<u32>,
    /// Defaults to now.
    #[serde(default)]
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: DateTime<Utc>,
    pub activation: OfferActivation,
    pub limit: OfferLimit,
    /// Set: a personal offer for this member only. Absent: a general offer.
    #[serde(default)]
    pub member_id: Option<String>,
    /// Only for members whose premium membership is active (default false).
    #[serde(default)]
    pub premium_only: bool,
}

// ---- offers ------------------------------------------------------------------------------------

/// One offer as a member sees it: the offer (without whom else it was given to) and where it
/// stands for this member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferItem {
    #[serde(flatten)]
    pub offer: Offer,
    /// `available` (opt-in, not activated), `activated` (activated, or automatic) or `used`.
    pub state: OfferState,
    /// When the member activated it (absent for an automatic offer not activated by hand).
    pub activated_at: Option<DateTime<Utc>>,
    pub used_at: Option<DateTime<Utc>>,
}

/// `GET /v1/offers`: the member's current offers (general and personal, not ended), soonest
/// ending first.
#[derive(Debug, Serialize, Deserialize)]
pub struct OfferList {
    pub items: Vec<OfferItem>,
}

/// A batch item `offer_activation`: the offer the single-item endpoint names in its path.
#[derive(Debug, Deserialize)]
pub struct OfferActivationRequest {
    pub offer_id: String,
}

/// `POST /v1/offers/{offer_id}/activation`.
#[derive(Debug, Serialize, Deserialize)]
pub struct OfferActivationResult {
    pub offer_id: String,
    /// `activated`, or `used` when it was already used (nothing changes).
    pub state: OfferState,
    pub activated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
pub struct PointsRequest {
    pub points: i64,
    /// earn, redeem, adjust (default) or expire.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ImportReceiptRequest {
    pub receipt: Receipt,
    #[serde(default)]
    pub credit_points: bool,
}

#[derive(Debug, Deserialize)]
pub struct FaultRequest {
    pub status: u16,
    pub retry_after_seconds: u64,
    pub count: u32,
}

// ---- invoices ----------------------------------------------------------------------------------

/// A company's invoicing details: the buyer of an invoice, or the member's saved company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Company {
    pub name: String,
    pub street: String,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 (BE, NL, FR, LU, DE).
    pub country: String,
    /// VAT number, with or without separators; answers carry it normalised ("BE0202239951").
    pub vat_id: String,
}

/// `POST /v1/receipts/{receipt_id}/invoice`.
#[derive(Debug, Deserialize)]
pub struct InvoiceRequest {
    /// The buyer; absent: the member's saved company.
    #[serde(default)]
    pub company: Option<Company>,
    /// Language of the HTML rendering: `nl` (default), `fr` or `en`.
    #[serde(default)]
    pub lang: Option<String>,
}

/// A batch item of kind `invoice`: the receipt and the body of
/// `POST /v1/receipts/{receipt_id}/invoice`.
#[derive(Debug, Deserialize)]
pub struct InvoiceItemRequest {
    pub receipt_id: String,
    #[serde(default)]
    pub company: Option<Company>,
    #[serde(default)]
    pub lang: Option<String>,
}

/// An issued invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedInvoice {
    /// The invoice number, `YYYY-NNNNNN`, gap-free per year.
    pub number: String,
    pub receipt_id: String,
    /// The invoice date (the day in Brussels when it was issued).
    pub issue_date: chrono::NaiveDate,
    pub issued_at: DateTime<Utc>,
    pub buyer: Company,
    pub lang: String,
    /// Peppol BIS Billing 3.0 UBL invoice.
    pub ubl: String,
    /// The same invoice as an HTML page in `lang`.
    pub html: String,
}

// ---- surveys -----------------------------------------------------------------------------------

/// `POST /v1/surveys/{survey_id}/answer`, and the body of a batch item `survey_answer`. Unknown
/// fields are refused: an answer is one of two exact shapes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyAnswerRequest {
    /// The path's survey id again (so a batch item carries it too).
    pub survey_id: String,
    pub answer: loyalty_domain::survey::SurveyAnswer,
}

/// A member's answer to a survey as stored: the first one counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswerRecord {
    pub survey_id: String,
    pub answer: loyalty_domain::survey::SurveyAnswer,
    pub answered_at: DateTime<Utc>,
}

/// `GET /v1/admin/surveys/{survey_id}/results`: counts only, never who answered what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyResults {
    pub survey_id: String,
    /// Every stored answer (ratings and votes).
    pub answers: u64,
    /// Ratings by stars, `"1"` to `"5"`, each listed (0 when none).
    pub ratings: std::collections::BTreeMap<String, u64>,
    /// The mean of the ratings, rounded to 2 decimals; `None` without ratings.
    pub average_stars: Option<f64>,
    /// Votes by option id: every option of the current feed (0 when none), and any other
    /// option stored answers name.
    pub votes: std::collections::BTreeMap<String, u64>,
}

// ---- cursors and request hashing ---------------------------------------------------------------

/// A delta feed's cursor as a device sends it back: the change sequence number of the last record
/// it was sent, and the check of the change that had that number when the cursor was issued.
///
/// The check (12 lower-case hex digits, the change's random mark, see `db::change_mark`) ties the
/// cursor to the history it stands on: a server restored from a backup whose sequence has since
/// reached the same number again holds other changes under it, and refuses the cursor, so the
/// device starts that feed over instead of missing what was written after the restore. Cursors
/// issued before checks existed (`c1.<n>`) are still accepted, unchecked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cursor {
    pub seq: i64,
    pub check: Option<String>,
}

/// Length of a cursor's check in hex digits (48 random bits).
pub const CURSOR_CHECK_LEN: usize = 12;

/// The opaque cursor of a delta feed: `c1.<n>.<check>`, or `c1.<n>` when no change has number `n`
/// (the start of the feed).
pub fn encode_cursor(seq: i64, check: Option<&str>) -> String {
    match check {
        Some(check) => format!("c1.{seq}.{check}"),
        None => format!("c1.{seq}"),
    }
}

pub fn decode_cursor(cursor: &str) -> ApiResult<Cursor> {
    let refused = || ApiError::invalid("the cursor is not one this server issued");
    let rest = cursor.strip_prefix("c1.").ok_or_else(refused)?;
    let (n, check) = match rest.split_once('.') {
        Some((n, check)) => (n, Some(check)),
        None => (rest, None),
    };
    let seq = Some(n)
        .filter(|n| !n.is_empty() && n.len() <= 18 && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(refused)?;
    let check_ok = |c: &&str| {
        c.len() == CURSOR_CHECK_LEN
            && c.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    match check {
        None => Ok(Cursor { seq, check: None }),
        Some(c) if check_ok(&c) => Ok(Cursor {
            seq,
            check: Some(c.to_string()),
        }),
        Some(_) => Err(refused()),
    }
}

/// Writes `v` as JSON with object keys sorted, so the same request always hashes the same.
fn canonical_json(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical_json(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// `POST /v1/batch`: the member's writes, each item answered on its own.
#[derive(Debug, Deserialize)]
pub struct BatchRequest {
    /// Each item is read on its own, so one malformed item is answered alone.
    pub items: Vec<Value>,
}

/// One item of a batch as sent.
#[derive(Debug, Deserialize)]
pub struct BatchItemRequest {
    /// `redemption`, `claim`, `receipt_claim`, `offer_activation`, `invoice`, `survey_answer`,
    /// `consents`, `company` or `push_token`.
    pub kind: String,
    /// Required for redemptions and claims; optional for the settings (idempotent replaces).
    pub idempotency_key: Option<String>,
    /// The body the single-item endpoint takes.
    pub body: Value,
}

/// One item's answer: what the single-item endpoint would have answered (status and body).
#[derive(Debug, Serialize, Deserialize)]
pub struct BatchItemResult {
    pub idempotency_key: Option<String>,
    pub status: u16,
    pub body: Value,
    pub replayed: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct BatchResponse {
    pub results: Vec<BatchItemResult>,
}

/// SHA-256 over method, path and the canonical body: what makes "the same request".
pub fn request_hash(method: &Method, path: &str, body: &Value) -> String {
    let mut text = format!("{method}\n{path}\n");
    canonical_json(body, &mut text);
    crate::credentials::sha256_hex(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys() {
        let a: Value =
            serde_json::from_str(r#"{"b":1,"a":{"y":[1,{"d":2,"c":3}],"x":"é"}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{"a":{"x":"é","y":[1,{"c":3,"d":2}]},"b":1}"#).unwrap();
        let (mut sa, mut sb) = (String::new(), String::new());
        canonical_json(&a, &mut sa);
        canonical_json(&b, &mut sb);
        assert_eq!(sa, sb);
        assert_eq!(sa, r#"{"a":{"x":"é","y":[1,{"c":3,"d":2}]},"b":1}"#);
        assert_ne!(
            request_hash(&Method::POST, "/v1/claims", &a),
            request_hash(&Method::POST, "/v1/redemptions", &a)
        );
    }

    #[test]
    fn a_me_document_from_before_memberships_still_parses() {
        let older = r#"{"member_id": "m_1", "card_number": "2900000000002", "display_name": null,
            "consents": {"marketing": false, "service": true, "safety": true},
            "push_tokens": 0, "company": null}"#;
        let me: Me = serde_json::from_str(older).unwrap();
        assert_eq!(me.membership, None);
        // And the current one always says `membership`, null without one.
        let v = serde_json::to_value(&me).unwrap();
        assert_eq!(v["membership"], Value::Null);
        assert!(v.as_object().unwrap().contains_key("membership"));
    }
}

/// `GET /v1/me/export`: everything the server holds for the member (GDPR art. 15 and 20).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountExport {
    /// `loyalty-core-export/1`.
    pub format: String,
    pub exported_at: DateTime<Utc>,
    pub member: ExportedMember,
    /// The member's signed-in devices (sessions), without their tokens.
    pub devices: Vec<ExportedDevice>,
    pub ledger: Vec<LedgerItem>,
    pub vouchers: Vec<VoucherItem>,
    pub receipts: Vec<loyalty_domain::receipts::Receipt>,
    /// The saved company details (schema v7), if any.
    pub company: Option<Company>,
    /// The invoices issued for the member's receipts, oldest first.
    pub invoices: Vec<IssuedInvoice>,
    /// Offers published for the member alone, and those they activated or used (ended ones
    /// too), with their state for the member.
    #[serde(default)]
    pub offers: Vec<OfferItem>,
    /// The member's survey answers (schema v9), oldest first.
    #[serde(default)]
    pub survey_answers: Vec<SurveyAnswerRecord>,
    /// The member's current premium membership record (schema v10), if any.
    #[serde(default)]
    pub membership: Option<Membership>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedMember {
    pub member_id: String,
    pub card_number: String,
    pub display_name: Option<String>,
    pub consents: Consents,
    pub enrolled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedDevice {
    pub signed_in_at: Option<DateTime<Utc>>,
    pub push_platform: Option<String>,
}

/// `DELETE /v1/me`: the account is gone (`erased` now, or `already_erased` by an earlier
/// request of this session).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Erased {
    pub status: ErasureStatus,
    pub erased_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasureStatus {
    Erased,
    AlreadyErased,
}
