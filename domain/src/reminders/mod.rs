//! Reminders: the on-device rules engine and notification policy.
//!
//! A pure function of its inputs — no I/O, no store, no clock of its own — that turns the
//! shopper's purchase history, wallet, tier and the app's context into a deterministic **plan of
//! local notifications** (stable id, time, title, body, deep link, category, kind, and a "why you
//! got this" reason) for the native layer to schedule.
//!
//! ```text
//! receipts ──► ReceiptIndex ─┐
//! vouchers, tier, enrolment ─┤                                    ┌─► Plan { items, suppressed,
//! RuleSet (JSON) ────────────┼─► engine: candidates per rule ──► policy ──► l10n     recompute_at }
//! Catalogue (JSON) ──────────┤   (each O(its matches))          (consent, feedback, duplicates,
//! pushes (parse_push) ───────┘                                   quiet hours, caps)
//! ```
//!
//! # Use
//!
//! ```text
//! let rules = RuleSet::from_json(rules_json)?;          // versioned, validated
//! let catalogue = Catalogue::from_json(catalogue_json)?; // recalls, recipes, content
//! let input = PlanInput { vouchers, tier, history, feedback, ..PlanInput::new(now, &rules, &catalogue, &settings, &context) };
//! let plan = plan(&input, &receipts)?;                   // or plan_with_index(&input, &index)
//! let changes = plan.changes_since(&previous_plan);      // what to (re)schedule and cancel
//! ```
//!
//! **Cost.** Linear in the receipt lines (indexing them once), then per rule O(its matches) or
//! O(log n): replenishment reads only the last `history` purchase days of each product, and a
//! product's statistics are computed once per plan however many rules cover it; catalogue
//! selectors are resolved once per plan; deep links and texts are made only for admitted
//! notifications. `cargo bench -p loyalty-domain --bench reminders` measures 1k/10k/100k lines
//! with 500 rules.
//!
//! **Incremental.** Indexing the receipts is the only cost that grows with the history; keep a
//! [`ReceiptIndex`] and [`ReceiptIndex::insert`] new receipts as they arrive, then
//! [`plan_with_index`]. Everything else is recomputed per plan, in O(rules × log(history)) plus
//! the matches. Plan again when receipts, vouchers, tier, context (forecast, UTC offset),
//! settings, feedback or history change, and at the latest at [`Plan::recompute_at`] (the next
//! local midnight: date-based rules move on by day).
//!
//! **Time.** `now` is injected. Local time comes from the UTC offset the app supplies in
//! [`Context`] (there is no time-zone database here): calendar days, send times, quiet hours and
//! caps' days and weeks are in that local time, and the app plans again when the offset changes
//! (travel, daylight-saving switch).
//!
//! # Rule kinds
//!
//! Rules are data: a versioned JSON [`RuleSet`] (see [`rules`] for the format). Ids are
//! `rule : subject : period`, so the same reminder keeps its id across plans and a new period
//! (a new purchase cycle, a new season) gets a new one.
//!
//! - **Replenishment** ([`ReplenishmentRule`]): per product (GTIN) or per group, from the last
//!   `history` purchase days (a day counts its largest receipt, not the sum of two receipts):
//!   the item lasts the median gap between purchase days (scaled by the last quantity only when
//!   earlier multi-unit purchases support it), refused as irregular when the gaps' median
//!   absolute deviation exceeds `max_spread_percent` both in days and, for an item the shopper
//!   sometimes skips, in shops. Likelihood: a next-shop model, the probability that the item is
//!   in the basket if the shopper shops that day (logistic over the recency-weighted share of
//!   their last 20 shops with it, shops and days since it was bought relative to its interval,
//!   their shopping rhythm, purchase days and rate; fitted without the evaluation's held-out
//!   orders). Reminds on the first day it reaches `min_likelihood_percent`, not before a
//!   quarter of the shopper's shop gap after their last shop nor earlier than the larger of
//!   `lead_days` and `lead_percent` of the interval before the run-out; stays useful while it
//!   holds (at least `grace_days` after the run-out). Period = last purchase day, so a new
//!   purchase replaces the reminder. The same model ranks [`usual_items`] ("your usual
//!   items").
//! - **Seasonal** ([`SeasonalRule`]): in season (MM-DD range, may wrap the year), bought during
//!   last year's season, not yet during this one. Gated ("frost forecast": forecast minimum ≤
//!   0.0 °C) it reminds today when every gate holds; ungated, `lead_days` before the anniversary
//!   of last year's first purchase. Period = the season's start year.
//! - **Recall** (catalogue [`RecallNotice`]s and recall pushes; no rule needed): lines of a
//!   recalled GTIN bought within the sale window, whose lot is listed (or any lot if none are
//!   listed; a line without a lot is *possibly* affected and told to check the package). Safety
//!   category, marketing consent irrelevant, never capped; urgent notices ignore quiet hours.
//!   [`matching_recalls`] gives the matches for the app's own screens.
//! - **Recipes** ([`RecipesRule`]): catalogue recipes ranked by the number of ingredients (each a
//!   selector) bought within `window_days`, then by share of the recipe, then id; the best
//!   `max_suggestions` with at least `min_overlap`, at `send_at` after the latest such purchase.
//! - **Post-purchase content** ([`PostPurchaseRule`] + catalogue [`Content`]): for the latest
//!   matching purchase within `lookback_days`, `delay_hours` after it, useful for `valid_hours`;
//!   not repeated within the content's `repeat_after_days`.
//! - **Voucher expiry** ([`VoucherExpiryRule`]): available vouchers, `days_before` their last
//!   valid local day; thresholds already passed collapse into one reminder now.
//! - **Tier progress** ([`TierProgressRule`]): within `max_points_to_next` of the next tier.
//! - **Lifecycle**: [`WelcomeRule`] (after enrolment), [`SecondPurchaseRule`] (after the first
//!   purchase while it is the only one), [`WinBackRule`] (after `inactive_days` without a
//!   purchase), [`SurveyRule`] (after the second purchase), [`EventInvitationRule`] (a rule's own
//!   event for shoppers eligible by tier and history, or the wallet's invitation vouchers).
//! - **Push** ([`parse_push`]): server messages through the same policy; [`evaluate_push`] says
//!   what happens to one.
//!
//! # Policy
//!
//! See [`policy`]: consent per category and muted rules → one per id/topic/series (the best wins)
//! → dismissed, snoozed, already delivered, repeat intervals → not before now, quiet hours
//! postpone (spanning midnight allowed), stale ones dropped → caps per local day and week, total
//! and per category, best first, the rest moved to the next day. Every suppressed reminder is
//! listed with its [`SuppressReason`].
//!
//! # Texts
//!
//! Fluent bundles for en, nl and fr (`domain/locales/*/reminders.ftl`, compiled in) with CLDR
//! plurals, and overlays for Belgian Dutch and French (`domain/locales/nl-BE`, `fr-BE`: only
//! the messages whose words differ); language negotiated from the settings' tag ("nl-BE" →
//! Belgian Dutch, "nl-NL" → nl, anything unknown → en), message by message fallback to the base
//! language, then English; no bidi isolation marks. Names of products and stores come from the
//! receipts with their translations (or a rule's localized `label`), tiers from the programme
//! rules; catalogue and push texts are localized maps.
//!
//! # Robustness
//!
//! No input makes it panic: JSON is parsed into typed values with errors naming the place,
//! arithmetic on times and quantities saturates, out-of-range dates yield no reminder. Money is
//! not involved; interval statistics are integer seconds (deterministic).

