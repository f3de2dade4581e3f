//! Combined codes at the till (card + chosen vouchers): any scanned text gets a verdict without
//! a panic; a combined code made from the app's card code and genuine vouchers is accepted once,
//! each voucher taken once, and the same code is then refused as replayed.
#![no_main]

use chrono::{DateTime, Duration, Utc};
use libfuzzer_sys::fuzz_target;
use loyalty_domain::card::{
    combine, rotating_code, sign_voucher, CombinedCode, Refusal, SigningKey, TillPolicy,
    TillVerifier, TotpParams,
};
use loyalty_domain::money::Money;
use loyalty_domain::wallet::{Voucher, VoucherKind, VoucherState};
use loyalty_fuzz::within_budget;

const SECRET: &[u8] = b"12345678901234567890";
const CARD: &str = "4000123";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap();
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = key.verifying_key().to_bytes();
    within_budget("TillVerifier::verify_combined", || {
        let mut till = TillVerifier::new(TillPolicy::default(), 4).unwrap();
        let _ = till.verify_combined(text, CARD, SECRET, &public, now);
        if let Ok(code) = CombinedCode::parse(text) {
            let _ = code.card_number();
        }
    });
    // The text as a voucher title: a genuine combined code round-trips.
    let title: String = text.chars().take(100).collect();
    let voucher = Voucher {
        titles: Default::default(),
        id: "v-fuzz".into(),
        kind: VoucherKind::AmountOff {
            amount: Money::new(500, "EUR").unwrap(),
            min_spend: None,
        },
        title,
        description: None,
        code: "x".into(),
        valid_from: now - Duration::days(1),
        valid_until: now + Duration::days(1),
        state: VoucherState::Available,
        signature: None,
    };
    let Ok(voucher_code) = sign_voucher(&voucher, &key) else {
        return;
    };
    let card = rotating_code(CARD, SECRET, &TotpParams::default(), now)
        .unwrap()
        .payload;
    let code = combine(&card, &[&voucher_code]).expect("a genuine voucher combines");
    let mut till = TillVerifier::new(TillPolicy::default(), 4).unwrap();
    let verdict = till
        .verify_combined(&code, CARD, SECRET, &public, now)
        .expect("the app's own combined code is accepted");
    assert_eq!(verdict.taken().count(), 1);
    assert_eq!(
        till.verify_combined(&code, CARD, SECRET, &public, now),
        Err(Refusal::Replayed)
    );
});
