//! Loyalty Core: the whole loyalty domain for a retailer's customer app, with no FFI.
//!
//! Layers (data flows downward only):
//! - [`client`]: the public facade, one [`LoyaltyClient`] with sub-APIs `card()`, `points()`,
//!   `wallet()`, `receipts()`.
//! - domain modules [`card`], [`render`], [`points`], [`wallet`], [`receipts`]: pure logic over
//!   data and a `now`; [`secrets`]: the app's keystore behind a trait.
//! - [`store`]: the sled database (typed trees, schema version and migrations, transactions, flush).
//! - [`sync`]: the retailer's server over HTTPS (reqwest, rustls, one tokio runtime per client):
//!   enrolment, the outbox, delta feeds, retries, cancellation, an observable state.
//!
//! Time is injected through [`Clock`]; money is integer minor units; points are integers.

pub mod api;
pub mod card;
pub mod check;
pub mod clock;
mod context;
pub mod formats;
pub mod gs1;
pub mod log;
pub mod money;
pub mod points;
pub mod receipts;
pub mod reminders;
pub mod render;
pub mod runtime;
pub mod secrets;
pub mod store;
pub mod sync;
pub mod wallet;
mod watch;

// The public error, also under its old path `loyalty_core::error`.
pub use api::error;
pub use api::{ApiError, ApiResult};
pub use api::{
    CardApi, LoyaltyClient, PointsApi, ReceiptsApi, Redemption, RemindersApi, SyncApi, TillCard,
    WalletApi, WarrantyItem, CARD_SECRET_KEY,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use money::Money;
pub use runtime::TaskHandle;
pub use sync::{SyncConfig, SyncReport, SyncState, SyncStatus};
