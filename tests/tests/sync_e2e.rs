//! Sync end to end: the real reference server (`loyalty-server`) on loopback with its SQLite
//! database in a temporary directory, real client stores on disk, and a fault-injecting HTTP
//! proxy between them (5xx, 429/503 with Retry-After, dropped connections before and after the
//! server applied a write, truncated and garbage bodies, answers slower than the client's
//! timeout, a server restart mid-sync). After every scenario the device is compared with the
//! server record by record (`support::assert_mirrors`): nothing lost, nothing applied twice.

mod support;

use loyalty_core::log::{LogLevel, LogSink};
use loyalty_core::points::EntryStatus;
use loyalty_core::store::{Feed, ReminderKey};
use loyalty_core::sync::{PushPlatform, SyncConfig, SyncNoticeKind, SyncState, SyncStatus};
use loyalty_core::wallet::VoucherState;
use loyalty_core::{LoyaltyError, TaskHandle};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{assert_mirrors, http, http_ok, test_config, Device, Fault, Proxy, Server};
use tokio::sync::Notify;

/// A server, a proxy in front of it, and one device enrolled through the proxy.
async fn setup(config: SyncConfig) -> (tempfile::TempDir, Server, Proxy, Device) {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let device = Device::new(config);
    let enrolment = device
        .client
        .sync()
        .enrol(proxy.base_url(), Some("Ann".into()))
        .await
        .expect("enrolment");
    assert!(
        enrolment.card.is_some(),
        "the card is enrolled with its secret"
    );
    assert!(enrolment.household_code.is_some());
    (data, server, proxy, device)
}

/// `receipts` credited purchases (a receipt and a ledger entry each), `points` more ledger
/// entries, `vouchers` vouchers.
async fn seed(server: &Server, member: &str, receipts: usize, points: usize, vouchers: usize) {
    for i in 0..receipts {
        server
            .import_receipt(member, &format!("r_seed_{i}"), 1000 + 100 * i as i64, true)
            .await;
    }
    for i in 0..points {
        server
            .add_points(member, 5 + i as i64, &format!("Bonus {i}"))
            .await;
    }
    for i in 0..vouchers {
        server.issue_voucher(member, &format!("Voucher {i}")).await;
    }
}

/// Offline work on the device: two redemptions and one point claim (for a receipt the server
/// has but has not credited, 17 points).
async fn offline_work(server: &Server, device: &Device) -> Vec<String> {
    let member = device.member_id();
    server
        .import_receipt(&member, "r_offline", 1799, false)
        .await;
    let sync = device.client.sync();
    sync.sync_now().await.expect("sync before going offline");
    let wallet = device.client.wallet();
    let ids: Vec<String> = wallet
        .usable_now()
        .unwrap()
        .into_iter()
        .take(2)
        .map(|v| v.id)
        .collect();
    assert_eq!(ids.len(), 2, "two vouchers to redeem");
    for id in &ids {
        wallet.begin_redemption(id).unwrap();
    }
    let e = device
        .client
        .points()
        .earn_offline(17, "r_offline", Some("Purchase offline".into()))
        .unwrap();
    assert_eq!(e.status, EntryStatus::Pending);
    assert_eq!(device.client.sync().outbox().unwrap().len(), 3);
    ids
}

fn redeemed(device: &Device, id: &str) -> bool {
    matches!(
        device.client.wallet().get(id).unwrap().state,
        VoucherState::Redeemed { .. }
    )
}

/// Listener states, collected.
fn collect_states(device: &Device) -> (Arc<Mutex<Vec<SyncState>>>, Arc<Notify>, TaskHandle) {
    let states = Arc::new(Mutex::new(Vec::new()));
    let changed = Arc::new(Notify::new());
    let (s, c) = (states.clone(), changed.clone());
    let handle = device
        .client
        .sync()
        .add_listener(Box::new(move |state| {
            s.lock().unwrap().push(state);
            c.notify_one();
        }))
        .unwrap();
    (states, changed, handle)
}

async fn wait_for(
    states: &Mutex<Vec<SyncState>>,
    changed: &Notify,
    what: impl Fn(&SyncState) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !states.lock().unwrap().last().is_some_and(&what) {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            tokio::time::timeout(left, changed.notified()).await.is_ok(),
            "listener never saw the expected state: {:?}",
            states.lock().unwrap().last()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_sync_pages_through_everything_and_reports_its_state() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 40, 35, 30).await;
    let vouchers = server.feed(&device.token(), "vouchers").await;
    server
        .revoke(&member, vouchers[0]["id"].as_str().unwrap())
        .await;

    let sync = device.client.sync();
    let (states, changed, handle) = collect_states(&device);
    wait_for(&states, &changed, |s| s.status == SyncStatus::Idle).await;
    let first = states.lock().unwrap()[0].clone();
    assert!(first.signed_in);
    assert_eq!(first.last_synced_at, None);

    let before = proxy.requests();
    let report = sync.sync_now().await.expect("initial sync");
    assert!(!report.cancelled);
    assert_eq!(report.ledger_applied, 75);
    assert_eq!(report.vouchers_applied, 30);
    assert_eq!(report.receipts_applied, 40);
    // The member's consent (GET /v1/me), pages of 25: 3 for the ledger, 2 for the vouchers, 2
    // for the receipts, one GET of the offers, then one GET per content feed (none published);
    // no retry.
    assert_eq!(report.requests, proxy.requests() - before);
    assert_eq!(report.requests, 1 + 3 + 2 + 2 + 1 + 5);
    assert_mirrors(&server, &device).await;

    wait_for(&states, &changed, |s| {
        s.status == SyncStatus::Idle && s.last_synced_at.is_some()
    })
    .await;
    let seen: Vec<SyncStatus> = states
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.status.clone())
        .collect();
    assert!(
        seen.iter().any(|s| matches!(s, SyncStatus::Syncing { .. })),
        "{seen:?}"
    );

    // Nothing new: one request per delta feed, the offers and per content feed, nothing applied.
    let report = sync.sync_now().await.unwrap();
    assert_eq!(
        (
            report.ledger_applied,
            report.vouchers_applied,
            report.receipts_applied
        ),
        (0, 0, 0)
    );
    assert_eq!(report.requests, 1 + 3 + 1 + 5);

    // A dropped handle hears nothing more; a live one does.
    let last = sync.state().last_synced_at;
    wait_for(&states, &changed, |s| {
        s.status == SyncStatus::Idle && s.last_synced_at == last
    })
    .await;
    drop(handle);
    let count = states.lock().unwrap().len();
    let (states2, changed2, _h2) = collect_states(&device);
    server.add_points(&member, 3, "Late bonus").await;
    let report = sync.sync_now().await.unwrap();
    assert_eq!(report.ledger_applied, 1);
    let last = sync.state().last_synced_at;
    assert!(last.is_some());
    wait_for(&states2, &changed2, |s| {
        s.status == SyncStatus::Idle && s.last_synced_at == last
    })
    .await;
    assert_eq!(states.lock().unwrap().len(), count);
    assert_mirrors(&server, &device).await;
}

/// What the device's reminder data holds: the rule ids, and the catalogue's recall, recipe and
/// content ids.
fn reminder_data(device: &Device) -> (Vec<String>, [Vec<String>; 3]) {
    let store = device.client.store();
    let rules = store
        .reminder_value::<String>(ReminderKey::Rules)
        .unwrap()
        .map(|json| {
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            ids(&v["rules"])
        })
        .unwrap_or_default();
    let catalogue = store
        .reminder_value::<String>(ReminderKey::Catalogue)
        .unwrap()
        .map(|json| {
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            [ids(&v["recalls"]), ids(&v["recipes"]), ids(&v["content"])]
        })
        .unwrap_or_default();
    (rules, catalogue)
}

