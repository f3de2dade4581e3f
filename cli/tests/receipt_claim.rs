//! `loyalty receipts claim` and `receipts claims` (issue #16 part 1): a claim code signed with the
//! retailer's key is queued offline and listed as pending; refusals exit 6 with a typed reason.

mod support;

use chrono::{DateTime, Duration, Utc};
use loyalty_core::card::{public_key_hex, SigningKey};
use loyalty_core::claim::{sign_claim_code, ClaimCode};
use loyalty_core::Money;
use support::{fails, ok, ok_json, run_in, stderr, stdout};

const NOW: &str = "2026-03-01T12:00:00Z";

fn code(key: &SigningKey, receipt: &str) -> String {
    let at: DateTime<Utc> = "2026-03-01T09:00:00Z".parse().unwrap();
    sign_claim_code(
        &ClaimCode {
            receipt_id: receipt.into(),
            store_name: "Gent Zuid".into(),
            purchased_at: at,
            total: Money::new(4_390, "EUR").unwrap(),
            points: 43,
            claim_until: at + Duration::days(30),
        },
        key,
    )
    .unwrap()
}

#[test]
fn a_claim_code_is_queued_offline_and_refusals_exit_6_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let run = |args: &[&str]| {
        let mut all = vec!["--now", NOW];
        all.extend_from_slice(args);
        run_in(data, &all)
    };
    let good = code(&key, "r_cli_1");
    // No retailer key yet: nothing can be verified.
    fails(run(&["receipts", "claim", &good]), 2);
    ok(run(&[
        "wallet",
        "key",
        &public_key_hex(&key.verifying_key()),
    ]));

    let queued = ok_json(run(&["--json", "receipts", "claim", &good]));
    assert_eq!(queued["receipt_id"], "r_cli_1");
    assert_eq!(queued["status"], "pending");
    assert_eq!(queued["points"], 43);
    let claims = ok_json(run(&["--json", "receipts", "claims"]));
    assert_eq!(claims.as_array().unwrap().len(), 1);
    assert!(ok(run(&["receipts", "claims"])).contains("r_cli_1"));
    assert_eq!(
        ok_json(run(&["--json", "points", "balance"]))["pending_credit"],
        43
    );

    // A replay, another retailer's code, an expired one and garbage: exit 6, typed reason.
    let other = SigningKey::from_bytes(&[9u8; 32]);
    for (text, refusal, at) in [
        (good.clone(), "already_claimed", NOW),
        (code(&other, "r_cli_2"), "other_retailer", NOW),
        (code(&key, "r_cli_3"), "expired", "2026-04-01T09:00:00Z"),
        ("hello".to_string(), "malformed", NOW),
    ] {
        let o = run_in(data, &["--now", at, "--json", "receipts", "claim", &text]);
        let out = stdout(&o);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(6), "{err}");
        assert!(err.contains(refusal) && err.lines().count() == 1, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["refusal"], refusal);
    }
    assert_eq!(
        ok_json(run(&["--json", "receipts", "claims"]))
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
