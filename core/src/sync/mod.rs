//! Sync with the retailer's server: enrolment, the outbox drained with idempotency keys, delta
//! feeds applied page by page with their cursors, retries, cancellation and an observable state.
//!
//! - **One tokio runtime per client**, created at first use (multi-thread, 2 workers, threads
//!   named `loyalty-sync`). Every network call runs on it: the async functions here spawn onto it
//!   and await the result, so they can be awaited from any executor (uniffi's async exports
//!   included) and never need the caller's reactor. [`SyncApi::runtime_handle`] gives the handle
//!   for bindings that prefer to spawn themselves.
//! - **HTTP**: reqwest over rustls (ring, the bundled webpki root store); `https` only, plain
//!   `http` to loopback only; a timeout per request and a deadline per sync; answers size-capped.
//! - **Retries**: GETs and writes with an `Idempotency-Key` are retried on connection failures,
//!   timeouts, 5xx, 429 and malformed answers, with exponential backoff and full jitter, honouring
//!   `Retry-After`, a bounded number of times; then a [`ApiError::Network`]. A 401 stops at once
//!   with [`ApiError::Unauthorized`].
//! - **Order of a sync**: the member card (if the device has none yet), the outbox (oldest first:
//!   redemptions and claims), then the ledger, voucher and receipt feeds. Each page is applied
//!   with its cursor in one store transaction (see `store::sync` for the reconciliation rules).
//! - **Cancellation**: [`SyncApi::cancel`] stops syncs in flight promptly; pages already applied
//!   stay applied, nothing is half-applied.
//! - **Secrets**: the bearer token and the household code are kept in the app's
//!   [`SecretStore`](crate::secrets::SecretStore), never in the database, errors or logs.

mod content;
mod engine;
mod http;
mod retry;
mod wire;

pub use http::validate_base_url;
pub(crate) use http::Failure;
pub use retry::{backoff_delay, parse_retry_after, RetryPolicy};

use crate::card::MemberCard;
use crate::check::InputError;
use crate::context::Context;
use crate::error::{ApiError, ApiResult};
use crate::runtime::{lock, TaskHandle};
pub use crate::store::PushPlatform;
use crate::store::PushRegistration;
use crate::wallet::OutboxItem;
use chrono::{DateTime, Utc};
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
        error: ApiError,
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
}

/// Something the shopper should be told after a sync, in words the app can show
/// ([`SyncNotice::text`], in nl, fr or en). It names the voucher by its title, never by its
/// code.
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
        };
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("voucher", self.voucher_title.clone());
        crate::reminders::l10n::localizer().format(lang, id, Some(&args))
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Stopped by [`SyncApi::cancel`]: what was applied before stays applied.
    pub cancelled: bool,
    /// Outbox items the server answered (or a feed resolved).
    pub outbox_resolved: u32,
    /// Outbox items the server refused as such (kept, counted towards stuck).
    pub outbox_failed: u32,
    /// Ledger entries added or settled.
    pub ledger_applied: u32,
    pub vouchers_applied: u32,
    pub receipts_applied: u32,
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
            client: Mutex::new(None),
            cancel: watch::channel(0).0,
            state: watch::channel(SyncState::default()).0,
            running: tokio::sync::Mutex::new(()),
            requests: AtomicU64::new(0),
        }
    }

    fn config(&self) -> SyncConfig {
        lock(&self.config).clone()
    }

    fn http_client(&self) -> ApiResult<reqwest::Client> {
        let mut client = lock(&self.client);
        if let Some(c) = client.as_ref() {
            return Ok(c.clone());
        }
        let built = http::build_client(&self.config())?;
        *client = Some(built.clone());
        Ok(built)
    }

    /// Cancels every sync started so far.
    pub(crate) fn cancel_all(&self) {
        self.cancel.send_modify(|g| *g = g.wrapping_add(1));
    }
}

/// Sync with the retailer's server (see the module docs).
#[derive(Clone)]
pub struct SyncApi {
    pub(crate) ctx: Arc<Context>,
    pub(crate) service: Arc<SyncService>,
}

impl std::fmt::Debug for SyncApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncApi").finish_non_exhaustive()
    }
}

impl SyncApi {
    /// The client's runtime (created at first use): bindings may spawn sync work onto it.
    pub fn runtime_handle(&self) -> ApiResult<tokio::runtime::Handle> {
        Ok(self.ctx.runtime.handle()?)
    }

