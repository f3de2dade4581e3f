//! The reminders engine over 1k, 10k and 100k receipt lines with 500 rules: time and memory per
//! size, the growth between sizes, and the 50 ms check at 100k.
//!
//! ```text
//! cargo bench -p loyalty-domain --bench reminders              # full run
//! cargo bench -p loyalty-domain --bench reminders -- --quick   # smoke run, fewer repetitions
//! cargo bench -p loyalty-domain --bench reminders -- --profile # only the 100k plan, 200 times
//! cargo bench -p loyalty-domain --bench reminders -- --profile-index # only indexing 100k lines
//! ```
//!
//! Data (deterministic, seeded): one shopper's history of N receipt lines over several years.
//! N/40 products (at least 25) in 40 categories; each product is re-bought at its own base
//! interval (7–60 days) with ±30 % jitter, a 2.5× gap one time in ten (holiday, bought
//! elsewhere), and now and then 2 or 3 units at once (the next gap stretches accordingly); 10 %
//! of lines carry a lot. Lines are grouped into receipts per day (at most 40 lines each).
//!
//! 500 rules: 150 replenishment per product over a category, 150 replenishment over 5 GTINs
//! (a third per group), 110 seasonal (half gated on a frost forecast), 10 event invitations,
//! 5 recipes (catalogue of 200 recipes, 3–6 ingredients), 5 post-purchase (100 content entries),
//! 20 voucher expiry, 10 tier progress, 10 each of welcome, second purchase, win-back and survey.
//! Plus 20 recall notices, 30 vouchers, 100 delivered notifications and 20 feedback entries.
//!
//! Measured per size: indexing alone; a whole plan from the receipts (`plan`, the headline:
//! indexing included); a plan from a kept index (`plan_with_index`); adding one receipt to a
//! kept index. Memory through a counting global allocator: the peak above the live heap during
//! one `plan` call, the bytes and allocations it made, and what a kept index retains.
//! Anchors measured in the same run: `floor`, one pass reading every line (the least any
//! engine must do), and `naive`, every replenishment and seasonal rule scanning every line (an
//! engine without an index).

