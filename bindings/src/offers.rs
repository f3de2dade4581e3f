//! The member's offers (`LoyaltyClient.offers()`): mirror records and the `Offers` object.

use crate::error::Result;
use crate::sync::ListenerHandle;
use crate::types::{st, LineItem, Money};
use loyalty_core as core;
use loyalty_core::offers;
use loyalty_core::receipts::OfferTitle;
use loyalty_core::reminders::Lang;
use std::sync::Arc;
use std::time::SystemTime;

/// Why an offer cannot be activated (text for the shopper: `offerRefusalText`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OfferRefusal {
    /// No such offer.
    Unknown,
    /// A personal offer meant for another member.
    NotYours,
    /// The offer has ended.
    Expired,
    /// Used as often as its limit allows.
    AlreadyUsed,
}

impl From<offers::OfferRefusal> for OfferRefusal {
    fn from(r: offers::OfferRefusal) -> Self {
        match r {
            offers::OfferRefusal::Unknown => OfferRefusal::Unknown,
            offers::OfferRefusal::NotYours => OfferRefusal::NotYours,
            offers::OfferRefusal::Expired => OfferRefusal::Expired,
            offers::OfferRefusal::AlreadyUsed => OfferRefusal::AlreadyUsed,
        }
    }
}

impl From<OfferRefusal> for offers::OfferRefusal {
    fn from(r: OfferRefusal) -> Self {
        match r {
            OfferRefusal::Unknown => offers::OfferRefusal::Unknown,
            OfferRefusal::NotYours => offers::OfferRefusal::NotYours,
            OfferRefusal::Expired => offers::OfferRefusal::Expired,
            OfferRefusal::AlreadyUsed => offers::OfferRefusal::AlreadyUsed,
        }
    }
}

/// What an offer is about: one product (GTIN) or every product of a category.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum OfferTarget {
    Product { gtin: String },
    Category { category: String },
}

/// What an offer gives.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum OfferKind {
    /// A fixed amount off one matching line.
    AmountOff { target: OfferTarget, amount: Money },
    /// A percentage (1–100) off every matching line.
    PercentOff { target: OfferTarget, percent: u32 },
    /// The points of every matching line multiplied (2 = double points).
    PointsMultiplier {
        target: OfferTarget,
        multiplier: u32,
    },
    /// `quantity` units of a product free.
    FreeProduct { gtin: String, quantity: u32 },
}

/// For whom the offer was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OfferScope {
    General,
    /// Assigned to this member.
    Personal,
}

/// How an offer becomes usable at the till.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OfferActivation {
    /// Usable as soon as it is published.
    Automatic,
    /// The shopper activates it in the app first.
    OptIn,
}

/// How often an offer can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OfferLimit {
    OncePerMember,
    OncePerHousehold,
}

/// Where an offer stands for the member (text for the shopper: `offerStateText`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OfferState {
    /// Opt-in, not activated yet.
    Available,
    /// Activated, or automatic: the till applies it when it matches the basket.
    Activated,
    /// Used at the till.
    Used,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Offer {
    pub id: String,
    pub title: OfferTitle,
    pub kind: OfferKind,
    /// Units of matching products the basket must hold.
    pub min_quantity: u32,
    pub valid_from: SystemTime,
    /// Exclusive end.
    pub valid_until: SystemTime,
    pub scope: OfferScope,
    pub activation: OfferActivation,
    pub limit: OfferLimit,
    /// Only for premium members (listed to them only, applied while their membership runs).
    #[uniffi(default = false)]
    pub premium_only: bool,
}

/// One of the member's offers and where it stands for them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OfferItem {
    pub offer: Offer,
    pub state: OfferState,
    pub activated_at: Option<SystemTime>,
    pub used_at: Option<SystemTime>,
    /// Activated on this device; the server has not answered yet.
    pub pending: bool,
}

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

fn target(t: offers::OfferTarget) -> OfferTarget {
    match t {
        offers::OfferTarget::Product { gtin } => OfferTarget::Product { gtin },
        offers::OfferTarget::Category { category } => OfferTarget::Category { category },
    }
}

