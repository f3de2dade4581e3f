//! Receipt claim codes end to end (issue #16 part 1): the reference server on loopback issues a
//! signed claim code for a purchase made without the card (`POST /v1/till/claim-codes`); real
//! devices scan it, verify it offline, show the receipt at once as pending and queue the claim;
//! sync credits the receipt and its points exactly once across all members.

mod support;

use loyalty_core::claim::{ClaimRefusal, ClaimStatus};
use loyalty_core::points::EntryStatus;
use loyalty_core::reminders::Lang;
use loyalty_core::sync::SyncNoticeKind;
use loyalty_core::ClaimScan;
use serde_json::{json, Value};
use support::{http, http_ok, test_config, Device, Proxy, Server};

const GTIN: &str = "4006381333931";

async fn enrolled(proxy: &Proxy, name: &str) -> Device {
    let device = Device::new(test_config());
    device
        .client
        .sync()
        .enrol(proxy.base_url(), Some(name.into()))
        .await
        .expect("enrolment");
    device
}

/// The app's configuration: the retailer's public key, as `GET /v1/voucher-key` gives it.
async fn configure_key(server: &Server, device: &Device) {
    let key = http_ok(server.addr, "GET", "/v1/voucher-key", None, None).await;
    device
        .client
        .wallet()
        .set_retailer_key(key["public_key_hex"].as_str().unwrap())
        .unwrap();
}

/// A basket sold without the card: the till asks for its claim code (2 × 21.95 = 43.90 → 43
/// points).
async fn sell_without_card(server: &Server) -> Value {
    http_ok(
        server.addr,
        "POST",
        "/v1/till/claim-codes",
        Some(&server.till),
        Some(&json!({
            "store_name": "Gent Zuid",
            "lines": [{
                "gtin": GTIN,
                "name": "Dog food 12 kg",
                "quantity": 2,
                "unit_price": {"amount_minor": 2195, "currency": "EUR"},
                "category": "pet food"
            }],
        })),
    )
    .await
}

