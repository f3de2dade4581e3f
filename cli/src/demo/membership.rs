//! Act 10: the shopper takes the retailer's paid Plus membership (paid in the app store or at
//! the till; the back office records it); the phone learns it with the next sync and shows it
//! offline, with what a purchase now earns.

use super::labels;
use super::script::demo_now;
use super::Demo;
use crate::app::{CliError, CliResult};
use chrono::Duration;
use serde_json::{json, Value};

impl Demo<'_> {
    /// The summary's `membership`.
    pub(super) fn membership(&self) -> CliResult<Value> {
        let lang = self.lang;
        let out = self.out;
        out.section(labels::membership_section(lang))?;
        let now = demo_now();
        let record = json!({
            "plan": "plus",
            "name": {"nl": "Plus", "fr": "Plus", "en": "Plus"},
            "started_at": now,
            "ends_at": now + Duration::days(365),
            "auto_renews": false,
            "points_percent": 200,
        });
        self.till.call(
            "PUT",
            &format!("/v1/admin/members/{}/membership", self.member_id),
            Some(&record),
            None,
        )?;
        self.client.sync().sync_now_blocking()?;
        let membership = self.client.membership();
        let state = membership
            .current(self.lang.code())?
            .ok_or_else(|| CliError::other("the synced membership is missing"))?;
        let points = membership.points_for(43)?;
        out.line(format!("  {}", state.text))?;
        out.line(labels::membership_earns(lang, points))?;
        Ok(
            json!({"membership": {"status": state.status, "days_left": state.days_left,
                                 "points_for_43": points}}),
        )
    }
}
