//! Wallet persistence: vouchers by id, the usable index, and the outbox of offline redemptions.
//! A voucher's state and its outbox item always change in the same transaction.

use super::schema::{usable_key, KEY_OUTBOX_NEXT, KEY_VOUCHER_COUNT};
use super::TxTree;
use super::{
    abort, get, time_key, tx_get, tx_get_u64, tx_put, values, Store, StoreError, Tree, TxResult,
};
use crate::wallet::{
    self, OutboxItem, OutboxOperation, RedemptionOutcome, Voucher, VoucherState, WalletError,
};
use chrono::{DateTime, Duration, Utc};

pub(super) fn set_voucher(
    vouchers: &TxTree,
    usable: &TxTree,
    old: Option<&Voucher>,
    new: &Voucher,
) -> TxResult<()> {
    if let Some(old) = old {
        usable.remove(&usable_key(old))?;
    }
    if new.state == VoucherState::Available {
        usable.insert(&usable_key(new), &[])?;
    }
    tx_put(vouchers, new.id.as_bytes(), new)
}

/// The retailer's Ed25519 public key for voucher codes (32 bytes), in the meta tree.
const KEY_RETAILER_VOUCHER_KEY: &[u8] = b"retailer_voucher_key";

impl Store {
    /// The retailer's voucher public key, when one was set.
    pub fn retailer_voucher_key(&self) -> Result<Option<[u8; 32]>, StoreError> {
        let bytes: Option<Vec<u8>> =
            self.with(|o| get(o.tree(Tree::Meta), KEY_RETAILER_VOUCHER_KEY))?;
        Ok(bytes.and_then(|b| b.try_into().ok()))
    }

