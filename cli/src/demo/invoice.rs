//! Act 6b: a company invoice for the television's receipt: asked offline with the company's
//! details (the Belgian VAT number checked on the phone), issued by the retailer's server at the
//! next sync as a Peppol BIS Billing 3.0 UBL document with a readable copy, both kept offline.

use super::labels;
use super::Demo;
use crate::app::{CliError, CliResult};
use loyalty_core::invoice::InvoiceParty;
use serde_json::{json, Value};

impl Demo<'_> {
    /// The summary's `invoice`.
    pub(super) fn invoice(&self) -> CliResult<Value> {
        let lang = self.lang;
        let out = self.out;
        out.section(labels::invoice_section(lang))?;
        let receipts = self.client.receipts();
        let tv = receipts
            .active_warranties()?
            .into_iter()
            .next()
            .ok_or_else(|| CliError::other("the demo's television receipt is missing"))?;
        let company = InvoiceParty {
            name: "Voorbeeld BV".into(),
            street: "Kouter 1".into(),
            city: "Gent".into(),
            postal_code: "9000".into(),
            country: "BE".into(),
            // A valid Belgian enterprise number (mod-97), written as people type it.
            vat_id: "BE 0202.239.951".into(),
        };
        let pending = receipts.request_invoice(&tv.receipt_id, Some(company), self.lang.code())?;
        if pending.status != loyalty_core::store::InvoiceStatus::Pending {
            return Err(CliError::other("a new invoice request is not pending"));
        }
        out.line(labels::invoice_asked(lang, &tv.receipt_id))?;
        self.client.sync().sync_now_blocking()?;
        let issued = receipts
            .invoice(&tv.receipt_id)?
            .ok_or_else(|| CliError::other("the invoice request is missing"))?;
        let number = issued.number.clone().unwrap_or_default();
        let ubl = issued.ubl.as_deref().unwrap_or_default();
        out.line(labels::invoice_issued(
            lang,
            &number,
            &issued.issue_date.map(|d| d.to_string()).unwrap_or_default(),
            ubl.len(),
            issued.html.as_deref().map_or(0, str::len),
        ))?;
        Ok(
            json!({"invoice": {"receipt_id": tv.receipt_id, "status": issued.status,
                              "number": number,
                              "peppol": ubl.contains("urn:fdc:peppol.eu:2017:poacc:billing:3.0")}}),
        )
    }
}
