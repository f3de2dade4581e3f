//! Company invoices for the shopper's receipts (issue #12): the company details saved in the
//! device's profile (meta key `company`), and per receipt (tree `invoices`, by receipt id) the
//! request queued offline (pending), then the invoice the server issued (its number, date, UBL
//! and HTML, kept offline) or the refusal. The request, its record and its outbox item are
//! written in one transaction; the answer settles the record and removes the item in another.

use super::schema::KEY_OUTBOX_NEXT;
use super::{abort, get, tx_get, tx_get_u64, tx_put, values, Store, StoreError, Tree};
use crate::invoice::InvoiceParty;
pub use crate::invoice::{InvoiceRefusal, InvoiceStatus, StoredInvoice};
use crate::wallet::{self, OutboxItem, OutboxOperation};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Meta key: the shopper's company details for the next invoice.
pub(crate) const KEY_COMPANY: &[u8] = b"company";
/// Meta key: the company change made on this device that the server has not heard yet.
pub(crate) const KEY_COMPANY_UNSENT: &[u8] = b"company.unsent";

/// A change of the company details made on this device, waiting for the next sync: saved
/// details (`PUT /v1/me/company`) or, with `None`, forgotten ones (`DELETE /v1/me/company`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyChange {
    pub company: Option<InvoiceParty>,
}

/// An invoice the server issued, as it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedInvoice {
    pub number: String,
    pub issue_date: NaiveDate,
    pub buyer: InvoiceParty,
    pub lang: String,
    pub ubl: String,
    pub html: String,
}

/// The server's answer to an invoice request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvoiceVerdict {
    Issued(Box<IssuedInvoice>),
    Refused(InvoiceRefusal),
}

impl Store {
    /// The company details saved for the next invoice.
    pub fn company(&self) -> Result<Option<InvoiceParty>, StoreError> {
        self.with(|o| get(o.tree(Tree::Meta), KEY_COMPANY))
    }

