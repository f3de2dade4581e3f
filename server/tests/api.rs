//! The API over real HTTP against a real server on 127.0.0.1:0 with a real SQLite database.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use loyalty_domain::card::{
    hex_decode, parse_public_key_hex, rotating_code, verify_voucher_code, TotpParams,
};
use loyalty_domain::receipts::{validate_gtin, Receipt};
use loyalty_domain::wallet::VoucherKind;
use serde_json::{json, Value};

// ---- enrolment and sessions ----------------------------------------------------------------------

#[tokio::test]
async fn enrolment_and_a_second_device_share_one_member() {
    let s = TestServer::start().await;
    let m = s.enrol(Some("Household Peeters")).await;
    assert!(m.id.starts_with("m_"));
    assert_eq!(m.card.len(), 13);
    validate_gtin(&m.card).expect("the card number is a valid EAN-13");
    assert_eq!(m.token.len(), 64);
    assert!(m.token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        m.household.len(),
        19,
        "four groups of four: {}",
        m.household
    );

    let me = s.get("/v1/me", &m.token).await;
    assert_eq!(me.status, 200);
    let me = me.json();
    assert_eq!(me["member_id"], m.id.as_str());
    assert_eq!(me["card_number"], m.card.as_str());
    assert_eq!(me["display_name"], "Household Peeters");
    assert_eq!(
        me["consents"],
        json!({"marketing": false, "service": true, "safety": true})
    );
    assert_eq!(me["push_tokens"], 0);

    // The household code typed on another phone: lower case, spaces instead of dashes.
    let typed = m.household.to_lowercase().replace('-', " ");
    let r = s
        .call(
            "POST",
            "/v1/sessions",
            None,
            None,
            Some(&json!({ "household_code": typed })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let second = r.json();
    assert_eq!(second["member_id"], m.id.as_str());
    assert_eq!(second["card_number"], m.card.as_str());
    let token2 = second["token"].as_str().unwrap();
    assert_ne!(token2, m.token);
    let me2 = s.get("/v1/me", token2).await.json();
    assert_eq!(me2["member_id"], m.id.as_str());

    // Same ledger and vouchers from both devices.
    s.issue_voucher(&m.id, "Welcome").await;
    let (a, _, _) = s.drain("vouchers", &m.token, None, 10).await;
    let (b, _, _) = s.drain("vouchers", token2, None, 10).await;
    assert_eq!(a.len(), 1);
    assert_eq!(a, b);

    // A second member is someone else.
    let other = s.enrol(None).await;
    assert_ne!(other.card, m.card);
    assert_ne!(other.id, m.id);
    assert_eq!(
        s.get("/v1/me", &other.token).await.json()["display_name"],
        Value::Null
    );
    let (none, _, _) = s.drain("vouchers", &other.token, None, 10).await;
    assert!(none.is_empty());

    // Wrong and malformed household codes.
    let wrong = s
        .call(
            "POST",
            "/v1/sessions",
            None,
            None,
            Some(&json!({"household_code": "0000-0000-0000-0000"})),
        )
        .await;
    wrong.assert_error(401, "unauthorized");
    let malformed = s
        .call(
            "POST",
            "/v1/sessions",
            None,
            None,
            Some(&json!({"household_code": "abc"})),
        )
        .await;
    malformed.assert_error(400, "invalid_input");

    // A new household code replaces the old one; signed-in devices stay signed in.
    let r = s
        .call("POST", "/v1/me/household-code", Some(&m.token), None, None)
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let new_code = r.json()["household_code"].as_str().unwrap().to_string();
    assert_ne!(new_code, m.household);
    s.call(
        "POST",
        "/v1/sessions",
        None,
        None,
        Some(&json!({ "household_code": m.household })),
    )
    .await
    .assert_error(401, "unauthorized");
    let third = s
        .call(
            "POST",
            "/v1/sessions",
            None,
            None,
            Some(&json!({ "household_code": new_code })),
        )
        .await;
    assert_eq!(third.status, 201);
    assert_eq!(third.json()["member_id"], m.id.as_str());
    assert_eq!(s.get("/v1/me", token2).await.status, 200);

    // Signing out one device leaves the other signed in.
    let out = s
        .call("DELETE", "/v1/sessions/current", Some(token2), None, None)
        .await;
    assert_eq!(out.status, 204);
    s.get("/v1/me", token2)
        .await
        .assert_error(401, "unauthorized");
    assert_eq!(s.get("/v1/me", &m.token).await.status, 200);
}

/// `POST /v1/members` with an optional Idempotency-Key; returns the answer.
async fn enrol_with_key(s: &TestServer, key: Option<&str>, body: Value) -> Resp {
    s.call("POST", "/v1/members", None, key, Some(&body)).await
}

/// Rows of a table, read from the server's database file (read-only, beside the running server).
fn count_rows(s: &TestServer, table: &str) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(
        s.data_dir().join(loyalty_server::DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

async fn sign_in_with(s: &TestServer, household_code: &str) -> Resp {
    s.call(
        "POST",
        "/v1/sessions",
        None,
        None,
        Some(&json!({ "household_code": household_code })),
    )
    .await
}

#[tokio::test]
async fn an_enrolment_retried_with_its_key_gets_the_same_member_with_new_credentials() {
    let s = TestServer::start().await;
    let k = key();
    let first = enrol_with_key(&s, Some(&k), json!({"display_name": "Ann"})).await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.header("cache-control"), Some("no-store"));
    let first = first.json();
    // The retry (the first answer was lost): same body, keys in another order and spacing.
    let again = request(
        s.addr(),
        "POST",
        "/v1/members",
        &[("Idempotency-Key", &k)],
        Some(b"{ \"display_name\" : \"Ann\" }"),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(
        again.header("idempotent-replayed"),
        None,
        "not a stored copy"
    );
    assert_eq!(again.header("cache-control"), Some("no-store"));
    let again = again.json();
    assert_eq!(again["member_id"], first["member_id"]);
    assert_eq!(again["card_number"], first["card_number"]);
    assert_ne!(again["token"], first["token"], "a new session");
    assert_ne!(again["household_code"], first["household_code"]);
    assert_eq!(count_rows(&s, "members"), 1);
    assert_eq!(count_rows(&s, "sessions"), 2);
    assert_eq!(count_rows(&s, "enrolment_keys"), 1);

    // Both tokens are sessions of that member.
    let member = first["member_id"].as_str().unwrap();
    for token in [&first["token"], &again["token"]] {
        let token = token.as_str().unwrap();
        let me = s.get("/v1/me", token).await;
        assert_eq!(me.status, 200, "{}", me.text());
        assert_eq!(me.json()["member_id"], member);
        assert_eq!(me.json()["display_name"], "Ann");
        let secret = s.get("/v1/me/card-secret", token).await;
        assert_eq!(secret.status, 200);
        assert_eq!(secret.json()["card_number"], first["card_number"]);
    }
    // The household code was rotated: the new one signs a device in, the old one no longer.
    sign_in_with(&s, first["household_code"].as_str().unwrap())
        .await
        .assert_error(401, "unauthorized");
    let joined = sign_in_with(&s, again["household_code"].as_str().unwrap()).await;
    assert_eq!(joined.status, 201, "{}", joined.text());
    assert_eq!(joined.json()["member_id"], member);

    // A third attempt just under 24 hours later: still the same member, rotated again.
    s.clock.advance(Duration::hours(24) - Duration::seconds(1));
    let third = enrol_with_key(&s, Some(&k), json!({"display_name": "Ann"})).await;
    assert_eq!(third.status, 200, "{}", third.text());
    let third = third.json();
    assert_eq!(third["member_id"], member);
    assert_ne!(third["household_code"], again["household_code"]);
    sign_in_with(&s, again["household_code"].as_str().unwrap())
        .await
        .assert_error(401, "unauthorized");
    assert_eq!(count_rows(&s, "members"), 1);

    // Neither the key nor a token or household code is stored in the clear.
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(s.data_dir()).unwrap() {
        stored.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let contains = |needle: &str| stored.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(!stored.is_empty());
    assert!(
        contains(member),
        "the member id is there (the search works)"
    );
    assert!(!contains(&k), "the key is stored in the clear");
    let key_hash: String = {
        use sha2::Digest;
        sha2::Sha256::digest(k.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let conn = rusqlite::Connection::open_with_flags(
        s.data_dir().join(loyalty_server::DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let row: (String, String) = conn
        .query_row("SELECT key_hash, member_id FROM enrolment_keys", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(row, (key_hash, member.to_string()));
    for answer in [&first, &again, &third] {
        for field in ["token", "household_code"] {
            let v = answer[field].as_str().unwrap();
            assert!(!contains(v), "{field} stored in the clear");
            assert!(
                !contains(&v.replace('-', "")),
                "{field} stored in the clear"
            );
        }
    }
}

#[tokio::test]
async fn enrolments_without_a_key_a_reused_key_and_an_expired_key() {
    let s = TestServer::start().await;
    // Without a key every request is a new member.
    let a = enrol_with_key(&s, None, json!({"display_name": "Ann"})).await;
    let b = enrol_with_key(&s, None, json!({"display_name": "Ann"})).await;
    assert_eq!((a.status, b.status), (201, 201));
    assert_ne!(a.json()["member_id"], b.json()["member_id"]);
    assert_eq!(count_rows(&s, "members"), 2);
    assert_eq!(count_rows(&s, "enrolment_keys"), 0);

    // The same key for another display name (or none) is a conflict, and creates nothing.
    let k = key();
    let first = enrol_with_key(&s, Some(&k), json!({"display_name": "Ann"})).await;
    assert_eq!(first.status, 201);
    let first = first.json();
    let sessions = count_rows(&s, "sessions");
    for other in [
        json!({"display_name": "Bob"}),
        json!({"display_name": null}),
        json!({}),
    ] {
        let r = enrol_with_key(&s, Some(&k), other).await;
        r.assert_error(409, "conflict");
        assert!(!r.text().contains("Bob") && !r.text().contains(&k));
    }
    assert_eq!(count_rows(&s, "members"), 3);
    assert_eq!(count_rows(&s, "sessions"), sessions, "no session either");
    // The conflict did not rotate the household code.
    let joined = sign_in_with(&s, first["household_code"].as_str().unwrap()).await;
    assert_eq!(joined.status, 201);

    // Another key is another member.
    let other = enrol_with_key(&s, Some(&key()), json!({"display_name": "Ann"})).await;
    assert_eq!(other.status, 201);
    assert_ne!(other.json()["member_id"], first["member_id"]);
    assert_eq!(count_rows(&s, "members"), 4);

    // 24 hours on, the key is unknown: a new member, and the key names it from then on (the
    // display name no longer has to match).
    s.clock.advance(Duration::hours(24));
    let late = enrol_with_key(&s, Some(&k), json!({"display_name": "Bob"})).await;
    assert_eq!(late.status, 201, "{}", late.text());
    let late = late.json();
    assert_ne!(late["member_id"], first["member_id"]);
    assert_eq!(count_rows(&s, "members"), 5);
    assert_eq!(count_rows(&s, "enrolment_keys"), 2);
    let repeat = enrol_with_key(&s, Some(&k), json!({"display_name": "Bob"})).await;
    assert_eq!(repeat.status, 200, "{}", repeat.text());
    assert_eq!(repeat.json()["member_id"], late["member_id"]);
    enrol_with_key(&s, Some(&k), json!({"display_name": "Ann"}))
        .await
        .assert_error(409, "conflict");
    // The first member is untouched: its household code still works.
    let joined = sign_in_with(&s, first["household_code"].as_str().unwrap()).await;
    assert_eq!(joined.json()["member_id"], first["member_id"]);

    // Keys that are not 1 to 255 visible ASCII characters are refused before anything happens.
    let long = "k".repeat(256);
    for bad in ["has space", long.as_str()] {
        request(
            s.addr(),
            "POST",
            "/v1/members",
            &[("Idempotency-Key", bad)],
            Some(b"{}"),
        )
        .await
        .assert_error(400, "invalid_input");
    }
    assert_eq!(count_rows(&s, "members"), 5);
}

#[tokio::test]
async fn enrolment_keys_survive_a_restart() {
    let mut s = TestServer::start().await;
    let k = key();
    let first = enrol_with_key(&s, Some(&k), json!({})).await;
    assert_eq!(first.status, 201);
    s.restart().await;
    let again = enrol_with_key(&s, Some(&k), json!({})).await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["member_id"], first.json()["member_id"]);
    assert_eq!(count_rows(&s, "members"), 1);
}

#[tokio::test]
async fn card_secret_drives_codes_the_till_accepts() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let r = s.get("/v1/me/card-secret", &m.token).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let v = r.json();
    assert_eq!(v["card_number"], m.card.as_str());
    assert_eq!(
        v["totp"],
        json!({"algorithm": "SHA1", "digits": 8, "period_millis": 30000})
    );
    let secret = hex_decode(v["secret_hex"].as_str().unwrap()).unwrap();
    assert_eq!(secret.len(), 20, "SHA-1 secrets are 20 bytes");

    // A second device receives the same secret.
    let token2 = s.second_device(&m).await;
    assert_eq!(s.get("/v1/me/card-secret", &token2).await.json(), v);

    // Another member has another secret.
    let other = s.enrol(None).await;
    let v2 = s.get("/v1/me/card-secret", &other.token).await.json();
    assert_ne!(v2["secret_hex"], v["secret_hex"]);

    let code = rotating_code(&m.card, &secret, &TotpParams::default(), s.clock_now()).unwrap();
    let scan = s
        .call(
            "POST",
            "/v1/till/scans",
            Some(TILL),
            None,
            Some(&json!({"payload": code.payload})),
        )
        .await;
    assert_eq!(scan.status, 200, "{}", scan.text());
    assert_eq!(
        scan.json(),
        json!({"member_id": m.id, "card_number": m.card})
    );
}

// ---- deltas ----------------------------------------------------------------------------------------

#[tokio::test]
async fn deltas_page_with_cursors_and_show_changed_records_again() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let other = s.enrol(None).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            s.issue_voucher(&m.id, &format!("Voucher {i}")).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    s.issue_voucher(&other.id, "Not yours").await;

    // Pages of two: 2 + 2 + 1, has_more only on the first two.
    let p1 = s.get("/v1/vouchers?limit=2", &m.token).await.json();
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    assert_eq!(p1["has_more"], true);
    let c1 = p1["next_cursor"].as_str().unwrap();
    let p2 = s
        .get(&format!("/v1/vouchers?cursor={c1}&limit=2"), &m.token)
        .await
        .json();
    assert_eq!(p2["items"].as_array().unwrap().len(), 2);
    assert_eq!(p2["has_more"], true);
    let c2 = p2["next_cursor"].as_str().unwrap();
    let p3 = s
        .get(&format!("/v1/vouchers?cursor={c2}&limit=2"), &m.token)
        .await
        .json();
    assert_eq!(p3["items"].as_array().unwrap().len(), 1);
    assert_eq!(p3["has_more"], false);
    let end = p3["next_cursor"].as_str().unwrap().to_string();
    let seen: Vec<&str> = [&p1, &p2, &p3]
        .iter()
        .flat_map(|p| p["items"].as_array().unwrap())
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(seen, ids.iter().map(String::as_str).collect::<Vec<_>>());
    for item in p1["items"].as_array().unwrap() {
        assert_eq!(item["state"], "available");
        assert_eq!(item["redeemed_at"], Value::Null);
        assert!(item["code"].as_str().unwrap().starts_with("LCV1."));
        let kind: VoucherKind = serde_json::from_value(item["kind"].clone()).unwrap();
        assert!(matches!(kind, VoucherKind::AmountOff { .. }));
    }

    // Nothing new: an empty page, the cursor stays.
    let empty = s
        .get(&format!("/v1/vouchers?cursor={end}"), &m.token)
        .await
        .json();
    assert_eq!(empty["items"], json!([]));
    assert_eq!(empty["next_cursor"], end.as_str());
    assert_eq!(empty["has_more"], false);

    // A redeemed voucher comes again, with its new state (upsert).
    let r = s
        .post(
            "/v1/redemptions",
            &m.token,
            &key(),
            json!({"voucher_id": ids[1]}),
        )
        .await;
    assert_eq!(r.json()["outcome"], "accepted");
    let changed = s
        .get(&format!("/v1/vouchers?cursor={end}"), &m.token)
        .await
        .json();
    let items = changed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], ids[1].as_str());
    assert_eq!(items[0]["state"], "redeemed");
    assert_eq!(items[0]["redeemed_at"], "2026-03-01T09:00:00Z");

    // The ledger pages the same way, one entry at a time.
    for (points, desc) in [
        (100, "Welcome bonus"),
        (-30, "Correction"),
        (250, "Birthday"),
    ] {
        let r = s
            .admin(
                "POST",
                &format!("/v1/admin/members/{}/points", m.id),
                json!({"points": points, "description": desc}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(r.json()["kind"], "adjust");
    }
    let (ledger, cursor, pages) = s.drain("ledger", &m.token, None, 1).await;
    assert_eq!(ledger.len(), 3);
    assert_eq!(pages, 3, "the last page of one says has_more = false");
    assert_eq!(fold_ledger(&ledger).1, 320);
    assert!(ledger
        .iter()
        .all(|e| e["id"].as_str().unwrap().starts_with("l_")));
    assert_eq!(ledger[0]["at"], "2026-03-01T09:00:00Z");
    assert_eq!(ledger[0]["claim_key"], Value::Null);
    let (after, same_cursor, _) = s.drain("ledger", &m.token, Some(&cursor), 500).await;
    assert!(after.is_empty());
    assert_eq!(same_cursor, cursor);
    // The other member sees none of it.
    let (others, _, _) = s.drain("ledger", &other.token, None, 500).await;
    assert!(others.is_empty());
    let (other_vouchers, _, _) = s.drain("vouchers", &other.token, None, 500).await;
    assert_eq!(other_vouchers.len(), 1);

    // Bad paging parameters.
    for q in [
        "cursor=42",
        "cursor=c1.x",
        "limit=0",
        "limit=1001",
        "limit=many",
    ] {
        s.get(&format!("/v1/ledger?{q}"), &m.token)
            .await
            .assert_error(400, "invalid_input");
    }
    // limit = 1000 is allowed.
    assert_eq!(s.get("/v1/receipts?limit=1000", &m.token).await.status, 200);
}

#[tokio::test]
async fn cursors_carry_a_check_of_the_history_under_them() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let other = s.enrol(None).await;
    for i in 0..3 {
        s.issue_voucher(&m.id, &format!("Voucher {i}")).await;
        s.issue_voucher(&other.id, &format!("Theirs {i}")).await;
    }
    // An empty feed's cursor is the start; a page's cursor carries the check of its last change.
    let (_, start, _) = s.drain("ledger", &m.token, None, 10).await;
    assert_eq!(start, "c1.0");
    let (vouchers, cursor, _) = s.drain("vouchers", &m.token, None, 2).await;
    assert_eq!(vouchers.len(), 3);
    let (n, check) = cursor
        .strip_prefix("c1.")
        .and_then(|r| r.split_once('.'))
        .unwrap();
    assert_eq!(n, "3");
    assert!(check.len() == 12 && check.bytes().all(|b| b.is_ascii_hexdigit()));
    let (again, same, _) = s.drain("vouchers", &m.token, Some(&cursor), 10).await;
    assert!(again.is_empty());
    assert_eq!(same, cursor);
    // The form issued before checks is still accepted (a device that stored one).
    let (again, plain, _) = s.drain("vouchers", &m.token, Some("c1.3"), 10).await;
    assert!(again.is_empty());
    assert_eq!(plain, cursor, "answered with the checked form");
    let (from_one, _, _) = s.drain("vouchers", &m.token, Some("c1.1"), 10).await;
    assert_eq!(from_one.len(), 2);

    // A check that is not this history's: another check at the same number, the other member's
    // check for their own number 3, a number not given out yet. Refused like a foreign cursor.
    let (_, theirs, _) = s.drain("vouchers", &other.token, None, 10).await;
    let their_check = theirs.rsplit('.').next().unwrap();
    assert_ne!(their_check, check);
    let wrong = if check == "000000000000" {
        "000000000001"
    } else {
        "000000000000"
    };
    for bad in [
        format!("c1.3.{wrong}"),
        format!("c1.3.{their_check}"),
        format!("c1.4.{check}"),
        format!("c1.0.{check}"),
    ] {
        for feed in ["ledger", "vouchers", "receipts"] {
            s.get(&format!("/v1/{feed}?cursor={bad}"), &m.token)
                .await
                .assert_error(400, "invalid_input");
        }
    }
    // The same cursor works on every feed of the member (one change sequence).
    for feed in ["ledger", "receipts"] {
        assert_eq!(
            s.get(&format!("/v1/{feed}?cursor={cursor}"), &m.token)
                .await
                .status,
            200
        );
    }
}

// ---- redemptions and idempotency ---------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_devices_racing_redeem_a_voucher_exactly_once() {
    let s = std::sync::Arc::new(TestServer::start().await);
    let m = s.enrol(None).await;
    let token2 = s.second_device(&m).await;
    for round in 0..3 {
        let voucher = s.issue_voucher(&m.id, &format!("Race {round}")).await;
        let id = voucher["id"].as_str().unwrap().to_string();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let s = s.clone();
            let token = if i % 2 == 0 {
                m.token.clone()
            } else {
                token2.clone()
            };
            let id = id.clone();
            tasks.push(tokio::spawn(async move {
                s.post(
                    "/v1/redemptions",
                    &token,
                    &key(),
                    json!({ "voucher_id": id }),
                )
                .await
            }));
        }
        let mut accepted = 0;
        let mut already = 0;
        let mut times = std::collections::BTreeSet::new();
        for t in tasks {
            let r = t.await.unwrap();
            assert_eq!(r.status, 200, "{}", r.text());
            let v = r.json();
            match v["outcome"].as_str().unwrap() {
                "accepted" => accepted += 1,
                "already_redeemed" => already += 1,
                other => panic!("unexpected outcome {other}"),
            }
            times.insert(v["redeemed_at"].as_str().unwrap().to_string());
        }
        assert_eq!((accepted, already), (1, 7), "round {round}");
        assert_eq!(
            times.len(),
            1,
            "every device learns the one redemption time"
        );
        // Both devices' wallets show it redeemed.
        for token in [&m.token, &token2] {
            let (items, _, _) = s.drain("vouchers", token, None, 100).await;
            let v = items.iter().rev().find(|v| v["id"] == id.as_str()).unwrap();
            assert_eq!(v["state"], "redeemed");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idempotency_keys_replay_the_first_answer_and_refuse_a_different_body() {
    let s = std::sync::Arc::new(TestServer::start().await);
    let m = s.enrol(None).await;
    let v1 = s.issue_voucher(&m.id, "One").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v2 = s.issue_voucher(&m.id, "Two").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let k = key();
    let first = s
        .post("/v1/redemptions", &m.token, &k, json!({"voucher_id": v1}))
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["outcome"], "accepted");
    assert_eq!(first.header("idempotent-replayed"), None);

    // Later, same key, same request (other whitespace): the stored answer, byte for byte.
    s.clock.advance(Duration::minutes(5));
    let auth = format!("Bearer {}", m.token);
    let raw = format!("{{ \"voucher_id\" : \"{v1}\" }}");
    let replay = request(
        s.addr(),
        "POST",
        "/v1/redemptions",
        &[("Authorization", &auth), ("Idempotency-Key", &k)],
        Some(raw.as_bytes()),
    )
    .await;
    assert_eq!(replay.status, first.status);
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));

    // Same key, another body: 409.
    s.post("/v1/redemptions", &m.token, &k, json!({"voucher_id": v2}))
        .await
        .assert_error(409, "conflict");
    // Same key on another endpoint: 409 too (a key names one request).
    s.post(
        "/v1/claims",
        &m.token,
        &k,
        json!({"points": 1, "reference": "r_x", "earned_at": "2026-03-01T09:00:00Z"}),
    )
    .await
    .assert_error(409, "conflict");
    // v2 was not touched by the refused request.
    let (items, _, _) = s.drain("vouchers", &m.token, None, 100).await;
    let two = items.iter().rev().find(|v| v["id"] == v2.as_str()).unwrap();
    assert_eq!(two["state"], "available");

    // A fresh key for the redeemed voucher: already redeemed, at the first time.
    let again = s
        .post(
            "/v1/redemptions",
            &m.token,
            &key(),
            json!({"voucher_id": v1}),
        )
        .await
        .json();
    assert_eq!(again["outcome"], "already_redeemed");
    assert_eq!(again["redeemed_at"], first.json()["redeemed_at"]);

    // Keys belong to their member: another member's same key is another request.
    let other = s.enrol(None).await;
    let theirs = s
        .post(
            "/v1/redemptions",
            &other.token,
            &k,
            json!({"voucher_id": v1}),
        )
        .await
        .json();
    assert_eq!(theirs["outcome"], "rejected", "not their voucher");
    assert_eq!(theirs["reason"], "unknown voucher");

    // Missing or unusable keys.
    s.call(
        "POST",
        "/v1/redemptions",
        Some(&m.token),
        None,
        Some(&json!({"voucher_id": v2})),
    )
    .await
    .assert_error(400, "invalid_input");
    s.post(
        "/v1/redemptions",
        &m.token,
        "bad key",
        json!({"voucher_id": v2}),
    )
    .await
    .assert_error(400, "invalid_input");

    // The same new key sent by 6 racing requests: one execution, six identical answers.
    let k2 = key();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (s, token, k2, v2) = (s.clone(), m.token.clone(), k2.clone(), v2.clone());
        tasks.push(tokio::spawn(async move {
            s.post("/v1/redemptions", &token, &k2, json!({"voucher_id": v2}))
                .await
        }));
    }
    let mut bodies = std::collections::BTreeSet::new();
    let mut fresh = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 200);
        if r.header("idempotent-replayed").is_none() {
            fresh += 1;
        }
        bodies.insert(r.body.clone());
    }
    assert_eq!(fresh, 1, "executed once");
    assert_eq!(bodies.len(), 1, "identical answers");
    let body: Value = serde_json::from_slice(bodies.iter().next().unwrap()).unwrap();
    assert_eq!(body["outcome"], "accepted");
}

#[tokio::test]
async fn expired_revoked_and_unknown_vouchers_are_rejected() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let expiring = s.issue_voucher(&m.id, "Soon gone").await;
    let revoked = s.issue_voucher(&m.id, "Withdrawn").await;
    let r = s
        .call(
            "POST",
            &format!(
                "/v1/admin/members/{}/vouchers/{}/revoke",
                m.id,
                revoked["id"].as_str().unwrap()
            ),
            Some(TILL),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["state"], "revoked");

    let redeem = |id: &str| {
        let id = id.to_string();
        let s = &s;
        let token = m.token.clone();
        async move {
            s.post("/v1/redemptions", &token, &key(), json!({"voucher_id": id}))
                .await
                .json()
        }
    };
    let v = redeem(revoked["id"].as_str().unwrap()).await;
    assert_eq!(v["outcome"], "rejected");
    assert_eq!(v["redeemed_at"], Value::Null);
    assert!(v["reason"].as_str().unwrap().contains("revoked"));
    let v = redeem("v_does_not_exist").await;
    assert_eq!(v["outcome"], "rejected");
    s.clock.advance(Duration::days(31));
    // The bearer token has expired by now too (30 days): a device signed in afresh asks.
    let fresh_token = s.second_device(&m).await;
    let v = s
        .post(
            "/v1/redemptions",
            &fresh_token,
            &key(),
            json!({"voucher_id": expiring["id"].as_str().unwrap()}),
        )
        .await
        .json();
    assert_eq!(v["outcome"], "rejected");
    assert!(v["reason"].as_str().unwrap().contains("expired"));

    // A redeemed voucher cannot be revoked.
    s.clock.set(t0());
    let fresh = s.issue_voucher(&m.id, "Used").await;
    let fid = fresh["id"].as_str().unwrap();
    assert_eq!(redeem(fid).await["outcome"], "accepted");
    s.call(
        "POST",
        &format!("/v1/admin/members/{}/vouchers/{fid}/revoke", m.id),
        Some(TILL),
        None,
        None,
    )
    .await
    .assert_error(409, "conflict");
}

