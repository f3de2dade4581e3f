//! Account deletion and export end to end: the real reference server on loopback, real client
//! stores on disk, the fault-injecting proxy between them. Deletion asked offline waits in the
//! outbox; the sync that reaches the server erases the account there and only then wipes the
//! device; a lost answer or a kill between the server's confirmation and the wipe still ends in
//! a wiped device; the old token opens nothing. The export holds the member's receipts, ledger
//! and vouchers as the server has them.

mod support;

use loyalty_core::secrets::{MemorySecretStore, SecretStore, SecretStoreError};
use loyalty_core::store::{KEEP_FILE_NAME, KEEP_LOG_NAME};
use loyalty_core::sync::{HOUSEHOLD_SECRET_KEY, REFRESH_SECRET_KEY, TOKEN_SECRET_KEY};
use loyalty_core::wallet::OutboxOperation;
use loyalty_core::{LoyaltyClient, LoyaltyError, SystemClock, CARD_SECRET_KEY, ERASING_FILE_NAME};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use support::{http, test_config, Device, Fault, Proxy, Server};

const ACCOUNT_SECRETS: [&str; 4] = [
    CARD_SECRET_KEY,
    TOKEN_SECRET_KEY,
    REFRESH_SECRET_KEY,
    HOUSEHOLD_SECRET_KEY,
];

async fn enrolled(device: &Device, proxy: &Proxy, server: &Server) -> String {
    device
        .client
        .sync()
        .enrol(proxy.base_url(), Some("Ann".into()))
        .await
        .expect("enrolment");
    let member = device.member_id();
    server
        .import_receipt(&member, "r_dog_food", 2599, true)
        .await;
    server.add_points(&member, 40, "Welcome bonus").await;
    server.issue_voucher(&member, "5 euro off").await;
    device.client.sync().sync_now().await.expect("first sync");
    assert_eq!(device.client.receipts().all().unwrap().len(), 1);
    assert_eq!(device.client.wallet().all().unwrap().len(), 1);
    member
}

