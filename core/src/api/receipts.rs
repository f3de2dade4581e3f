//! Digital receipts: purchase history and proof of purchase.

use super::error::ApiResult;
use super::watch;
use crate::check::InputError;
pub use crate::claim::ClaimScan;
use crate::claim::{verify_claim_code, ClaimRefusal, ReceiptClaim};
use crate::context::Context;
use crate::invoice::company::PartyError;
use crate::invoice::InvoiceParty;
use crate::log::{log_at, LogLevel};
use crate::points::PointsError;
pub use crate::receipts::WarrantyItem;
use crate::receipts::{active_warranties, validate_gtin, Receipt, ReceiptError};
use crate::runtime::TaskHandle;
use crate::store::Topic;
use crate::store::{StoreError, StoredInvoice};
use crate::wallet::WalletError;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Digital receipts: purchase history and proof of purchase.
#[derive(Clone)]
pub struct ReceiptsApi {
    pub(super) ctx: Arc<Context>,
}

/// A company checked by the invoice rules, as the server checks a buyer: fields trimmed, the
/// country upper case, the VAT number normalised, its prefix the company's country. Reasons
/// name the field and the rule, never the value.
fn checked_company(c: InvoiceParty) -> Result<InvoiceParty, InputError> {
    let c = InvoiceParty {
        name: c.name.trim().to_string(),
        street: c.street.trim().to_string(),
        city: c.city.trim().to_string(),
        postal_code: c.postal_code.trim().to_string(),
        country: c.country.trim().to_ascii_uppercase(),
        vat_id: c.vat_id,
    };
    let vat = c.validate().map_err(|e| match e {
        PartyError::Input(e) => InputError::new(format!("company {}", e.reason)),
        PartyError::Vat(e) => InputError::new(format!("company {e}")),
    })?;
    if vat.country().code() != c.country {
        return Err(InputError::new(
            "company VAT number's country prefix differs from the company's country",
        ));
    }
    Ok(InvoiceParty {
        vat_id: vat.as_str().to_string(),
        ..c
    })
}

impl ReceiptsApi {
    /// Calls `listener` with every receipt (as [`ReceiptsApi::all`]) now, then after each change
    /// (a receipt added here or by a sync), until the handle is dropped or the client is closed.
    /// Called like the balance listener ([`PointsApi::add_listener`](super::PointsApi::add_listener)).
    pub fn add_listener(
        &self,
        listener: Box<dyn Fn(Vec<Receipt>) + Send + Sync>,
    ) -> ApiResult<TaskHandle> {
        watch(&self.ctx, Topic::Receipts, |c| c.store.receipts(), listener)
    }

    /// Stores a receipt; `false` when the same receipt was already stored. What it bought
    /// leaves the shopping list (see [`crate::list`]).
    pub fn add(&self, receipt: Receipt) -> ApiResult<bool> {
        // The index's lock is held across the store's write, so a reader (a plan, the list's
        // usual items) never sees the receipt stored but not indexed.
        let mut index = self
            .ctx
            .reminder_index
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let added = self.ctx.store.add_receipt(&receipt)?;
        if added {
            if let Some(index) = index.as_mut() {
                index.insert(&receipt);
            }
        }
        Ok(added)
    }

