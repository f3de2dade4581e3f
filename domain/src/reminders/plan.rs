//! Inputs and outputs of the planner: settings, context, feedback, history and the plan itself.

use super::catalogue::Catalogue;
use super::push::PushMessage;
use super::rules::RuleSet;
use super::vocab::{Category, Lang, ReminderKind, Selector};
use crate::check::InputError;
use crate::points::TierStatus;
use crate::wallet::Voucher;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Context and settings

/// What the app knows about the world right now. A change of any of it (a new forecast, a new
/// time zone after travel or a daylight-saving switch) is a reason to plan again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// The device's current offset from UTC in minutes (CET = 60, CEST = 120). Quiet hours, send
    /// times and calendar days are all in this local time. There is no time-zone database here:
    /// the app plans again when the offset changes.
    #[serde(default)]
    pub local_utc_offset_minutes: i32,
    /// The lowest temperature forecast for the coming days, in tenths of a degree Celsius.
    #[serde(default)]
    pub forecast_min_temp_c_tenths: Option<i32>,
    /// The highest temperature forecast for the coming days, in tenths of a degree Celsius.
    #[serde(default)]
    pub forecast_max_temp_c_tenths: Option<i32>,
    /// Any other named signal the app supplies (e.g. "pollen_level": 3), for rule gates.
    #[serde(default)]
    pub signals: BTreeMap<String, i64>,
}

impl Context {
    pub fn validate(&self) -> Result<(), InputError> {
        if !(-1080..=1080).contains(&self.local_utc_offset_minutes) {
            return Err(InputError::new(
                "local_utc_offset_minutes must be between -1080 and 1080",
            ));
        }
        for t in [
            self.forecast_min_temp_c_tenths,
            self.forecast_max_temp_c_tenths,
        ]
        .into_iter()
        .flatten()
        {
            if !(-1000..=1000).contains(&t) {
                return Err(InputError::new(
                    "forecast temperatures must be between -100.0 and 100.0 °C",
                ));
            }
        }
        if self.signals.len() > 100 {
            return Err(InputError::new("at most 100 context signals"));
        }
        if self.signals.keys().any(|k| k.is_empty() || k.len() > 64) {
            return Err(InputError::new("a signal name is 1 to 64 bytes"));
        }
        Ok(())
    }
}

/// Which categories the shopper agreed to receive. Marketing is opt-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Consent {
    pub marketing: bool,
    pub service: bool,
    pub safety: bool,
    /// In-store notifications when the phone enters a store (opt-in). The device's own: the
    /// store visits it reads never leave the phone, and the server's copy of the consent does
    /// not carry it.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub location: bool,
}

impl Default for Consent {
    fn default() -> Self {
        Self {
            marketing: false,
            service: true,
            safety: true,
            location: false,
        }
    }
}

impl Consent {
    pub fn allows(&self, c: Category) -> bool {
        match c {
            Category::Marketing => self.marketing,
            Category::Service => self.service,
            Category::Safety => self.safety,
        }
    }
}

/// Local times (minutes after midnight) between which nothing is shown. `start > end` spans
/// midnight (22:00–07:00 is `start_minute: 1320, end_minute: 420`). A notification that falls
/// inside is postponed to `end_minute`, not dropped, unless that is past its useful life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QuietHours {
    pub start_minute: u16,
    pub end_minute: u16,
}

impl QuietHours {
    /// If local minute-of-day `m` is quiet, how many minutes until the quiet period ends.
    pub(crate) fn minutes_until_end(&self, m: i64) -> Option<i64> {
        let (s, e) = (i64::from(self.start_minute), i64::from(self.end_minute));
        if s < e {
            (s <= m && m < e).then_some(e - m)
        } else if m >= s {
            Some(1440 - m + e)
        } else if m < e {
            Some(e - m)
        } else {
            None
        }
    }
}

/// How many notifications may be shown per local calendar day and per local calendar week
/// (Monday to Sunday). `None`: no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CapLimit {
    #[serde(default)]
    pub per_day: Option<u32>,
    #[serde(default)]
    pub per_week: Option<u32>,
}

/// Frequency caps: one over all non-safety notifications, one per category. Safety
/// notifications are never capped and do not use up the budget of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Caps {
    pub total: CapLimit,
    pub marketing: CapLimit,
    pub service: CapLimit,
}

impl Default for Caps {
    fn default() -> Self {
        Self {
            total: CapLimit {
                per_day: Some(3),
                per_week: Some(8),
            },
            marketing: CapLimit {
                per_day: Some(1),
                per_week: Some(3),
            },
            service: CapLimit {
                per_day: Some(2),
                per_week: Some(6),
            },
        }
    }
}

/// The shopper's notification preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi(name = "ReminderSettings")
)]
pub struct Settings {
    /// BCP 47 tag of the app's language ("nl-BE"); see [`Lang::negotiate`].
    pub language: String,
    pub consent: Consent,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    pub caps: Caps,
    /// How far ahead the plan reaches, in days (1–90). Later reminders come with a later plan.
    pub horizon_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            language: "en".into(),
            consent: Consent::default(),
            quiet_hours: Some(QuietHours {
                start_minute: 22 * 60,
                end_minute: 8 * 60,
            }),
            caps: Caps::default(),
            horizon_days: 14,
        }
    }
}

