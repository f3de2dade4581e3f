//! In-store mode through the facade, on a real store on disk with an injected clock: the app
//! says the phone entered or left a store; with location consent the visit is kept and the plan
//! holds the in-store notification with the shopping list; without it nothing is stored or
//! planned; withdrawing the consent forgets the visit; the server's copy of the consent never
//! turns the device's location consent off.

use chrono::{Duration, TimeZone, Utc};
use loyalty_core::offers::{
    Offer, OfferActivation, OfferKind, OfferLimit, OfferScope, OfferState, OfferTarget, OfferTitle,
};
use loyalty_core::points::ProgrammeRules;
use loyalty_core::reminders::{Consent, ReminderKind};
use loyalty_core::store::OfferItem;
use loyalty_core::store::ReminderKey;
use loyalty_core::{LoyaltyClient, LoyaltyError, ManualClock};
use std::sync::Arc;

const RULES: &str = r#"{"version": 1, "rules": [{"id": "in-store", "kind": "in_store"}]}"#;

#[test]
fn entering_a_store_plans_the_card_and_the_list_only_with_location_consent() {
    let dir = tempfile::tempdir().unwrap();
    let start = Utc.with_ymd_and_hms(2026, 3, 7, 9, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let client =
        LoyaltyClient::open(dir.path(), ProgrammeRules::default(), clock.clone(), None).unwrap();
    let r = client.reminders();
    r.set_rules_json(RULES).unwrap();
    let mut settings = r.settings().unwrap();
    settings.quiet_hours = None;
    r.set_settings(settings.clone()).unwrap();
    client.list().add("Coffee beans", None, None).unwrap();
    client.list().add("Oat milk", None, Some(2)).unwrap();

    // Location consent is opt-in: without it nothing is kept and nothing planned.
    assert!(!settings.consent.location);
    assert!(!r.entered_store("gent-zuid", "Colruyt Gent Zuid").unwrap());
    assert_eq!(r.store_visit().unwrap(), None);
    assert!(r.plan().unwrap().items.is_empty());

    settings.consent.location = true;
    r.set_settings(settings.clone()).unwrap();
    // Only the location consent changed: nothing to tell the server.
    let unsent: Option<Consent> = client
        .store()
        .reminder_value(ReminderKey::ConsentUnsent)
        .unwrap();
    assert_eq!(unsent, None);
    clock.advance(Duration::minutes(2));
    assert!(r.entered_store("gent-zuid", "Colruyt Gent Zuid").unwrap());
    let visit = r.store_visit().unwrap().unwrap();
    assert_eq!(visit.entered_at, start + Duration::minutes(2));
    let plan = r.plan().unwrap();
    assert_eq!(plan.items.len(), 1);
    let n = &plan.items[0];
    assert_eq!(n.kind, ReminderKind::InStore);
    assert_eq!(n.title, "Welcome to Colruyt Gent Zuid: your card is ready");
    assert_eq!(n.body, "2 items are on your shopping list.");

    // The offers the till applies now join the notification: activated ones, not the others.
    let offer = |id: &str, en: &str, state: OfferState| OfferItem {
        offer: Offer {
            id: id.into(),
            title: OfferTitle {
                nl: format!("{en} (nl)"),
                fr: format!("{en} (fr)"),
                en: en.into(),
            },
            kind: OfferKind::PointsMultiplier {
                target: OfferTarget::Category {
                    category: "fruit".into(),
                },
                multiplier: 2,
            },
            min_quantity: 1,
            valid_from: start - Duration::days(1),
            valid_until: start + Duration::days(7),
            scope: OfferScope::General,
            activation: OfferActivation::OptIn,
            limit: OfferLimit::OncePerMember,
            premium_only: false,
        },
        state,
        activated_at: None,
        used_at: None,
        pending: false,
    };
    client
        .store()
        .replace_offers(vec![
            offer("fruit", "Double points on fruit", OfferState::Activated),
            offer("wine", "10 % off wine", OfferState::Available),
        ])
        .unwrap();
    let n = &r.plan().unwrap().items[0];
    assert_eq!(
        n.body,
        "2 items are on your shopping list. Your activated offer applies here: Double points on fruit."
    );

    // Leaving another store changes nothing; leaving this one forgets the visit.
    assert!(!r.left_store("gent-noord").unwrap());
    assert!(r.store_visit().unwrap().is_some());
    assert!(r.left_store("gent-zuid").unwrap());
    assert!(r.plan().unwrap().items.is_empty());

    // Withdrawing the consent forgets a visit at once, and it stays forgotten.
    r.entered_store("gent-zuid", "Colruyt Gent Zuid").unwrap();
    settings.consent.location = false;
    r.set_settings(settings.clone()).unwrap();
    settings.consent.location = true;
    r.set_settings(settings.clone()).unwrap();
    assert_eq!(r.store_visit().unwrap(), None);

    // The server's copy of the consent has no location field: it never turns this one off.
    client
        .store()
        .apply_server_consent(Consent {
            marketing: true,
            ..Consent::default()
        })
        .unwrap();
    let now = r.settings().unwrap().consent;
    assert!(now.marketing && now.location, "{now:?}");

    // Bad input: typed errors, nothing kept.
    for (id, name) in [("", "Colruyt"), ("gent", " "), ("gent", &"x".repeat(201))] {
        assert!(matches!(
            r.entered_store(id, name),
            Err(LoyaltyError::InvalidInput { .. })
        ));
    }
    assert_eq!(r.store_visit().unwrap(), None);
}
