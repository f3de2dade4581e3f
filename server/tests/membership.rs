//! Premium memberships (issue #12 part 3) over real HTTP against a real server and SQLite
//! database: recorded and cancelled by the back office, read by the member's devices in
//! `GET /v1/me`, multiplying the points of till purchases and opening the premium-only offers
//! while active (to the instant), exported and erased with the account.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use serde_json::{json, Value};

const COFFEE: &str = "4006381333931";
const WINE: &str = "96385074";

fn item(gtin: &str, category: &str, qty: i64, cents: i64) -> Value {
    json!({
        "gtin": gtin,
        "name": "Item",
        "quantity": qty,
        "unit_price": {"amount_minor": cents, "currency": "EUR"},
        "category": category,
    })
}

/// A membership record as the domain serialises it (times as the server answers them).
fn plus(started_at: DateTime<Utc>, ends_at: DateTime<Utc>, points_percent: u32) -> Value {
    json!({
        "plan": "plus",
        "name": {"nl": "Plus", "fr": "Plus", "en": "Plus"},
        "started_at": started_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        "ends_at": ends_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        "auto_renews": false,
        "points_percent": points_percent,
    })
}

fn membership_path(member_id: &str) -> String {
    format!("/v1/admin/members/{member_id}/membership")
}

async fn put_membership(s: &TestServer, member_id: &str, body: Value) -> Resp {
    s.admin("PUT", &membership_path(member_id), body).await
}

async fn delete_membership(s: &TestServer, member_id: &str) -> Resp {
    s.call(
        "DELETE",
        &membership_path(member_id),
        Some(TILL),
        None,
        None,
    )
    .await
}

