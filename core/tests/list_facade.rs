//! The shopping list through the facade, on a real store on disk with an injected clock: usual
//! items with their why in nl/fr/en, items by hand, from the usual items and from a reminder,
//! checked off, kept across a restart, taken off by the receipts that buy them, the listener,
//! and bad input answered with typed errors.

use chrono::{DateTime, Duration, TimeZone, Utc};
use loyalty_core::list::{ItemSource, ShoppingList};
use loyalty_core::money::Money;
use loyalty_core::receipts::{LineItem, Receipt, ReceiptSource};
use loyalty_core::reminders::{ReminderKind, Settings};
use loyalty_core::{LoyaltyClient, LoyaltyError, ManualClock};
use std::sync::{mpsc, Arc, Mutex};

const DOG: &str = "5410000000019";
const DOG_B: &str = "5410000000026";
const MILK: &str = "5410000000033";
const BREAD: &str = "5410000000040";
const CANDLES: &str = "5410000000057";

/// Long enough for a runtime thread to run; the listener test waits for events, not a clock.
const EVENT: std::time::Duration = std::time::Duration::from_secs(10);

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn line(gtin: &str, name: &str, category: &str) -> LineItem {
    LineItem {
        names: Default::default(),
        gtin: gtin.into(),
        name: name.into(),
        quantity: 1,
        unit_price: Money::new(250, "EUR").unwrap(),
        category: category.into(),
        lot: None,
        warranty_months: None,
    }
}

fn receipt(id: &str, at: DateTime<Utc>, lines: Vec<LineItem>) -> Receipt {
    Receipt {
        store_names: Default::default(),
        id: id.into(),
        store_name: "Store 12".into(),
        purchased_at: at,
        lines,
        source: ReceiptSource::Till,
        return_window_days: None,
        discounts: Vec::new(),
        seal: None,
    }
}

fn open(dir: &std::path::Path, clock: &Arc<ManualClock>) -> LoyaltyClient {
    LoyaltyClient::open(dir, Default::default(), clock.clone(), None).unwrap()
}

/// Milk and bread every week for eight weeks (milk on each shop, bread on every other one),
/// dog food of either brand every four weeks; the clock a day after the last shop.
fn shopper() -> (tempfile::TempDir, Arc<ManualClock>, LoyaltyClient) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(utc(2026, 1, 1, 9)));
    let client = open(dir.path(), &clock);
    for week in 0..8 {
        let at = utc(2026, 1, 3, 10) + Duration::weeks(week);
        let mut lines = vec![line(MILK, "Milk 1 l", "dairy")];
        if week % 2 == 0 {
            lines.push(line(BREAD, "Bread", "bakery"));
        }
        if week % 4 == 0 {
            let (gtin, name) = if week == 4 {
                (DOG_B, "Other dog food")
            } else {
                (DOG, "Dog food 12 kg")
            };
            lines.push(line(gtin, name, "pet food"));
        }
        client
            .receipts()
            .add(receipt(&format!("r{week}"), at, lines))
            .unwrap();
    }
    clock.set(utc(2026, 2, 22, 9));
    (dir, clock, client)
}

fn names(list: &ShoppingList) -> Vec<&str> {
    list.items.iter().map(|i| i.name.as_str()).collect()
}

