//! Cold start of the till card: from a new process to the card the shopper shows at the till.
//!
//! ```text
//! cargo bench -p loyalty-core --bench cold_start                   # 50 runs per case
//! cargo bench -p loyalty-core --bench cold_start -- --runs 20      # fewer
//! cargo bench -p loyalty-core --bench cold_start -- --dir /some/disk
//! ```
//!
//! Each run spawns this benchmark again as a child process which, on a database that already
//! holds the shopper's data, does what the app does when the shopper opens it at the till:
//! 1. `open`: [`LoyaltyClient::open`] (sled recovery, schema check, watermark and keep files);
//! 2. `code`: the rotating code ([`CardApi::rotating_code`]: the member card from the database,
//!    the secret from the secret store, TOTP);
//! 3. `matrix`: the QR module matrix of that code (what the app draws natively).
//!
//! The child times these in-process (from before `open` to the matrix) and prints them; the
//! parent times the whole process (spawn to exit, which includes exec, the dynamic loader and
//! sled's flush when the client drops). The secret store is a file in the data directory (the
//! app's is the platform keystore: on a phone its first read costs more than a file read).
//!
//! Cases, interleaved run by run so they share the machine's noise:
//! - `anchor`: the same binary spawned with nothing to do: the floor of a new process here;
//! - `light`: a new shopper (200 ledger entries, 20 receipts, 20 vouchers);
//! - `heavy`: years of shopping (50,000 ledger entries, 2,000 receipts of 15 lines, 400
//!   vouchers). Opening does not read the ledger: `open` should not grow with it.
//!
//! Reported: median and p95 (nearest rank) of each phase and of the whole process.

use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use loyalty_core::card::TotpParams;
use loyalty_core::money::Money;
use loyalty_core::points::{NewEntry, ProgrammeRules};
use loyalty_core::receipts::{LineItem, Receipt, ReceiptSource};
use loyalty_core::render::{self, EcLevel, Symbology};
use loyalty_core::secrets::{SecretStore, SecretStoreError};
use loyalty_core::store::Store;
use loyalty_core::wallet::{Voucher, VoucherKind, VoucherState};
use loyalty_core::{LoyaltyClient, SystemClock};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

const CARD: &str = "4006381333931";
const SECRET: &[u8] = b"12345678901234567890";

/// The app's keystore stand-in: one file per key in the data directory.
struct FileSecretStore(PathBuf);

impl FileSecretStore {
    fn path(&self, key: &str) -> PathBuf {
        self.0.join(format!("secret-{key}"))
    }
}

impl SecretStore for FileSecretStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SecretStoreError> {
        match std::fs::read(self.path(key)) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SecretStoreError {
                reason: e.kind().to_string(),
            }),
        }
    }
    fn put(&self, key: &str, value: &[u8]) -> Result<(), SecretStoreError> {
        std::fs::write(self.path(key), value).map_err(|e| SecretStoreError {
            reason: e.kind().to_string(),
        })
    }
    fn delete(&self, key: &str) -> Result<(), SecretStoreError> {
        std::fs::remove_file(self.path(key)).map_err(|e| SecretStoreError {
            reason: e.kind().to_string(),
        })
    }
}

fn open_client(dir: &Path) -> LoyaltyClient {
    let secrets = Arc::new(FileSecretStore(dir.to_path_buf()));
    LoyaltyClient::open(
        dir,
        ProgrammeRules::default(),
        Arc::new(SystemClock),
        Some(secrets),
    )
    .expect("open the client")
}

// ---------------------------------------------------------------------------------------------
// The child: one cold start

fn child(dir: &Path) {
    let t0 = Instant::now();
    let client = open_client(dir);
    let t1 = Instant::now();
    let code = client.card().rotating_code().expect("rotating code");
    let t2 = Instant::now();
    let matrix = render::encode(&code.payload, Symbology::QrCode, EcLevel::Medium).expect("QR");
    let t3 = Instant::now();
    assert!(matrix.width >= 21 && matrix.modules.iter().any(|&m| m));
    let us = |a: Instant, b: Instant| b.duration_since(a).as_micros();
    println!(
        "open_us={} code_us={} matrix_us={} total_us={}",
        us(t0, t1),
        us(t1, t2),
        us(t2, t3),
        us(t0, t3)
    );
}

// ---------------------------------------------------------------------------------------------
// The data

struct Dataset {
    name: &'static str,
    entries: usize,
    receipts: usize,
    lines: usize,
    vouchers: usize,
}

const LIGHT: Dataset = Dataset {
    name: "light",
    entries: 200,
    receipts: 20,
    lines: 15,
    vouchers: 20,
};
const HEAVY: Dataset = Dataset {
    name: "heavy",
    entries: 50_000,
    receipts: 2_000,
    lines: 15,
    vouchers: 400,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).unwrap()
}