impl Settings {
    pub fn validate(&self) -> Result<(), InputError> {
        if self.language.len() > 64 {
            return Err(InputError::new("language tag is at most 64 bytes"));
        }
        if let Some(q) = self.quiet_hours {
            if q.start_minute >= 1440 || q.end_minute >= 1440 {
                return Err(InputError::new(
                    "quiet hours are minutes after midnight, below 1440",
                ));
            }
            if q.start_minute == q.end_minute {
                return Err(InputError::new(
                    "quiet hours must start and end at different times",
                ));
            }
        }
        if !(1..=90).contains(&self.horizon_days) {
            return Err(InputError::new("horizon_days must be between 1 and 90"));
        }
        Ok(())
    }

    pub fn lang(&self) -> Lang {
        Lang::negotiate(&self.language)
    }
}

// ---------------------------------------------------------------------------------------------
// Feedback and history

/// What the shopper did with a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", try_from = "raw::Feedback")]
pub enum Feedback {
    /// "Not interested": this notification (this id) is never planned again.
    Dismissed { id: String },
    /// "Remind me later": not before `until`, then as usual (if still useful).
    Snoozed { id: String, until: DateTime<Utc> },
    /// "Stop these": nothing from this rule any more (rule id, or "push"). Safety notices cannot
    /// be muted this way; each one can be dismissed.
    MutedRule { rule_id: String },
}

/// A notification the device has shown. Entries dated after `now` are ignored (a plan
/// replaces everything the previous plan scheduled but did not show yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivered {
    pub id: String,
    pub at: DateTime<Utc>,
    pub category: Category,
}

// ---------------------------------------------------------------------------------------------
// Input and output

/// Everything a plan depends on, except the receipts (see [`super::plan`] and
/// [`super::plan_with_index`]).
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub now: DateTime<Utc>,
    pub rules: &'a RuleSet,
    pub catalogue: &'a Catalogue,
    pub settings: &'a Settings,
    pub context: &'a Context,
    pub vouchers: &'a [Voucher],
    pub tier: Option<&'a TierStatus>,
    /// When the shopper joined the programme (for the welcome message).
    pub enrolled_at: Option<DateTime<Utc>>,
    pub feedback: &'a [Feedback],
    pub history: &'a [Delivered],
    /// Push payloads received and parsed with [`super::parse_push`], still to be shown.
    pub pushes: &'a [PushMessage],
    /// The store the phone is in, if the app said so and the shopper allowed it.
    pub visit: Option<&'a StoreVisit>,
    /// Offers the retailer gave the shopper automatically and the till applies until they end
    /// (not used yet): the voucher-expiry rule reminds of them as of vouchers.
    pub assigned_offers: &'a [AssignedOffer],
    /// The shopper answered the survey after the second purchase (or a vote of that audience):
    /// the survey reminder is planned no more.
    pub survey_answered: bool,
    /// The member's premium membership as last synced (the renewal reminder reads it).
    pub membership: Option<&'a crate::membership::Membership>,
}

/// An offer given to the shopper automatically, not used yet, for the "time to spend it"
/// reminder: its id, its title in the shopper's language, and its window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignedOffer {
    pub id: String,
    pub title: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
}

/// The phone is in a store: told by the app (geofence or beacon), kept only with location
/// consent. No position: the store's id and name, and what the in-store notification shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreVisit {
    pub store_id: String,
    pub store_name: String,
    pub entered_at: DateTime<Utc>,
    /// Unchecked items on the shopping list.
    #[serde(default)]
    pub list_items: u32,
    /// Titles of the activated offers valid in this store (in the shopper's language).
    #[serde(default)]
    pub offers: Vec<String>,
}

impl StoreVisit {
    pub fn validate(&self) -> Result<(), InputError> {
        let text = |field: &str, v: &str, max: usize| {
            if v.trim().is_empty() || v.len() > max {
                Err(InputError::new(format!("{field} is 1 to {max} bytes")))
            } else {
                Ok(())
            }
        };
        text("store id", &self.store_id, 64)?;
        text("store name", &self.store_name, 200)?;
        if self.offers.len() > 100 {
            return Err(InputError::new("a visit lists at most 100 offers"));
        }
        for o in &self.offers {
            text("offer title", o, 200)?;
        }
        Ok(())
    }
}

impl<'a> PlanInput<'a> {
    /// An input with no vouchers, tier, enrolment, feedback, history or pushes.
    pub fn new(
        now: DateTime<Utc>,
        rules: &'a RuleSet,
        catalogue: &'a Catalogue,
        settings: &'a Settings,
        context: &'a Context,
    ) -> Self {
        Self {
            now,
            rules,
            catalogue,
            settings,
            context,
            vouchers: &[],
            tier: None,
            enrolled_at: None,
            feedback: &[],
            history: &[],
            pushes: &[],
            visit: None,
            assigned_offers: &[],
            survey_answered: false,
            membership: None,
        }
    }
}

