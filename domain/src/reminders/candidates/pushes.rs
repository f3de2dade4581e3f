//! Push messages: the retailer's pushes, admitted under the same policy as the rest.

use super::{Candidate, Cx, Link, Text};
use crate::reminders::ids::enc;
use crate::reminders::push::PushMessage;
use crate::reminders::time::{days, ts};
use crate::reminders::vocab::ReminderKind;

pub(super) fn pushes<'a>(cx: &Cx<'a>, out: &mut Vec<Candidate<'a>>) {
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
