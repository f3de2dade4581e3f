//! Reminder rules as data: a versioned JSON document parsed into typed, validated rules.
//!
//! ```json
//! {
//!   "version": 1,
//!   "deep_link_base": "loyalty://",
//!   "rules": [
//!     {"id": "dog-food", "kind": "replenishment", "products": {"categories": ["pet food"]},
//!      "lead_days": 3, "send_at": "10:00"},
//!     {"id": "road-salt", "kind": "seasonal", "products": {"categories": ["road salt"]},
//!      "season": {"from": "10-15", "to": "02-28"},
//!      "gates": [{"type": "forecast_min_temp_at_most", "c_tenths": 0}]}
//!   ]
//! }
//! ```
//!
//! Every rule has `id` (1–64 of `A-Za-z0-9._-`, unique, not "recall" or "push"), `kind`, and
//! optionally `enabled` (true), `priority` (-100..=100, 0; higher wins when caps or duplicates
//! force a choice), `category` ("marketing" or "service"; the kind's default otherwise),
//! `deep_link` (overrides the default link), `label` (localized product name used in texts
//! instead of the receipt's item name) and `send_at` ("HH:MM" local, "10:00"; the time of day
//! for reminders that fall on a date). The other fields depend on the kind; see each `*Rule`
//! struct. Unknown fields are refused, so a typo is an error and not a silent default.

use super::time::{LocalTime, MonthDay};
use super::vocab::{Category, LocalizedText, ReminderKind, Selector};
use crate::check::InputError;
use crate::check::{validate_id, validate_link};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The rule-set format version this build reads.
pub const RULES_VERSION: u32 = 1;

/// Whether a rule predicts per product (each GTIN its own reminder) or for the whole selection
/// as one group (any brand of road salt counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    Product,
    Group,
}

/// "Your dog food is almost out": predicts the run-out date from the shopper's own repurchase
/// intervals and reminds `lead_days` before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplenishmentRule {
    pub products: Selector,
    /// "product" (default) or "group".
    pub per: Per,
    /// Purchase days needed before predicting (2–50, default 3).
    pub min_purchases: u32,
    /// Most recent purchase days considered (min_purchases–100, default 10).
    pub history: u32,
    /// Remind no earlier than this many days before the predicted run-out (0–60, default 3),
    /// or than `lead_percent` of the interval before it when that is more.
    pub lead_days: u32,
    /// That percentage of the item's interval (0–100, default
    /// 100: the item's own interval does not hold the reminder back, the next-shop model and
    /// the shopper's rhythm decide; on the evaluation data a window opening at 0–75 % of the
    /// interval cost 2–7 points of recall).
    pub lead_percent: u32,
    /// A planned reminder stays useful at least this many days after the predicted run-out
    /// (0–60, default 3), and after that for as long as the next-shop probability holds; a
    /// plan made when the probability no longer holds drops it (an overdue item fades as
    /// shops pass without it).
    pub grace_days: u32,
    /// Refuse to predict when the median absolute deviation of the intervals exceeds this
    /// percentage of their median (1–1000, default 50) both in days and, for an item the
    /// shopper sometimes skips, in shops: the history is too irregular.
    pub max_spread_percent: u32,
    /// Remind only when the probability that the item is in the basket if the shopper shops
    /// that day is at least this percentage (0–100, default 40: the lowest bar at which the
    /// next-shop model reached 58 % precision on the evaluation's training orders, which
    /// exclude the held-out ones). The model: the share of the shopper's recent shops with the
    /// item, shops and days since it was bought relative to its own interval, the shopper's
    /// rhythm, how often they buy it (see `MODEL` in candidates/replenishment.rs).
    pub min_likelihood_percent: u32,
}

impl Default for ReplenishmentRule {
    fn default() -> Self {
        Self {
            products: Selector::default(),
            per: Per::Product,
            min_purchases: 2,
            history: 10,
            lead_days: 3,
            lead_percent: 100,
            grace_days: 3,
            max_spread_percent: 50,
            min_likelihood_percent: 40,
        }
    }
}

/// A season as a range of days of the year; `to` before `from` wraps over New Year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Season {
    pub from: MonthDay,
    pub to: MonthDay,
}

impl Default for Season {
    fn default() -> Self {
        Self {
            from: MonthDay { month: 1, day: 1 },
            to: MonthDay { month: 12, day: 31 },
        }
    }
}