    /// Claims a receipt sold without the card, from the text of the QR code the till showed or
    /// printed. Verified offline with the retailer's key ([`WalletApi::set_retailer_key`](super::WalletApi::set_retailer_key)):
    /// forged or altered, another retailer's, expired, dated in the future and garbage codes are
    /// [`ClaimScan::Refused`] with their reason, and so is a receipt this device already holds
    /// or claimed (a replay). Otherwise the claim, its pending points and its outbox item are
    /// stored in one transaction and the claim is [`ClaimScan::Queued`]; `claims()` lists it at
    /// once. Without the retailer's key nothing can be verified: `InvalidInput`.
    pub fn claim(&self, text: &str) -> ApiResult<ClaimScan> {
        let key = self
            .ctx
            .store
            .retailer_voucher_key()?
            .ok_or(WalletError::NoRetailerKey)?;
        let now = self.ctx.now();
        let code = match verify_claim_code(text, &key, now) {
            Ok(code) => code,
            Err(r) => {
                log_at!(
                    LogLevel::Info,
                    "receipts",
                    "a receipt claim code was refused: {}",
                    r.as_str()
                );
                return Ok(ClaimScan::Refused { refusal: r });
            }
        };
        match self.ctx.store.begin_receipt_claim(&code, text.trim(), now) {
            Ok((claim, _)) => {
                log_at!(LogLevel::Info, "receipts", "a receipt claim was queued");
                Ok(ClaimScan::Queued { claim })
            }
            Err(StoreError::Points(PointsError::AlreadyClaimed)) => {
                log_at!(
                    LogLevel::Info,
                    "receipts",
                    "a receipt claim code was refused: already_claimed"
                );
                Ok(ClaimScan::Refused {
                    refusal: ClaimRefusal::AlreadyClaimed,
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The company details saved for invoices (by [`ReceiptsApi::set_company`] or the last
    /// [`ReceiptsApi::request_invoice`] that named one); kept on this device only.
    pub fn company(&self) -> ApiResult<Option<InvoiceParty>> {
        Ok(self.ctx.store.company()?)
    }

    /// Saves the company details for the next invoices, checked offline by the invoice rules
    /// (every field, the VAT number's format and check digits, its prefix the company's
    /// country); `None` forgets them. A refusal is `InvalidInput` whose reason names the field
    /// and the rule, never the value.
    pub fn set_company(&self, company: Option<InvoiceParty>) -> ApiResult<()> {
        let company = company.map(checked_company).transpose()?;
        self.ctx.store.set_company(company.as_ref())?;
        log_at!(
            LogLevel::Info,
            "receipts",
            "the invoice company details were saved"
        );
        Ok(())
    }

    /// Asks for a company invoice for the receipt `receipt_id` (one of the member's receipts),
    /// to `company` or, when `None`, the saved company ([`ReceiptsApi::company`]); its readable
    /// copy in `lang` (`nl`, `fr` or `en`). Checked offline first (`InvalidInput`, nothing
    /// queued: no company, a bad field or VAT number, another language); then the company is
    /// saved for next time and the request is queued in the outbox with its own idempotency
    /// key, in one transaction. [`ReceiptsApi::invoice`] shows it pending at once; the next
    /// sync gets the invoice (kept offline) or a refusal (a sync notice). A receipt already
    /// invoiced, or with a request pending, is `Conflict` and nothing is queued.
    pub fn request_invoice(
        &self,
        receipt_id: &str,
        company: Option<InvoiceParty>,
        lang: &str,
    ) -> ApiResult<StoredInvoice> {
        crate::check::non_empty("receipt id", receipt_id, 128)?;
        if !matches!(lang, "nl" | "fr" | "en") {
            return Err(InputError::new("invoice language must be nl, fr or en").into());
        }
        let company = match company {
            Some(c) => c,
            None => self.ctx.store.company()?.ok_or_else(|| {
                InputError::new("no company details are saved: give the company to invoice")
            })?,
        };
        let company = checked_company(company)?;
        let (record, _) =
            self.ctx
                .store
                .begin_invoice(receipt_id, &company, lang, self.ctx.now())?;
        log_at!(LogLevel::Info, "receipts", "an invoice request was queued");
        Ok(record)
    }

    /// The invoice for the receipt `receipt_id` as this device keeps it: pending while queued,
    /// issued (number, date, UBL and HTML, readable offline) or refused; `None` when none was
    /// asked.
    pub fn invoice(&self, receipt_id: &str) -> ApiResult<Option<StoredInvoice>> {
        Ok(self.ctx.store.invoice(receipt_id)?)
    }

    /// Every invoice request, newest first.
    pub fn invoices(&self) -> ApiResult<Vec<StoredInvoice>> {
        Ok(self.ctx.store.invoices()?)
    }

    /// Every receipt claimed by a scan, newest first: pending ones (shown at once, before the
    /// server answered), claimed ones and refused ones (with the reason, e.g. already claimed by
    /// another member). Their text for the shopper: [`ReceiptClaim::text`].
    pub fn claims(&self) -> ApiResult<Vec<ReceiptClaim>> {
        Ok(self.ctx.store.receipt_claims()?)
    }

    pub fn get(&self, id: &str) -> ApiResult<Receipt> {
        self.ctx
            .store
            .receipt(id)?
            .ok_or_else(|| ReceiptError::NotFound.into())
    }

    /// Every receipt, oldest first.
    pub fn all(&self) -> ApiResult<Vec<Receipt>> {
        Ok(self.ctx.store.receipts()?)
    }

    /// Receipts purchased from `from` (inclusive) to `to` (exclusive), oldest first.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> ApiResult<Vec<Receipt>> {
        if to < from {
            return Err(InputError::new("the period must not end before it starts").into());
        }
        Ok(self.ctx.store.receipts_between(from, to)?)
    }

    /// Receipts with a line of this GTIN, oldest first.
    pub fn with_gtin(&self, gtin: &str) -> ApiResult<Vec<Receipt>> {
        validate_gtin(gtin)?;
        Ok(self.ctx.store.receipts_with_gtin(gtin)?)
    }

    /// Receipts with a line in this category (case-insensitive), oldest first.
    pub fn in_category(&self, category: &str) -> ApiResult<Vec<Receipt>> {
        if category.trim().is_empty() {
            return Err(InputError::new("category must not be empty").into());
        }
        Ok(self.ctx.store.receipts_in_category(category)?)
    }

    /// Last moment the items of a receipt can be returned.
    pub fn return_until(&self, id: &str) -> ApiResult<DateTime<Utc>> {
        Ok(self
            .get(id)?
            .return_until(self.ctx.rules.return_window_days))
    }

    /// Receipts whose return window is still open, oldest first.
    pub fn open_for_return(&self) -> ApiResult<Vec<Receipt>> {
        let now = self.ctx.now();
        let days = self.ctx.rules.return_window_days;
        Ok(self
            .ctx
            .store
            .receipts()?
            .into_iter()
            .filter(|r| r.return_until(days) > now && r.purchased_at <= now)
            .collect())
    }

    /// The proof of line `line` (0-based) of the receipt `receipt_id`: the text of a QR code
    /// the store verifies offline with the retailer's key, showing that line's product, price
    /// (and offer discount), warranty, the store and the date — and nothing of the other
    /// lines. For a warranty claim or a return. Made offline from the retailer's seal, which
    /// every receipt from the retailer's server carries; when the retailer's key is known
    /// ([`WalletApi::set_retailer_key`](super::WalletApi::set_retailer_key)) the seal is
    /// checked first, so the phone never shows a proof the store would refuse. A receipt
    /// without a seal (added on this phone, or not synced yet), a seal that does not verify, or
    /// a line the receipt has not: `InvalidInput`; an unknown receipt: `NotFound`.
    pub fn line_proof(&self, receipt_id: &str, line: u32) -> ApiResult<String> {
        let receipt = self.get(receipt_id)?;
        if let Some(key) = self.ctx.store.retailer_voucher_key()? {
            if receipt.seal.is_some() {
                if let Err(r) = crate::proof::verify_seal(&receipt, &key) {
                    log_at!(
                        LogLevel::Warn,
                        "receipts",
                        "a receipt's seal does not verify: {}",
                        r.as_str()
                    );
                    return Err(InputError::new(
                        "this receipt's seal does not match the retailer's key: sync again",
                    )
                    .into());
                }
            }
        }
        Ok(crate::proof::line_proof(&receipt, line)?)
    }

    /// Items whose warranty still runs, soonest end first.
    pub fn active_warranties(&self) -> ApiResult<Vec<WarrantyItem>> {
        Ok(active_warranties(
            &self.ctx.store.receipts()?,
            self.ctx.now(),
        ))
    }
}
