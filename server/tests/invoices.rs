//! Company invoices for receipts (issue #12), over real HTTP against a real server. Every UBL
//! invoice issued here is also written to `$UBL_OUT_DIR` when set: tests/ubl/run.sh validates
//! them with the Peppol validator, together with the domain's samples.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use serde_json::{json, Value};

fn proximus() -> Value {
    json!({
        "name": "Proximus NV",
        "street": "Koning Albert II-laan 27",
        "city": "Brussel",
        "postal_code": "1030",
        "country": "BE",
        "vat_id": "BE 0202.239.951"
    })
}

fn dutch_company() -> Value {
    json!({
        "name": "Voorbeeld B.V.",
        "street": "Stationsplein 1",
        "city": "Utrecht",
        "postal_code": "3511 ED",
        "country": "NL",
        "vat_id": "NL 0044.95.445.B01"
    })
}

/// A line with its category (6 % for food, 21 % for the rest on the demo seller).
fn item(name: &str, qty: i64, cents: i64, category: &str) -> Value {
    let mut l = line(name, qty, cents);
    l["category"] = json!(category);
    l
}

/// Imports a receipt into `member_id`'s history, bought at `at`.
async fn import(s: &TestServer, member_id: &str, id: &str, at: DateTime<Utc>, lines: Vec<Value>) {
    let r = s
        .admin(
            "POST",
            &format!("/v1/admin/members/{member_id}/receipts"),
            json!({"receipt": {
                "id": id,
                "store_name": "Demo Halle",
                "purchased_at": at.to_rfc3339(),
                "lines": lines,
                "source": "server",
                "return_window_days": null
            }}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
}

/// Writes the UBL of an issued invoice to `$UBL_OUT_DIR/server-<test>-<number>.xml` when set.
fn keep_ubl(test: &str, invoice: &Value) {
    let Ok(dir) = std::env::var("UBL_OUT_DIR") else {
        return;
    };
    std::fs::create_dir_all(&dir).expect("UBL_OUT_DIR can be created");
    let number = invoice["number"].as_str().expect("a number");
    let path = std::path::Path::new(&dir).join(format!("server-{test}-{number}.xml"));
    std::fs::write(path, invoice["ubl"].as_str().expect("a UBL document"))
        .expect("the UBL is written");
}

fn path(receipt_id: &str) -> String {
    format!("/v1/receipts/{receipt_id}/invoice")
}

#[tokio::test]
async fn a_receipt_is_invoiced_once_with_idempotent_replays_and_conflicting_buyers_refused() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    // 23:30 UTC on 28 February is 00:30 on 1 March in Brussels: the date of sale is 1 March.
    let bought = Utc.with_ymd_and_hms(2026, 2, 28, 23, 30, 0).unwrap();
    import(
        &s,
        &m.id,
        "r-mixed",
        bought,
        vec![
            item("Bread", 2, 249, "food"),
            item("Dish soap", 1, 399, "household"),
            item("Apples 1 kg", 3, 199, "fruit"),
        ],
    )
    .await;

    let k = key();
    let body = json!({"company": proximus(), "lang": "fr"});
    let first = s.post(&path("r-mixed"), &m.token, &k, body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.header("cache-control"), Some("no-store"));
    let inv = first.json();
    keep_ubl("once", &inv);
    assert_eq!(inv["number"], "2026-000001");
    assert_eq!(inv["receipt_id"], "r-mixed");
    assert_eq!(inv["issue_date"], "2026-03-01");
    assert_eq!(inv["lang"], "fr");
    assert_eq!(inv["buyer"]["vat_id"], "BE0202239951");
    assert_eq!(inv["buyer"]["name"], "Proximus NV");
    let ubl = inv["ubl"].as_str().unwrap();
    assert!(ubl.contains("<cbc:ID>2026-000001</cbc:ID>"));
    assert!(ubl.contains("<cbc:IssueDate>2026-03-01</cbc:IssueDate>"));
    assert!(ubl.contains("<cbc:ActualDeliveryDate>2026-03-01</cbc:ActualDeliveryDate>"));
    // The demo seller: its enterprise number as the Peppol endpoint; the buyer's likewise.
    assert!(ubl.contains(r#"<cbc:EndpointID schemeID="0208">0765432146</cbc:EndpointID>"#));
    assert!(ubl.contains(r#"<cbc:EndpointID schemeID="0208">0202239951</cbc:EndpointID>"#));
    // 2 × 2.49 + 3 × 1.99 = 10.95 at 6 %, 3.99 at 21 %: paid 14.94.
    assert!(ubl.contains(r#"<cbc:PrepaidAmount currencyID="EUR">14.94</cbc:PrepaidAmount>"#));
    assert!(ubl.contains(r#"<cbc:PayableAmount currencyID="EUR">0.00</cbc:PayableAmount>"#));
    assert!(ubl.contains(r#"<cbc:Percent>6</cbc:Percent>"#));
    assert!(ubl.contains(r#"<cbc:Percent>21</cbc:Percent>"#));
    assert!(inv["html"].as_str().unwrap().contains("<html lang=\"fr\">"));

    // The same key again: the stored answer, byte for byte.
    let replay = s.post(&path("r-mixed"), &m.token, &k, body.clone()).await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, first.body);

    // Another request for the same receipt and buyer (separators differ): the same invoice.
    let same_buyer = json!({"company": {
        "name": "Proximus NV", "street": "Koning Albert II-laan 27", "city": "Brussel",
        "postal_code": "1030", "country": "be", "vat_id": "BE0202239951"
    }});
    let again = s.post(&path("r-mixed"), &m.token, &key(), same_buyer).await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.header("idempotent-replayed"), None);
    assert_eq!(again.json()["number"], "2026-000001");
    assert_eq!(again.json()["ubl"], inv["ubl"]);

    // Another buyer for the same receipt: refused, and nothing is numbered.
    let other = s
        .post(
            &path("r-mixed"),
            &m.token,
            &key(),
            json!({"company": dutch_company()}),
        )
        .await;
    other.assert_error(409, "conflict");
    assert!(!other.text().contains("Voorbeeld"));

    // The same key for another request: a conflict too.
    s.post(
        &path("r-mixed"),
        &m.token,
        &k,
        json!({"company": dutch_company()}),
    )
    .await
    .assert_error(409, "conflict");

    // GET answers the invoice, also from another device of the household.
    let device = s.second_device(&m).await;
    let got = s.get(&path("r-mixed"), &device).await;
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(got.json(), inv);

    // The next invoice takes the next number, also after a restart; a Dutch buyer in Dutch.
    import(
        &s,
        &m.id,
        "r-second",
        t0() - Duration::days(1),
        vec![
            item("Coffee beans", 1, 1299, "food"),
            item("Mug", 2, 650, "home"),
        ],
    )
    .await;
    let mut s = s;
    s.restart().await;
    let second = s
        .post(
            &path("r-second"),
            &m.token,
            &key(),
            json!({"company": dutch_company(), "lang": "nl"}),
        )
        .await;
    assert_eq!(second.status, 201, "{}", second.text());
    let second = second.json();
    keep_ubl("once", &second);
    assert_eq!(second["number"], "2026-000002");
    assert!(second["html"]
        .as_str()
        .unwrap()
        .contains("<html lang=\"nl\">"));
    assert!(second["ubl"]
        .as_str()
        .unwrap()
        .contains(r#"<cbc:EndpointID schemeID="9944">NL004495445B01</cbc:EndpointID>"#));
}

#[tokio::test]
async fn a_bad_vat_number_is_refused_with_its_own_code_and_takes_no_number() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    import(&s, &m.id, "r-1", t0(), vec![item("Rice", 1, 299, "food")]).await;

    let mut bad = proximus();
    bad["vat_id"] = json!("BE0202239952");
    for (method, p, body) in [
        ("POST", path("r-1"), json!({"company": bad.clone()})),
        ("PUT", "/v1/me/company".to_string(), bad.clone()),
    ] {
        let r = s
            .call(method, &p, Some(&m.token), Some(&key()), Some(&body))
            .await;
        r.assert_error(400, "invalid_vat_number");
        let reason = r.json()["reason"].as_str().unwrap().to_string();
        assert!(reason.contains("check digits"), "{reason}");
        assert!(!reason.contains("0202239952") && !reason.contains("Proximus"));
    }
    // A prefix that disagrees with the country, a malformed number, a missing field.
    let mut other_country = proximus();
    other_country["country"] = json!("NL");
    let mut malformed = proximus();
    malformed["vat_id"] = json!("BE12");
    for company in [other_country, malformed] {
        s.post(&path("r-1"), &m.token, &key(), json!({"company": company}))
            .await
            .assert_error(400, "invalid_vat_number");
    }
    let mut no_name = proximus();
    no_name["name"] = json!("  ");
    s.post(&path("r-1"), &m.token, &key(), json!({"company": no_name}))
        .await
        .assert_error(400, "invalid_input");
    s.post(
        &path("r-1"),
        &m.token,
        &key(),
        json!({"company": proximus(), "lang": "de"}),
    )
    .await
    .assert_error(400, "invalid_input");
    // None of these took a number, and nothing was saved.
    s.get("/v1/me/company", &m.token)
        .await
        .assert_error(404, "not_found");
    let ok = s
        .post(
            &path("r-1"),
            &m.token,
            &key(),
            json!({"company": proximus(), "lang": "en"}),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    keep_ubl("badvat", &ok.json());
    assert_eq!(ok.json()["number"], "2026-000001");
}

#[tokio::test]
async fn another_members_receipt_or_an_unknown_one_is_not_found() {
    let s = TestServer::start().await;
    let a = s.enrol(None).await;
    let b = s.enrol(None).await;
    import(&s, &a.id, "r-a", t0(), vec![item("Milk", 2, 119, "dairy")]).await;

    for receipt in ["r-a", "r-unknown"] {
        s.post(
            &path(receipt),
            &b.token,
            &key(),
            json!({"company": proximus()}),
        )
        .await
        .assert_error(404, "not_found");
        s.get(&path(receipt), &b.token)
            .await
            .assert_error(404, "not_found");
    }
    // Not invoiced yet: 404 for its owner too; no token: 401.
    s.get(&path("r-a"), &a.token)
        .await
        .assert_error(404, "not_found");
    s.call("GET", &path("r-a"), None, None, None)
        .await
        .assert_error(401, "unauthorized");
    // Issued for A, still not B's.
    let issued = s
        .post(
            &path("r-a"),
            &a.token,
            &key(),
            json!({"company": proximus()}),
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.text());
    keep_ubl("notfound", &issued.json());
    s.get(&path("r-a"), &b.token)
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn the_saved_company_is_reused_for_the_next_invoice() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    import(&s, &m.id, "r-1", t0(), vec![item("Pasta", 4, 129, "food")]).await;
    import(
        &s,
        &m.id,
        "r-2",
        t0(),
        vec![item("Batteries", 1, 899, "electronics")],
    )
    .await;
    import(
        &s,
        &m.id,
        "r-3",
        t0(),
        vec![item("Cheese", 1, 450, "dairy")],
    )
    .await;

    s.get("/v1/me/company", &m.token)
        .await
        .assert_error(404, "not_found");
    // No company given and none saved.
    s.post(&path("r-1"), &m.token, &key(), json!({}))
        .await
        .assert_error(400, "invalid_input");

    // Saved with PUT (normalised), then used by an invoice that names no company.
    let put = s
        .call(
            "PUT",
            "/v1/me/company",
            Some(&m.token),
            None,
            Some(&dutch_company()),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(put.json()["vat_id"], "NL004495445B01");
    assert_eq!(s.get("/v1/me/company", &m.token).await.json(), put.json());
    let first = s.post(&path("r-1"), &m.token, &key(), json!({})).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let first = first.json();
    keep_ubl("saved", &first);
    assert_eq!(first["buyer"], put.json());
    assert_eq!(first["lang"], "nl");

    // An invoice to another company saves that one for the next request.
    let second = s
        .post(
            &path("r-2"),
            &m.token,
            &key(),
            json!({"company": proximus()}),
        )
        .await;
    assert_eq!(second.status, 201, "{}", second.text());
    keep_ubl("saved", &second.json());
    let saved = s.get("/v1/me/company", &m.token).await.json();
    assert_eq!(saved["vat_id"], "BE0202239951");
    let third = s.post(&path("r-3"), &m.token, &key(), json!({})).await;
    assert_eq!(third.status, 201, "{}", third.text());
    keep_ubl("saved", &third.json());
    assert_eq!(third.json()["buyer"], saved);
    assert_eq!(third.json()["number"], "2026-000003");

    // Asking again for an invoiced receipt without a company: the stored invoice.
    let again = s.post(&path("r-1"), &m.token, &key(), json!({})).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json(), first);

    // Forgotten (the shopper removed them in the app): 204, twice; the invoices issued keep
    // their buyer.
    for _ in 0..2 {
        let forgot = s
            .call("DELETE", "/v1/me/company", Some(&m.token), None, None)
            .await;
        assert_eq!(forgot.status, 204, "{}", forgot.text());
    }
    s.get("/v1/me/company", &m.token)
        .await
        .assert_error(404, "not_found");
    assert_eq!(s.get(&path("r-1"), &m.token).await.json(), first);
}

#[tokio::test]
async fn an_erased_account_leaves_its_invoices_without_its_company_details() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    import(&s, &m.id, "r-1", t0(), vec![item("Tea", 1, 349, "food")]).await;
    let r = s
        .post(
            &path("r-1"),
            &m.token,
            &key(),
            json!({"company": proximus()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    // Until then the member's export holds the invoice and the saved company.
    let export = s.get("/v1/me/export", &m.token).await;
    assert_eq!(export.status, 200, "{}", export.text());
    let export = export.json();
    assert_eq!(export["company"]["vat_id"], "BE0202239951");
    assert_eq!(export["invoices"].as_array().unwrap().len(), 1);
    assert_eq!(export["invoices"][0], r.json());
    let erased = s.call("DELETE", "/v1/me", Some(&m.token), None, None).await;
    assert_eq!(erased.status, 200, "{}", erased.text());
    // A new member's first invoice takes the next number: the erased one's stays issued.
    let n = s.enrol(None).await;
    import(&s, &n.id, "r-2", t0(), vec![item("Tea", 1, 349, "food")]).await;
    let next = s
        .post(
            &path("r-2"),
            &n.token,
            &key(),
            json!({"company": proximus()}),
        )
        .await;
    assert_eq!(next.status, 201, "{}", next.text());
    assert_eq!(next.json()["number"], "2026-000002");
    // The erased member's saved company went with the account; the new member's is its own.
    let saved = s.get("/v1/me/company", &n.token).await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    assert_eq!(saved.json()["vat_id"], "BE0202239951");
}

#[tokio::test]
async fn an_invoice_request_and_the_company_go_through_the_batch_as_through_their_endpoints() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    import(&s, &m.id, "r-1", t0(), vec![item("Oats", 2, 239, "food")]).await;
    import(
        &s,
        &m.id,
        "r-2",
        t0(),
        vec![item("Soap", 1, 199, "household")],
    )
    .await;
    let k = key();
    let mut bad = proximus();
    bad["vat_id"] = json!("BE0202239952");
    let r = s
        .post(
            "/v1/batch",
            &m.token,
            &key(),
            json!({"items": [
                {"kind": "company", "body": dutch_company()},
                {"kind": "invoice", "idempotency_key": k, "body": {"receipt_id": "r-1", "lang": "en"}},
                {"kind": "invoice", "idempotency_key": key(), "body": {"receipt_id": "r-2", "company": bad}},
                {"kind": "invoice", "body": {"receipt_id": "r-2"}}
            ]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let results = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(results[0]["status"], 200);
    assert_eq!(results[0]["body"]["vat_id"], "NL004495445B01");
    // The company saved by the item before is the buyer of the invoice after it.
    assert_eq!(results[1]["status"], 201, "{}", results[1]);
    let inv = results[1]["body"].clone();
    keep_ubl("batch", &inv);
    assert_eq!(inv["number"], "2026-000001");
    assert_eq!(inv["buyer"]["vat_id"], "NL004495445B01");
    assert_eq!(results[2]["status"], 400);
    assert_eq!(results[2]["body"]["error"], "invalid_vat_number");
    assert!(!results[2].to_string().contains("0202239952"));
    // An invoice item without its own idempotency key is refused, as on the endpoint.
    assert_eq!(results[3]["status"], 400);
    assert_eq!(results[3]["body"]["error"], "invalid_input");

    // The item's key on the single endpoint: its stored first answer.
    let replay = s
        .post(&path("r-1"), &m.token, &k, json!({"lang": "en"}))
        .await;
    assert_eq!(replay.status, 201, "{}", replay.text());
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.json(), inv);
    // The refused item took no number.
    let next = s.post(&path("r-2"), &m.token, &key(), json!({})).await;
    assert_eq!(next.status, 201, "{}", next.text());
    keep_ubl("batch", &next.json());
    assert_eq!(next.json()["number"], "2026-000002");
}