/// A condition on the app-supplied [`super::Context`]. A missing signal closes the gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "raw::Gate")]
pub enum Gate {
    /// The forecast minimum temperature is at most this (tenths of °C; 0 = frost).
    ForecastMinTempAtMost {
        c_tenths: i32,
    },
    /// The forecast maximum temperature is at least this (tenths of °C).
    ForecastMaxTempAtLeast {
        c_tenths: i32,
    },
    SignalAtLeast {
        signal: String,
        value: i64,
    },
    SignalAtMost {
        signal: String,
        value: i64,
    },
}

/// "Last winter you bought road salt": bought during this season last year, not yet during this
/// season. Without gates it reminds `lead_days` before the anniversary of last year's first
/// purchase; with gates it reminds as soon as every gate holds (frost is forecast).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeasonalRule {
    pub products: Selector,
    /// "group" (default) or "product".
    pub per: Per,
    pub season: Season,
    pub gates: Vec<Gate>,
    /// Days before the anniversary (ungated rules only; 0–60, default 7).
    pub lead_days: u32,
}

impl Default for SeasonalRule {
    fn default() -> Self {
        Self {
            products: Selector::default(),
            per: Per::Group,
            season: Season::default(),
            gates: Vec::new(),
            lead_days: 7,
        }
    }
}

/// Recipe ideas from the catalogue, ranked by how many of their ingredients the shopper bought
/// within `window_days`; sent at `send_at` after the latest of those purchases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecipesRule {
    /// 1–60, default 7.
    pub window_days: u32,
    /// Ingredients that must have been bought (1–50, default 2).
    pub min_overlap: u32,
    /// Best recipes suggested at once (1–10, default 1).
    pub max_suggestions: u32,
    /// The same recipe is not suggested again within this many days (0–3650, default 30).
    pub repeat_after_days: u32,
}

impl Default for RecipesRule {
    fn default() -> Self {
        Self {
            window_days: 7,
            min_overlap: 2,
            max_suggestions: 1,
            repeat_after_days: 30,
        }
    }
}

/// Post-purchase content from the catalogue (how to serve the wine, TV set-up tips), sent each
/// entry's `delay_hours` after a purchase it matches, for purchases in the last `lookback_days`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostPurchaseRule {
    /// 1–365, default 14.
    pub lookback_days: u32,
}

impl Default for PostPurchaseRule {
    fn default() -> Self {
        Self { lookback_days: 14 }
    }
}

/// Reminds of an available voucher `days_before` (each) its last valid local day. If the app
/// learns of a voucher late, only the latest threshold already passed is sent, at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VoucherExpiryRule {
    /// 1 to 10 values, each 0–365; default [7, 1].
    pub days_before: Vec<u32>,
}

impl Default for VoucherExpiryRule {
    fn default() -> Self {
        Self {
            days_before: vec![7, 1],
        }
    }
}

/// Reminds of a premium membership that does not renew by itself, `days_before` (each) its last
/// local day (see [`crate::membership`]). None for one that renews, or once it has ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MembershipRenewalRule {
    /// 1 to 10 values, each 0–365; default [14, 2].
    pub days_before: Vec<u32>,
}

impl Default for MembershipRenewalRule {
    fn default() -> Self {
        Self {
            days_before: vec![14, 2],
        }
    }
}

/// "Only 200 points to Gold": when the shopper is within `max_points_to_next` of the next tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TierProgressRule {
    /// 1–1000000000, default 500.
    pub max_points_to_next: i64,
    /// 1–3650, default 30.
    pub repeat_after_days: u32,
}

impl Default for TierProgressRule {
    fn default() -> Self {
        Self {
            max_points_to_next: 500,
            repeat_after_days: 30,
        }
    }
}

/// Welcome, `delay_hours` after enrolment, while it is at most `valid_days` old.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WelcomeRule {
    /// 0–720, default 1.
    pub delay_hours: u32,
    /// 1–365, default 7.
    pub valid_days: u32,
}

impl Default for WelcomeRule {
    fn default() -> Self {
        Self {
            delay_hours: 1,
            valid_days: 7,
        }
    }
}

/// A nudge towards a second purchase, `after_days` after the first while there is only one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecondPurchaseRule {
    /// 1–365, default 14.
    pub after_days: u32,
    /// 1–365, default 14.
    pub valid_days: u32,
}

