//! The member's offers on the device: the stored list as a sync leaves it, listed for the
//! shopper at the injected clock, activated offline (at once, one outbox item, idempotent),
//! settled by the server's answer, and previewed on a basket with the till's rule.

use chrono::{DateTime, Duration, TimeZone, Utc};
use loyalty_core::money::Money;
use loyalty_core::offers::{
    Offer, OfferActivation, OfferKind, OfferLimit, OfferRefusal, OfferScope, OfferState,
    OfferTarget, OfferTitle,
};
use loyalty_core::points::ProgrammeRules;
use loyalty_core::receipts::LineItem;
use loyalty_core::store::{OfferActivationVerdict, OfferItem, Store};
use loyalty_core::wallet::OutboxOperation;
use loyalty_core::{LoyaltyClient, LoyaltyError, ManualClock};
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

const COFFEE: &str = "5400000000003";

fn offer(id: &str, kind: OfferKind, activation: OfferActivation, days: (i64, i64)) -> Offer {
    Offer {
        id: id.into(),
        title: OfferTitle {
            nl: format!("Aanbieding {id}"),
            fr: format!("Offre {id}"),
            en: format!("Offer {id}"),
        },
        kind,
        min_quantity: 1,
        valid_from: t0() + Duration::days(days.0),
        valid_until: t0() + Duration::days(days.1),
        scope: OfferScope::Personal,
        activation,
        limit: OfferLimit::OncePerMember,
        premium_only: false,
    }
}

fn item(offer: Offer, state: OfferState) -> OfferItem {
    OfferItem {
        offer,
        state,
        activated_at: None,
        used_at: None,
        pending: false,
    }
}

fn coffee_percent(percent: u32) -> OfferKind {
    OfferKind::PercentOff {
        target: OfferTarget::Product {
            gtin: COFFEE.into(),
        },
        percent,
    }
}

/// What a sync stores: an opt-in offer, an automatic double-points one, one that ended, one
/// used, and an opt-in one that starts next week.
fn synced() -> Vec<OfferItem> {
    vec![
        item(
            offer(
                "optin",
                coffee_percent(20),
                OfferActivation::OptIn,
                (-1, 10),
            ),
            OfferState::Available,
        ),
        item(
            offer(
                "auto",
                OfferKind::PointsMultiplier {
                    target: OfferTarget::Category {
                        category: "coffee".into(),
                    },
                    multiplier: 2,
                },
                OfferActivation::Automatic,
                (-1, 20),
            ),
            OfferState::Activated,
        ),
        item(
            offer(
                "ended",
                coffee_percent(50),
                OfferActivation::OptIn,
                (-10, -1),
            ),
            OfferState::Available,
        ),
        item(
            offer("used", coffee_percent(10), OfferActivation::OptIn, (-1, 5)),
            OfferState::Used,
        ),
        item(
            offer("later", coffee_percent(30), OfferActivation::OptIn, (7, 30)),
            OfferState::Available,
        ),
    ]
}

fn coffee(quantity: i64) -> LineItem {
    LineItem {
        names: Default::default(),
        gtin: COFFEE.into(),
        name: "Coffee beans".into(),
        quantity,
        unit_price: Money::new(899, "EUR").unwrap(),
        category: "coffee".into(),
        lot: None,
        warranty_months: None,
    }
}

#[test]
fn listed_activated_offline_once_and_previewed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let first = store.replace_offers(synced()).unwrap();
    assert_eq!((first.stored, first.changed), (5, 5));
    // The same list again changes nothing.
    let again = store.replace_offers(synced()).unwrap();
    assert_eq!((again.stored, again.changed), (5, 0));
    store.close().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let client = LoyaltyClient::open(dir.path(), ProgrammeRules::default(), clock, None).unwrap();
    let offers = client.offers();

    // Usable now first, then to activate (soonest ending first), used last; ended left out.
    let ids: Vec<String> = offers
        .list()
        .unwrap()
        .into_iter()
        .map(|i| i.offer.id)
        .collect();
    assert_eq!(ids, ["auto", "optin", "later", "used"]);

    // Before activation the preview gives only the automatic offer's extra points.
    let before = offers.preview(&[coffee(2)]).unwrap();
    assert_eq!(before.total_discount_minor(), 0);
    assert_eq!(before.total_extra_points(), 18);

    // Offline: activated at once, pending, one outbox item.
    let activated = offers.activate("optin").unwrap();
    assert_eq!(activated.state, OfferState::Activated);
    assert!(activated.pending);
    let outbox = client.wallet().pending_redemptions().unwrap();
    assert!(outbox.is_empty(), "an activation is no redemption");
    let again = offers.activate("optin").unwrap();
    assert_eq!(again, activated, "activating twice changes nothing");
    // Automatic and used offers: harmless, nothing queued.
    assert_eq!(
        offers.activate("auto").unwrap().state,
        OfferState::Activated
    );
    assert_eq!(offers.activate("used").unwrap().state, OfferState::Used);
    // An offer that starts later can be activated ahead.
    assert!(offers.activate("later").unwrap().pending);

    // Ended, unknown: typed errors.
    assert!(matches!(
        offers.activate("ended"),
        Err(LoyaltyError::Conflict { .. })
    ));
    assert!(matches!(
        offers.activate("nope"),
        Err(LoyaltyError::NotFound { .. })
    ));

    // The preview now applies the activated offer: 20 % of 17.98 rounded up for the shopper,
    // and double points on what is paid.
    let after = offers.preview(&[coffee(2)]).unwrap();
    assert_eq!(after.total_discount_minor(), 360);
    assert_eq!(after.used_offers(), ["auto", "optin"]);
    assert_eq!(after.total_extra_points(), 15);
    assert_eq!(
        offers.list().unwrap()[0].offer.id,
        "optin",
        "usable now: listed first (soonest ending)"
    );
    assert!(matches!(
        offers.preview(&[LineItem {
            quantity: 0,
            ..coffee(1)
        }]),
        Err(LoyaltyError::InvalidInput { .. })
    ));
    client.close().unwrap();

    // Two activations wait in the outbox, one item each.
    let store = Store::open(dir.path()).unwrap();
    let queued: Vec<String> = store
        .outbox()
        .unwrap()
        .into_iter()
        .filter_map(|i| match i.operation {
            OutboxOperation::ActivateOffer { offer_id } => Some(offer_id),
            _ => None,
        })
        .collect();
    assert_eq!(queued, ["optin", "later"]);
}

