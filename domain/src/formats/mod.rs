//! Open formats the shopper's cards travel in. Pure: bytes and records in, bytes and records
//! out; no file system, no clock (callers pass what they need).
//!
//! - [`catima`]: Catima's CSV export (version 2, and version 1 on import), bare or inside
//!   Catima's `.zip` backup, so the shopper's other cards sit beside the retailer's.
//! - [`pkpass`]: the card as an Apple Wallet store card (`.pkpass`): `pass.json`, icons, the
//!   SHA-1 `manifest.json`, and a detached PKCS #7 `signature` made by the caller.
//! - [`google_loyalty_object`]: the card as a Google Wallet `loyaltyObject` with its `rotatingBarcode`.

pub mod catima;
pub mod google_loyalty_object;
pub mod pkpass;
