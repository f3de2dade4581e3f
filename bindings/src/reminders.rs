//! Reminders through the bindings: settings, context, feedback, the plan of local
//! notifications and incoming pushes.

use crate::error::Result;
use crate::types::{st, utc};
use loyalty_core as core;
use loyalty_core::reminders as engine;
use std::collections::HashMap;
use std::time::SystemTime;

// `ReminderKind`, `SuppressReason`, `Consent`, `QuietHours`, `CapLimit` and `Caps` derive uniffi
// where they are defined (loyalty_domain::reminders).
pub use engine::{
    CapLimit, Caps, Category as NotificationCategory, Consent, QuietHours, ReminderKind,
    Settings as ReminderSettings, SuppressReason, Suppressed as SuppressedReminder,
};

/// A local notification for the native layer to schedule.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PlannedNotification {
    /// Stable: the same reminder keeps its id from plan to plan.
    pub id: String,
    pub at: SystemTime,
    pub title: String,
    pub body: String,
    pub deep_link: String,
    pub category: NotificationCategory,
    pub kind: ReminderKind,
    pub rule_id: String,
    /// "Why you got this", in the shopper's language.
    pub reason: String,
    /// "Add it to your shopping list?": what a replenishment reminder offers (pass the
    /// notification to `ShoppingList.addFromReminder`); `null` for the other kinds.
    #[uniffi(default = None)]
    pub list_offer: Option<crate::list::ListOffer>,
}

impl From<engine::PlannedNotification> for PlannedNotification {
    fn from(n: engine::PlannedNotification) -> Self {
        Self {
            id: n.id,
            at: st(n.at),
            title: n.title,
            body: n.body,
            deep_link: n.deep_link,
            category: n.category,
            kind: n.kind,
            rule_id: n.rule_id,
            reason: n.reason,
            list_offer: n.list_offer.map(Into::into),
        }
    }
}

impl TryFrom<PlannedNotification> for engine::PlannedNotification {
    type Error = crate::error::LoyaltyError;

    fn try_from(n: PlannedNotification) -> Result<Self> {
        Ok(Self {
            id: n.id,
            at: utc(n.at)?,
            title: n.title,
            body: n.body,
            deep_link: n.deep_link,
            category: n.category,
            kind: n.kind,
            rule_id: n.rule_id,
            reason: n.reason,
            list_offer: n.list_offer.map(Into::into),
        })
    }
}

/// The notifications to schedule (replacing earlier ones), sorted by time.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReminderPlan {
    pub items: Vec<PlannedNotification>,
    /// The reminders due within the horizon that the policy held back (consent, caps, quiet
    /// hours, feedback), sorted by id.
    pub suppressed: Vec<SuppressedReminder>,
    /// Plan again no later than this.
    pub recompute_at: SystemTime,
}

/// The store the phone is in, as the app said (kept only with location consent).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StoreVisit {
    pub store_id: String,
    pub store_name: String,
    pub entered_at: SystemTime,
}

/// What the app knows of the shopper's situation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReminderContext {
    /// The device's current UTC offset (plan again when it changes: travel, DST).
    pub local_utc_offset_minutes: i32,
    /// Forecast minimum temperature in tenths of °C (e.g. -15 = -1.5 °C).
    pub forecast_min_temp_c_tenths: Option<i32>,
    pub forecast_max_temp_c_tenths: Option<i32>,
    /// Other signals rules can gate on.
    pub signals: HashMap<String, i64>,
}

impl From<engine::Context> for ReminderContext {
    fn from(c: engine::Context) -> Self {
        Self {
            local_utc_offset_minutes: c.local_utc_offset_minutes,
            forecast_min_temp_c_tenths: c.forecast_min_temp_c_tenths,
            forecast_max_temp_c_tenths: c.forecast_max_temp_c_tenths,
            signals: c.signals.into_iter().collect(),
        }
    }
}

impl From<ReminderContext> for engine::Context {
    fn from(c: ReminderContext) -> Self {
        Self {
            local_utc_offset_minutes: c.local_utc_offset_minutes,
            forecast_min_temp_c_tenths: c.forecast_min_temp_c_tenths,
            forecast_max_temp_c_tenths: c.forecast_max_temp_c_tenths,
            signals: c.signals.into_iter().collect(),
        }
    }
}

