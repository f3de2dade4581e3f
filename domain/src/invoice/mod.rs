//! Invoices for companies from a shopper's receipt (issue #12): the parties and their VAT numbers
//! ([`vat`], [`company`]), the net amounts and VAT breakdown computed from the receipt's
//! VAT-included prices ([`Invoice::from_receipt`]), and two renderings of the same invoice: a
//! Peppol BIS Billing 3.0 UBL document ([`ubl`]) and a readable HTML page in nl, fr or en
//! ([`html`]).
//!
//! Amounts: each line's net amount is its VAT-included total divided by (1 + rate), the lines of
//! one rate rounded together (largest remainder) so that their sum is the rate's net total
//! rounded once. Each rate's VAT is its net total × rate, rounded to the cent (EN 16931 BR-S-09).
//! The receipt was paid at the till: the paid amount is the receipt total, and the cent that the
//! two roundings may leave between it and the invoice total goes into the rounding amount
//! (BT-114), so the amount due is zero and BR-CO-10..16 hold exactly.

pub mod company;
pub mod html;
mod request;
pub mod ubl;
pub mod vat;
mod xml;

pub use company::{InvoiceParty, Seller};
pub use request::{InvoiceRefusal, InvoiceStatus, StoredInvoice};
pub use vat::{Country, VatError, VatId};

use crate::check::{non_empty, InputError};
use crate::receipts::{LineItem, OfferTitle, Receipt};
use chrono::{FixedOffset, NaiveDate};

#[derive(Debug, thiserror::Error)]
pub enum InvoiceError {
    #[error("{0}")]
    Invalid(#[from] InputError),
    #[error("{party}: {source}")]
    Vat {
        /// "seller" or "buyer".
        party: &'static str,
        source: VatError,
    },
}

/// A VAT rate in hundredths of a percent: 2100 is 21 %, 550 is 5.5 %.
pub type RateBp = u32;

/// The VAT rate of each receipt line, by the line's category; the standard rate otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatRates {
    pub standard: RateBp,
    /// (category, rate); categories compare case-insensitively.
    pub by_category: Vec<(String, RateBp)>,
}

impl VatRates {
    /// Belgium: 21 % standard, 6 % for the given categories (food, books, ...; the caller knows
    /// its catalogue).
    pub fn belgium(reduced_categories: &[&str]) -> VatRates {
        VatRates {
            standard: 2100,
            by_category: reduced_categories
                .iter()
                .map(|c| ((*c).to_string(), 600))
                .collect(),
        }
    }

    pub fn rate_for(&self, line: &LineItem) -> RateBp {
        self.by_category
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(line.category.trim()))
            .map_or(self.standard, |(_, r)| *r)
    }

    fn validate(&self) -> Result<(), InputError> {
        let ok = |r: RateBp| r <= 10_000;
        if !ok(self.standard) || self.by_category.iter().any(|(_, r)| !ok(*r)) {
            return Err(InputError::new("VAT rate must be between 0 and 100 %"));
        }
        Ok(())
    }
}

/// The EN 16931 VAT category of a rate: standard rated (S) above zero, zero rated (Z) at zero.
pub fn vat_category(rate: RateBp) -> &'static str {
    if rate == 0 {
        "Z"
    } else {
        "S"
    }
}

/// What the invoice says besides the parties and the receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceMeta {
    /// The seller's invoice number (BT-1), unique in its numbering.
    pub number: String,
    pub issue_date: NaiveDate,
    /// The buyer's reference (BT-10); the receipt id when the buyer gave none.
    pub buyer_reference: Option<String>,
    /// The store's offset from UTC at the time of purchase, in minutes (60 for CET, 120 for
    /// CEST): the date of sale (BT-72) is the store's calendar day, not UTC's.
    pub utc_offset_minutes: i32,
}

/// One invoice line: a receipt line with its net amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    pub gtin: String,
    /// The name as the till printed it (the UBL document's item name).
    pub name: String,
    /// The name in other languages, for the readable copy in the shopper's language.
    pub names: crate::lang::LocalizedText,
    pub quantity: i64,
    pub rate: RateBp,
    /// VAT-included amount paid for the line (quantity × unit price, less the offer's
    /// discount), minor units.
    pub gross_minor: i64,
    /// Line net amount (BT-131), minor units.
    pub net_minor: i64,
    /// The offer's discount on the line, VAT included (0 when none), minor units.
    pub discount_gross_minor: i64,
    /// That discount without VAT: the line allowance (BT-136), so the price before it is
    /// `net_minor + allowance_minor`.
    pub allowance_minor: i64,
    /// The title of the offer that gave the discount (the allowance reason, BT-139).
    pub discount_title: Option<OfferTitle>,
}

/// The VAT breakdown of one rate (BG-23).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxSubtotal {
    pub rate: RateBp,
    pub taxable_minor: i64,
    pub tax_minor: i64,
}

/// A company invoice for one receipt, amounts computed; rendered by [`ubl`] and [`html`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub meta: InvoiceMeta,
    pub seller: Seller,
    pub buyer: InvoiceParty,
    pub seller_vat: VatId,
    pub buyer_vat: VatId,
    pub receipt_id: String,
    pub store_name: String,
    pub purchase_date: NaiveDate,
    pub currency: String,
    pub lines: Vec<InvoiceLine>,
    /// One per rate, in ascending rate order.
    pub subtotals: Vec<TaxSubtotal>,
    /// Sum of line net amounts (BT-106 = BT-109, no document allowances or charges).
    pub net_total_minor: i64,
    /// Sum of the subtotals' VAT (BT-110).
    pub tax_total_minor: i64,
    /// What was paid at the till (BT-113): the receipt total, offers' discounts taken off.
    pub paid_minor: i64,
    /// paid − (net + VAT) (BT-114), so the amount due (BT-115) is zero.
    pub rounding_minor: i64,
}

