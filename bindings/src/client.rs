//! The exported objects: `LoyaltyClient` and its sub-APIs `Points`, `Wallet`, `Receipts`, and
//! the `Clock` the app may inject.

use crate::card::{Card, ForeignSecrets, SecretStore};
use crate::error::Result;
use crate::reminders::Reminders;
use crate::sync::{ListenerHandle, SyncService};
use crate::types::*;
use loyalty_core as core;
use std::sync::Arc;
use std::time::SystemTime;

/// A source of the current time, implemented by the app (tests, a server-synchronised clock).
///
/// Called on the thread that calls into the core, often while the core holds its store lock:
/// the implementation must return quickly and must not call back into Loyalty Core.
#[uniffi::export(with_foreign)]
pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// Adapts a foreign clock to the core's. A time the core cannot represent falls back to the
/// system clock rather than failing every call.
struct ForeignClock(Arc<dyn Clock>);

impl core::Clock for ForeignClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        utc(self.0.now()).unwrap_or_else(|_| chrono::Utc::now())
    }
}

/// The loyalty core of one shopper on one device. Open one per data directory and keep it for
/// the app's lifetime; call `shutdown()` when done.
#[derive(uniffi::Object)]
pub struct LoyaltyClient {
    inner: core::LoyaltyClient,
}

#[uniffi::export]
impl LoyaltyClient {
    /// Opens (or creates) the shopper's data in `data_dir`. `clock`: `null` for the system clock.
    /// `secrets`: the platform keystore for the card secret (`null`: no card can be enrolled).
    #[uniffi::constructor]
    pub fn open(
        data_dir: String,
        rules: ProgrammeRules,
        clock: Option<Arc<dyn Clock>>,
        secrets: Option<Arc<dyn SecretStore>>,
    ) -> Result<Arc<Self>> {
        if data_dir.trim().is_empty() {
            return Err(crate::error::invalid("data directory must not be empty"));
        }
        let clock: Arc<dyn core::Clock> = match clock {
            Some(c) => Arc::new(ForeignClock(c)),
            None => Arc::new(core::SystemClock),
        };
        let secrets =
            secrets.map(|s| Arc::new(ForeignSecrets(s)) as Arc<dyn core::secrets::SecretStore>);
        let inner = core::LoyaltyClient::open(&data_dir, rules, clock, secrets)?;
        Ok(Arc::new(Self { inner }))
    }

    pub fn sync(&self) -> Arc<SyncService> {
        crate::sync::service(&self.inner)
    }

    pub fn reminders(&self) -> Arc<Reminders> {
        Arc::new(Reminders {
            api: self.inner.reminders(),
        })
    }

    /// The shopping list: usual items, the shopper's own items, checked off, bought.
    pub fn list(&self) -> Arc<crate::list::ShoppingList> {
        Arc::new(crate::list::ShoppingList {
            api: self.inner.list(),
        })
    }

    pub fn card(&self) -> Arc<Card> {
        Arc::new(Card {
            api: self.inner.card(),
        })
    }

    pub fn points(&self) -> Arc<Points> {
        Arc::new(Points {
            api: self.inner.points(),
        })
    }

    pub fn wallet(&self) -> Arc<Wallet> {
        Arc::new(Wallet {
            api: self.inner.wallet(),
        })
    }

    /// The member's offers: list, activate (offline), preview on a basket.
    pub fn offers(&self) -> Arc<crate::offers::Offers> {
        Arc::new(crate::offers::Offers {
            api: self.inner.offers(),
        })
    }

    /// The premium membership: status, renewal date, benefits (offline).
    pub fn membership(&self) -> Arc<crate::membership::PremiumMembership> {
        Arc::new(crate::membership::PremiumMembership {
            api: self.inner.membership(),
        })
    }

    /// Surveys and votes: list, answer (offline, once).
    pub fn surveys(&self) -> Arc<crate::surveys::Surveys> {
        Arc::new(crate::surveys::Surveys {
            api: self.inner.surveys(),
        })
    }

    pub fn receipts(&self) -> Arc<Receipts> {
        Arc::new(Receipts {
            api: self.inner.receipts(),
        })
    }

    /// The programme rules this client runs with.
    pub fn rules(&self) -> ProgrammeRules {
        self.inner.rules().clone()
    }

    /// Writes everything to disk now: call when the app goes to the background.
    pub fn flush(&self) -> Result<()> {
        self.inner.flush()
    }

    /// Flushes and closes the database; every later call fails with `Closed`.
    pub fn shutdown(&self) -> Result<()> {
        self.inner.close()
    }
}

