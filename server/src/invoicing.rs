//! What the server needs to issue company invoices (issue #12): the retailer's legal details
//! (the seller), the VAT rate of each line, and the store's local day.
//!
//! The seller defaults to the demo retailer, a Belgian company; every field can be overridden
//! through the environment, as `LOYALTY_SERVER_LOG` is: `LOYALTY_SELLER_NAME`,
//! `LOYALTY_SELLER_STREET`, `LOYALTY_SELLER_CITY`, `LOYALTY_SELLER_POSTAL_CODE`,
//! `LOYALTY_SELLER_COUNTRY`, `LOYALTY_SELLER_VAT_ID`, and `LOYALTY_REDUCED_VAT_CATEGORIES` (comma
//! separated line categories sold at Belgium's 6 % rate). [`crate::start`] refuses a seller that
//! does not validate.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use loyalty_domain::invoice::{Seller, VatRates};

/// The demo retailer. Its enterprise number 0765.432.146 passes Belgium's mod-97 check
/// (97 − 07654321 mod 97 = 46); it is made up for the demo.
pub fn demo_seller() -> Seller {
    Seller {
        name: "Loyalty Demo Retail NV".into(),
        street: "Marktplein 1".into(),
        city: "Halle".into(),
        postal_code: "1500".into(),
        country: "BE".into(),
        vat_id: "BE0765432146".into(),
    }
}

/// Line categories sold at 6 % by default (the rest at 21 %).
pub const DEFAULT_REDUCED_CATEGORIES: &[&str] = &[
    "food",
    "fruit",
    "vegetables",
    "bakery",
    "dairy",
    "meat",
    "fish",
    "books",
];

/// The demo seller with each field the environment sets (see the module docs) replaced.
pub fn seller_from_env() -> Seller {
    seller_with(demo_seller(), |name| std::env::var(name).ok())
}

fn seller_with(mut seller: Seller, var: impl Fn(&str) -> Option<String>) -> Seller {
    let fields: [(&str, &mut String); 6] = [
        ("LOYALTY_SELLER_NAME", &mut seller.name),
        ("LOYALTY_SELLER_STREET", &mut seller.street),
        ("LOYALTY_SELLER_CITY", &mut seller.city),
        ("LOYALTY_SELLER_POSTAL_CODE", &mut seller.postal_code),
        ("LOYALTY_SELLER_COUNTRY", &mut seller.country),
        ("LOYALTY_SELLER_VAT_ID", &mut seller.vat_id),
    ];
    for (name, field) in fields {
        if let Some(v) = var(name) {
            *field = v;
        }
    }
    seller
}

/// The reduced-rate categories: `LOYALTY_REDUCED_VAT_CATEGORIES` or the defaults.
pub fn reduced_categories_from_env() -> Vec<String> {
    match std::env::var("LOYALTY_REDUCED_VAT_CATEGORIES") {
        Ok(list) => list
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
        Err(_) => DEFAULT_REDUCED_CATEGORIES
            .iter()
            .map(|c| (*c).to_string())
            .collect(),
    }
}

/// Belgian rates: 6 % for `reduced`, 21 % otherwise.
pub fn belgian_rates(reduced: &[String]) -> VatRates {
    let list: Vec<&str> = reduced.iter().map(String::as_str).collect();
    VatRates::belgium(&list)
}

/// The last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = first_of_next.pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    Some(last - Duration::days(i64::from(back)))
}

/// The offset of Brussels from UTC at `at`, in minutes: 120 (CEST) from the last Sunday of March
/// 01:00 UTC until the last Sunday of October 01:00 UTC, 60 (CET) otherwise. This is the EU rule
/// in force since 1996 (Directive 2000/84/EC), written out here instead of a time-zone database
/// (chrono-tz is not a dependency); the domain's `InvoiceMeta::utc_offset_minutes` takes it.
pub fn brussels_offset_minutes(at: DateTime<Utc>) -> i32 {
    let year = at.year();
    let switch = |month| {
        last_sunday(year, month)
            .and_then(|d| d.and_hms_opt(1, 0, 0))
            .map(|t| Utc.from_utc_datetime(&t))
    };
    match (switch(3), switch(10)) {
        (Some(start), Some(end)) if at >= start && at < end => 120,
        _ => 60,
    }
}