/// What became of an incoming push message.
// A uniffi enum crosses the boundary by value; a box would buy nothing (as in the core's).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PushOutcome {
    /// Schedule (or show now) this notification.
    Show { notification: PlannedNotification },
    /// The policy holds it back (`reason`: no consent, capped, quiet hours made it stale, ...).
    Suppressed { reason: String },
    /// Nothing to show (a recall that does not concern this shopper, an expired message).
    NotShown,
}

/// Reminders: the plan of local notifications and what shapes it.
#[derive(uniffi::Object)]
pub struct Reminders {
    pub(crate) api: core::RemindersApi,
}

#[uniffi::export]
impl Reminders {
    /// Replaces the reminder rules (versioned JSON from the server).
    pub fn set_rules_json(&self, json: String) -> Result<()> {
        self.api.set_rules_json(&json)
    }

    /// Replaces the catalogue: recalls, recipes, post-purchase content (versioned JSON).
    pub fn set_catalogue_json(&self, json: String) -> Result<()> {
        self.api.set_catalogue_json(&json)
    }

    pub fn settings(&self) -> Result<ReminderSettings> {
        self.api.settings()
    }

    pub fn set_settings(&self, settings: ReminderSettings) -> Result<()> {
        self.api.set_settings(settings)
    }

    pub fn context(&self) -> Result<ReminderContext> {
        Ok(self.api.context()?.into())
    }

    pub fn set_context(&self, context: ReminderContext) -> Result<()> {
        self.api.set_context(context.into())
    }

    /// "Not interested": never plan this notification again.
    pub fn dismiss(&self, id: String) -> Result<()> {
        self.api.dismiss(&id)
    }

    /// "Remind me later".
    pub fn snooze(&self, id: String, until: SystemTime) -> Result<()> {
        self.api.snooze(&id, utc(until)?)
    }

    /// "Stop these": nothing more from this rule (safety notices excepted).
    pub fn mute_rule(&self, rule_id: String) -> Result<()> {
        self.api.mute_rule(&rule_id)
    }

    /// The app showed this notification now.
    pub fn mark_delivered(&self, notification: PlannedNotification) -> Result<()> {
        self.api.mark_delivered(&notification.try_into()?)
    }

    /// The phone entered a store (the app's geofence or beacon region; pass the store, never a
    /// position). With the shopper's location consent the visit is kept and the next plan holds
    /// the in-store notification; without it nothing is stored and `false` is returned.
    pub fn entered_store(&self, store_id: String, store_name: String) -> Result<bool> {
        self.api.entered_store(&store_id, &store_name)
    }

    /// The phone left a store: its visit is forgotten. Whether a visit was forgotten.
    pub fn left_store(&self, store_id: String) -> Result<bool> {
        self.api.left_store(&store_id)
    }

    /// The store the phone is in, as the app last said (only with location consent).
    pub fn store_visit(&self) -> Result<Option<StoreVisit>> {
        Ok(self.api.store_visit()?.map(|v| StoreVisit {
            store_id: v.store_id,
            store_name: v.store_name,
            entered_at: st(v.entered_at),
        }))
    }

    /// The plan now: replace what was scheduled with it.
    pub fn plan(&self) -> Result<ReminderPlan> {
        let plan = self.api.plan()?;
        Ok(ReminderPlan {
            suppressed: plan.suppressed.into_iter().collect(),
            recompute_at: st(plan.recompute_at),
            items: plan.items.into_iter().map(Into::into).collect(),
        })
    }

    /// Passes a push payload through the same policy; malformed payloads are `InvalidInput`.
    pub fn receive_push(&self, json: String) -> Result<PushOutcome> {
        Ok(match self.api.receive_push(&json)? {
            engine::PushOutcome::Show(n) => PushOutcome::Show {
                notification: n.into(),
            },
            engine::PushOutcome::Suppressed(why) => PushOutcome::Suppressed {
                reason: serde_json::to_value(why)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| format!("{why:?}")),
            },
            engine::PushOutcome::NotShown => PushOutcome::NotShown,
        })
    }
}
