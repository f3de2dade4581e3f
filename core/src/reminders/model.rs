//! Inputs and outputs of the planner: settings, context, feedback, history and the plan itself.

use super::catalogue::Catalogue;
use super::push::PushMessage;
use super::rules::RuleSet;
use crate::check::InputError;
use crate::gs1::validate_gtin;
use crate::points::TierStatus;
use crate::wallet::Voucher;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Categories, kinds, languages

/// Consent category of a notification. The order is the priority order: safety first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Product recalls. Only recall notices matched against the shopper's own receipts are safety
    /// notifications; no rule, catalogue entry or push message can claim this category.
    Safety,
    /// Things the shopper already has or did: a voucher about to expire, set-up tips for what was
    /// bought, the welcome, a satisfaction survey.
    Service,
    /// Everything that invites to buy: replenishment, seasonal items, recipes, win-back, events.
    Marketing,
}

impl Category {
    pub(crate) fn cap_slot(self) -> Option<usize> {
        match self {
            Category::Safety => None,
            Category::Service => Some(0),
            Category::Marketing => Some(1),
        }
    }
}

/// What produced a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    Replenishment,
    Seasonal,
    Recall,
    Recipe,
    PostPurchase,
    VoucherExpiry,
    TierProgress,
    Welcome,
    SecondPurchase,
    WinBack,
    Survey,
    EventInvitation,
    /// A message pushed by the retailer's server, passed through the same policy.
    Push,
}

impl ReminderKind {
    /// The category a rule of this kind has unless the rule says otherwise.
    pub fn default_category(self) -> Category {
        match self {
            ReminderKind::Recall => Category::Safety,
            ReminderKind::PostPurchase
            | ReminderKind::VoucherExpiry
            | ReminderKind::Welcome
            | ReminderKind::Survey => Category::Service,
            ReminderKind::Replenishment
            | ReminderKind::Seasonal
            | ReminderKind::Recipe
            | ReminderKind::TierProgress
            | ReminderKind::SecondPurchase
            | ReminderKind::WinBack
            | ReminderKind::EventInvitation
            | ReminderKind::Push => Category::Marketing,
        }
    }
}

/// A language the reminder texts exist in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    En,
    Nl,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Nl, Lang::Fr];

    /// The best supported language for a BCP 47 tag ("nl-BE" → nl, "fr_CA" → fr); English for
    /// anything else, including tags that do not parse.
    pub fn negotiate(tag: &str) -> Lang {
        let primary = match tag.parse::<unic_langid::LanguageIdentifier>() {
            Ok(id) => id.language.as_str().to_ascii_lowercase(),
            Err(_) => tag
                .split(['-', '_'])
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase(),
        };
        match primary.as_str() {
            "nl" => Lang::Nl,
            "fr" => Lang::Fr,
            _ => Lang::En,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
            Lang::Fr => "fr",
        }
    }
}

/// Text in several languages, keyed by language tag (`{"en": "...", "nl": "..."}`). Lookup:
/// the requested language (exact key, then any key with that primary subtag, e.g. "nl-BE"), then
/// English, then the first entry in key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LocalizedText(pub BTreeMap<String, String>);

impl LocalizedText {
    pub fn get(&self, lang: Lang) -> &str {
        let code = lang.code();
        self.0
            .get(code)
            .or_else(|| {
                self.0
                    .iter()
                    .find(|(k, _)| {
                        k.split(['-', '_'])
                            .next()
                            .is_some_and(|p| p.eq_ignore_ascii_case(code))
                    })
                    .map(|(_, v)| v)
            })
            .or_else(|| self.0.get("en"))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    pub(crate) fn validate(&self, field: &str, max: usize) -> Result<(), InputError> {
        if self.0.is_empty() {
            return Err(InputError::new(format!(
                "{field} needs a text in at least one language"
            )));
        }
        for (k, v) in &self.0 {
            let key_ok = (2..=16).contains(&k.len())
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !key_ok {
                return Err(InputError::new(format!(
                    "{field}: {k:?} is not a language tag"
                )));
            }
            if v.trim().is_empty() {
                return Err(InputError::new(format!("{field} ({k}) must not be empty")));
            }
            if v.len() > max {
                return Err(InputError::new(format!(
                    "{field} ({k}) is at most {max} bytes"
                )));
            }
        }
        Ok(())
    }
}

/// Which receipt lines a rule, recipe ingredient or content entry is about: lines whose GTIN is
/// listed, or whose category is listed (compared trimmed and case-insensitively).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    #[serde(default)]
    pub gtins: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
}

impl Selector {
    pub(crate) fn validate(&self, field: &str) -> Result<(), InputError> {
        if self.gtins.is_empty() && self.categories.is_empty() {
            return Err(InputError::new(format!(
                "{field} needs at least one gtin or category"
            )));
        }
        if self.gtins.len() > 1_000 || self.categories.len() > 1_000 {
            return Err(InputError::new(format!(
                "{field} lists at most 1000 gtins and 1000 categories"
            )));
        }
        for g in &self.gtins {
            validate_gtin(g).map_err(|e| InputError::new(format!("{field}: {g:?}: {e}")))?;
        }
        for c in &self.categories {
            if c.trim().is_empty() || c.len() > 100 {
                return Err(InputError::new(format!(
                    "{field}: a category is 1 to 100 bytes"
                )));
            }
        }
        Ok(())
    }
}

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
pub struct Consent {
    pub marketing: bool,
    pub service: bool,
    pub safety: bool,
}

impl Default for Consent {
    fn default() -> Self {
        Self {
            marketing: false,
            service: true,
            safety: true,
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
#[serde(tag = "action", rename_all = "snake_case")]
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
}

/// Why a reminder that a rule produced is not in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
        cancel.sort();
        cancel.dedup();
        PlanChanges { schedule, cancel }
    }
}
