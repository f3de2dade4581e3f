//! uniffi facade of Loyalty Core for Kotlin and Swift.
//!
//! Only mirror records, the public error and thin object wrappers live here; every rule lives in
//! `loyalty-core`. Times cross the boundary as `SystemTime` (Kotlin `java.time.Instant`, Swift
//! `Date`); money as integer minor units; points as integers.

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
