//! Receipts claimed by scanning their claim code: the claim record shown at once (pending), its
//! pending earn entry and its outbox item, written in one transaction; settled by the server's
//! answer (claimed, or refused: already claimed by another member, expired, unknown).

use super::ledger::{append_one, read_balance};
use super::ledger_pages::{self, LedgerPages};
use super::outbox::settle;
use super::schema::{KEY_BALANCE, KEY_LEDGER_NEXT, KEY_OUTBOX_NEXT};
use super::server_index;
use super::{abort, get, tx_get, tx_get_u64, tx_put, values, Store, StoreError, Tree};
use crate::claim::{ClaimCode, ClaimRefusal, ClaimStatus, ReceiptClaim};
use crate::points::{EntryKind, EntryStatus, NewEntry, PointsError};
use crate::wallet::{self, OutboxItem, OutboxOperation};
use chrono::{DateTime, Utc};

/// The server's answer to a receipt claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptClaimVerdict {
    /// This member has the receipt; its points are the server's ledger entry `ledger_id` (none
    /// when it earns no points).
    Claimed { ledger_id: Option<String> },
    /// Not this member's: another member claimed it first, the deadline passed, or unknown.
    Refused(ClaimRefusal),
}

impl Store {
    pub fn receipt_claim(&self, receipt_id: &str) -> Result<Option<ReceiptClaim>, StoreError> {
        self.with(|o| get(o.tree(Tree::ReceiptClaims), receipt_id.as_bytes()))
    }

    /// Every scanned claim, newest scan first.
    pub fn receipt_claims(&self) -> Result<Vec<ReceiptClaim>, StoreError> {
        let mut all: Vec<ReceiptClaim> =
            self.with(|o| values(o.tree(Tree::ReceiptClaims).iter()))?;
        loyalty_domain::sort::sort_by(&mut all, |a, b| {
            b.scanned_at
                .cmp(&a.scanned_at)
                .then_with(|| a.receipt_id.cmp(&b.receipt_id))
        });
        Ok(all)
    }

    /// Whether this device already knows the receipt: claimed by a scan, stored, or credited.
    fn receipt_known(&self, receipt_id: &str) -> Result<bool, StoreError> {
        self.with(|o| {
            if o.tree(Tree::ReceiptClaims)
                .contains_key(receipt_id.as_bytes())?
                || o.tree(Tree::Receipts).contains_key(receipt_id.as_bytes())?
            {
                return Ok(true);
            }
            ledger_pages::any_entry(o.tree(Tree::Ledger), |e| {
                e.kind == EntryKind::Earn
                    && e.status != EntryStatus::Rejected
                    && e.reference.as_deref() == Some(receipt_id)
            })
        })
    }

    /// A verified claim code scanned at `now`: the pending claim, its pending earn entry (when
    /// it earns points) and its outbox item, in one transaction. A receipt this device already
    /// knows (scanned before, stored, or credited) is refused as
    /// [`PointsError::AlreadyClaimed`].
    pub fn begin_receipt_claim(
        &self,
        code: &ClaimCode,
        claim_code: &str,
        now: DateTime<Utc>,
    ) -> Result<(ReceiptClaim, OutboxItem), StoreError> {
        code.validate()?;
        let entry = (code.points > 0).then(|| {
            NewEntry::earn(code.points, true)
                .with_reference(code.receipt_id.clone())
                .with_description(format!("Purchase at {}", code.store_name))
        });
        if let Some(e) = &entry {
            e.validate()?;
        }
        let key = wallet::new_idempotency_key();
        let _w = self.writer();
        if self.receipt_known(&code.receipt_id)? {
            return Err(PointsError::AlreadyClaimed.into());
        }
        let claim = ReceiptClaim::pending(code, now);
        self.transact(
            &[Tree::Meta, Tree::Ledger, Tree::Outbox, Tree::ReceiptClaims],
            |t| {
                let (meta, ledger, outbox, claims) = (&t[0], &t[1], &t[2], &t[3]);
                let mut entry_seq = None;
                if let Some(e) = &entry {
                    let mut balance = read_balance(meta)?;
                    let seq = tx_get_u64(meta, KEY_LEDGER_NEXT)?.max(1);
                    ledger_pages::change(ledger, |pages| {
                        append_one(pages, &mut balance, seq, e, now)
                    })?;
                    meta.insert(KEY_LEDGER_NEXT, &(seq + 1).to_be_bytes())?;
                    tx_put(meta, KEY_BALANCE, &balance)?;
                    entry_seq = Some(seq);
                }
                let item_seq = tx_get_u64(meta, KEY_OUTBOX_NEXT)?.max(1);
                let item = OutboxItem {
                    seq: item_seq,
                    idempotency_key: key.clone(),
                    operation: OutboxOperation::ClaimReceipt {
                        receipt_id: code.receipt_id.clone(),
                        claim_code: claim_code.to_string(),
                        entry_seq,
                    },
                    created_at: now,
                    attempts: 0,
                };
                tx_put(outbox, &item_seq.to_be_bytes(), &item)?;
                meta.insert(KEY_OUTBOX_NEXT, &(item_seq + 1).to_be_bytes())?;
                tx_put(claims, code.receipt_id.as_bytes(), &claim)?;
                Ok((claim.clone(), item))
            },
        )
    }

