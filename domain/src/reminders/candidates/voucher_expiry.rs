//! Voucher expiry: "time to spend it" before a usable voucher, or an offer the retailer gave the
//! shopper automatically, ends.

use super::{Candidate, Cx, Text};
use crate::reminders::rules::{Rule, VoucherExpiryRule};
use crate::reminders::time::ts;
use crate::wallet::{VoucherKind, VoucherState};

pub(super) fn voucher_expiry<'a>(
    cx: &Cx<'a>,
    rule: &'a Rule,
    r: &VoucherExpiryRule,
    out: &mut Vec<Candidate<'a>>,
) {
    let mut thresholds = r.days_before.clone();
    crate::sort::sort_by(&mut thresholds, |a, b| b.cmp(a));
    thresholds.dedup();
    for v in cx.input.vouchers {
        if v.state != VoucherState::Available
            || matches!(v.kind, VoucherKind::EventInvitation { .. })
        {
            continue;
        }
        let (from, until) = (ts(v.valid_from), ts(v.valid_until));
        let link = cx.rule_link(rule, "wallet", Some(&v.id));
        for (d, at, last_day) in moments(cx, rule, &thresholds, from, until) {
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
    for o in cx.input.assigned_offers {
        let (from, until) = (ts(o.valid_from), ts(o.valid_until));
        let link = cx.rule_link(rule, "offers", Some(&o.id));
        // "offer." keeps an offer's series apart from a voucher with the same id.
        let subject = format!("offer.{}", o.id);
        for (d, at, last_day) in moments(cx, rule, &thresholds, from, until) {
            cx.push(
                out,
                rule,
                &subject,
                &format_args!("d{d}"),
                at,
                until,
                Text::OfferExpiry {
                    title: &o.title,
                    last_day,
                },
                link,
            );
        }
    }
}

/// When to remind of something usable from `from` until `until` (exclusive): `(threshold, at,
/// last local day)` per threshold still ahead, and of the thresholds already passed only the
/// latest (sent at once). Nothing once it ended.
/// A premium membership that does not renew by itself: reminded `days_before` (each) its last
/// local day, while it runs (series per plan and end, so a renewal starts a new one).
pub(super) fn membership_renewal<'a>(
    cx: &Cx<'a>,
    rule: &'a Rule,
    r: &super::super::rules::MembershipRenewalRule,
    out: &mut Vec<Candidate<'a>>,
) {
    let Some(m) = cx.input.membership else {
        return;
    };
    if m.auto_renews {
        return;
    }
    let mut thresholds = r.days_before.clone();
    crate::sort::sort_by(&mut thresholds, |a, b| b.cmp(a));
    thresholds.dedup();
    let (from, until) = (ts(m.started_at), ts(m.ends_at));
    let link = cx.rule_link(rule, "membership", Some(&m.plan));
    let subject = format!("{}.{}", m.plan, until);
    for (d, at, last_day) in moments(cx, rule, &thresholds, from, until) {
        cx.push(
            out,
            rule,
            &subject,
            &format_args!("d{d}"),
            at,
            until,
            Text::MembershipRenewal {
                plan: &m.name,
                last_day,
            },
            link,
        );
    }
}

fn moments(
    cx: &Cx<'_>,
    rule: &Rule,
    thresholds: &[u32],
    from: i64,
    until: i64,
) -> Vec<(u32, i64, i64)> {
    if until <= cx.now {
        return Vec::new();
    }
    let last_day = cx.tz.day(until - 1);
    let mut passed: Option<(u32, i64, i64)> = None;
    let mut due = Vec::new();
    for &d in thresholds {
        let at = cx
            .on_day(rule, last_day.saturating_sub(i64::from(d)))
            .max(from);
        if at >= until {
            continue;
        }
        if at <= cx.now {
            passed = Some((d, at, last_day));
        } else {
            due.push((d, at, last_day));
        }
    }
    passed.into_iter().chain(due).collect()
}
