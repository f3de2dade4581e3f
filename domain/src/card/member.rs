//! The cards a shopper carries: the retailer's member card (number + TOTP parameters; its secret
//! lives in the app's secret store, loyalty-core's `SecretStore`, never in the database),
//! imported third-party cards that keep their own symbology, and the card-number rule every code
//! starts from.

use super::totp::TotpParams;
use crate::check::non_empty;
use crate::check::InputError;
use crate::render::Symbology;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest card number.
pub const MAX_CARD_NUMBER_LEN: usize = 32;

/// A card number is 1 to 32 characters of `A-Z`, `a-z`, `0-9` and `-`. The error never repeats
/// the number.
pub fn validate_card_number(card_number: &str) -> Result<(), InputError> {
    if card_number.is_empty() || card_number.len() > MAX_CARD_NUMBER_LEN {
        return Err(InputError::new(format!(
            "card number must be 1 to {MAX_CARD_NUMBER_LEN} characters"
        )));
    }
    if !card_number
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(InputError::new(
            "card number may only contain letters A-Z, digits and '-'",
        ));
    }
    Ok(())
}

/// The retailer's card of this shopper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MemberCard {
    /// The card number: the static code, and part of every rotating code.
    pub card_number: String,
    /// How rotating codes are computed (the server issues them with the secret).
    pub params: TotpParams,
    pub enrolled_at: DateTime<Utc>,
}

/// A third-party card kept beside the retailer's (e.g. imported from Catima).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportedCard {
    pub id: String,
    pub store_name: String,
    /// The card's id as printed on it.
    pub card_id: String,
    /// The value in the barcode when it differs from `card_id` (Catima's `barcodeid`).
    #[serde(default)]
    pub barcode_value: Option<String>,
    /// The card's own symbology (Catima's `barcodetype`); `None`: the card has no barcode.
    #[serde(default, with = "symbology_name")]
    pub symbology: Option<Symbology>,
    #[serde(default)]
    pub note: Option<String>,
    /// ARGB colour of the card's header, as Catima stores it.
    #[serde(default)]
    pub header_color: Option<i32>,
}

impl ImportedCard {
    pub fn validate(&self) -> Result<(), InputError> {
        non_empty("card id", &self.id, 128)?;
        non_empty("store name", &self.store_name, 200)?;
        non_empty("card number", &self.card_id, 4096)?;
        if let Some(v) = &self.barcode_value {
            non_empty("barcode value", v, 4096)?;
        }
        if matches!(&self.note, Some(n) if n.len() > 10_000) {
            return Err(InputError::new("note is at most 10000 bytes"));
        }
        Ok(())
    }

    /// What the barcode encodes.
    pub fn barcode_text(&self) -> &str {
        self.barcode_value.as_deref().unwrap_or(&self.card_id)
    }
}

impl MemberCard {
    pub fn validate(&self) -> Result<(), InputError> {
        validate_card_number(&self.card_number)?;
        self.params.validate()
    }
}

/// Stores a symbology by its Catima name, so the record reads like Catima's own files.
mod symbology_name {
    use crate::render::Symbology;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(s: &Option<Symbology>, ser: S) -> Result<S::Ok, S::Error> {
        match s {
            Some(s) => ser.serialize_some(s.catima_name()),
            None => ser.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Symbology>, D::Error> {
        let name: Option<String> = Option::deserialize(de)?;
        name.map(|n| {
            Symbology::from_catima_name(&n)
                .ok_or_else(|| serde::de::Error::custom("unknown barcode type"))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imported_cards_store_symbologies_by_catima_name() {
        let card = ImportedCard {
            id: "c1".into(),
            store_name: "Bakery".into(),
            card_id: "12345".into(),
            barcode_value: None,
            symbology: Some(Symbology::Code128),
            note: Some("two lines\nof note".into()),
            header_color: Some(-16_776_961),
        };
        let json = serde_json::to_string(&card).unwrap();
        assert!(json.contains("\"CODE_128\""), "{json}");
        assert_eq!(serde_json::from_str::<ImportedCard>(&json).unwrap(), card);
        let bad = json.replace("CODE_128", "CODE_129");
        assert!(serde_json::from_str::<ImportedCard>(&bad).is_err());
        assert_eq!(card.barcode_text(), "12345");
        assert!(card.validate().is_ok());
        let mut empty = card.clone();
        empty.card_id = " ".into();
        assert!(empty.validate().is_err());
    }
}
