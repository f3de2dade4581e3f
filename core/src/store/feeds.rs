//! The server's feeds in the store (the account is in `account.rs`, offline claims and settling
//! answers in `outbox.rs`):
//!
//! - the delta cursor of each feed and the last sync time;
//! - the index of server ledger ids ([`Tree::ServerLedger`], in pages of ids: `server_index.rs`):
//!   a re-delivered entry is applied once;
//! - the records of a page as the server sent them, checked ([`ServerLedgerEntry`],
//!   [`ServerVoucher`]): the store's input, so they live here (the sync's JSON is `sync/wire.rs`);
//! - applying one page of server changes **together with its cursor in one transaction**, so the
//!   cursor only moves once everything before it is applied, and a crash or a cancellation never
//!   leaves a page half-applied. The sync's pages are made durable together once the feeds are
//!   pulled instead of by a flush each ([`PageCommit::Deferred`]): a crash may take back the
//!   last pages whole, with their cursors, and the next sync fetches them again.
//!
//! Reconciliation rules (the server is the source of truth for points and vouchers; the device
//! for what it did offline until the server has answered):
//! - A server ledger entry is a confirmed local entry. If it carries the idempotency key of one of
//!   this device's pending claims (`claim_key`), or it is the earn entry crediting the receipt a
//!   pending claim is for, the pending entry is settled as confirmed instead of adding a second
//!   one; the claim leaves the outbox.
//! - A voucher this device is redeeming stays `Redeeming` while the server still shows it
//!   available (the outbox answers it). The server's `redeemed` (e.g. by another device of the
//!   household) makes it `Redeemed` here and resolves its outbox item; `revoked` makes it
//!   `Revoked` (the server would refuse the redemption) and drops the item.
//! - A receipt is stored once; the server's version replaces a different local one.

use super::ledger::{append_one, read_balance};
use super::ledger_pages::LedgerPages;
use super::outbox::settle;
use super::receipts::{gtin_index_keys, time_index_key};
use super::schema::{KEY_BALANCE, KEY_LEDGER_NEXT, KEY_RECEIPT_COUNT, KEY_VOUCHER_COUNT};
use super::server_index::{self, ServerIndex};
use super::vouchers::set_voucher;
use super::{get, tx_get, tx_get_u64, tx_put, Store, StoreError, Tree};
use crate::points::{EntryKind, EntryStatus, NewEntry};
use crate::receipts::Receipt;
use crate::wallet::{OutboxOperation, Voucher, VoucherState};
use chrono::{DateTime, Utc};

const KEY_LAST_SYNCED: &[u8] = b"sync_last_synced_at";

/// The server's delta feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feed {
    Ledger,
    Vouchers,
    Receipts,
}

impl Feed {
    pub const ALL: [Feed; 3] = [Feed::Ledger, Feed::Vouchers, Feed::Receipts];

    /// The feed's name in the API (`ledger`, `vouchers`, `receipts`).
    pub fn name(self) -> &'static str {
        match self {
            Feed::Ledger => "ledger",
            Feed::Vouchers => "vouchers",
            Feed::Receipts => "receipts",
        }
    }

    fn cursor_key(self) -> &'static [u8] {
        match self {
            Feed::Ledger => b"sync_cursor.ledger",
            Feed::Vouchers => b"sync_cursor.vouchers",
            Feed::Receipts => b"sync_cursor.receipts",
        }
    }
}

/// A ledger entry as the server sent it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLedgerEntry {
    pub id: String,
    pub kind: EntryKind,
    pub points: i64,
    pub at: DateTime<Utc>,
    pub reference: Option<String>,
    pub description: Option<String>,
    /// The idempotency key of the claim this entry confirms, if any.
    pub claim_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerVoucherState {
    Available,
    Redeemed { at: DateTime<Utc> },
    Revoked,
}

/// A voucher as the server sent it, checked (`voucher.state` is ignored: see `state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVoucher {
    pub voucher: Voucher,
    pub state: ServerVoucherState,
}

/// What applying one page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageApplied {
    /// Records new to this device.
    pub added: u32,
    /// Records whose local state changed (including pending entries settled by the server).
    pub updated: u32,
    /// Re-delivered records with nothing new.
    pub unchanged: u32,
    /// Outbox items the page resolved (a redemption answered by another device's, a claim
    /// confirmed by the server's ledger).
    pub resolved_outbox: u32,
}

