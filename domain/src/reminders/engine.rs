//! Candidate reminders, one function per rule kind. Candidates carry their earliest useful time
//! (`at`), the moment they stop being useful (`stale_at`) and what their texts need; the policy
//! decides which become notifications, and when.

use super::catalogue::{Content, RecallNotice, Recipe};
use super::index::{ReceiptIndex, Scratch};
use super::model::PlanInput;
use super::push::{PushMessage, PushNotice};
use super::rules::{
    EventInvitationRule, Gate, Per, PostPurchaseRule, RecipesRule, ReplenishmentRule, Rule,
    RuleSpec, SeasonalRule, TierProgressRule, VoucherExpiryRule,
};
use super::util::{
    date_of_day, day_of_date, days, enc, hours, median, ts, DayStamp, Enc, FastMap, FastSet, Tz,
    DAY,
};
use super::vocab::{Category, LocalizedText, ReminderKind, Selector};
use crate::wallet::{Voucher, VoucherKind, VoucherState};
use chrono::{Datelike, Months};
use std::cell::{OnceCell, RefCell};

/// How a product is named in a text: the rule's localized label, or the receipt's item name.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Name<'a> {
    Plain(&'a str),
    Localized(&'a LocalizedText),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forecast {
    Min(i32),
    Max(i32),
}

/// What a candidate's title, body and reason are made of.
#[derive(Debug, Clone)]
pub(crate) enum Text<'a> {
    Replenishment {
        product: Name<'a>,
        /// The product reminded of (the last one bought, for a group).
        gtin: &'a str,
        /// The rule's selection when it pools a group: any of it counts as buying it.
        pooled: Option<&'a Selector>,
        run_out_day: i64,
        every_days: i64,
        bought_in: usize,
        shops: usize,
        last_qty: i64,
        last_day: i64,
    },
    Seasonal {
        product: Name<'a>,
        last_year_day: i64,
        forecast: Option<Forecast>,
    },
    Recall {
        notice: &'a RecallNotice,
        bought_day: i64,
        store: &'a str,
        lot: Option<&'a str>,
        certain: bool,
    },
    Recipe {
        recipe: &'a Recipe,
        products: Vec<&'a str>,
        matched: usize,
        total: usize,
    },
    PostPurchase {
        content: &'a Content,
        product: &'a str,
        bought_day: i64,
    },
    VoucherExpiry {
        voucher: &'a Voucher,
        last_day: i64,
    },
    EventVoucher {
        name: &'a str,
        location: &'a str,
        starts_at: i64,
    },
    TierProgress {
        current: &'a str,
        next: &'a str,
        points: i64,
        qualifying: i64,
        since_day: i64,
    },
    Welcome {
        enrolled_day: i64,
    },
    SecondPurchase {
        first_day: i64,
    },
    WinBack {
        last_day: i64,
    },
    Survey {
        store: &'a str,
        day: i64,
    },
    Event {
        name: &'a LocalizedText,
        location: Option<&'a str>,
        starts_at: i64,
        tier: Option<&'a str>,
        receipts: usize,
        within_days: u32,
    },
    Push {
        notice: &'a PushNotice,
    },
}

/// A deep link, formatted only for the notifications that make it into the plan.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Link<'a> {
    /// A complete link from a rule, catalogue entry or push message.
    Custom(&'a str),
    /// The rule set's base, a section and optionally an id: `loyalty://product/5410000000019`.
    Base(&'static str, Option<&'a str>),
}

impl Link<'_> {
    pub(crate) fn build(&self, base: &str) -> String {
        match self {
            Link::Custom(l) => (*l).to_string(),
            Link::Base(section, None) => format!("{base}{section}"),
            Link::Base(section, Some(id)) => format!("{base}{section}/{}", Enc(id)),
        }
    }
}

/// What a candidate is about, for "one notification per thing".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Topic<'a> {
    /// A product, by GTIN id in the index.
    Product(u32),
    Recipe(&'a str),
    Content(&'a str),
}

#[derive(Debug, Clone)]
pub(crate) struct Candidate<'a> {
    /// `rule : subject : period`; the part before the last ':' is the series.
    pub id: String,
    pub rule_id: &'a str,
    pub kind: ReminderKind,
    pub category: Category,
    pub priority: i32,
    /// Likelihood (per mille) that the reminder is useful: a prediction's own, 1000 for the
    /// candidates of rules that state facts. Caps admit the likeliest first.
    pub score: u32,
    pub at: i64,
    pub stale_at: i64,
    /// Urgent safety notices are shown during quiet hours too.
    pub quiet_exempt: bool,
    /// The same series is not shown again within this many seconds (0: no limit).
    pub repeat_gap: i64,
    /// Another candidate about the same thing (same product, recipe or content) is a duplicate.
    pub topic: Option<Topic<'a>>,
    pub link: Link<'a>,
    pub text: Text<'a>,
}

