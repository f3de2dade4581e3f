//! Voucher expiry: "time to spend it" before a usable voucher expires.

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
