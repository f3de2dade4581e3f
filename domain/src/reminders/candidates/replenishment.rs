//! Replenishment: when an item the shopper buys regularly is about to run out (and the same
//! model ranks "your usual items").

use super::{name_for, Candidate, Cx, Text, Topic};
use crate::reminders::index::Scratch;
use crate::reminders::rules::{Per, ReplenishmentRule, Rule};
use crate::reminders::time::{DayStamp, DAY};

pub(super) fn replenishment<'a>(
    cx: &Cx<'a>,
    rule: &'a Rule,
    r: &'a ReplenishmentRule,
    out: &mut Vec<Candidate<'a>>,
) {
    let resolved = cx.index.resolve(&r.products);
    let mut scratch = Scratch::default();
    match r.per {
        Per::Product => {
            for g in cx.index.subject_gtins(&resolved) {
                let list = cx.index.gtin_lines(g);
                let subject = cx.index.gtin_str(g);
                predict(cx, rule, r, &[list], subject, Some(g), &mut scratch, out);
            }
        }
        Per::Group => {
            let lists = cx.index.lists(&resolved);
            predict(cx, rule, r, &lists, "group", None, &mut scratch, out);
        }
    }
}

/// Shops looked at for the recency-weighted share, and purchase days for the model.
pub(super) const LIKELIHOOD_SHOPS: usize = 20;
/// Weight of a shop relative to the one after it (0.85: the last 5 shops carry about half).
pub(super) const SHOP_DECAY: f64 = 0.85;
/// The prior: one pseudo-shop in which the item was bought with this probability.
pub(super) const PRIOR_SHARE: f64 = 0.1;
/// Shops named in the "why" ("on 9 of your last 10 shops").
pub(crate) const EVIDENCE_SHOPS: usize = 10;
/// A reminder is not sent before this share of the shopper's usual gap between shops has
/// passed since their last shop (a staple is not "running low" the day after it was bought).
pub(super) const RHYTHM_OPENS: f64 = 0.25;

/// The next-shop model: a logistic regression giving the probability that the item is in the
/// basket if the shopper shops on a given day. Features, in this order: 1; the logit of the
/// recency-weighted share of the last 20 shops with the item; ln(1 + shops since it was last
/// bought); t = ln((days since its last purchase + 1) / (its median gap + 1)), t², max(t, 0)
/// (0 for an item bought on one day only); 1 for an item bought on one day only; the shopper's
/// rhythm ln((days since the last shop + 1) / (their median shop gap + 1)); ln(purchase days,
/// at most 20); the logit of its purchase rate ((days + 0.5) / (shops since the first of them
/// + 1)).
///
/// Fitted (IRLS, ridge 0.001) by `tests/eval/fit_predictor.rs` on the Instacart sample of the
/// evaluation, predicting each shopper's 2nd, 3rd and 4th order from the end from the orders
/// before it: the held-out last orders took no part. Nothing per shopper or per product.
pub(super) const MODEL: [f64; 10] = [
    -0.622_193_7, // intercept
    0.541_455_9,  // logit(share of recent shops)
    -0.082_996_8, // ln(1 + shops since last bought)
    0.454_571_6,  // t
    0.090_709_0,  // t²
    -1.115_835_7, // max(t, 0)
    -0.776_851_6, // bought on one day only
    0.167_219_3,  // shopping rhythm
    0.288_673_5,  // ln(purchase days)
    0.300_097_4,  // logit(purchase rate)
];

pub(super) fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-4, 1.0 - 1e-4);
    (p / (1.0 - p)).ln()
}