impl Default for SecondPurchaseRule {
    fn default() -> Self {
        Self {
            after_days: 14,
            valid_days: 14,
        }
    }
}

/// Win-back after `inactive_days` without a purchase; once per inactive spell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WinBackRule {
    /// 7–3650, default 60.
    pub inactive_days: u32,
    /// 1–365, default 30.
    pub valid_days: u32,
}

impl Default for WinBackRule {
    fn default() -> Self {
        Self {
            inactive_days: 60,
            valid_days: 30,
        }
    }
}

/// A satisfaction survey `delay_hours` after the second purchase; once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SurveyRule {
    /// 0–720, default 48.
    pub delay_hours: u32,
    /// 1–365, default 7.
    pub valid_days: u32,
}

impl Default for SurveyRule {
    fn default() -> Self {
        Self {
            delay_hours: 48,
            valid_days: 7,
        }
    }
}

/// A member event described by the rule itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    pub name: LocalizedText,
    #[serde(default)]
    pub location: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Who is invited to a rule's event: all conditions hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Eligibility {
    /// Tier names (case-insensitive); empty: any tier, also none.
    pub tiers: Vec<String>,
    /// At least this many receipts within `within_days` before now.
    pub min_receipts: u32,
    /// 1–3650, default 365.
    pub within_days: u32,
    /// At least one purchase in one of these categories within `within_days`; empty: no
    /// condition.
    pub categories: Vec<String>,
}

impl Default for Eligibility {
    fn default() -> Self {
        Self {
            tiers: Vec::new(),
            min_receipts: 0,
            within_days: 365,
            categories: Vec::new(),
        }
    }
}

/// Member event invitations. With `event`, the rule's own event for eligible shoppers (tier and
/// purchase history). Without, a reminder of each event-invitation voucher in the wallet (the
/// server decided eligibility when it issued the voucher). Sent `days_before` the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventInvitationRule {
    pub event: Option<EventSpec>,
    pub eligibility: Eligibility,
    /// 0–365, default 7.
    pub days_before: u32,
}

impl Default for EventInvitationRule {
    fn default() -> Self {
        Self {
            event: None,
            eligibility: Eligibility::default(),
            days_before: 7,
        }
    }
}

/// In a store: when the phone enters a store (the app's geofence or beacon region; the core
/// takes the store, never a position) and the shopper allowed in-store notifications
/// ([`Consent::location`](super::Consent)): the card ready, the shopping list, the activated
/// offers. Once per store per local day, and not again in the same store within
/// `repeat_after_hours`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InStoreRule {
    /// A visit older than this is not announced any more (the exit may have been missed):
    /// 5–720, default 90.
    pub max_age_minutes: u32,
    /// 1–720, default 20.
    pub repeat_after_hours: u32,
}

impl Default for InStoreRule {
    fn default() -> Self {
        Self {
            max_age_minutes: 90,
            repeat_after_hours: 20,
        }
    }
}

/// The kind-specific part of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSpec {
    Replenishment(ReplenishmentRule),
    Seasonal(SeasonalRule),
    Recipes(RecipesRule),
    PostPurchase(PostPurchaseRule),
    VoucherExpiry(VoucherExpiryRule),
    TierProgress(TierProgressRule),
    Welcome(WelcomeRule),
    SecondPurchase(SecondPurchaseRule),
    WinBack(WinBackRule),
    Survey(SurveyRule),
    EventInvitation(EventInvitationRule),
    InStore(InStoreRule),
    MembershipRenewal(MembershipRenewalRule),
}

impl RuleSpec {
    pub fn kind(&self) -> ReminderKind {
        match self {
            RuleSpec::Replenishment(_) => ReminderKind::Replenishment,
            RuleSpec::Seasonal(_) => ReminderKind::Seasonal,
            RuleSpec::Recipes(_) => ReminderKind::Recipe,
            RuleSpec::PostPurchase(_) => ReminderKind::PostPurchase,
            RuleSpec::VoucherExpiry(_) => ReminderKind::VoucherExpiry,
            RuleSpec::TierProgress(_) => ReminderKind::TierProgress,
            RuleSpec::Welcome(_) => ReminderKind::Welcome,
            RuleSpec::SecondPurchase(_) => ReminderKind::SecondPurchase,
            RuleSpec::WinBack(_) => ReminderKind::WinBack,
            RuleSpec::Survey(_) => ReminderKind::Survey,
            RuleSpec::EventInvitation(_) => ReminderKind::EventInvitation,
            RuleSpec::InStore(_) => ReminderKind::InStore,
            RuleSpec::MembershipRenewal(_) => ReminderKind::MembershipRenewal,
        }
    }

