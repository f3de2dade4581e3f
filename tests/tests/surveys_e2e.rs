//! Surveys and votes end to end (issue #12 part 4): the retailer publishes the `surveys` feed on
//! the reference server (loopback); real devices sync it, answer offline (the satisfaction
//! survey once two purchases are kept, a vote for everyone), and the sync sends each answer once
//! through the outbox; the first answer of the member counts, the other device is told it was
//! already answered; the survey reminder ends once answered; answers never reach the log.

mod support;

use chrono::{Duration, Utc};
use loyalty_core::log::{set_sink, LogLevel, LogSink};
use loyalty_core::reminders::ReminderKind;
use loyalty_core::store::AnswerStatus;
use loyalty_core::survey::{SurveyAnswer, SurveyRefusal};
use loyalty_core::SurveyAnswered;
use serde_json::json;
use std::sync::{Arc, Mutex};
use support::{test_config, Device, Proxy, Server};

fn feed() -> serde_json::Value {
    let now = Utc::now();
    let text = |s: &str| json!({"nl": format!("{s} (nl)"), "fr": format!("{s} (fr)"), "en": s});
    json!({"surveys": [
        {"id": "visit", "kind": {"type": "rating"}, "question": text("How was your visit?"),
         "audience": "second_purchase",
         "opens_at": now - Duration::days(1), "closes_at": now + Duration::days(30)},
        {"id": "coffee", "kind": {"type": "vote", "options": [
            {"id": "arabica", "label": text("Arabica"), "gtin": "5410000000019"},
            {"id": "espresso", "label": text("Espresso")}]},
         "question": text("Which coffee should we stock?"), "audience": "everyone",
         "opens_at": now - Duration::days(1), "closes_at": now + Duration::days(30)}
    ]})
}

/// The core's log lines (the sink is process-wide: only this test in this binary installs one).
struct Captured(Mutex<Vec<String>>);
impl LogSink for Captured {
    fn log(&self, _level: LogLevel, target: &str, message: &str) {
        self.0.lock().unwrap().push(format!("{target}: {message}"));
    }
}

/// A purchase `days_ago`, imported into the member's history and credited.
async fn bought(server: &Server, member: &str, id: &str, days_ago: i64) {
    let mut receipt = support::receipt_json(id, 1299);
    receipt["purchased_at"] = json!(Utc::now() - Duration::days(days_ago));
    server
        .admin(
            &format!("/v1/admin/members/{member}/receipts"),
            &json!({ "receipt": receipt, "credit_points": true }),
        )
        .await;
}

fn queued(a: SurveyAnswered) -> loyalty_core::store::StoredSurveyAnswer {
    match a {
        SurveyAnswered::Queued(a) => a,
        other => panic!("expected a queued answer, got {other:?}"),
    }
}

