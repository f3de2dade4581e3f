//! Mirror records of the core's domain types, and their conversions. Conversions from foreign
//! values are fallible (a time out of range is an error, never a panic).

use crate::error::{LoyaltyError, Result};
use chrono::{DateTime, Utc};
use loyalty_core::{claim, invoice, points, proof, receipts, reminders, store, wallet};
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

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TierRule {
    /// The name in the programme's own language.
    pub name: String,
    pub min_points: i64,
    /// The name in other languages, by language tag (see `localizedName`).
    #[uniffi(default)]
    pub names: HashMap<String, String>,
}

/// The loyalty programme's rules (configuration). See `defaultProgrammeRules` and
/// `programmeRulesFromJson`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProgrammeRules {
    /// Points expire this many months after they were earned, oldest first; `null`: never.
    pub points_expiry_months: Option<u32>,
    /// Rolling window for tier qualification, in months.
    pub tier_window_months: u32,
    /// Tiers in ascending order of `min_points`; the first starts at 0.
    pub tiers: Vec<TierRule>,
    /// Default return window of a receipt, in days.
    pub return_window_days: u32,
}

impl From<points::ProgrammeRules> for ProgrammeRules {
    fn from(r: points::ProgrammeRules) -> Self {
        Self {
            points_expiry_months: r.points_expiry_months,
            tier_window_months: r.tier_window_months,
            tiers: r
                .tiers
                .into_iter()
                .map(|t| TierRule {
                    names: t.names.0.into_iter().collect(),
                    name: t.name,
                    min_points: t.min_points,
                })
                .collect(),
            return_window_days: r.return_window_days,
        }
    }
}

impl From<ProgrammeRules> for points::ProgrammeRules {
    fn from(r: ProgrammeRules) -> Self {
        Self {
            points_expiry_months: r.points_expiry_months,
            tier_window_months: r.tier_window_months,
            tiers: r
                .tiers
                .into_iter()
                .map(|t| points::TierRule {
                    names: localized_text(t.names),
                    name: t.name,
                    min_points: t.min_points,
                })
                .collect(),
            return_window_days: r.return_window_days,
        }
    }
}

/// The rules a new programme starts from: points live 24 months; Member, Silver (1000) and Gold
/// (5000) over 12 months; 30-day returns.
#[uniffi::export]
pub fn default_programme_rules() -> ProgrammeRules {
    points::ProgrammeRules::default().into()
}

/// Parses and validates programme rules from their JSON form.
#[uniffi::export]
pub fn programme_rules_from_json(json: String) -> Result<ProgrammeRules> {
    Ok(points::ProgrammeRules::from_json(&json)?.into())
}

/// The JSON form of programme rules (validated first).
#[uniffi::export]
pub fn programme_rules_to_json(rules: ProgrammeRules) -> Result<String> {
    let rules: points::ProgrammeRules = rules.into();
    rules.validate()?;
    Ok(rules.to_json())
}

// ---------------------------------------------------------------------------------------------
// Points

// `EntryKind`, `EntryStatus`, `LedgerEntry` and `ExpiringPoints` derive uniffi where they are
// defined (loyalty_domain::points).
pub use loyalty_core::points::{EntryKind, EntryStatus, ExpiringPoints, LedgerEntry};

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

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TierStatus {
    pub tier: String,
    pub qualifying_points: i64,
    pub window_start: SystemTime,
    pub next_tier: Option<String>,
    pub points_to_next_tier: Option<i64>,
    /// `tier` in other languages (see `localizedName`).
    pub tier_names: HashMap<String, String>,
    /// `next_tier` in other languages.
    pub next_tier_names: HashMap<String, String>,
}