/// Moves a damaged database in `data_dir` aside (kept for support) so a fresh one can be opened.
/// Returns the directory it was moved to.
#[uniffi::export]
pub fn quarantine_database(data_dir: String) -> Result<String> {
    let path = core::store::Store::quarantine(std::path::Path::new(&data_dir))
        .map_err(core::LoyaltyError::from)?;
    Ok(path.to_string_lossy().into_owned())
}

/// Points: ledger, balance, expiry and tier.
#[derive(uniffi::Object)]
pub struct Points {
    api: core::PointsApi,
}

/// Receives the balance now, then each new balance. Called on a core thread with no lock held,
/// one call at a time; rapid changes coalesce into the latest. Return promptly.
#[uniffi::export(with_foreign)]
pub trait BalanceListener: Send + Sync {
    fn on_balance(&self, balance: Balance);
}

/// Receives every voucher now, then after each change to the wallet (a voucher added, a
/// redemption begun or resolved, a sync). Called like `BalanceListener`.
#[uniffi::export(with_foreign)]
pub trait WalletListener: Send + Sync {
    fn on_wallet(&self, vouchers: Vec<Voucher>);
}

/// Receives every receipt now, then after each change (a receipt added, a sync). Called like
/// `BalanceListener`.
#[uniffi::export(with_foreign)]
pub trait ReceiptsListener: Send + Sync {
    fn on_receipts(&self, receipts: Vec<Receipt>);
}

#[uniffi::export]
impl Points {
    pub fn balance(&self) -> Result<Balance> {
        Ok(self.api.balance()?.into())
    }

    /// Registers a balance listener; keep the handle as long as it should be called.
    pub fn add_listener(&self, listener: Arc<dyn BalanceListener>) -> Result<Arc<ListenerHandle>> {
        let handle = self
            .api
            .add_listener(Box::new(move |b| listener.on_balance(b.into())))?;
        Ok(ListenerHandle::wrap(handle))
    }

    /// Points earned; `pending` when recorded offline, awaiting the server.
    pub fn earn(
        &self,
        points: i64,
        reference: Option<String>,
        description: Option<String>,
        pending: bool,
    ) -> Result<LedgerEntry> {
        self.api.earn(points, reference, description, pending)
    }

    /// Points spent (`points` > 0); fails with `Conflict` when not enough are available.
    pub fn redeem(
        &self,
        points: i64,
        reference: Option<String>,
        description: Option<String>,
        pending: bool,
    ) -> Result<LedgerEntry> {
        self.api.redeem(points, reference, description, pending)
    }

    /// A correction by the retailer, either sign.
    pub fn adjust(&self, points: i64, description: Option<String>) -> Result<LedgerEntry> {
        self.api.adjust(points, description)
    }

    /// Undoes a confirmed entry with a new entry.
    pub fn reverse(&self, seq: u64) -> Result<LedgerEntry> {
        self.api.reverse(seq)
    }

    /// The server confirmed (`true`) or rejected (`false`) a pending entry.
    pub fn settle(&self, seq: u64, confirmed: bool) -> Result<LedgerEntry> {
        self.api.settle(seq, confirmed)
    }

    pub fn entry(&self, seq: u64) -> Result<LedgerEntry> {
        self.api.entry(seq)
    }

    /// The whole ledger, oldest first.
    pub fn entries(&self) -> Result<Vec<LedgerEntry>> {
        self.api.entries()
    }

    /// What entry `seq` says to the shopper in `language` (a BCP 47 tag): a purchase names its
    /// store in that language, extra points name the offer; else the retailer's description
    /// (`null`: name the entry by its kind).
    pub fn describe(&self, seq: u64, language: String) -> Result<Option<String>> {
        self.api
            .describe(seq, loyalty_core::reminders::Lang::negotiate(&language))
    }

    /// The newest `limit` entries, newest first.
    pub fn recent(&self, limit: u32) -> Result<Vec<LedgerEntry>> {
        self.api.recent(limit)
    }

    /// Writes the expiry entries due now; returns them (empty when nothing is due). Once the
    /// device syncs with the retailer's server it writes none: the server's expiries arrive with
    /// the ledger (use `expiringWithin` to warn before points expire).
    pub fn expire_due(&self) -> Result<Vec<LedgerEntry>> {
        self.api.expire_due()
    }

    /// Points expiring within `days`, soonest first.
    pub fn expiring_within(&self, days: u32) -> Result<Vec<ExpiringPoints>> {
        self.api.expiring_within(days)
    }