/// Repurchase statistics of one product or group, from the history up to now.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stats {
    /// Seconds one purchase (of the last purchase's size, where the history supports quantity
    /// scaling) lasts: the median gap between purchase days.
    lasts: i64,
    /// Typical days between purchase days (for the "why").
    every_days: i64,
    /// True when the gaps are too irregular for `max_spread_percent`, measured in days and, for
    /// an item the shopper sometimes skips, in shops.
    irregular_percent_days: i64,
    irregular_percent_shops: Option<i64>,
    /// Purchase days considered (at most `history`).
    purchases: usize,
    /// Recency-weighted share of all the shopper's recent shops with it (a model feature).
    share_next: f64,
    /// Of the shopper's last `shops_seen` shops (at most [`EVIDENCE_SHOPS`]), how many had it.
    bought_in: usize,
    shops_seen: usize,
    last: crate::reminders::index::Event,
    /// The model's view (last [`LIKELIHOOD_SHOPS`] purchase days): how many, their median gap
    /// in days (0 for one day), the purchase rate, shops since the last purchase.
    model_days: usize,
    model_gap: f64,
    rate: f64,
    shops_since: usize,
    /// The shopper's last shop day and median gap between shops (days, at least 1).
    last_shop: i64,
    shop_gap: f64,
    /// The expected next purchase day, seen from the day planned: the last purchase plus the
    /// median of its gaps longer than the time since then (the interval distribution given
    /// that it was not bought since); past every gap seen, or bought on one day only, the
    /// shopper's next shop by their rhythm.
    next_expected: i64,
}

impl Stats {
    /// Probability (0–1) that the item is in the basket if the shopper shops on `day`.
    pub(crate) fn probability_on(&self, day: i64) -> f64 {
        let d = (day - self.last.day).max(0) as f64;
        let since_shop = (day - self.last_shop).max(0) as f64;
        let single = self.model_days < 2;
        let t = if single {
            0.0
        } else {
            ((d + 1.0) / (self.model_gap + 1.0)).ln()
        };
        let x = [
            1.0,
            logit(self.share_next),
            (1.0 + self.shops_since as f64).ln(),
            t,
            t * t,
            t.max(0.0),
            if single { 1.0 } else { 0.0 },
            ((since_shop + 1.0) / (self.shop_gap + 1.0)).ln(),
            (self.model_days.max(1) as f64).ln(),
            logit(self.rate),
        ];
        let z: f64 = MODEL.iter().zip(x).map(|(b, v)| b * v).sum();
        1.0 / (1.0 + (-z).exp())
    }

    /// [`Self::probability_on`] per mille.
    pub(crate) fn likelihood_on(&self, day: i64) -> u32 {
        (self.probability_on(day).clamp(0.0, 1.0) * 1000.0).round() as u32
    }

    /// The predicted run-out (next purchase) day.
    pub(crate) fn run_out_day(&self) -> i64 {
        self.last.day.saturating_add(self.lasts / DAY)
    }

    /// The earliest day a reminder may go out: a share of the shopper's usual shop gap after
    /// their last shop, and after the last purchase.
    fn opens_on(&self) -> i64 {
        let wait = (self.shop_gap * RHYTHM_OPENS).ceil() as i64;
        self.last_shop
            .saturating_add(wait.max(1))
            .max(self.last.day.saturating_add(1))
    }
}

/// The shopper's shop days up to now, computed once per plan.
pub(super) fn shops<'c>(cx: &'c Cx<'_>) -> &'c [i64] {
    cx.shops.get_or_init(|| cx.index.shop_days(cx.now, cx.tz))
}

/// Median absolute deviation as a percentage of the median (None without a positive median).
pub(super) fn spread_percent(v: &mut [i64], dev: &mut Vec<i64>) -> Option<(i64, i64)> {
    let m = median(v)?;
    if m <= 0 {
        return None;
    }
    dev.clear();
    dev.extend(v.iter().map(|u| (u - m).abs()));
    let mad = median(dev)?;
    let pct = i64::try_from(i128::from(mad) * 100 / i128::from(m)).unwrap_or(i64::MAX);
    Some((m, pct))
}

/// Median of day gaps as a real number (the mean of the middle two for an even count).
pub(super) fn median_f(v: &mut [i64]) -> f64 {
    crate::sort::sort(v);
    let n = v.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => v[n / 2] as f64,
        _ => (v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0,
    }
}

