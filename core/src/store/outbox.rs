//! Offline work in the store's outbox: point claims queued with their own idempotency key, and
//! the server's answers settling outbox items (redemptions, claims) and their pending entries.

use super::ledger::{append_one, read_balance};
use super::ledger_pages::{self, LedgerPages};
use super::schema::{KEY_BALANCE, KEY_LEDGER_NEXT, KEY_OUTBOX_NEXT};
use super::server_index;
use super::vouchers::set_voucher;
use super::TxTree;
use super::{abort, tx_get, tx_get_u64, tx_put, Store, StoreError, Tree, TxResult};
use crate::points::{Balance, EntryKind, EntryStatus, LedgerEntry, NewEntry, PointsError};
use crate::wallet::{self, OutboxItem, OutboxOperation, RedemptionOutcome, Voucher, VoucherState};
use chrono::{DateTime, Utc};

/// The server's answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimVerdict {
    /// Credited as the server's ledger entry `ledger_id`.
    Confirmed {
        ledger_id: String,
    },
    Rejected,
}

/// A pending claim as read from the outbox.
#[derive(Debug, Clone)]
pub(super) struct PendingClaim {
    pub(super) item_seq: u64,
    pub(super) key: String,
    pub(super) entry_seq: u64,
    pub(super) points: i64,
    pub(super) reference: String,
}

/// Moves a pending entry to `verdict`, keeping the balance in step.
pub(super) fn settle(
    ledger: &mut LedgerPages<'_>,
    balance: &mut Balance,
    entry: &mut LedgerEntry,
    verdict: EntryStatus,
) -> TxResult<()> {
    balance.apply(entry.points, entry.status, -1);
    balance.apply(entry.points, verdict, 1);
    entry.status = verdict;
    ledger.put(entry.clone())
}

impl Store {
    pub(super) fn pending_claims(&self) -> Result<Vec<PendingClaim>, StoreError> {
        Ok(self
            .outbox()?
            .into_iter()
            .filter_map(|i| match i.operation {
                OutboxOperation::ClaimPoints {
                    entry_seq,
                    points,
                    reference,
                    ..
                } => Some(PendingClaim {
                    item_seq: i.seq,
                    key: i.idempotency_key,
                    entry_seq,
                    points,
                    reference,
                }),
                OutboxOperation::RedeemVoucher { .. }
                | OutboxOperation::ClaimReceipt { .. }
                | OutboxOperation::DeleteAccount
                | OutboxOperation::ActivateOffer { .. }
                | OutboxOperation::RequestInvoice { .. }
                | OutboxOperation::AnswerSurvey { .. } => None,
            })
            .collect())
    }

