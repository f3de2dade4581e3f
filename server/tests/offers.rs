//! Personal offers over real HTTP against a real server and SQLite database: published by the
//! back office, listed and activated by members, applied at the till and used once.

mod common;

use chrono::Duration;
use common::*;
use loyalty_domain::card::{hex_decode, rotating_code, TotpParams};
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

fn title() -> Value {
    json!({"nl": "Koffie in promotie", "fr": "Café en promotion", "en": "Coffee on offer"})
}

/// Publishes an offer; `member` makes it personal. Returns its id.
async fn publish(s: &TestServer, kind: Value, activation: &str, member: Option<&str>) -> String {
    let mut body = json!({
        "title": title(),
        "kind": kind,
        "valid_until": (s.clock_now() + Duration::days(7)).to_rfc3339(),
        "activation": activation,
        "limit": "once_per_member",
    });
    if let Some(m) = member {
        body["member_id"] = json!(m);
    }
    let r = s.admin("POST", "/v1/admin/offers", body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

async fn activate(s: &TestServer, token: &str, offer: &str, key: &str) -> Resp {
    s.call(
        "POST",
        &format!("/v1/offers/{offer}/activation"),
        Some(token),
        Some(key),
        None,
    )
    .await
}

async fn offers_of(s: &TestServer, token: &str) -> Vec<Value> {
    let r = s.get("/v1/offers", token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["items"].as_array().unwrap().clone()
}

/// A till purchase with the member's rotating card code (as the till scans it).
async fn buy(s: &TestServer, m: &Member, lines: Value) -> Value {
    let secret = s.get("/v1/me/card-secret", &m.token).await.json();
    let secret = hex_decode(secret["secret_hex"].as_str().unwrap()).unwrap();
    let code = rotating_code(&m.card, &secret, &TotpParams::default(), s.clock_now()).unwrap();
    let body = json!({"card": code.payload, "store_name": "Gent Zuid", "lines": lines});
    let r = s.post("/v1/till/purchases", TILL, &key(), body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    // The next purchase needs the next code.
    s.clock.advance(Duration::seconds(31));
    r.json()
}

#[tokio::test]
async fn activation_is_idempotent_and_activating_twice_is_harmless() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let id = publish(
        &s,
        json!({"type": "percent_off", "target": {"type": "product", "gtin": COFFEE}, "percent": 20}),
        "opt_in",
        None,
    )
    .await;
    let listed = offers_of(&s, &m.token).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["state"], "available");
    assert_eq!(listed[0]["scope"], "general");
    assert_eq!(listed[0]["title"]["nl"], "Koffie in promotie");

    let k = key();
    let first = activate(&s, &m.token, &id, &k).await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.json()["state"], "activated");
    assert_eq!(first.json()["activated_at"], "2026-03-01T09:00:00Z");

    // The same key later: the stored answer, byte for byte.
    s.clock.advance(Duration::minutes(5));
    let replay = activate(&s, &m.token, &id, &k).await;
    assert_eq!(replay.status, 200);
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));

    // Another key (another device of the household): harmless, the first activation's time.
    let again = activate(&s, &m.token, &id, &key()).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["activated_at"], "2026-03-01T09:00:00Z");
    assert_eq!(again.header("idempotent-replayed"), None);

    let listed = offers_of(&s, &m.token).await;
    assert_eq!(listed[0]["state"], "activated");
    assert_eq!(listed[0]["activated_at"], "2026-03-01T09:00:00Z");

    // The same key for another offer: a different request, a conflict.
    let second = publish(
        &s,
        json!({"type": "percent_off", "target": {"type": "product", "gtin": WINE}, "percent": 5}),
        "opt_in",
        None,
    )
    .await;
    activate(&s, &m.token, &second, &k)
        .await
        .assert_error(409, "conflict");
    // A body other than {} is refused.
    let other = s
        .call(
            "POST",
            &format!("/v1/offers/{id}/activation"),
            Some(&m.token),
            Some(&k),
            Some(&json!({"x": 1})),
        )
        .await;
    other.assert_error(400, "invalid_input");
    // Without a key: refused (member writes need one); without a token: unauthorized.
    s.call(
        "POST",
        &format!("/v1/offers/{id}/activation"),
        Some(&m.token),
        None,
        None,
    )
    .await
    .assert_error(400, "invalid_input");
    activate(&s, "0".repeat(64).as_str(), &id, &key())
        .await
        .assert_error(401, "unauthorized");
}

