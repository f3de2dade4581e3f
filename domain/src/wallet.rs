//! The wallet: vouchers, their validity windows and states, and the offline redemption state
//! machine. Pure logic; the store persists vouchers and the outbox in one transaction.
//!
//! ```text
//! Available --begin_redemption--> Redeeming --Accepted / AlreadyRedeemed--> Redeemed
//!     ^                               |
//!     +----------- Rejected ----------+
//! Available --revoke--> Revoked        Available past valid_until reads as Expired
//! ```

use crate::check::{non_empty, InputError};
use crate::error::LoyaltyError;
use crate::gs1::validate_gtin;
use crate::lang::{Lang, LocalizedText};
use crate::money::Money;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "raw::VoucherKind")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum VoucherKind {
    /// A fixed amount off the basket, optionally above a minimum spend.
    AmountOff {
        amount: Money,
        #[serde(default)]
        min_spend: Option<Money>,
    },
    /// A percentage off (1–100), optionally capped.
    PercentOff {
        percent: u32,
        #[serde(default)]
        max_discount: Option<Money>,
    },
    /// One product free.
    FreeProduct { gtin: String, product_name: String },
    /// Points earned on the next purchase are multiplied (2 = double points).
    PointsMultiplier { multiplier: u32 },
    /// An invitation to a member event, e.g. the members-only pre-sale evening.
    EventInvitation {
        event_name: String,
        location: String,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    },
}

/// Stored state of a voucher. `Expired` is never stored: an available voucher past its window
/// reads as expired (see [`Voucher::state_at`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "state",
    rename_all = "snake_case",
    try_from = "raw::VoucherState"
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum VoucherState {
    Available,
    /// Shown at the till offline; the redemption waits in the outbox for the server's answer.
    Redeeming {
        idempotency_key: String,
        since: DateTime<Utc>,
    },
    Redeemed {
        at: DateTime<Utc>,
    },
    Expired,
    Revoked,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Voucher {
    pub id: String,
    pub kind: VoucherKind,
    /// The title in the retailer's own language.
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The code shown at the till.
    pub code: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub state: VoucherState,
    /// The retailer's signature over the voucher, when the server issued it.
    #[serde(default)]
    pub signature: Option<String>,
    /// The title in other languages, by language tag, as a receipt line's `names`.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "LocalizedText::is_empty")]
    pub titles: LocalizedText,
}

#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    #[error("{0}")]
    Invalid(#[from] InputError),
    #[error("voucher not found")]
    NotFound,
    #[error("voucher is not valid yet")]
    NotYetValid,
    #[error("voucher has expired")]
    Expired,
    #[error("voucher was revoked")]
    Revoked,
    #[error("voucher was already redeemed")]
    AlreadyRedeemed,
    #[error("voucher is already being redeemed")]
    AlreadyRedeeming,
    #[error("voucher is not being redeemed")]
    NotRedeeming,
    #[error("a voucher with this id already exists with different content")]
    Duplicate,
    /// Added on the device without the retailer's valid signature over its fields.
    #[error("the voucher is not signed by the retailer: it cannot be shown at the till")]
    NotIssued,
    /// No retailer key is configured, so no voucher added on the device can be checked.
    #[error("the retailer's voucher key is not set: vouchers cannot be checked")]
    NoRetailerKey,
}

/// Mapped once into the public error (the store's, runtime's and sync's errors are mapped in
/// loyalty-core's api/error.rs).
impl From<WalletError> for LoyaltyError {
    fn from(e: WalletError) -> Self {
        let reason = e.to_string();
        match e {
            WalletError::Invalid(i) => i.into(),
            WalletError::NotFound => LoyaltyError::NotFound { reason },
            WalletError::NotIssued | WalletError::NoRetailerKey => {
                LoyaltyError::InvalidInput { reason }
            }
            _ => LoyaltyError::Conflict { reason },
        }
    }
}

/// What the server said about a redemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RedemptionOutcome {
    /// Redeemed.
    Accepted,
    /// Refused (e.g. the till cancelled): the voucher is available again.
    Rejected,
    /// Someone else (another device of the household) redeemed it first.
    AlreadyRedeemed,
}

