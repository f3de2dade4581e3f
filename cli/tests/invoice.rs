//! `loyalty receipts invoice` and `receipts invoice-show` (issue #12 part 1) against a real
//! reference server: a purchase at the till with the member's card, an invoice asked offline
//! (a bad VAT number exits 2 and queues nothing; a second request exits 4), issued at the next
//! sync and written out as UBL and HTML.

mod support;

use serde_json::json;
use support::{fails, ok, ok_json, run_in, Server};

#[test]
fn an_invoice_is_asked_offline_issued_at_the_sync_and_written_out() {
    let server = Server::with_till_token("till-secret-for-invoices");
    let phone = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_in(phone.path(), args);
    let enrolled = ok_json(run(&[
        "--json",
        "sync",
        "--server",
        &server.url,
        "enrol",
        "--name",
        "Sam",
    ]));
    let card = enrolled["card_number"].as_str().unwrap().to_string();
    let (status, bought) = server.till(
        "/v1/till/purchases",
        &json!({
            "card": card,
            "store_name": "Gent Zuid",
            "lines": [{
                "gtin": "4006381333931",
                "name": "Dog food 12 kg",
                "quantity": 2,
                "unit_price": {"amount_minor": 2195, "currency": "EUR"},
                "category": "pet food"
            }],
        }),
    );
    assert_eq!(status, 201, "{bought}");
    let receipt = bought["receipt"]["id"].as_str().unwrap().to_string();
    ok(run(&["sync", "now"]));

    let files = tempfile::tempdir().unwrap();
    let company = files.path().join("company.json");
    let mut body = json!({
        "name": "Proximus NV", "street": "Koning Albert II-laan 27", "city": "Brussel",
        "postal_code": "1030", "country": "BE", "vat_id": "BE 0202.239.952"
    });
    std::fs::write(&company, body.to_string()).unwrap();
    let company_arg = company.to_str().unwrap();
    // Wrong check digits: exit 2, the number not repeated, nothing queued.
    let e = fails(
        run(&["receipts", "invoice", &receipt, "--company", company_arg]),
        2,
    );
    assert!(e.contains("check digits") && !e.contains("0202"), "{e}");
    // Not a company at all: exit 2, its content not repeated.
    std::fs::write(&company, r#"{"name": "Secret BV"}"#).unwrap();
    let e = fails(
        run(&["receipts", "invoice", &receipt, "--company", company_arg]),
        2,
    );
    assert!(!e.contains("Secret"), "{e}");
    // No company given and none saved: exit 2.
    fails(run(&["receipts", "invoice", &receipt]), 2);
    let state = ok_json(run(&["--json", "sync", "status"]));
    assert_eq!(state["outbox"].as_array().map(Vec::len), Some(0), "{state}");

    body["vat_id"] = json!("BE 0202.239.951");
    std::fs::write(&company, body.to_string()).unwrap();
    let pending = ok_json(run(&[
        "--json",
        "receipts",
        "invoice",
        &receipt,
        "--company",
        company_arg,
        "--lang",
        "en",
    ]));
    assert_eq!(pending["status"], "pending");
    assert_eq!(pending["buyer"]["vat_id"], "BE0202239951");
    let status = ok(run(&["sync", "status"]));
    assert!(status.contains("request_invoice"), "{status}");
    assert!(ok(run(&["receipts", "invoice-show", &receipt])).contains("pending"));
    // Nothing to write before it is issued; asking again is a conflict (the saved company).
    let ubl = files.path().join("invoice.xml");
    let html = files.path().join("invoice.html");
    let ubl_arg = ubl.to_str().unwrap();
    let html_arg = html.to_str().unwrap();
    fails(
        run(&["receipts", "invoice-show", &receipt, "--ubl", ubl_arg]),
        3,
    );
    fails(run(&["receipts", "invoice", &receipt]), 4);

    ok(run(&["sync", "now"]));
    let shown = ok(run(&[
        "receipts",
        "invoice-show",
        &receipt,
        "--ubl",
        ubl_arg,
        "--html",
        html_arg,
    ]));
    assert!(shown.contains("issued: invoice "), "{shown}");
    let xml = std::fs::read_to_string(&ubl).unwrap();
    assert!(
        xml.contains("urn:fdc:peppol.eu:2017:poacc:billing:3.0"),
        "{xml}"
    );
    assert!(
        xml.contains("<cbc:CompanyID>BE0202239951</cbc:CompanyID>"),
        "{xml}"
    );
    assert!(std::fs::read_to_string(&html)
        .unwrap()
        .contains("<html lang=\"en\">"));
    let issued = ok_json(run(&["--json", "receipts", "invoice-show", &receipt]));
    assert_eq!(issued["status"], "issued");
    fails(run(&["receipts", "invoice", &receipt]), 4);
    // A receipt without an invoice: not found.
    fails(run(&["receipts", "invoice-show", "no-such-receipt"]), 3);
}
