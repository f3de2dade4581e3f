//! Seasonal: in season, bought during last year's season and not yet during this one.

use super::{name_for, Candidate, Cx, Forecast, Text, Topic};
use crate::reminders::rules::{Gate, Per, Rule, SeasonalRule};
use crate::reminders::time::{date_of_day, day_of_date};
use chrono::{Datelike, Months};

pub(super) fn gates_hold(cx: &Cx<'_>, gates: &[Gate]) -> bool {
    let c = cx.input.context;
    gates.iter().all(|g| match g {
        Gate::ForecastMinTempAtMost { c_tenths } => {
            c.forecast_min_temp_c_tenths.is_some_and(|t| t <= *c_tenths)
        }
        Gate::ForecastMaxTempAtLeast { c_tenths } => {
            c.forecast_max_temp_c_tenths.is_some_and(|t| t >= *c_tenths)
        }
        Gate::SignalAtLeast { signal, value } => c.signals.get(signal).is_some_and(|v| v >= value),
        Gate::SignalAtMost { signal, value } => c.signals.get(signal).is_some_and(|v| v <= value),
    })
}

pub(super) fn seasonal<'a>(
    cx: &Cx<'a>,
    rule: &'a Rule,
    r: &'a SeasonalRule,
    out: &mut Vec<Candidate<'a>>,
) {
    let today = cx.tz.day(cx.now);
    let Some(date) = date_of_day(today) else {
        return;
    };
    // The season instance containing today, identified by the year it starts in.
    let instance = |start_year: i32| {
        let s = r.season.from.in_year(start_year)?;
        let end_year = if r.season.to < r.season.from {
            start_year.checked_add(1)?
        } else {
            start_year
        };
        let e = r.season.to.in_year(end_year)?;
        Some((day_of_date(s), day_of_date(e)))
    };
    let Some((year, (start, end))) = [date.year().saturating_sub(1), date.year()]
        .into_iter()
        .filter_map(|y| instance(y).map(|i| (y, i)))
        .find(|(_, (s, e))| *s <= today && today <= *e)
    else {
        return;
    };
    let Some((ly_start, ly_end)) = year.checked_sub(1).and_then(instance) else {
        return;
    };
    if !r.gates.is_empty() && !gates_hold(cx, &r.gates) {
        return;
    }
    let forecast = r.gates.iter().find_map(|g| match g {
        Gate::ForecastMinTempAtMost { .. } => cx
            .input
            .context
            .forecast_min_temp_c_tenths
            .map(Forecast::Min),
        Gate::ForecastMaxTempAtLeast { .. } => cx
            .input
            .context
            .forecast_max_temp_c_tenths
            .map(Forecast::Max),
        _ => None,
    });
    let ly_from = cx.tz.start_of(ly_start);
    let ly_to = cx.tz.start_of(ly_end + 1) - 1;
    let this_from = cx.tz.start_of(start);
    let stale = cx.tz.start_of(end + 1);
    let resolved = cx.index.resolve(&r.products);
    let mut one = |lists: &[&[u32]], subject: &str| {
        if lists.is_empty() || cx.index.latest_in(lists, this_from, cx.now).is_some() {
            return;
        }
        let Some(first) = cx.index.earliest_in(lists, ly_from, ly_to) else {
            return;
        };
        let line = cx.index.line(first);
        let bought_day = cx.tz.day(line.at);
        let remind_day = if r.gates.is_empty() {
            let anniversary = date_of_day(bought_day)
                .and_then(|d| d.checked_add_months(Months::new(12)))
                .map(day_of_date)
                .unwrap_or(start);
            anniversary
                .saturating_sub(i64::from(r.lead_days))
                .max(start)
        } else {
            today
        };
        let gtin = cx.index.gtin_str(line.gtin);
        let link = cx.rule_link(rule, "product", Some(gtin));
        if let Some(i) = cx.push(
            out,
            rule,
            subject,
            &year,
            cx.on_day(rule, remind_day),
            stale,
            Text::Seasonal {
                product: name_for(rule, cx.index, first),
                last_year_day: bought_day,
                forecast,
            },
            link,
        ) {
            out[i].topic = Some(Topic::Product(line.gtin));
        }
    };
    match r.per {
        Per::Product => {
            for g in cx.index.subject_gtins(&resolved) {
                one(&[cx.index.gtin_lines(g)], cx.index.gtin_str(g));
            }
        }
        Per::Group => one(&cx.index.lists(&resolved), "group"),
    }
}
