//! The notification policy over all candidates, in this order:
//!
//! 1. **Consent** per category: without it, nothing of that category (safety included: the
//!    shopper's choice; the app can still show matched recalls in its own screens, see
//!    [`super::matching_recalls`]). A **muted rule** produces nothing (safety notices excepted).
//! 2. **One per thing**: within one plan, one notification per id, per topic (the same product,
//!    recipe or content from two rules) and per repeat-limited series — the best one wins:
//!    safety before service before marketing, then higher rule priority, then the likelier
//!    (a prediction's likelihood), then earlier, then id.
//! 3. **Feedback and history**: a dismissed id is never planned again, a snoozed id not before
//!    its `until`; an id already delivered is not planned again, and a series (rule and subject)
//!    with a repeat interval (recipes, post-purchase content, tier progress) is not shown again
//!    within it.
//! 4. **Time**: never before `now`; **quiet hours** postpone to the end of the quiet period
//!    (urgent recalls excepted). A reminder postponed past its useful life is dropped as stale.
//! 5. **Frequency caps** per local day and local week (Monday–Sunday), over all non-safety
//!    notifications and per category, counting the delivered history. Each day's candidates are
//!    admitted best first; the rest move to the next day at the same local time, while still
//!    useful and within the horizon (so under a cap of one a day the likeliest reminder is
//!    shown, never the lowest id). Safety notices are never capped and use up no budget.

use super::candidates::{Candidate, Cx, Topic};
use super::hash::{FastMap, FastSet};
use super::plan::{SuppressReason, Suppressed};
use super::time::{ts, week_of, DAY, MINUTE};
use super::vocab::Category;
use std::cmp::Reverse;
use std::collections::BTreeMap;

fn suppress(c: Candidate<'_>, why: SuppressReason) -> Suppressed {
    Suppressed {
        id: c.id,
        rule_id: c.rule_id.to_string(),
        kind: c.kind,
        category: c.category,
        why,
    }
}

type Rank<'c> = (Category, Reverse<i32>, Reverse<u32>, i64, &'c str);

/// Safety before service before marketing, then rule priority, then the likeliest (a
/// prediction's likelihood; facts count as certain), then the earliest, then id.
fn rank<'c>(c: &'c Candidate<'_>) -> Rank<'c> {
    (
        c.category,
        Reverse(c.priority),
        Reverse(c.score),
        c.at,
        c.id.as_str(),
    )
}

/// Counts of delivered or planned notifications per (service, marketing).
#[derive(Default)]
struct Counts {
    per_day: FastMap<i64, [u32; 2]>,
    per_week: FastMap<i64, [u32; 2]>,
}

impl Counts {
    fn add(&mut self, day: i64, slot: usize) {
        self.per_day.entry(day).or_default()[slot] += 1;
        self.per_week.entry(week_of(day)).or_default()[slot] += 1;
    }

    fn fits(&self, cx: &Cx<'_>, day: i64, slot: usize) -> bool {
        let caps = &cx.input.settings.caps;
        let d = self.per_day.get(&day).copied().unwrap_or_default();
        let w = self
            .per_week
            .get(&week_of(day))
            .copied()
            .unwrap_or_default();
        let cat = if slot == 0 {
            &caps.service
        } else {
            &caps.marketing
        };
        let under = |limit: Option<u32>, n: u32| limit.is_none_or(|l| n < l);
        under(caps.total.per_day, d[0] + d[1])
            && under(caps.total.per_week, w[0] + w[1])
            && under(cat.per_day, d[slot])
            && under(cat.per_week, w[slot])
    }
}

/// Moves `at` out of quiet hours, if it falls inside.
pub(crate) fn out_of_quiet_hours(cx: &Cx<'_>, at: i64) -> i64 {
    let Some(q) = cx.input.settings.quiet_hours else {
        return at;
    };
    match q.minutes_until_end(cx.tz.minute_of_day(at)) {
        Some(m) => at - at.rem_euclid(MINUTE) + m * MINUTE,
        None => at,
    }
}

/// Where a candidate stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    Admitted,
    Out(SuppressReason),
}