/// When a page of a feed reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageCommit {
    /// Flushed before the apply returns.
    Durable,
    /// Committed with its cursor in one transaction, flushed by the next durable commit or
    /// [`Store::flush`] (the sync flushes once its feeds are pulled). A crash before then takes back whole pages with
    /// their cursors, never part of one: the feed continues from the last page kept. A page that
    /// settles outbox items (a claim confirmed, a redemption answered) is always durable: the
    /// keep file's copy of the outbox must not run ahead of the database.
    Deferred,
}

/// Meta key: the receipts were checked once for copies stored before the retailer's seals.
const KEY_SEAL_PASS: &[u8] = b"receipts_seal_pass";

impl Store {
    /// The cursor to continue `feed` from; `None`: from the beginning.
    pub fn sync_cursor(&self, feed: Feed) -> Result<Option<String>, StoreError> {
        self.with(|o| get(o.tree(Tree::Meta), feed.cursor_key()))
    }

    /// Forgets `feed`'s cursor: the next pull starts that feed over from the beginning (a full
    /// resync; records are upserts by id, so nothing is counted twice). The outbox and every
    /// record stay as they are.
    pub fn reset_sync_cursor(&self, feed: Feed) -> Result<(), StoreError> {
        self.transact(&[Tree::Meta], |t| {
            t[0].remove(feed.cursor_key())?;
            Ok(())
        })
    }

