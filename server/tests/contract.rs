//! The written contract against the built server, and the `loyalty-server` command itself.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const OPENAPI: &str = include_str!("../openapi.yaml");

/// (METHOD, path) of every operation in the document's `paths:` section.
fn documented_operations() -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    let mut in_paths = false;
    let mut path = None;
    for line in OPENAPI.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            in_paths = line.trim_end() == "paths:";
            path = None;
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  /") {
            path = Some(format!("/{}", p.trim_end().trim_end_matches(':')));
        } else if let Some(m) = line.strip_prefix("    ") {
            let m = m.trim_end();
            if let Some(method) = m.strip_suffix(':') {
                if ["get", "post", "put", "delete", "patch"].contains(&method) {
                    ops.insert((
                        method.to_uppercase(),
                        path.clone().expect("an operation under a path"),
                    ));
                }
            }
        }
    }
    ops
}

#[test]
fn the_openapi_document_lists_exactly_the_routes_served() {
    assert!(OPENAPI.starts_with("openapi: 3."), "an OpenAPI 3 document");
    let documented = documented_operations();
    let served: BTreeSet<(String, String)> = loyalty_server::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        documented.difference(&served).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented but not served"
    );
    assert_eq!(
        served.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "served but not documented"
    );
}

#[test]
fn every_schema_reference_resolves() {
    let defined: BTreeSet<String> = {
        let mut in_schemas = false;
        let mut names = BTreeSet::new();
        for line in OPENAPI.lines() {
            if line == "  schemas:" {
                in_schemas = true;
                continue;
            }
            if in_schemas && !line.starts_with("    ") && !line.trim().is_empty() {
                in_schemas = false;
            }
            if in_schemas {
                if let Some(name) = line.strip_prefix("    ") {
                    if !name.starts_with(' ') && name.ends_with(':') {
                        names.insert(name.trim_end_matches(':').to_string());
                    }
                }
            }
        }
        names
    };
    assert!(defined.len() > 20, "schemas found: {defined:?}");
    let mut refs = 0;
    for (i, line) in OPENAPI.lines().enumerate() {
        for part in line.split("#/components/").skip(1) {
            let target: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '_')
                .collect();
            let (section, name) = target.split_once('/').expect("section/name");
            let section_line = format!("  {section}:");
            assert!(
                OPENAPI.lines().any(|l| l == section_line),
                "line {}: no components section {section}",
                i + 1
            );
            if section == "schemas" {
                assert!(
                    defined.contains(name),
                    "line {}: undefined schema {name}",
                    i + 1
                );
            } else {
                let def = format!("    {name}:");
                assert!(
                    OPENAPI.lines().any(|l| l == def),
                    "line {}: undefined {section}/{name}",
                    i + 1
                );
            }
            refs += 1;
        }
    }
    assert!(refs > 50);
}

#[tokio::test]
async fn every_documented_route_is_answered_by_its_handler() {
    let s = TestServer::start().await;
    for (method, template) in loyalty_server::ROUTES {
        let path = template
            .replace("{kind}", "recipes")
            .replace("{member_id}", "m_0")
            .replace("{voucher_id}", "v_0");
        let r = request(s.addr(), method, &path, &[], Some(b"{}")).await;
        assert_ne!(r.status, 405, "{method} {path}");
        let v = r.json();
        assert_ne!(
            v.get("reason").and_then(|r| r.as_str()),
            Some("no such endpoint"),
            "{method} {path} reached the fallback"
        );
    }
}

/// The command prints where it listens, serves, logs only method, template, status and time,
/// and stops cleanly on Ctrl-C (SIGINT).
#[tokio::test]
async fn the_command_runs_logs_without_personal_data_and_stops_on_ctrl_c() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_loyalty-server"))
        .args(["--data"])
        .arg(data.path())
        .args(["--addr", "127.0.0.1:0", "--till-token", TILL])
        .env("LOYALTY_SERVER_LOG", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut printed = Vec::new();
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server prints its address");
        printed.push(line.clone());
        if let Some(url) = line.strip_prefix("loyalty-server listening on http://") {
            break url.parse::<std::net::SocketAddr>().unwrap();
        }
    };
    assert!(addr.ip().is_loopback());

    let display_name = "Marie Secret-Name";
    let r = request(
        addr,
        "POST",
        "/v1/members",
        &[],
        Some(format!("{{\"display_name\": \"{display_name}\"}}").as_bytes()),
    )
    .await;
    assert_eq!(r.status, 201);
    let enrolled = r.json();
    let token = enrolled["token"].as_str().unwrap().to_string();
    let card = enrolled["card_number"].as_str().unwrap().to_string();
    let member_id = enrolled["member_id"].as_str().unwrap().to_string();
    let household = enrolled["household_code"].as_str().unwrap().to_string();
    let auth = format!("Bearer {token}");
    assert_eq!(
        request(addr, "GET", "/v1/me", &[("Authorization", &auth)], None)
            .await
            .status,
        200
    );
    assert_eq!(
        request(
            addr,
            "GET",
            "/v1/ledger?cursor=c1.0&limit=5",
            &[("Authorization", &auth)],
            None
        )
        .await
        .status,
        200
    );
    let till = format!("Bearer {TILL}");
    let purchase = serde_json::json!({
        "card": card, "store_name": "Store", "lines": [line("Bread", 1, 250)]
    });
    let r = request(
        addr,
        "POST",
        "/v1/till/purchases",
        &[("Authorization", &till), ("Idempotency-Key", &key())],
        Some(purchase.to_string().as_bytes()),
    )
    .await;
    assert_eq!(r.status, 201);
    let r = request(
        addr,
        "POST",
        &format!("/v1/admin/members/{member_id}/points"),
        &[("Authorization", &till)],
        Some(b"{\"points\": 5}"),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        request(addr, "GET", &format!("/v1/unknown/{card}"), &[], None)
            .await
            .status,
        404
    );

    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server stops on SIGINT"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "clean exit: {exit:?}");
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
        printed.push(line);
    }
    assert!(
        printed.iter().any(|l| l == "loyalty-server stopped"),
        "{printed:?}"
    );
    assert!(
        !printed
            .iter()
            .any(|l| l.contains(TILL) || l.contains("till/admin token")),
        "a till token the operator passed in is never printed: {printed:?}"
    );

    let log = stderr_reader.join().unwrap();
    for expected in [
        "POST /v1/members 201",
        "GET /v1/me 200",
        "GET /v1/ledger 200",
        "POST /v1/till/purchases 201",
        "POST /v1/admin/members/{member_id}/points 201",
        "GET <unmatched> 404",
    ] {
        assert!(log.contains(expected), "log lacks {expected:?}:\n{log}");
    }
    for secret in [
        token.as_str(),
        card.as_str(),
        member_id.as_str(),
        household.as_str(),
        display_name,
        TILL,
        "c1.0",
    ] {
        assert!(
            !log.contains(secret),
            "the log contains personal data:\n{log}"
        );
    }
    for line in log.lines() {
        assert!(line.starts_with("loyalty-server: "), "{line}");
        assert!(line.ends_with("ms"), "{line}");
    }
}
