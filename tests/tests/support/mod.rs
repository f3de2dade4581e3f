//! Shared by `sync_e2e.rs` and the sync benchmark: the real reference server on loopback, a raw
//! HTTP/1.1 client for its admin and till endpoints, a fault-injecting proxy between the client
//! and the server, devices on disk, and a check that a device mirrors the server.
#![allow(dead_code)]

use loyalty_core::points::EntryStatus;
use loyalty_core::secrets::{MemorySecretStore, SecretStore};
use loyalty_core::sync::{RetryPolicy, SyncConfig, TOKEN_SECRET_KEY};
use loyalty_core::wallet::VoucherState;
use loyalty_core::{LoyaltyClient, SystemClock};
use loyalty_server::{RunningServer, ServerConfig};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

// ---- raw HTTP ----------------------------------------------------------------------------------

/// A parsed HTTP/1.1 message head and body.
#[derive(Debug, Clone)]
pub struct Message {
    /// Request line or status line.
    pub start: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn status(&self) -> u16 {
        self.start
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    /// The head with `connection: close` and the body's real length.
    fn encode_head(&self, content_length: usize) -> Vec<u8> {
        let mut out = format!("{}\r\n", self.start);
        for (k, v) in &self.headers {
            if [
                "connection",
                "content-length",
                "transfer-encoding",
                "keep-alive",
            ]
            .iter()
            .any(|h| k.eq_ignore_ascii_case(h))
            {
                continue;
            }
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str(&format!(
            "connection: close\r\ncontent-length: {content_length}\r\n\r\n"
        ));
        out.into_bytes()
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

fn parse_head(head: &[u8]) -> (String, Vec<(String, String)>) {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let start = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    (start, headers)
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&body[start..(start + size).min(body.len())]);
        body = &body[(start + size + 2).min(body.len())..];
    }
    out
}

/// Reads one request (head and `content-length` body) from a client; `None` at EOF.
async fn read_request(stream: &mut TcpStream) -> Option<Message> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find_head_end(&buf) {
            break i;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let (start, headers) = parse_head(&buf[..head_end]);
    let mut msg = Message {
        start,
        headers,
        body: buf[head_end + 4..].to_vec(),
    };
    let len: usize = msg
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while msg.body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        msg.body.extend_from_slice(&chunk[..n]);
    }
    Some(msg)
}

/// Reads a whole response until the server closes the connection.
async fn read_response(stream: &mut TcpStream) -> Option<Message> {
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.ok()?;
    let head_end = find_head_end(&buf)?;
    let (start, headers) = parse_head(&buf[..head_end]);
    let mut msg = Message {
        start,
        headers,
        body: buf[head_end + 4..].to_vec(),
    };
    if msg
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        msg.body = dechunk(&msg.body);
    }
    Some(msg)
}

/// One request to `addr` on a fresh connection.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    extra: &[(&str, &str)],
) -> Message {
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("connect to the server");
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        bytes.len()
    );
    if body.is_some() {
        head.push_str("content-type: application/json\r\n");
    }
    if let Some(t) = token {
        head.push_str(&format!("authorization: Bearer {t}\r\n"));
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&bytes).await.unwrap();
    read_response(&mut stream).await.expect("a response")
}

/// A request that must succeed (2xx); its JSON body (null for 204).
pub async fn http_ok(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Value {
    let key = loyalty_core::wallet::new_idempotency_key();
    let r = http(
        addr,
        method,
        path,
        token,
        body,
        &[("idempotency-key", &key)],
    )
    .await;
    assert!(
        (200..300).contains(&r.status()),
        "{method} {path}: {} {}",
        r.status(),
        String::from_utf8_lossy(&r.body)
    );
    if r.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&r.body).unwrap()
    }
}

// ---- the server --------------------------------------------------------------------------------

/// The reference server on loopback with its data directory.
pub struct Server {
    pub data: PathBuf,
    pub running: Option<RunningServer>,
    pub addr: SocketAddr,
    pub till: String,
}

impl Server {
    pub async fn start(data: PathBuf) -> Server {
        let running = loyalty_server::start(ServerConfig::new(&data))
            .await
            .expect("the reference server starts");
        Server {
            addr: running.addr,
            till: running.till_token().to_string(),
            data,
            running: Some(running),
        }
    }