impl Voucher {
    /// The state as the shopper sees it at `now`.
    pub fn state_at(&self, now: DateTime<Utc>) -> VoucherState {
        match &self.state {
            VoucherState::Available if now >= self.valid_until => VoucherState::Expired,
            s => s.clone(),
        }
    }

    /// The title for a shopper who reads `lang`.
    pub fn title_in(&self, lang: Lang) -> &str {
        self.titles.get_or(lang, &self.title)
    }

    /// Usable at the till now: available and inside its window.
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.state == VoucherState::Available && self.valid_from <= now && now < self.valid_until
    }

    pub fn validate(&self) -> Result<(), InputError> {
        non_empty("voucher id", &self.id, 128)?;
        non_empty("voucher title", &self.title, 200)?;
        self.titles.validate_translations("voucher title", 200)?;
        non_empty("voucher code", &self.code, 4096)?;
        if self.valid_until <= self.valid_from {
            return Err(InputError::new(
                "voucher valid_until must be after valid_from",
            ));
        }
        match &self.kind {
            VoucherKind::AmountOff { amount, min_spend } => {
                amount.validate()?;
                if amount.amount_minor <= 0 {
                    return Err(InputError::new("amount off must be positive"));
                }
                if let Some(min) = min_spend {
                    min.validate()?;
                    if min.currency != amount.currency || min.amount_minor < 0 {
                        return Err(InputError::new(
                            "minimum spend must be non-negative, in the voucher's currency",
                        ));
                    }
                }
            }
            VoucherKind::PercentOff {
                percent,
                max_discount,
            } => {
                if !(1..=100).contains(percent) {
                    return Err(InputError::new("percent off must be between 1 and 100"));
                }
                if let Some(max) = max_discount {
                    max.validate()?;
                    if max.amount_minor <= 0 {
                        return Err(InputError::new("maximum discount must be positive"));
                    }
                }
            }
            VoucherKind::FreeProduct { gtin, product_name } => {
                validate_gtin(gtin)?;
                non_empty("product name", product_name, 200)?;
            }
            VoucherKind::PointsMultiplier { multiplier } => {
                if !(2..=100).contains(multiplier) {
                    return Err(InputError::new(
                        "points multiplier must be between 2 and 100",
                    ));
                }
            }
            VoucherKind::EventInvitation {
                event_name,
                location,
                starts_at,
                ends_at,
            } => {
                non_empty("event name", event_name, 200)?;
                non_empty("event location", location, 200)?;
                if ends_at <= starts_at {
                    return Err(InputError::new("event must end after it starts"));
                }
            }
        }
        if matches!(self.state, VoucherState::Expired) {
            return Err(InputError::new(
                "expired is derived from valid_until, not stored",
            ));
        }
        Ok(())
    }
}

/// Available → Redeeming, or why not.
pub fn begin_redemption(
    v: &mut Voucher,
    now: DateTime<Utc>,
    idempotency_key: String,
) -> Result<(), WalletError> {
    check_usable(v, now)?;
    v.state = VoucherState::Redeeming {
        idempotency_key,
        since: now,
    };
    Ok(())
}

/// Whether `v` can be used at the till now (redeemed, or shown in a combined code); the reason
/// when not.
pub fn check_usable(v: &Voucher, now: DateTime<Utc>) -> Result<(), WalletError> {
    match v.state_at(now) {
        VoucherState::Available if now < v.valid_from => Err(WalletError::NotYetValid),
        VoucherState::Available => Ok(()),
        VoucherState::Redeeming { .. } => Err(WalletError::AlreadyRedeeming),
        VoucherState::Redeemed { .. } => Err(WalletError::AlreadyRedeemed),
        VoucherState::Expired => Err(WalletError::Expired),
        VoucherState::Revoked => Err(WalletError::Revoked),
    }
}

