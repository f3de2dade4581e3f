//! The public facade: one [`LoyaltyClient`] opened on a data directory with an injected clock,
//! and its sub-APIs [`PointsApi`], [`WalletApi`], [`ReceiptsApi`]. Every error is an [`ApiError`].

use crate::card::{self, ImportedCard, MemberCard, RotatingCode, TotpParams};
use crate::check::InputError;
use crate::clock::Clock;
pub use crate::context::CARD_SECRET_KEY;
use crate::context::{secret_store_failed, Context};
use crate::error::{ApiError, ApiResult};
use crate::formats::catima;
use crate::points::{
    self, Balance, EntryStatus, ExpiringPoints, LedgerEntry, NewEntry, ProgrammeRules, TierStatus,
};
use crate::receipts::{validate_gtin, Receipt, ReceiptError};
use crate::reminders::{
    self as engine, Catalogue, Delivered, Feedback, Plan, PlanInput, PushOutcome, ReceiptIndex,
    RuleSet, Settings,
};
use crate::render::{self, BarcodeMatrix, EcLevel, RenderOptions, Symbology};
use crate::runtime::TaskHandle;
use crate::secrets::SecretStore;
use crate::store::ReminderKey;
use crate::store::{Store, StoreError, Topic};
use crate::sync::{SyncApi, SyncService};
use crate::wallet::{OutboxItem, OutboxOperation, RedemptionOutcome, Voucher, WalletError};
use chrono::{DateTime, Utc};
use std::path::Path;
use std::sync::Arc;

/// The loyalty core of one shopper on one device.
#[derive(Clone)]
pub struct LoyaltyClient {
    ctx: Arc<Context>,
    sync: Arc<SyncService>,
}

impl std::fmt::Debug for LoyaltyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoyaltyClient").finish_non_exhaustive()
    }
}

impl LoyaltyClient {
    /// Opens (or creates) the shopper's data in `data_dir`. `secrets` holds the card secret
    /// (the platform keystore); without one, card enrolment is refused.
    pub fn open(
        data_dir: impl AsRef<Path>,
        rules: ProgrammeRules,
        clock: Arc<dyn Clock>,
        secrets: Option<Arc<dyn SecretStore>>,
    ) -> ApiResult<Self> {
        rules.validate()?;
        let store = Store::open(data_dir.as_ref())?;
        Ok(Self {
            ctx: Arc::new(Context::new(store, rules, clock, secrets)),
            sync: Arc::new(SyncService::new()),
        })
    }

    pub fn reminders(&self) -> RemindersApi {
        RemindersApi {
            ctx: self.ctx.clone(),
        }
    }

    pub fn card(&self) -> CardApi {
        CardApi {
            ctx: self.ctx.clone(),
        }
    }

    pub fn points(&self) -> PointsApi {
        PointsApi {
            ctx: self.ctx.clone(),
        }
    }

    pub fn wallet(&self) -> WalletApi {
        WalletApi {
            ctx: self.ctx.clone(),
        }
    }

    pub fn receipts(&self) -> ReceiptsApi {
        ReceiptsApi {
            ctx: self.ctx.clone(),
        }
    }

    /// Sync with the retailer's server: enrolment, `sync_now`, cancel, state listeners.
    pub fn sync(&self) -> SyncApi {
        SyncApi {
            ctx: self.ctx.clone(),
            service: self.sync.clone(),
        }
    }

    pub fn rules(&self) -> &ProgrammeRules {
        &self.ctx.rules
    }

    /// Writes everything to disk now (call when the app goes to the background).
    pub fn flush(&self) -> ApiResult<()> {
        Ok(self.ctx.store.flush()?)
    }

    /// Cancels syncs in flight, flushes and closes the database; every later call returns
    /// [`ApiError::Closed`].
    pub fn close(&self) -> ApiResult<()> {
        self.sync.cancel_all();
        Ok(self.ctx.store.close()?)
    }

    /// The underlying store, for tools and tests.
    pub fn store(&self) -> &Store {
        &self.ctx.store
    }
}

/// Points: the ledger, balance, expiry and tiers.
#[derive(Clone)]
pub struct PointsApi {
    ctx: Arc<Context>,
}

impl PointsApi {
    pub fn balance(&self) -> ApiResult<Balance> {
        Ok(self.ctx.store.balance()?)
    }