impl Candidate<'_> {
    pub(crate) fn series(&self) -> &str {
        self.id.rsplit_once(':').map(|(s, _)| s).unwrap_or(&self.id)
    }
}

pub(crate) struct Cx<'a> {
    pub input: PlanInput<'a>,
    pub index: &'a ReceiptIndex,
    pub now: i64,
    pub tz: Tz,
    /// Candidates due after this are left to a later plan.
    pub horizon_end: i64,
    /// Catalogue selectors resolved once per plan (shared by all rules that read them).
    pub recipe_lists: OnceCell<Vec<Vec<Vec<&'a [u32]>>>>,
    /// Per (GTIN id, history length): the product's repurchase statistics.
    pub predictions: RefCell<FastMap<(u32, u32), Option<Stats>>>,
    /// The shopper's shop days up to now.
    pub shops: OnceCell<Vec<i64>>,
    pub content_lists: OnceCell<Vec<Vec<&'a [u32]>>>,
}

impl<'a> Cx<'a> {
    /// The rule's own link, or the default one.
    fn rule_link(&self, rule: &'a Rule, section: &'static str, id: Option<&'a str>) -> Link<'a> {
        match &rule.deep_link {
            Some(l) => Link::Custom(l),
            None => Link::Base(section, id),
        }
    }

    /// `send_at` on local `day`.
    fn on_day(&self, rule: &Rule, day: i64) -> i64 {
        self.tz.at(day, i64::from(rule.send_at.minute_of_day))
    }

    /// A candidate of `rule`, unless it is already stale or not due within the horizon.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &self,
        out: &mut Vec<Candidate<'a>>,
        rule: &'a Rule,
        subject: &str,
        period: &dyn std::fmt::Display,
        at: i64,
        stale_at: i64,
        text: Text<'a>,
        link: Link<'a>,
    ) -> Option<usize> {
        if stale_at <= self.now || at > self.horizon_end {
            return None;
        }
        out.push(Candidate {
            id: format!("{}:{}:{}", rule.id, Enc(subject), period),
            rule_id: &rule.id,
            kind: rule.kind(),
            category: rule.category(),
            priority: rule.priority,
            score: 1000,
            at,
            stale_at,
            quiet_exempt: false,
            repeat_gap: 0,
            topic: None,
            link,
            text,
        });
        Some(out.len() - 1)
    }
}

