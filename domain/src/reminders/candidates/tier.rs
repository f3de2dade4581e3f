//! Tier progress: how far the shopper is from the next tier, before the period ends.

use super::{Candidate, Cx, Name, Text};
use crate::reminders::rules::{Rule, TierProgressRule};
use crate::reminders::time::{date_of_day, days, ts};
use chrono::Datelike;

pub(super) fn tier_progress<'a>(
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
            current: Name::Translated(&t.tier, &t.tier_names),
            next: Name::Translated(next, &t.next_tier_names),
            points,
            qualifying: t.qualifying_points,
            since_day: cx.tz.day(ts(t.window_start)),
        },
        cx.rule_link(rule, "points", None),
    ) {
        out[i].repeat_gap = days(r.repeat_after_days);
    }
}
