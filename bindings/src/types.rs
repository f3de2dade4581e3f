//! Mirror records of the core's domain types, and their conversions. Conversions from foreign
//! values are fallible (a time out of range is an error, never a panic).

use crate::error::Result;
use chrono::{DateTime, Utc};
use loyalty_core::{claim, points, proof, reminders, wallet};
use std::collections::HashMap;
use std::time::SystemTime;

// ---------------------------------------------------------------------------------------------
// Time

/// A foreign time as UTC, or an error when it is outside the representable range: the domain's
/// converter, the one `DateTime` crosses the FFI with.
pub(crate) fn utc(t: SystemTime) -> Result<DateTime<Utc>> {
    Ok(loyalty_domain::utc_from_system_time(t)?)
}

pub(crate) fn st(t: DateTime<Utc>) -> SystemTime {
    SystemTime::from(t)
}

// ---------------------------------------------------------------------------------------------
// Money

// `Money` derives uniffi where it is defined (loyalty_domain::money).
pub use loyalty_core::money::Money;

// ---------------------------------------------------------------------------------------------
// Programme rules

// `TierRule` and `ProgrammeRules` derive uniffi where they are defined (loyalty_domain::points).
pub use loyalty_core::points::{ProgrammeRules, TierRule};

/// The rules a new programme starts from: points live 24 months; Member, Silver (1000) and Gold
/// (5000) over 12 months; 30-day returns.
#[uniffi::export]
pub fn default_programme_rules() -> ProgrammeRules {
    ProgrammeRules::default()
}

/// Parses and validates programme rules from their JSON form.
#[uniffi::export]
pub fn programme_rules_from_json(json: String) -> Result<ProgrammeRules> {
    Ok(ProgrammeRules::from_json(&json)?)
}

/// The JSON form of programme rules (validated first).
#[uniffi::export]
pub fn programme_rules_to_json(rules: ProgrammeRules) -> Result<String> {
    rules.validate()?;
    Ok(rules.to_json())
}

// ---------------------------------------------------------------------------------------------
// Points

// `EntryKind`, `EntryStatus`, `LedgerEntry` and `ExpiringPoints` derive uniffi where they are
// defined (loyalty_domain::points).
pub use loyalty_core::points::{EntryKind, EntryStatus, ExpiringPoints, LedgerEntry, TierStatus};

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Balance {
    /// Confirmed by the server.
    pub confirmed: i64,
    /// Earned offline, awaiting the server (>= 0).
    pub pending_credit: i64,
    /// Spent offline, awaiting the server (<= 0).
    pub pending_debit: i64,
    /// What can be spent now.
    pub available: i64,
    /// What the balance will be once the server agrees with everything pending.
    pub projected: i64,
    /// Number of ledger entries.
    pub entries: u64,
}

