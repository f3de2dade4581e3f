//! Errors. Each module has its own internal error; [`LoyaltyError`] is the one public enum at the
//! facade, with few variants an app can act on. Every reason is a fixed, human sentence that never
//! carries personal data (no card numbers, tokens, names, ids of the shopper's records).

// `InputError` lives in `check` (the bottom floor); named here too for callers that still write
// `loyalty_core::error::InputError`.
pub use crate::check::InputError;
use crate::store::StoreError;

/// The public error of Loyalty Core, defined in the domain (its bottom floor, so the FFI's record
/// converters can raise it) and exported over the FFI as it is.
pub use loyalty_domain::LoyaltyError;

pub type ApiResult<T> = Result<T, LoyaltyError>;

impl From<StoreError> for LoyaltyError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Closed => LoyaltyError::Closed {
                reason: "the loyalty client was closed".into(),
            },
            StoreError::Corrupt(reason) => LoyaltyError::DatabaseCorrupt { reason },
            StoreError::Conflict(reason) => LoyaltyError::Conflict { reason },
            StoreError::Foreign(reason) => LoyaltyError::DatabaseCorrupt { reason },
            StoreError::TooNew { found, supported } => LoyaltyError::DatabaseCorrupt {
                reason: format!(
                    "database schema version {found} is newer than this app supports ({supported}); update the app"
                ),
            },
            StoreError::Io(reason) => LoyaltyError::Storage { reason },
            StoreError::Decode(reason) => LoyaltyError::DatabaseCorrupt { reason },
            StoreError::Encode(reason) => LoyaltyError::Internal { reason },
            StoreError::Input(e) => e.into(),
            StoreError::Points(e) => e.into(),
            StoreError::Wallet(e) => e.into(),
            StoreError::Receipt(e) => e.into(),
            StoreError::List(e) => e.into(),
            StoreError::Offer(r) => r.into(),
        }
    }
}

impl From<crate::runtime::RuntimeError> for LoyaltyError {
    fn from(e: crate::runtime::RuntimeError) -> Self {
        LoyaltyError::Internal {
            reason: e.to_string(),
        }
    }
}
