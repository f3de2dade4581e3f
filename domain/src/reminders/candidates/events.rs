//! Event invitations: member events the shopper is invited to.

use super::{Candidate, Cx, Name, Text};
use crate::reminders::rules::{EventInvitationRule, Rule};
use crate::reminders::time::{days, ts, DayStamp};
use crate::wallet::{VoucherKind, VoucherState};

pub(super) fn event_invitation<'a>(
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
                    name: Name::Translated(event_name, &v.titles),
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
        let sel = crate::reminders::vocab::Selector {
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
