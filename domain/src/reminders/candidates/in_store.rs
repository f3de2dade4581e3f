//! In a store: the phone entered a store and the shopper allowed in-store notifications. One
//! notification, due at once: the card ready, the shopping list, the activated offers valid here.

use super::{Candidate, Cx, Link, Text};
use crate::reminders::rules::{InStoreRule, Rule};
use crate::reminders::time::{hours, ts, DayStamp};

pub(super) fn in_store<'a>(
    cx: &Cx<'a>,
    rule: &'a Rule,
    r: &InStoreRule,
    out: &mut Vec<Candidate<'a>>,
) {
    // Without location consent there is no visit to read (the core keeps none); checked here
    // too, so a visit handed in by other means is never announced.
    if !cx.input.settings.consent.location {
        return;
    }
    let Some(visit) = cx.input.visit else {
        return;
    };
    if visit.validate().is_err() {
        return;
    }
    let entered = ts(visit.entered_at);
    if entered > cx.now {
        return;
    }
    let stale = entered.saturating_add(i64::from(r.max_age_minutes) * 60);
    let link = match &rule.deep_link {
        Some(l) => Link::Custom(l),
        None => Link::Base("card", None),
    };
    if let Some(i) = cx.push(
        out,
        rule,
        &visit.store_id,
        &DayStamp(cx.tz.day(entered)),
        entered,
        stale,
        Text::InStore {
            store: &visit.store_name,
            entered_at: entered,
            list_items: visit.list_items,
            offers: &visit.offers,
        },
        link,
    ) {
        out[i].repeat_gap = hours(r.repeat_after_hours);
    }
}
