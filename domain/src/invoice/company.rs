//! The parties of an invoice: name, postal address, country and VAT number, checked.

use super::vat::{VatError, VatId};
use super::InvoiceError;
use crate::check::{non_empty, InputError};

/// A company on an invoice, seller or buyer. Serialised with the server's `Company` field names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct InvoiceParty {
    /// Registered legal name (BT-27 / BT-44).
    pub name: String,
    /// Street and number.
    pub street: String,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, upper case ("BE").
    pub country: String,
    /// VAT identifier with or without separators; see [`VatId::parse`].
    pub vat_id: String,
}

/// The retailer issuing the invoice: a party like the buyer, whose VAT number is required for
/// standard-rated sales (BR-S-02) as the buyer's is for a company invoice.
pub type Seller = InvoiceParty;

/// Why a party was refused, before we know whether it is the seller or the buyer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartyError {
    #[error("{0}")]
    Input(InputError),
    #[error("{0}")]
    Vat(VatError),
}

impl PartyError {
    pub(crate) fn at(self, party: &'static str) -> InvoiceError {
        match self {
            PartyError::Input(e) => InvoiceError::Invalid(InputError::new(format!("{party} {e}"))),
            PartyError::Vat(source) => InvoiceError::Vat { party, source },
        }
    }
}

impl From<InputError> for PartyError {
    fn from(e: InputError) -> Self {
        PartyError::Input(e)
    }
}

/// Text that can go into XML 1.0 and a postal address: no control characters.
fn text(field: &str, value: &str, max: usize) -> Result<(), InputError> {
    non_empty(field, value, max)?;
    if value.chars().any(char::is_control) {
        return Err(InputError::new(format!(
            "{field} must not contain control characters"
        )));
    }
    Ok(())
}

impl InvoiceParty {
    /// Checks every field; returns the parsed VAT number. Reasons name the field, never its value.
    pub fn validate(&self) -> Result<VatId, PartyError> {
        text("name", &self.name, 200)?;
        text("street", &self.street, 200)?;
        text("city", &self.city, 100)?;
        text("postal code", &self.postal_code, 16)?;
        if self.country.len() != 2 || !self.country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(InputError::new(
                "country must be an ISO 3166-1 alpha-2 code of two upper-case letters",
            )
            .into());
        }
        VatId::parse(&self.vat_id).map_err(PartyError::Vat)
    }

    /// The Peppol endpoint (BT-34 / BT-49): a Belgian party by its enterprise number (EAS 0208),
    /// the others by their VAT number (EAS 9944 NL, 9957 FR, 9938 LU, 9930 DE).
    pub fn endpoint(vat: &VatId) -> (&'static str, String) {
        use super::vat::Country;
        match vat.country() {
            Country::Be => ("0208", vat.number().to_string()),
            Country::Nl => ("9944", vat.as_str().to_string()),
            Country::Fr => ("9957", vat.as_str().to_string()),
            Country::Lu => ("9938", vat.as_str().to_string()),
            Country::De => ("9930", vat.as_str().to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn party() -> InvoiceParty {
        InvoiceParty {
            name: "Etablissementen Franz Colruyt NV".into(),
            street: "Edingensesteenweg 196".into(),
            city: "Halle".into(),
            postal_code: "1500".into(),
            country: "BE".into(),
            vat_id: "BE 0400.378.485".into(),
        }
    }

    #[test]
    fn a_complete_party_passes() {
        let vat = party().validate().unwrap();
        assert_eq!(vat.as_str(), "BE0400378485");
        assert_eq!(
            InvoiceParty::endpoint(&vat),
            ("0208", "0400378485".to_string())
        );
    }

    #[test]
    fn each_field_is_checked_and_named() {
        type Change = fn(&mut InvoiceParty);
        let cases: [(Change, &str); 6] = [
            (|p| p.name = " ".into(), "name must not be empty"),
            (|p| p.street = String::new(), "street must not be empty"),
            (
                |p| p.city = "Hal\u{7}le".into(),
                "city must not contain control",
            ),
            (
                |p| p.postal_code = "1".repeat(17),
                "postal code is at most 16",
            ),
            (
                |p| p.country = "Belgium".into(),
                "country must be an ISO 3166-1",
            ),
            (
                |p| p.vat_id = "BE0400378484".into(),
                "seller: BE VAT number has wrong check digits",
            ),
        ];
        for (change, want) in cases {
            let mut p = party();
            change(&mut p);
            let err = p.validate().unwrap_err().at("seller").to_string();
            assert!(err.contains(want), "{err} / {want}");
            assert!(!err.contains("0400378484"));
        }
    }
}
