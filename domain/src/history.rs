//! What a line of the points history says to the shopper, in the shopper's language. The
//! retailer's server describes its entries in its own words ("Purchase at Namur Centre"); where
//! the phone knows what an entry is about, it says it itself: a purchase names the store as the
//! receipt names it in that language, extra points name the offer's title.

use crate::lang::{Lang, Trilingual};
use crate::receipts::Receipt;
use crate::reminders::l10n;

/// A purchase's line: "Aankoop in Namen Centrum", "Achat à Namur Centre".
pub fn purchase(receipt: &Receipt, lang: Lang) -> String {
    let mut args = fluent_bundle::FluentArgs::new();
    args.set(
        "store",
        receipt
            .store_names
            .get_or(lang, &receipt.store_name)
            .to_string(),
    );
    l10n::localizer().format(lang, "ledger-purchase", Some(&args))
}

/// Extra points an offer gave: "Extra punten: Dubbele punten op koffie".
pub fn offer_points(title: &Trilingual, lang: Lang) -> String {
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("offer", title.get(lang).to_string());
    l10n::localizer().format(lang, "ledger-offer-points", Some(&args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::receipts::{LineItem, ReceiptSource};
    use crate::reminders::LocalizedText;

    #[test]
    fn a_purchase_names_its_store_in_the_shoppers_language() {
        let receipt = Receipt {
            id: "r_1".into(),
            store_name: "Namur Centre".into(),
            store_names: LocalizedText::of(&[("nl", "Namen Centrum")]),
            purchased_at: chrono::Utc::now(),
            lines: vec![LineItem {
                gtin: "4006381333931".into(),
                name: "Koffie".into(),
                names: LocalizedText::default(),
                quantity: 1,
                unit_price: Money::new(599, "EUR").unwrap(),
                category: "coffee".into(),
                lot: None,
                warranty_months: None,
            }],
            source: ReceiptSource::Till,
            return_window_days: None,
            discounts: Vec::new(),
            seal: None,
        };
        assert_eq!(purchase(&receipt, Lang::Nl), "Aankoop in Namen Centrum");
        assert_eq!(purchase(&receipt, Lang::Fr), "Achat à Namur Centre");
        assert_eq!(purchase(&receipt, Lang::En), "Purchase at Namur Centre");
        let title = Trilingual {
            nl: "Dubbele punten op koffie".into(),
            fr: "Points doublés sur le café".into(),
            en: "Double points on coffee".into(),
        };
        assert_eq!(
            offer_points(&title, Lang::Fr),
            "Points en plus\u{a0}: Points doublés sur le café"
        );
        assert_eq!(
            offer_points(&title, Lang::Nl),
            "Extra punten: Dubbele punten op koffie"
        );
    }
}
