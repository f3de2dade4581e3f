//! Google Wallet's rotatingBarcode JSON: never a panic; what is accepted writes back to JSON that
//! reads as the same barcode and renders the same value.
#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use loyalty_domain::card::GoogleRotatingBarcode;
use loyalty_fuzz::within_budget;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(barcode) = within_budget("GoogleRotatingBarcode::from_json", || {
        GoogleRotatingBarcode::from_json(text)
    }) else {
        return;
    };
    let json = barcode.to_json().expect("an accepted barcode writes back");
    let again = GoogleRotatingBarcode::from_json(&json).expect("our own JSON reads back");
    assert_eq!(again, barcode);
    let at = DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap();
    let value = within_budget("render", || barcode.render(at));
    assert_eq!(value.ok(), again.render(at).ok());
});
