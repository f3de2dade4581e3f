//! `loyalty membership` and premium-only offers (issue #12 part 3) on a membership as a sync
//! stores it: shown with its end date in the shopper's language, its benefits (a premium-only
//! offer listed and applied in the preview) stop at the instant it ends.

mod support;

use chrono::{DateTime, Duration, Utc};
use loyalty_core::membership::{Membership, PlanName};
use loyalty_core::money::Money;
use loyalty_core::offers::{
    Offer, OfferActivation, OfferKind, OfferLimit, OfferScope, OfferState, OfferTarget, OfferTitle,
};
use loyalty_core::store::{OfferItem, Store};
use support::{ok, ok_json, run_in};

const COFFEE: &str = "5400000000003";
const ENDS: &str = "2027-03-01T00:00:00Z";

fn premium_offer(now: DateTime<Utc>) -> OfferItem {
    OfferItem {
        offer: Offer {
            id: "o_plus".into(),
            title: OfferTitle {
                nl: "Plus: 2 euro korting".into(),
                fr: "Plus : 2 euros de remise".into(),
                en: "Plus: 2 euro off".into(),
            },
            kind: OfferKind::AmountOff {
                target: OfferTarget::Product {
                    gtin: COFFEE.into(),
                },
                amount: Money::new(200, "EUR").unwrap(),
            },
            min_quantity: 1,
            valid_from: now - Duration::days(30),
            valid_until: now + Duration::days(60),
            scope: OfferScope::General,
            activation: OfferActivation::Automatic,
            limit: OfferLimit::OncePerMember,
            premium_only: true,
        },
        state: OfferState::Activated,
        activated_at: None,
        used_at: None,
        pending: false,
    }
}

#[test]
fn the_membership_shows_and_its_benefits_stop_at_the_instant_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let ends: DateTime<Utc> = ENDS.parse().unwrap();
    let none = ok_json(run_in(data, &["--json", "membership"]));
    assert_eq!(none["premium"], false);
    {
        let store = Store::open(data).unwrap();
        store
            .apply_server_membership(Some(&Membership {
                plan: "plus".into(),
                name: PlanName(loyalty_core::reminders::Trilingual {
                    nl: "Plus".into(),
                    fr: "Plus".into(),
                    en: "Plus".into(),
                }),
                started_at: ends - Duration::days(365),
                ends_at: ends,
                auto_renews: false,
                points_percent: 200,
            }))
            .unwrap();
        store.replace_offers(vec![premium_offer(ends)]).unwrap();
        store.close().unwrap();
    }
    let basket = data.join("basket.json");
    std::fs::write(
        &basket,
        serde_json::json!([{"gtin": COFFEE, "name": "Coffee beans", "quantity": 1,
                            "unit_price": {"amount_minor": 899, "currency": "EUR"},
                            "category": "coffee"}])
        .to_string(),
    )
    .unwrap();
    let at = |t: DateTime<Utc>, args: &[&str]| {
        let now = t.to_rfc3339();
        let mut all = vec!["--now", now.as_str()];
        all.extend_from_slice(args);
        run_in(data, &all)
    };
    let before = ends - Duration::seconds(1);
    let shown = ok_json(at(before, &["--json", "membership"]));
    assert_eq!(shown["premium"], true);
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["days_left"], 1);
    assert_eq!(shown["membership"]["points_percent"], 200);
    let human = ok(at(ends - Duration::days(10), &["membership"]));
    assert!(
        human.contains("Plus member until") && human.contains("10 day(s) left"),
        "{human}"
    );
    let offers = ok_json(at(before, &["--json", "offers", "list"]));
    assert_eq!(offers.as_array().unwrap().len(), 1);
    let preview = ok_json(at(
        before,
        &["--json", "offers", "preview", basket.to_str().unwrap()],
    ));
    assert_eq!(
        preview["discounts"].as_array().unwrap().len(),
        1,
        "{preview}"
    );

    // At the instant it ends: no premium, no premium-only offer, nothing off.
    let ended = ok_json(at(ends, &["--json", "membership"]));
    assert_eq!(ended["premium"], false);
    assert_eq!(ended["status"], "expired");
    assert!(ended["text"].as_str().unwrap().contains("ended"));
    let offers = ok_json(at(ends, &["--json", "offers", "list"]));
    assert!(offers.as_array().unwrap().is_empty(), "{offers}");
    let preview = ok_json(at(
        ends,
        &["--json", "offers", "preview", basket.to_str().unwrap()],
    ));
    assert!(
        preview["discounts"].as_array().unwrap().is_empty(),
        "{preview}"
    );
}