// ---- claims ------------------------------------------------------------------------------------------

async fn till_purchase(s: &TestServer, card: &str, lines: Value) -> Resp {
    s.call(
        "POST",
        "/v1/till/purchases",
        Some(TILL),
        Some(&key()),
        Some(&json!({"card": card, "store_name": "Store 12 Leuven", "lines": lines})),
    )
    .await
}

#[tokio::test]
async fn claims_confirm_points_once_and_never_double_count() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let token2 = s.second_device(&m).await;

    // The till posted the purchase (online): 12.34 EUR → 12 points, credited once.
    let p = till_purchase(&s, &m.card, json!([line("Bread", 2, 617)])).await;
    assert_eq!(p.status, 201, "{}", p.text());
    let p = p.json();
    assert_eq!(p["points_earned"], 12);
    let receipt_id = p["receipt"]["id"].as_str().unwrap().to_string();
    let credit_id = p["ledger_id"].as_str().unwrap().to_string();
    let (ledger, cursor, _) = s.drain("ledger", &m.token, None, 100).await;
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["claim_key"], Value::Null);
    assert_eq!(ledger[0]["reference"], receipt_id.as_str());

    // The phone had recorded the same 12 points offline, as pending; its claim confirms the
    // existing credit instead of adding one.
    let k1 = key();
    let claim = json!({"points": 12, "reference": receipt_id, "earned_at": "2026-03-01T09:00:00Z"});
    let c = s.post("/v1/claims", &m.token, &k1, claim.clone()).await;
    assert_eq!(c.status, 200, "{}", c.text());
    assert_eq!(
        c.json(),
        json!({"outcome": "confirmed", "ledger_id": credit_id, "reason": null})
    );
    // The entry comes again in the delta, now carrying the claim's key.
    let (changed, _, _) = s.drain("ledger", &m.token, Some(&cursor), 100).await;
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0]["id"], credit_id.as_str());
    assert_eq!(changed[0]["claim_key"], k1.as_str());
    assert_eq!(changed[0]["points"], 12);

    // A retry of the claim: the same answer, still one entry.
    let replay = s.post("/v1/claims", &m.token, &k1, claim.clone()).await;
    assert_eq!(replay.body, c.body);
    // The other device claims the same purchase with its own key: rejected, nothing added.
    let c2 = s
        .post("/v1/claims", &token2, &key(), claim.clone())
        .await
        .json();
    assert_eq!(c2["outcome"], "rejected");
    assert_eq!(c2["ledger_id"], Value::Null);
    // Wrong points, unknown receipt, another member's receipt, a time far ahead: rejected.
    let wrong_points =
        json!({"points": 13, "reference": receipt_id, "earned_at": "2026-03-01T09:00:00Z"});
    assert_eq!(
        s.post("/v1/claims", &m.token, &key(), wrong_points)
            .await
            .json()["outcome"],
        "rejected"
    );
    let unknown = json!({"points": 12, "reference": "r_nope", "earned_at": "2026-03-01T09:00:00Z"});
    assert_eq!(
        s.post("/v1/claims", &m.token, &key(), unknown).await.json()["outcome"],
        "rejected"
    );
    let other = s.enrol(None).await;
    assert_eq!(
        s.post("/v1/claims", &other.token, &key(), claim.clone())
            .await
            .json()["outcome"],
        "rejected"
    );
    let (all, _, _) = s.drain("ledger", &m.token, None, 100).await;
    let (entries, balance) = fold_ledger(&all);
    assert_eq!(entries.len(), 1);
    assert_eq!(balance, 12);

    // A receipt in the history that was not credited yet (imported, e.g. from the web shop):
    // the claim creates the one entry, dated at the purchase.
    let bought = t0() - Duration::days(2);
    let receipt = json!({
        "id": "web-order-77",
        "store_name": "Web shop",
        "purchased_at": bought.to_rfc3339(),
        "lines": [line("Dog food 12 kg", 1, 4599)],
        "source": "server",
        "return_window_days": 30
    });
    let imp = s
        .admin(
            "POST",
            &format!("/v1/admin/members/{}/receipts", m.id),
            json!({"receipt": receipt}),
        )
        .await;
    assert_eq!(imp.status, 201, "{}", imp.text());
    assert_eq!(imp.json()["points_earned"], 0);
    assert_eq!(imp.json()["ledger_id"], Value::Null);
    let k3 = key();
    let web_claim =
        json!({"points": 45, "reference": "web-order-77", "earned_at": bought.to_rfc3339()});
    let c3 = s
        .post("/v1/claims", &token2, &k3, web_claim.clone())
        .await
        .json();
    assert_eq!(c3["outcome"], "confirmed");
    let c3_again = s
        .post("/v1/claims", &token2, &k3, web_claim.clone())
        .await
        .json();
    assert_eq!(c3_again, c3);
    assert_eq!(
        s.post("/v1/claims", &m.token, &key(), web_claim)
            .await
            .json()["outcome"],
        "rejected"
    );
    let (all, _, _) = s.drain("ledger", &m.token, None, 100).await;
    let (entries, balance) = fold_ledger(&all);
    assert_eq!(entries.len(), 2);
    assert_eq!(balance, 57);
    let web = &entries[c3["ledger_id"].as_str().unwrap()];
    assert_eq!(web["claim_key"], k3.as_str());
    assert_eq!(web["kind"], "earn");
    assert_eq!(web["at"], "2026-02-27T09:00:00Z");

    // Bad claims are input errors.
    for bad in [
        json!({"points": 0, "reference": "x", "earned_at": "2026-03-01T09:00:00Z"}),
        json!({"points": -5, "reference": "x", "earned_at": "2026-03-01T09:00:00Z"}),
        json!({"points": 5, "reference": "", "earned_at": "2026-03-01T09:00:00Z"}),
        json!({"points": 5, "reference": "x", "earned_at": "yesterday"}),
        json!({"points": 5, "reference": "x"}),
    ] {
        s.post("/v1/claims", &m.token, &key(), bad)
            .await
            .assert_error(400, "invalid_input");
    }
}