fn queued(scan: ClaimScan) -> loyalty_core::claim::ReceiptClaim {
    match scan {
        ClaimScan::Queued { claim } => claim,
        other => panic!("expected a queued claim, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_member_to_claim_a_receipt_gets_it_the_second_is_told_already_claimed() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let ann = enrolled(&proxy, "Ann").await;
    let bob = enrolled(&proxy, "Bob").await;
    for d in [&ann, &bob] {
        configure_key(&server, d).await;
    }
    let issued = sell_without_card(&server).await;
    let code = issued["claim_code"].as_str().unwrap().to_string();
    let receipt_id = issued["receipt"]["id"].as_str().unwrap().to_string();
    assert_eq!(issued["points"], 43);
    assert!(code.starts_with("LCR1.") && code.len() < 300, "{code}");

    // Both scan the same paper receipt while offline: each sees it at once, pending.
    let a = queued(ann.client.receipts().claim(&code).unwrap());
    let b = queued(bob.client.receipts().claim(&format!("{code}\n")).unwrap());
    for (c, d) in [(&a, &ann), (&b, &bob)] {
        assert_eq!(c.receipt_id, receipt_id);
        assert_eq!(c.status, ClaimStatus::Pending);
        assert_eq!(c.points, 43);
        assert_eq!(c.total.amount_minor, 4390);
        assert_eq!(d.client.receipts().claims().unwrap(), vec![c.clone()]);
        let balance = d.client.points().balance().unwrap();
        assert_eq!(balance.pending_credit, 43, "{balance:?}");
        assert_eq!(d.client.sync().outbox().unwrap().len(), 1);
    }
    // Scanning it again on the same phone is a replay, refused offline.
    assert_eq!(
        ann.client.receipts().claim(&code).unwrap(),
        ClaimScan::Refused {
            refusal: ClaimRefusal::AlreadyClaimed
        }
    );
    assert_eq!(ann.client.sync().outbox().unwrap().len(), 1);

    // Ann syncs first: the receipt and its points are hers.
    let report = ann.client.sync().sync_now().await.unwrap();
    assert!(report.notices.is_empty(), "{report:?}");
    let claims = ann.client.receipts().claims().unwrap();
    assert_eq!(claims[0].status, ClaimStatus::Claimed);
    let balance = ann.client.points().verify().unwrap();
    assert_eq!((balance.confirmed, balance.pending_credit), (43, 0));
    let credited: Vec<_> = ann
        .client
        .points()
        .entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.reference.as_deref() == Some(receipt_id.as_str()))
        .filter(|e| e.status == EntryStatus::Confirmed)
        .collect();
    assert_eq!(credited.len(), 1, "credited exactly once");
    // The receipt itself, with its lines, came with the receipts feed and feeds the reminders.
    let receipt = ann.client.receipts().get(&receipt_id).unwrap();
    assert_eq!(receipt.lines[0].gtin, GTIN);
    assert_eq!(ann.client.receipts().with_gtin(GTIN).unwrap().len(), 1);
    assert!(ann
        .client
        .list()
        .usual(10)
        .unwrap()
        .iter()
        .any(|u| u.gtin == GTIN));
    assert!(ann.client.sync().outbox().unwrap().is_empty());

    // Bob syncs second: told clearly, once, that it was already claimed; no points, no receipt.
    let report = bob.client.sync().sync_now().await.unwrap();
    assert_eq!(report.notices.len(), 1, "{report:?}");
    let notice = &report.notices[0];
    assert_eq!(
        notice.kind,
        SyncNoticeKind::ReceiptNotClaimed(ClaimRefusal::AlreadyClaimed)
    );
    assert!(notice.text("nl-BE").contains("al aan een klantenkaart"));
    assert!(notice.text("fr").contains("déjà été ajouté"));
    assert!(notice.text("en").contains("already been added"));
    let claims = bob.client.receipts().claims().unwrap();
    assert_eq!(claims[0].status, ClaimStatus::Refused);
    assert_eq!(claims[0].refusal, Some(ClaimRefusal::AlreadyClaimed));
    assert!(claims[0].text(Lang::En).contains("already been added"));
    let balance = bob.client.points().verify().unwrap();
    assert_eq!((balance.confirmed, balance.pending_credit), (0, 0));
    assert!(bob.client.receipts().get(&receipt_id).is_err());
    assert!(bob.client.sync().outbox().unwrap().is_empty());
    // Syncing again tells nothing new.
    let report = bob.client.sync().sync_now().await.unwrap();
    assert!(report.notices.is_empty());
    // Bob's phone now knows the receipt: scanning again is refused offline.
    assert_eq!(
        bob.client.receipts().claim(&code).unwrap(),
        ClaimScan::Refused {
            refusal: ClaimRefusal::AlreadyClaimed
        }
    );

    // On the wire: a replay of the same request gets the first answer; a new claim by Ann
    // (another device of her household) is `claimed` again with the same ledger entry; Bob
    // stays refused; a forged code is refused before any claim.
    let body = json!({ "claim_code": code });
    let ann_token = ann.token();
    let bob_token = bob.token();
    let post = |token: String, key: &'static str, body: Value| {
        let addr = server.addr;
        async move {
            http(
                addr,
                "POST",
                "/v1/receipt-claims",
                Some(&token),
                Some(&body),
                &[("idempotency-key", key)],
            )
            .await
        }
    };
    let first = post(ann_token.clone(), "k-ann-1", body.clone()).await;
    let again = post(ann_token.clone(), "k-ann-1", body.clone()).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.body, again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let first: Value = serde_json::from_slice(&first.body).unwrap();
    assert_eq!(first["outcome"], "claimed");
    assert!(first["ledger_id"].is_string());
    let bob_again = post(bob_token.clone(), "k-bob-9", body.clone()).await;
    let bob_again: Value = serde_json::from_slice(&bob_again.body).unwrap();
    assert_eq!(bob_again["outcome"], "already_claimed");
    let mut forged = code.clone().into_bytes();
    let n = forged.len() - 10;
    forged[n] = if forged[n] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let refused = post(bob_token, "k-bob-10", json!({ "claim_code": forged })).await;
    assert_eq!(refused.status(), 422);
    let refused: Value = serde_json::from_slice(&refused.body).unwrap();
    assert_eq!(refused["refusal"], "not_genuine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_scanned_offline_waits_in_the_outbox_and_is_credited_at_the_next_sync() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let mut ann = enrolled(&proxy, "Ann").await;
    configure_key(&server, &ann).await;
    let issued = sell_without_card(&server).await;
    let code = issued["claim_code"].as_str().unwrap().to_string();
    let receipt_id = issued["receipt"]["id"].as_str().unwrap().to_string();

    // The server is unreachable: the claim is verified and queued all the same.
    proxy.set_upstream(None);
    queued(ann.client.receipts().claim(&code).unwrap());
    assert!(ann.client.sync().sync_now().await.is_err());
    assert_eq!(ann.client.sync().outbox().unwrap().len(), 1);
    assert_eq!(
        ann.client.receipts().claims().unwrap()[0].status,
        ClaimStatus::Pending
    );
    // The app is killed and started again: the pending claim and its outbox item stay.
    ann.restart();
    assert_eq!(ann.client.sync().outbox().unwrap().len(), 1);
    assert_eq!(ann.client.points().balance().unwrap().pending_credit, 43);

    // Back online: credited once.
    proxy.set_upstream(Some(server.addr));
    let report = ann.client.sync().sync_now().await.unwrap();
    assert!(report.notices.is_empty(), "{report:?}");
    assert_eq!(
        ann.client.receipts().claims().unwrap()[0].status,
        ClaimStatus::Claimed
    );
    let balance = ann.client.points().verify().unwrap();
    assert_eq!((balance.confirmed, balance.pending_credit), (43, 0));
    assert_eq!(
        ann.client.receipts().get(&receipt_id).unwrap().id,
        receipt_id
    );
    let again = ann.client.sync().sync_now().await.unwrap();
    assert_eq!(again.ledger_applied, 0);
    assert_eq!(ann.client.points().verify().unwrap(), balance);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_that_are_not_the_retailers_are_refused_offline_with_their_reason() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let ann = enrolled(&proxy, "Ann").await;
    let receipts = ann.client.receipts();
    let issued = sell_without_card(&server).await;
    let code = issued["claim_code"].as_str().unwrap().to_string();

    // Without the retailer's key nothing can be verified.
    assert!(matches!(
        receipts.claim(&code),
        Err(loyalty_core::LoyaltyError::InvalidInput { .. })
    ));
    configure_key(&server, &ann).await;

    // Another retailer's server: its own key.
    let other_data = tempfile::tempdir().unwrap();
    let other = Server::start(other_data.path().join("other")).await;
    let theirs = sell_without_card(&other).await;
    let theirs = theirs["claim_code"].as_str().unwrap();
    assert_eq!(
        receipts.claim(theirs).unwrap(),
        ClaimScan::Refused {
            refusal: ClaimRefusal::OtherRetailer
        }
    );
    // Altered: a character of the payload changed.
    let mut parts: Vec<String> = code.split('.').map(String::from).collect();
    let p = &mut parts[2];
    let c = if p.ends_with('A') { "B" } else { "A" };
    p.replace_range(p.len() - 1.., c);
    assert_eq!(
        receipts.claim(&parts.join(".")).unwrap(),
        ClaimScan::Refused {
            refusal: ClaimRefusal::NotGenuine
        }
    );
    for garbage in ["", "hello", "LC1:123:456:789", "LCR1.x.y.z"] {
        assert_eq!(
            receipts.claim(garbage).unwrap(),
            ClaimScan::Refused {
                refusal: ClaimRefusal::Malformed
            }
        );
    }
    // Nothing of it was queued or shown.
    assert!(receipts.claims().unwrap().is_empty());
    assert!(ann.client.sync().outbox().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_claimed_by_an_account_erased_since_stays_claimed() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let ann = enrolled(&proxy, "Ann").await;
    let bob = enrolled(&proxy, "Bob").await;
    for d in [&ann, &bob] {
        configure_key(&server, d).await;
    }
    let issued = sell_without_card(&server).await;
    let code = issued["claim_code"].as_str().unwrap().to_string();
    queued(ann.client.receipts().claim(&code).unwrap());
    ann.client.sync().sync_now().await.unwrap();
    assert_eq!(ann.client.points().verify().unwrap().confirmed, 43);

    // Ann deletes her account: the server erases it (her claim no longer names her) and her
    // phone wipes itself.
    ann.client.sync().request_account_deletion().unwrap();
    let report = ann.client.sync().sync_now().await.unwrap();
    assert!(report.account_deleted);
    assert!(ann.client.receipts().claims().unwrap().is_empty());

    // The receipt's points were given once: Bob's claim of the same paper receipt is refused.
    queued(bob.client.receipts().claim(&code).unwrap());
    let report = bob.client.sync().sync_now().await.unwrap();
    assert_eq!(report.notices.len(), 1, "{report:?}");
    assert_eq!(
        report.notices[0].kind,
        SyncNoticeKind::ReceiptNotClaimed(ClaimRefusal::AlreadyClaimed)
    );
    assert_eq!(bob.client.points().verify().unwrap().confirmed, 0);
}
