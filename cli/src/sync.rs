//! `sync`: the app's sync with the retailer's server (the core's `SyncApi`): enrol, join a
//! household, sync now, status.

use crate::app::{CliError, CliResult, Ctx, Output};
use clap::{Args, Subcommand};
use loyalty_core::sync::{SyncNoticeKind, SyncPhase, SyncReport, SyncState, SyncStatus};
use loyalty_core::wallet::OutboxOperation;
use loyalty_core::{LoyaltyClient, SyncApi};
use serde_json::{json, Value};

#[derive(Args)]
pub struct SyncArgs {
    /// The server's base URL (https, or http on loopback), for enrol and join.
    #[arg(long, env = "LOYALTY_SERVER")]
    pub server: Option<String>,
    #[command(subcommand)]
    pub command: SyncCommand,
}

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Create a membership on the server and enrol this device (card secret included).
    Enrol {
        /// The shopper's name on the server (optional).
        #[arg(long)]
        name: Option<String>,
    },
    /// Sign this device in as a second device of a household, with its household code.
    Join { code: String },
    /// Sync now: send the outbox, then apply the ledger, voucher and receipt feeds.
    Now,
    /// The sync state and the offline work waiting for the server.
    Status,
}

pub fn run(ctx: &Ctx, a: SyncArgs) -> CliResult<Output> {
    let client = ctx.client()?;
    let sync = client.sync();
    match a.command {
        SyncCommand::Enrol { name } => {
            let url = server_url(a.server)?;
            let e = block(&sync, sync.enrol(url.clone(), name))?;
            Ok(enrolled(&client, &sync, &url, e, "enrolled")?)
        }
        SyncCommand::Join { code } => {
            let url = server_url(a.server)?;
            let e = block(&sync, sync.join_household(url.clone(), code))?;
            Ok(enrolled(&client, &sync, &url, e, "joined the household")?)
        }
        SyncCommand::Now => {
            let report = sync.sync_now_blocking()?;
            Ok(Output::new(report_json(&report), report_text(&report)))
        }
        SyncCommand::Status => status(&sync),
    }
}

fn server_url(server: Option<String>) -> CliResult<String> {
    server.ok_or_else(|| {
        CliError::invalid("the server's URL is needed: --server URL (or LOYALTY_SERVER)")
    })
}

pub fn block<T>(
    sync: &SyncApi,
    fut: impl std::future::Future<Output = loyalty_core::ApiResult<T>>,
) -> CliResult<T> {
    Ok(sync.runtime_handle()?.block_on(fut)?)
}

fn enrolled(
    client: &LoyaltyClient,
    sync: &SyncApi,
    url: &str,
    e: loyalty_core::sync::Enrolment,
    what: &str,
) -> CliResult<Output> {
    let card = e.card.clone().or(client.card().member_card()?);
    let code = sync.household_code()?;
    let json = json!({
        "server": url,
        "member_id": e.member_id,
        "card_number": card.as_ref().map(|c| c.card_number.clone()),
        "household_code": e.household_code,
    });
    let mut text = format!("{what} at {url}\nmember     {}\n", e.member_id);
    match &card {
        Some(c) => text.push_str(&format!(
            "card       {}  (rotating code enrolled: `loyalty card show`)\n",
            c.card_number
        )),
        None => text.push_str("card       not fetched yet: the next `loyalty sync now` does it\n"),
    }
    if let Some(h) = e.household_code.as_ref().or(code.as_ref()) {
        text.push_str(&format!(
            "household  {h}  (add another device: `loyalty sync --server {url} join {h}`)\n"
        ));
    }
    Ok(Output::new(json, text))
}

pub fn report_json(r: &SyncReport) -> Value {
    json!({
        "cancelled": r.cancelled,
        "outbox_resolved": r.outbox_resolved,
        "outbox_failed": r.outbox_failed,
        "ledger_applied": r.ledger_applied,
        "vouchers_applied": r.vouchers_applied,
        "receipts_applied": r.receipts_applied,
        "offers_updated": r.offers_updated,
        "requests": r.requests,
        "account_deleted": r.account_deleted,
        "notices": r.notices.iter().map(|n| json!({
            "kind": match n.kind {
                SyncNoticeKind::VoucherUsedElsewhere => "voucher_used_elsewhere",
                SyncNoticeKind::VoucherRefused => "voucher_refused",
                SyncNoticeKind::ReceiptNotClaimed(_) => "receipt_not_claimed",
                SyncNoticeKind::OfferNotActivated(_) => "offer_not_activated",
                SyncNoticeKind::InvoiceRefused(_) => "invoice_refused",
            },
            "voucher_id": n.voucher_id,
            "voucher_title": n.voucher_title,
            "text": { "nl": n.text("nl"), "fr": n.text("fr"), "en": n.text("en") },
        })).collect::<Vec<_>>(),
    })
}

