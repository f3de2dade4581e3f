//! The till's apply-offers (issue #16: a 50-line basket with 200 activated offers < 1 ms)
//! against an anchor measured in the same run: validating the same basket as a receipt
//! (`Receipt::validate`, which the till runs on every purchase anyway). `apply_offers` checks
//! the lines and the offers itself, so its time includes that. Median of 31 rounds; no assertion
//! on time.
//!
//! cargo bench -p loyalty-domain --bench offers

mod common;
use common::median_us;

use chrono::{Duration, TimeZone, Utc};
use loyalty_domain::gs1::gs1_check_digit;
use loyalty_domain::money::Money;
use loyalty_domain::offers::{
    apply_offers, Offer, OfferActivation, OfferKind, OfferLimit, OfferScope, OfferTarget,
    OfferTitle,
};
use loyalty_domain::receipts::{LineItem, Receipt, ReceiptSource};
use std::hint::black_box;

/// The n-th GTIN-13 of a made-up range, with its check digit.
fn gtin(n: u64) -> String {
    let body = format!("540000{n:06}");
    format!("{body}{}", gs1_check_digit(&body))
}

const CATEGORIES: [&str; 10] = [
    "coffee",
    "bakery",
    "wine",
    "dairy",
    "pet food",
    "fruit",
    "vegetables",
    "frozen",
    "drinks",
    "household",
];

fn main() {
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let lines: Vec<LineItem> = (0..50u64)
        .map(|i| LineItem {
            names: Default::default(),
            gtin: gtin(i * 7),
            name: format!("Product {i}"),
            quantity: 1 + (i % 4) as i64,
            unit_price: Money::new(99 + (i as i64 * 137) % 2_000, "EUR").unwrap(),
            category: CATEGORIES[(i % 10) as usize].into(),
            lot: None,
            warranty_months: None,
        })
        .collect();
    // 200 offers: a quarter each kind, half on products (some in the basket), half on
    // categories; some not yet valid or ended.
    let offers: Vec<Offer> = (0..200u64)
        .map(|i| {
            let target = if i % 2 == 0 {
                OfferTarget::Product { gtin: gtin(i * 3) }
            } else {
                OfferTarget::Category {
                    category: CATEGORIES[(i % 10) as usize].into(),
                }
            };
            let kind = match i % 4 {
                0 => OfferKind::AmountOff {
                    target,
                    amount: Money::new(50 + i as i64, "EUR").unwrap(),
                },
                1 => OfferKind::PercentOff {
                    target,
                    percent: 5 + (i % 40) as u32,
                },
                2 => OfferKind::PointsMultiplier {
                    target,
                    multiplier: 2 + (i % 5) as u32,
                },
                _ => OfferKind::FreeProduct {
                    gtin: gtin(i * 7 % 350),
                    quantity: 1,
                },
            };
            let start = now - Duration::days(3) + Duration::hours((i % 7) as i64 * 12);
            Offer {
                id: format!("o_{i:04}"),
                title: OfferTitle {
                    nl: "Aanbieding".into(),
                    fr: "Offre".into(),
                    en: "Offer".into(),
                },
                kind,
                min_quantity: 1 + (i % 3) as u32,
                valid_from: start,
                valid_until: start + Duration::days(5),
                scope: OfferScope::Personal,
                activation: OfferActivation::OptIn,
                limit: OfferLimit::OncePerMember,
                premium_only: false,
            }
        })
        .collect();
    let receipt = Receipt {
        store_names: Default::default(),
        id: "r_bench".into(),
        store_name: "Gent Zuid".into(),
        purchased_at: now,
        lines: lines.clone(),
        source: ReceiptSource::Till,
        return_window_days: None,
        discounts: Vec::new(),
        seal: None,
    };
    let applied = apply_offers(&lines, &offers, now).expect("valid basket and offers");
    receipt.validate().expect("valid receipt");

    let anchor = median_us(|| {
        black_box(black_box(&receipt).validate().is_ok());
    });
    let apply = median_us(|| {
        black_box(apply_offers(black_box(&lines), black_box(&offers), now).ok());
    });
    println!(
        "basket: {} lines; offers: {} activated; applied: {} discounts ({} minor units), {} lines with extra points ({}), {} free items",
        lines.len(),
        offers.len(),
        applied.discounts.len(),
        applied.total_discount_minor(),
        applied.extra_points.len(),
        applied.total_extra_points(),
        applied.free_items.len()
    );
    println!("| operation | median µs | / anchor |");
    println!("|---|---|---|");
    println!("| validate the basket as a receipt (anchor) | {anchor:.1} | 1.00x |");
    println!(
        "| apply 200 offers to the 50-line basket | {apply:.1} | {:.1}x |",
        apply / anchor
    );
    println!(
        "target < 1000 µs: {}",
        if apply < 1000.0 { "met" } else { "NOT met" }
    );
}