mod candidates;
mod catalogue;
mod hash;
mod ids;
mod index;
/// The compiled nl/fr/en texts; `loyalty-core` words its sync notices through [`l10n::localizer`].
pub mod l10n;
mod name;
mod plan;
pub mod policy;
mod push;
pub mod rules;
mod time;
mod vocab;

#[cfg(test)]
mod tests;

pub use catalogue::{Catalogue, Content, RecallNotice, Recipe, CATALOGUE_VERSION};
pub use index::ReceiptIndex;
pub use plan::{
    AssignedOffer, CapLimit, Caps, Consent, Context, Delivered, Feedback, ListOffer, Plan,
    PlanChanges, PlanInput, PlannedNotification, QuietHours, Settings, StoreVisit, SuppressReason,
    Suppressed,
};
pub use push::{
    parse_push, recall_alert, PushMessage, PushNotice, APNS_MAX_PAYLOAD_BYTES, PUSH_PAYLOAD_KEY,
    PUSH_VERSION, RECALL_ALERT_BODY_KEY, RECALL_ALERT_TITLE_KEY,
};
pub use rules::{
    Eligibility, EventInvitationRule, EventSpec, Gate, InStoreRule, Per, PostPurchaseRule,
    RecipesRule, ReplenishmentRule, Rule, RuleSet, RuleSpec, Season, SeasonalRule,
    SecondPurchaseRule, SurveyRule, TierProgressRule, VoucherExpiryRule, WelcomeRule, WinBackRule,
    RULES_VERSION,
};
pub use time::{LocalTime, MonthDay};
pub use vocab::{Category, Lang, LocalizedText, ReminderKind, Selector, Trilingual};