    /// Calls `listener` with the balance now, then with each new balance (a point earned or
    /// redeemed here, a sync, an expiry), until the handle is dropped or the client is closed.
    /// Called on a runtime thread with no lock held, one call at a time; rapid changes coalesce
    /// into the latest balance.
    pub fn add_listener(
        &self,
        listener: Box<dyn Fn(Balance) + Send + Sync>,
    ) -> ApiResult<TaskHandle> {
        watch(&self.ctx, Topic::Ledger, |c| c.store.balance(), listener)
    }

    /// On a device that syncs with the retailer's server the ledger is the server's: points are
    /// earned at the till (or claimed for a receipt with [`PointsApi::earn_offline`]) and spent
    /// on the server's side, and arrive with the ledger feed. A change recorded here would be
    /// confirmed on this device only, never sent, and never replaced by the server's ledger (the
    /// balance would drift for good), and the member API offers no way to grant or spend points
    /// (a shopper may not credit themselves). So it is refused with a conflict.
    fn refuse_if_synced(&self, what: &str) -> ApiResult<()> {
        if self.ctx.store.sync_account()?.is_some() {
            return Err(ApiError::Conflict {
                reason: format!(
                    "this device syncs with the retailer's server, which keeps the points: {what} \
                     is done at the till or by the retailer, and arrives with the next sync"
                ),
            });
        }
        Ok(())
    }

    /// Records points earned. `pending`: earned offline, awaiting the server. Only on a device
    /// that keeps its points alone (a conflict on one that syncs: see `refuse_if_synced`).
    pub fn earn(
        &self,
        points: i64,
        reference: Option<String>,
        description: Option<String>,
        pending: bool,
    ) -> ApiResult<LedgerEntry> {
        self.refuse_if_synced("earning points")?;
        self.append(NewEntry::earn(points, pending), reference, description)
    }

    /// Points earned offline for a purchase whose receipt the till handed to the app: a pending
    /// entry, and a claim queued for the server with its own idempotency key. The next sync
    /// settles the entry (confirmed once, or rejected); it is never counted twice, also when the
    /// till's own upload of the purchase reaches the server first. `receipt_id` is the receipt's
    /// id; a second claim for it is a conflict.
    pub fn earn_offline(
        &self,
        points: i64,
        receipt_id: &str,
        description: Option<String>,
    ) -> ApiResult<LedgerEntry> {
        let (entry, _) =
            self.ctx
                .store
                .begin_claim(points, receipt_id, description, self.ctx.now())?;
        Ok(entry)
    }

    /// Point claims waiting for the server, oldest first.
    pub fn pending_claims(&self) -> ApiResult<Vec<OutboxItem>> {
        Ok(self
            .ctx
            .store
            .outbox()?
            .into_iter()
            .filter(|i| matches!(i.operation, OutboxOperation::ClaimPoints { .. }))
            .collect())
    }

    /// Records points spent; fails with a conflict when not enough points are available.
    pub fn redeem(
        &self,
        points: i64,
        reference: Option<String>,
        description: Option<String>,
        pending: bool,
    ) -> ApiResult<LedgerEntry> {
        if points <= 0 {
            return Err(InputError::new("points spent must be positive").into());
        }
        self.refuse_if_synced("spending points")?;
        self.append(NewEntry::redeem(points, pending), reference, description)
    }

    /// A correction by the retailer, either sign.
    pub fn adjust(&self, points: i64, description: Option<String>) -> ApiResult<LedgerEntry> {
        self.refuse_if_synced("a correction")?;
        self.append(NewEntry::adjust(points), None, description)
    }

    fn append(
        &self,
        mut entry: NewEntry,
        reference: Option<String>,
        description: Option<String>,
    ) -> ApiResult<LedgerEntry> {
        entry.reference = reference;
        entry.description = description;
        let mut written = self
            .ctx
            .store
            .append_entries(std::slice::from_ref(&entry), self.ctx.now())?;
        written.pop().ok_or_else(|| ApiError::Internal {
            reason: "an append wrote nothing".into(),
        })
    }

    /// Appends the entry that undoes a confirmed entry (e.g. a returned purchase).
    pub fn reverse(&self, seq: u64) -> ApiResult<LedgerEntry> {
        self.refuse_if_synced("a reversal")?;
        Ok(self.ctx.store.reverse_entry(seq, self.ctx.now())?)
    }

