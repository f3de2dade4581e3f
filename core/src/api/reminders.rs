//! Reminders: the plan of local notifications and what it depends on.

use super::error::{ApiResult, LoyaltyError};
use crate::check::InputError;
use crate::context::Context;
use crate::offers::{OfferActivation, OfferState};
use crate::points::{self};
use crate::reminders::{
    self as engine, AssignedOffer, Catalogue, Delivered, Feedback, Plan, PlanInput, PushOutcome,
    ReceiptIndex, RuleSet, Settings, StoreVisit,
};
use crate::store::ReminderKey;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Reminders: rules and catalogue (data from the server), the shopper's settings, the app's
/// context, feedback and delivered history, and the plan of local notifications.
#[derive(Clone)]
pub struct RemindersApi {
    pub(super) ctx: Arc<Context>,
}

/// Received push messages kept for later plans, at most this many (oldest dropped first).
const MAX_KEPT_PUSHES: usize = 200;
/// Delivered history kept for caps and duplicates, at most this many entries.
const MAX_HISTORY: usize = 2_000;

impl RemindersApi {
    /// Replaces the reminder rules (versioned JSON, validated first).
    pub fn set_rules_json(&self, json: &str) -> ApiResult<()> {
        RuleSet::from_json(json)?;
        Ok(self
            .ctx
            .store
            .set_reminder_value(ReminderKey::Rules, &json.to_string())?)
    }

    /// Replaces the catalogue: recalls, recipes, post-purchase content (versioned JSON).
    pub fn set_catalogue_json(&self, json: &str) -> ApiResult<()> {
        Catalogue::from_json(json)?;
        Ok(self
            .ctx
            .store
            .set_reminder_value(ReminderKey::Catalogue, &json.to_string())?)
    }

    fn rules(&self) -> ApiResult<RuleSet> {
        match self
            .ctx
            .store
            .reminder_value::<String>(ReminderKey::Rules)?
        {
            Some(json) => Ok(RuleSet::from_json(&json)?),
            None => Ok(RuleSet::default()),
        }
    }

    fn catalogue(&self) -> ApiResult<Catalogue> {
        match self
            .ctx
            .store
            .reminder_value::<String>(ReminderKey::Catalogue)?
        {
            Some(json) => Ok(Catalogue::from_json(&json)?),
            None => Ok(Catalogue::default()),
        }
    }

    pub fn settings(&self) -> ApiResult<Settings> {
        Ok(self
            .ctx
            .store
            .reminder_value(ReminderKey::Settings)?
            .unwrap_or_default())
    }

    /// Replaces the settings. A change of consent is also queued for the retailer's server
    /// (the next sync sends it), in the same transaction.
    pub fn set_settings(&self, settings: Settings) -> ApiResult<()> {
        settings.validate()?;
        let json = |v: serde_json::Result<serde_json::Value>| {
            v.map_err(|_| LoyaltyError::Internal {
                reason: "the settings could not be encoded".into(),
            })
        };
        let mut values = vec![(
            ReminderKey::Settings,
            json(serde_json::to_value(&settings))?,
        )];
        let before = self.settings()?.consent;
        // The location consent stays on the device (store visits never leave the phone).
        let shared = |c: engine::Consent| engine::Consent {
            location: false,
            ..c
        };
        if shared(before) != shared(settings.consent) {
            values.push((
                ReminderKey::ConsentUnsent,
                json(serde_json::to_value(settings.consent))?,
            ));
        }
        if !settings.consent.location {
            // Without location consent nothing about store visits is kept.
            values.push((ReminderKey::Visit, serde_json::Value::Null));
        }
        Ok(self.ctx.store.set_reminder_values(&values)?)
    }

    pub fn context(&self) -> ApiResult<engine::Context> {
        Ok(self
            .ctx
            .store
            .reminder_value(ReminderKey::Context)?
            .unwrap_or_default())
    }

    /// What the app knows of the shopper's situation: UTC offset, forecast, other signals.
    pub fn set_context(&self, context: engine::Context) -> ApiResult<()> {
        context.validate()?;
        Ok(self
            .ctx
            .store
            .set_reminder_value(ReminderKey::Context, &context)?)
    }

