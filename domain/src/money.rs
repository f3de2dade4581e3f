//! Money as integer minor units with an ISO 4217 currency code. No floats.

use crate::check::InputError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Money {
    /// Amount in the currency's minor unit (cents for EUR).
    pub amount_minor: i64,
    /// ISO 4217 alphabetic code, e.g. "EUR".
    pub currency: String,
}

impl Money {
    pub fn new(amount_minor: i64, currency: &str) -> Result<Self, InputError> {
        let m = Self {
            amount_minor,
            currency: currency.to_string(),
        };
        m.validate()?;
        Ok(m)
    }

    /// A currency code is three ASCII upper-case letters.
    pub fn validate(&self) -> Result<(), InputError> {
        validate_currency(&self.currency)
    }
}

pub fn validate_currency(code: &str) -> Result<(), InputError> {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(InputError::new(
            "currency must be an ISO 4217 code of three upper-case letters",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_are_checked() {
        assert!(Money::new(1999, "EUR").is_ok());
        assert!(Money::new(1999, "eur").is_err());
        assert!(Money::new(1999, "EURO").is_err());
        assert!(Money::new(1999, "").is_err());
    }
}