    /// Saves (or with `None` forgets) the company details; the caller checked them. The
    /// change waits for the next sync to reach the member's other devices, in the same
    /// transaction.
    pub fn set_company(&self, company: Option<&InvoiceParty>) -> Result<(), StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| {
            match company {
                Some(c) => tx_put(&t[0], KEY_COMPANY, c)?,
                None => {
                    t[0].remove(KEY_COMPANY)?;
                }
            }
            let change = CompanyChange {
                company: company.cloned(),
            };
            tx_put(&t[0], KEY_COMPANY_UNSENT, &change)?;
            Ok(())
        })
    }

    /// The company change this device made that the server has not heard yet.
    pub fn company_unsent(&self) -> Result<Option<CompanyChange>, StoreError> {
        self.with(|o| get(o.tree(Tree::Meta), KEY_COMPANY_UNSENT))
    }

    /// The server heard `sent`: no longer waiting, unless the shopper changed it again since.
    pub fn company_sent(&self, sent: &CompanyChange) -> Result<(), StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| {
            if tx_get::<CompanyChange>(&t[0], KEY_COMPANY_UNSENT)?.as_ref() == Some(sent) {
                t[0].remove(KEY_COMPANY_UNSENT)?;
            }
            Ok(())
        })
    }

    /// The company the server holds (saved on another device, or by an invoice request),
    /// taken when this device has no change of its own waiting and holds other details.
    /// Returns whether the saved details changed.
    pub fn apply_server_company(&self, company: &InvoiceParty) -> Result<bool, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| {
            if tx_get::<CompanyChange>(&t[0], KEY_COMPANY_UNSENT)?.is_some()
                || tx_get::<InvoiceParty>(&t[0], KEY_COMPANY)?.as_ref() == Some(company)
            {
                return Ok(false);
            }
            tx_put(&t[0], KEY_COMPANY, company)?;
            Ok(true)
        })
    }

    pub fn invoice(&self, receipt_id: &str) -> Result<Option<StoredInvoice>, StoreError> {
        self.with(|o| get(o.tree(Tree::Invoices), receipt_id.as_bytes()))
    }

    /// Every invoice request, newest first.
    pub fn invoices(&self) -> Result<Vec<StoredInvoice>, StoreError> {
        let mut all: Vec<StoredInvoice> = self.with(|o| values(o.tree(Tree::Invoices).iter()))?;
        loyalty_domain::sort::sort_by(&mut all, |a, b| {
            b.requested_at
                .cmp(&a.requested_at)
                .then_with(|| a.receipt_id.cmp(&b.receipt_id))
        });
        Ok(all)
    }

    /// Queues an invoice request for `receipt_id` to `company` (checked by the caller): the
    /// pending record, the company saved for next time, and the outbox item, in one
    /// transaction. A receipt already invoiced, or with a request pending, is a conflict.
    pub fn begin_invoice(
        &self,
        receipt_id: &str,
        company: &InvoiceParty,
        lang: &str,
        now: DateTime<Utc>,
    ) -> Result<(StoredInvoice, OutboxItem), StoreError> {
        crate::check::non_empty("receipt id", receipt_id, 128)?;
        let key = wallet::new_idempotency_key();
        let _w = self.writer();
        self.transact(&[Tree::Meta, Tree::Outbox, Tree::Invoices], |t| {
            let (meta, outbox, invoices) = (&t[0], &t[1], &t[2]);
            if let Some(old) = tx_get::<StoredInvoice>(invoices, receipt_id.as_bytes())? {
                match old.status {
                    InvoiceStatus::Pending => {
                        return abort(StoreError::Conflict(
                            "an invoice for this receipt is already requested".into(),
                        ))
                    }
                    InvoiceStatus::Issued => {
                        return abort(StoreError::Conflict(
                            "this receipt is already invoiced".into(),
                        ))
                    }
                    InvoiceStatus::Refused => {}
                }
            }
            let record = StoredInvoice {
                receipt_id: receipt_id.to_string(),
                status: InvoiceStatus::Pending,
                requested_at: now,
                buyer: company.clone(),
                lang: lang.to_string(),
                refusal: None,
                number: None,
                issue_date: None,
                ubl: None,
                html: None,
            };
            let seq = tx_get_u64(meta, KEY_OUTBOX_NEXT)?.max(1);
            let item = OutboxItem {
                seq,
                idempotency_key: key.clone(),
                operation: OutboxOperation::RequestInvoice {
                    receipt_id: receipt_id.to_string(),
                    company: Box::new(company.clone()),
                    lang: lang.to_string(),
                },
                created_at: now,
                attempts: 0,
            };
            tx_put(outbox, &seq.to_be_bytes(), &item)?;
            meta.insert(KEY_OUTBOX_NEXT, &(seq + 1).to_be_bytes())?;
            tx_put(meta, KEY_COMPANY, company)?;
            tx_put(invoices, receipt_id.as_bytes(), &record)?;
            Ok((record, item))
        })
    }

    /// The server answered an invoice request: its record settles and the outbox item goes, in
    /// one transaction. `None` when the item was already resolved; else the record as it stands.
    pub fn resolve_invoice(
        &self,
        item_seq: u64,
        verdict: &InvoiceVerdict,
    ) -> Result<Option<StoredInvoice>, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Outbox, Tree::Invoices], |t| {
            let (outbox, invoices) = (&t[0], &t[1]);
            let Some(item) = tx_get::<OutboxItem>(outbox, &item_seq.to_be_bytes())? else {
                return Ok(None);
            };
            outbox.remove(&item_seq.to_be_bytes())?;
            let OutboxOperation::RequestInvoice {
                receipt_id,
                company,
                lang,
            } = item.operation
            else {
                return abort(StoreError::Corrupt(
                    "an outbox item is not the invoice request it was sent as".into(),
                ));
            };
            let mut record = tx_get::<StoredInvoice>(invoices, receipt_id.as_bytes())?
                .unwrap_or_else(|| StoredInvoice {
                    receipt_id: receipt_id.clone(),
                    status: InvoiceStatus::Pending,
                    requested_at: item.created_at,
                    buyer: *company,
                    lang,
                    refusal: None,
                    number: None,
                    issue_date: None,
                    ubl: None,
                    html: None,
                });
            match verdict {
                InvoiceVerdict::Issued(issued) => {
                    record.status = InvoiceStatus::Issued;
                    record.refusal = None;
                    record.number = Some(issued.number.clone());
                    record.issue_date = Some(issued.issue_date);
                    record.buyer = issued.buyer.clone();
                    record.lang = issued.lang.clone();
                    record.ubl = Some(issued.ubl.clone());
                    record.html = Some(issued.html.clone());
                }
                InvoiceVerdict::Refused(r) => {
                    record.status = InvoiceStatus::Refused;
                    record.refusal = Some(*r);
                }
            }
            tx_put(invoices, receipt_id.as_bytes(), &record)?;
            Ok(Some(record))
        })
    }
}