/// The calendar day in Brussels at `at`.
pub fn brussels_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::minutes(i64::from(brussels_offset_minutes(at)))).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn the_demo_seller_validates() {
        let vat = demo_seller().validate().expect("valid demo seller");
        assert_eq!(vat.as_str(), "BE0765432146");
    }

    #[tokio::test]
    async fn the_server_refuses_to_start_with_an_invalid_seller() {
        let dir = tempfile::tempdir().unwrap();
        type Change = fn(&mut Seller);
        let cases: [(Change, &str); 3] = [
            (|s| s.vat_id = "BE0765432147".into(), "check digits"),
            (|s| s.country = "FR".into(), "country prefix"),
            (|s| s.name = String::new(), "name must not be empty"),
        ];
        for (change, want) in cases {
            let mut config = crate::ServerConfig::new(dir.path());
            change(&mut config.seller);
            let err = crate::start(config).await.unwrap_err().to_string();
            assert!(err.contains(want), "{err} / {want}");
            assert!(!err.contains("0765432147"));
        }
    }

    #[test]
    fn environment_overrides_single_fields() {
        let s = seller_with(demo_seller(), |name| {
            (name == "LOYALTY_SELLER_NAME").then(|| "Other NV".to_string())
        });
        assert_eq!(s.name, "Other NV");
        assert_eq!(s.vat_id, demo_seller().vat_id);
    }

    #[test]
    fn switch_days_are_last_sundays() {
        assert_eq!(last_sunday(2026, 3), NaiveDate::from_ymd_opt(2026, 3, 29));
        assert_eq!(last_sunday(2026, 10), NaiveDate::from_ymd_opt(2026, 10, 25));
        assert_eq!(last_sunday(2027, 3), NaiveDate::from_ymd_opt(2027, 3, 28));
        assert_eq!(last_sunday(2027, 10), NaiveDate::from_ymd_opt(2027, 10, 31));
        assert_eq!(last_sunday(2026, 12), NaiveDate::from_ymd_opt(2026, 12, 27));
        assert_eq!(
            last_sunday(2026, 3).unwrap().weekday(),
            chrono::Weekday::Sun
        );
    }

    #[test]
    fn brussels_offsets_around_the_switches() {
        assert_eq!(brussels_offset_minutes(utc(2026, 1, 15, 12, 0)), 60);
        assert_eq!(brussels_offset_minutes(utc(2026, 3, 29, 0, 59)), 60);
        assert_eq!(brussels_offset_minutes(utc(2026, 3, 29, 1, 0)), 120);
        assert_eq!(brussels_offset_minutes(utc(2026, 7, 1, 12, 0)), 120);
        assert_eq!(brussels_offset_minutes(utc(2026, 10, 25, 0, 59)), 120);
        assert_eq!(brussels_offset_minutes(utc(2026, 10, 25, 1, 0)), 60);
        assert_eq!(brussels_offset_minutes(utc(2026, 12, 31, 23, 0)), 60);
    }

    #[test]
    fn the_local_day_follows_the_offset() {
        // 23:30 UTC on 30 June is 01:30 on 1 July in Brussels (CEST).
        assert_eq!(
            brussels_date(utc(2026, 6, 30, 23, 30)),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
        );
        // 22:30 UTC on 31 December is 23:30 the same day (CET).
        assert_eq!(
            brussels_date(utc(2026, 12, 31, 22, 30)),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert_eq!(
            brussels_date(utc(2026, 12, 31, 23, 30)),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
    }
}
