//! Premium membership (`LoyaltyClient.membership()`): the membership's state at the client's
//! clock (a core record: see ARCHITECTURE.md) and the `PremiumMembership` object.

use crate::error::Result;
use loyalty_core as core;
use loyalty_core::membership;

// `MembershipStatus`, `MembershipRecord` (the domain's `Membership`) and `PlanName` (a type alias
// of `OfferTitle` in Kotlin and Swift) derive uniffi where they are defined
// (loyalty_domain::membership).
use membership::{Membership as MembershipRecord, MembershipStatus};

/// The membership at the client's clock.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MembershipState {
    pub membership: MembershipRecord,
    pub status: MembershipStatus,
    /// Whole days to the end, rounded up (0 once ended).
    pub days_left: i64,
    /// The shopper's line ("Plus member until 31 December", "… Renews on …").
    pub text: String,
}

impl From<core::MembershipState> for MembershipState {
    fn from(s: core::MembershipState) -> Self {
        Self {
            membership: s.membership,
            status: s.status,
            days_left: s.days_left,
            text: s.text,
        }
    }
}

/// The premium membership the retailer recorded (synced with `GET /v1/me`), judged offline
/// with the client's clock: its benefits stop at the instant it ends.
#[derive(uniffi::Object)]
pub struct PremiumMembership {
    pub(crate) api: core::MembershipApi,
}

#[uniffi::export]
impl PremiumMembership {
    /// The membership (upcoming, active or ended) with its status and the shopper's line in
    /// `language` (BCP 47); `null` when the member has none.
    pub fn current(&self, language: String) -> Result<Option<MembershipState>> {
        Ok(self.api.current(&language)?.map(Into::into))
    }

    /// Whether premium benefits apply now (premium-only offers, the points multiplier).
    pub fn is_premium(&self) -> Result<bool> {
        self.api.is_premium()
    }

    /// The points a purchase now earns from the programme's `base` points, as the till credits
    /// them (multiplied while the membership is active, rounded up for the member).
    pub fn points_for(&self, base: i64) -> Result<i64> {
        self.api.points_for(base)
    }
}
