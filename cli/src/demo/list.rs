//! Act 8: the shopping list. "Your usual items" ranked by the reminders' next-shop model with the
//! why in the shopper's language; the dog-food reminder's "Add it to your shopping list?" taken;
//! then the next morning's shop at the till, synced, and the dog food leaves the list by itself.

use super::labels;
use super::script::{demo_now, gtin, store_names, DOG_FOOD, STORE};
use super::words::{date_time, wrap};
use super::{Demo, Lang};
use crate::app::{CliError, CliResult};
use chrono::Duration;
use loyalty_core::list::ListItem;
use loyalty_core::reminders::ReminderKind;
use serde_json::{json, Value};

impl Demo<'_> {
    /// The summary's `shopping_list`.
    pub(super) fn shopping_list(&self) -> CliResult<Value> {
        let lang = self.lang;
        let out = self.out;
        out.section(labels::list_section(lang))?;
        let list = self.client.list();
        let usual = list.usual(3)?;
        out.line(labels::usual_items(lang))?;
        for u in &usual {
            out.line(format!("  {:>4} %  {}", u.likelihood_percent, u.name))?;
            for l in wrap(&u.reason, 72) {
                out.line(format!("          {l}"))?;
            }
        }
        let plan = self.client.reminders().plan()?;
        let reminder = plan
            .items
            .iter()
            .find(|n| n.kind == ReminderKind::Replenishment && n.list_offer.is_some())
            .ok_or_else(|| CliError::other("the demo's dog-food reminder is not planned"))?;
        let action = reminder
            .list_offer
            .as_ref()
            .map(|o| o.action.clone())
            .unwrap_or_default();
        let from_reminder = list.add_from_reminder(reminder, None)?;
        out.line(labels::offer_taken(
            lang,
            &reminder.title,
            &action,
            &from_reminder.name,
        ))?;
        let candles = match lang {
            Lang::En => "Birthday candles",
            Lang::Nl => "Verjaardagskaarsjes",
            Lang::Fr => "Bougies d'anniversaire",
        };
        let quantity = 2;
        list.add(candles, None, Some(quantity))?;
        out.line(labels::added_by_hand(lang, candles, quantity))?;
        let show = |items: &[ListItem]| -> CliResult<()> {
            for i in items {
                out.line(format!(
                    "    [{}] {}",
                    if i.checked { "x" } else { " " },
                    i.name
                ))?;
            }
            Ok(())
        };
        let before = list.items()?;
        show(&before)?;

        // The next morning's shop: the till sends the receipt to the server, the app syncs it.
        let at = demo_now() + Duration::hours(15);
        self.clock.set(at);
        self.till.call(
            "POST",
            "/v1/till/purchases",
            Some(&json!({"card": self.card_number, "store_name": STORE,
                "store_names": store_names(), "lines": [{
                "gtin": gtin(DOG_FOOD.gtin), "name": DOG_FOOD.name, "names": DOG_FOOD.names(),
                "quantity": 1,
                "unit_price": {"amount_minor": DOG_FOOD.price_minor, "currency": "EUR"},
                "category": DOG_FOOD.category}], "return_window_days": 30})),
            Some("demo-purchase-list"),
        )?;
        let report = self.client.sync().sync_now_blocking()?;
        let after = list.items()?;
        let left: Vec<&str> = before
            .iter()
            .filter(|b| after.iter().all(|a| a.id != b.id))
            .map(|b| b.name.as_str())
            .collect();
        out.line(labels::left_the_list(
            lang,
            &date_time(lang, at),
            DOG_FOOD.name_in(lang),
            u64::from(report.receipts_applied),
            &left.join(", "),
        ))?;
        show(&after)?;
        Ok(json!({
            "shopping_list": {
                "usual": usual.iter().map(|u| json!({
                    "gtin": u.gtin, "name": u.name, "likelihood_percent": u.likelihood_percent,
                    "reason": u.reason,
                })).collect::<Vec<_>>(),
                "added_from_reminder": from_reminder.name,
                "left_with_the_receipt": left,
                "items": after.iter().map(|i| i.name.clone()).collect::<Vec<_>>(),
            }
        }))
    }
}
