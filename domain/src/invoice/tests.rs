use super::html::{money, to_html};
use super::ubl::{invoice_ubl, to_ubl, CUSTOMIZATION_ID, PROFILE_ID};
use super::*;
use crate::lang::Lang;
use crate::money::Money;
use crate::receipts::{LineItem, Receipt, ReceiptSource};
use chrono::{TimeZone, Utc};

pub(crate) fn seller() -> Seller {
    InvoiceParty {
        name: "Etablissementen Franz Colruyt NV".into(),
        street: "Edingensesteenweg 196".into(),
        city: "Halle".into(),
        postal_code: "1500".into(),
        country: "BE".into(),
        vat_id: "BE0400378485".into(),
    }
}

pub(crate) fn buyer() -> InvoiceParty {
    InvoiceParty {
        name: "Proximus NV".into(),
        street: "Koning Albert II-laan 27".into(),
        city: "Brussel".into(),
        postal_code: "1030".into(),
        country: "BE".into(),
        vat_id: "0202.239.951".into(),
    }
}

fn line(name: &str, qty: i64, cents: i64, cat: &str) -> LineItem {
    LineItem {
        names: Default::default(),
        gtin: "4006381333931".into(),
        name: name.into(),
        quantity: qty,
        unit_price: Money::new(cents, "EUR").unwrap(),
        category: cat.into(),
        lot: None,
        warranty_months: None,
    }
}

fn receipt(lines: Vec<LineItem>) -> Receipt {
    Receipt {
        store_names: Default::default(),
        id: "R-2026-0042".into(),
        store_name: "Colruyt Halle".into(),
        purchased_at: Utc.with_ymd_and_hms(2026, 3, 14, 10, 30, 0).unwrap(),
        lines,
        source: ReceiptSource::Till,
        return_window_days: None,
        discounts: Vec::new(),
        seal: None,
    }
}

fn meta() -> InvoiceMeta {
    InvoiceMeta {
        number: "2026/000123".into(),
        issue_date: NaiveDate::from_ymd_opt(2026, 3, 16).unwrap(),
        buyer_reference: None,
        utc_offset_minutes: 60,
    }
}

fn rates() -> VatRates {
    VatRates::belgium(&["food"])
}

fn build(lines: Vec<LineItem>) -> Invoice {
    Invoice::from_receipt(&seller(), &buyer(), &receipt(lines), &meta(), &rates()).unwrap()
}

/// The EN 16931 arithmetic, checked exactly on the computed invoice.
fn assert_consistent(inv: &Invoice) {
    // BR-CO-10 / BR-CO-13: totals without VAT are the sum of the line net amounts.
    assert_eq!(
        inv.net_total_minor,
        inv.lines.iter().map(|l| l.net_minor).sum::<i64>()
    );
    for s in &inv.subtotals {
        // BR-S-08 / BR-Z-08: taxable amount per rate = its lines' net amounts.
        let lines: i64 = inv
            .lines
            .iter()
            .filter(|l| l.rate == s.rate)
            .map(|l| l.net_minor)
            .sum();
        assert_eq!(s.taxable_minor, lines);
        // BR-S-09: VAT = taxable × rate, rounded to the cent (half up).
        let exact = i128::from(s.taxable_minor) * i128::from(s.rate);
        assert_eq!(i128::from(s.tax_minor), (2 * exact + 10_000) / 20_000);
        // Each rate's net is its gross over (1 + rate), rounded once.
        let gross: i64 = inv
            .lines
            .iter()
            .filter(|l| l.rate == s.rate)
            .map(|l| l.gross_minor)
            .sum();
        let want = (2 * i128::from(gross) * 10_000 + (10_000 + i128::from(s.rate)))
            / (2 * (10_000 + i128::from(s.rate)));
        assert_eq!(i128::from(s.taxable_minor), want);
    }
    // BR-CO-14, BR-CO-15, BR-CO-16.
    assert_eq!(
        inv.tax_total_minor,
        inv.subtotals.iter().map(|s| s.tax_minor).sum::<i64>()
    );
    assert_eq!(
        inv.total_with_vat_minor(),
        inv.net_total_minor + inv.tax_total_minor
    );
    assert_eq!(inv.due_minor(), 0);
    assert_eq!(
        inv.paid_minor,
        inv.lines.iter().map(|l| l.gross_minor).sum::<i64>()
    );
    // At most one cent per rate from the two roundings.
    assert!(inv.rounding_minor.unsigned_abs() <= inv.subtotals.len() as u64);
    // Every line's net is within a cent of its own gross / (1 + rate).
    for l in &inv.lines {
        let exact = l.gross_minor as f64 * 10_000.0 / (10_000.0 + f64::from(l.rate));
        assert!((l.net_minor as f64 - exact).abs() < 1.0, "{l:?}");
    }
}

