//! How the demo writes for people in nl, fr and en: money, numbers, dates and times (Brussels
//! local time), voucher values, names of states and categories, and word wrapping.

use super::script::LOCAL_OFFSET_MINUTES;
use super::Lang;
use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use loyalty_core::reminders::Category;
use loyalty_core::wallet::{VoucherKind, VoucherState};
use loyalty_core::Money;

pub(super) fn snake(debug_name: &str) -> String {
    let mut s = String::new();
    for (i, c) in debug_name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            s.push(' ');
        }
        s.push(c.to_ascii_lowercase());
    }
    s
}

pub(super) fn category_name(c: Category) -> &'static str {
    match c {
        Category::Marketing => "marketing",
        Category::Service => "service",
        Category::Safety => "safety",
    }
}

pub(super) fn state_name(s: &VoucherState) -> String {
    match s {
        VoucherState::Available => "available".into(),
        VoucherState::Redeeming { .. } => "redeeming (waiting for the server)".into(),
        VoucherState::Redeemed { .. } => "redeemed".into(),
        VoucherState::Expired => "expired".into(),
        #[allow(unreachable_patterns)]
        other => snake(&format!("{other:?}")),
    }
}

pub(super) fn voucher_value(lang: Lang, k: &VoucherKind) -> String {
    match k {
        VoucherKind::AmountOff { amount, min_spend } => match min_spend {
            Some(m) => format!("{} off from {}", money_of(lang, amount), money_of(lang, m)),
            None => format!("{} off", money_of(lang, amount)),
        },
        VoucherKind::PercentOff {
            percent,
            max_discount,
        } => match max_discount {
            Some(m) => format!("{percent}% off (at most {})", money_of(lang, m)),
            None => format!("{percent}% off"),
        },
        VoucherKind::FreeProduct { product_name, .. } => format!("free {product_name}"),
        VoucherKind::PointsMultiplier { multiplier } => format!("{multiplier}× points"),
        VoucherKind::EventInvitation { starts_at, .. } => {
            format!("invitation, {}", short_date_time(lang, *starts_at))
        }
    }
}

fn money_of(lang: Lang, m: &Money) -> String {
    if m.currency == "EUR" {
        money(lang, m.amount_minor)
    } else {
        format!(
            "{} {}.{:02}",
            m.currency,
            m.amount_minor / 100,
            m.amount_minor.rem_euclid(100)
        )
    }
}

/// Euros from cents as the language writes them: €12.34, € 12,34, 12,34 €.
pub fn money(lang: Lang, minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let (units, cents) = (minor.abs() / 100, minor.abs() % 100);
    let grouped = number(lang, units);
    match lang {
        Lang::En => format!("{sign}€{grouped}.{cents:02}"),
        Lang::Nl => format!("{sign}€ {grouped},{cents:02}"),
        Lang::Fr => format!("{sign}{grouped},{cents:02} €"),
    }
}

/// An integer with the language's thousands separator.
pub(super) fn number(lang: Lang, n: i64) -> String {
    let sep = match lang {
        Lang::En => ',',
        Lang::Nl => '.',
        Lang::Fr => '\u{202f}',
    };
    let g = group(n.abs(), sep);
    if n < 0 {
        format!("-{g}")
    } else {
        g
    }
}

fn group(n: i64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn local(t: DateTime<Utc>) -> DateTime<Utc> {
    t + Duration::minutes(i64::from(LOCAL_OFFSET_MINUTES))
}

const MONTHS: [[&str; 12]; 3] = [
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
];

const WEEKDAYS: [[&str; 7]; 3] = [
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    ["ma", "di", "wo", "do", "vr", "za", "zo"],
    ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
];

fn lang_index(lang: Lang) -> usize {
    match lang {
        Lang::En => 0,
        Lang::Nl => 1,
        Lang::Fr => 2,
    }
}

/// "Wed 30 December 2026" (local time).
pub fn date(lang: Lang, t: DateTime<Utc>) -> String {
    let l = local(t);
    let i = lang_index(lang);
    format!(
        "{} {} {} {}",
        WEEKDAYS[i][l.weekday().num_days_from_monday() as usize],
        l.day(),
        MONTHS[i][l.month0() as usize],
        l.year()
    )
}

/// "30 Dec 2026" (local time), for compact columns.
pub(super) fn short_date(lang: Lang, t: DateTime<Utc>) -> String {
    let l = local(t);
    let month: String = MONTHS[lang_index(lang)][l.month0() as usize]
        .chars()
        .take(3)
        .collect();
    format!("{} {month} {}", l.day(), l.year())
}

pub(super) fn short_date_time(lang: Lang, t: DateTime<Utc>) -> String {
    let l = local(t);
    format!("{} {:02}:{:02}", short_date(lang, t), l.hour(), l.minute())
}

/// Words in lines of at most `width` characters (a longer word gets a line of its own).
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let len = current.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current);
    lines
}

pub(super) fn time(_lang: Lang, t: DateTime<Utc>) -> String {
    let l = local(t);
    format!("{:02}:{:02}:{:02}", l.hour(), l.minute(), l.second())
}

/// "Wed 30 December 2026, 18:30" (local time).
pub fn date_time(lang: Lang, t: DateTime<Utc>) -> String {
    let l = local(t);
    format!("{}, {:02}:{:02}", date(lang, t), l.hour(), l.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::script::utc;

    #[test]
    fn money_and_dates_read_as_each_language_writes_them() {
        assert_eq!(money(Lang::En, 123_456), "€1,234.56");
        assert_eq!(money(Lang::Nl, 1234), "€ 12,34");
        assert_eq!(money(Lang::Fr, 5), "0,05 €");
        let t = utc(2026, 12, 30, 17, 30);
        assert_eq!(date_time(Lang::En, t), "Wed 30 December 2026, 18:30");
        assert_eq!(date(Lang::Nl, t), "wo 30 december 2026");
        assert_eq!(date(Lang::Fr, t), "mer. 30 décembre 2026");
    }
}
