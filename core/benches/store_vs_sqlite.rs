//! Loyalty Core's sled-backed [`Store`] against the same workloads on SQLite (rusqlite, bundled).
//!
//! ```text
//! cargo bench -p loyalty-core --bench store_vs_sqlite              # full run
//! cargo bench -p loyalty-core --bench store_vs_sqlite -- --quick   # smoke run, fewer repetitions
//! cargo bench -p loyalty-core --bench store_vs_sqlite -- --dir /some/disk
//! cargo bench -p loyalty-core --bench store_vs_sqlite -- --growth            # 10k, 100k
//! cargo bench -p loyalty-core --bench store_vs_sqlite -- --growth --million  # and 1M
//! ```
//!
//! `--growth`: our store alone at 10k, 100k (and 1M) ledger entries: append in batches of 1000,
//! open, balance read, the daily expiry run (nothing due), tier progress, disk size and the
//! process's peak RSS (VmHWM), with sled's cache capped at
//! `store::CACHE_CAPACITY_BYTES`.
//!
//! Workloads (each reported with its ratio ours/sqlite, both measured in this run):
//! - A1 "bulk": 100k ledger entries appended as 100 sync pages of 1000 entries (one transaction
//!   each), then the balance read. Two SQLite anchors: `sum` computes the balance with one
//!   aggregate query over the ledger table; `materialised` keeps a balance row updated in the same
//!   transaction as the inserts, like our store does.
//! - A2 "one at a time": single-entry appends, each its own transaction and durable commit.
//! - B: 10k vouchers in mixed states and windows, then listing the usable ones. Two SQLite
//!   anchors, both returning decoded `Voucher` records: `columns` (relational columns, the kind as
//!   a JSON column) and `json` (the whole record as the same JSON our store writes).
//!
//! Honesty rules: both sides on real files in a fresh temporary directory on the same disk; every
//! write batch is one transaction that is durable when it returns (see [`DURABILITY`]); the same
//! pre-generated inputs go to both sides; results are compared for equality; warm-up first, then
//! the median (and min) of the repetitions.

use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use loyalty_core::money::Money;
use loyalty_core::points::{check_spend, Balance, EntryKind, EntryStatus, LedgerEntry, NewEntry};
use loyalty_core::store::Store;
use loyalty_core::wallet::{Voucher, VoucherKind, VoucherState};
use rusqlite::{params, Connection, TransactionBehavior};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DURABILITY: &str = "\
ours: every write is one sled transaction whose writes are appended to the store's commit \
journal with an fdatasync before it returns (store/journal.rs; sled writes them to its own log \
in the background, and a checkpoint (Db::flush() and an fdatasync of sled's log) empties the \
journal when it is full and at close: sled 0.34 on Linux only calls sync_file_range, which \
flushes neither the drive cache nor the file size). The database's size includes the journal's \
128 KiB.
sqlite: journal_mode=WAL, synchronous=FULL, one BEGIN IMMEDIATE transaction per write batch, so \
every commit fsyncs the WAL (the bundled build has no HAVE_FDATASYNC: it calls fsync). Other \
settings are SQLite's defaults (page cache 2 MB, autocheckpoint 1000 pages).";

// ---------------------------------------------------------------------------------------------
// Configuration

struct Config {
    quick: bool,
    /// Run the growth table instead of the comparison (`--growth`; `--million` adds 1M).
    growth: bool,
    million: bool,
    /// A child process of `--growth`: one (cache bytes, entries) line.
    growth_one: Option<(u64, usize)>,
    dir: PathBuf,
    /// A1: repetitions of the whole 100k run per engine (after one smaller warm-up run).
    a1_reps: usize,
    a1_batches: usize,
    a1_batch_size: usize,
    a1_warmup_batches: usize,
    /// A1: balance reads timed after each repetition's appends.
    balance_reads: usize,
    /// A2: rounds (engines interleaved, a fresh database each), and per round untimed single
    /// appends, then timed ones.
    a2_rounds: usize,
    a2_warmup: usize,
    a2_ops: usize,
    /// B: vouchers stored, untimed listings, timed listings.
    b_vouchers: usize,
    b_warmup: usize,
    b_runs: usize,
    /// Durable 128-byte appends timed to show what one fsync costs on this disk.
    calibration_syncs: usize,
}

impl Config {
    fn from_args() -> Config {
        let mut quick = false;
        let mut growth = false;
        let mut million = false;
        let mut growth_one = None;
        let mut dir = std::env::temp_dir();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => quick = true,
                "--growth" => growth = true,
                "--million" => million = true,
                "--growth-one" => {
                    let cache = args.next().and_then(|a| a.parse().ok());
                    let n = args.next().and_then(|a| a.parse().ok());
                    match (cache, n) {
                        (Some(c), Some(n)) => growth_one = Some((c, n)),
                        _ => {
                            eprintln!("--growth-one needs a cache size and an entry count");
                            std::process::exit(2);
                        }
                    }
                }
                "--dir" => match args.next() {
                    Some(d) => dir = PathBuf::from(d),
                    None => {
                        eprintln!("--dir needs a path");
                        std::process::exit(2);
                    }
                },
                // Passed by `cargo bench` to every bench target.
                "--bench" => {}
                other => eprintln!("ignoring unknown argument {other:?}"),
            }
        }
        let pick = |full: usize, smoke: usize| if quick { smoke } else { full };
        Config {
            quick,
            growth,
            million,
            growth_one,
            dir,
            a1_reps: pick(7, 1),
            a1_batches: 100,
            a1_batch_size: 1000,
            a1_warmup_batches: pick(10, 2),
            balance_reads: pick(200, 20),
            a2_rounds: pick(5, 1),
            a2_warmup: pick(50, 20),
            a2_ops: pick(400, 200),
            b_vouchers: 10_000,
            b_warmup: pick(3, 1),
            b_runs: pick(21, 5),
            calibration_syncs: pick(500, 50),
        }
    }

    fn fresh_dir(&self, label: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("lc-bench-{label}-"))
            .tempdir_in(&self.dir)
            .expect("create a temporary directory for the benchmark")
    }
}

