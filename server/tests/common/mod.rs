//! Test harness: a real server on 127.0.0.1:0 with a manual clock, and a tiny HTTP/1.1 client
//! over a plain tokio TcpStream (one connection per request, `Connection: close`).

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use loyalty_domain::ManualClock;
use loyalty_server::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const TILL: &str = "till-token-for-the-tests-0123456789";

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts an error answer: status, JSON `{"error": code, "reason": ...}`.
    pub fn assert_error(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status, status, "body: {}", self.text());
        let v = self.json();
        assert_eq!(v["error"], code, "body: {v}");
        assert!(
            v["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "reason missing: {v}"
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "error bodies are JSON"
        );
        self
    }
}

/// One HTTP/1.1 request; `body` is sent as JSON when given.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    request_from(None, addr, method, path, headers, body).await
}

/// [`request`] from a given local address (another loopback address, e.g. `127.0.0.2`, is
/// another client to the server).
pub async fn request_from(
    from: Option<std::net::IpAddr>,
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let mut stream = match from {
        None => TcpStream::connect(addr).await.expect("connect"),
        Some(ip) => {
            let socket = tokio::net::TcpSocket::new_v4().expect("socket");
            socket.bind(SocketAddr::new(ip, 0)).expect("bind");
            socket.connect(addr).await.expect("connect")
        }
    };
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    } else if matches!(method, "POST" | "PUT") {
        head.push_str("Content-Length: 0\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write head");
    if let Some(b) = body {
        stream.write_all(b).await.expect("write body");
    }
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response has a head");
    let head = std::str::from_utf8(&raw[..split]).expect("head is text");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body);
    } else if let Some((_, len)) = headers.iter().find(|(n, _)| n == "content-length") {
        let len: usize = len.parse().expect("content-length");
        assert_eq!(body.len(), len, "body length matches content-length");
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size_text = std::str::from_utf8(&data[..line_end]).expect("chunk size");
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
            .expect("hex chunk size");
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// A server on a temporary data directory, with a manual clock at [`t0`].
pub struct TestServer {
    pub server: Option<RunningServer>,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
}

pub fn config(dir: &Path, clock: &Arc<ManualClock>) -> ServerConfig {
    let mut c = ServerConfig::new(dir.to_path_buf());
    c.till_token = Some(TILL.into());
    c.now = clock.clone();
    c
}

impl TestServer {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(ManualClock::new(t0()));
        let server = start(config(dir.path(), &clock))
            .await
            .expect("server starts");
        Self {
            server: Some(server),
            clock,
            dir,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn running(&self) -> &RunningServer {
        self.server.as_ref().expect("running")
    }

    pub fn addr(&self) -> SocketAddr {
        self.running().addr
    }

    pub async fn restart(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        self.server = Some(
            start(config(self.dir.path(), &self.clock))
                .await
                .expect("server restarts"),
        );
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Resp {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        if let Some(k) = key {
            headers.push(("Idempotency-Key", k));
        }
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
        request(self.addr(), method, path, &headers, bytes.as_deref()).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call("GET", path, Some(token), None, None).await
    }

    pub async fn post(&self, path: &str, token: &str, key: &str, body: Value) -> Resp {
        self.call("POST", path, Some(token), Some(key), Some(&body))
            .await
    }

    pub async fn admin(&self, method: &str, path: &str, body: Value) -> Resp {
        self.call(method, path, Some(TILL), None, Some(&body)).await
    }

    pub async fn enrol(&self, name: Option<&str>) -> Member {
        let r = self
            .call(
                "POST",
                "/v1/members",
                None,
                None,
                Some(&json!({ "display_name": name })),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let v = r.json();
        Member {
            id: v["member_id"].as_str().unwrap().into(),
            card: v["card_number"].as_str().unwrap().into(),
            token: v["token"].as_str().unwrap().into(),
            household: v["household_code"].as_str().unwrap().into(),
        }
    }

    /// A second device of `m`'s household: a new token for the same member.
    pub async fn second_device(&self, m: &Member) -> String {
        let r = self
            .call(
                "POST",
                "/v1/sessions",
                None,
                None,
                Some(&json!({ "household_code": m.household })),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let v = r.json();
        assert_eq!(v["member_id"], m.id.as_str());
        v["token"].as_str().unwrap().to_string()
    }

    /// Issues a €5-off voucher valid for 30 days from now; returns the voucher item.
    pub async fn issue_voucher(&self, member_id: &str, title: &str) -> Value {
        let r = self
            .admin(
                "POST",
                &format!("/v1/admin/members/{member_id}/vouchers"),
                json!({
                    "kind": {"type": "amount_off", "amount": {"amount_minor": 500, "currency": "EUR"}},
                    "title": title,
                    "description": "Five euros off your next purchase",
                    "valid_until": (self.clock_now() + chrono::Duration::days(30)).to_rfc3339(),
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        use loyalty_domain::Clock;
        self.clock.now()
    }

    /// Every item of a delta feed from `cursor`, following `next_cursor` with pages of `limit`.
    /// Returns (items, final cursor, pages fetched).
    pub async fn drain(
        &self,
        collection: &str,
        token: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> (Vec<Value>, String, usize) {
        let mut items = Vec::new();
        let mut cursor = cursor.map(str::to_string);
        let mut pages = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/{collection}?cursor={c}&limit={limit}"),
                None => format!("/v1/{collection}?limit={limit}"),
            };
            let r = self.get(&path, token).await;
            assert_eq!(r.status, 200, "{}", r.text());
            let v = r.json();
            pages += 1;
            let page = v["items"].as_array().unwrap();
            assert!(page.len() <= limit as usize);
            items.extend(page.iter().cloned());
            cursor = Some(v["next_cursor"].as_str().unwrap().to_string());
            if !v["has_more"].as_bool().unwrap() {
                return (items, cursor.unwrap(), pages);
            }
            assert!(pages < 10_000, "paging terminates");
        }
    }
}

pub struct Member {
    pub id: String,
    pub card: String,
    pub token: String,
    pub household: String,
}

/// A till line item (GTIN with a valid check digit).
pub fn line(name: &str, qty: i64, cents: i64) -> Value {
    json!({
        "gtin": "4006381333931",
        "name": name,
        "quantity": qty,
        "unit_price": {"amount_minor": cents, "currency": "EUR"},
        "category": "food",
        "lot": null
    })
}

/// A fresh version-4-shaped idempotency key.
pub fn key() -> String {
    loyalty_domain::wallet::new_idempotency_key()
}

/// Folds ledger items (upserts: a later item with the same id replaces the earlier one) into
/// (entries by id, balance).
pub fn fold_ledger(items: &[Value]) -> (std::collections::BTreeMap<String, Value>, i64) {
    let mut by_id = std::collections::BTreeMap::new();
    for item in items {
        by_id.insert(item["id"].as_str().unwrap().to_string(), item.clone());
    }
    let balance = by_id.values().map(|v| v["points"].as_i64().unwrap()).sum();
    (by_id, balance)
}