// ---- content -----------------------------------------------------------------------------------------

#[tokio::test]
async fn content_feeds_are_published_and_read_with_versions() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    for kind in loyalty_server::CONTENT_KINDS {
        let r = s.get(&format!("/v1/content/{kind}"), &m.token).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json(), json!({"kind": kind, "version": 0, "body": null}));
    }
    let recalls =
        json!({"recalls": [{"gtin": "4006381333931", "lots": ["L2412"], "title": "Oysters"}]});
    let r = s
        .admin("PUT", "/v1/admin/content/recalls", recalls.clone())
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["version"], 1);
    // Readable without a member token too (recalls concern everyone).
    let read = s.call("GET", "/v1/content/recalls", None, None, None).await;
    assert_eq!(read.status, 200);
    assert_eq!(
        read.json(),
        json!({"kind": "recalls", "version": 1, "body": recalls})
    );
    assert_eq!(read.header("etag"), Some("\"1\""));
    // Same body: no new version. A new body: version 2.
    let same = s
        .admin("PUT", "/v1/admin/content/recalls", recalls.clone())
        .await;
    assert_eq!(same.json()["version"], 1);
    let updated = json!({"recalls": []});
    let r2 = s
        .admin("PUT", "/v1/admin/content/recalls", updated.clone())
        .await;
    assert_eq!(r2.json()["version"], 2);
    let read2 = s.get("/v1/content/recalls", &m.token).await.json();
    assert_eq!(read2["body"], updated);
    // Conditional GET.
    let cached = request(
        s.addr(),
        "GET",
        "/v1/content/recalls",
        &[("If-None-Match", "\"2\"")],
        None,
    )
    .await;
    assert_eq!(cached.status, 304);
    assert!(cached.body.is_empty());
    let stale = request(
        s.addr(),
        "GET",
        "/v1/content/recalls",
        &[("If-None-Match", "\"1\"")],
        None,
    )
    .await;
    assert_eq!(stale.status, 200);
    // Other feeds are independent.
    assert_eq!(
        s.get("/v1/content/recipes", &m.token).await.json()["version"],
        0
    );
    // Unknown feeds, missing or wrong tokens, bad JSON.
    s.get("/v1/content/horoscopes", &m.token)
        .await
        .assert_error(404, "not_found");
    s.call(
        "PUT",
        "/v1/admin/content/recipes",
        None,
        None,
        Some(&json!({})),
    )
    .await
    .assert_error(401, "unauthorized");
    s.call(
        "PUT",
        "/v1/admin/content/recipes",
        Some(&m.token),
        None,
        Some(&json!({})),
    )
    .await
    .assert_error(401, "unauthorized");
    request(
        s.addr(),
        "PUT",
        "/v1/admin/content/recipes",
        &[("Authorization", &format!("Bearer {TILL}"))],
        Some(b"{\"recipes\": ["),
    )
    .await
    .assert_error(400, "invalid_input");
}

