//! Writes sample Peppol BIS Billing 3.0 invoices (UBL) and their HTML renderings into a directory,
//! for the independent validator of tests/ubl/run.sh:
//!
//!     cargo run -p loyalty-domain --example ubl_samples -- OUTDIR
//!
//! The samples cover a Belgian buyer with mixed 21 %/6 % lines, Dutch, French, Luxembourg and
//! German buyers, quantities above one, an item name with & < > and quotes, a zero-rated line,
//! long receipts whose per-line roundings do not add up by themselves, large quantities and
//! amounts, the member's offers as line allowances, and 20 seeded pseudo-random receipts over Belgium's four rates (21, 12, 6 and 0 %).

use chrono::{NaiveDate, TimeZone, Utc};
use loyalty_domain::invoice::html::to_html;
use loyalty_domain::invoice::ubl::to_ubl;
use loyalty_domain::invoice::{Invoice, InvoiceMeta, InvoiceParty, VatRates};
use loyalty_domain::money::Money;
use loyalty_domain::receipts::{LineItem, OfferTitle, Receipt, ReceiptDiscount, ReceiptSource};
use loyalty_domain::reminders::Lang;
use std::path::Path;

fn party(
    name: &str,
    street: &str,
    postal: &str,
    city: &str,
    country: &str,
    vat: &str,
) -> InvoiceParty {
    InvoiceParty {
        name: name.into(),
        street: street.into(),
        city: city.into(),
        postal_code: postal.into(),
        country: country.into(),
        vat_id: vat.into(),
    }
}

fn line(gtin: &str, name: &str, quantity: i64, cents: i64, category: &str) -> LineItem {
    LineItem {
        names: Default::default(),
        gtin: gtin.into(),
        name: name.into(),
        quantity,
        unit_price: Money::new(cents, "EUR").expect("EUR"),
        category: category.into(),
        lot: None,
        warranty_months: None,
    }
}