#[tokio::test]
async fn unknown_others_and_ended_offers_are_refused_with_typed_errors() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let other = s.enrol(None).await;
    activate(&s, &m.token, "o_doesnotexist", &key())
        .await
        .assert_error(404, "not_found");
    activate(&s, &m.token, "bad%20id", &key())
        .await
        .assert_error(404, "not_found");

    let theirs = publish(
        &s,
        json!({"type": "points_multiplier", "target": {"type": "category", "category": "wine"}, "multiplier": 2}),
        "opt_in",
        Some(&other.id),
    )
    .await;
    let r = activate(&s, &m.token, &theirs, &key()).await;
    r.assert_error(422, "refused");
    assert_eq!(r.json()["refusal"], "not_yours");
    // A personal offer shows only to its member.
    assert!(offers_of(&s, &m.token).await.is_empty());
    let mine = offers_of(&s, &other.token).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["scope"], "personal");
    assert!(mine[0].get("member_id").is_none());

    let ending = publish(
        &s,
        json!({"type": "percent_off", "target": {"type": "product", "gtin": COFFEE}, "percent": 10}),
        "opt_in",
        None,
    )
    .await;
    s.clock.advance(Duration::days(8));
    let r = activate(&s, &m.token, &ending, &key()).await;
    r.assert_error(422, "refused");
    assert_eq!(r.json()["refusal"], "expired");
    assert!(
        offers_of(&s, &m.token).await.is_empty(),
        "ended offers drop out"
    );

    // The back office's bad input: a field and a rule named, no 5xx.
    let bad = s
        .admin(
            "POST",
            "/v1/admin/offers",
            json!({
                "title": {"nl": "x", "fr": "", "en": "x"},
                "kind": {"type": "percent_off", "target": {"type": "product", "gtin": COFFEE}, "percent": 10},
                "valid_until": (s.clock_now() + Duration::days(1)).to_rfc3339(),
                "activation": "opt_in",
                "limit": "once_per_member",
            }),
        )
        .await;
    bad.assert_error(400, "invalid_input");
    assert!(bad.json()["reason"]
        .as_str()
        .unwrap()
        .contains("title (fr)"));
    let nobody = s
        .admin(
            "POST",
            "/v1/admin/offers",
            json!({
                "title": title(),
                "kind": {"type": "percent_off", "target": {"type": "product", "gtin": COFFEE}, "percent": 10},
                "valid_until": (s.clock_now() + Duration::days(1)).to_rfc3339(),
                "activation": "opt_in",
                "limit": "once_per_member",
                "member_id": "m_nobody",
            }),
        )
        .await;
    nobody.assert_error(404, "not_found");
    // A misspelt member_id is refused, never published to everyone.
    let misspelt = s
        .admin(
            "POST",
            "/v1/admin/offers",
            json!({
                "title": title(),
                "kind": {"type": "percent_off", "target": {"type": "product", "gtin": COFFEE}, "percent": 10},
                "valid_until": (s.clock_now() + Duration::days(1)).to_rfc3339(),
                "activation": "opt_in",
                "limit": "once_per_member",
                "member": other.id,
            }),
        )
        .await;
    misspelt.assert_error(400, "invalid_input");
    assert!(offers_of(&s, &m.token).await.is_empty());
}