    /// The server confirmed (`true`) or rejected (`false`) a pending entry.
    pub fn settle(&self, seq: u64, confirmed: bool) -> ApiResult<LedgerEntry> {
        self.refuse_if_synced("settling an entry")?;
        let verdict = if confirmed {
            EntryStatus::Confirmed
        } else {
            EntryStatus::Rejected
        };
        Ok(self.ctx.store.settle_entry(seq, verdict)?)
    }

    pub fn entry(&self, seq: u64) -> ApiResult<LedgerEntry> {
        self.ctx
            .store
            .ledger_entry(seq)?
            .ok_or_else(|| points::PointsError::EntryNotFound.into())
    }

    /// The whole ledger, oldest first.
    pub fn entries(&self) -> ApiResult<Vec<LedgerEntry>> {
        Ok(self.ctx.store.ledger_entries()?)
    }

    /// The newest `limit` entries, newest first.
    pub fn recent(&self, limit: u32) -> ApiResult<Vec<LedgerEntry>> {
        Ok(self.ctx.store.recent_entries(limit as usize)?)
    }

    /// Writes the expiry entries due now (oldest points first). Idempotent.
    ///
    /// Only on a device that keeps its points alone: once it syncs with the retailer's server,
    /// the server is the source of truth and its expiries arrive with the ledger, so this writes
    /// nothing (expiring the same points here too would take them off twice).
    /// [`PointsApi::expiring_within`] still warns before points expire.
    pub fn expire_due(&self) -> ApiResult<Vec<LedgerEntry>> {
        if self.ctx.store.sync_account()?.is_some() {
            return Ok(Vec::new());
        }
        let now = self.ctx.now();
        let rules = &self.ctx.rules;
        Ok(self
            .ctx
            .store
            .append_derived(now, |entries| points::due_expiries(entries, rules, now))?)
    }

    /// Points that will expire within `days`, soonest first.
    pub fn expiring_within(&self, days: u32) -> ApiResult<Vec<ExpiringPoints>> {
        let entries = self.ctx.store.ledger_entries()?;
        Ok(points::expiring_within(
            &entries,
            &self.ctx.rules,
            self.ctx.now(),
            days,
        ))
    }

    pub fn tier(&self) -> ApiResult<TierStatus> {
        let entries = self.ctx.store.ledger_entries()?;
        Ok(points::tier_status(
            &entries,
            &self.ctx.rules,
            self.ctx.now(),
        ))
    }

    /// Recomputes the balance from the ledger; an error if the materialised one disagrees.
    pub fn verify(&self) -> ApiResult<Balance> {
        Ok(self.ctx.store.verify_balance()?)
    }
}

/// The wallet: vouchers and offline redemption.
#[derive(Clone)]
pub struct WalletApi {
    ctx: Arc<Context>,
}

/// A redemption started on the device: show `code` at the till.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    pub voucher: Voucher,
    pub outbox_item: OutboxItem,
}

impl WalletApi {
    /// As the shopper sees it now (an available voucher past its window reads as expired).
    fn seen(&self, mut v: Voucher, now: DateTime<Utc>) -> Voucher {
        v.state = v.state_at(now);
        v
    }

    /// Adds a voucher handed to the app (a scanned flyer, a push, a file) or updates it with the
    /// retailer's newer version. Only the retailer's vouchers are taken: the code must be an
    /// `LCV1` code signed with the retailer's key ([`WalletApi::set_retailer_key`]) over exactly
    /// this voucher's fields; anything else is refused ([`WalletError::NotIssued`]), so a voucher
    /// the shopper typed in or altered is never listed as usable or shown at the till. Vouchers
    /// that come with the server's sync need no such check: the server issued them.
    pub fn add(&self, voucher: Voucher) -> ApiResult<Voucher> {
        voucher.validate()?;
        let key = self
            .ctx
            .store
            .retailer_voucher_key()?
            .ok_or(WalletError::NoRetailerKey)?;
        card::check_issued(&voucher, &key).map_err(|_| WalletError::NotIssued)?;
        let v = self.ctx.store.upsert_voucher(&voucher)?;
        Ok(self.seen(v, self.ctx.now()))
    }

