//! `cards`: the shopper's other cards, imported from and exported to Catima.
//!
//! The app stores an [`ImportedCard`] per card (store, numbers, symbology, note, colour). Catima
//! knows more (groups, balance, dates, star, archive, last use, barcode encoding): the full
//! records are kept in `<data>/catima-cards.json`, keyed by the imported card's id
//! (`catima-<_id>`), so an export writes back every field that was imported. The app's fields
//! win on export when they differ (they are the ones the app shows and edits).

use crate::app::{read_bytes, write_file, CliError, CliResult, Ctx, Output};
use crate::codes::draw;
use crate::{parse_symbology, DrawArgs};
use clap::{Args, Subcommand};
use loyalty_core::card::ImportedCard;
use loyalty_core::formats::catima::{self, CatimaCard, CatimaData};
use loyalty_core::reminders::Lang;
use loyalty_core::render::{self, Symbology};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum CardsCommand {
    /// The imported cards.
    List,
    /// One imported card, with its barcode.
    Show(ShowArgs),
    /// Import Catima's export (catima.csv, version 2 or 1, or Catima's .zip backup).
    ImportCatima(ImportArgs),
    /// Export the cards as Catima's version 2 CSV (or its .zip backup when FILE ends in .zip).
    ExportCatima(ExportArgs),
    /// Remove an imported card.
    Remove { id: String },
}

#[derive(Args)]
pub struct ShowArgs {
    pub id: String,
    #[command(flatten)]
    pub draw: DrawArgs,
}

#[derive(Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// Check the file and report what would be imported, without storing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Language of the summary line (en, nl or fr).
    #[arg(long, default_value = "en")]
    pub lang: String,
}

#[derive(Args)]
pub struct ExportArgs {
    pub file: PathBuf,
    /// Add the retailer's member card (its card number) so Catima shows it too.
    #[arg(long)]
    pub with_member_card: bool,
    /// The store name of the member card in Catima.
    #[arg(long, default_value = "Loyalty card")]
    pub member_store: String,
    /// The member card's symbology in Catima.
    #[arg(long, value_parser = parse_symbology, default_value = "QR_CODE")]
    pub member_symbology: Symbology,
}

/// `<data>/catima-cards.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct CatimaRecords {
    format: u32,
    groups: Vec<String>,
    cards: Vec<CatimaCard>,
}