/// Redeeming → Redeemed or back to Available, on the server's answer.
pub fn complete_redemption(
    v: &mut Voucher,
    outcome: RedemptionOutcome,
    now: DateTime<Utc>,
) -> Result<(), WalletError> {
    let since = match &v.state {
        VoucherState::Redeeming { since, .. } => *since,
        _ => return Err(WalletError::NotRedeeming),
    };
    v.state = match outcome {
        // Redeemed when it was shown at the till, not when the server answered.
        RedemptionOutcome::Accepted => VoucherState::Redeemed { at: since },
        RedemptionOutcome::AlreadyRedeemed => VoucherState::Redeemed { at: now },
        RedemptionOutcome::Rejected => VoucherState::Available,
    };
    Ok(())
}

/// The retailer withdraws a voucher that has not been used.
pub fn revoke(v: &mut Voucher, now: DateTime<Utc>) -> Result<(), WalletError> {
    match v.state_at(now) {
        VoucherState::Available | VoucherState::Expired => {
            v.state = VoucherState::Revoked;
            Ok(())
        }
        VoucherState::Revoked => Ok(()),
        VoucherState::Redeeming { .. } => Err(WalletError::AlreadyRedeeming),
        VoucherState::Redeemed { .. } => Err(WalletError::AlreadyRedeemed),
    }
}

/// A piece of work done offline, persisted until the server has answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Position in the outbox (first in, first out).
    pub seq: u64,
    /// Sent with every attempt, so the server applies the operation at most once.
    pub idempotency_key: String,
    pub operation: OutboxOperation,
    pub created_at: DateTime<Utc>,
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    try_from = "raw::OutboxOperation"
)]
pub enum OutboxOperation {
    RedeemVoucher {
        voucher_id: String,
    },
    /// Points earned offline (a purchase whose receipt the till handed to the app), claimed from
    /// the server; `entry_seq` is the pending ledger entry the answer settles.
    ClaimPoints {
        entry_seq: u64,
        points: i64,
        /// The receipt id the points are for.
        reference: String,
        earned_at: DateTime<Utc>,
    },
    /// A receipt sold without the card, claimed with the claim code scanned from the till's
    /// screen or the paper receipt (see [`crate::claim`]); `entry_seq` is the pending earn entry
    /// the answer settles (none when the purchase earns no points).
    ClaimReceipt {
        receipt_id: String,
        claim_code: String,
        #[serde(default)]
        entry_seq: Option<u64>,
    },
    /// A company invoice asked for one of the member's receipts (`POST
    /// /v1/receipts/{receipt_id}/invoice`, batch kind `invoice`), to `company` (checked offline
    /// before it was queued), its readable copy in `lang` (`nl`, `fr` or `en`).
    RequestInvoice {
        receipt_id: String,
        company: Box<crate::invoice::InvoiceParty>,
        lang: String,
    },
    /// The shopper asked to delete the account: sent first at the next sync; the device's data
    /// and secrets are wiped only once the server confirms the erasure.
    DeleteAccount,
    /// The shopper activated an opt-in offer (see [`crate::offers`]); shown as activated at
    /// once, settled by the server's answer (activated, or refused: ended, unknown, not yours).
    ActivateOffer {
        offer_id: String,
    },
    /// The shopper answered a survey or a vote of the `surveys` feed (see [`crate::survey`]);
    /// shown as answered at once, settled by the server's answer (counted, or refused).
    AnswerSurvey {
        survey_id: String,
        answer: crate::survey::SurveyAnswer,
    },
}

/// A random version-4 UUID, used as an idempotency key.
pub fn new_idempotency_key() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The tagged enums above as read from JSON (see [`crate::tagged`]).
mod raw {
    use crate::money::Money;
    use crate::tagged::required;
    use chrono::{DateTime, Utc};
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum KindTag {
        AmountOff,
        PercentOff,
        FreeProduct,
        PointsMultiplier,
        EventInvitation,
    }

    #[derive(Deserialize)]
    pub(super) struct VoucherKind {
        #[serde(rename = "type")]
        tag: KindTag,
        amount: Option<Money>,
        min_spend: Option<Money>,
        percent: Option<u32>,
        max_discount: Option<Money>,
        gtin: Option<String>,
        product_name: Option<String>,
        multiplier: Option<u32>,
        event_name: Option<String>,
        location: Option<String>,
        starts_at: Option<DateTime<Utc>>,
        ends_at: Option<DateTime<Utc>>,
    }