    /// Sets the retailer's Ed25519 public key for voucher codes (64 hex digits, as
    /// `GET /v1/voucher-key` and the tills have it). The app sets it from its configuration at
    /// start; it is kept in the store, so vouchers can be checked offline.
    pub fn set_retailer_key(&self, public_key_hex: &str) -> ApiResult<()> {
        let key = card::parse_public_key_hex(public_key_hex)?;
        Ok(self.ctx.store.set_retailer_voucher_key(&key)?)
    }

    /// The retailer's voucher key as 64 upper-case hex digits, once set.
    pub fn retailer_key(&self) -> ApiResult<Option<String>> {
        Ok(self
            .ctx
            .store
            .retailer_voucher_key()?
            .map(|k| card::hex_encode(&k)))
    }

    pub fn get(&self, id: &str) -> ApiResult<Voucher> {
        let v = self
            .ctx
            .store
            .voucher(id)?
            .ok_or(ApiError::from(WalletError::NotFound))?;
        Ok(self.seen(v, self.ctx.now()))
    }

    /// Every voucher, in any state.
    pub fn all(&self) -> ApiResult<Vec<Voucher>> {
        let now = self.ctx.now();
        Ok(self
            .ctx
            .store
            .vouchers()?
            .into_iter()
            .map(|v| self.seen(v, now))
            .collect())
    }

    /// Calls `listener` with every voucher (as [`WalletApi::all`]) now, then after each change
    /// to the wallet (a voucher added, a redemption begun or resolved, a sync), until the handle
    /// is dropped or the client is closed. Called like the balance listener
    /// ([`PointsApi::add_listener`]). A voucher that merely expires with time is no change: read
    /// [`WalletApi::usable_now`] when the screen shows.
    pub fn add_listener(
        &self,
        listener: Box<dyn Fn(Vec<Voucher>) + Send + Sync>,
    ) -> ApiResult<TaskHandle> {
        watch(
            &self.ctx,
            Topic::Vouchers,
            |c| {
                let now = c.now();
                Ok(c.store
                    .vouchers()?
                    .into_iter()
                    .map(|mut v| {
                        v.state = v.state_at(now);
                        v
                    })
                    .collect())
            },
            listener,
        )
    }

    /// Vouchers that can be shown at the till now, soonest expiry first.
    pub fn usable_now(&self) -> ApiResult<Vec<Voucher>> {
        Ok(self.ctx.store.usable_vouchers(self.ctx.now())?)
    }

    /// Available vouchers whose window ends within `days`, soonest first.
    pub fn expiring_within(&self, days: u32) -> ApiResult<Vec<Voucher>> {
        Ok(self
            .ctx
            .store
            .vouchers_expiring_within(self.ctx.now(), days)?)
    }

    /// Starts redeeming offline: the voucher moves to Redeeming and the redemption is queued
    /// with an idempotency key for the server.
    pub fn begin_redemption(&self, id: &str) -> ApiResult<Redemption> {
        let (voucher, outbox_item) = self.ctx.store.begin_redemption(id, self.ctx.now())?;
        Ok(Redemption {
            voucher,
            outbox_item,
        })
    }

    /// Applies the server's answer to a redemption in progress.
    pub fn complete_redemption(&self, id: &str, outcome: RedemptionOutcome) -> ApiResult<Voucher> {
        let now = self.ctx.now();
        let v = self.ctx.store.complete_redemption(id, outcome, now)?;
        Ok(self.seen(v, now))
    }

    /// The retailer withdrew an unused voucher.
    pub fn revoke(&self, id: &str) -> ApiResult<Voucher> {
        let now = self.ctx.now();
        let v = self.ctx.store.revoke_voucher(id, now)?;
        Ok(self.seen(v, now))
    }

    /// Redemptions waiting for the server, oldest first.
    pub fn pending_redemptions(&self) -> ApiResult<Vec<OutboxItem>> {
        Ok(self
            .ctx
            .store
            .outbox()?
            .into_iter()
            .filter(|i| matches!(i.operation, OutboxOperation::RedeemVoucher { .. }))
            .collect())
    }
}

/// Digital receipts: purchase history and proof of purchase.
#[derive(Clone)]
pub struct ReceiptsApi {
    ctx: Arc<Context>,
}