async fn me(s: &TestServer, m: &Member) -> Value {
    let r = s.get("/v1/me", &m.token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// A till purchase with the member's card number, at the clock's now.
async fn buy(s: &TestServer, m: &Member, lines: Value) -> Value {
    let body = json!({"card": m.card, "store_name": "Gent Zuid", "lines": lines});
    let r = s.post("/v1/till/purchases", TILL, &key(), body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

/// The ledger entry a purchase's answer names.
async fn ledger_entry(s: &TestServer, m: &Member, purchase: &Value) -> Value {
    let id = purchase["ledger_id"].as_str().expect("an earn entry");
    let (items, _, _) = s.drain("ledger", &m.token, None, 100).await;
    let (by_id, _) = fold_ledger(&items);
    by_id[id].clone()
}

/// Publishes an offer for every member, premium-only or not. Returns its id.
async fn publish(s: &TestServer, kind: Value, activation: &str, premium_only: bool) -> String {
    let r = s
        .admin(
            "POST",
            "/v1/admin/offers",
            json!({
                "title": {"nl": "Voor Plus-leden", "fr": "Pour les membres Plus", "en": "For Plus members"},
                "kind": kind,
                "valid_until": (s.clock_now() + Duration::days(60)).to_rfc3339(),
                "activation": activation,
                "limit": "once_per_member",
                "premium_only": premium_only,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    if premium_only {
        assert_eq!(v["premium_only"], true, "{v}");
    } else {
        assert!(v.get("premium_only").is_none(), "{v}");
    }
    v["id"].as_str().unwrap().to_string()
}

async fn offer_ids(s: &TestServer, m: &Member) -> Vec<String> {
    let r = s.get("/v1/offers", &m.token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

async fn activate(s: &TestServer, m: &Member, offer: &str) -> Resp {
    s.call(
        "POST",
        &format!("/v1/offers/{offer}/activation"),
        Some(&m.token),
        Some(&key()),
        None,
    )
    .await
}

#[tokio::test]
async fn a_membership_is_recorded_and_read_back_in_me_and_a_bad_one_changes_nothing() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    assert_eq!(me(&s, &m).await["membership"], Value::Null);

    let record = plus(t0(), t0() + Duration::days(365), 200);
    let r = put_membership(&s, &m.id, record.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), record);
    assert_eq!(me(&s, &m).await["membership"], record);

    // Bad records: 400 with the domain's rule, and the stored record stays.
    let mut low = record.clone();
    low["points_percent"] = json!(50);
    let mut backwards = record.clone();
    backwards["ends_at"] = json!("2026-02-01T00:00:00Z");
    let mut unknown_field = record.clone();
    unknown_field["discount_percent"] = json!(5);
    let mut unnamed = record.clone();
    unnamed["name"]["fr"] = json!(" ");
    for (bad, rule) in [
        (low, "100 to 1000"),
        (backwards, "ends after it starts"),
        (unknown_field, "unknown field"),
        (unnamed, "(fr)"),
    ] {
        let r = put_membership(&s, &m.id, bad).await;
        r.assert_error(400, "invalid_input");
        let reason = r.json()["reason"].as_str().unwrap().to_string();
        assert!(reason.contains(rule), "{reason}");
    }
    assert_eq!(me(&s, &m).await["membership"], record);

    // An unknown member: 404 (and a bad record for them is still a 400). No till token: 401.
    put_membership(&s, "m_nobody", record.clone())
        .await
        .assert_error(404, "not_found");
    let r = s
        .call(
            "PUT",
            &membership_path(&m.id),
            Some(&m.token),
            None,
            Some(&record),
        )
        .await;
    r.assert_error(401, "unauthorized");

    // A renewal replaces the record; an Idempotency-Key is honoured when sent.
    let renewal = plus(t0() + Duration::days(365), t0() + Duration::days(730), 150);
    let k = key();
    let first = s
        .call(
            "PUT",
            &membership_path(&m.id),
            Some(TILL),
            Some(&k),
            Some(&renewal),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.text());
    let again = s
        .call(
            "PUT",
            &membership_path(&m.id),
            Some(TILL),
            Some(&k),
            Some(&renewal),
        )
        .await;
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let v = me(&s, &m).await;
    assert_eq!(v["membership"], renewal);
    // Stored whatever its dates: an upcoming record is shown as is.
    assert_eq!(v["membership"]["started_at"], "2027-03-01T09:00:00Z");

    // Another member is untouched.
    let other = s.enrol(None).await;
    assert_eq!(me(&s, &other).await["membership"], Value::Null);
}

#[tokio::test]
async fn a_till_purchase_earns_the_multiplier_while_active_and_as_everyone_at_the_instant_it_ends()
{
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let everyone = s.enrol(None).await;
    let ends_at = t0() + Duration::days(20);
    let r = put_membership(&s, &m.id, plus(t0() - Duration::days(1), ends_at, 200)).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // 43.90 €: 43 points for everyone, doubled while active.
    let lines = json!([line("Groceries", 1, 4390)]);
    let double = buy(&s, &m, lines.clone()).await;
    assert_eq!(double["points_earned"], 86);
    let entry = ledger_entry(&s, &m, &double).await;
    assert_eq!(entry["kind"], "earn");
    assert_eq!(entry["points"], 86);
    assert_eq!(entry["reference"], double["receipt"]["id"]);
    let plain = buy(&s, &everyone, lines.clone()).await;
    assert_eq!(plain["points_earned"], 43);

    // The last instant before the end: still doubled.
    s.clock.set(ends_at - Duration::milliseconds(1));
    let last = buy(&s, &m, lines.clone()).await;
    assert_eq!(last["points_earned"], 86);

    // At ends_at exactly: as everyone.
    s.clock.set(ends_at);
    let ended = buy(&s, &m, lines.clone()).await;
    assert_eq!(ended["points_earned"], 43);
    assert_eq!(ledger_entry(&s, &m, &ended).await["points"], 43);

    // Rounded in the member's favour: 43 × 150 % = 64.5 → 65.
    let r = put_membership(&s, &m.id, plus(ends_at, ends_at + Duration::days(365), 150)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let renewed = buy(&s, &m, lines).await;
    assert_eq!(renewed["points_earned"], 65);

    let (items, _, _) = s.drain("ledger", &m.token, None, 100).await;
    let (_, balance) = fold_ledger(&items);
    assert_eq!(balance, 86 + 86 + 43 + 65);
    // A receipt imported by the back office earns as before (no multiplier).
    let imported = s
        .admin(
            "POST",
            &format!("/v1/admin/members/{}/receipts", m.id),
            json!({
                "receipt": {
                    "id": "web-1",
                    "store_name": "Webshop",
                    "purchased_at": s.clock_now().to_rfc3339(),
                    "lines": [line("Groceries", 1, 4390)],
                    "source": "server",
                },
                "credit_points": true,
            }),
        )
        .await;
    assert_eq!(imported.status, 201, "{}", imported.text());
    assert_eq!(imported.json()["points_earned"], 43);
}

#[tokio::test]
async fn premium_only_offers_are_listed_activated_and_applied_only_while_the_membership_is_active()
{
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let plain = s.enrol(None).await;
    let ends_at = t0() + Duration::days(10);
    let r = put_membership(&s, &m.id, plus(t0(), ends_at, 100)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let general = publish(
        &s,
        json!({"type": "percent_off", "target": {"type": "product", "gtin": WINE}, "percent": 10}),
        "opt_in",
        false,
    )
    .await;
    let coffee = publish(
        &s,
        json!({"type": "percent_off", "target": {"type": "product", "gtin": COFFEE}, "percent": 20}),
        "automatic",
        true,
    )
    .await;
    let wine = publish(
        &s,
        json!({"type": "amount_off", "target": {"type": "product", "gtin": WINE},
               "amount": {"amount_minor": 200, "currency": "EUR"}}),
        "opt_in",
        true,
    )
    .await;

    // The premium member sees all three; the other member the general one only.
    let mut all = vec![general.clone(), coffee.clone(), wine.clone()];
    all.sort();
    let mut listed = offer_ids(&s, &m).await;
    listed.sort();
    assert_eq!(listed, all);
    assert_eq!(offer_ids(&s, &plain).await, vec![general.clone()]);
    let items = s.get("/v1/offers", &m.token).await.json();
    let shown = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == coffee.as_str())
        .unwrap()
        .clone();
    assert_eq!(shown["premium_only"], true);

    // Activating a premium-only offer without a membership: answered as an unknown offer.
    let unknown = activate(&s, &plain, "o_doesnotexist").await;
    unknown.assert_error(404, "not_found");
    let refused = activate(&s, &plain, &wine).await;
    refused.assert_error(404, "not_found");
    assert_eq!(refused.json(), unknown.json());
    // Also in a batch.
    let batch = json!({"items": [
        {"kind": "offer_activation", "idempotency_key": key(), "body": {"offer_id": wine}},
    ]});
    let r = s
        .call("POST", "/v1/batch", Some(&plain.token), None, Some(&batch))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let result = &r.json()["results"][0];
    assert_eq!(result["status"], 404);
    assert_eq!(result["body"], unknown.json());
    // The premium member activates it.
    let ok = activate(&s, &m, &wine).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["state"], "activated");

    // At the till: the premium member gets both premium offers, the other member neither.
    let lines = json!([item(COFFEE, "coffee", 1, 500), item(WINE, "wine", 1, 1000)]);
    let theirs = buy(&s, &plain, lines.clone()).await;
    assert_eq!(theirs["offers"]["used_offers"], json!([]));
    assert_eq!(theirs["offers"]["total_discount_minor"], 0);
    let mine = buy(&s, &m, lines.clone()).await;
    let mut both = vec![coffee.clone(), wine.clone()];
    both.sort();
    assert_eq!(mine["offers"]["used_offers"], json!(both));
    assert_eq!(mine["offers"]["total_discount_minor"], 100 + 200);

    // A new premium-only offer, not used yet: at the instant the membership ends it is no
    // longer listed, activated, nor applied.
    let late = publish(
        &s,
        json!({"type": "percent_off", "target": {"type": "category", "category": "coffee"}, "percent": 50}),
        "automatic",
        true,
    )
    .await;
    s.clock.set(ends_at - Duration::seconds(1));
    assert!(offer_ids(&s, &m).await.contains(&late));
    s.clock.set(ends_at);
    assert_eq!(offer_ids(&s, &m).await, vec![general.clone()]);
    activate(&s, &m, &late).await.assert_error(404, "not_found");
    let after = buy(&s, &m, lines).await;
    assert_eq!(after["offers"]["used_offers"], json!([]));
    assert_eq!(after["offers"]["total_discount_minor"], 0);

    // An upcoming membership (not started yet) opens nothing either.
    let r = put_membership(
        &s,
        &plain.id,
        plus(
            ends_at + Duration::days(1),
            ends_at + Duration::days(30),
            200,
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(offer_ids(&s, &plain).await, vec![general]);
}

#[tokio::test]
async fn a_cancellation_stops_the_benefits_at_once() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let r = put_membership(&s, &m.id, plus(t0(), t0() + Duration::days(365), 200)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let premium = publish(
        &s,
        json!({"type": "percent_off", "target": {"type": "product", "gtin": WINE}, "percent": 10}),
        "automatic",
        true,
    )
    .await;
    assert_eq!(offer_ids(&s, &m).await, vec![premium.clone()]);
    let lines = json!([line("Groceries", 1, 4390)]);
    assert_eq!(buy(&s, &m, lines.clone()).await["points_earned"], 86);

    let r = delete_membership(&s, &m.id).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());
    assert_eq!(me(&s, &m).await["membership"], Value::Null);
    assert_eq!(buy(&s, &m, lines).await["points_earned"], 43);
    assert!(offer_ids(&s, &m).await.is_empty());
    let wine = buy(&s, &m, json!([item(WINE, "wine", 1, 1000)])).await;
    assert_eq!(wine["offers"]["total_discount_minor"], 0);

    // Again: nothing to remove, still 204. An unknown member: 404. No till token: 401.
    assert_eq!(delete_membership(&s, &m.id).await.status, 204);
    delete_membership(&s, "m_nobody")
        .await
        .assert_error(404, "not_found");
    s.call(
        "DELETE",
        &membership_path(&m.id),
        Some(&m.token),
        None,
        None,
    )
    .await
    .assert_error(401, "unauthorized");
}

#[tokio::test]
async fn the_export_lists_the_membership_and_erasure_removes_it() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let other = s.enrol(None).await;
    let record = plus(t0(), t0() + Duration::days(365), 300);
    for member in [&m, &other] {
        let r = put_membership(&s, &member.id, record.clone()).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let export = s.get("/v1/me/export", &m.token).await;
    assert_eq!(export.status, 200, "{}", export.text());
    assert_eq!(export.json()["membership"], record);

    let erased = s.call("DELETE", "/v1/me", Some(&m.token), None, None).await;
    assert_eq!(erased.status, 200, "{}", erased.text());
    let conn = rusqlite::Connection::open_with_flags(
        s.data_dir().join(loyalty_server::DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mine: i64 = conn
        .query_row(
            "SELECT count(*) FROM memberships WHERE member_id = ?1",
            [&m.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(mine, 0);
    let theirs: i64 = conn
        .query_row("SELECT count(*) FROM memberships", [], |r| r.get(0))
        .unwrap();
    assert_eq!(theirs, 1, "another member's membership stays");
    assert_eq!(me(&s, &other).await["membership"], record);
    // The erased member is gone for the back office too.
    put_membership(&s, &m.id, record)
        .await
        .assert_error(404, "not_found");
}
