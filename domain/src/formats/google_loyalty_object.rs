//! The card as a Google Wallet `loyaltyObject` (Google Wallet API, REST resource
//! `loyaltyObject`): the JSON the retailer's backend inserts, or puts in a "Save to Google Wallet"
//! JWT, for this member. Its `rotatingBarcode` makes the same codes as the app (see
//! [`GoogleRotatingBarcode::for_card`]).
//!
//! Personal data: `accountName` (the shopper's name) is left out unless the caller gives one.

use crate::card::{google_barcode_type, GoogleRotatingBarcode};
use crate::check::InputError;
use serde_json::{json, Value};

/// The barcode of the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectBarcode {
    /// The rotating code (TOTP), drawn by Google Wallet on the phone.
    Rotating(GoogleRotatingBarcode),
    /// A fixed code: `barcode_type` a Google `BarcodeType` (Catima names map to it).
    Static {
        barcode_type: String,
        value: String,
        alternate_text: Option<String>,
    },
}

/// What goes into the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoyaltyObjectInput {
    /// The issuer id Google assigned to the retailer (digits).
    pub issuer_id: String,
    /// The retailer's `loyaltyClass` suffix (`<issuer>.<suffix>` is the class id).
    pub class_suffix: String,
    /// This member's object suffix (`<issuer>.<suffix>` is the object id).
    pub object_suffix: String,
    /// The member's card number.
    pub account_id: String,
    /// The member's name, only when the caller chooses to put it on the pass.
    pub account_name: Option<String>,
    /// Points balance and its label.
    pub points: Option<i64>,
    pub points_label: String,
    /// Current tier, shown as a text module.
    pub tier: Option<String>,
    pub barcode: ObjectBarcode,
}

fn suffix(field: &str, value: &str) -> Result<(), InputError> {
    if value.is_empty() || value.len() > 128 {
        return Err(InputError::new(format!(
            "{field} must be 1 to 128 characters"
        )));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    {
        return Err(InputError::new(format!(
            "{field} may only contain letters, digits, '.', '_' and '-'"
        )));
    }
    Ok(())
}

/// The `loyaltyObject` JSON value.
pub fn loyalty_object(input: &LoyaltyObjectInput) -> Result<Value, InputError> {
    if input.issuer_id.is_empty()
        || input.issuer_id.len() > 32
        || !input.issuer_id.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(InputError::new("the Google issuer id is a number"));
    }
    suffix("the class suffix", &input.class_suffix)?;
    suffix("the object suffix", &input.object_suffix)?;
    if input.account_id.trim().is_empty() || input.account_id.len() > 256 {
        return Err(InputError::new("accountId must be 1 to 256 bytes"));
    }
    let mut object = json!({
        "id": format!("{}.{}", input.issuer_id, input.object_suffix),
        "classId": format!("{}.{}", input.issuer_id, input.class_suffix),
        "state": "ACTIVE",
        "accountId": input.account_id,
    });
    if let Some(name) = &input.account_name {
        if name.trim().is_empty() || name.len() > 256 {
            return Err(InputError::new("accountName must be 1 to 256 bytes"));
        }
        object["accountName"] = name.clone().into();
    }
    if let Some(points) = input.points {
        object["loyaltyPoints"] = json!({
            "label": input.points_label,
            "balance": {"int": points},
        });
    }
    if let Some(tier) = &input.tier {
        object["textModulesData"] = json!([{"id": "tier", "header": "Tier", "body": tier}]);
    }
    match &input.barcode {
        ObjectBarcode::Rotating(r) => object["rotatingBarcode"] = r.to_json_value()?,
        ObjectBarcode::Static {
            barcode_type,
            value,
            alternate_text,
        } => {
            let t = google_barcode_type(barcode_type).ok_or_else(|| {
                InputError::new("this barcode type has no Google Wallet equivalent")
            })?;
            let mut b = json!({"type": t, "value": value});
            if let Some(alt) = alternate_text {
                b["alternateText"] = alt.clone().into();
            }
            object["barcode"] = b;
        }
    }
    Ok(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::TotpParams;

    fn input() -> LoyaltyObjectInput {
        let secret = [7u8; 20];
        LoyaltyObjectInput {
            issuer_id: "3388000000012345678".into(),
            class_suffix: "loyalty".into(),
            object_suffix: "member-1234".into(),
            account_id: "1234".into(),
            account_name: None,
            points: Some(250),
            points_label: "Points".into(),
            tier: Some("Silver".into()),
            barcode: ObjectBarcode::Rotating(
                GoogleRotatingBarcode::for_card("1234", &secret, &TotpParams::default()).unwrap(),
            ),
        }
    }

    #[test]
    fn object_with_rotating_barcode() {
        let o = loyalty_object(&input()).unwrap();
        assert_eq!(o["id"], "3388000000012345678.member-1234");
        assert_eq!(o["classId"], "3388000000012345678.loyalty");
        assert_eq!(o["state"], "ACTIVE");
        assert_eq!(o["loyaltyPoints"]["balance"]["int"], 250);
        assert!(o.get("accountName").is_none());
        assert_eq!(o["rotatingBarcode"]["type"], "QR_CODE");
        assert_eq!(o["rotatingBarcode"]["totpDetails"]["periodMillis"], "30000");
        // It reads back as the same rotating barcode.
        let back = GoogleRotatingBarcode::from_json_value(&o["rotatingBarcode"]).unwrap();
        let ObjectBarcode::Rotating(r) = input().barcode else {
            unreachable!()
        };
        assert_eq!(back, r);
    }

    #[test]
    fn static_barcodes_and_bad_ids() {
        let mut i = input();
        i.barcode = ObjectBarcode::Static {
            barcode_type: "ITF".into(),
            value: "12345678".into(),
            alternate_text: None,
        };
        assert!(loyalty_object(&i).is_err());
        i.barcode = ObjectBarcode::Static {
            barcode_type: "EAN_13".into(),
            value: "5901234123457".into(),
            alternate_text: Some("5901234123457".into()),
        };
        i.account_name = Some("A. Shopper".into());
        let o = loyalty_object(&i).unwrap();
        assert_eq!(o["barcode"]["type"], "EAN_13");
        assert_eq!(o["accountName"], "A. Shopper");
        i.issuer_id = "abc".into();
        assert!(loyalty_object(&i).is_err());
        let mut i = input();
        i.object_suffix = "has space".into();
        assert!(loyalty_object(&i).is_err());
    }
}
