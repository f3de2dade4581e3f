//! Digital receipts: line items with GTIN, quantity, unit price in minor units, category and lot;
//! the purchase history every reminder rule reads, and proof of purchase with return and warranty
//! dates. Pure logic; the store keeps receipts with indexes by time and by GTIN.

use crate::check::non_empty;
use crate::check::InputError;
use crate::error::LoyaltyError;
// The GS1 rules live in `gs1`; named here too for callers that write `receipts::validate_gtin`.
pub use crate::gs1::{gs1_check_digit, validate_gtin};
use crate::lang::{Lang, LocalizedText};
use crate::money::{validate_currency, Money};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ReceiptSource {
    /// Delivered by the retailer's server.
    Server,
    /// Received from the till at checkout.
    Till,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LineItem {
    /// GTIN-8, -12, -13 or -14 with a valid check digit.
    pub gtin: String,
    /// The name in the retailer's own language (its till prints it).
    pub name: String,
    /// Units bought, > 0.
    pub quantity: i64,
    /// Price of one unit, >= 0, in minor units.
    pub unit_price: Money,
    /// The retailer's product category ("pet food", "garden", "wine").
    pub category: String,
    /// Production lot, where the till knows it (recalls match on it).
    #[serde(default)]
    pub lot: Option<String>,
    /// Manufacturer's or retailer's warranty, in months from purchase.
    #[serde(default)]
    pub warranty_months: Option<u32>,
    /// The name in other languages, by language tag (`{"nl": "Hondenvoer 12 kg", "fr":
    /// "Croquettes pour chien 12 kg"}`): shown instead of `name` to a shopper who reads one of
    /// them. Empty when the catalogue has no translations.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "LocalizedText::is_empty")]
    pub names: LocalizedText,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Receipt {
    /// The retailer's receipt id; adding the same receipt twice is harmless.
    pub id: String,
    pub store_name: String,
    pub purchased_at: DateTime<Utc>,
    pub lines: Vec<LineItem>,
    pub source: ReceiptSource,
    /// Return window for this receipt in days; the programme's default when `None`.
    #[serde(default)]
    pub return_window_days: Option<u32>,
    /// What the member's offers took off at the till, at most one per line, in line order.
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discounts: Vec<ReceiptDiscount>,
    /// The retailer's seal, which lets the shopper prove any one line without showing the rest
    /// (see [`crate::proof`]); receipts the retailer's server delivers carry one.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<ReceiptSeal>,
    /// The store's name in other languages ("Bruxelles Centre", "Brussel Centrum"), as `names`
    /// of a line.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "LocalizedText::is_empty")]
    pub store_names: LocalizedText,
}

/// The retailer's seal on a receipt (made and checked by [`crate::proof`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReceiptSeal {
    /// The signing key's id: its first 8 bytes, Base16.
    pub key_id: String,
    /// base64url (no padding) of the 32-byte seed the line salts derive from.
    pub salt_seed: String,
    /// base64url (no padding) of the Ed25519 signature over the receipt's signed header.
    pub signature: String,
}

impl ReceiptSeal {
    /// The seal's shape: a key id, a 32-byte seed, a 64-byte signature.
    pub fn validate(&self) -> Result<(), InputError> {
        if self.key_id.len() != 16 || !self.key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(InputError::new(
                "a receipt seal's key id is 16 Base16 characters",
            ));
        }
        if self.seed().is_none() {
            return Err(InputError::new(
                "a receipt seal's salt seed is 32 bytes in base64url",
            ));
        }
        if self.signature_bytes().is_none() {
            return Err(InputError::new(
                "a receipt seal's signature is 64 bytes in base64url",
            ));
        }
        Ok(())
    }

    /// The 32-byte seed, or `None` when it is not that in base64url.
    pub fn seed(&self) -> Option<[u8; 32]> {
        URL_SAFE_NO_PAD
            .decode(&self.salt_seed)
            .ok()
            .and_then(|b| b.try_into().ok())
    }

    /// The 64-byte signature, or `None` when it is not that in base64url.
    pub fn signature_bytes(&self) -> Option<[u8; 64]> {
        URL_SAFE_NO_PAD
            .decode(&self.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
    }
}

/// An offer's title in each language the app speaks (the receipt keeps it: the offer itself
/// may be gone when the receipt is read).
pub type OfferTitle = crate::lang::Trilingual;

/// An amount an offer took off one receipt line at the till (a free item is the price of the
/// units given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReceiptDiscount {
    /// Index of the line in `lines`.
    pub line: u32,
    pub offer_id: String,
    pub title: OfferTitle,
    /// In the receipt's currency's minor units; 1 ..= the line total.
    pub amount_minor: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    #[error("{0}")]
    Invalid(#[from] InputError),
    #[error("receipt not found")]
    NotFound,
    #[error("a different receipt with this id already exists")]
    Duplicate,
}

/// Mapped once into the public error (the store's, runtime's and sync's errors are mapped in
/// loyalty-core's api/error.rs).
impl From<ReceiptError> for LoyaltyError {
    fn from(e: ReceiptError) -> Self {
        let reason = e.to_string();
        match e {
            ReceiptError::Invalid(i) => i.into(),
            ReceiptError::NotFound => LoyaltyError::NotFound { reason },
            ReceiptError::Duplicate => LoyaltyError::Conflict { reason },
        }
    }
}

impl LineItem {
    pub fn validate(&self) -> Result<(), InputError> {
        validate_gtin(&self.gtin)?;
        non_empty("item name", &self.name, 200)?;
        non_empty("item category", &self.category, 100)?;
        if self.quantity <= 0 {
            return Err(InputError::new("item quantity must be positive"));
        }
        if self.quantity > 1_000_000 {
            return Err(InputError::new("item quantity must be at most 1000000"));
        }
        validate_currency(&self.unit_price.currency)?;
        if self.unit_price.amount_minor < 0 {
            return Err(InputError::new("unit price must not be negative"));
        }
        if self.unit_price.amount_minor > 1_000_000_000 {
            return Err(InputError::new("unit price is implausibly large"));
        }
        if let Some(lot) = &self.lot {
            non_empty("lot", lot, 64)?;
        }
        if matches!(self.warranty_months, Some(m) if m > 600) {
            return Err(InputError::new("warranty is at most 600 months"));
        }
        Ok(())
    }

    /// The product's name for a shopper who reads `lang`.
    pub fn name_in(&self, lang: Lang) -> &str {
        self.names.get_or(lang, &self.name)
    }

    /// quantity × unit price.
    pub fn line_total(&self) -> i64 {
        self.quantity * self.unit_price.amount_minor
    }

    /// Last moment the warranty covers, if the item has one.
    pub fn warranty_until(&self, purchased_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.warranty_months
            .and_then(|m| purchased_at.checked_add_months(Months::new(m)))
    }
}

impl Receipt {
    pub fn validate(&self) -> Result<(), InputError> {
        non_empty("receipt id", &self.id, 128)?;
        non_empty("store name", &self.store_name, 200)?;
        self.store_names.validate_translations("store name", 200)?;
        if self.lines.is_empty() {
            return Err(InputError::new("a receipt needs at least one line"));
        }
        if self.lines.len() > 2_000 {
            return Err(InputError::new("a receipt has at most 2000 lines"));
        }
        for line in &self.lines {
            line.validate()?;
        }
        let currency = &self.lines[0].unit_price.currency;
        if self
            .lines
            .iter()
            .any(|l| &l.unit_price.currency != currency)
        {
            return Err(InputError::new("all lines of a receipt use one currency"));
        }
        if matches!(self.return_window_days, Some(d) if d > 3650) {
            return Err(InputError::new("return window is at most 3650 days"));
        }
        let mut previous: Option<u32> = None;
        for d in &self.discounts {
            crate::check::validate_id("discount offer id", &d.offer_id)?;
            d.title.validate("offer title", 200)?;
            let Some(line) = self.lines.get(d.line as usize) else {
                return Err(InputError::new(
                    "a discount names a line the receipt has not",
                ));
            };
            if previous.is_some_and(|p| p >= d.line) {
                return Err(InputError::new(
                    "discounts are in line order, at most one per line",
                ));
            }
            previous = Some(d.line);
            if !(1..=line.line_total()).contains(&d.amount_minor) {
                return Err(InputError::new(
                    "a discount is at least 1 and at most its line's total",
                ));
            }
        }
        if let Some(seal) = &self.seal {
            seal.validate()?;
        }
        Ok(())
    }

    /// Sum of the lines, before the offers' discounts.
    pub fn subtotal(&self) -> Money {
        Money {
            amount_minor: self.lines.iter().map(LineItem::line_total).sum(),
            currency: self.lines[0].unit_price.currency.clone(),
        }
    }

    /// Sum of the offers' discounts, in minor units (0 without offers).
    pub fn discount_total_minor(&self) -> i64 {
        self.discounts.iter().map(|d| d.amount_minor).sum()
    }

    /// What the shopper paid: the lines less the offers' discounts.
    pub fn total(&self) -> Money {
        let mut total = self.subtotal();
        total.amount_minor -= self.discount_total_minor();
        total
    }

    /// What the shopper paid for line `index`: its total less its discount.
    pub fn line_paid_minor(&self, index: usize) -> i64 {
        let discount: i64 = self
            .discounts
            .iter()
            .filter(|d| d.line as usize == index)
            .map(|d| d.amount_minor)
            .sum();
        self.lines
            .get(index)
            .map_or(0, |l| l.line_total() - discount)
    }

    /// Last moment items of this receipt can be returned.
    pub fn return_until(&self, default_window_days: u32) -> DateTime<Utc> {
        let days = self.return_window_days.unwrap_or(default_window_days);
        crate::points::add_days_saturating(self.purchased_at, days)
    }
}

/// An item still under warranty.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WarrantyItem {
    pub receipt_id: String,
    pub gtin: String,
    pub name: String,
    pub purchased_at: DateTime<Utc>,
    pub warranty_until: DateTime<Utc>,
    /// The name in other languages (the line's `names`; see `localizedName`).
    pub names: LocalizedText,
}