    /// Stops the server (requests in flight finish) and starts it again on the same data
    /// directory; the address may change (point the proxy at the new one).
    pub async fn restart(&mut self) {
        self.stop().await;
        let running = loyalty_server::start(ServerConfig::new(&self.data))
            .await
            .expect("the reference server restarts");
        self.addr = running.addr;
        assert_eq!(running.till_token(), self.till, "the till token is kept");
        self.running = Some(running);
    }

    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's database, opened read-only beside the running server (WAL: it reads the
    /// last committed state).
    fn database(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(
            self.data.join(loyalty_server::DB_FILE),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("the server's database opens read-only")
    }

    /// Every member the server has, as (id, card number), in the order they were created.
    pub fn members(&self) -> Vec<(String, String)> {
        let conn = self.database();
        let mut stmt = conn
            .prepare("SELECT id, card_number FROM members ORDER BY rowid")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// The member's change sequence: the number of the latest change to one of their ledger
    /// entries, vouchers or receipts (no feed cursor the server issues goes past it).
    pub fn change_seq(&self, member: &str) -> u64 {
        self.database()
            .query_row(
                "SELECT change_seq FROM members WHERE id = ?1",
                [member],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// The sessions (signed-in devices) of a member.
    pub fn sessions_of(&self, member: &str) -> i64 {
        self.database()
            .query_row(
                "SELECT count(*) FROM sessions WHERE member_id = ?1",
                [member],
                |r| r.get(0),
            )
            .unwrap()
    }

    pub async fn admin(&self, path: &str, body: &Value) -> Value {
        http_ok(self.addr, "POST", path, Some(&self.till), Some(body)).await
    }

    /// A GET with the till/admin token (the back office's reads).
    pub async fn admin_get(&self, path: &str) -> Value {
        http_ok(self.addr, "GET", path, Some(&self.till), None).await
    }

    /// Publishes the next version of a content feed; returns its version.
    pub async fn publish_content(&self, kind: &str, body: &Value) -> u64 {
        let path = format!("/v1/admin/content/{kind}");
        let published = http_ok(self.addr, "PUT", &path, Some(&self.till), Some(body)).await;
        published["version"].as_u64().unwrap()
    }

    pub async fn issue_voucher(&self, member: &str, title: &str) -> String {
        let v = self
            .admin(
                &format!("/v1/admin/members/{member}/vouchers"),
                &json!({
                    "kind": {"type": "amount_off", "amount": {"amount_minor": 500, "currency": "EUR"}},
                    "title": title,
                    "valid_until": "2099-01-01T00:00:00Z",
                }),
            )
            .await;
        v["id"].as_str().unwrap().to_string()
    }

    pub async fn add_points(&self, member: &str, points: i64, description: &str) -> Value {
        self.admin(
            &format!("/v1/admin/members/{member}/points"),
            &json!({ "points": points, "kind": if points > 0 { "earn" } else { "adjust" }, "description": description }),
        )
        .await
    }

    /// Imports a receipt of `total_minor` cents; `credit`: credited now (else claimable).
    pub async fn import_receipt(&self, member: &str, id: &str, total_minor: i64, credit: bool) {
        self.admin(
            &format!("/v1/admin/members/{member}/receipts"),
            &json!({ "receipt": receipt_json(id, total_minor), "credit_points": credit }),
        )
        .await;
    }

    pub async fn revoke(&self, member: &str, voucher: &str) {
        self.admin(
            &format!("/v1/admin/members/{member}/vouchers/{voucher}/revoke"),
            &json!({}),
        )
        .await;
    }

    /// Every record of a feed as the server has it now (the latest state of each id).
    pub async fn feed(&self, token: &str, feed: &str) -> Vec<Value> {
        let mut cursor = String::new();
        let mut latest: Vec<Value> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        loop {
            let path = if cursor.is_empty() {
                format!("/v1/{feed}?limit=1000")
            } else {
                format!("/v1/{feed}?limit=1000&cursor={cursor}")
            };
            let page = http_ok(self.addr, "GET", &path, Some(token), None).await;
            for item in page["items"].as_array().unwrap() {
                let id = item["id"].as_str().unwrap().to_string();
                match index.get(&id) {
                    Some(&i) => latest[i] = item.clone(),
                    None => {
                        index.insert(id, latest.len());
                        latest.push(item.clone());
                    }
                }
            }
            cursor = page["next_cursor"].as_str().unwrap().to_string();
            if !page["has_more"].as_bool().unwrap() {
                return latest;
            }
        }
    }
}

pub fn receipt_json(id: &str, total_minor: i64) -> Value {
    json!({
        "id": id,
        "store_name": "Store 12",
        "purchased_at": "2026-03-01T09:00:00Z",
        "lines": [{
            "gtin": "4006381333931",
            "name": "Dog food 12 kg",
            "quantity": 1,
            "unit_price": {"amount_minor": total_minor, "currency": "EUR"},
            "category": "pet food"
        }],
        "source": "server"
    })
}

// ---- devices -----------------------------------------------------------------------------------

/// Retries fast enough for tests (waits of a few ms), timeouts short enough that a slow answer
/// is noticed quickly.
pub fn test_config() -> SyncConfig {
    SyncConfig {
        request_timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(2),
        sync_deadline: Duration::from_secs(30),
        retry: RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        },
        page_limit: 25,
        stuck_after: 3,
        max_response_bytes: 4 * 1024 * 1024,
    }
}

/// A shopper's phone: a real store on disk and an in-memory keystore.
pub struct Device {
    pub dir: tempfile::TempDir,
    pub client: LoyaltyClient,
    pub secrets: Arc<MemorySecretStore>,
}

impl Device {
    pub fn new(config: SyncConfig) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemorySecretStore::default());
        let client = LoyaltyClient::open(
            dir.path(),
            Default::default(),
            Arc::new(SystemClock),
            Some(secrets.clone() as Arc<dyn SecretStore>),
        )
        .unwrap();
        client.sync().set_config(config).unwrap();
        Device {
            dir,
            client,
            secrets,
        }
    }

    /// The app killed and started again: the client closed, and a new one opened on the same
    /// data directory and keystore with the same sync configuration.
    pub fn restart(&mut self) {
        let config = self.client.sync().config();
        self.client.close().unwrap();
        self.client = LoyaltyClient::open(
            self.dir.path(),
            Default::default(),
            Arc::new(SystemClock),
            Some(self.secrets.clone() as Arc<dyn SecretStore>),
        )
        .unwrap();
        self.client.sync().set_config(config).unwrap();
    }

    pub fn token(&self) -> String {
        String::from_utf8(self.secrets.get(TOKEN_SECRET_KEY).unwrap().unwrap()).unwrap()
    }

    pub fn member_id(&self) -> String {
        self.client.sync().account().unwrap().unwrap().member_id
    }
}

/// Asserts the device holds exactly what the server holds for the member: every server ledger
/// entry once (confirmed, same amount), no other counting entry, the balance their sum; every
/// voucher in the matching state; the same receipts; and an empty outbox.
pub async fn assert_mirrors(server: &Server, device: &Device) {
    let token = device.token();
    let store = device.client.store();
    assert!(
        store.outbox().unwrap().is_empty(),
        "outbox not drained: {:?}",
        store.outbox().unwrap()
    );
    let balance = device
        .client
        .points()
        .verify()
        .expect("balance matches the ledger");

    let ledger = server.feed(&token, "ledger").await;
    let links: HashMap<String, u64> = store.server_ledger_ids().unwrap().into_iter().collect();
    let entries = device.client.points().entries().unwrap();
    let by_seq: HashMap<u64, _> = entries.iter().map(|e| (e.seq, e)).collect();
    let mut linked = std::collections::HashSet::new();
    let mut sum = 0;
    for item in &ledger {
        let id = item["id"].as_str().unwrap();
        let seq = links
            .get(id)
            .unwrap_or_else(|| panic!("server entry {id} missing on the device"));
        assert!(
            linked.insert(*seq),
            "two server entries share local entry {seq}"
        );
        let e = by_seq[seq];
        assert_eq!(e.status, EntryStatus::Confirmed, "{id}");
        assert_eq!(e.points, item["points"].as_i64().unwrap(), "{id}");
        assert_eq!(serde_json::to_value(e.kind).unwrap(), item["kind"], "{id}");
        assert_eq!(e.reference.as_deref(), item["reference"].as_str(), "{id}");
        sum += e.points;
    }
    assert_eq!(
        links.len(),
        ledger.len(),
        "the device links unknown server ids"
    );
    for e in &entries {
        if !linked.contains(&e.seq) {
            assert_eq!(
                e.status,
                EntryStatus::Rejected,
                "a local entry counts that the server does not have: {e:?}"
            );
        }
    }
    assert_eq!(
        balance.confirmed, sum,
        "confirmed balance = server ledger sum"
    );
    assert_eq!((balance.pending_credit, balance.pending_debit), (0, 0));

    let vouchers = server.feed(&token, "vouchers").await;
    let local = device.client.wallet().all().unwrap();
    assert_eq!(local.len(), vouchers.len(), "voucher count");
    for v in &vouchers {
        let id = v["id"].as_str().unwrap();
        let l = local
            .iter()
            .find(|l| l.id == id)
            .expect("voucher on device");
        assert_eq!(l.code, v["code"].as_str().unwrap());
        let ok = matches!(
            (v["state"].as_str().unwrap(), &l.state),
            ("available", VoucherState::Available)
                | ("redeemed", VoucherState::Redeemed { .. })
                | ("revoked", VoucherState::Revoked)
        );
        assert!(
            ok,
            "voucher {id}: server {} device {:?}",
            v["state"], l.state
        );
    }

    let receipts = server.feed(&token, "receipts").await;
    let local = device.client.receipts().all().unwrap();
    assert_eq!(local.len(), receipts.len(), "receipt count");
    for r in &receipts {
        let id = r["id"].as_str().unwrap();
        let l = local
            .iter()
            .find(|l| l.id == id)
            .expect("receipt on device");
        assert_eq!(&serde_json::to_value(l).unwrap(), r, "receipt {id}");
    }
}

// ---- the fault-injecting proxy -----------------------------------------------------------------

/// What the proxy does to one request.
#[derive(Clone)]
pub enum Fault {
    /// Answers this status itself (with `Retry-After` when given); the server sees nothing.
    Status(u16, Option<&'static str>),
    /// Closes the connection without forwarding.
    DropBeforeForward,
    /// Forwards (the server applies the request) but closes without answering.
    DropAfterForward,
    /// Forwards and sends the head with the full length but only half of the body.
    Truncate,
    /// Forwards and answers 200 with a body that is not JSON.
    Garbage,
    /// Forwards and replaces the answer's `next_cursor` with this one (a server that sends a
    /// cursor outside its own grammar).
    NextCursor(&'static str),
    /// Waits this long before forwarding (beyond the client's timeout).
    Slow(Duration),
    /// Signals `reached`, then waits for `release` before forwarding.
    Hold {
        reached: Arc<Notify>,
        release: Arc<Notify>,
    },
}

struct Rule {
    method: &'static str,
    path_prefix: &'static str,
    /// Matching requests passed through before the fault applies.
    skip: usize,
    /// Matching requests the fault applies to after that.
    times: usize,
    fault: Fault,
}

#[derive(Default)]
struct ProxyState {
    upstream: Mutex<Option<SocketAddr>>,
    rules: Mutex<Vec<Rule>>,
    requests: AtomicU64,
    faults_applied: AtomicU64,
    upstream_failures: AtomicU64,
    log: Mutex<VecDeque<String>>,
}

/// A TCP proxy speaking just enough HTTP/1.1 to inject faults per request.
#[derive(Clone)]
pub struct Proxy {
    pub addr: SocketAddr,
    state: Arc<ProxyState>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(ProxyState::default());
        *state.upstream.lock().unwrap() = Some(upstream);
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let st = st.clone();
                tokio::spawn(async move { handle(st, stream).await });
            }
        });
        Proxy { addr, state }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_upstream(&self, upstream: Option<SocketAddr>) {
        *self.state.upstream.lock().unwrap() = upstream;
    }