#[test]
fn a_new_list_keeps_pending_activations_and_answers_settle_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.replace_offers(synced()).unwrap();
    let (_, optin) = store.begin_offer_activation("optin", t0()).unwrap();
    let (_, later) = store.begin_offer_activation("later", t0()).unwrap();
    let (optin, later) = (optin.unwrap(), later.unwrap());

    // The next sync's list still says available (sent before the activation reached the
    // server), and leaves "later" out: both stay activated and pending.
    let mut list = synced();
    list.retain(|i| i.offer.id != "later");
    store.replace_offers(list).unwrap();
    for id in ["optin", "later"] {
        let o = store.offer(id).unwrap().unwrap();
        assert_eq!((o.state, o.pending), (OfferState::Activated, true), "{id}");
        assert_eq!(o.activated_at, Some(t0()));
    }

    // Accepted: no longer pending; refused: available again. Each answer settles once.
    let at = t0() + Duration::minutes(5);
    let accepted = OfferActivationVerdict::Activated {
        state: OfferState::Activated,
        activated_at: at,
    };
    let o = store
        .resolve_offer_activation(optin.seq, &accepted)
        .unwrap()
        .unwrap();
    assert_eq!(
        (o.state, o.pending, o.activated_at),
        (OfferState::Activated, false, Some(at))
    );
    assert_eq!(
        store
            .resolve_offer_activation(optin.seq, &accepted)
            .unwrap(),
        None
    );
    let refused = OfferActivationVerdict::Refused(OfferRefusal::Expired);
    let o = store
        .resolve_offer_activation(later.seq, &refused)
        .unwrap()
        .unwrap();
    assert_eq!((o.state, o.pending), (OfferState::Available, false));
    assert!(store.outbox().unwrap().is_empty());

    // With nothing pending, the server's list is taken as it is.
    store.replace_offers(vec![]).unwrap();
    assert!(store.offers().unwrap().is_empty());
}

#[test]
fn an_automatic_offer_gets_the_time_to_spend_it_reminder_before_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let client =
        LoyaltyClient::open(dir.path(), ProgrammeRules::default(), clock.clone(), None).unwrap();
    client.store().replace_offers(synced()).unwrap();
    let r = client.reminders();
    r.set_rules_json(
        r#"{"version": 1, "rules": [{"id": "spend-it", "kind": "voucher_expiry", "days_before": [3]}]}"#,
    )
    .unwrap();
    let mut settings = r.settings().unwrap();
    settings.quiet_hours = None;
    settings.horizon_days = 30;
    r.set_settings(settings).unwrap();
    // Only the automatic offer (ends in 20 days) is reminded of: the opt-in, ended and used ones
    // are not given to the shopper to spend.
    let plan = r.plan().unwrap();
    let ids: Vec<&str> = plan.items.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["spend-it:offer.auto:d3"]);
    let n = &plan.items[0];
    assert_eq!(n.title, "Your offer ends in 3 days");
    assert!(
        n.body.starts_with("“Offer auto” applies at the till"),
        "{}",
        n.body
    );
    assert_eq!(n.deep_link, "loyalty://offers/auto");
    // Used at the till (the next sync says so): no reminder any more.
    let mut used = synced();
    used[1].state = OfferState::Used;
    client.store().replace_offers(used).unwrap();
    assert!(r.plan().unwrap().items.is_empty());
}
