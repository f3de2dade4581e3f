//! Act 7: the reminders planned for the coming weeks, in the shopper's language, with the reason
//! for each and what the policy held back.

use super::script::{demo_now, LOCAL_OFFSET_MINUTES};
use super::words::{category_name, date_time, snake, wrap};
use super::{Demo, Lang};
use crate::app::CliResult;
use loyalty_core::reminders::{Caps, Consent, Context, QuietHours, Settings};
use serde_json::{json, Value};

impl Demo<'_> {
    /// Plans the reminders at the demo's "now"; the summary's `reminders`.
    pub(super) fn reminders(&self) -> CliResult<Value> {
        let lang = self.lang;
        let out = self.out;
        let now = demo_now();
        out.section(&format!(
            "Reminders planned for the coming weeks (language: {})",
            lang.code()
        ))?;
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
        out.line(format!(
            "  context: {}, frost forecast tonight (−3 °C); quiet hours 22:00–08:00; consent to all",
            date_time(lang, now)
        ))?;
        let plan = reminders.plan()?;
        for n in &plan.items {
            out.line(String::new())?;
            out.line(format!(
                "  {:<28} {} [{}]",
                date_time(lang, n.at),
                n.title,
                category_name(n.category)
            ))?;
            for l in wrap(&n.body, 72) {
                out.line(format!("  {:<28} {l}", ""))?;
            }
            let why = match lang {
                Lang::En => "why:",
                Lang::Nl => "waarom:",
                Lang::Fr => "pourquoi :",
            };
            let pad = " ".repeat(why.chars().count() + 1);
            for (i, l) in wrap(&format!("{why} {}", n.reason), 72).iter().enumerate() {
                let l = if i == 0 {
                    l.clone()
                } else {
                    format!("{pad}{l}")
                };
                out.line(format!("  {:<28} {l}", ""))?;
            }
        }
        if !plan.suppressed.is_empty() {
            let list = plan
                .suppressed
                .iter()
                .map(|s| format!("{} ({})", s.rule_id, snake(&format!("{:?}", s.why))))
                .collect::<Vec<_>>()
                .join(", ");
            out.line(String::new())?;
            for (i, l) in wrap(&format!("held back by the policy: {list}"), 100)
                .iter()
                .enumerate()
            {
                out.line(format!("  {}{l}", if i == 0 { "" } else { "  " }))?;
            }
        }
        out.line(format!(
            "\n  {} notifications to schedule; plan again at {}",
            plan.items.len(),
            date_time(lang, plan.recompute_at)
        ))?;
        Ok(json!({
            "reminders": plan.items.iter().map(|n| json!({
                "id": n.id, "at": n.at, "title": n.title, "body": n.body, "reason": n.reason,
                "kind": format!("{:?}", n.kind), "category": category_name(n.category),
            })).collect::<Vec<_>>(),
        }))
    }
}
