//! Voucher codes at the till: any scanned text is refused or verified without a panic; a
//! voucher signed by us verifies back to exactly its fields, and any change to the code is refused.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use loyalty_domain::card::{check_issued, sign_voucher, verify_voucher_code, SigningKey};
use loyalty_domain::wallet::Voucher;
use loyalty_fuzz::within_budget;

fuzz_target!(|data: &[u8]| {
    let key = SigningKey::from_bytes(&[3; 32]);
    let public = key.verifying_key().to_bytes();
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    // 1. The bytes as a scanned code.
    if let Ok(text) = std::str::from_utf8(data) {
        within_budget("verify_voucher_code", || {
            verify_voucher_code(text, &public, now).ok()
        });
    }
    // 2. The bytes as a voucher (JSON): if valid, it signs, verifies, and every altered code fails.
    let Ok(voucher) = serde_json::from_slice::<Voucher>(data) else {
        return;
    };
    if voucher.validate().is_err() {
        return;
    }
    let Ok(code) = sign_voucher(&voucher, &key) else {
        return;
    };
    let mut signed = voucher.clone();
    signed.code = code.clone();
    if signed.validate().is_err() {
        return;
    }
    assert_eq!(check_issued(&signed, &public), Ok(()), "our own signature");
    let verified = verify_voucher_code(&code, &public, voucher.valid_from)
        .expect("a signed voucher verifies at the start of its window");
    assert!(verified.matches(&voucher));
    let bytes = code.as_bytes();
    for i in (0..bytes.len()).step_by(7) {
        let mut altered = bytes.to_vec();
        altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
        if altered == bytes {
            continue;
        }
        if let Ok(text) = String::from_utf8(altered) {
            if let Ok(v) = verify_voucher_code(&text, &public, voucher.valid_from) {
                // Base64 may ignore the trailing bits of the last character; then the payload
                // is unchanged, so is what it vouches for.
                assert!(
                    v.matches(&voucher),
                    "an altered code vouches for something else"
                );
            }
        }
    }
});
