//! Act 7: the reminders planned for the coming weeks, in the shopper's language, with the reason
//! for each and what the policy held back.

use super::labels;
use super::script::{demo_now, LOCAL_OFFSET_MINUTES};
use super::words::{category_name, date_time, wrap};
use super::Demo;
use crate::app::CliResult;
use loyalty_core::reminders::{Caps, Consent, Context, QuietHours, Settings};
use serde_json::{json, Value};

impl Demo<'_> {
    /// Plans the reminders at the demo's "now"; the summary's `reminders`.
    pub(super) fn reminders(&self) -> CliResult<Value> {
        let lang = self.lang;
        let out = self.out;
        let now = demo_now();
        out.section(&labels::reminders_section(lang, lang.code()))?;
        let reminders = self.client.reminders();
        reminders.set_settings(Settings {
            language: lang.code().into(),
            consent: Consent {
                marketing: true,
                service: true,
                safety: true,
                location: false,
            },
            quiet_hours: Some(QuietHours {
                start_minute: 22 * 60,
                end_minute: 8 * 60,
            }),
            caps: Caps::default(),
            horizon_days: 30,
        })?;
        reminders.set_context(Context {
            local_utc_offset_minutes: LOCAL_OFFSET_MINUTES,
            forecast_min_temp_c_tenths: Some(-30),
            ..Context::default()
        })?;
        out.line(labels::reminder_context(lang, &date_time(lang, now)))?;
        let plan = reminders.plan()?;
        // The dates' column: 28 wide, or a space more than the language's longest date.
        let width = plan
            .items
            .iter()
            .map(|n| date_time(lang, n.at).chars().count() + 1)
            .fold(28, usize::max);
        for n in &plan.items {
            out.line(String::new())?;
            out.line(format!(
                "  {:<width$} {} [{}]",
                date_time(lang, n.at),
                n.title,
                labels::category(lang, n.category)
            ))?;
            for l in wrap(&n.body, 72) {
                out.line(format!("  {:<width$} {l}", ""))?;
            }
            let why = labels::why(lang);
            let pad = " ".repeat(why.chars().count() + 1);
            for (i, l) in wrap(&format!("{why} {}", n.reason), 72).iter().enumerate() {
                let l = if i == 0 {
                    l.clone()
                } else {
                    format!("{pad}{l}")
                };
                out.line(format!("  {:<width$} {l}", ""))?;
            }
        }
        if !plan.suppressed.is_empty() {
            let list = plan
                .suppressed
                .iter()
                .map(|s| format!("{} ({})", s.rule_id, labels::held_back_because(lang, s.why)))
                .collect::<Vec<_>>()
                .join(", ");
            out.line(String::new())?;
            for (i, l) in wrap(&labels::held_back(lang, &list), 100)
                .iter()
                .enumerate()
            {
                out.line(format!("  {}{l}", if i == 0 { "" } else { "  " }))?;
            }
        }
        out.line(labels::to_schedule(
            lang,
            plan.items.len(),
            &date_time(lang, plan.recompute_at),
        ))?;
        Ok(json!({
            "reminders": plan.items.iter().map(|n| json!({
                "id": n.id, "at": n.at, "title": n.title, "body": n.body, "reason": n.reason,
                "kind": format!("{:?}", n.kind), "category": category_name(n.category),
            })).collect::<Vec<_>>(),
        }))
    }
}
