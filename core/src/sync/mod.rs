//! Sync with the retailer's server: enrolment, the outbox drained with idempotency keys, delta
//! feeds applied page by page with their cursors, retries, cancellation and an observable state.
//!
//! - **One tokio runtime per client**, created at first use (multi-thread, 2 workers, threads
//!   named `loyalty-sync`). Every network call runs on it: the async functions here spawn onto it
//!   and await the result, so they can be awaited from any executor (uniffi's async exports
//!   included) and never need the caller's reactor. [`SyncApi::runtime_handle`](crate::SyncApi::runtime_handle) gives the handle
//!   for bindings that prefer to spawn themselves.
//! - **HTTP**: reqwest over rustls (ring, the bundled webpki root store); `https` only, plain
//!   `http` to loopback only; a timeout per request and a deadline per sync; answers size-capped.
//! - **Retries**: GETs and writes with an `Idempotency-Key` are retried on connection failures,
//!   timeouts, 5xx, 429 and malformed answers, with exponential backoff and full jitter, honouring
//!   `Retry-After`, a bounded number of times; then a [`LoyaltyError::Network`]. A 401 stops at once
//!   with [`LoyaltyError::Unauthorized`].
//! - **Order of a sync**: the member card (if the device has none yet), the outbox (oldest first:
//!   redemptions and claims), then the ledger, voucher and receipt feeds. Each page is applied
//!   with its cursor in one store transaction (see `store::feeds` for the reconciliation rules).
//! - **Cancellation**: [`SyncApi::cancel`](crate::SyncApi::cancel) stops syncs in flight promptly; pages already applied
//!   stay applied, nothing is half-applied.
//! - **Secrets**: the bearer token and the household code are kept in the app's
//!   [`SecretStore`](crate::secrets::SecretStore), never in the database, errors or logs.

pub(crate) mod account;
mod content;
pub(crate) mod engine;
pub(crate) mod enrolment;
mod feeds;
/// The fuzzing hook: only in builds with `--cfg fuzzing` (cargo-fuzz), never in the library.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod outbox;
mod retry;
pub(crate) mod session;
mod settings;
mod wire;

pub(crate) use http::Failure;
pub use http::{build_client, build_client_trusting, validate_base_url};
pub(crate) use retry::Cancel;
pub use retry::{backoff_delay, parse_retry_after, RetryPolicy};

use crate::card::MemberCard;
use crate::check::InputError;
use crate::context::Context;
use crate::runtime::lock;
pub use crate::store::PushPlatform;
use chrono::{DateTime, Utc};
use loyalty_domain::error::{ApiResult, LoyaltyError};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// Where the bearer token lives in the app's secret store.
pub const TOKEN_SECRET_KEY: &str = "loyalty-core.sync.token";
/// Where the refresh token (renews the bearer token when it expires) lives in the secret store.
pub const REFRESH_SECRET_KEY: &str = "loyalty-core.sync.refresh-token";
/// Where the household code (to add a second device) lives in the app's secret store.
pub const HOUSEHOLD_SECRET_KEY: &str = "loyalty-core.sync.household-code";

/// Every secret of the account, deleted when the server has erased it.
pub(crate) const ACCOUNT_SECRET_KEYS: [&str; 4] = [
    crate::context::CARD_SECRET_KEY,
    TOKEN_SECRET_KEY,
    REFRESH_SECRET_KEY,
    HOUSEHOLD_SECRET_KEY,
];

/// Tuning of the sync. The defaults suit a phone on a mobile network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncConfig {
    /// Longest wait for one request, answer body included.
    pub request_timeout: Duration,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Longest a whole sync may take (retries and waits included).
    pub sync_deadline: Duration,
    pub retry: RetryPolicy,
    /// Records asked for per page of a feed (1 to 1000).
    pub page_limit: u32,
    /// An outbox item whose attempts failed this many times is reported as stuck (it is kept,
    /// and tried again at every sync).
    pub stuck_after: u32,
    /// Largest answer accepted, in bytes.
    pub max_response_bytes: usize,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            sync_deadline: Duration::from_secs(300),
            retry: RetryPolicy::default(),
            page_limit: 500,
            stuck_after: 5,
            max_response_bytes: 16 * 1024 * 1024,
        }
    }
}

