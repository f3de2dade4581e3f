//! Listeners on the store: the balance and the wallet, now and after each change.
//!
//! A listener runs as a task on the client's runtime: it reads the value, calls the listener,
//! then waits for the store's next commit to what the value is made of (see
//! [`crate::store::Topic`]) and reads again; it calls only when the value differs from the last
//! one delivered. Rapid changes (a sync applying pages) coalesce into the latest value. Calls
//! come from a runtime thread with no lock of the core held, one at a time per listener; the
//! task holds the client weakly, so a listener never keeps a closed client alive, and it ends
//! when the handle is dropped or the store is closed.

use crate::context::Context;
use crate::runtime::TaskHandle;
use crate::store::{StoreError, Topic};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Runs a listener of `topic` on `runtime` (the client's): `read` makes the value from the
/// context, `listener` gets it. Fails only when the store is closed.
pub(crate) fn spawn<T>(
    ctx: &Arc<Context>,
    runtime: &tokio::runtime::Handle,
    topic: Topic,
    read: impl Fn(&Context) -> Result<T, StoreError> + Send + Sync + 'static,
    listener: Box<dyn Fn(T) + Send + Sync>,
) -> Result<TaskHandle, StoreError>
where
    T: PartialEq + Clone + Send + 'static,
{
    let mut changes = ctx.store.subscribe(topic)?;
    let client = Arc::downgrade(ctx);
    Ok(TaskHandle::spawn(runtime, |still| async move {
        let mut last: Option<T> = None;
        loop {
            changes.borrow_and_update();
            let Some(ctx) = client.upgrade() else {
                return;
            };
            // Store reads and foreign code may block: let the runtime move other work away.
            let value = match tokio::task::block_in_place(|| read(&ctx)) {
                Ok(v) => v,
                Err(_) => return, // closed (or unreadable): nothing more to tell
            };
            drop(ctx);
            if last.as_ref() != Some(&value) {
                if !still.load(Ordering::SeqCst) {
                    return;
                }
                tokio::task::block_in_place(|| listener(value.clone()));
                last = Some(value);
            }
            if changes.changed().await.is_err() {
                return;
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use crate::points::Balance;
    use crate::wallet::{Voucher, VoucherKind, VoucherState};
    use crate::{LoyaltyClient, ManualClock};
    use chrono::{TimeZone, Utc};
    use std::sync::mpsc;
    use std::sync::Arc;
    use std::time::Duration;

    /// Long enough for a runtime thread to run, short enough to fail fast; the tests wait for
    /// events, never for a clock.
    const EVENT: Duration = Duration::from_secs(10);

    fn client() -> (tempfile::TempDir, LoyaltyClient) {
        let dir = tempfile::tempdir().unwrap();
        let start = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let client = LoyaltyClient::open(
            dir.path(),
            Default::default(),
            Arc::new(ManualClock::new(start)),
            None,
        )
        .unwrap();
        let key = crate::card::public_key_hex(&retailer().verifying_key());
        client.wallet().set_retailer_key(&key).unwrap();
        (dir, client)
    }

    /// The retailer's voucher signing key of these tests.
    fn retailer() -> crate::card::SigningKey {
        crate::card::SigningKey::from_bytes(&[7; 32])
    }

    #[test]
    fn the_balance_listener_gets_the_balance_now_then_each_new_one_until_dropped() {
        let (_dir, client) = client();
        let points = client.points();
        let (tx, rx) = mpsc::channel::<Balance>();
        let tx = std::sync::Mutex::new(tx);
        let handle = points
            .add_listener(Box::new(move |b| {
                let _ = tx.lock().unwrap().send(b);
            }))
            .unwrap();
        assert_eq!(rx.recv_timeout(EVENT).unwrap().confirmed, 0);
        points.earn(120, None, None, false).unwrap();
        assert_eq!(rx.recv_timeout(EVENT).unwrap().confirmed, 120);
        points.earn(30, None, None, true).unwrap();
        let b = rx.recv_timeout(EVENT).unwrap();
        assert_eq!((b.confirmed, b.pending_credit), (120, 30));
        // A commit that leaves the balance as it was calls nobody: the next call is the next
        // real change.
        client.wallet().add(voucher("v1")).unwrap();
        points.earn(1, None, None, false).unwrap();
        assert_eq!(rx.recv_timeout(EVENT).unwrap().confirmed, 121);
        drop(handle);
        points.earn(5, None, None, false).unwrap();
        // The listener is gone with its handle: its sender too, so the channel closes.
        assert!(rx.recv_timeout(EVENT).is_err());
    }

    #[test]
    fn the_wallet_listener_follows_redemptions_and_ends_when_the_client_closes() {
        let (_dir, client) = client();
        let wallet = client.wallet();
        wallet.add(voucher("v1")).unwrap();
        let (tx, rx) = mpsc::channel::<Vec<Voucher>>();
        let tx = std::sync::Mutex::new(tx);
        let _handle = wallet
            .add_listener(Box::new(move |all| {
                let _ = tx.lock().unwrap().send(all);
            }))
            .unwrap();
        let first = rx.recv_timeout(EVENT).unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].state, VoucherState::Available);
        let redemption = wallet.begin_redemption("v1").unwrap();
        let next = rx.recv_timeout(EVENT).unwrap();
        assert_eq!(next, vec![redemption.voucher]);
        assert!(matches!(next[0].state, VoucherState::Redeeming { .. }));
        client.close().unwrap();
        // Closed: the listener's task ends and drops it, so the channel closes.
        assert!(rx.recv_timeout(EVENT).is_err());
        assert!(wallet
            .add_listener(Box::new(|_| {}))
            .is_err_and(|e| matches!(e, crate::LoyaltyError::Closed { .. })));
    }

    fn voucher(id: &str) -> Voucher {
        let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let mut v = Voucher {
            titles: Default::default(),
            id: id.into(),
            kind: VoucherKind::PercentOff {
                percent: 10,
                max_discount: None,
            },
            title: "10% off".into(),
            description: None,
            code: format!("CODE-{id}"),
            valid_from: from,
            valid_until: from + chrono::Duration::days(60),
            state: VoucherState::Available,
            signature: None,
        };
        v.code = crate::card::sign_voucher(&v, &retailer()).unwrap();
        v
    }
}
