//! Receipt persistence: receipts by id with indexes by purchase time and by GTIN, written in one
//! transaction.

use super::schema::KEY_RECEIPT_COUNT;
use super::{abort, concat, get, time_key, tx_get, tx_put, Store, StoreError, Tree};
use crate::receipts::{Receipt, ReceiptError};
use chrono::{DateTime, Utc};

pub(crate) fn time_index_key(r: &Receipt) -> Vec<u8> {
    concat(&[&time_key(r.purchased_at), r.id.as_bytes()])
}

pub(super) fn gtin_prefix(gtin: &str) -> Vec<u8> {
    concat(&[gtin.as_bytes(), &[0]])
}

pub(crate) fn gtin_index_keys(r: &Receipt) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = r
        .lines
        .iter()
        .map(|l| {
            concat(&[
                &gtin_prefix(&l.gtin),
                &time_key(r.purchased_at),
                r.id.as_bytes(),
            ])
        })
        .collect();
    loyalty_domain::sort::sort(&mut keys);
    keys.dedup();
    keys
}

impl Store {
    /// Stores a receipt. Returns `false` when the very same receipt was already there (a receipt
    /// delivered twice); a different receipt under the same id is a conflict. What it bought
    /// leaves the shopping list in the same transaction.
    pub fn add_receipt(&self, r: &Receipt) -> Result<bool, StoreError> {
        r.validate()?;
        let _w = self.writer();
        self.transact(
            &[
                Tree::Receipts,
                Tree::ReceiptsByTime,
                Tree::ReceiptsByGtin,
                Tree::List,
                Tree::Meta,
            ],
            |t| {
                let (receipts, by_time, by_gtin) = (&t[0], &t[1], &t[2]);
                match tx_get::<Receipt>(receipts, r.id.as_bytes())? {
                    Some(existing) if &existing == r => return Ok(false),
                    Some(_) => return abort(ReceiptError::Duplicate),
                    None => {}
                }
                tx_put(receipts, r.id.as_bytes(), r)?;
                by_time.insert(&time_index_key(r), &[])?;
                for k in gtin_index_keys(r) {
                    by_gtin.insert(&k, &[])?;
                }
                super::list::take_bought(&t[3], &[r])?;
                super::tx_count(&t[4], KEY_RECEIPT_COUNT, 1)?;
                Ok(true)
            },
        )
    }

    pub fn receipt(&self, id: &str) -> Result<Option<Receipt>, StoreError> {
        self.with(|o| get(o.tree(Tree::Receipts), id.as_bytes()))
    }

    /// Every receipt, oldest purchase first.
    pub fn receipts(&self) -> Result<Vec<Receipt>, StoreError> {
        self.receipts_by_index(Tree::ReceiptsByTime, Vec::new(), None, 0)
    }

    /// Receipts purchased in `[from, to)`, oldest first.
    pub fn receipts_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Receipt>, StoreError> {
        if to <= from {
            return Ok(Vec::new());
        }
        self.receipts_by_index(
            Tree::ReceiptsByTime,
            time_key(from).to_vec(),
            Some(time_key(to).to_vec()),
            0,
        )
    }

    /// Receipts with at least one line of `gtin`, oldest first.
    pub fn receipts_with_gtin(&self, gtin: &str) -> Result<Vec<Receipt>, StoreError> {
        let prefix = gtin_prefix(gtin);
        let mut end = prefix.clone();
        *end.last_mut().expect("prefix ends with a separator") = 1;
        let skip = prefix.len();
        self.receipts_by_index(Tree::ReceiptsByGtin, prefix, Some(end), skip)
    }

    /// Receipts with at least one line in `category` (exact, case-insensitive), oldest first.
    pub fn receipts_in_category(&self, category: &str) -> Result<Vec<Receipt>, StoreError> {
        Ok(self
            .receipts()?
            .into_iter()
            .filter(|r| {
                r.lines
                    .iter()
                    .any(|l| l.category.eq_ignore_ascii_case(category))
            })
            .collect())
    }

    fn receipts_by_index(
        &self,
        index: Tree,
        start: Vec<u8>,
        end: Option<Vec<u8>>,
        skip: usize,
    ) -> Result<Vec<Receipt>, StoreError> {
        self.with(|o| {
            let receipts = o.tree(Tree::Receipts);
            let tree = o.tree(index);
            let iter = match end {
                Some(e) => tree.range(start..e),
                None => tree.range(start..),
            };
            let mut out = Vec::new();
            for kv in iter {
                let (k, _) = kv?;
                // skip the GTIN prefix and the 8-byte time: the rest is the receipt id.
                let id = k.get(skip + 8..).unwrap_or_default();
                match get::<Receipt>(receipts, id)? {
                    Some(r) => out.push(r),
                    None => {
                        return Err(StoreError::Corrupt(
                            "the receipt index disagrees with the receipts".into(),
                        ))
                    }
                }
            }
            Ok(out)
        })
    }

    /// Number of stored receipts (kept in `meta`; the tree is not counted).
    pub fn receipt_count(&self) -> Result<usize, StoreError> {
        self.with(|o| {
            let n = o.meta_u64(KEY_RECEIPT_COUNT)?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }
}