    impl TryFrom<VoucherKind> for super::VoucherKind {
        type Error = String;
        fn try_from(r: VoucherKind) -> Result<Self, String> {
            Ok(match r.tag {
                KindTag::AmountOff => Self::AmountOff {
                    amount: required(r.amount, "amount")?,
                    min_spend: r.min_spend,
                },
                KindTag::PercentOff => Self::PercentOff {
                    percent: required(r.percent, "percent")?,
                    max_discount: r.max_discount,
                },
                KindTag::FreeProduct => Self::FreeProduct {
                    gtin: required(r.gtin, "gtin")?,
                    product_name: required(r.product_name, "product_name")?,
                },
                KindTag::PointsMultiplier => Self::PointsMultiplier {
                    multiplier: required(r.multiplier, "multiplier")?,
                },
                KindTag::EventInvitation => Self::EventInvitation {
                    event_name: required(r.event_name, "event_name")?,
                    location: required(r.location, "location")?,
                    starts_at: required(r.starts_at, "starts_at")?,
                    ends_at: required(r.ends_at, "ends_at")?,
                },
            })
        }
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum StateTag {
        Available,
        Redeeming,
        Redeemed,
        Expired,
        Revoked,
    }

    #[derive(Deserialize)]
    pub(super) struct VoucherState {
        state: StateTag,
        idempotency_key: Option<String>,
        since: Option<DateTime<Utc>>,
        at: Option<DateTime<Utc>>,
    }

    impl TryFrom<VoucherState> for super::VoucherState {
        type Error = String;
        fn try_from(r: VoucherState) -> Result<Self, String> {
            Ok(match r.state {
                StateTag::Available => Self::Available,
                StateTag::Redeeming => Self::Redeeming {
                    idempotency_key: required(r.idempotency_key, "idempotency_key")?,
                    since: required(r.since, "since")?,
                },
                StateTag::Redeemed => Self::Redeemed {
                    at: required(r.at, "at")?,
                },
                StateTag::Expired => Self::Expired,
                StateTag::Revoked => Self::Revoked,
            })
        }
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum OperationTag {
        RedeemVoucher,
        ClaimPoints,
        ClaimReceipt,
        RequestInvoice,
        DeleteAccount,
        ActivateOffer,
        AnswerSurvey,
    }

    #[derive(Deserialize)]
    pub(super) struct OutboxOperation {
        #[serde(rename = "type")]
        tag: OperationTag,
        voucher_id: Option<String>,
        entry_seq: Option<u64>,
        points: Option<i64>,
        reference: Option<String>,
        earned_at: Option<DateTime<Utc>>,
        receipt_id: Option<String>,
        claim_code: Option<String>,
        company: Option<Box<crate::invoice::InvoiceParty>>,
        lang: Option<String>,
        offer_id: Option<String>,
        survey_id: Option<String>,
        answer: Option<crate::survey::SurveyAnswer>,
    }