    pub fn config(&self) -> SyncConfig {
        self.service.config()
    }

    /// Replaces the tuning; applies to syncs started afterwards.
    pub fn set_config(&self, config: SyncConfig) -> ApiResult<()> {
        config.validate()?;
        *lock(&self.service.config) = config;
        *lock(&self.service.client) = None;
        Ok(())
    }

    /// The state now (counters read afresh).
    pub fn state(&self) -> SyncState {
        let status = self.service.state.borrow().status.clone();
        engine::snapshot(&self.ctx, &self.service, status)
    }

    /// Registers a listener: it gets the current state first, then every change, until the
    /// handle is dropped.
    pub fn add_listener(&self, listener: SyncListener) -> ApiResult<TaskHandle> {
        let handle = self.runtime_handle()?;
        let fresh = self.state();
        self.service.state.send_if_modified(|s| {
            let changed = *s != fresh;
            *s = fresh.clone();
            changed
        });
        let mut rx = self.service.state.subscribe();
        Ok(TaskHandle::spawn(&handle, |still| async move {
            loop {
                let state = rx.borrow_and_update().clone();
                if !still.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                // Foreign code may block: let the runtime move other work off this thread.
                tokio::task::block_in_place(|| listener(state));
                if rx.changed().await.is_err() {
                    return;
                }
            }
        }))
    }

    /// Whether an account and its token are on this device.
    pub fn is_signed_in(&self) -> ApiResult<bool> {
        engine::signed_in(&self.ctx)
    }

    /// Creates a new membership on the server at `base_url`, signs this device in, and enrols
    /// the member card (secret in the secret store). Refused when the device is signed in
    /// already.
    pub async fn enrol(
        &self,
        base_url: String,
        display_name: Option<String>,
    ) -> ApiResult<Enrolment> {
        let (ctx, service) = (self.ctx.clone(), self.service.clone());
        let cancel = retry::Cancel::new(self.service.cancel.subscribe());
        self.spawn(engine::enrol(ctx, service, cancel, base_url, display_name))
            .await
    }

    /// Signs this device in as a second device of an existing membership, with the household
    /// code shown on the first device. Also the way back after [`ApiError::Unauthorized`]: the
    /// same member signing in again keeps everything on the device; another member's data is
    /// never mixed in (conflict).
    pub async fn join_household(
        &self,
        base_url: String,
        household_code: String,
    ) -> ApiResult<Enrolment> {
        let (ctx, service) = (self.ctx.clone(), self.service.clone());
        let cancel = retry::Cancel::new(self.service.cancel.subscribe());
        self.spawn(engine::join(ctx, service, cancel, base_url, household_code))
            .await
    }

    /// Syncs now: sends the outbox, then applies the ledger, voucher and receipt feeds. A
    /// second call while one runs waits for it, then syncs again. Errors: `Network` (try again
    /// later), `Unauthorized` (sign in again), `Storage`/`Closed`.
    pub async fn sync_now(&self) -> ApiResult<SyncReport> {
        let (ctx, service) = (self.ctx.clone(), self.service.clone());
        let cancel = retry::Cancel::new(self.service.cancel.subscribe());
        self.spawn(engine::sync(ctx, service, cancel)).await
    }

    /// [`SyncApi::sync_now`] for callers without an async runtime (tools, tests). Must not be
    /// called from inside an async context.
    pub fn sync_now_blocking(&self) -> ApiResult<SyncReport> {
        self.runtime_handle()?.block_on(self.sync_now())
    }

    /// Cancels the syncs (and enrolments) in flight; they end promptly with what was applied
    /// so far kept. Syncs started afterwards run normally.
    pub fn cancel(&self) {
        self.service.cancel_all();
    }

    /// Signs this device out: the server forgets the session (when reachable) and the token
    /// leaves the secret store. The data on the device stays; joining the household again
    /// resumes syncing it.
    pub async fn sign_out(&self) -> ApiResult<()> {
        let (ctx, service) = (self.ctx.clone(), self.service.clone());
        let cancel = retry::Cancel::new(self.service.cancel.subscribe());
        self.spawn(engine::sign_out(ctx, service, cancel)).await
    }

