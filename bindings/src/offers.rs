//! The member's offers (`LoyaltyClient.offers()`): mirror records and the `Offers` object.

use loyalty_core::offers;

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
