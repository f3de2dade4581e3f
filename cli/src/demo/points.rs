//! Act 5: points, tier and the warranties kept as proof of purchase, with the proof of one
//! line verified at the till.

use super::labels::{self, Field, Proof};
use super::words::{date, money, number};
use super::Demo;
use crate::app::CliResult;
use serde_json::{json, Value};

impl Demo<'_> {
    /// Balance, tier and warranties; the summary's `balance` and `tier`.
    pub(super) fn points(&self) -> CliResult<Value> {
        let lang = self.lang;
        let out = self.out;
        out.section(labels::points_section(lang))?;
        let balance = self.client.points().balance()?;
        let tier = self.client.points().tier()?;
        out.line(labels::field(
            lang,
            Field::Balance,
            labels::balance(
                lang,
                &number(lang, balance.confirmed),
                &number(lang, balance.available()),
                &number(lang, balance.pending_credit + balance.pending_debit),
            ),
        ))?;
        // The tier names in the shopper's language, as the programme's rules give them.
        let to_next = match (&tier.next_tier, tier.points_to_next_tier) {
            (Some(t), Some(p)) => {
                Some((number(lang, p), tier.next_tier_names.get_or(lang.core(), t)))
            }
            _ => None,
        };
        out.line(labels::field(
            lang,
            Field::Tier,
            labels::tier(
                lang,
                tier.tier_names.get_or(lang.core(), &tier.tier),
                &number(lang, tier.qualifying_points),
                &date(lang, tier.window_start),
                to_next.as_ref().map(|(p, t)| (p.as_str(), *t)),
            ),
        ))?;
        let receipts = self.client.receipts();
        let mut proof_summary = Value::Null;
        for (n, w) in receipts.active_warranties()?.into_iter().enumerate() {
            out.line(labels::field(
                lang,
                Field::Warranty,
                labels::warranty(
                    lang,
                    w.names.get_or(lang.core(), &w.name),
                    &date(lang, w.warranty_until),
                ),
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
            out.line(labels::field(
                lang,
                Field::Proof,
                labels::proof(
                    lang,
                    &Proof {
                        line: index + 1,
                        lines: receipt.lines.len(),
                        chars: proof.len(),
                        product: checked["line"]["name"].as_str().unwrap_or_default(),
                        bought: &date(lang, receipt.purchased_at),
                        paid: &money(lang, checked["paid_minor"].as_i64().unwrap_or_default()),
                    },
                ),
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