    /// Points earned offline for the receipt `reference`: a pending earn entry and its claim in
    /// the outbox, in one transaction. A second claim for the same receipt, or one for a receipt
    /// already credited in the ledger, is refused.
    pub fn begin_claim(
        &self,
        points: i64,
        reference: &str,
        description: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(LedgerEntry, OutboxItem), StoreError> {
        let mut entry = NewEntry::earn(points, true).with_reference(reference);
        entry.description = description;
        entry.validate()?;
        crate::check::non_empty("receipt id", reference, 128)?;
        let key = wallet::new_idempotency_key();
        let _w = self.writer();
        if self
            .pending_claims()?
            .iter()
            .any(|c| c.reference == reference)
        {
            return Err(PointsError::AlreadyClaimed.into());
        }
        let credited = self.with(|o| {
            ledger_pages::any_entry(o.tree(Tree::Ledger), |e| {
                e.kind == EntryKind::Earn
                    && e.status != EntryStatus::Rejected
                    && e.reference.as_deref() == Some(reference)
            })
        })?;
        if credited {
            return Err(PointsError::AlreadyClaimed.into());
        }
        self.transact(&[Tree::Meta, Tree::Ledger, Tree::Outbox], |t| {
            let (meta, ledger, outbox) = (&t[0], &t[1], &t[2]);
            let mut balance = read_balance(meta)?;
            let seq = tx_get_u64(meta, KEY_LEDGER_NEXT)?.max(1);
            let written = ledger_pages::change(ledger, |pages| {
                append_one(pages, &mut balance, seq, &entry, now)
            })?;
            let item_seq = tx_get_u64(meta, KEY_OUTBOX_NEXT)?.max(1);
            let item = OutboxItem {
                seq: item_seq,
                idempotency_key: key.clone(),
                operation: OutboxOperation::ClaimPoints {
                    entry_seq: seq,
                    points,
                    reference: reference.to_string(),
                    earned_at: now,
                },
                created_at: now,
                attempts: 0,
            };
            tx_put(outbox, &item_seq.to_be_bytes(), &item)?;
            meta.insert(KEY_LEDGER_NEXT, &(seq + 1).to_be_bytes())?;
            meta.insert(KEY_OUTBOX_NEXT, &(item_seq + 1).to_be_bytes())?;
            tx_put(meta, KEY_BALANCE, &balance)?;
            Ok((written, item))
        })
    }

    /// The shopper's request to delete the account, put in the outbox (flushed before this
    /// returns). Asking again while one waits returns the waiting one.
    pub fn request_account_deletion(&self, now: DateTime<Utc>) -> Result<OutboxItem, StoreError> {
        let _w = self.writer();
        if let Some(waiting) = self.account_deletion()? {
            return Ok(waiting);
        }
        let key = wallet::new_idempotency_key();
        self.transact(&[Tree::Meta, Tree::Outbox], |t| {
            let (meta, outbox) = (&t[0], &t[1]);
            let item_seq = tx_get_u64(meta, KEY_OUTBOX_NEXT)?.max(1);
            let item = OutboxItem {
                seq: item_seq,
                idempotency_key: key.clone(),
                operation: OutboxOperation::DeleteAccount,
                created_at: now,
                attempts: 0,
            };
            tx_put(outbox, &item_seq.to_be_bytes(), &item)?;
            meta.insert(KEY_OUTBOX_NEXT, &(item_seq + 1).to_be_bytes())?;
            Ok(item)
        })
    }

    /// The waiting request to delete the account, if there is one.
    pub fn account_deletion(&self) -> Result<Option<OutboxItem>, StoreError> {
        Ok(self
            .outbox()?
            .into_iter()
            .find(|i| i.operation == OutboxOperation::DeleteAccount))
    }

    /// Counts a failed attempt at an outbox item (`permanent`: the server refused the request as
    /// such, so it counts as `stuck_after` failures at once). Returns the item as updated, or
    /// `None` when it is no longer in the outbox.
    pub fn note_outbox_failure(
        &self,
        item_seq: u64,
        permanent: bool,
        stuck_after: u32,
    ) -> Result<Option<OutboxItem>, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Outbox], |t| {
            let Some(mut item) = tx_get::<OutboxItem>(&t[0], &item_seq.to_be_bytes())? else {
                return Ok(None);
            };
            item.attempts = item.attempts.saturating_add(1);
            if permanent {
                item.attempts = item.attempts.max(stuck_after);
            }
            tx_put(&t[0], &item_seq.to_be_bytes(), &item)?;
            Ok(Some(item))
        })
    }

    /// The server answered a redemption: the voucher leaves `Redeeming` and the item leaves the
    /// outbox, in one transaction. `redeemed_at`: the server's time of the redemption, used when
    /// another device redeemed it first. `false` when the item was already resolved.
    pub fn resolve_redemption(
        &self,
        item_seq: u64,
        voucher_id: &str,
        outcome: RedemptionOutcome,
        redeemed_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let one = [RedemptionAnswered {
            item_seq,
            voucher_id: voucher_id.to_string(),
            outcome,
            redeemed_at,
        }];
        Ok(self
            .resolve_redemptions(&one, now)?
            .first()
            .copied()
            .unwrap_or(false))
    }

    /// [`Store::resolve_redemption`] for many answers in one transaction (one durable commit):
    /// how a batch of the outbox is settled. One `bool` per answer, in order.
    pub fn resolve_redemptions(
        &self,
        answers: &[RedemptionAnswered],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Vouchers, Tree::VoucherUsable, Tree::Outbox], |t| {
            let (vouchers, usable, outbox) = (&t[0], &t[1], &t[2]);
            answers
                .iter()
                .map(|a| resolve_one_redemption(vouchers, usable, outbox, a, now))
                .collect()
        })
    }

    /// The server answered a claim: the pending entry is settled (once: a server entry already
    /// counted locally supersedes it) and the item leaves the outbox, in one transaction.
    /// `false` when the item was already resolved.
    pub fn resolve_claim(&self, item_seq: u64, verdict: &ClaimVerdict) -> Result<bool, StoreError> {
        let _w = self.writer();
        let ids = match verdict {
            ClaimVerdict::Confirmed { ledger_id } => vec![ledger_id.as_str()],
            ClaimVerdict::Rejected => Vec::new(),
        };
        let index_pages =
            self.with(|o| server_index::pages_for(o.tree(Tree::ServerLedger), ids))?;
        self.transact(
            &[Tree::Meta, Tree::Ledger, Tree::ServerLedger, Tree::Outbox],
            |t| {
                let (meta, ledger, outbox) = (&t[0], &t[1], &t[3]);
                let Some(item) = tx_get::<OutboxItem>(outbox, &item_seq.to_be_bytes())? else {
                    return Ok(false);
                };
                outbox.remove(&item_seq.to_be_bytes())?;
                let OutboxOperation::ClaimPoints { entry_seq, .. } = item.operation else {
                    return abort(StoreError::Corrupt(
                        "an outbox item is not the claim it was sent as".into(),
                    ));
                };
                let mut ledger = LedgerPages::new(ledger);
                let Some(mut pending) = ledger.get(entry_seq)? else {
                    return abort(PointsError::EntryNotFound);
                };
                if pending.status != EntryStatus::Pending {
                    // Settled by a page already (the server's entry arrived first).
                    return Ok(true);
                }
                let mut balance = read_balance(meta)?;
                let verdict = match verdict {
                    ClaimVerdict::Confirmed { ledger_id } => {
                        server_index::confirm(&t[2], &index_pages, ledger_id, entry_seq)?
                    }
                    ClaimVerdict::Rejected => EntryStatus::Rejected,
                };
                settle(&mut ledger, &mut balance, &mut pending, verdict)?;
                ledger.finish()?;
                tx_put(meta, KEY_BALANCE, &balance)?;
                Ok(true)
            },
        )
    }
}

