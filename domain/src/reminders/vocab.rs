//! The reminders' vocabulary, shared by the rules, the catalogue, push messages, the planner and
//! the texts: consent categories, reminder kinds, languages, localised text and receipt-line
//! selectors (languages and texts in several languages are `crate::lang`'s, named here too).
//! Imports nothing else from `reminders`.

use crate::check::InputError;
use crate::gs1::validate_gtin;
use serde::{Deserialize, Serialize};

/// Consent category of a notification. The order is the priority order: safety first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Enum),
    uniffi(name = "NotificationCategory")
)]
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
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
    /// The phone entered a store (with location consent): the card, the list, the offers.
    InStore,
    /// A premium membership that does not renew by itself ends soon.
    MembershipRenewal,
}

impl ReminderKind {
    /// The category a rule of this kind has unless the rule says otherwise.
    pub fn default_category(self) -> Category {
        match self {
            ReminderKind::Recall => Category::Safety,
            ReminderKind::PostPurchase
            | ReminderKind::VoucherExpiry
            | ReminderKind::Welcome
            | ReminderKind::Survey
            | ReminderKind::InStore
            | ReminderKind::MembershipRenewal => Category::Service,
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

pub use crate::lang::{Lang, LocalizedText, Trilingual};

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
