//! Digital receipts: purchase history and proof of purchase.

use super::error::ApiResult;
use super::watch;
use crate::check::InputError;
use crate::context::Context;
use crate::receipts::{validate_gtin, Receipt, ReceiptError};
use crate::runtime::TaskHandle;
use crate::store::Topic;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Digital receipts: purchase history and proof of purchase.
#[derive(Clone)]
pub struct ReceiptsApi {
    pub(super) ctx: Arc<Context>,
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
    /// Called like the balance listener ([`PointsApi::add_listener`](super::PointsApi::add_listener)).
    pub fn add_listener(
        &self,
        listener: Box<dyn Fn(Vec<Receipt>) + Send + Sync>,
    ) -> ApiResult<TaskHandle> {
        watch(&self.ctx, Topic::Receipts, |c| c.store.receipts(), listener)
    }

    /// Stores a receipt; `false` when the same receipt was already stored. What it bought
    /// leaves the shopping list (see [`crate::list`]).
    pub fn add(&self, receipt: Receipt) -> ApiResult<bool> {
        // The index's lock is held across the store's write, so a reader (a plan, the list's
        // usual items) never sees the receipt stored but not indexed.
        let mut index = self
            .ctx
            .reminder_index
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let added = self.ctx.store.add_receipt(&receipt)?;
        if added {
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
