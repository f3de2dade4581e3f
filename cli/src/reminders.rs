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
