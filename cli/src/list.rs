//! `list`: the shopping list: show, usual, add (by hand, from the usual items, from a
//! reminder), check, uncheck, remove.

use crate::app::{local_date, CliError, CliResult, Ctx, Output};
use clap::Subcommand;
use loyalty_core::list::{ListItem, ShoppingList};
use loyalty_core::reminders::UsualItem;
use serde_json::json;

#[derive(Subcommand)]
pub enum ListCommand {
    /// The list: the items (unchecked first), then usual items not on it yet.
    Show {
        /// How many usual items to suggest (0–200).
        #[arg(long, default_value_t = 5)]
        usual: u32,
    },
    /// "Your usual items", the likeliest at the next shop first, with why.
    Usual {
        #[arg(long, default_value_t = 10)]
        limit: u32,
    },
    /// Add an item: a name (with --gtin for a product), or --usual GTIN, or --reminder ID (a
    /// notification of the current plan that offers the list).
    Add {
        /// The item's name ("birthday candles").
        #[arg(required_unless_present_any = ["usual", "reminder"], conflicts_with_all = ["usual", "reminder"])]
        name: Option<String>,
        /// The product's GTIN, for an item typed by hand.
        #[arg(long, requires = "name")]
        gtin: Option<String>,
        /// One of the usual items, by GTIN.
        #[arg(long, conflicts_with = "reminder")]
        usual: Option<String>,
        /// What a reminder of the current plan offers, by notification id.
        #[arg(long)]
        reminder: Option<String>,
        /// How many (1–99).
        #[arg(long)]
        quantity: Option<u32>,
    },
    /// Check an item off.
    Check { id: String },
    /// Put a checked item back as still to buy.
    Uncheck { id: String },
    /// Take an item off the list.
    Remove { id: String },
}

fn item_line(i: &ListItem) -> String {
    let mut s = format!(
        "[{}] {:>3}  {}",
        if i.checked { "x" } else { " " },
        i.id,
        i.name
    );
    if let Some(q) = i.quantity {
        s.push_str(&format!("  x{q}"));
    }
    s
}

fn usual_line(u: &UsualItem) -> String {
    format!(
        "{:>3} %  {}  ({}, next about {})\n        {}",
        u.likelihood_percent,
        u.name,
        u.gtin,
        local_date(u.next_purchase),
        u.reason
    )
}

fn screen(l: &ShoppingList) -> String {
    let mut out = if l.items.is_empty() {
        "the shopping list is empty".to_string()
    } else {
        l.items.iter().map(item_line).collect::<Vec<_>>().join("\n")
    };
    if !l.usual.is_empty() {
        out.push_str("\nyour usual items:\n");
        out.push_str(
            &l.usual
                .iter()
                .map(usual_line)
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    out
}

pub fn run(ctx: &Ctx, c: ListCommand) -> CliResult<Output> {
    let client = ctx.client()?;
    let list = client.list();
    let one = |item: ListItem, what: &str| {
        let human = format!("{what}: {}", item_line(&item));
        Output::new(json!(item), human)
    };
    match c {
        ListCommand::Show { usual } => {
            let l = list.show(usual)?;
            Ok(Output::new(json!(l), screen(&l)))
        }
        ListCommand::Usual { limit } => {
            let all = list.usual(limit)?;
            let human = if all.is_empty() {
                "no usual items yet".to_string()
            } else {
                all.iter().map(usual_line).collect::<Vec<_>>().join("\n")
            };
            Ok(Output::new(json!(all), human))
        }
        ListCommand::Add {
            name,
            gtin,
            usual,
            reminder,
            quantity,
        } => {
            let item = match (name, usual, reminder) {
                (Some(name), None, None) => list.add(&name, gtin.as_deref(), quantity)?,
                (None, Some(gtin), None) => list.add_usual(&gtin, quantity)?,
                (None, None, Some(id)) => {
                    let plan = client.reminders().plan()?;
                    let n = plan.items.iter().find(|n| n.id == id).ok_or_else(|| {
                        CliError::not_found("no reminder with this id in the current plan")
                    })?;
                    list.add_from_reminder(n, quantity)?
                }
                _ => {
                    return Err(CliError::invalid(
                        "give a name, --usual GTIN or --reminder ID",
                    ))
                }
            };
            Ok(one(item, "added"))
        }
        ListCommand::Check { id } => Ok(one(list.check(&id)?, "checked")),
        ListCommand::Uncheck { id } => Ok(one(list.uncheck(&id)?, "unchecked")),
        ListCommand::Remove { id } => Ok(one(list.remove(&id)?, "removed")),
    }
}
