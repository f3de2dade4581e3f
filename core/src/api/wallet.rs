//! The wallet: vouchers and offline redemption.

use super::error::{ApiResult, LoyaltyError};
use super::watch;
use crate::card::{self};
use crate::context::Context;
use crate::runtime::TaskHandle;
use crate::store::Topic;
use crate::wallet::{OutboxItem, OutboxOperation, RedemptionOutcome, Voucher, WalletError};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The wallet: vouchers and offline redemption.
#[derive(Clone)]
pub struct WalletApi {
    pub(super) ctx: Arc<Context>,
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
            .ok_or(LoyaltyError::from(WalletError::NotFound))?;
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
    /// ([`PointsApi::add_listener`](super::PointsApi::add_listener)). A voucher that merely expires with time is no change: read
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
