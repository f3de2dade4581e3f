//! Verifying a combined code at the till (issue #16 part 3: < 100 µs) — the rotating card code
//! plus 1, 2 or 4 retailer-signed voucher codes — against anchors measured in the same run:
//! verifying the card code alone (HMAC) and one voucher code alone (Ed25519). Each round uses a
//! fresh till and fresh codes would change the work, so the till is rebuilt per call (its cost is
//! measured too and reported). Median of 31 rounds of 200 operations each; no assertion on time.
//!
//! cargo bench -p loyalty-domain --bench combined_code

mod common;
use common::median_us;

use chrono::{Duration, TimeZone, Utc};
use loyalty_domain::card::{
    combine, rotating_code, sign_voucher, verify_voucher_code, SigningKey, TillPolicy,
    TillVerifier, TotpParams,
};
use loyalty_domain::money::Money;
use loyalty_domain::wallet::{Voucher, VoucherKind, VoucherState};
use std::hint::black_box;

const SECRET: &[u8] = b"12345678901234567890";
const CARD: &str = "4000123";

fn main() {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = key.verifying_key().to_bytes();
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let now = at + Duration::hours(1);
    let vouchers: Vec<String> = (0..4)
        .map(|i| {
            let v = Voucher {
                titles: Default::default(),
                id: format!("v_0123456789abcde{i}"),
                kind: VoucherKind::AmountOff {
                    amount: Money::new(500, "EUR").unwrap(),
                    min_spend: None,
                },
                title: "€5 off your next shop".into(),
                description: None,
                code: "x".into(),
                valid_from: at,
                valid_until: at + Duration::days(30),
                state: VoucherState::Available,
                signature: None,
            };
            sign_voucher(&v, &key).unwrap()
        })
        .collect();
    let card = rotating_code(CARD, SECRET, &TotpParams::default(), now)
        .unwrap()
        .payload;
    let till = || TillVerifier::new(TillPolicy::default(), 16).unwrap();

    let new_till = median_us(|| {
        black_box(till());
    });
    let card_only = median_us(|| {
        let mut t = till();
        black_box(t.verify(black_box(&card), CARD, SECRET, now).ok());
    });
    let voucher_only = median_us(|| {
        black_box(verify_voucher_code(black_box(&vouchers[0]), &public, now).ok());
    });
    println!("| operation | median µs | / card code | / voucher code |");
    println!("|---|---|---|---|");
    println!("| a new till verifier (included below) | {new_till:.2} | | |");
    println!("| verify the card code alone (anchor) | {card_only:.1} | 1.00x | |");
    println!("| verify one voucher code alone (anchor) | {voucher_only:.1} | | 1.00x |");
    let mut met = true;
    for n in [1usize, 2, 4] {
        let chosen: Vec<&str> = vouchers[..n].iter().map(String::as_str).collect();
        let code = combine(&card, &chosen).unwrap();
        let mut probe = till();
        let verdict = probe
            .verify_combined(&code, CARD, SECRET, &public, now)
            .unwrap();
        assert_eq!(verdict.taken().count(), n);
        let us = median_us(|| {
            let mut t = till();
            black_box(
                t.verify_combined(black_box(&code), CARD, SECRET, &public, now)
                    .ok(),
            );
        });
        println!(
            "| verify card + {n} voucher(s), {} characters | {us:.1} | {:.2}x | {:.2}x |",
            code.len(),
            us / card_only,
            us / voucher_only
        );
        if n == 1 {
            met = us < 100.0;
        }
    }
    let garbage = format!("LCC1 {card} hello");
    let refuse = median_us(|| {
        let mut t = till();
        black_box(
            t.verify_combined(black_box(&garbage), CARD, SECRET, &public, now)
                .ok(),
        );
    });
    println!(
        "| refuse a malformed combined code | {refuse:.2} | {:.2}x | |",
        refuse / card_only
    );
    println!(
        "target < 100 µs for a combined code (card + 1 voucher): {}; each further voucher adds one \
         Ed25519 verification",
        if met { "met" } else { "NOT met" }
    );
}