    /// Applies `fault` to `times` requests matching `method` and the path prefix, after letting
    /// `skip` of them through.
    pub fn inject(
        &self,
        method: &'static str,
        path_prefix: &'static str,
        skip: usize,
        times: usize,
        fault: Fault,
    ) {
        self.state.rules.lock().unwrap().push(Rule {
            method,
            path_prefix,
            skip,
            times,
            fault,
        });
    }

    /// Removes every fault not applied yet.
    pub fn clear(&self) {
        self.state.rules.lock().unwrap().clear();
    }

    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    pub fn faults_applied(&self) -> u64 {
        self.state.faults_applied.load(Ordering::SeqCst)
    }

    pub fn upstream_failures(&self) -> u64 {
        self.state.upstream_failures.load(Ordering::SeqCst)
    }

    /// Rules whose faults have not all been applied yet.
    pub fn pending_faults(&self) -> usize {
        self.state
            .rules
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.times > 0)
            .count()
    }

    /// The last requests seen: "METHOD path -> what happened".
    pub fn log(&self) -> Vec<String> {
        self.state.log.lock().unwrap().iter().cloned().collect()
    }
}

fn pick_fault(state: &ProxyState, method: &str, path: &str) -> Option<Fault> {
    let mut rules = state.rules.lock().unwrap();
    for r in rules.iter_mut() {
        if r.times == 0 || r.method != method || !path.starts_with(r.path_prefix) {
            continue;
        }
        if r.skip > 0 {
            r.skip -= 1;
            return None;
        }
        r.times -= 1;
        return Some(r.fault.clone());
    }
    None
}