    pub fn set_retailer_voucher_key(&self, key: &[u8; 32]) -> Result<(), StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| {
            tx_put(&t[0], KEY_RETAILER_VOUCHER_KEY, &key.to_vec())
        })
    }

    /// Adds a voucher or replaces it with the retailer's newer version. A redemption this device
    /// started and the server has not answered yet is kept: the device knows what it did offline.
    pub fn upsert_voucher(&self, v: &Voucher) -> Result<Voucher, StoreError> {
        v.validate()?;
        let _w = self.writer();
        self.transact(&[Tree::Vouchers, Tree::VoucherUsable, Tree::Meta], |t| {
            let (vouchers, usable) = (&t[0], &t[1]);
            let old: Option<Voucher> = tx_get(vouchers, v.id.as_bytes())?;
            if old.is_none() {
                super::tx_count(&t[2], KEY_VOUCHER_COUNT, 1)?;
            }
            let mut new = v.clone();
            if let Some(VoucherState::Redeeming { .. }) = old.as_ref().map(|o| &o.state) {
                if matches!(new.state, VoucherState::Available) {
                    new.state = old.as_ref().map(|o| o.state.clone()).unwrap_or(new.state);
                }
            }
            set_voucher(vouchers, usable, old.as_ref(), &new)?;
            Ok(new)
        })
    }

    pub fn voucher(&self, id: &str) -> Result<Option<Voucher>, StoreError> {
        self.with(|o| get(o.tree(Tree::Vouchers), id.as_bytes()))
    }

    pub fn vouchers(&self) -> Result<Vec<Voucher>, StoreError> {
        self.with(|o| values(o.tree(Tree::Vouchers).iter()))
    }

    /// Vouchers usable at `now`, soonest expiry first.
    pub fn usable_vouchers(&self, now: DateTime<Utc>) -> Result<Vec<Voucher>, StoreError> {
        self.available_expiring_between(now, None)
            .map(|vs| vs.into_iter().filter(|v| v.is_usable(now)).collect())
    }

    /// Available vouchers whose window ends after `now` and within `days`, soonest first.
    pub fn vouchers_expiring_within(
        &self,
        now: DateTime<Utc>,
        days: u32,
    ) -> Result<Vec<Voucher>, StoreError> {
        // A window past chrono's range has no end (never a panic, whatever `days`).
        let until = now
            .checked_add_signed(Duration::days(i64::from(days)))
            .filter(|u| u.checked_add_signed(Duration::milliseconds(1)).is_some());
        self.available_expiring_between(now, until)
    }

    fn available_expiring_between(
        &self,
        after: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<Voucher>, StoreError> {
        // Keys are `valid_until ++ id`; start just past `after` (valid_until > after). At the
        // end of chrono's range nothing ends later.
        let Some(start) = after.checked_add_signed(Duration::milliseconds(1)) else {
            return Ok(Vec::new());
        };
        self.with(|o| {
            let start = time_key(start).to_vec();
            let vouchers = o.tree(Tree::Vouchers);
            let mut out = Vec::new();
            let range = match until {
                Some(u) => o
                    .tree(Tree::VoucherUsable)
                    .range(start..time_key(u + Duration::milliseconds(1)).to_vec()),
                None => o.tree(Tree::VoucherUsable).range(start..),
            };
            for kv in range {
                let (k, _) = kv?;
                let id = &k[8..];
                match get::<Voucher>(vouchers, id)? {
                    Some(v) if v.state == VoucherState::Available => out.push(v),
                    _ => {
                        return Err(StoreError::Corrupt(
                            "the voucher index disagrees with the vouchers".into(),
                        ))
                    }
                }
            }
            Ok(out)
        })
    }

    /// Available → Redeeming, with the redemption queued in the outbox, in one transaction.
    pub fn begin_redemption(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(Voucher, OutboxItem), StoreError> {
        let key = wallet::new_idempotency_key();
        let _w = self.writer();
        self.transact(
            &[
                Tree::Meta,
                Tree::Vouchers,
                Tree::VoucherUsable,
                Tree::Outbox,
            ],
            |t| {
                let (meta, vouchers, usable, outbox) = (&t[0], &t[1], &t[2], &t[3]);
                let Some(old) = tx_get::<Voucher>(vouchers, id.as_bytes())? else {
                    return abort(WalletError::NotFound);
                };
                let mut v = old.clone();
                wallet::begin_redemption(&mut v, now, key.clone()).or_else(abort)?;
                let seq = tx_get_u64(meta, KEY_OUTBOX_NEXT)?.max(1);
                let item = OutboxItem {
                    seq,
                    idempotency_key: key.clone(),
                    operation: OutboxOperation::RedeemVoucher {
                        voucher_id: v.id.clone(),
                    },
                    created_at: now,
                    attempts: 0,
                };
                tx_put(outbox, &seq.to_be_bytes(), &item)?;
                meta.insert(KEY_OUTBOX_NEXT, &(seq + 1).to_be_bytes())?;
                set_voucher(vouchers, usable, Some(&old), &v)?;
                Ok((v, item))
            },
        )
    }

    /// Applies the server's answer: the voucher leaves Redeeming and its outbox item is removed,
    /// in one transaction.
    pub fn complete_redemption(
        &self,
        id: &str,
        outcome: RedemptionOutcome,
        now: DateTime<Utc>,
    ) -> Result<Voucher, StoreError> {
        let _w = self.writer();
        let item_key = self
            .outbox()?
            .into_iter()
            .find(|i| matches!(&i.operation, OutboxOperation::RedeemVoucher { voucher_id } if voucher_id == id))
            .map(|i| i.seq.to_be_bytes());
        self.transact(&[Tree::Vouchers, Tree::VoucherUsable, Tree::Outbox], |t| {
            let (vouchers, usable, outbox) = (&t[0], &t[1], &t[2]);
            let Some(old) = tx_get::<Voucher>(vouchers, id.as_bytes())? else {
                return abort(WalletError::NotFound);
            };
            let mut v = old.clone();
            wallet::complete_redemption(&mut v, outcome, now).or_else(abort)?;
            match item_key {
                Some(k) => {
                    outbox.remove(&k)?;
                }
                None => {
                    return abort(StoreError::Corrupt(
                        "a redemption in progress has no outbox item".into(),
                    ))
                }
            }
            set_voucher(vouchers, usable, Some(&old), &v)?;
            Ok(v)
        })
    }

    /// The retailer withdraws an unused voucher.
    pub fn revoke_voucher(&self, id: &str, now: DateTime<Utc>) -> Result<Voucher, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Vouchers, Tree::VoucherUsable], |t| {
            let (vouchers, usable) = (&t[0], &t[1]);
            let Some(old) = tx_get::<Voucher>(vouchers, id.as_bytes())? else {
                return abort(WalletError::NotFound);
            };
            let mut v = old.clone();
            wallet::revoke(&mut v, now).or_else(abort)?;
            set_voucher(vouchers, usable, Some(&old), &v)?;
            Ok(v)
        })
    }

    /// Offline work waiting for the server, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        self.with(|o| values(o.tree(Tree::Outbox).iter()))
    }
}
