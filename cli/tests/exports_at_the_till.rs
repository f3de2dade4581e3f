//! The member card exported where no rotating code exists (Catima, Apple Wallet) carries the
//! static code, the card number. This checks, end to end through the binary and a real reference
//! server, that the till policy holds for exactly what those exports carry: the till credits a
//! purchase to it (`POST /v1/till/purchases`), and refuses it, with the true reason, where a
//! rotating code must prove the phone is present (`POST /v1/till/scans`).

use loyalty_core::formats::catima;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_loyalty");
const TILL_TOKEN: &str = "till-token-for-the-export-test-0123456789";

fn run_in(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("LOYALTY_DATA")
        .env_remove("LOYALTY_SERVER")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

#[track_caller]
fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(BIN)
            .arg("--data")
            .arg(dir.path())
            .args(["--json", "server", "--addr", "127.0.0.1:0"])
            .args(["--till-token", TILL_TOKEN])
            .env_remove("LOYALTY_DATA")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let info: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let url = info["listening"].as_str().unwrap().to_string();
        Server {
            child,
            addr: url
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .into(),
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// One till request over plain HTTP/1.1: the status and the JSON answer.
    fn till(&self, path: &str, body: &Value) -> (u16, Value) {
        let body = body.to_string();
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TILL_TOKEN}\r\n\
             Content-Type: application/json\r\nIdempotency-Key: {}\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            self.addr,
            rand_key(),
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let status = answer[9..12].parse().unwrap();
        let json = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.trim())
            .filter(|b| !b.is_empty())
            .map(|b| serde_json::from_str(b).unwrap_or_else(|e| panic!("{e}: {b}")))
            .unwrap_or(Value::Null);
        (status, json)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh idempotency key per request.
fn rand_key() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "export-test-{nanos}-{}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn purchase(card: &str) -> Value {
    json!({
        "card": card,
        "store_name": "Main Street",
        "lines": [{"gtin": "5901234123457", "name": "Dog food 10 kg", "quantity": 1,
                   "unit_price": {"amount_minor": 3499, "currency": "EUR"},
                   "category": "pet food"}]
    })
}

#[test]
fn the_till_credits_what_the_catima_and_apple_wallet_exports_carry() {
    let server = Server::start();
    let phone = tempfile::tempdir().unwrap();
    let url = server.url();
    let enrolled: Value = serde_json::from_str(&ok(run_in(
        phone.path(),
        &["--json", "sync", "--server", &url, "enrol", "--name", "Sam"],
    )))
    .unwrap();
    let card_number = enrolled["card_number"].as_str().unwrap().to_string();

    // What Catima gets: the member card's barcode value.
    let csv = phone.path().join("catima.csv");
    ok(run_in(
        phone.path(),
        &[
            "cards",
            "export-catima",
            csv.to_str().unwrap(),
            "--with-member-card",
        ],
    ));
    let parsed = catima::parse(&std::fs::read(&csv).unwrap()).unwrap();
    let in_catima = parsed
        .data
        .cards
        .iter()
        .map(|c| c.barcode_id.clone().unwrap_or_else(|| c.card_id.clone()))
        .find(|v| v.contains(&card_number))
        .expect("the member card is in the Catima export");

    // What Apple Wallet gets: pass.json's barcode message.
    let pass = phone.path().join("card.pkpass");
    ok(run_in(
        phone.path(),
        &["card", "export-pkpass", "--out", pass.to_str().unwrap()],
    ));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&pass).unwrap()).unwrap();
    let mut pass_json = String::new();
    zip.by_name("pass.json")
        .unwrap()
        .read_to_string(&mut pass_json)
        .unwrap();
    let pass_json: Value = serde_json::from_str(&pass_json).unwrap();
    let in_wallet = pass_json["barcodes"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();

    for (what, scanned) in [("Catima", &in_catima), ("Apple Wallet", &in_wallet)] {
        // A purchase credits the member: the till accepts the static code for earning.
        let (status, answer) = server.till("/v1/till/purchases", &purchase(scanned));
        assert_eq!(status, 201, "{what}: {answer}");
        assert!(answer["points_earned"].as_i64().unwrap() > 0, "{answer}");
        // Where a code must prove the phone is there, it is refused, and named for what it is.
        let (status, answer) = server.till("/v1/till/scans", &json!({ "payload": scanned }));
        assert_eq!(status, 422, "{what}: {answer}");
        assert_eq!(answer["refusal"], "not_rotating", "{what}: {answer}");
    }

    // Both purchases reach the phone's balance at the next sync.
    ok(run_in(phone.path(), &["sync", "now"]));
    let ledger: Value =
        serde_json::from_str(&ok(run_in(phone.path(), &["--json", "points", "ledger"]))).unwrap();
    let earned = ledger
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "earn")
        .count();
    assert_eq!(earned, 2, "{ledger}");
}
