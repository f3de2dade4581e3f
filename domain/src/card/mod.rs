//! The loyalty card: rotating (TOTP) and static codes, Google Wallet rotatingBarcode, verification
//! at the till, signed voucher codes.
//!
//! Pure logic: every function takes the time as an argument (`now` / `at`), reads no clock, does
//! no I/O. Bad input is an [`InputError`](crate::check::InputError) whose reason names the field
//! and the rule and never repeats secrets, card numbers or payloads.
//!
//! - [`totp`](mod@totp): RFC 4226 HOTP and RFC 6238 TOTP (SHA-1/256/512, 6–10 digits, periods in
//!   milliseconds), secret generation, Base16.
//! - [`rotating`]: the codes shown at the till. The static code is the card number; the rotating
//!   payload is `LC1:<card>:<totp>:<step start seconds>`, constant for one TOTP period.
//! - [`pattern`]: the `valuePattern` grammar and renderer shared by [`rotating`] and
//!   [`google_wallet`]; our default pattern is the rotating payload.
//! - [`google_wallet`]: Google Wallet `RotatingBarcode` JSON (read and write).
//! - [`till`]: offline verification of rotating codes with bounded skew and age, constant-time
//!   comparison and a bounded replay cache.
//! - [`member`]: the member card record (no secret), the card-number rule, and imported
//!   third-party cards.
//! - [`voucher_code`]: Ed25519-signed voucher codes `LCV1.<payload>.<signature>` the till
//!   verifies offline with the retailer's public key.
//! - [`combined`]: one code for the card and the vouchers the shopper chose,
//!   `LCC1 <card payload> <voucher code>...`, verified by the till in one scan.

pub mod combined;
pub mod google_wallet;
pub mod member;
pub mod pattern;
pub mod rotating;
pub mod till;
pub mod totp;
pub mod voucher_code;

/// The retailer's voucher signing key (the server's and the tests'; never on a phone).
pub use crate::crypto::SigningKey;
pub use combined::{
    combine, ChosenVoucher, CombinedCode, CombinedVerdict, COMBINED_CODE_PREFIX,
    MAX_COMBINED_CODE_LEN, MAX_COMBINED_VOUCHERS,
};
pub use google_wallet::{
    google_barcode_type, rotating_barcode_type, GoogleRotatingBarcode, LocalizedString,
    TranslatedString, GOOGLE_BARCODE_TYPES, GOOGLE_ROTATING_BARCODE_TYPES,
};
pub use member::{validate_card_number, ImportedCard, MemberCard, MAX_CARD_NUMBER_LEN};
pub use pattern::{
    render_value_pattern, value_pattern_for_card, GoogleTotpDetails, GoogleTotpParameter,
    PAYLOAD_PREFIX,
};
pub use rotating::{rotating_code, static_code, RotatingCode};
pub use till::{Accepted, Refusal, TillPolicy, TillVerifier, Verdict, DEFAULT_REPLAY_CAPACITY};
pub use totp::{
    counter_at, hex_decode, hex_encode, hotp, new_secret, totp, validate_secret, TotpAlgorithm,
    TotpParams,
};
pub use voucher_code::{
    check_issued, new_signing_key, parse_public_key_hex, parse_signing_key_hex, public_key_hex,
    sign_voucher, signing_key_hex, verify_voucher_code, VerifiedVoucher, VoucherRefusal,
    VOUCHER_CODE_PREFIX,
};
