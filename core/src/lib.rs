//! Loyalty Core: the whole loyalty domain for a retailer's customer app, with no FFI.
//!
//! Layers (data flows downward only):
//! - [`client`]: the public facade, one [`LoyaltyClient`] with sub-APIs `card()`, `points()`,
//!   `wallet()`, `receipts()`.
//! - domain modules [`card`], [`render`], [`points`], [`wallet`], [`receipts`], [`reminders`],
//!   [`formats`]: pure logic over data and a `now`, in the `loyalty-domain` crate and re-exported
//!   here; [`secrets`]: the app's keystore behind a trait.
//! - [`store`]: the sled database (typed trees, schema version and migrations, transactions, flush).
//! - [`sync`]: the retailer's server over HTTPS (reqwest, rustls, one tokio runtime per client):
//!   enrolment, the outbox, delta feeds, retries, cancellation, an observable state.
//!
//! Time is injected through [`Clock`]; money is integer minor units; points are integers.

// The pure rules live in loyalty-domain; each module is re-exported under its old name so that
// `loyalty_core::points::X` (bindings, cli, tests) and `crate::points::X` here keep working.
pub use loyalty_domain::{
    card, check, clock, formats, gs1, money, points, receipts, reminders, render, wallet,
};

pub mod client;
mod context;
pub mod error;
pub mod log;
pub mod runtime;
pub mod secrets;
pub mod store;
pub mod sync;
mod watch;

pub use client::{LoyaltyClient, PointsApi, ReceiptsApi, WalletApi};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ApiError, ApiResult};
pub use money::Money;
pub use runtime::TaskHandle;
pub use sync::{SyncApi, SyncConfig, SyncReport, SyncState, SyncStatus};