    /// Once per device: when receipts stored before the retailer sealed them (see
    /// [`crate::proof`]) lack a seal, forgets the receipts cursor so the next pull fetches the
    /// history again and the sealed copies replace them (upserts by id). Whether it did.
    pub fn restart_receipts_for_seals(&self) -> Result<bool, StoreError> {
        if self.with(|o| Ok(o.tree(Tree::Meta).contains_key(KEY_SEAL_PASS)?))? {
            return Ok(false);
        }
        let unsealed = self.with(|o| {
            for kv in o.tree(Tree::Receipts).iter() {
                let (_, v) = kv?;
                let r: Receipt = super::decode(&v)?;
                if r.seal.is_none() {
                    return Ok(true);
                }
            }
            Ok(false)
        })?;
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| {
            t[0].insert(KEY_SEAL_PASS, &[1u8])?;
            if unsealed {
                t[0].remove(Feed::Receipts.cursor_key())?;
            }
            Ok(unsealed)
        })
    }

    pub fn last_synced_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.with(|o| get(o.tree(Tree::Meta), KEY_LAST_SYNCED))
    }

    pub fn set_last_synced_at(&self, at: DateTime<Utc>) -> Result<(), StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| tx_put(&t[0], KEY_LAST_SYNCED, &at))
    }

    /// Server ledger ids and the local sequence numbers they were applied as.
    pub fn server_ledger_ids(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.with(|o| server_index::all(o.tree(Tree::ServerLedger)))
    }

    /// Applies one page of the ledger feed and moves its cursor, in one transaction.
    pub fn apply_ledger_page(
        &self,
        items: &[ServerLedgerEntry],
        next_cursor: &str,
        commit: PageCommit,
    ) -> Result<PageApplied, StoreError> {
        let _w = self.writer();
        let claims = self.pending_claims()?;
        let index_pages = self.with(|o| {
            server_index::pages_for(
                o.tree(Tree::ServerLedger),
                items.iter().map(|i| i.id.as_str()),
            )
        })?;
        // Without pending claims the page cannot touch the outbox.
        let trees = [Tree::Meta, Tree::Ledger, Tree::ServerLedger, Tree::Outbox];
        let trees = if claims.is_empty() {
            &trees[..3]
        } else {
            &trees[..]
        };
        self.transact_then(trees, commit == PageCommit::Durable, |t| {
            let (meta, ledger) = (&t[0], &t[1]);
            let mut index = ServerIndex::load(&t[2], &index_pages)?;
            // The outbox (`t[3]`) is only touched for a claim, so it is there when used.
            let outbox = |seq: u64| t[3].remove(&seq.to_be_bytes());
            let mut ledger = LedgerPages::new(ledger);
            let mut balance = read_balance(meta)?;
            let mut next = tx_get_u64(meta, KEY_LEDGER_NEXT)?.max(1);
            let mut resolved = vec![false; claims.len()];
            let mut out = PageApplied::default();
            for item in items {
                let known = index.get(&item.id);
                let by_key = claims.iter().enumerate().position(|(i, c)| {
                    !resolved[i] && item.claim_key.as_deref() == Some(c.key.as_str())
                });
                if let Some(local) = known {
                    // Re-delivered (e.g. a claim set its claim_key). Server entries never
                    // change amount; only a pending claim it confirms needs settling.
                    if let Some(ci) = by_key {
                        let c = &claims[ci];
                        if let Some(mut pending) = ledger.get(c.entry_seq)? {
                            if pending.status == EntryStatus::Pending && pending.seq != local {
                                // Already counted as `local`: the pending entry is superseded.
                                settle(
                                    &mut ledger,
                                    &mut balance,
                                    &mut pending,
                                    EntryStatus::Rejected,
                                )?;
                                out.updated += 1;
                            }
                        }
                        outbox(c.item_seq)?;
                        resolved[ci] = true;
                        out.resolved_outbox += 1;
                    } else {
                        out.unchanged += 1;
                    }
                    continue;
                }
                let claim = by_key.or_else(|| {
                    (item.kind == EntryKind::Earn)
                        .then(|| {
                            claims.iter().enumerate().position(|(i, c)| {
                                !resolved[i]
                                    && item.reference.as_deref() == Some(c.reference.as_str())
                                    && item.points == c.points
                            })
                        })
                        .flatten()
                });
                if let Some(ci) = claim {
                    let c = &claims[ci];
                    if let Some(mut pending) = ledger.get(c.entry_seq)? {
                        if pending.status == EntryStatus::Pending && pending.points == item.points {
                            settle(
                                &mut ledger,
                                &mut balance,
                                &mut pending,
                                EntryStatus::Confirmed,
                            )?;
                            index.insert(&item.id, pending.seq)?;
                            outbox(c.item_seq)?;
                            resolved[ci] = true;
                            out.updated += 1;
                            out.resolved_outbox += 1;
                            continue;
                        }
                    }
                }
                let new = NewEntry {
                    kind: item.kind,
                    points: item.points,
                    status: EntryStatus::Confirmed,
                    reference: item.reference.clone(),
                    description: item.description.clone(),
                    reverses: None,
                };
                let entry = append_one(&mut ledger, &mut balance, next, &new, item.at)?;
                index.insert(&item.id, entry.seq)?;
                next += 1;
                out.added += 1;
            }
            ledger.finish()?;
            index.finish()?;
            meta.insert(KEY_LEDGER_NEXT, &next.to_be_bytes())?;
            tx_put(meta, KEY_BALANCE, &balance)?;
            tx_put(meta, Feed::Ledger.cursor_key(), &next_cursor.to_string())?;
            Ok(out)
        })
    }

    /// Applies one page of the voucher feed and moves its cursor, in one transaction.
    pub fn apply_voucher_page(
        &self,
        items: &[ServerVoucher],
        next_cursor: &str,
        commit: PageCommit,
    ) -> Result<PageApplied, StoreError> {
        let _w = self.writer();
        let redemptions: Vec<(String, u64)> = self
            .outbox()?
            .into_iter()
            .filter_map(|i| match i.operation {
                OutboxOperation::RedeemVoucher { voucher_id } => Some((voucher_id, i.seq)),
                OutboxOperation::ClaimPoints { .. }
                | OutboxOperation::ClaimReceipt { .. }
                | OutboxOperation::DeleteAccount
                | OutboxOperation::ActivateOffer { .. }
                | OutboxOperation::RequestInvoice { .. }
                | OutboxOperation::AnswerSurvey { .. } => None,
            })
            .collect();
        // Without redemptions waiting the page cannot touch the outbox.
        let trees = [
            Tree::Meta,
            Tree::Vouchers,
            Tree::VoucherUsable,
            Tree::Outbox,
        ];
        let trees = if redemptions.is_empty() {
            &trees[..3]
        } else {
            &trees[..]
        };
        self.transact_then(trees, commit == PageCommit::Durable, |t| {
            let (meta, vouchers, usable) = (&t[0], &t[1], &t[2]);
            let mut out = PageApplied::default();
            for item in items {
                let id = &item.voucher.id;
                let old: Option<Voucher> = tx_get(vouchers, id.as_bytes())?;
                let old_state = old.as_ref().map(|v| &v.state);
                let mut resolves_item = false;
                let state = match (item.state, old_state) {
                    // Terminal here: the server never moves a redeemed voucher back.
                    (_, Some(s @ VoucherState::Redeemed { .. })) => s.clone(),
                    // This device's redemption is waiting for its answer.
                    (ServerVoucherState::Available, Some(s @ VoucherState::Redeeming { .. })) => {
                        s.clone()
                    }
                    (ServerVoucherState::Available, _) => VoucherState::Available,
                    (ServerVoucherState::Redeemed { at }, old) => {
                        resolves_item = matches!(old, Some(VoucherState::Redeeming { .. }));
                        VoucherState::Redeemed { at }
                    }
                    (ServerVoucherState::Revoked, old) => {
                        resolves_item = matches!(old, Some(VoucherState::Redeeming { .. }));
                        VoucherState::Revoked
                    }
                };
                let new = Voucher {
                    state,
                    ..item.voucher.clone()
                };
                if resolves_item {
                    for (_, seq) in redemptions.iter().filter(|(v, _)| v == id) {
                        // The outbox (`t[3]`) is there: a redemption is waiting.
                        if t[3].remove(&seq.to_be_bytes())?.is_some() {
                            out.resolved_outbox += 1;
                        }
                    }
                }
                match &old {
                    Some(o) if *o == new => out.unchanged += 1,
                    Some(_) => out.updated += 1,
                    None => out.added += 1,
                }
                if old.as_ref() != Some(&new) {
                    set_voucher(vouchers, usable, old.as_ref(), &new)?;
                }
            }
            super::tx_count(meta, KEY_VOUCHER_COUNT, u64::from(out.added))?;
            tx_put(meta, Feed::Vouchers.cursor_key(), &next_cursor.to_string())?;
            Ok(out)
        })
    }

    /// Applies one page of the receipt feed and moves its cursor, in one transaction (with what
    /// the new receipts take off the shopping list). Returns what it did and whether any stored
    /// receipt changed (new or replaced).
    pub fn apply_receipt_page(
        &self,
        items: &[Receipt],
        next_cursor: &str,
        commit: PageCommit,
    ) -> Result<PageApplied, StoreError> {
        let _w = self.writer();
        self.transact_then(
            &[
                Tree::Meta,
                Tree::Receipts,
                Tree::ReceiptsByTime,
                Tree::ReceiptsByGtin,
                Tree::List,
            ],
            commit == PageCommit::Durable,
            |t| {
                let (meta, receipts, by_time, by_gtin) = (&t[0], &t[1], &t[2], &t[3]);
                let mut out = PageApplied::default();
                let mut stored: Vec<&Receipt> = Vec::new();
                for r in items {
                    let old: Option<Receipt> = tx_get(receipts, r.id.as_bytes())?;
                    match &old {
                        Some(o) if o == r => {
                            out.unchanged += 1;
                            continue;
                        }
                        Some(o) => {
                            by_time.remove(&time_index_key(o))?;
                            for k in gtin_index_keys(o) {
                                by_gtin.remove(&k)?;
                            }
                            out.updated += 1;
                        }
                        None => out.added += 1,
                    }
                    tx_put(receipts, r.id.as_bytes(), r)?;
                    by_time.insert(&time_index_key(r), &[])?;
                    for k in gtin_index_keys(r) {
                        by_gtin.insert(&k, &[])?;
                    }
                    stored.push(r);
                }
                // What the new receipts bought leaves the shopping list with them.
                super::list::take_bought(&t[4], &stored)?;
                super::tx_count(meta, KEY_RECEIPT_COUNT, u64::from(out.added))?;
                tx_put(meta, Feed::Receipts.cursor_key(), &next_cursor.to_string())?;
                Ok(out)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::points::PointsError;
    use crate::receipts::{LineItem, ReceiptSource};
    use crate::store::{ClaimVerdict, SyncAccount};
    use crate::wallet::RedemptionOutcome;
    use crate::wallet::VoucherKind;
    use chrono::{Duration, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
    }

    fn entry(id: &str, kind: EntryKind, points: i64, reference: Option<&str>) -> ServerLedgerEntry {
        ServerLedgerEntry {
            id: id.into(),
            kind,
            points,
            at: t0(),
            reference: reference.map(String::from),
            description: Some("Purchase".into()),
            claim_key: None,
        }
    }

    fn server_voucher(id: &str, state: ServerVoucherState) -> ServerVoucher {
        ServerVoucher {
            voucher: Voucher {
                titles: Default::default(),
                id: id.into(),
                kind: VoucherKind::AmountOff {
                    amount: Money::new(500, "EUR").unwrap(),
                    min_spend: None,
                },
                title: "5 off".into(),
                description: None,
                code: format!("LCV1.{id}"),
                valid_from: t0() - Duration::days(1),
                valid_until: t0() + Duration::days(30),
                state: VoucherState::Available,
                signature: None,
            },
            state,
        }
    }

    fn receipt(id: &str, name: &str) -> Receipt {
        Receipt {
            store_names: Default::default(),
            id: id.into(),
            store_name: "Store 12".into(),
            purchased_at: t0(),
            lines: vec![LineItem {
                names: Default::default(),
                gtin: "4006381333931".into(),
                name: name.into(),
                quantity: 1,
                unit_price: Money::new(1250, "EUR").unwrap(),
                category: "pet food".into(),
                lot: None,
                warranty_months: None,
            }],
            source: ReceiptSource::Server,
            return_window_days: None,
            discounts: Vec::new(),
            seal: None,
        }
    }

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        (dir, s)
    }

    #[test]
    fn receipts_stored_before_seals_are_fetched_again_once_and_replaced_by_the_sealed_copy() {
        let (_dir, s) = open();
        // A fresh device: nothing to fetch again, and the pass is done for good.
        assert!(!s.restart_receipts_for_seals().unwrap());
        let (_dir, s) = open();
        s.apply_receipt_page(&[receipt("r_1", "Koffie")], "c1.1", PageCommit::Durable)
            .unwrap();
        assert!(s.restart_receipts_for_seals().unwrap());
        assert_eq!(s.sync_cursor(Feed::Receipts).unwrap(), None);
        // The history again, sealed this time: the stored copy is replaced, not doubled.
        let key = crate::card::SigningKey::from_bytes(&[5u8; 32]);
        let mut sealed = receipt("r_1", "Koffie");
        sealed.seal = Some(crate::proof::seal_receipt(&sealed, &key).unwrap());
        let a = s
            .apply_receipt_page(std::slice::from_ref(&sealed), "c1.1", PageCommit::Durable)
            .unwrap();
        assert_eq!((a.added, a.updated), (0, 1));
        assert_eq!(s.receipt("r_1").unwrap(), Some(sealed));
        assert_eq!(s.receipt_count().unwrap(), 1);
        // Once only: a later receipt without a seal (added on the phone) starts nothing over.
        s.apply_receipt_page(&[receipt("r_2", "Melk")], "c1.2", PageCommit::Durable)
            .unwrap();
        assert!(!s.restart_receipts_for_seals().unwrap());
        assert_eq!(
            s.sync_cursor(Feed::Receipts).unwrap().as_deref(),
            Some("c1.2")
        );
    }

    #[test]
    fn deferred_pages_are_applied_whole_and_kept_once_flushed() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            for (i, cursor) in ["c1.2", "c1.4"].into_iter().enumerate() {
                let page = vec![
                    entry(&format!("l_{}", 2 * i + 1), EntryKind::Earn, 10, None),
                    entry(&format!("l_{}", 2 * i + 2), EntryKind::Earn, 5, None),
                ];
                let a = s
                    .apply_ledger_page(&page, cursor, PageCommit::Deferred)
                    .unwrap();
                assert_eq!(a.added, 2);
            }
            s.apply_voucher_page(
                &[server_voucher("v_1", ServerVoucherState::Available)],
                "c1.1",
                PageCommit::Deferred,
            )
            .unwrap();
            s.apply_receipt_page(&[receipt("r_1", "Salt")], "c1.1", PageCommit::Deferred)
                .unwrap();
            // Read back at once, before any flush.
            assert_eq!(s.verify_balance().unwrap().confirmed, 30);
            s.flush().unwrap();
            s.close().unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.verify_balance().unwrap().confirmed, 30);
        assert_eq!(
            s.sync_cursor(Feed::Ledger).unwrap().as_deref(),
            Some("c1.4")
        );
        assert_eq!(s.server_ledger_ids().unwrap().len(), 4);
        assert!(s.voucher("v_1").unwrap().is_some());
        assert_eq!(s.receipt_count().unwrap(), 1);
    }

    #[test]
    fn ledger_pages_apply_once_with_their_cursor() {
        let (_dir, s) = open();
        assert_eq!(s.sync_cursor(Feed::Ledger).unwrap(), None);
        let page = vec![
            entry("l_1", EntryKind::Earn, 100, Some("r_1")),
            entry("l_2", EntryKind::Redeem, -30, None),
        ];
        let a = s
            .apply_ledger_page(&page, "c1.2", PageCommit::Durable)
            .unwrap();
        assert_eq!((a.added, a.unchanged), (2, 0));
        assert_eq!(
            s.sync_cursor(Feed::Ledger).unwrap().as_deref(),
            Some("c1.2")
        );
        // Re-delivered (a retried page, a replayed upsert): nothing applied twice.
        let a = s
            .apply_ledger_page(&page, "c1.2", PageCommit::Durable)
            .unwrap();
        assert_eq!((a.added, a.unchanged), (0, 2));
        let b = s.verify_balance().unwrap();
        assert_eq!((b.confirmed, b.entries), (70, 2));
        let entries = s.ledger_entries().unwrap();
        assert!(entries.iter().all(|e| e.status == EntryStatus::Confirmed));
        assert_eq!(entries[0].at, t0());
        let mut ids = s.server_ledger_ids().unwrap();
        loyalty_domain::sort::sort(&mut ids);
        assert_eq!(ids, vec![("l_1".into(), 1), ("l_2".into(), 2)]);
    }

    #[test]
    fn a_claim_confirmed_by_its_key_settles_the_pending_entry() {
        let (_dir, s) = open();
        let (pending, item) = s.begin_claim(42, "r_9", None, t0()).unwrap();
        assert_eq!(pending.status, EntryStatus::Pending);
        assert_eq!(s.balance().unwrap().pending_credit, 42);
        // A second claim for the same receipt is refused.
        assert!(matches!(
            s.begin_claim(42, "r_9", None, t0()),
            Err(StoreError::Points(PointsError::AlreadyClaimed))
        ));
        let mut confirming = entry("l_7", EntryKind::Earn, 42, Some("r_9"));
        confirming.claim_key = Some(item.idempotency_key.clone());
        let a = s
            .apply_ledger_page(&[confirming.clone()], "c1.7", PageCommit::Durable)
            .unwrap();
        assert_eq!((a.added, a.updated, a.resolved_outbox), (0, 1, 1));
        assert!(s.outbox().unwrap().is_empty());
        let b = s.verify_balance().unwrap();
        assert_eq!((b.confirmed, b.pending_credit, b.entries), (42, 0, 1));
        // The server's answer arriving afterwards changes nothing.
        assert!(!s
            .resolve_claim(
                item.seq,
                &ClaimVerdict::Confirmed {
                    ledger_id: "l_7".into()
                }
            )
            .unwrap());
        s.apply_ledger_page(&[confirming], "c1.8", PageCommit::Durable)
            .unwrap();
        assert_eq!(s.verify_balance().unwrap().confirmed, 42);
        assert_eq!(s.ledger_entries().unwrap().len(), 1);
    }

    #[test]
    fn the_tills_credit_for_the_receipt_replaces_the_pending_claim() {
        let (_dir, s) = open();
        let (pending, _) = s.begin_claim(12, "r_1", None, t0()).unwrap();
        // The till posted the purchase online before the claim went out: same receipt, no key.
        let a = s
            .apply_ledger_page(
                &[entry("l_3", EntryKind::Earn, 12, Some("r_1"))],
                "c1.3",
                PageCommit::Durable,
            )
            .unwrap();
        assert_eq!((a.added, a.updated, a.resolved_outbox), (0, 1, 1));
        assert_eq!(
            s.ledger_entry(pending.seq).unwrap().unwrap().status,
            EntryStatus::Confirmed
        );
        assert!(s.outbox().unwrap().is_empty());
        assert_eq!(s.verify_balance().unwrap().confirmed, 12);
        // A credit for another amount is not this claim's.
        let (other, _) = s.begin_claim(5, "r_2", None, t0()).unwrap();
        s.apply_ledger_page(
            &[entry("l_4", EntryKind::Earn, 6, Some("r_2"))],
            "c1.4",
            PageCommit::Durable,
        )
        .unwrap();
        assert_eq!(
            s.ledger_entry(other.seq).unwrap().unwrap().status,
            EntryStatus::Pending
        );
        assert_eq!(s.verify_balance().unwrap().confirmed, 18);
    }

    #[test]
    fn claim_answers_settle_once() {
        let (_dir, s) = open();
        let (a, ia) = s.begin_claim(10, "r_a", None, t0()).unwrap();
        let (b, ib) = s.begin_claim(20, "r_b", None, t0()).unwrap();
        let (c, ic) = s.begin_claim(30, "r_c", None, t0()).unwrap();
        // Confirmed as a new server entry: linked, so its later delivery adds nothing.
        assert!(s
            .resolve_claim(
                ia.seq,
                &ClaimVerdict::Confirmed {
                    ledger_id: "l_1".into()
                }
            )
            .unwrap());
        // Rejected: counts for nothing.
        assert!(s.resolve_claim(ib.seq, &ClaimVerdict::Rejected).unwrap());
        // Confirmed as an entry already applied here: the pending one is superseded.
        s.apply_ledger_page(
            &[entry("l_2", EntryKind::Earn, 30, Some("r_other"))],
            "c1.2",
            PageCommit::Durable,
        )
        .unwrap();
        assert!(s
            .resolve_claim(
                ic.seq,
                &ClaimVerdict::Confirmed {
                    ledger_id: "l_2".into()
                }
            )
            .unwrap());
        s.apply_ledger_page(
            &[entry("l_1", EntryKind::Earn, 10, Some("r_a"))],
            "c1.3",
            PageCommit::Durable,
        )
        .unwrap();
        let status = |seq| s.ledger_entry(seq).unwrap().unwrap().status;
        assert_eq!(status(a.seq), EntryStatus::Confirmed);
        assert_eq!(status(b.seq), EntryStatus::Rejected);
        assert_eq!(status(c.seq), EntryStatus::Rejected);
        let bal = s.verify_balance().unwrap();
        assert_eq!((bal.confirmed, bal.pending_credit, bal.entries), (40, 0, 4));
        assert!(s.outbox().unwrap().is_empty());
    }

    #[test]
    fn voucher_pages_respect_redemptions_in_flight() {
        let (_dir, s) = open();
        let page = vec![
            server_voucher("v_1", ServerVoucherState::Available),
            server_voucher("v_2", ServerVoucherState::Available),
            server_voucher("v_3", ServerVoucherState::Available),
        ];
        let a = s
            .apply_voucher_page(&page, "c1.3", PageCommit::Durable)
            .unwrap();
        assert_eq!(a.added, 3);
        assert_eq!(s.usable_vouchers(t0()).unwrap().len(), 3);
        for id in ["v_1", "v_2", "v_3"] {
            s.begin_redemption(id, t0()).unwrap();
        }
        // Still available on the server: this device's redemption waits for its answer.
        let a = s
            .apply_voucher_page(
                &[server_voucher("v_1", ServerVoucherState::Available)],
                "c1.4",
                PageCommit::Durable,
            )
            .unwrap();
        assert_eq!((a.unchanged, a.resolved_outbox), (1, 0));
        assert!(matches!(
            s.voucher("v_1").unwrap().unwrap().state,
            VoucherState::Redeeming { .. }
        ));
        // Redeemed by the other device of the household; revoked by the retailer.
        let at = t0() + Duration::hours(2);
        let a = s
            .apply_voucher_page(
                &[
                    server_voucher("v_2", ServerVoucherState::Redeemed { at }),
                    server_voucher("v_3", ServerVoucherState::Revoked),
                ],
                "c1.6",
                PageCommit::Durable,
            )
            .unwrap();
        assert_eq!((a.updated, a.resolved_outbox), (2, 2));
        assert_eq!(
            s.voucher("v_2").unwrap().unwrap().state,
            VoucherState::Redeemed { at }
        );
        assert_eq!(
            s.voucher("v_3").unwrap().unwrap().state,
            VoucherState::Revoked
        );
        let left = s.outbox().unwrap();
        assert_eq!(left.len(), 1);
        // The answer for v_1 resolves the last item; a late answer for v_2 is a no-op.
        assert!(s
            .resolve_redemption(
                left[0].seq,
                "v_1",
                RedemptionOutcome::Accepted,
                Some(at),
                at
            )
            .unwrap());
        assert!(!s
            .resolve_redemption(
                left[0].seq,
                "v_1",
                RedemptionOutcome::Accepted,
                Some(at),
                at
            )
            .unwrap());
        assert!(matches!(
            s.voucher("v_1").unwrap().unwrap().state,
            VoucherState::Redeemed { .. }
        ));
        // A redeemed voucher never becomes available again from a stale page.
        s.apply_voucher_page(
            &[server_voucher("v_1", ServerVoucherState::Available)],
            "c1.7",
            PageCommit::Durable,
        )
        .unwrap();
        assert!(matches!(
            s.voucher("v_1").unwrap().unwrap().state,
            VoucherState::Redeemed { .. }
        ));
        assert!(s.usable_vouchers(t0()).unwrap().is_empty());
        assert_eq!(
            s.sync_cursor(Feed::Vouchers).unwrap().as_deref(),
            Some("c1.7")
        );
    }

    #[test]
    fn receipt_pages_store_once_and_take_the_servers_version() {
        let (_dir, s) = open();
        let a = s
            .apply_receipt_page(
                &[receipt("r_1", "Dog food"), receipt("r_2", "Salt")],
                "c1.2",
                PageCommit::Durable,
            )
            .unwrap();
        assert_eq!(a.added, 2);
        let a = s
            .apply_receipt_page(
                &[receipt("r_1", "Dog food"), receipt("r_2", "Road salt")],
                "c1.3",
                PageCommit::Durable,
            )
            .unwrap();
        assert_eq!((a.unchanged, a.updated), (1, 1));
        assert_eq!(s.receipt_count().unwrap(), 2);
        assert_eq!(s.receipts().unwrap().len(), 2);
        assert_eq!(s.receipts_with_gtin("4006381333931").unwrap().len(), 2);
        assert_eq!(
            s.receipt("r_2").unwrap().unwrap().lines[0].name,
            "Road salt"
        );
    }

    #[test]
    fn a_pending_enrolment_is_kept_for_its_server_and_name_until_sign_in() {
        let dir = tempfile::tempdir().unwrap();
        let server = "https://api.example.com/";
        let first = {
            let s = Store::open(dir.path()).unwrap();
            assert_eq!(s.pending_enrolment().unwrap(), None);
            let first = s.begin_enrolment(server, Some("Ann")).unwrap();
            assert_eq!(first.base_url, server);
            assert_eq!(first.display_name.as_deref(), Some("Ann"));
            // A UUID v4, as the outbox's keys.
            assert_eq!(first.key.len(), 36);
            assert_eq!(first.key.as_bytes()[14], b'4');
            assert_eq!(s.begin_enrolment(server, Some("Ann")).unwrap(), first);
            s.close().unwrap();
            first
        };
        // Kept across a restart of the app (the answer may never have been stored).
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.pending_enrolment().unwrap().as_ref(), Some(&first));
        assert_eq!(s.begin_enrolment(server, Some("Ann")).unwrap(), first);

        // Another name or another server is another enrolment: a new key replaces the old one.
        let renamed = s.begin_enrolment(server, Some("Ann B")).unwrap();
        assert_ne!(renamed.key, first.key);
        let unnamed = s.begin_enrolment(server, None).unwrap();
        assert_ne!(unnamed.key, renamed.key);
        let elsewhere = s
            .begin_enrolment("https://other.example.com/", None)
            .unwrap();
        assert_ne!(elsewhere.key, unnamed.key);
        assert_eq!(s.pending_enrolment().unwrap().as_ref(), Some(&elsewhere));
        assert_ne!(
            s.begin_enrolment(server, Some("Ann")).unwrap().key,
            first.key,
            "a replaced key does not come back"
        );

        // Debug names neither the key nor the shopper.
        let shown = format!("{:?}", s.pending_enrolment().unwrap().unwrap());
        assert!(!shown.contains(&s.pending_enrolment().unwrap().unwrap().key));
        assert!(!shown.contains("Ann"), "{shown}");

        // Signing in stores the account and forgets the key, together.
        let account = SyncAccount {
            base_url: server.into(),
            member_id: "m_1".into(),
        };
        s.sign_in(&account).unwrap();
        assert_eq!(s.pending_enrolment().unwrap(), None);
        assert_eq!(s.sync_account().unwrap(), Some(account));
    }

    #[test]
    fn failures_count_towards_stuck_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let seq = {
            let s = Store::open(dir.path()).unwrap();
            s.apply_voucher_page(
                &[server_voucher("v_1", ServerVoucherState::Available)],
                "c1.1",
                PageCommit::Durable,
            )
            .unwrap();
            let (_, item) = s.begin_redemption("v_1", t0()).unwrap();
            assert_eq!(
                s.note_outbox_failure(item.seq, false, 5)
                    .unwrap()
                    .unwrap()
                    .attempts,
                1
            );
            assert_eq!(
                s.note_outbox_failure(item.seq, true, 5)
                    .unwrap()
                    .unwrap()
                    .attempts,
                5
            );
            s.set_sync_account(&SyncAccount {
                base_url: "https://api.example.com/".into(),
                member_id: "m_1".into(),
            })
            .unwrap();
            s.set_last_synced_at(t0()).unwrap();
            s.close().unwrap();
            item.seq
        };
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.outbox().unwrap()[0].attempts, 5);
        assert_eq!(s.sync_account().unwrap().unwrap().member_id, "m_1");
        assert_eq!(s.last_synced_at().unwrap(), Some(t0()));
        assert_eq!(
            s.sync_cursor(Feed::Vouchers).unwrap().as_deref(),
            Some("c1.1")
        );
        assert!(s
            .note_outbox_failure(seq + 100, false, 5)
            .unwrap()
            .is_none());
    }
}
