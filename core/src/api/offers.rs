//! The member's offers: listed as the last sync brought them, activated offline (shown as
//! activated at once, sent with the next sync), and previewed on a basket with the till's own
//! rule ([`apply_offers`]).

use super::error::ApiResult;
use super::watch;
use crate::context::Context;
use crate::log::{log_at, LogLevel};
use crate::membership::{premium_at, Membership};
use crate::offers::{apply_offers, Applied, OfferRefusal, OfferState};
use crate::receipts::LineItem;
use crate::runtime::TaskHandle;
use crate::store::{OfferItem, StoreError, Topic};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The member's personal and general offers.
#[derive(Clone)]
pub struct OffersApi {
    pub(super) ctx: Arc<Context>,
}

/// Where an offer goes in the list: usable at the till now first, then the ones to activate,
/// then activated ones that have not started yet, then used ones.
fn rank(item: &OfferItem, now: DateTime<Utc>) -> u8 {
    match item.state {
        OfferState::Activated if item.offer.is_valid_at(now) => 0,
        OfferState::Available => 1,
        OfferState::Activated => 2,
        OfferState::Used => 3,
    }
}

/// The offers not ended at `now`, in the order the shopper sees them (see [`rank`]; then the
/// soonest ending, then the id). Premium-only offers only while the membership is active:
/// they go at the instant it ends, as at the till.
fn listed(
    store_items: Vec<OfferItem>,
    now: DateTime<Utc>,
    membership: Option<&Membership>,
) -> Vec<OfferItem> {
    let premium = premium_at(membership, now);
    let mut items: Vec<OfferItem> = store_items
        .into_iter()
        .filter(|i| now < i.offer.valid_until && (premium || !i.offer.premium_only))
        .collect();
    loyalty_domain::sort::sort_by(&mut items, |a, b| {
        rank(a, now)
            .cmp(&rank(b, now))
            .then_with(|| a.offer.valid_until.cmp(&b.offer.valid_until))
            .then_with(|| a.offer.id.cmp(&b.offer.id))
    });
    items
}

impl OffersApi {
    /// The offers that have not ended at the client's clock: usable at the till now first,
    /// then the ones to activate, then activated ones that start later, then used ones; the
    /// soonest ending first within each. An activation made here shows as activated at once
    /// (`pending` until the server answered).
    pub fn list(&self) -> ApiResult<Vec<OfferItem>> {
        Ok(listed(
            self.ctx.store.offers()?,
            self.ctx.now(),
            self.ctx.store.membership()?.as_ref(),
        ))
    }

    /// One offer (ended ones included); `NotFound` when this device does not know it.
    pub fn get(&self, offer_id: &str) -> ApiResult<OfferItem> {
        Ok(self
            .ctx
            .store
            .offer(offer_id)?
            .ok_or(StoreError::Offer(OfferRefusal::Unknown))?)
    }

    /// Activates an opt-in offer, offline: shown as activated (pending) at once, sent with the
    /// next sync. Activating again, or an offer that is already activated (automatic ones) or
    /// used, is harmless: nothing changes. An offer this device does not know: `NotFound`; one
    /// that has ended: `Conflict` ([`OfferRefusal::Expired`]). Should the server refuse it
    /// after all, the sync shows it as available again and tells the shopper
    /// ([`SyncNoticeKind::OfferNotActivated`](crate::sync::SyncNoticeKind::OfferNotActivated)).
    pub fn activate(&self, offer_id: &str) -> ApiResult<OfferItem> {
        match self
            .ctx
            .store
            .begin_offer_activation(offer_id, self.ctx.now())
        {
            Ok((item, queued)) => {
                if queued.is_some() {
                    log_at!(LogLevel::Info, "offers", "an offer activation was queued");
                }
                Ok(item)
            }
            Err(StoreError::Offer(r)) => {
                log_at!(
                    LogLevel::Info,
                    "offers",
                    "an offer activation was refused: {}",
                    r.as_str()
                );
                Err(r.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// What the activated offers (automatic ones included) would give this basket at the till
    /// now, by the till's own rule ([`apply_offers`]): discounts per line, free items, extra
    /// points. The till decides (an offer used elsewhere meanwhile no longer applies); this
    /// changes nothing. Invalid lines: `InvalidInput`.
    pub fn preview(&self, lines: &[LineItem]) -> ApiResult<Applied> {
        let now = self.ctx.now();
        let premium = premium_at(self.ctx.store.membership()?.as_ref(), now);
        let offers: Vec<_> = self
            .ctx
            .store
            .offers()?
            .into_iter()
            .filter(|i| i.state == OfferState::Activated && (premium || !i.offer.premium_only))
            .map(|i| i.offer)
            .collect();
        Ok(apply_offers(lines, &offers, now)?)
    }

    /// Calls `listener` with the offers (as [`OffersApi::list`]) now, then after each change (an
    /// activation, its answer, a sync), until the handle is dropped or the client is closed.
    /// An offer that merely ends with time is no change: read [`OffersApi::list`] when the
    /// screen shows.
    pub fn add_listener(
        &self,
        listener: Box<dyn Fn(Vec<OfferItem>) + Send + Sync>,
    ) -> ApiResult<TaskHandle> {
        watch(
            &self.ctx,
            Topic::Offers,
            |c| {
                Ok(listed(
                    c.store.offers()?,
                    c.now(),
                    c.store.membership()?.as_ref(),
                ))
            },
            listener,
        )
    }
}
