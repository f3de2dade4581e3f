//! Act 2: fifteen months of shopping replayed through the server's till API, and the vouchers the
//! retailer issues on the way (admin API).

use super::labels;
use super::script::{
    demo_now, gtin, shopping, start_time, store_names, vouchers, vouchers_issued_at, DOG_FOOD,
    STORE,
};
use super::words::{date, money, number, short_date, short_date_time, wrap};
use super::Demo;
use crate::app::CliResult;
use chrono::Datelike;
use loyalty_core::reminders::LocalizedText;
use serde_json::{json, Value};

impl Demo<'_> {
    /// Replays the visits at the till; the summary's `receipts` and `points_earned`.
    pub(super) fn shopping(&self) -> CliResult<Value> {
        let lang = self.lang;
        let out = self.out;
        out.section(labels::shopping_section(lang))?;
        let visits = shopping();
        let first = visits.first().map(|v| v.at).unwrap_or_else(start_time);
        let last = visits.last().map(|v| v.at).unwrap_or_else(demo_now);
        let months =
            (last.year() - first.year()) * 12 + last.month() as i32 - first.month() as i32 + 1;
        let mut points_earned = 0i64;
        let mut dog_points = 0i64;
        let mut spent = 0i64;
        let mut receipts = 0usize;
        let mut issued: Vec<Value> = Vec::new();
        let mut notable = Vec::new();
        let mut vouchers_done = false;
        for (n, v) in visits.iter().enumerate() {
            if !vouchers_done && v.at >= vouchers_issued_at() {
                issued = self.issue_vouchers()?;
                vouchers_done = true;
            }
            self.clock.set(v.at);
            let lines: Vec<Value> = v
                .lines
                .iter()
                .map(|(p, qty, lot)| {
                    json!({
                        "gtin": gtin(p.gtin), "name": p.name, "names": p.names(),
                        "quantity": qty,
                        "unit_price": {"amount_minor": p.price_minor, "currency": "EUR"},
                        "category": p.category, "lot": lot, "warranty_months": p.warranty_months,
                    })
                })
                .collect();
            let result = self.till.call(
                "POST",
                "/v1/till/purchases",
                Some(&json!({"card": self.card_number, "store_name": STORE,
                             "store_names": store_names(), "lines": lines,
                             "return_window_days": 30})),
                Some(&format!("demo-purchase-{n}")),
            )?;
            let earned = result["points_earned"].as_i64().unwrap_or(0);
            let total: i64 = v.lines.iter().map(|(p, q, _)| p.price_minor * q).sum();
            points_earned += earned;
            if v.lines.iter().all(|(p, _, _)| p.gtin == DOG_FOOD.gtin) {
                dog_points += earned;
            }
            spent += total;
            receipts += 1;
            if v.lines.iter().any(|(p, _, _)| p.gtin != DOG_FOOD.gtin) {
                let what = v
                    .lines
                    .iter()
                    .map(|(p, q, lot)| {
                        let mut s = if *q > 1 {
                            format!("{q} × {}", p.name_in(lang))
                        } else {
                            p.name_in(lang).to_string()
                        };
                        if let Some(l) = lot {
                            s.push_str(&format!(" (lot {l})"));
                        }
                        s
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                notable.push((v.at, what, total, earned));
            }
            self.out
                .progress(&labels::replaying(lang, months, receipts))?;
        }
        if !vouchers_done {
            issued = self.issue_vouchers()?;
        }
        let dog = visits
            .iter()
            .filter(|v| v.lines.iter().any(|(p, _, _)| p.gtin == DOG_FOOD.gtin))
            .collect::<Vec<_>>();
        out.end_progress(&labels::replayed(
            lang,
            months,
            receipts,
            &money(lang, spent),
            &number(lang, points_earned),
        ))?;
        let row = |when: &str, what: &str, total: &str, points: &str| -> CliResult<()> {
            let wrapped = wrap(what, 46);
            for (i, part) in wrapped.iter().enumerate() {
                if i == 0 {
                    out.line(format!("  {when:<25} {part:<46} {total:>10} {points:>7}"))?;
                } else {
                    out.line(format!("  {:<25} {part}", ""))?;
                }
            }
            Ok(())
        };
        let [when, what, total, points] = labels::receipt_columns(lang);
        row(when, what, total, points)?;
        if let (Some(f), Some(l)) = (dog.first(), dog.last()) {
            row(
                &format!("{} – {}", short_date(lang, f.at), short_date(lang, l.at)),
                &labels::every_four_weeks(lang, dog.len(), DOG_FOOD.name_in(lang)),
                &money(lang, DOG_FOOD.price_minor * dog.len() as i64),
                &format!("+{dog_points}"),
            )?;
        }
        for (at, what, total, earned) in &notable {
            row(
                &short_date_time(lang, *at),
                what,
                &money(lang, *total),
                &format!("+{earned}"),
            )?;
        }
        out.line(labels::vouchers_issued(
            lang,
            &date(lang, vouchers_issued_at()),
        ))?;
        for v in &issued {
            // The admin API's answer: the title and its translations, picked as the app does.
            let titles: LocalizedText =
                serde_json::from_value(v["titles"].clone()).unwrap_or_default();
            let title = titles.get_or(lang.core(), v["title"].as_str().unwrap_or_default());
            out.line(format!("    · {title}"))?;
        }
        Ok(json!({"receipts": receipts, "points_earned": points_earned}))
    }
}

impl Demo<'_> {
    fn issue_vouchers(&self) -> CliResult<Vec<Value>> {
        self.clock.set(vouchers_issued_at());
        vouchers()
            .iter()
            .enumerate()
            .map(|(i, body)| {
                self.till.call(
                    "POST",
                    &format!("/v1/admin/members/{}/vouchers", self.member_id),
                    Some(body),
                    Some(&format!("demo-voucher-{i}")),
                )
            })
            .collect()
    }
}