/// The items of `receipts` whose warranty still runs at `now`, soonest end first (ties keep the
/// receipts' and lines' order).
pub fn active_warranties(receipts: &[Receipt], now: DateTime<Utc>) -> Vec<WarrantyItem> {
    let mut out: Vec<WarrantyItem> = receipts
        .iter()
        .flat_map(|r| {
            r.lines.iter().filter_map(|l| {
                l.warranty_until(r.purchased_at)
                    .filter(|until| *until > now)
                    .map(|until| WarrantyItem {
                        receipt_id: r.id.clone(),
                        gtin: l.gtin.clone(),
                        name: l.name.clone(),
                        purchased_at: r.purchased_at,
                        warranty_until: until,
                        names: l.names.clone(),
                    })
            })
        })
        .collect();
    crate::sort::sort_by_key(&mut out, |w| w.warranty_until);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn line(gtin: &str, qty: i64, cents: i64, cat: &str) -> LineItem {
        LineItem {
            names: Default::default(),
            gtin: gtin.into(),
            name: "Item".into(),
            quantity: qty,
            unit_price: Money::new(cents, "EUR").unwrap(),
            category: cat.into(),
            lot: None,
            warranty_months: None,
        }
    }

    #[test]
    fn totals_and_dates() {
        let at = Utc.with_ymd_and_hms(2026, 1, 31, 10, 0, 0).unwrap();
        let mut tv = line("4006381333931", 1, 49_900, "electronics");
        tv.warranty_months = Some(24);
        let r = Receipt {
            store_names: Default::default(),
            id: "r1".into(),
            store_name: "Shop".into(),
            purchased_at: at,
            lines: vec![tv, line("96385074", 3, 250, "food")],
            source: ReceiptSource::Till,
            return_window_days: None,
            discounts: Vec::new(),
            seal: None,
        };
        r.validate().unwrap();
        assert_eq!(r.total(), Money::new(50_650, "EUR").unwrap());
        assert_eq!(
            r.return_until(30),
            Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
        );
        assert_eq!(
            r.lines[0].warranty_until(at),
            Some(Utc.with_ymd_and_hms(2028, 1, 31, 10, 0, 0).unwrap())
        );
        assert_eq!(r.lines[1].warranty_until(at), None);
    }

    #[test]
    fn active_warranties_are_the_running_ones_soonest_end_first() {
        let receipt = |id: &str, at, months: &[Option<u32>]| Receipt {
            store_names: Default::default(),
            id: id.into(),
            store_name: "Shop".into(),
            purchased_at: at,
            lines: months
                .iter()
                .map(|m| LineItem {
                    warranty_months: *m,
                    ..line("4006381333931", 1, 100, "electronics")
                })
                .collect(),
            source: ReceiptSource::Till,
            return_window_days: None,
            discounts: Vec::new(),
            seal: None,
        };
        let old = Utc.with_ymd_and_hms(2025, 1, 10, 9, 0, 0).unwrap();
        let new = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
        let receipts = [
            receipt("old", old, &[Some(12), Some(24), None]),
            receipt("new", new, &[Some(6)]),
        ];
        let now = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
        let items = active_warranties(&receipts, now);
        let ends: Vec<_> = items
            .iter()
            .map(|w| (w.receipt_id.as_str(), w.warranty_until))
            .collect();
        // The old receipt's 12 months ended in January 2026; its 24 months run to 2027.
        assert_eq!(
            ends,
            [
                ("new", Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()),
                ("old", Utc.with_ymd_and_hms(2027, 1, 10, 9, 0, 0).unwrap()),
            ]
        );
        assert_eq!(items[1].purchased_at, old);
        // The moment a warranty ends it is no longer running.
        assert_eq!(active_warranties(&receipts, ends[0].1).len(), 1);
        assert!(active_warranties(&[], now).is_empty());
    }

    #[test]
    fn bad_lines_are_refused() {
        assert!(line("96385074", 0, 100, "x").validate().is_err());
        assert!(line("96385074", -2, 100, "x").validate().is_err());
        assert!(line("96385074", 1, -1, "x").validate().is_err());
        assert!(line("96385074", 1, 100, " ").validate().is_err());
        let mut mixed = line("96385074", 1, 100, "x");
        mixed.unit_price.currency = "USD".into();
        let r = Receipt {
            store_names: Default::default(),
            id: "r".into(),
            store_name: "s".into(),
            purchased_at: Utc::now(),
            lines: vec![line("96385074", 1, 100, "x"), mixed],
            source: ReceiptSource::Server,
            return_window_days: None,
            discounts: Vec::new(),
            seal: None,
        };
        assert!(r.validate().is_err());
    }
}
