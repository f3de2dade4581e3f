//! Company invoices end to end (issue #12 part 1): a purchase at the reference server's till with
//! the member's card gives a receipt; the phone asks for an invoice offline (checked offline,
//! queued in the outbox, shown pending), the next sync sends it as a batch item `invoice` with
//! its idempotency key, and the invoice the server issued (number, date, Peppol UBL, HTML) is
//! kept offline with its receipt. A replay is harmless, a second request is refused on the
//! phone, a bad VAT number never leaves it, and another member's receipt is refused by the
//! server with a notice.

mod support;

use loyalty_core::invoice::InvoiceParty;
use loyalty_core::store::{InvoiceRefusal, InvoiceStatus};
use loyalty_core::sync::SyncNoticeKind;
use loyalty_core::wallet::OutboxOperation;
use loyalty_core::LoyaltyError;
use serde_json::{json, Value};
use support::{http, http_ok, test_config, Device, Fault, Proxy, Server};

const GTIN: &str = "4006381333931";

fn proximus() -> InvoiceParty {
    InvoiceParty {
        name: "Proximus NV".into(),
        street: "Koning Albert II-laan 27".into(),
        city: "Brussel".into(),
        postal_code: "1030".into(),
        country: "BE".into(),
        vat_id: "BE 0202.239.951".into(),
    }
}

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