/// The `now` of every workload (whole seconds, so timestamps survive SQLite's milliseconds).
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Timing

#[derive(Default)]
struct Samples(Vec<Duration>);

impl Samples {
    fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    fn sorted(&self) -> Vec<Duration> {
        let mut v = self.0.clone();
        v.sort();
        v
    }

    fn median(&self) -> Duration {
        let v = self.sorted();
        assert!(!v.is_empty(), "no samples");
        if v.len() % 2 == 1 {
            v[v.len() / 2]
        } else {
            (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2
        }
    }

    fn min(&self) -> Duration {
        *self.0.iter().min().expect("no samples")
    }

    /// Nearest-rank percentile.
    fn percentile(&self, p: f64) -> Duration {
        let v = self.sorted();
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        v[rank.clamp(1, v.len()) - 1]
    }

    fn mean(&self) -> Duration {
        self.0.iter().sum::<Duration>() / self.0.len() as u32
    }
}

fn time<R>(f: impl FnOnce() -> R) -> (R, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

#[derive(Clone, Copy)]
enum Unit {
    Ms,
    Us,
}

impl Unit {
    fn of(self, d: Duration) -> f64 {
        match self {
            Unit::Ms => d.as_secs_f64() * 1e3,
            Unit::Us => d.as_secs_f64() * 1e6,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Ms => "ms",
            Unit::Us => "µs",
        }
    }
}

/// One line of the results table.
struct Row {
    workload: String,
    engine: String,
    unit: Unit,
    median: Duration,
    min: Duration,
    /// ours/this anchor, on medians; `None` on our own line.
    ratio: Option<f64>,
    note: String,
}

struct Report {
    rows: Vec<Row>,
    /// (workload, anchor, ratio ours/anchor) for the closing lines.
    ratios: Vec<(String, String, f64)>,
}

impl Report {
    /// Records our line and one line per anchor, each with the ratio ours/anchor.
    fn add(
        &mut self,
        workload: &str,
        unit: Unit,
        ours: (&str, &Samples, String),
        anchors: Vec<(&str, &Samples, String)>,
    ) {
        let ours_median = ours.1.median();
        self.rows.push(Row {
            workload: workload.to_string(),
            engine: ours.0.to_string(),
            unit,
            median: ours_median,
            min: ours.1.min(),
            ratio: None,
            note: ours.2,
        });
        for (name, s, note) in anchors {
            let ratio = ours_median.as_secs_f64() / s.median().as_secs_f64();
            self.rows.push(Row {
                workload: String::new(),
                engine: name.to_string(),
                unit,
                median: s.median(),
                min: s.min(),
                ratio: Some(ratio),
                note,
            });
            self.ratios
                .push((workload.to_string(), name.to_string(), ratio));
        }
    }

    fn print(&self) {
        println!();
        println!(
            "{:<40} {:<24} {:>12} {:>12} {:>19}  note",
            "workload", "engine", "median", "min", "ours/anchor"
        );
        println!("{}", "-".repeat(130));
        for r in &self.rows {
            if !r.workload.is_empty() && !std::ptr::eq(r, &self.rows[0]) {
                println!();
            }
            let u = r.unit.name();
            println!(
                "{:<40} {:<24} {:>9} {u:<2} {:>9} {u:<2} {:>19}  {}",
                r.workload,
                r.engine,
                number(r.unit.of(r.median)),
                number(r.unit.of(r.min)),
                r.ratio.map(ratio).unwrap_or_default(),
                r.note
            );
        }
        println!();
        for (workload, anchor, r) in &self.ratios {
            let caveat = if anchor.contains("NORMAL") {
                " (anchor NOT at the same durability; for context only)"
            } else {
                ""
            };
            println!(
                "{workload} [vs {anchor}]: ratio ours/sqlite = {}{caveat}",
                ratio(*r)
            );
        }
    }
}

/// One decimal, or three significant digits below 10.
fn number(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.1}")
    }
}

/// `1.83x`; a ratio far below 1 also as `1/N`, so it never prints as 0.00x.
fn ratio(r: f64) -> String {
    if r >= 0.1 {
        format!("{r:.2}x")
    } else {
        format!("{r:.5}x (1/{:.0})", 1.0 / r)
    }
}

// ---------------------------------------------------------------------------------------------
// Ledger engines

trait Ledger {
    fn append(&mut self, new: &[NewEntry], now: DateTime<Utc>) -> Vec<LedgerEntry>;
    fn balance(&mut self) -> Balance;
    fn close(self: Box<Self>);
}

struct OursLedger(Store);

impl Ledger for OursLedger {
    fn append(&mut self, new: &[NewEntry], now: DateTime<Utc>) -> Vec<LedgerEntry> {
        self.0
            .append_entries(new, now)
            .expect("append to the store")
    }

    fn balance(&mut self) -> Balance {
        self.0.balance().expect("read the balance")
    }

    fn close(self: Box<Self>) {
        self.0.close().expect("close the store");
    }
}

/// The ledger on SQLite, with the same semantics as `Store::append_entries`: entries validated,
/// numbered from 1, a debit checked against the balance, all in one transaction.
struct SqliteLedger {
    conn: Connection,
    /// Keeps a balance row updated in each append's transaction (like our store) instead of
    /// computing the balance with an aggregate query.
    materialised: bool,
}

fn open_sqlite(path: &Path, synchronous: &str) -> Connection {
    let conn = Connection::open(path).expect("open sqlite");
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .expect("set journal_mode");
    assert_eq!(mode, "wal");
    conn.execute_batch(&format!("PRAGMA synchronous = {synchronous};"))
        .expect("set synchronous");
    conn
}