    impl TryFrom<OutboxOperation> for super::OutboxOperation {
        type Error = String;
        fn try_from(r: OutboxOperation) -> Result<Self, String> {
            Ok(match r.tag {
                OperationTag::RedeemVoucher => Self::RedeemVoucher {
                    voucher_id: required(r.voucher_id, "voucher_id")?,
                },
                OperationTag::ClaimPoints => Self::ClaimPoints {
                    entry_seq: required(r.entry_seq, "entry_seq")?,
                    points: required(r.points, "points")?,
                    reference: required(r.reference, "reference")?,
                    earned_at: required(r.earned_at, "earned_at")?,
                },
                OperationTag::ClaimReceipt => Self::ClaimReceipt {
                    receipt_id: required(r.receipt_id, "receipt_id")?,
                    claim_code: required(r.claim_code, "claim_code")?,
                    entry_seq: r.entry_seq,
                },
                OperationTag::RequestInvoice => Self::RequestInvoice {
                    receipt_id: required(r.receipt_id, "receipt_id")?,
                    company: required(r.company, "company")?,
                    lang: required(r.lang, "lang")?,
                },
                OperationTag::DeleteAccount => Self::DeleteAccount,
                OperationTag::ActivateOffer => Self::ActivateOffer {
                    offer_id: required(r.offer_id, "offer_id")?,
                },
                OperationTag::AnswerSurvey => Self::AnswerSurvey {
                    survey_id: required(r.survey_id, "survey_id")?,
                    answer: required(r.answer, "answer")?,
                },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
    }

    pub(crate) fn voucher(id: &str) -> Voucher {
        Voucher {
            titles: Default::default(),
            id: id.into(),
            kind: VoucherKind::AmountOff {
                amount: Money::new(500, "EUR").unwrap(),
                min_spend: None,
            },
            title: "€5 off".into(),
            description: None,
            code: "V-123".into(),
            valid_from: t0(),
            valid_until: t0() + Duration::days(30),
            state: VoucherState::Available,
            signature: None,
        }
    }

    #[test]
    fn redemption_state_machine() {
        let mut v = voucher("a");
        let before = t0() - Duration::hours(1);
        assert!(matches!(
            begin_redemption(&mut v, before, "k".into()),
            Err(WalletError::NotYetValid)
        ));
        begin_redemption(&mut v, t0(), "k1".into()).unwrap();
        assert!(matches!(
            begin_redemption(&mut v, t0(), "k2".into()),
            Err(WalletError::AlreadyRedeeming)
        ));
        complete_redemption(&mut v, RedemptionOutcome::Rejected, t0()).unwrap();
        assert_eq!(v.state, VoucherState::Available);
        assert!(matches!(
            complete_redemption(&mut v, RedemptionOutcome::Accepted, t0()),
            Err(WalletError::NotRedeeming)
        ));
        begin_redemption(&mut v, t0(), "k3".into()).unwrap();
        complete_redemption(
            &mut v,
            RedemptionOutcome::Accepted,
            t0() + Duration::days(2),
        )
        .unwrap();
        assert_eq!(v.state, VoucherState::Redeemed { at: t0() });
        assert!(matches!(
            begin_redemption(&mut v, t0(), "k4".into()),
            Err(WalletError::AlreadyRedeemed)
        ));
        assert!(matches!(
            revoke(&mut v, t0()),
            Err(WalletError::AlreadyRedeemed)
        ));
    }

    #[test]
    fn expiry_is_derived_from_the_window() {
        let mut v = voucher("a");
        let end = v.valid_until;
        assert!(v.is_usable(end - Duration::seconds(1)));
        assert!(!v.is_usable(end));
        assert_eq!(v.state_at(end), VoucherState::Expired);
        assert!(matches!(
            begin_redemption(&mut v, end, "k".into()),
            Err(WalletError::Expired)
        ));
        revoke(&mut v, end).unwrap();
        assert_eq!(v.state_at(end), VoucherState::Revoked);
        assert!(matches!(
            begin_redemption(&mut v, t0(), "k".into()),
            Err(WalletError::Revoked)
        ));
    }

    #[test]
    fn validation() {
        assert!(voucher("a").validate().is_ok());
        let mut v = voucher("");
        assert!(v.validate().is_err());
        v = voucher("a");
        v.valid_until = v.valid_from;
        assert!(v.validate().is_err());
        v = voucher("a");
        v.kind = VoucherKind::PercentOff {
            percent: 0,
            max_discount: None,
        };
        assert!(v.validate().is_err());
        v.kind = VoucherKind::FreeProduct {
            gtin: "123".into(),
            product_name: "Bread".into(),
        };
        assert!(v.validate().is_err());
        v.kind = VoucherKind::FreeProduct {
            gtin: "4006381333931".into(),
            product_name: "Bread".into(),
        };
        assert!(v.validate().is_ok());
    }

    #[test]
    fn idempotency_keys_are_uuid_v4() {
        let a = new_idempotency_key();
        let b = new_idempotency_key();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }
}
