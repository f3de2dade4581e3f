//! The public error of Loyalty Core: the one error apps see (`LoyaltyException` in Kotlin,
//! `LoyaltyError` in Swift), exported over the FFI as it is defined here. It is vocabulary, like
//! [`InputError`]: defined on the bottom floor so the converters of the records that cross the FFI
//! can raise it (a time out of range is `InvalidInput`, never a panic). Each internal error is
//! mapped into it once, in `loyalty-core` (`api/error.rs`). Every reason is a fixed, human
//! sentence that never carries personal data (no card numbers, tokens, names, ids of the
//! shopper's records).

use crate::check::InputError;

/// The public error of Loyalty Core, with few variants an app can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum LoyaltyError {
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
    /// can move it aside (`quarantineDatabase`) and recover from the server.
    #[error("database corrupt: {reason}")]
    DatabaseCorrupt { reason: String },
    /// The client was closed; open a new one.
    #[error("closed: {reason}")]
    Closed { reason: String },
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
    /// A bug in Loyalty Core. Report it.
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

/// A result whose error is the public one.
pub type ApiResult<T> = Result<T, LoyaltyError>;

impl From<InputError> for LoyaltyError {
    fn from(e: InputError) -> Self {
        LoyaltyError::InvalidInput { reason: e.reason }
    }
}
