//! Act 3: the retailer publishes the reminder content, and the app syncs everything down.

use super::labels;
use super::script::{catalogue_feeds, demo_now, rules_feed};
use super::Demo;
use crate::app::CliResult;
use serde_json::Value;

impl Demo<'_> {
    /// Publishes the content feeds at the demo's "now", then syncs the app.
    pub(super) fn publish_and_sync(&self) -> CliResult<Value> {
        let lang = self.lang;
        let out = self.out;
        self.clock.set(demo_now());
        let now = demo_now();
        out.section(labels::content_section(lang))?;
        let mut published = vec![("reminder-rules", rules_feed())];
        published.extend(catalogue_feeds(now));
        for (kind, body) in &published {
            let put = self.till.call(
                "PUT",
                &format!("/v1/admin/content/{kind}"),
                Some(body),
                None,
            )?;
            let count = ["rules", "recipes", "content", "recalls", "surveys"]
                .iter()
                .filter_map(|k| body[k].as_array())
                .map(Vec::len)
                .sum::<usize>();
            out.line(labels::feed(
                lang,
                kind,
                put["version"].as_u64().unwrap_or(0),
                count,
            ))?;
        }

        out.section(labels::sync_section(lang))?;
        let sync = self.client.sync();
        let report = sync.sync_now_blocking()?;
        out.line(labels::sync_applied(
            lang,
            u64::from(report.ledger_applied),
            u64::from(report.vouchers_applied),
            u64::from(report.receipts_applied),
            u64::from(report.content_updated),
            report.requests,
        ))?;
        for refused in &report.content_rejected {
            out.line(labels::sync_refused(lang, refused))?;
        }
        Ok(Value::Null)
    }
}
