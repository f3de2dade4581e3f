//! Act 5: points, tier and the warranties kept as proof of purchase.

use super::words::{date, number};
use super::Demo;
use crate::app::CliResult;
use serde_json::{json, Value};

impl Demo<'_> {
    /// Balance, tier and warranties; the summary's `balance` and `tier`.
    pub(super) fn points(&self) -> CliResult<Value> {
        let lang = self.lang;
        let out = self.out;
        out.section("Points")?;
        let balance = self.client.points().balance()?;
        let tier = self.client.points().tier()?;
        out.line(format!(
            "  balance     {} points ({} available, {} pending)",
            number(lang, balance.confirmed),
            number(lang, balance.available()),
            number(lang, balance.pending_credit + balance.pending_debit)
        ))?;
        let next = match (&tier.next_tier, tier.points_to_next_tier) {
            (Some(t), Some(p)) => format!(", {} points to {t}", number(lang, p)),
            _ => ", the highest tier".to_string(),
        };
        out.line(format!(
            "  tier        {} ({} qualifying points since {}{next})",
            tier.tier,
            number(lang, tier.qualifying_points),
            date(lang, tier.window_start)
        ))?;
        for w in self.client.receipts().active_warranties()? {
            out.line(format!(
                "  warranty    {} until {} (receipt kept as proof of purchase)",
                w.name,
                date(lang, w.warranty_until)
            ))?;
        }
        Ok(json!({
            "balance": {"confirmed": balance.confirmed, "available": balance.available()},
            "tier": {"tier": tier.tier, "next_tier": tier.next_tier,
                     "points_to_next_tier": tier.points_to_next_tier},
        }))
    }
}