impl From<points::Balance> for Balance {
    fn from(b: points::Balance) -> Self {
        Self {
            confirmed: b.confirmed,
            pending_credit: b.pending_credit,
            pending_debit: b.pending_debit,
            available: b.available(),
            projected: b.projected(),
            entries: b.entries,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Wallet

// `Voucher`, `VoucherKind` and `VoucherState` derive uniffi where they are defined
// (loyalty_domain::wallet).
pub use loyalty_core::wallet::{Voucher, VoucherKind, VoucherState};

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum OutboxOperation {
    RedeemVoucher {
        voucher_id: String,
    },
    /// Points earned offline (a pending ledger entry), claimed from the server.
    ClaimPoints {
        entry_seq: u64,
        points: i64,
        reference: String,
        earned_at: SystemTime,
    },
    /// A receipt sold without the card, claimed with its scanned claim code (the code is not
    /// repeated here); `entry_seq` is its pending earn entry, if it earns points.
    ClaimReceipt {
        receipt_id: String,
        entry_seq: Option<u64>,
    },
    /// A company invoice asked for a receipt (the company is not repeated here: see
    /// `invoice(receiptId)`); the readable copy in `lang`.
    RequestInvoice {
        receipt_id: String,
        lang: String,
    },
    /// The shopper asked to delete the account; the device is wiped once the server confirms.
    DeleteAccount,
    /// The shopper activated an opt-in offer; settled by the server's answer.
    ActivateOffer {
        offer_id: String,
    },
    /// The shopper answered a survey (the answer is not repeated here: see
    /// `surveys().answers()`); settled by the server's answer.
    AnswerSurvey {
        survey_id: String,
    },
}

/// Offline work waiting for the server.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutboxItem {
    pub seq: u64,
    pub idempotency_key: String,
    pub operation: OutboxOperation,
    pub created_at: SystemTime,
    pub attempts: u32,
}

impl From<wallet::OutboxItem> for OutboxItem {
    fn from(i: wallet::OutboxItem) -> Self {
        Self {
            seq: i.seq,
            idempotency_key: i.idempotency_key,
            operation: match i.operation {
                wallet::OutboxOperation::RedeemVoucher { voucher_id } => {
                    OutboxOperation::RedeemVoucher { voucher_id }
                }
                wallet::OutboxOperation::ClaimPoints {
                    entry_seq,
                    points,
                    reference,
                    earned_at,
                } => OutboxOperation::ClaimPoints {
                    entry_seq,
                    points,
                    reference,
                    earned_at: st(earned_at),
                },
                wallet::OutboxOperation::ClaimReceipt {
                    receipt_id,
                    entry_seq,
                    ..
                } => OutboxOperation::ClaimReceipt {
                    receipt_id,
                    entry_seq,
                },
                wallet::OutboxOperation::RequestInvoice {
                    receipt_id, lang, ..
                } => OutboxOperation::RequestInvoice { receipt_id, lang },
                wallet::OutboxOperation::DeleteAccount => OutboxOperation::DeleteAccount,
                wallet::OutboxOperation::ActivateOffer { offer_id } => {
                    OutboxOperation::ActivateOffer { offer_id }
                }
                wallet::OutboxOperation::AnswerSurvey { survey_id, .. } => {
                    OutboxOperation::AnswerSurvey { survey_id }
                }
            },
            created_at: st(i.created_at),
            attempts: i.attempts,
        }
    }
}

/// A redemption started on the device: show `voucher.code` at the till.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Redemption {
    pub voucher: Voucher,
    pub outbox_item: OutboxItem,
}

/// Derives uniffi where it is defined (loyalty_domain::wallet).
pub use loyalty_core::wallet::RedemptionOutcome;

// ---------------------------------------------------------------------------------------------
// Receipts

/// Derives uniffi where it is defined (loyalty_domain::receipts).
pub use loyalty_core::receipts::ReceiptSource;

// `Receipt`, `LineItem`, `ReceiptSeal`, `ReceiptDiscount` and `OfferTitle` derive uniffi where they
// are defined (loyalty_domain::receipts, loyalty_domain::lang).
pub use loyalty_core::receipts::{LineItem, OfferTitle, Receipt, ReceiptDiscount, ReceiptSeal};

/// A name in the shopper's language: `names`' entry for `language` (a BCP 47 tag such as
/// "nl-BE"; an exact key first, then any key of that language), else `fallback`, the name in
/// the retailer's own language. For products, stores, vouchers and tiers, which carry their
/// `name` and their `names` in other languages.
#[uniffi::export]
pub fn localized_name(
    names: HashMap<String, String>,
    fallback: String,
    language: String,
) -> String {
    let names = localized_text(names);
    names
        .get_or(reminders::Lang::negotiate(&language), &fallback)
        .to_string()
}

pub(crate) fn localized_text(names: HashMap<String, String>) -> reminders::LocalizedText {
    reminders::LocalizedText(names.into_iter().collect())
}

/// What the shopper paid: the sum of the lines (quantity × unit price) less the offers'
/// discounts, in the receipt's currency.
#[uniffi::export]
pub fn receipt_total(receipt: Receipt) -> Result<Money> {
    receipt.validate()?;
    Ok(receipt.total())
}

/// The sum of a receipt's lines before the offers' discounts.
#[uniffi::export]
pub fn receipt_subtotal(receipt: Receipt) -> Result<Money> {
    receipt.validate()?;
    Ok(receipt.subtotal())
}

// `WarrantyItem` derives uniffi where it is defined (loyalty_domain::receipts).
pub use loyalty_core::receipts::WarrantyItem;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn times_convert_both_ways_and_out_of_range_is_an_error() {
        let t = UNIX_EPOCH + Duration::from_millis(1_767_225_600_123);
        assert_eq!(st(utc(t).unwrap()), t);
        let before = UNIX_EPOCH - Duration::from_nanos(1_500_000_000);
        let u = utc(before).unwrap();
        assert_eq!(u.timestamp(), -2);
        assert_eq!(u.timestamp_subsec_nanos(), 500_000_000);
        assert_eq!(st(u), before);
        let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 2);
        assert!(matches!(
            utc(far),
            Err(crate::error::LoyaltyError::InvalidInput { .. })
        ));
    }
}