fn survey_reminders(device: &Device) -> usize {
    device
        .client
        .reminders()
        .plan()
        .unwrap()
        .items
        .iter()
        .filter(|n| n.kind == ReminderKind::Survey)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_go_once_per_member_and_survey_and_the_reminder_ends() {
    let logs = Arc::new(Captured(Mutex::new(Vec::new())));
    set_sink(Some(logs.clone()), LogLevel::Debug);
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path().join("server")).await;
    let proxy = Proxy::start(server.addr).await;
    server.publish_content("surveys", &feed()).await;

    let phone = Device::new(test_config());
    phone
        .client
        .sync()
        .enrol(proxy.base_url(), Some("Ann".into()))
        .await
        .unwrap();
    let member = phone.member_id();
    let code = phone.client.sync().household_code().unwrap().unwrap();
    let tablet = Device::new(test_config());
    tablet
        .client
        .sync()
        .join_household(proxy.base_url(), code)
        .await
        .unwrap();
    // The survey reminder of the rule set, with the consent it needs.
    for d in [&phone, &tablet] {
        d.client
            .reminders()
            .set_rules_json(
                r#"{"version": 1, "rules": [
                    {"id": "survey", "kind": "survey", "delay_hours": 0, "valid_days": 30}]}"#,
            )
            .unwrap();
        let mut settings = d.client.reminders().settings().unwrap();
        settings.consent.marketing = true;
        settings.consent.service = true;
        settings.quiet_hours = None;
        d.client.reminders().set_settings(settings).unwrap();
    }

    // One purchase: only the vote asks; the satisfaction survey is refused offline.
    bought(&server, &member, "r_1", 5).await;
    phone.client.sync().sync_now().await.unwrap();
    let surveys = phone.client.surveys();
    let ids: Vec<String> = surveys
        .list()
        .unwrap()
        .into_iter()
        .map(|i| i.survey.id)
        .collect();
    assert_eq!(ids, ["coffee"]);
    assert_eq!(
        surveys
            .answer("visit", SurveyAnswer::Rating { stars: 5 })
            .unwrap(),
        SurveyAnswered::Refused(SurveyRefusal::NotEligible)
    );

    // A second purchase: the satisfaction survey asks, and its reminder is planned.
    bought(&server, &member, "r_2", 1).await;
    for d in [&phone, &tablet] {
        d.client.sync().sync_now().await.unwrap();
        assert_eq!(d.client.surveys().list().unwrap().len(), 2);
        assert_eq!(survey_reminders(d), 1);
    }

    // Both devices answer offline, differently; each shows its answer at once.
    let on_phone = queued(
        surveys
            .answer("visit", SurveyAnswer::Rating { stars: 4 })
            .unwrap(),
    );
    assert_eq!(on_phone.status, AnswerStatus::Pending);
    queued(
        tablet
            .client
            .surveys()
            .answer("visit", SurveyAnswer::Rating { stars: 2 })
            .unwrap(),
    );
    queued(
        surveys
            .answer(
                "coffee",
                SurveyAnswer::Vote {
                    option: "espresso".into(),
                },
            )
            .unwrap(),
    );
    // Answered here: the reminder ends at once, offline; twice is refused, nothing queued.
    assert_eq!(survey_reminders(&phone), 0);
    assert_eq!(
        surveys
            .answer("visit", SurveyAnswer::Rating { stars: 1 })
            .unwrap(),
        SurveyAnswered::Refused(SurveyRefusal::AlreadyAnswered)
    );
    assert_eq!(phone.client.sync().outbox().unwrap().len(), 2);

    // The phone syncs first: both its answers count, in one batch.
    let report = phone.client.sync().sync_now().await.unwrap();
    assert_eq!(report.outbox_resolved, 2, "{report:?}");
    assert!(phone.client.sync().outbox().unwrap().is_empty());
    assert!(surveys
        .answers()
        .unwrap()
        .iter()
        .all(|a| a.status == AnswerStatus::Counted));
    // The tablet's different answer comes second: not counted, told why; its reminder ends too.
    tablet.client.sync().sync_now().await.unwrap();
    let on_tablet = tablet.client.surveys().answers().unwrap();
    assert_eq!(on_tablet[0].status, AnswerStatus::Refused);
    assert_eq!(on_tablet[0].refusal, Some(SurveyRefusal::AlreadyAnswered));
    assert_eq!(survey_reminders(&tablet), 0);
    assert!(tablet.client.sync().outbox().unwrap().is_empty());

    // The retailer sees counts, the first answers only.
    let results = server.admin_get("/v1/admin/surveys/visit/results").await;
    assert_eq!(results["answers"], 1, "{results}");
    assert_eq!(results["ratings"]["4"], 1);
    let votes = server.admin_get("/v1/admin/surveys/coffee/results").await;
    assert_eq!(votes["votes"]["espresso"], 1);

    // No answer in any log line.
    set_sink(None, LogLevel::Info);
    let lines = logs.0.lock().unwrap();
    assert!(lines.iter().any(|l| l.contains("survey answer was queued")));
    for l in lines.iter() {
        assert!(!l.contains("espresso") && !l.contains("stars"), "{l}");
    }
}
