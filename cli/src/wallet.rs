//! `wallet`: the shopper's vouchers: list, usable, show, redeem, add.

use crate::app::{local_time, read_items, CliResult, Ctx, Output};
use clap::Subcommand;
use loyalty_core::wallet::{Voucher, VoucherState};
use serde_json::json;
use std::path::PathBuf;

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

pub fn run(ctx: &Ctx, c: WalletCommand) -> CliResult<Output> {
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