#[test]
fn mixed_rates_give_the_belgian_breakdown() {
    let inv = build(vec![
        line("Dog food", 2, 1_210, "pet food"),
        line("Bread", 1, 212, "food"),
        line("Apples", 3, 106, "FOOD"),
    ]);
    assert_consistent(&inv);
    assert_eq!(
        inv.subtotals,
        vec![
            TaxSubtotal {
                rate: 600,
                taxable_minor: 500,
                tax_minor: 30
            },
            TaxSubtotal {
                rate: 2100,
                taxable_minor: 2_000,
                tax_minor: 420
            },
        ]
    );
    let nets: Vec<i64> = inv.lines.iter().map(|l| l.net_minor).collect();
    assert_eq!(nets, vec![2_000, 200, 300]);
    assert_eq!(inv.paid_minor, 2_950);
    assert_eq!(inv.rounding_minor, 0);
}

#[test]
fn cents_that_do_not_divide_are_rounded_once_per_rate() {
    // Three lines of €0.01 at 21 %: the rate's net is round(3 / 1.21) = 2 cents, shared by the
    // first two lines (equal remainders: the earlier line first); VAT round(2 × 0.21) = 0, so
    // one cent is left for the rounding amount.
    let inv = build(vec![
        line("Sweet", 1, 1, "candy"),
        line("Sweet", 1, 1, "candy"),
        line("Sweet", 1, 1, "candy"),
    ]);
    assert_consistent(&inv);
    let nets: Vec<i64> = inv.lines.iter().map(|l| l.net_minor).collect();
    assert_eq!(nets, vec![1, 1, 0]);
    assert_eq!(inv.tax_total_minor, 0);
    assert_eq!(inv.rounding_minor, 1);
}

#[test]
fn many_receipts_keep_the_totals_exact() {
    // A fixed pseudo-random walk over prices, quantities and both rates (xorshift).
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for _ in 0..500 {
        let n = 1 + next() % 40;
        let lines = (0..n)
            .map(|_| {
                let cat = if next() % 2 == 0 { "food" } else { "garden" };
                line("x", 1 + (next() % 12) as i64, (next() % 5_000) as i64, cat)
            })
            .collect();
        assert_consistent(&build(lines));
    }
}

#[test]
fn zero_rate_and_other_rates() {
    let rates = VatRates {
        standard: 2100,
        by_category: vec![("newspapers".into(), 0), ("books".into(), 550)],
    };
    let r = receipt(vec![
        line("Le Soir", 1, 330, "newspapers"),
        line("Roman", 1, 2_000, "books"),
        line("Pen", 1, 199, "office"),
    ]);
    let inv = Invoice::from_receipt(&seller(), &buyer(), &r, &meta(), &rates).unwrap();
    assert_consistent(&inv);
    assert_eq!(inv.subtotals[0].rate, 0);
    assert_eq!(inv.subtotals[0].tax_minor, 0);
    assert_eq!(vat_category(0), "Z");
    assert_eq!(percent(550), "5.5");
    assert_eq!(percent(2100), "21");
    assert_eq!(percent(1725), "17.25");
    assert_eq!(decimal(-5), "-0.05");
    assert_eq!(decimal(123_456), "1234.56");
}

#[test]
fn the_date_of_sale_is_the_store_s_calendar_day() {
    let mut r = receipt(vec![line("x", 1, 100, "food")]);
    r.purchased_at = Utc.with_ymd_and_hms(2026, 3, 14, 23, 30, 0).unwrap();
    let inv = Invoice::from_receipt(&seller(), &buyer(), &r, &meta(), &rates()).unwrap();
    assert_eq!(
        inv.purchase_date,
        NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
    );
    let mut utc = meta();
    utc.utc_offset_minutes = 0;
    let inv = Invoice::from_receipt(&seller(), &buyer(), &r, &utc, &rates()).unwrap();
    assert_eq!(
        inv.purchase_date,
        NaiveDate::from_ymd_opt(2026, 3, 14).unwrap()
    );
    let mut bad = meta();
    bad.utc_offset_minutes = 15 * 60;
    let err = Invoice::from_receipt(&seller(), &buyer(), &r, &bad, &rates()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "UTC offset must be between -14:00 and +14:00"
    );
}

