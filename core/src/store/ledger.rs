//! Points ledger persistence: entries in pages by sequence number ([`super::ledger_pages`]) and
//! the materialised balance, changed together in one transaction.

use super::ledger_pages::{self, LedgerPages};
use super::schema::{KEY_BALANCE, KEY_LEDGER_NEXT};
use super::TxTree;
use super::{abort, get, tx_get, tx_get_u64, tx_put, Store, StoreError, Tree, TxResult};
use crate::points::{
    check_spend, reversal_of, Balance, EntryKind, EntryStatus, LedgerEntry, NewEntry, PointsError,
};
use chrono::{DateTime, Utc};

impl Store {
    /// Appends entries in order, in one transaction. A debit that the available balance cannot
    /// cover (spending more than one has) fails the whole batch; expiries and reversals are the
    /// programme's own bookkeeping and always apply.
    pub fn append_entries(
        &self,
        new: &[NewEntry],
        now: DateTime<Utc>,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let _w = self.writer();
        self.append_locked(new, now)
    }

    /// [`Store::append_entries`] for a caller that holds the writer lock.
    fn append_locked(
        &self,
        new: &[NewEntry],
        now: DateTime<Utc>,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        for n in new {
            n.validate()?;
        }
        self.transact(&[Tree::Meta, Tree::Ledger], |t| {
            let (meta, ledger) = (&t[0], &t[1]);
            let mut balance = read_balance(meta)?;
            let mut next = tx_get_u64(meta, KEY_LEDGER_NEXT)?.max(1);
            let written = ledger_pages::change(ledger, |pages| {
                let mut written = Vec::with_capacity(new.len());
                for n in new {
                    if n.kind == EntryKind::Redeem {
                        check_spend(&balance, -n.points).or_else(abort)?;
                    }
                    let entry = append_one(pages, &mut balance, next, n, now)?;
                    next += 1;
                    written.push(entry);
                }
                Ok(written)
            })?;
            meta.insert(KEY_LEDGER_NEXT, &next.to_be_bytes())?;
            tx_put(meta, KEY_BALANCE, &balance)?;
            Ok(written)
        })
    }

    /// The server's verdict on a pending entry.
    pub fn settle_entry(&self, seq: u64, verdict: EntryStatus) -> Result<LedgerEntry, StoreError> {
        if verdict == EntryStatus::Pending {
            return Err(crate::check::InputError::new("a verdict is confirmed or rejected").into());
        }
        let _w = self.writer();
        self.transact(&[Tree::Meta, Tree::Ledger], |t| {
            let (meta, ledger) = (&t[0], &t[1]);
            let mut balance = read_balance(meta)?;
            let entry = ledger_pages::change(ledger, |pages| {
                let Some(mut entry) = pages.get(seq)? else {
                    return abort(PointsError::EntryNotFound);
                };
                if entry.status != EntryStatus::Pending {
                    return abort(PointsError::NotPending);
                }
                balance.apply(entry.points, entry.status, -1);
                balance.apply(entry.points, verdict, 1);
                entry.status = verdict;
                pages.put(entry.clone())?;
                Ok(entry)
            })?;
            tx_put(meta, KEY_BALANCE, &balance)?;
            Ok(entry)
        })
    }

