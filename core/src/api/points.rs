//! Points: the ledger, balance, expiry and tiers.

use super::error::{ApiResult, LoyaltyError};
use super::watch;
use crate::check::InputError;
use crate::context::Context;
use crate::history;
use crate::points::{
    self, Balance, EntryKind, EntryStatus, ExpiringPoints, LedgerEntry, NewEntry, TierStatus,
};
use crate::reminders::Lang;
use crate::runtime::TaskHandle;
use crate::store::Topic;
use crate::wallet::{OutboxItem, OutboxOperation};
use std::sync::Arc;

/// Points: the ledger, balance, expiry and tiers.
#[derive(Clone)]
pub struct PointsApi {
    pub(super) ctx: Arc<Context>,
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
            return Err(LoyaltyError::Conflict {
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
        written.pop().ok_or_else(|| LoyaltyError::Internal {
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

    /// What entry `seq` says to the shopper reading `lang`: a purchase names its store as the
    /// stored receipt names it in that language ("Achat à Namur Centre"), extra points from an
    /// offer name the offer; anything else keeps the retailer's description (`None`: name the
    /// entry by its kind). The retailer's server writes its descriptions in one language.
    pub fn describe(&self, seq: u64, lang: Lang) -> ApiResult<Option<String>> {
        let entry = self.entry(seq)?;
        if entry.kind == EntryKind::Earn {
            if let Some(reference) = &entry.reference {
                // A reference that is neither (or that the store cannot read): the description.
                if let Ok(Some(r)) = self.ctx.store.receipt(reference) {
                    return Ok(Some(history::purchase(&r, lang)));
                }
                if let Ok(Some(o)) = self.ctx.store.offer(reference) {
                    return Ok(Some(history::offer_points(&o.offer.title, lang)));
                }
            }
        }
        Ok(entry.description)
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
        Ok(self.ctx.store.append_derived(
            now,
            points::ExpiryLots::new(rules),
            |lots, e| lots.add(e),
            |lots| lots.due(now),
        )?)
    }

    /// Points that will expire within `days`, soonest first.
    pub fn expiring_within(&self, days: u32) -> ApiResult<Vec<ExpiringPoints>> {
        let mut lots = points::ExpiryLots::new(&self.ctx.rules);
        self.ctx.store.visit_ledger(|e| lots.add(e))?;
        Ok(lots.expiring_within(self.ctx.now(), days))
    }

    pub fn tier(&self) -> ApiResult<TierStatus> {
        let mut progress = points::TierProgress::new(&self.ctx.rules, self.ctx.now());
        self.ctx.store.visit_ledger(|e| progress.add(e))?;
        Ok(progress.status(&self.ctx.rules))
    }

    /// Recomputes the balance from the ledger; an error if the materialised one disagrees.
    pub fn verify(&self) -> ApiResult<Balance> {
        Ok(self.ctx.store.verify_balance()?)
    }
}