/// Every candidate from every enabled rule, recall notice and push message.
pub(crate) fn candidates<'a>(cx: &Cx<'a>) -> Vec<Candidate<'a>> {
    let mut out = Vec::new();
    for rule in &cx.input.rules.rules {
        if !rule.enabled {
            continue;
        }
        match &rule.spec {
            RuleSpec::Replenishment(r) => replenishment(cx, rule, r, &mut out),
            RuleSpec::Seasonal(r) => seasonal(cx, rule, r, &mut out),
            RuleSpec::Recipes(r) => recipes(cx, rule, r, &mut out),
            RuleSpec::PostPurchase(r) => post_purchase(cx, rule, r, &mut out),
            RuleSpec::VoucherExpiry(r) => voucher_expiry(cx, rule, r, &mut out),
            RuleSpec::TierProgress(r) => tier_progress(cx, rule, r, &mut out),
            RuleSpec::Welcome(r) => {
                if let Some(enrolled) = cx.input.enrolled_at.map(ts) {
                    let at = enrolled.saturating_add(hours(r.delay_hours));
                    let stale = enrolled.saturating_add(days(r.valid_days));
                    let day = cx.tz.day(enrolled);
                    cx.push(
                        &mut out,
                        rule,
                        "member",
                        &DayStamp(day),
                        at,
                        stale,
                        Text::Welcome { enrolled_day: day },
                        cx.rule_link(rule, "home", None),
                    );
                }
            }
            RuleSpec::SecondPurchase(r) => {
                let receipts = cx.index.receipts_upto(cx.now);
                if let [only] = receipts {
                    let rec = cx.index.receipt(*only);
                    let first_day = cx.tz.day(rec.at);
                    let at = cx.on_day(rule, first_day.saturating_add(i64::from(r.after_days)));
                    cx.push(
                        &mut out,
                        rule,
                        "first",
                        &Enc(&rec.id),
                        at,
                        at.saturating_add(days(r.valid_days)),
                        Text::SecondPurchase { first_day },
                        cx.rule_link(rule, "offers", None),
                    );
                }
            }
            RuleSpec::WinBack(r) => {
                if let Some(&last) = cx.index.receipts_upto(cx.now).last() {
                    let rec = cx.index.receipt(last);
                    let last_day = cx.tz.day(rec.at);
                    let at = cx.on_day(rule, last_day.saturating_add(i64::from(r.inactive_days)));
                    cx.push(
                        &mut out,
                        rule,
                        "last",
                        &Enc(&rec.id),
                        at,
                        at.saturating_add(days(r.valid_days)),
                        Text::WinBack { last_day },
                        cx.rule_link(rule, "offers", None),
                    );
                }
            }
            RuleSpec::Survey(r) => {
                if let Some(&second) = cx.index.receipts_upto(cx.now).get(1) {
                    let rec = cx.index.receipt(second);
                    let at = rec.at.saturating_add(hours(r.delay_hours));
                    let link = cx.rule_link(rule, "survey", Some(&rec.id));
                    cx.push(
                        &mut out,
                        rule,
                        "second",
                        &Enc(&rec.id),
                        at,
                        at.saturating_add(days(r.valid_days)),
                        Text::Survey {
                            store: cx.index.str(rec.store),
                            day: cx.tz.day(rec.at),
                        },
                        link,
                    );
                }
            }
            RuleSpec::EventInvitation(r) => event_invitation(cx, rule, r, &mut out),
        }
    }
    recalls(cx, &mut out);
    pushes(cx, &mut out);
    out
}

fn lists_of<'a>(index: &'a ReceiptIndex, sel: &super::vocab::Selector) -> Vec<&'a [u32]> {
    index.lists(&index.resolve(sel))
}

fn name_for<'a>(rule: &'a Rule, index: &'a ReceiptIndex, line: u32) -> Name<'a> {
    match &rule.label {
        Some(l) => Name::Localized(l),
        None => Name::Plain(index.name(index.line(line))),
    }
}

// ---------------------------------------------------------------------------------------------
// Replenishment

