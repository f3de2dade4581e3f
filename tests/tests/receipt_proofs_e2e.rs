//! Signed receipts with selective disclosure end to end (issue #12, part 2): the reference
//! server on loopback seals the receipts its feed delivers; a real device syncs them into its
//! sled store, makes the proof of one line offline (the QR for a warranty claim or a return),
//! and the till verifies it — offline with the retailer's key and at
//! `POST /v1/till/receipt-proofs` — seeing that line and nothing of the rest of the basket.

mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use loyalty_core::proof::{verify_line_proof, ProofRefusal};
use loyalty_core::reminders::Lang;
use loyalty_core::LoyaltyError;
use serde_json::json;
use support::{http, http_ok, test_config, Device, Proxy, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synced_receipt_proves_one_line_offline_and_at_the_till() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let ann = Device::new(test_config());
    ann.client
        .sync()
        .enrol(proxy.base_url(), Some("Ann".into()))
        .await
        .expect("enrolment");
    let key = http_ok(server.addr, "GET", "/v1/voucher-key", None, None).await;
    let key_hex = key["public_key_hex"].as_str().unwrap();
    ann.client.wallet().set_retailer_key(key_hex).unwrap();
    let public_key = loyalty_core::card::parse_public_key_hex(key_hex).unwrap();

    let code = ann.client.card().rotating_code().unwrap();
    let line = |gtin: &str, name: &str, cents: i64, warranty: Option<u32>| {
        json!({"gtin": gtin, "name": name, "quantity": 1,
               "unit_price": {"amount_minor": cents, "currency": "EUR"},
               "category": "household", "warranty_months": warranty})
    };
    let bought = http_ok(
        server.addr,
        "POST",
        "/v1/till/purchases",
        Some(&server.till),
        Some(&json!({
            "card": code.payload,
            "store_name": "Antwerpen Meir",
            "lines": [
                line("4006381333931", "Steelpan 28 cm", 3499, None),
                line("5410000000019", "Stofzuiger X200", 18999, Some(24)),
                line("96385074", "Zwangerschapstest", 1299, None),
            ],
        })),
    )
    .await;
    let receipt_id = bought["receipt"]["id"].as_str().unwrap().to_string();

    // Before the sync the phone holds no sealed copy: nothing to prove yet.
    assert!(matches!(
        ann.client.receipts().line_proof(&receipt_id, 1),
        Err(LoyaltyError::NotFound { .. })
    ));
    ann.client.sync().sync_now().await.unwrap();
    let stored = ann.client.receipts().get(&receipt_id).unwrap();
    assert!(stored.seal.is_some(), "the synced receipt keeps its seal");

    // Offline from here: the proof of the vacuum cleaner, and only of it.
    let proof = ann.client.receipts().line_proof(&receipt_id, 1).unwrap();
    let seen = verify_line_proof(&proof, &public_key).unwrap();
    assert_eq!(seen.receipt_id, receipt_id);
    assert_eq!(seen.store_name, "Antwerpen Meir");
    // Sealed to the second.
    assert_eq!(
        seen.purchased_at.timestamp(),
        stored.purchased_at.timestamp()
    );
    assert_eq!(seen.line.name, "Stofzuiger X200");
    assert_eq!(seen.line.paid_minor(), 18999);
    assert_eq!(seen.line.warranty_months, Some(24));
    assert_eq!((seen.line_index, seen.line_count), (1, 3));
    let payload = String::from_utf8(
        URL_SAFE_NO_PAD
            .decode(proof.split('.').nth(2).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(payload.contains("Stofzuiger X200"));
    for hidden in ["Zwangerschapstest", "Steelpan", "4006381333931", "96385074"] {
        assert!(!payload.contains(hidden), "{hidden}");
    }
    // The proof is a QR code the till's scanner reads: it fits one comfortably.
    assert!(proof.len() < 700, "{}", proof.len());

    // The till asks the server, which verifies the same way.
    let checked = http_ok(
        server.addr,
        "POST",
        "/v1/till/receipt-proofs",
        Some(&server.till),
        Some(&json!({ "proof": proof })),
    )
    .await;
    assert_eq!(checked["line"]["name"], "Stofzuiger X200");
    assert_eq!(checked["paid_minor"], 18999);
    assert!(checked["warranty_until"].is_string());

    // A proof edited to a dearer price is refused, with a text for the person at the till.
    let forged = proof.replacen(
        &proof.split('.').nth(2).unwrap().to_string(),
        &{
            let mut v: serde_json::Value = serde_json::from_str(&payload).unwrap();
            v["l"]["u"] = json!(28999);
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&v).unwrap())
        },
        1,
    );
    assert_eq!(
        verify_line_proof(&forged, &public_key),
        Err(ProofRefusal::NotGenuine)
    );
    let r = http(
        server.addr,
        "POST",
        "/v1/till/receipt-proofs",
        Some(&server.till),
        Some(&json!({ "proof": forged })),
        &[],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(!ProofRefusal::NotGenuine.text(Lang::Nl).is_empty());

    // A line the receipt has not, and a receipt added on the phone (no seal): clear errors.
    assert!(matches!(
        ann.client.receipts().line_proof(&receipt_id, 3),
        Err(LoyaltyError::InvalidInput { .. })
    ));
    let mut own = stored.clone();
    own.id = "own-1".into();
    own.seal = None;
    ann.client.receipts().add(own).unwrap();
    assert!(matches!(
        ann.client.receipts().line_proof("own-1", 0),
        Err(LoyaltyError::InvalidInput { .. })
    ));
    // A stored seal that another key made is caught before a proof is shown.
    let mut other = stored.clone();
    other.id = "other-1".into();
    other.seal = Some(
        loyalty_core::proof::seal_receipt(&other, &loyalty_core::card::new_signing_key()).unwrap(),
    );
    ann.client.receipts().add(other).unwrap();
    assert!(matches!(
        ann.client.receipts().line_proof("other-1", 0),
        Err(LoyaltyError::InvalidInput { .. })
    ));
}
