//! Sync benchmark against the real reference server on loopback:
//!
//! - an initial sync of 10 000 ledger entries, 1 000 vouchers and 1 000 receipts into an empty
//!   store on disk;
//! - draining 1 000 queued redemptions (and the voucher feed they change);
//!
//! each with wall time, HTTP requests made and the client's peak heap (a counting global
//! allocator). The anchors, measured in the same run (median of 5 after an untimed run): the same
//! page requests over raw HTTP/1.1 with the bodies decoded to `serde_json::Value` and nothing
//! stored — the floor the sync's checks and store transactions add to — and every request the
//! initial sync makes, raw (the pages, `GET /v1/me`, the offers and the five content feeds).
//!
//! The server runs in a child process (this binary re-executed with `--serve DIR`), so the
//! allocator counts the client alone. It is seeded through its admin API (one HTTP request per
//! record; the server writes each with `synchronous = FULL`, so seeding takes a while — its time
//! is printed, not benchmarked). `SYNC_BENCH_SCALE=0.1` runs a tenth of the sizes.
//! `SYNC_BENCH_REPEAT=7` adds 7 initial syncs on fresh devices that join the household, each
//! right after a raw fetch of the same pages, and prints the median of those ratios (steadier
//! than one sync on a machine whose load moves between runs).

#[path = "../tests/support/mod.rs"]
mod support;

use loyalty_core::sync::SyncConfig;
use loyalty_core::wallet::VoucherState;
use serde_json::{json, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak heap above the level at the start of a measurement.
struct Measure {
    started: Instant,
    base: usize,
}

impl Measure {
    fn start() -> Self {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        Self {
            started: Instant::now(),
            base,
        }
    }

    fn stop(self) -> (Duration, usize) {
        (
            self.started.elapsed(),
            PEAK.load(Ordering::Relaxed).saturating_sub(self.base),
        )
    }
}

fn serve(dir: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = loyalty_server::start(loyalty_server::ServerConfig::new(dir))
            .await
            .expect("server starts");
        println!("{} {}", server.addr, server.till_token());
        // Serve until the parent closes stdin.
        tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).unwrap_or(0) > 0 {}
        })
        .await
        .unwrap();
        server.shutdown().await;
    });
}

struct ChildServer {
    child: Child,
    addr: SocketAddr,
    till: String,
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn spawn_server(dir: &std::path::Path) -> ChildServer {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--serve")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the server process");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let (addr, till) = line.trim().split_once(' ').expect("addr and token");
    ChildServer {
        addr: addr.parse().unwrap(),
        till: till.to_string(),
        child,
    }
}

/// Sends `requests` admin writes, `parallel` at a time.
async fn admin_all(addr: SocketAddr, till: &str, requests: Vec<(String, Value)>, parallel: usize) {
    let mut queue = requests.into_iter();
    loop {
        let batch: Vec<_> = queue.by_ref().take(parallel).collect();
        if batch.is_empty() {
            return;
        }
        let calls = batch
            .iter()
            .map(|(path, body)| support::http_ok(addr, "POST", path, Some(till), Some(body)));
        futures_join_all(calls).await;
    }
}

