//! The invoice as a UBL 2.1 Invoice following Peppol BIS Billing 3.0 (EN 16931 with the Peppol
//! rules), element order as the UBL 2.1 schema has it. Checked in CI by an independent validator
//! (tests/ubl/run.sh: phive with the OpenPeppol and CEN rules).

use super::company::InvoiceParty;
use super::xml::Xml;
use super::{
    decimal, percent, vat_category, Invoice, InvoiceError, InvoiceMeta, Seller, VatId, VatRates,
};
use crate::receipts::Receipt;

pub const CUSTOMIZATION_ID: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
pub const PROFILE_ID: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
/// UN/ECE Recommendation 20 "piece".
const UNIT: &str = "H87";
/// ISO 6523 ICD of GS1 GTINs, for the items' standard identifiers.
const GTIN_SCHEME: &str = "0160";

/// Builds the invoice of `receipt` and writes it as UBL (see [`Invoice::from_receipt`]).
pub fn invoice_ubl(
    seller: &Seller,
    buyer: &InvoiceParty,
    receipt: &Receipt,
    meta: &InvoiceMeta,
    rates: &VatRates,
) -> Result<String, InvoiceError> {
    Ok(to_ubl(&Invoice::from_receipt(
        seller, buyer, receipt, meta, rates,
    )?))
}

fn party(x: &mut Xml, p: &InvoiceParty, vat: &VatId) {
    let (scheme, endpoint) = InvoiceParty::endpoint(vat);
    x.open("cac:Party", &[]);
    x.leaf("cbc:EndpointID", &[("schemeID", scheme)], &endpoint);
    x.open("cac:PostalAddress", &[])
        .leaf("cbc:StreetName", &[], &p.street)
        .leaf("cbc:CityName", &[], &p.city)
        .leaf("cbc:PostalZone", &[], &p.postal_code)
        .open("cac:Country", &[])
        .leaf("cbc:IdentificationCode", &[], &p.country)
        .close()
        .close();
    x.open("cac:PartyTaxScheme", &[])
        .leaf("cbc:CompanyID", &[], vat.as_str())
        .open("cac:TaxScheme", &[])
        .leaf("cbc:ID", &[], "VAT")
        .close()
        .close();
    x.open("cac:PartyLegalEntity", &[])
        .leaf("cbc:RegistrationName", &[], &p.name);
    if vat.country() == super::Country::Be {
        // The Belgian enterprise number is the legal registration id (BT-30 / BT-47).
        x.leaf("cbc:CompanyID", &[("schemeID", "0208")], vat.number());
    }
    x.close();
    x.close();
}

fn tax_category(x: &mut Xml, element: &'static str, rate: u32) {
    x.open(element, &[])
        .leaf("cbc:ID", &[], vat_category(rate))
        .leaf("cbc:Percent", &[], &percent(rate))
        .open("cac:TaxScheme", &[])
        .leaf("cbc:ID", &[], "VAT")
        .close()
        .close();
}