fn sqlite_pragmas(conn: &Connection) -> String {
    let get = |p: &str| -> String {
        conn.query_row(&format!("PRAGMA {p}"), [], |r| {
            r.get::<_, rusqlite::types::Value>(0)
        })
        .map(|v| match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Text(t) => t,
            other => format!("{other:?}"),
        })
        .unwrap_or_else(|e| format!("? ({e})"))
    };
    format!(
        "journal_mode={} synchronous={} (2=FULL) cache_size={} page_size={} wal_autocheckpoint={}",
        get("journal_mode"),
        get("synchronous"),
        get("cache_size"),
        get("page_size"),
        get("wal_autocheckpoint")
    )
}

fn kind_str(k: EntryKind) -> &'static str {
    match k {
        EntryKind::Earn => "earn",
        EntryKind::Redeem => "redeem",
        EntryKind::Adjust => "adjust",
        EntryKind::Expire => "expire",
        EntryKind::Reverse => "reverse",
    }
}

fn status_str(s: EntryStatus) -> &'static str {
    match s {
        EntryStatus::Pending => "pending",
        EntryStatus::Confirmed => "confirmed",
        EntryStatus::Rejected => "rejected",
    }
}

const BALANCE_BY_SUM: &str = "\
SELECT COALESCE(SUM(CASE WHEN status = 'confirmed' THEN points END), 0),
       COALESCE(SUM(CASE WHEN status = 'pending' AND points > 0 THEN points END), 0),
       COALESCE(SUM(CASE WHEN status = 'pending' AND points < 0 THEN points END), 0),
       COUNT(*)
FROM ledger";

const BALANCE_ROW: &str =
    "SELECT confirmed, pending_credit, pending_debit, entries FROM balance WHERE id = 1";

fn balance_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Balance> {
    Ok(Balance {
        confirmed: r.get(0)?,
        pending_credit: r.get(1)?,
        pending_debit: r.get(2)?,
        entries: r.get::<_, i64>(3)? as u64,
    })
}

impl SqliteLedger {
    fn open(dir: &Path, materialised: bool, synchronous: &str) -> SqliteLedger {
        let conn = open_sqlite(&dir.join("ledger.sqlite"), synchronous);
        conn.execute_batch(
            "CREATE TABLE ledger (
                 seq INTEGER PRIMARY KEY,
                 kind TEXT NOT NULL,
                 points INTEGER NOT NULL,
                 status TEXT NOT NULL,
                 at INTEGER NOT NULL,
                 reference TEXT,
                 description TEXT,
                 reverses INTEGER,
                 reversed_by INTEGER
             );
             CREATE TABLE balance (
                 id INTEGER PRIMARY KEY CHECK (id = 1),
                 confirmed INTEGER NOT NULL,
                 pending_credit INTEGER NOT NULL,
                 pending_debit INTEGER NOT NULL,
                 entries INTEGER NOT NULL
             );
             INSERT INTO balance VALUES (1, 0, 0, 0, 0);",
        )
        .expect("create the ledger schema");
        SqliteLedger { conn, materialised }
    }
}

impl Ledger for SqliteLedger {
    fn append(&mut self, new: &[NewEntry], now: DateTime<Utc>) -> Vec<LedgerEntry> {
        for n in new {
            n.validate().expect("valid entry");
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .expect("begin");
        let mut balance = if self.materialised {
            tx.prepare_cached(BALANCE_ROW)
                .and_then(|mut s| s.query_row([], balance_from_row))
                .expect("read the balance row")
        } else if new.iter().any(|n| n.kind == EntryKind::Redeem) {
            // Only a debit needs the balance; this workload has none, but keep the semantics.
            tx.query_row(BALANCE_BY_SUM, [], balance_from_row)
                .expect("sum the ledger")
        } else {
            Balance::default()
        };
        let mut next: u64 = tx
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM ledger")
            .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
            .expect("next seq") as u64;
        let at = now.timestamp_millis();
        let mut written = Vec::with_capacity(new.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO ledger (seq, kind, points, status, at, reference, description,
                                         reverses, reversed_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL)",
                )
                .expect("prepare insert");
            for n in new {
                if n.kind == EntryKind::Redeem {
                    check_spend(&balance, -n.points).expect("enough points");
                }
                let entry = LedgerEntry {
                    seq: next,
                    kind: n.kind,
                    points: n.points,
                    status: n.status,
                    at: now,
                    reference: n.reference.clone(),
                    description: n.description.clone(),
                    reverses: n.reverses,
                    reversed_by: None,
                };
                insert
                    .execute(params![
                        entry.seq as i64,
                        kind_str(entry.kind),
                        entry.points,
                        status_str(entry.status),
                        at,
                        entry.reference,
                        entry.description,
                        entry.reverses.map(|s| s as i64),
                    ])
                    .expect("insert entry");
                balance.apply(entry.points, entry.status, 1);
                balance.entries += 1;
                next += 1;
                written.push(entry);
            }
        }
        if self.materialised {
            tx.prepare_cached(
                "UPDATE balance SET confirmed = ?1, pending_credit = ?2, pending_debit = ?3,
                                    entries = ?4
                 WHERE id = 1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    balance.confirmed,
                    balance.pending_credit,
                    balance.pending_debit,
                    balance.entries as i64
                ])
            })
            .expect("update the balance row");
        }
        tx.commit().expect("commit");
        written
    }

    fn balance(&mut self) -> Balance {
        let sql = if self.materialised {
            BALANCE_ROW
        } else {
            BALANCE_BY_SUM
        };
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.query_row([], balance_from_row))
            .expect("read the balance")
    }

    fn close(self: Box<Self>) {
        self.conn.close().map_err(|(_, e)| e).expect("close sqlite");
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LedgerEngine {
    Ours,
    SqliteSum,
    SqliteMaterialised,
    /// Not the same durability: WAL with synchronous=NORMAL does not sync at commit. Shown only
    /// for A2, to bracket sled's sync_file_range.
    SqliteMaterialisedNormal,
}

impl LedgerEngine {
    fn name(self) -> &'static str {
        match self {
            LedgerEngine::Ours => "ours (sled Store)",
            LedgerEngine::SqliteSum => "sqlite sum",
            LedgerEngine::SqliteMaterialised => "sqlite materialised",
            LedgerEngine::SqliteMaterialisedNormal => "sqlite mat. sync=NORMAL",
        }
    }

    fn open(self, dir: &Path) -> Box<dyn Ledger> {
        match self {
            LedgerEngine::Ours => Box::new(OursLedger(Store::open(dir).expect("open the store"))),
            LedgerEngine::SqliteSum => Box::new(SqliteLedger::open(dir, false, "FULL")),
            LedgerEngine::SqliteMaterialised => Box::new(SqliteLedger::open(dir, true, "FULL")),
            LedgerEngine::SqliteMaterialisedNormal => {
                Box::new(SqliteLedger::open(dir, true, "NORMAL"))
            }
        }
    }
}

