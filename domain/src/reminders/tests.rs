//! Tests for every rule kind and every policy, with an injected `now`, including the brief's
//! scenarios: dog food, road salt with a frost forecast, the oyster recall for one lot only, and
//! wine bought on 29 December.

use super::l10n::{build_from, localizer, temperature, SOURCES};
use super::*;
use crate::check::validate_link;
use crate::money::Money;
use crate::points::TierStatus;
use crate::receipts::{LineItem, Receipt, ReceiptSource};
use crate::wallet::{Voucher, VoucherKind, VoucherState};
use chrono::{DateTime, Duration, TimeZone, Utc};

// ---------------------------------------------------------------------------------------------
// Fixtures

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// A valid GTIN-13 from a 12-digit body.
fn gtin(body: u64) -> String {
    let body = format!("{body:012}");
    let check = crate::gs1::gs1_check_digit(&body);
    format!("{body}{check}")
}

fn dog() -> String {
    gtin(541_000_000_001)
}
fn dog_b() -> String {
    gtin(541_000_000_002)
}
fn salt() -> String {
    gtin(541_000_000_010)
}
fn oyster() -> String {
    gtin(541_000_000_020)
}
fn wine() -> String {
    gtin(541_000_000_030)
}
fn basil() -> String {
    gtin(541_000_000_040)
}
fn pine() -> String {
    gtin(541_000_000_041)
}
fn mince() -> String {
    gtin(541_000_000_042)
}
fn bechamel() -> String {
    gtin(541_000_000_043)
}

fn item(g: &str, name: &str, qty: i64, cat: &str) -> LineItem {
    LineItem {
        names: Default::default(),
        gtin: g.into(),
        name: name.into(),
        quantity: qty,
        unit_price: Money::new(499, "EUR").unwrap(),
        category: cat.into(),
        lot: None,
        warranty_months: None,
    }
}

fn receipt(id: &str, at: DateTime<Utc>, lines: Vec<LineItem>) -> Receipt {
    let r = Receipt {
        store_names: Default::default(),
        id: id.into(),
        store_name: "Brussels Centre".into(),
        purchased_at: at,
        lines,
        source: ReceiptSource::Till,
        return_window_days: None,
        discounts: Vec::new(),
        seal: None,
    };
    r.validate().unwrap();
    r
}

fn dog_food(id: &str, at: DateTime<Utc>, qty: i64) -> Receipt {
    receipt(
        id,
        at,
        vec![item(&dog(), "Dog food 12 kg", qty, "Pet food")],
    )
}

/// All categories consented, no quiet hours, no caps, 30-day horizon, English, UTC+1.
struct World {
    rules: RuleSet,
    cat: Catalogue,
    settings: Settings,
    ctx: Context,
    vouchers: Vec<Voucher>,
    tier: Option<TierStatus>,
    enrolled: Option<DateTime<Utc>>,
    feedback: Vec<Feedback>,
    history: Vec<Delivered>,
    pushes: Vec<PushMessage>,
}

impl World {
    fn new(rules_json: &str) -> Self {
        Self {
            rules: RuleSet::from_json(rules_json).unwrap(),
            cat: Catalogue::default(),
            settings: Settings {
                language: "en".into(),
                consent: Consent {
                    marketing: true,
                    service: true,
                    safety: true,
                    location: false,
                },
                quiet_hours: None,
                caps: Caps {
                    total: CapLimit::default(),
                    marketing: CapLimit::default(),
                    service: CapLimit::default(),
                },
                horizon_days: 30,
            },
            ctx: Context {
                local_utc_offset_minutes: 60,
                ..Context::default()
            },
            vouchers: Vec::new(),
            tier: None,
            enrolled: None,
            feedback: Vec::new(),
            history: Vec::new(),
            pushes: Vec::new(),
        }
    }

    fn rules(rules: &[String]) -> Self {
        Self::new(&format!(
            r#"{{"version": 1, "rules": [{}]}}"#,
            rules.join(",")
        ))
    }

    fn input(&self, now: DateTime<Utc>) -> PlanInput<'_> {
        PlanInput {
            vouchers: &self.vouchers,
            tier: self.tier.as_ref(),
            enrolled_at: self.enrolled,
            feedback: &self.feedback,
            history: &self.history,
            pushes: &self.pushes,
            ..PlanInput::new(now, &self.rules, &self.cat, &self.settings, &self.ctx)
        }
    }

    fn plan(&self, now: DateTime<Utc>, receipts: &[Receipt]) -> Plan {
        let p = plan(&self.input(now), receipts).unwrap();
        check_plan(&p, now);
        p
    }

    fn quiet(&mut self, start: u16, end: u16) {
        self.settings.quiet_hours = Some(QuietHours {
            start_minute: start,
            end_minute: end,
        });
    }
}

/// What must hold for every plan: sorted, deterministic ids, texts complete and explained.
fn check_plan(p: &Plan, now: DateTime<Utc>) {
    for w in p.items.windows(2) {
        assert!((w[0].at, &w[0].id) < (w[1].at, &w[1].id), "plan not sorted");
    }
    for n in &p.items {
        assert!(n.at >= now, "{} is before now", n.id);
        for text in [&n.title, &n.body, &n.reason] {
            assert!(!text.trim().is_empty(), "{}: empty text", n.id);
            assert!(
                !text.contains(['{', '}', '\u{2068}', '\u{2069}']),
                "{}: unresolved placeable or isolation mark in {text:?}",
                n.id
            );
        }
        assert!(
            validate_link("link", &n.deep_link).is_ok(),
            "{}",
            n.deep_link
        );
        assert!(p.suppressed.iter().all(|s| s.id != n.id));
    }
}

fn ids(p: &Plan) -> Vec<&str> {
    p.items.iter().map(|n| n.id.as_str()).collect()
}

fn suppressed(p: &Plan, id: &str) -> Option<SuppressReason> {
    p.suppressed.iter().find(|s| s.id == id).map(|s| s.why)
}

/// Dog food reminded `lead_days` before its run-out: `lead_percent` 0 pins the window to the
/// item's own interval (the default, 100, leaves the timing to the next-shop model).
fn dog_rule(extra: &str) -> String {
    format!(
        r#"{{"id": "dog-food", "kind": "replenishment", "products": {{"categories": ["pet food"]}}, "lead_percent": 0{extra}}}"#
    )
}

/// Dog food bought every ~4 weeks: 5 January to 27 April 2026 (27, 29, 28, 28 days apart).
fn dog_history() -> Vec<Receipt> {
    [
        utc(2026, 1, 5, 10, 0),
        utc(2026, 2, 1, 10, 0),
        utc(2026, 3, 2, 10, 0),
        utc(2026, 3, 30, 10, 0),
        utc(2026, 4, 27, 10, 0),
    ]
    .iter()
    .enumerate()
    .map(|(i, at)| dog_food(&format!("r{i}"), *at, 1))
    .collect()
}

// ---------------------------------------------------------------------------------------------
// Replenishment

