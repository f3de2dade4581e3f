//! Signed receipts with selective disclosure (issue #12, part 2), over real HTTP against a real
//! server: every receipt the feed delivers carries the retailer's seal, the phone's proof of one
//! line verifies offline with the published key and at `POST /v1/till/receipt-proofs`, and an
//! altered or foreign proof is refused with its reason.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::Duration;
use common::*;
use loyalty_domain::card::parse_public_key_hex;
use loyalty_domain::proof::{line_proof, seal_receipt, verify_line_proof, verify_seal};
use loyalty_domain::receipts::Receipt;
use serde_json::{json, Value};

async fn public_key(s: &TestServer) -> [u8; 32] {
    let r = s.call("GET", "/v1/voucher-key", None, None, None).await;
    assert_eq!(r.status, 200);
    let hex = r.json()["public_key_hex"].as_str().unwrap().to_string();
    parse_public_key_hex(&hex).unwrap()
}

async fn receipts(s: &TestServer, token: &str) -> Vec<Receipt> {
    let r = s.get("/v1/receipts", token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    serde_json::from_value(r.json()["items"].clone()).unwrap()
}

async fn verify(s: &TestServer, proof: &str) -> common::Resp {
    s.call(
        "POST",
        "/v1/till/receipt-proofs",
        Some(TILL),
        None,
        Some(&json!({ "proof": proof })),
    )
    .await
}

#[tokio::test]
async fn a_delivered_receipt_proves_one_line_at_the_till_and_hides_the_rest() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let mut kettle = line("Waterkoker 1,7 l", 1, 3999);
    kettle["category"] = json!("household");
    kettle["warranty_months"] = json!(24);
    let lines = vec![
        line("Bananen", 2, 149),
        kettle,
        line("Chocolade", 3, 250),
        line("Koffie", 1, 599),
        line("Melk", 6, 109),
    ];
    let r = s
        .post(
            "/v1/till/purchases",
            TILL,
            &key(),
            json!({"card": m.card, "store_name": "Gent Zuid", "lines": lines}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let key = public_key(&s).await;

    let delivered = receipts(&s, &m.token).await;
    assert_eq!(delivered.len(), 1);
    let receipt = &delivered[0];
    assert!(receipt.seal.is_some(), "the feed seals what it delivers");
    assert_eq!(verify_seal(receipt, &key), Ok(()));
    // The same seal at every read (the phone's stored copy stays equal to the server's).
    assert_eq!(receipts(&s, &m.token).await, delivered);

    let proof = line_proof(receipt, 1).unwrap();
    let offline = verify_line_proof(&proof, &key).unwrap();
    assert_eq!(offline.line.name, "Waterkoker 1,7 l");
    let r = verify(&s, &proof).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["receipt_id"], json!(receipt.id));
    assert_eq!(v["store_name"], "Gent Zuid");
    assert_eq!(v["line_index"], 1);
    assert_eq!(v["line_count"], 5);
    assert_eq!(v["line"]["name"], "Waterkoker 1,7 l");
    assert_eq!(v["paid_minor"], 3999);
    let until = receipt.purchased_at.timestamp() + Duration::days(730).num_seconds();
    let answered = chrono::DateTime::parse_from_rfc3339(v["warranty_until"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert!(
        (until - answered).abs() <= 2 * 86_400,
        "24 months after purchase"
    );
    // Nothing of the other lines travels in the code.
    let payload = String::from_utf8(
        URL_SAFE_NO_PAD
            .decode(proof.split('.').nth(2).unwrap())
            .unwrap(),
    )
    .unwrap();
    for other in ["Bananen", "Chocolade", "Koffie", "Melk"] {
        assert!(!payload.contains(other));
    }
}

#[tokio::test]
async fn altered_foreign_and_garbage_proofs_are_refused_with_their_reason() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let r = s
        .post(
            "/v1/till/purchases",
            TILL,
            &key(),
            json!({"card": m.card, "store_name": "Liège Centre",
                   "lines": [line("Café", 1, 499), line("Pain", 2, 289)]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let receipt = receipts(&s, &m.token).await.remove(0);
    let proof = line_proof(&receipt, 0).unwrap();

    // A cheaper price written into a genuine proof.
    let parts: Vec<&str> = proof.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
    payload["l"]["u"] = json!(1);
    let altered = format!(
        "{}.{}.{}.{}",
        parts[0],
        parts[1],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap()),
        parts[3]
    );
    // The same receipt sealed by another retailer.
    let mut foreign = receipt.clone();
    let other_key = loyalty_domain::card::new_signing_key();
    foreign.seal = Some(seal_receipt(&foreign, &other_key).unwrap());
    let foreign = line_proof(&foreign, 0).unwrap();

    for (code, refusal) in [
        (altered.as_str(), "not_genuine"),
        (foreign.as_str(), "other_retailer"),
        ("LRP1.nonsense", "malformed"),
        ("https://example.com/not-a-proof", "malformed"),
    ] {
        let r = verify(&s, code).await;
        r.assert_error(422, "refused");
        assert_eq!(r.json()["refusal"], refusal, "{code}");
        assert!(!r.text().contains("Café"), "no line content in a refusal");
    }
    // Without the till's token: refused before anything is looked at.
    let r = s
        .call(
            "POST",
            "/v1/till/receipt-proofs",
            Some(&m.token),
            None,
            Some(&json!({ "proof": proof })),
        )
        .await;
    r.assert_error(401, "unauthorized");
    // A body that is not the request.
    let r = s
        .call(
            "POST",
            "/v1/till/receipt-proofs",
            Some(TILL),
            None,
            Some(&json!({ "code": proof })),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
}