#[test]
fn usual_items_are_ranked_by_the_next_shop_model_with_the_why_in_the_shoppers_language() {
    let (_dir, _clock, client) = shopper();
    let usual = client.list().usual(10).unwrap();
    assert_eq!(usual[0].gtin, MILK, "{usual:#?}");
    assert!(usual.iter().any(|u| u.gtin == BREAD));
    assert!(usual[0].likelihood_percent >= usual[1].likelihood_percent);
    assert_eq!(
        usual[0].reason,
        "You bought Milk 1 l on 8 of your last 8 shops, about every 7 days."
    );
    for (lang, why) in [
        (
            "nl-BE",
            "Je hebt Milk 1 l bij 8 van je laatste 8 winkelbezoeken gekocht, ongeveer om de 7 dagen.",
        ),
        (
            "fr-BE",
            "Vous avez acheté «\u{a0}Milk 1 l\u{a0}» lors de 8 de vos 8 derniers passages en magasin, environ tous les 7 jours.",
        ),
    ] {
        client
            .reminders()
            .set_settings(Settings {
                language: lang.into(),
                ..Settings::default()
            })
            .unwrap();
        assert_eq!(client.list().usual(1).unwrap()[0].reason, why);
    }
    assert_eq!(client.list().usual(2).unwrap().len(), 2);
    assert!(client.list().usual(0).unwrap().is_empty());
    assert!(matches!(
        client.list().usual(10_000),
        Err(LoyaltyError::InvalidInput { .. })
    ));
}

#[test]
fn items_by_hand_and_from_the_usual_items_are_checked_kept_and_removed() {
    let (dir, clock, client) = shopper();
    let list = client.list();
    let candles = list.add("  Birthday candles ", None, Some(2)).unwrap();
    assert_eq!(candles.name, "Birthday candles");
    assert_eq!((candles.quantity, candles.gtin.clone()), (Some(2), None));
    let milk = list.add_usual(MILK, None).unwrap();
    assert_eq!(
        (milk.name.as_str(), milk.source.clone()),
        ("Milk 1 l", ItemSource::Usual)
    );
    // The screen: the shopper's items, then the usual items not on the list yet.
    let screen = list.show(5).unwrap();
    assert_eq!(names(&screen), ["Birthday candles", "Milk 1 l"]);
    assert!(screen.usual.iter().all(|u| u.gtin != MILK));
    assert!(screen.usual.iter().any(|u| u.gtin == BREAD));

    clock.advance(Duration::minutes(5));
    let checked = list.check(&candles.id).unwrap();
    assert!(checked.checked);
    assert_eq!(
        checked.checked_at,
        Some(utc(2026, 2, 22, 9) + Duration::minutes(5))
    );
    // Checked items go to the end.
    assert_eq!(
        names(&list.show(0).unwrap()),
        ["Milk 1 l", "Birthday candles"]
    );
    assert!(!list.uncheck(&candles.id).unwrap().checked);
    assert_eq!(
        list.set_quantity(&milk.id, Some(3)).unwrap().quantity,
        Some(3)
    );
    list.check(&milk.id).unwrap();

    // Kept on disk: a new client on the same directory sees the same list; ids are not reused.
    let before = list.items().unwrap();
    client.close().unwrap();
    let client = open(dir.path(), &clock);
    assert_eq!(client.list().items().unwrap(), before);
    client.list().remove(&candles.id).unwrap();
    let bread = client.list().add_usual(BREAD, Some(1)).unwrap();
    assert_ne!(bread.id, candles.id);
    assert_ne!(bread.id, milk.id);
    assert_eq!(
        names(&client.list().show(0).unwrap()),
        ["Bread", "Milk 1 l"]
    );
}

