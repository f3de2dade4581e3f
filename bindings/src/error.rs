//! The one error type apps see (`LoyaltyException` in Kotlin, `LoyaltyError` in Swift).
//! Every reason is a fixed sentence free of personal data.

use loyalty_core::ApiError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum LoyaltyError {
    /// The input breaks a rule: fix it, do not retry as is.
    #[error("invalid input: {reason}")]
    InvalidInput { reason: String },
    /// The record does not exist.
    #[error("not found: {reason}")]
    NotFound { reason: String },
    /// Valid, but the current state forbids it (already redeemed, not enough points...).
    #[error("conflict: {reason}")]
    Conflict { reason: String },
    /// Device storage failed; nothing changed; retry later.
    #[error("storage error: {reason}")]
    Storage { reason: String },
    /// The database is damaged or not ours; see `quarantineDatabase`.
    #[error("database corrupt: {reason}")]
    DatabaseCorrupt { reason: String },
    /// The client was closed.
    #[error("closed: {reason}")]
    Closed { reason: String },
    /// The server could not be reached or answered badly; nothing was lost, retry later.
    #[error("network error: {reason}")]
    Network { reason: String },
    /// The server refused the device's credentials: sign in again.
    #[error("unauthorized: {reason}")]
    Unauthorized { reason: String },
    /// A bug in Loyalty Core.
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

impl From<ApiError> for LoyaltyError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::InvalidInput { reason } => Self::InvalidInput { reason },
            ApiError::NotFound { reason } => Self::NotFound { reason },
            ApiError::Conflict { reason } => Self::Conflict { reason },
            ApiError::Storage { reason } => Self::Storage { reason },
            ApiError::DatabaseCorrupt { reason } => Self::DatabaseCorrupt { reason },
            ApiError::Closed { reason } => Self::Closed { reason },
            ApiError::Network { reason } => Self::Network { reason },
            ApiError::Unauthorized { reason } => Self::Unauthorized { reason },
            ApiError::Internal { reason } => Self::Internal { reason },
        }
    }
}

impl From<loyalty_core::error::InputError> for LoyaltyError {
    fn from(e: loyalty_core::error::InputError) -> Self {
        ApiError::from(e).into()
    }
}

pub(crate) fn invalid(reason: &str) -> LoyaltyError {
    LoyaltyError::InvalidInput {
        reason: reason.to_string(),
    }
}

pub type Result<T, E = LoyaltyError> = std::result::Result<T, E>;
