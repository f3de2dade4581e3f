//! `loyalty offers list | activate ID | preview FILE` (issue #16 part 2) on offers as a sync
//! stores them: listed for the shopper (ended ones left out), activated offline (once; unknown
//! exits 3, ended exits 4), and a basket previewed with the till's rule.

mod support;

use chrono::{DateTime, Duration, Utc};
use loyalty_core::money::Money;
use loyalty_core::offers::{
    Offer, OfferActivation, OfferKind, OfferLimit, OfferScope, OfferState, OfferTarget, OfferTitle,
};
use loyalty_core::store::{OfferItem, Store};
use support::{fails, ok, ok_json, run_in};

const NOW: &str = "2026-03-02T09:00:00Z";
const COFFEE: &str = "5400000000003";

fn offer(id: &str, kind: OfferKind, activation: OfferActivation, ends_in_days: i64) -> OfferItem {
    let now: DateTime<Utc> = NOW.parse().unwrap();
    OfferItem {
        offer: Offer {
            id: id.into(),
            title: OfferTitle {
                nl: format!("Aanbieding {id}"),
                fr: format!("Offre {id}"),
                en: format!("Offer {id}"),
            },
            kind,
            min_quantity: 1,
            valid_from: now - Duration::days(2),
            valid_until: now + Duration::days(ends_in_days),
            scope: OfferScope::General,
            activation,
            limit: OfferLimit::OncePerMember,
            premium_only: false,
        },
        state: if activation == OfferActivation::Automatic {
            OfferState::Activated
        } else {
            OfferState::Available
        },
        activated_at: None,
        used_at: None,
        pending: false,
    }
}

#[test]
fn offers_are_listed_activated_offline_and_previewed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let coffee = OfferTarget::Product {
        gtin: COFFEE.into(),
    };
    // As a sync leaves them.
    let store = Store::open(data).unwrap();
    store
        .replace_offers(vec![
            offer(
                "o_pct",
                OfferKind::PercentOff {
                    target: coffee.clone(),
                    percent: 20,
                },
                OfferActivation::OptIn,
                10,
            ),
            offer(
                "o_eur",
                OfferKind::AmountOff {
                    target: coffee,
                    amount: Money::new(100, "EUR").unwrap(),
                },
                OfferActivation::Automatic,
                20,
            ),
            offer(
                "o_ended",
                OfferKind::FreeProduct {
                    gtin: COFFEE.into(),
                    quantity: 1,
                },
                OfferActivation::OptIn,
                -1,
            ),
        ])
        .unwrap();
    store.close().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--now", NOW];
        all.extend_from_slice(args);
        run_in(data, &all)
    };

    let listed = ok_json(run(&["--json", "offers", "list"]));
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["offer"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["o_eur", "o_pct"], "usable now first; ended left out");
    assert_eq!(listed[1]["state"], "available");
    let human = ok(run(&["offers", "list"]));
    assert!(human.contains("20% off product 5400000000003"), "{human}");

    // The basket: 2 x 8.99 coffee. Only the automatic €1 off applies before activation.
    let basket = data.join("basket.json");
    std::fs::write(
        &basket,
        serde_json::json!([{"gtin": COFFEE, "name": "Coffee beans", "quantity": 2,
                            "unit_price": {"amount_minor": 899, "currency": "EUR"},
                            "category": "coffee"}])
        .to_string(),
    )
    .unwrap();
    let before = ok_json(run(&[
        "--json",
        "offers",
        "preview",
        basket.to_str().unwrap(),
    ]));
    assert_eq!(before["total_discount_minor"], 100);

    let activated = ok_json(run(&["--json", "offers", "activate", "o_pct"]));
    assert_eq!(activated["state"], "activated");
    assert_eq!(activated["pending"], true);
    // Twice is harmless: still one activation waiting for the sync.
    ok(run(&["offers", "activate", "o_pct"]));
    let status = ok_json(run(&["--json", "sync", "status"]));
    let kinds: Vec<&str> = status["outbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["activate_offer"]);

    // One money discount per line, the largest: 20% of 17.98 = 3.60 beats €1.
    let after = ok_json(run(&[
        "--json",
        "offers",
        "preview",
        basket.to_str().unwrap(),
    ]));
    assert_eq!(after["total_discount_minor"], 360);
    assert_eq!(after["discounts"][0]["offer_id"], "o_pct");
    assert!(ok(run(&["offers", "preview", basket.to_str().unwrap()])).contains("-360"));

    fails(run(&["offers", "activate", "o_nope"]), 3);
    fails(run(&["offers", "activate", "o_ended"]), 4);
    std::fs::write(&basket, r#"[{"gtin": "123"}]"#).unwrap();
    fails(run(&["offers", "preview", basket.to_str().unwrap()]), 2);
}