#[test]
fn bad_input_gets_typed_errors() {
    let (_dir, _clock, client) = shopper();
    let list = client.list();
    let invalid = |r: Result<_, LoyaltyError>| matches!(r, Err(LoyaltyError::InvalidInput { .. }));
    assert!(invalid(list.add("   ", None, None)));
    assert!(invalid(list.add(&"x".repeat(101), None, None)));
    assert!(invalid(list.add("Milk", None, Some(0))));
    assert!(invalid(list.add("Milk", None, Some(100))));
    assert!(invalid(list.add("Milk", Some("5410000000010"), None)));
    assert!(invalid(list.add_usual("12345", None)));
    assert!(invalid(list.check("")));
    let milk = list.add("Milk", Some(MILK), None).unwrap();
    assert!(invalid(list.set_quantity(&milk.id, Some(5_000))));
    // Duplicates: the same product, or the same name.
    for again in [
        list.add("Semi-skimmed milk", Some(MILK), None),
        list.add(" MILK ", None, None),
        list.add_usual(MILK, None),
    ] {
        match again {
            Err(LoyaltyError::Conflict { reason }) => {
                assert_eq!(reason, "this item is already on the shopping list")
            }
            other => panic!("{other:?}"),
        }
    }
    // Unknown ids and products never bought.
    let not_found = |r: Result<_, LoyaltyError>| matches!(r, Err(LoyaltyError::NotFound { .. }));
    assert!(not_found(list.check("999")));
    assert!(not_found(list.uncheck("999")));
    assert!(not_found(list.remove("999")));
    assert!(not_found(list.set_quantity("999", None)));
    assert!(not_found(list.add_usual(CANDLES, None)));
    // No error repeats what the shopper typed.
    let Err(e) = list.add("Private name\u{7}", None, None) else {
        panic!()
    };
    assert!(!e.to_string().contains("Private"));
    assert_eq!(list.items().unwrap().len(), 1);
}

#[test]
fn a_receipt_takes_off_what_it_bought_and_the_checked_items() {
    let (dir, clock, client) = shopper();
    let list = client.list();
    let milk = list.add_usual(MILK, None).unwrap();
    let candles = list.add("Birthday candles", None, None).unwrap();
    let batteries = list.add("Batteries", None, None).unwrap();
    list.add("Bread", Some(BREAD), None).unwrap();
    list.check(&candles.id).unwrap();
    // A receipt of a shop before the items were put on the list (arriving late) takes none.
    let late = receipt(
        "late",
        utc(2026, 2, 21, 18),
        vec![line(MILK, "Milk 1 l", "dairy")],
    );
    assert!(client.receipts().add(late).unwrap());
    assert_eq!(list.items().unwrap().len(), 4);

    // Today's shop: milk (unchecked, bought), candles (checked, not on the receipt: ticked in
    // the shop) leave; batteries (unchecked free text) and bread (not bought) stay.
    clock.advance(Duration::hours(2));
    let shop = receipt(
        "today",
        clock_now(&clock),
        vec![
            line(MILK, "Milk 1 l", "dairy"),
            line(DOG, "Dog food 12 kg", "pet food"),
        ],
    );
    assert!(client.receipts().add(shop.clone()).unwrap());
    let left: Vec<String> = list.items().unwrap().into_iter().map(|i| i.name).collect();
    assert_eq!(left, ["Batteries", "Bread"]);
    assert!(matches!(
        list.check(&milk.id),
        Err(LoyaltyError::NotFound { .. })
    ));
    // The same receipt delivered again changes nothing.
    assert!(!client.receipts().add(shop).unwrap());
    assert_eq!(list.items().unwrap().len(), 2);
    // And it is so on disk.
    client.close().unwrap();
    let client = open(dir.path(), &clock);
    assert_eq!(client.list().items().unwrap().len(), 2);
    assert_eq!(client.list().items().unwrap()[0].id, batteries.id);
}

fn clock_now(clock: &ManualClock) -> DateTime<Utc> {
    use loyalty_core::Clock;
    clock.now()
}

