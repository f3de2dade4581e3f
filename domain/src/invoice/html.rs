//! The invoice as one self-contained HTML page (inline style, no scripts, no external resources)
//! in Dutch, French or English. The labels are Fluent messages in
//! `domain/locales/{en,nl,fr}/invoice.ftl`; amounts and dates are written the Belgian way per
//! language ("€ 1.234,56", "1 234,56 €", "€1,234.56"; dd/mm/yyyy).

use super::company::InvoiceParty;
use super::xml::escape;
use super::{decimal, percent, Country, Invoice, VatId};
use crate::lang::Lang;
use crate::reminders::l10n::{build_with_overlays, Localizer};
use chrono::NaiveDate;
use fluent_bundle::FluentArgs;
use std::sync::OnceLock;

pub(crate) const SOURCES: [(Lang, &str); 3] = [
    (Lang::En, include_str!("../../locales/en/invoice.ftl")),
    (Lang::Nl, include_str!("../../locales/nl/invoice.ftl")),
    (Lang::Fr, include_str!("../../locales/fr/invoice.ftl")),
];

/// The Belgian variants' labels that differ from the base language's ("Kasticket", "HTVA").
pub(crate) const OVERLAYS: [(Lang, &str); 2] = [
    (Lang::NlBe, include_str!("../../locales/nl-BE/invoice.ftl")),
    (Lang::FrBe, include_str!("../../locales/fr-BE/invoice.ftl")),
];

pub(crate) fn labels() -> &'static Localizer {
    static L: OnceLock<Localizer> = OnceLock::new();
    L.get_or_init(|| build_with_overlays(&SOURCES, &OVERLAYS))
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape(s, &mut out);
    out
}

/// An amount in the language's notation, with the euro sign.
pub fn money(lang: Lang, minor: i64) -> String {
    let d = decimal(minor);
    let (sign, d) = d.strip_prefix('-').map_or(("", d.as_str()), |r| ("-", r));
    let (int, frac) = d.split_once('.').unwrap_or((d, "00"));
    let (group, point) = match lang.language() {
        Lang::Nl => ('.', ','),
        Lang::Fr => ('\u{202f}', ','),
        _ => (',', '.'),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(c);
    }
    match lang.language() {
        Lang::Nl => format!("€\u{a0}{sign}{grouped}{point}{frac}"),
        Lang::Fr => format!("{sign}{grouped}{point}{frac}\u{a0}€"),
        _ => format!("{sign}€{grouped}{point}{frac}"),
    }
}

fn rate(lang: Lang, bp: u32) -> String {
    let p = percent(bp);
    match lang.language() {
        Lang::Nl | Lang::Fr => format!("{}\u{a0}%", p.replace('.', ",")),
        _ => format!("{p}%"),
    }
}

pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn party(
    lang: Lang,
    t: &dyn Fn(&str) -> String,
    title: &str,
    p: &InvoiceParty,
    vat: &VatId,
) -> String {
    // French sets a (no-break) space before a colon.
    let colon = if lang.language() == Lang::Fr {
        "\u{a0}:"
    } else {
        ":"
    };
    let mut s = format!(
        "<section class=\"party\"><h2>{}</h2><p><strong>{}</strong><br>{}<br>{} {}<br>{}</p><p>{}{colon} {}",
        esc(title),
        esc(&p.name),
        esc(&p.street),
        esc(&p.postal_code),
        esc(&p.city),
        esc(&p.country),
        esc(&t("invoice-vat-number")),
        esc(vat.as_str()),
    );
    if vat.country() == Country::Be {
        let n = vat.number();
        s.push_str(&format!(
            "<br>{}{colon} {}.{}.{}",
            esc(&t("invoice-enterprise-number")),
            &n[..4],
            &n[4..7],
            &n[7..]
        ));
    }
    s.push_str("</p></section>\n");
    s
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;color:#222}\
h1{margin-bottom:.2em}.parties{display:flex;gap:3em}.party{flex:1}\
table{border-collapse:collapse;width:100%;margin:1em 0}th,td{padding:.3em .5em;border-bottom:1px solid #ccc}\
th{text-align:left}td.n,th.n{text-align:right;white-space:nowrap}.totals td{border:none}\
.totals tr.grand td{font-weight:bold;border-top:2px solid #222}";

/// The invoice as an HTML page in `lang`.
pub fn to_html(inv: &Invoice, lang: Lang) -> String {
    let l = labels();
    let t = |id: &str| l.format(lang, id, None);
    let m = |minor: i64| esc(&money(lang, minor));
    let mut h = String::new();
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head><meta charset=\"utf-8\"><title>{} {}</title><style>{STYLE}</style></head>\n<body>\n",
        lang.code(),
        esc(&t("invoice-title")),
        esc(&inv.meta.number)
    ));
    h.push_str(&format!("<h1>{}</h1>\n<dl>\n", esc(&t("invoice-title"))));
    let mut receipt_args = FluentArgs::new();
    receipt_args.set("receipt", inv.receipt_id.clone());
    receipt_args.set("date", date(inv.purchase_date));
    receipt_args.set("store", inv.store_name.clone());
    let receipt_line = l.format(lang, "invoice-receipt-line", Some(&receipt_args));
    for (label, value) in [
        ("invoice-number", inv.meta.number.clone()),
        ("invoice-date", date(inv.meta.issue_date)),
        ("invoice-delivery-date", date(inv.purchase_date)),
        ("invoice-receipt", receipt_line),
        ("invoice-buyer-reference", inv.buyer_reference().to_string()),
    ] {
        h.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            esc(&t(label)),
            esc(&value)
        ));
    }
    h.push_str("</dl>\n<div class=\"parties\">\n");
    h.push_str(&party(
        lang,
        &t,
        &t("invoice-seller"),
        &inv.seller,
        &inv.seller_vat,
    ));
    h.push_str(&party(
        lang,
        &t,
        &t("invoice-buyer"),
        &inv.buyer,
        &inv.buyer_vat,
    ));
    h.push_str("</div>\n<table class=\"lines\">\n<thead><tr>");
    for (label, class) in [
        ("invoice-description", ""),
        ("invoice-gtin", ""),
        ("invoice-quantity", " class=\"n\""),
        ("invoice-unit-price", " class=\"n\""),
        ("invoice-vat-rate", " class=\"n\""),
        ("invoice-net-amount", " class=\"n\""),
    ] {
        h.push_str(&format!("<th{class}>{}</th>", esc(&t(label))));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for line in &inv.lines {
        // The unit price shown is the line's net amount over its quantity, to the cent; the
        // line amount is the exact one.
        let priced = line.net_minor + line.allowance_minor;
        let unit = (2 * priced + line.quantity) / (2 * line.quantity);
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
            esc(line.names.get_or(lang, &line.name)),
            esc(&line.gtin),
            line.quantity,
            m(unit),
            esc(&rate(lang, line.rate)),
            m(priced)
        ));
        if let (Some(title), true) = (&line.discount_title, line.allowance_minor > 0) {
            // The offer's discount under its line, without VAT like every amount here.
            let mut args = FluentArgs::new();
            args.set("title", title.get(lang).to_string());
            h.push_str(&format!(
                "<tr class=\"discount\"><td colspan=\"5\">{}</td><td class=\"n\">{}</td></tr>\n",
                esc(&l.format(lang, "invoice-discount", Some(&args))),
                m(-line.allowance_minor)
            ));
        }
    }
    h.push_str("</tbody>\n</table>\n");
    h.push_str(&format!(
        "<h2>{}</h2>\n<table class=\"vat\">\n<thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead>\n<tbody>\n",
        esc(&t("invoice-vat-breakdown")),
        esc(&t("invoice-vat-rate")),
        esc(&t("invoice-taxable")),
        esc(&t("invoice-vat-amount"))
    ));
    for s in &inv.subtotals {
        h.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
            esc(&rate(lang, s.rate)),
            m(s.taxable_minor),
            m(s.tax_minor)
        ));
    }
    h.push_str("</tbody>\n</table>\n<table class=\"totals\">\n");
    let mut totals = vec![
        ("invoice-total-net", inv.net_total_minor, ""),
        ("invoice-total-vat", inv.tax_total_minor, ""),
        ("invoice-total-gross", inv.total_with_vat_minor(), ""),
    ];
    if inv.rounding_minor != 0 {
        totals.push(("invoice-rounding", inv.rounding_minor, ""));
    }
    totals.push(("invoice-paid", inv.paid_minor, ""));
    totals.push(("invoice-due", inv.due_minor(), " class=\"grand\""));
    for (label, minor, class) in totals {
        h.push_str(&format!(
            "<tr{class}><td>{}</td><td class=\"n\">{}</td></tr>\n",
            esc(&t(label)),
            m(minor)
        ));
    }
    let mut paid_args = FluentArgs::new();
    paid_args.set("date", date(inv.purchase_date));
    h.push_str(&format!(
        "</table>\n<p>{}</p>\n</body>\n</html>\n",
        esc(&l.format(lang, "invoice-paid-note", Some(&paid_args)))
    ));
    h
}