    pub fn tier(&self) -> Result<TierStatus> {
        self.api.tier()
    }

    /// Points earned offline for a receipt (pending), claimed from the server at the next sync.
    pub fn earn_offline(
        &self,
        points: i64,
        receipt_id: String,
        description: Option<String>,
    ) -> Result<LedgerEntry> {
        self.api.earn_offline(points, &receipt_id, description)
    }

    /// Point claims waiting for the server, oldest first.
    pub fn pending_claims(&self) -> Result<Vec<OutboxItem>> {
        Ok(self
            .api
            .pending_claims()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Recomputes the balance from the ledger; `DatabaseCorrupt` if they disagree.
    pub fn verify(&self) -> Result<Balance> {
        Ok(self.api.verify()?.into())
    }
}

/// The wallet: vouchers and their offline redemption.
#[derive(uniffi::Object)]
pub struct Wallet {
    api: core::WalletApi,
}

#[uniffi::export]
impl Wallet {
    /// Registers a wallet listener; keep the handle as long as it should be called.
    pub fn add_listener(&self, listener: Arc<dyn WalletListener>) -> Result<Arc<ListenerHandle>> {
        let handle = self.api.add_listener(Box::new(move |all| {
            listener.on_wallet(all.into_iter().collect())
        }))?;
        Ok(ListenerHandle::wrap(handle))
    }

    /// Adds a voucher handed to the app or updates it with the retailer's newer version. Only
    /// vouchers whose code is signed with the retailer's key over their fields are taken
    /// (`InvalidInput` otherwise, and while no key is set): see `setRetailerKey`.
    pub fn add(&self, voucher: Voucher) -> Result<Voucher> {
        self.api.add(voucher)
    }

    /// Sets the retailer's Ed25519 public key for voucher codes (64 hex digits), kept on the
    /// device so vouchers are checked offline. Call it at start from the app's configuration.
    pub fn set_retailer_key(&self, public_key_hex: String) -> Result<()> {
        self.api.set_retailer_key(&public_key_hex)
    }

    /// The retailer's voucher key (64 upper-case hex digits), once set.
    pub fn retailer_key(&self) -> Result<Option<String>> {
        self.api.retailer_key()
    }

    pub fn get(&self, id: String) -> Result<Voucher> {
        self.api.get(&id)
    }

    /// Every voucher in any state (past its window reads as `Expired`).
    pub fn all(&self) -> Result<Vec<Voucher>> {
        Ok(self.api.all()?.into_iter().collect())
    }

    /// Vouchers that can be shown at the till now, soonest expiry first.
    pub fn usable_now(&self) -> Result<Vec<Voucher>> {
        Ok(self.api.usable_now()?.into_iter().collect())
    }

    /// Available vouchers whose window ends within `days`, soonest first.
    pub fn expiring_within(&self, days: u32) -> Result<Vec<Voucher>> {
        Ok(self.api.expiring_within(days)?.into_iter().collect())
    }

    /// Starts redeeming offline; the redemption is queued for the server.
    pub fn begin_redemption(&self, id: String) -> Result<Redemption> {
        let r = self.api.begin_redemption(&id)?;
        Ok(Redemption {
            voucher: r.voucher,
            outbox_item: r.outbox_item.into(),
        })
    }

    /// Applies the server's answer to a redemption in progress.
    pub fn complete_redemption(&self, id: String, outcome: RedemptionOutcome) -> Result<Voucher> {
        self.api.complete_redemption(&id, outcome)
    }

    /// The retailer withdrew an unused voucher.
    pub fn revoke(&self, id: String) -> Result<Voucher> {
        self.api.revoke(&id)
    }

    /// Redemptions waiting for the server, oldest first.
    pub fn pending_redemptions(&self) -> Result<Vec<OutboxItem>> {
        Ok(self
            .api
            .pending_redemptions()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Digital receipts.
#[derive(uniffi::Object)]
pub struct Receipts {
    api: core::ReceiptsApi,
}

fn receipts_out(rs: Vec<core::receipts::Receipt>) -> Vec<Receipt> {
    rs.into_iter().collect()
}

#[uniffi::export]
impl Receipts {
    /// Registers a receipts listener; keep the handle as long as it should be called.
    pub fn add_listener(&self, listener: Arc<dyn ReceiptsListener>) -> Result<Arc<ListenerHandle>> {
        let handle = self.api.add_listener(Box::new(move |all| {
            listener.on_receipts(all.into_iter().collect())
        }))?;
        Ok(ListenerHandle::wrap(handle))
    }

    /// Claims a receipt sold without the card from the scanned text of the till's claim QR
    /// code: verified offline with the retailer's key (`wallet().setRetailerKey`), then shown at
    /// once as pending (`claims()`) and queued for the next sync; refused offline with a typed
    /// reason (forged, altered, another retailer's, expired, already claimed, not a claim code).
    pub fn claim(&self, text: String) -> Result<ClaimScan> {
        self.api.claim(&text)
    }

    /// The proof of one line (0-based) of a receipt, for a warranty claim or a return: the text
    /// of a QR code to show at the store, which verifies it offline with the retailer's key
    /// (`verifyReceiptLineProof`) and sees that line's product, price, warranty, the store and
    /// the date — nothing of the other lines. Made offline from the retailer's seal (receipts
    /// synced from the retailer carry one). No seal, a seal the retailer's key does not
    /// verify, or no such line: `InvalidInput`; an unknown receipt: `NotFound`.
    pub fn line_proof(&self, receipt_id: String, line: u32) -> Result<String> {
        self.api.line_proof(&receipt_id, line)
    }

    /// Every receipt claimed by a scan, newest first: pending, claimed or refused.
    pub fn claims(&self) -> Result<Vec<ReceiptClaim>> {
        Ok(self.api.claims()?.into_iter().collect())
    }

    /// The company details saved for invoices (kept on this phone only), if any.
    pub fn company(&self) -> Result<Option<InvoiceParty>> {
        self.api.company()
    }

    /// Saves the company details for the next invoices, checked offline (every field, the VAT
    /// number's format and check digits, its prefix the company's country); `null` forgets
    /// them. A refusal is `InvalidInput` whose reason never repeats the values.
    pub fn set_company(&self, company: Option<InvoiceParty>) -> Result<()> {
        self.api.set_company(company)
    }

    /// Asks for a company invoice for one of the member's receipts, to `company` or (`null`)
    /// the saved one, its readable copy in `lang` (`nl`, `fr` or `en`): checked offline
    /// (`InvalidInput`, nothing queued), then queued for the next sync and shown pending at
    /// once. Already invoiced or pending: `Conflict`, nothing queued.
    pub fn request_invoice(
        &self,
        receipt_id: String,
        company: Option<InvoiceParty>,
        lang: String,
    ) -> Result<StoredInvoice> {
        self.api.request_invoice(&receipt_id, company, &lang)
    }

    /// The invoice for a receipt as this phone keeps it (pending, issued with its UBL and HTML,
    /// or refused); `null` when none was asked.
    pub fn invoice(&self, receipt_id: String) -> Result<Option<StoredInvoice>> {
        self.api.invoice(&receipt_id)
    }

    /// Every invoice request, newest first.
    pub fn invoices(&self) -> Result<Vec<StoredInvoice>> {
        self.api.invoices()
    }

    /// Stores a receipt; `false` when the same receipt was already stored.
    pub fn add(&self, receipt: Receipt) -> Result<bool> {
        self.api.add(receipt)
    }

    pub fn get(&self, id: String) -> Result<Receipt> {
        self.api.get(&id)
    }

    /// Every receipt, oldest first.
    pub fn all(&self) -> Result<Vec<Receipt>> {
        Ok(receipts_out(self.api.all()?))
    }

    /// Receipts purchased from `from` (inclusive) to `to` (exclusive).
    pub fn between(&self, from: SystemTime, to: SystemTime) -> Result<Vec<Receipt>> {
        Ok(receipts_out(self.api.between(utc(from)?, utc(to)?)?))
    }

    /// Receipts with a line of this GTIN.
    pub fn with_gtin(&self, gtin: String) -> Result<Vec<Receipt>> {
        Ok(receipts_out(self.api.with_gtin(&gtin)?))
    }

    /// Receipts with a line in this category (case-insensitive).
    pub fn in_category(&self, category: String) -> Result<Vec<Receipt>> {
        Ok(receipts_out(self.api.in_category(&category)?))
    }

    /// Last moment the receipt's items can be returned.
    pub fn return_until(&self, id: String) -> Result<SystemTime> {
        Ok(st(self.api.return_until(&id)?))
    }

    /// Receipts whose return window is open now.
    pub fn open_for_return(&self) -> Result<Vec<Receipt>> {
        Ok(receipts_out(self.api.open_for_return()?))
    }

    /// Items whose warranty still runs, soonest end first.
    pub fn active_warranties(&self) -> Result<Vec<WarrantyItem>> {
        self.api.active_warranties()
    }
}
