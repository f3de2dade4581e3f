//! Receipt claim codes (issue #16): any scanned text is refused with a typed reason or verified
//! without a panic; a claim code signed by us verifies back to exactly its content, and any
//! change to the code is refused or (Base64's ignored trailing bits) vouches for the same content.
#![no_main]

use chrono::{Duration, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use loyalty_domain::card::SigningKey;
use loyalty_domain::claim::{read_claim_code, sign_claim_code, verify_claim_code, ClaimCode};
use loyalty_fuzz::within_budget;

fuzz_target!(|data: &[u8]| {
    let key = SigningKey::from_bytes(&[3; 32]);
    let public = key.verifying_key().to_bytes();
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    // 1. The bytes as a scanned code.
    if let Ok(text) = std::str::from_utf8(data) {
        within_budget("verify_claim_code", || {
            verify_claim_code(text, &public, now).ok()
        });
    }
    // 2. The bytes as claim content (JSON): if valid, it signs, verifies, and every altered
    //    code fails or says the same.
    let Ok(claim) = serde_json::from_slice::<ClaimCode>(data) else {
        return;
    };
    let Ok(code) = sign_claim_code(&claim, &key) else {
        return;
    };
    assert_eq!(read_claim_code(&code, &public), Ok(claim.clone()), "our own signature");
    let at = claim.purchased_at;
    if at < claim.claim_until && at.checked_add_signed(Duration::minutes(20)).is_some() {
        assert_eq!(verify_claim_code(&code, &public, at), Ok(claim.clone()));
        assert!(verify_claim_code(&code, &public, claim.claim_until).is_err());
    }
    let bytes = code.as_bytes();
    for i in (0..bytes.len()).step_by(5) {
        let mut altered = bytes.to_vec();
        altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
        if let Ok(text) = String::from_utf8(altered) {
            if let Ok(c) = read_claim_code(&text, &public) {
                assert_eq!(c, claim, "an altered code vouches for something else");
            }
        }
    }
});