    fn add_feedback(&self, feedback: Feedback) -> ApiResult<()> {
        self.ctx
            .store
            .update_reminder_value(ReminderKey::Feedback, |all: &mut Vec<Feedback>| {
                all.push(feedback.clone())
            })?;
        Ok(())
    }

    /// "Not interested": this notification is never planned again.
    pub fn dismiss(&self, id: &str) -> ApiResult<()> {
        non_empty_id(id)?;
        self.add_feedback(Feedback::Dismissed { id: id.into() })
    }

    /// "Remind me later": not before `until`.
    pub fn snooze(&self, id: &str, until: DateTime<Utc>) -> ApiResult<()> {
        non_empty_id(id)?;
        if until <= self.ctx.now() {
            return Err(InputError::new("snooze until a time in the future").into());
        }
        self.add_feedback(Feedback::Snoozed {
            id: id.into(),
            until,
        })
    }

    /// "Stop these": nothing from this rule any more (safety notices excepted).
    pub fn mute_rule(&self, rule_id: &str) -> ApiResult<()> {
        non_empty_id(rule_id)?;
        self.add_feedback(Feedback::MutedRule {
            rule_id: rule_id.into(),
        })
    }

    /// The app showed this notification now (counts for caps and is not planned again).
    pub fn mark_delivered(&self, notification: &engine::PlannedNotification) -> ApiResult<()> {
        let delivered = Delivered {
            id: notification.id.clone(),
            at: self.ctx.now(),
            category: notification.category,
        };
        self.ctx.store.update_reminder_value(
            ReminderKey::History,
            |all: &mut Vec<Delivered>| {
                all.push(delivered.clone());
                if all.len() > MAX_HISTORY {
                    let excess = all.len() - MAX_HISTORY;
                    all.drain(..excess);
                }
            },
        )?;
        Ok(())
    }

    /// The plan of local notifications now: replace everything scheduled before with it, and
    /// plan again at `recompute_at` or when receipts, vouchers, settings or context change.
    pub fn plan(&self) -> ApiResult<Plan> {
        self.with_input(|input, index| Ok(engine::plan_with_index(input, index)?))
    }

    /// Passes a push payload from the retailer through the same policy. A message to show is
    /// kept for later plans (so caps and duplicates count it).
    pub fn receive_push(&self, json: &str) -> ApiResult<PushOutcome> {
        let message = engine::parse_push(json)?;
        let outcome =
            self.with_input(|input, index| Ok(engine::evaluate_push(&message, input, index)?))?;
        if matches!(outcome, PushOutcome::Show(_)) {
            let raw = message.to_json();
            self.ctx.store.update_reminder_value(
                ReminderKey::Pushes,
                |all: &mut Vec<String>| {
                    all.push(raw.clone());
                    if all.len() > MAX_KEPT_PUSHES {
                        let excess = all.len() - MAX_KEPT_PUSHES;
                        all.drain(..excess);
                    }
                },
            )?;
        }
        Ok(outcome)
    }

    /// The phone entered store `store_id` (the app's geofence or beacon region; the core takes
    /// the store, never a position). With the shopper's location consent the visit is kept and
    /// the next plan holds the in-store notification (the card ready, the shopping list, the
    /// activated offers; an `in_store` rule of the rule set, under the same consent, quiet hours
    /// and caps). Without it nothing is stored and `false` is returned. Entering another store
    /// replaces the visit.
    pub fn entered_store(&self, store_id: &str, store_name: &str) -> ApiResult<bool> {
        if !self.settings()?.consent.location {
            return Ok(false);
        }
        let visit = StoreVisit {
            store_id: store_id.to_string(),
            store_name: store_name.to_string(),
            entered_at: self.ctx.now(),
            list_items: 0,
            offers: Vec::new(),
        };
        visit.validate()?;
        self.ctx
            .store
            .set_reminder_value(ReminderKey::Visit, &visit)?;
        Ok(true)
    }

    /// The phone left store `store_id`: its visit is forgotten (a visit of another store stays).
    /// Whether a visit was forgotten.
    pub fn left_store(&self, store_id: &str) -> ApiResult<bool> {
        let Some(visit) = self.store_visit()? else {
            return Ok(false);
        };
        if visit.store_id != store_id {
            return Ok(false);
        }
        Ok(self
            .ctx
            .store
            .remove_reminder_value_if(ReminderKey::Visit, &visit)?)
    }