fn replenishment<'a>(
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
const LIKELIHOOD_SHOPS: usize = 20;
/// Weight of a shop relative to the one after it (0.85: the last 5 shops carry about half).
const SHOP_DECAY: f64 = 0.85;
/// The prior: one pseudo-shop in which the item was bought with this probability.
const PRIOR_SHARE: f64 = 0.1;
/// Shops named in the "why" ("on 9 of your last 10 shops").
pub(crate) const EVIDENCE_SHOPS: usize = 10;
/// A reminder is not sent before this share of the shopper's usual gap between shops has
/// passed since their last shop (a staple is not "running low" the day after it was bought).
const RHYTHM_OPENS: f64 = 0.25;

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
const MODEL: [f64; 10] = [
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

fn logit(p: f64) -> f64 {
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
    last: super::index::Event,
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
fn shops<'c>(cx: &'c Cx<'_>) -> &'c [i64] {
    cx.shops.get_or_init(|| cx.index.shop_days(cx.now, cx.tz))
}

/// Median absolute deviation as a percentage of the median (None without a positive median).
fn spread_percent(v: &mut [i64], dev: &mut Vec<i64>) -> Option<(i64, i64)> {
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
fn median_f(v: &mut [i64]) -> f64 {
    v.sort_unstable();
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
fn product_stats(cx: &Cx<'_>, g: u32, history: u32, scratch: &mut Scratch) -> Option<Stats> {
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
fn first_day(lo: i64, hi: i64, holds: impl Fn(i64) -> bool) -> Option<i64> {
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
const FADE_SEARCH_DAYS: i64 = 366;

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
fn predict<'a>(
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
    out.sort_by(|a, b| {
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

// ---------------------------------------------------------------------------------------------
// Seasonal

fn gates_hold(cx: &Cx<'_>, gates: &[Gate]) -> bool {
    let c = cx.input.context;
    gates.iter().all(|g| match g {
        Gate::ForecastMinTempAtMost { c_tenths } => {
            c.forecast_min_temp_c_tenths.is_some_and(|t| t <= *c_tenths)
        }
        Gate::ForecastMaxTempAtLeast { c_tenths } => {
            c.forecast_max_temp_c_tenths.is_some_and(|t| t >= *c_tenths)
        }
        Gate::SignalAtLeast { signal, value } => c.signals.get(signal).is_some_and(|v| v >= value),
        Gate::SignalAtMost { signal, value } => c.signals.get(signal).is_some_and(|v| v <= value),
    })
}

fn seasonal<'a>(cx: &Cx<'a>, rule: &'a Rule, r: &'a SeasonalRule, out: &mut Vec<Candidate<'a>>) {
    let today = cx.tz.day(cx.now);
    let Some(date) = date_of_day(today) else {
        return;
    };
    // The season instance containing today, identified by the year it starts in.
    let instance = |start_year: i32| {
        let s = r.season.from.in_year(start_year)?;
        let end_year = if r.season.to < r.season.from {
            start_year.checked_add(1)?
        } else {
            start_year
        };
        let e = r.season.to.in_year(end_year)?;
        Some((day_of_date(s), day_of_date(e)))
    };
    let Some((year, (start, end))) = [date.year().saturating_sub(1), date.year()]
        .into_iter()
        .filter_map(|y| instance(y).map(|i| (y, i)))
        .find(|(_, (s, e))| *s <= today && today <= *e)
    else {
        return;
    };
    let Some((ly_start, ly_end)) = year.checked_sub(1).and_then(instance) else {
        return;
    };
    if !r.gates.is_empty() && !gates_hold(cx, &r.gates) {
        return;
    }
    let forecast = r.gates.iter().find_map(|g| match g {
        Gate::ForecastMinTempAtMost { .. } => cx
            .input
            .context
            .forecast_min_temp_c_tenths
            .map(Forecast::Min),
        Gate::ForecastMaxTempAtLeast { .. } => cx
            .input
            .context
            .forecast_max_temp_c_tenths
            .map(Forecast::Max),
        _ => None,
    });
    let ly_from = cx.tz.start_of(ly_start);
    let ly_to = cx.tz.start_of(ly_end + 1) - 1;
    let this_from = cx.tz.start_of(start);
    let stale = cx.tz.start_of(end + 1);
    let resolved = cx.index.resolve(&r.products);
    let mut one = |lists: &[&[u32]], subject: &str| {
        if lists.is_empty() || cx.index.latest_in(lists, this_from, cx.now).is_some() {
            return;
        }
        let Some(first) = cx.index.earliest_in(lists, ly_from, ly_to) else {
            return;
        };
        let line = cx.index.line(first);
        let bought_day = cx.tz.day(line.at);
        let remind_day = if r.gates.is_empty() {
            let anniversary = date_of_day(bought_day)
                .and_then(|d| d.checked_add_months(Months::new(12)))
                .map(day_of_date)
                .unwrap_or(start);
            anniversary
                .saturating_sub(i64::from(r.lead_days))
                .max(start)
        } else {
            today
        };
        let gtin = cx.index.gtin_str(line.gtin);
        let link = cx.rule_link(rule, "product", Some(gtin));
        if let Some(i) = cx.push(
            out,
            rule,
            subject,
            &year,
            cx.on_day(rule, remind_day),
            stale,
            Text::Seasonal {
                product: name_for(rule, cx.index, first),
                last_year_day: bought_day,
                forecast,
            },
            link,
        ) {
            out[i].topic = Some(Topic::Product(line.gtin));
        }
    };
    match r.per {
        Per::Product => {
            for g in cx.index.subject_gtins(&resolved) {
                one(&[cx.index.gtin_lines(g)], cx.index.gtin_str(g));
            }
        }
        Per::Group => one(&cx.index.lists(&resolved), "group"),
    }
}

// ---------------------------------------------------------------------------------------------
// Recall

fn recalls<'a>(cx: &Cx<'a>, out: &mut Vec<Candidate<'a>>) {
    let mut seen: FastSet<&str> = FastSet::default();
    let notices = cx
        .input
        .catalogue
        .recalls
        .iter()
        .chain(cx.input.pushes.iter().filter_map(|p| match p {
            PushMessage::Recall(n) => Some(n),
            PushMessage::Message(_) => None,
        }));
    for n in notices {
        if !seen.insert(n.id.as_str()) {
            continue;
        }
        if let Some(c) = recall_candidate(cx, n) {
            out.push(c);
        }
    }
}

/// The shopper's best match for a notice: a line of a recalled GTIN bought within the sale
/// window whose lot is affected (certain), else one whose lot is unknown (possible); the latest
/// such purchase.
pub(crate) fn recall_match(
    index: &ReceiptIndex,
    n: &RecallNotice,
    upto: i64,
) -> Option<(u32, bool)> {
    let from = ts(n.sold_from);
    let to = ts(n.sold_until).min(upto);
    let mut best: Option<(bool, (i64, &str, u32), u32)> = None;
    for g in &n.gtins {
        let Some(gid) = index.gtin_id(g) else {
            continue;
        };
        for &li in index.range(index.gtin_lines(gid), from, to) {
            let line = index.line(li);
            let certain = if n.lots.is_empty() {
                true
            } else {
                match index.lot(line) {
                    Some(lot) if n.lists_lot(lot) => true,
                    Some(_) => continue,
                    None => false,
                }
            };
            let key = (line.at, &*index.receipt(line.receipt).id, line.line_no);
            if best
                .as_ref()
                .is_none_or(|(c, k, _)| (certain, key) > (*c, *k))
            {
                best = Some((certain, key, li));
            }
        }
    }
    best.map(|(certain, _, li)| (li, certain))
}

fn recall_candidate<'a>(cx: &Cx<'a>, n: &'a RecallNotice) -> Option<Candidate<'a>> {
    let stale = n
        .ends_at
        .map(ts)
        .unwrap_or_else(|| ts(n.published_at).saturating_add(days(90)));
    if stale <= cx.now {
        return None;
    }
    let (li, certain) = recall_match(cx.index, n, cx.now)?;
    let line = cx.index.line(li);
    let at = ts(n.published_at).max(cx.now);
    if at > cx.horizon_end {
        return None;
    }
    Some(Candidate {
        id: format!("recall:{}", enc(&n.id)),
        rule_id: "recall",
        kind: ReminderKind::Recall,
        category: Category::Safety,
        priority: 100,
        score: 1000,
        at,
        stale_at: stale,
        quiet_exempt: n.urgent,
        repeat_gap: 0,
        topic: None,
        link: match &n.deep_link {
            Some(l) => Link::Custom(l),
            None => Link::Base("recall", Some(&n.id)),
        },
        text: Text::Recall {
            notice: n,
            bought_day: cx.tz.day(line.at),
            store: cx.index.str(cx.index.receipt(line.receipt).store),
            lot: cx.index.lot(line),
            certain,
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Recipes and post-purchase content

fn recipes<'a>(cx: &Cx<'a>, rule: &'a Rule, r: &RecipesRule, out: &mut Vec<Candidate<'a>>) {
    let window = days(r.window_days);
    let from = cx.now.saturating_sub(window);
    struct Scored<'a> {
        recipe: &'a Recipe,
        matched: usize,
        total: usize,
        latest: u32,
        products: Vec<&'a str>,
    }
    let mut scored: Vec<Scored<'a>> = Vec::new();
    let resolved = cx.recipe_lists.get_or_init(|| {
        cx.input
            .catalogue
            .recipes
            .iter()
            .map(|r| {
                r.ingredients
                    .iter()
                    .map(|i| lists_of(cx.index, i))
                    .collect()
            })
            .collect()
    });
    for (recipe, ingredients) in cx.input.catalogue.recipes.iter().zip(resolved) {
        let mut matched = 0usize;
        let mut latest: Option<u32> = None;
        let mut products: Vec<&'a str> = Vec::new();
        for lists in ingredients {
            if let Some(li) = cx.index.latest_in(lists, from, cx.now) {
                matched += 1;
                let l = cx.index.line(li);
                if latest.is_none_or(|x| cx.index.line(x).at < l.at) {
                    latest = Some(li);
                }
                let name = cx.index.name(l);
                if products.len() < 3 && !products.contains(&name) {
                    products.push(name);
                }
            }
        }
        if let Some(latest) = latest {
            if matched >= r.min_overlap as usize {
                scored.push(Scored {
                    recipe,
                    matched,
                    total: recipe.ingredients.len(),
                    latest,
                    products,
                });
            }
        }
    }
    // Most ingredients bought first; then the larger share of the recipe; then id.
    scored.sort_by(|a, b| {
        b.matched
            .cmp(&a.matched)
            .then((b.matched * a.total).cmp(&(a.matched * b.total)))
            .then(a.recipe.id.cmp(&b.recipe.id))
    });
    for s in scored.into_iter().take(r.max_suggestions as usize) {
        let bought = cx.index.line(s.latest).at;
        let day = cx.tz.day(bought);
        let mut at = cx.on_day(rule, day);
        if at < bought {
            at = cx.on_day(rule, day + 1);
        }
        let recipe = s.recipe;
        let link = match &recipe.deep_link {
            Some(l) => Link::Custom(l),
            None => cx.rule_link(rule, "recipe", Some(&recipe.id)),
        };
        if let Some(i) = cx.push(
            out,
            rule,
            &s.recipe.id,
            &DayStamp(day),
            at,
            bought.saturating_add(window),
            Text::Recipe {
                recipe: s.recipe,
                products: s.products,
                matched: s.matched,
                total: s.total,
            },
            link,
        ) {
            out[i].repeat_gap = days(r.repeat_after_days);
            out[i].topic = Some(Topic::Recipe(&s.recipe.id));
        }
    }
}

fn post_purchase<'a>(
    cx: &Cx<'a>,
    rule: &'a Rule,
    r: &PostPurchaseRule,
    out: &mut Vec<Candidate<'a>>,
) {
    let from = cx.now.saturating_sub(days(r.lookback_days));
    let resolved = cx.content_lists.get_or_init(|| {
        cx.input
            .catalogue
            .content
            .iter()
            .map(|c| lists_of(cx.index, &c.products))
            .collect()
    });
    for (content, lists) in cx.input.catalogue.content.iter().zip(resolved) {
        let Some(li) = cx.index.latest_in(lists, from, cx.now) else {
            continue;
        };
        let line = cx.index.line(li);
        let at = line.at.saturating_add(hours(content.delay_hours));
        let stale = at.saturating_add(hours(content.valid_hours));
        let link = match &content.deep_link {
            Some(l) => Link::Custom(l),
            None => cx.rule_link(rule, "content", Some(&content.id)),
        };
        let receipt = cx.index.receipt(line.receipt);
        if let Some(i) = cx.push(
            out,
            rule,
            &content.id,
            &Enc(&receipt.id),
            at,
            stale,
            Text::PostPurchase {
                content,
                product: cx.index.name(line),
                bought_day: cx.tz.day(line.at),
            },
            link,
        ) {
            let c = &mut out[i];
            c.category = content
                .category
                .or(rule.category)
                .unwrap_or(Category::Service);
            c.repeat_gap = days(content.repeat_after_days);
            c.topic = Some(Topic::Content(&content.id));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Wallet, tier and events

fn voucher_expiry<'a>(
    cx: &Cx<'a>,
    rule: &'a Rule,
    r: &VoucherExpiryRule,
    out: &mut Vec<Candidate<'a>>,
) {
    let mut thresholds = r.days_before.clone();
    thresholds.sort_unstable_by(|a, b| b.cmp(a));
    thresholds.dedup();
    for v in cx.input.vouchers {
        if v.state != VoucherState::Available
            || matches!(v.kind, VoucherKind::EventInvitation { .. })
        {
            continue;
        }
        let until = ts(v.valid_until);
        if until <= cx.now {
            continue;
        }
        let from = ts(v.valid_from);
        let last_day = cx.tz.day(until - 1);
        // Of the thresholds already passed, only the latest one is sent (at once).
        let mut passed: Option<(u32, i64)> = None;
        let mut due: Vec<(u32, i64)> = Vec::new();
        for &d in &thresholds {
            let at = cx
                .on_day(rule, last_day.saturating_sub(i64::from(d)))
                .max(from);
            if at >= until {
                continue;
            }
            if at <= cx.now {
                passed = Some((d, at));
            } else {
                due.push((d, at));
            }
        }
        let link = cx.rule_link(rule, "wallet", Some(&v.id));
        for (d, at) in passed.into_iter().chain(due) {
            cx.push(
                out,
                rule,
                &v.id,
                &format_args!("d{d}"),
                at,
                until,
                Text::VoucherExpiry {
                    voucher: v,
                    last_day,
                },
                link,
            );
        }
    }
}

fn tier_progress<'a>(
    cx: &Cx<'a>,
    rule: &'a Rule,
    r: &TierProgressRule,
    out: &mut Vec<Candidate<'a>>,
) {
    let Some(t) = cx.input.tier else {
        return;
    };
    let (Some(next), Some(points)) = (&t.next_tier, t.points_to_next_tier) else {
        return;
    };
    if points <= 0 || points > r.max_points_to_next {
        return;
    }
    let today = cx.tz.day(cx.now);
    let period = date_of_day(today)
        .map(|d| format!("{:04}{:02}", d.year(), d.month()))
        .unwrap_or_default();
    let at = cx.on_day(rule, today);
    if let Some(i) = cx.push(
        out,
        rule,
        next,
        &period,
        at,
        cx.tz.start_of(today + 3),
        Text::TierProgress {
            current: &t.tier,
            next,
            points,
            qualifying: t.qualifying_points,
            since_day: cx.tz.day(ts(t.window_start)),
        },
        cx.rule_link(rule, "points", None),
    ) {
        out[i].repeat_gap = days(r.repeat_after_days);
    }
}

fn event_invitation<'a>(
    cx: &Cx<'a>,
    rule: &'a Rule,
    r: &'a EventInvitationRule,
    out: &mut Vec<Candidate<'a>>,
) {
    let Some(ev) = &r.event else {
        // Invitations the server put in the wallet.
        for v in cx.input.vouchers {
            let VoucherKind::EventInvitation {
                event_name,
                location,
                starts_at,
                ..
            } = &v.kind
            else {
                continue;
            };
            if v.state != VoucherState::Available || ts(v.valid_until) <= cx.now {
                continue;
            }
            let starts = ts(*starts_at);
            let at = cx.on_day(
                rule,
                cx.tz.day(starts).saturating_sub(i64::from(r.days_before)),
            );
            cx.push(
                out,
                rule,
                &v.id,
                &"event",
                at,
                starts,
                Text::EventVoucher {
                    name: event_name,
                    location,
                    starts_at: starts,
                },
                cx.rule_link(rule, "wallet", Some(&v.id)),
            );
        }
        return;
    };
    let e = &r.eligibility;
    let tier = cx.input.tier.map(|t| t.tier.as_str());
    if !e.tiers.is_empty()
        && !tier.is_some_and(|t| e.tiers.iter().any(|x| x.trim().eq_ignore_ascii_case(t)))
    {
        return;
    }
    let from = cx.now.saturating_sub(days(e.within_days));
    let receipts = cx.index.receipts_between(from, cx.now);
    if receipts < e.min_receipts as usize {
        return;
    }
    if !e.categories.is_empty() {
        let sel = super::vocab::Selector {
            gtins: Vec::new(),
            categories: e.categories.clone(),
        };
        let resolved = cx.index.resolve(&sel);
        if cx
            .index
            .latest_in(&cx.index.lists(&resolved), from, cx.now)
            .is_none()
        {
            return;
        }
    }
    let starts = ts(ev.starts_at);
    let start_day = cx.tz.day(starts);
    let at = cx.on_day(rule, start_day.saturating_sub(i64::from(r.days_before)));
    cx.push(
        out,
        rule,
        "event",
        &DayStamp(start_day),
        at,
        starts,
        Text::Event {
            name: &ev.name,
            location: ev.location.as_deref(),
            starts_at: starts,
            tier: if e.tiers.is_empty() { None } else { tier },
            receipts,
            within_days: e.within_days,
        },
        cx.rule_link(rule, "events", Some(&rule.id)),
    );
}

// ---------------------------------------------------------------------------------------------
// Push messages

fn pushes<'a>(cx: &Cx<'a>, out: &mut Vec<Candidate<'a>>) {
    for p in cx.input.pushes {
        let PushMessage::Message(m) = p else {
            continue;
        };
        let at = m.send_at.map(ts).unwrap_or(cx.now);
        let stale = m
            .expires_at
            .map(ts)
            .unwrap_or_else(|| at.max(cx.now).saturating_add(days(7)));
        if stale <= cx.now || at > cx.horizon_end {
            continue;
        }
        out.push(Candidate {
            id: format!("push:{}", enc(&m.id)),
            rule_id: "push",
            kind: ReminderKind::Push,
            category: m.category,
            priority: 0,
            score: 1000,
            at,
            stale_at: stale,
            quiet_exempt: false,
            repeat_gap: 0,
            topic: None,
            link: match &m.deep_link {
                Some(l) => Link::Custom(l),
                None => Link::Base("home", None),
            },
            text: Text::Push { notice: m },
        });
    }
}