    /// The `kind` string in JSON.
    pub fn kind_name(&self) -> &'static str {
        match self {
            RuleSpec::Replenishment(_) => "replenishment",
            RuleSpec::Seasonal(_) => "seasonal",
            RuleSpec::Recipes(_) => "recipes",
            RuleSpec::PostPurchase(_) => "post_purchase",
            RuleSpec::VoucherExpiry(_) => "voucher_expiry",
            RuleSpec::TierProgress(_) => "tier_progress",
            RuleSpec::Welcome(_) => "welcome",
            RuleSpec::SecondPurchase(_) => "second_purchase",
            RuleSpec::WinBack(_) => "win_back",
            RuleSpec::Survey(_) => "survey",
            RuleSpec::EventInvitation(_) => "event_invitation",
            RuleSpec::InStore(_) => "in_store",
            RuleSpec::MembershipRenewal(_) => "membership_renewal",
        }
    }

    fn to_value(&self) -> Result<Value, serde_json::Error> {
        match self {
            RuleSpec::Replenishment(r) => serde_json::to_value(r),
            RuleSpec::Seasonal(r) => serde_json::to_value(r),
            RuleSpec::Recipes(r) => serde_json::to_value(r),
            RuleSpec::PostPurchase(r) => serde_json::to_value(r),
            RuleSpec::VoucherExpiry(r) => serde_json::to_value(r),
            RuleSpec::TierProgress(r) => serde_json::to_value(r),
            RuleSpec::Welcome(r) => serde_json::to_value(r),
            RuleSpec::SecondPurchase(r) => serde_json::to_value(r),
            RuleSpec::WinBack(r) => serde_json::to_value(r),
            RuleSpec::Survey(r) => serde_json::to_value(r),
            RuleSpec::EventInvitation(r) => serde_json::to_value(r),
            RuleSpec::InStore(r) => serde_json::to_value(r),
            RuleSpec::MembershipRenewal(r) => serde_json::to_value(r),
        }
    }
}

/// One rule: common fields and its kind-specific part (flat in JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub enabled: bool,
    pub priority: i32,
    pub category: Option<Category>,
    pub deep_link: Option<String>,
    pub label: Option<LocalizedText>,
    pub send_at: LocalTime,
    pub spec: RuleSpec,
}

impl Rule {
    pub fn kind(&self) -> ReminderKind {
        self.spec.kind()
    }

    /// The rule's category: its own, or its kind's default.
    pub fn category(&self) -> Category {
        self.category
            .unwrap_or_else(|| self.spec.kind().default_category())
    }

    /// Builds a rule with default common fields.
    pub fn new(id: impl Into<String>, spec: RuleSpec) -> Self {
        Self {
            id: id.into(),
            enabled: true,
            priority: 0,
            category: None,
            deep_link: None,
            label: None,
            send_at: LocalTime::hm(10, 0),
            spec,
        }
    }