async fn forward(state: &ProxyState, req: &Message) -> Option<Message> {
    let upstream = (*state.upstream.lock().unwrap())?;
    let mut up = TcpStream::connect(upstream).await.ok()?;
    up.write_all(&req.encode_head(req.body.len())).await.ok()?;
    up.write_all(&req.body).await.ok()?;
    read_response(&mut up).await
}

async fn handle(state: Arc<ProxyState>, mut client: TcpStream) {
    // One request per connection: every answer says `connection: close`.
    let Some(req) = read_request(&mut client).await else {
        return;
    };
    state.requests.fetch_add(1, Ordering::SeqCst);
    let mut parts = req.start.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let fault = pick_fault(&state, &method, &path);
    if fault.is_some() {
        state.faults_applied.fetch_add(1, Ordering::SeqCst);
    }
    let note = |what: &str| {
        let mut log = state.log.lock().unwrap();
        log.push_back(format!(
            "{method} {} -> {what}",
            path.split('?').next().unwrap_or("")
        ));
        if log.len() > 200 {
            log.pop_front();
        }
    };
    let upstream_answer = |resp: Option<Message>| {
        if resp.is_none() {
            state.upstream_failures.fetch_add(1, Ordering::SeqCst);
        }
        resp
    };
    match fault {
        Some(Fault::Status(status, retry_after)) => {
            note(&format!("injected {status}"));
            let body = br#"{"error":"unavailable","reason":"injected by the test proxy"}"#;
            let mut head = format!(
                "HTTP/1.1 {status} Injected\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n",
                body.len()
            );
            if let Some(ra) = retry_after {
                head.push_str(&format!("retry-after: {ra}\r\n"));
            }
            head.push_str("\r\n");
            let _ = client.write_all(head.as_bytes()).await;
            let _ = client.write_all(body).await;
        }
        Some(Fault::DropBeforeForward) => note("dropped before forwarding"),
        Some(Fault::DropAfterForward) => {
            let resp = upstream_answer(forward(&state, &req).await);
            note(&format!(
                "forwarded ({}), then dropped",
                resp.map_or(0, |r| r.status())
            ));
        }
        Some(Fault::Truncate) => {
            if let Some(resp) = upstream_answer(forward(&state, &req).await) {
                note("truncated");
                let _ = client.write_all(&resp.encode_head(resp.body.len())).await;
                let _ = client.write_all(&resp.body[..resp.body.len() / 2]).await;
            }
        }
        Some(Fault::Garbage) => {
            if let Some(resp) = upstream_answer(forward(&state, &req).await) {
                note("garbage");
                let body = b"{\"items\": [tru\xff\xfe not json";
                let mut resp = resp;
                resp.start = "HTTP/1.1 200 OK".into();
                let _ = client.write_all(&resp.encode_head(body.len())).await;
                let _ = client.write_all(body).await;
            }
        }
        Some(Fault::NextCursor(cursor)) => {
            if let Some(mut resp) = upstream_answer(forward(&state, &req).await) {
                note(&format!("next_cursor replaced by {cursor}"));
                if let Ok(mut v) = serde_json::from_slice::<Value>(&resp.body) {
                    v["next_cursor"] = Value::from(cursor);
                    resp.body = serde_json::to_vec(&v).unwrap();
                }
                let _ = client.write_all(&resp.encode_head(resp.body.len())).await;
                let _ = client.write_all(&resp.body).await;
            }
        }
        other => {
            match other {
                Some(Fault::Slow(d)) => {
                    note("slowed");
                    tokio::time::sleep(d).await;
                }
                Some(Fault::Hold { reached, release }) => {
                    note("held");
                    reached.notify_one();
                    release.notified().await;
                }
                _ => {}
            }
            match upstream_answer(forward(&state, &req).await) {
                Some(resp) => {
                    note(&format!("{}", resp.status()));
                    let _ = client.write_all(&resp.encode_head(resp.body.len())).await;
                    let _ = client.write_all(&resp.body).await;
                }
                None => note("upstream unreachable: dropped"),
            }
        }
    }
    let _ = client.shutdown().await;
}
