//! `loyalty account`: the shopper's account as a whole — export what the server holds, or ask
//! for the account to be deleted (kept in the outbox offline; this device is wiped only once
//! the server confirms).

use crate::app::{write_file, CliError, CliResult, Ctx, Output};
use crate::sync::{block, language, report_json};
use clap::Subcommand;
use loyalty_core::sync::AccountText;
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Everything the server holds for the member (profile, devices, ledger, vouchers,
    /// receipts) as one JSON document; online only.
    Export {
        /// Write the document to this file (owner-only) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Delete the account and erase its data on the server, then on this device. Offline, the
    /// request waits and the next `loyalty sync now` sends it.
    Delete {
        /// Confirm: without it, nothing happens and the confirmation text is shown.
        #[arg(long)]
        yes: bool,
    },
}

fn texts(kind: AccountText) -> Value {
    json!({ "nl": kind.text("nl"), "fr": kind.text("fr"), "en": kind.text("en") })
}

pub fn run(ctx: &Ctx, c: AccountCommand) -> CliResult<Output> {
    let client = ctx.client()?;
    let sync = client.sync();
    let lang = language();
    match c {
        AccountCommand::Export { out } => {
            let doc = block(&sync, sync.export_account())?;
            let value: Value = serde_json::from_str(&doc)
                .map_err(|_| CliError::other("the export is not JSON"))?;
            match out {
                Some(path) => {
                    write_file(&path, doc.as_bytes())?;
                    let counts = json!({
                        "written": path.display().to_string(),
                        "receipts": value["receipts"].as_array().map_or(0, Vec::len),
                        "ledger": value["ledger"].as_array().map_or(0, Vec::len),
                        "vouchers": value["vouchers"].as_array().map_or(0, Vec::len),
                    });
                    let human = format!(
                        "{}\n  written to {}: {} receipts, {} ledger entries, {} vouchers",
                        AccountText::ExportTitle.text(&lang),
                        path.display(),
                        counts["receipts"],
                        counts["ledger"],
                        counts["vouchers"]
                    );
                    Ok(Output::new(counts, human))
                }
                None => Ok(Output::new(value, doc)),
            }
        }
        AccountCommand::Delete { yes } => {
            if !yes {
                return Err(CliError::invalid(format!(
                    "{} {} (add --yes to confirm)",
                    AccountText::DeleteTitle.text(&lang),
                    AccountText::DeleteBody.text(&lang)
                )));
            }
            let requested_at = sync.request_account_deletion()?;
            match sync.sync_now_blocking() {
                Ok(report) if report.account_deleted => Ok(Output::new(
                    json!({ "requested_at": requested_at, "deleted": true,
                            "text": texts(AccountText::Deleted), "sync": report_json(&report) }),
                    AccountText::Deleted.text(&lang),
                )),
                outcome => {
                    // Not confirmed yet (offline, or the server refused for now): it waits.
                    let why = match outcome {
                        Ok(_) => "the server has not confirmed yet".to_string(),
                        Err(e) => e.to_string(),
                    };
                    Ok(Output::new(
                        json!({ "requested_at": requested_at, "deleted": false, "pending": true,
                                "reason": why, "text": texts(AccountText::DeletePending) }),
                        format!("{}\n  ({why})", AccountText::DeletePending.text(&lang)),
                    ))
                }
            }
        }
    }
}