/// The shopper's language for notices: `LC_ALL`, `LC_MESSAGES` or `LANG` (`nl_BE.UTF-8` → nl);
/// English otherwise.
pub(crate) fn language() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty())
        .map(|v| v.split('.').next().unwrap_or_default().replace('_', "-"))
        .unwrap_or_else(|| "en".into())
}

pub fn report_text(r: &SyncReport) -> String {
    let mut text = format!(
        "synced{}\n  outbox     {} resolved, {} refused\n  ledger     {} entries\n  vouchers   {}\n  receipts   {}\n  offers     {}\n  requests   {}\n",
        if r.cancelled { " (cancelled)" } else { "" },
        r.outbox_resolved,
        r.outbox_failed,
        r.ledger_applied,
        r.vouchers_applied,
        r.receipts_applied,
        r.offers_updated,
        r.requests
    );
    let lang = language();
    for n in &r.notices {
        text.push_str(&format!("  notice     {}\n", n.text(&lang)));
    }
    text
}

fn phase(p: SyncPhase) -> &'static str {
    match p {
        SyncPhase::Card => "card",
        SyncPhase::Outbox => "outbox",
        SyncPhase::Ledger => "ledger",
        SyncPhase::Vouchers => "vouchers",
        SyncPhase::Receipts => "receipts",
        SyncPhase::Content => "content",
    }
}

fn status_text(s: &SyncStatus) -> String {
    match s {
        SyncStatus::Idle => "idle".into(),
        SyncStatus::Syncing { phase: p } => format!("syncing ({})", phase(*p)),
        SyncStatus::Failed { error } => format!("failed: {error}"),
    }
}

fn status(sync: &SyncApi) -> CliResult<Output> {
    let state: SyncState = sync.state();
    let account = sync.account()?;
    let outbox = sync.outbox()?;
    let items: Vec<Value> = outbox
        .iter()
        .map(|i| {
            let (kind, what) = match &i.operation {
                OutboxOperation::RedeemVoucher { voucher_id } => {
                    ("redeem_voucher", format!("voucher {voucher_id}"))
                }
                OutboxOperation::ClaimPoints {
                    points, reference, ..
                } => ("claim_points", format!("{points} points for {reference}")),
                OutboxOperation::ClaimReceipt { receipt_id, .. } => {
                    ("claim_receipt", format!("receipt {receipt_id}"))
                }
                OutboxOperation::RequestInvoice { receipt_id, .. } => (
                    "request_invoice",
                    format!("invoice for receipt {receipt_id}"),
                ),
                OutboxOperation::DeleteAccount => ("delete_account", "the account".to_string()),
                OutboxOperation::ActivateOffer { offer_id } => {
                    ("activate_offer", format!("offer {offer_id}"))
                }
                // The answer itself is personal: not shown here.
                OutboxOperation::AnswerSurvey { survey_id, .. } => {
                    ("answer_survey", format!("answer to survey {survey_id}"))
                }
            };
            json!({"seq": i.seq, "kind": kind, "what": what, "created_at": i.created_at,
                   "attempts": i.attempts})
        })
        .collect();
    let json = json!({
        "signed_in": state.signed_in,
        "server": account.as_ref().map(|a| a.base_url.clone()),
        "member_id": account.as_ref().map(|a| a.member_id.clone()),
        "status": status_text(&state.status),
        "last_synced_at": state.last_synced_at,
        "pending_outbox": state.pending_outbox,
        "stuck_outbox": state.stuck_outbox,
        "outbox": items,
    });
    let mut text = String::new();
    text.push_str(&format!(
        "signed in    {}\n",
        match &account {
            Some(a) if state.signed_in => format!("yes, member {} at {}", a.member_id, a.base_url),
            _ => "no (`loyalty sync --server URL enrol` or `join CODE`)".into(),
        }
    ));
    text.push_str(&format!("status       {}\n", status_text(&state.status)));
    text.push_str(&format!(
        "last sync    {}\n",
        state
            .last_synced_at
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "never".into())
    ));
    text.push_str(&format!(
        "outbox       {} waiting, {} stuck\n",
        state.pending_outbox, state.stuck_outbox
    ));
    for i in &items {
        text.push_str(&format!(
            "  #{:<4} {:<15} {}  (attempts {})\n",
            i["seq"],
            i["kind"].as_str().unwrap_or(""),
            i["what"].as_str().unwrap_or(""),
            i["attempts"]
        ));
    }
    Ok(Output::new(json, text))
}