#[tokio::test]
async fn the_till_applies_a_percent_off_and_a_points_multiplier_once_per_member() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let pct = publish(
        &s,
        json!({"type": "percent_off", "target": {"type": "product", "gtin": COFFEE}, "percent": 15}),
        "opt_in",
        None,
    )
    .await;
    let x3 = publish(
        &s,
        json!({"type": "points_multiplier", "target": {"type": "category", "category": "wine"}, "multiplier": 3}),
        "automatic",
        Some(&m.id),
    )
    .await;
    // Not activated: the opt-in offer does not apply; the automatic one does.
    let lines = json!([item(COFFEE, "coffee", 3, 333), item(WINE, "wine", 1, 1250)]);
    let before = buy(&s, &m, lines.clone()).await;
    assert_eq!(before["offers"]["discounts"], json!([]));
    assert_eq!(before["offers"]["used_offers"], json!([x3]));
    assert!(activate(&s, &m.token, &pct, &key()).await.status == 200);

    // The automatic multiplier was used: the second purchase gets the percent off only.
    let v = buy(&s, &m, lines.clone()).await;
    let o = &v["offers"];
    // 3 × 3.33 = 9.99; 15 % = 1.4985 → 1.50 (rounded for the shopper), on line 0.
    assert_eq!(
        o["discounts"],
        json!([{"line": 0, "offer_id": pct, "amount_minor": 150}])
    );
    assert_eq!(o["total_discount_minor"], 150);
    assert_eq!(
        o["amount_due"],
        json!({"amount_minor": 999 + 1250 - 150, "currency": "EUR"})
    );
    assert_eq!(o["extra_points"], json!([]));
    assert_eq!(o["used_offers"], json!([pct]));
    // The receipt keeps the discount with the offer's title, and its total is what was paid.
    let kept = &v["receipt"]["discounts"];
    assert_eq!(kept.as_array().map(Vec::len), Some(1), "{kept}");
    assert_eq!(kept[0]["line"], 0);
    assert_eq!(kept[0]["offer_id"], pct.as_str());
    assert_eq!(kept[0]["amount_minor"], 150);
    assert!(kept[0]["title"]["nl"].is_string() && kept[0]["title"]["fr"].is_string());
    assert!(before["receipt"].get("discounts").is_none());
    // Base points on what was paid: 22.49 − 1.50 = 20.99 → 20.
    assert_eq!(v["points_earned"], 20);

    // The first purchase's multiplier: (3 − 1) × 12.50 = 25 extra points, in the ledger.
    let b = &before["offers"];
    assert_eq!(
        b["extra_points"],
        json!([{"line": 1, "offer_id": x3, "multiplier": 3, "extra_points": 25}])
    );
    assert_eq!(b["extra_points_total"], 25);
    let extra_id = b["ledger_ids"][0].as_str().unwrap().to_string();
    let (ledger, _, _) = s.drain("ledger", &m.token, None, 50).await;
    let entry = ledger
        .iter()
        .find(|e| e["id"] == extra_id.as_str())
        .unwrap();
    assert_eq!(entry["kind"], "earn");
    assert_eq!(entry["points"], 25);
    assert_eq!(entry["reference"], x3.as_str());
    let (_, balance) = fold_ledger(&ledger);
    assert_eq!(balance, 22 + 25 + 20);

    // Both used now: a third purchase gets nothing, and the list says so.
    let third = buy(&s, &m, lines).await;
    assert_eq!(third["offers"]["used_offers"], json!([]));
    assert_eq!(third["offers"]["total_discount_minor"], 0);
    let listed = offers_of(&s, &m.token).await;
    assert!(listed.iter().all(|o| o["state"] == "used"), "{listed:?}");
    assert!(listed.iter().all(|o| o["used_at"].is_string()));
    // Activating a used offer changes nothing.
    let again = activate(&s, &m.token, &pct, &key()).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["state"], "used");

    // Another member still has the general offer; with their own double points on coffee,
    // one purchase gets both: 15 % of 5.00 = 0.75 off, and (2 − 1) × 4.25 paid → 5 points.
    let n = s.enrol(None).await;
    assert!(activate(&s, &n.token, &pct, &key()).await.status == 200);
    let x2 = publish(
        &s,
        json!({"type": "points_multiplier", "target": {"type": "category", "category": "coffee"}, "multiplier": 2}),
        "opt_in",
        Some(&n.id),
    )
    .await;
    assert!(activate(&s, &n.token, &x2, &key()).await.status == 200);
    let theirs = buy(&s, &n, json!([item(COFFEE, "coffee", 1, 500)])).await;
    let o = &theirs["offers"];
    assert_eq!(
        o["discounts"],
        json!([{"line": 0, "offer_id": pct, "amount_minor": 75}])
    );
    assert_eq!(
        o["extra_points"],
        json!([{"line": 0, "offer_id": x2, "multiplier": 2, "extra_points": 5}])
    );
    let mut both = vec![pct.clone(), x2.clone()];
    both.sort();
    assert_eq!(o["used_offers"], json!(both));
    assert_eq!(o["amount_due"]["amount_minor"], 425);
}

