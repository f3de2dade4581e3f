//! `receipts`: the shopper's digital receipts: list, show, add.

use crate::app::{
    exit, local_time, money, print_stdout, read_items, CliError, CliResult, Ctx, Output,
};
use clap::Subcommand;
use loyalty_core::claim::ReceiptClaim;
use loyalty_core::receipts::Receipt;
use loyalty_core::reminders::Lang;
use loyalty_core::ClaimScan;
use serde_json::json;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ReceiptsCommand {
    /// Every receipt, newest first (as the points ledger), with its total.
    List,
    /// One receipt.
    Show { id: String },
    /// Add receipts from a JSON file (one receipt or a list).
    Add { file: PathBuf },
    /// Claim a receipt sold without the card: the text of the claim QR code the till showed or
    /// printed (`LCR1.…`). Verified offline with the retailer's key (`wallet set-key`), shown
    /// at once as pending and queued for the next sync. Exit code 6 when refused, with the
    /// reason (not_genuine, other_retailer, expired, already_claimed, ...).
    Claim { code: String },
    /// Receipts claimed by their code, newest first: pending, claimed or refused.
    Claims,
}

fn claim_line(c: &ReceiptClaim, lang: Lang) -> String {
    format!(
        "{}  {}  {}  {}  {} point(s)  {:?}: {}",
        c.receipt_id,
        local_time(c.purchased_at),
        c.store_name,
        money(&c.total),
        c.points,
        c.status,
        c.text(lang)
    )
}

fn receipt_line(r: &Receipt) -> String {
    format!(
        "{}  {}  {}  {}  {} line(s)",
        r.id,
        local_time(r.purchased_at),
        r.store_name,
        money(&r.total()),
        r.lines.len()
    )
}

pub fn run(ctx: &Ctx, c: ReceiptsCommand) -> CliResult<Output> {
    let client = ctx.client()?;
    let r = client.receipts();
    match c {
        ReceiptsCommand::List => {
            let mut all = r.all()?;
            // Newest first, as the ledger; the same time by id, for a stable order.
            all.sort_by(|a, b| {
                b.purchased_at
                    .cmp(&a.purchased_at)
                    .then_with(|| b.id.cmp(&a.id))
            });
            let human = if all.is_empty() {
                "no receipts".to_string()
            } else {
                all.iter().map(receipt_line).collect::<Vec<_>>().join("\n")
            };
            Ok(Output::new(json!(all), human))
        }
        ReceiptsCommand::Show { id } => {
            let rec = r.get(&id)?;
            let until = r.return_until(&id)?;
            let mut human = receipt_line(&rec);
            for l in &rec.lines {
                human.push_str(&format!(
                    "\n  {} x {}  {}  ({})",
                    l.quantity,
                    l.name,
                    money(&l.unit_price),
                    l.gtin
                ));
            }
            human.push_str(&format!("\ntotal {}", money(&rec.total())));
            human.push_str(&format!("\nreturns until {}", local_time(until)));
            let mut json = json!(rec);
            json["return_until"] = json!(until);
            Ok(Output::new(json, human))
        }
        ReceiptsCommand::Claim { code } => {
            let lang = Lang::negotiate(&crate::sync::language());
            match r.claim(&code)? {
                ClaimScan::Queued(c) => Ok(Output::new(json!(c), claim_line(&c, lang))),
                ClaimScan::Refused(refusal) => {
                    if ctx.json {
                        // The verdict is the output; the exit code says it was refused.
                        let out = json!({"queued": false, "refusal": refusal.as_str(),
                                         "reason": refusal.reason(), "text": refusal.text(lang)});
                        print_stdout(
                            format!(
                                "{}\n",
                                serde_json::to_string_pretty(&out).unwrap_or_default()
                            )
                            .as_bytes(),
                        )?;
                    }
                    Err(CliError {
                        json_printed: ctx.json,
                        ..CliError::new(
                            exit::REFUSED,
                            format!("refused ({}): {}", refusal.as_str(), refusal.text(lang)),
                        )
                    })
                }
            }
        }
        ReceiptsCommand::Claims => {
            let lang = Lang::negotiate(&crate::sync::language());
            let all = r.claims()?;
            let human = if all.is_empty() {
                "no claimed receipts".to_string()
            } else {
                all.iter()
                    .map(|c| claim_line(c, lang))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Ok(Output::new(json!(all), human))
        }
        ReceiptsCommand::Add { file: path } => {
            let receipts: Vec<Receipt> = read_items(&path, "receipt")?;
            let mut added = 0;
            let mut already = 0;
            for rec in receipts {
                if r.add(rec)? {
                    added += 1;
                } else {
                    already += 1;
                }
            }
            Ok(Output::new(
                json!({"added": added, "already_stored": already}),
                format!("{added} receipt(s) added, {already} already stored"),
            ))
        }
    }
}
