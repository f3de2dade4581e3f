//! The member card exported where no rotating code exists (Catima, Apple Wallet) carries the
//! static code, the card number. This checks, end to end through the binary and a real reference
//! server, that the till policy holds for exactly what those exports carry: the till credits a
//! purchase to it (`POST /v1/till/purchases`), and refuses it, with the true reason, where a
//! rotating code must prove the phone is present (`POST /v1/till/scans`).

mod support;

use support::{ok, run_in, Server};

use loyalty_core::formats::catima;
use serde_json::{json, Value};
use std::io::Read;

const TILL_TOKEN: &str = "till-token-for-the-export-test-0123456789";

fn purchase(card: &str) -> Value {
    json!({
        "card": card,
        "store_name": "Main Street",
        "lines": [{"gtin": "5901234123457", "name": "Dog food 10 kg", "quantity": 1,
                   "unit_price": {"amount_minor": 3499, "currency": "EUR"},
                   "category": "pet food"}]
    })
}

#[test]
fn the_till_credits_what_the_catima_and_apple_wallet_exports_carry() {
    let server = Server::with_till_token(TILL_TOKEN);
    let phone = tempfile::tempdir().unwrap();
    let url = server.url.clone();
    let enrolled: Value = serde_json::from_str(&ok(run_in(
        phone.path(),
        &["--json", "sync", "--server", &url, "enrol", "--name", "Sam"],
    )))
    .unwrap();
    let card_number = enrolled["card_number"].as_str().unwrap().to_string();

    // What Catima gets: the member card's barcode value.
    let csv = phone.path().join("catima.csv");
    ok(run_in(
        phone.path(),
        &[
            "cards",
            "export-catima",
            csv.to_str().unwrap(),
            "--with-member-card",
        ],
    ));
    let parsed = catima::parse(&std::fs::read(&csv).unwrap()).unwrap();
    let in_catima = parsed
        .data
        .cards
        .iter()
        .map(|c| c.barcode_id.clone().unwrap_or_else(|| c.card_id.clone()))
        .find(|v| v.contains(&card_number))
        .expect("the member card is in the Catima export");

    // What Apple Wallet gets: pass.json's barcode message.
    let pass = phone.path().join("card.pkpass");
    ok(run_in(
        phone.path(),
        &["card", "export-pkpass", "--out", pass.to_str().unwrap()],
    ));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&pass).unwrap()).unwrap();
    let mut pass_json = String::new();
    zip.by_name("pass.json")
        .unwrap()
        .read_to_string(&mut pass_json)
        .unwrap();
    let pass_json: Value = serde_json::from_str(&pass_json).unwrap();
    let in_wallet = pass_json["barcodes"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();

    for (what, scanned) in [("Catima", &in_catima), ("Apple Wallet", &in_wallet)] {
        // A purchase credits the member: the till accepts the static code for earning.
        let (status, answer) = server.till("/v1/till/purchases", &purchase(scanned));
        assert_eq!(status, 201, "{what}: {answer}");
        assert!(answer["points_earned"].as_i64().unwrap() > 0, "{answer}");
        // Where a code must prove the phone is there, it is refused, and named for what it is.
        let (status, answer) = server.till("/v1/till/scans", &json!({ "payload": scanned }));
        assert_eq!(status, 422, "{what}: {answer}");
        assert_eq!(answer["refusal"], "not_rotating", "{what}: {answer}");
    }

    // Both purchases reach the phone's balance at the next sync.
    ok(run_in(phone.path(), &["sync", "now"]));
    let ledger: Value =
        serde_json::from_str(&ok(run_in(phone.path(), &["--json", "points", "ledger"]))).unwrap();
    let earned = ledger
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "earn")
        .count();
    assert_eq!(earned, 2, "{ledger}");
}