#[tokio::test]
async fn content_directory_is_published_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let content = tempfile::tempdir().unwrap();
    std::fs::write(
        content.path().join("recipes.json"),
        r#"{"recipes": [{"title": "Oysters au gratin"}]}"#,
    )
    .unwrap();
    let clock = std::sync::Arc::new(loyalty_domain::ManualClock::new(t0()));
    let mut c = config(dir.path(), &clock);
    c.content_dir = Some(content.path().to_path_buf());
    let server = loyalty_server::start(c.clone()).await.unwrap();
    let r = request(server.addr, "GET", "/v1/content/recipes", &[], None).await;
    assert_eq!(r.json()["version"], 1);
    assert_eq!(r.json()["body"]["recipes"][0]["title"], "Oysters au gratin");
    server.shutdown().await;
    // Unchanged file: same version after a restart; changed file: the next version.
    let server = loyalty_server::start(c.clone()).await.unwrap();
    let r = request(server.addr, "GET", "/v1/content/recipes", &[], None).await;
    assert_eq!(r.json()["version"], 1);
    server.shutdown().await;
    std::fs::write(content.path().join("recipes.json"), r#"{"recipes": []}"#).unwrap();
    let server = loyalty_server::start(c.clone()).await.unwrap();
    let r = request(server.addr, "GET", "/v1/content/recipes", &[], None).await;
    assert_eq!(r.json()["version"], 2);
    server.shutdown().await;
    // A broken file stops the start with a clear error.
    std::fs::write(content.path().join("recalls.json"), "{").unwrap();
    let err = loyalty_server::start(c).await.unwrap_err();
    assert!(err.to_string().contains("recalls.json"), "{err}");
}

// ---- consents and push tokens ----------------------------------------------------------------------

#[tokio::test]
async fn consents_and_push_tokens() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let token2 = s.second_device(&m).await;
    let consents = json!({"marketing": true, "service": false, "safety": true});
    let r = s
        .call(
            "PUT",
            "/v1/me/consents",
            Some(&m.token),
            None,
            Some(&consents),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), consents);
    // Shared by the household's devices.
    assert_eq!(s.get("/v1/me", &token2).await.json()["consents"], consents);
    s.call(
        "PUT",
        "/v1/me/consents",
        Some(&m.token),
        None,
        Some(&json!({"marketing": true})),
    )
    .await
    .assert_error(400, "invalid_input");
    s.call(
        "PUT",
        "/v1/me/consents",
        Some(&m.token),
        None,
        Some(&json!({"marketing": "yes", "service": true, "safety": true})),
    )
    .await
    .assert_error(400, "invalid_input");

    let push = |token: &str, platform: &str, push_token: &str| {
        let body = json!({"platform": platform, "token": push_token});
        let token = token.to_string();
        let s = &s;
        async move {
            s.call("PUT", "/v1/me/push-token", Some(&token), None, Some(&body))
                .await
        }
    };
    assert_eq!(push(&m.token, "android", "fcm-token-A").await.status, 204);
    assert_eq!(s.get("/v1/me", &m.token).await.json()["push_tokens"], 1);
    // Re-registering (a rotated token) replaces this device's token.
    assert_eq!(push(&m.token, "android", "fcm-token-A2").await.status, 204);
    assert_eq!(s.get("/v1/me", &m.token).await.json()["push_tokens"], 1);
    // The second device registers its own.
    assert_eq!(push(&token2, "ios", "apns-token-B").await.status, 204);
    assert_eq!(s.get("/v1/me", &m.token).await.json()["push_tokens"], 2);
    // A token moving to another session (the phone was signed in again) is counted once.
    assert_eq!(push(&token2, "android", "fcm-token-A2").await.status, 204);
    assert_eq!(s.get("/v1/me", &m.token).await.json()["push_tokens"], 1);
    let bad = push(&m.token, "windows-phone-secret-value", "x").await;
    bad.assert_error(400, "invalid_input");
    assert!(
        !bad.text().contains("windows-phone-secret-value"),
        "the reason does not repeat the input: {}",
        bad.text()
    );
    push(&m.token, "ios", "")
        .await
        .assert_error(400, "invalid_input");
}

