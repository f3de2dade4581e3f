//! Sync with the retailer's server: the facade over [`crate::sync`] (see its module docs).

use super::error::{ApiResult, LoyaltyError};
use crate::context::Context;
use crate::runtime::TaskHandle;
use crate::store::{PushRegistration, SyncAccount};
use crate::sync::{
    account, engine, enrolment, session, Enrolment, PushPlatform, SyncConfig, SyncListener,
    SyncReport, SyncService, SyncState, HOUSEHOLD_SECRET_KEY,
};
use crate::wallet::OutboxItem;
use std::sync::Arc;

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
        self.service.set_config(config);
        Ok(())
    }

    /// The state now (counters read afresh).
    pub fn state(&self) -> SyncState {
        self.service.state(&self.ctx)
    }

    /// Registers a listener: it gets the current state first, then every change, until the
    /// handle is dropped.
    pub fn add_listener(&self, listener: SyncListener) -> ApiResult<TaskHandle> {
        let handle = self.runtime_handle()?;
        let mut rx = self.service.watch_state(self.state());
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
        session::signed_in(&self.ctx)
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
        let cancel = self.service.cancel_token();
        self.spawn(enrolment::enrol(
            ctx,
            service,
            cancel,
            base_url,
            display_name,
        ))
        .await
    }

    /// Signs this device in as a second device of an existing membership, with the household
    /// code shown on the first device. Also the way back after [`LoyaltyError::Unauthorized`]: the
    /// same member signing in again keeps everything on the device; another member's data is
    /// never mixed in (conflict).
    pub async fn join_household(
        &self,
        base_url: String,
        household_code: String,
    ) -> ApiResult<Enrolment> {
        let (ctx, service) = (self.ctx.clone(), self.service.clone());
        let cancel = self.service.cancel_token();
        self.spawn(enrolment::join(
            ctx,
            service,
            cancel,
            base_url,
            household_code,
        ))
        .await
    }

    /// Syncs now: sends the outbox, then applies the ledger, voucher and receipt feeds. A
    /// second call while one runs waits for it, then syncs again. Errors: `Network` (try again
    /// later), `Unauthorized` (sign in again), `Storage`/`Closed`.
    pub async fn sync_now(&self) -> ApiResult<SyncReport> {
        let (ctx, service) = (self.ctx.clone(), self.service.clone());
        let cancel = self.service.cancel_token();
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
        let cancel = self.service.cancel_token();
        self.spawn(enrolment::sign_out(ctx, service, cancel)).await
    }

    /// Asks the server to delete the account and erase the shopper's data (the store rules of
    /// Apple and Google; GDPR art. 17). Works offline: the request waits in the outbox (kept on
    /// disk before this returns) and the next sync sends it first. Only when the server confirms
    /// does the device wipe its database and the account's secrets; until then everything stays
    /// (a sync reports `account_deleted` when it happened). Asking again while a request waits
    /// returns the time of the waiting one. `Unauthorized` when this device is not signed in.
    pub fn request_account_deletion(&self) -> ApiResult<chrono::DateTime<chrono::Utc>> {
        if self.ctx.store.sync_account()?.is_none() {
            return Err(LoyaltyError::Unauthorized {
                reason: "this device is not signed in: there is no account to delete".into(),
            });
        }
        let item = self.ctx.store.request_account_deletion(self.ctx.now())?;
        Ok(item.created_at)
    }

    /// When the waiting request to delete the account was made, if one waits for a sync.
    pub fn account_deletion_requested_at(
        &self,
    ) -> ApiResult<Option<chrono::DateTime<chrono::Utc>>> {
        Ok(self.ctx.store.account_deletion()?.map(|i| i.created_at))
    }

    /// Everything the server holds for the member (profile, devices, ledger, vouchers, receipts)
    /// as one machine-readable JSON document (GDPR art. 15 and 20), to save or share. Online
    /// only: `Network` when the server cannot be reached.
    pub async fn export_account(&self) -> ApiResult<String> {
        let (ctx, service) = (self.ctx.clone(), self.service.clone());
        let cancel = self.service.cancel_token();
        self.spawn(account::export(ctx, service, cancel)).await
    }

    /// This device's push token (from FCM or APNs; call again whenever the platform gives a new
    /// one). Kept in the database and sent by the next sync, and again after each sign-in; it is
    /// never logged. At most 4096 bytes, printable ASCII (what both services issue).
    /// Whom HTTPS trusts: exactly these certificates (DER) when any is given, the platform's
    /// default when empty (the OS trust store; the bundled Mozilla roots on Android). Android
    /// apps hand the system's store (`AndroidCAStore`) here, so OS root updates and, where the
    /// app's network security config allows them, enterprise CAs are honoured. Returns how many
    /// are usable anchors; `InvalidInput` when certificates were given and none is.
    pub fn set_trust_anchors(&self, certificates: Vec<Vec<u8>>) -> ApiResult<u32> {
        if certificates.len() > 4096 || certificates.iter().any(|c| c.len() > 65_536) {
            return Err(LoyaltyError::InvalidInput {
                reason: "at most 4096 certificates of at most 64 KiB each".into(),
            });
        }
        self.service.set_trust_anchors(certificates)
    }

    pub fn set_push_token(&self, platform: PushPlatform, token: &str) -> ApiResult<()> {
        if token.is_empty() || token.len() > 4096 || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(LoyaltyError::InvalidInput {
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
        session::secret_string(&self.ctx, HOUSEHOLD_SECRET_KEY)
    }

    /// The account this device syncs with (server and member id), if it is signed in or was.
    pub fn account(&self) -> ApiResult<Option<SyncAccount>> {
        Ok(self.ctx.store.sync_account()?)
    }

    /// Offline work waiting for the server, oldest first.
    pub fn outbox(&self) -> ApiResult<Vec<OutboxItem>> {
        Ok(self.ctx.store.outbox()?)
    }

    /// HTTP requests made by this client so far (retries included).
    pub fn requests_made(&self) -> u64 {
        self.service.requests_made()
    }

    async fn spawn<T: Send + 'static>(
        &self,
        fut: impl std::future::Future<Output = ApiResult<T>> + Send + 'static,
    ) -> ApiResult<T> {
        let handle = self.runtime_handle()?;
        crate::runtime::run(&handle, fut)
            .await
            .map_err(|e| LoyaltyError::Internal {
                reason: match e {
                    crate::runtime::TaskFailed::Panicked => "the sync task panicked".into(),
                    crate::runtime::TaskFailed::Stopped => "the sync task was stopped".into(),
                },
            })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemorySecretStore;
    use crate::sync::{RetryPolicy, SyncStatus};
    use crate::{LoyaltyClient, SystemClock};
    use std::future::Future;
    use std::task::{Context, Poll, Wake, Waker};
    use std::time::Duration;

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
                Err(LoyaltyError::Conflict { reason }) => {
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
        assert!(matches!(err, LoyaltyError::Unauthorized { .. }), "{err:?}");
        let err = block_on(sync.enrol("http://example.com".into(), None)).unwrap_err();
        assert!(matches!(err, LoyaltyError::InvalidInput { .. }), "{err:?}");
        assert!(matches!(
            sync.state().status,
            SyncStatus::Failed {
                error: LoyaltyError::Unauthorized { .. }
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
                Err(LoyaltyError::InvalidInput { .. })
            ));
        }
    }
}