fn ids(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn recipe(id: &str) -> serde_json::Value {
    json!({"id": id, "title": {"en": "Dog biscuits"},
           "ingredients": [{"categories": ["pet food"]}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_feeds_reach_the_reminders_once_and_a_bad_version_is_refused() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 1, 0, 0).await; // a receipt for dog food (GTIN 4006381333931), 1 March
    let sync = device.client.sync();

    // Nothing published: nothing applied, and what the app set itself stays.
    let own_rules = r#"{"version": 1, "rules": [{"id": "own-welcome", "kind": "welcome"}]}"#;
    device.client.reminders().set_rules_json(own_rules).unwrap();
    let report = sync.sync_now().await.unwrap();
    assert_eq!(
        (report.content_updated, report.content_rejected.len()),
        (0, 0)
    );
    assert_eq!(reminder_data(&device).0, ["own-welcome"]);

    // The retailer publishes rules, a recall of the dog food sold around 1 March, and recipes.
    let now = chrono::Utc::now();
    server
        .publish_content(
            "reminder-rules",
            &json!({"version": 1, "rules": [{"id": "recipes", "kind": "recipes"}]}),
        )
        .await;
    server
        .publish_content(
            "recalls",
            &json!({"version": 1, "recalls": [{
                "id": "R-7", "gtins": ["4006381333931"],
                "sold_from": "2026-02-28T00:00:00Z", "sold_until": "2026-03-02T00:00:00Z",
                "published_at": (now - chrono::Duration::hours(1)).to_rfc3339(),
                "product": {"en": "Dog food 12 kg"}, "instructions": {"en": "Bring it back."},
                "urgent": true}]}),
        )
        .await;
    server
        .publish_content(
            "recipes",
            &json!({"version": 1, "recipes": [recipe("biscuits")]}),
        )
        .await;
    let report = sync.sync_now().await.unwrap();
    assert_eq!(report.content_updated, 3, "{report:?}");
    assert!(report.content_rejected.is_empty(), "{report:?}");
    let (rules, [recalls, recipes, content]) = reminder_data(&device);
    assert_eq!(rules, ["recipes"]);
    assert_eq!(
        (recalls, recipes, content.len()),
        (vec!["R-7".to_string()], vec!["biscuits".to_string()], 0)
    );
    // The recall reaches the plan of the shopper who bought the product (safety: on by default).
    let plan = device.client.reminders().plan().unwrap();
    assert!(
        plan.items
            .iter()
            .any(|n| n.rule_id == "recall" && n.id.starts_with("recall:R-7")),
        "{:?}",
        plan.items.iter().map(|n| &n.id).collect::<Vec<_>>()
    );

    // Unchanged: the content requests are answered 304 and nothing is applied again.
    let before = proxy.requests();
    let report = sync.sync_now().await.unwrap();
    assert_eq!(
        (report.content_updated, report.requests),
        (0, 1 + 3 + 1 + 5)
    );
    assert_eq!(proxy.requests() - before, 1 + 3 + 1 + 5);

    // A version that does not validate is refused with its reason; the previous one stays.
    server
        .publish_content(
            "recipes",
            &json!({"version": 1, "recipes": [recipe("no spaces in ids")]}),
        )
        .await;
    server
        .publish_content(
            "post-purchase",
            &json!({"version": 1, "recipes": [recipe("misfiled")]}),
        )
        .await;
    let report = sync.sync_now().await.unwrap();
    assert_eq!(report.content_updated, 0, "{report:?}");
    assert_eq!(report.content_rejected.len(), 2, "{report:?}");
    assert!(
        report.content_rejected[0].starts_with("recipes version 2: "),
        "{report:?}"
    );
    assert!(
        report.content_rejected[1].contains("carries only `content` entries"),
        "{report:?}"
    );
    let (_, [recalls, recipes, _]) = reminder_data(&device);
    assert_eq!((recalls.len(), recipes), (1, vec!["biscuits".to_string()]));

    // The next version is valid: applied, and the other feeds' entries are kept.
    server
        .publish_content(
            "recipes",
            &json!({"version": 1, "recipes": [recipe("chews")]}),
        )
        .await;
    let report = sync.sync_now().await.unwrap();
    assert_eq!(report.content_updated, 1, "{report:?}");
    assert_eq!(
        report.content_rejected.len(),
        1,
        "post-purchase is still refused: {report:?}"
    );
    let (_, [recalls, recipes, _]) = reminder_data(&device);
    assert_eq!(
        (recalls, recipes),
        (vec!["R-7".to_string()], vec!["chews".to_string()])
    );
}

/// Collects the core's log lines (the sink is process-wide: only this test installs one here).
#[derive(Default)]
struct LogLines(Mutex<Vec<String>>);

impl LogSink for LogLines {
    fn log(&self, level: LogLevel, target: &str, message: &str) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{level:?} {target}: {message}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_tells_what_happened_without_the_shoppers_data() {
    let lines = Arc::new(LogLines::default());
    loyalty_core::log::set_sink(Some(lines.clone()), LogLevel::Debug);
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 3, 2, 2).await;
    let bad = json!({"version": 1, "recipes": [{"id": "bad id", "title": {"en": "x"},
                     "ingredients": [{"categories": ["x"]}]}]});
    server.publish_content("recipes", &bad).await;
    proxy.inject("GET", "/v1/ledger", 0, 1, Fault::Status(503, Some("0")));
    device.client.sync().sync_now().await.unwrap();
    loyalty_core::log::set_sink(None, LogLevel::Debug);

    let lines = lines.0.lock().unwrap().clone();
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(has("Info store: opened in"), "{lines:#?}");
    assert!(
        has("Info sync: signed in with the member card"),
        "{lines:#?}"
    );
    assert!(
        has("Info sync: attempt 1 failed (Busy, Retry-After); retrying in"),
        "{lines:#?}"
    );
    assert!(
        has("Warn sync: content feed recipes version 1 refused"),
        "{lines:#?}"
    );
    assert!(
        has("requests: applied 5 ledger entries, 2 vouchers, 3 receipts, 0 content feeds"),
        "{lines:#?}"
    );
    // Nothing that identifies the shopper or opens the account.
    let card = device.client.card().member_card().unwrap().unwrap();
    let household = device.client.sync().household_code().unwrap().unwrap();
    let secrets = [
        member.clone(),
        device.token(),
        card.card_number.clone(),
        household,
        "Ann".to_string(),
    ];
    for line in &lines {
        for secret in &secrets {
            assert!(
                !line.contains(secret.as_str()),
                "a log line holds shopper data: {line}"
            );
        }
    }
}

/// The member as the server has it (`GET /v1/me`, with the device's current token).
async fn me(server: &Server, device: &Device) -> serde_json::Value {
    http_ok(server.addr, "GET", "/v1/me", Some(&device.token()), None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_changes_and_the_push_token_reach_the_server_once() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let sync = device.client.sync();
    let reminders = device.client.reminders();

    // Nothing changed on this device: nothing is sent (another device's choice would stand).
    let report = sync.sync_now().await.unwrap();
    assert_eq!(report.settings_sent, 0);
    // A server that does not give the member (404 here) leaves the consent as it is.
    proxy.inject("GET", "/v1/me", 0, 1, Fault::Status(404, None));
    let report = sync.sync_now().await.unwrap();
    assert_eq!((report.settings_sent, report.settings_received), (0, 0));

    let mut settings = reminders.settings().unwrap();
    settings.consent.marketing = true;
    reminders.set_settings(settings.clone()).unwrap();
    sync.set_push_token(PushPlatform::Android, "fcm:APA91b-token_1")
        .unwrap();
    for bad in ["", "two words", "line\nbreak"] {
        let e = sync.set_push_token(PushPlatform::Ios, bad).unwrap_err();
        assert!(matches!(e, LoyaltyError::InvalidInput { .. }), "{e:?}");
    }
    // A busy server first: retried. Then both reach it.
    proxy.inject(
        "PUT",
        "/v1/me/consents",
        0,
        1,
        Fault::Status(503, Some("0")),
    );
    let report = sync.sync_now().await.unwrap();
    assert_eq!(report.settings_sent, 2, "{report:?}");
    let seen = me(&server, &device).await;
    assert_eq!(
        seen["consents"],
        json!({"marketing": true, "service": true, "safety": true})
    );
    assert_eq!(seen["push_tokens"], 1);

    // Sent once: the next sync sends nothing; the same token again and a change that is not
    // about consent are no news either.
    sync.set_push_token(PushPlatform::Android, "fcm:APA91b-token_1")
        .unwrap();
    settings.quiet_hours = None;
    reminders.set_settings(settings.clone()).unwrap();
    let report = sync.sync_now().await.unwrap();
    assert_eq!((report.settings_sent, report.requests), (0, 1 + 3 + 1 + 5));

    // A refusal (4xx) does not fail the sync: the value stays queued for the next one.
    settings.consent.marketing = false;
    reminders.set_settings(settings).unwrap();
    proxy.inject("PUT", "/v1/me/consents", 0, 1, Fault::Status(400, None));
    let report = sync.sync_now().await.unwrap();
    assert_eq!(report.settings_sent, 0);
    assert_eq!(me(&server, &device).await["consents"]["marketing"], true);
    let report = sync.sync_now().await.unwrap();
    assert_eq!(report.settings_sent, 1);
    assert_eq!(me(&server, &device).await["consents"]["marketing"], false);

    // A consent withdrawn elsewhere (another device of the household, the retailer's website) is
    // honoured here at the next sync, unless this device has a change of its own to send.
    http_ok(
        server.addr,
        "PUT",
        "/v1/me/consents",
        Some(&device.token()),
        Some(&json!({"marketing": false, "service": false, "safety": true})),
    )
    .await;
    let report = sync.sync_now().await.unwrap();
    assert_eq!((report.settings_sent, report.settings_received), (0, 1));
    let consent = reminders.settings().unwrap().consent;
    assert_eq!(
        (consent.marketing, consent.service, consent.safety),
        (false, false, true)
    );
    let mut mine = reminders.settings().unwrap();
    mine.consent.service = true;
    reminders.set_settings(mine).unwrap();
    http_ok(
        server.addr,
        "PUT",
        "/v1/me/consents",
        Some(&device.token()),
        Some(&json!({"marketing": true, "service": false, "safety": true})),
    )
    .await;
    let report = sync.sync_now().await.unwrap();
    assert_eq!((report.settings_sent, report.settings_received), (1, 0));
    assert_eq!(
        me(&server, &device).await["consents"],
        json!({"marketing": false, "service": true, "safety": true}),
        "the shopper's latest choice on this device wins"
    );

    // Signed in again (a new session): the token is registered again.
    sync.sign_out().await.unwrap();
    let household = device
        .client
        .sync()
        .household_code()
        .unwrap()
        .expect("the household code is kept");
    sync.join_household(proxy.base_url(), household)
        .await
        .unwrap();
    let report = sync.sync_now().await.unwrap();
    assert_eq!(report.settings_sent, 1, "{report:?}");
    assert_eq!(me(&server, &device).await["push_tokens"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn points_earned_offline_are_confirmed_once() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    let points = device.client.points();
    let sync = device.client.sync();

    // 1. A receipt the server has not credited: the claim creates the one credit.
    server.import_receipt(&member, "r_a", 2599, false).await;
    let a = points.earn_offline(25, "r_a", None).unwrap();
    assert_eq!(points.balance().unwrap().pending_credit, 25);
    // 2. The till posted the purchase online before the phone's claim went out.
    server.import_receipt(&member, "r_b", 1000, true).await;
    let b = points.earn_offline(10, "r_b", None).unwrap();
    // 3. A claim the server refuses (wrong amount for the receipt).
    server.import_receipt(&member, "r_c", 1000, false).await;
    let c = points.earn_offline(99, "r_c", None).unwrap();
    // 4. A claim whose answer is lost after the server applied it.
    server.import_receipt(&member, "r_d", 4200, false).await;
    let d = points.earn_offline(42, "r_d", None).unwrap();
    assert_eq!(points.pending_claims().unwrap().len(), 4);
    proxy.inject("POST", "/v1/batch", 0, 1, Fault::DropAfterForward);

    let report = sync.sync_now().await.expect("sync");
    assert_eq!(report.outbox_resolved, 4);
    assert_eq!(proxy.pending_faults(), 0);
    let status = |seq| points.entry(seq).unwrap().status;
    assert_eq!(status(a.seq), EntryStatus::Confirmed);
    assert_eq!(status(b.seq), EntryStatus::Confirmed);
    assert_eq!(status(c.seq), EntryStatus::Rejected);
    assert_eq!(status(d.seq), EntryStatus::Confirmed);
    let balance = points.verify().unwrap();
    assert_eq!(balance.confirmed, 25 + 10 + 42);
    assert_eq!(balance.pending_credit, 0);
    // Exactly one confirmed entry per receipt.
    let entries = points.entries().unwrap();
    for r in ["r_a", "r_b", "r_d"] {
        let n = entries
            .iter()
            .filter(|e| e.reference.as_deref() == Some(r) && e.status == EntryStatus::Confirmed)
            .count();
        assert_eq!(n, 1, "{r}");
    }
    assert_mirrors(&server, &device).await;

    // A receipt already credited in the ledger cannot be claimed again.
    assert!(matches!(
        points.earn_offline(10, "r_b", None),
        Err(LoyaltyError::Conflict { .. })
    ));
    // Syncing again changes nothing.
    let report = sync.sync_now().await.unwrap();
    assert_eq!(report.ledger_applied, 0);
    assert_eq!(points.verify().unwrap(), balance);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_of_a_household_redeem_the_same_voucher_offline() {
    let (_data, server, proxy, phone) = setup(test_config()).await;
    let member = phone.member_id();
    let v1 = server.issue_voucher(&member, "Free coffee").await;
    let v2 = server.issue_voucher(&member, "5 off").await;
    server.add_points(&member, 500, "Welcome").await;
    let code = phone.client.sync().household_code().unwrap().unwrap();

    let tablet = Device::new(test_config());
    let joined = tablet
        .client
        .sync()
        .join_household(proxy.base_url(), code)
        .await
        .expect("second device joins");
    assert_eq!(joined.member_id, member);
    assert!(joined.card.is_some());
    for d in [&phone, &tablet] {
        d.client.sync().sync_now().await.unwrap();
        assert_eq!(d.client.wallet().usable_now().unwrap().len(), 2);
    }

    // Both show v1 at a till while offline; the phone also uses v2.
    let on_phone = phone.client.wallet().begin_redemption(&v1).unwrap();
    let on_tablet = tablet.client.wallet().begin_redemption(&v1).unwrap();
    phone.client.wallet().begin_redemption(&v2).unwrap();

    // Back online at the same time.
    let (phone_sync, tablet_sync) = (phone.client.sync(), tablet.client.sync());
    let (a, b) = tokio::join!(phone_sync.sync_now(), tablet_sync.sync_now());
    let (a, b) = (a.unwrap(), b.unwrap());
    // The device whose redemption of v1 lost is told so, once, in words the app can show; the
    // winner is told nothing (before: neither report said anything).
    let mut notices: Vec<_> = a.notices.iter().chain(&b.notices).collect();
    assert_eq!(notices.len(), 1, "{a:?} {b:?}");
    let notice = notices.pop().unwrap();
    assert_eq!(notice.kind, SyncNoticeKind::VoucherUsedElsewhere);
    assert_eq!(notice.voucher_id, v1);
    assert_eq!(notice.voucher_title, "Free coffee");
    let voucher_code = phone.client.wallet().get(&v1).unwrap().code;
    let texts: Vec<String> = ["nl-BE", "fr-BE", "en"]
        .iter()
        .map(|l| notice.text(l))
        .collect();
    assert!(
        texts[0].contains("ander toestel van je huishouden"),
        "{}",
        texts[0]
    );
    assert!(
        texts[1].contains("autre appareil de votre ménage"),
        "{}",
        texts[1]
    );
    assert!(
        texts[2].contains("another device of your household"),
        "{}",
        texts[2]
    );
    for t in &texts {
        assert!(t.contains("Free coffee"), "{t}");
        assert!(!t.contains(&voucher_code) && !t.contains(&member), "{t}");
    }
    // Whichever came second learns of v2 only from the feed: sync both once more.
    phone.client.sync().sync_now().await.unwrap();
    tablet.client.sync().sync_now().await.unwrap();
    for d in [&phone, &tablet] {
        assert!(redeemed(d, &v1));
        assert!(redeemed(d, &v2));
        assert!(d.client.sync().outbox().unwrap().is_empty());
        assert_eq!(d.client.points().verify().unwrap().confirmed, 500);
        assert_mirrors(&server, d).await;
    }
    // Server side: exactly one of the two redemptions of v1 was accepted (replaying each key
    // returns its first answer).
    let mut outcomes = Vec::new();
    for (d, key) in [
        (&phone, &on_phone.outbox_item.idempotency_key),
        (&tablet, &on_tablet.outbox_item.idempotency_key),
    ] {
        let r = http(
            server.addr,
            "POST",
            "/v1/redemptions",
            Some(&d.token()),
            Some(&json!({ "voucher_id": v1 })),
            &[("idempotency-key", key)],
        )
        .await;
        assert_eq!(r.header("idempotent-replayed"), Some("true"));
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        outcomes.push(body["outcome"].as_str().unwrap().to_string());
    }
    outcomes.sort();
    assert_eq!(outcomes, ["accepted", "already_redeemed"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_load_shedding_are_retried() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 10, 30, 6).await;
    offline_work(&server, &device).await;
    server.add_points(&member, 7, "More").await;
    proxy.inject("GET", "/v1/ledger", 0, 2, Fault::Status(500, None));
    proxy.inject("POST", "/v1/batch", 0, 1, Fault::Status(502, None));
    proxy.inject("POST", "/v1/batch", 0, 1, Fault::Status(503, Some("0")));
    proxy.inject("GET", "/v1/vouchers", 0, 1, Fault::Status(429, Some("0")));
    // The server's own load shedding (503 + Retry-After: 0) for the next two requests.
    server
        .admin(
            "/v1/admin/faults",
            &json!({"status": 503, "retry_after_seconds": 0, "count": 2}),
        )
        .await;
    let report = device
        .client
        .sync()
        .sync_now()
        .await
        .expect("sync completes");
    assert_eq!(proxy.pending_faults(), 0);
    assert_eq!(report.outbox_resolved, 3);
    assert!(report.requests >= 3 + 3 + 6, "{report:?}");
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    seed(&server, &device.member_id(), 2, 2, 2).await;
    proxy.inject("GET", "/v1/ledger", 0, 1, Fault::Status(429, Some("1")));
    let started = Instant::now();
    device
        .client
        .sync()
        .sync_now()
        .await
        .expect("sync completes");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retried before Retry-After: {:?}",
        started.elapsed()
    );
    assert_mirrors(&server, &device).await;

    // A Retry-After beyond what the client waits for ends the sync with a network error.
    proxy.inject("GET", "/v1/ledger", 0, 1, Fault::Status(503, Some("3600")));
    let started = Instant::now();
    let err = device.client.sync().sync_now().await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Network { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_lose_nothing_and_apply_nothing_twice() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 20, 40, 6).await;
    let ids = offline_work(&server, &device).await;
    seed(&server, &member, 0, 30, 2).await;
    // Writes applied by the server whose answers never arrive, and reads cut off.
    proxy.inject("POST", "/v1/batch", 0, 2, Fault::DropAfterForward);
    proxy.inject("POST", "/v1/batch", 0, 1, Fault::DropAfterForward);
    proxy.inject("POST", "/v1/batch", 0, 1, Fault::DropBeforeForward);
    proxy.inject("GET", "/v1/ledger", 1, 2, Fault::DropBeforeForward);
    proxy.inject("GET", "/v1/ledger", 0, 1, Fault::DropAfterForward);
    proxy.inject("GET", "/v1/vouchers", 0, 1, Fault::DropAfterForward);
    let report = device
        .client
        .sync()
        .sync_now()
        .await
        .expect("sync completes");
    assert_eq!(proxy.pending_faults(), 0, "{:?}", proxy.log());
    assert_eq!(report.outbox_resolved, 3);
    for id in &ids {
        assert!(redeemed(&device, id));
    }
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_and_garbage_answers_are_retried() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 30, 30, 6).await;
    offline_work(&server, &device).await;
    seed(&server, &member, 5, 30, 0).await;
    proxy.inject("GET", "/v1/ledger", 1, 1, Fault::Truncate);
    proxy.inject("GET", "/v1/ledger", 0, 1, Fault::Garbage);
    proxy.inject("GET", "/v1/receipts", 0, 1, Fault::Truncate);
    proxy.inject("POST", "/v1/batch", 0, 1, Fault::Garbage);
    proxy.inject("POST", "/v1/batch", 0, 1, Fault::Truncate);
    proxy.inject("POST", "/v1/batch", 0, 1, Fault::Garbage);
    let report = device
        .client
        .sync()
        .sync_now()
        .await
        .expect("sync completes");
    assert_eq!(proxy.pending_faults(), 0, "{:?}", proxy.log());
    assert_eq!(report.outbox_resolved, 3);
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_slower_than_the_timeout_are_retried() {
    let config = SyncConfig {
        request_timeout: Duration::from_millis(400),
        ..test_config()
    };
    let (_data, server, proxy, device) = setup(config).await;
    let member = device.member_id();
    seed(&server, &member, 5, 10, 4).await;
    offline_work(&server, &device).await;
    seed(&server, &member, 3, 5, 0).await;
    let slow = Fault::Slow(Duration::from_millis(900));
    proxy.inject("GET", "/v1/receipts", 0, 1, slow.clone());
    proxy.inject("POST", "/v1/batch", 0, 1, slow.clone());
    proxy.inject("POST", "/v1/batch", 0, 1, slow);
    let report = device
        .client
        .sync()
        .sync_now()
        .await
        .expect("sync completes");
    assert_eq!(proxy.pending_faults(), 0);
    assert_eq!(report.outbox_resolved, 3);
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_mid_sync_loses_nothing() {
    let config = SyncConfig {
        retry: loyalty_core::sync::RetryPolicy {
            max_attempts: 20,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(5),
        },
        ..test_config()
    };
    let (_data, mut server, proxy, device) = setup(config).await;
    let member = device.member_id();
    seed(&server, &member, 10, 20, 6).await;
    offline_work(&server, &device).await;
    seed(&server, &member, 0, 80, 0).await;
    let (reached, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    proxy.inject(
        "GET",
        "/v1/ledger",
        2,
        1,
        Fault::Hold {
            reached: reached.clone(),
            release: release.clone(),
        },
    );
    let sync = device.client.sync();
    let running = tokio::spawn(async move { sync.sync_now().await });
    reached.notified().await;
    // The server goes down while the client waits for page 3.
    server.stop().await;
    proxy.set_upstream(None);
    release.notify_one();
    let deadline = Instant::now() + Duration::from_secs(10);
    while proxy.upstream_failures() < 2 {
        assert!(Instant::now() < deadline, "the client never retried");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.restart().await;
    proxy.set_upstream(Some(server.addr));
    let report = running
        .await
        .unwrap()
        .expect("the sync completes after the restart");
    assert!(!report.cancelled);
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_stops_and_changes_nothing() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 5, 5, 3).await;
    let sync = device.client.sync();
    sync.sync_now().await.unwrap();
    let voucher = device.client.wallet().usable_now().unwrap()[0].id.clone();
    device.client.wallet().begin_redemption(&voucher).unwrap();
    // The session is ended elsewhere (signed out on the server).
    let r = http(
        server.addr,
        "DELETE",
        "/v1/sessions/current",
        Some(&device.token()),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status(), 204);
    seed(&server, &member, 2, 2, 1).await;

    let store = device.client.store();
    let before = (
        store.ledger_entries().unwrap(),
        store.vouchers().unwrap(),
        store.receipts().unwrap(),
        store.outbox().unwrap(),
        store
            .sync_cursor(loyalty_core::store::Feed::Ledger)
            .unwrap(),
    );
    let requests = proxy.requests();
    let err = sync.sync_now().await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Unauthorized { .. }), "{err:?}");
    // 401 is not retried: one renewal with the refresh token is tried, and refused (the
    // session is gone, not merely expired).
    assert_eq!(proxy.requests() - requests, 2, "{:?}", proxy.log());
    assert!(proxy
        .log()
        .last()
        .is_some_and(|l| l.starts_with("POST /v1/sessions/refresh -> 401")));
    let after = (
        store.ledger_entries().unwrap(),
        store.vouchers().unwrap(),
        store.receipts().unwrap(),
        store.outbox().unwrap(),
        store
            .sync_cursor(loyalty_core::store::Feed::Ledger)
            .unwrap(),
    );
    assert_eq!(before, after, "nothing changed");
    assert!(matches!(
        sync.state().status,
        SyncStatus::Failed {
            error: LoyaltyError::Unauthorized { .. }
        }
    ));
    // The error names no token, card number or household code.
    let text = err.to_string();
    assert!(!text.contains(&device.token()));

    // A wrong household code is refused; the right one signs the device in again.
    let wrong = sync
        .join_household(proxy.base_url(), "0000-0000-0000-0000".into())
        .await
        .unwrap_err();
    assert!(
        matches!(wrong, LoyaltyError::Unauthorized { .. }),
        "{wrong:?}"
    );
    let code = sync.household_code().unwrap().unwrap();
    sync.join_household(proxy.base_url(), code).await.unwrap();
    sync.sync_now().await.expect("sync after signing in again");
    assert!(redeemed(&device, &voucher));
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_mid_sync_leaves_a_consistent_store() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 40, 40, 4).await;
    let (reached, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    proxy.inject(
        "GET",
        "/v1/ledger",
        2,
        1,
        Fault::Hold {
            reached: reached.clone(),
            release: release.clone(),
        },
    );
    let sync = device.client.sync();
    let s = sync.clone();
    let running = tokio::spawn(async move { s.sync_now().await });
    reached.notified().await;
    let started = Instant::now();
    sync.cancel();
    let report = running
        .await
        .unwrap()
        .expect("a cancelled sync is not an error");
    assert!(report.cancelled);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "cancel is prompt"
    );
    // Two whole pages applied, nothing of the third: the cursor sits after page 2.
    let points = device.client.points();
    points.verify().expect("balance consistent");
    assert_eq!(points.entries().unwrap().len(), 50);
    assert_eq!(device.client.store().server_ledger_ids().unwrap().len(), 50);
    assert!(device
        .client
        .store()
        .sync_cursor(loyalty_core::store::Feed::Ledger)
        .unwrap()
        .is_some());
    assert_eq!(sync.state().status, SyncStatus::Idle);
    release.notify_one();

    let report = sync.sync_now().await.expect("the next sync completes");
    assert!(!report.cancelled);
    assert_eq!(report.ledger_applied, 30);
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_items_are_kept_reported_stuck_and_retried() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 2, 2, 3).await;
    offline_work(&server, &device).await;
    // An older server without the batch endpoint: the items go one by one, and one is refused.
    proxy.inject("POST", "/v1/batch", 0, 1, Fault::Status(404, None));
    proxy.inject("POST", "/v1/redemptions", 0, 1, Fault::Status(409, None));
    let sync = device.client.sync();
    let report = sync
        .sync_now()
        .await
        .expect("the rest of the sync completes");
    assert_eq!((report.outbox_failed, report.outbox_resolved), (1, 2));
    let state = sync.state();
    assert_eq!((state.pending_outbox, state.stuck_outbox), (1, 1));
    assert_eq!(device.client.sync().outbox().unwrap()[0].attempts, 3);
    let sent: Vec<String> = proxy
        .log()
        .into_iter()
        .filter(|l| l.starts_with("POST"))
        .collect();
    assert_eq!(
        sent.iter()
            .filter(|l| l.starts_with("POST /v1/batch"))
            .count(),
        1,
        "after a 404 the batch endpoint is not asked again: {sent:?}"
    );
    assert_eq!(
        sent.iter()
            .filter(|l| l.starts_with("POST /v1/redemptions"))
            .count(),
        2,
        "{sent:?}"
    );
    let report = sync.sync_now().await.unwrap();
    assert_eq!(report.outbox_resolved, 1);
    assert_eq!(sync.state().stuck_outbox, 0);
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_retries_end_in_a_network_error_and_keep_the_outbox() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 2, 2, 3).await;
    offline_work(&server, &device).await;
    proxy.inject("POST", "/v1/", 0, 1000, Fault::Status(503, None));
    proxy.inject("GET", "/v1/", 0, 1000, Fault::DropBeforeForward);
    let sync = device.client.sync();
    let err = sync.sync_now().await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Network { .. }), "{err:?}");
    let outbox = device.client.sync().outbox().unwrap();
    assert_eq!(outbox.len(), 3);
    assert_eq!(
        outbox[0].attempts, 1,
        "the failed item's attempt is counted"
    );
    assert!(matches!(
        sync.state().status,
        SyncStatus::Failed {
            error: LoyaltyError::Network { .. }
        }
    ));
    proxy.clear();
    sync.sync_now().await.expect("sync once the server is back");
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_rules() {
    let device = Device::new(test_config());
    let sync = device.client.sync();
    for bad in [
        "http://example.com",
        "ftp://127.0.0.1",
        "https://u:p@example.com",
    ] {
        let err = sync.enrol(bad.into(), None).await.unwrap_err();
        assert!(
            matches!(err, LoyaltyError::InvalidInput { .. }),
            "{bad}: {err:?}"
        );
    }
    let err = sync.sync_now().await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Unauthorized { .. }), "{err:?}");
    assert!(!sync.state().signed_in);

    let (_data, _server, proxy, device) = setup(test_config()).await;
    let err = device
        .client
        .sync()
        .enrol(proxy.base_url(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::Conflict { .. }), "{err:?}");
    device.client.sync().sign_out().await.unwrap();
    assert!(!device.client.sync().is_signed_in().unwrap());
    let err = device.client.sync().sync_now().await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Unauthorized { .. }), "{err:?}");
}