/// The server's answer to one redemption of the outbox.
#[derive(Debug, Clone)]
pub struct RedemptionAnswered {
    pub item_seq: u64,
    pub voucher_id: String,
    pub outcome: RedemptionOutcome,
    /// The server's time of the redemption, used when another device redeemed it first.
    pub redeemed_at: Option<DateTime<Utc>>,
}

fn resolve_one_redemption(
    vouchers: &TxTree,
    usable: &TxTree,
    outbox: &TxTree,
    a: &RedemptionAnswered,
    now: DateTime<Utc>,
) -> TxResult<bool> {
    if outbox.remove(&a.item_seq.to_be_bytes())?.is_none() {
        return Ok(false);
    }
    let Some(old) = tx_get::<Voucher>(vouchers, a.voucher_id.as_bytes())? else {
        return Ok(true);
    };
    if !matches!(old.state, VoucherState::Redeeming { .. }) {
        // A page already gave it the server's state.
        return Ok(true);
    }
    let mut v = old.clone();
    wallet::complete_redemption(&mut v, a.outcome, now).or_else(abort)?;
    if let (RedemptionOutcome::AlreadyRedeemed, Some(at)) = (a.outcome, a.redeemed_at) {
        v.state = VoucherState::Redeemed { at };
    }
    set_voucher(vouchers, usable, Some(&old), &v)?;
    Ok(true)
}