use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use loyalty_domain::money::Money;
use loyalty_domain::points::TierStatus;
use loyalty_domain::receipts::{LineItem, Receipt, ReceiptSource};
use loyalty_domain::reminders::{
    plan, plan_with_index, usual_items, Catalogue, Category, Consent, Context, Delivered, Feedback,
    PlanInput, ReceiptIndex, RuleSet, RuleSpec, Settings,
};
use loyalty_domain::wallet::{Voucher, VoucherKind, VoucherState};
use serde_json::{json, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Counting allocator

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static COUNT: AtomicU64 = AtomicU64::new(0);

fn grew(n: usize) {
    let live = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(live, Relaxed);
    BYTES.fetch_add(n as u64, Relaxed);
    COUNT.fetch_add(1, Relaxed);
}

// SAFETY: every call forwards to the system allocator unchanged; the counters are side effects.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new_size) };
        if !q.is_null() {
            if new_size >= l.size() {
                grew(new_size - l.size());
            } else {
                LIVE.fetch_sub(l.size() - new_size, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Debug, Clone, Copy)]
struct Mem {
    /// Highest live heap above the live heap at the start.
    peak: usize,
    /// Bytes allocated (growth of reallocations included).
    bytes: u64,
    allocations: u64,
    /// Live heap at the end above the start (what the result keeps).
    retained: isize,
}

fn measure_mem<R>(f: impl FnOnce() -> R) -> (R, Mem) {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let (b0, c0) = (BYTES.load(Relaxed), COUNT.load(Relaxed));
    let r = f();
    let end = LIVE.load(Relaxed);
    let mem = Mem {
        peak: PEAK.load(Relaxed).saturating_sub(base),
        bytes: BYTES.load(Relaxed) - b0,
        allocations: COUNT.load(Relaxed) - c0,
        retained: end as isize - base as isize,
    };
    (r, mem)
}

fn mb(b: f64) -> f64 {
    b / (1024.0 * 1024.0)
}

// ---------------------------------------------------------------------------------------------
// Timing

fn median_of(reps: usize, mut f: impl FnMut() -> Duration) -> (Duration, Duration) {
    let mut v: Vec<Duration> = (0..reps.max(1)).map(|_| f()).collect();
    v.sort();
    (v[v.len() / 2], v[0])
}

fn timed<R>(f: impl FnOnce() -> R) -> (R, Duration) {
    let t = Instant::now();
    let r = f();
    (r, t.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

// ---------------------------------------------------------------------------------------------
// Data

/// SplitMix64: small, seeded, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn gtin13(body: u64) -> String {
    let body = format!("{:012}", body % 1_000_000_000_000);
    let check = loyalty_domain::gs1::gs1_check_digit(&body);
    format!("{body}{check}")
}

const CATEGORIES: u64 = 40;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 5, 7, 0, 0).unwrap()
}

fn product_gtin(p: u64) -> String {
    gtin13(540_000_000_000 + p)
}

fn products_for(lines: usize) -> u64 {
    (lines as u64 / 40).max(25)
}

/// Units bought at once: mostly 1, sometimes 2 or 3.
fn units(rng: &mut Rng) -> i64 {
    match rng.below(20) {
        0 => 3,
        1 | 2 => 2,
        _ => 1,
    }
}

/// A shopper's history of exactly `lines` receipt lines.
fn receipts(lines: usize, seed: u64) -> Vec<Receipt> {
    let mut rng = Rng(seed);
    let products = products_for(lines);
    let per = lines as u64 / products;
    let extra = lines as u64 % products;
    let price = Money::new(399, "EUR").unwrap();
    // (time, product, quantity, lot)
    let mut buys: Vec<(i64, u64, i64, Option<String>)> = Vec::with_capacity(lines);
    let end = now().timestamp() - 3_600;
    for p in 0..products {
        let n = per + u64::from(p < extra);
        let base = 7 + rng.below(54) as i64;
        let mut t = end - rng.below(base as u64 * 86_400) as i64;
        let mut qty = units(&mut rng);
        for k in 0..n {
            let lot = rng.chance(10).then(|| format!("L{p}-{k}"));
            buys.push((t, p, qty, lot));
            // Going back in time: the previous purchase lasted one jittered interval per unit.
            let previous = units(&mut rng);
            let jitter = 70 + rng.below(61) as i64;
            let mut gap = base * 86_400 * jitter / 100 * previous;
            if rng.chance(10) {
                gap = gap * 5 / 2;
            }
            t -= gap;
            qty = previous;
        }
    }
    buys.sort_by_key(|b| (b.0, b.1));
    let mut out: Vec<Receipt> = Vec::new();
    let mut current_day = i64::MIN;
    for (t, p, qty, lot) in buys {
        let day = t.div_euclid(86_400);
        let full = out.last().is_some_and(|r| r.lines.len() >= 40);
        if day != current_day || full {
            current_day = day;
            out.push(Receipt {
                store_names: Default::default(),
                id: format!("r{}", out.len()),
                store_name: format!("Store {}", rng.below(12)),
                purchased_at: DateTime::from_timestamp(t, 0).unwrap(),
                lines: Vec::new(),
                source: ReceiptSource::Till,
                return_window_days: None,
                discounts: Vec::new(),
                seal: None,
            });
        }
        if let Some(r) = out.last_mut() {
            r.lines.push(LineItem {
                names: Default::default(),
                gtin: product_gtin(p),
                name: format!("Product {p}"),
                quantity: qty,
                unit_price: price.clone(),
                category: format!("Cat {}", p % CATEGORIES),
                lot,
                warranty_months: None,
            });
        }
    }
    out
}

fn rules_json(products: u64, rng: &mut Rng) -> String {
    let mut rules: Vec<Value> = Vec::with_capacity(500);
    let cat = |c: u64| format!("cat {}", c % CATEGORIES);
    for i in 0..150u64 {
        rules.push(
            json!({"id": format!("repl-cat-{i}"), "kind": "replenishment",
            "products": {"categories": [cat(i)]}, "lead_days": 1 + i % 5}),
        );
    }
    for i in 0..150u64 {
        let gtins: Vec<String> = (0..5).map(|_| product_gtin(rng.below(products))).collect();
        rules.push(
            json!({"id": format!("repl-gtin-{i}"), "kind": "replenishment",
            "per": if i % 3 == 0 { "group" } else { "product" },
            "products": {"gtins": gtins}}),
        );
    }
    for i in 0..110u64 {
        let from = format!("{:02}-01", 1 + i % 12);
        let to = format!("{:02}-28", 1 + (i + 3) % 12);
        let mut r = json!({"id": format!("season-{i}"), "kind": "seasonal",
            "products": {"categories": [cat(i * 7)]}, "season": {"from": from, "to": to}});
        if i % 2 == 0 {
            r["gates"] = json!([{"type": "forecast_min_temp_at_most", "c_tenths": 0}]);
        }
        rules.push(r);
    }
    for i in 0..10u64 {
        rules.push(
            json!({"id": format!("event-{i}"), "kind": "event_invitation",
            "event": {"name": {"en": format!("Event {i}")}, "location": "Store 1",
                      "starts_at": "2026-11-20T18:00:00Z", "ends_at": "2026-11-20T21:00:00Z"},
            "eligibility": {"tiers": ["Silver", "Gold"], "min_receipts": 3 + i,
                            "within_days": 365, "categories": [cat(i)]}}),
        );
    }
    for i in 0..5 {
        rules.push(json!({"id": format!("recipes-{i}"), "kind": "recipes", "window_days": 7 + i}));
        rules.push(json!({"id": format!("after-{i}"), "kind": "post_purchase"}));
    }
    for i in 0..20 {
        rules.push(json!({"id": format!("vexp-{i}"), "kind": "voucher_expiry", "days_before": [7, 1 + i % 3]}));
    }
    for i in 0..10 {
        rules.push(json!({"id": format!("tier-{i}"), "kind": "tier_progress", "max_points_to_next": 100 * (i + 1)}));
        rules.push(json!({"id": format!("welcome-{i}"), "kind": "welcome"}));
        rules.push(json!({"id": format!("second-{i}"), "kind": "second_purchase"}));
        rules.push(
            json!({"id": format!("winback-{i}"), "kind": "win_back", "inactive_days": 30 + i}),
        );
        rules.push(json!({"id": format!("survey-{i}"), "kind": "survey"}));
    }
    json!({"version": 1, "rules": rules}).to_string()
}

fn catalogue_json(products: u64, rng: &mut Rng) -> String {
    let text = |s: String| json!({"en": s.clone(), "nl": s.clone(), "fr": s});
    let recipes: Vec<Value> = (0..200u64)
        .map(|i| {
            let n = 3 + rng.below(4);
            let ingredients: Vec<Value> = (0..n)
                .map(|k| {
                    if k % 2 == 0 {
                        json!({"categories": [format!("Cat {}", rng.below(CATEGORIES))]})
                    } else {
                        json!({"gtins": [product_gtin(rng.below(products))]})
                    }
                })
                .collect();
            json!({"id": format!("recipe-{i}"), "title": text(format!("Recipe {i}")),
                   "ingredients": ingredients})
        })
        .collect();
    let content: Vec<Value> = (0..100u64)
        .map(|i| {
            json!({"id": format!("content-{i}"),
                   "products": {"categories": [format!("Cat {}", i % CATEGORIES)]},
                   "delay_hours": 12 + i % 48, "valid_hours": 72,
                   "title": text(format!("Tips {i}")), "body": text(format!("How to use it ({i})."))})
        })
        .collect();
    let recalls: Vec<Value> = (0..20u64)
        .map(|i| {
            let p = rng.below(products);
            json!({"id": format!("recall-{i}"), "gtins": [product_gtin(p)],
                   "lots": if i % 2 == 0 { json!([format!("L{p}-1"), format!("L{p}-2")]) } else { json!([]) },
                   "sold_from": "2026-09-01T00:00:00Z", "sold_until": "2026-11-01T00:00:00Z",
                   "published_at": "2026-11-03T08:00:00Z",
                   "product": text(format!("Product {p}")), "instructions": text("Bring it back.".into())})
        })
        .collect();
    json!({"version": 1, "recipes": recipes, "content": content, "recalls": recalls}).to_string()
}

fn vouchers() -> Vec<Voucher> {
    (0..30)
        .map(|i| Voucher {
            titles: Default::default(),
            id: format!("v{i}"),
            kind: VoucherKind::AmountOff {
                amount: Money::new(500, "EUR").unwrap(),
                min_spend: None,
            },
            title: format!("Voucher {i}"),
            description: None,
            code: format!("CODE{i}"),
            valid_from: now() - Span::days(30),
            valid_until: now() + Span::days(2 + i),
            state: VoucherState::Available,
            signature: None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The run

struct World {
    rules: RuleSet,
    catalogue: Catalogue,
    settings: Settings,
    context: Context,
    vouchers: Vec<Voucher>,
    tier: TierStatus,
    history: Vec<Delivered>,
    feedback: Vec<Feedback>,
}

impl World {
    fn input(&self) -> PlanInput<'_> {
        PlanInput {
            vouchers: &self.vouchers,
            tier: Some(&self.tier),
            enrolled_at: Some(now() - Span::days(400)),
            feedback: &self.feedback,
            history: &self.history,
            ..PlanInput::new(
                now(),
                &self.rules,
                &self.catalogue,
                &self.settings,
                &self.context,
            )
        }
    }
}

fn world(products: u64) -> World {
    let mut rng = Rng(0xC0FFEE);
    let rules = RuleSet::from_json(&rules_json(products, &mut rng)).expect("rules parse");
    assert_eq!(rules.rules.len(), 500);
    let catalogue = Catalogue::from_json(&catalogue_json(products, &mut rng)).expect("catalogue");
    let history = (0..100)
        .map(|i| Delivered {
            id: format!("repl-cat-{}:{}:2026100{}", i % 150, product_gtin(i), i % 10),
            at: now() - Span::hours(7 * i as i64 + 1),
            category: if i % 3 == 0 {
                Category::Service
            } else {
                Category::Marketing
            },
        })
        .collect();
    let feedback = (0..20)
        .map(|i| Feedback::Dismissed {
            id: format!("season-{i}:group:2026"),
        })
        .collect();
    World {
        rules,
        catalogue,
        settings: Settings {
            consent: Consent {
                marketing: true,
                service: true,
                safety: true,
                location: false,
            },
            horizon_days: 30,
            ..Settings::default()
        },
        context: Context {
            local_utc_offset_minutes: 60,
            forecast_min_temp_c_tenths: Some(-20),
            ..Context::default()
        },
        vouchers: vouchers(),
        tier: TierStatus {
            next_tier_names: Default::default(),
            tier_names: Default::default(),
            tier: "Silver".into(),
            qualifying_points: 4_700,
            window_start: now() - Span::days(365),
            next_tier: Some("Gold".into()),
            points_to_next_tier: Some(300),
        },
        history,
        feedback,
    }
}

/// Anchor: read every line once (what any engine must at least do with the history).
fn floor_pass(receipts: &[Receipt]) -> u64 {
    let mut acc = 0u64;
    for r in receipts {
        for l in &r.lines {
            acc = acc
                .wrapping_add(l.quantity as u64)
                .wrapping_add(u64::from(l.gtin.as_bytes()[12]))
                .wrapping_add(l.category.len() as u64);
        }
    }
    acc
}

/// Anchor: every replenishment and seasonal rule scans every line for its products (an engine
/// without an index). Counts matches only, far less than the engine does per match.
fn naive_scan(rules: &RuleSet, receipts: &[Receipt]) -> u64 {
    let mut hits = 0u64;
    for rule in &rules.rules {
        let sel = match &rule.spec {
            RuleSpec::Replenishment(r) => &r.products,
            RuleSpec::Seasonal(r) => &r.products,
            _ => continue,
        };
        for r in receipts {
            for l in &r.lines {
                if sel.gtins.contains(&l.gtin)
                    || sel
                        .categories
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(&l.category))
                {
                    hits += 1;
                }
            }
        }
    }
    hits
}

struct Row {
    lines: usize,
    receipts: usize,
    input_mb: f64,
    index: Duration,
    plan: Duration,
    plan_min: Duration,
    plan_indexed: Duration,
    insert_us: f64,
    mem: Mem,
    index_mem: Mem,
    floor: Duration,
    naive: Duration,
    items: usize,
    suppressed: usize,
}

fn run_size(lines: usize, quick: bool) -> Row {
    let (data, input_mem) = measure_mem(|| receipts(lines, 42 + lines as u64));
    assert_eq!(data.iter().map(|r| r.lines.len()).sum::<usize>(), lines);
    let w = world(products_for(lines));
    let input = w.input();
    let reps = match (quick, lines) {
        (true, _) => 3,
        (false, n) if n >= 100_000 => 15,
        (false, n) if n >= 10_000 => 25,
        _ => 51,
    };
    // Warm-up (also builds the localizer once, as an app would at first use).
    let first = plan(&input, &data).expect("plan");
    let _ = plan(&input, &data).expect("plan");

    let (index, index_mem) = measure_mem(|| ReceiptIndex::from_receipts(&data));
    let (index_t, _) = median_of(reps, || {
        timed(|| black_box(ReceiptIndex::from_receipts(&data))).1
    });
    let (plan_t, plan_min) = median_of(reps, || {
        let (p, t) = timed(|| plan(&input, &data).expect("plan"));
        assert_eq!(
            p.items.len(),
            first.items.len(),
            "plans must be deterministic"
        );
        black_box(p);
        t
    });
    let (indexed_t, _) = median_of(reps, || {
        timed(|| black_box(plan_with_index(&input, &index).expect("plan"))).1
    });
    assert_eq!(plan_with_index(&input, &index).unwrap(), first);
    let (_, mem) = measure_mem(|| black_box(plan(&input, &data).expect("plan")));

    // New receipts into a kept index, one at a time (amortised over 50, as an app adds them).
    let fresh: Vec<Receipt> = (0..50)
        .map(|i| {
            let mut r = data[(data.len() / 2 + i) % data.len()].clone();
            r.id = format!("new-{i}");
            r.purchased_at = now() - Span::minutes(60 - i as i64);
            r
        })
        .collect();
    let insert_reps = if quick { 3 } else { 9 };
    let (insert_t, _) = median_of(insert_reps, || {
        let mut ix = index.clone();
        let (_, t) = timed(|| {
            for r in &fresh {
                assert!(ix.insert(black_box(r)));
            }
        });
        t / fresh.len() as u32
    });

    let (floor_t, _) = median_of(reps, || timed(|| black_box(floor_pass(&data))).1);
    let naive_reps = if quick || lines >= 100_000 { 3 } else { 7 };
    let (naive_t, _) = median_of(naive_reps, || {
        timed(|| black_box(naive_scan(&w.rules, &data))).1
    });

    Row {
        lines,
        receipts: data.len(),
        input_mb: mb(input_mem.retained as f64),
        index: index_t,
        plan: plan_t,
        plan_min,
        plan_indexed: indexed_t,
        insert_us: insert_t.as_secs_f64() * 1e6,
        mem,
        index_mem,
        floor: floor_t,
        naive: naive_t,
        items: first.items.len(),
        suppressed: first.suppressed.len(),
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    if std::env::args().any(|a| a == "--profile-index") {
        let data = receipts(100_000, 42 + 100_000);
        for _ in 0..200 {
            black_box(ReceiptIndex::from_receipts(&data));
        }
        return;
    }
    if std::env::args().any(|a| a == "--profile") {
        // For a profiler: only the 100k plan, repeatedly.
        let data = receipts(100_000, 42 + 100_000);
        let w = world(products_for(100_000));
        let input = w.input();
        for _ in 0..200 {
            black_box(plan(&input, &data).expect("plan"));
        }
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "reminders bench: 500 rules, 200 recipes, 100 content entries, 20 recalls, 30 vouchers; \
         single thread; {cores} cores visible; {}",
        if quick { "quick run" } else { "full run" }
    );
    let rows: Vec<Row> = [1_000, 10_000, 100_000]
        .into_iter()
        .map(|n| run_size(n, quick))
        .collect();

    println!();
    println!(
        "{:>7} {:>8} {:>9} | {:>9} {:>9} {:>9} {:>9} {:>10} | {:>9} {:>10} {:>9} {:>9} | {:>8} {:>8} | {:>5} {:>5}",
        "lines", "receipts", "input MB", "plan ms", "(min)", "index ms", "kept ms", "insert µs",
        "peak MB", "alloc MB", "allocs", "index MB", "floor ms", "naive ms", "items", "supp."
    );
    for r in &rows {
        println!(
            "{:>7} {:>8} {:>9.2} | {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>10.1} | {:>9.2} {:>10.2} {:>9} {:>9.2} | {:>8.3} {:>8.2} | {:>5} {:>5}",
            r.lines,
            r.receipts,
            r.input_mb,
            ms(r.plan),
            ms(r.plan_min),
            ms(r.index),
            ms(r.plan_indexed),
            r.insert_us,
            mb(r.mem.peak as f64),
            mb(r.mem.bytes as f64),
            r.mem.allocations,
            mb(r.index_mem.retained as f64),
            ms(r.floor),
            ms(r.naive),
            r.items,
            r.suppressed,
        );
    }
    println!();
    println!("plan ms: median time of `plan` from the receipts (indexing included); kept ms: `plan_with_index` with a kept index;");
    println!("insert µs: one new receipt into a kept index (mean of 50 in a row); peak MB: heap high-water mark above the live heap during one `plan`;");
    println!("alloc MB / allocs: bytes and allocations made by one `plan`; index MB: heap a kept index retains;");
    println!("floor: one pass reading every line; naive: each replenishment/seasonal rule scanning every line.");

    println!();
    let mut linear = true;
    for pair in rows.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let size = b.lines as f64 / a.lines as f64;
        let time = b.plan.as_secs_f64() / a.plan.as_secs_f64();
        let peak = b.mem.peak as f64 / a.mem.peak.max(1) as f64;
        let bytes = b.mem.bytes as f64 / a.mem.bytes.max(1) as f64;
        // Linear within measurement noise: a 25 % allowance over the size ratio.
        let ok = time <= size * 1.25 && peak <= size * 1.25 && bytes <= size * 1.25;
        linear &= ok;
        println!(
            "growth {:>6} → {:>7} lines (×{size:.0}): time ×{time:.2}, peak memory ×{peak:.2}, allocated ×{bytes:.2} — {}",
            a.lines,
            b.lines,
            if ok { "no faster than linear: PASS" } else { "FASTER THAN LINEAR: FAIL" }
        );
    }
    let big = &rows[2];
    println!(
        "anchors at {} lines: plan {:.2} ms = {:.1}× the floor pass ({:.3} ms), {:.1}× faster than the naive scan ({:.1} ms)",
        big.lines,
        ms(big.plan),
        big.plan.as_secs_f64() / big.floor.as_secs_f64().max(1e-9),
        ms(big.floor),
        big.naive.as_secs_f64() / big.plan.as_secs_f64().max(1e-9),
        ms(big.naive),
    );
    let shopper = one_shopper(quick);
    let budget = Duration::from_millis(50);
    let pass = big.plan < budget;
    println!();
    println!(
        "50 ms check: {} lines × 500 rules planned in {:.2} ms (median of {} runs, indexing included) {} 50 ms: {}",
        big.lines,
        ms(big.plan),
        if quick { 3 } else { 15 },
        if pass { "<" } else { "≥" },
        if pass { "PASS" } else { "FAIL" }
    );
    let one_pass = shopper < Duration::from_millis(1);
    println!(
        "1 ms check: one shopper, 1600 lines, the shipped replenishment rule over every product, \
         indexing, `plan_with_index` and `usual_items` in {:.3} ms (median) {} 1 ms: {}",
        ms(shopper),
        if one_pass { "<" } else { "≥" },
        if one_pass { "PASS" } else { "FAIL" }
    );
    if !pass || !linear || !one_pass {
        std::process::exit(1);
    }
}

/// One shopper with 1,600 lines (40 products), the shipped defaults: one replenishment rule
/// with `ReplenishmentRule::default()` over every category and `Settings::default()` with
/// marketing consent; indexing the receipts once, the plan and the "usual items" from it.
fn one_shopper(quick: bool) -> Duration {
    let data = receipts(1_600, 7);
    let cats: Vec<String> = (0..CATEGORIES).map(|c| format!("\"Cat {c}\"")).collect();
    let rules = RuleSet::from_json(&format!(
        r#"{{"version": 1, "rules": [{{"id": "usual", "kind": "replenishment",
            "products": {{"categories": [{}]}}}}]}}"#,
        cats.join(",")
    ))
    .expect("rules");
    let catalogue = Catalogue::default();
    let settings = Settings {
        consent: Consent {
            marketing: true,
            service: true,
            safety: true,
            location: false,
        },
        ..Settings::default()
    };
    let context = Context::default();
    let input = PlanInput::new(now(), &rules, &catalogue, &settings, &context);
    let (d, _) = median_of(if quick { 21 } else { 201 }, || {
        let (_, d) = timed(|| {
            let index = ReceiptIndex::from_receipts(&data);
            let p = plan_with_index(&input, &index).expect("plan");
            let list = usual_items(&index, now(), &settings, &context, 20).expect("list");
            black_box((p, list))
        });
        d
    });
    d
}