impl From<offers::OfferState> for OfferState {
    fn from(s: offers::OfferState) -> Self {
        match s {
            offers::OfferState::Available => OfferState::Available,
            offers::OfferState::Activated => OfferState::Activated,
            offers::OfferState::Used => OfferState::Used,
        }
    }
}

impl From<OfferState> for offers::OfferState {
    fn from(s: OfferState) -> Self {
        match s {
            OfferState::Available => offers::OfferState::Available,
            OfferState::Activated => offers::OfferState::Activated,
            OfferState::Used => offers::OfferState::Used,
        }
    }
}

impl From<offers::Offer> for Offer {
    fn from(o: offers::Offer) -> Self {
        Self {
            id: o.id,
            title: o.title,
            kind: match o.kind {
                offers::OfferKind::AmountOff { target: t, amount } => OfferKind::AmountOff {
                    target: target(t),
                    amount,
                },
                offers::OfferKind::PercentOff { target: t, percent } => OfferKind::PercentOff {
                    target: target(t),
                    percent,
                },
                offers::OfferKind::PointsMultiplier {
                    target: t,
                    multiplier,
                } => OfferKind::PointsMultiplier {
                    target: target(t),
                    multiplier,
                },
                offers::OfferKind::FreeProduct { gtin, quantity } => {
                    OfferKind::FreeProduct { gtin, quantity }
                }
            },
            min_quantity: o.min_quantity,
            valid_from: st(o.valid_from),
            valid_until: st(o.valid_until),
            scope: match o.scope {
                offers::OfferScope::General => OfferScope::General,
                offers::OfferScope::Personal => OfferScope::Personal,
            },
            activation: match o.activation {
                offers::OfferActivation::Automatic => OfferActivation::Automatic,
                offers::OfferActivation::OptIn => OfferActivation::OptIn,
            },
            limit: match o.limit {
                offers::OfferLimit::OncePerMember => OfferLimit::OncePerMember,
                offers::OfferLimit::OncePerHousehold => OfferLimit::OncePerHousehold,
            },
            premium_only: o.premium_only,
        }
    }
}

impl From<core::store::OfferItem> for OfferItem {
    fn from(i: core::store::OfferItem) -> Self {
        Self {
            offer: i.offer.into(),
            state: i.state.into(),
            activated_at: i.activated_at.map(st),
            used_at: i.used_at.map(st),
            pending: i.pending,
        }
    }
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
    offers::OfferRefusal::from(refusal).text(Lang::negotiate(&language))
}

/// The shopper's text for an offer's state, in `language`.
#[uniffi::export]
pub fn offer_state_text(state: OfferState, language: String) -> String {
    offers::OfferState::from(state).text(Lang::negotiate(&language))
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
        let handle = self.api.add_listener(Box::new(move |all| {
            listener.on_offers(all.into_iter().map(Into::into).collect())
        }))?;
        Ok(ListenerHandle::wrap(handle))
    }

    /// The offers that have not ended: usable at the till now first, then the ones to
    /// activate, then activated ones that start later, then used ones.
    pub fn list(&self) -> Result<Vec<OfferItem>> {
        Ok(self.api.list()?.into_iter().map(Into::into).collect())
    }

    /// One offer; `NotFound` when this device does not know it.
    pub fn get(&self, offer_id: String) -> Result<OfferItem> {
        Ok(self.api.get(&offer_id)?.into())
    }

    /// Activates an opt-in offer, offline: activated (pending) at once, sent with the next
    /// sync. Again, or already activated or used: harmless, nothing changes. Unknown:
    /// `NotFound`; ended: `Conflict`.
    pub fn activate(&self, offer_id: String) -> Result<OfferItem> {
        Ok(self.api.activate(&offer_id)?.into())
    }

    /// What the activated and automatic offers would give this basket at the till now (the
    /// till decides). Invalid lines: `InvalidInput`.
    pub fn preview(&self, lines: Vec<LineItem>) -> Result<OfferPreview> {
        Ok(self.api.preview(&lines)?.into())
    }
}
