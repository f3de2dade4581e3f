//! uniffi facade of Loyalty Core for Kotlin and Swift.
//!
//! Thin object wrappers, foreign traits, listeners and the public error live here; every rule
//! lives in `loyalty-core`. Records and enums cross the FFI where they are defined: the domain's
//! derive uniffi behind loyalty-domain's `uniffi` feature (`cfg_attr`), which this crate turns
//! on, and are re-exported here under their old paths. The records still declared here are
//! defined in core (which has no uniffi component), assembled here, or cross in another shape
//! than the domain type's; ARCHITECTURE.md lists each with its reason. Times cross the boundary as `SystemTime` (Kotlin `java.time.Instant`, Swift `Date`):
//! the domain's one `DateTime` custom type in records, `types::utc` for arguments; money as
//! integer minor units; points as integers.
//!
//! The library holds two uniffi components, `loyalty_ffi` and `loyalty_domain`; uniffi.toml maps
//! them to Kotlin packages `com.loyaltycore` and `com.loyaltycore.domain` and to one Swift module.

mod card;
mod client;
mod error;
mod list;
mod log;
mod membership;
mod offers;
mod reminders;
mod surveys;
mod sync;
mod types;

// Every exported call with extreme numbers (a unit test: the crate builds no rlib, see Cargo.toml).
#[cfg(test)]
mod extremes;

pub use card::*;
pub use client::{Clock, LoyaltyClient, Points, Receipts, Wallet};
pub use error::LoyaltyError;
pub use list::*;
pub use log::{set_logger, LogLevel, Logger};
pub use offers::*;
pub use reminders::*;
pub use sync::*;
pub use types::*;

uniffi::setup_scaffolding!();

/// Version of the Loyalty Core library, for diagnostics screens.
#[uniffi::export]
pub fn loyalty_core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