#[test]
fn a_replenishment_reminder_offers_the_list_and_any_brand_of_its_group_buys_it() {
    let (_dir, clock, client) = shopper();
    let reminders = client.reminders();
    reminders
        .set_rules_json(&format!(
            r#"{{"version": 1, "rules": [{{"id": "dog-any", "kind": "replenishment", "per": "group",
                "products": {{"gtins": ["{DOG}", "{DOG_B}"]}},
                "label": {{"en": "dog food", "nl": "hondenvoer", "fr": "croquettes"}},
                "min_likelihood_percent": 0}}]}}"#
        ))
        .unwrap();
    let mut settings = Settings {
        language: "nl-BE".into(),
        ..Settings::default()
    };
    settings.consent.marketing = true;
    settings.quiet_hours = None;
    reminders.set_settings(settings).unwrap();
    // Dog food was bought on 3 January and 31 January (the other brand): due about 28
    // February (a bar of 0: two purchase days in eight shops are below the default one).
    clock.set(utc(2026, 2, 25, 9));
    let plan = reminders.plan().unwrap();
    let n = plan
        .items
        .iter()
        .find(|n| n.kind == ReminderKind::Replenishment && n.rule_id == "dog-any")
        .unwrap_or_else(|| panic!("{plan:#?}"))
        .clone();
    let offer = n.list_offer.clone().unwrap();
    assert_eq!(offer.action, "Op boodschappenlijst zetten");
    assert_eq!(offer.name, "hondenvoer");

    let list = client.list();
    let item = list.add_from_reminder(&n, Some(1)).unwrap();
    assert_eq!(item.name, "hondenvoer");
    assert_eq!(
        item.source,
        ItemSource::Reminder {
            notification_id: n.id.clone()
        }
    );
    // Tapping the action twice does not put it on the list twice.
    assert!(matches!(
        list.add_from_reminder(&n, None),
        Err(LoyaltyError::Conflict { .. })
    ));
    // A reminder that offers nothing is refused.
    let mut no_offer = n.clone();
    no_offer.list_offer = None;
    assert!(matches!(
        list.add_from_reminder(&no_offer, None),
        Err(LoyaltyError::InvalidInput { .. })
    ));
    // The other brand of the group buys it.
    clock.advance(Duration::hours(3));
    let shop = receipt(
        "dog",
        clock_now(&clock),
        vec![line(DOG_B, "Other dog food", "pet food")],
    );
    client.receipts().add(shop).unwrap();
    assert!(list.items().unwrap().is_empty());
}

#[test]
fn the_listener_follows_changes_and_receipts() {
    let (_dir, clock, client) = shopper();
    let list = client.list();
    let (tx, rx) = mpsc::channel::<ShoppingList>();
    let tx = Mutex::new(tx);
    let handle = list
        .add_listener(
            3,
            Box::new(move |l| {
                let _ = tx.lock().unwrap().send(l);
            }),
        )
        .unwrap();
    let first = rx.recv_timeout(EVENT).unwrap();
    assert!(first.items.is_empty());
    assert_eq!(first.usual.len(), 3);
    assert_eq!(first.usual[0].gtin, MILK);
    list.add_usual(MILK, None).unwrap();
    let next = rx.recv_timeout(EVENT).unwrap();
    assert_eq!(names(&next), ["Milk 1 l"]);
    assert!(next.usual.iter().all(|u| u.gtin != MILK));
    // A receipt that buys the milk: the list screen sees it leave.
    clock.advance(Duration::hours(1));
    let shop = receipt(
        "shop",
        clock_now(&clock),
        vec![line(MILK, "Milk 1 l", "dairy")],
    );
    client.receipts().add(shop).unwrap();
    let after = rx.recv_timeout(EVENT).unwrap();
    assert!(after.items.is_empty(), "{after:#?}");
    assert_eq!(after.usual[0].gtin, MILK);
    drop(handle);
    list.add("Batteries", None, None).unwrap();
    assert!(rx.recv_timeout(EVENT).is_err());
}

#[test]
fn a_database_from_before_the_list_opens_with_an_empty_list() {
    let dir = tempfile::tempdir().unwrap();
    let old = receipt(
        "old",
        utc(2026, 1, 3, 10),
        vec![line(MILK, "Milk 1 l", "dairy")],
    );
    loyalty_core::store::schema::write_v1_database(dir.path(), &[], &[], &[old]).unwrap();
    let clock = Arc::new(ManualClock::new(utc(2026, 1, 4, 9)));
    let client = open(dir.path(), &clock);
    assert!(client.list().items().unwrap().is_empty());
    assert_eq!(client.list().usual(5).unwrap()[0].gtin, MILK);
    client.list().add_usual(MILK, None).unwrap();
    assert_eq!(client.list().items().unwrap().len(), 1);
}
