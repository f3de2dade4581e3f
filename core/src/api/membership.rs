//! Premium membership (issue #12 part 3): the record the last sync brought, judged offline with
//! the client's clock — its benefits stop at the instant it ends.

use super::error::ApiResult;
use crate::context::Context;
use crate::membership::{status_line, Membership, MembershipStatus};
use crate::reminders::{Context as ReminderContext, Lang};
use crate::store::ReminderKey;
use std::sync::Arc;

/// Premium membership.
#[derive(Clone)]
pub struct MembershipApi {
    pub(super) ctx: Arc<Context>,
}

/// The membership as the app shows it, at the client's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipState {
    pub membership: Membership,
    pub status: MembershipStatus,
    /// Whole days to the end, rounded up (0 once ended).
    pub days_left: i64,
    /// The line for the shopper ("Plus member until 31 December", "… Renews on …").
    pub text: String,
}

impl MembershipApi {
    /// The member's membership, if the retailer recorded one (upcoming, active or ended),
    /// with its status now and the shopper's line in `lang` (`nl`, `fr`, `en`; BCP 47 tags
    /// negotiate), dated on the phone's local calendar (the reminders' context).
    pub fn current(&self, lang: &str) -> ApiResult<Option<MembershipState>> {
        let Some(m) = self.ctx.store.membership()? else {
            return Ok(None);
        };
        let now = self.ctx.now();
        let offset = self
            .ctx
            .store
            .reminder_value::<ReminderContext>(ReminderKey::Context)?
            .map_or(0, |c| c.local_utc_offset_minutes);
        Ok(Some(MembershipState {
            status: m.status(now),
            days_left: m.days_left(now),
            text: status_line(&m, now, Lang::negotiate(lang), offset),
            membership: m,
        }))
    }

    /// Whether premium benefits apply now (premium-only offers, the points multiplier).
    pub fn is_premium(&self) -> ApiResult<bool> {
        Ok(crate::membership::premium_at(
            self.ctx.store.membership()?.as_ref(),
            self.ctx.now(),
        ))
    }

    /// The points a purchase now earns from the programme's `base` points: multiplied while
    /// the membership is active (rounded up for the member), as the till credits them.
    pub fn points_for(&self, base: i64) -> ApiResult<i64> {
        Ok(crate::membership::points_with(
            self.ctx.store.membership()?.as_ref(),
            base,
            self.ctx.now(),
        ))
    }
}
