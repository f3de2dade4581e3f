//! The one error type apps see (`LoyaltyException` in Kotlin, `LoyaltyError` in Swift): the
//! core's public error, defined in the domain and exported as it is (it derives uniffi there).
//! Every reason is a fixed sentence free of personal data.

pub use loyalty_core::LoyaltyError;

pub(crate) fn invalid(reason: &str) -> LoyaltyError {
    LoyaltyError::InvalidInput {
        reason: reason.to_string(),
    }
}

pub type Result<T, E = LoyaltyError> = std::result::Result<T, E>;