use crate::check::InputError;
use crate::receipts::Receipt;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Plans reminders from `receipts` (indexed for this call).
pub fn plan(input: &PlanInput<'_>, receipts: &[Receipt]) -> Result<Plan, InputError> {
    let index = ReceiptIndex::from_receipts(receipts);
    plan_with_index(input, &index)
}

/// Plans reminders from an index kept between plans.
pub fn plan_with_index(input: &PlanInput<'_>, index: &ReceiptIndex) -> Result<Plan, InputError> {
    input.settings.validate()?;
    input.context.validate()?;
    let now = time::ts(input.now);
    let tz = time::Tz::from_minutes(input.context.local_utc_offset_minutes);
    let cx = candidates::Cx {
        input: *input,
        index,
        now,
        tz,
        horizon_end: now.saturating_add(time::days(input.settings.horizon_days)),
        recipe_lists: Default::default(),
        content_lists: Default::default(),
        predictions: Default::default(),
        shops: Default::default(),
    };
    let candidates = candidates::candidates(&cx);
    let (admitted, suppressed) = policy::apply(&cx, candidates);
    let lang = input.settings.lang();
    let items = admitted
        .iter()
        .filter_map(|c| l10n::render(c, lang, tz, &input.rules.deep_link_base))
        .collect();
    let recompute_at =
        time::to_utc(tz.start_of(tz.day(now).saturating_add(1))).unwrap_or(input.now);
    Ok(Plan {
        items,
        suppressed,
        recompute_at,
    })
}

/// One entry of "your usual items": a product the shopper bought, how likely they buy it at
/// their next shop, when they will probably buy it next, and why, in their language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UsualItem {
    pub gtin: String,
    /// The item name on its latest receipt line.
    pub name: String,
    /// 0–100: the probability that the item is in the basket if the shopper shops today (the
    /// next-shop model of the replenishment reminders).
    pub likelihood_percent: u32,
    /// Start of the local day of the expected next purchase, given that it was not bought
    /// since: its last purchase plus the median of its gaps longer than the time elapsed
    /// (scaled by quantity where the history supports it); past all of them, or when bought
    /// on one day only, the shopper's next shop by their usual gap (never before today).
    pub next_purchase: DateTime<Utc>,
    /// Bought on this many of the shopper's last `of_shops` shop days (at most 10).
    pub bought_in: u32,
    pub of_shops: u32,
    /// Typical days between its purchase days (0: bought on one day only).
    pub every_days: u32,
    /// "You bought Milk on 9 of your last 10 shops, about every 7 days."
    pub reason: String,
}