#[test]
fn bad_input_is_refused_without_personal_data() {
    let mut b = buyer();
    b.vat_id = "BE0202239952".into();
    let r = receipt(vec![line("x", 1, 100, "food")]);
    let err = Invoice::from_receipt(&seller(), &b, &r, &meta(), &rates()).unwrap_err();
    assert!(matches!(err, InvoiceError::Vat { party: "buyer", .. }));
    assert_eq!(
        err.to_string(),
        "buyer: BE VAT number has wrong check digits"
    );

    let mut s = seller();
    s.name = String::new();
    let err = Invoice::from_receipt(&s, &buyer(), &r, &meta(), &rates()).unwrap_err();
    assert_eq!(err.to_string(), "seller name must not be empty");

    let mut m = meta();
    m.number = " ".into();
    assert!(Invoice::from_receipt(&seller(), &buyer(), &r, &m, &rates()).is_err());

    let mut usd = line("x", 1, 100, "food");
    usd.unit_price.currency = "USD".into();
    let err = Invoice::from_receipt(&seller(), &buyer(), &receipt(vec![usd]), &meta(), &rates())
        .unwrap_err();
    assert_eq!(err.to_string(), "invoice currency must be EUR");

    let bad_rates = VatRates {
        standard: 10_001,
        by_category: vec![],
    };
    assert!(Invoice::from_receipt(&seller(), &buyer(), &r, &meta(), &bad_rates).is_err());
}

#[test]
fn ubl_carries_the_peppol_ids_amounts_and_escaped_names() {
    let r = receipt(vec![
        line("Fish & chips <\"big\"> 'XL'", 7, 333, "food"),
        line("Garden hose", 1, 2_499, "garden"),
    ]);
    let xml = invoice_ubl(&seller(), &buyer(), &r, &meta(), &rates()).unwrap();
    let inv = build(r.lines.clone());
    assert_eq!(xml, to_ubl(&inv));
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\""));
    assert!(xml.contains(&format!(
        "<cbc:CustomizationID>{CUSTOMIZATION_ID}</cbc:CustomizationID>"
    )));
    assert!(xml.contains(&format!("<cbc:ProfileID>{PROFILE_ID}</cbc:ProfileID>")));
    assert!(xml.contains("<cbc:EndpointID schemeID=\"0208\">0400378485</cbc:EndpointID>"));
    assert!(xml.contains("<cbc:EndpointID schemeID=\"0208\">0202239951</cbc:EndpointID>"));
    assert!(xml.contains("<cbc:CompanyID>BE0202239951</cbc:CompanyID>"));
    assert!(xml.contains("<cbc:BuyerReference>R-2026-0042</cbc:BuyerReference>"));
    assert!(xml
        .contains("<cbc:Name>Fish &amp; chips &lt;&quot;big&quot;&gt; &apos;XL&apos;</cbc:Name>"));
    // 7 × €3.33 at 6 %: net round(23.31 / 1.06) = 21.99, not a multiple of 7 cents: the price
    // is given for the 7 units.
    assert_eq!(inv.lines[0].net_minor, 2_199);
    assert!(xml.contains(
        "<cbc:PriceAmount currencyID=\"EUR\">21.99</cbc:PriceAmount>\n      <cbc:BaseQuantity unitCode=\"H87\">7</cbc:BaseQuantity>"
    ));
    // 1 × €24.99 at 21 %: net 20.65, a unit price without base quantity.
    assert!(xml
        .contains("<cbc:PriceAmount currencyID=\"EUR\">20.65</cbc:PriceAmount>\n    </cac:Price>"));
    assert!(xml.contains(&format!(
        "<cbc:TaxInclusiveAmount currencyID=\"EUR\">{}</cbc:TaxInclusiveAmount>",
        decimal(inv.total_with_vat_minor())
    )));
    assert!(xml.contains("<cbc:PayableAmount currencyID=\"EUR\">0.00</cbc:PayableAmount>"));
    assert_eq!(xml.matches("<cac:InvoiceLine>").count(), 2);
    assert_eq!(xml.matches("<cac:TaxSubtotal>").count(), 2);
    // Every opened element is closed (the writer's own bookkeeping, seen from outside).
    assert_eq!(xml.matches("<cac:").count(), xml.matches("</cac:").count());
}

#[test]
fn html_speaks_three_languages_and_escapes() {
    let inv = build(vec![
        line("Fish & chips <script>", 2, 123_456, "food"),
        line("Hose", 1, 2_499, "garden"),
    ]);
    let nl = to_html(&inv, Lang::Nl);
    let fr = to_html(&inv, Lang::Fr);
    let en = to_html(&inv, Lang::En);
    for (page, words) in [
        (
            &nl,
            [
                "Factuur",
                "Btw-nummer",
                "Ondernemingsnummer",
                "Totaal incl. btw",
            ],
        ),
        (
            &fr,
            ["Facture", "N° de TVA", "N° d’entreprise", "Total TVAC"],
        ),
        (
            &en,
            ["Invoice", "VAT number", "Company number", "Total incl. VAT"],
        ),
    ] {
        for w in words {
            assert!(page.contains(w), "{w}");
        }
        assert!(page.contains("Fish &amp; chips &lt;script&gt;"));
        assert!(!page.contains("<script"));
        assert!(page.contains("0400.378.485"));
        assert!(page.contains("14/03/2026"));
    }
    assert!(nl.starts_with("<!DOCTYPE html>\n<html lang=\"nl\">"));
    assert!(nl.contains("21\u{a0}%"));
    assert_eq!(money(Lang::Nl, 12_345_678), "€\u{a0}123.456,78");
    assert_eq!(money(Lang::Fr, 12_345_678), "123\u{202f}456,78\u{a0}€");
    assert_eq!(money(Lang::En, 12_345_678), "€123,456.78");
    assert_eq!(money(Lang::En, -5), "-€0.05");
    assert_eq!(money(Lang::Nl, 100), "€\u{a0}1,00");
}