/// Admits candidates into the plan. Returns the admitted ones (with their final time, sorted
/// by time then id) and the suppressed ones (sorted by id). Candidates stay where they are;
/// the steps work on their positions.
pub(crate) fn apply<'a>(
    cx: &Cx<'a>,
    mut cands: Vec<Candidate<'a>>,
) -> (Vec<Candidate<'a>>, Vec<Suppressed>) {
    let input = &cx.input;
    let settings = input.settings;
    let mut state = vec![State::Open; cands.len()];

    // History: what was shown, when each series was last shown, and the caps already used.
    let mut delivered: FastSet<&str> = FastSet::default();
    let mut series_last: FastMap<&str, i64> = FastMap::default();
    let mut counts = Counts::default();
    for h in input.history {
        let t = ts(h.at);
        if t > cx.now {
            continue;
        }
        delivered.insert(&h.id);
        let series = h.id.rsplit_once(':').map(|(s, _)| s).unwrap_or(&h.id);
        let last = series_last.entry(series).or_insert(t);
        *last = (*last).max(t);
        if let Some(slot) = h.category.cap_slot() {
            counts.add(cx.tz.day(t), slot);
        }
    }
    let mut dismissed: FastSet<&str> = FastSet::default();
    let mut snoozed: FastMap<&str, i64> = FastMap::default();
    let mut muted: FastSet<&str> = FastSet::default();
    for f in input.feedback {
        match f {
            super::plan::Feedback::Dismissed { id } => {
                dismissed.insert(id);
            }
            super::plan::Feedback::Snoozed { id, until } => {
                let u = snoozed.entry(id).or_insert(ts(*until));
                *u = (*u).max(ts(*until));
            }
            super::plan::Feedback::MutedRule { rule_id } => {
                muted.insert(rule_id);
            }
        }
    }

    // Consent and muted rules first: what the shopper refused takes no part in choosing.
    for (c, st) in cands.iter().zip(state.iter_mut()) {
        if !settings.consent.allows(c.category) {
            *st = State::Out(SuppressReason::NoConsent);
        } else if c.category != Category::Safety && muted.contains(c.rule_id) {
            *st = State::Out(SuppressReason::RuleMuted);
        }
    }

    // One per id, per topic and per repeat-limited series; the best-ranked wins. This comes
    // before history and feedback, so that once the winner was shown or dismissed, another rule
    // about the same product does not step in.
    {
        let mut order: Vec<usize> = (0..cands.len())
            .filter(|&i| state[i] == State::Open)
            .collect();
        crate::sort::sort_by(&mut order, |&a, &b| rank(&cands[a]).cmp(&rank(&cands[b])));
        let mut ids: FastSet<&str> = FastSet::default();
        let mut topics: FastSet<Topic<'_>> = FastSet::default();
        let mut series: FastSet<&str> = FastSet::default();
        for i in order {
            let c = &cands[i];
            let dup = ids.contains(c.id.as_str())
                || c.topic.is_some_and(|t| topics.contains(&t))
                || (c.repeat_gap > 0 && series.contains(c.series()));
            if dup {
                state[i] = State::Out(SuppressReason::Duplicate);
                continue;
            }
            ids.insert(&c.id);
            if let Some(t) = c.topic {
                topics.insert(t);
            }
            if c.repeat_gap > 0 {
                series.insert(c.series());
            }
        }
    }

    // Feedback, history, time, quiet hours, staleness.
    let mut by_day: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, c) in cands.iter_mut().enumerate() {
        if state[i] != State::Open {
            continue;
        }
        let why = if dismissed.contains(c.id.as_str()) {
            Some(SuppressReason::Dismissed)
        } else if delivered.contains(c.id.as_str()) {
            Some(SuppressReason::AlreadyDelivered)
        } else if c.repeat_gap > 0
            && series_last
                .get(c.series())
                .is_some_and(|&t| c.at.max(cx.now).saturating_sub(t) < c.repeat_gap)
        {
            Some(SuppressReason::TooSoon)
        } else {
            c.at = c.at.max(cx.now);
            if let Some(&until) = snoozed.get(c.id.as_str()) {
                c.at = c.at.max(until);
            }
            if !c.quiet_exempt {
                c.at = out_of_quiet_hours(cx, c.at);
            }
            if c.at >= c.stale_at {
                Some(SuppressReason::Stale)
            } else if c.at > cx.horizon_end {
                Some(SuppressReason::BeyondHorizon)
            } else {
                None
            }
        };
        match why {
            Some(why) => state[i] = State::Out(why),
            None => by_day.entry(cx.tz.day(c.at)).or_default().push(i),
        }
    }

    // Caps, day by day.
    while let Some((day, mut list)) = by_day.pop_first() {
        crate::sort::sort_by(&mut list, |&a, &b| rank(&cands[a]).cmp(&rank(&cands[b])));
        for i in list {
            let c = &mut cands[i];
            let Some(slot) = c.category.cap_slot() else {
                state[i] = State::Admitted;
                continue;
            };
            if counts.fits(cx, day, slot) {
                counts.add(day, slot);
                state[i] = State::Admitted;
                continue;
            }
            let mut next = c.at.saturating_add(DAY);
            if !c.quiet_exempt {
                next = out_of_quiet_hours(cx, next);
            }
            if next >= c.stale_at || next > cx.horizon_end {
                state[i] = State::Out(SuppressReason::Capped);
            } else {
                c.at = next;
                by_day.entry(cx.tz.day(next)).or_default().push(i);
            }
        }
    }

    let mut admitted = Vec::new();
    let mut suppressed = Vec::new();
    for (c, st) in cands.into_iter().zip(state) {
        match st {
            State::Admitted => admitted.push(c),
            State::Out(why) => suppressed.push(suppress(c, why)),
            // Every candidate ends admitted or out; an open one would be a bug, kept visible.
            State::Open => suppressed.push(suppress(c, SuppressReason::Capped)),
        }
    }
    crate::sort::sort_by(&mut admitted, |a, b| {
        a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id))
    });
    crate::sort::sort_by(&mut suppressed, |a, b| {
        a.id.cmp(&b.id).then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    (admitted, suppressed)
}
