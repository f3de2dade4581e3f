//! The `invoices`, `invoice_numbers` and `member_companies` tables (schema v7): company invoices
//! for a member's receipts, issued once per receipt, numbered without gaps, and the company
//! details the member saved or last used.

use super::idempotency::answer;
use super::members::require_member;
use super::Store;
use super::{decode_err, fmt_time, parse_time};
use crate::error::{ApiError, ApiResult};
use crate::invoicing::{brussels_date, brussels_offset_minutes};
use crate::model::{Company, IssuedInvoice};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use loyalty_domain::invoice::company::PartyError;
use loyalty_domain::invoice::html::to_html;
use loyalty_domain::invoice::ubl::to_ubl;
use loyalty_domain::invoice::{
    Invoice, InvoiceError, InvoiceMeta, InvoiceParty, Seller, VatId, VatRates,
};
use loyalty_domain::receipts::Receipt;
use loyalty_domain::reminders::Lang;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

impl Store {
    /// The member's invoice of `receipt_id`, if one was issued.
    pub fn invoice_of(
        &self,
        member_id: &str,
        receipt_id: &str,
    ) -> ApiResult<Option<IssuedInvoice>> {
        find_invoice(&self.conn, member_id, receipt_id)
    }

    /// Every invoice issued for the member's receipts, in number order.
    pub fn invoices_of(&self, member_id: &str) -> ApiResult<Vec<IssuedInvoice>> {
        let mut stmt = self
            .conn
            .prepare("SELECT receipt_id FROM invoices WHERE member_id = ?1 ORDER BY id")?;
        let receipts = stmt
            .query_map([member_id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        receipts
            .iter()
            .filter_map(|r| find_invoice(&self.conn, member_id, r).transpose())
            .collect()
    }

    /// The member's saved company details.
    pub fn company_of(&self, member_id: &str) -> ApiResult<Option<Company>> {
        saved_company(&self.conn, member_id)
    }
}

/// What the server issues invoices with: the retailer's legal details and the VAT rates.
#[derive(Debug, Clone)]
pub struct Invoicing {
    pub seller: Seller,
    pub rates: VatRates,
}

fn party(c: &Company) -> InvoiceParty {
    InvoiceParty {
        name: c.name.clone(),
        street: c.street.clone(),
        city: c.city.clone(),
        postal_code: c.postal_code.clone(),
        country: c.country.clone(),
        vat_id: c.vat_id.clone(),
    }
}

/// Checks a company and returns it normalised: fields trimmed, the country upper case, the VAT
/// number without separators. A bad VAT number is `invalid_vat_number`; reasons name the field
/// and the rule, never the value.
pub fn checked_company(c: Company) -> ApiResult<Company> {
    let c = Company {
        name: c.name.trim().to_string(),
        street: c.street.trim().to_string(),
        city: c.city.trim().to_string(),
        postal_code: c.postal_code.trim().to_string(),
        country: c.country.trim().to_ascii_uppercase(),
        vat_id: c.vat_id,
    };
    let vat: VatId = party(&c).validate().map_err(|e| match e {
        PartyError::Input(e) => ApiError::InvalidInput(format!("company {}", e.reason)),
        PartyError::Vat(e) => ApiError::InvalidVatNumber(e.to_string()),
    })?;
    if vat.country().code() != c.country {
        return Err(ApiError::InvalidVatNumber(
            "the VAT number's country prefix differs from the company's country".into(),
        ));
    }
    Ok(Company {
        vat_id: vat.as_str().to_string(),
        ..c
    })
}

/// `nl` (default), `fr` or `en`.
pub fn parse_lang(lang: Option<&str>) -> ApiResult<Lang> {
    match lang {
        None | Some("nl") => Ok(Lang::Nl),
        Some("fr") => Ok(Lang::Fr),
        Some("en") => Ok(Lang::En),
        Some(_) => Err(ApiError::invalid("lang must be nl, fr or en")),
    }
}

pub fn saved_company(tx: &Connection, member_id: &str) -> ApiResult<Option<Company>> {
    let body: Option<String> = tx
        .query_row(
            "SELECT body FROM member_companies WHERE member_id = ?1",
            [member_id],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(decode_err("company")))
        .transpose()
}

fn store_company(
    tx: &Transaction<'_>,
    member_id: &str,
    company: &Company,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let body = serde_json::to_string(company)
        .map_err(|_| ApiError::Internal("company could not be encoded".into()))?;
    tx.execute(
        "INSERT INTO member_companies (member_id, body, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (member_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        params![member_id, body, fmt_time(now)],
    )?;
    Ok(())
}

/// `PUT /v1/me/company`: saves the (checked) company for the member's next invoices.
pub fn put_company(
    tx: &Transaction<'_>,
    member_id: &str,
    company: Company,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    require_member(tx, member_id)?;
    store_company(tx, member_id, &company, now)?;
    answer(200, &company)
}

/// `DELETE /v1/me/company`: forgets the member's company details (invoices already issued keep
/// their buyer). Forgetting details that are not saved is harmless: 204 either way.
pub fn delete_company(tx: &Transaction<'_>, member_id: &str) -> ApiResult<()> {
    require_member(tx, member_id)?;
    tx.execute(
        "DELETE FROM member_companies WHERE member_id = ?1",
        [member_id],
    )?;
    Ok(())
}

/// The member's invoice of a receipt, if one was issued.
pub fn find_invoice(
    tx: &Connection,
    member_id: &str,
    receipt_id: &str,
) -> ApiResult<Option<IssuedInvoice>> {
    let row: Option<(String, String, String, String, String, String, String)> = tx
        .query_row(
            "SELECT id, buyer, lang, ubl, html, issue_date, issued_at FROM invoices
             WHERE receipt_id = ?1 AND member_id = ?2",
            params![receipt_id, member_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .optional()?;
    let Some((number, buyer, lang, ubl, html, issue_date, issued_at)) = row else {
        return Ok(None);
    };
    Ok(Some(IssuedInvoice {
        number,
        receipt_id: receipt_id.to_string(),
        issue_date: NaiveDate::parse_from_str(&issue_date, "%Y-%m-%d")
            .map_err(decode_err("invoice date"))?,
        issued_at: parse_time(&issued_at)
            .ok_or_else(|| ApiError::Internal("stored invoice time could not be read".into()))?,
        buyer: serde_json::from_str(&buyer).map_err(decode_err("invoice buyer"))?,
        lang,
        ubl,
        html,
    }))
}

/// The next number of `year`'s sequence, `YYYY-NNNNNN`. Taken in the caller's transaction: if
/// the invoice is not stored, the number is not used either (no gaps).
fn next_number(tx: &Transaction<'_>, year: i32) -> ApiResult<String> {
    let n: i64 = tx.query_row(
        "INSERT INTO invoice_numbers (year, last) VALUES (?1, 1)
         ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last",
        [year],
        |r| r.get(0),
    )?;
    Ok(format!("{year:04}-{n:06}"))
}

fn invoice_error(e: InvoiceError) -> ApiError {
    match e {
        InvoiceError::Invalid(e) => ApiError::InvalidInput(e.reason),
        InvoiceError::Vat {
            party: "buyer",
            source,
        } => ApiError::InvalidVatNumber(source.to_string()),
        InvoiceError::Vat { .. } => {
            ApiError::Internal("the configured seller's VAT number does not validate".into())
        }
    }
}

/// `POST /v1/receipts/{receipt_id}/invoice`: issues the invoice of one of the member's receipts
/// to `company` (or the saved company), once per receipt. The same buyer again gets the stored
/// invoice (200); another buyer is a conflict. The buyer is saved as the member's company.
pub fn issue_invoice(
    tx: &Transaction<'_>,
    member_id: &str,
    receipt_id: &str,
    company: Option<Company>,
    lang: Lang,
    invoicing: &Invoicing,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    require_member(tx, member_id)?;
    let body: Option<String> = tx
        .query_row(
            "SELECT body FROM receipts WHERE id = ?1 AND member_id = ?2",
            params![receipt_id, member_id],
            |r| r.get(0),
        )
        .optional()?;
    let body = body.ok_or_else(|| ApiError::NotFound("no such receipt".into()))?;
    let existing = find_invoice(tx, member_id, receipt_id)?;
    let buyer = match (company, &existing) {
        (Some(c), _) => c,
        (None, Some(inv)) => return answer(200, inv),
        (None, None) => saved_company(tx, member_id)?.ok_or_else(|| {
            ApiError::invalid("company is required: this member has no saved company details")
        })?,
    };
    if let Some(inv) = existing {
        if inv.buyer != buyer {
            return Err(ApiError::Conflict(
                "this receipt was already invoiced to another company".into(),
            ));
        }
        return answer(200, &inv);
    }
    let receipt: Receipt = serde_json::from_str(&body).map_err(decode_err("receipt"))?;
    let issue_date = brussels_date(now);
    let meta = InvoiceMeta {
        number: next_number(tx, issue_date.year())?,
        issue_date,
        buyer_reference: None,
        utc_offset_minutes: brussels_offset_minutes(receipt.purchased_at),
    };
    let invoice = Invoice::from_receipt(
        &invoicing.seller,
        &party(&buyer),
        &receipt,
        &meta,
        &invoicing.rates,
    )
    .map_err(invoice_error)?;
    let issued = IssuedInvoice {
        number: meta.number.clone(),
        receipt_id: receipt.id.clone(),
        issue_date,
        issued_at: now,
        lang: lang.code().to_string(),
        ubl: to_ubl(&invoice),
        html: to_html(&invoice, lang),
        buyer,
    };
    let buyer_json = serde_json::to_string(&issued.buyer)
        .map_err(|_| ApiError::Internal("company could not be encoded".into()))?;
    tx.execute(
        "INSERT INTO invoices (id, receipt_id, member_id, buyer, lang, ubl, html, issue_date, issued_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            issued.number,
            issued.receipt_id,
            member_id,
            buyer_json,
            issued.lang,
            issued.ubl,
            issued.html,
            issue_date.format("%Y-%m-%d").to_string(),
            fmt_time(now)
        ],
    )?;
    store_company(tx, member_id, &issued.buyer, now)?;
    answer(201, &issued)
}