/// Writes a computed invoice as UBL.
pub fn to_ubl(inv: &Invoice) -> String {
    let cur = inv.currency.as_str();
    let amount = |x: &mut Xml, name: &str, minor: i64| {
        x.leaf(name, &[("currencyID", cur)], &decimal(minor));
    };
    let mut x = Xml::new();
    x.open(
        "Invoice",
        &[
            (
                "xmlns",
                "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
            ),
            (
                "xmlns:cac",
                "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
            ),
            (
                "xmlns:cbc",
                "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
            ),
        ],
    );
    x.leaf("cbc:CustomizationID", &[], CUSTOMIZATION_ID)
        .leaf("cbc:ProfileID", &[], PROFILE_ID)
        .leaf("cbc:ID", &[], &inv.meta.number)
        .leaf("cbc:IssueDate", &[], &inv.meta.issue_date.to_string())
        .leaf("cbc:InvoiceTypeCode", &[], "380")
        .leaf(
            "cbc:Note",
            &[],
            &format!(
                "Receipt {} of {} ({}), paid at the till.",
                inv.receipt_id, inv.purchase_date, inv.store_name
            ),
        )
        .leaf("cbc:DocumentCurrencyCode", &[], cur)
        .leaf("cbc:BuyerReference", &[], inv.buyer_reference());

    x.open("cac:AccountingSupplierParty", &[]);
    party(&mut x, &inv.seller, &inv.seller_vat);
    x.close();
    x.open("cac:AccountingCustomerParty", &[]);
    party(&mut x, &inv.buyer, &inv.buyer_vat);
    x.close();

    // The sale took place at the till: the delivery date (BT-72) is the purchase date.
    x.open("cac:Delivery", &[])
        .leaf(
            "cbc:ActualDeliveryDate",
            &[],
            &inv.purchase_date.to_string(),
        )
        .close();

    x.open("cac:TaxTotal", &[]);
    amount(&mut x, "cbc:TaxAmount", inv.tax_total_minor);
    for s in &inv.subtotals {
        x.open("cac:TaxSubtotal", &[]);
        amount(&mut x, "cbc:TaxableAmount", s.taxable_minor);
        amount(&mut x, "cbc:TaxAmount", s.tax_minor);
        tax_category(&mut x, "cac:TaxCategory", s.rate);
        x.close();
    }
    x.close();

    x.open("cac:LegalMonetaryTotal", &[]);
    amount(&mut x, "cbc:LineExtensionAmount", inv.net_total_minor);
    amount(&mut x, "cbc:TaxExclusiveAmount", inv.net_total_minor);
    amount(&mut x, "cbc:TaxInclusiveAmount", inv.total_with_vat_minor());
    amount(&mut x, "cbc:PrepaidAmount", inv.paid_minor);
    if inv.rounding_minor != 0 {
        amount(&mut x, "cbc:PayableRoundingAmount", inv.rounding_minor);
    }
    amount(&mut x, "cbc:PayableAmount", inv.due_minor());
    x.close();

    for (i, l) in inv.lines.iter().enumerate() {
        let qty = l.quantity.to_string();
        x.open("cac:InvoiceLine", &[])
            .leaf("cbc:ID", &[], &(i + 1).to_string())
            .leaf("cbc:InvoicedQuantity", &[("unitCode", UNIT)], &qty);
        amount(&mut x, "cbc:LineExtensionAmount", l.net_minor);
        if l.allowance_minor > 0 {
            // The offer's discount as a line allowance (BG-27), UNCL5189 95 "Discount".
            x.open("cac:AllowanceCharge", &[])
                .leaf("cbc:ChargeIndicator", &[], "false")
                .leaf("cbc:AllowanceChargeReasonCode", &[], "95")
                .leaf(
                    "cbc:AllowanceChargeReason",
                    &[],
                    l.discount_title.as_ref().map_or("Offer", |t| t.en.as_str()),
                );
            amount(&mut x, "cbc:Amount", l.allowance_minor);
            x.close();
        }
        x.open("cac:Item", &[]).leaf("cbc:Name", &[], &l.name);
        x.open("cac:StandardItemIdentification", &[])
            .leaf("cbc:ID", &[("schemeID", GTIN_SCHEME)], &l.gtin)
            .close();
        tax_category(&mut x, "cac:ClassifiedTaxCategory", l.rate);
        x.close();
        // The net price of one unit when it is a whole number of cents; otherwise the price of
        // the whole quantity (base quantity = quantity), so quantity × price / base quantity is
        // the line net amount exactly (PEPPOL-EN16931-R120), with no sub-cent prices.
        // The price is before the line allowance: quantity × price / base quantity − allowance
        // is the line net amount.
        let priced = l.net_minor + l.allowance_minor;
        x.open("cac:Price", &[]);
        if priced % l.quantity == 0 {
            amount(&mut x, "cbc:PriceAmount", priced / l.quantity);
        } else {
            amount(&mut x, "cbc:PriceAmount", priced);
            x.leaf("cbc:BaseQuantity", &[("unitCode", UNIT)], &qty);
        }
        x.close();
        x.close();
    }
    x.finish()
}