/// round(a / b) for a ≥ 0, b > 0, halves up.
fn div_round(a: i128, b: i128) -> i128 {
    (2 * a + b) / (2 * b)
}

impl Invoice {
    /// Checks the parties, the receipt and the rates, and computes the amounts.
    pub fn from_receipt(
        seller: &Seller,
        buyer: &InvoiceParty,
        receipt: &Receipt,
        meta: &InvoiceMeta,
        rates: &VatRates,
    ) -> Result<Invoice, InvoiceError> {
        non_empty("invoice number", &meta.number, 64)?;
        if let Some(r) = &meta.buyer_reference {
            non_empty("buyer reference", r, 100)?;
        }
        let offset = FixedOffset::east_opt(meta.utc_offset_minutes.saturating_mul(60))
            .filter(|_| meta.utc_offset_minutes.abs() <= 14 * 60)
            .ok_or_else(|| InputError::new("UTC offset must be between -14:00 and +14:00"))?;
        let seller_vat = seller.validate().map_err(|e| e.at("seller"))?;
        let buyer_vat = buyer.validate().map_err(|e| e.at("buyer"))?;
        receipt.validate()?;
        rates.validate()?;
        // The five countries invoice in euro; amounts are written with two decimals.
        if receipt.lines[0].unit_price.currency != "EUR" {
            return Err(InputError::new("invoice currency must be EUR").into());
        }

        let mut lines: Vec<InvoiceLine> = receipt
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let discount = receipt.discounts.iter().find(|d| d.line as usize == i);
                InvoiceLine {
                    gtin: l.gtin.clone(),
                    name: l.name.clone(),
                    names: l.names.clone(),
                    quantity: l.quantity,
                    rate: rates.rate_for(l),
                    gross_minor: receipt.line_paid_minor(i),
                    net_minor: 0,
                    discount_gross_minor: discount.map_or(0, |d| d.amount_minor),
                    allowance_minor: 0,
                    discount_title: discount.map(|d| d.title.clone()),
                }
            })
            .collect();
        let mut rate_list: Vec<RateBp> = lines.iter().map(|l| l.rate).collect();
        crate::sort::sort(&mut rate_list);
        rate_list.dedup();

        let mut subtotals = Vec::new();
        for rate in rate_list {
            let den = 10_000 + i128::from(rate);
            let idx: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].rate == rate)
                .collect();
            let gross: i128 = idx.iter().map(|&i| i128::from(lines[i].gross_minor)).sum();
            let net_total = div_round(gross * 10_000, den);
            // Floors, then the missing cents to the largest remainders (ties: earlier line).
            let mut rems = Vec::with_capacity(idx.len());
            let mut floors = 0i128;
            for &i in &idx {
                let num = i128::from(lines[i].gross_minor) * 10_000;
                let f = num / den;
                lines[i].net_minor = f as i64;
                floors += f;
                rems.push((num % den, i));
            }
            crate::sort::sort_by(&mut rems, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for &(_, i) in rems.iter().take((net_total - floors) as usize) {
                lines[i].net_minor += 1;
            }
            for &i in &idx {
                let discount = i128::from(lines[i].discount_gross_minor);
                lines[i].allowance_minor = div_round(discount * 10_000, den) as i64;
            }
            let tax = div_round(net_total * i128::from(rate), 10_000);
            subtotals.push(TaxSubtotal {
                rate,
                taxable_minor: net_total as i64,
                tax_minor: tax as i64,
            });
        }
        let net_total_minor: i64 = lines.iter().map(|l| l.net_minor).sum();
        let tax_total_minor: i64 = subtotals.iter().map(|s| s.tax_minor).sum();
        let paid_minor = receipt.total().amount_minor;
        Ok(Invoice {
            meta: meta.clone(),
            seller: seller.clone(),
            buyer: buyer.clone(),
            seller_vat,
            buyer_vat,
            receipt_id: receipt.id.clone(),
            store_name: receipt.store_name.clone(),
            purchase_date: receipt.purchased_at.with_timezone(&offset).date_naive(),
            currency: receipt.lines[0].unit_price.currency.clone(),
            lines,
            subtotals,
            net_total_minor,
            tax_total_minor,
            paid_minor,
            rounding_minor: paid_minor - net_total_minor - tax_total_minor,
        })
    }

    /// Total with VAT (BT-112).
    pub fn total_with_vat_minor(&self) -> i64 {
        self.net_total_minor + self.tax_total_minor
    }

    /// Amount due (BT-115): zero for a paid receipt.
    pub fn due_minor(&self) -> i64 {
        self.total_with_vat_minor() - self.paid_minor + self.rounding_minor
    }

    pub fn buyer_reference(&self) -> &str {
        self.meta
            .buyer_reference
            .as_deref()
            .unwrap_or(&self.receipt_id)
    }
}

/// Minor units as a decimal with two places: 1234 -> "12.34", -5 -> "-0.05".
pub fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

/// A rate as a percentage without trailing zeros: 2100 -> "21", 550 -> "5.5".
pub fn percent(rate: RateBp) -> String {
    let whole = rate / 100;
    match rate % 100 {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

#[cfg(test)]
pub(crate) mod tests;
