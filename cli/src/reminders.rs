//! `reminders`: the plan, rules, catalogue, settings.

use crate::app::{local_time, pretty, read_text, CliError, CliResult, Ctx, Output};
use clap::Subcommand;
use loyalty_core::reminders::Settings;
use serde_json::json;
use std::path::PathBuf;

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
    /// The phone entered a store (kept only with location consent; the next plan holds the
    /// in-store notification of an `in_store` rule).
    EnterStore {
        /// The store's id (as the app's geofence or beacon region names it).
        store_id: String,
        /// The store's name, for the notification.
        store_name: String,
    },
    /// The phone left a store.
    LeaveStore { store_id: String },
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

pub fn run(ctx: &Ctx, c: RemindersCommand) -> CliResult<Output> {
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
        RemindersCommand::EnterStore {
            store_id,
            store_name,
        } => {
            let kept = r.entered_store(&store_id, &store_name)?;
            let human = if kept {
                format!("in {store_name}: plan again to see the in-store notification")
            } else {
                "not kept: the shopper has not allowed in-store notifications (consent.location)"
                    .to_string()
            };
            Ok(Output::new(
                json!({"kept": kept, "visit": r.store_visit()?}),
                human,
            ))
        }
        RemindersCommand::LeaveStore { store_id } => {
            let forgotten = r.left_store(&store_id)?;
            Ok(Output::new(
                json!({"forgotten": forgotten}),
                if forgotten {
                    "left the store: its visit is forgotten"
                } else {
                    "no visit of that store was kept"
                },
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