fn assert_wiped(device: &Device) {
    let c = &device.client;
    assert!(!c.sync().is_signed_in().unwrap());
    assert!(c.sync().account().unwrap().is_none());
    assert!(c.sync().outbox().unwrap().is_empty());
    assert!(c.receipts().all().unwrap().is_empty());
    assert!(c.wallet().all().unwrap().is_empty());
    assert!(c.points().recent(100).unwrap().is_empty());
    assert!(c.card().member_card().unwrap().is_none());
    for key in ACCOUNT_SECRETS {
        assert_eq!(device.secrets.get(key).unwrap(), None, "{key} is deleted");
    }
    assert!(!device.dir.path().join(ERASING_FILE_NAME).exists());
    // The keep copy beside the database (which refills a damaged one) holds no sign-in and no
    // offline action of the erased account.
    for name in [KEEP_FILE_NAME, KEEP_LOG_NAME] {
        if let Ok(text) = std::fs::read_to_string(device.dir.path().join(name)) {
            assert!(!text.contains("sync_account"), "{name}: {text}");
            assert!(!text.contains("delete_account"), "{name}: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletion_asked_offline_is_sent_by_the_next_sync_and_only_then_wipes_the_device() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let mut device = Device::new(test_config());
    let member = enrolled(&device, &proxy, &server).await;
    let token = device.token();

    // Offline: the request is kept, nothing is wiped.
    proxy.set_upstream(None);
    let asked = device.client.sync().request_account_deletion().unwrap();
    assert_eq!(
        device.client.sync().request_account_deletion().unwrap(),
        asked,
        "asking again returns the waiting request"
    );
    let failed = device.client.sync().sync_now().await;
    assert!(
        matches!(failed, Err(LoyaltyError::Network { .. })),
        "{failed:?}"
    );
    // The app is killed and started again while offline: the request is still there.
    device.restart();
    let outbox = device.client.sync().outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].operation, OutboxOperation::DeleteAccount);
    assert_eq!(
        device
            .client
            .sync()
            .account_deletion_requested_at()
            .unwrap(),
        Some(asked)
    );
    assert_eq!(device.client.receipts().all().unwrap().len(), 1);
    assert!(device.secrets.get(TOKEN_SECRET_KEY).unwrap().is_some());
    assert!(server.members().iter().any(|(id, _)| id == &member));

    // Online again: the server erases the account, then the device wipes itself.
    proxy.set_upstream(Some(server.addr));
    let report = device.client.sync().sync_now().await.expect("sync");
    assert!(report.account_deleted);
    assert!(server.members().iter().all(|(id, _)| id != &member));
    assert_wiped(&device);

    // The old token opens nothing; the client goes on as a fresh install (it can enrol again).
    let me = http(server.addr, "GET", "/v1/me", Some(&token), None, &[]).await;
    assert_eq!(me.status(), 401);
    let refused = http(server.addr, "GET", "/v1/ledger", Some(&token), None, &[]).await;
    assert_eq!(refused.status(), 401);
    device.restart();
    assert_wiped(&device);
    device
        .client
        .sync()
        .enrol(proxy.base_url(), None)
        .await
        .expect("a new membership after deletion");
    assert_ne!(device.member_id(), member);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_confirmation_is_asked_again_and_still_wipes_the_device() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let device = Device::new(test_config());
    let member = enrolled(&device, &proxy, &server).await;
    device.client.sync().request_account_deletion().unwrap();
    // The server erases the account but its answer never arrives: the retry is told
    // "already erased", and the device wipes itself.
    proxy.inject("DELETE", "/v1/me", 0, 1, Fault::DropAfterForward);
    let report = device.client.sync().sync_now().await.expect("sync");
    assert!(report.account_deleted);
    assert!(server.members().iter().all(|(id, _)| id != &member));
    assert_wiped(&device);
}

/// A keystore whose deletes fail while `failing` is set (a Keystore error mid-wipe).
#[derive(Default)]
struct FlakyKeystore {
    inner: MemorySecretStore,
    failing: AtomicBool,
}

impl SecretStore for FlakyKeystore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SecretStoreError> {
        self.inner.get(key)
    }
    fn put(&self, key: &str, value: &[u8]) -> Result<(), SecretStoreError> {
        self.inner.put(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), SecretStoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(SecretStoreError {
                reason: "keystore unavailable".into(),
            });
        }
        self.inner.delete(key)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wipe_cut_short_after_the_servers_confirmation_is_finished_at_the_next_open() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let dir = tempfile::tempdir().unwrap();
    let keystore = Arc::new(FlakyKeystore::default());
    let open = || {
        let c = LoyaltyClient::open(
            dir.path(),
            Default::default(),
            Arc::new(SystemClock),
            Some(keystore.clone() as Arc<dyn SecretStore>),
        )
        .unwrap();
        c.sync().set_config(test_config()).unwrap();
        c
    };
    let client = open();
    client
        .sync()
        .enrol(server.base_url(), None)
        .await
        .expect("enrolment");
    let member = client.sync().account().unwrap().unwrap().member_id;
    server.import_receipt(&member, "r_1", 1000, true).await;
    client.sync().sync_now().await.unwrap();
    client.sync().request_account_deletion().unwrap();

    // The server confirms; the wipe stops half-way (the keystore fails).
    keystore.failing.store(true, Ordering::SeqCst);
    let cut = client.sync().sync_now().await;
    assert!(matches!(cut, Err(LoyaltyError::Storage { .. })), "{cut:?}");
    assert!(server.members().iter().all(|(id, _)| id != &member));
    assert!(dir.path().join(ERASING_FILE_NAME).exists());
    assert!(keystore.inner.get(TOKEN_SECRET_KEY).unwrap().is_some());
    client.close().unwrap();
    drop(client);

    // The next start finishes it before anything else.
    keystore.failing.store(false, Ordering::SeqCst);
    let client = open();
    assert!(!dir.path().join(ERASING_FILE_NAME).exists());
    for key in ACCOUNT_SECRETS {
        assert_eq!(keystore.inner.get(key).unwrap(), None, "{key} is deleted");
    }
    assert!(client.sync().account().unwrap().is_none());
    assert!(client.receipts().all().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_right_after_the_confirmation_is_recorded_ends_in_a_wiped_device() {
    // The state a kill leaves after the erasure was recorded and before anything was wiped:
    // the marker beside a full database and keystore.
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let mut device = Device::new(test_config());
    enrolled(&device, &proxy, &server).await;
    device.client.close().unwrap();
    std::fs::write(device.dir.path().join(ERASING_FILE_NAME), b"").unwrap();
    device.restart();
    assert_wiped(&device);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_holds_the_members_receipts_ledger_and_vouchers() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let device = Device::new(test_config());
    let member = enrolled(&device, &proxy, &server).await;
    let text = device.client.sync().export_account().await.expect("export");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["format"], "loyalty-core-export/1");
    assert_eq!(doc["member"]["member_id"], member.as_str());
    assert_eq!(doc["member"]["display_name"], "Ann");
    let token = device.token();
    for feed in ["receipts", "ledger", "vouchers"] {
        assert_eq!(
            doc[feed].as_array().unwrap(),
            &server.feed(&token, feed).await,
            "{feed} as the server holds it"
        );
    }
    assert_eq!(doc["receipts"][0]["id"], "r_dog_food");
    assert_eq!(doc["vouchers"][0]["title"], "5 euro off");
    assert!(!text.contains(&token), "no token in the export");

    // Online only: offline, a typed network error and nothing changes.
    proxy.set_upstream(None);
    let offline = device.client.sync().export_account().await;
    assert!(
        matches!(offline, Err(LoyaltyError::Network { .. })),
        "{offline:?}"
    );
    assert!(device.client.sync().is_signed_in().unwrap());
}