/// "Your usual items": every product in the receipts up to `now`, the likeliest first (then the
/// soonest, then GTIN), at most `limit`. The same model as the replenishment reminders, with
/// the default history of 10 purchase days; pure, linear in the receipt lines.
pub fn usual_items(
    index: &ReceiptIndex,
    now: DateTime<Utc>,
    settings: &Settings,
    context: &Context,
    limit: usize,
) -> Result<Vec<UsualItem>, InputError> {
    settings.validate()?;
    context.validate()?;
    let rules = RuleSet::default();
    let catalogue = Catalogue::default();
    let input = PlanInput::new(now, &rules, &catalogue, settings, context);
    let tz = time::Tz::from_minutes(context.local_utc_offset_minutes);
    let cx = candidates::Cx {
        input,
        index,
        now: time::ts(now),
        tz,
        horizon_end: time::ts(now),
        recipe_lists: Default::default(),
        content_lists: Default::default(),
        predictions: Default::default(),
        shops: Default::default(),
    };
    let lang = settings.lang();
    let items = candidates::usual_items(&cx, ReplenishmentRule::default().history);
    let to_u32 = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    Ok(items
        .into_iter()
        .take(limit)
        .filter_map(|u| {
            let line = index.line(u.last_line());
            let name = index.name(line).get(lang).to_string();
            let (bought, shops, every, _) = u.evidence();
            Some(UsualItem {
                gtin: index.gtin_str(u.gtin).to_string(),
                reason: l10n::usual_reason(lang, &name, bought, shops, every),
                name,
                likelihood_percent: u.likelihood.div_ceil(10).min(100),
                next_purchase: time::to_utc(tz.start_of(u.next_day))?,
                bought_in: to_u32(bought),
                of_shops: to_u32(shops),
                every_days: u32::try_from(every).unwrap_or(0),
            })
        })
        .collect())
}

/// What happens to one incoming push message.
// One value per push received, returned by value to the app: the notification (larger since it
// carries its shopping-list offer) is not worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// Schedule (or show, if `at` is now) this notification.
    Show(PlannedNotification),
    /// The policy holds it back.
    Suppressed(SuppressReason),
    /// Nothing to show: a recall that does not concern this shopper, or a message already
    /// expired or due beyond the horizon.
    NotShown,
}

/// Passes one push message through the policy, together with everything else planned (so caps
/// and duplicates count the whole plan). The app schedules [`PushOutcome::Show`] and keeps the
/// message with its other pushes for later plans until it expires.
pub fn evaluate_push(
    msg: &PushMessage,
    input: &PlanInput<'_>,
    index: &ReceiptIndex,
) -> Result<PushOutcome, InputError> {
    let mut pushes: Vec<PushMessage> = input.pushes.to_vec();
    let id = msg.notification_id();
    if !pushes.iter().any(|p| p.notification_id() == id) {
        pushes.push(msg.clone());
    }
    let with = PlanInput {
        pushes: &pushes,
        ..*input
    };
    let plan = plan_with_index(&with, index)?;
    if let Some(n) = plan.items.into_iter().find(|n| n.id == id) {
        return Ok(PushOutcome::Show(n));
    }
    Ok(match plan.suppressed.iter().find(|s| s.id == id) {
        Some(s) => PushOutcome::Suppressed(s.why),
        None => PushOutcome::NotShown,
    })
}

/// A recall notice that concerns the shopper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallMatch {
    pub notice_id: String,
    pub receipt_id: String,
    pub gtin: String,
    pub purchased_at: DateTime<Utc>,
    pub lot: Option<String>,
    /// False when the receipt has no lot but the notice lists lots: possibly affected.
    pub certain: bool,
}

/// The recall notices that concern the shopper's purchases up to `now`, whatever the
/// notification consent (for the app's own recall screen), sorted by notice id.
pub fn matching_recalls(
    index: &ReceiptIndex,
    notices: &[RecallNotice],
    now: DateTime<Utc>,
) -> Vec<RecallMatch> {
    let mut out: Vec<RecallMatch> = notices
        .iter()
        .filter_map(|n| {
            let (li, certain) = candidates::recall_match(index, n, time::ts(now))?;
            let line = index.line(li);
            Some(RecallMatch {
                notice_id: n.id.clone(),
                receipt_id: index.receipt(line.receipt).id.to_string(),
                gtin: index.gtin_str(line.gtin).to_string(),
                purchased_at: time::to_utc(line.at)?,
                lot: index.lot(line).map(str::to_string),
                certain,
            })
        })
        .collect();
    crate::sort::sort_by(&mut out, |a, b| a.notice_id.cmp(&b.notice_id));
    out.dedup_by(|a, b| a.notice_id == b.notice_id);
    out
}