/// Entry `i` of the workload: mostly confirmed purchases, some offline (pending) ones, some
/// negative corrections. No redemptions, so no append needs a balance check.
fn new_entry(i: u64) -> NewEntry {
    let points = 1 + (i.wrapping_mul(7919) % 500) as i64;
    match i % 10 {
        0 => NewEntry::adjust(-points)
            .with_reference(format!("adj-{i:08}"))
            .with_description("Correction"),
        1 => NewEntry::earn(points, true)
            .with_reference(format!("rcpt-{i:08}"))
            .with_description("Purchase (offline)"),
        _ => NewEntry::earn(points, false)
            .with_reference(format!("rcpt-{i:08}"))
            .with_description("Purchase"),
    }
}

fn batches(count: usize, size: usize, first: u64) -> Vec<Vec<NewEntry>> {
    (0..count)
        .map(|b| {
            (0..size)
                .map(|j| new_entry(first + (b * size + j) as u64))
                .collect()
        })
        .collect()
}

/// Apparent and allocated bytes of everything under `path`.
fn disk_usage(path: &Path) -> (u64, u64) {
    let mut apparent = 0;
    let mut allocated = 0;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                let (a, b) = disk_usage(&e.path());
                apparent += a;
                allocated += b;
            } else {
                apparent += meta.len();
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt;
                    allocated += meta.blocks() * 512;
                }
                #[cfg(not(unix))]
                {
                    allocated += meta.len();
                }
            }
        }
    }
    (apparent, allocated)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

// ---------------------------------------------------------------------------------------------
// A1: bulk appends, then the balance

fn workload_a1(cfg: &Config, report: &mut Report) {
    let engines = [
        LedgerEngine::Ours,
        LedgerEngine::SqliteSum,
        LedgerEngine::SqliteMaterialised,
    ];
    let total = cfg.a1_batches * cfg.a1_batch_size;
    println!(
        "\nA1: {total} entries as {} appends of {} (one transaction each), then the balance; \
         {} repetitions per engine after a {}-batch warm-up, engines interleaved.",
        cfg.a1_batches, cfg.a1_batch_size, cfg.a1_reps, cfg.a1_warmup_batches
    );
    let input = batches(cfg.a1_batches, cfg.a1_batch_size, 0);
    let expected = Balance::from_entries(
        &input
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, n)| LedgerEntry {
                seq: i as u64 + 1,
                kind: n.kind,
                points: n.points,
                status: n.status,
                at: now(),
                reference: None,
                description: None,
                reverses: None,
                reversed_by: None,
            })
            .collect::<Vec<_>>(),
    );

    for e in engines {
        let dir = cfg.fresh_dir("a1-warmup");
        let mut l = e.open(dir.path());
        for b in batches(cfg.a1_warmup_batches, cfg.a1_batch_size, 0) {
            l.append(&b, now());
        }
        for _ in 0..10 {
            std::hint::black_box(l.balance());
        }
        l.close();
    }

    let mut appends: Vec<Samples> = engines.iter().map(|_| Samples::default()).collect();
    let mut reads: Vec<Samples> = engines.iter().map(|_| Samples::default()).collect();
    let mut sizes = vec![(0u64, 0u64); engines.len()];
    for rep in 0..cfg.a1_reps {
        for (k, e) in engines.iter().enumerate() {
            let dir = cfg.fresh_dir("a1");
            let mut l = e.open(dir.path());
            let (last, took) = time(|| {
                let mut last = Vec::new();
                for b in &input {
                    last = l.append(b, now());
                }
                last
            });
            assert_eq!(last.last().map(|x| x.seq), Some(total as u64));
            appends[k].push(took);
            for _ in 0..10 {
                std::hint::black_box(l.balance());
            }
            for _ in 0..cfg.balance_reads {
                let (b, took) = time(|| l.balance());
                assert_eq!(b, expected, "{} balance", e.name());
                reads[k].push(took);
            }
            l.close();
            sizes[k] = disk_usage(dir.path());
            println!(
                "  rep {}/{} {:<22} appends {:>8.1} ms",
                rep + 1,
                cfg.a1_reps,
                e.name(),
                Unit::Ms.of(took_last(&appends[k]))
            );
            std::io::stdout().flush().ok();
        }
    }
    for (k, e) in engines.iter().enumerate() {
        println!(
            "  on disk after {total} entries, {:<22} {:>7.1} MB apparent, {:>7.1} MB allocated",
            e.name(),
            mb(sizes[k].0),
            mb(sizes[k].1)
        );
    }

    let name = format!(
        "A1 append {}k (batches of {})",
        total / 1000,
        cfg.a1_batch_size
    );
    let per_entry = |s: &Samples| format!("{:.2} µs/entry", Unit::Us.of(s.median()) / total as f64);
    report.add(
        &name,
        Unit::Ms,
        (engines[0].name(), &appends[0], per_entry(&appends[0])),
        vec![
            (engines[1].name(), &appends[1], per_entry(&appends[1])),
            (engines[2].name(), &appends[2], per_entry(&appends[2])),
        ],
    );
    report.add(
        &format!("A1 balance read ({}k entries)", total / 1000),
        Unit::Us,
        (
            engines[0].name(),
            &reads[0],
            "materialised: one get + JSON decode".into(),
        ),
        vec![
            (
                engines[1].name(),
                &reads[1],
                "aggregate over the whole ledger".into(),
            ),
            (engines[2].name(), &reads[2], "one-row select".into()),
        ],
    );
}

