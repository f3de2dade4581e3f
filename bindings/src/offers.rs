//! The member's offers (`LoyaltyClient.offers()`): the records the core assembles and the
//! `Offers` object.

use crate::error::Result;
use crate::sync::ListenerHandle;
use crate::types::LineItem;
use loyalty_core as core;
use loyalty_core::offers;
use loyalty_core::reminders::Lang;
use std::sync::Arc;

// The offer, its kind, target, scope, activation, limit, state and refusal, and the member's
// offer item derive uniffi where they are defined (loyalty_domain::offers).
pub use offers::{
    Offer, OfferActivation, OfferItem, OfferKind, OfferLimit, OfferRefusal, OfferScope, OfferState,
    OfferTarget,
};

/// A money discount on one basket line (`line` indexes the basket).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LineDiscount {
    pub line: u64,
    pub offer_id: String,
    pub amount_minor: i64,
}

/// Extra points on one basket line from a points multiplier.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LinePoints {
    pub line: u64,
    pub offer_id: String,
    pub multiplier: u32,
    pub extra_points: i64,
}

/// Units given free on one basket line.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FreeItem {
    pub line: u64,
    pub offer_id: String,
    pub gtin: String,
    pub quantity: i64,
}

/// What the activated offers would give a basket at the till (`Offers.preview`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OfferPreview {
    pub discounts: Vec<LineDiscount>,
    pub extra_points: Vec<LinePoints>,
    pub free_items: Vec<FreeItem>,
    pub total_discount_minor: i64,
    pub total_extra_points: i64,
    /// The offers that apply, sorted.
    pub used_offers: Vec<String>,
}

impl From<offers::Applied> for OfferPreview {
    fn from(a: offers::Applied) -> Self {
        Self {
            total_discount_minor: a.total_discount_minor(),
            total_extra_points: a.total_extra_points(),
            used_offers: a.used_offers().into_iter().map(String::from).collect(),
            discounts: a
                .discounts
                .into_iter()
                .map(|d| LineDiscount {
                    line: d.line as u64,
                    offer_id: d.offer_id,
                    amount_minor: d.amount_minor,
                })
                .collect(),
            extra_points: a
                .extra_points
                .into_iter()
                .map(|p| LinePoints {
                    line: p.line as u64,
                    offer_id: p.offer_id,
                    multiplier: p.multiplier,
                    extra_points: p.extra_points,
                })
                .collect(),
            free_items: a
                .free_items
                .into_iter()
                .map(|f| FreeItem {
                    line: f.line as u64,
                    offer_id: f.offer_id,
                    gtin: f.gtin,
                    quantity: f.quantity,
                })
                .collect(),
        }
    }
}

/// The shopper's text for a refusal, in `language` (BCP 47: `nl-BE`, `fr`, `en`; anything
/// else reads as English).
#[uniffi::export]
pub fn offer_refusal_text(refusal: OfferRefusal, language: String) -> String {
    refusal.text(Lang::negotiate(&language))
}

/// The shopper's text for an offer's state, in `language`.
#[uniffi::export]
pub fn offer_state_text(state: OfferState, language: String) -> String {
    state.text(Lang::negotiate(&language))
}

/// Told the offers (as `Offers.list`) now and after each change (an activation, its answer, a
/// sync). Called like `BalanceListener`.
#[uniffi::export(with_foreign)]
pub trait OffersListener: Send + Sync {
    fn on_offers(&self, offers: Vec<OfferItem>);
}

/// The member's offers: listed as the last sync brought them, activated offline, previewed on
/// a basket with the till's rule.
#[derive(uniffi::Object)]
pub struct Offers {
    pub(crate) api: core::OffersApi,
}

#[uniffi::export]
impl Offers {
    /// Registers an offers listener; keep the handle as long as it should be called.
    pub fn add_listener(&self, listener: Arc<dyn OffersListener>) -> Result<Arc<ListenerHandle>> {
        let handle = self
            .api
            .add_listener(Box::new(move |all| listener.on_offers(all)))?;
        Ok(ListenerHandle::wrap(handle))
    }

    /// The offers that have not ended: usable at the till now first, then the ones to
    /// activate, then activated ones that start later, then used ones.
    pub fn list(&self) -> Result<Vec<OfferItem>> {
        self.api.list()
    }

    /// One offer; `NotFound` when this device does not know it.
    pub fn get(&self, offer_id: String) -> Result<OfferItem> {
        self.api.get(&offer_id)
    }

    /// Activates an opt-in offer, offline: activated (pending) at once, sent with the next
    /// sync. Again, or already activated or used: harmless, nothing changes. Unknown:
    /// `NotFound`; ended: `Conflict`.
    pub fn activate(&self, offer_id: String) -> Result<OfferItem> {
        self.api.activate(&offer_id)
    }

    /// What the activated and automatic offers would give this basket at the till now (the
    /// till decides). Invalid lines: `InvalidInput`.
    pub fn preview(&self, lines: Vec<LineItem>) -> Result<OfferPreview> {
        Ok(self.api.preview(&lines)?.into())
    }
}
