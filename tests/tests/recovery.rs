//! A damaged database on a signed-in phone with offline work: the app quarantines it, opens a new
//! one, and syncs. What only the phone knew (its sign-in, an offline redemption) comes back from
//! the keep file beside the database; the rest comes back from the server. The redemption reaches
//! the server exactly once, also when the phone syncs again.

mod support;

use loyalty_core::store::{Store, DB_DIR_NAME};
use loyalty_core::wallet::VoucherState;
use loyalty_core::{LoyaltyClient, LoyaltyError, SystemClock};
use serde_json::json;
use std::sync::Arc;
use support::{assert_mirrors, http, test_config, Device, Proxy, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_database_keeps_the_offline_redemption_and_sends_it_once() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let mut device = Device::new(test_config());
    device
        .client
        .sync()
        .enrol(proxy.base_url(), Some("Ann".into()))
        .await
        .expect("enrolment");
    let member = device.member_id();
    let voucher = server.issue_voucher(&member, "Free coffee").await;
    server.add_points(&member, 300, "Welcome").await;
    device.client.sync().sync_now().await.unwrap();

    // Offline at the till: the voucher is shown and its redemption waits in the outbox.
    let started = device.client.wallet().begin_redemption(&voucher).unwrap();
    let key = started.outbox_item.idempotency_key.clone();
    let config = device.client.sync().config();
    device.client.close().unwrap();

    // The database is damaged (every byte of sled's log flipped): opening it says so.
    let log = device.dir.path().join(DB_DIR_NAME).join("db");
    let mut bytes = std::fs::read(&log).unwrap();
    for b in bytes.iter_mut() {
        *b ^= 0x5a;
    }
    std::fs::write(&log, &bytes).unwrap();
    let open = || {
        LoyaltyClient::open(
            device.dir.path(),
            Default::default(),
            Arc::new(SystemClock),
            Some(device.secrets.clone() as Arc<dyn loyalty_core::secrets::SecretStore>),
        )
    };
    let err = open().map(|_| ()).unwrap_err();
    assert!(
        matches!(err, LoyaltyError::DatabaseCorrupt { .. }),
        "{err:?}"
    );

    // The app's answer: quarantine, open a new database, sync.
    Store::quarantine(device.dir.path()).unwrap();
    device.client = open().expect("a new database opens");
    device.client.sync().set_config(config).unwrap();
    // Still signed in, with the offline redemption waiting under the same key.
    assert_eq!(device.member_id(), member);
    let outbox = device.client.sync().outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].idempotency_key, key);

    let report = device
        .client
        .sync()
        .sync_now()
        .await
        .expect("sync after the rebuild");
    assert!(!report.cancelled);
    assert!(matches!(
        device.client.wallet().get(&voucher).unwrap().state,
        VoucherState::Redeemed { .. }
    ));
    assert_eq!(device.client.points().verify().unwrap().confirmed, 300);
    assert_mirrors(&server, &device).await;
    device.client.sync().sync_now().await.unwrap();
    assert_mirrors(&server, &device).await;

    // Exactly once on the server: replaying the key returns the first answer, and a second
    // redemption of the voucher is refused.
    let r = http(
        server.addr,
        "POST",
        "/v1/redemptions",
        Some(&device.token()),
        Some(&json!({ "voucher_id": voucher })),
        &[("idempotency-key", &key)],
    )
    .await;
    assert_eq!(r.header("idempotent-replayed"), Some("true"));
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["outcome"], "accepted");
    let again = http(
        server.addr,
        "POST",
        "/v1/redemptions",
        Some(&device.token()),
        Some(&json!({ "voucher_id": voucher })),
        &[("idempotency-key", "another-key-0123456789")],
    )
    .await;
    let body: serde_json::Value = serde_json::from_slice(&again.body).unwrap();
    assert_eq!(body["outcome"], "already_redeemed", "{body}");
}
