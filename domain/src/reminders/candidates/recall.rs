//! Recall: lines of a recalled product bought within the sale window (and lot).

use super::{Candidate, Cx, Link, Text};
use crate::reminders::catalogue::RecallNotice;
use crate::reminders::hash::FastSet;
use crate::reminders::ids::enc;
use crate::reminders::index::ReceiptIndex;
use crate::reminders::push::PushMessage;
use crate::reminders::time::{days, ts};
use crate::reminders::vocab::{Category, ReminderKind};

pub(super) fn recalls<'a>(cx: &Cx<'a>, out: &mut Vec<Candidate<'a>>) {
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

pub(super) fn recall_candidate<'a>(cx: &Cx<'a>, n: &'a RecallNotice) -> Option<Candidate<'a>> {
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
            store: cx.index.named(cx.index.receipt(line.receipt).store),
            lot: cx.index.lot(line),
            certain,
        },
    })
}