/// An item still under warranty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarrantyItem {
    pub receipt_id: String,
    pub gtin: String,
    pub name: String,
    pub purchased_at: DateTime<Utc>,
    pub warranty_until: DateTime<Utc>,
}

impl ReceiptsApi {
    /// Calls `listener` with every receipt (as [`ReceiptsApi::all`]) now, then after each change
    /// (a receipt added here or by a sync), until the handle is dropped or the client is closed.
    /// Called like the balance listener ([`PointsApi::add_listener`]).
    pub fn add_listener(
        &self,
        listener: Box<dyn Fn(Vec<Receipt>) + Send + Sync>,
    ) -> ApiResult<TaskHandle> {
        watch(&self.ctx, Topic::Receipts, |c| c.store.receipts(), listener)
    }

    /// Stores a receipt; `false` when the same receipt was already stored.
    pub fn add(&self, receipt: Receipt) -> ApiResult<bool> {
        let added = self.ctx.store.add_receipt(&receipt)?;
        if added {
            let mut index = self
                .ctx
                .reminder_index
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(index) = index.as_mut() {
                index.insert(&receipt);
            }
        }
        Ok(added)
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

    /// Items whose warranty still runs, soonest end first.
    pub fn active_warranties(&self) -> ApiResult<Vec<WarrantyItem>> {
        let now = self.ctx.now();
        let mut out: Vec<WarrantyItem> = self
            .ctx
            .store
            .receipts()?
            .into_iter()
            .flat_map(|r| {
                r.lines
                    .iter()
                    .filter_map(|l| {
                        l.warranty_until(r.purchased_at).map(|until| WarrantyItem {
                            receipt_id: r.id.clone(),
                            gtin: l.gtin.clone(),
                            name: l.name.clone(),
                            purchased_at: r.purchased_at,
                            warranty_until: until,
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|w| w.warranty_until > now)
            .collect();
        out.sort_by_key(|w| w.warranty_until);
        Ok(out)
    }
}

/// The card at the till: the member card's static and rotating codes, and imported cards.
#[derive(Clone)]
pub struct CardApi {
    ctx: Arc<Context>,
}

/// Everything the till screen draws: the current code, its module matrix and an SVG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TillCard {
    pub code: RotatingCode,
    pub matrix: BarcodeMatrix,
    pub svg: String,
}

impl CardApi {
    /// Stores the member card issued at enrolment: its secret in the secret store, the rest in
    /// the database. Replaces an earlier card.
    pub fn enrol(
        &self,
        card_number: &str,
        secret: &[u8],
        params: TotpParams,
    ) -> ApiResult<MemberCard> {
        self.ctx.keep_member_card(card_number, secret, params)
    }

    /// The member card, if one is enrolled.
    pub fn member_card(&self) -> ApiResult<Option<MemberCard>> {
        Ok(self.ctx.store.member_card()?)
    }

    fn enrolled(&self) -> ApiResult<(MemberCard, Vec<u8>)> {
        let card = self.ctx.store.member_card()?.ok_or(ApiError::NotFound {
            reason: "no member card is enrolled".into(),
        })?;
        let secret = self
            .ctx
            .card_secrets()?
            .get(CARD_SECRET_KEY)
            .map_err(secret_store_failed)?
            .ok_or(ApiError::NotFound {
                reason: "the card secret is missing from secure storage: enrol the card again"
                    .into(),
            })?;
        Ok((card, secret))
    }

    /// The rotating code now: constant for one TOTP period, `valid_until` says when to redraw.
    pub fn rotating_code(&self) -> ApiResult<RotatingCode> {
        let (card, secret) = self.enrolled()?;
        Ok(card::rotating_code(
            &card.card_number,
            &secret,
            &card.params,
            self.ctx.now(),
        )?)
    }

    /// The card for the till in one call: the rotating code, its QR module matrix (for native
    /// drawing) and an SVG of it.
    pub fn till_card(&self, ec: EcLevel, options: &RenderOptions) -> ApiResult<TillCard> {
        let code = self.rotating_code()?;
        let matrix = render::encode(&code.payload, Symbology::QrCode, ec)?;
        let svg = render::to_svg(&matrix, options);
        Ok(TillCard { code, matrix, svg })
    }

    /// The static code (the card number) in a symbology, for tills that cannot verify
    /// rotating codes.
    pub fn static_code(&self, symbology: Symbology, ec: EcLevel) -> ApiResult<BarcodeMatrix> {
        let card = self.ctx.store.member_card()?.ok_or(ApiError::NotFound {
            reason: "no member card is enrolled".into(),
        })?;
        Ok(render::encode(
            &card::static_code(&card.card_number)?,
            symbology,
            ec,
        )?)
    }

    /// The member card as a Google Wallet `rotatingBarcode` (JSON), for the retailer's pass.
    pub fn google_rotating_barcode(&self) -> ApiResult<String> {
        let (card, secret) = self.enrolled()?;
        Ok(
            card::GoogleRotatingBarcode::for_card(&card.card_number, &secret, &card.params)?
                .to_json()?,
        )
    }

    /// Removes the member card and its secret.
    pub fn forget(&self) -> ApiResult<()> {
        self.ctx.store.remove_member_card()?;
        if let Some(secrets) = &self.ctx.secrets {
            secrets
                .delete(CARD_SECRET_KEY)
                .map_err(secret_store_failed)?;
        }
        Ok(())
    }

    /// Adds a third-party card or replaces the one with the same id.
    pub fn add_imported(&self, card: ImportedCard) -> ApiResult<ImportedCard> {
        self.ctx.store.put_imported_card(&card)?;
        Ok(card)
    }

    /// Adds or replaces several third-party cards in one write (all or none).
    pub fn add_imported_cards(&self, cards: &[ImportedCard]) -> ApiResult<()> {
        Ok(self.ctx.store.put_imported_cards(cards)?)
    }

    /// What importing a Catima export (CSV or `.zip` backup) would do next to the stored cards
    /// and the Catima `records` the caller keeps for them (see [`catima::plan_import`]); stores
    /// nothing.
    pub fn plan_catima_import(
        &self,
        bytes: &[u8],
        records: &[catima::CatimaCard],
    ) -> ApiResult<catima::ImportPlan> {
        let parsed = catima::parse(bytes).map_err(catima_invalid)?;
        let stored = self.ctx.store.imported_cards()?;
        catima::plan_import(parsed, &stored, records).map_err(catima_invalid)
    }

    /// Imports a Catima export: the same cards as stored ones are updated, other cards added
    /// (never replacing a stored card), in one write. Returns what it did, card by card; the
    /// caller keeps the plan's `record`s if it keeps Catima's full records.
    pub fn import_catima(
        &self,
        bytes: &[u8],
        records: &[catima::CatimaCard],
    ) -> ApiResult<catima::ImportPlan> {
        let plan = self.plan_catima_import(bytes, records)?;
        let changed: Vec<ImportedCard> = plan
            .cards
            .iter()
            .filter(|c| c.action != catima::ImportAction::Unchanged)
            .map(|c| c.card.clone())
            .collect();
        self.ctx.store.put_imported_cards(&changed)?;
        Ok(plan)
    }

    /// Imported cards, by id.
    pub fn imported(&self) -> ApiResult<Vec<ImportedCard>> {
        Ok(self.ctx.store.imported_cards()?)
    }

    /// Removes an imported card; `false` when there was none with this id.
    pub fn remove_imported(&self, id: &str) -> ApiResult<bool> {
        Ok(self.ctx.store.remove_imported_card(id)?)
    }

    /// An imported card's barcode in its own symbology.
    pub fn imported_code(&self, id: &str, ec: EcLevel) -> ApiResult<BarcodeMatrix> {
        let card = self
            .ctx
            .store
            .imported_card(id)?
            .ok_or(ApiError::NotFound {
                reason: "imported card not found".into(),
            })?;
        let symbology = card.symbology.ok_or(ApiError::InvalidInput {
            reason: "this card has no barcode".into(),
        })?;
        Ok(render::encode(card.barcode_text(), symbology, ec)?)
    }
}

/// Reminders: rules and catalogue (data from the server), the shopper's settings, the app's
/// context, feedback and delivered history, and the plan of local notifications.
#[derive(Clone)]
pub struct RemindersApi {
    ctx: Arc<Context>,
}

/// Received push messages kept for later plans, at most this many (oldest dropped first).
const MAX_KEPT_PUSHES: usize = 200;
/// Delivered history kept for caps and duplicates, at most this many entries.
const MAX_HISTORY: usize = 2_000;

impl RemindersApi {
    /// Replaces the reminder rules (versioned JSON, validated first).
    pub fn set_rules_json(&self, json: &str) -> ApiResult<()> {
        RuleSet::from_json(json)?;
        Ok(self
            .ctx
            .store
            .set_reminder_value(ReminderKey::Rules, &json.to_string())?)
    }

    /// Replaces the catalogue: recalls, recipes, post-purchase content (versioned JSON).
    pub fn set_catalogue_json(&self, json: &str) -> ApiResult<()> {
        Catalogue::from_json(json)?;
        Ok(self
            .ctx
            .store
            .set_reminder_value(ReminderKey::Catalogue, &json.to_string())?)
    }

    fn rules(&self) -> ApiResult<RuleSet> {
        match self
            .ctx
            .store
            .reminder_value::<String>(ReminderKey::Rules)?
        {
            Some(json) => Ok(RuleSet::from_json(&json)?),
            None => Ok(RuleSet::default()),
        }
    }

    fn catalogue(&self) -> ApiResult<Catalogue> {
        match self
            .ctx
            .store
            .reminder_value::<String>(ReminderKey::Catalogue)?
        {
            Some(json) => Ok(Catalogue::from_json(&json)?),
            None => Ok(Catalogue::default()),
        }
    }

    pub fn settings(&self) -> ApiResult<Settings> {
        Ok(self
            .ctx
            .store
            .reminder_value(ReminderKey::Settings)?
            .unwrap_or_default())
    }

    /// Replaces the settings. A change of consent is also queued for the retailer's server
    /// (the next sync sends it), in the same transaction.
    pub fn set_settings(&self, settings: Settings) -> ApiResult<()> {
        settings.validate()?;
        let json = |v: serde_json::Result<serde_json::Value>| {
            v.map_err(|_| ApiError::Internal {
                reason: "the settings could not be encoded".into(),
            })
        };
        let mut values = vec![(
            ReminderKey::Settings,
            json(serde_json::to_value(&settings))?,
        )];
        if self.settings()?.consent != settings.consent {
            values.push((
                ReminderKey::ConsentUnsent,
                json(serde_json::to_value(settings.consent))?,
            ));
        }
        Ok(self.ctx.store.set_reminder_values(&values)?)
    }

    pub fn context(&self) -> ApiResult<engine::Context> {
        Ok(self
            .ctx
            .store
            .reminder_value(ReminderKey::Context)?
            .unwrap_or_default())
    }

    /// What the app knows of the shopper's situation: UTC offset, forecast, other signals.
    pub fn set_context(&self, context: engine::Context) -> ApiResult<()> {
        context.validate()?;
        Ok(self
            .ctx
            .store
            .set_reminder_value(ReminderKey::Context, &context)?)
    }

    fn add_feedback(&self, feedback: Feedback) -> ApiResult<()> {
        self.ctx
            .store
            .update_reminder_value(ReminderKey::Feedback, |all: &mut Vec<Feedback>| {
                all.push(feedback.clone())
            })?;
        Ok(())
    }

    /// "Not interested": this notification is never planned again.
    pub fn dismiss(&self, id: &str) -> ApiResult<()> {
        non_empty_id(id)?;
        self.add_feedback(Feedback::Dismissed { id: id.into() })
    }

    /// "Remind me later": not before `until`.
    pub fn snooze(&self, id: &str, until: DateTime<Utc>) -> ApiResult<()> {
        non_empty_id(id)?;
        if until <= self.ctx.now() {
            return Err(InputError::new("snooze until a time in the future").into());
        }
        self.add_feedback(Feedback::Snoozed {
            id: id.into(),
            until,
        })
    }

    /// "Stop these": nothing from this rule any more (safety notices excepted).
    pub fn mute_rule(&self, rule_id: &str) -> ApiResult<()> {
        non_empty_id(rule_id)?;
        self.add_feedback(Feedback::MutedRule {
            rule_id: rule_id.into(),
        })
    }

    /// The app showed this notification now (counts for caps and is not planned again).
    pub fn mark_delivered(&self, notification: &engine::PlannedNotification) -> ApiResult<()> {
        let delivered = Delivered {
            id: notification.id.clone(),
            at: self.ctx.now(),
            category: notification.category,
        };
        self.ctx.store.update_reminder_value(
            ReminderKey::History,
            |all: &mut Vec<Delivered>| {
                all.push(delivered.clone());
                if all.len() > MAX_HISTORY {
                    let excess = all.len() - MAX_HISTORY;
                    all.drain(..excess);
                }
            },
        )?;
        Ok(())
    }

    /// The plan of local notifications now: replace everything scheduled before with it, and
    /// plan again at `recompute_at` or when receipts, vouchers, settings or context change.
    pub fn plan(&self) -> ApiResult<Plan> {
        self.with_input(|input, index| Ok(engine::plan_with_index(input, index)?))
    }

    /// Passes a push payload from the retailer through the same policy. A message to show is
    /// kept for later plans (so caps and duplicates count it).
    pub fn receive_push(&self, json: &str) -> ApiResult<PushOutcome> {
        let message = engine::parse_push(json)?;
        let outcome =
            self.with_input(|input, index| Ok(engine::evaluate_push(&message, input, index)?))?;
        if matches!(outcome, PushOutcome::Show(_)) {
            let raw = message.to_json();
            self.ctx.store.update_reminder_value(
                ReminderKey::Pushes,
                |all: &mut Vec<String>| {
                    all.push(raw.clone());
                    if all.len() > MAX_KEPT_PUSHES {
                        let excess = all.len() - MAX_KEPT_PUSHES;
                        all.drain(..excess);
                    }
                },
            )?;
        }
        Ok(outcome)
    }

    /// Gathers everything a plan depends on and runs `f` with the receipt index.
    fn with_input<T>(
        &self,
        f: impl FnOnce(&PlanInput<'_>, &ReceiptIndex) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let store = &self.ctx.store;
        let now = self.ctx.now();
        let rules = self.rules()?;
        let catalogue = self.catalogue()?;
        let settings = self.settings()?;
        let context = self.context()?;
        let feedback: Vec<Feedback> = store
            .reminder_value(ReminderKey::Feedback)?
            .unwrap_or_default();
        let history: Vec<Delivered> = store
            .reminder_value(ReminderKey::History)?
            .unwrap_or_default();
        let pushes = store
            .reminder_value::<Vec<String>>(ReminderKey::Pushes)?
            .unwrap_or_default()
            .iter()
            .filter_map(|raw| engine::parse_push(raw).ok())
            .collect::<Vec<_>>();
        let vouchers = store.vouchers()?;
        let entries = store.ledger_entries()?;
        let tier =
            (!entries.is_empty()).then(|| points::tier_status(&entries, &self.ctx.rules, now));
        let enrolled_at = store.member_card()?.map(|c| c.enrolled_at);
        let mut input = PlanInput::new(now, &rules, &catalogue, &settings, &context);
        input.vouchers = &vouchers;
        input.tier = tier.as_ref();
        input.enrolled_at = enrolled_at;
        input.feedback = &feedback;
        input.history = &history;
        input.pushes = &pushes;
        let mut index = self
            .ctx
            .reminder_index
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if index.is_none() {
            *index = Some(ReceiptIndex::from_receipts(&store.receipts()?));
        }
        let index = index.as_ref().ok_or_else(|| ApiError::Internal {
            reason: "the receipt index was not built".into(),
        })?;
        f(&input, index)
    }
}

fn non_empty_id(id: &str) -> ApiResult<()> {
    if id.trim().is_empty() || id.len() > 512 {
        return Err(InputError::new("notification and rule ids are 1 to 512 bytes").into());
    }
    Ok(())
}

/// A Catima file refused: its line and rule (never a field's value) as invalid input.
fn catima_invalid(e: catima::CatimaError) -> ApiError {
    ApiError::InvalidInput {
        reason: e.to_string(),
    }
}

/// Runs a value listener on the client's runtime (see [`crate::watch`]).
fn watch<T>(
    ctx: &Arc<Context>,
    topic: Topic,
    read: impl Fn(&Context) -> Result<T, StoreError> + Send + Sync + 'static,
    listener: Box<dyn Fn(T) + Send + Sync>,
) -> ApiResult<TaskHandle>
where
    T: PartialEq + Clone + Send + 'static,
{
    let runtime = ctx.runtime.handle()?;
    Ok(crate::watch::spawn(ctx, &runtime, topic, read, listener)?)
}
