//! `loyalty receipts proof` and `receipts verify-proof` (issue #12 part 2): the proof of one
//! line of a receipt sealed by the retailer, made offline, verified as the store does; altered,
//! foreign and garbage proofs exit 6 with their reason.

mod support;

use loyalty_core::card::{public_key_hex, SigningKey};
use loyalty_core::money::Money;
use loyalty_core::proof::seal_receipt;
use loyalty_core::receipts::{LineItem, Receipt, ReceiptSource};
use support::{fails, ok, ok_json, run_in, stderr, stdout};

const NOW: &str = "2026-03-01T12:00:00Z";

fn receipt(id: &str, key: Option<&SigningKey>) -> Receipt {
    let line = |gtin: &str, name: &str, cents: i64, warranty: Option<u32>| LineItem {
        names: Default::default(),
        gtin: gtin.into(),
        name: name.into(),
        quantity: 1,
        unit_price: Money::new(cents, "EUR").unwrap(),
        category: "household".into(),
        lot: None,
        warranty_months: warranty,
    };
    let mut r = Receipt {
        store_names: Default::default(),
        id: id.into(),
        store_name: "Gent Zuid".into(),
        purchased_at: "2026-02-20T10:15:00Z".parse().unwrap(),
        lines: vec![
            line("4006381333931", "Koffiezet", 4999, Some(24)),
            line("96385074", "Zwangerschapstest", 1299, None),
        ],
        source: ReceiptSource::Server,
        return_window_days: None,
        discounts: vec![],
        seal: None,
    };
    if let Some(k) = key {
        r.seal = Some(seal_receipt(&r, k).unwrap());
    }
    r
}

#[test]
fn a_line_proof_is_made_offline_and_verified_as_the_store_does() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let run = |args: &[&str]| {
        let mut all = vec!["--now", NOW];
        all.extend_from_slice(args);
        run_in(data, &all)
    };
    let file = data.join("receipts.json");
    std::fs::write(
        &file,
        serde_json::to_string(&vec![
            receipt("r_sealed", Some(&key)),
            receipt("r_own", None),
        ])
        .unwrap(),
    )
    .unwrap();
    ok(run(&["receipts", "add", file.to_str().unwrap()]));
    ok(run(&[
        "wallet",
        "key",
        &public_key_hex(&key.verifying_key()),
    ]));

    let made = ok_json(run(&["--json", "receipts", "proof", "r_sealed", "1"]));
    let proof = made["proof"].as_str().unwrap().to_string();
    assert!(proof.starts_with("LRP1."), "{proof}");
    let human = ok(run(&["receipts", "proof", "r_sealed", "1"]));
    assert!(human.contains("Koffiezet") && !human.contains("Zwangerschapstest"));
    assert!(human.contains('█'), "the QR code is drawn in the terminal");

    let seen = ok_json(run(&["--json", "receipts", "verify-proof", &proof]));
    assert_eq!(seen["genuine"], true);
    assert_eq!(seen["line"]["name"], "Koffiezet");
    assert_eq!(seen["paid_minor"], 4999);
    assert_eq!(seen["line_count"], 2);
    assert!(seen["warranty_until"].is_string());
    assert!(!seen.to_string().contains("Zwangerschapstest"));
    let human = ok(run(&["receipts", "verify-proof", &proof]));
    assert!(human.starts_with("genuine: line 1 of 2"), "{human}");

    // Another retailer's proof, an altered one, garbage: exit 6 with the reason.
    let other = SigningKey::from_bytes(&[9u8; 32]);
    let foreign = loyalty_core::proof::line_proof(&receipt("r_x", Some(&other)), 0).unwrap();
    let mut altered = proof.clone().into_bytes();
    let i = proof.len() - 5;
    altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    for (text, refusal) in [
        (foreign.as_str(), "other_retailer"),
        (altered.as_str(), "not_genuine"),
        ("hello", "malformed"),
    ] {
        let o = run(&["--json", "receipts", "verify-proof", text]);
        assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["refusal"], refusal);
    }
    // With the other retailer's key given, its proof is genuine.
    let with_key = ok_json(run(&[
        "--json",
        "receipts",
        "verify-proof",
        &foreign,
        "--key",
        &public_key_hex(&other.verifying_key()),
    ]));
    assert_eq!(with_key["genuine"], true);

    // Line 0, a line the receipt has not, a receipt without a seal: invalid input (exit 2);
    // an unknown receipt: not found.
    fails(run(&["receipts", "proof", "r_sealed", "0"]), 2);
    fails(run(&["receipts", "proof", "r_sealed", "3"]), 2);
    fails(run(&["receipts", "proof", "r_own", "1"]), 2);
    let o = run(&["receipts", "proof", "r_nowhere", "1"]);
    assert_ne!(o.status.code(), Some(0));
}