fn took_last(s: &Samples) -> Duration {
    *s.0.last().expect("a sample")
}

// ---------------------------------------------------------------------------------------------
// A2: one entry per transaction

fn workload_a2(cfg: &Config, report: &mut Report) {
    let engines = [
        LedgerEngine::Ours,
        LedgerEngine::SqliteSum,
        LedgerEngine::SqliteMaterialised,
        LedgerEngine::SqliteMaterialisedNormal,
    ];
    let total = cfg.a2_rounds * cfg.a2_ops;
    println!(
        "\nA2: {total} single-entry appends per engine, each its own durable transaction, timed one \
         by one: {} rounds of {} (engines take turns, a fresh database per round, {} untimed \
         appends first).",
        cfg.a2_rounds, cfg.a2_ops, cfg.a2_warmup
    );
    let input: Vec<NewEntry> = (0..(cfg.a2_warmup + cfg.a2_ops) as u64)
        .map(new_entry)
        .collect();
    let mut samples: Vec<Samples> = engines.iter().map(|_| Samples::default()).collect();
    for round in 0..cfg.a2_rounds {
        // Rotate who goes first, so no engine always follows the same neighbour.
        for i in 0..engines.len() {
            let k = (i + round) % engines.len();
            let dir = cfg.fresh_dir("a2");
            let mut l = engines[k].open(dir.path());
            for n in &input[..cfg.a2_warmup] {
                l.append(std::slice::from_ref(n), now());
            }
            for n in &input[cfg.a2_warmup..] {
                let (_, took) = time(|| l.append(std::slice::from_ref(n), now()));
                samples[k].push(took);
            }
            assert_eq!(l.balance().entries as usize, input.len());
            l.close();
        }
    }
    for (k, e) in engines.iter().enumerate() {
        let s = &samples[k];
        println!(
            "  {:<24} per op: median {:>7.1} µs  mean {:>7.1} µs  p99 {:>8.1} µs  max {:>8.1} µs",
            e.name(),
            Unit::Us.of(s.median()),
            Unit::Us.of(s.mean()),
            Unit::Us.of(s.percentile(99.0)),
            Unit::Us.of(s.percentile(100.0))
        );
    }
    let note = |s: &Samples| {
        format!(
            "mean {:.1} µs, p99 {:.1} µs",
            Unit::Us.of(s.mean()),
            Unit::Us.of(s.percentile(99.0))
        )
    };
    report.add(
        &format!("A2 single append x{total} (per op)"),
        Unit::Us,
        (engines[0].name(), &samples[0], note(&samples[0])),
        vec![
            (engines[1].name(), &samples[1], note(&samples[1])),
            (engines[2].name(), &samples[2], note(&samples[2])),
            (
                engines[3].name(),
                &samples[3],
                format!(
                    "{}; NOT same durability (no sync at commit)",
                    note(&samples[3])
                ),
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// B: usable vouchers among 10k

/// splitmix64: deterministic inputs without another dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn secs(&mut self, lo_days: i64, hi_days: i64) -> Span {
        Span::seconds(self.range(lo_days * 86_400, hi_days * 86_400))
    }
}

/// 60% available in their window, 20% expired (still stored as available), 10% redeemed,
/// 10% not valid yet; all five kinds of voucher.
fn make_vouchers(n: usize) -> Vec<Voucher> {
    let now = now();
    let mut rng = Rng(0x5eed);
    let eur = |m: i64| Money::new(m, "EUR").unwrap();
    let mut out: Vec<Voucher> = (0..n)
        .map(|i| {
            let (valid_from, valid_until, state) = match i % 10 {
                0..=5 => (
                    now - rng.secs(1, 60),
                    now + rng.secs(0, 90) + Span::hours(1),
                    VoucherState::Available,
                ),
                6 | 7 => {
                    let until = now - rng.secs(0, 60) - Span::hours(1);
                    (until - rng.secs(7, 30), until, VoucherState::Available)
                }
                8 => (
                    now - rng.secs(1, 60),
                    now + rng.secs(0, 90) + Span::hours(1),
                    VoucherState::Redeemed {
                        at: now - rng.secs(0, 7) - Span::hours(1),
                    },
                ),
                _ => {
                    let from = now + rng.secs(0, 30) + Span::hours(1);
                    (from, from + rng.secs(7, 60), VoucherState::Available)
                }
            };
            let (kind, title) = match rng.next() % 5 {
                0 => (
                    VoucherKind::AmountOff {
                        amount: eur(500),
                        min_spend: Some(eur(2500)),
                    },
                    "€5 off your next shop over €25".to_string(),
                ),
                1 => (
                    VoucherKind::PercentOff {
                        percent: 10,
                        max_discount: Some(eur(2000)),
                    },
                    "10% off everything".to_string(),
                ),
                2 => (
                    VoucherKind::FreeProduct {
                        gtin: "4006381333931".into(),
                        product_name: "Sourdough loaf 500 g".into(),
                    },
                    "A free sourdough loaf".to_string(),
                ),
                3 => (
                    VoucherKind::PointsMultiplier { multiplier: 2 },
                    "Double points this weekend".to_string(),
                ),
                _ => (
                    VoucherKind::EventInvitation {
                        event_name: "Members' pre-sale evening".into(),
                        location: "Store 12, Main Street".into(),
                        starts_at: now + Span::days(10),
                        ends_at: now + Span::days(10) + Span::hours(3),
                    },
                    "You're invited".to_string(),
                ),
            };
            Voucher {
                titles: Default::default(),
                id: format!("v-{i:06}"),
                kind,
                title,
                description: (i % 2 == 0).then(|| {
                    "Show this code at the till. One per customer; not combinable.".to_string()
                }),
                code: format!("LC-{:016X}", rng.next()),
                valid_from,
                valid_until,
                state,
                signature: (i % 3 != 0).then(|| format!("{:064x}", u128::from(rng.next()))),
            }
        })
        .collect();
    // Store in an order unrelated to id or expiry.
    for i in (1..out.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        out.swap(i, j);
    }
    out
}

fn state_columns(s: &VoucherState) -> (&'static str, Option<&str>, Option<i64>) {
    match s {
        VoucherState::Available => ("available", None, None),
        VoucherState::Redeeming {
            idempotency_key,
            since,
        } => (
            "redeeming",
            Some(idempotency_key.as_str()),
            Some(since.timestamp_millis()),
        ),
        VoucherState::Redeemed { at } => ("redeemed", None, Some(at.timestamp_millis())),
        VoucherState::Expired => ("expired", None, None),
        VoucherState::Revoked => ("revoked", None, None),
    }
}

fn millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("a timestamp in range")
}

fn conversion(e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

/// Vouchers on SQLite in relational columns; the kind (five shapes) as a JSON column.
struct SqliteColumns(Connection);

const COLUMNS_USABLE: &str = "\
SELECT id, kind, title, description, code, valid_from, valid_until, state, state_key, state_at,
       signature
FROM vouchers
WHERE state = 'available' AND valid_from <= ?1 AND valid_until > ?1
ORDER BY valid_until, id";

impl SqliteColumns {
    fn open(dir: &Path) -> SqliteColumns {
        let conn = open_sqlite(&dir.join("vouchers.sqlite"), "FULL");
        conn.execute_batch(
            "CREATE TABLE vouchers (
                 id TEXT PRIMARY KEY,
                 kind TEXT NOT NULL,
                 title TEXT NOT NULL,
                 description TEXT,
                 code TEXT NOT NULL,
                 valid_from INTEGER NOT NULL,
                 valid_until INTEGER NOT NULL,
                 state TEXT NOT NULL,
                 state_key TEXT,
                 state_at INTEGER,
                 signature TEXT
             );
             CREATE INDEX vouchers_usable ON vouchers (state, valid_until);",
        )
        .expect("create the voucher schema");
        SqliteColumns(conn)
    }

    /// One voucher in its own transaction.
    fn insert(&mut self, v: &Voucher) {
        let tx = self
            .0
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .expect("begin");
        let (state, key, at) = state_columns(&v.state);
        tx.prepare_cached(
            "INSERT INTO vouchers (id, kind, title, description, code, valid_from, valid_until,
                                   state, state_key, state_at, signature)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .and_then(|mut s| {
            s.execute(params![
                v.id,
                serde_json::to_string(&v.kind).expect("encode kind"),
                v.title,
                v.description,
                v.code,
                v.valid_from.timestamp_millis(),
                v.valid_until.timestamp_millis(),
                state,
                key,
                at,
                v.signature,
            ])
        })
        .expect("insert voucher");
        tx.commit().expect("commit");
    }

    fn usable(&self, now: DateTime<Utc>) -> Vec<Voucher> {
        let mut stmt = self.0.prepare_cached(COLUMNS_USABLE).expect("prepare");
        let rows = stmt
            .query_map([now.timestamp_millis()], |r| {
                let kind: VoucherKind =
                    serde_json::from_str(r.get_ref(1)?.as_str()?).map_err(conversion)?;
                let state_at = r.get::<_, Option<i64>>(9)?;
                let state = match r.get_ref(7)?.as_str()? {
                    "available" => VoucherState::Available,
                    "redeeming" => VoucherState::Redeeming {
                        idempotency_key: r.get(8)?,
                        since: millis(state_at.unwrap_or_default()),
                    },
                    "redeemed" => VoucherState::Redeemed {
                        at: millis(state_at.unwrap_or_default()),
                    },
                    "expired" => VoucherState::Expired,
                    _ => VoucherState::Revoked,
                };
                Ok(Voucher {
                    titles: Default::default(),
                    id: r.get(0)?,
                    kind,
                    title: r.get(2)?,
                    description: r.get(3)?,
                    code: r.get(4)?,
                    valid_from: millis(r.get(5)?),
                    valid_until: millis(r.get(6)?),
                    state,
                    signature: r.get(10)?,
                })
            })
            .expect("query");
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .expect("decode vouchers")
    }
}

/// Vouchers on SQLite as the same JSON record our store writes, plus the columns the query needs.
struct SqliteJson(Connection);

impl SqliteJson {
    fn open(dir: &Path) -> SqliteJson {
        let conn = open_sqlite(&dir.join("vouchers-json.sqlite"), "FULL");
        conn.execute_batch(
            "CREATE TABLE vouchers (
                 id TEXT PRIMARY KEY,
                 state TEXT NOT NULL,
                 valid_from INTEGER NOT NULL,
                 valid_until INTEGER NOT NULL,
                 body BLOB NOT NULL
             );
             CREATE INDEX vouchers_usable ON vouchers (state, valid_until);",
        )
        .expect("create the voucher schema");
        SqliteJson(conn)
    }

    /// All vouchers in one transaction (setup only, not timed).
    fn insert_all(&mut self, vs: &[Voucher]) {
        let tx = self.0.transaction().expect("begin");
        {
            let mut s = tx
                .prepare("INSERT INTO vouchers VALUES (?1, ?2, ?3, ?4, ?5)")
                .expect("prepare");
            for v in vs {
                s.execute(params![
                    v.id,
                    state_columns(&v.state).0,
                    v.valid_from.timestamp_millis(),
                    v.valid_until.timestamp_millis(),
                    serde_json::to_vec(v).expect("encode voucher"),
                ])
                .expect("insert voucher");
            }
        }
        tx.commit().expect("commit");
    }

    fn usable(&self, now: DateTime<Utc>) -> Vec<Voucher> {
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT body FROM vouchers
                 WHERE state = 'available' AND valid_from <= ?1 AND valid_until > ?1
                 ORDER BY valid_until, id",
            )
            .expect("prepare");
        let rows = stmt
            .query_map([now.timestamp_millis()], |r| {
                serde_json::from_slice::<Voucher>(r.get_ref(0)?.as_blob()?).map_err(conversion)
            })
            .expect("query");
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .expect("decode vouchers")
    }
}

