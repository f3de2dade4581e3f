//! An invoice request as the device keeps it (issue #12): queued offline (pending), then the
//! invoice the server issued (its number, date, UBL and HTML, kept offline) or the refusal. The
//! store (loyalty-core's `store/invoices.rs`) writes and settles these records.

use super::InvoiceParty;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Where an invoice request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Queued in the outbox: the next sync asks the server.
    Pending,
    /// The server issued the invoice: number, date, UBL and HTML are kept here.
    Issued,
    /// The server refused it (see [`InvoiceRefusal`]); it may be asked again.
    Refused,
}

/// Why the server refused an invoice request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum InvoiceRefusal {
    /// The receipt was already invoiced to another company (409).
    OtherCompany,
    /// Not one of the member's receipts, or unknown to the server (404).
    UnknownReceipt,
    /// The server did not accept the company details (400).
    InvalidCompany,
}

/// An invoice for one receipt as the device keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StoredInvoice {
    pub receipt_id: String,
    pub status: InvoiceStatus,
    /// When the shopper asked for it.
    pub requested_at: DateTime<Utc>,
    /// The company invoiced (as sent while pending; as the server wrote it once issued).
    pub buyer: InvoiceParty,
    /// Language of the readable copy: `nl`, `fr` or `en`.
    pub lang: String,
    /// Set when refused.
    #[serde(default)]
    pub refusal: Option<InvoiceRefusal>,
    /// The seller's invoice number (`YYYY-NNNNNN`), once issued.
    #[serde(default)]
    pub number: Option<String>,
    /// The invoice date, once issued (across the FFI: `YYYY-MM-DD`).
    #[serde(default)]
    pub issue_date: Option<NaiveDate>,
    /// The invoice as a UBL 2.1 document (Peppol BIS Billing 3.0), once issued.
    #[serde(default)]
    pub ubl: Option<String>,
    /// The same invoice as an HTML page in `lang`, once issued.
    #[serde(default)]
    pub html: Option<String>,
}
