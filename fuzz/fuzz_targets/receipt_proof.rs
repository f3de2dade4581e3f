//! Receipt line proofs (issue #12 part 2): any scanned text is refused with a typed reason or
//! verified without a panic; a receipt we seal proves each line back to exactly its content,
//! and any change to a proof is refused or (Base64's ignored trailing bits) vouches for the same
//! line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_domain::card::SigningKey;
use loyalty_domain::proof::{line_proof, seal_receipt, verify_line_proof, verify_seal};
use loyalty_domain::receipts::Receipt;
use loyalty_fuzz::within_budget;

fuzz_target!(|data: &[u8]| {
    let key = SigningKey::from_bytes(&[3; 32]);
    let public = key.verifying_key().to_bytes();
    // 1. The bytes as a scanned proof.
    if let Ok(text) = std::str::from_utf8(data) {
        within_budget("verify_line_proof", || verify_line_proof(text, &public).ok());
    }
    // 2. The bytes as a receipt (JSON): its stated seal never panics the check; sealed by us,
    //    every line proves back to itself, and altered proofs fail or say the same.
    let Ok(mut receipt) = serde_json::from_slice::<Receipt>(data) else {
        return;
    };
    let _ = verify_seal(&receipt, &public);
    let Ok(seal) = seal_receipt(&receipt, &key) else {
        return;
    };
    receipt.seal = Some(seal);
    assert_eq!(verify_seal(&receipt, &public), Ok(()), "our own seal");
    for (i, line) in receipt.lines.iter().enumerate().take(8) {
        let proof = line_proof(&receipt, i as u32).expect("a sealed receipt proves its lines");
        let seen = verify_line_proof(&proof, &public).expect("our own proof");
        assert_eq!(seen.line.name, line.name);
        assert_eq!(seen.line.gtin, line.gtin);
        assert_eq!(seen.line.paid_minor(), receipt.line_paid_minor(i));
        assert_eq!(seen.purchased_at.timestamp(), receipt.purchased_at.timestamp());
        let bytes = proof.as_bytes();
        for j in (0..bytes.len()).step_by(7) {
            let mut altered = bytes.to_vec();
            altered[j] = if altered[j] == b'A' { b'B' } else { b'A' };
            if let Ok(text) = String::from_utf8(altered) {
                if let Ok(other) = verify_line_proof(&text, &public) {
                    assert_eq!(other, seen, "an altered proof vouches for something else");
                }
            }
        }
    }
});
