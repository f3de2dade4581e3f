//! `offers`: the member's offers: list, activate (offline), preview a basket.

use crate::app::{local_time, money, read_items, CliResult, Ctx, Output};
use clap::Subcommand;
use loyalty_core::offers::{Applied, OfferKind, OfferTarget};
use loyalty_core::receipts::LineItem;
use loyalty_core::reminders::Lang;
use loyalty_core::store::OfferItem;
use serde_json::json;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum OffersCommand {
    /// The offers that have not ended, as the last sync brought them: usable at the till now
    /// first, then the ones to activate, then activated ones that start later, then used ones.
    List,
    /// Activate an opt-in offer: shown as activated at once, sent with the next sync.
    /// Activating again is harmless. Exit code 3 for an unknown offer, 4 for an ended one.
    Activate { id: String },
    /// What the activated (and automatic) offers would give a basket at the till: a JSON file
    /// of receipt lines (one line or a list). The till decides; this changes nothing.
    Preview { file: PathBuf },
}

fn what(kind: &OfferKind) -> String {
    let target = |t: &OfferTarget| match t {
        OfferTarget::Product { gtin } => format!("product {gtin}"),
        OfferTarget::Category { category } => format!("category \"{category}\""),
    };
    match kind {
        OfferKind::AmountOff { target: t, amount } => {
            format!("{} off {}", money(amount), target(t))
        }
        OfferKind::PercentOff { target: t, percent } => format!("{percent}% off {}", target(t)),
        OfferKind::PointsMultiplier {
            target: t,
            multiplier,
        } => format!("{multiplier}x points on {}", target(t)),
        OfferKind::FreeProduct { gtin, quantity } => format!("{quantity} free of product {gtin}"),
    }
}

fn offer_line(o: &OfferItem, lang: Lang) -> String {
    format!(
        "{}  {}  {}  until {}  {}{}",
        o.offer.id,
        o.offer.title.get(lang),
        what(&o.offer.kind),
        local_time(o.offer.valid_until),
        o.state.text(lang),
        if o.pending {
            "  (waits for the next sync)"
        } else {
            ""
        }
    )
}

fn preview_text(a: &Applied, lines: &[LineItem]) -> String {
    if a.discounts.is_empty() && a.extra_points.is_empty() {
        return "no offer applies to this basket".to_string();
    }
    let mut out = Vec::new();
    for d in &a.discounts {
        let name = lines.get(d.line).map_or("", |l| l.name.as_str());
        out.push(format!(
            "line {} ({name}): -{} minor units ({})",
            d.line + 1,
            d.amount_minor,
            d.offer_id
        ));
    }
    for p in &a.extra_points {
        out.push(format!(
            "line {}: +{} point(s), x{} ({})",
            p.line + 1,
            p.extra_points,
            p.multiplier,
            p.offer_id
        ));
    }
    out.push(format!(
        "total discount {} minor units, {} extra point(s)",
        a.total_discount_minor(),
        a.total_extra_points()
    ));
    out.join("\n")
}

pub fn run(ctx: &Ctx, c: OffersCommand) -> CliResult<Output> {
    let client = ctx.client()?;
    let offers = client.offers();
    let lang = Lang::negotiate(&crate::sync::language());
    match c {
        OffersCommand::List => {
            let all = offers.list()?;
            let human = if all.is_empty() {
                "no offers (sync to get them)".to_string()
            } else {
                all.iter()
                    .map(|o| offer_line(o, lang))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Ok(Output::new(json!(all), human))
        }
        OffersCommand::Activate { id } => {
            let item = offers.activate(&id)?;
            let human = offer_line(&item, lang);
            Ok(Output::new(json!(item), human))
        }
        OffersCommand::Preview { file } => {
            let lines: Vec<LineItem> = read_items(&file, "line")?;
            let applied = offers.preview(&lines)?;
            let human = preview_text(&applied, &lines);
            let mut json = json!(applied);
            json["total_discount_minor"] = json!(applied.total_discount_minor());
            json["total_extra_points"] = json!(applied.total_extra_points());
            json["used_offers"] = json!(applied.used_offers());
            Ok(Output::new(json, human))
        }
    }
}
