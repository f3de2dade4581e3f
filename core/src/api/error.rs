//! Errors. Each module has its own internal error; [`LoyaltyError`] is the one public enum at the
//! facade, with few variants an app can act on. Every reason is a fixed, human sentence that never
//! carries personal data (no card numbers, tokens, names, ids of the shopper's records).

// `InputError` lives in `check` (the bottom floor); named here too for callers that still write
// `loyalty_core::error::InputError`.
pub use crate::check::InputError;

/// The public error of Loyalty Core, defined in the domain (its bottom floor, so the FFI's record
/// converters can raise it) and exported over the FFI as it is.
pub use loyalty_domain::LoyaltyError;

pub use loyalty_domain::error::ApiResult;

// Each internal error is mapped into the public one once, next to where it is defined: the
// domain's in their modules (points, wallet, receipts, list, offers), the store's in
// store/mod.rs, the runtime's in runtime.rs. So the store, the context and the sync speak the
// public error without reaching up to this floor.