// ---- till --------------------------------------------------------------------------------------------

async fn secret_of(s: &TestServer, token: &str) -> Vec<u8> {
    let v = s.get("/v1/me/card-secret", token).await.json();
    hex_decode(v["secret_hex"].as_str().unwrap()).unwrap()
}

async fn scan(s: &TestServer, payload: &str) -> Resp {
    s.call(
        "POST",
        "/v1/till/scans",
        Some(TILL),
        None,
        Some(&json!({ "payload": payload })),
    )
    .await
}

#[tokio::test]
async fn till_scans_accept_once_and_refuse_replayed_forged_and_static_codes() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let secret = secret_of(&s, &m.token).await;
    let params = TotpParams::default();
    let code = rotating_code(&m.card, &secret, &params, s.clock_now()).unwrap();

    let ok = scan(&s, &code.payload).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["member_id"], m.id.as_str());

    let refusal = |r: &Resp, what: &str| {
        r.assert_error(422, "refused");
        assert_eq!(r.json()["refusal"], what, "{}", r.text());
    };
    refusal(&scan(&s, &code.payload).await, "replayed");
    // With a scanner's newline: still the same code.
    refusal(&scan(&s, &format!("{}\n", code.payload)).await, "replayed");

    // Next period: a new code is accepted; a forged one is not.
    s.clock.advance(Duration::seconds(30));
    let next = rotating_code(&m.card, &secret, &params, s.clock_now()).unwrap();
    let mut parts: Vec<String> = next.payload.split(':').map(str::to_string).collect();
    let digit = parts[2].as_bytes()[0];
    let swapped = if digit == b'9' {
        '0'
    } else {
        char::from(digit + 1)
    };
    parts[2].replace_range(0..1, &swapped.to_string());
    refusal(&scan(&s, &parts.join(":")).await, "forged");
    assert_eq!(scan(&s, &next.payload).await.status, 200);
    // An older code after a newer one is a replay too.
    refusal(&scan(&s, &code.payload).await, "replayed");

    // A code of another card's secret: forged (the secret does not match).
    let other = s.enrol(None).await;
    let wrong_secret = rotating_code(&other.card, &secret, &params, s.clock_now()).unwrap();
    refusal(&scan(&s, &wrong_secret.payload).await, "forged");
    refusal(&scan(&s, &m.card).await, "not_rotating");
    refusal(&scan(&s, "hello <script>").await, "malformed");
    refusal(&scan(&s, "").await, "malformed");
    let unknown = rotating_code("2900000000009", &secret, &params, s.clock_now()).unwrap();
    refusal(&scan(&s, &unknown.payload).await, "unverifiable");
    // Codes too old or from the future.
    let old = rotating_code(
        &m.card,
        &secret,
        &params,
        s.clock_now() - Duration::minutes(5),
    )
    .unwrap();
    refusal(&scan(&s, &old.payload).await, "expired");
    let future = rotating_code(
        &m.card,
        &secret,
        &params,
        s.clock_now() + Duration::minutes(5),
    )
    .unwrap();
    refusal(&scan(&s, &future.payload).await, "from_the_future");

    // Till endpoints want the till token.
    s.call(
        "POST",
        "/v1/till/scans",
        None,
        None,
        Some(&json!({"payload": next.payload})),
    )
    .await
    .assert_error(401, "unauthorized");
    s.call(
        "POST",
        "/v1/till/scans",
        Some(&m.token),
        None,
        Some(&json!({"payload": next.payload})),
    )
    .await
    .assert_error(401, "unauthorized");
}

#[tokio::test]
async fn till_purchases_create_receipts_and_points_visible_in_deltas() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let secret = secret_of(&s, &m.token).await;
    let code = rotating_code(&m.card, &secret, &TotpParams::default(), s.clock_now()).unwrap();
    let lines = json!([line("Oysters", 12, 150), line("Muscadet", 1, 1299)]);
    let k = key();
    let body = json!({"card": code.payload, "store_name": "Store 12 Leuven", "lines": lines});
    let r = s.post("/v1/till/purchases", TILL, &k, body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    // 12 × 1.50 + 12.99 = 30.99 → 30 points.
    assert_eq!(v["points_earned"], 30);
    let receipt: Receipt = serde_json::from_value(v["receipt"].clone()).unwrap();
    receipt.validate().unwrap();
    assert_eq!(receipt.total().amount_minor, 3099);
    assert_eq!(receipt.purchased_at, t0());
    assert_eq!(v["receipt"]["source"], "till");
    let ledger_id = v["ledger_id"].as_str().unwrap();

    // Replayed request: the same receipt, not a second one (and the consumed code is no issue).
    let replay = s.post("/v1/till/purchases", TILL, &k, body).await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.body, r.body);

    let (receipts, _, _) = s.drain("receipts", &m.token, None, 10).await;
    assert_eq!(receipts.len(), 1);
    let stored: Receipt = serde_json::from_value(receipts[0].clone()).unwrap();
    assert_eq!(stored, receipt);
    let (ledger, _, _) = s.drain("ledger", &m.token, None, 10).await;
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["id"], ledger_id);
    assert_eq!(ledger[0]["kind"], "earn");
    assert_eq!(ledger[0]["points"], 30);
    assert_eq!(ledger[0]["reference"], receipt.id.as_str());
    assert_eq!(ledger[0]["description"], "Purchase at Store 12 Leuven");

    // With the card number (what /v1/till/scans returned): fine too. Under one euro: no points.
    let small = till_purchase(&s, &m.card, json!([line("Chewing gum", 1, 99)])).await;
    assert_eq!(small.status, 201, "{}", small.text());
    assert_eq!(small.json()["points_earned"], 0);
    assert_eq!(small.json()["ledger_id"], Value::Null);

    // The code used for the first purchase is spent: a new purchase with it is refused, and
    // nothing is stored.
    let reused = till_purchase(&s, &code.payload, json!([line("Bread", 1, 250)])).await;
    reused.assert_error(422, "refused");
    assert_eq!(reused.json()["refusal"], "replayed");
    // Invalid lines, unknown cards, no key.
    let mut bad_gtin = line("Bread", 1, 250);
    bad_gtin["gtin"] = json!("4006381333932");
    till_purchase(&s, &m.card, json!([bad_gtin]))
        .await
        .assert_error(400, "invalid_input");
    till_purchase(&s, &m.card, json!([]))
        .await
        .assert_error(400, "invalid_input");
    till_purchase(&s, &m.card, json!([line("Bread", 0, 250)]))
        .await
        .assert_error(400, "invalid_input");
    till_purchase(&s, "2900000000009", json!([line("Bread", 1, 250)]))
        .await
        .assert_error(404, "not_found");
    s.call(
        "POST",
        "/v1/till/purchases",
        Some(TILL),
        None,
        Some(&json!({"card": m.card, "store_name": "S", "lines": [line("Bread", 1, 250)]})),
    )
    .await
    .assert_error(400, "invalid_input");
    let (receipts, _, _) = s.drain("receipts", &m.token, None, 10).await;
    assert_eq!(receipts.len(), 2);
    let (_, balance) = fold_ledger(&s.drain("ledger", &m.token, None, 10).await.0);
    assert_eq!(balance, 30);
}

#[tokio::test]
async fn till_redeems_signed_voucher_codes_once() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let key_json = s
        .call("GET", "/v1/voucher-key", None, None, None)
        .await
        .json();
    assert_eq!(key_json["algorithm"], "Ed25519");
    assert_eq!(key_json["public_key_hex"], s.running().public_key_hex());
    let public_key = parse_public_key_hex(s.running().public_key_hex()).unwrap();

    let voucher = s.issue_voucher(&m.id, "€5 off").await;
    let code = voucher["code"].as_str().unwrap().to_string();
    // The app (or an offline till) verifies the code with the public key alone.
    let verified = verify_voucher_code(&code, &public_key, s.clock_now()).unwrap();
    assert_eq!(verified.id, voucher["id"].as_str().unwrap());
    assert_eq!(verified.title, "€5 off");

    let redeem = |c: &str| {
        let body = json!({ "voucher_code": c });
        let s = &s;
        async move { s.post("/v1/till/redemptions", TILL, &key(), body).await }
    };
    let first = redeem(&code).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let first = first.json();
    assert_eq!(first["outcome"], "accepted");
    assert_eq!(first["voucher_id"], voucher["id"]);
    let again = redeem(&code).await.json();
    assert_eq!(again["outcome"], "already_redeemed");
    assert_eq!(again["redeemed_at"], first["redeemed_at"]);
    // The member's app, which shows it redeemed after its next sync, and whose own offline
    // redemption of it comes back as already redeemed.
    let app = s
        .post(
            "/v1/redemptions",
            &m.token,
            &key(),
            json!({"voucher_id": voucher["id"]}),
        )
        .await
        .json();
    assert_eq!(app["outcome"], "already_redeemed");
    let (items, _, _) = s.drain("vouchers", &m.token, None, 10).await;
    assert_eq!(items.last().unwrap()["state"], "redeemed");

    // Altered codes are forged, garbage is malformed.
    let (head, sig) = code.rsplit_once('.').unwrap();
    // A character in the middle (the last one also carries padding bits that must be zero).
    let mut sig = sig.to_string();
    let c = sig.remove(10);
    sig.insert(10, if c == 'A' { 'B' } else { 'A' });
    let forged = redeem(&format!("{head}.{sig}")).await;
    forged.assert_error(422, "refused");
    assert_eq!(forged.json()["refusal"], "forged");
    let garbage = redeem("LCV1.not-a-code").await;
    assert_eq!(garbage.json()["refusal"], "malformed");

    // Expired by its signed window; revoked by the retailer.
    let later = s.issue_voucher(&m.id, "Later").await;
    let revoked = s.issue_voucher(&m.id, "Revoked").await;
    s.call(
        "POST",
        &format!(
            "/v1/admin/members/{}/vouchers/{}/revoke",
            m.id,
            revoked["id"].as_str().unwrap()
        ),
        Some(TILL),
        None,
        Some(&json!({})),
    )
    .await;
    let r = redeem(revoked["code"].as_str().unwrap()).await.json();
    assert_eq!(r["outcome"], "rejected");
    assert_eq!(r["voucher_id"], revoked["id"]);
    s.clock.advance(Duration::days(30));
    let expired = redeem(later["code"].as_str().unwrap()).await;
    expired.assert_error(422, "refused");
    assert_eq!(expired.json()["refusal"], "expired");
}

