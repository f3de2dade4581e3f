//! Act 3: the retailer publishes the reminder content, and the app syncs everything down.

use super::script::{catalogue_feeds, demo_now, rules_feed};
use super::Demo;
use crate::app::CliResult;
use serde_json::Value;

impl Demo<'_> {
    /// Publishes the content feeds at the demo's "now", then syncs the app.
    pub(super) fn publish_and_sync(&self) -> CliResult<Value> {
        let _lang = self.lang;
        let out = self.out;
        self.clock.set(demo_now());
        let now = demo_now();
        out.section("Reminder content (published by the retailer)")?;
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
            out.line(format!(
                "  {:<16} version {:<3} {count} item{}",
                kind,
                put["version"].as_u64().unwrap_or(0),
                if count == 1 { "" } else { "s" }
            ))?;
        }

        out.section("Sync")?;
        let sync = self.client.sync();
        let report = sync.sync_now_blocking()?;
        out.line(format!(
            "  {} ledger entries, {} vouchers, {} receipts and {} content feeds applied in {} HTTP requests",
            report.ledger_applied,
            report.vouchers_applied,
            report.receipts_applied,
            report.content_updated,
            report.requests
        ))?;
        for refused in &report.content_rejected {
            out.line(format!("  refused: {refused}"))?;
        }
        Ok(Value::Null)
    }
}
