//! `loyalty surveys list | answer` (issue #12 part 4) on the surveys feed as a sync stores it:
//! the survey after the second purchase shows once two receipts are kept, an answer is queued
//! offline once, and refusals exit 6 with their reason; an answer that does not fit exits 2.

mod support;

use loyalty_core::money::Money;
use loyalty_core::receipts::{LineItem, Receipt, ReceiptSource};
use loyalty_core::store::{ContentFeed, ReminderKey, Store, StoredFeed};
use support::{fails, ok, ok_json, run_in, stderr, stdout};

const NOW: &str = "2027-01-15T12:00:00Z";

const FEED: &str = r#"{"surveys": [
  {"id": "visit", "kind": {"type": "rating"},
   "question": {"nl": "Hoe was je bezoek?", "fr": "Comment s'est passée votre visite ?", "en": "How was your visit?"},
   "audience": "second_purchase",
   "opens_at": "2027-01-01T00:00:00Z", "closes_at": "2028-01-01T00:00:00Z"},
  {"id": "coffee", "kind": {"type": "vote", "options": [
     {"id": "arabica", "label": {"nl": "Arabica", "fr": "Arabica", "en": "Arabica"}, "gtin": "5410000000019"},
     {"id": "espresso", "label": {"nl": "Espresso", "fr": "Expresso", "en": "Espresso"}}]},
   "question": {"nl": "Welke koffie?", "fr": "Quel café ?", "en": "Which coffee?"},
   "audience": "everyone",
   "opens_at": "2027-01-01T00:00:00Z", "closes_at": "2027-02-01T00:00:00Z"},
  {"id": "later", "kind": {"type": "rating"},
   "question": {"nl": "Later", "fr": "Plus tard", "en": "Later"},
   "audience": "everyone",
   "opens_at": "2027-06-01T00:00:00Z", "closes_at": "2027-07-01T00:00:00Z"}]}"#;

fn receipt(id: &str, at: &str) -> Receipt {
    Receipt {
        store_names: Default::default(),
        id: id.into(),
        store_name: "Gent Zuid".into(),
        purchased_at: at.parse().unwrap(),
        lines: vec![LineItem {
            names: Default::default(),
            gtin: "4006381333931".into(),
            name: "Koffie".into(),
            quantity: 1,
            unit_price: Money::new(599, "EUR").unwrap(),
            category: "coffee".into(),
            lot: None,
            warranty_months: None,
        }],
        source: ReceiptSource::Server,
        return_window_days: None,
        discounts: vec![],
        seal: None,
    }
}

#[test]
fn surveys_are_listed_answered_offline_once_and_refusals_exit_6() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    {
        // As a sync leaves them: the feed and one receipt.
        let store = Store::open(data).unwrap();
        store
            .set_reminder_value(
                ReminderKey::Feed(ContentFeed::Surveys),
                &StoredFeed {
                    version: 1,
                    body: FEED.into(),
                },
            )
            .unwrap();
        store
            .add_receipt(&receipt("r1", "2027-01-02T10:00:00Z"))
            .unwrap();
    }
    let run = |args: &[&str]| {
        let mut all = vec!["--now", NOW];
        all.extend_from_slice(args);
        run_in(data, &all)
    };
    // One purchase: only the vote asks.
    let listed = ok_json(run(&["--json", "surveys", "list"]));
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["survey"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["coffee"]);
    let o = run(&["--json", "surveys", "answer", "visit", "--stars", "5"]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["refusal"], "not_eligible");

    // A second purchase: the satisfaction survey asks too.
    {
        let store = Store::open(data).unwrap();
        store
            .add_receipt(&receipt("r2", "2027-01-10T10:00:00Z"))
            .unwrap();
    }
    let human = ok(run(&["surveys", "list"]));
    assert!(
        human.contains("How was your visit?") && human.contains("--vote espresso"),
        "{human}"
    );
    let given = ok_json(run(&[
        "--json", "surveys", "answer", "visit", "--stars", "4",
    ]));
    assert_eq!(given["status"], "pending");
    assert_eq!(
        given["answer"],
        serde_json::json!({"type": "rating", "stars": 4})
    );
    assert!(ok(run(&["surveys", "list"])).contains("answered: sent with the next sync"));
    let outbox = ok_json(run(&["--json", "sync", "status"]));
    let kinds: Vec<&str> = outbox["outbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["answer_survey"]);
    assert!(
        !outbox.to_string().contains("\"stars\""),
        "the answer stays out of the status"
    );

    // Again, not open yet, unknown, closed: exit 6 with the reason.
    for (args, refusal, at) in [
        (vec!["visit", "--stars", "2"], "already_answered", NOW),
        (vec!["later", "--stars", "3"], "not_open", NOW),
        (vec!["nope", "--stars", "3"], "unknown", NOW),
        (
            vec!["coffee", "--vote", "arabica"],
            "closed",
            "2027-03-01T00:00:00Z",
        ),
    ] {
        let mut all = vec!["--now", at, "--json", "surveys", "answer"];
        all.extend_from_slice(&args);
        let o = run_in(data, &all);
        assert_eq!(o.status.code(), Some(6), "{args:?}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["refusal"], refusal, "{args:?}");
    }
    // Answers that do not fit the question: exit 2, nothing queued, the answer not repeated.
    for args in [
        vec!["coffee", "--vote", "decaf"],
        vec!["coffee", "--stars", "3"],
        vec!["visit", "--vote", "arabica"],
    ] {
        let mut all = vec!["surveys", "answer"];
        all.extend_from_slice(&args);
        let o = run(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!stderr(&o).contains("decaf"));
    }
    fails(run(&["surveys", "answer", "visit", "--stars", "9"]), 2);
    fails(run(&["surveys", "answer", "visit"]), 2);
    let status = ok_json(run(&["--json", "sync", "status"]));
    assert_eq!(status["outbox"].as_array().unwrap().len(), 1);
}