    /// Checks every field's rule; the error names the field.
    pub fn validate(&self) -> Result<(), InputError> {
        validate_id("id", &self.id)?;
        if self.id == "recall" || self.id == "push" {
            return Err(InputError::new(
                "id \"recall\" and \"push\" are reserved for recall notices and push messages",
            ));
        }
        if !(-100..=100).contains(&self.priority) {
            return Err(InputError::new("priority must be between -100 and 100"));
        }
        if self.category == Some(Category::Safety) {
            return Err(InputError::new(
                "category: only recall notices are safety notifications; use marketing or service",
            ));
        }
        if let Some(link) = &self.deep_link {
            validate_link("deep_link", link)?;
        }
        if let Some(label) = &self.label {
            label.validate("label", 200)?;
        }
        let range = |field: &str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(InputError::new(format!(
                    "{field} must be between {lo} and {hi}"
                )))
            }
        };
        match &self.spec {
            RuleSpec::Replenishment(r) => {
                r.products.validate("products")?;
                range("min_purchases", r.min_purchases, 2, 50)?;
                range("history", r.history, r.min_purchases, 100)?;
                range("lead_days", r.lead_days, 0, 60)?;
                range("grace_days", r.grace_days, 0, 60)?;
                range("max_spread_percent", r.max_spread_percent, 1, 1000)?;
                range("min_likelihood_percent", r.min_likelihood_percent, 0, 100)?;
                range("lead_percent", r.lead_percent, 0, 100)?;
            }
            RuleSpec::Seasonal(r) => {
                r.products.validate("products")?;
                range("lead_days", r.lead_days, 0, 60)?;
                if r.season.from == r.season.to {
                    return Err(InputError::new("season: from and to must differ"));
                }
                if r.gates.len() > 10 {
                    return Err(InputError::new("gates: at most 10"));
                }
                for g in &r.gates {
                    match g {
                        Gate::ForecastMinTempAtMost { c_tenths }
                        | Gate::ForecastMaxTempAtLeast { c_tenths } => {
                            if !(-1000..=1000).contains(c_tenths) {
                                return Err(InputError::new(
                                    "gates: c_tenths must be between -1000 and 1000",
                                ));
                            }
                        }
                        Gate::SignalAtLeast { signal, .. } | Gate::SignalAtMost { signal, .. } => {
                            if signal.is_empty() || signal.len() > 64 {
                                return Err(InputError::new(
                                    "gates: a signal name is 1 to 64 bytes",
                                ));
                            }
                        }
                    }
                }
            }
            RuleSpec::Recipes(r) => {
                range("window_days", r.window_days, 1, 60)?;
                range("min_overlap", r.min_overlap, 1, 50)?;
                range("max_suggestions", r.max_suggestions, 1, 10)?;
                range("repeat_after_days", r.repeat_after_days, 0, 3650)?;
            }
            RuleSpec::PostPurchase(r) => range("lookback_days", r.lookback_days, 1, 365)?,
            RuleSpec::VoucherExpiry(r) => {
                if r.days_before.is_empty() || r.days_before.len() > 10 {
                    return Err(InputError::new("days_before lists 1 to 10 values"));
                }
                for d in &r.days_before {
                    range("days_before", *d, 0, 365)?;
                }
            }
            RuleSpec::TierProgress(r) => {
                if !(1..=1_000_000_000).contains(&r.max_points_to_next) {
                    return Err(InputError::new(
                        "max_points_to_next must be between 1 and 1000000000",
                    ));
                }
                range("repeat_after_days", r.repeat_after_days, 1, 3650)?;
            }
            RuleSpec::Welcome(r) => {
                range("delay_hours", r.delay_hours, 0, 720)?;
                range("valid_days", r.valid_days, 1, 365)?;
            }
            RuleSpec::SecondPurchase(r) => {
                range("after_days", r.after_days, 1, 365)?;
                range("valid_days", r.valid_days, 1, 365)?;
            }
            RuleSpec::WinBack(r) => {
                range("inactive_days", r.inactive_days, 7, 3650)?;
                range("valid_days", r.valid_days, 1, 365)?;
            }
            RuleSpec::Survey(r) => {
                range("delay_hours", r.delay_hours, 0, 720)?;
                range("valid_days", r.valid_days, 1, 365)?;
            }
            RuleSpec::MembershipRenewal(r) => {
                if r.days_before.is_empty() || r.days_before.len() > 10 {
                    return Err(InputError::new("days_before lists 1 to 10 values"));
                }
                for d in &r.days_before {
                    range("days_before", *d, 0, 365)?;
                }
            }
            RuleSpec::InStore(r) => {
                range("max_age_minutes", r.max_age_minutes, 5, 720)?;
                range("repeat_after_hours", r.repeat_after_hours, 1, 720)?;
            }
            RuleSpec::EventInvitation(r) => {
                range("days_before", r.days_before, 0, 365)?;
                let e = &r.eligibility;
                range("eligibility.within_days", e.within_days, 1, 3650)?;
                range("eligibility.min_receipts", e.min_receipts, 0, 100_000)?;
                if e.tiers.iter().any(|t| t.trim().is_empty() || t.len() > 100)
                    || e.categories
                        .iter()
                        .any(|c| c.trim().is_empty() || c.len() > 100)
                {
                    return Err(InputError::new(
                        "eligibility: tier and category names are 1 to 100 bytes",
                    ));
                }
                if let Some(ev) = &r.event {
                    ev.name.validate("event.name", 200)?;
                    if ev.ends_at <= ev.starts_at {
                        return Err(InputError::new("event: ends_at must be after starts_at"));
                    }
                    if ev
                        .location
                        .as_ref()
                        .is_some_and(|l| l.trim().is_empty() || l.len() > 200)
                    {
                        return Err(InputError::new("event.location is 1 to 200 bytes"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Parses one rule from its JSON object (without validating it).
    fn from_map(mut obj: Map<String, Value>) -> Result<Self, String> {
        fn take<T: DeserializeOwned>(
            obj: &mut Map<String, Value>,
            key: &str,
        ) -> Result<Option<T>, String> {
            match obj.remove(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => serde_json::from_value(v)
                    .map(Some)
                    .map_err(|e| format!("{key}: {e}")),
            }
        }
        let id: String = take(&mut obj, "id")?.ok_or("missing field `id`")?;
        let kind: String = take(&mut obj, "kind")?.ok_or("missing field `kind`")?;
        let enabled = take(&mut obj, "enabled")?.unwrap_or(true);
        let priority = take(&mut obj, "priority")?.unwrap_or(0);
        let category = take(&mut obj, "category")?;
        let deep_link = take(&mut obj, "deep_link")?;
        let label = take(&mut obj, "label")?;
        let send_at = take(&mut obj, "send_at")?.unwrap_or(LocalTime::hm(10, 0));
        fn spec<T: DeserializeOwned>(obj: Map<String, Value>) -> Result<T, String> {
            serde_json::from_value(Value::Object(obj)).map_err(|e| e.to_string())
        }
        let spec = match kind.as_str() {
            "replenishment" => RuleSpec::Replenishment(spec(obj)?),
            "seasonal" => RuleSpec::Seasonal(spec(obj)?),
            "recipes" => RuleSpec::Recipes(spec(obj)?),
            "post_purchase" => RuleSpec::PostPurchase(spec(obj)?),
            "voucher_expiry" => RuleSpec::VoucherExpiry(spec(obj)?),
            "tier_progress" => RuleSpec::TierProgress(spec(obj)?),
            "welcome" => RuleSpec::Welcome(spec(obj)?),
            "second_purchase" => RuleSpec::SecondPurchase(spec(obj)?),
            "win_back" => RuleSpec::WinBack(spec(obj)?),
            "survey" => RuleSpec::Survey(spec(obj)?),
            "event_invitation" => RuleSpec::EventInvitation(spec(obj)?),
            "in_store" => RuleSpec::InStore(spec(obj)?),
            "membership_renewal" => RuleSpec::MembershipRenewal(spec(obj)?),
            other => {
                return Err(format!(
                    "kind: unknown kind {other:?} (expected replenishment, seasonal, recipes, \
                     post_purchase, voucher_expiry, tier_progress, welcome, second_purchase, \
                     win_back, survey, event_invitation, in_store or membership_renewal)"
                ))
            }
        };
        Ok(Rule {
            id,
            enabled,
            priority,
            category,
            deep_link,
            label,
            send_at,
            spec,
        })
    }

    fn to_map(&self) -> Result<Map<String, Value>, serde_json::Error> {
        let mut m = match self.spec.to_value()? {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        m.insert("id".into(), Value::String(self.id.clone()));
        m.insert("kind".into(), Value::String(self.spec.kind_name().into()));
        m.insert("enabled".into(), Value::Bool(self.enabled));
        m.insert("priority".into(), Value::from(self.priority));
        if let Some(c) = self.category {
            m.insert("category".into(), serde_json::to_value(c)?);
        }
        if let Some(l) = &self.deep_link {
            m.insert("deep_link".into(), Value::String(l.clone()));
        }
        if let Some(l) = &self.label {
            m.insert("label".into(), serde_json::to_value(l)?);
        }
        m.insert("send_at".into(), Value::String(self.send_at.into()));
        Ok(m)
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_map()
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(d)?;
        Rule::from_map(map).map_err(serde::de::Error::custom)
    }
}

/// A versioned set of rules. Deserializing validates it (as [`RuleSet::from_json`] does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawRuleSet")]
pub struct RuleSet {
    pub version: u32,
    /// Prefix of the default deep links ("loyalty://" → "loyalty://recall/R-1").
    pub deep_link_base: String,
    pub rules: Vec<Rule>,
}

impl Default for RuleSet {
    fn default() -> Self {
        Self {
            version: RULES_VERSION,
            deep_link_base: "loyalty://".into(),
            rules: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleSet {
    version: u32,
    #[serde(default)]
    deep_link_base: Option<String>,
    rules: Vec<Map<String, Value>>,
}

impl TryFrom<RawRuleSet> for RuleSet {
    type Error = InputError;

    fn try_from(raw: RawRuleSet) -> Result<Self, InputError> {
        if raw.version == 0 || raw.version > RULES_VERSION {
            return Err(InputError::new(format!(
                "rule set version {} is not supported (this app reads version {RULES_VERSION}); update the app",
                raw.version
            )));
        }
        let mut rules = Vec::with_capacity(raw.rules.len());
        for (i, obj) in raw.rules.into_iter().enumerate() {
            let id_hint = obj
                .get("id")
                .and_then(Value::as_str)
                .map(|s| format!(" ({s:?})"))
                .unwrap_or_default();
            let rule = Rule::from_map(obj)
                .map_err(|e| InputError::new(format!("rules[{i}]{id_hint}: {e}")))?;
            rules.push(rule);
        }
        let set = RuleSet {
            version: raw.version,
            deep_link_base: raw
                .deep_link_base
                .unwrap_or_else(|| RuleSet::default().deep_link_base),
            rules,
        };
        set.validate()?;
        Ok(set)
    }
}

impl RuleSet {
    /// Parses and validates a rule set. Errors name the place: the line and column for broken
    /// JSON, `rules[3] ("dog-food"): lead_days must be between 0 and 60` for a broken rule.
    pub fn from_json(json: &str) -> Result<Self, InputError> {
        let raw: RawRuleSet = serde_json::from_slice(json.as_bytes())
            .map_err(|e| InputError::new(format!("rule set is not valid: {e}")))?;
        RuleSet::try_from(raw)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn validate(&self) -> Result<(), InputError> {
        if self.version == 0 || self.version > RULES_VERSION {
            return Err(InputError::new(format!(
                "rule set version {} is not supported",
                self.version
            )));
        }
        validate_link("deep_link_base", &self.deep_link_base)?;
        if self.deep_link_base.len() > 200 {
            return Err(InputError::new("deep_link_base is at most 200 bytes"));
        }
        if self.rules.len() > 5_000 {
            return Err(InputError::new("a rule set has at most 5000 rules"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            r.validate()
                .map_err(|e| InputError::new(format!("rules[{i}] ({:?}): {e}", r.id)))?;
            if !seen.insert(r.id.as_str()) {
                return Err(InputError::new(format!(
                    "rules[{i}] ({:?}): id is used twice",
                    r.id
                )));
            }
        }
        Ok(())
    }
}

/// [`Gate`] as read from JSON (see [`crate::tagged`]).
mod raw {
    use crate::tagged::required;
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Tag {
        ForecastMinTempAtMost,
        ForecastMaxTempAtLeast,
        SignalAtLeast,
        SignalAtMost,
    }

    #[derive(Deserialize)]
    pub(super) struct Gate {
        #[serde(rename = "type")]
        tag: Tag,
        c_tenths: Option<i32>,
        signal: Option<String>,
        value: Option<i64>,
    }

    impl TryFrom<Gate> for super::Gate {
        type Error = String;
        fn try_from(r: Gate) -> Result<Self, String> {
            Ok(match r.tag {
                Tag::ForecastMinTempAtMost => Self::ForecastMinTempAtMost {
                    c_tenths: required(r.c_tenths, "c_tenths")?,
                },
                Tag::ForecastMaxTempAtLeast => Self::ForecastMaxTempAtLeast {
                    c_tenths: required(r.c_tenths, "c_tenths")?,
                },
                Tag::SignalAtLeast => Self::SignalAtLeast {
                    signal: required(r.signal, "signal")?,
                    value: required(r.value, "value")?,
                },
                Tag::SignalAtMost => Self::SignalAtMost {
                    signal: required(r.signal, "signal")?,
                    value: required(r.value, "value")?,
                },
            })
        }
    }
}
