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
    match (k, lang) {
        (VoucherKind::AmountOff { amount, min_spend }, _) => {
            let a = money_of(lang, amount);
            match (min_spend, lang) {
                (Some(m), Lang::En) => format!("{a} off from {}", money_of(lang, m)),
                (Some(m), Lang::Nl) => format!("{a} korting vanaf {}", money_of(lang, m)),
                (Some(m), Lang::Fr) => format!("{a} de remise dès {}", money_of(lang, m)),
                (None, Lang::En) => format!("{a} off"),
                (None, Lang::Nl) => format!("{a} korting"),
                (None, Lang::Fr) => format!("{a} de remise"),
            }
        }
        (
            VoucherKind::PercentOff {
                percent,
                max_discount,
            },
            _,
        ) => {
            let p = match lang {
                Lang::En => format!("{percent}%"),
                Lang::Nl | Lang::Fr => format!("{percent}\u{a0}%"),
            };
            match (max_discount, lang) {
                (Some(m), Lang::En) => format!("{p} off (at most {})", money_of(lang, m)),
                (Some(m), Lang::Nl) => format!("{p} korting (maximaal {})", money_of(lang, m)),
                (Some(m), Lang::Fr) => format!("{p} de remise (au plus {})", money_of(lang, m)),
                (None, Lang::En) => format!("{p} off"),
                (None, Lang::Nl) => format!("{p} korting"),
                (None, Lang::Fr) => format!("{p} de remise"),
            }
        }
        (VoucherKind::FreeProduct { product_name, .. }, Lang::En) => format!("free {product_name}"),
        (VoucherKind::FreeProduct { product_name, .. }, Lang::Nl) => {
            format!("gratis: {product_name}")
        }
        (VoucherKind::FreeProduct { product_name, .. }, Lang::Fr) => {
            format!("offert\u{a0}: {product_name}")
        }
        (VoucherKind::PointsMultiplier { multiplier }, Lang::En) => format!("{multiplier}× points"),
        (VoucherKind::PointsMultiplier { multiplier }, Lang::Nl) => format!("{multiplier}× punten"),
        (VoucherKind::PointsMultiplier { multiplier }, Lang::Fr) => format!("{multiplier}× points"),
        (VoucherKind::EventInvitation { starts_at, .. }, _) => {
            let word = match lang {
                Lang::En => "invitation",
                Lang::Nl => "uitnodiging",
                Lang::Fr => "invitation",
            };
            format!("{word}, {}", short_date_time(lang, *starts_at))
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

/// The abbreviated months as CLDR writes them in dates ("MMM": en-GB, nl, fr).
const SHORT_MONTHS: [[&str; 12]; 3] = [
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec",
    ],
    [
        "jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.",
        "dec.",
    ],
    [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ],
];

/// The day of the month: French writes the first as "1er".
fn day_of_month(lang: Lang, day: u32) -> String {
    match (lang, day) {
        (Lang::Fr, 1) => "1er".to_string(),
        _ => day.to_string(),
    }
}

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

/// "Wed 30 December 2026", "mer. 1er janvier 2026" (local time).
pub fn date(lang: Lang, t: DateTime<Utc>) -> String {
    let l = local(t);
    let i = lang_index(lang);
    format!(
        "{} {} {} {}",
        WEEKDAYS[i][l.weekday().num_days_from_monday() as usize],
        day_of_month(lang, l.day()),
        MONTHS[i][l.month0() as usize],
        l.year()
    )
}

/// "30 Dec 2026", "30 dec. 2026", "1er janv. 2026" (local time), for compact columns.
pub(super) fn short_date(lang: Lang, t: DateTime<Utc>) -> String {
    let l = local(t);
    let month = SHORT_MONTHS[lang_index(lang)][l.month0() as usize];
    format!("{} {month} {}", day_of_month(lang, l.day()), l.year())
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
        // Abbreviated months as CLDR writes them, not the first three letters.
        let jan = utc(2026, 1, 1, 12, 0);
        assert_eq!(
            short_date(Lang::Nl, utc(2026, 3, 14, 12, 0)),
            "14 mrt. 2026"
        );
        assert_eq!(short_date(Lang::Fr, jan), "1er janv. 2026");
        assert_eq!(short_date(Lang::Fr, utc(2026, 7, 2, 12, 0)), "2 juil. 2026");
        assert_eq!(short_date(Lang::En, utc(2026, 6, 2, 12, 0)), "2 Jun 2026");
        assert_eq!(date(Lang::Fr, jan), "jeu. 1er janvier 2026");
    }

    #[test]
    fn voucher_values_in_each_language() {
        let amount = VoucherKind::AmountOff {
            amount: Money::new(500, "EUR").unwrap(),
            min_spend: Some(Money::new(2_000, "EUR").unwrap()),
        };
        assert_eq!(voucher_value(Lang::En, &amount), "€5.00 off from €20.00");
        assert_eq!(
            voucher_value(Lang::Nl, &amount),
            "€ 5,00 korting vanaf € 20,00"
        );
        assert_eq!(
            voucher_value(Lang::Fr, &amount),
            "5,00 € de remise dès 20,00 €"
        );
    }

    /// The demo's dates for the copy checks (tests/copy/run.sh compares them with CLDR): with
    /// `COPY_CLI_OUT` set, written there as JSON lines.
    #[test]
    fn dates_for_the_copy_checks() {
        let mut out = String::new();
        for lang in [Lang::En, Lang::Nl, Lang::Fr] {
            for month in 1..=12 {
                for day in [1, 14] {
                    // Noon UTC: the same calendar day in Brussels.
                    let t = utc(2026, month, day, 11, 0);
                    for (style, text) in [
                        ("weekday-day-month-year", date(lang, t)),
                        ("short-day-month-year", short_date(lang, t)),
                    ] {
                        out.push_str(&format!(
                            "{}\n",
                            serde_json::json!({"kind": "date", "source": "cli demo words",
                                "lang": lang.code(), "iso": format!("2026-{month:02}-{day:02}"),
                                "style": style, "text": text})
                        ));
                    }
                }
            }
        }
        assert_eq!(out.lines().count(), 3 * 12 * 2 * 2);
        if let Ok(path) = std::env::var("COPY_CLI_OUT") {
            std::fs::write(path, out).expect("write COPY_CLI_OUT");
        }
    }
}
