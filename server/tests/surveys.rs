//! Surveys and votes (issue #12 part 4) over real HTTP against a real server and SQLite
//! database: the `surveys` feed published and checked, answers given once (the first counts),
//! refused with their reason, in a batch and alone, counted for the back office without naming
//! anyone, exported and erased with the account.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use serde_json::{json, Value};

const RATING: &str = "visit-2026";
const VOTE: &str = "best-coffee";

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fn text(s: &str) -> Value {
    json!({"nl": format!("{s} (nl)"), "fr": format!("{s} (fr)"), "en": format!("{s} (en)")})
}

fn rating_survey() -> Value {
    json!({
        "id": RATING,
        "kind": {"type": "rating"},
        "question": text("How was your visit?"),
        "audience": "second_purchase",
        "opens_at": at(2026, 2, 1).to_rfc3339(),
        "closes_at": at(2026, 12, 1).to_rfc3339(),
    })
}

/// Opens the day after [`t0`], closes 9 days later.
fn vote_survey() -> Value {
    json!({
        "id": VOTE,
        "kind": {"type": "vote", "options": [
            {"id": "arabica", "label": text("Arabica"), "gtin": "4006381333931"},
            {"id": "espresso", "label": text("Espresso")},
            {"id": "decaf", "label": text("Decaf")}
        ]},
        "question": text("Which coffee should we stock?"),
        "audience": "everyone",
        "opens_at": at(2026, 3, 2).to_rfc3339(),
        "closes_at": at(2026, 3, 10).to_rfc3339(),
    })
}

fn feed() -> Value {
    json!({"surveys": [rating_survey(), vote_survey()]})
}

async fn publish(s: &TestServer, body: Value) -> Resp {
    s.admin("PUT", "/v1/admin/content/surveys", body).await
}