/// A purchase at the till with the member's card (its card number): the receipt id.
async fn till_purchase(server: &Server, member_id: &str) -> String {
    let card = server
        .members()
        .into_iter()
        .find(|(id, _)| id == member_id)
        .expect("the member")
        .1;
    let bought: Value = http_ok(
        server.addr,
        "POST",
        "/v1/till/purchases",
        Some(&server.till),
        Some(&json!({
            "card": card,
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
    .await;
    bought["receipt"]["id"].as_str().unwrap().to_string()
}

fn conflict(r: Result<impl std::fmt::Debug, LoyaltyError>) -> String {
    match r {
        Err(LoyaltyError::Conflict { reason }) => reason,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoice_asked_offline_is_issued_at_the_next_sync_and_kept_with_its_receipt() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let ann = enrolled(&proxy, "Ann").await;
    let receipt_id = till_purchase(&server, &ann.member_id()).await;
    ann.client.sync().sync_now().await.unwrap();
    assert_eq!(
        ann.client.receipts().get(&receipt_id).unwrap().store_name,
        "Gent Zuid"
    );

    // Offline: nothing reaches the server while the phone asks.
    proxy.set_upstream(None);
    let requests = proxy.requests();

    // A bad VAT number (wrong check digits) is refused on the phone; the reason never repeats
    // the number or the name, and nothing is queued or saved.
    let mut bad = proximus();
    bad.vat_id = "BE 0202.239.952".into();
    match ann
        .client
        .receipts()
        .request_invoice(&receipt_id, Some(bad), "nl")
    {
        Err(LoyaltyError::InvalidInput { reason }) => {
            assert!(reason.contains("check digits"), "{reason}");
            assert!(!reason.contains("0202"), "{reason}");
            assert!(!reason.contains("Proximus"), "{reason}");
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
    // A VAT number of another country than the company's address is refused too.
    let mut foreign = proximus();
    foreign.country = "NL".into();
    assert!(matches!(
        ann.client
            .receipts()
            .request_invoice(&receipt_id, Some(foreign), "nl"),
        Err(LoyaltyError::InvalidInput { .. })
    ));
    // No company given and none saved yet: refused offline.
    assert!(matches!(
        ann.client
            .receipts()
            .request_invoice(&receipt_id, None, "nl"),
        Err(LoyaltyError::InvalidInput { .. })
    ));
    assert!(ann.client.sync().outbox().unwrap().is_empty());
    assert_eq!(ann.client.receipts().company().unwrap(), None);
    assert_eq!(ann.client.receipts().invoice(&receipt_id).unwrap(), None);

    // The good request: queued, pending at once, the company saved (normalised) for next time.
    let pending = ann
        .client
        .receipts()
        .request_invoice(&receipt_id, Some(proximus()), "fr")
        .unwrap();
    assert_eq!(pending.status, InvoiceStatus::Pending);
    assert_eq!(pending.buyer.vat_id, "BE0202239951");
    assert_eq!(
        (pending.number.as_deref(), pending.ubl.as_deref()),
        (None, None)
    );
    assert_eq!(
        ann.client.receipts().invoice(&receipt_id).unwrap(),
        Some(pending.clone())
    );
    let saved = ann.client.receipts().company().unwrap().unwrap();
    assert_eq!(
        (saved.name.as_str(), saved.vat_id.as_str()),
        ("Proximus NV", "BE0202239951")
    );
    let outbox = ann.client.sync().outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert!(matches!(
        &outbox[0].operation,
        OutboxOperation::RequestInvoice { receipt_id: r, lang, .. } if *r == receipt_id && lang == "fr"
    ));
    let key = outbox[0].idempotency_key.clone();
    // Asking again while pending: a conflict, nothing more queued.
    conflict(
        ann.client
            .receipts()
            .request_invoice(&receipt_id, None, "fr"),
    );
    assert_eq!(ann.client.sync().outbox().unwrap().len(), 1);
    assert_eq!(proxy.requests(), requests, "nothing was sent while asking");

    // A sync without the server keeps the request; the device restarts, still pending.
    assert!(ann.client.sync().sync_now().await.is_err());
    let mut ann = ann;
    ann.restart();
    assert_eq!(
        ann.client
            .receipts()
            .invoice(&receipt_id)
            .unwrap()
            .unwrap()
            .status,
        InvoiceStatus::Pending
    );

    // Back online: the invoice is issued and kept offline with its receipt. The first answer
    // is lost after the server issued it: the retry with the same key gets the same invoice,
    // and no second number is taken (the first invoice of the server's year).
    proxy.set_upstream(Some(server.addr));
    proxy.inject("POST", "/v1/receipts/", 0, 1, Fault::DropAfterForward);
    let report = ann.client.sync().sync_now().await.unwrap();
    assert_eq!(proxy.pending_faults(), 0);
    assert!(report.notices.is_empty(), "{report:?}");
    assert!(ann.client.sync().outbox().unwrap().is_empty());
    let invoice = ann.client.receipts().invoice(&receipt_id).unwrap().unwrap();
    assert_eq!(invoice.status, InvoiceStatus::Issued);
    let number = invoice.number.clone().unwrap();
    assert!(
        number.len() == 11 && number.ends_with("-000001"),
        "{number}"
    );
    assert!(invoice.issue_date.is_some());
    assert_eq!(invoice.lang, "fr");
    assert_eq!(invoice.buyer.vat_id, "BE0202239951");
    let ubl = invoice.ubl.clone().unwrap();
    assert!(ubl.contains(
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>"
    ), "{ubl}");
    assert!(
        ubl.contains("<cbc:CompanyID>BE0202239951</cbc:CompanyID>"),
        "{ubl}"
    );
    assert!(ubl.contains(&format!("<cbc:ID>{number}</cbc:ID>")));
    assert!(invoice.html.clone().unwrap().contains("<html lang=\"fr\">"));
    // Kept offline: readable with the server gone, after a restart.
    proxy.set_upstream(None);
    ann.restart();
    assert_eq!(
        ann.client.receipts().invoice(&receipt_id).unwrap(),
        Some(invoice.clone())
    );
    assert_eq!(
        ann.client.receipts().invoices().unwrap(),
        vec![invoice.clone()]
    );
    proxy.set_upstream(Some(server.addr));

    // A replay of the same item (same key, same body) gets the same invoice, not a new number.
    let body = json!({"receipt_id": receipt_id, "company": invoice.buyer, "lang": "fr"});
    let replay = http(
        server.addr,
        "POST",
        &format!("/v1/receipts/{receipt_id}/invoice"),
        Some(&ann.token()),
        Some(&body),
        &[("idempotency-key", &key)],
    )
    .await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    let replayed: Value = serde_json::from_slice(&replay.body).unwrap();
    assert_eq!(replayed["number"], number.as_str());
    assert_eq!(replayed["ubl"], ubl.as_str());

    // A second request on the phone: refused, nothing queued; syncing again changes nothing.
    conflict(
        ann.client
            .receipts()
            .request_invoice(&receipt_id, Some(proximus()), "nl"),
    );
    assert!(ann.client.sync().outbox().unwrap().is_empty());
    let report = ann.client.sync().sync_now().await.unwrap();
    assert!(report.notices.is_empty());
    assert_eq!(
        ann.client.receipts().invoice(&receipt_id).unwrap(),
        Some(invoice)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refuses_another_members_receipt_and_another_company_with_a_notice() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let ann = Device::new(test_config());
    let household = ann
        .client
        .sync()
        .enrol(proxy.base_url(), Some("Ann".into()))
        .await
        .expect("enrolment")
        .household_code
        .expect("a household code");
    let bob = enrolled(&proxy, "Bob").await;
    let anns = till_purchase(&server, &ann.member_id()).await;

    // Bob asks for an invoice on Ann's receipt (its id seen on her paper receipt): it passes
    // the offline checks, the server refuses it (404), Bob is told once.
    bob.client.receipts().set_company(Some(proximus())).unwrap();
    let pending = bob
        .client
        .receipts()
        .request_invoice(&anns, None, "nl")
        .unwrap();
    assert_eq!(pending.status, InvoiceStatus::Pending);
    let report = bob.client.sync().sync_now().await.unwrap();
    assert_eq!(report.notices.len(), 1, "{report:?}");
    let notice = &report.notices[0];
    assert_eq!(
        notice.kind,
        SyncNoticeKind::InvoiceRefused(InvoiceRefusal::UnknownReceipt)
    );
    assert_eq!(notice.voucher_id, anns);
    assert!(
        notice.text("nl-BE").contains("factuur"),
        "{}",
        notice.text("nl")
    );
    assert!(
        notice.text("fr").contains("facture"),
        "{}",
        notice.text("fr")
    );
    assert!(
        notice.text("en").contains("invoice"),
        "{}",
        notice.text("en")
    );
    for lang in ["nl", "fr", "en"] {
        assert!(!notice.text(lang).contains("Proximus"));
        assert!(!notice.text(lang).contains("0202"));
    }
    let refused = bob.client.receipts().invoice(&anns).unwrap().unwrap();
    assert_eq!(refused.status, InvoiceStatus::Refused);
    assert_eq!(refused.refusal, Some(InvoiceRefusal::UnknownReceipt));
    assert_eq!((refused.number, refused.ubl), (None, None));
    assert!(bob.client.sync().outbox().unwrap().is_empty());
    // Told once.
    let report = bob.client.sync().sync_now().await.unwrap();
    assert!(report.notices.is_empty());

    // Ann's receipt invoiced to Ann's company from her phone; her tablet (same membership, its
    // own store) then asks for it to another company: the server answers 409, the tablet
    // settles it as refused and tells her once.
    let tablet = Device::new(test_config());
    tablet
        .client
        .sync()
        .join_household(proxy.base_url(), household)
        .await
        .expect("joining the household");
    ann.client.sync().sync_now().await.unwrap();
    ann.client
        .receipts()
        .request_invoice(&anns, Some(proximus()), "en")
        .unwrap();
    ann.client.sync().sync_now().await.unwrap();
    assert_eq!(
        ann.client
            .receipts()
            .invoice(&anns)
            .unwrap()
            .unwrap()
            .status,
        InvoiceStatus::Issued
    );
    let other = InvoiceParty {
        name: "Voorbeeld B.V.".into(),
        street: "Stationsplein 1".into(),
        city: "Utrecht".into(),
        postal_code: "3511 ED".into(),
        country: "NL".into(),
        vat_id: "NL 0044.95.445.B01".into(),
    };
    tablet
        .client
        .receipts()
        .request_invoice(&anns, Some(other), "en")
        .unwrap();
    let report = tablet.client.sync().sync_now().await.unwrap();
    assert_eq!(report.notices.len(), 1, "{report:?}");
    assert_eq!(
        report.notices[0].kind,
        SyncNoticeKind::InvoiceRefused(InvoiceRefusal::OtherCompany)
    );
    assert!(report.notices[0].text("nl").contains("ander bedrijf"));
    assert!(report.notices[0].text("fr").contains("autre société"));
    let refused = tablet.client.receipts().invoice(&anns).unwrap().unwrap();
    assert_eq!(refused.refusal, Some(InvoiceRefusal::OtherCompany));
    assert!(tablet.client.sync().outbox().unwrap().is_empty());
    // Ann's phone keeps its invoice.
    assert_eq!(
        ann.client
            .receipts()
            .invoice(&anns)
            .unwrap()
            .unwrap()
            .status,
        InvoiceStatus::Issued
    );
}

/// The company details follow the member across devices: saved on the phone offline, they reach
/// the server at the next sync; saved elsewhere (the web, another device), the phone takes them
/// from `GET /v1/me` (no request of their own) when it has no change of its own; forgotten on
/// the phone, forgotten on the server; and a server that holds none leaves the phone's as they
/// are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_company_details_follow_the_member_across_devices() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    let ann = enrolled(&proxy, "Ann").await;
    let token = ann.token();
    let company_on_server = || async {
        let got = http(
            server.addr,
            "GET",
            "/v1/me/company",
            Some(&token),
            None,
            &[],
        )
        .await;
        match got.status() {
            200 => Some(serde_json::from_slice::<Value>(&got.body).unwrap()),
            404 => None,
            other => panic!("GET /v1/me/company: HTTP {other}"),
        }
    };
    ann.client.sync().sync_now().await.unwrap();
    assert_eq!(ann.client.receipts().company().unwrap(), None);
    assert_eq!(company_on_server().await, None);

    // Saved offline on the phone: kept at once, sent with the next sync (once).
    proxy.set_upstream(None);
    ann.client.receipts().set_company(Some(proximus())).unwrap();
    assert!(ann.client.store().company_unsent().unwrap().is_some());
    proxy.set_upstream(Some(server.addr));
    let report = ann.client.sync().sync_now().await.unwrap();
    assert_eq!(report.settings_sent, 1, "{report:?}");
    assert_eq!(company_on_server().await.unwrap()["vat_id"], "BE0202239951");
    assert!(ann.client.store().company_unsent().unwrap().is_none());
    let again = ann.client.sync().sync_now().await.unwrap();
    assert_eq!((again.settings_sent, again.settings_received), (0, 0));

    // Saved elsewhere: the phone takes it at its next sync, once.
    let dutch = json!({"name": "Voorbeeld B.V.", "street": "Stationsplein 1", "city": "Utrecht",
                       "postal_code": "3511 ED", "country": "NL", "vat_id": "NL004495445B01"});
    http_ok(
        server.addr,
        "PUT",
        "/v1/me/company",
        Some(&token),
        Some(&dutch),
    )
    .await;
    let report = ann.client.sync().sync_now().await.unwrap();
    assert_eq!(report.settings_received, 1, "{report:?}");
    let taken = ann.client.receipts().company().unwrap().unwrap();
    assert_eq!(
        (taken.name.as_str(), taken.vat_id.as_str()),
        ("Voorbeeld B.V.", "NL004495445B01")
    );
    let again = ann.client.sync().sync_now().await.unwrap();
    assert_eq!(again.settings_received, 0);

    // Forgotten on the phone: forgotten on the server at the next sync.
    ann.client.receipts().set_company(None).unwrap();
    let report = ann.client.sync().sync_now().await.unwrap();
    assert_eq!(report.settings_sent, 1, "{report:?}");
    assert_eq!(company_on_server().await, None);
    assert_eq!(ann.client.receipts().company().unwrap(), None);

    // Forgotten on the server only: the phone keeps its own (it forgets them itself).
    ann.client.receipts().set_company(Some(proximus())).unwrap();
    ann.client.sync().sync_now().await.unwrap();
    http_ok(server.addr, "DELETE", "/v1/me/company", Some(&token), None).await;
    let report = ann.client.sync().sync_now().await.unwrap();
    assert_eq!((report.settings_sent, report.settings_received), (0, 0));
    assert_eq!(
        ann.client.receipts().company().unwrap().unwrap().vat_id,
        "BE0202239951"
    );
}