// ---- auth ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn member_endpoints_require_a_valid_bearer_token() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let wrong = "0".repeat(64);
    let member_endpoints: [(&str, &str, Option<Value>); 12] = [
        ("GET", "/v1/me", None),
        ("POST", "/v1/me/household-code", None),
        (
            "PUT",
            "/v1/me/consents",
            Some(json!({"marketing": true, "service": true, "safety": true})),
        ),
        (
            "PUT",
            "/v1/me/push-token",
            Some(json!({"platform": "ios", "token": "t"})),
        ),
        ("GET", "/v1/me/card-secret", None),
        ("GET", "/v1/ledger", None),
        ("GET", "/v1/vouchers", None),
        ("GET", "/v1/receipts", None),
        ("POST", "/v1/redemptions", Some(json!({"voucher_id": "v"}))),
        (
            "POST",
            "/v1/claims",
            Some(json!({"points": 1, "reference": "r", "earned_at": "2026-03-01T09:00:00Z"})),
        ),
        ("DELETE", "/v1/sessions/current", None),
        ("GET", "/v1/ledger?cursor=c1.0", None),
    ];
    for (method, path, body) in &member_endpoints {
        for token in [None, Some(wrong.as_str()), Some(TILL)] {
            let r = s
                .call(method, path, token, Some(&key()), body.as_ref())
                .await;
            r.assert_error(401, "unauthorized");
            assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        }
        // A malformed Authorization header is no token either.
        let r = request(
            s.addr(),
            method,
            path,
            &[("Authorization", &m.token)],
            body.as_ref()
                .map(|b| b.to_string())
                .as_deref()
                .map(str::as_bytes),
        )
        .await;
        r.assert_error(401, "unauthorized");
    }
    let admin_and_till: [(&str, String); 6] = [
        ("POST", "/v1/till/scans".to_string()),
        ("POST", "/v1/till/purchases".to_string()),
        ("POST", "/v1/till/redemptions".to_string()),
        ("POST", format!("/v1/admin/members/{}/vouchers", m.id)),
        ("POST", format!("/v1/admin/members/{}/points", m.id)),
        ("POST", "/v1/admin/faults".to_string()),
    ];
    for (method, path) in &admin_and_till {
        for token in [None, Some(m.token.as_str()), Some("wrong-till-token-0000")] {
            s.call(method, path, token, Some(&key()), Some(&json!({})))
                .await
                .assert_error(401, "unauthorized");
        }
    }
    // And the right token still works.
    assert_eq!(s.get("/v1/me", &m.token).await.status, 200);
}

// ---- persistence --------------------------------------------------------------------------------------

#[tokio::test]
async fn data_keys_and_idempotency_records_survive_a_restart() {
    let mut s = TestServer::start().await;
    let m = s.enrol(Some("Restart")).await;
    let secret_before = s.get("/v1/me/card-secret", &m.token).await.json();
    let public_key = s.running().public_key_hex().to_string();
    let voucher = s.issue_voucher(&m.id, "Kept").await;
    let k = key();
    let body = json!({"voucher_id": voucher["id"]});
    let first = s.post("/v1/redemptions", &m.token, &k, body.clone()).await;
    assert_eq!(first.json()["outcome"], "accepted");
    let p = till_purchase(&s, &m.card, json!([line("Salt", 4, 399)])).await;
    assert_eq!(p.status, 201);
    s.admin("PUT", "/v1/admin/content/recipes", json!({"n": 1}))
        .await;
    let secret = hex_decode(secret_before["secret_hex"].as_str().unwrap()).unwrap();
    let code = rotating_code(&m.card, &secret, &TotpParams::default(), s.clock_now()).unwrap();
    assert_eq!(scan(&s, &code.payload).await.status, 200);
    let (ledger_before, _, _) = s.drain("ledger", &m.token, None, 100).await;
    let (vouchers_before, _, _) = s.drain("vouchers", &m.token, None, 100).await;
    let (receipts_before, cursor, _) = s.drain("receipts", &m.token, None, 100).await;

    s.restart().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let db = s.data_dir().join(loyalty_server::DB_FILE);
        let mode = std::fs::metadata(db).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the database is readable by its owner only"
        );
    }

    assert_eq!(s.running().public_key_hex(), public_key, "same signing key");
    assert_eq!(
        s.get("/v1/me", &m.token).await.json()["display_name"],
        "Restart"
    );
    assert_eq!(
        s.get("/v1/me/card-secret", &m.token).await.json(),
        secret_before
    );
    assert_eq!(
        s.drain("ledger", &m.token, None, 100).await.0,
        ledger_before
    );
    assert_eq!(
        s.drain("vouchers", &m.token, None, 100).await.0,
        vouchers_before
    );
    assert_eq!(
        s.drain("receipts", &m.token, None, 100).await.0,
        receipts_before
    );
    let (nothing, same, _) = s.drain("receipts", &m.token, Some(&cursor), 100).await;
    assert!(nothing.is_empty());
    assert_eq!(same, cursor, "cursors stay valid across restarts");
    // The idempotency record: the first answer, byte for byte.
    let replay = s.post("/v1/redemptions", &m.token, &k, body).await;
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    // The voucher is still redeemed once; the scanned code is still spent.
    assert_eq!(
        s.post(
            "/v1/redemptions",
            &m.token,
            &key(),
            json!({"voucher_id": voucher["id"]})
        )
        .await
        .json()["outcome"],
        "already_redeemed"
    );
    assert_eq!(scan(&s, &code.payload).await.json()["refusal"], "replayed");
    assert_eq!(
        s.get("/v1/content/recipes", &m.token).await.json()["version"],
        1
    );
    // The household code still signs in a new device.
    s.second_device(&m).await;
    // The stored voucher code still verifies with the (same) public key.
    let pk = parse_public_key_hex(&public_key).unwrap();
    assert!(verify_voucher_code(voucher["code"].as_str().unwrap(), &pk, s.clock_now()).is_ok());
}

#[tokio::test]
async fn the_till_token_is_generated_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = loyalty_server::ServerConfig::new(dir.path());
    c.till_token = None;
    let a = loyalty_server::start(c.clone()).await.unwrap();
    let token = a.till_token().to_string();
    assert_eq!(token.len(), 64);
    let r = request(
        a.addr,
        "POST",
        "/v1/admin/faults",
        &[("Authorization", &format!("Bearer {token}"))],
        Some(br#"{"status": 503, "retry_after_seconds": 1, "count": 0}"#),
    )
    .await;
    assert_eq!(r.status, 204);
    a.shutdown().await;
    let b = loyalty_server::start(c).await.unwrap();
    assert_eq!(b.till_token(), token);
    b.shutdown().await;
}

#[tokio::test]
async fn start_refuses_remote_binds_bad_tokens_and_foreign_databases() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = loyalty_server::ServerConfig::new(dir.path());
    c.addr = "0.0.0.0:0".parse().unwrap();
    let err = loyalty_server::start(c.clone()).await.unwrap_err();
    assert!(err.to_string().contains("loopback"), "{err}");
    c.addr = "127.0.0.1:0".parse().unwrap();
    c.till_token = Some("short".into());
    assert!(loyalty_server::start(c.clone()).await.is_err());

    // A SQLite file of someone else's in the data directory is refused, not altered.
    let foreign = tempfile::tempdir().unwrap();
    let path = foreign.path().join(loyalty_server::DB_FILE);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
    }
    let mut c = loyalty_server::ServerConfig::new(foreign.path());
    c.till_token = Some(TILL.into());
    let err = loyalty_server::start(c.clone()).await.unwrap_err();
    assert!(err.to_string().contains("not a Loyalty Core"), "{err}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let t: String = conn
        .query_row("SELECT t FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(t, "mine");
    // A file that is not a database at all.
    let junk = tempfile::tempdir().unwrap();
    std::fs::write(
        junk.path().join(loyalty_server::DB_FILE),
        b"not a database, just text".repeat(200),
    )
    .unwrap();
    let mut c = loyalty_server::ServerConfig::new(junk.path());
    c.till_token = Some(TILL.into());
    assert!(loyalty_server::start(c).await.is_err());
}

// ---- bad input --------------------------------------------------------------------------------------------

#[tokio::test]
async fn malformed_requests_get_json_errors_and_the_server_stays_up() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let auth = format!("Bearer {}", m.token);
    let till = format!("Bearer {TILL}");
    let k = key();
    let bodies: [&[u8]; 9] = [
        b"",
        b"{",
        b"null",
        b"[]",
        b"\"just a string\"",
        b"{\"voucher_id\": 42}",
        b"{\"voucher_id\": \"Jane Secret\"",
        b"\xff\xfe\x00garbage",
        b"{\"voucher_id\": {\"nested\": [1, 2, {\"deep\": null}]}}",
    ];
    for body in bodies {
        let r = request(
            s.addr(),
            "POST",
            "/v1/redemptions",
            &[("Authorization", &auth), ("Idempotency-Key", &k)],
            Some(body),
        )
        .await;
        r.assert_error(400, "invalid_input");
        assert!(!r.text().contains("Jane"), "{}", r.text());
    }
    // Values are not echoed in schema errors either.
    let r = s
        .post(
            "/v1/claims",
            &m.token,
            &key(),
            json!({"points": "Jane Secret", "reference": "r", "earned_at": "2026-03-01T09:00:00Z"}),
        )
        .await;
    r.assert_error(400, "invalid_input");
    assert!(!r.text().contains("Jane"), "{}", r.text());
    let r = s
        .call(
            "POST",
            "/v1/members",
            None,
            None,
            Some(&json!({"display_name": 12345})),
        )
        .await;
    r.assert_error(400, "invalid_input");
    assert!(!r.text().contains("12345"), "{}", r.text());
    for (path, headers) in [
        (
            "/v1/till/purchases",
            vec![
                ("Authorization", till.as_str()),
                ("Idempotency-Key", k.as_str()),
            ],
        ),
        ("/v1/till/scans", vec![("Authorization", till.as_str())]),
        ("/v1/members", vec![]),
        ("/v1/sessions", vec![]),
    ] {
        for body in [&b"{"[..], b"\"text\"", b"42"] {
            request(s.addr(), "POST", path, &headers, Some(body))
                .await
                .assert_error(400, "invalid_input");
        }
    }
    // Wrong types inside till lines, a negative quantity, a huge number.
    till_purchase(
        &s,
        &m.card,
        json!([{"gtin": 4006381333931u64, "name": "x"}]),
    )
    .await
    .assert_error(400, "invalid_input");
    till_purchase(&s, &m.card, json!([line("Too many", 2_000_000, 100)]))
        .await
        .assert_error(400, "invalid_input");
    let mut overflow = line("Overflow", 1, 100);
    overflow["quantity"] = json!(u64::MAX);
    till_purchase(&s, &m.card, json!([overflow]))
        .await
        .assert_error(400, "invalid_input");
    // Unknown routes, wrong methods, oversized bodies: JSON errors too.
    s.get("/v1/nothing-here", &m.token)
        .await
        .assert_error(404, "not_found");
    let r = s.call("PATCH", "/v1/me", Some(&m.token), None, None).await;
    r.assert_error(405, "method_not_allowed");
    let big = vec![b' '; 5 * 1024 * 1024];
    let r = request(
        s.addr(),
        "PUT",
        "/v1/admin/content/recipes",
        &[("Authorization", &till)],
        Some(&big),
    )
    .await;
    r.assert_error(413, "invalid_input");
    let r = request(s.addr(), "GET", "/v1/admin/members/x/vouchers", &[], None).await;
    r.assert_error(405, "method_not_allowed");
    // Admin input errors.
    let r = s
        .admin(
            "POST",
            &format!("/v1/admin/members/{}/points", m.id),
            json!({"points": -5, "kind": "earn"}),
        )
        .await;
    r.assert_error(400, "invalid_input");
    s.admin(
        "POST",
        "/v1/admin/members/m_unknown/points",
        json!({"points": 5}),
    )
    .await
    .assert_error(404, "not_found");
    s.admin(
        "POST",
        &format!("/v1/admin/members/{}/vouchers", m.id),
        json!({"kind": {"type": "percent_off", "percent": 150}, "title": "Too much", "valid_until": "2026-04-01T00:00:00Z"}),
    )
    .await
    .assert_error(400, "invalid_input");

    let health = request(s.addr(), "GET", "/healthz", &[], None).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
}

