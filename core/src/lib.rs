//! Loyalty Core: the whole loyalty domain for a retailer's customer app, with no FFI.
//!
//! Floors, each standing only on those below it (checked by `tests/arrows.rs`):
//! - domain modules [`card`], [`render`], [`points`], [`wallet`], [`receipts`], [`reminders`],
//!   [`formats`], [`money`], [`gs1`], [`check`], [`clock`]: pure logic over data and a `now`, in
//!   the `loyalty-domain` crate and re-exported here; the leaves [`secrets`] (the app's keystore
//!   behind a trait), [`log`], [`runtime`] (the client's one tokio runtime and [`TaskHandle`]).
//! - [`store`]: the sled database (typed trees, schema version and migrations, transactions, flush).
//! - `context`: what one client stands on (store, clock, secrets, rules, runtime).
//! - [`sync`]: the retailer's server over HTTPS (reqwest, rustls): enrolment, the outbox, delta
//!   feeds, settings, retries, cancellation, an observable state; it takes the context, never the
//!   facade.
//! - `watch`: value listeners over the store's topics.
//! - [`api`]: the public facade, one [`LoyaltyClient`] with sub-APIs `card()`, `points()`,
//!   `wallet()`, `receipts()`, `reminders()`, `sync()`, and the public error [`LoyaltyError`].
//!
//! Time is injected through [`Clock`]; money is integer minor units; points are integers.

// The pure rules live in loyalty-domain; each module is re-exported under its old name so that
// `loyalty_core::points::X` (bindings, cli, tests) and `crate::points::X` here keep working.
pub use loyalty_domain::{
    card, check, claim, clock, formats, gs1, history, invoice, list, membership, money, offers,
    points, proof, receipts, reminders, render, survey, wallet,
};

pub mod api;
mod context;
pub mod log;
pub mod runtime;
pub mod secrets;
pub mod store;
pub mod sync;
mod watch;

// The public error, also under its old path `loyalty_core::error`.
pub use api::error;
pub use api::{ApiResult, LoyaltyError};
pub use api::{
    CardApi, ClaimScan, CombinedTillCard, ListApi, LoyaltyClient, MembershipApi, MembershipState,
    OffersApi, PointsApi, ReceiptsApi, Redemption, RemindersApi, SurveyAnswered, SurveyItem,
    SurveysApi, SyncApi, TillCard, WalletApi, WarrantyItem, CARD_SECRET_KEY, ERASING_FILE_NAME,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use money::Money;
pub use runtime::TaskHandle;
pub use sync::{SyncConfig, SyncReport, SyncState, SyncStatus};
