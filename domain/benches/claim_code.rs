//! Verifying a receipt claim code (issue #16: < 100 µs) against an anchor measured in the same
//! run: verifying a voucher code (`LCV1`, the same Ed25519 key and checks). Also signing, as the
//! till does. Median of 31 rounds of 200 operations each; no assertion on time.
//!
//! cargo bench -p loyalty-domain --bench claim_code

mod common;
use common::median_us;

use chrono::{Duration, TimeZone, Utc};
use loyalty_domain::card::{sign_voucher, verify_voucher_code, SigningKey};
use loyalty_domain::claim::{sign_claim_code, verify_claim_code, ClaimCode};
use loyalty_domain::money::Money;
use loyalty_domain::wallet::{Voucher, VoucherKind, VoucherState};
use std::hint::black_box;

fn main() {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = key.verifying_key().to_bytes();
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let claim = ClaimCode {
        receipt_id: "r_0123456789abcdef".into(),
        store_name: "Gent Zuid".into(),
        purchased_at: at,
        total: Money::new(4_390, "EUR").unwrap(),
        points: 43,
        claim_until: at + Duration::days(30),
    };
    let code = sign_claim_code(&claim, &key).unwrap();
    let voucher = Voucher {
        titles: Default::default(),
        id: "v_0123456789abcdef".into(),
        kind: VoucherKind::AmountOff {
            amount: Money::new(500, "EUR").unwrap(),
            min_spend: None,
        },
        title: "€5 off".into(),
        description: None,
        code: "x".into(),
        valid_from: at,
        valid_until: at + Duration::days(30),
        state: VoucherState::Available,
        signature: None,
    };
    let voucher_code = sign_voucher(&voucher, &key).unwrap();
    let now = at + Duration::hours(1);
    assert!(verify_claim_code(&code, &public, now).is_ok());
    assert!(verify_voucher_code(&voucher_code, &public, now).is_ok());

    let claim_verify = median_us(|| {
        black_box(verify_claim_code(black_box(&code), &public, now).ok());
    });
    let voucher_verify = median_us(|| {
        black_box(verify_voucher_code(black_box(&voucher_code), &public, now).ok());
    });
    let garbage = "LCR1.0123456789ABCDEF.e30.AAAA";
    let refuse = median_us(|| {
        black_box(verify_claim_code(black_box(garbage), &public, now).ok());
    });
    let sign = median_us(|| {
        black_box(sign_claim_code(black_box(&claim), &key).ok());
    });
    println!(
        "claim code: {} characters; voucher code (anchor): {} characters",
        code.len(),
        voucher_code.len()
    );
    println!("| operation | median µs | / anchor |");
    println!("|---|---|---|");
    println!("| verify a voucher code (anchor) | {voucher_verify:.1} | 1.00x |");
    println!(
        "| verify a receipt claim code | {claim_verify:.1} | {:.2}x |",
        claim_verify / voucher_verify
    );
    println!(
        "| refuse a malformed claim code | {refuse:.2} | {:.3}x |",
        refuse / voucher_verify
    );
    println!(
        "| sign a receipt claim code (the till) | {sign:.1} | {:.2}x |",
        sign / voucher_verify
    );
    println!(
        "target < 100 µs for a claim code: {}",
        if claim_verify < 100.0 {
            "met"
        } else {
            "NOT met"
        }
    );
}
