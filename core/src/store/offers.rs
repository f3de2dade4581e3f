//! The member's offers as the server last listed them (`GET /v1/offers`), with their state. An
//! activation made on the device shows at once as activated (`pending`) and waits in the outbox
//! with it, written in one transaction; the server's answer settles both (activated, or refused:
//! shown as available again). A new list from the server replaces the stored one, keeping the
//! activations still waiting in the outbox.

use super::schema::KEY_OUTBOX_NEXT;
use super::{abort, get, tx_get, tx_get_u64, tx_put, values, Store, StoreError, Tree};
pub use crate::offers::OfferItem;
use crate::offers::{OfferRefusal, OfferState};
use crate::wallet::{self, OutboxItem, OutboxOperation};
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// What a new offer list from the server did to the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferListChange {
    /// Offers stored now.
    pub stored: usize,
    /// Offers added, changed (state, dates, content) or removed.
    pub changed: usize,
}

/// The server's answer to an offer activation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferActivationVerdict {
    /// Activated (or it was used already: `state` says which).
    Activated {
        state: OfferState,
        activated_at: DateTime<Utc>,
    },
    /// Refused: ended, unknown, or another member's.
    Refused(OfferRefusal),
}

fn pending_activations(outbox: &[OutboxItem]) -> HashSet<String> {
    outbox
        .iter()
        .filter_map(|i| match &i.operation {
            OutboxOperation::ActivateOffer { offer_id } => Some(offer_id.clone()),
            _ => None,
        })
        .collect()
}

impl Store {
    pub fn offer(&self, offer_id: &str) -> Result<Option<OfferItem>, StoreError> {
        self.with(|o| get(o.tree(Tree::Offers), offer_id.as_bytes()))
    }

    /// Every stored offer, in id order (the API sorts them for the shopper).
    pub fn offers(&self) -> Result<Vec<OfferItem>, StoreError> {
        self.with(|o| values(o.tree(Tree::Offers).iter()))
    }

    /// The server's list replaces the stored one. An offer whose activation still waits in the
    /// outbox stays activated (pending), and stays listed even if the server left it out, until
    /// the answer settles it. Returns how many offers are stored now and how many changed.
    pub fn replace_offers(&self, items: Vec<OfferItem>) -> Result<OfferListChange, StoreError> {
        for item in &items {
            item.offer.validate()?;
        }
        let _w = self.writer();
        let pending = pending_activations(&self.outbox()?);
        let old: Vec<OfferItem> = self.offers()?;
        let mut new: Vec<OfferItem> = items
            .into_iter()
            .map(|mut item| {
                if pending.contains(&item.offer.id) && item.state == OfferState::Available {
                    let before = old.iter().find(|o| o.offer.id == item.offer.id);
                    item.state = OfferState::Activated;
                    item.pending = true;
                    item.activated_at = before.and_then(|o| o.activated_at);
                }
                item
            })
            .collect();
        for o in &old {
            if o.pending && !new.iter().any(|n| n.offer.id == o.offer.id) {
                new.push(o.clone());
            }
        }
        // New, changed (a state, a date, the offer itself) or gone.
        let changed = new.iter().filter(|n| !old.contains(n)).count()
            + old
                .iter()
                .filter(|o| !new.iter().any(|n| n.offer.id == o.offer.id))
                .count();
        let stored = new.len();
        self.transact(&[Tree::Offers], |t| {
            let offers = &t[0];
            for o in &old {
                offers.remove(o.offer.id.as_bytes())?;
            }
            for n in &new {
                tx_put(offers, n.offer.id.as_bytes(), n)?;
            }
            Ok(())
        })?;
        Ok(OfferListChange { stored, changed })
    }

    /// The shopper activates an offer at `now`: shown as activated (pending) at once, with its
    /// outbox item, in one transaction. An offer already activated (automatic, activated
    /// before, or waiting for the server) or used is left as it is: no second item. Unknown or
    /// ended: the refusal.
    pub fn begin_offer_activation(
        &self,
        offer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(OfferItem, Option<OutboxItem>), StoreError> {
        let key = wallet::new_idempotency_key();
        let _w = self.writer();
        let Some(item) = self.offer(offer_id)? else {
            return Err(StoreError::Offer(OfferRefusal::Unknown));
        };
        if item.state != OfferState::Available {
            return Ok((item, None));
        }
        item.offer
            .check_activation(now)
            .map_err(StoreError::Offer)?;
        self.transact(&[Tree::Meta, Tree::Outbox, Tree::Offers], |t| {
            let (meta, outbox, offers) = (&t[0], &t[1], &t[2]);
            let mut item = item.clone();
            item.state = OfferState::Activated;
            item.activated_at = Some(now);
            item.pending = true;
            let seq = tx_get_u64(meta, KEY_OUTBOX_NEXT)?.max(1);
            let queued = OutboxItem {
                seq,
                idempotency_key: key.clone(),
                operation: OutboxOperation::ActivateOffer {
                    offer_id: item.offer.id.clone(),
                },
                created_at: now,
                attempts: 0,
            };
            tx_put(outbox, &seq.to_be_bytes(), &queued)?;
            meta.insert(KEY_OUTBOX_NEXT, &(seq + 1).to_be_bytes())?;
            tx_put(offers, item.offer.id.as_bytes(), &item)?;
            Ok((item, Some(queued)))
        })
    }

    /// The server answered an activation: the offer and the outbox item settle in one
    /// transaction. `None` when the item was already resolved (or the offer is gone); else the
    /// offer as it now stands.
    pub fn resolve_offer_activation(
        &self,
        item_seq: u64,
        verdict: &OfferActivationVerdict,
    ) -> Result<Option<OfferItem>, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Outbox, Tree::Offers], |t| {
            let (outbox, offers) = (&t[0], &t[1]);
            let Some(queued) = tx_get::<OutboxItem>(outbox, &item_seq.to_be_bytes())? else {
                return Ok(None);
            };
            outbox.remove(&item_seq.to_be_bytes())?;
            let OutboxOperation::ActivateOffer { offer_id } = queued.operation else {
                return abort(StoreError::Corrupt(
                    "an outbox item is not the offer activation it was sent as".into(),
                ));
            };
            let Some(mut item) = tx_get::<OfferItem>(offers, offer_id.as_bytes())? else {
                return Ok(None);
            };
            item.pending = false;
            match verdict {
                OfferActivationVerdict::Activated {
                    state,
                    activated_at,
                } => {
                    item.state = *state;
                    item.activated_at = Some(*activated_at);
                }
                OfferActivationVerdict::Refused(_) => {
                    item.state = OfferState::Available;
                    item.activated_at = None;
                }
            }
            tx_put(offers, offer_id.as_bytes(), &item)?;
            Ok(Some(item))
        })
    }
}