async fn published(s: &TestServer) {
    let r = publish(s, feed()).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

fn answer_path(survey: &str) -> String {
    format!("/v1/surveys/{survey}/answer")
}

async fn answer(s: &TestServer, token: &str, survey: &str, key: &str, answer: Value) -> Resp {
    s.post(
        &answer_path(survey),
        token,
        key,
        json!({"survey_id": survey, "answer": answer}),
    )
    .await
}

fn stars(n: u8) -> Value {
    json!({"type": "rating", "stars": n})
}

fn vote(option: &str) -> Value {
    json!({"type": "vote", "option": option})
}

/// A till purchase with the member's card: one more receipt in the server's history.
async fn buy(s: &TestServer, m: &Member) {
    let body = json!({"card": m.card, "store_name": "Gent Zuid", "lines": [line("Bread", 1, 250)]});
    let r = s.post("/v1/till/purchases", TILL, &key(), body).await;
    assert_eq!(r.status, 201, "{}", r.text());
}

async fn results(s: &TestServer, survey: &str) -> Resp {
    s.call(
        "GET",
        &format!("/v1/admin/surveys/{survey}/results"),
        Some(TILL),
        None,
        None,
    )
    .await
}

fn assert_refused(r: &Resp, refusal: &str) {
    r.assert_error(422, "refused");
    assert_eq!(r.json()["refusal"], refusal, "{}", r.text());
}

#[tokio::test]
async fn a_surveys_feed_is_checked_when_published_and_a_bad_one_publishes_nothing() {
    let s = TestServer::start().await;
    // Not even published yet: nothing can be answered.
    let m = s.enrol(None).await;
    assert_refused(
        &answer(&s, &m.token, VOTE, &key(), vote("arabica")).await,
        "unknown",
    );
    let bad = |edit: &dyn Fn(&mut Value)| {
        let mut f = feed();
        edit(&mut f);
        f
    };
    for (body, rule) in [
        (bad(&|f| f["surveys"][1]["id"] = json!(RATING)), "unique"),
        (
            bad(&|f| f["surveys"][0]["closes_at"] = json!(at(2026, 1, 1).to_rfc3339())),
            "closes after it opens",
        ),
        (
            bad(&|f| f["surveys"][0]["question"]["fr"] = json!(" ")),
            "(fr)",
        ),
        (
            bad(&|f| f["surveys"][1]["kind"]["options"][2]["gtin"] = json!("4006381333932")),
            "",
        ),
        (bad(&|f| f["extra"] = json!(1)), "not valid"),
        (json!([1, 2, 3]), "not valid"),
    ] {
        let r = publish(&s, body).await;
        r.assert_error(400, "invalid_input");
        let reason = r.json()["reason"].as_str().unwrap().to_string();
        assert!(reason.contains(rule), "{reason} names {rule}");
        let current = s.call("GET", "/v1/content/surveys", None, None, None).await;
        assert_eq!(
            current.json(),
            json!({"kind": "surveys", "version": 0, "body": null})
        );
    }
    let r = publish(&s, feed()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["version"], 1);
    // A bad one later leaves the current version as it was.
    publish(&s, json!({"surveys": [{"id": "x"}]}))
        .await
        .assert_error(400, "invalid_input");
    let current = s.call("GET", "/v1/content/surveys", None, None, None).await;
    assert_eq!(current.json()["version"], 1);
    assert_eq!(current.json()["body"], feed());
    // Other feeds take any JSON, as before.
    let r = s
        .admin("PUT", "/v1/admin/content/recipes", json!({"anything": [1]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn a_broken_surveys_file_stops_the_start_with_nothing_published() {
    let dir = tempfile::tempdir().unwrap();
    let content = tempfile::tempdir().unwrap();
    std::fs::write(content.path().join("recipes.json"), r#"{"recipes": []}"#).unwrap();
    let mut broken = feed();
    broken["surveys"][1]["id"] = json!(RATING);
    std::fs::write(content.path().join("surveys.json"), broken.to_string()).unwrap();
    let clock = std::sync::Arc::new(loyalty_domain::ManualClock::new(t0()));
    let mut c = config(dir.path(), &clock);
    c.content_dir = Some(content.path().to_path_buf());
    let err = loyalty_server::start(c.clone()).await.unwrap_err();
    assert!(
        err.to_string().contains("surveys.json") && err.to_string().contains("unique"),
        "{err}"
    );
    let conn = rusqlite::Connection::open_with_flags(
        dir.path().join(loyalty_server::DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let feeds: i64 = conn
        .query_row("SELECT count(*) FROM content", [], |r| r.get(0))
        .unwrap();
    assert_eq!(feeds, 0, "not even the good recipes.json is published");
    drop(conn);
    // Fixed: both are published at start.
    std::fs::write(content.path().join("surveys.json"), feed().to_string()).unwrap();
    let server = loyalty_server::start(c).await.unwrap();
    for kind in ["recipes", "surveys"] {
        let r = request(
            server.addr,
            "GET",
            &format!("/v1/content/{kind}"),
            &[],
            None,
        )
        .await;
        assert_eq!(r.json()["version"], 1, "{kind}: {}", r.text());
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_rating_after_the_second_purchase_is_stored_once_and_the_first_answer_counts() {
    let s = TestServer::start().await;
    published(&s).await;
    let m = s.enrol(None).await;
    buy(&s, &m).await;
    // One purchase: the survey after the second one does not ask this member yet.
    assert_refused(
        &answer(&s, &m.token, RATING, &key(), stars(4)).await,
        "not_eligible",
    );
    buy(&s, &m).await;
    let k = key();
    let first = answer(&s, &m.token, RATING, &k, stars(4)).await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.header("cache-control"), Some("no-store"));
    assert_eq!(
        first.json(),
        json!({"survey_id": RATING, "answer": {"type": "rating", "stars": 4},
               "answered_at": "2026-03-01T09:00:00Z"})
    );

    // The household's other phone sends the same answer later, with its own key: the stored one.
    s.clock.advance(Duration::hours(2));
    let phone2 = s.second_device(&m).await;
    let same = answer(&s, &phone2, RATING, &key(), stars(4)).await;
    assert_eq!(same.status, 200, "{}", same.text());
    assert_eq!(same.json(), first.json());
    assert_eq!(same.header("idempotent-replayed"), None);
    // Another answer: refused, the first counts.
    let other = answer(&s, &phone2, RATING, &key(), stars(2)).await;
    assert_refused(&other, "already_answered");
    assert!(!other.text().contains("stars"), "{}", other.text());
    // The first key again: its first answer, byte for byte; with another body: a conflict.
    let replay = answer(&s, &m.token, RATING, &k, stars(4)).await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    answer(&s, &m.token, RATING, &k, stars(5))
        .await
        .assert_error(409, "conflict");

    let r = results(&s, RATING).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"survey_id": RATING, "answers": 1,
               "ratings": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
               "average_stars": 4.0, "votes": {}})
    );
}

#[tokio::test]
async fn a_vote_is_taken_only_while_its_survey_is_open() {
    let s = TestServer::start().await;
    published(&s).await;
    let early = s.enrol(None).await;
    let late = s.enrol(None).await;
    // Opens on 2 March; it is 1 March.
    assert_refused(
        &answer(&s, &early.token, VOTE, &key(), vote("espresso")).await,
        "not_open",
    );
    s.clock.set(at(2026, 3, 2));
    let r = answer(&s, &early.token, VOTE, &key(), vote("espresso")).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["answered_at"], "2026-03-02T00:00:00Z");
    // Closes on 10 March at midnight: from then on, closed.
    s.clock.set(at(2026, 3, 10));
    assert_refused(
        &answer(&s, &late.token, VOTE, &key(), vote("espresso")).await,
        "closed",
    );
    // The early voter's other phone, late: the same answer is still the stored one.
    let again = answer(&s, &early.token, VOTE, &key(), vote("espresso")).await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["answered_at"], "2026-03-02T00:00:00Z");
    // A survey the feed does not have.
    assert_refused(
        &answer(&s, &late.token, "no-such-survey", &key(), vote("espresso")).await,
        "unknown",
    );
}

#[tokio::test]
async fn malformed_answers_are_400_and_never_repeat_the_answer() {
    let s = TestServer::start().await;
    published(&s).await;
    s.clock.set(at(2026, 3, 3));
    let m = s.enrol(None).await;
    buy(&s, &m).await;
    buy(&s, &m).await;
    let secret = "Jane-Doe-prefers-this-one";
    for (survey, given) in [
        (RATING, stars(0)),
        (RATING, stars(6)),
        (RATING, json!({"type": "rating", "stars": 300})),
        (RATING, json!({"type": "rating", "stars": "four"})),
        (RATING, vote("arabica")),
        (VOTE, stars(4)),
        (VOTE, vote(secret)),
        (
            VOTE,
            json!({"type": "vote", "option": secret, "note": secret}),
        ),
        (VOTE, json!({"type": "poll", "option": secret})),
        (VOTE, json!({"type": "vote"})),
    ] {
        let r = answer(&s, &m.token, survey, &key(), given.clone()).await;
        r.assert_error(400, "invalid_input");
        assert!(!r.text().contains(secret), "{given}: {}", r.text());
        assert!(!r.text().contains("300"), "{given}: {}", r.text());
    }
    let path = answer_path(VOTE);
    // The body's survey must be the path's; no unknown fields; JSON; a key; a token.
    for body in [
        json!({"survey_id": RATING, "answer": vote("arabica")}),
        json!({"survey_id": VOTE, "answer": vote("arabica"), "extra": 1}),
        json!({"answer": vote("arabica")}),
    ] {
        s.post(&path, &m.token, &key(), body)
            .await
            .assert_error(400, "invalid_input");
    }
    let auth = format!("Bearer {}", m.token);
    let k = key();
    let raw = request(
        s.addr(),
        "POST",
        &path,
        &[("Authorization", &auth), ("Idempotency-Key", &k)],
        Some(b"{\"survey_id\": \"best-coffee\", \"answer\": {"),
    )
    .await;
    raw.assert_error(400, "invalid_input");
    let body = json!({"survey_id": VOTE, "answer": vote("arabica")});
    s.call("POST", &path, Some(&m.token), None, Some(&body))
        .await
        .assert_error(400, "invalid_input");
    s.call("POST", &path, None, Some(&key()), Some(&body))
        .await
        .assert_error(401, "unauthorized");
    s.post("/v1/surveys/a%20b/answer", &m.token, &key(), body.clone())
        .await
        .assert_error(400, "invalid_input");
    // Nothing was stored; a good answer still goes through.
    assert_eq!(results(&s, VOTE).await.json()["answers"], 0);
    let r = answer(&s, &m.token, VOTE, &key(), vote("arabica")).await;
    assert_eq!(r.status, 201, "{}", r.text());
}

#[tokio::test]
async fn survey_answers_in_a_batch_are_answered_each_on_its_own_and_replay_alone() {
    let s = TestServer::start().await;
    published(&s).await;
    s.clock.set(at(2026, 3, 3));
    let m = s.enrol(None).await;
    let (good, refused) = (key(), key());
    let good_body = json!({"survey_id": VOTE, "answer": vote("decaf")});
    let r = s
        .call(
            "POST",
            "/v1/batch",
            Some(&m.token),
            None,
            Some(&json!({"items": [
                {"kind": "survey_answer", "idempotency_key": good, "body": good_body},
                // No purchase yet: not asked.
                {"kind": "survey_answer", "idempotency_key": refused,
                 "body": {"survey_id": RATING, "answer": stars(5)}},
                {"kind": "survey_answer", "body": {"survey_id": VOTE, "answer": vote("arabica")}},
            ]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let items = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["status"], 201, "{}", items[0]);
    assert_eq!(items[0]["idempotency_key"], good.as_str());
    assert_eq!(items[0]["replayed"], false);
    assert_eq!(
        items[0]["body"],
        json!({"survey_id": VOTE, "answer": {"type": "vote", "option": "decaf"},
               "answered_at": "2026-03-03T00:00:00Z"})
    );
    assert_eq!(items[1]["status"], 422, "{}", items[1]);
    assert_eq!(items[1]["body"]["error"], "refused");
    assert_eq!(items[1]["body"]["refusal"], "not_eligible");
    assert_eq!(items[2]["status"], 400, "a survey answer needs its key");
    // The batch item's key replays alone with its first answer, and in a batch again too.
    let alone = s
        .post(&answer_path(VOTE), &m.token, &good, good_body.clone())
        .await;
    assert_eq!(alone.status, 201);
    assert_eq!(alone.header("idempotent-replayed"), Some("true"));
    assert_eq!(alone.json(), items[0]["body"]);
    // A single answer's key replays in a batch.
    buy(&s, &m).await;
    buy(&s, &m).await;
    let k = key();
    let single = answer(&s, &m.token, RATING, &k, stars(3)).await;
    assert_eq!(single.status, 201, "{}", single.text());
    s.clock.advance(Duration::hours(1));
    let r = s
        .call(
            "POST",
            "/v1/batch",
            Some(&m.token),
            None,
            Some(&json!({"items": [
                {"kind": "survey_answer", "idempotency_key": k,
                 "body": {"survey_id": RATING, "answer": stars(3)}},
                {"kind": "survey_answer", "idempotency_key": key(),
                 "body": {"survey_id": VOTE, "answer": vote("espresso")}},
                {"kind": "survey_answer", "idempotency_key": key(),
                 "body": {"survey_id": RATING, "answer": stars(9)}},
            ]})),
        )
        .await;
    let items = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(items[0]["status"], 201);
    assert_eq!(items[0]["replayed"], true);
    assert_eq!(items[0]["body"], single.json());
    assert_eq!(items[1]["status"], 422);
    assert_eq!(items[1]["body"]["refusal"], "already_answered");
    assert_eq!(items[2]["status"], 400);
    assert_eq!(items[2]["body"]["error"], "invalid_input");
}

#[tokio::test]
async fn results_count_without_naming_anyone_and_an_erased_account_is_no_longer_counted() {
    let s = TestServer::start().await;
    published(&s).await;
    s.clock.set(at(2026, 3, 3));
    let mut members = Vec::new();
    for (option, rating) in [("arabica", 5), ("arabica", 4), ("espresso", 4)] {
        let m = s.enrol(Some("Household Janssens")).await;
        buy(&s, &m).await;
        buy(&s, &m).await;
        let r = answer(&s, &m.token, VOTE, &key(), vote(option)).await;
        assert_eq!(r.status, 201, "{}", r.text());
        s.clock.advance(Duration::minutes(1));
        let r = answer(&s, &m.token, RATING, &key(), stars(rating)).await;
        assert_eq!(r.status, 201, "{}", r.text());
        members.push(m);
    }
    let votes = results(&s, VOTE).await;
    assert_eq!(votes.status, 200, "{}", votes.text());
    assert_eq!(
        votes.json(),
        json!({"survey_id": VOTE, "answers": 3,
               "ratings": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
               "average_stars": null,
               "votes": {"arabica": 2, "espresso": 1, "decaf": 0}})
    );
    let ratings = results(&s, RATING).await;
    assert_eq!(
        ratings.json(),
        json!({"survey_id": RATING, "answers": 3,
               "ratings": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1},
               "average_stars": 4.33, "votes": {}})
    );
    for r in [&votes, &ratings] {
        for m in &members {
            assert!(!r.text().contains(&m.id) && !r.text().contains(&m.card));
        }
        assert!(!r.text().contains("Janssens"));
    }
    // The back office only; unknown and never answered: 404.
    s.get(
        &format!("/v1/admin/surveys/{VOTE}/results"),
        &members[0].token,
    )
    .await
    .assert_error(401, "unauthorized");
    results(&s, "no-such-survey")
        .await
        .assert_error(404, "not_found");

    // The first member's export lists their answers, oldest first.
    let first = &members[0];
    let export = s.get("/v1/me/export", &first.token).await;
    assert_eq!(export.status, 200, "{}", export.text());
    assert_eq!(
        export.json()["survey_answers"],
        json!([
            {"survey_id": VOTE, "answer": {"type": "vote", "option": "arabica"},
             "answered_at": "2026-03-03T00:00:00Z"},
            {"survey_id": RATING, "answer": {"type": "rating", "stars": 5},
             "answered_at": "2026-03-03T00:01:00Z"}
        ])
    );
    // Erased: their answers go with the account, and the counts drop.
    let erased = s
        .call("DELETE", "/v1/me", Some(&first.token), None, None)
        .await;
    assert_eq!(erased.status, 200, "{}", erased.text());
    assert_eq!(results(&s, VOTE).await.json()["votes"]["arabica"], 1);
    let ratings = results(&s, RATING).await.json();
    assert_eq!(ratings["answers"], 2);
    assert_eq!(ratings["ratings"]["5"], 0);
    assert_eq!(ratings["average_stars"], 4.0);

    // The vote leaves the feed: its counts are still there (only options answered), and it
    // takes no more answers.
    let r = publish(&s, json!({"surveys": [rating_survey()]})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        results(&s, VOTE).await.json(),
        json!({"survey_id": VOTE, "answers": 2,
               "ratings": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
               "average_stars": null, "votes": {"arabica": 1, "espresso": 1}})
    );
    let newcomer = s.enrol(None).await;
    assert_refused(
        &answer(&s, &newcomer.token, VOTE, &key(), vote("arabica")).await,
        "unknown",
    );
    // A member who voted before: the same vote is still theirs, another is already answered.
    let second = &members[1];
    let same = answer(&s, &second.token, VOTE, &key(), vote("arabica")).await;
    assert_eq!(same.status, 200, "{}", same.text());
    assert_refused(
        &answer(&s, &second.token, VOTE, &key(), vote("decaf")).await,
        "already_answered",
    );
}