/// `join_all` without the futures crate: spawn-free, polls each to completion in order while
/// all make progress concurrently on the runtime's reactor.
async fn futures_join_all<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futs.map(Box::pin).collect();
    let mut out = Vec::with_capacity(pinned.len());
    let mut results: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if results[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => results[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.extend(results.into_iter().flatten());
    out
}

/// The anchor: page through the three feeds over raw HTTP, decode, store nothing.
async fn raw_fetch(addr: SocketAddr, token: &str, limit: u32) -> u64 {
    let mut requests = 0;
    for feed in ["ledger", "vouchers", "receipts"] {
        let mut cursor = String::new();
        loop {
            let path = if cursor.is_empty() {
                format!("/v1/{feed}?limit={limit}")
            } else {
                format!("/v1/{feed}?limit={limit}&cursor={cursor}")
            };
            let page = support::http_ok(addr, "GET", &path, Some(token), None).await;
            requests += 1;
            cursor = page["next_cursor"].as_str().unwrap().to_string();
            if !page["has_more"].as_bool().unwrap() {
                break;
            }
        }
    }
    requests
}

/// The second anchor: every request the initial sync makes, raw: the same pages, then the
/// member's settings (`GET /v1/me`), offers and the five content feeds, one after another.
async fn raw_fetch_all(addr: SocketAddr, token: &str, limit: u32) -> u64 {
    let mut requests = raw_fetch(addr, token, limit).await;
    for path in ["/v1/me", "/v1/offers"] {
        support::http_ok(addr, "GET", path, Some(token), None).await;
        requests += 1;
    }
    for feed in loyalty_core::store::ContentFeed::ALL {
        let path = format!("/v1/content/{}", feed.name());
        support::http_ok(addr, "GET", &path, None, None).await;
        requests += 1;
    }
    requests
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        serve(&args[i + 1]);
        return;
    }
    let scale: f64 = std::env::var("SYNC_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let n = |x: usize| ((x as f64 * scale).round() as usize).max(1);
    let (receipts, vouchers, ledger) = (n(1_000), n(1_000), n(10_000));

    let data = tempfile::tempdir().unwrap();
    let server = spawn_server(&data.path().join("server"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let config = SyncConfig::default();
    let device = support::Device::new(config.clone());
    let sync = device.client.sync();
    let enrolment = rt
        .block_on(sync.enrol(format!("http://{}", server.addr), Some("Bench".into())))
        .expect("enrol");
    let member = enrolment.member_id.clone();
    let token = device.token();

    // Seed: receipts credited at import (a receipt and a ledger entry each), points entries for
    // the rest of the ledger, vouchers.
    let seeding = Instant::now();
    let mut writes: Vec<(String, Value)> = (0..receipts)
        .map(|i| {
            (
                format!("/v1/admin/members/{member}/receipts"),
                json!({ "receipt": support::receipt_json(&format!("r_{i}"), 1000 + i as i64), "credit_points": true }),
            )
        })
        .collect();
    writes.extend((0..ledger.saturating_sub(receipts)).map(|i| {
        (
            format!("/v1/admin/members/{member}/points"),
            json!({ "points": 1 + (i % 50) as i64, "kind": "earn", "description": "Bonus" }),
        )
    }));
    writes.extend((0..vouchers).map(|i| {
        (
            format!("/v1/admin/members/{member}/vouchers"),
            json!({
                "kind": {"type": "percent_off", "percent": 10},
                "title": format!("10% off #{i}"),
                "valid_until": "2099-01-01T00:00:00Z",
            }),
        )
    }));
    let seeded = writes.len();
    rt.block_on(admin_all(server.addr, &server.till, writes, 8));
    let seeding = seeding.elapsed();
    eprintln!(
        "seeded {seeded} records through the admin API in {:.1} s ({:.2} ms each)",
        seeding.as_secs_f64(),
        seeding.as_secs_f64() * 1000.0 / seeded as f64
    );

    let mut rows: Vec<(String, Duration, u64, usize)> = Vec::new();

    // The anchors: the same pages raw, and every request the sync makes raw. One untimed run
    // (the server's caches), then 5 timed runs of each, alternated; the medians are reported.
    rt.block_on(raw_fetch_all(server.addr, &token, config.page_limit));
    let mut pages_runs = Vec::new();
    let mut all_runs = Vec::new();
    let (mut pages_requests, mut all_requests) = (0, 0);
    for _ in 0..5 {
        let m = Measure::start();
        pages_requests = rt.block_on(raw_fetch(server.addr, &token, config.page_limit));
        pages_runs.push(m.stop());
        let m = Measure::start();
        all_requests = rt.block_on(raw_fetch_all(server.addr, &token, config.page_limit));
        all_runs.push(m.stop());
    }
    let median = |runs: &mut Vec<(Duration, usize)>| {
        runs.sort();
        runs[runs.len() / 2]
    };
    let (anchor_pages, peak) = median(&mut pages_runs);
    rows.push((
        "anchor: raw HTTP GET of the same pages, JSON decoded, nothing stored".into(),
        anchor_pages,
        pages_requests,
        peak,
    ));
    let (anchor_all, peak) = median(&mut all_runs);
    rows.push((
        "anchor 2: raw GET of every request the sync makes (+ me, offers, content)".into(),
        anchor_all,
        all_requests,
        peak,
    ));

    // Initial sync.
    let m = Measure::start();
    let report = sync.sync_now_blocking().expect("initial sync");
    let (t, peak) = m.stop();
    assert_eq!(report.ledger_applied as usize, ledger);
    assert_eq!(report.vouchers_applied as usize, vouchers);
    assert_eq!(report.receipts_applied as usize, receipts);
    device.client.points().verify().unwrap();
    let initial = t;
    rows.push((
        format!("initial sync: {ledger} ledger entries, {vouchers} vouchers, {receipts} receipts"),
        t,
        report.requests,
        peak,
    ));

    // Optionally more initial syncs, each on a fresh device that joins the household.
    let repeat: usize = std::env::var("SYNC_BENCH_REPEAT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if repeat > 0 {
        let household = sync.household_code().unwrap().expect("household code");
        let mut runs = Vec::new();
        for _ in 0..repeat {
            let other = support::Device::new(config.clone());
            rt.block_on(
                other
                    .client
                    .sync()
                    .join_household(format!("http://{}", server.addr), household.clone()),
            )
            .expect("join");
            let m = Measure::start();
            rt.block_on(raw_fetch(server.addr, &token, config.page_limit));
            let (a, _) = m.stop();
            let m = Measure::start();
            other
                .client
                .sync()
                .sync_now_blocking()
                .expect("initial sync");
            let (t, peak) = m.stop();
            let r = t.as_secs_f64() / a.as_secs_f64();
            eprintln!(
                "repeat: anchor {:.0} ms, initial sync {:.0} ms, {r:.2}x, peak {}",
                a.as_secs_f64() * 1000.0,
                t.as_secs_f64() * 1000.0,
                mib(peak)
            );
            runs.push((r, t, peak));
        }
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (r, t, peak) = runs[runs.len() / 2];
        eprintln!(
            "repeat: median ratio {r:.2}x ({:.0} ms, peak {})",
            t.as_secs_f64() * 1000.0,
            mib(peak)
        );
    }

    // Redeem every voucher offline (local only), then drain.
    let wallet = device.client.wallet();
    let ids: Vec<String> = wallet.all().unwrap().into_iter().map(|v| v.id).collect();
    let m = Measure::start();
    for id in &ids {
        wallet.begin_redemption(id).unwrap();
    }
    let (t, peak) = m.stop();
    rows.push((
        format!("queue {} redemptions offline (store only)", ids.len()),
        t,
        0,
        peak,
    ));

    let m = Measure::start();
    let report = sync.sync_now_blocking().expect("drain");
    let (t, peak) = m.stop();
    assert_eq!(report.outbox_resolved as usize, ids.len());
    assert!(device.client.sync().outbox().unwrap().is_empty());
    assert!(wallet
        .all()
        .unwrap()
        .iter()
        .all(|v| matches!(v.state, VoucherState::Redeemed { .. })));
    rows.push((
        format!(
            "drain {} queued redemptions (+ the voucher feed they change)",
            ids.len()
        ),
        t,
        report.requests,
        peak,
    ));

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "\nSync benchmark (reference server on loopback in a child process; page limit {}; 2 cores)\n",
        config.page_limit
    )
    .unwrap();
    writeln!(
        out,
        "| {:<72} | {:>9} | {:>8} | {:>10} |",
        "what", "time", "requests", "peak heap"
    )
    .unwrap();
    writeln!(out, "|{:-<74}|{:->11}|{:->10}|{:->12}|", "", "", "", "").unwrap();
    for (what, t, requests, peak) in rows {
        writeln!(
            out,
            "| {:<72} | {:>7.0} ms | {:>8} | {:>10} |",
            what,
            t.as_secs_f64() * 1000.0,
            requests,
            mib(peak)
        )
        .unwrap();
    }
    let ratio = |a: Duration| initial.as_secs_f64() / a.as_secs_f64();
    writeln!(
        out,
        "\ninitial sync / anchor (the same pages): {:.2}x; / anchor 2 (every request it makes): \
         {:.2}x (target 1.5x)",
        ratio(anchor_pages),
        ratio(anchor_all)
    )
    .unwrap();
    drop(device);
    drop(server);
}