fn receipt(id: &str, day: u32, lines: Vec<LineItem>) -> Receipt {
    Receipt {
        store_names: Default::default(),
        id: id.into(),
        store_name: "Colruyt Halle".into(),
        purchased_at: Utc.with_ymd_and_hms(2026, 3, day, 9, 15, 0).unwrap(),
        lines,
        source: ReceiptSource::Till,
        return_window_days: None,
        discounts: Vec::new(),
        seal: None,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).ok_or("usage: ubl_samples OUTDIR")?;
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;

    let seller = party(
        "Etablissementen Franz Colruyt NV",
        "Edingensesteenweg 196",
        "1500",
        "Halle",
        "BE",
        "BE0400378485",
    );
    let belgian = party(
        "Proximus NV",
        "Koning Albert II-laan 27",
        "1030",
        "Brussel",
        "BE",
        "BE 0202.239.951",
    );
    let dutch = party(
        "Voorbeeld B.V.",
        "Stationsplein 1",
        "3511 ED",
        "Utrecht",
        "NL",
        "NL004495445B01",
    );
    let french = party(
        "Exemple SAS",
        "8 rue de Londres",
        "75009",
        "Paris",
        "FR",
        "FR44732829320",
    );
    let luxembourg = party(
        "Exemple S.à r.l.",
        "38 avenue John F. Kennedy",
        "1855",
        "Luxembourg",
        "LU",
        "LU20260743",
    );
    let german = party(
        "Beispiel GmbH",
        "Hauptstraße 5",
        "10115",
        "Berlin",
        "DE",
        "DE136695976",
    );

    let rates = VatRates::belgium(&["food", "drinks"]);
    let mut zero = rates.clone();
    zero.by_category.push(("newspapers".into(), 0));

    // Item GTINs with valid check digits (GS1 rule), as receipts carry them.
    let gtins = [
        "4006381333931",
        "96385074",
        "5449000000996",
        "8710398500892",
        "3017620422003",
    ];

    let mut many = Vec::new();
    for i in 0..60i64 {
        // Prices that leave remainders when divided by 1.21 and 1.06: 0.01 .. 0.99 and odd euros.
        let cents = 1 + (i * 37) % 99 + 100 * (i % 4);
        let cat = if i % 3 == 0 { "food" } else { "household" };
        many.push(line(
            gtins[(i % 5) as usize],
            &format!("Article {}", i + 1),
            1 + i % 7,
            cents,
            cat,
        ));
    }
    let mut pennies = Vec::new();
    for i in 0..25 {
        pennies.push(line(gtins[i % 5], "Snoepje", 1, 1, "candy"));
        pennies.push(line(gtins[(i + 1) % 5], "Kauwgom", 1, 3, "food"));
    }

    // Belgium's four rates together: 21 %, 12 %, 6 % and 0 %.
    let mut four = rates.clone();
    four.by_category.push(("margarine".into(), 1_200));
    four.by_category.push(("newspapers".into(), 0));
    let categories = [
        "food",
        "drinks",
        "margarine",
        "newspapers",
        "household",
        "garden",
    ];

    // The member's offers at the till: percent off, amount off, a free unit and a whole line
    // given free, each a line allowance (BG-27) on its line.
    let title = |en: &str| OfferTitle {
        nl: format!("{en} (nl)"),
        fr: format!("{en} (fr)"),
        en: en.to_string(),
    };
    let discount = |line: u32, id: &str, en: &str, amount_minor: i64| ReceiptDiscount {
        line,
        offer_id: id.into(),
        title: title(en),
        amount_minor,
    };
    let mut offers = receipt(
        "R-0009",
        9,
        vec![
            line(gtins[0], "Koffiebonen 1 kg", 2, 1_299, "food"),
            line(gtins[1], "Afwasmiddel", 3, 249, "household"),
            line(gtins[2], "Cola 6 x 1,5 l", 3, 899, "drinks"),
            line(gtins[3], "Tuinslang 25 m", 1, 2_499, "garden"),
            line(gtins[4], "Chocoladepasta", 1, 379, "food"),
        ],
    );
    offers.discounts = vec![
        discount(0, "coffee-20", "20% off coffee", 520),
        discount(1, "soap-1", "EUR 1 off washing-up liquid", 100),
        discount(2, "cola-3for2", "Third cola free", 899),
        discount(4, "welcome-gift", "Chocolate spread on us", 379),
    ];
    offers.validate()?;

    let samples: Vec<(String, &InvoiceParty, Receipt, &VatRates, Option<&str>)> = vec![
        ("be-offer-discounts".into(), &belgian, offers, &rates, None),
        (
            "be-mixed-rates".into(),
            &belgian,
            receipt(
                "R-0001",
                2,
                vec![
                    line(gtins[0], "Koffiebonen 1 kg", 2, 1_299, "food"),
                    line(gtins[1], "Afwasmiddel", 3, 249, "household"),
                    line(gtins[2], "Cola 6 x 1,5 l", 1, 899, "drinks"),
                    line(gtins[3], "Tuinslang 25 m", 1, 2_499, "garden"),
                ],
            ),
            &rates,
            Some("PO-4711"),
        ),
        (
            "nl-buyer".into(),
            &dutch,
            receipt(
                "R-0002",
                3,
                vec![
                    line(gtins[4], "Hazelnootpasta 750 g", 4, 579, "food"),
                    line(gtins[0], "Printpapier A4", 5, 699, "office"),
                ],
            ),
            &rates,
            None,
        ),
        (
            "fr-buyer".into(),
            &french,
            receipt(
                "R-0003",
                4,
                vec![
                    line(gtins[1], "Vin rouge Bordeaux 75 cl", 6, 1_095, "drinks"),
                    line(gtins[2], "Tire-bouchon", 1, 1_250, "kitchen"),
                ],
            ),
            &rates,
            None,
        ),
        (
            "lu-buyer".into(),
            &luxembourg,
            receipt(
                "R-0004",
                5,
                vec![line(gtins[3], "Café moulu", 3, 455, "food")],
            ),
            &rates,
            None,
        ),
        (
            "de-buyer".into(),
            &german,
            receipt(
                "R-0005",
                6,
                vec![line(gtins[4], "Glühbirne LED", 10, 333, "household")],
            ),
            &rates,
            None,
        ),
        (
            "escaped-name".into(),
            &belgian,
            receipt(
                "R-0006",
                7,
                vec![
                    line(
                        gtins[0],
                        "Fish & Chips <XL> \"Deluxe\" l'original",
                        2,
                        1_199,
                        "food",
                    ),
                    line(gtins[1], "Sauce \"Andalouse\" & <Samouraï>", 1, 289, "food"),
                ],
            ),
            &rates,
            Some("Dept. R&D <4>"),
        ),
        (
            "zero-rated".into(),
            &belgian,
            receipt(
                "R-0007",
                9,
                vec![
                    line(gtins[2], "Krant De Standaard", 1, 330, "newspapers"),
                    line(gtins[3], "Brood", 1, 265, "food"),
                    line(gtins[4], "Batterijen AA", 2, 799, "household"),
                ],
            ),
            &zero,
            None,
        ),
        (
            "many-lines".into(),
            &belgian,
            receipt("R-0008", 10, many),
            &rates,
            None,
        ),
        (
            "pennies".into(),
            &dutch,
            receipt("R-0009", 11, pennies),
            &rates,
            None,
        ),
        (
            "bulk".into(),
            &german,
            receipt(
                "R-0010",
                12,
                vec![
                    line(gtins[0], "Palette Mineralwasser", 480, 1_349, "drinks"),
                    line(gtins[1], "Gartenhaus", 3, 1_249_900, "garden"),
                ],
            ),
            &rates,
            None,
        ),
    ];
    let mut samples = samples;
    // Seeded pseudo-random receipts (xorshift): 1 to 80 lines over the four Belgian rates, prices
    // from 1 cent to 200 euros, quantities from 1 to 24.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for k in 0..20u32 {
        let n = 1 + next() % 80;
        let lines = (0..n)
            .map(|j| {
                let cents = 1 + (next() % 20_000) as i64;
                let cat = categories[(next() % categories.len() as u64) as usize];
                let qty = 1 + (next() % 24) as i64;
                line(
                    gtins[(j % 5) as usize],
                    &format!("Artikel {}", j + 1),
                    qty,
                    cents,
                    cat,
                )
            })
            .collect();
        let buyer = [&belgian, &dutch, &french, &luxembourg, &german][(k % 5) as usize];
        let id = format!("R-1{k:03}");
        samples.push((
            format!("random-{k:02}"),
            buyer,
            receipt(&id, 1 + k % 28, lines),
            &four,
            None,
        ));
    }

    for (i, (name, buyer, receipt, rates, reference)) in samples.into_iter().enumerate() {
        let meta = InvoiceMeta {
            number: format!("2026/{:06}", i + 1),
            issue_date: NaiveDate::from_ymd_opt(2026, 3, 16).unwrap(),
            buyer_reference: reference.map(str::to_string),
            // Belgium in March: CET.
            utc_offset_minutes: 60,
        };
        let invoice = Invoice::from_receipt(&seller, buyer, &receipt, &meta, rates)?;
        std::fs::write(out.join(format!("{name}.xml")), to_ubl(&invoice))?;
        let lang = match buyer.country.as_str() {
            "NL" => Lang::Nl,
            "FR" | "LU" => Lang::Fr,
            "DE" => Lang::En,
            _ => Lang::Nl,
        };
        std::fs::write(
            out.join(format!("{name}.{}.html", lang.code())),
            to_html(&invoice, lang),
        )?;
        println!(
            "{name}: {} lines, total {} cents, rounding {} cents",
            invoice.lines.len(),
            invoice.total_with_vat_minor(),
            invoice.rounding_minor
        );
    }
    Ok(())
}
