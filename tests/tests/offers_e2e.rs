//! Personal offers end to end (issue #16 part 2): the back office publishes a personal and a
//! general offer on the reference server (loopback); a real device lists them after a sync,
//! activates one offline (shown at once, queued), and the next sync sends it; the till purchase
//! with the member's card applies it (the discount in the answer, the extra points in the
//! ledger after the next sync, as the device's own preview said); the offer then shows used. An
//! activation that reaches the server after the offer ended is refused: available again, the
//! shopper told once; activating an ended or unknown offer is refused on the device; a second
//! activation is harmless.

mod support;

use chrono::{Duration, Utc};
use loyalty_core::offers::{OfferRefusal, OfferScope, OfferState};
use loyalty_core::receipts::LineItem;
use loyalty_core::sync::SyncNoticeKind;
use loyalty_core::{LoyaltyError, Money};
use serde_json::{json, Value};
use support::{assert_mirrors, http_ok, test_config, Device, Proxy, Server};

const COFFEE: &str = "4006381333931";

fn title(what: &str) -> Value {
    json!({"nl": format!("{what} (nl)"), "fr": format!("{what} (fr)"), "en": what})
}

/// Publishes an offer (`member`: personal) ending `ends_in` from now; returns its id.
async fn publish(
    server: &Server,
    what: &str,
    kind: Value,
    activation: &str,
    member: Option<&str>,
    ends_in: Duration,
) -> String {
    let mut body = json!({
        "title": title(what),
        "kind": kind,
        "valid_until": (Utc::now() + ends_in).to_rfc3339(),
        "activation": activation,
        "limit": "once_per_member",
    });
    if let Some(m) = member {
        body["member_id"] = json!(m);
    }
    let offer = server.admin("/v1/admin/offers", &body).await;
    offer["id"].as_str().unwrap().to_string()
}