    /// Appends the entry that undoes `seq` and marks `seq` as reversed, in one transaction.
    pub fn reverse_entry(&self, seq: u64, now: DateTime<Utc>) -> Result<LedgerEntry, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Meta, Tree::Ledger], |t| {
            let (meta, ledger) = (&t[0], &t[1]);
            let mut balance = read_balance(meta)?;
            let next = tx_get_u64(meta, KEY_LEDGER_NEXT)?.max(1);
            let entry = ledger_pages::change(ledger, |pages| {
                let Some(mut original) = pages.get(seq)? else {
                    return abort(PointsError::EntryNotFound);
                };
                let reversal = reversal_of(&original).or_else(abort)?;
                let entry = append_one(pages, &mut balance, next, &reversal, now)?;
                original.reversed_by = Some(entry.seq);
                pages.put(original)?;
                Ok(entry)
            })?;
            meta.insert(KEY_LEDGER_NEXT, &(next + 1).to_be_bytes())?;
            tx_put(meta, KEY_BALANCE, &balance)?;
            Ok(entry)
        })
    }

    /// Computes entries from the whole ledger and appends them, with no write in between (e.g.
    /// the expiries due now): `visit` sees every entry, oldest first, one page in memory at a
    /// time, then `derive` turns what it gathered into the entries to append.
    pub fn append_derived<A>(
        &self,
        now: DateTime<Utc>,
        mut gathered: A,
        visit: impl Fn(&mut A, &LedgerEntry),
        derive: impl FnOnce(A) -> Vec<NewEntry>,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let _w = self.writer();
        self.visit_ledger(|e| visit(&mut gathered, e))?;
        let new = derive(gathered);
        if new.is_empty() {
            return Ok(Vec::new());
        }
        self.append_locked(&new, now)
    }

    /// Calls `f` with every entry, oldest first, reading the ledger page by page: the whole ledger
    /// is never in memory at once (expiry lots and tier progress are gathered this way).
    pub fn visit_ledger(&self, mut f: impl FnMut(&LedgerEntry)) -> Result<(), StoreError> {
        self.with(|o| {
            for kv in o.tree(Tree::Ledger).iter() {
                let (_, page) = kv?;
                for e in &ledger_pages::decode_page(&page)? {
                    f(e);
                }
            }
            Ok(())
        })
    }

    pub fn balance(&self) -> Result<Balance, StoreError> {
        self.with(|o| Ok(get(o.tree(Tree::Meta), KEY_BALANCE)?.unwrap_or_default()))
    }

    pub fn ledger_entry(&self, seq: u64) -> Result<Option<LedgerEntry>, StoreError> {
        self.with(|o| ledger_pages::entry(o.tree(Tree::Ledger), seq))
    }

    /// The whole ledger, oldest first.
    pub fn ledger_entries(&self) -> Result<Vec<LedgerEntry>, StoreError> {
        self.with(|o| ledger_pages::all_entries(o.tree(Tree::Ledger)))
    }

    /// The newest `limit` entries, newest first.
    ///
    /// Read forwards from just below the next sequence number (entries are never removed, so
    /// `limit` keys back holds `limit` entries; the window widens should some be missing). Not
    /// `iter().rev()`: sled's backward iteration keeps a 1 MiB constant upper key (`[255; 1 MiB]`)
    /// in the library's read-only data, 12 % of the mobile library for this one call.
    pub fn recent_entries(&self, limit: usize) -> Result<Vec<LedgerEntry>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.with(|o| {
            let ledger = o.tree(Tree::Ledger);
            let next = o.meta_u64(KEY_LEDGER_NEXT)?;
            let mut span = limit as u64;
            loop {
                let from = next.saturating_sub(span);
                let mut entries = ledger_pages::entries_from(ledger, from)?;
                if entries.len() >= limit || from == 0 {
                    entries.reverse();
                    entries.truncate(limit);
                    return Ok(entries);
                }
                span = span.saturating_mul(2);
            }
        })
    }

    /// Recomputes the balance from the ledger and compares it with the materialised one.
    pub fn verify_balance(&self) -> Result<Balance, StoreError> {
        let (stored, computed) = self.with(|o| {
            let stored: Balance = get(o.tree(Tree::Meta), KEY_BALANCE)?.unwrap_or_default();
            let entries = ledger_pages::all_entries(o.tree(Tree::Ledger))?;
            Ok((stored, Balance::from_entries(&entries)))
        })?;
        if stored == computed {
            Ok(stored)
        } else {
            Err(PointsError::Inconsistent { stored, computed }.into())
        }
    }
}

pub(super) fn read_balance(meta: &TxTree) -> TxResult<Balance> {
    Ok(tx_get(meta, KEY_BALANCE)?.unwrap_or_default())
}

pub(super) fn append_one(
    ledger: &mut LedgerPages<'_>,
    balance: &mut Balance,
    seq: u64,
    n: &NewEntry,
    now: DateTime<Utc>,
) -> TxResult<LedgerEntry> {
    let entry = LedgerEntry {
        seq,
        kind: n.kind,
        points: n.points,
        status: n.status,
        at: now,
        reference: n.reference.clone(),
        description: n.description.clone(),
        reverses: n.reverses,
        reversed_by: None,
    };
    balance.apply(entry.points, entry.status, 1);
    balance.entries += 1;
    ledger.put(entry.clone())?;
    Ok(entry)
}