    /// This device's push token (from FCM or APNs; call again whenever the platform gives a new
    /// one). Kept in the database and sent by the next sync, and again after each sign-in; it is
    /// never logged. At most 4096 bytes, printable ASCII (what both services issue).
    pub fn set_push_token(&self, platform: PushPlatform, token: &str) -> ApiResult<()> {
        if token.is_empty() || token.len() > 4096 || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::InvalidInput {
                reason: "a push token is 1 to 4096 printable ASCII characters".into(),
            });
        }
        let push = PushRegistration {
            platform,
            token: token.to_string(),
        };
        Ok(self.ctx.store.set_push_registration(&push)?)
    }

    /// The household code kept at enrolment (to show the shopper when adding a device).
    pub fn household_code(&self) -> ApiResult<Option<String>> {
        engine::secret_string(&self.ctx, HOUSEHOLD_SECRET_KEY)
    }

    /// Offline work waiting for the server, oldest first.
    pub fn outbox(&self) -> ApiResult<Vec<OutboxItem>> {
        Ok(self.ctx.store.outbox()?)
    }

    /// HTTP requests made by this client so far (retries included).
    pub fn requests_made(&self) -> u64 {
        self.service
            .requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn spawn<T: Send + 'static>(
        &self,
        fut: impl std::future::Future<Output = ApiResult<T>> + Send + 'static,
    ) -> ApiResult<T> {
        let handle = self.runtime_handle()?;
        handle.spawn(fut).await.map_err(|e| ApiError::Internal {
            reason: if e.is_panic() {
                "the sync task panicked".into()
            } else {
                "the sync task was stopped".into()
            },
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemorySecretStore;
    use crate::{LoyaltyClient, SystemClock};
    use std::future::Future;
    use std::task::{Context, Poll, Wake, Waker};

    /// A minimal executor with no tokio anywhere: what a foreign async runtime looks like to
    /// the core.
    fn block_on<F: Future>(fut: F) -> F::Output {
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut fut = std::pin::pin!(fut);
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::park();
        }
    }

    fn client() -> (tempfile::TempDir, LoyaltyClient) {
        let dir = tempfile::tempdir().unwrap();
        let client = LoyaltyClient::open(
            dir.path(),
            Default::default(),
            Arc::new(SystemClock),
            Some(Arc::new(MemorySecretStore::default())),
        )
        .unwrap();
        (dir, client)
    }

    #[test]
    fn a_device_that_syncs_leaves_expiry_to_the_server() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let clock = Arc::new(crate::clock::ManualClock::new(start));
        let open = |dir: &std::path::Path| {
            LoyaltyClient::open(dir, Default::default(), clock.clone(), None).unwrap()
        };
        let (alone, synced) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (alone, synced) = (open(alone.path()), open(synced.path()));
        // Earned while both kept their points alone; then one starts syncing.
        for client in [&alone, &synced] {
            client.points().earn(120, None, None, false).unwrap();
        }
        synced
            .store()
            .set_sync_account(&crate::store::SyncAccount {
                base_url: "https://loyalty.example".into(),
                member_id: "m_1".into(),
            })
            .unwrap();
        // The default rules expire points after 24 months.
        clock.advance(chrono::Duration::days(25 * 31));
        let expired = alone.points().expire_due().unwrap();
        assert_eq!(expired.iter().map(|e| e.points).sum::<i64>(), -120);
        assert_eq!(alone.points().balance().unwrap().confirmed, 0);
        assert!(synced.points().expire_due().unwrap().is_empty());
        assert_eq!(synced.points().balance().unwrap().confirmed, 120);
        assert_eq!(synced.points().entries().unwrap().len(), 1);
    }

    #[test]
    fn a_synced_device_refuses_local_point_changes_but_an_unsynced_one_keeps_them() {
        let (_a, alone) = client();
        let (_s, synced) = client();
        for c in [&alone, &synced] {
            c.points().earn(1000, None, None, false).unwrap();
        }
        let before = synced.points().entries().unwrap();
        let first = before[0].seq;
        synced
            .store()
            .set_sync_account(&crate::store::SyncAccount {
                base_url: "https://loyalty.example".into(),
                member_id: "m_1".into(),
            })
            .unwrap();
        let points = synced.points();
        let refused = [
            points.earn(900, None, None, false),
            points.earn(900, None, None, true),
            points.redeem(500, None, None, false),
            points.redeem(500, None, None, true),
            points.adjust(400, None),
            points.reverse(first),
            points.settle(first, true),
        ];
        for r in refused {
            match r {
                Err(ApiError::Conflict { reason }) => {
                    assert!(reason.contains("syncs with the retailer"), "{reason}")
                }
                other => panic!("a local point change on a synced device: {other:?}"),
            }
        }
        // Nothing was written; the balance is the one the server will confirm.
        assert_eq!(points.entries().unwrap(), before);
        assert_eq!(points.balance().unwrap().confirmed, 1000);
        // A claim for a receipt goes through the outbox, pending until the server settles it.
        let claim = points.earn_offline(40, "rcpt-1", None).unwrap();
        assert_eq!(claim.status, crate::points::EntryStatus::Pending);
        assert_eq!(points.pending_claims().unwrap().len(), 1);
        assert_eq!(points.balance().unwrap().confirmed, 1000);
        // A device that keeps its points alone works as before.
        let p = alone.points();
        p.earn(400, None, None, false).unwrap();
        p.redeem(500, None, None, false).unwrap();
        p.adjust(-100, None).unwrap();
        assert_eq!(p.balance().unwrap().confirmed, 800);
    }

    #[test]
    fn expiring_within_never_panics_whatever_the_days() {
        let (_dir, client) = client();
        client.points().earn(10, None, None, false).unwrap();
        for days in [0, 1, 95_010_000, u32::MAX] {
            let lots = client.points().expiring_within(days).unwrap();
            // The default rules expire points after 24 months: in the window once it is long.
            assert_eq!(lots.len(), usize::from(days >= 800), "{days}");
            client.wallet().expiring_within(days).unwrap();
        }
        let receipt_end = crate::points::add_days_saturating(chrono::Utc::now(), u32::MAX);
        assert_eq!(receipt_end, chrono::DateTime::<chrono::Utc>::MAX_UTC);
    }

    #[test]
    fn async_functions_need_no_runtime_of_the_caller() {
        let (_dir, client) = client();
        let sync = client.sync();
        // Runs on the client's own runtime; awaited from a foreign executor.
        let err = block_on(sync.sync_now()).unwrap_err();
        assert!(matches!(err, ApiError::Unauthorized { .. }), "{err:?}");
        let err = block_on(sync.enrol("http://example.com".into(), None)).unwrap_err();
        assert!(matches!(err, ApiError::InvalidInput { .. }), "{err:?}");
        assert!(matches!(
            sync.state().status,
            SyncStatus::Failed {
                error: ApiError::Unauthorized { .. }
            }
        ));
        // Dropping the client from a thread of its own runtime does not panic.
        let handle = sync.runtime_handle().unwrap();
        let owned = client.clone();
        drop(client);
        drop(sync);
        block_on(handle.spawn_blocking(move || drop(owned))).unwrap();
    }

    #[test]
    fn listeners_get_the_current_state_first_then_changes_and_stop_when_dropped() {
        let (_dir, client) = client();
        let sync = client.sync();
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = sync
            .add_listener(Box::new(move |s| {
                let _ = tx.send(s);
            }))
            .unwrap();
        let first = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(first.status, SyncStatus::Idle);
        assert!(!first.signed_in);
        let _ = sync.sync_now_blocking();
        let mut last = first;
        while !matches!(last.status, SyncStatus::Failed { .. }) {
            last = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        }
        drop(handle);
        let _ = sync.sync_now_blocking();
        // The sender lives in the aborted task: once it is gone, the channel closes.
        loop {
            match rx.recv_timeout(Duration::from_secs(5)) {
                Ok(s) => assert!(
                    matches!(s.status, SyncStatus::Failed { .. }),
                    "no new state after the drop: {s:?}"
                ),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                Err(e) => panic!("the listener task was not stopped: {e:?}"),
            }
        }
    }

    #[test]
    fn config_is_validated() {
        assert!(SyncConfig::default().validate().is_ok());
        let bad = [
            SyncConfig {
                page_limit: 0,
                ..SyncConfig::default()
            },
            SyncConfig {
                page_limit: 1001,
                ..SyncConfig::default()
            },
            SyncConfig {
                request_timeout: Duration::ZERO,
                ..SyncConfig::default()
            },
            SyncConfig {
                stuck_after: 0,
                ..SyncConfig::default()
            },
            SyncConfig {
                retry: RetryPolicy {
                    max_attempts: 0,
                    ..RetryPolicy::default()
                },
                ..SyncConfig::default()
            },
        ];
        let (_dir, client) = client();
        for c in bad {
            assert!(c.validate().is_err(), "{c:?}");
            assert!(matches!(
                client.sync().set_config(c),
                Err(ApiError::InvalidInput { .. })
            ));
        }
    }
}
