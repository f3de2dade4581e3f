//! `points`, `wallet`, `receipts`, `reminders`.

use crate::app::{
    local_date, local_time, money, pretty, read_text, CliError, CliResult, Ctx, Output,
};
use clap::{Args, Subcommand};
use loyalty_core::points::{Balance, LedgerEntry, TierStatus};
use loyalty_core::receipts::Receipt;
use loyalty_core::reminders::Settings;
use loyalty_core::wallet::{Voucher, VoucherState};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum PointsCommand {
    /// Confirmed, pending and available points.
    Balance,
    /// Ledger entries, newest first.
    Ledger {
        /// At most this many entries.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Record points earned.
    Earn(EntryArgs),
    /// Points earned offline for a till receipt: pending, claimed from the server at the next
    /// `loyalty sync now`.
    EarnOffline {
        /// Points (> 0).
        points: i64,
        /// The receipt's id (from the till).
        #[arg(long)]
        receipt: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// Record points spent (refused when not enough are available).
    Redeem(EntryArgs),
    /// Tier and progress to the next one.
    Tier,
    /// Points expiring within some days.
    Expiring {
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
}

#[derive(Args)]
pub struct EntryArgs {
    /// Points (> 0).
    pub points: i64,
    #[arg(long)]
    pub reference: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// Earned or spent offline: pending until the server confirms.
    #[arg(long)]
    pub pending: bool,
}

#[derive(Subcommand)]
pub enum WalletCommand {
    /// Every voucher.
    List,
    /// Vouchers that can be shown at the till now.
    Usable,
    /// One voucher.
    Show { id: String },
    /// Start redeeming a voucher offline (show its code at the till).
    Redeem { id: String },
    /// Add vouchers from a JSON file (one voucher or a list). Only the retailer's vouchers are
    /// taken: each code must be signed with the retailer's key (see `wallet key`).
    Add { file: PathBuf },
    /// Show the retailer's voucher key, or set it (64 hex digits, as `GET /v1/voucher-key`
    /// gives it).
    Key { public_key_hex: Option<String> },
}

#[derive(Subcommand)]
pub enum ReceiptsCommand {
    /// Every receipt, newest first (as the points ledger), with its total.
    List,
    /// One receipt.
    Show { id: String },
    /// Add receipts from a JSON file (one receipt or a list).
    Add { file: PathBuf },
}

#[derive(Subcommand)]
pub enum RemindersCommand {
    /// The local notifications to schedule now.
    Plan,
    /// The reminder rules (versioned JSON).
    #[command(subcommand)]
    Rules(SetFile),
    /// The catalogue: recalls, recipes, post-purchase content (versioned JSON).
    #[command(subcommand)]
    Catalogue(SetFile),
    /// The shopper's settings: language, consent, quiet hours, caps.
    #[command(subcommand)]
    Settings(SettingsCommand),
}

#[derive(Subcommand)]
pub enum SetFile {
    /// Replace them with the file's (validated first).
    Set { file: PathBuf },
}

#[derive(Subcommand)]
pub enum SettingsCommand {
    Show,
    /// Replace them with the file's (JSON, validated first).
    Set {
        file: PathBuf,
    },
}

fn balance_json(b: &Balance) -> Value {
    json!({
        "confirmed": b.confirmed,
        "pending_credit": b.pending_credit,
        "pending_debit": b.pending_debit,
        "available": b.available(),
        "projected": b.projected(),
        "entries": b.entries,
    })
}

fn tier_json(t: &TierStatus) -> Value {
    json!({
        "tier": t.tier,
        "qualifying_points": t.qualifying_points,
        "window_start": t.window_start,
        "next_tier": t.next_tier,
        "points_to_next_tier": t.points_to_next_tier,
    })
}

fn entry_line(e: &LedgerEntry) -> String {
    format!(
        "#{:<5} {}  {:>+8}  {:?}/{:?}{}",
        e.seq,
        local_time(e.at),
        e.points,
        e.kind,
        e.status,
        e.description
            .as_ref()
            .map(|d| format!("  {d}"))
            .unwrap_or_default()
    )
}

pub fn points(ctx: &Ctx, c: PointsCommand) -> CliResult<Output> {
    let client = ctx.client()?;
    let p = client.points();
    match c {
        PointsCommand::Balance => {
            let b = p.balance()?;
            Ok(Output::new(
                balance_json(&b),
                format!(
                    "{} points available ({} confirmed, {} pending in, {} pending out)",
                    b.available(),
                    b.confirmed,
                    b.pending_credit,
                    b.pending_debit
                ),
            ))
        }
        PointsCommand::Ledger { limit } => {
            let entries = p.recent(limit)?;
            let human = if entries.is_empty() {
                "no ledger entries".to_string()
            } else {
                entries
                    .iter()
                    .map(entry_line)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Ok(Output::new(json!(entries), human))
        }
        PointsCommand::Earn(a) => {
            let e = p.earn(a.points, a.reference, a.description, a.pending)?;
            let b = p.balance()?;
            Ok(Output::new(
                json!({"entry": e, "balance": balance_json(&b)}),
                format!("{}\nbalance: {} available", entry_line(&e), b.available()),
            ))
        }
        PointsCommand::EarnOffline {
            points,
            receipt,
            description,
        } => {
            let e = p.earn_offline(points, &receipt, description)?;
            let b = p.balance()?;
            Ok(Output::new(
                json!({"entry": e, "balance": balance_json(&b), "pending_claims": p.pending_claims()?.len()}),
                format!(
                    "{}
balance: {} available, {} pending (claimed at the next `loyalty sync now`)",
                    entry_line(&e),
                    b.available(),
                    b.pending_credit
                ),
            ))
        }
        PointsCommand::Redeem(a) => {
            let e = p.redeem(a.points, a.reference, a.description, a.pending)?;
            let b = p.balance()?;
            Ok(Output::new(
                json!({"entry": e, "balance": balance_json(&b)}),
                format!("{}\nbalance: {} available", entry_line(&e), b.available()),
            ))
        }
        PointsCommand::Tier => {
            let t = p.tier()?;
            let next = match (&t.next_tier, t.points_to_next_tier) {
                (Some(n), Some(d)) => format!("; {d} more points to {n}"),
                _ => String::new(),
            };
            Ok(Output::new(
                tier_json(&t),
                format!(
                    "{} ({} qualifying points since {}{next})",
                    t.tier,
                    t.qualifying_points,
                    local_date(t.window_start)
                ),
            ))
        }
        PointsCommand::Expiring { days } => {
            let list = p.expiring_within(days)?;
            let json: Vec<Value> = list
                .iter()
                .map(|x| json!({"points": x.points, "expires_at": x.expires_at, "earned_entry": x.lot_seq}))
                .collect();
            let human = if list.is_empty() {
                format!("no points expire within {days} days")
            } else {
                list.iter()
                    .map(|x| format!("{} points expire {}", x.points, local_time(x.expires_at)))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Ok(Output::new(json!(json), human))
        }
    }
}

fn state_name(s: &VoucherState) -> &'static str {
    match s {
        VoucherState::Available => "available",
        VoucherState::Redeeming { .. } => "redeeming",
        VoucherState::Redeemed { .. } => "redeemed",
        VoucherState::Expired => "expired",
        VoucherState::Revoked => "revoked",
    }
}

fn voucher_line(v: &Voucher) -> String {
    format!(
        "{}  {}  [{}]  until {}",
        v.id,
        v.title,
        state_name(&v.state),
        local_time(v.valid_until)
    )
}

/// One item or a list of them from a JSON file.
fn read_items<T: DeserializeOwned>(path: &Path, what: &str) -> CliResult<Vec<T>> {
    let text = read_text(path)?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| CliError::invalid(format!("{}: not JSON: {e}", path.display())))?;
    let items = match value {
        Value::Array(a) => a,
        v => vec![v],
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v).map_err(|e| {
                CliError::invalid(format!("{}: {what} {}: {e}", path.display(), i + 1))
            })
        })
        .collect()
}

pub fn wallet(ctx: &Ctx, c: WalletCommand) -> CliResult<Output> {
    let client = ctx.client()?;
    let w = client.wallet();
    let list = |vs: Vec<Voucher>, empty: &str| {
        let human = if vs.is_empty() {
            empty.to_string()
        } else {
            vs.iter().map(voucher_line).collect::<Vec<_>>().join("\n")
        };
        Output::new(json!(vs), human)
    };
    match c {
        WalletCommand::List => Ok(list(w.all()?, "the wallet is empty")),
        WalletCommand::Usable => Ok(list(w.usable_now()?, "no voucher can be used now")),
        WalletCommand::Show { id } => {
            let v = w.get(&id)?;
            let human = format!("{}\ncode: {}", voucher_line(&v), v.code);
            Ok(Output::new(json!(v), human))
        }
        WalletCommand::Redeem { id } => {
            let r = w.begin_redemption(&id)?;
            Ok(Output::new(
                json!({"voucher": r.voucher, "outbox_item": r.outbox_item}),
                format!(
                    "{}\nshow this code at the till: {}\n(the redemption waits for the next sync)",
                    voucher_line(&r.voucher),
                    r.voucher.code
                ),
            ))
        }
        WalletCommand::Key { public_key_hex } => {
            if let Some(hex) = public_key_hex {
                w.set_retailer_key(&hex)?;
            }
            let key = w.retailer_key()?;
            let human = match &key {
                Some(k) => format!("retailer voucher key {k}"),
                None => "no retailer voucher key is set".to_string(),
            };
            Ok(Output::new(json!({ "retailer_key": key }), human))
        }
        WalletCommand::Add { file: path } => {
            let vouchers: Vec<Voucher> = read_items(&path, "voucher")?;
            let mut added = Vec::new();
            for v in vouchers {
                added.push(w.add(v)?);
            }
            Ok(Output::new(
                json!(added),
                format!("{} voucher(s) added", added.len()),
            ))
        }
    }
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

pub fn receipts(ctx: &Ctx, c: ReceiptsCommand) -> CliResult<Output> {
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

pub fn reminders(ctx: &Ctx, c: RemindersCommand) -> CliResult<Output> {
    let client = ctx.client()?;
    let r = client.reminders();
    match c {
        RemindersCommand::Plan => {
            let plan = r.plan()?;
            let mut human = if plan.items.is_empty() {
                "nothing to remind".to_string()
            } else {
                plan.items
                    .iter()
                    .map(|n| {
                        format!(
                            "{}  {}\n    {}\n    why: {}",
                            local_time(n.at),
                            n.title,
                            n.body,
                            n.reason
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            human.push_str(&format!(
                "\n(plan again by {})",
                local_time(plan.recompute_at)
            ));
            Ok(Output::new(json!(plan), human))
        }
        RemindersCommand::Rules(SetFile::Set { file }) => {
            r.set_rules_json(&read_text(&file)?)?;
            Ok(Output::new(
                json!({"rules": file.display().to_string()}),
                "reminder rules replaced",
            ))
        }
        RemindersCommand::Catalogue(SetFile::Set { file }) => {
            r.set_catalogue_json(&read_text(&file)?)?;
            Ok(Output::new(
                json!({"catalogue": file.display().to_string()}),
                "catalogue replaced",
            ))
        }
        RemindersCommand::Settings(SettingsCommand::Show) => {
            let s = r.settings()?;
            let v = json!(s);
            Ok(Output::new(v.clone(), pretty(&v)))
        }
        RemindersCommand::Settings(SettingsCommand::Set { file }) => {
            let s: Settings = serde_json::from_str(&read_text(&file)?).map_err(|e| {
                CliError::invalid(format!("{}: not valid settings: {e}", file.display()))
            })?;
            r.set_settings(s.clone())?;
            Ok(Output::new(json!(s), "settings replaced"))
        }
    }
}