    /// The server answered a receipt claim: the claim record, its pending entry and the outbox
    /// item settle in one transaction. `None` when the item was already resolved; else the
    /// claim as it now stands.
    pub fn resolve_receipt_claim(
        &self,
        item_seq: u64,
        verdict: &ReceiptClaimVerdict,
    ) -> Result<Option<ReceiptClaim>, StoreError> {
        let _w = self.writer();
        let ids = match verdict {
            ReceiptClaimVerdict::Claimed {
                ledger_id: Some(id),
            } => vec![id.as_str()],
            _ => Vec::new(),
        };
        let index_pages =
            self.with(|o| server_index::pages_for(o.tree(Tree::ServerLedger), ids))?;
        self.transact(
            &[
                Tree::Meta,
                Tree::Ledger,
                Tree::ServerLedger,
                Tree::Outbox,
                Tree::ReceiptClaims,
            ],
            |t| {
                let (meta, ledger, outbox, claims) = (&t[0], &t[1], &t[3], &t[4]);
                let Some(item) = tx_get::<OutboxItem>(outbox, &item_seq.to_be_bytes())? else {
                    return Ok(None);
                };
                outbox.remove(&item_seq.to_be_bytes())?;
                let OutboxOperation::ClaimReceipt {
                    receipt_id,
                    entry_seq,
                    ..
                } = item.operation
                else {
                    return abort(StoreError::Corrupt(
                        "an outbox item is not the receipt claim it was sent as".into(),
                    ));
                };
                if let Some(entry_seq) = entry_seq {
                    let mut ledger = LedgerPages::new(ledger);
                    if let Some(mut pending) = ledger.get(entry_seq)? {
                        if pending.status == EntryStatus::Pending {
                            let status = match verdict {
                                ReceiptClaimVerdict::Claimed {
                                    ledger_id: Some(ledger_id),
                                } => server_index::confirm(
                                    &t[2],
                                    &index_pages,
                                    ledger_id,
                                    entry_seq,
                                )?,
                                ReceiptClaimVerdict::Claimed { ledger_id: None } => {
                                    EntryStatus::Rejected
                                }
                                ReceiptClaimVerdict::Refused(_) => EntryStatus::Rejected,
                            };
                            let mut balance = read_balance(meta)?;
                            settle(&mut ledger, &mut balance, &mut pending, status)?;
                            tx_put(meta, KEY_BALANCE, &balance)?;
                        }
                    }
                    ledger.finish()?;
                }
                let Some(mut claim) = tx_get::<ReceiptClaim>(claims, receipt_id.as_bytes())? else {
                    return Ok(None);
                };
                match verdict {
                    ReceiptClaimVerdict::Claimed { .. } => {
                        claim.status = ClaimStatus::Claimed;
                        claim.refusal = None;
                    }
                    ReceiptClaimVerdict::Refused(r) => {
                        claim.status = ClaimStatus::Refused;
                        claim.refusal = Some(*r);
                    }
                }
                tx_put(claims, receipt_id.as_bytes(), &claim)?;
                Ok(Some(claim))
            },
        )
    }
}
