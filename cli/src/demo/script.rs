//! The scripted year: the products on the shelf, the shopper's visits to the till, the vouchers
//! the retailer issues and the reminder content it publishes; the demo's fixed times.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

/// Brussels in winter: the shopper's local time for the dates shown and the reminder context.
pub(super) const LOCAL_OFFSET_MINUTES: i32 = 60;

pub(super) const STORE: &str = "Brussels Centre";

/// The store's name in Dutch and French, sent with every purchase.
pub(super) fn store_names() -> Value {
    json!({"nl": "Brussel Centrum", "fr": "Bruxelles Centre"})
}

const RECALLED_LOT: &str = "L2612-30";

pub(super) fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap_or_default()
}

/// A GTIN-13 from its 12-digit body (the check digit computed).
pub(super) fn gtin(body: u64) -> String {
    let body = format!("{body:012}");
    let check = loyalty_core::receipts::gs1_check_digit(&body);
    format!("{body}{check}")
}

/// One product on the shelf.
#[derive(Clone, Copy)]
pub(super) struct Product {
    pub(super) gtin: u64,
    /// The name in the retailer's catalogue language (English here), as the till prints it.
    pub(super) name: &'static str,
    /// The catalogue's Dutch and French names, sent with every receipt line.
    pub(super) nl: &'static str,
    pub(super) fr: &'static str,
    pub(super) category: &'static str,
    pub(super) price_minor: i64,
    pub(super) warranty_months: Option<u32>,
}

pub(super) const DOG_FOOD: Product = Product {
    gtin: 541_000_000_001,
    name: "Dog food 12 kg",
    nl: "Hondenbrokken 12 kg",
    fr: "Croquettes pour chien 12 kg",
    category: "Pet food",
    price_minor: 3899,
    warranty_months: None,
};

const ROAD_SALT: Product = Product {
    gtin: 541_000_000_010,
    name: "Road salt 10 kg",
    nl: "Strooizout 10 kg",
    fr: "Sel de déneigement 10 kg",
    category: "Road salt",
    price_minor: 849,
    warranty_months: None,
};

const OYSTERS: Product = Product {
    gtin: 541_000_000_020,
    name: "Zeeland oysters, 12 pcs",
    nl: "Zeeuwse oesters, 12 stuks",
    fr: "Huîtres de Zélande, 12 pièces",
    category: "Seafood",
    price_minor: 1795,
    warranty_months: None,
};

const WINE: Product = Product {
    gtin: 541_000_000_030,
    name: "Crémant de Loire",
    nl: "Crémant de Loire",
    fr: "Crémant de Loire",
    category: "Wine",
    price_minor: 1299,
    warranty_months: None,
};

const TV: Product = Product {
    gtin: 541_000_000_060,
    name: "55\" 4K television",
    nl: "4K-televisie 55\"",
    fr: "Téléviseur 4K 55\"",
    category: "TV",
    price_minor: 39900,
    warranty_months: Some(24),
};

const SPAGHETTI: Product = Product {
    gtin: 541_000_000_050,
    name: "Spaghetti 500 g",
    nl: "Spaghetti 500 g",
    fr: "Spaghetti 500 g",
    category: "Pasta",
    price_minor: 189,
    warranty_months: None,
};

const BASIL: Product = Product {
    gtin: 541_000_000_040,
    name: "Fresh basil",
    nl: "Verse basilicum",
    fr: "Basilic frais",
    category: "Herbs",
    price_minor: 199,
    warranty_months: None,
};

const PINE_NUTS: Product = Product {
    gtin: 541_000_000_041,
    name: "Pine nuts 100 g",
    nl: "Pijnboompitten 100 g",
    fr: "Pignons de pin 100 g",
    category: "Nuts",
    price_minor: 349,
    warranty_months: None,
};

const TOMATOES: Product = Product {
    gtin: 541_000_000_051,
    name: "Vine tomatoes 500 g",
    nl: "Trostomaten 500 g",
    fr: "Tomates en grappe 500 g",
    category: "Tomatoes",
    price_minor: 279,
    warranty_months: None,
};

impl Product {
    /// The names a receipt line carries besides `name`.
    pub(super) fn names(&self) -> Value {
        json!({"nl": self.nl, "fr": self.fr})
    }

    /// The name a shopper reading `lang` sees.
    pub(super) fn name_in(&self, lang: super::Lang) -> &'static str {
        match lang {
            super::Lang::Nl => self.nl,
            super::Lang::Fr => self.fr,
            super::Lang::En => self.name,
        }
    }
}