pub(crate) fn interval_stats(
    cx: &Cx<'_>,
    lists: &[&[u32]],
    history: usize,
    scratch: &mut Scratch,
) -> Option<Stats> {
    let shop_days = shops(cx);
    let today = cx.tz.day(cx.now);
    cx.index
        .tail_events(lists, cx.now, cx.tz, history.max(LIKELIHOOD_SHOPS), scratch);
    let all = &scratch.events;
    let last = *all.last()?;
    let events = &all[all.len().saturating_sub(history)..];
    let model = &all[all.len().saturating_sub(LIKELIHOOD_SHOPS)..];
    let day_gaps = &mut scratch.c;
    day_gaps.clear();
    day_gaps.extend(events.windows(2).map(|w| w[1].day - w[0].day));
    let every_days = median(day_gaps).unwrap_or(0).max(0);
    // The shopper's rhythm: their last shop and median gap between their recent shops.
    let recent = &shop_days[shop_days.len().saturating_sub(LIKELIHOOD_SHOPS)..];
    let last_shop = recent.last().copied().unwrap_or(last.day).max(last.day);
    let mut shop_gaps: Vec<i64> = recent.windows(2).map(|w| w[1] - w[0]).collect();
    let shop_gap = median_f(&mut shop_gaps).max(1.0);
    // Recency-weighted share of the recent shops with the item (a prior of one pseudo-shop),
    // and how many of the last few had it (the "why").
    let (mut w, mut wsum, mut hit, mut bought_in) = (1.0f64, 0.0f64, 0.0f64, 0usize);
    let mut ei = all.len();
    for (k, &d) in recent.iter().rev().enumerate() {
        while ei > 0 && all[ei - 1].day > d {
            ei -= 1;
        }
        let bought = ei > 0 && all[ei - 1].day == d;
        if bought {
            hit += w;
            if k < EVIDENCE_SHOPS {
                bought_in += 1;
            }
        }
        wsum += w;
        w *= SHOP_DECAY;
    }
    let share_next = (hit + PRIOR_SHARE) / (wsum + 1.0);
    let shops_seen = recent.len().min(EVIDENCE_SHOPS);
    let shops_since = shop_days
        .len()
        .saturating_sub(shop_days.partition_point(|&d| d <= last.day));
    let first = model.first().map_or(last.day, |e| e.day);
    let shops_from_first = shop_days
        .len()
        .saturating_sub(shop_days.partition_point(|&d| d < first))
        .max(model.len());
    let rate = (model.len() as f64 + 0.5) / (shops_from_first as f64 + 1.0);
    let model_gaps = &mut scratch.b;
    model_gaps.clear();
    model_gaps.extend(model.windows(2).map(|w| w[1].day - w[0].day));
    let model_gap = median_f(model_gaps).max(1.0);
    // The expected next purchase given that it was not bought since: the median of the gaps
    // longer than the time elapsed; past all of them, the shopper's next shop.
    let elapsed = today - last.day;
    let next_shop = last_shop.saturating_add(shop_gap.round() as i64).max(today);
    model_gaps.retain(|&g| g > elapsed);
    let next_expected = if model.len() < 2 || model_gaps.is_empty() {
        next_shop
    } else {
        let m = median_f(model_gaps);
        last.day.saturating_add(m.round() as i64).max(today)
    };
    let base = Stats {
        lasts: 0,
        every_days: 0,
        irregular_percent_days: 0,
        irregular_percent_shops: None,
        purchases: events.len(),
        share_next,
        bought_in,
        shops_seen,
        last,
        model_days: model.len(),
        model_gap: if model.len() < 2 { 0.0 } else { model_gap },
        rate,
        shops_since,
        last_shop,
        shop_gap,
        next_expected,
    };
    if events.len() < 2 {
        return Some(base);
    }
    // Quantity scaling only where the history supports it: an earlier purchase of more than
    // one unit. Otherwise a purchase lasts the median gap, whatever its size.
    let scaled = events[..events.len() - 1].iter().any(|e| e.qty > 1);
    let gaps = &mut scratch.a;
    gaps.clear();
    gaps.extend(events.windows(2).map(|w| {
        let gap = (w[1].day - w[0].day).saturating_mul(DAY);
        if scaled {
            gap / w[0].qty.max(1)
        } else {
            gap
        }
    }));
    let (m, pct_days) = spread_percent(gaps, &mut scratch.b)?;
    let lasts = if scaled {
        i64::try_from(i128::from(last.qty) * i128::from(m)).ok()?
    } else {
        m
    };
    // Gaps in shops, for an item the shopper sometimes skips: one skipped shop makes a gap
    // of two shops, not an irregular habit.
    let skipped = events.windows(2).any(|w| {
        let from = shop_days.partition_point(|&d| d <= w[0].day);
        let to = shop_days.partition_point(|&d| d <= w[1].day);
        to.saturating_sub(from) > 1
    });
    let pct_shops = if skipped {
        gaps.clear();
        gaps.extend(events.windows(2).map(|w| {
            let from = shop_days.partition_point(|&d| d <= w[0].day);
            let to = shop_days.partition_point(|&d| d <= w[1].day);
            i64::try_from(to.saturating_sub(from)).unwrap_or(i64::MAX)
        }));
        spread_percent(gaps, &mut scratch.b).map(|(_, p)| p)
    } else {
        None
    };
    // Where quantities scale, the expected next purchase is the scaled run-out.
    let next_expected = if scaled {
        last.day.saturating_add(lasts / DAY).max(today)
    } else {
        base.next_expected
    };
    Some(Stats {
        lasts,
        every_days: every_days.max(1),
        irregular_percent_days: pct_days,
        irregular_percent_shops: pct_shops,
        next_expected,
        ..base
    })
}