#[tokio::test]
async fn an_offer_outside_its_window_is_not_applied() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    // Starts tomorrow: can be activated now, but applies only from tomorrow.
    let body = json!({
        "title": title(),
        "kind": {"type": "amount_off", "target": {"type": "product", "gtin": COFFEE},
                 "amount": {"amount_minor": 100, "currency": "EUR"}},
        "valid_from": (s.clock_now() + Duration::days(1)).to_rfc3339(),
        "valid_until": (s.clock_now() + Duration::days(2)).to_rfc3339(),
        "activation": "opt_in",
        "limit": "once_per_household",
    });
    let r = s.admin("POST", "/v1/admin/offers", body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(activate(&s, &m.token, &id, &key()).await.status, 200);
    let lines = json!([item(COFFEE, "coffee", 1, 450)]);
    let early = buy(&s, &m, lines.clone()).await;
    assert_eq!(early["offers"]["total_discount_minor"], 0);

    s.clock.advance(Duration::days(1));
    let on_time = buy(&s, &m, lines.clone()).await;
    assert_eq!(on_time["offers"]["total_discount_minor"], 100);

    // Ended (and the used one aside): a new offer that ended is never applied.
    let ended = publish(
        &s,
        json!({"type": "percent_off", "target": {"type": "product", "gtin": COFFEE}, "percent": 50}),
        "automatic",
        None,
    )
    .await;
    s.clock.advance(Duration::days(8));
    let late = buy(&s, &m, lines).await;
    assert_eq!(late["offers"]["total_discount_minor"], 0);
    assert!(!late["offers"]["used_offers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u == ended.as_str()));
}

#[tokio::test]
async fn a_replayed_till_purchase_uses_the_offer_once_and_erasure_removes_the_members_offers() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let free = publish(
        &s,
        json!({"type": "free_product", "gtin": WINE, "quantity": 1}),
        "automatic",
        Some(&m.id),
    )
    .await;
    let k = key();
    let body = json!({"card": m.card, "store_name": "Gent Zuid",
                      "lines": [item(WINE, "wine", 2, 800)]});
    let first = s.post("/v1/till/purchases", TILL, &k, body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let v = first.json();
    assert_eq!(
        v["offers"]["free_items"],
        json!([{"line": 0, "offer_id": free, "gtin": WINE, "quantity": 1}])
    );
    assert_eq!(v["offers"]["total_discount_minor"], 800);
    let replay = s.post("/v1/till/purchases", TILL, &k, body.clone()).await;
    assert_eq!(replay.body, first.body);
    let second = s.post("/v1/till/purchases", TILL, &key(), body).await;
    assert_eq!(second.json()["offers"]["total_discount_minor"], 0);

    // The export holds the member's offer and its use.
    let export = s.get("/v1/me/export", &m.token).await.json();
    let offers = export["offers"].as_array().unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0]["id"], free.as_str());
    assert_eq!(offers[0]["state"], "used");

    let erased = s.call("DELETE", "/v1/me", Some(&m.token), None, None).await;
    assert_eq!(erased.status, 200, "{}", erased.text());
    let conn = rusqlite::Connection::open_with_flags(
        s.data_dir().join(loyalty_server::DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    for table in ["offers", "offer_activations", "offer_redemptions"] {
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
}

#[tokio::test]
async fn an_activation_queued_offline_arrives_in_a_batch_and_replays_across_both_forms() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let id = publish(
        &s,
        json!({"type": "percent_off", "target": {"type": "category", "category": "coffee"}, "percent": 10}),
        "opt_in",
        None,
    )
    .await;
    let k = key();
    let batch = json!({"items": [
        {"kind": "offer_activation", "idempotency_key": k, "body": {"offer_id": id}},
        {"kind": "offer_activation", "idempotency_key": key(), "body": {"offer_id": "o_unknown"}},
        {"kind": "offer_activation", "body": {"offer_id": id}},
    ]});
    let r = s
        .call("POST", "/v1/batch", Some(&m.token), None, Some(&batch))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let results = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(results[0]["status"], 200);
    assert_eq!(results[0]["body"]["state"], "activated");
    assert_eq!(results[1]["status"], 404);
    assert_eq!(results[1]["body"]["error"], "not_found");
    assert_eq!(results[2]["status"], 400, "an activation needs its key");
    // The same key alone: the batch's answer, replayed.
    let alone = activate(&s, &m.token, &id, &k).await;
    assert_eq!(alone.status, 200);
    assert_eq!(alone.header("idempotent-replayed"), Some("true"));
    assert_eq!(alone.json(), results[0]["body"]);
    assert_eq!(offers_of(&s, &m.token).await[0]["state"], "activated");
}