fn load_records(path: &Path) -> CliResult<CatimaRecords> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|_| {
            CliError::storage(format!(
                "{} is damaged (not the Catima records this tool writes)",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(CatimaRecords {
            format: 1,
            ..Default::default()
        }),
        Err(e) => Err(CliError::storage(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn card_line(c: &ImportedCard) -> String {
    format!(
        "{}  {}  {}  {}",
        c.id,
        c.store_name,
        c.card_id,
        c.symbology.map_or("no barcode", |s| s.catima_name())
    )
}

pub fn run(ctx: &Ctx, c: CardsCommand) -> CliResult<Option<Output>> {
    match c {
        CardsCommand::List => {
            let mut cards = ctx.client()?.card().imported()?;
            // Catima's cards in their own order (catima-2 before catima-10), others by id.
            cards.sort_by_key(|c| {
                let n = c.id.strip_prefix(catima::IMPORTED_ID_PREFIX);
                (n.and_then(|n| n.parse::<i64>().ok()), c.id.clone())
            });
            let human = if cards.is_empty() {
                "no imported cards".to_string()
            } else {
                cards.iter().map(card_line).collect::<Vec<_>>().join("\n")
            };
            Ok(Some(Output::new(json!(cards), human)))
        }
        CardsCommand::Show(a) => {
            let client = ctx.client()?;
            let card = client
                .card()
                .imported()?
                .into_iter()
                .find(|c| c.id == a.id)
                .ok_or_else(|| CliError::not_found(format!("no imported card {}", a.id)))?;
            match card.symbology {
                None => Ok(Some(Output::new(
                    json!(card),
                    format!("{}\n(no barcode)", card_line(&card)),
                ))),
                Some(s) => {
                    let matrix = render::encode(card.barcode_text(), s, a.draw.ec.into())?;
                    let mut out = draw(
                        &matrix,
                        card.barcode_text(),
                        &a.draw,
                        Some(&card_line(&card)),
                        ctx,
                    )?;
                    if let Some(o) = out.as_mut() {
                        o.json["card"] = json!(card);
                    }
                    Ok(out)
                }
            }
        }
        CardsCommand::ImportCatima(a) => import(ctx, a).map(Some),
        CardsCommand::ExportCatima(a) => export(ctx, a).map(Some),
        CardsCommand::Remove { id } => {
            let client = ctx.client()?;
            if !client.card().remove_imported(&id)? {
                return Err(CliError::not_found(format!("no imported card {id}")));
            }
            let path = ctx.catima_path();
            let mut records = load_records(&path)?;
            let before = records.cards.len();
            records.cards.retain(|c| c.imported_id() != id);
            if records.cards.len() != before {
                save_records(&path, &records)?;
            }
            Ok(Some(Output::new(
                json!({"removed": id}),
                format!("removed {id}"),
            )))
        }
    }
}

fn save_records(path: &Path, records: &CatimaRecords) -> CliResult<()> {
    let data = serde_json::to_vec_pretty(records)
        .map_err(|_| CliError::other("cannot encode the Catima records"))?;
    write_file(path, &data)
}

fn import(ctx: &Ctx, a: ImportArgs) -> CliResult<Output> {
    let bytes = read_bytes(&a.file)?;
    let client = ctx.client()?;
    let path = ctx.catima_path();
    let mut records = load_records(&path)?;
    // The core checks every card and decides, next to the stored cards, what is added, updated
    // or unchanged: a stored card is never replaced by a different one.
    let plan = client
        .card()
        .plan_catima_import(&bytes, &records.cards)
        .map_err(|e| CliError::invalid(format!("{}: {}", a.file.display(), invalid_reason(e))))?;
    let warnings: Vec<String> = plan.warnings.iter().map(ToString::to_string).collect();
    let cards: Vec<serde_json::Value> = plan
        .cards
        .iter()
        .map(|c| json!({"id": c.card.id, "file_id": c.file_id, "action": c.action}))
        .collect();
    let json = json!({
        "file": a.file.display().to_string(),
        "version": plan.version,
        "cards": cards,
        "added": plan.added,
        "updated": plan.updated,
        "unchanged": plan.unchanged,
        "groups": plan.groups,
        "warnings": warnings,
        "dry_run": a.dry_run,
    });
    let mut human = format!(
        "{}{} from Catima export version {} ({} card(s), {} group(s))",
        if a.dry_run { "would import: " } else { "" },
        plan.summary(Lang::negotiate(&a.lang)),
        plan.version,
        plan.cards.len(),
        plan.groups.len(),
    );
    for w in &warnings {
        human.push_str(&format!("\nwarning: {w}"));
    }
    if a.dry_run {
        return Ok(Output::new(json, human));
    }
    // The full records first: a card the store lacks is ignored on export, a store card without
    // its record would be exported with Catima's defaults.
    for g in &plan.groups {
        if !records.groups.contains(g) {
            records.groups.push(g.clone());
        }
    }
    let mut by_id: std::collections::HashMap<i64, CatimaCard> =
        records.cards.drain(..).map(|c| (c.id, c)).collect();
    for planned in &plan.cards {
        if let Some(r) = &planned.record {
            by_id.insert(r.id, r.clone());
        }
    }
    records.cards = by_id.into_values().collect();
    records.cards.sort_by_key(|c| c.id);
    save_records(&path, &records)?;
    client.card().add_imported_cards(&plan.changed_cards())?;
    Ok(Output::new(json, human))
}

fn invalid_reason(e: loyalty_core::LoyaltyError) -> String {
    match e {
        loyalty_core::LoyaltyError::InvalidInput { reason } => reason,
        other => other.to_string(),
    }
}

fn export(ctx: &Ctx, a: ExportArgs) -> CliResult<Output> {
    let client = ctx.client()?;
    let records = load_records(&ctx.catima_path())?;
    let stored = client.card().imported()?;
    // Linear: records by number, stored cards in one pass (a card whose number is outside
    // Catima's range, or that has no record, gets a free number).
    let (data, next) = catima::export_data(&stored, &records.cards, &records.groups)
        .map_err(|e| CliError::invalid(format!("cannot export: {e}")))?;
    let mut cards = data.cards;
    if a.with_member_card {
        let member = client.card().member_card()?.ok_or_else(|| {
            CliError::not_found("no member card is enrolled (see `loyalty card enrol`)")
        })?;
        let value = loyalty_core::card::static_code(&member.card_number)?;
        render::encode(&value, a.member_symbology, Default::default())?;
        let mut c = CatimaCard::from_imported(
            &ImportedCard {
                id: "member".into(),
                store_name: a.member_store.clone(),
                card_id: value,
                barcode_value: None,
                symbology: Some(a.member_symbology),
                note: None,
                header_color: None,
            },
            next,
        );
        c.last_used = ctx.now().timestamp();
        cards.push(c);
    }
    cards.sort_by_key(|c| c.id);
    // Groups no exported card is in are kept (Catima exports empty groups too).
    let data = CatimaData {
        groups: data.groups,
        cards,
    };
    catima::validate(&data).map_err(|e| CliError::invalid(format!("cannot export: {e}")))?;
    let zip = a
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let bytes = if zip {
        catima::to_zip(&data).map_err(|e| CliError::other(e.to_string()))?
    } else {
        catima::to_csv(&data).into_bytes()
    };
    write_file(&a.file, &bytes)?;
    Ok(Output::new(
        json!({
            "file": a.file.display().to_string(),
            "format": if zip { "catima-zip" } else { "catima-csv-v2" },
            "cards": data.cards.len(),
            "groups": data.groups.len(),
        }),
        format!(
            "wrote {} ({} card(s), {} group(s), Catima version 2{})",
            a.file.display(),
            data.cards.len(),
            data.groups.len(),
            if zip { ", zip" } else { "" }
        ),
    ))
}