    /// The store the phone is in, as the app last said (only with location consent).
    pub fn store_visit(&self) -> ApiResult<Option<StoreVisit>> {
        if !self.settings()?.consent.location {
            return Ok(None);
        }
        Ok(self.ctx.store.reminder_value(ReminderKey::Visit)?)
    }

    /// Gathers everything a plan depends on and runs `f` with the receipt index.
    fn with_input<T>(
        &self,
        f: impl FnOnce(&PlanInput<'_>, &ReceiptIndex) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let store = &self.ctx.store;
        let now = self.ctx.now();
        let rules = self.rules()?;
        let catalogue = self.catalogue()?;
        let settings = self.settings()?;
        let context = self.context()?;
        let feedback: Vec<Feedback> = store
            .reminder_value(ReminderKey::Feedback)?
            .unwrap_or_default();
        let history: Vec<Delivered> = store
            .reminder_value(ReminderKey::History)?
            .unwrap_or_default();
        let pushes = store
            .reminder_value::<Vec<String>>(ReminderKey::Pushes)?
            .unwrap_or_default()
            .iter()
            .filter_map(|raw| engine::parse_push(raw).ok())
            .collect::<Vec<_>>();
        let vouchers = store.vouchers()?;
        let mut progress = points::TierProgress::new(&self.ctx.rules, now);
        let mut any_entry = false;
        store.visit_ledger(|e| {
            any_entry = true;
            progress.add(e);
        })?;
        let tier = any_entry.then(|| progress.status(&self.ctx.rules));
        let enrolled_at = store.member_card()?.map(|c| c.enrolled_at);
        let lang = settings.lang();
        let offers = store.offers()?;
        let visit = match self.store_visit()? {
            Some(mut v) => {
                let open = store.list_items()?.iter().filter(|i| !i.checked).count();
                v.list_items = u32::try_from(open).unwrap_or(u32::MAX);
                // The offers the till applies now: activated by the shopper, or automatic.
                v.offers = offers
                    .iter()
                    .filter(|o| o.state == OfferState::Activated && o.offer.is_valid_at(now))
                    .map(|o| o.offer.title.get(lang).to_string())
                    .take(100)
                    .collect();
                Some(v)
            }
            None => None,
        };
        // Offers the retailer gave automatically and not used yet: "time to spend it".
        let assigned: Vec<AssignedOffer> = offers
            .iter()
            .filter(|o| {
                o.state == OfferState::Activated
                    && o.offer.activation == OfferActivation::Automatic
                    && o.offer.valid_until > now
            })
            .map(|o| AssignedOffer {
                id: o.offer.id.clone(),
                title: o.offer.title.get(lang).to_string(),
                valid_from: o.offer.valid_from,
                valid_until: o.offer.valid_until,
            })
            .collect();
        let mut input = PlanInput::new(now, &rules, &catalogue, &settings, &context);
        input.visit = visit.as_ref();
        input.assigned_offers = &assigned;
        input.vouchers = &vouchers;
        input.tier = tier.as_ref();
        input.enrolled_at = enrolled_at;
        input.feedback = &feedback;
        input.history = &history;
        input.pushes = &pushes;
        let membership = self.ctx.store.membership()?;
        input.membership = membership.as_ref();
        // The survey after the second purchase answered (here, or first on another device of
        // the member): its reminder ends.
        input.survey_answered = self.ctx.store.survey_answers()?.iter().any(|a| {
            a.audience == crate::survey::Audience::SecondPurchase
                && (a.status != crate::store::AnswerStatus::Refused
                    || a.refusal == Some(crate::survey::SurveyRefusal::AlreadyAnswered))
        });
        let mut out = None;
        self.ctx.with_reminder_index(|index| {
            out = Some(f(&input, index));
            Ok(())
        })?;
        out.unwrap_or_else(|| {
            Err(LoyaltyError::Internal {
                reason: "the receipt index was not built".into(),
            })
        })
    }
}

fn non_empty_id(id: &str) -> ApiResult<()> {
    if id.trim().is_empty() || id.len() > 512 {
        return Err(InputError::new("notification and rule ids are 1 to 512 bytes").into());
    }
    Ok(())
}
