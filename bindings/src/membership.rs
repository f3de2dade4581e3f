//! Premium membership (`LoyaltyClient.membership()`): the records that cross in another shape
//! than the domain's (the plan name: see ARCHITECTURE.md) and the
//! `PremiumMembership` object.

use crate::error::Result;
use crate::types::st;
use loyalty_core as core;
use loyalty_core::membership;
use std::time::SystemTime;

/// The plan's name in each language the app speaks.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PlanName {
    pub nl: String,
    pub fr: String,
    pub en: String,
}

/// A paid membership as the retailer recorded it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MembershipRecord {
    pub plan: String,
    pub name: PlanName,
    pub started_at: SystemTime,
    /// The instant the benefits stop.
    pub ends_at: SystemTime,
    /// Renews by itself (the platform's subscription); else it lapses at `ends_at`.
    pub auto_renews: bool,
    /// Points earned while active, in percent of everyone's (200: double).
    pub points_percent: u32,
}

/// Derives uniffi where it is defined (loyalty_domain::membership).
pub use membership::MembershipStatus;

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
        let m = s.membership;
        Self {
            membership: MembershipRecord {
                plan: m.plan,
                name: PlanName {
                    nl: m.name.nl,
                    fr: m.name.fr,
                    en: m.name.en,
                },
                started_at: st(m.started_at),
                ends_at: st(m.ends_at),
                auto_renews: m.auto_renews,
                points_percent: m.points_percent,
            },
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