impl SyncConfig {
    pub fn validate(&self) -> Result<(), InputError> {
        let positive = |d: Duration| !d.is_zero() && d <= Duration::from_secs(24 * 3600);
        if !positive(self.request_timeout)
            || !positive(self.connect_timeout)
            || !positive(self.sync_deadline)
        {
            return Err(InputError::new(
                "sync timeouts and the deadline must be between 1 ms and 24 hours",
            ));
        }
        if !(1..=20).contains(&self.retry.max_attempts) {
            return Err(InputError::new("retry attempts must be between 1 and 20"));
        }
        if self.retry.base_delay > self.retry.max_delay {
            return Err(InputError::new(
                "the first backoff must not exceed the longest one",
            ));
        }
        if !(1..=1000).contains(&self.page_limit) {
            return Err(InputError::new("the page limit must be between 1 and 1000"));
        }
        if self.stuck_after == 0 {
            return Err(InputError::new("stuck_after must be at least 1"));
        }
        if !(1024..=256 * 1024 * 1024).contains(&self.max_response_bytes) {
            return Err(InputError::new(
                "the response size limit must be between 1 KiB and 256 MiB",
            ));
        }
        Ok(())
    }
}

/// What a sync is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncPhase {
    /// Fetching the member card's secret (first sync after enrolment only).
    Card,
    /// Sending offline work: redemptions and point claims.
    Outbox,
    Ledger,
    Vouchers,
    Receipts,
    /// The content feeds: reminder rules, recipes, post-purchase content, recalls.
    Content,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStatus {
    Idle,
    Syncing {
        phase: SyncPhase,
    },
    /// The last sync failed; `error` says whether to wait (`Network`) or act (`Unauthorized`).
    Failed {
        error: LoyaltyError,
    },
}

/// The sync state the app shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    pub status: SyncStatus,
    /// An account and its token are on this device.
    pub signed_in: bool,
    /// End of the last complete sync.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Offline work waiting for the server.
    pub pending_outbox: u32,
    /// Of those, items that failed [`SyncConfig::stuck_after`] times or more.
    pub stuck_outbox: u32,
}

impl Default for SyncState {
    fn default() -> Self {
        Self {
            status: SyncStatus::Idle,
            signed_in: false,
            last_synced_at: None,
            pending_outbox: 0,
            stuck_outbox: 0,
        }
    }
}

/// What a [`SyncNotice`] tells the shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncNoticeKind {
    /// A voucher redeemed offline on this device had already been redeemed on another device of
    /// the household (the server kept the other redemption): this one did not count.
    VoucherUsedElsewhere,
    /// A voucher redeemed offline here was refused by the server (expired, withdrawn).
    VoucherRefused,
    /// A receipt claimed here by its claim code did not count: another member claimed it
    /// first, its deadline passed before the claim reached the server, or the server does not
    /// know it. The notice's `voucher_id` is then the receipt id and `voucher_title` the store.
    ReceiptNotClaimed(crate::claim::ClaimRefusal),
    /// An offer activated here was refused by the server (it ended before the activation
    /// reached it, the server does not know it, or it is another member's): it shows as
    /// available again. The notice's `voucher_id` is then the offer id and `voucher_title` its
    /// English title (the app shows the title in the shopper's language from `offers()`).
    OfferNotActivated(crate::offers::OfferRefusal),
    /// An invoice asked for a receipt here was refused by the server. The notice's
    /// `voucher_id` is then the receipt id and `voucher_title` its store (empty when the device
    /// does not hold the receipt); never the company's name or VAT number.
    InvoiceRefused(crate::store::InvoiceRefusal),
}

/// Something the shopper should be told after a sync, in words the app can show
/// ([`SyncNotice::text`], in nl, fr or en). It names the voucher by its title, never by its
/// code (and a receipt by its store, never by its claim code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncNotice {
    pub kind: SyncNoticeKind,
    pub voucher_id: String,
    pub voucher_title: String,
}

