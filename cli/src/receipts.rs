//! `receipts`: the shopper's digital receipts: list, show, add.

use crate::app::{local_time, money, read_items, CliResult, Ctx, Output};
use clap::Subcommand;
use loyalty_core::receipts::Receipt;
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