impl From<points::TierStatus> for TierStatus {
    fn from(t: points::TierStatus) -> Self {
        Self {
            tier: t.tier,
            qualifying_points: t.qualifying_points,
            window_start: st(t.window_start),
            next_tier: t.next_tier,
            points_to_next_tier: t.points_to_next_tier,
            tier_names: t.tier_names.0.into_iter().collect(),
            next_tier_names: t.next_tier_names.0.into_iter().collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Wallet

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum VoucherKind {
    AmountOff {
        amount: Money,
        min_spend: Option<Money>,
    },
    PercentOff {
        percent: u32,
        max_discount: Option<Money>,
    },
    FreeProduct {
        gtin: String,
        product_name: String,
    },
    PointsMultiplier {
        multiplier: u32,
    },
    EventInvitation {
        event_name: String,
        location: String,
        starts_at: SystemTime,
        ends_at: SystemTime,
    },
}

impl From<wallet::VoucherKind> for VoucherKind {
    fn from(k: wallet::VoucherKind) -> Self {
        match k {
            wallet::VoucherKind::AmountOff { amount, min_spend } => {
                VoucherKind::AmountOff { amount, min_spend }
            }
            wallet::VoucherKind::PercentOff {
                percent,
                max_discount,
            } => VoucherKind::PercentOff {
                percent,
                max_discount,
            },
            wallet::VoucherKind::FreeProduct { gtin, product_name } => {
                VoucherKind::FreeProduct { gtin, product_name }
            }
            wallet::VoucherKind::PointsMultiplier { multiplier } => {
                VoucherKind::PointsMultiplier { multiplier }
            }
            wallet::VoucherKind::EventInvitation {
                event_name,
                location,
                starts_at,
                ends_at,
            } => VoucherKind::EventInvitation {
                event_name,
                location,
                starts_at: st(starts_at),
                ends_at: st(ends_at),
            },
        }
    }
}

impl TryFrom<VoucherKind> for wallet::VoucherKind {
    type Error = LoyaltyError;

    fn try_from(k: VoucherKind) -> Result<Self> {
        Ok(match k {
            VoucherKind::AmountOff { amount, min_spend } => {
                wallet::VoucherKind::AmountOff { amount, min_spend }
            }
            VoucherKind::PercentOff {
                percent,
                max_discount,
            } => wallet::VoucherKind::PercentOff {
                percent,
                max_discount,
            },
            VoucherKind::FreeProduct { gtin, product_name } => {
                wallet::VoucherKind::FreeProduct { gtin, product_name }
            }
            VoucherKind::PointsMultiplier { multiplier } => {
                wallet::VoucherKind::PointsMultiplier { multiplier }
            }
            VoucherKind::EventInvitation {
                event_name,
                location,
                starts_at,
                ends_at,
            } => wallet::VoucherKind::EventInvitation {
                event_name,
                location,
                starts_at: utc(starts_at)?,
                ends_at: utc(ends_at)?,
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum VoucherState {
    Available,
    Redeeming {
        idempotency_key: String,
        since: SystemTime,
    },
    Redeemed {
        at: SystemTime,
    },
    Expired,
    Revoked,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Voucher {
    pub id: String,
    pub kind: VoucherKind,
    pub title: String,
    pub description: Option<String>,
    /// The code shown at the till.
    pub code: String,
    pub valid_from: SystemTime,
    pub valid_until: SystemTime,
    pub state: VoucherState,
    /// The retailer's signature, when issued by the server.
    pub signature: Option<String>,
    /// The title in other languages, by language tag (see `localizedName`).
    #[uniffi(default)]
    pub titles: HashMap<String, String>,
}

impl From<wallet::Voucher> for Voucher {
    fn from(v: wallet::Voucher) -> Self {
        Self {
            id: v.id,
            kind: v.kind.into(),
            titles: v.titles.0.into_iter().collect(),
            title: v.title,
            description: v.description,
            code: v.code,
            valid_from: st(v.valid_from),
            valid_until: st(v.valid_until),
            state: match v.state {
                wallet::VoucherState::Available => VoucherState::Available,
                wallet::VoucherState::Redeeming {
                    idempotency_key,
                    since,
                } => VoucherState::Redeeming {
                    idempotency_key,
                    since: st(since),
                },
                wallet::VoucherState::Redeemed { at } => VoucherState::Redeemed { at: st(at) },
                wallet::VoucherState::Expired => VoucherState::Expired,
                wallet::VoucherState::Revoked => VoucherState::Revoked,
            },
            signature: v.signature,
        }
    }
}

impl TryFrom<Voucher> for wallet::Voucher {
    type Error = LoyaltyError;

    fn try_from(v: Voucher) -> Result<Self> {
        Ok(Self {
            titles: localized_text(v.titles),
            id: v.id,
            kind: v.kind.try_into()?,
            title: v.title,
            description: v.description,
            code: v.code,
            valid_from: utc(v.valid_from)?,
            valid_until: utc(v.valid_until)?,
            state: match v.state {
                VoucherState::Available => wallet::VoucherState::Available,
                VoucherState::Redeeming {
                    idempotency_key,
                    since,
                } => wallet::VoucherState::Redeeming {
                    idempotency_key,
                    since: utc(since)?,
                },
                VoucherState::Redeemed { at } => wallet::VoucherState::Redeemed { at: utc(at)? },
                VoucherState::Expired => wallet::VoucherState::Expired,
                VoucherState::Revoked => wallet::VoucherState::Revoked,
            },
            signature: v.signature,
        })
    }
}

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

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LineItem {
    pub gtin: String,
    pub name: String,
    /// Units bought, > 0.
    pub quantity: i64,
    pub unit_price: Money,
    pub category: String,
    pub lot: Option<String>,
    pub warranty_months: Option<u32>,
    /// The name in other languages, by language tag; `name` is the till's (see
    /// `localizedName`).
    #[uniffi(default)]
    pub names: HashMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Receipt {
    pub id: String,
    pub store_name: String,
    pub purchased_at: SystemTime,
    pub lines: Vec<LineItem>,
    pub source: ReceiptSource,
    /// Overrides the programme's return window, in days.
    pub return_window_days: Option<u32>,
    /// What the member's offers took off at the till, at most one per line, in line order.
    #[uniffi(default = [])]
    pub discounts: Vec<ReceiptDiscount>,
    /// The retailer's seal (receipts from the retailer's server carry one): what lets
    /// `Receipts.lineProof` prove one line without showing the rest. Pass it back unchanged.
    #[uniffi(default = None)]
    pub seal: Option<ReceiptSeal>,
    /// The store's name in other languages, by language tag (see `localizedName`).
    #[uniffi(default)]
    pub store_names: HashMap<String, String>,
}

/// The retailer's signature over a receipt, opaque to the app: keep it with the receipt.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReceiptSeal {
    pub key_id: String,
    pub salt_seed: String,
    pub signature: String,
}

/// An amount an offer took off one receipt line at the till (a free item is the price of the
/// units given); the receipt keeps the offer's title, as the offer may be gone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReceiptDiscount {
    /// Index of the line in `lines`.
    pub line: u32,
    pub offer_id: String,
    pub title: crate::offers::OfferTitle,
    /// In the receipt's currency's minor units; 1 ..= the line total.
    pub amount_minor: i64,
}

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
    let r = receipts::Receipt::try_from(receipt)?;
    r.validate()?;
    Ok(r.total())
}

/// The sum of a receipt's lines before the offers' discounts.
#[uniffi::export]
pub fn receipt_subtotal(receipt: Receipt) -> Result<Money> {
    let r = receipts::Receipt::try_from(receipt)?;
    r.validate()?;
    Ok(r.subtotal())
}

impl From<receipts::Receipt> for Receipt {
    fn from(r: receipts::Receipt) -> Self {
        Self {
            store_names: r.store_names.0.into_iter().collect(),
            id: r.id,
            store_name: r.store_name,
            purchased_at: st(r.purchased_at),
            lines: r
                .lines
                .into_iter()
                .map(|l| LineItem {
                    names: l.names.0.into_iter().collect(),
                    gtin: l.gtin,
                    name: l.name,
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    category: l.category,
                    lot: l.lot,
                    warranty_months: l.warranty_months,
                })
                .collect(),
            source: r.source,
            return_window_days: r.return_window_days,
            discounts: r
                .discounts
                .into_iter()
                .map(|d| ReceiptDiscount {
                    line: d.line,
                    offer_id: d.offer_id,
                    title: crate::offers::OfferTitle {
                        nl: d.title.nl,
                        fr: d.title.fr,
                        en: d.title.en,
                    },
                    amount_minor: d.amount_minor,
                })
                .collect(),
            seal: r.seal.map(|s| ReceiptSeal {
                key_id: s.key_id,
                salt_seed: s.salt_seed,
                signature: s.signature,
            }),
        }
    }
}

impl TryFrom<Receipt> for receipts::Receipt {
    type Error = LoyaltyError;

    fn try_from(r: Receipt) -> Result<Self> {
        Ok(Self {
            store_names: localized_text(r.store_names),
            id: r.id,
            store_name: r.store_name,
            purchased_at: utc(r.purchased_at)?,
            lines: r
                .lines
                .into_iter()
                .map(|l| receipts::LineItem {
                    names: localized_text(l.names),
                    gtin: l.gtin,
                    name: l.name,
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    category: l.category,
                    lot: l.lot,
                    warranty_months: l.warranty_months,
                })
                .collect(),
            source: r.source,
            return_window_days: r.return_window_days,
            discounts: r
                .discounts
                .into_iter()
                .map(|d| receipts::ReceiptDiscount {
                    line: d.line,
                    offer_id: d.offer_id,
                    title: receipts::OfferTitle {
                        nl: d.title.nl,
                        fr: d.title.fr,
                        en: d.title.en,
                    },
                    amount_minor: d.amount_minor,
                })
                .collect(),
            seal: r.seal.map(|s| receipts::ReceiptSeal {
                key_id: s.key_id,
                salt_seed: s.salt_seed,
                signature: s.signature,
            }),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WarrantyItem {
    pub receipt_id: String,
    pub gtin: String,
    pub name: String,
    pub purchased_at: SystemTime,
    pub warranty_until: SystemTime,
    /// The name in other languages (see `localizedName`).
    pub names: HashMap<String, String>,
}

impl From<loyalty_core::WarrantyItem> for WarrantyItem {
    fn from(w: loyalty_core::WarrantyItem) -> Self {
        Self {
            receipt_id: w.receipt_id,
            gtin: w.gtin,
            name: w.name,
            names: w.names.0.into_iter().collect(),
            purchased_at: st(w.purchased_at),
            warranty_until: st(w.warranty_until),
        }
    }
}

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
        assert!(matches!(utc(far), Err(LoyaltyError::InvalidInput { .. })));
    }
}

// ---- Receipt claim codes ----------------------------------------------------------------------

// `ClaimRefusal` and `ClaimStatus` derive uniffi where they are defined (loyalty_domain::claim).
pub use loyalty_core::claim::{ClaimRefusal, ClaimStatus};

/// A receipt claimed by scanning its code (text for the shopper: `receiptClaimText`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReceiptClaim {
    pub receipt_id: String,
    pub store_name: String,
    pub purchased_at: SystemTime,
    pub total: Money,
    pub points: i64,
    pub claim_until: SystemTime,
    pub scanned_at: SystemTime,
    pub status: ClaimStatus,
    pub refusal: Option<ClaimRefusal>,
}

impl From<claim::ReceiptClaim> for ReceiptClaim {
    fn from(c: claim::ReceiptClaim) -> Self {
        Self {
            receipt_id: c.receipt_id,
            store_name: c.store_name,
            purchased_at: st(c.purchased_at),
            total: c.total,
            points: c.points,
            claim_until: st(c.claim_until),
            scanned_at: st(c.scanned_at),
            status: c.status,
            refusal: c.refusal,
        }
    }
}

/// What scanning a receipt claim code did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ClaimScan {
    /// Verified offline and queued: show the receipt as pending; the next sync claims it.
    Queued { claim: ReceiptClaim },
    /// Refused offline, with the reason.
    Refused { refusal: ClaimRefusal },
}

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

/// A company's invoicing details (an invoice's buyer, the shopper's saved company).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InvoiceParty {
    /// Registered legal name.
    pub name: String,
    /// Street and number.
    pub street: String,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 ("BE").
    pub country: String,
    /// VAT number of BE, NL, FR, LU or DE, separators allowed ("BE 0202.239.951").
    pub vat_id: String,
}

impl From<InvoiceParty> for invoice::InvoiceParty {
    fn from(p: InvoiceParty) -> Self {
        Self {
            name: p.name,
            street: p.street,
            city: p.city,
            postal_code: p.postal_code,
            country: p.country,
            vat_id: p.vat_id,
        }
    }
}

impl From<invoice::InvoiceParty> for InvoiceParty {
    fn from(p: invoice::InvoiceParty) -> Self {
        Self {
            name: p.name,
            street: p.street,
            city: p.city,
            postal_code: p.postal_code,
            country: p.country,
            vat_id: p.vat_id,
        }
    }
}

/// Where an invoice request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InvoiceStatus {
    /// Queued: the next sync asks the server.
    Pending,
    /// Issued: number, date, UBL and HTML are kept on the phone.
    Issued,
    /// Refused by the server (`refusal` says why); it may be asked again.
    Refused,
}

/// Why the server refused an invoice request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InvoiceRefusal {
    /// The receipt was already invoiced to another company.
    OtherCompany,
    /// Not one of the member's receipts.
    UnknownReceipt,
    /// The server did not accept the company details.
    InvalidCompany,
}

/// An invoice for one receipt as the phone keeps it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StoredInvoice {
    pub receipt_id: String,
    pub status: InvoiceStatus,
    pub requested_at: SystemTime,
    pub buyer: InvoiceParty,
    /// `nl`, `fr` or `en`.
    pub lang: String,
    pub refusal: Option<InvoiceRefusal>,
    /// `YYYY-NNNNNN`, once issued.
    pub number: Option<String>,
    /// The invoice date as `YYYY-MM-DD`, once issued.
    pub issue_date: Option<String>,
    /// The UBL 2.1 document (Peppol BIS Billing 3.0), once issued.
    pub ubl: Option<String>,
    /// The same invoice as an HTML page in `lang`, once issued.
    pub html: Option<String>,
}

impl From<store::StoredInvoice> for StoredInvoice {
    fn from(i: store::StoredInvoice) -> Self {
        Self {
            receipt_id: i.receipt_id,
            status: match i.status {
                store::InvoiceStatus::Pending => InvoiceStatus::Pending,
                store::InvoiceStatus::Issued => InvoiceStatus::Issued,
                store::InvoiceStatus::Refused => InvoiceStatus::Refused,
            },
            requested_at: st(i.requested_at),
            buyer: i.buyer.into(),
            lang: i.lang,
            refusal: i.refusal.map(|r| match r {
                store::InvoiceRefusal::OtherCompany => InvoiceRefusal::OtherCompany,
                store::InvoiceRefusal::UnknownReceipt => InvoiceRefusal::UnknownReceipt,
                store::InvoiceRefusal::InvalidCompany => InvoiceRefusal::InvalidCompany,
            }),
            number: i.number,
            issue_date: i.issue_date.map(|d| d.format("%Y-%m-%d").to_string()),
            ubl: i.ubl,
            html: i.html,
        }
    }
}

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