impl SyncNotice {
    /// The text for the shopper in `language` (a BCP 47 tag: `nl-BE`, `fr`, `en`; anything else
    /// reads as English).
    pub fn text(&self, language: &str) -> String {
        let lang = crate::reminders::Lang::negotiate(language);
        let id = match self.kind {
            SyncNoticeKind::VoucherUsedElsewhere => "sync-voucher-used-elsewhere",
            SyncNoticeKind::VoucherRefused => "sync-voucher-refused",
            SyncNoticeKind::ReceiptNotClaimed(r) => return r.text(lang),
            SyncNoticeKind::OfferNotActivated(r) => {
                let mut args = fluent_bundle::FluentArgs::new();
                args.set("reason", r.text(lang));
                return crate::reminders::l10n::localizer().format(
                    lang,
                    "sync-offer-not-activated",
                    Some(&args),
                );
            }
            SyncNoticeKind::InvoiceRefused(r) => match r {
                crate::store::InvoiceRefusal::OtherCompany => "sync-invoice-other-company",
                crate::store::InvoiceRefusal::UnknownReceipt => "sync-invoice-unknown-receipt",
                crate::store::InvoiceRefusal::InvalidCompany => "sync-invoice-invalid-company",
            },
        };
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("voucher", self.voucher_title.clone());
        crate::reminders::l10n::localizer().format(lang, id, Some(&args))
    }
}

/// A text the apps show around account deletion and export (in `nl`, `fr` and `en`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountText {
    /// The confirmation dialog's title.
    DeleteTitle,
    /// The confirmation dialog's body: what is erased, and that it cannot be undone.
    DeleteBody,
    /// The button that confirms.
    DeleteConfirm,
    /// The button that keeps the account.
    DeleteCancel,
    /// After the request, until the server confirms (offline: at the next sync).
    DeletePending,
    /// After a sync reported `account_deleted`.
    Deleted,
    /// The export's menu entry.
    ExportTitle,
    /// What the export holds.
    ExportBody,
}

impl AccountText {
    /// The text in `language` (a BCP 47 tag; anything but nl/fr reads as English).
    pub fn text(self, language: &str) -> String {
        let lang = crate::reminders::Lang::negotiate(language);
        let id = match self {
            AccountText::DeleteTitle => "account-delete-title",
            AccountText::DeleteBody => "account-delete-body",
            AccountText::DeleteConfirm => "account-delete-confirm",
            AccountText::DeleteCancel => "account-delete-cancel",
            AccountText::DeletePending => "account-delete-pending",
            AccountText::Deleted => "account-deleted",
            AccountText::ExportTitle => "account-export-title",
            AccountText::ExportBody => "account-export-body",
        };
        crate::reminders::l10n::localizer().format(lang, id, None)
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Stopped by [`SyncApi::cancel`](crate::SyncApi::cancel): what was applied before stays applied.
    pub cancelled: bool,
    /// Outbox items the server answered (or a feed resolved).
    pub outbox_resolved: u32,
    /// Outbox items the server refused as such (kept, counted towards stuck).
    pub outbox_failed: u32,
    /// Ledger entries added or settled.
    pub ledger_applied: u32,
    pub vouchers_applied: u32,
    pub receipts_applied: u32,
    /// The member's offers added, changed (activated, used) or removed by the server's list.
    pub offers_updated: u32,
    /// Settings the server was told about: a consent change, this device's push token.
    pub settings_sent: u32,
    /// Settings taken from the server: a consent changed on another device or on the web.
    pub settings_received: u32,
    /// Content feeds (reminder rules, recipes, post-purchase content, recalls) updated.
    pub content_updated: u32,
    /// Content feed versions refused, each with the reason (`recalls version 3: ...`); the
    /// previous version stays in use. For the retailer's developers: no shopper data in them.
    pub content_rejected: Vec<String>,
    /// HTTP requests made, retries included.
    pub requests: u64,
    /// What the shopper should be told (an offline redemption that lost to another device's,
    /// or was refused), oldest first.
    pub notices: Vec<SyncNotice>,
    /// The server confirmed the account's erasure (requested with
    /// [`SyncApi::request_account_deletion`](crate::SyncApi::request_account_deletion)): this
    /// device's data and secrets are wiped, and the client is as after a fresh install.
    pub account_deleted: bool,
}

/// The result of enrolling or joining a household.
#[derive(Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub member_id: String,
    /// The code that adds another device to this membership (show it to the shopper only on
    /// request; it is also kept in the secret store). `None` after joining.
    pub household_code: Option<String>,
    /// The member card, enrolled with its secret; `None` when the secret could not be fetched
    /// yet (the next sync fetches it).
    pub card: Option<MemberCard>,
}