// ---- load shedding ----------------------------------------------------------------------------------------

#[tokio::test]
async fn shedding_load_answers_429_and_503_with_retry_after() {
    let s = TestServer::start().await;
    let m = s.enrol(None).await;
    let r = s
        .admin(
            "POST",
            "/v1/admin/faults",
            json!({"status": 503, "retry_after_seconds": 7, "count": 2}),
        )
        .await;
    assert_eq!(r.status, 204);
    for _ in 0..2 {
        let r = s.get("/v1/me", &m.token).await;
        r.assert_error(503, "unavailable");
        assert_eq!(r.header("retry-after"), Some("7"));
    }
    assert_eq!(s.get("/v1/me", &m.token).await.status, 200);
    // A shed write did not happen: its key is still fresh.
    s.admin(
        "POST",
        "/v1/admin/faults",
        json!({"status": 429, "retry_after_seconds": 2, "count": 1}),
    )
    .await;
    let v = s.issue_voucher(&m.id, "Shed").await;
    let k = key();
    let body = json!({"voucher_id": v["id"]});
    let shed = s.post("/v1/redemptions", &m.token, &k, body.clone()).await;
    shed.assert_error(429, "too_many_requests");
    assert_eq!(shed.header("retry-after"), Some("2"));
    let ok = s.post("/v1/redemptions", &m.token, &k, body).await;
    assert_eq!(ok.json()["outcome"], "accepted");
    assert_eq!(ok.header("idempotent-replayed"), None);
    // Health checks are never shed.
    s.admin(
        "POST",
        "/v1/admin/faults",
        json!({"status": 503, "retry_after_seconds": 1, "count": 1}),
    )
    .await;
    assert_eq!(
        request(s.addr(), "GET", "/healthz", &[], None).await.status,
        200
    );
    s.get("/v1/me", &m.token)
        .await
        .assert_error(503, "unavailable");
    s.admin(
        "POST",
        "/v1/admin/faults",
        json!({"status": 500, "retry_after_seconds": 1, "count": 1}),
    )
    .await
    .assert_error(400, "invalid_input");

    // Guessing household codes: after SIGN_IN_FAILURES_PER_MINUTE failures from one address,
    // 429 for that address.
    for i in 0..loyalty_server::SIGN_IN_FAILURES_PER_MINUTE {
        s.call(
            "POST",
            "/v1/sessions",
            None,
            None,
            Some(&json!({"household_code": format!("0000-0000-0000-{i:04}")})),
        )
        .await
        .assert_error(401, "unauthorized");
    }
    let limited = s
        .call(
            "POST",
            "/v1/sessions",
            None,
            None,
            Some(&json!({"household_code": m.household})),
        )
        .await;
    limited.assert_error(429, "too_many_requests");
    assert_eq!(limited.header("retry-after"), Some("60"));
}