/// A server and a proxy in front of it, with no device yet.
async fn server_and_proxy() -> (tempfile::TempDir, Server, Proxy) {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    (data, server, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolment_whose_answer_is_lost_is_retried_into_the_same_member() {
    let (_data, server, proxy) = server_and_proxy().await;
    // The server creates the member, then the connection drops before the answer arrives.
    proxy.inject("POST", "/v1/members", 0, 1, Fault::DropAfterForward);
    let device = Device::new(test_config());
    let enrolment = device
        .client
        .sync()
        .enrol(proxy.base_url(), Some("Ann".into()))
        .await
        .expect("the enrolment is retried with its key and succeeds");
    assert_eq!(proxy.pending_faults(), 0);
    let posts: Vec<String> = proxy
        .log()
        .into_iter()
        .filter(|l| l.starts_with("POST /v1/members"))
        .collect();
    assert_eq!(
        posts,
        [
            "POST /v1/members -> forwarded (201), then dropped",
            "POST /v1/members -> 200"
        ],
        "the retry got the member the first request created"
    );

    // One member on the server: the one the first request created, and the device's.
    let members = server.members();
    assert_eq!(members.len(), 1, "exactly one membership");
    let (member, card) = &members[0];
    assert_eq!(&enrolment.member_id, member);
    assert_eq!(&device.member_id(), member);
    assert_eq!(
        enrolment.card.as_ref().map(|c| c.card_number.as_str()),
        Some(card.as_str())
    );
    // A session for each request; the device holds the second one's token.
    assert_eq!(server.sessions_of(member), 2);
    assert!(device.client.store().pending_enrolment().unwrap().is_none());

    // The household code the device kept is the current one: it adds a second device.
    let code = device.client.sync().household_code().unwrap().unwrap();
    assert_eq!(enrolment.household_code.as_deref(), Some(code.as_str()));
    let second = Device::new(test_config());
    let joined = second
        .client
        .sync()
        .join_household(proxy.base_url(), code)
        .await
        .expect("the household code works");
    assert_eq!(&joined.member_id, member);

    // The token the device stored syncs.
    seed(&server, member, 2, 3, 2).await;
    let report = device.client.sync().sync_now().await.expect("sync");
    assert_eq!(
        (
            report.ledger_applied,
            report.vouchers_applied,
            report.receipts_applied
        ),
        (5, 2, 2)
    );
    assert_mirrors(&server, &device).await;
    assert_eq!(server.members().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_killed_after_the_server_answered_gets_the_same_member_again() {
    let (_data, server, proxy) = server_and_proxy().await;
    let mut device = Device::new(test_config());
    // The app stored its key and sent the enrolment; the server answered, but the app was
    // killed before it stored the answer.
    let base = loyalty_core::sync::validate_base_url(&proxy.base_url())
        .unwrap()
        .to_string();
    let pending = device
        .client
        .store()
        .begin_enrolment(&base, Some("Bo"))
        .unwrap();
    let lost = http(
        proxy.addr,
        "POST",
        "/v1/members",
        None,
        Some(&json!({ "display_name": "Bo" })),
        &[("idempotency-key", &pending.key)],
    )
    .await;
    assert_eq!(lost.status(), 201);
    let lost: serde_json::Value = serde_json::from_slice(&lost.body).unwrap();

    device.restart();
    assert!(!device.client.sync().is_signed_in().unwrap());
    let enrolment = device
        .client
        .sync()
        .enrol(proxy.base_url(), Some("Bo".into()))
        .await
        .expect("enrolment after the restart");
    assert_eq!(enrolment.member_id, lost["member_id"].as_str().unwrap());
    assert_eq!(server.members().len(), 1, "no second membership");
    assert!(device.client.store().pending_enrolment().unwrap().is_none());
    // The code in the lost answer was replaced by the one the device has now.
    let code = enrolment.household_code.clone().unwrap();
    assert_ne!(code, lost["household_code"].as_str().unwrap());
    let stale = Device::new(test_config());
    let err = stale
        .client
        .sync()
        .join_household(
            proxy.base_url(),
            lost["household_code"].as_str().unwrap().into(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::Unauthorized { .. }), "{err:?}");

    seed(&server, &enrolment.member_id, 1, 1, 1).await;
    device
        .client
        .sync()
        .sync_now()
        .await
        .expect("sync with the stored token");
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolment_that_fails_keeps_its_key_for_the_shoppers_next_try() {
    let (_data, server, proxy) = server_and_proxy().await;
    let mut device = Device::new(test_config());
    let attempts = test_config().retry.max_attempts as usize;
    // Every attempt reaches the server, and every answer is lost.
    proxy.inject("POST", "/v1/members", 0, attempts, Fault::DropAfterForward);
    let err = device
        .client
        .sync()
        .enrol(proxy.base_url(), Some("Cy".into()))
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::Network { .. }), "{err:?}");
    assert_eq!(
        proxy.pending_faults(),
        0,
        "all {attempts} attempts were made"
    );
    assert!(!device.client.sync().is_signed_in().unwrap());
    let pending = device
        .client
        .store()
        .pending_enrolment()
        .unwrap()
        .expect("the key is kept");
    // Neither the error nor the state shows the key.
    assert!(!err.to_string().contains(&pending.key));
    assert!(!format!("{err:?}").contains(&pending.key));
    assert!(!format!("{pending:?}").contains(&pending.key));
    let members = server.members();
    assert_eq!(members.len(), 1, "the retries created nothing more");
    assert_eq!(server.sessions_of(&members[0].0), attempts as i64);

    // The shopper tries again later, after the app was restarted: the same member.
    device.restart();
    let enrolment = device
        .client
        .sync()
        .enrol(proxy.base_url(), Some("Cy".into()))
        .await
        .expect("the next try succeeds");
    assert_eq!(enrolment.member_id, members[0].0);
    assert_eq!(server.members(), members);
    assert!(device.client.store().pending_enrolment().unwrap().is_none());
    device.client.sync().sync_now().await.expect("sync");
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_goes_through_rustls_and_refuses_a_server_that_is_not_tls() {
    // Something on loopback that answers plain HTTP where TLS is expected: the handshake fails,
    // is retried like any connection failure, and ends in a network error (no panic, no
    // fallback to plain text).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            use tokio::io::AsyncWriteExt;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                .await;
        }
    });
    let device = Device::new(test_config());
    let err = device
        .client
        .sync()
        .enrol(format!("https://127.0.0.1:{}", addr.port()), None)
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::Network { .. }), "{err:?}");
    // A failed connection is retried (the enrolment carries its Idempotency-Key).
    assert!(accepted.load(std::sync::atomic::Ordering::SeqCst) > 1);
    assert!(!device.client.sync().is_signed_in().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_cursors_are_never_stored_and_a_stored_one_is_dropped() {
    let (_dir, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 2, 3, 2).await;
    let sync = device.client.sync();
    let store = device.client.store();
    // A server that sends cursors outside its grammar, once each: the page is refused as
    // malformed (retried: the next answer is sound), and nothing unusable is stored.
    for bad in ["c5.0", "garbage", "c1.99999999999999999999"] {
        proxy.inject("GET", "/v1/ledger", 0, 1, Fault::NextCursor(bad));
        server.add_points(&member, 3, "More").await;
        sync.sync_now()
            .await
            .expect("a sync despite an unusable cursor");
        let stored = store.sync_cursor(Feed::Ledger).unwrap().unwrap();
        assert!(stored.starts_with("c1."), "{stored}");
        assert_ne!(stored, bad);
        assert_mirrors(&server, &device).await;
    }
    // What an earlier client stored from such a server: dropped, the feed starts over, and
    // the device keeps syncing (before: 400 at every sync, for good).
    for bad in ["c5.0", "garbage", "c1.99999999999999999999"] {
        store
            .apply_ledger_page(&[], bad, loyalty_core::store::PageCommit::Durable)
            .unwrap();
        store
            .apply_receipt_page(&[], bad, loyalty_core::store::PageCommit::Durable)
            .unwrap();
        server.add_points(&member, 4, "Later").await;
        sync.sync_now().await.expect("the stored cursor is dropped");
        assert!(store
            .sync_cursor(Feed::Ledger)
            .unwrap()
            .unwrap()
            .starts_with("c1."));
        assert_mirrors(&server, &device).await;
    }
    // A cursor in the grammar that the server refuses (400): the feed starts over too.
    proxy.inject("GET", "/v1/vouchers", 0, 1, Fault::Status(400, None));
    server.issue_voucher(&member, "After a refusal").await;
    sync.sync_now()
        .await
        .expect("a refused cursor starts the feed over");
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restored_from_a_backup_is_noticed_and_its_new_entries_arrive() {
    let (dir, mut server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 1, 2, 1).await;
    let sync = device.client.sync();
    sync.sync_now().await.unwrap();
    // The backup, taken with the server stopped.
    server.stop().await;
    let backup = dir.path().join("backup");
    copy_dir(&server.data, &backup);
    server.restart().await;
    proxy.set_upstream(Some(server.addr));
    // Life goes on after the backup: the device's cursors move past what the backup holds.
    for _ in 0..5 {
        server.issue_voucher(&member, "Lost with the restore").await;
    }
    sync.sync_now().await.unwrap();
    // The server is restored from the backup, and new entries come in.
    server.stop().await;
    std::fs::remove_dir_all(&server.data).unwrap();
    copy_dir(&backup, &server.data);
    server.restart().await;
    proxy.set_upstream(Some(server.addr));
    server.issue_voucher(&member, "After the restore").await;
    let report = sync.sync_now().await.expect("a sync after the restore");
    // Before: the device's cursors stayed ahead of the restored server, and the voucher issued
    // after the restore never reached it. Now every feed started over from the beginning.
    assert!(report.vouchers_applied >= 1, "{report:?}");
    assert!(device
        .client
        .wallet()
        .usable_now()
        .unwrap()
        .iter()
        .any(|v| v.title == "After the restore"));
    server.issue_voucher(&member, "Later still").await;
    sync.sync_now().await.unwrap();
    assert!(device
        .client
        .wallet()
        .usable_now()
        .unwrap()
        .iter()
        .any(|v| v.title == "Later still"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_entry_made_after_a_restore_is_not_taken_for_one_lost_with_it() {
    let (dir, mut server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    server.add_points(&member, 100, "Welcome").await;
    let sync = device.client.sync();
    sync.sync_now().await.unwrap();
    server.stop().await;
    let backup = dir.path().join("backup");
    copy_dir(&server.data, &backup);
    server.restart().await;
    proxy.set_upstream(Some(server.addr));
    // Entries the device receives, then lost with the restore.
    server.add_points(&member, 7, "Lost with the restore").await;
    server
        .add_points(&member, 8, "Lost with the restore too")
        .await;
    sync.sync_now().await.unwrap();
    server.stop().await;
    std::fs::remove_dir_all(&server.data).unwrap();
    copy_dir(&backup, &server.data);
    server.restart().await;
    proxy.set_upstream(Some(server.addr));
    // The restored server's next entry takes the database row of the first lost one (its feed is
    // now behind the device's cursor, so the device starts the feed over).
    server.add_points(&member, 40, "After the restore").await;
    sync.sync_now().await.expect("a sync after the restore");
    // Before: both were `l_<row>`, so the device kept the lost entry and never showed this one.
    let entries = device.client.points().entries().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.points == 40 && e.description.as_deref() == Some("After the restore")),
        "{entries:?}"
    );
}

/// The change sequence number a stored feed cursor stands at (`c1.<n>`, or `c1.<n>.<check>`).
fn cursor_seq(device: &Device, feed: Feed) -> u64 {
    let cursor = device.client.store().sync_cursor(feed).unwrap().unwrap();
    let rest = cursor.strip_prefix("c1.").unwrap();
    rest.split('.').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_written_after_a_restore_up_to_the_devices_cursors_reach_it() {
    let (dir, mut server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    server.add_points(&member, 100, "Welcome").await;
    let sync = device.client.sync();
    sync.sync_now().await.unwrap();
    server.stop().await;
    let backup = dir.path().join("backup");
    copy_dir(&server.data, &backup);
    server.restart().await;
    proxy.set_upstream(Some(server.addr));
    // Life after the backup, all lost with the restore: each feed's cursor on the device ends
    // well past the backup's head.
    for i in 0..3 {
        server.add_points(&member, 5, &format!("Lost {i}")).await;
    }
    server.issue_voucher(&member, "Lost with the restore").await;
    server.import_receipt(&member, "r_lost", 1500, true).await;
    server.add_points(&member, 9, "Lost last").await;
    sync.sync_now().await.unwrap();
    let cursors = [Feed::Ledger, Feed::Vouchers, Feed::Receipts].map(|f| cursor_seq(&device, f));
    server.stop().await;
    std::fs::remove_dir_all(&server.data).unwrap();
    copy_dir(&backup, &server.data);
    server.restart().await;
    proxy.set_upstream(Some(server.addr));
    // The restored server's new entries take the sequence numbers of the lost ones: one of each
    // feed first (so each lies at or under that feed's cursor), then points until the member's
    // head is exactly the ledger cursor again.
    let voucher = server.issue_voucher(&member, "After the restore").await;
    server.import_receipt(&member, "r_after", 2500, true).await;
    let mut n = 0;
    while server.change_seq(&member) < cursors[0] {
        server.add_points(&member, 40, &format!("After {n}")).await;
        n += 1;
    }
    assert!(n >= 1);
    assert_eq!(
        server.change_seq(&member),
        cursors[0],
        "exactly the ledger cursor"
    );
    for (feed, &cursor) in cursors.iter().enumerate() {
        assert!(
            server.change_seq(&member) >= cursor,
            "feed {feed}: head < {cursor}"
        );
    }

    let report = sync.sync_now().await.expect("a sync after the restore");
    // Before: no cursor was ahead of the restored server, so nothing looked rewound, and every
    // entry written after the restore under a device's cursor stayed hidden from it for good.
    assert!(report.vouchers_applied >= 1, "{report:?}");
    let client = &device.client;
    assert!(
        client
            .wallet()
            .all()
            .unwrap()
            .iter()
            .any(|v| v.id == voucher),
        "the voucher issued after the restore"
    );
    assert!(
        client.receipts().get("r_after").is_ok(),
        "the receipt imported after the restore"
    );
    let entries = client.points().entries().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.reference.as_deref() == Some("r_after")),
        "the points of the receipt imported after the restore: {entries:?}"
    );
    for i in 0..n {
        let description = format!("After {i}");
        assert!(
            entries
                .iter()
                .any(|e| e.description.as_deref() == Some(description.as_str())),
            "{description}: {entries:?}"
        );
    }
    // And the feeds go on from there as usual.
    server.add_points(&member, 11, "Later still").await;
    sync.sync_now().await.unwrap();
    assert!(client
        .points()
        .entries()
        .unwrap()
        .iter()
        .any(|e| e.description.as_deref() == Some("Later still")));
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Records the seed corpus of the `sync_wire` fuzz target (`fuzz/corpus/sync_wire/`): the real
/// server's answers to every request the sync client makes, as the server wrote them. Run when
/// the API changes:
/// `cargo test -p loyalty-tests --test sync_e2e record_the_sync_wire_fuzz_seeds -- --ignored`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes fuzz/corpus/sync_wire/; run on purpose"]
async fn record_the_sync_wire_fuzz_seeds() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/sync_wire");
    std::fs::create_dir_all(&out).unwrap();
    let addr = server.addr;
    let save = |name: &str, body: &[u8]| {
        assert!(!body.is_empty(), "{name}: an empty answer");
        std::fs::write(out.join(name), body).unwrap();
    };
    let call = |method: &'static str, path: String, token: Option<String>, body: Option<Value>| async move {
        let key = loyalty_core::wallet::new_idempotency_key();
        http(
            addr,
            method,
            &path,
            token.as_deref(),
            body.as_ref(),
            &[("idempotency-key", &key)],
        )
        .await
    };
    use serde_json::Value;

    let enrolled = call(
        "POST",
        "/v1/members".into(),
        None,
        Some(json!({"display_name": "Ann"})),
    )
    .await;
    save("enrolled.json", &enrolled.body);
    let enrolled: Value = serde_json::from_slice(&enrolled.body).unwrap();
    let token = enrolled["token"].as_str().unwrap().to_string();
    let member = enrolled["member_id"].as_str().unwrap().to_string();
    let code = enrolled["household_code"].as_str().unwrap().to_string();
    let joined = call(
        "POST",
        "/v1/sessions".into(),
        None,
        Some(json!({"household_code": code})),
    )
    .await;
    save("session.json", &joined.body);
    let joined: Value = serde_json::from_slice(&joined.body).unwrap();
    let refreshed = call(
        "POST",
        "/v1/sessions/refresh".into(),
        None,
        Some(json!({"refresh_token": joined["refresh_token"]})),
    )
    .await;
    save("session-renewed.json", &refreshed.body);
    let secret = call(
        "GET",
        "/v1/me/card-secret".into(),
        Some(token.clone()),
        None,
    )
    .await;
    save("card-secret.json", &secret.body);
    let me = call("GET", "/v1/me".into(), Some(token.clone()), None).await;
    save("me.json", &me.body);

    // The feeds, with a page of each kind of record.
    seed(&server, &member, 2, 2, 2).await;
    let voucher = server.issue_voucher(&member, "Redeemed").await;
    let redeemed = call(
        "POST",
        "/v1/redemptions".into(),
        Some(token.clone()),
        Some(json!({"voucher_id": voucher})),
    )
    .await;
    save("redemption.json", &redeemed.body);
    let again = call(
        "POST",
        "/v1/redemptions".into(),
        Some(token.clone()),
        Some(json!({"voucher_id": voucher})),
    )
    .await;
    save("redemption-already.json", &again.body);
    server.import_receipt(&member, "r_claim", 4200, false).await;
    let claim = call(
        "POST",
        "/v1/claims".into(),
        Some(token.clone()),
        Some(json!({"points": 42, "reference": "r_claim", "earned_at": "2026-03-01T09:00:00Z"})),
    )
    .await;
    save("claim.json", &claim.body);
    let refused = call(
        "POST",
        "/v1/claims".into(),
        Some(token.clone()),
        Some(json!({"points": 42, "reference": "r_nope", "earned_at": "2026-03-01T09:00:00Z"})),
    )
    .await;
    save("claim-refused.json", &refused.body);
    for feed in ["ledger", "vouchers", "receipts"] {
        let first = call(
            "GET",
            format!("/v1/{feed}?limit=2"),
            Some(token.clone()),
            None,
        )
        .await;
        save(&format!("{feed}-page.json"), &first.body);
        let page: Value = serde_json::from_slice(&first.body).unwrap();
        let cursor = page["next_cursor"].as_str().unwrap().to_string();
        save(&format!("{feed}-cursor.txt"), cursor.as_bytes());
        let rest = call(
            "GET",
            format!("/v1/{feed}?limit=1000&cursor={cursor}"),
            Some(token.clone()),
            None,
        )
        .await;
        save(&format!("{feed}-last-page.json"), &rest.body);
    }
    let stale = call(
        "GET",
        "/v1/ledger?cursor=c1.1.000000000000".into(),
        Some(token.clone()),
        None,
    )
    .await;
    assert_eq!(stale.status(), 400);
    save("error-cursor-refused.json", &stale.body);
    let unauthorized = call("GET", "/v1/me".into(), Some("0".repeat(64)), None).await;
    save("error-unauthorized.json", &unauthorized.body);

    // Content, each feed as published.
    server
        .publish_content(
            "reminder-rules",
            &json!({"version": 1, "rules": [{"id": "recipes", "kind": "recipes"}]}),
        )
        .await;
    server
        .publish_content(
            "recipes",
            &json!({"version": 1, "recipes": [recipe("biscuits")]}),
        )
        .await;
    server
        .publish_content(
            "recalls",
            &json!({"version": 1, "recalls": [{
                "id": "R-7", "gtins": ["4006381333931"],
                "sold_from": "2026-02-28T00:00:00Z", "sold_until": "2026-03-02T00:00:00Z",
                "published_at": "2026-03-03T00:00:00Z",
                "product": {"en": "Dog food 12 kg"}, "instructions": {"en": "Bring it back."},
                "urgent": true}]}),
        )
        .await;
    for kind in ["reminder-rules", "recipes", "post-purchase", "recalls"] {
        let doc = call("GET", format!("/v1/content/{kind}"), None, None).await;
        save(&format!("content-{kind}.json"), &doc.body);
    }
}

/// A receipt that arrives by sync takes what it bought off the shopping list (in the page's own
/// transaction), and the checked items; an old receipt arriving late takes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_arriving_by_sync_take_what_they_bought_off_the_shopping_list() {
    let (_data, server, _proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    let list = device.client.list();
    list.add("Dog food 12 kg", Some("4006381333931"), None)
        .unwrap();
    let candles = list.add("Birthday candles", None, None).unwrap();
    list.add("Batteries", None, None).unwrap();
    list.check(&candles.id).unwrap();
    // A receipt of a shop on 1 March (before the items were put on the list) arrives late.
    server.import_receipt(&member, "r_old", 1200, false).await;
    device.client.sync().sync_now().await.unwrap();
    assert_eq!(list.items().unwrap().len(), 3);
    // Today's shop, with the dog food: the till's receipt reaches the phone by sync.
    let mut today = support::receipt_json("r_today", 1500);
    today["purchased_at"] = json!(chrono::Utc::now());
    server
        .admin(
            &format!("/v1/admin/members/{member}/receipts"),
            &json!({ "receipt": today, "credit_points": false }),
        )
        .await;
    let report = device.client.sync().sync_now().await.unwrap();
    assert_eq!(report.receipts_applied, 1);
    let left: Vec<String> = list.items().unwrap().into_iter().map(|i| i.name).collect();
    assert_eq!(left, ["Batteries"]);
}

/// The outbox as the device will send it: (idempotency key, voucher id or None for a claim).
fn outbox_keys(device: &Device) -> Vec<(String, Option<String>)> {
    device
        .client
        .sync()
        .outbox()
        .unwrap()
        .into_iter()
        .map(|i| {
            let voucher = match i.operation {
                loyalty_core::wallet::OutboxOperation::RedeemVoucher { voucher_id } => {
                    Some(voucher_id)
                }
                _ => None,
            };
            (i.idempotency_key, voucher)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_drains_in_one_batch_and_a_replay_gets_the_first_answers() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 2, 2, 6).await;
    let ids = offline_work(&server, &device).await;
    let wallet = device.client.wallet();
    for v in wallet.usable_now().unwrap().into_iter().take(3) {
        wallet.begin_redemption(&v.id).unwrap();
    }
    let keys = outbox_keys(&device);
    assert_eq!(keys.len(), 6);
    let before = proxy.log().len();
    let report = device.client.sync().sync_now().await.expect("sync");
    assert_eq!((report.outbox_resolved, report.outbox_failed), (6, 0));
    let posts: Vec<String> = proxy.log()[before..]
        .iter()
        .filter(|l| l.starts_with("POST"))
        .cloned()
        .collect();
    assert_eq!(posts.len(), 1, "six items, one request: {posts:?}");
    assert!(posts[0].starts_with("POST /v1/batch"), "{posts:?}");
    assert!(ids.iter().all(|id| redeemed(&device, id)));
    assert_mirrors(&server, &device).await;

    // The same batch again (a client that never saw the answer): every item gets its first
    // answer, marked replayed; nothing is redeemed or credited twice.
    let items: Vec<serde_json::Value> = keys
        .iter()
        .map(|(key, voucher)| match voucher {
            Some(v) => json!({"kind": "redemption", "idempotency_key": key,
                              "body": {"voucher_id": v}}),
            None => serde_json::Value::Null,
        })
        .filter(|v| !v.is_null())
        .collect();
    let token = device.token();
    let again = http_ok(
        server.addr,
        "POST",
        "/v1/batch",
        Some(&token),
        Some(&json!({ "items": items })),
    )
    .await;
    let results = again["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for (r, (key, _)) in results.iter().zip(keys.iter().filter(|k| k.1.is_some())) {
        assert_eq!(r["idempotency_key"], json!(key));
        assert_eq!(r["status"], json!(200));
        assert_eq!(r["replayed"], json!(true));
        assert_eq!(
            r["body"]["outcome"],
            json!("accepted"),
            "the first answer: {r}"
        );
    }
    // A replay of one item alone, on the single-item endpoint, gets the same first answer.
    let (key, voucher) = keys.iter().find(|k| k.1.is_some()).unwrap();
    let single = http(
        server.addr,
        "POST",
        "/v1/redemptions",
        Some(&token),
        Some(&json!({ "voucher_id": voucher })),
        &[("idempotency-key", key)],
    )
    .await;
    assert_eq!(single.status(), 200);
    assert_eq!(single.header("idempotent-replayed"), Some("true"));
    let body: serde_json::Value = serde_json::from_slice(&single.body).unwrap();
    assert_eq!(body["outcome"], json!("accepted"));
    device.client.sync().sync_now().await.unwrap();
    assert_mirrors(&server, &device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_item_does_not_sink_the_others() {
    let (_data, server, proxy, device) = setup(test_config()).await;
    let member = device.member_id();
    seed(&server, &member, 2, 2, 4).await;
    let ids = offline_work(&server, &device).await;
    let token = device.token();

    // The server alone: a good item, a malformed one and a key reused for another request are
    // each answered on their own; only the good one is written.
    let other = server.issue_voucher(&member, "Spare").await;
    let answer = http_ok(
        server.addr,
        "POST",
        "/v1/batch",
        Some(&token),
        Some(&json!({ "items": [
            {"kind": "redemption", "idempotency_key": "k-good", "body": {"voucher_id": other}},
            {"kind": "redemption", "idempotency_key": "k-bad", "body": {"voucher_id": ""}},
            {"kind": "redemption", "idempotency_key": "k-good", "body": {"voucher_id": "v-x"}},
            {"kind": "teleport", "idempotency_key": "k-odd", "body": {}},
            {"kind": "claim", "body": {"points": 5, "reference": "r", "earned_at": "2026-01-01T00:00:00Z"}},
        ]})),
    )
    .await;
    let statuses: Vec<u64> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 400, 409, 400, 400], "{answer}");
    assert_eq!(answer["results"][0]["body"]["outcome"], json!("accepted"));
    assert_eq!(answer["results"][2]["body"]["error"], json!("conflict"));
    assert_eq!(
        http(
            server.addr,
            "POST",
            "/v1/batch",
            Some(&token),
            Some(&json!({"items": []})),
            &[]
        )
        .await
        .status(),
        400
    );

    // The device: one of its items' keys was already used for a different request, so the
    // server refuses that item alone; the other two settle from the same batch.
    let keys = outbox_keys(&device);
    let (stolen, _) = keys
        .iter()
        .find(|k| k.1.as_deref() == Some(&ids[0]))
        .unwrap();
    let r = http(
        server.addr,
        "POST",
        "/v1/redemptions",
        Some(&token),
        Some(&json!({ "voucher_id": other })),
        &[("idempotency-key", stolen)],
    )
    .await;
    assert_eq!(r.status(), 200);
    let before = proxy.log().len();
    let sync = device.client.sync();
    let report = sync
        .sync_now()
        .await
        .expect("the rest of the sync completes");
    assert_eq!((report.outbox_resolved, report.outbox_failed), (2, 1));
    let posts = proxy.log()[before..]
        .iter()
        .filter(|l| l.starts_with("POST"))
        .count();
    assert_eq!(
        posts, 1,
        "one batch; a refused item is not retried in this sync"
    );
    assert!(redeemed(&device, &ids[1]));
    let outbox = sync.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(&outbox[0].idempotency_key, stolen);
    assert_eq!(
        sync.state().stuck_outbox,
        1,
        "refused as such: reported stuck"
    );
}
