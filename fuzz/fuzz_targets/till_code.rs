//! Rotating card codes at the till: any scanned text gets a verdict without a panic, and a code
//! made by the app is accepted once, then refused as replayed.
#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use loyalty_domain::card::{rotating_code, Refusal, TillPolicy, TillVerifier, TotpParams};
use loyalty_fuzz::within_budget;

const SECRET: &[u8] = b"12345678901234567890";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap();
    let policy = TillPolicy {
        accept_static: data.first().is_some_and(|b| b & 1 == 1),
        ..TillPolicy::default()
    };
    let mut till = TillVerifier::new(policy, 4).unwrap();
    // Any text against a fixed card, then the text's own card-like head as the expected card.
    within_budget("TillVerifier::check", || {
        let mut till = TillVerifier::new(policy, 4).unwrap();
        let _ = till.check(text, "4000123", SECRET, now);
    });
    let card: String = text.chars().take(32).collect();
    let _ = till.check(text, &card, SECRET, now);
    // A code the app makes for that card, if it is a card number.
    if let Ok(code) = rotating_code(&card, SECRET, &TotpParams::default(), now) {
        let ok = till.verify(&code.payload, &card, SECRET, now);
        assert!(ok.is_ok(), "the app's own code refused: {ok:?}");
        assert_eq!(
            till.verify(&code.payload, &card, SECRET, now),
            Err(Refusal::Replayed)
        );
    }
});