fn coffee(quantity: i64) -> LineItem {
    LineItem {
        names: Default::default(),
        gtin: COFFEE.into(),
        name: "Coffee beans 1 kg".into(),
        quantity,
        unit_price: Money::new(899, "EUR").unwrap(),
        category: "coffee".into(),
        lot: None,
        warranty_months: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_activated_offline_is_applied_at_the_till_and_then_shows_used() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let ann = Device::new(test_config());
    ann.client
        .sync()
        .enrol(proxy.base_url(), Some("Ann".into()))
        .await
        .expect("enrolment");
    let member = ann.member_id();

    let personal = publish(
        &server,
        "20% off coffee",
        json!({"type": "percent_off", "target": {"type": "product", "gtin": COFFEE}, "percent": 20}),
        "opt_in",
        Some(&member),
        Duration::days(7),
    )
    .await;
    let general = publish(
        &server,
        "Double points on coffee",
        json!({"type": "points_multiplier", "target": {"type": "category", "category": "coffee"},
               "multiplier": 2}),
        "automatic",
        None,
        Duration::days(14),
    )
    .await;
    // Ends in a few seconds: activated offline in time, but it reaches the server too late.
    let brief = publish(
        &server,
        "€1 off coffee today",
        json!({"type": "amount_off", "target": {"type": "product", "gtin": COFFEE},
               "amount": {"amount_minor": 100, "currency": "EUR"}}),
        "opt_in",
        None,
        Duration::seconds(3),
    )
    .await;
    // Ends as soon, and is never activated in time.
    let missed = publish(
        &server,
        "Free coffee today",
        json!({"type": "free_product", "gtin": COFFEE, "quantity": 1}),
        "opt_in",
        None,
        Duration::seconds(3),
    )
    .await;

    ann.client.sync().sync_now().await.expect("sync");
    let offers = ann.client.offers();
    let listed = offers.list().unwrap();
    let state_of = |id: &str| {
        let o = offers.get(id).unwrap();
        (o.state, o.pending)
    };
    assert_eq!(listed.len(), 4, "{listed:?}");
    assert_eq!(listed[0].offer.id, general, "usable now: listed first");
    assert_eq!(listed[0].offer.scope, OfferScope::General);
    assert_eq!(state_of(&general), (OfferState::Activated, false));
    assert_eq!(state_of(&personal), (OfferState::Available, false));
    assert_eq!(
        offers.get(&personal).unwrap().offer.scope,
        OfferScope::Personal
    );
    assert_eq!(
        offers.get(&personal).unwrap().offer.title.fr,
        "20% off coffee (fr)"
    );

    // Offline: both activations show at once and wait in the outbox, one item each.
    proxy.set_upstream(None);
    let activated = offers.activate(&personal).unwrap();
    assert_eq!(
        (activated.state, activated.pending),
        (OfferState::Activated, true)
    );
    assert_eq!(
        offers.activate(&personal).unwrap(),
        activated,
        "twice is harmless"
    );
    assert!(offers.activate(&brief).unwrap().pending);
    assert_eq!(ann.client.sync().outbox().unwrap().len(), 2);
    assert!(ann.client.sync().sync_now().await.is_err(), "offline");
    assert_eq!(state_of(&personal), (OfferState::Activated, true));

    // The preview runs the till's rule over the activated and automatic offers.
    let preview = offers.preview(&[coffee(2)]).unwrap();
    assert_eq!(
        preview.discount_on(0),
        360,
        "20% of 17.98, rounded up for the shopper"
    );

    // Once the brief offers have ended: activating one is refused on the device.
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    assert!(matches!(
        offers.activate(&missed),
        Err(LoyaltyError::Conflict { .. })
    ));
    assert!(offers.list().unwrap().iter().all(|o| o.offer.id != missed));

    // Back online: the batch settles both activations.
    proxy.set_upstream(Some(server.addr));
    let report = ann.client.sync().sync_now().await.expect("sync");
    assert_eq!(report.notices.len(), 1, "{report:?}");
    let notice = &report.notices[0];
    assert_eq!(
        notice.kind,
        SyncNoticeKind::OfferNotActivated(OfferRefusal::Expired)
    );
    assert_eq!(notice.voucher_id, brief);
    assert!(
        notice.text("nl-BE").contains("afgelopen"),
        "{}",
        notice.text("nl")
    );
    assert!(
        notice.text("fr").contains("terminée"),
        "{}",
        notice.text("fr")
    );
    assert_eq!(state_of(&personal), (OfferState::Activated, false));
    assert!(ann.client.sync().outbox().unwrap().is_empty());
    // Ended offers: no longer in the server's list, so gone from the device too.
    for ended in [&brief, &missed] {
        assert!(matches!(
            offers.get(ended),
            Err(LoyaltyError::NotFound { .. })
        ));
    }
    assert_eq!(offers.list().unwrap().len(), 2);
    assert!(matches!(
        offers.activate("o_nothing_like_it"),
        Err(LoyaltyError::NotFound { .. })
    ));
    // Activating again now that the server knows it: nothing queued.
    assert_eq!(
        offers.activate(&personal).unwrap().state,
        OfferState::Activated
    );
    assert!(ann.client.sync().outbox().unwrap().is_empty());

    // At the till, with the member's card: the activated offer and the automatic one apply.
    let balance_before = ann.client.points().verify().unwrap().confirmed;
    let code = ann.client.card().rotating_code().unwrap();
    let bought = http_ok(
        server.addr,
        "POST",
        "/v1/till/purchases",
        Some(&server.till),
        Some(&json!({
            "card": code.payload,
            "store_name": "Gent Zuid",
            "lines": [serde_json::to_value(coffee(2)).unwrap()],
        })),
    )
    .await;
    let applied = &bought["offers"];
    assert_eq!(applied["total_discount_minor"], 360, "{bought}");
    assert_eq!(applied["amount_due"]["amount_minor"], 1798 - 360);
    assert_eq!(
        applied["extra_points_total"],
        preview.total_extra_points(),
        "{bought}"
    );
    assert_eq!(applied["discounts"][0]["offer_id"], personal.as_str());
    let earned = bought["points_earned"].as_i64().unwrap();
    let extra = applied["extra_points_total"].as_i64().unwrap();
    assert!(extra > 0);

    // The next sync brings the extra points and shows both offers used (the report counts
    // the two offers it changed).
    let report = ann.client.sync().sync_now().await.expect("sync");
    assert_eq!(report.offers_updated, 2, "{report:?}");
    let balance = ann.client.points().verify().unwrap();
    assert_eq!(balance.confirmed, balance_before + earned + extra);
    // The receipt on the phone keeps the discount and the offer's title; its total is what was
    // paid, and it earned its points on that.
    let receipt_id = bought["receipt"]["id"].as_str().unwrap();
    let kept = ann.client.receipts().get(receipt_id).unwrap();
    assert_eq!(kept.discounts.len(), 1, "{kept:?}");
    assert_eq!(kept.discounts[0].offer_id, personal);
    assert_eq!(kept.discounts[0].line, 0);
    assert_eq!(kept.discount_total_minor(), 360);
    assert_eq!(kept.subtotal().amount_minor, 1798);
    assert_eq!(kept.total().amount_minor, 1798 - 360);
    assert_eq!(earned, (1798 - 360) / 100);
    assert_eq!(state_of(&personal), (OfferState::Used, false));
    assert_eq!(state_of(&general), (OfferState::Used, false));
    assert_eq!(
        offers.list().unwrap().last().unwrap().state,
        OfferState::Used
    );
    // Used: activating again changes nothing, and a preview no longer counts them.
    assert_eq!(offers.activate(&personal).unwrap().state, OfferState::Used);
    assert!(ann.client.sync().outbox().unwrap().is_empty());
    assert_eq!(
        offers.preview(&[coffee(2)]).unwrap().total_discount_minor(),
        0
    );
    assert_mirrors(&server, &ann).await;
}

/// One activation alone goes to its own endpoint (`POST /v1/offers/{id}/activation`), and its
/// 422 refusal settles it just the same: told once, nothing left in the outbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_activation_refused_by_its_endpoint_is_settled_and_told() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let bob = Device::new(test_config());
    bob.client
        .sync()
        .enrol(proxy.base_url(), Some("Bob".into()))
        .await
        .expect("enrolment");
    let brief = publish(
        &server,
        "Free coffee this minute",
        json!({"type": "free_product", "gtin": COFFEE, "quantity": 1}),
        "opt_in",
        None,
        Duration::seconds(2),
    )
    .await;
    bob.client.sync().sync_now().await.expect("sync");
    let offers = bob.client.offers();
    assert!(offers.activate(&brief).unwrap().pending);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let report = bob.client.sync().sync_now().await.expect("sync");
    assert!(
        proxy
            .log()
            .iter()
            .any(|l| l.contains(&format!("/v1/offers/{brief}/activation"))),
        "{:?}",
        proxy.log()
    );
    assert_eq!(report.notices.len(), 1, "{report:?}");
    assert_eq!(
        report.notices[0].kind,
        SyncNoticeKind::OfferNotActivated(OfferRefusal::Expired)
    );
    assert_eq!(report.outbox_failed, 0);
    assert!(bob.client.sync().outbox().unwrap().is_empty());
    assert!(offers.list().unwrap().is_empty());
}
