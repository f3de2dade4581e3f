//! Errors. Each module has its own internal error; [`ApiError`] is the one public enum at the
//! facade, with few variants an app can act on. Every reason is a fixed, human sentence that never
//! carries personal data (no card numbers, tokens, names, ids of the shopper's records).

// `InputError` lives in `check` (the bottom floor); named here too for callers that still write
// `loyalty_core::error::InputError`.
pub use crate::check::InputError;
use crate::list::ListError;
use crate::points::PointsError;
use crate::receipts::ReceiptError;
use crate::store::StoreError;
use crate::wallet::WalletError;

/// The public error of Loyalty Core.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The caller passed something that breaks a rule: fix the input, do not retry as is.
    #[error("invalid input: {reason}")]
    InvalidInput { reason: String },
    /// The record asked for does not exist (anymore).
    #[error("not found: {reason}")]
    NotFound { reason: String },
    /// The request is valid but the current state forbids it (voucher already redeemed, not
    /// enough points, entry already reversed). Refresh and show the shopper the new state.
    #[error("conflict: {reason}")]
    Conflict { reason: String },
    /// The device storage failed (disk full, I/O error). Nothing was changed; retry later.
    #[error("storage error: {reason}")]
    Storage { reason: String },
    /// The database on disk is corrupt or not ours. Nothing was changed or overwritten; the app
    /// can move it aside and recover from the server.
    #[error("database corrupt: {reason}")]
    DatabaseCorrupt { reason: String },
    /// The client was closed; open a new one.
    #[error("closed: {reason}")]
    Closed { reason: String },
    /// A bug in Loyalty Core. Report it.
    #[error("internal error: {reason}")]
    Internal { reason: String },
    /// The server could not be reached or gave no usable answer (offline, timeouts, server
    /// errors, malformed responses), after the retries allowed. Nothing was lost or applied
    /// twice: show "offline" and sync again later.
    #[error("network error: {reason}")]
    Network { reason: String },
    /// The server does not accept this device's credentials (signed out elsewhere, revoked), or
    /// the device is not signed in. Nothing was changed: the shopper must sign in again
    /// (enrol, or join the household with its code).
    #[error("unauthorized: {reason}")]
    Unauthorized { reason: String },
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<InputError> for ApiError {
    fn from(e: InputError) -> Self {
        ApiError::InvalidInput { reason: e.reason }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Closed => ApiError::Closed {
                reason: "the loyalty client was closed".into(),
            },
            StoreError::Corrupt(reason) => ApiError::DatabaseCorrupt { reason },
            StoreError::Conflict(reason) => ApiError::Conflict { reason },
            StoreError::Foreign(reason) => ApiError::DatabaseCorrupt { reason },
            StoreError::TooNew { found, supported } => ApiError::DatabaseCorrupt {
                reason: format!(
                    "database schema version {found} is newer than this app supports ({supported}); update the app"
                ),
            },
            StoreError::Io(reason) => ApiError::Storage { reason },
            StoreError::Decode(reason) => ApiError::DatabaseCorrupt { reason },
            StoreError::Encode(reason) => ApiError::Internal { reason },
            StoreError::Input(e) => e.into(),
            StoreError::Points(e) => e.into(),
            StoreError::Wallet(e) => e.into(),
            StoreError::Receipt(e) => e.into(),
            StoreError::List(e) => e.into(),
            StoreError::Offer(r) => r.into(),
        }
    }
}

impl From<crate::offers::OfferRefusal> for ApiError {
    /// No such offer: `NotFound`; ended, another member's, used up: `Conflict`. The reason is
    /// the refusal's fixed English sentence ([`OfferRefusal::text`](crate::offers::OfferRefusal::text) for the shopper).
    fn from(r: crate::offers::OfferRefusal) -> Self {
        use crate::offers::OfferRefusal;
        let reason = r.reason().to_string();
        match r {
            OfferRefusal::Unknown => ApiError::NotFound { reason },
            OfferRefusal::NotYours | OfferRefusal::Expired | OfferRefusal::AlreadyUsed => {
                ApiError::Conflict { reason }
            }
        }
    }
}

impl From<PointsError> for ApiError {
    fn from(e: PointsError) -> Self {
        let reason = e.to_string();
        match e {
            PointsError::Invalid(i) => i.into(),
            PointsError::EntryNotFound => ApiError::NotFound { reason },
            PointsError::Insufficient { .. }
            | PointsError::AlreadyReversed
            | PointsError::NotReversible
            | PointsError::NotPending
            | PointsError::AlreadyClaimed => ApiError::Conflict { reason },
            PointsError::Inconsistent { .. } => ApiError::DatabaseCorrupt { reason },
        }
    }
}

impl From<WalletError> for ApiError {
    fn from(e: WalletError) -> Self {
        let reason = e.to_string();
        match e {
            WalletError::Invalid(i) => i.into(),
            WalletError::NotFound => ApiError::NotFound { reason },
            WalletError::NotIssued | WalletError::NoRetailerKey => {
                ApiError::InvalidInput { reason }
            }
            _ => ApiError::Conflict { reason },
        }
    }
}

impl From<ReceiptError> for ApiError {
    fn from(e: ReceiptError) -> Self {
        let reason = e.to_string();
        match e {
            ReceiptError::Invalid(i) => i.into(),
            ReceiptError::NotFound => ApiError::NotFound { reason },
            ReceiptError::Duplicate => ApiError::Conflict { reason },
        }
    }
}

impl From<ListError> for ApiError {
    fn from(e: ListError) -> Self {
        let reason = e.to_string();
        match e {
            ListError::Invalid(i) => i.into(),
            ListError::NotFound => ApiError::NotFound { reason },
            ListError::Duplicate | ListError::Full => ApiError::Conflict { reason },
        }
    }
}

impl From<crate::runtime::RuntimeError> for ApiError {
    fn from(e: crate::runtime::RuntimeError) -> Self {
        ApiError::Internal {
            reason: e.to_string(),
        }
    }
}