fn query_plan(conn: &Connection, sql: &str, now: DateTime<Utc>) -> String {
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("explain");
    let rows = stmt
        .query_map([now.timestamp_millis()], |r| r.get::<_, String>(3))
        .expect("explain");
    rows.filter_map(Result::ok).collect::<Vec<_>>().join("; ")
}

fn workload_b(cfg: &Config, report: &mut Report) {
    let now = now();
    let vouchers = make_vouchers(cfg.b_vouchers);
    let expected: usize = vouchers.iter().filter(|v| v.is_usable(now)).count();
    println!(
        "\nB: {} vouchers (60% usable, 20% expired, 10% redeemed, 10% not yet valid); list the \
         usable ones ({expected} expected) as decoded Voucher records, soonest expiry first; \
         {} untimed then {} timed listings per engine, engines interleaved.",
        cfg.b_vouchers, cfg.b_warmup, cfg.b_runs
    );

    let ours_dir = cfg.fresh_dir("b-ours");
    let store = Store::open(ours_dir.path()).expect("open the store");
    let (_, ours_setup) = time(|| {
        for v in &vouchers {
            store.upsert_voucher(v).expect("upsert voucher");
        }
    });
    let cols_dir = cfg.fresh_dir("b-sqlite");
    let mut cols = SqliteColumns::open(cols_dir.path());
    let (_, cols_setup) = time(|| {
        for v in &vouchers {
            cols.insert(v);
        }
    });
    let json_dir = cfg.fresh_dir("b-sqlite-json");
    let mut json = SqliteJson::open(json_dir.path());
    json.insert_all(&vouchers);
    println!(
        "  setup (not part of the ratio): {} upserts one per transaction: ours {:.0} ms ({:.0} \
         µs/op), sqlite columns {:.0} ms ({:.0} µs/op)",
        cfg.b_vouchers,
        Unit::Ms.of(ours_setup),
        Unit::Us.of(ours_setup) / cfg.b_vouchers as f64,
        Unit::Ms.of(cols_setup),
        Unit::Us.of(cols_setup) / cfg.b_vouchers as f64,
    );
    println!(
        "  sqlite plan: {}",
        query_plan(&cols.0, COLUMNS_USABLE, now)
    );

    let a = store.usable_vouchers(now).expect("list usable vouchers");
    let b = cols.usable(now);
    let c = json.usable(now);
    assert_eq!(a.len(), expected, "ours: usable count");
    assert_eq!(b.len(), expected, "sqlite columns: usable count");
    assert_eq!(c.len(), expected, "sqlite json: usable count");
    assert!(a == b && a == c, "the three listings differ");
    println!("  check: all three return the same {expected} vouchers in the same order");

    for _ in 0..cfg.b_warmup {
        std::hint::black_box(store.usable_vouchers(now).expect("list"));
        std::hint::black_box(cols.usable(now));
        std::hint::black_box(json.usable(now));
    }
    let (mut s_ours, mut s_cols, mut s_json) =
        (Samples::default(), Samples::default(), Samples::default());
    for _ in 0..cfg.b_runs {
        let (v, t) = time(|| store.usable_vouchers(now).expect("list"));
        assert_eq!(v.len(), expected);
        s_ours.push(t);
        let (v, t) = time(|| cols.usable(now));
        assert_eq!(v.len(), expected);
        s_cols.push(t);
        let (v, t) = time(|| json.usable(now));
        assert_eq!(v.len(), expected);
        s_json.push(t);
    }
    store.close().expect("close the store");
    let per = |s: &Samples| {
        format!(
            "{:.2} µs/voucher returned",
            Unit::Us.of(s.median()) / expected as f64
        )
    };
    report.add(
        &format!(
            "B usable vouchers ({expected} of {}k)",
            cfg.b_vouchers / 1000
        ),
        Unit::Ms,
        (
            "ours (sled Store)",
            &s_ours,
            format!("index scan + get + JSON decode; {}", per(&s_ours)),
        ),
        vec![
            (
                "sqlite columns",
                &s_cols,
                format!("columns + kind JSON; {}", per(&s_cols)),
            ),
            (
                "sqlite json body",
                &s_json,
                format!("same JSON as ours; {}", per(&s_json)),
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------------

/// What one durable small append costs on this disk, without any database.
fn calibrate(cfg: &Config) {
    let dir = cfg.fresh_dir("fsync");
    let mut f = std::fs::File::create(dir.path().join("probe")).expect("create probe file");
    let record = [0x5au8; 128];
    let mut run = |sync: &dyn Fn(&std::fs::File) -> std::io::Result<()>| {
        let mut s = Samples::default();
        for _ in 0..cfg.calibration_syncs {
            let (_, t) = time(|| {
                f.write_all(&record).expect("write");
                sync(&f).expect("sync");
            });
            s.push(t);
        }
        s
    };
    let data = run(&|f| f.sync_data());
    let all = run(&|f| f.sync_all());
    println!(
        "calibration: 128-byte append + fdatasync: median {:.1} µs (min {:.1}); + fsync: median \
         {:.1} µs (min {:.1})",
        Unit::Us.of(data.median()),
        Unit::Us.of(data.min()),
        Unit::Us.of(all.median()),
        Unit::Us.of(all.min())
    );
}

/// `/proc/loadavg` where there is one.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// `VmHWM` and `VmRSS` of this process, in MiB (Linux; `None` elsewhere).
fn rss_mib() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// The growth table: our store alone, growing.
fn growth(cfg: &Config) {
    let mut sizes = vec![10_000usize, 100_000];
    if cfg.million {
        sizes.push(1_000_000);
    }
    println!(
        "growth: sled cache capped at {} MiB (store::CACHE_CAPACITY_BYTES); appends in durable \
         batches of 1000",
        loyalty_core::store::CACHE_CAPACITY_BYTES / (1024 * 1024)
    );
    println!(
        "anchor: the same store with sled's default cache (1 GiB). Each line is its own child \
         process, so its peak RSS (VmHWM) is its own."
    );
    println!(
        "| cache | entries | append all | per entry | open | balance read | expiry run | tier \
         progress | disk | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let default_cache: u64 = 1024 * 1024 * 1024;
    for n in sizes {
        for cache in [loyalty_core::store::CACHE_CAPACITY_BYTES, default_cache] {
            let out = std::process::Command::new(std::env::current_exe().expect("this binary"))
                .arg("--growth-one")
                .arg(cache.to_string())
                .arg(n.to_string())
                .arg("--dir")
                .arg(&cfg.dir)
                .output()
                .expect("run a growth step");
            assert!(out.status.success(), "growth step failed: {out:?}");
            print!("{}", String::from_utf8_lossy(&out.stdout));
            std::io::stdout().flush().ok();
        }
    }
}

/// One line of the growth table, in a process of its own.
fn growth_one(cfg: &Config, cache: u64, n: usize) {
    let dir = cfg.fresh_dir("growth");
    let open_store = || Store::open_with_cache_capacity(dir.path(), cache).expect("open the store");
    let store = open_store();
    // Each batch is made just before it is appended, outside the timing (a million entries made
    // up front would be the largest thing in this process's peak RSS).
    let mut append = Duration::ZERO;
    for b in 0..n / 1000 {
        let batch = batches(1, 1000, (b * 1000) as u64).remove(0);
        let (_, t) = time(|| store.append_entries(&batch, now()).expect("append"));
        append += t;
    }
    store.close().expect("close");
    drop(store);
    let (store, open) = time(open_store);
    let mut reads = Samples::default();
    for _ in 0..200 {
        let (b, t) = time(|| store.balance().expect("balance"));
        assert_eq!(b.entries as usize, n);
        reads.push(t);
    }
    // The daily expiry run (nothing due a day later: the whole ledger is read page by page and
    // its lots gathered) and the tier progress, both as the facade computes them.
    let rules = loyalty_core::points::ProgrammeRules::default();
    let tomorrow = now() + Span::days(1);
    let (due, expiry) = time(|| {
        store
            .append_derived(
                tomorrow,
                loyalty_core::points::ExpiryLots::new(&rules),
                |lots, e| lots.add(e),
                |lots| lots.due(tomorrow),
            )
            .expect("expiry run")
    });
    assert!(due.is_empty(), "nothing is due a day later");
    let (_, tier) = time(|| {
        let mut progress = loyalty_core::points::TierProgress::new(&rules, now());
        store.visit_ledger(|e| progress.add(e)).expect("ledger");
        std::hint::black_box(progress.status(&rules))
    });
    store.close().expect("close");
    drop(store);
    let (apparent, _) = disk_usage(dir.path());
    let (hwm, _) = rss_mib().unwrap_or((0.0, 0.0));
    println!(
        "| {} MiB | {n} | {:.0} ms | {:.2} µs | {:.0} ms | {:.2} µs | {:.0} ms | {:.0} ms | {:.1} MB | {hwm:.0} MiB |",
        cache / (1024 * 1024),
        Unit::Ms.of(append),
        Unit::Us.of(append) / n as f64,
        Unit::Ms.of(open),
        Unit::Us.of(reads.median()),
        Unit::Ms.of(expiry),
        Unit::Ms.of(tier),
        mb(apparent),
    );
}

fn main() {
    let cfg = Config::from_args();
    std::fs::create_dir_all(&cfg.dir).expect("create the benchmark directory");
    if let Some((cache, n)) = cfg.growth_one {
        growth_one(&cfg, cache, n);
        return;
    }
    if cfg.growth {
        growth(&cfg);
        return;
    }
    println!(
        "store_vs_sqlite{}: loyalty_core::store::Store (sled 0.34) vs SQLite {} (rusqlite, \
         bundled)",
        if cfg.quick {
            " --quick (smoke run: few repetitions, not for reporting)"
        } else {
            ""
        },
        rusqlite::version()
    );
    println!(
        "machine: {} logical CPUs; files in {} (fresh temporary directory per run)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        cfg.dir.display()
    );
    println!("durability:\n{DURABILITY}");
    {
        let dir = cfg.fresh_dir("pragmas");
        let conn = open_sqlite(&dir.path().join("probe.sqlite"), "FULL");
        println!("sqlite settings: {}", sqlite_pragmas(&conn));
    }
    println!(
        "load average at the start: {} (other work on the machine skews the timings)",
        load_average()
    );
    calibrate(&cfg);

    let mut report = Report {
        rows: Vec::new(),
        ratios: Vec::new(),
    };
    let started = Instant::now();
    workload_a1(&cfg, &mut report);
    workload_a2(&cfg, &mut report);
    workload_b(&cfg, &mut report);
    report.print();
    println!(
        "\n(total {:.1} s; load average at the end: {})",
        started.elapsed().as_secs_f64(),
        load_average()
    );
}