/// A GTIN-13 from its first 12 digits and the check digit.
fn gtin13(first12: u64) -> String {
    let digits = format!("{first12:012}");
    let sum: u32 = digits
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

fn fill(dir: &Path, d: &Dataset) {
    {
        let client = open_client(dir);
        client
            .card()
            .enrol(CARD, SECRET, TotpParams::default())
            .expect("enrol");
        client.close().expect("close");
    }
    let store = Store::open(dir).expect("open the store");
    let mut left = d.entries;
    while left > 0 {
        let n = left.min(1000);
        let batch: Vec<NewEntry> = (0..n)
            .map(|i| NewEntry::earn(10 + (i % 90) as i64, false))
            .collect();
        store.append_entries(&batch, t0()).expect("entries");
        left -= n;
    }
    for r in 0..d.receipts {
        let at = t0() + Span::hours(r as i64 * 9);
        let receipt = Receipt {
            store_names: Default::default(),
            id: format!("R{r:06}"),
            store_name: "Store 12".into(),
            purchased_at: at,
            lines: (0..d.lines)
                .map(|l| LineItem {
                    names: Default::default(),
                    gtin: gtin13(400_000_000_000 + (r * 7 + l * 13) as u64 % 800),
                    name: format!("Item {l}"),
                    quantity: 1 + (l % 3) as i64,
                    unit_price: Money::new(99 + (l * 37 % 900) as i64, "EUR").unwrap(),
                    category: ["dairy", "bakery", "pets", "garden", "wine"][l % 5].into(),
                    lot: None,
                    warranty_months: None,
                })
                .collect(),
            source: ReceiptSource::Till,
            return_window_days: None,
            discounts: Vec::new(),
            seal: None,
        };
        store.add_receipt(&receipt).expect("receipt");
    }
    for v in 0..d.vouchers {
        let from = t0() + Span::days(v as i64);
        store
            .upsert_voucher(&Voucher {
                titles: Default::default(),
                id: format!("V{v:05}"),
                kind: VoucherKind::PercentOff {
                    percent: 10,
                    max_discount: None,
                },
                title: "10% off".into(),
                description: None,
                code: format!("CODE-{v:05}"),
                valid_from: from,
                valid_until: from + Span::days(30),
                state: VoucherState::Available,
                signature: None,
            })
            .expect("voucher");
    }
    store.close().expect("close");
}

// ---------------------------------------------------------------------------------------------
// The parent

#[derive(Default)]
struct Samples {
    wall_us: Vec<u128>,
    open_us: Vec<u128>,
    code_us: Vec<u128>,
    matrix_us: Vec<u128>,
    total_us: Vec<u128>,
}

fn spawn(args: &[&str], into: &mut Samples) {
    let exe = std::env::current_exe().expect("own path");
    let start = Instant::now();
    let out = Command::new(exe).args(args).output().expect("spawn");
    into.wall_us.push(start.elapsed().as_micros());
    assert!(
        out.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for field in text.split_whitespace() {
        let Some((k, v)) = field.split_once('=') else {
            continue;
        };
        let v: u128 = v.parse().expect("a number");
        match k {
            "open_us" => into.open_us.push(v),
            "code_us" => into.code_us.push(v),
            "matrix_us" => into.matrix_us.push(v),
            "total_us" => into.total_us.push(v),
            _ => {}
        }
    }
}

/// (median, p95) by nearest rank, in milliseconds.
fn stats(v: &[u128]) -> Option<(f64, f64)> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_unstable();
    let rank = |p: f64| s[((p * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1];
    Some((rank(0.5) as f64 / 1000.0, rank(0.95) as f64 / 1000.0))
}

fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        total += if path.is_dir() {
            dir_bytes(&path)
        } else {
            entry.metadata().map(|m| m.len()).unwrap_or(0)
        };
    }
    total
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        child(Path::new(args.get(1).expect("--child DIR")));
        return;
    }
    if args.first().map(String::as_str) == Some("--noop") {
        return;
    }
    let mut runs = 50usize;
    let mut base: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--dir" => base = Some(PathBuf::from(it.next().expect("--dir PATH"))),
            _ => {} // cargo bench passes --bench
        }
    }
    let tmp = match &base {
        Some(b) => tempfile::tempdir_in(b),
        None => tempfile::tempdir(),
    }
    .expect("a temporary directory");
    let datasets = [LIGHT, HEAVY];
    let mut dirs = Vec::new();
    for d in &datasets {
        let dir = tmp.path().join(d.name);
        let t = Instant::now();
        fill(&dir, d);
        println!(
            "{}: {} ledger entries, {} receipts of {} lines, {} vouchers; {:.1} MB on disk \
             (filled in {:.1} s)",
            d.name,
            d.entries,
            d.receipts,
            d.lines,
            d.vouchers,
            dir_bytes(&dir) as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
        dirs.push(dir);
    }
    // one untimed start each: the first open after the fill may finish sled's recovery work
    let mut warm = Samples::default();
    for dir in &dirs {
        spawn(&["--child", dir.to_str().expect("a UTF-8 path")], &mut warm);
    }
    let mut anchor = Samples::default();
    let mut cases: Vec<Samples> = datasets.iter().map(|_| Samples::default()).collect();
    for _ in 0..runs {
        spawn(&["--noop"], &mut anchor);
        for (dir, samples) in dirs.iter().zip(cases.iter_mut()) {
            spawn(&["--child", dir.to_str().expect("a UTF-8 path")], samples);
        }
    }
    println!("\n{runs} runs per case; median / p95 in ms");
    println!(
        "{:<8} {:>15} {:>15} {:>15} {:>15} {:>15}",
        "case", "process", "in-process", "open", "code", "QR matrix"
    );
    let cell = |v: &[u128]| match stats(v) {
        Some((m, p)) => format!("{m:7.2} /{p:6.2}"),
        None => "-".into(),
    };
    println!("{:<8} {:>15}", "anchor", cell(&anchor.wall_us));
    for (d, s) in datasets.iter().zip(&cases) {
        println!(
            "{:<8} {:>15} {:>15} {:>15} {:>15} {:>15}",
            d.name,
            cell(&s.wall_us),
            cell(&s.total_us),
            cell(&s.open_us),
            cell(&s.code_us),
            cell(&s.matrix_us)
        );
    }
    println!(
        "anchor: this binary spawned with nothing to do (exec, loader, exit); process: spawn to \
         exit; in-process: open + code + QR matrix"
    );
}