#[test]
fn every_label_exists_in_every_language() {
    for (lang, src) in super::html::SOURCES {
        let l = crate::reminders::l10n::build_from(&[(lang, src)]);
        assert!(l.load_errors.is_empty(), "{:?}", l.load_errors);
    }
    let ids = |src: &str| -> Vec<String> {
        src.lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
            .collect()
    };
    let en = ids(super::html::SOURCES[0].1);
    for (lang, src) in &super::html::SOURCES[1..] {
        assert_eq!(ids(src), en, "{}", lang.code());
    }
}

#[test]
fn offer_discounts_are_line_allowances_and_the_invoice_is_what_was_paid() {
    use crate::receipts::{OfferTitle, ReceiptDiscount};
    let mut r = receipt(vec![
        line("Koffie", 2, 1_299, "food"),
        line("Afwasmiddel", 3, 249, "household"),
        line("Chocoladepasta", 1, 379, "food"),
    ]);
    let title = OfferTitle {
        nl: "20% korting op koffie".into(),
        fr: "20 % de remise sur le café".into(),
        en: "20% off coffee".into(),
    };
    r.discounts = vec![
        ReceiptDiscount {
            line: 0,
            offer_id: "coffee-20".into(),
            title: title.clone(),
            amount_minor: 520,
        },
        ReceiptDiscount {
            line: 2,
            offer_id: "gift".into(),
            title: title.clone(),
            amount_minor: 379,
        },
    ];
    r.validate().unwrap();
    assert_eq!(r.subtotal().amount_minor, 2_598 + 747 + 379);
    assert_eq!(r.total().amount_minor, 2_598 + 747 + 379 - 520 - 379);
    let inv = Invoice::from_receipt(&seller(), &buyer(), &r, &meta(), &rates()).unwrap();
    assert_consistent(&inv);
    assert_eq!(inv.paid_minor, r.total().amount_minor);
    // 5.20 with 6 % VAT is 4.91 without; the line given free is 0 net, its allowance 3.58.
    assert_eq!(inv.lines[0].gross_minor, 2_078);
    assert_eq!(inv.lines[0].allowance_minor, 491);
    assert_eq!(inv.lines[1].allowance_minor, 0);
    assert_eq!(inv.lines[2].net_minor, 0);
    assert_eq!(inv.lines[2].allowance_minor, 358);
    let xml = super::ubl::to_ubl(&inv);
    assert_eq!(xml.matches("<cac:AllowanceCharge>").count(), 2, "{xml}");
    assert!(xml.contains("<cbc:AllowanceChargeReason>20% off coffee</cbc:AllowanceChargeReason>"));
    assert!(xml.contains("<cbc:Amount currencyID=\"EUR\">4.91</cbc:Amount>"));
    // PEPPOL-EN16931-R120: price × quantity / base quantity − allowance is the line net:
    // 24.51 for the two (25.98 / 1.06), less 4.91, is 19.60.
    assert_eq!(inv.lines[0].net_minor, 1_960);
    assert!(xml.contains("<cbc:PriceAmount currencyID=\"EUR\">24.51</cbc:PriceAmount>"));
    for (lang, want) in [
        (Lang::Nl, "Korting: 20% korting op koffie"),
        (Lang::Fr, "Remise\u{a0}: 20 % de remise sur le café"),
        (Lang::En, "Discount: 20% off coffee"),
    ] {
        let html = super::html::to_html(&inv, lang);
        assert!(html.contains(want), "{}: {html}", lang.code());
    }
    // A discount on a line the receipt has not, or larger than its line, is refused.
    let mut bad = r.clone();
    bad.discounts[1].line = 7;
    assert!(bad.validate().is_err());
    let mut bad = r.clone();
    bad.discounts[1].amount_minor = 380;
    assert!(bad.validate().is_err());
    let mut bad = r;
    bad.discounts[1].line = 0;
    assert!(bad.validate().is_err());
}
