//! Act 5: points, tier and the warranties kept as proof of purchase, with the proof of one
//! line verified at the till.

use super::words::{date, money, number};
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
        let receipts = self.client.receipts();
        let mut proof_summary = Value::Null;
        for (n, w) in receipts.active_warranties()?.into_iter().enumerate() {
            out.line(format!(
                "  warranty    {} until {} (receipt kept as proof of purchase)",
                w.names.get_or(lang.core(), &w.name),
                date(lang, w.warranty_until)
            ))?;
            if n > 0 {
                continue;
            }
            // The proof of that one line, as the phone shows it at the service desk; the
            // store's till verifies it with the retailer's key and sees nothing else.
            let receipt = receipts.get(&w.receipt_id)?;
            let Some(index) = receipt.lines.iter().position(|l| l.gtin == w.gtin) else {
                continue;
            };
            let proof = receipts.line_proof(&w.receipt_id, index as u32)?;
            let checked = self.till.call(
                "POST",
                "/v1/till/receipt-proofs",
                Some(&json!({ "proof": proof })),
                None,
            )?;
            out.line(format!(
                "  proof       line {} of {} as a QR code ({} characters{}): \
                 the till says {} bought on {}, paid {}",
                index + 1,
                receipt.lines.len(),
                proof.len(),
                if receipt.lines.len() > 1 {
                    ", the other lines hidden"
                } else {
                    ""
                },
                checked["line"]["name"].as_str().unwrap_or_default(),
                date(lang, receipt.purchased_at),
                money(lang, checked["paid_minor"].as_i64().unwrap_or_default())
            ))?;
            proof_summary = json!({"receipt_id": w.receipt_id, "line": index,
                                   "length": proof.len(), "verified_by_till": true});
        }
        Ok(json!({
            "balance": {"confirmed": balance.confirmed, "available": balance.available()},
            "warranty_proof": proof_summary,
            "tier": {"tier": tier.tier, "next_tier": tier.next_tier,
                     "points_to_next_tier": tier.points_to_next_tier},
        }))
    }
}