#[test]
fn dog_food_reminds_before_the_predicted_run_out_and_stops_once_bought() {
    let w = World::rules(&[dog_rule(r#", "lead_days": 3"#)]);
    let mut receipts = dog_history();
    let p = w.plan(utc(2026, 5, 15, 12, 0), &receipts);
    assert_eq!(p.items.len(), 1, "{p:#?}");
    let n = &p.items[0];
    assert_eq!(n.id, format!("dog-food:{}:20260427", dog()));
    assert_eq!(n.kind, ReminderKind::Replenishment);
    assert_eq!(n.category, Category::Marketing);
    // Run-out 25 May (27 April + 28 days); 3 days before, at 10:00 local (UTC+1).
    assert_eq!(n.at, utc(2026, 5, 22, 9, 0));
    assert_eq!(n.title, "Running low on Dog food 12 kg?");
    assert!(
        n.body.contains("will probably run out in 3 days"),
        "{}",
        n.body
    );
    assert_eq!(
        n.reason,
        "You bought Dog food 12 kg on 5 of your last 5 shops, about every 28 days. \
         Your last purchase was on 27 April (1 unit)."
    );
    assert_eq!(n.deep_link, format!("loyalty://product/{}", dog()));
    // "Add it to your shopping list?": the product, bought with that product only.
    let offer = n
        .list_offer
        .as_ref()
        .expect("a replenishment reminder offers the list");
    assert_eq!(offer.action, "Add to shopping list");
    assert_eq!(offer.name, "Dog food 12 kg");
    assert_eq!(offer.gtin, dog());
    assert_eq!(offer.bought_with.gtins, vec![dog()]);
    assert!(offer.bought_with.categories.is_empty());

    // Bought again on 20 May: the old reminder is gone, the next cycle is predicted.
    receipts.push(dog_food("r5", utc(2026, 5, 20, 10, 0), 1));
    let p2 = w.plan(utc(2026, 5, 20, 12, 0), &receipts);
    assert_eq!(ids(&p2), vec![format!("dog-food:{}:20260520", dog())]);
    assert_eq!(p2.items[0].at, utc(2026, 6, 14, 9, 0));
    let changes = p2.changes_since(&p);
    assert_eq!(changes.cancel, vec![n.id.clone()]);
    assert_eq!(changes.schedule, p2.items);
    assert_eq!(p2.changes_since(&p2), PlanChanges::default());
}

#[test]
fn replenishment_is_quantity_aware() {
    let w = World::rules(&[dog_rule(r#", "lead_days": 0"#)]);
    // Two bags last 56 days, one bag 28: each bag lasts 28 days.
    let receipts = vec![
        dog_food("a", utc(2026, 1, 1, 10, 0), 2),
        dog_food("b", utc(2026, 2, 26, 10, 0), 1),
        dog_food("c", utc(2026, 3, 26, 10, 0), 3),
    ];
    let p = w.plan(utc(2026, 3, 27, 12, 0), &receipts);
    assert!(p.items.is_empty(), "three bags last 84 days: {p:#?}");
    // 26 March + 3 × 28 days = 18 June.
    let p = w.plan(utc(2026, 6, 1, 12, 0), &receipts);
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].at, utc(2026, 6, 18, 9, 0));
    assert!(p.items[0]
        .reason
        .contains("Your last purchase was on 26 March (3 units)."));
    // Two receipts on one day are one purchase day of the larger receipt, not quantity 2
    // (issue #11); two lines on one receipt still add up.
    let same_day = vec![
        dog_food("a", utc(2026, 1, 1, 10, 0), 1),
        dog_food("b", utc(2026, 1, 29, 10, 0), 1),
        dog_food("c", utc(2026, 2, 26, 10, 0), 1),
        dog_food("c2", utc(2026, 2, 26, 17, 0), 1),
    ];
    let p = w.plan(utc(2026, 3, 20, 12, 0), &same_day);
    // 26 February + 28 days: 26 March.
    assert_eq!(p.items[0].at, utc(2026, 3, 26, 9, 0));
    assert!(p.items[0].reason.contains("on 3 of your last 3 shops"));
    assert!(
        p.items[0].reason.contains("(1 unit)"),
        "{}",
        p.items[0].reason
    );
    let mut one_receipt = same_day.clone();
    one_receipt.pop();
    one_receipt[2]
        .lines
        .push(item(&dog(), "Dog food 12 kg", 1, "Pet food"));
    let p = w.plan(utc(2026, 3, 20, 12, 0), &one_receipt);
    assert!(
        p.items[0].reason.contains("(2 units)"),
        "{}",
        p.items[0].reason
    );
    // No earlier multi-unit purchase: the history does not support scaling, so 2 units on the
    // last day still last the usual 28 days.
    assert_eq!(p.items[0].at, utc(2026, 3, 26, 9, 0));
}

#[test]
fn replenishment_is_robust_to_an_irregular_gap() {
    let w = World::rules(&[dog_rule(r#", "lead_days": 2"#)]);
    // Every 14 days, but once 60 (a holiday): the median ignores it.
    let mut at = utc(2026, 1, 1, 10, 0);
    let mut receipts = Vec::new();
    for (i, gap) in [0, 14, 14, 60, 14, 14].iter().enumerate() {
        at += Duration::days(*gap);
        receipts.push(dog_food(&format!("r{i}"), at, 1));
    }
    // Last purchase 27 April; + 14 = 11 May; − 2 = 9 May.
    let p = w.plan(utc(2026, 4, 28, 12, 0), &receipts);
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].at, utc(2026, 5, 9, 9, 0));
    assert!(p.items[0].reason.contains("about every 14 days"));
}

#[test]
fn replenishment_needs_enough_and_regular_enough_history() {
    let w = World::rules(&[dog_rule("")]);
    let two = vec![
        dog_food("a", utc(2026, 1, 1, 10, 0), 1),
        dog_food("b", utc(2026, 1, 29, 10, 0), 1),
    ];
    let now = utc(2026, 2, 20, 12, 0);
    // Two purchase days are enough by default; one or none never.
    assert_eq!(w.plan(now, &two).items.len(), 1);
    assert!(w.plan(now, &two[..1]).items.is_empty());
    assert!(w.plan(now, &[]).items.is_empty());
    let w3 = World::rules(&[dog_rule(r#", "min_purchases": 3"#)]);
    assert!(w3.plan(now, &two).items.is_empty());
    // Gaps of 5, 40, 10, 70 and 20 days: too irregular to predict.
    let mut at = utc(2025, 6, 1, 10, 0);
    let mut irregular = Vec::new();
    for (i, gap) in [0, 5, 40, 10, 70, 20].iter().enumerate() {
        at += Duration::days(*gap);
        irregular.push(dog_food(&format!("r{i}"), at, 1));
    }
    let now = at + Duration::days(15);
    assert!(w.plan(now, &irregular).items.is_empty());
    let tolerant = World::rules(&[dog_rule(r#", "max_spread_percent": 200"#)]);
    assert_eq!(tolerant.plan(now, &irregular).items.len(), 1);
}

#[test]
fn an_overdue_reminder_fades_as_shops_pass_without_it() {
    let w = World::rules(&[dog_rule(r#", "grace_days": 3"#)]);
    let receipts = dog_history();
    // Run-out 25 May. Dog food is all this shopper buys: no shop has passed without it, so
    // the next-shop probability holds and the reminder stays.
    let p = w.plan(utc(2026, 5, 29, 12, 0), &receipts);
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].at, utc(2026, 5, 29, 12, 0));
    assert!(p.items[0].body.contains("running out today"));
    assert_eq!(w.plan(utc(2026, 6, 22, 12, 0), &receipts).items.len(), 1);
    // A shopper who, from the day after the run-out, shops every week without it: each shop
    // without dog food lowers its share of their shops, and the reminder fades.
    let mut weekly = receipts.clone();
    for i in 0..12 {
        let at = utc(2026, 5, 26, 11, 0) + Duration::days(7 * i);
        weekly.push(receipt(
            &format!("g{i}"),
            at,
            vec![item(&gtin(541_000_000_099), "Bread", 1, "Groceries")],
        ));
    }
    let present = |w: &World, at| !w.plan(at, &weekly).items.is_empty();
    // Still there after the first shop without it (26 May, 11:00), gone after the second.
    assert!(present(&w, utc(2026, 5, 26, 12, 0)));
    assert!(!present(&w, utc(2026, 6, 2, 12, 0)));
    assert!(!present(&w, utc(2026, 7, 20, 12, 0)));
}

#[test]
fn replenishment_per_group_pools_brands() {
    let w = World::rules(&[format!(
        r#"{{"id": "dog-any", "kind": "replenishment", "per": "group",
            "products": {{"gtins": ["{}", "{}"]}},
            "label": {{"en": "dog food", "nl": "hondenvoer", "fr": "croquettes"}}}}"#,
        dog(),
        dog_b()
    )]);
    let receipts = vec![
        dog_food("a", utc(2026, 1, 1, 10, 0), 1),
        receipt(
            "b",
            utc(2026, 1, 29, 10, 0),
            vec![item(&dog_b(), "Other brand", 1, "Pet food")],
        ),
        dog_food("c", utc(2026, 2, 26, 10, 0), 1),
    ];
    let p = w.plan(utc(2026, 3, 10, 12, 0), &receipts);
    assert_eq!(ids(&p), vec!["dog-any:group:20260226"]);
    assert_eq!(p.items[0].title, "Running low on dog food?");
    // The offer puts the group on the list (its label), bought with either brand; the action
    // in the shopper's language.
    let offer = p.items[0].list_offer.clone().unwrap();
    assert_eq!(
        (offer.name.as_str(), offer.gtin.as_str()),
        ("dog food", dog().as_str())
    );
    assert_eq!(offer.bought_with.gtins, vec![dog(), dog_b()]);
    for (lang, action, name) in [
        ("nl-BE", "Op boodschappenlijst zetten", "hondenvoer"),
        ("fr-BE", "Ajouter à la liste de courses", "croquettes"),
        ("nl-NL", "Op boodschappenlijst zetten", "hondenvoer"),
    ] {
        let mut w = World::rules(&[format!(
            r#"{{"id": "dog-any", "kind": "replenishment", "per": "group",
                "products": {{"gtins": ["{}", "{}"]}},
                "label": {{"en": "dog food", "nl": "hondenvoer", "fr": "croquettes"}}}}"#,
            dog(),
            dog_b()
        )]);
        w.settings.language = lang.into();
        let p = w.plan(utc(2026, 3, 10, 12, 0), &receipts);
        let offer = p.items[0].list_offer.clone().unwrap();
        assert_eq!((offer.action.as_str(), offer.name.as_str()), (action, name));
    }
    // Per product, neither brand alone has three purchases.
    let per_product = World::rules(&[format!(
        r#"{{"id": "dog-each", "kind": "replenishment", "products": {{"gtins": ["{}", "{}"]}},
            "min_purchases": 3}}"#,
        dog(),
        dog_b()
    )]);
    assert!(per_product
        .plan(utc(2026, 3, 10, 12, 0), &receipts)
        .items
        .is_empty());
}

/// A shopper who shops on `days` (days after 1 January 2026, 10:00 UTC); on each, the
/// products of `basket(day index)`.
fn shops_on(days: &[i64], basket: impl Fn(usize) -> Vec<(String, &'static str)>) -> Vec<Receipt> {
    days.iter()
        .enumerate()
        .map(|(i, d)| {
            receipt(
                &format!("s{i}"),
                utc(2026, 1, 1, 10, 0) + Duration::days(*d),
                basket(i)
                    .into_iter()
                    .map(|(g, name)| item(&g, name, 1, "Groceries"))
                    .collect(),
            )
        })
        .collect()
}

fn grocery_rule(extra: &str) -> String {
    format!(
        r#"{{"id": "usual", "kind": "replenishment", "products": {{"categories": ["groceries"]}}{extra}}}"#
    )
}

#[test]
fn under_a_cap_of_one_the_likeliest_reminder_is_shown_not_the_lowest_gtin() {
    // Weekly shops. Basil (lower GTIN) in 3 of the 8 shops, mince (higher GTIN) in every one;
    // both are overdue on the same day.
    let days: Vec<i64> = (0..8).map(|i| i * 7).collect();
    let receipts = shops_on(&days, |i| {
        let mut b = vec![(mince(), "Mince"), (gtin(541_000_000_099), "Bread")];
        if [0, 3, 5].contains(&i) {
            b.push((basil(), "Basil"));
        }
        b
    });
    assert!(basil() < mince());
    let mut w = World::rules(&[grocery_rule(r#", "min_likelihood_percent": 0"#)]);
    w.settings.caps.marketing.per_day = Some(1);
    let now = utc(2026, 3, 5, 7, 0);
    let p = w.plan(now, &receipts);
    let today: Vec<&PlannedNotification> = p
        .items
        .iter()
        .filter(|n| n.at < utc(2026, 3, 6, 0, 0))
        .collect();
    assert_eq!(today.len(), 1, "{p:#?}");
    assert!(today[0].id.contains(&mince()), "{:?}", today[0].id);
    assert_eq!(
        today[0].reason,
        "You bought Mince on 8 of your last 8 shops, about every 7 days. \
         Your last purchase was on 19 February (1 unit)."
    );
    // With the default bar (50 %), basil (3 of 8 shops, not in the last two) is not reminded at
    // all: timing alone no longer picks rarely bought items.
    let w = World::rules(&[grocery_rule("")]);
    let p = w.plan(now, &receipts);
    assert!(p.items.iter().all(|n| !n.id.contains(&basil())), "{p:#?}");
    assert!(p.items.iter().any(|n| n.id.contains(&mince())));
}

#[test]
fn a_habitual_item_skipped_once_is_not_refused_as_irregular() {
    // Shops at irregular days; milk at every shop but one, bread at all. In days the milk gaps
    // (3, 11, 16, 3, 10) look irregular; in shops (1, 1, 2, 1, 1) they are a habit.
    let days = [0, 3, 14, 18, 30, 33, 43];
    let milk = gtin(541_000_000_070);
    let receipts = shops_on(&days, |i| {
        let mut b = vec![(gtin(541_000_000_099), "Bread")];
        if i != 3 {
            b.push((milk.clone(), "Milk"));
        }
        b
    });
    let w = World::rules(&[grocery_rule("")]);
    let p = w.plan(utc(2026, 2, 14, 12, 0), &receipts);
    let n = p
        .items
        .iter()
        .find(|n| n.id.contains(&milk))
        .unwrap_or_else(|| panic!("no milk reminder: {p:#?}"));
    assert!(
        n.reason.contains("on 6 of your last 7 shops"),
        "{}",
        n.reason
    );
    // A product bought at every one of irregular shops is still refused when it is the only
    // thing bought (its own history is all there is): see the dog-food test above.
}

#[test]
fn a_staple_is_not_reminded_the_day_after_it_was_bought() {
    // Milk at every weekly shop (the last on 19 February): likely at the next shop, but the
    // reminder waits a quarter of the shopper's week (2 days) after their last shop.
    let days: Vec<i64> = (0..8).map(|i| i * 7).collect();
    let milk = gtin(541_000_000_070);
    let receipts = shops_on(&days, |_| vec![(milk.clone(), "Milk")]);
    let w = World::rules(&[grocery_rule("")]);
    let p = w.plan(utc(2026, 2, 19, 12, 0), &receipts);
    let n = p
        .items
        .iter()
        .find(|n| n.id.contains(&milk))
        .unwrap_or_else(|| panic!("no milk reminder: {p:#?}"));
    assert_eq!(n.at, utc(2026, 2, 21, 9, 0));
}

#[test]
fn an_overdue_item_is_dated_by_its_own_intervals_not_today() {
    // Coffee every 7, 7 and 21 days (last bought 5 February); weekly shops with bread. Ten
    // days later it is overdue for a week but not for three: expected 21 days after the last
    // purchase, 26 February, not today.
    let days = [0, 7, 14, 21, 28, 35, 42, 45];
    let coffee = gtin(541_000_000_080);
    let receipts = shops_on(&days, |i| {
        let mut b = vec![(gtin(541_000_000_099), "Bread")];
        if [0, 1, 2, 5].contains(&i) {
            b.push((coffee.clone(), "Coffee"));
        }
        b
    });
    let index = ReceiptIndex::from_receipts(&receipts);
    let now = utc(2026, 2, 15, 12, 0);
    let list = usual_items(&index, now, &Settings::default(), &Context::default(), 10).unwrap();
    let c = list.iter().find(|u| u.gtin == coffee).unwrap();
    assert_eq!(c.next_purchase, utc(2026, 2, 26, 0, 0));
}

#[test]
fn usual_items_rank_by_likelihood_and_explain_in_every_language() {
    let days: Vec<i64> = (0..10).map(|i| i * 7).collect();
    let milk = gtin(541_000_000_070);
    let receipts = shops_on(&days, |i| {
        let mut b = vec![(milk.clone(), "Milk")];
        if i % 2 == 0 {
            b.push((basil(), "Basil"));
        }
        if i == 9 {
            b.push((wine(), "Crémant"));
        }
        b
    });
    let index = ReceiptIndex::from_receipts(&receipts);
    let mut settings = Settings::default();
    let ctx = Context::default();
    let now = utc(2026, 3, 11, 9, 0);
    let list = usual_items(&index, now, &settings, &ctx, 10).unwrap();
    let order: Vec<&str> = list.iter().map(|u| u.gtin.as_str()).collect();
    assert_eq!(
        order,
        vec![milk.as_str(), basil().as_str(), wine().as_str()]
    );
    assert_eq!(list[0].bought_in, 10);
    assert_eq!(list[0].of_shops, 10);
    assert_eq!(list[0].every_days, 7);
    assert!(list[0].likelihood_percent > list[1].likelihood_percent);
    assert!(list[1].likelihood_percent > 0 && list[0].likelihood_percent <= 100);
    // Milk was bought on 5 March, every 7 days: next on 12 March.
    assert_eq!(list[0].next_purchase, utc(2026, 3, 12, 0, 0));
    assert_eq!(
        list[0].reason,
        "You bought Milk on 10 of your last 10 shops, about every 7 days."
    );
    assert_eq!(
        list[1].reason,
        "You bought Basil on 5 of your last 10 shops, about every 14 days."
    );
    assert_eq!(list[2].every_days, 0);
    assert_eq!(
        list[2].reason,
        "You bought Crémant on 1 of your last 10 shops."
    );
    settings.language = "nl-BE".into();
    let nl = usual_items(&index, now, &settings, &ctx, 1).unwrap();
    assert_eq!(nl.len(), 1);
    assert_eq!(
        nl[0].reason,
        "Je hebt Milk bij 10 van je laatste 10 winkelbezoeken gekocht, ongeveer om de 7 dagen."
    );
    settings.language = "fr-BE".into();
    let fr = usual_items(&index, now, &settings, &ctx, 1).unwrap();
    assert_eq!(
        fr[0].reason,
        "Vous avez acheté «\u{a0}Milk\u{a0}» lors de 10 de vos 10 derniers passages en magasin, environ tous \
         les 7 jours."
    );
    // One shop only: "your last shop".
    let one = ReceiptIndex::from_receipts(&receipts[..1]);
    let l = usual_items(&one, now, &settings, &ctx, 10).unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(
        l[1].reason,
        "Vous avez acheté «\u{a0}Milk\u{a0}» lors de votre dernier passage en magasin."
    );
    // Empty history, receipts in the future, bad settings.
    assert!(usual_items(&ReceiptIndex::new(), now, &settings, &ctx, 10)
        .unwrap()
        .is_empty());
    assert!(
        usual_items(&index, utc(2025, 1, 1, 0, 0), &settings, &ctx, 10)
            .unwrap()
            .is_empty()
    );
    settings.horizon_days = 0;
    assert!(usual_items(&index, now, &settings, &ctx, 10).is_err());
}

// ---------------------------------------------------------------------------------------------
// Seasonal

fn salt_rule(extra: &str) -> String {
    format!(
        r#"{{"id": "road-salt", "kind": "seasonal", "products": {{"categories": ["Road salt"]}},
            "season": {{"from": "10-15", "to": "02-28"}},
            "label": {{"en": "road salt", "nl": "strooizout", "fr": "sel de déneigement"}}{extra}}}"#
    )
}

fn salt_bought(id: &str, at: DateTime<Utc>) -> Receipt {
    receipt(
        id,
        at,
        vec![item(&salt(), "Road salt 10 kg", 1, "road salt")],
    )
}

#[test]
fn road_salt_reminds_when_frost_is_forecast() {
    let mut w = World::rules(&[salt_rule(
        r#", "gates": [{"type": "forecast_min_temp_at_most", "c_tenths": 0}]"#,
    )]);
    let last_year = vec![salt_bought("s1", utc(2025, 11, 12, 9, 0))];
    let now = utc(2026, 11, 5, 7, 0);

    // No forecast, or no frost: nothing.
    assert!(w.plan(now, &last_year).items.is_empty());
    w.ctx.forecast_min_temp_c_tenths = Some(50);
    assert!(w.plan(now, &last_year).items.is_empty());

    // Frost forecast: a reminder today at 10:00 local.
    w.ctx.forecast_min_temp_c_tenths = Some(-30);
    let p = w.plan(now, &last_year);
    assert_eq!(ids(&p), vec!["road-salt:group:2026"]);
    let n = &p.items[0];
    assert_eq!(n.kind, ReminderKind::Seasonal);
    assert_eq!(n.at, utc(2026, 11, 5, 9, 0));
    assert_eq!(n.title, "Time for road salt again?");
    assert_eq!(
        n.body,
        "Frost is forecast (down to \u{2212}3\u{a0}°C). Last year you bought road salt around this time."
    );
    assert_eq!(
        n.reason,
        "Last year you bought road salt on 12 November 2025, and you have not bought it yet \
         this season. The forecast minimum is \u{2212}3\u{a0}°C."
    );
    w.settings.language = "nl-BE".into();
    let nl = &w.plan(now, &last_year).items[0];
    assert_eq!(nl.title, "Weer tijd voor strooizout?");
    assert!(nl
        .body
        .starts_with("Er wordt vorst verwacht (tot \u{2212}3\u{a0}°C)."));
    w.settings.language = "fr".into();
    w.ctx.forecast_min_temp_c_tenths = Some(-25);
    let fr = &w.plan(now, &last_year).items[0];
    assert!(fr
        .body
        .starts_with("Du gel est annoncé (jusqu'à \u{2212}2,5\u{a0}°C)."));
    assert!(fr.reason.contains("le 12 novembre 2025"));

    // Already bought this season: nothing.
    let mut bought = last_year.clone();
    bought.push(salt_bought("s2", utc(2026, 10, 20, 9, 0)));
    assert!(w.plan(now, &bought).items.is_empty());
    // Out of season: nothing.
    assert!(w.plan(utc(2026, 7, 1, 9, 0), &last_year).items.is_empty());
    // Never bought last season (only two seasons ago): nothing.
    let old = vec![salt_bought("s0", utc(2024, 11, 12, 9, 0))];
    assert!(w.plan(now, &old).items.is_empty());
}

#[test]
fn seasonal_without_gate_reminds_before_the_anniversary() {
    let w = World::rules(&[salt_rule(r#", "lead_days": 7"#)]);
    let last_year = vec![salt_bought("s1", utc(2025, 11, 12, 9, 0))];
    let p = w.plan(utc(2026, 11, 1, 12, 0), &last_year);
    assert_eq!(ids(&p), vec!["road-salt:group:2026"]);
    assert_eq!(p.items[0].at, utc(2026, 11, 5, 9, 0));
    assert_eq!(
        p.items[0].body,
        "Last year you bought road salt around this time. Need it again?"
    );
    // In January the season that started in October 2025 is current; last season's purchase
    // (November 2024) counts, this season's (November 2025) stops it.
    let jan = utc(2026, 1, 10, 12, 0);
    let two_ago = vec![salt_bought("s0", utc(2024, 11, 12, 9, 0))];
    let p = w.plan(jan, &two_ago);
    assert_eq!(ids(&p), vec!["road-salt:group:2025"]);
    assert_eq!(p.items[0].at, jan);
    let mut both = two_ago.clone();
    both.push(salt_bought("s1", utc(2025, 11, 12, 9, 0)));
    assert!(w.plan(jan, &both).items.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Recall

fn oyster_notice() -> RecallNotice {
    RecallNotice {
        id: "R-2026-001".into(),
        gtins: vec![oyster()],
        lots: vec!["L2412-30".into()],
        sold_from: utc(2025, 12, 27, 0, 0),
        sold_until: utc(2026, 1, 2, 23, 0),
        published_at: utc(2026, 1, 5, 9, 0),
        ends_at: None,
        product: LocalizedText(
            [
                ("en".to_string(), "Zeeland oysters".to_string()),
                ("nl".to_string(), "Zeeuwse oesters".to_string()),
                ("fr".to_string(), "Huîtres de Zélande".to_string()),
            ]
            .into(),
        ),
        instructions: LocalizedText(
            [(
                "en".to_string(),
                "Do not eat them; bring them back for a refund.".to_string(),
            )]
            .into(),
        ),
        urgent: false,
        deep_link: None,
    }
}

#[test]
fn a_recall_alert_is_a_visible_localised_apns_alert_carrying_the_notice() {
    let notice = oyster_notice();
    let payload = recall_alert(&notice);
    let aps = &payload["aps"];
    assert_eq!(aps["alert"]["title-loc-key"], RECALL_ALERT_TITLE_KEY);
    assert_eq!(aps["alert"]["loc-key"], RECALL_ALERT_BODY_KEY);
    // Visible (an alert, a sound), never a silent background push the system may drop.
    assert!(aps.get("content-available").is_none());
    assert_eq!(aps["sound"], "default");
    assert_eq!(aps["interruption-level"], "time-sensitive");
    assert_eq!(aps["category"], "loyalty.safety");
    assert_eq!(payload["loyalty.recall"], "R-2026-001");
    let link = payload["loyalty.deepLink"].as_str().unwrap();
    assert_eq!(link, "loyalty://recall/R-2026-001");
    validate_link("deep link", link).unwrap();
    // The message rides along and reads back as the same notice: the app matches the lot.
    let message = payload[PUSH_PAYLOAD_KEY]
        .as_str()
        .expect("the message fits");
    assert_eq!(parse_push(message).unwrap(), PushMessage::Recall(notice));
    assert!(payload.to_string().len() <= APNS_MAX_PAYLOAD_BYTES);
}

#[test]
fn a_recall_too_large_for_apns_goes_out_as_the_alert_with_the_notice_id_only() {
    let mut notice = oyster_notice();
    // A notice for 300 lots: valid, but its message alone is larger than APNs takes.
    notice.lots = (0..300).map(|i| format!("L2412-30-{i:03}")).collect();
    notice.validate().unwrap();
    let payload = recall_alert(&notice);
    assert!(payload.get(PUSH_PAYLOAD_KEY).is_none());
    assert!(payload.to_string().len() <= APNS_MAX_PAYLOAD_BYTES);
    assert_eq!(payload["loyalty.recall"], "R-2026-001");
    assert_eq!(payload["aps"]["alert"]["loc-key"], RECALL_ALERT_BODY_KEY);
}

#[test]
fn the_recall_alert_keys_are_translated_in_the_apps_strings() {
    // iOS localises the alert from the app's own Localizable.strings without running the app:
    // each language the app offers must hold both keys, with a non-empty text.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../ios/SampleApp/Resources");
    for lang in ["en", "nl", "fr"] {
        let path = format!("{dir}/{lang}.lproj/Localizable.strings");
        let text = std::fs::read_to_string(&path).expect(&path);
        for key in [RECALL_ALERT_TITLE_KEY, RECALL_ALERT_BODY_KEY] {
            let line = text
                .lines()
                .find(|l| l.starts_with(&format!("\"{key}\" = \"")))
                .unwrap_or_else(|| panic!("{key} missing in {path}"));
            assert!(
                line.ends_with("\";") && line.len() > key.len() + 10,
                "{line}"
            );
        }
    }
}

fn oysters(id: &str, at: DateTime<Utc>, lot: Option<&str>) -> Receipt {
    let mut l = item(&oyster(), "Oysters 12 pcs", 1, "seafood");
    l.lot = lot.map(str::to_string);
    receipt(id, at, vec![l])
}

#[test]
fn oyster_recall_alerts_only_the_shopper_with_the_recalled_lot() {
    let mut w = World::rules(&[]);
    w.cat.recalls = vec![oyster_notice()];
    w.settings.consent.marketing = false;
    let now = utc(2026, 1, 5, 10, 0);
    let affected = vec![oysters("a", utc(2025, 12, 30, 16, 0), Some("L2412-30"))];
    let other_lot = vec![oysters("b", utc(2025, 12, 30, 16, 0), Some("L2412-27"))];

    let p = w.plan(now, &affected);
    assert_eq!(ids(&p), vec!["recall:R-2026-001"]);
    let n = &p.items[0];
    assert_eq!(n.category, Category::Safety);
    assert_eq!(n.kind, ReminderKind::Recall);
    assert_eq!(n.rule_id, "recall");
    assert_eq!(n.at, now);
    assert_eq!(n.title, "Product recall: Zeeland oysters");
    assert_eq!(
        n.body,
        "A product you bought on 30 December 2025 is being recalled: Zeeland oysters. \
         Do not eat them; bring them back for a refund."
    );
    assert!(n
        .reason
        .contains("(lot L2412-30) at Brussels Centre on 30 December 2025"));
    assert_eq!(n.deep_link, "loyalty://recall/R-2026-001");

    let p = w.plan(now, &other_lot);
    assert!(p.items.is_empty() && p.suppressed.is_empty(), "{p:#?}");

    // Lots compare trimmed and case-insensitively.
    let lower = vec![oysters("c", utc(2025, 12, 30, 16, 0), Some(" l2412-30"))];
    assert_eq!(w.plan(now, &lower).items.len(), 1);
    // Bought outside the sale window: not affected.
    let later = vec![oysters("d", utc(2026, 1, 3, 10, 0), Some("L2412-30"))];
    assert!(w.plan(now, &later).items.is_empty());
    // In Dutch.
    w.settings.language = "nl".into();
    let nl = &w.plan(now, &affected).items[0];
    assert_eq!(nl.title, "Terugroepactie: Zeeuwse oesters");
    assert!(nl.body.contains("op 30 december 2025"));

    let matches = matching_recalls(&ReceiptIndex::from_receipts(&affected), &w.cat.recalls, now);
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0].receipt_id, "a");
    assert_eq!(matches[0].lot.as_deref(), Some("L2412-30"));
    assert!(matches[0].certain);
    assert!(matching_recalls(
        &ReceiptIndex::from_receipts(&other_lot),
        &w.cat.recalls,
        now
    )
    .is_empty());
}

#[test]
fn recall_with_unknown_lot_asks_to_check_the_package() {
    let mut w = World::rules(&[]);
    w.cat.recalls = vec![oyster_notice()];
    let now = utc(2026, 1, 5, 10, 0);
    let unknown = vec![oysters("a", utc(2025, 12, 30, 16, 0), None)];
    let p = w.plan(now, &unknown);
    assert_eq!(p.items.len(), 1);
    assert!(p.items[0].body.contains(
        "may be affected by a recall: Zeeland oysters, lot L2412-30. Check the lot number"
    ));
    assert!(p.items[0]
        .reason
        .contains("your receipt does not show the lot"));
    // A certain match wins over an unknown-lot one.
    let mut both = unknown.clone();
    both.push(oysters("b", utc(2025, 12, 28, 16, 0), Some("L2412-30")));
    assert!(w.plan(now, &both).items[0]
        .body
        .contains("is being recalled"));
    // A notice with no lots covers every lot.
    w.cat.recalls[0].lots.clear();
    let p = w.plan(now, &[oysters("c", utc(2025, 12, 30, 16, 0), Some("X"))]);
    assert!(p.items[0]
        .reason
        .starts_with("You bought Zeeland oysters at Brussels Centre"));
    // After the notice ends: nothing.
    assert!(w.plan(utc(2026, 4, 10, 10, 0), &unknown).items.is_empty());
}

#[test]
fn recall_is_never_capped_respects_safety_consent_and_only_urgent_ones_skip_quiet_hours() {
    let mut w = World::rules(&[]);
    w.cat.recalls = vec![oyster_notice()];
    w.quiet(22 * 60, 7 * 60);
    w.settings.caps.total = CapLimit {
        per_day: Some(0),
        per_week: Some(0),
    };
    let affected = vec![oysters("a", utc(2025, 12, 30, 16, 0), Some("L2412-30"))];
    // 23:30 local.
    let night = utc(2026, 1, 5, 22, 30);
    let p = w.plan(night, &affected);
    assert_eq!(
        p.items[0].at,
        utc(2026, 1, 6, 6, 0),
        "postponed to 07:00 local"
    );
    w.cat.recalls[0].urgent = true;
    assert_eq!(w.plan(night, &affected).items[0].at, night);
    // Muting "recall" does not silence safety; dismissing the notice does.
    w.feedback = vec![Feedback::MutedRule {
        rule_id: "recall".into(),
    }];
    assert_eq!(w.plan(night, &affected).items.len(), 1);
    w.feedback = vec![Feedback::Dismissed {
        id: "recall:R-2026-001".into(),
    }];
    assert_eq!(
        suppressed(&w.plan(night, &affected), "recall:R-2026-001"),
        Some(SuppressReason::Dismissed)
    );
    w.feedback.clear();
    w.settings.consent.safety = false;
    let p = w.plan(night, &affected);
    assert!(p.items.is_empty());
    assert_eq!(
        suppressed(&p, "recall:R-2026-001"),
        Some(SuppressReason::NoConsent)
    );
}

// ---------------------------------------------------------------------------------------------
// Recipes and post-purchase content

fn recipes_catalogue() -> Catalogue {
    Catalogue::from_json(&format!(
        r#"{{"version": 1, "recipes": [
            {{"id": "pesto-pasta", "title": {{"en": "Pasta with pesto", "nl": "Pasta met pesto"}},
              "ingredients": [{{"categories": ["pasta"]}}, {{"gtins": ["{basil}"]}}, {{"gtins": ["{pine}"]}}]}},
            {{"id": "tomato-pasta", "title": {{"en": "Tomato pasta"}},
              "body": {{"en": "Ready in 15 minutes."}},
              "ingredients": [{{"categories": ["pasta"]}}, {{"categories": ["tomatoes"]}}]}},
            {{"id": "lasagne", "title": {{"en": "Lasagne"}},
              "ingredients": [{{"categories": ["pasta"]}}, {{"gtins": ["{mince}"]}},
                              {{"gtins": ["{bechamel}"]}}, {{"categories": ["cheese"]}}]}}
        ]}}"#,
        basil = basil(),
        pine = pine(),
        mince = mince(),
        bechamel = bechamel()
    ))
    .unwrap()
}

fn groceries() -> Vec<Receipt> {
    vec![
        receipt(
            "old",
            utc(2026, 2, 1, 10, 0),
            vec![item(&mince(), "Minced beef", 1, "meat")],
        ),
        receipt(
            "today",
            utc(2026, 3, 9, 17, 0),
            vec![
                item(&gtin(541_000_000_050), "Spaghetti", 1, "Pasta"),
                item(&basil(), "Basil", 1, "herbs"),
                item(&pine(), "Pine nuts", 1, "nuts"),
                item(&gtin(541_000_000_051), "Vine tomatoes", 1, "tomatoes"),
            ],
        ),
    ]
}

#[test]
fn recipes_are_ranked_by_overlap_with_recent_purchases() {
    let mut w = World::rules(&[
        r#"{"id": "recipes", "kind": "recipes", "max_suggestions": 3}"#.to_string(),
    ]);
    w.cat = recipes_catalogue();
    let now = utc(2026, 3, 9, 18, 0);
    let p = w.plan(now, &groceries());
    // Pesto pasta (3 of 3) and tomato pasta (2 of 2); lasagne has 1 of 4 within the week
    // (the mince is older), below min_overlap 2.
    assert_eq!(
        ids(&p),
        vec![
            "recipes:pesto-pasta:20260309",
            "recipes:tomato-pasta:20260309"
        ]
    );
    // Bought at 18:00 local, after the 10:00 send time: the next morning.
    assert_eq!(p.items[0].at, utc(2026, 3, 10, 9, 0));
    assert_eq!(p.items[0].title, "Recipe idea: Pasta with pesto");
    assert_eq!(p.items[0].body, "You already have 3 of the 3 ingredients.");
    assert_eq!(
        p.items[0].reason,
        "Suggested because you recently bought Spaghetti, Basil, Pine nuts (3 of 3 ingredients)."
    );
    assert_eq!(p.items[1].body, "Ready in 15 minutes.");
    // Only the best one.
    w.rules.rules[0].spec = RuleSpec::Recipes(RecipesRule::default());
    assert_eq!(
        ids(&w.plan(now, &groceries())),
        vec!["recipes:pesto-pasta:20260309"]
    );
    // Suggested recently: not again.
    w.history = vec![Delivered {
        id: "recipes:pesto-pasta:20260301".into(),
        at: utc(2026, 3, 2, 9, 0),
        category: Category::Marketing,
    }];
    let p = w.plan(now, &groceries());
    assert!(p.items.is_empty());
    assert_eq!(
        suppressed(&p, "recipes:pesto-pasta:20260309"),
        Some(SuppressReason::TooSoon)
    );
    // A week later the purchases are out of the window.
    assert!(w
        .plan(utc(2026, 3, 17, 18, 0), &groceries())
        .items
        .is_empty());
}

fn wine_catalogue(valid_hours: u32) -> Catalogue {
    Catalogue::from_json(&format!(
        r#"{{"version": 1, "content": [
            {{"id": "wine-serving", "products": {{"categories": ["wine"]}},
              "delay_hours": 24, "valid_hours": {valid_hours},
              "title": {{"en": "Serving your sparkling wine", "fr": "Servir votre crémant"}},
              "body": {{"en": "Chill it to 6–8 °C and open it at an angle.",
                        "fr": "Servez-le entre 6 et 8 °C."}}}}
        ]}}"#
    ))
    .unwrap()
}

#[test]
fn wine_bought_on_29_december_gets_serving_tips_before_new_years_eve() {
    let mut w = World::rules(&[r#"{"id": "after-sale", "kind": "post_purchase"}"#.to_string()]);
    w.cat = wine_catalogue(48);
    w.quiet(22 * 60, 8 * 60);
    w.settings.consent.marketing = false;
    // Bought at 22:15 local on 29 December.
    let bought = utc(2025, 12, 29, 21, 15);
    let receipts = vec![receipt(
        "w1",
        bought,
        vec![item(&wine(), "Crémant de Loire", 2, "Wine")],
    )];
    let now = utc(2025, 12, 29, 21, 30);
    let p = w.plan(now, &receipts);
    assert_eq!(ids(&p), vec!["after-sale:wine-serving:w1"]);
    let n = &p.items[0];
    // Due 24 hours later, 22:15 local on the 30th: quiet, so postponed to 08:00 on the 31st —
    // the morning of New Year's Eve, well before the evening.
    assert_eq!(n.at, utc(2025, 12, 31, 7, 0));
    assert!(n.at < utc(2025, 12, 31, 17, 0));
    assert_eq!(n.category, Category::Service);
    assert_eq!(n.kind, ReminderKind::PostPurchase);
    assert_eq!(n.title, "Serving your sparkling wine");
    assert_eq!(n.reason, "You bought Crémant de Loire on 29 December.");
    assert_eq!(n.deep_link, "loyalty://content/wine-serving");
    w.settings.language = "fr-BE".into();
    let fr = &w.plan(now, &receipts).items[0];
    assert_eq!(fr.title, "Servir votre crémant");
    assert_eq!(
        fr.reason,
        "Vous avez acheté «\u{a0}Crémant de Loire\u{a0}» le 29 décembre."
    );

    // Content useful for only 9 hours would be stale by the end of the quiet hours: dropped.
    w.cat = wine_catalogue(9);
    let p = w.plan(now, &receipts);
    assert!(p.items.is_empty());
    assert_eq!(
        suppressed(&p, "after-sale:wine-serving:w1"),
        Some(SuppressReason::Stale)
    );
}

#[test]
fn post_purchase_content_is_not_repeated_for_every_bottle() {
    let mut w = World::rules(&[r#"{"id": "after-sale", "kind": "post_purchase"}"#.to_string()]);
    w.cat = wine_catalogue(48);
    let receipts = vec![receipt(
        "w2",
        utc(2026, 1, 9, 15, 0),
        vec![item(&wine(), "Crémant de Loire", 1, "wine")],
    )];
    w.history = vec![Delivered {
        id: "after-sale:wine-serving:w1".into(),
        at: utc(2025, 12, 31, 7, 0),
        category: Category::Service,
    }];
    let p = w.plan(utc(2026, 1, 9, 16, 0), &receipts);
    assert!(p.items.is_empty());
    assert_eq!(
        suppressed(&p, "after-sale:wine-serving:w2"),
        Some(SuppressReason::TooSoon)
    );
    // Purchases older than the look-back produce nothing.
    assert!(w
        .plan(utc(2026, 2, 9, 16, 0), &receipts)
        .suppressed
        .is_empty());
}

// ---------------------------------------------------------------------------------------------
// Vouchers, tier, lifecycle

fn voucher(id: &str, title: &str, until: DateTime<Utc>) -> Voucher {
    Voucher {
        titles: Default::default(),
        id: id.into(),
        kind: VoucherKind::AmountOff {
            amount: Money::new(500, "EUR").unwrap(),
            min_spend: None,
        },
        title: title.into(),
        description: None,
        code: "V-1".into(),
        valid_from: utc(2026, 3, 1, 0, 0),
        valid_until: until,
        state: VoucherState::Available,
        signature: None,
    }
}

#[test]
fn voucher_expiry_reminds_before_the_last_valid_day() {
    let mut w = World::rules(&[
        r#"{"id": "vexp", "kind": "voucher_expiry", "days_before": [7, 1]}"#.to_string(),
    ]);
    // Valid until midnight local at the end of 31 March.
    w.vouchers = vec![voucher("v1", "€5 off", utc(2026, 3, 31, 23, 0))];
    let p = w.plan(utc(2026, 3, 20, 12, 0), &[]);
    assert_eq!(ids(&p), vec!["vexp:v1:d7", "vexp:v1:d1"]);
    assert_eq!(p.items[0].at, utc(2026, 3, 24, 9, 0));
    assert_eq!(p.items[0].title, "Your voucher expires in 7 days");
    assert_eq!(p.items[1].title, "Your voucher expires tomorrow");
    assert_eq!(p.items[0].category, Category::Service);
    assert_eq!(p.items[0].deep_link, "loyalty://wallet/v1");
    assert_eq!(
        p.items[0].body,
        "Use “€5 off” by 31 March: show it at the till or use it online."
    );
    // Learned late: the passed threshold comes now, with the real count.
    let p = w.plan(utc(2026, 3, 27, 12, 0), &[]);
    assert_eq!(p.items[0].id, "vexp:v1:d7");
    assert_eq!(p.items[0].at, utc(2026, 3, 27, 12, 0));
    assert_eq!(p.items[0].title, "Your voucher expires in 4 days");
    // Both thresholds passed: only the latest one.
    let p = w.plan(utc(2026, 3, 31, 12, 0), &[]);
    assert_eq!(ids(&p), vec!["vexp:v1:d1"]);
    assert_eq!(p.items[0].title, "Your voucher expires today");
    // Used, expired, or an event invitation: nothing.
    w.vouchers[0].state = VoucherState::Redeemed {
        at: utc(2026, 3, 10, 0, 0),
    };
    assert!(w.plan(utc(2026, 3, 20, 12, 0), &[]).items.is_empty());
    w.vouchers[0].state = VoucherState::Available;
    assert!(w.plan(utc(2026, 4, 1, 12, 0), &[]).items.is_empty());
    // Dutch and French plurals.
    w.settings.language = "nl".into();
    assert_eq!(
        w.plan(utc(2026, 3, 20, 12, 0), &[]).items[0].title,
        "Je waardebon verloopt over 7 dagen"
    );
    w.settings.language = "fr".into();
    let fr = w.plan(utc(2026, 3, 20, 12, 0), &[]);
    assert_eq!(fr.items[0].title, "Votre bon expire dans 7 jours");
    assert!(fr.items[0].reason.contains("valable jusqu'au 31 mars"));
}

#[test]
fn tier_progress_when_close_to_the_next_tier() {
    let mut w = World::rules(&[
        r#"{"id": "tier", "kind": "tier_progress", "max_points_to_next": 500}"#.to_string(),
    ]);
    let status = |points: Option<i64>| TierStatus {
        next_tier_names: Default::default(),
        tier_names: Default::default(),
        tier: "Silver".into(),
        qualifying_points: 4_800,
        window_start: utc(2025, 3, 10, 12, 0),
        next_tier: points.map(|_| "Gold".into()),
        points_to_next_tier: points,
    };
    let now = utc(2026, 3, 10, 8, 0);
    w.tier = Some(status(Some(200)));
    let p = w.plan(now, &[]);
    assert_eq!(ids(&p), vec!["tier:Gold:202603"]);
    assert_eq!(p.items[0].at, utc(2026, 3, 10, 9, 0));
    assert_eq!(p.items[0].title, "Only 200 points to Gold");
    assert_eq!(
        p.items[0].reason,
        "You have collected 4800 qualifying points since 10 March 2025 as a Silver member."
    );
    w.tier = Some(status(Some(800)));
    assert!(w.plan(now, &[]).items.is_empty());
    w.tier = Some(status(None));
    assert!(w.plan(now, &[]).items.is_empty());
    w.tier = Some(status(Some(1)));
    assert_eq!(w.plan(now, &[]).items[0].title, "Only 1 point to Gold");
    // Shown last month: not again within 30 days.
    w.history = vec![Delivered {
        id: "tier:Gold:202602".into(),
        at: utc(2026, 2, 20, 9, 0),
        category: Category::Marketing,
    }];
    assert_eq!(
        suppressed(&w.plan(now, &[]), "tier:Gold:202603"),
        Some(SuppressReason::TooSoon)
    );
}

fn lifecycle_world() -> World {
    World::rules(&[
        r#"{"id": "welcome", "kind": "welcome"}"#.to_string(),
        r#"{"id": "second", "kind": "second_purchase", "after_days": 14}"#.to_string(),
        r#"{"id": "winback", "kind": "win_back", "inactive_days": 60}"#.to_string(),
        r#"{"id": "survey", "kind": "survey", "delay_hours": 48}"#.to_string(),
    ])
}

#[test]
fn welcome_after_enrolment() {
    let mut w = lifecycle_world();
    w.enrolled = Some(utc(2026, 3, 10, 11, 30));
    let p = w.plan(utc(2026, 3, 10, 12, 0), &[]);
    assert_eq!(ids(&p), vec!["welcome:member:20260310"]);
    assert_eq!(p.items[0].at, utc(2026, 3, 10, 12, 30));
    assert_eq!(p.items[0].category, Category::Service);
    assert_eq!(
        p.items[0].reason,
        "You joined the loyalty programme on 10 March."
    );
    assert!(w.plan(utc(2026, 3, 18, 12, 0), &[]).items.is_empty());
}

#[test]
fn second_purchase_nudge_then_survey_after_the_second_purchase() {
    let w = lifecycle_world();
    let first = receipt(
        "first",
        utc(2026, 3, 1, 10, 0),
        vec![item(&wine(), "Wine", 1, "wine")],
    );
    let p = w.plan(utc(2026, 3, 10, 12, 0), std::slice::from_ref(&first));
    assert_eq!(ids(&p), vec!["second:first:first"]);
    assert_eq!(p.items[0].at, utc(2026, 3, 15, 9, 0));
    assert_eq!(
        p.items[0].body,
        "Your first purchase was 14 days ago. See what is on offer this week."
    );
    // The second purchase ends the nudge and brings the survey, 48 hours later.
    let second = receipt(
        "second",
        utc(2026, 3, 9, 10, 0),
        vec![item(&wine(), "Wine", 1, "wine")],
    );
    let p = w.plan(utc(2026, 3, 10, 12, 0), &[first.clone(), second.clone()]);
    assert_eq!(ids(&p), vec!["survey:second:second"]);
    assert_eq!(p.items[0].at, utc(2026, 3, 11, 10, 0));
    assert_eq!(p.items[0].deep_link, "loyalty://survey/second");
    assert_eq!(
        p.items[0].body,
        "Tell us about your visit to Brussels Centre on 9 March. It takes a minute."
    );
    // Done once: not again.
    let mut w2 = lifecycle_world();
    w2.history = vec![Delivered {
        id: "survey:second:second".into(),
        at: utc(2026, 3, 11, 10, 0),
        category: Category::Service,
    }];
    let p = w2.plan(utc(2026, 3, 12, 12, 0), &[first, second]);
    assert_eq!(
        suppressed(&p, "survey:second:second"),
        Some(SuppressReason::AlreadyDelivered)
    );
}

#[test]
fn win_back_after_inactivity() {
    let w = lifecycle_world();
    let a = receipt(
        "a",
        utc(2025, 12, 1, 10, 0),
        vec![item(&wine(), "Wine", 1, "wine")],
    );
    let b = receipt(
        "b",
        utc(2026, 1, 1, 10, 0),
        vec![item(&wine(), "Wine", 1, "wine")],
    );
    // 68 days after the last purchase: due since day 60, sent now.
    let now = utc(2026, 3, 10, 12, 0);
    let p = w.plan(now, &[a.clone(), b.clone()]);
    assert_eq!(ids(&p), vec!["winback:last:b"]);
    assert_eq!(p.items[0].at, now);
    assert_eq!(
        p.items[0].body,
        "Your last visit was 68 days ago. See what is new."
    );
    assert_eq!(
        p.items[0].reason,
        "Your last purchase with your card was on 1 January."
    );
    // Active shoppers and long-gone ones get nothing.
    assert!(w
        .plan(utc(2026, 1, 20, 12, 0), &[a.clone(), b.clone()])
        .items
        .is_empty());
    assert!(w.plan(utc(2026, 5, 1, 12, 0), &[a, b]).items.is_empty());
}

#[test]
fn member_event_invitation_by_tier_and_history() {
    let rule = r#"{"id": "presale", "kind": "event_invitation", "days_before": 7,
        "event": {"name": {"en": "Members-only pre-sale evening", "nl": "Exclusieve voorverkoopavond"},
                  "location": "Brussels Centre",
                  "starts_at": "2026-03-26T18:00:00Z", "ends_at": "2026-03-26T21:00:00Z"},
        "eligibility": {"tiers": ["gold"], "min_receipts": 3, "within_days": 365}}"#;
    let mut w = World::rules(&[rule.to_string()]);
    let gold = TierStatus {
        next_tier_names: Default::default(),
        tier_names: Default::default(),
        tier: "Gold".into(),
        qualifying_points: 6_000,
        window_start: utc(2025, 3, 15, 0, 0),
        next_tier: None,
        points_to_next_tier: None,
    };
    let visits: Vec<Receipt> = (1..=3)
        .map(|m| {
            receipt(
                &format!("v{m}"),
                utc(2026, m, 5, 10, 0),
                vec![item(&wine(), "Wine", 1, "wine")],
            )
        })
        .collect();
    let now = utc(2026, 3, 15, 12, 0);
    w.tier = Some(gold.clone());
    let p = w.plan(now, &visits);
    assert_eq!(ids(&p), vec!["presale:event:20260326"]);
    let n = &p.items[0];
    assert_eq!(n.at, utc(2026, 3, 19, 9, 0));
    assert_eq!(n.title, "You are invited: Members-only pre-sale evening");
    assert_eq!(
        n.body,
        "Members-only pre-sale evening on 26 March at 19:00, Brussels Centre. See you in 7 days!"
    );
    assert_eq!(
        n.reason,
        "You are invited as a Gold member who shopped with us 3 times in the last 365 days."
    );
    assert_eq!(n.deep_link, "loyalty://events/presale");
    // Not Gold, or too few visits: not invited.
    w.tier = Some(TierStatus {
        tier: "Member".into(),
        ..gold.clone()
    });
    assert!(w.plan(now, &visits).items.is_empty());
    w.tier = None;
    assert!(w.plan(now, &visits).items.is_empty());
    w.tier = Some(gold);
    assert!(w.plan(now, &visits[..1]).items.is_empty());
    // After the event starts: nothing.
    assert!(w.plan(utc(2026, 3, 26, 19, 0), &visits).items.is_empty());
}

#[test]
fn event_invitation_vouchers_in_the_wallet_are_reminded() {
    let mut w = World::rules(&[
        r#"{"id": "events", "kind": "event_invitation", "days_before": 1}"#.to_string(),
        r#"{"id": "vexp", "kind": "voucher_expiry"}"#.to_string(),
    ]);
    let mut v = voucher("inv-1", "Pre-sale evening", utc(2026, 3, 26, 21, 0));
    v.kind = VoucherKind::EventInvitation {
        event_name: "Pre-sale evening".into(),
        location: "Ghent".into(),
        starts_at: utc(2026, 3, 26, 18, 0),
        ends_at: utc(2026, 3, 26, 21, 0),
    };
    w.vouchers = vec![v];
    let p = w.plan(utc(2026, 3, 20, 12, 0), &[]);
    // The invitation reminder only: invitations get no expiry reminder.
    assert_eq!(ids(&p), vec!["events:inv-1:event"]);
    assert_eq!(p.items[0].at, utc(2026, 3, 25, 9, 0));
    assert!(p.items[0].body.ends_with("Ghent. It is tomorrow!"));
    assert_eq!(
        p.items[0].reason,
        "You have an invitation to Pre-sale evening in your wallet."
    );
}

// ---------------------------------------------------------------------------------------------
// Policy

#[test]
fn consent_per_category() {
    let mut w = World::rules(&[
        dog_rule(""),
        r#"{"id": "vexp", "kind": "voucher_expiry", "days_before": [1]}"#.to_string(),
    ]);
    w.vouchers = vec![voucher("v1", "€5 off", utc(2026, 5, 24, 23, 0))];
    let now = utc(2026, 5, 15, 12, 0);
    let dog_id = format!("dog-food:{}:20260427", dog());
    assert_eq!(w.plan(now, &dog_history()).items.len(), 2);
    w.settings.consent.marketing = false;
    let p = w.plan(now, &dog_history());
    assert_eq!(ids(&p), vec!["vexp:v1:d1"]);
    assert_eq!(suppressed(&p, &dog_id), Some(SuppressReason::NoConsent));
    w.settings.consent = Consent {
        marketing: true,
        service: false,
        safety: true,
        location: false,
    };
    let p = w.plan(now, &dog_history());
    assert_eq!(ids(&p), vec![dog_id.as_str()]);
    assert_eq!(
        suppressed(&p, "vexp:v1:d1"),
        Some(SuppressReason::NoConsent)
    );
    // A rule may move itself to service, not to safety.
    let service = World::rules(&[dog_rule(r#", "category": "service""#)]);
    assert_eq!(
        service.plan(now, &dog_history()).items[0].category,
        Category::Service
    );
    assert!(RuleSet::from_json(&format!(
        r#"{{"version": 1, "rules": [{}]}}"#,
        dog_rule(r#", "category": "safety""#)
    ))
    .is_err());
}

#[test]
fn quiet_hours_postpone_across_midnight_and_within_a_day() {
    let q = QuietHours {
        start_minute: 22 * 60,
        end_minute: 7 * 60,
    };
    assert_eq!(q.minutes_until_end(23 * 60), Some(8 * 60));
    assert_eq!(q.minutes_until_end(30), Some(6 * 60 + 30));
    assert_eq!(q.minutes_until_end(7 * 60), None);
    assert_eq!(q.minutes_until_end(21 * 60 + 59), None);
    let day = QuietHours {
        start_minute: 12 * 60,
        end_minute: 14 * 60,
    };
    assert_eq!(day.minutes_until_end(12 * 60 + 30), Some(90));
    assert_eq!(day.minutes_until_end(14 * 60), None);

    // A voucher reminder at 23:00 local moves to 07:00 the next morning.
    let mut w = World::rules(&[
        r#"{"id": "vexp", "kind": "voucher_expiry", "days_before": [2], "send_at": "23:00"}"#
            .to_string(),
    ]);
    w.vouchers = vec![voucher("v1", "€5 off", utc(2026, 3, 31, 23, 0))];
    w.quiet(22 * 60, 7 * 60);
    let p = w.plan(utc(2026, 3, 20, 12, 0), &[]);
    assert_eq!(p.items[0].at, utc(2026, 3, 30, 6, 0));
    assert_eq!(p.items[0].title, "Your voucher expires tomorrow");
    // Quiet hours within the day.
    w.rules.rules[0].send_at = LocalTime::hm(12, 30);
    w.quiet(12 * 60, 14 * 60);
    assert_eq!(
        w.plan(utc(2026, 3, 20, 12, 0), &[]).items[0].at,
        utc(2026, 3, 29, 13, 0)
    );
    // The validation refuses a quiet period of zero length.
    w.quiet(600, 600);
    assert!(plan(&w.input(utc(2026, 3, 20, 12, 0)), &[]).is_err());
}

#[test]
fn frequency_caps_per_day_and_week_move_the_rest_to_the_next_day() {
    let mut w = World::rules(&[
        r#"{"id": "vexp", "kind": "voucher_expiry", "days_before": [7]}"#.to_string(),
    ]);
    w.vouchers = vec![
        voucher("v-a", "A", utc(2026, 3, 31, 23, 0)),
        voucher("v-b", "B", utc(2026, 3, 31, 23, 0)),
        voucher("v-c", "C", utc(2026, 3, 31, 23, 0)),
    ];
    w.settings.caps.total.per_day = Some(1);
    let p = w.plan(utc(2026, 3, 20, 12, 0), &[]);
    assert_eq!(ids(&p), vec!["vexp:v-a:d7", "vexp:v-b:d7", "vexp:v-c:d7"]);
    let days: Vec<_> = p.items.iter().map(|n| n.at).collect();
    assert_eq!(
        days,
        vec![
            utc(2026, 3, 24, 9, 0),
            utc(2026, 3, 25, 9, 0),
            utc(2026, 3, 26, 9, 0)
        ]
    );
    // A notification delivered on Monday 23 March (of any category) counts in that week's
    // total: with 2 a week, one more fits on the 24th and the other two wait for Monday 30th.
    w.history = vec![Delivered {
        id: "push:x".into(),
        at: utc(2026, 3, 23, 9, 0),
        category: Category::Marketing,
    }];
    w.settings.caps.total = CapLimit {
        per_day: None,
        per_week: Some(2),
    };
    let monday = utc(2026, 3, 23, 12, 0);
    let p = w.plan(monday, &[]);
    let days: Vec<_> = p.items.iter().map(|n| (n.id.as_str(), n.at)).collect();
    assert_eq!(
        days,
        vec![
            ("vexp:v-a:d7", utc(2026, 3, 24, 9, 0)),
            ("vexp:v-b:d7", utc(2026, 3, 30, 9, 0)),
            ("vexp:v-c:d7", utc(2026, 3, 30, 9, 0))
        ]
    );
    // Per category, one a day and one a week: the third finds no room before the vouchers
    // expire (end of 31 March) and is suppressed. Marketing history does not count here.
    w.settings.caps.total = CapLimit::default();
    w.settings.caps.service = CapLimit {
        per_day: Some(1),
        per_week: Some(1),
    };
    let p = w.plan(monday, &[]);
    assert_eq!(ids(&p), vec!["vexp:v-a:d7", "vexp:v-b:d7"]);
    assert_eq!(p.items[1].at, utc(2026, 3, 30, 9, 0));
    assert_eq!(suppressed(&p, "vexp:v-c:d7"), Some(SuppressReason::Capped));
}

#[test]
fn caps_admit_the_higher_priority_first_and_marketing_weekly_cap_counts_history() {
    let mut w = World::rules(&[
        dog_rule(r#", "priority": -5"#),
        r#"{"id": "tier", "kind": "tier_progress", "priority": 10, "send_at": "10:00"}"#
            .to_string(),
    ]);
    w.tier = Some(TierStatus {
        next_tier_names: Default::default(),
        tier_names: Default::default(),
        tier: "Silver".into(),
        qualifying_points: 4_800,
        window_start: utc(2025, 5, 22, 0, 0),
        next_tier: Some("Gold".into()),
        points_to_next_tier: Some(200),
    });
    w.settings.caps.marketing.per_day = Some(1);
    // Both due on Friday 22 May at 10:00 local.
    let now = utc(2026, 5, 22, 7, 0);
    let p = w.plan(now, &dog_history());
    assert_eq!(p.items[0].id, "tier:Gold:202605");
    assert_eq!(p.items[0].at, utc(2026, 5, 22, 9, 0));
    assert_eq!(p.items[1].kind, ReminderKind::Replenishment);
    assert_eq!(p.items[1].at, utc(2026, 5, 23, 9, 0));
    // With a weekly marketing cap of 1 already used on Monday, both wait for next Monday
    // (25 May) — only the one that is still useful then survives.
    w.settings.caps.marketing = CapLimit {
        per_day: Some(1),
        per_week: Some(1),
    };
    w.history = vec![Delivered {
        id: "push:monday".into(),
        at: utc(2026, 5, 18, 9, 0),
        category: Category::Marketing,
    }];
    let p = w.plan(now, &dog_history());
    assert_eq!(ids(&p).len(), 1);
    assert_eq!(p.items[0].at, utc(2026, 5, 25, 9, 0));
    assert_eq!(p.items[0].kind, ReminderKind::Replenishment);
    assert_eq!(
        p.items[0].body,
        "Your Dog food 12 kg is probably running out today. Add it to your shopping list?"
    );
    assert_eq!(
        suppressed(&p, "tier:Gold:202605"),
        Some(SuppressReason::Capped)
    );
}

#[test]
fn no_duplicates_from_history_or_from_two_rules_about_one_product() {
    let mut w = World::rules(&[
        dog_rule(""),
        format!(
            r#"{{"id": "dog-gtin", "kind": "replenishment", "priority": 5,
                "products": {{"gtins": ["{}"]}}}}"#,
            dog()
        ),
    ]);
    let now = utc(2026, 5, 15, 12, 0);
    let p = w.plan(now, &dog_history());
    // Both rules predict the same product: the higher priority wins.
    assert_eq!(ids(&p), vec![format!("dog-gtin:{}:20260427", dog())]);
    assert_eq!(
        suppressed(&p, &format!("dog-food:{}:20260427", dog())),
        Some(SuppressReason::Duplicate)
    );
    // Delivered already: not planned again, and the other rule does not step in for it.
    w.history = vec![Delivered {
        id: format!("dog-gtin:{}:20260427", dog()),
        at: utc(2026, 5, 22, 9, 0),
        category: Category::Marketing,
    }];
    let p = w.plan(utc(2026, 5, 23, 12, 0), &dog_history());
    assert!(p.items.is_empty(), "{:#?}", p.items);
    assert_eq!(
        suppressed(&p, &format!("dog-gtin:{}:20260427", dog())),
        Some(SuppressReason::AlreadyDelivered)
    );
    assert_eq!(
        suppressed(&p, &format!("dog-food:{}:20260427", dog())),
        Some(SuppressReason::Duplicate)
    );
    // History dated after now (scheduled by an older plan, not shown) does not count.
    let p = w.plan(utc(2026, 5, 15, 12, 0), &dog_history());
    assert_eq!(ids(&p), vec![format!("dog-gtin:{}:20260427", dog())]);
}

#[test]
fn dismiss_snooze_and_mute() {
    let mut w = World::rules(&[dog_rule("")]);
    let now = utc(2026, 5, 15, 12, 0);
    let id = format!("dog-food:{}:20260427", dog());
    w.feedback = vec![Feedback::Dismissed { id: id.clone() }];
    let p = w.plan(now, &dog_history());
    assert!(p.items.is_empty());
    assert_eq!(suppressed(&p, &id), Some(SuppressReason::Dismissed));
    w.feedback = vec![Feedback::Snoozed {
        id: id.clone(),
        until: utc(2026, 5, 24, 15, 0),
    }];
    let p = w.plan(now, &dog_history());
    assert_eq!(p.items[0].at, utc(2026, 5, 24, 15, 0));
    assert!(p.items[0].body.contains("tomorrow"));
    // Snoozed past its usefulness: stale. (Dog food is all this shopper buys: no shop passes
    // without it, so the probability holds for as long as the engine looks, a year.)
    w.feedback = vec![Feedback::Snoozed {
        id: id.clone(),
        until: utc(2027, 7, 10, 9, 0),
    }];
    assert_eq!(
        suppressed(&w.plan(now, &dog_history()), &id),
        Some(SuppressReason::Stale)
    );
    w.feedback = vec![Feedback::MutedRule {
        rule_id: "dog-food".into(),
    }];
    assert_eq!(
        suppressed(&w.plan(now, &dog_history()), &id),
        Some(SuppressReason::RuleMuted)
    );
    // Feedback is JSON the app can store.
    let json = serde_json::to_string(&w.feedback).unwrap();
    assert_eq!(json, r#"[{"action":"muted_rule","rule_id":"dog-food"}]"#);
    let back: Vec<Feedback> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, w.feedback);
}

#[test]
fn horizon_and_recompute_time() {
    let mut w = World::rules(&[dog_rule("")]);
    w.settings.horizon_days = 3;
    let now = utc(2026, 5, 15, 12, 0);
    let p = w.plan(now, &dog_history());
    assert!(p.items.is_empty(), "due on 22 May, beyond a 3-day horizon");
    assert!(p.suppressed.is_empty());
    // Next local midnight (UTC+1).
    assert_eq!(p.recompute_at, utc(2026, 5, 15, 23, 0));
    w.settings.horizon_days = 0;
    assert!(plan(&w.input(now), &[]).is_err());
}

#[test]
fn plans_are_deterministic_whatever_the_input_order() {
    let mut w = all_kinds_world();
    let now = utc(2026, 11, 5, 7, 0);
    let receipts = all_kinds_receipts();
    let a = w.plan(now, &receipts);
    assert!(a.items.len() >= 10, "{:#?}", a.items);
    let mut reversed = receipts.clone();
    reversed.reverse();
    let b = w.plan(now, &reversed);
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    // Incremental index: the same plan, and a duplicate receipt is ignored.
    let mut index = ReceiptIndex::new();
    for r in reversed.iter() {
        assert!(index.insert(r));
    }
    assert!(!index.insert(&receipts[0]));
    assert_eq!(index.receipt_count(), receipts.len());
    assert_eq!(plan_with_index(&w.input(now), &index).unwrap(), a);
    w.vouchers.reverse();
    assert_eq!(w.plan(now, &receipts), a);
}

/// One world in which every rule kind produces a notification on 5 November 2026.
fn all_kinds_world() -> World {
    let mut w = World::rules(&[
        // Dog food was not in the last two shops: a lower bar than the default 50 %.
        dog_rule(r#", "grace_days": 60, "lead_days": 0, "min_likelihood_percent": 40"#),
        salt_rule(r#", "gates": [{"type": "forecast_min_temp_at_most", "c_tenths": 0}]"#),
        r#"{"id": "recipes", "kind": "recipes"}"#.to_string(),
        r#"{"id": "after-sale", "kind": "post_purchase"}"#.to_string(),
        r#"{"id": "vexp", "kind": "voucher_expiry", "days_before": [3]}"#.to_string(),
        r#"{"id": "tier", "kind": "tier_progress"}"#.to_string(),
        r#"{"id": "welcome", "kind": "welcome"}"#.to_string(),
        r#"{"id": "second", "kind": "second_purchase", "after_days": 7, "valid_days": 365}"#
            .to_string(),
        r#"{"id": "survey", "kind": "survey", "valid_days": 365}"#.to_string(),
        r#"{"id": "winback", "kind": "win_back", "inactive_days": 7}"#.to_string(),
        r#"{"id": "presale", "kind": "event_invitation",
            "event": {"name": {"en": "Pre-sale", "fr": "Prévente"}, "starts_at": "2026-11-10T18:00:00Z",
                      "ends_at": "2026-11-10T21:00:00Z"}}"#
            .to_string(),
    ]);
    let mut cat = recipes_catalogue();
    cat.content = wine_catalogue(96).content;
    cat.recalls = vec![RecallNotice {
        sold_from: utc(2026, 10, 1, 0, 0),
        sold_until: utc(2026, 11, 1, 0, 0),
        published_at: utc(2026, 11, 4, 9, 0),
        ..oyster_notice()
    }];
    w.cat = cat;
    w.ctx.forecast_min_temp_c_tenths = Some(-15);
    w.vouchers = vec![
        voucher("v2", "Free coffee", utc(2026, 11, 7, 23, 0)),
        voucher("v1", "€5 off", utc(2026, 11, 8, 23, 0)),
    ];
    w.tier = Some(TierStatus {
        next_tier_names: Default::default(),
        tier_names: Default::default(),
        tier: "Silver".into(),
        qualifying_points: 4_800,
        window_start: utc(2025, 11, 5, 0, 0),
        next_tier: Some("Gold".into()),
        points_to_next_tier: Some(200),
    });
    w.enrolled = Some(utc(2026, 11, 4, 12, 0));
    w.pushes = vec![parse_push(
        r#"{"version": 1, "type": "message", "id": "autumn", "category": "marketing",
            "title": {"en": "Autumn offers"}, "body": {"en": "New this week."}}"#,
    )
    .unwrap()];
    w
}

fn all_kinds_receipts() -> Vec<Receipt> {
    let mut v = Vec::new();
    // Dog food every four weeks until 22 October.
    for i in 0..5 {
        v.push(dog_food(
            &format!("d{i}"),
            utc(2026, 6, 25, 10, 0) + Duration::days(28 * i),
            1,
        ));
    }
    v.push(salt_bought("s", utc(2025, 11, 12, 9, 0)));
    v.push(oysters("o", utc(2026, 10, 30, 16, 0), Some("L2412-30")));
    v.push(receipt(
        "g",
        utc(2026, 11, 4, 17, 0),
        vec![
            item(&gtin(541_000_000_050), "Spaghetti", 1, "pasta"),
            item(&basil(), "Basil", 1, "herbs"),
            item(&wine(), "Crémant", 1, "wine"),
        ],
    ));
    v
}

#[test]
fn every_rule_kind_explains_itself_in_every_language() {
    let mut w = all_kinds_world();
    let now = utc(2026, 11, 5, 7, 0);
    let receipts = all_kinds_receipts();
    for lang in ["en", "nl-NL", "fr-BE", "de"] {
        w.settings.language = lang.into();
        let p = w.plan(now, &receipts);
        let kinds: std::collections::BTreeSet<ReminderKind> =
            p.items.iter().map(|n| n.kind).collect();
        for k in [
            ReminderKind::Replenishment,
            ReminderKind::Seasonal,
            ReminderKind::Recall,
            ReminderKind::Recipe,
            ReminderKind::PostPurchase,
            ReminderKind::VoucherExpiry,
            ReminderKind::TierProgress,
            ReminderKind::Welcome,
            ReminderKind::Survey,
            ReminderKind::WinBack,
            ReminderKind::EventInvitation,
            ReminderKind::Push,
        ] {
            assert!(kinds.contains(&k), "{lang}: no {k:?} in {:#?}", p.items);
        }
        if lang == "de" {
            // Unsupported: English.
            assert!(p
                .items
                .iter()
                .any(|n| n.title == "Time for road salt again?"));
        }
        if lang == "fr-BE" {
            assert!(p
                .items
                .iter()
                .any(|n| n.title == "Vous êtes invité\u{a0}: Prévente"));
        }
    }
}

#[test]
fn a_membership_that_does_not_renew_is_reminded_before_it_ends_and_not_after() {
    use crate::membership::{Membership, PlanName};
    let w = World::rules(&[
        r#"{"id": "plus", "kind": "membership_renewal", "days_before": [14, 2]}"#.to_string(),
    ]);
    let mut m = Membership {
        plan: "plus".into(),
        name: PlanName(crate::lang::Trilingual {
            nl: "Plus".into(),
            fr: "Plus".into(),
            en: "Plus".into(),
        }),
        started_at: utc(2026, 1, 10, 9, 0),
        ends_at: utc(2027, 1, 10, 9, 0),
        auto_renews: false,
        points_percent: 200,
    };
    let renewals = |m: &Membership, now: DateTime<Utc>, lang: &str| {
        let mut w = World::rules(&[
            r#"{"id": "plus", "kind": "membership_renewal", "days_before": [14, 2]}"#.to_string(),
        ]);
        w.settings.language = lang.into();
        let mut input = w.input(now);
        input.membership = Some(m);
        let p = plan(&input, &[]).unwrap();
        check_plan(&p, now);
        p.items
            .into_iter()
            .filter(|n| n.kind == ReminderKind::MembershipRenewal)
            .map(|n| (n.at, n.title, n.body))
            .collect::<Vec<_>>()
    };
    // 20 days before the end: 14 days and 2 days before its last day, at 10:00 local.
    let due = renewals(&m, utc(2026, 12, 21, 12, 0), "en");
    assert_eq!(due.len(), 2, "{due:?}");
    assert_eq!(due[0].0, utc(2026, 12, 27, 9, 0));
    assert_eq!(due[0].1, "Your Plus membership ends soon");
    assert!(
        due[0].2.contains("10 January") || due[0].2.contains("Jan"),
        "{}",
        due[0].2
    );
    assert!(renewals(&m, utc(2026, 12, 21, 12, 0), "nl-BE")[0]
        .1
        .contains("loopt binnenkort af"));
    assert!(renewals(&m, utc(2026, 12, 21, 12, 0), "fr-BE")[0]
        .1
        .contains("prend bientôt fin"));
    // Ended: nothing; renewing by itself: nothing; no membership: nothing.
    assert!(renewals(&m, utc(2027, 1, 10, 9, 0), "en").is_empty());
    m.auto_renews = true;
    assert!(renewals(&m, utc(2026, 12, 21, 12, 0), "en").is_empty());
    let input = w.input(utc(2026, 12, 21, 12, 0));
    assert!(plan(&input, &[]).unwrap().items.is_empty());
}

#[test]
fn the_survey_reminder_ends_once_the_survey_is_answered() {
    let w = all_kinds_world();
    let now = utc(2026, 11, 5, 7, 0);
    let receipts = all_kinds_receipts();
    let surveys = |input: &PlanInput<'_>| {
        plan(input, &receipts)
            .unwrap()
            .items
            .iter()
            .filter(|n| n.kind == ReminderKind::Survey)
            .count()
    };
    let mut input = w.input(now);
    assert_eq!(surveys(&input), 1);
    input.survey_answered = true;
    assert_eq!(surveys(&input), 0);
}

#[test]
fn rule_overrides_and_the_plan_as_json() {
    let w = World::rules(&[dog_rule(
        r#", "deep_link": "https://shop.example/dog-food?from=reminder",
            "label": {"en": "kibble", "nl": "brokjes"}, "send_at": "18:30", "category": "service""#,
    )]);
    let p = w.plan(utc(2026, 5, 15, 12, 0), &dog_history());
    let n = &p.items[0];
    assert_eq!(n.deep_link, "https://shop.example/dog-food?from=reminder");
    assert_eq!(n.title, "Running low on kibble?");
    assert_eq!(n.at, utc(2026, 5, 22, 17, 30));
    assert_eq!(n.category, Category::Service);
    // What the facade hands to Kotlin and Swift, field by field.
    let v: serde_json::Value = serde_json::to_value(&p).unwrap();
    let item = &v["items"][0];
    assert_eq!(item["id"], format!("dog-food:{}:20260427", dog()));
    assert_eq!(item["at"], "2026-05-22T17:30:00Z");
    assert_eq!(item["category"], "service");
    assert_eq!(item["kind"], "replenishment");
    assert_eq!(item["rule_id"], "dog-food");
    for key in ["title", "body", "deep_link", "reason"] {
        assert!(item[key].as_str().is_some_and(|s| !s.is_empty()), "{key}");
    }
    assert_eq!(v["recompute_at"], "2026-05-15T23:00:00Z");
    let back: Plan = serde_json::from_value(v).unwrap();
    assert_eq!(back, p);
}

// ---------------------------------------------------------------------------------------------
// Localization

#[test]
fn locales_load_and_every_message_formats_in_every_language() {
    let l = localizer();
    assert!(l.load_errors.is_empty(), "{:?}", l.load_errors);
    let en = SOURCES[0].1;
    let ids: Vec<&str> = en
        .lines()
        .filter_map(|line| line.split_once(" =").map(|(id, _)| id))
        .filter(|id| {
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        .collect();
    assert!(ids.len() > 50, "{ids:?}");
    let mut args = fluent_bundle::FluentArgs::new();
    for k in [
        "product",
        "date",
        "temp",
        "instructions",
        "lots",
        "lot",
        "store",
        "recipe",
        "products",
        "voucher",
        "offer",
        "tier",
        "current",
        "event",
        "time",
        "location",
        "month",
        "first",
        "reason",
        "plan",
    ] {
        args.set(k, "X");
    }
    for k in [
        "days_left",
        "count",
        "bought",
        "shops",
        "interval",
        "quantity",
        "matched",
        "total",
        "days",
        "points",
        "qualifying",
        "day",
        "year",
        "items",
    ] {
        args.set(k, 2);
    }
    for lang in Lang::ALL {
        for id in &ids {
            assert!(l.has_message(lang, id), "{} lacks {id}", lang.code());
            let mut errors = Vec::new();
            let s = l.format_checked(lang, id, Some(&args), &mut errors);
            assert!(errors.is_empty(), "{}/{id}: {errors:?}", lang.code());
            assert!(
                !s.contains(['\u{2068}', '\u{2069}']),
                "{}/{id}",
                lang.code()
            );
        }
    }
}

#[test]
fn plurals_dates_and_numbers_per_language() {
    let l = localizer();
    let f = |lang, id: &str, days: i64| {
        let mut a = fluent_bundle::FluentArgs::new();
        a.set("days", days);
        l.format(lang, id, Some(&a))
    };
    assert!(f(Lang::En, "win-back-body", 1).starts_with("Your last visit was 1 day ago"));
    assert!(f(Lang::En, "win-back-body", 2).starts_with("Your last visit was 2 days ago"));
    assert!(f(Lang::Nl, "win-back-body", 1).starts_with("Je laatste bezoek was 1 dag geleden"));
    assert!(f(Lang::Nl, "win-back-body", 21).starts_with("Je laatste bezoek was 21 dagen"));
    assert!(f(Lang::Fr, "win-back-body", 1).contains("il y a 1 jour."));
    assert!(f(Lang::Fr, "win-back-body", 2).contains("il y a 2 jours."));
    // French "one" covers 0 and 1 (CLDR); English "one" only 1.
    let points = |lang, n: i64| {
        let mut a = fluent_bundle::FluentArgs::new();
        a.set("qualifying", n);
        a.set("date", "X");
        a.set("current", "Member");
        l.format(lang, "tier-progress-reason", Some(&a))
    };
    assert!(points(Lang::Fr, 0).contains("0 point qualifiant "));
    assert!(points(Lang::En, 0).contains("0 qualifying points"));
    assert!(points(Lang::En, 1).contains("1 qualifying point "));
    // Dates: "1er" in French, the year only when it differs from the reference day's.
    let day = super::time::day_of_date(chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
    assert_eq!(l.date(Lang::Fr, day, day), "1er mars");
    assert_eq!(l.date(Lang::Nl, day, day), "1 maart");
    assert_eq!(l.date(Lang::En, day, day + 400), "1 March 2026");
    assert_eq!(temperature(Lang::En, -25), "\u{2212}2.5");
    assert_eq!(temperature(Lang::Nl, -25), "\u{2212}2,5");
    assert_eq!(temperature(Lang::Fr, 30), "3");
    assert_eq!(temperature(Lang::En, 5), "0.5");
    // Language negotiation.
    assert_eq!(Lang::negotiate("nl-BE").language(), Lang::Nl);
    assert_eq!(Lang::negotiate("fr_CA"), Lang::Fr);
    assert_eq!(Lang::negotiate("FR"), Lang::Fr);
    assert_eq!(Lang::negotiate("de-DE"), Lang::En);
    assert_eq!(Lang::negotiate(""), Lang::En);
    assert_eq!(Lang::negotiate("!!not a tag"), Lang::En);
}

#[test]
fn missing_messages_fall_back_to_english_then_to_the_id() {
    let l = build_from(&[
        (Lang::En, "a = Apple\nb = Banana { $n }\n"),
        (Lang::Nl, "a = Appel\n"),
    ]);
    assert!(l.load_errors.is_empty());
    assert_eq!(l.format(Lang::Nl, "a", None), "Appel");
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("n", 3);
    assert_eq!(l.format(Lang::Nl, "b", Some(&args)), "Banana 3");
    assert_eq!(l.format(Lang::Fr, "a", None), "Apple");
    assert_eq!(l.format(Lang::Nl, "zzz", None), "zzz");
    // A broken resource loads what it can and reports the rest.
    let broken = build_from(&[(Lang::En, "ok = fine\nbad = { $\n")]);
    assert!(!broken.load_errors.is_empty());
    assert_eq!(broken.format(Lang::En, "ok", None), "fine");
    // Localized catalogue text: requested, then primary subtag, then English, then first.
    let t = LocalizedText(
        [
            ("en".to_string(), "E".to_string()),
            ("nl-BE".to_string(), "B".to_string()),
        ]
        .into(),
    );
    assert_eq!(t.get(Lang::Nl), "B");
    assert_eq!(t.get(Lang::Fr), "E");
    let only_fr = LocalizedText([("fr".to_string(), "F".to_string())].into());
    assert_eq!(only_fr.get(Lang::Nl), "F");
}

// ---------------------------------------------------------------------------------------------
// Rules, catalogue and push parsing

#[test]
fn rule_sets_round_trip_and_errors_name_the_place() {
    let w = all_kinds_world();
    let json = w.rules.to_json();
    assert_eq!(RuleSet::from_json(&json).unwrap(), w.rules);
    // Through serde too (a typed store), with the same validation.
    assert_eq!(serde_json::from_str::<RuleSet>(&json).unwrap(), w.rules);
    let bad = json.replace("\"lead_days\": 0", "\"lead_days\": 99");
    assert!(serde_json::from_str::<RuleSet>(&bad)
        .unwrap_err()
        .to_string()
        .contains("lead_days must be between 0 and 60"));

    let err = |json: &str| RuleSet::from_json(json).unwrap_err().reason;
    let e = err("{\"version\": 1,\n \"rules\": [\n {\"id\": 3}");
    assert!(e.contains("line 3"), "{e}");
    let e = err(r#"{"version": 2, "rules": []}"#);
    assert!(e.contains("version 2 is not supported"), "{e}");
    let e = err(&format!(
        r#"{{"version": 1, "rules": [{}]}}"#,
        dog_rule(r#", "lead_day": 3"#)
    ));
    assert!(
        e.contains(r#"rules[0] ("dog-food")"#) && e.contains("lead_day"),
        "{e}"
    );
    let e = err(&format!(
        r#"{{"version": 1, "rules": [{}]}}"#,
        dog_rule(r#", "lead_days": 99"#)
    ));
    assert!(e.contains("lead_days must be between 0 and 60"), "{e}");
    let e = err(&format!(
        r#"{{"version": 1, "rules": [{}, {}]}}"#,
        dog_rule(""),
        dog_rule("")
    ));
    assert!(e.contains("rules[1]") && e.contains("twice"), "{e}");
    let e = err(r#"{"version": 1, "rules": [{"id": "x", "kind": "teleport"}]}"#);
    assert!(e.contains("unknown kind"), "{e}");
    let e = err(r#"{"version": 1, "rules": [{"id": "recall", "kind": "welcome"}]}"#);
    assert!(e.contains("reserved"), "{e}");
    let e = err(
        r#"{"version": 1, "rules": [{"id": "x", "kind": "replenishment", "products": {"gtins": ["123"]}}]}"#,
    );
    assert!(e.contains("GTIN"), "{e}");
    let e = err(r#"{"version": 1, "rules": [{"id": "x", "kind": "replenishment"}]}"#);
    assert!(
        e.contains("products needs at least one gtin or category"),
        "{e}"
    );
    let e = err(
        r#"{"version": 1, "rules": [{"id": "x", "kind": "seasonal", "products": {"categories": ["a"]}, "season": {"from": "13-01", "to": "02-01"}}]}"#,
    );
    assert!(e.contains("MM-DD"), "{e}");
    let e = err(r#"{"version": 1, "rules": [{"id": "x", "kind": "welcome", "send_at": "25:00"}]}"#);
    assert!(e.contains("HH:MM"), "{e}");
    let e = err(
        r#"{"version": 1, "rules": [{"id": "x", "kind": "welcome", "deep_link": "javascript:x"}]}"#,
    );
    assert!(e.contains("deep_link"), "{e}");
    assert!(RuleSet::from_json(r#"{"version": 1, "rules": [], "extra": 1}"#).is_err());
    assert!(RuleSet::from_json("[]").is_err());
    assert!(RuleSet::from_json("").is_err());
}

#[test]
fn catalogues_are_validated_with_the_entry_named() {
    let c = recipes_catalogue();
    assert_eq!(Catalogue::from_json(&c.to_json()).unwrap(), c);
    let err = |json: &str| Catalogue::from_json(json).unwrap_err().reason;
    let e =
        err(r#"{"version": 1, "recipes": [{"id": "r", "title": {"en": "R"}, "ingredients": []}]}"#);
    assert!(
        e.contains(r#"recipes[0] ("r")"#) && e.contains("ingredients"),
        "{e}"
    );
    let mut bad = oyster_notice();
    bad.sold_until = bad.sold_from - Duration::days(1);
    let json = serde_json::to_string(&Catalogue {
        recalls: vec![bad],
        ..Catalogue::default()
    })
    .unwrap();
    assert!(err(&json).contains("sold_until"));
    let e = err(
        r#"{"version": 1, "content": [{"id": "c", "products": {"categories": ["tv"]}, "title": {"en": "T"}, "body": {"en": "B"}, "category": "safety"}]}"#,
    );
    assert!(e.contains("never safety"), "{e}");
    let e = err(r#"{"version": 1, "recalls": [{"id": "x"}]}"#);
    assert!(e.contains("missing field"), "{e}");
    assert!(err(r#"{"version": 9}"#).contains("not supported"));
}

fn push_json(extra: &str) -> String {
    format!(
        r#"{{"version": 1, "type": "message", "id": "spring", "category": "marketing",
            "title": {{"en": "Spring sale", "nl": "Lenteactie"}},
            "body": {{"en": "Up to 30% off.", "nl": "Tot 30% korting."}}{extra}}}"#
    )
}

#[test]
fn push_payloads_parse_or_give_a_typed_error() {
    let m = parse_push(&push_json(r#", "deep_link": "loyalty://offers""#)).unwrap();
    let PushMessage::Message(notice) = &m else {
        panic!("not a message")
    };
    assert_eq!(notice.category, Category::Marketing);
    assert_eq!(parse_push(&m.to_json()).unwrap(), m);
    let recall = PushMessage::Recall(oyster_notice());
    assert_eq!(parse_push(&recall.to_json()).unwrap(), recall);

    let bad = [
        String::new(),
        "not json".into(),
        "[1, 2]".into(),
        "null".into(),
        r#"{"type": "message"}"#.into(),
        r#"{"version": "1", "type": "message"}"#.into(),
        r#"{"version": -1, "type": "message"}"#.into(),
        r#"{"version": 2, "type": "message"}"#.into(),
        r#"{"version": 1}"#.into(),
        r#"{"version": 1, "type": 7}"#.into(),
        r#"{"version": 1, "type": "coupon"}"#.into(),
        push_json(r#", "category": "safety""#).replace(r#""category": "marketing","#, ""),
        push_json(r#", "deep_link": "javascript:alert(1)""#),
        push_json(r#", "send_at": "yesterday""#),
        push_json(r#", "unknown": true"#),
        push_json("").replace(r#""id": "spring""#, r#""id": "has space""#),
        push_json("").replace(
            r#""title": {"en": "Spring sale", "nl": "Lenteactie"}"#,
            r#""title": {}"#,
        ),
        push_json(r#", "send_at": "2026-03-20T09:00:00Z", "expires_at": "2026-03-19T09:00:00Z""#),
        r#"{"version": 1, "type": "recall", "id": "R"}"#.into(),
        format!(
            r#"{{"version": 1, "type": "message", "id": "{}"}}"#,
            "x".repeat(100_000)
        ),
    ];
    for json in &bad {
        let e = parse_push(json);
        assert!(e.is_err(), "accepted {json}");
    }
    assert!(parse_push("{\"version\": 1,\n\"type\": ")
        .unwrap_err()
        .reason
        .contains("line 2"));
    // Every truncation and byte flip of a valid payload is an error or a message, never a panic.
    let valid =
        push_json(r#", "deep_link": "loyalty://offers", "expires_at": "2026-04-01T00:00:00Z""#);
    for cut in 0..valid.len() {
        if valid.is_char_boundary(cut) {
            let _ = parse_push(&valid[..cut]);
        }
    }
    let bytes = valid.as_bytes();
    for i in 0..bytes.len() {
        for b in [b'"', b'{', b'}', b'0', b'x', b'\\', b',', b':', 0xff] {
            let mut v = bytes.to_vec();
            v[i] = b;
            if let Ok(s) = std::str::from_utf8(&v) {
                let _ = parse_push(s);
            }
        }
    }
}

#[test]
fn pushes_pass_through_the_same_policy() {
    let mut w = World::rules(&[]);
    w.cat.recalls = Vec::new();
    w.quiet(22 * 60, 7 * 60);
    let index = ReceiptIndex::new();
    let msg = parse_push(&push_json("")).unwrap();
    // 23:30 local: postponed to 07:00.
    let night = utc(2026, 3, 20, 22, 30);
    match evaluate_push(&msg, &w.input(night), &index).unwrap() {
        PushOutcome::Show(n) => {
            assert_eq!(n.id, "push:spring");
            assert_eq!(n.at, utc(2026, 3, 21, 6, 0));
            assert_eq!(n.title, "Spring sale");
            assert_eq!(
                n.reason,
                "You get this because you agreed to receive offers and news from us."
            );
            assert_eq!(n.deep_link, "loyalty://home");
        }
        other => panic!("{other:?}"),
    }
    w.settings.language = "nl".into();
    let PushOutcome::Show(n) = evaluate_push(&msg, &w.input(night), &index).unwrap() else {
        panic!()
    };
    assert_eq!(n.title, "Lenteactie");
    // No marketing consent, muted, already shown, expired.
    w.settings.consent.marketing = false;
    assert_eq!(
        evaluate_push(&msg, &w.input(night), &index).unwrap(),
        PushOutcome::Suppressed(SuppressReason::NoConsent)
    );
    w.settings.consent.marketing = true;
    w.feedback = vec![Feedback::MutedRule {
        rule_id: "push".into(),
    }];
    assert_eq!(
        evaluate_push(&msg, &w.input(night), &index).unwrap(),
        PushOutcome::Suppressed(SuppressReason::RuleMuted)
    );
    w.feedback.clear();
    w.history = vec![Delivered {
        id: "push:spring".into(),
        at: night - Duration::hours(1),
        category: Category::Marketing,
    }];
    assert_eq!(
        evaluate_push(&msg, &w.input(night), &index).unwrap(),
        PushOutcome::Suppressed(SuppressReason::AlreadyDelivered)
    );
    w.history.clear();
    let expired = parse_push(&push_json(r#", "expires_at": "2026-03-01T00:00:00Z""#)).unwrap();
    assert_eq!(
        evaluate_push(&expired, &w.input(night), &index).unwrap(),
        PushOutcome::NotShown
    );
    // A recall push reaches only the shopper who bought the lot.
    let recall = PushMessage::Recall(oyster_notice());
    let now = utc(2026, 1, 5, 10, 0);
    let buyer =
        ReceiptIndex::from_receipts(&[oysters("a", utc(2025, 12, 30, 16, 0), Some("L2412-30"))]);
    let other =
        ReceiptIndex::from_receipts(&[oysters("b", utc(2025, 12, 30, 16, 0), Some("L2412-27"))]);
    let PushOutcome::Show(n) = evaluate_push(&recall, &w.input(now), &buyer).unwrap() else {
        panic!()
    };
    assert_eq!(n.category, Category::Safety);
    assert_eq!(
        evaluate_push(&recall, &w.input(now), &other).unwrap(),
        PushOutcome::NotShown
    );
}

// ---------------------------------------------------------------------------------------------
// Robustness

#[test]
fn extreme_inputs_do_not_panic() {
    let w = all_kinds_world();
    let mut huge = dog_food("huge", utc(2026, 1, 1, 0, 0), 1_000_000);
    huge.lines[0].quantity = i64::MAX;
    let receipts = vec![
        dog_food("min", DateTime::<Utc>::MIN_UTC, 1_000_000),
        dog_food("max", DateTime::<Utc>::MAX_UTC, 1_000_000),
        dog_food("mid", utc(2026, 10, 1, 0, 0), 1_000_000),
        dog_food("zero", utc(2026, 10, 2, 0, 0), 1),
        huge,
        Receipt {
            lines: vec![item(&dog(), "x", 0, "pet food"), item("bogus", "", -5, "")],
            ..dog_food("invalid", utc(2026, 10, 3, 0, 0), 1)
        },
    ];
    for now in [
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC,
        utc(2026, 11, 5, 7, 0),
    ] {
        for offset in [-1080, 0, 1080] {
            let mut w2 = all_kinds_world();
            w2.ctx.local_utc_offset_minutes = offset;
            w2.vouchers.push(Voucher {
                valid_from: DateTime::<Utc>::MIN_UTC,
                valid_until: DateTime::<Utc>::MAX_UTC,
                ..voucher("forever", "Forever", utc(2030, 1, 1, 0, 0))
            });
            w2.enrolled = Some(DateTime::<Utc>::MAX_UTC);
            w2.settings.horizon_days = 90;
            let input = w2.input(now);
            let _ = plan(&input, &receipts).unwrap();
        }
    }
    let mut bad_ctx = w.ctx.clone();
    bad_ctx.local_utc_offset_minutes = 5_000;
    let input = PlanInput {
        context: &bad_ctx,
        ..w.input(utc(2026, 1, 1, 0, 0))
    };
    assert!(plan(&input, &receipts).is_err());
    // Rules built in code skip validation; nonsense values still must not panic.
    let mut odd = World::rules(&[]);
    odd.rules.rules = vec![
        Rule::new(
            "r",
            RuleSpec::Replenishment(ReplenishmentRule {
                products: Selector {
                    gtins: vec![dog()],
                    categories: vec![],
                },
                min_purchases: 0,
                history: 0,
                lead_days: u32::MAX,
                grace_days: u32::MAX,
                max_spread_percent: 0,
                lead_percent: u32::MAX,
                min_likelihood_percent: u32::MAX,
                per: Per::Group,
            }),
        ),
        Rule::new(
            "s",
            RuleSpec::Recipes(RecipesRule {
                window_days: u32::MAX,
                min_overlap: 0,
                max_suggestions: u32::MAX,
                repeat_after_days: u32::MAX,
            }),
        ),
        Rule::new(
            "t",
            RuleSpec::WinBack(WinBackRule {
                inactive_days: u32::MAX,
                valid_days: u32::MAX,
            }),
        ),
    ];
    odd.cat = recipes_catalogue();
    let _ = odd.plan(utc(2026, 11, 5, 7, 0), &receipts);
}

// ---------------------------------------------------------------------------------------------
// In a store

fn in_store_world() -> World {
    let mut w = World::rules(&[r#"{"id": "in-store", "kind": "in_store"}"#.to_string()]);
    w.settings.consent.location = true;
    w
}

fn visit(store: &str, at: DateTime<Utc>, items: u32, offers: &[&str]) -> StoreVisit {
    StoreVisit {
        store_id: store.into(),
        store_name: "Colruyt Gent Zuid".into(),
        entered_at: at,
        list_items: items,
        offers: offers.iter().map(|s| s.to_string()).collect(),
    }
}

fn plan_with_visit(w: &World, now: DateTime<Utc>, v: Option<&StoreVisit>) -> Plan {
    let input = PlanInput {
        visit: v,
        ..w.input(now)
    };
    let p = plan(&input, &[]).unwrap();
    check_plan(&p, now);
    p
}

#[test]
fn entering_a_store_with_location_consent_brings_the_card_list_and_offers() {
    let mut w = in_store_world();
    let entered = utc(2026, 3, 7, 9, 2);
    let v = visit(
        "gent-zuid",
        entered,
        3,
        &["20 % off coffee", "Double points on fruit"],
    );
    let p = plan_with_visit(&w, entered + Duration::seconds(20), Some(&v));
    assert_eq!(ids(&p), ["in-store:gent-zuid:20260307"]);
    let n = &p.items[0];
    assert_eq!(n.kind, ReminderKind::InStore);
    assert_eq!(n.category, Category::Service);
    assert_eq!(n.title, "Welcome to Colruyt Gent Zuid: your card is ready");
    assert_eq!(
        n.body,
        "3 items are on your shopping list. 2 activated offers apply here, such as 20 % off coffee."
    );
    // 09:02 UTC is 10:02 in the shopper's time zone (UTC+1).
    assert!(n.reason.contains("at 10:02"), "{}", n.reason);
    assert_eq!(n.deep_link, "loyalty://card");

    // In Dutch and French, as people write it in Flanders and Wallonia.
    w.settings.language = "nl-BE".into();
    let nl = &plan_with_visit(&w, entered, Some(&v)).items[0];
    assert_eq!(
        nl.title,
        "Welkom in Colruyt Gent Zuid: je kaart staat klaar"
    );
    assert!(
        nl.body
            .starts_with("Er staan 3 producten op je boodschappenlijst."),
        "{}",
        nl.body
    );
    assert!(
        nl.reason.contains("om 10:02 aan in Colruyt Gent Zuid"),
        "{}",
        nl.reason
    );
    w.settings.language = "fr-BE".into();
    let fr = &plan_with_visit(&w, entered, Some(&v)).items[0];
    assert_eq!(
        fr.title,
        "Bienvenue chez Colruyt Gent Zuid\u{a0}: votre carte est prête"
    );
    assert!(
        fr.body
            .contains("2 offres activées s’appliquent ici, dont 20 % off coffee."),
        "{}",
        fr.body
    );

    // Nothing on the list and no offer: the card alone; one item, one offer: singular.
    w.settings.language = "en".into();
    let bare = visit("gent-zuid", entered, 0, &[]);
    let p = plan_with_visit(&w, entered, Some(&bare));
    assert_eq!(
        p.items[0].body,
        "Show your card at the till to collect your points."
    );
    let one = visit("gent-zuid", entered, 1, &["20 % off coffee"]);
    let p = plan_with_visit(&w, entered, Some(&one));
    assert_eq!(
        p.items[0].body,
        "1 item is on your shopping list. Your activated offer applies here: 20 % off coffee."
    );
}

#[test]
fn no_in_store_notification_without_consent_late_or_twice_the_same_day() {
    let mut w = in_store_world();
    let entered = utc(2026, 3, 7, 9, 2);
    let v = visit("gent-zuid", entered, 3, &[]);
    // Without location consent: nothing, whatever the visit says.
    w.settings.consent.location = false;
    assert!(plan_with_visit(&w, entered, Some(&v)).items.is_empty());
    w.settings.consent.location = true;
    // No visit, or one the app reported from the future: nothing.
    assert!(plan_with_visit(&w, entered, None).items.is_empty());
    assert!(
        plan_with_visit(&w, entered - Duration::minutes(1), Some(&v))
            .items
            .is_empty()
    );
    // 90 minutes after entering (the exit may have been missed): too late to be useful.
    assert_eq!(
        plan_with_visit(&w, entered + Duration::minutes(89), Some(&v))
            .items
            .len(),
        1
    );
    assert!(
        plan_with_visit(&w, entered + Duration::minutes(90), Some(&v))
            .items
            .is_empty()
    );
    // Shown once today: entering the same store again in the afternoon tells nothing new.
    w.history = vec![Delivered {
        id: "in-store:gent-zuid:20260307".into(),
        at: entered,
        category: Category::Service,
    }];
    let again = visit("gent-zuid", utc(2026, 3, 7, 15, 0), 3, &[]);
    let p = plan_with_visit(&w, utc(2026, 3, 7, 15, 1), Some(&again));
    assert!(p.items.is_empty(), "{:?}", ids(&p));
    // Another store the same day is another visit.
    let other = visit("gent-noord", utc(2026, 3, 7, 15, 0), 3, &[]);
    let p = plan_with_visit(&w, utc(2026, 3, 7, 15, 1), Some(&other));
    assert_eq!(ids(&p), ["in-store:gent-noord:20260307"]);
    // Service consent off: the policy holds it back like any service notification.
    w.settings.consent.service = false;
    let p = plan_with_visit(&w, utc(2026, 3, 7, 15, 1), Some(&other));
    assert!(p.items.is_empty());
    assert_eq!(
        suppressed(&p, "in-store:gent-noord:20260307"),
        Some(SuppressReason::NoConsent)
    );
    // Quiet hours hold it back too (a store open late).
    w.settings.consent.service = true;
    w.quiet(15 * 60, 23 * 60);
    let p = plan_with_visit(&w, utc(2026, 3, 7, 15, 1), Some(&other));
    assert!(p.items.iter().all(|n| n.at >= utc(2026, 3, 7, 22, 0)));
}

#[test]
fn the_in_store_rule_is_validated() {
    for bad in [
        r#"{"id": "s", "kind": "in_store", "max_age_minutes": 1}"#,
        r#"{"id": "s", "kind": "in_store", "repeat_after_hours": 0}"#,
        r#"{"id": "s", "kind": "in_store", "radius": 50}"#,
    ] {
        assert!(
            RuleSet::from_json(&format!(r#"{{"version": 1, "rules": [{bad}]}}"#)).is_err(),
            "{bad}"
        );
    }
    let bad_visit = StoreVisit {
        store_id: " ".into(),
        ..visit("x", utc(2026, 3, 7, 9, 0), 0, &[])
    };
    assert!(bad_visit.validate().is_err());
}

#[test]
fn an_offer_given_automatically_is_reminded_before_it_ends_like_a_voucher() {
    let mut w = World::rules(&[r#"{"id": "spend-it", "kind": "voucher_expiry"}"#.to_string()]);
    let offers = vec![
        AssignedOffer {
            id: "fruit-x2".into(),
            title: "Double points on fruit".into(),
            valid_from: utc(2026, 3, 1, 0, 0),
            valid_until: utc(2026, 3, 15, 23, 0),
        },
        // Ended already: nothing.
        AssignedOffer {
            id: "old".into(),
            title: "Old offer".into(),
            valid_from: utc(2026, 2, 1, 0, 0),
            valid_until: utc(2026, 3, 1, 0, 0),
        },
    ];
    let now = utc(2026, 3, 2, 8, 0);
    let input = PlanInput {
        assigned_offers: &offers,
        ..w.input(now)
    };
    let p = plan(&input, &[]).unwrap();
    check_plan(&p, now);
    // The default thresholds: 7 days and 1 day before the last day (15 March, local time), at
    // the rule's 10:00 local (UTC+1).
    assert_eq!(
        ids(&p),
        ["spend-it:offer.fruit-x2:d7", "spend-it:offer.fruit-x2:d1"]
    );
    let n = &p.items[0];
    assert_eq!(n.at, utc(2026, 3, 8, 9, 0));
    assert_eq!(n.kind, ReminderKind::VoucherExpiry);
    assert_eq!(n.title, "Your offer ends in 7 days");
    assert!(
        n.body
            .starts_with("“Double points on fruit” applies at the till until"),
        "{}",
        n.body
    );
    assert!(n.reason.contains("has not been used yet"), "{}", n.reason);
    assert_eq!(n.deep_link, "loyalty://offers/fruit-x2");
    w.settings.language = "nl".into();
    let input = PlanInput {
        assigned_offers: &offers,
        ..w.input(now)
    };
    let nl = plan(&input, &[]).unwrap();
    assert_eq!(nl.items[0].title, "Je aanbieding loopt over 7 dagen af");
    w.settings.language = "fr".into();
    let input = PlanInput {
        assigned_offers: &offers,
        ..w.input(now)
    };
    let fr = plan(&input, &[]).unwrap();
    assert_eq!(fr.items[0].title, "Votre offre se termine dans 7 jours");
}

// ---------------------------------------------------------------------------------------------
// Names per language

#[test]
fn product_store_and_tier_names_follow_the_shoppers_language_and_fall_back_to_the_retailers() {
    let names = |nl: &str, fr: &str| LocalizedText::of(&[("nl", nl), ("fr", fr)]);
    // A Belgian catalogue: the till prints the French name; Dutch and French names ride along.
    let days: Vec<i64> = (0..6).map(|i| i * 7).collect();
    let mut receipts = shops_on(&days, |_| vec![(dog(), "Croquettes chien 12 kg")]);
    for r in &mut receipts {
        r.store_name = "Bruxelles Centre".into();
        r.store_names = names("Brussel Centrum", "Bruxelles Centre");
        r.lines[0].names = names("Hondenbrokken 12 kg", "Croquettes pour chien 12 kg");
    }
    // The newest line of a product gives its names, as it gives its name.
    let index = ReceiptIndex::from_receipts(&receipts);
    let mut settings = Settings::default();
    let ctx = Context::default();
    let now = utc(2026, 3, 11, 9, 0);
    settings.language = "nl-BE".into();
    let nl = usual_items(&index, now, &settings, &ctx, 1).unwrap();
    assert_eq!(nl[0].name, "Hondenbrokken 12 kg");
    assert!(
        nl[0].reason.contains("Hondenbrokken 12 kg"),
        "{}",
        nl[0].reason
    );
    settings.language = "fr".into();
    let fr = usual_items(&index, now, &settings, &ctx, 1).unwrap();
    assert_eq!(fr[0].name, "Croquettes pour chien 12 kg");
    // No English name: the retailer's own name, not some other language's.
    settings.language = "en".into();
    let en = usual_items(&index, now, &settings, &ctx, 1).unwrap();
    assert_eq!(en[0].name, "Croquettes chien 12 kg");
    // An index kept between plans takes the names of a receipt added later.
    let mut kept = ReceiptIndex::from_receipts(&receipts[..1]);
    for r in &receipts[1..] {
        kept.insert(r);
    }
    settings.language = "nl".into();
    assert_eq!(
        usual_items(&kept, now, &settings, &ctx, 1).unwrap()[0].name,
        "Hondenbrokken 12 kg"
    );

    // The recall's reason names the store in the shopper's language.
    let mut w = World::rules(&[]);
    w.cat.recalls = vec![oyster_notice()];
    w.settings.language = "nl".into();
    let mut bought = oysters("a", utc(2025, 12, 30, 16, 0), Some("L2412-30"));
    bought.store_name = "Bruxelles Centre".into();
    bought.store_names = names("Brussel Centrum", "Bruxelles Centre");
    let p = w.plan(utc(2026, 1, 5, 10, 0), &[bought]);
    assert!(
        p.items[0].reason.contains("Brussel Centrum"),
        "{}",
        p.items[0].reason
    );
    assert!(
        !p.items[0].reason.contains("Bruxelles"),
        "{}",
        p.items[0].reason
    );

    // Tiers: the programme's names per language.
    let rules = crate::points::ProgrammeRules::default();
    let mut w = World::rules(&[
        r#"{"id": "tier", "kind": "tier_progress", "max_points_to_next": 500}"#.to_string(),
    ]);
    w.settings.language = "fr".into();
    w.tier = Some(TierStatus {
        tier: rules.tiers[1].name.clone(),
        tier_names: rules.tiers[1].names.clone(),
        qualifying_points: 4_800,
        window_start: utc(2025, 3, 10, 12, 0),
        next_tier: Some(rules.tiers[2].name.clone()),
        next_tier_names: rules.tiers[2].names.clone(),
        points_to_next_tier: Some(200),
    });
    let p = w.plan(utc(2026, 3, 10, 8, 0), &[]);
    assert!(p.items[0].title.contains("Or"), "{}", p.items[0].title);
    assert!(
        p.items[0].reason.contains("Argent"),
        "{}",
        p.items[0].reason
    );
    assert!(
        !p.items[0].reason.contains("Silver"),
        "{}",
        p.items[0].reason
    );
}