// ---- Receipt claim codes ----------------------------------------------------------------------

// `ClaimRefusal`, `ClaimStatus`, `ReceiptClaim` and `ClaimScan` derive uniffi where they are
// defined (loyalty_domain::claim).
pub use loyalty_core::claim::{ClaimRefusal, ClaimScan, ClaimStatus, ReceiptClaim};

/// The shopper's text for a refusal in `language` (BCP 47: `nl-BE`, `fr`, `en`; anything else
/// reads as English).
#[uniffi::export]
pub fn claim_refusal_text(refusal: ClaimRefusal, language: String) -> String {
    refusal.text(reminders::Lang::negotiate(&language))
}

/// The shopper's text for a claim's status in `language` (pending, added, or why it was not).
#[uniffi::export]
pub fn receipt_claim_text(claim: ReceiptClaim, language: String) -> String {
    claim::status_text(
        claim.status,
        claim.refusal,
        reminders::Lang::negotiate(&language),
    )
}

// ---- Company invoices -------------------------------------------------------------------------

// `InvoiceParty`, `InvoiceStatus`, `InvoiceRefusal` and `StoredInvoice` derive uniffi where they
// are defined (loyalty_domain::invoice).
pub use loyalty_core::invoice::{InvoiceParty, InvoiceRefusal, InvoiceStatus, StoredInvoice};

// ---------------------------------------------------------------------------------------------
// Receipt line proofs (warranty claims and returns)

/// Derives uniffi where it is defined (loyalty_domain::proof).
pub use loyalty_core::proof::ProofRefusal;

/// One receipt line as its proof shows it, vouched for by the retailer's signature.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProvenLine {
    pub receipt_id: String,
    pub store_name: String,
    /// To the second.
    pub purchased_at: SystemTime,
    /// Index of the line on the receipt, and how many lines it has (the others stay hidden).
    pub line_index: u32,
    pub line_count: u32,
    pub gtin: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price: Money,
    /// What the member's offers took off the line at the till.
    pub discount_minor: i64,
    /// What was paid for the line: quantity × unit price − discount.
    pub paid_minor: i64,
    pub warranty_until: Option<SystemTime>,
}

/// What verifying a scanned receipt line proof found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ProofVerdict {
    Genuine {
        line: ProvenLine,
    },
    Refused {
        refusal: ProofRefusal,
        reason: String,
    },
}

/// Verifies a scanned receipt line proof (`Receipts.lineProof` on the shopper's phone) with the
/// retailer's public key (Base16, as `GET /v1/voucher-key` gives it), offline: for a store app
/// at the service desk. A key that is not a public key is `InvalidInput`.
#[uniffi::export]
pub fn verify_receipt_line_proof(text: String, public_key_hex: String) -> Result<ProofVerdict> {
    let key = loyalty_core::card::parse_public_key_hex(&public_key_hex)?;
    Ok(match proof::verify_line_proof(&text, &key) {
        Ok(p) => ProofVerdict::Genuine {
            line: ProvenLine {
                paid_minor: p.line.paid_minor(),
                warranty_until: p.line.warranty_until(p.purchased_at).map(st),
                receipt_id: p.receipt_id,
                store_name: p.store_name,
                purchased_at: st(p.purchased_at),
                line_index: p.line_index,
                line_count: p.line_count,
                gtin: p.line.gtin,
                name: p.line.name,
                quantity: p.line.quantity,
                unit_price: p.line.unit_price,
                discount_minor: p.line.discount_minor,
            },
        },
        Err(r) => ProofVerdict::Refused {
            refusal: r,
            reason: r.reason().to_string(),
        },
    })
}

/// The text for a refused receipt line proof in `language` (BCP 47: `nl-BE`, `fr`, `en`;
/// anything else reads as English).
#[uniffi::export]
pub fn proof_refusal_text(refusal: ProofRefusal, language: String) -> String {
    refusal.text(reminders::Lang::negotiate(&language))
}
