//! `points`: balance, ledger, earn, redeem, tier, expiring.

use crate::app::{local_date, local_time, CliResult, Ctx, Output};
use clap::{Args, Subcommand};
use loyalty_core::points::{Balance, LedgerEntry, TierStatus};
use serde_json::{json, Value};

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

pub fn run(ctx: &Ctx, c: PointsCommand) -> CliResult<Output> {
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