/// The statistics of one product, cached per plan (however many rules cover it).
pub(super) fn product_stats(
    cx: &Cx<'_>,
    g: u32,
    history: u32,
    scratch: &mut Scratch,
) -> Option<Stats> {
    let key = (g, history);
    let cached = cx.predictions.borrow().get(&key).copied();
    match cached {
        Some(s) => s,
        None => {
            let list = cx.index.gtin_lines(g);
            let s = interval_stats(cx, &[list], history as usize, scratch);
            cx.predictions.borrow_mut().insert(key, s);
            s
        }
    }
}

/// The first day in `[lo, hi]` for which `holds` is true, when it is false up to some day and
/// true from then on (bisection); None when it does not hold at `hi`.
pub(super) fn first_day(lo: i64, hi: i64, holds: impl Fn(i64) -> bool) -> Option<i64> {
    if lo > hi || !holds(hi) {
        return None;
    }
    let (mut lo, mut hi) = (lo, hi);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if holds(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

/// Days searched after the peak for the day a reminder stops being likely.
pub(super) const FADE_SEARCH_DAYS: i64 = 366;

/// Replenishment prediction for one product or group.
///
/// Purchases are grouped into purchase days (the largest receipt of a day counts, not their
/// sum). The item lasts the median gap between purchase days (per unit times the last
/// quantity where earlier multi-unit purchases support scaling): the run-out. The history is
/// refused as too irregular when the median absolute deviation of the gaps exceeds
/// `max_spread_percent` of their median both in days and, for an item the shopper sometimes
/// skips, in shops. The reminder goes out on the first day on which the next-shop model
/// ([`Stats::probability_on`]) gives at least `min_likelihood_percent`, not before a quarter
/// of the shopper's usual shop gap after their last shop nor before `lead_days` (or
/// `lead_percent` of the interval) before the run-out; it stays useful while the probability
/// holds, and at least `grace_days` after the run-out.
#[allow(clippy::too_many_arguments)]
pub(super) fn predict<'a>(
    cx: &Cx<'a>,
    rule: &'a Rule,
    r: &'a ReplenishmentRule,
    lists: &[&[u32]],
    subject: &str,
    gtin: Option<u32>,
    scratch: &mut Scratch,
    out: &mut Vec<Candidate<'a>>,
) {
    if lists.is_empty() {
        return;
    }
    let stats = match gtin {
        Some(g) => product_stats(cx, g, r.history, scratch),
        None => interval_stats(cx, lists, r.history as usize, scratch),
    };
    let Some(st) = stats else {
        return;
    };
    if st.purchases < r.min_purchases as usize || st.lasts <= 0 {
        return;
    }
    let limit = i64::from(r.max_spread_percent);
    let regular = st.irregular_percent_days <= limit
        || st.irregular_percent_shops.is_some_and(|p| p <= limit);
    if !regular {
        return;
    }
    let last = st.last;
    let run_out_day = st.run_out_day();
    let bar = r.min_likelihood_percent.saturating_mul(10);
    let likely = |day: i64| st.likelihood_on(day) >= bar;
    // Opens at the latest of: the shopper's rhythm, `lead` before the run-out.
    let lead_scaled = i128::from(st.lasts / DAY) * i128::from(r.lead_percent) / 100;
    let lead = i64::from(r.lead_days).max(i64::try_from(lead_scaled).unwrap_or(0));
    let opens = st.opens_on().max(run_out_day.saturating_sub(lead));
    let today = cx.tz.day(cx.now);
    // The probability rises towards the run-out and fades after it: the first likely day
    // from today (or from the opening, if later) up to the run-out, else today past it.
    let from = opens.max(today);
    let remind_day = if likely(from) {
        from
    } else {
        match first_day(from, run_out_day, likely) {
            Some(d) => d,
            None => return,
        }
    };
    // Already due before today: sent now (at the opening's send time, which has passed).
    let send_day = if remind_day == today && opens < today && likely(today) {
        opens
    } else {
        remind_day
    };
    let peak = remind_day.max(run_out_day);
    let fades = first_day(peak, peak.saturating_add(FADE_SEARCH_DAYS), |d| !likely(d))
        .unwrap_or(peak.saturating_add(FADE_SEARCH_DAYS));
    let stale_day =
        fades.max(run_out_day.saturating_add(i64::from(r.grace_days).saturating_add(1)));
    let likelihood = st.likelihood_on(remind_day);
    let at = cx.on_day(rule, send_day);
    let stale = cx.tz.start_of(stale_day);
    let product = name_for(rule, cx.index, last.last_line);
    let gtin = cx.index.gtin_str(cx.index.line(last.last_line).gtin);
    let link = cx.rule_link(rule, "product", Some(gtin));
    if let Some(i) = cx.push(
        out,
        rule,
        subject,
        &DayStamp(last.day),
        at,
        stale,
        Text::Replenishment {
            product,
            gtin,
            pooled: (r.per == Per::Group).then_some(&r.products),
            run_out_day,
            every_days: st.every_days,
            bought_in: st.bought_in,
            shops: st.shops_seen,
            last_qty: last.qty,
            last_day: last.day,
        },
        link,
    ) {
        out[i].topic = Some(Topic::Product(cx.index.line(last.last_line).gtin));
        out[i].score = likelihood;
    }
}

/// One entry of the "your usual items" list.
pub(crate) struct Usual {
    pub gtin: u32,
    pub probability: f64,
    pub likelihood: u32,
    pub next_day: i64,
    pub stats: Stats,
}

/// Every product bought at least once, with the probability that it is in the basket if the
/// shopper shops today and its expected next purchase day, the likeliest first (then the
/// soonest, then GTIN).
pub(crate) fn usual_items(cx: &Cx<'_>, history: u32) -> Vec<Usual> {
    let today = cx.tz.day(cx.now);
    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    for g in 0..cx.index.gtin_count() {
        let Some(st) = product_stats(cx, g, history, &mut scratch) else {
            continue;
        };
        let probability = st.probability_on(today);
        let (likelihood, next_day) = (st.likelihood_on(today), st.next_expected);
        out.push(Usual {
            gtin: g,
            probability,
            likelihood,
            next_day,
            stats: st,
        });
    }
    crate::sort::sort_by(&mut out, |a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.next_day.cmp(&b.next_day))
            .then_with(|| cx.index.gtin_str(a.gtin).cmp(cx.index.gtin_str(b.gtin)))
    });
    out
}

impl Usual {
    pub(crate) fn evidence(&self) -> (usize, usize, i64, usize) {
        (
            self.stats.bought_in,
            self.stats.shops_seen,
            self.stats.every_days,
            self.stats.purchases,
        )
    }
    pub(crate) fn last_line(&self) -> u32 {
        self.stats.last.last_line
    }
}

/// Median of a non-empty slice of integers (the mean of the two middle values for an even
/// count), sorting it in place.
pub(super) fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    crate::sort::sort(v);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        let (a, b) = (i128::from(v[n / 2 - 1]), i128::from(v[n / 2]));
        i64::try_from((a + b) / 2).unwrap_or(i64::MAX)
    })
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
        assert_eq!(median(&mut [i64::MAX, i64::MAX]), Some(i64::MAX));
        assert_eq!(median(&mut []), None);
    }
}