/// A till purchase in the replay: when, and what (product, quantity, lot).
pub(super) struct Visit {
    pub(super) at: DateTime<Utc>,
    pub(super) lines: Vec<(Product, i64, Option<&'static str>)>,
}

/// The shopper's 15 months: dog food every ~4 weeks, road salt last November before the first
/// frost, a TV after Christmas, wine before New Year's Eve, oysters (the recalled lot) and the
/// ingredients of a pasta on 30 December.
pub(super) fn shopping() -> Vec<Visit> {
    let mut visits = Vec::new();
    let gaps = [28, 27, 29, 28, 26, 30, 28];
    // Backwards from the last bag, bought early December: it runs out early January.
    let mut at = utc(2026, 12, 6, 9, 40);
    let mut i = 0;
    while at >= start_time() {
        visits.push(Visit {
            at,
            lines: vec![(DOG_FOOD, 1, None)],
        });
        at -= Duration::days(gaps[i % gaps.len()]);
        i += 1;
    }
    visits.push(Visit {
        at: utc(2025, 11, 12, 8, 15),
        lines: vec![(ROAD_SALT, 2, None)],
    });
    visits.push(Visit {
        at: utc(2026, 12, 28, 14, 5),
        lines: vec![(TV, 1, None)],
    });
    visits.push(Visit {
        at: utc(2026, 12, 29, 16, 20),
        lines: vec![(WINE, 2, None)],
    });
    visits.push(Visit {
        at: utc(2026, 12, 30, 9, 10),
        lines: vec![
            (OYSTERS, 2, Some(RECALLED_LOT)),
            (SPAGHETTI, 1, None),
            (BASIL, 1, None),
            (PINE_NUTS, 1, None),
            (TOMATOES, 1, None),
        ],
    });
    visits.sort_by_key(|v| v.at);
    visits
}

pub(super) fn start_time() -> DateTime<Utc> {
    utc(2025, 10, 1, 9, 0)
}

pub(super) fn vouchers_issued_at() -> DateTime<Utc> {
    utc(2026, 12, 20, 10, 0)
}

/// "Now" at the end of the replay: the evening of 30 December 2026.
pub(super) fn demo_now() -> DateTime<Utc> {
    utc(2026, 12, 30, 17, 30)
}

/// The vouchers the retailer issues (admin API): one to redeem, one about to expire, an
/// invitation to the members' pre-sale evening.
pub(super) fn vouchers() -> Vec<Value> {
    vec![
        json!({
            "kind": {"type": "amount_off", "amount": {"amount_minor": 500, "currency": "EUR"},
                     "min_spend": {"amount_minor": 2500, "currency": "EUR"}},
            "title": "€5 off your next shop",
            "titles": {"nl": "€ 5 korting op je volgende aankoop",
                       "fr": "5 € de réduction sur vos prochaines courses"},
            "description": "From €25. Thank you for a year with us.",
            "valid_until": "2027-01-31T22:59:59Z"
        }),
        json!({
            "kind": {"type": "percent_off", "percent": 10,
                     "max_discount": {"amount_minor": 1000, "currency": "EUR"}},
            "title": "10% off pet food",
            "titles": {"nl": "10% korting op dierenvoeding",
                       "fr": "10 % de réduction sur l'alimentation pour animaux"},
            "valid_until": "2027-01-03T22:59:59Z"
        }),
        json!({
            // Short names: the signed code must stay within the 512 bytes the app accepts.
            "kind": {"type": "event_invitation", "event_name": "Pre-sale evening",
                     "location": STORE, "starts_at": "2027-01-07T17:00:00Z",
                     "ends_at": "2027-01-07T20:00:00Z"},
            "title": "Members' pre-sale evening",
            // The invitation's event name in the shopper's language.
            "titles": {"nl": "Voorverkoopavond voor leden",
                       "fr": "Soirée de prévente pour les membres"},
            "valid_until": "2027-01-07T20:00:00Z"
        }),
    ]
}

/// The reminder rules feed (`reminder-rules`).
pub(super) fn rules_feed() -> Value {
    json!({"version": 1, "rules": [
        {"id": "dog-food", "kind": "replenishment", "products": {"categories": ["pet food"]},
         "lead_days": 3},
        {"id": "road-salt", "kind": "seasonal", "products": {"categories": ["road salt"]},
         "season": {"from": "10-15", "to": "02-28"},
         "label": {"en": "road salt", "nl": "strooizout", "fr": "sel de déneigement"},
         "gates": [{"type": "forecast_min_temp_at_most", "c_tenths": 0}]},
        {"id": "recipes", "kind": "recipes", "max_suggestions": 2},
        {"id": "after-sale", "kind": "post_purchase"},
        {"id": "voucher-expiry", "kind": "voucher_expiry", "days_before": [7, 1]},
        {"id": "tier", "kind": "tier_progress", "max_points_to_next": 500},
        {"id": "events", "kind": "event_invitation", "days_before": 1},
        {"id": "welcome", "kind": "welcome"},
        {"id": "second-purchase", "kind": "second_purchase", "after_days": 14},
        {"id": "win-back", "kind": "win_back", "inactive_days": 60},
        {"id": "survey", "kind": "survey", "delay_hours": 48}
    ]})
}

/// The catalogue feeds: `recipes`, `post-purchase` and `recalls` (one catalogue document each).
pub(super) fn catalogue_feeds(now: DateTime<Utc>) -> Vec<(&'static str, Value)> {
    vec![
        (
            "recipes",
            json!({"version": 1, "recipes": [
                {"id": "pesto-pasta",
                 "title": {"en": "Pasta with pesto", "nl": "Pasta met pesto", "fr": "Pâtes au pesto"},
                 "ingredients": [{"categories": ["pasta"]}, {"categories": ["herbs"]},
                                 {"categories": ["nuts"]}]},
                {"id": "tomato-pasta",
                 "title": {"en": "Tomato pasta", "nl": "Pasta met tomaat", "fr": "Pâtes à la tomate"},
                 "body": {"en": "Ready in 15 minutes.", "nl": "Klaar in 15 minuten.",
                          "fr": "Prêtes en 15 minutes."},
                 "ingredients": [{"categories": ["pasta"]}, {"categories": ["tomatoes"]}]}
            ]}),
        ),
        (
            "post-purchase",
            json!({"version": 1, "content": [
                {"id": "wine-serving", "products": {"categories": ["wine"]},
                 "delay_hours": 24, "valid_hours": 72,
                 "title": {"en": "Serving your sparkling wine", "nl": "Je schuimwijn serveren",
                           "fr": "Servir votre crémant"},
                 "body": {"en": "Chill it to 6–8 °C and open it at an angle.",
                          "nl": "Koel hem tot 6–8 °C en open de fles schuin.",
                          "fr": "Servez-le entre 6 et 8 °C et ouvrez la bouteille inclinée."}},
                {"id": "tv-setup", "products": {"categories": ["tv"]},
                 "delay_hours": 24, "valid_hours": 168, "category": "service",
                 "title": {"en": "Setting up your new TV", "nl": "Je nieuwe tv instellen",
                           "fr": "Installer votre nouveau téléviseur"},
                 "body": {"en": "Run the channel search, then switch the picture to Filmmaker mode.",
                          "nl": "Zoek eerst de zenders, zet het beeld daarna op Filmmaker-modus.",
                          "fr": "Lancez la recherche des chaînes, puis passez l'image en mode Filmmaker."}}
            ]}),
        ),
        (
            "recalls",
            json!({"version": 1, "recalls": [
                {"id": "R-2026-014", "gtins": [gtin(OYSTERS.gtin)], "lots": [RECALLED_LOT],
                 "sold_from": "2026-12-27T00:00:00Z", "sold_until": "2026-12-31T23:00:00Z",
                 "published_at": (now - Duration::minutes(30)).to_rfc3339(),
                 "product": {"en": "Zeeland oysters", "nl": "Zeeuwse oesters",
                             "fr": "Huîtres de Zélande"},
                 "instructions": {"en": "Do not eat them; bring them back for a refund.",
                                  "nl": "Eet ze niet op; breng ze terug voor terugbetaling.",
                                  "fr": "Ne les consommez pas\u{a0}; rapportez-les pour un remboursement."},
                 "urgent": true}
            ]}),
        ),
        (
            "surveys",
            json!({"surveys": [
                {"id": "visit-2026", "kind": {"type": "rating"},
                 "question": {"en": "How was shopping with us this year?",
                              "nl": "Hoe was winkelen bij ons dit jaar?",
                              "fr": "Comment se sont passés vos achats chez nous cette année\u{a0}?"},
                 "audience": "second_purchase",
                 "opens_at": "2026-01-01T00:00:00Z", "closes_at": "2027-01-31T00:00:00Z"},
                {"id": "coffee-vote", "kind": {"type": "vote", "options": [
                    {"id": "arabica", "label": {"en": "Arabica beans", "nl": "Arabica bonen",
                                                "fr": "Café en grains arabica"}},
                    {"id": "espresso", "label": {"en": "Espresso roast", "nl": "Espressobranding",
                                                 "fr": "Torréfaction espresso"}}]},
                 "question": {"en": "Which coffee should we stock next?",
                              "nl": "Welke koffie moeten we voortaan verkopen?",
                              "fr": "Quel café devrions-nous proposer\u{a0}?"},
                 "audience": "everyone",
                 "opens_at": "2026-12-01T00:00:00Z", "closes_at": "2027-01-31T00:00:00Z"}
            ]}),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gtins_are_valid() {
        for p in [
            DOG_FOOD, ROAD_SALT, OYSTERS, WINE, TV, SPAGHETTI, BASIL, PINE_NUTS, TOMATOES,
        ] {
            assert!(loyalty_core::receipts::validate_gtin(&gtin(p.gtin)).is_ok());
        }
    }
}