impl std::fmt::Debug for Enrolment {
    /// Without the household code and the card number.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment")
            .field(
                "household_code",
                &self.household_code.as_ref().map(|_| "<set>"),
            )
            .field("card", &self.card.as_ref().map(|_| "<enrolled>"))
            .finish_non_exhaustive()
    }
}

/// A sync-state listener: called with the current state first, then with each change (rapid
/// changes may be coalesced into the latest). Called on a sync thread with no lock held; it may
/// call back into the core, but should return promptly.
pub type SyncListener = Box<dyn Fn(SyncState) + Send + Sync>;

/// The sync of one client: its tuning, state and HTTP client, shared by every [`SyncApi`] of
/// the client. The runtime it runs on is the client's ([`crate::runtime`]).
pub(crate) struct SyncService {
    config: Mutex<SyncConfig>,
    /// Certificates (DER) the app handed as the trust store, replacing the platform's default.
    trust_anchors: Mutex<Arc<Vec<Vec<u8>>>>,
    client: Mutex<Option<reqwest::Client>>,
    cancel: watch::Sender<u64>,
    state: watch::Sender<SyncState>,
    /// One sync (or enrolment) at a time.
    running: tokio::sync::Mutex<()>,
    requests: AtomicU64,
}

impl SyncService {
    pub(crate) fn new() -> Self {
        Self {
            config: Mutex::new(SyncConfig::default()),
            trust_anchors: Mutex::new(Arc::new(Vec::new())),
            client: Mutex::new(None),
            cancel: watch::channel(0).0,
            state: watch::channel(SyncState::default()).0,
            running: tokio::sync::Mutex::new(()),
            requests: AtomicU64::new(0),
        }
    }

    pub(crate) fn config(&self) -> SyncConfig {
        lock(&self.config).clone()
    }

    /// Replaces the tuning (validated by the caller); the HTTP client is rebuilt with it.
    pub(crate) fn set_config(&self, config: SyncConfig) {
        *lock(&self.config) = config;
        *lock(&self.client) = None;
    }

    /// Replaces whom HTTPS trusts by these certificates (DER), or back to the platform's default
    /// when empty; the HTTP client is rebuilt. Returns how many are usable trust anchors;
    /// `InvalidInput` when certificates were given and none is.
    pub(crate) fn set_trust_anchors(&self, certificates: Vec<Vec<u8>>) -> ApiResult<u32> {
        let usable = http::usable_anchors(&certificates);
        if usable == 0 && !certificates.is_empty() {
            return Err(LoyaltyError::InvalidInput {
                reason: "none of the certificates is a usable trust anchor (X.509 DER)".into(),
            });
        }
        *lock(&self.trust_anchors) = Arc::new(certificates);
        *lock(&self.client) = None;
        Ok(u32::try_from(usable).unwrap_or(u32::MAX))
    }

    /// The state now: the last status published, counters read afresh from the store.
    pub(crate) fn state(&self, ctx: &Context) -> SyncState {
        let status = self.state.borrow().status.clone();
        session::snapshot(ctx, self, status)
    }

    /// Publishes `fresh` (if it differs) and subscribes to the states after it.
    pub(crate) fn watch_state(&self, fresh: SyncState) -> watch::Receiver<SyncState> {
        self.state.send_if_modified(|s| {
            let changed = *s != fresh;
            *s = fresh;
            changed
        });
        self.state.subscribe()
    }

    /// A cancellation token that trips at the next [`SyncService::cancel_all`].
    pub(crate) fn cancel_token(&self) -> Cancel {
        Cancel::new(self.cancel.subscribe())
    }

    /// HTTP requests made so far (retries included).
    pub(crate) fn requests_made(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn http_client(&self) -> ApiResult<reqwest::Client> {
        let mut client = lock(&self.client);
        if let Some(c) = client.as_ref() {
            return Ok(c.clone());
        }
        let anchors = lock(&self.trust_anchors).clone();
        let built = http::build_client_trusting(&self.config(), &anchors)?;
        *client = Some(built.clone());
        Ok(built)
    }

    /// Cancels every sync started so far.
    pub(crate) fn cancel_all(&self) {
        self.cancel.send_modify(|g| *g = g.wrapping_add(1));
    }
}
