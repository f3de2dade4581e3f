//! Premium membership end to end (issue #12 part 3): the retailer records a paid membership on
//! the reference server (loopback); the device learns it with the next sync, shows its status
//! and end date offline, lists the premium-only offer, plans the renewal reminder under the
//! policy; the till credits the multiplier; a cancellation reaches the device with the next
//! sync and its benefits stop.

mod support;

use chrono::{Duration, SubsecRound, Utc};
use loyalty_core::membership::MembershipStatus;
use loyalty_core::reminders::ReminderKind;
use serde_json::json;
use support::{http, http_ok, test_config, Device, Proxy, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_membership_reaches_the_phone_its_benefits_apply_and_a_cancellation_stops_them() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let phone = Device::new(test_config());
    phone
        .client
        .sync()
        .enrol(proxy.base_url(), Some("Ann".into()))
        .await
        .unwrap();
    let member = phone.member_id();
    let now = Utc::now().trunc_subsecs(0);
    let ends = now + Duration::days(10);
    let record = json!({
        "plan": "plus", "name": {"nl": "Plus", "fr": "Plus", "en": "Plus"},
        "started_at": now - Duration::days(355), "ends_at": ends,
        "auto_renews": false, "points_percent": 200,
    });
    let path = format!("/v1/admin/members/{member}/membership");
    http_ok(server.addr, "PUT", &path, Some(&server.till), Some(&record)).await;
    server
        .admin(
            "/v1/admin/offers",
            &json!({"title": {"nl": "Plus: koffie -2 euro", "fr": "Plus : café -2 euros",
                              "en": "Plus: coffee 2 euro off"},
                    "kind": {"type": "amount_off", "target": {"type": "product", "gtin": "5400000000003"},
                             "amount": {"amount_minor": 200, "currency": "EUR"}},
                    "valid_until": now + Duration::days(30),
                    "activation": "automatic", "limit": "once_per_member",
                    "premium_only": true}),
        )
        .await;
    // The renewal reminder of the rule set, with the consent it needs.
    let reminders = phone.client.reminders();
    reminders
        .set_rules_json(
            r#"{"version": 1, "rules": [
                {"id": "plus-renewal", "kind": "membership_renewal", "days_before": [14, 2]}]}"#,
        )
        .unwrap();
    let mut settings = reminders.settings().unwrap();
    settings.consent.service = true;
    settings.quiet_hours = None;
    reminders.set_settings(settings).unwrap();

    let membership = phone.client.membership();
    assert_eq!(membership.current("en").unwrap(), None);
    let report = phone.client.sync().sync_now().await.unwrap();
    assert!(report.settings_received >= 1, "{report:?}");

    // Offline from here: the status, the end date, the benefits.
    let state = membership
        .current("nl-BE")
        .unwrap()
        .expect("the membership");
    assert_eq!(state.status, MembershipStatus::Active);
    assert_eq!(state.membership.ends_at, ends);
    assert_eq!(state.days_left, 10);
    assert!(state.text.starts_with("Plus-lid tot"), "{}", state.text);
    assert!(membership.is_premium().unwrap());
    assert_eq!(membership.points_for(43).unwrap(), 86);
    let offers = phone.client.offers().list().unwrap();
    assert_eq!(offers.len(), 1);
    assert!(offers[0].offer.premium_only);
    let plan = reminders.plan().unwrap();
    let renewal: Vec<_> = plan
        .items
        .iter()
        .filter(|n| n.kind == ReminderKind::MembershipRenewal)
        .collect();
    // 14 days before has passed (learnt late): sent at once; then 2 days before.
    assert_eq!(renewal.len(), 2, "{renewal:?}");
    assert!(renewal[0].title.contains("Plus"), "{}", renewal[0].title);

    // At the till: double points (43.90 € is 43 points, 86 for Plus).
    let card = server
        .members()
        .into_iter()
        .find(|(id, _)| id == &member)
        .unwrap()
        .1;
    let bought = http_ok(
        server.addr,
        "POST",
        "/v1/till/purchases",
        Some(&server.till),
        Some(&json!({"card": card, "store_name": "Gent Zuid", "lines": [{
            "gtin": "4006381333931", "name": "Dog food 12 kg", "quantity": 2,
            "unit_price": {"amount_minor": 2195, "currency": "EUR"}, "category": "pet food"}]})),
    )
    .await;
    assert_eq!(bought["points_earned"], 86);
    phone.client.sync().sync_now().await.unwrap();
    assert_eq!(phone.client.points().balance().unwrap().confirmed, 86);

    // The retailer cancels (a refund): the next sync takes it away, and with it the benefits.
    let r = http(server.addr, "DELETE", &path, Some(&server.till), None, &[]).await;
    assert_eq!(r.status(), 204);
    phone.client.sync().sync_now().await.unwrap();
    assert_eq!(membership.current("en").unwrap(), None);
    assert!(!membership.is_premium().unwrap());
    assert_eq!(membership.points_for(43).unwrap(), 43);
    assert!(phone.client.offers().list().unwrap().is_empty());
    assert!(!reminders
        .plan()
        .unwrap()
        .items
        .iter()
        .any(|n| n.kind == ReminderKind::MembershipRenewal));
}
