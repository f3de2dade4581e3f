//! Post-purchase content: tips and guides some hours after a matching purchase.

use super::{lists_of, Candidate, Cx, Link, Text, Topic};
use crate::reminders::ids::Enc;
use crate::reminders::rules::{PostPurchaseRule, Rule};
use crate::reminders::time::{days, hours};
use crate::reminders::vocab::Category;

pub(super) fn post_purchase<'a>(
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