/// One local notification for the native layer to schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedNotification {
    /// Stable: `rule id : subject : period` (e.g. `dog-food:5410000000013:20260301`), the same
    /// in every plan for the same reminder, so the app can replace and cancel by id.
    pub id: String,
    pub at: DateTime<Utc>,
    pub title: String,
    pub body: String,
    pub deep_link: String,
    pub category: Category,
    pub kind: ReminderKind,
    /// The rule that produced it ("recall" for recall notices, "push" for pushed messages).
    pub rule_id: String,
    /// "Why you got this", in the shopper's language.
    pub reason: String,
    /// What the reminder offers to put on the shopping list ("Add it to your shopping list?"):
    /// replenishment reminders carry one, the others none. Pass the whole notification back to
    /// the list's `add_from_reminder` when the shopper takes it.
    #[serde(default)]
    pub list_offer: Option<ListOffer>,
}

/// "Add it to your shopping list?": the action a replenishment reminder offers, with what it
/// puts on the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListOffer {
    /// The action's label in the shopper's language ("Add to shopping list").
    pub action: String,
    /// The item's name on the list: the product's (its latest receipt line), or the rule's
    /// label for a rule that pools a group.
    pub name: String,
    /// The product the reminder is about (for a group, the one bought last).
    pub gtin: String,
    /// What counts as buying it, so the item leaves the list with the receipt that has it: the
    /// product, or every product of the group the rule pooled (its GTINs and categories).
    pub bought_with: Selector,
}

/// Why a reminder that a rule produced is not in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SuppressReason {
    /// The shopper did not consent to its category.
    NoConsent,
    /// The shopper dismissed it.
    Dismissed,
    /// The shopper muted its rule.
    RuleMuted,
    /// It was shown already.
    AlreadyDelivered,
    /// The same reminder was shown recently (a rule's or content's repeat interval).
    TooSoon,
    /// Another reminder in this plan covers the same thing (same id, product or content).
    Duplicate,
    /// Postponed (quiet hours, snooze, caps) past the moment it is useful.
    Stale,
    /// Frequency caps left no room before it went stale or out of the horizon.
    Capped,
    /// Postponed past the plan's horizon; a later plan may still show it.
    BeyondHorizon,
}

/// A reminder left out of the plan, and why (for diagnostics and tests; never shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi(name = "SuppressedReminder")
)]
pub struct Suppressed {
    pub id: String,
    pub rule_id: String,
    pub kind: ReminderKind,
    pub category: Category,
    pub why: SuppressReason,
}

/// The notifications to schedule, sorted by time then id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub items: Vec<PlannedNotification>,
    /// Reminders due within the horizon that the policy left out, sorted by id.
    pub suppressed: Vec<Suppressed>,
    /// Plan again no later than this (the next local midnight), and whenever receipts,
    /// vouchers, context, settings, feedback or history change.
    pub recompute_at: DateTime<Utc>,
}

/// What changed between two plans, for the native scheduler.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChanges {
    /// New notifications and ones whose time or text changed: (re)schedule these.
    pub schedule: Vec<PlannedNotification>,
    /// Ids scheduled by the previous plan that are no longer planned: cancel these.
    pub cancel: Vec<String>,
}

impl Plan {
    /// The changes that turn `previous` into this plan.
    pub fn changes_since(&self, previous: &Plan) -> PlanChanges {
        let old: std::collections::HashMap<&str, &PlannedNotification> =
            previous.items.iter().map(|n| (n.id.as_str(), n)).collect();
        let new: std::collections::HashSet<&str> =
            self.items.iter().map(|n| n.id.as_str()).collect();
        let schedule = self
            .items
            .iter()
            .filter(|n| old.get(n.id.as_str()).is_none_or(|o| *o != *n))
            .cloned()
            .collect();
        let mut cancel: Vec<String> = previous
            .items
            .iter()
            .filter(|n| !new.contains(n.id.as_str()))
            .map(|n| n.id.clone())
            .collect();
        crate::sort::sort(&mut cancel);
        cancel.dedup();
        PlanChanges { schedule, cancel }
    }
}

/// [`Feedback`] as read from JSON (see [`crate::tagged`]).
mod raw {
    use crate::tagged::required;
    use chrono::{DateTime, Utc};
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Action {
        Dismissed,
        Snoozed,
        MutedRule,
    }

    #[derive(Deserialize)]
    pub(super) struct Feedback {
        action: Action,
        id: Option<String>,
        until: Option<DateTime<Utc>>,
        rule_id: Option<String>,
    }

    impl TryFrom<Feedback> for super::Feedback {
        type Error = String;
        fn try_from(r: Feedback) -> Result<Self, String> {
            Ok(match r.action {
                Action::Dismissed => Self::Dismissed {
                    id: required(r.id, "id")?,
                },
                Action::Snoozed => Self::Snoozed {
                    id: required(r.id, "id")?,
                    until: required(r.until, "until")?,
                },
                Action::MutedRule => Self::MutedRule {
                    rule_id: required(r.rule_id, "rule_id")?,
                },
            })
        }
    }
}