#[tokio::test]
async fn requests_over_the_in_flight_limit_are_shed() {
    // max_in_flight = 1 and a held connection: the server has one request in progress while the
    // next arrives.
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(loyalty_domain::ManualClock::new(t0()));
    let mut c = config(dir.path(), &clock);
    c.max_in_flight = 1;
    let server = loyalty_server::start(c).await.unwrap();
    use tokio::io::AsyncWriteExt;
    // A request whose body never finishes arriving keeps its permit.
    let mut slow = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(
        b"POST /v1/members HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    )
    .await
    .unwrap();
    let mut shed = None;
    for _ in 0..50 {
        let r = request(server.addr, "GET", "/v1/me", &[], None).await;
        if r.status == 503 {
            shed = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let shed = shed.expect("a second request is shed while the first holds the only slot");
    shed.assert_error(503, "unavailable");
    assert_eq!(shed.header("retry-after"), Some("1"));
    drop(slow);
    let mut recovered = false;
    for _ in 0..50 {
        if request(server.addr, "GET", "/v1/me", &[], None)
            .await
            .status
            == 401
        {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        recovered,
        "the slot is freed when the slow client goes away"
    );
    server.shutdown().await;
}

/// POST /v1/sessions from a given loopback address.
async fn sign_in_from(s: &TestServer, from: [u8; 4], code: &str) -> Resp {
    let body = serde_json::to_vec(&json!({ "household_code": code })).unwrap();
    common::request_from(
        Some(std::net::IpAddr::from(from)),
        s.addr(),
        "POST",
        "/v1/sessions",
        &[],
        Some(&body),
    )
    .await
}

#[tokio::test]
async fn failed_sign_ins_are_budgeted_per_client_and_per_code_not_for_everyone() {
    let s = TestServer::start().await;
    let m = s.enrol(Some("Ann")).await;
    // One address guesses: it is blocked, with Retry-After...
    for i in 0..loyalty_server::SIGN_IN_FAILURES_PER_MINUTE {
        let code = format!("1111-2222-3333-{i:04}");
        sign_in_from(&s, [127, 0, 0, 2], &code)
            .await
            .assert_error(401, "unauthorized");
    }
    let blocked = sign_in_from(&s, [127, 0, 0, 2], &m.household).await;
    blocked.assert_error(429, "too_many_requests");
    let wait: u64 = blocked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // ...while the household still joins from any other address.
    assert_eq!(
        sign_in_from(&s, [127, 0, 0, 3], &m.household).await.status,
        201
    );
    // One wrong code tried from many addresses: that code is blocked, other codes are not.
    let wrong = "7777-7777-7777-7777";
    for n in 0..loyalty_server::SIGN_IN_FAILURES_PER_CODE_PER_MINUTE {
        sign_in_from(&s, [127, 0, 1, n as u8 + 1], wrong)
            .await
            .assert_error(401, "unauthorized");
    }
    sign_in_from(&s, [127, 0, 2, 1], wrong)
        .await
        .assert_error(429, "too_many_requests");
    assert_eq!(
        sign_in_from(&s, [127, 0, 2, 1], &m.household).await.status,
        201
    );
    // The budgets slide on the server's clock.
    s.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        sign_in_from(&s, [127, 0, 0, 2], &m.household).await.status,
        201
    );
    sign_in_from(&s, [127, 0, 2, 2], wrong)
        .await
        .assert_error(401, "unauthorized");
}

/// POST /v1/members from a given loopback address.
async fn enrol_from(addr: std::net::SocketAddr, from: [u8; 4], key: Option<String>) -> Resp {
    let mut headers = Vec::new();
    if let Some(k) = &key {
        headers.push(("Idempotency-Key", k.as_str()));
    }
    common::request_from(
        Some(std::net::IpAddr::from(from)),
        addr,
        "POST",
        "/v1/members",
        &headers,
        Some(br#"{"display_name": null}"#),
    )
    .await
}

#[tokio::test]
async fn enrolment_is_rate_limited_per_client_address() {
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(loyalty_domain::ManualClock::new(t0()));
    let mut c = common::config(dir.path(), &clock);
    c.enrolments_per_hour = 3;
    let server = loyalty_server::start(c).await.unwrap();
    for _ in 0..3 {
        assert_eq!(
            enrol_from(server.addr, [127, 0, 0, 5], None).await.status,
            201
        );
    }
    let limited = enrol_from(server.addr, [127, 0, 0, 5], None).await;
    limited.assert_error(429, "too_many_requests");
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&wait), "{wait}");
    // Another address enrols; the first one again an hour later.
    assert_eq!(
        enrol_from(server.addr, [127, 0, 0, 6], None).await.status,
        201
    );
    clock.advance(chrono::Duration::minutes(61));
    assert_eq!(
        enrol_from(server.addr, [127, 0, 0, 5], None).await.status,
        201
    );
    server.shutdown().await;

    // The default budget: a script creating members from one address stops at
    // ENROLMENTS_PER_HOUR (before: 2,000 in 1.2 s).
    let dir = tempfile::tempdir().unwrap();
    let server = loyalty_server::start(common::config(dir.path(), &clock))
        .await
        .unwrap();
    let mut created = 0;
    for i in 0..100 {
        let r = enrol_from(server.addr, [127, 0, 0, 7], Some(format!("enrol-{i}"))).await;
        match r.status {
            201 => created += 1,
            429 => {}
            other => panic!("{other}: {}", r.text()),
        }
    }
    assert_eq!(created, loyalty_server::ENROLMENTS_PER_HOUR);
    server.shutdown().await;
}

#[tokio::test]
async fn the_till_token_is_shown_only_when_generated_and_only_at_the_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = loyalty_server::ServerConfig::new(dir.path());
    c.till_token = None;
    let a = loyalty_server::start(c.clone()).await.unwrap();
    let token = a
        .generated_till_token()
        .expect("generated at the first start")
        .to_string();
    assert_eq!(token, a.till_token());
    a.shutdown().await;
    let b = loyalty_server::start(c.clone()).await.unwrap();
    assert_eq!(b.till_token(), token, "kept");
    assert_eq!(b.generated_till_token(), None, "never shown again");
    b.shutdown().await;
    // Passed in by the operator: not shown, and none generated behind their back.
    let other = tempfile::tempdir().unwrap();
    let mut given = loyalty_server::ServerConfig::new(other.path());
    given.till_token = Some("operator-chosen-token-0123".into());
    let g = loyalty_server::start(given).await.unwrap();
    assert_eq!(g.generated_till_token(), None);
    g.shutdown().await;
    let mut later = loyalty_server::ServerConfig::new(other.path());
    later.till_token = None;
    let l = loyalty_server::start(later).await.unwrap();
    assert!(l.generated_till_token().is_some(), "first generated now");
    l.shutdown().await;
}

#[tokio::test]
async fn sessions_expire_and_renew_with_a_single_use_refresh_token() {
    let s = TestServer::start().await;
    let r = s
        .call(
            "POST",
            "/v1/members",
            None,
            None,
            Some(&json!({"display_name": null})),
        )
        .await;
    assert_eq!(r.status, 201);
    let v = r.json();
    let token = v["token"].as_str().unwrap().to_string();
    let refresh = v["refresh_token"].as_str().unwrap().to_string();
    assert!(v["expires_at"].as_str().is_some());
    assert_eq!(s.get("/v1/me", &token).await.status, 200);
    // Before: a token worked forever. Now it expires after SESSION_TOKEN_DAYS.
    s.clock.advance(Duration::days(31));
    s.get("/v1/me", &token)
        .await
        .assert_error(401, "unauthorized");
    let body = json!({ "refresh_token": refresh });
    let r = s
        .call("POST", "/v1/sessions/refresh", None, None, Some(&body))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let renewed = r.json();
    let new_token = renewed["token"].as_str().unwrap().to_string();
    let new_refresh = renewed["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(renewed["member_id"], v["member_id"]);
    assert_eq!(s.get("/v1/me", &new_token).await.status, 200);
    // Single use: the old refresh token and the old bearer token are gone.
    s.call("POST", "/v1/sessions/refresh", None, None, Some(&body))
        .await
        .assert_error(401, "unauthorized");
    s.get("/v1/me", &token)
        .await
        .assert_error(401, "unauthorized");
    // A session left alone past SESSION_REFRESH_DAYS ends.
    s.clock.advance(Duration::days(731));
    s.call(
        "POST",
        "/v1/sessions/refresh",
        None,
        None,
        Some(&json!({ "refresh_token": new_refresh })),
    )
    .await
    .assert_error(401, "unauthorized");
    // Bad input is a 400.
    s.call(
        "POST",
        "/v1/sessions/refresh",
        None,
        None,
        Some(&json!({ "refresh_token": "" })),
    )
    .await
    .assert_error(400, "invalid_input");
}

#[tokio::test]
async fn an_account_is_exported_then_erased_once_and_its_tokens_open_nothing() {
    let s = TestServer::start().await;
    let m = s.enrol(Some("Household Janssens")).await;
    let other = s.enrol(None).await;
    let second = s.second_device(&m).await;
    let secret = secret_of(&s, &m.token).await;
    let code = rotating_code(&m.card, &secret, &TotpParams::default(), s.clock_now()).unwrap();
    let body = json!({"card": code.payload, "store_name": "Store 12 Leuven",
                      "lines": [line("Oysters", 12, 150)]});
    let r = s.post("/v1/till/purchases", TILL, &key(), body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    s.issue_voucher(&m.id, "5 euro off").await;

    let export = s.get("/v1/me/export", &m.token).await;
    assert_eq!(export.status, 200, "{}", export.text());
    assert_eq!(export.header("cache-control"), Some("no-store"));
    let e = export.json();
    assert_eq!(e["format"], "loyalty-core-export/1");
    assert_eq!(e["member"]["member_id"], m.id.as_str());
    assert_eq!(e["member"]["display_name"], "Household Janssens");
    assert_eq!(e["devices"].as_array().unwrap().len(), 2);
    assert_eq!(e["receipts"].as_array().unwrap().len(), 1);
    assert_eq!(e["ledger"].as_array().unwrap().len(), 1);
    assert_eq!(e["ledger"][0]["points"], 18);
    assert_eq!(e["vouchers"].as_array().unwrap().len(), 1);
    let text = export.text();
    assert!(!text.contains(&m.token) && !text.contains(&m.household));
    assert!(!text.contains("secret"), "no card secret in the export");

    let erased = s.call("DELETE", "/v1/me", Some(&m.token), None, None).await;
    assert_eq!(erased.status, 200, "{}", erased.text());
    assert_eq!(erased.json()["status"], "erased");
    // The answer lost, the same session asks again: told it is gone, nothing else happens.
    let again = s.call("DELETE", "/v1/me", Some(&m.token), None, None).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["status"], "already_erased");
    assert_eq!(again.json()["erased_at"], erased.json()["erased_at"]);
    // Every token of the member opens nothing else; a token never issued is refused too.
    for token in [&m.token, &second] {
        s.get("/v1/me", token)
            .await
            .assert_error(401, "unauthorized");
        s.get("/v1/me/export", token)
            .await
            .assert_error(401, "unauthorized");
    }
    s.call("DELETE", "/v1/me", Some(&"0".repeat(64)), None, None)
        .await
        .assert_error(401, "unauthorized");
    let signed_in = sign_in_with(&s, &m.household).await;
    assert_eq!(signed_in.status, 401);
    // Nothing names the member any more; the other member is untouched; the totals are kept.
    assert_eq!(count_rows(&s, "members"), 1);
    assert_eq!(count_rows(&s, "receipts"), 0);
    assert_eq!(count_rows(&s, "ledger"), 0);
    assert_eq!(count_rows(&s, "vouchers"), 0);
    assert_eq!(count_rows(&s, "erasures"), 1);
    assert_eq!(s.get("/v1/me", &other.token).await.status, 200);
    let conn = rusqlite::Connection::open_with_flags(
        s.data_dir().join(loyalty_server::DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let (earned, balance): (i64, i64) = conn
        .query_row(
            "SELECT points_earned, points_balance FROM erasures",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((earned, balance), (18, 18));
    let named: i64 = conn
        .query_row(
            "SELECT count(*) FROM idempotency WHERE instr(body, ?1) > 0",
            [&m.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(named, 0, "no stored answer names the erased member");
}

// ---- recall alerts -------------------------------------------------------------------------------

#[tokio::test]
async fn a_recall_alert_goes_to_the_members_whose_receipts_hold_the_lot_and_carries_the_apns_alert()
{
    let s = TestServer::start().await;
    let gtin = "4006381333931";
    let in_window = t0() - Duration::days(5);
    // (lot, gtin, bought at): who gets the alert follows the phone's own rule.
    let cases: [(Option<&str>, &str, DateTime<Utc>, bool); 5] = [
        (Some("L2412-30"), gtin, in_window, true), // the recalled lot
        (Some("L2501-02"), gtin, in_window, false), // another lot
        (None, gtin, in_window, true),             // lot unknown: possibly concerned
        (Some("L2412-30"), "5410000000019", in_window, false), // another product
        (Some("L2412-30"), gtin, t0() - Duration::days(40), false), // before the sale window
    ];
    let mut expected = Vec::new();
    for (i, (lot, g, at, concerned)) in cases.iter().enumerate() {
        let m = s.enrol(None).await;
        let mut l = line("Zeeuwse oesters 12 st.", 1, 1299);
        l["gtin"] = json!(g);
        l["lot"] = json!(lot);
        let receipt = json!({
            "id": format!("r-{i}"), "store_name": "Gent Zuid", "purchased_at": at.to_rfc3339(),
            "lines": [l], "source": "server", "return_window_days": 30
        });
        let r = s
            .admin(
                "POST",
                &format!("/v1/admin/members/{}/receipts", m.id),
                json!({"receipt": receipt}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        if *concerned {
            expected.push(m.id.clone());
        }
    }
    expected.sort();
    let notice = json!({
        "id": "R-2026-007", "gtins": [gtin], "lots": ["L2412-30"],
        "sold_from": (t0() - Duration::days(10)).to_rfc3339(),
        "sold_until": (t0() - Duration::days(1)).to_rfc3339(),
        "published_at": (t0() - Duration::hours(2)).to_rfc3339(),
        "product": {"en": "Zeeland oysters", "nl": "Zeeuwse oesters", "fr": "Huîtres de Zélande"},
        "instructions": {"en": "Do not eat them.", "nl": "Niet opeten.", "fr": "Ne les mangez pas."},
        "urgent": true
    });
    let r = s
        .admin("POST", "/v1/admin/recall-alerts", notice.clone())
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["recall_id"], "R-2026-007");
    assert_eq!(body["members"], json!(expected));
    let aps = &body["apns"]["aps"];
    assert_eq!(aps["alert"]["loc-key"], "LOYALTY_RECALL_ALERT_BODY");
    assert_eq!(aps["interruption-level"], "time-sensitive");
    // The message the phone reads is the notice itself, in the push format.
    let message = body["apns"]["loyalty"].as_str().unwrap();
    assert_eq!(message, body["message"].as_str().unwrap());
    let parsed = loyalty_domain::reminders::parse_push(message).unwrap();
    assert!(
        matches!(parsed, loyalty_domain::reminders::PushMessage::Recall(n) if n.id == "R-2026-007")
    );

    // An invalid notice (a GTIN with a wrong check digit) is refused; no till token, 401.
    let mut bad = notice.clone();
    bad["gtins"] = json!(["4006381333932"]);
    s.admin("POST", "/v1/admin/recall-alerts", bad)
        .await
        .assert_error(400, "invalid_input");
    let anon = s
        .call("POST", "/v1/admin/recall-alerts", None, None, Some(&notice))
        .await;
    assert_eq!(anon.status, 401);
}
