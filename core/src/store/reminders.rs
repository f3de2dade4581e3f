//! Reminder state: one record per key in the `reminders` tree (rules, catalogue, settings,
//! context, feedback, delivered history, received pushes, and the last applied version of each
//! content feed from the server).

use super::{get, tx_get, tx_put, Store, StoreError, Tree};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The keys of the reminder state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderKey {
    Rules,
    Catalogue,
    Settings,
    Context,
    Feedback,
    History,
    Pushes,
    /// The last applied version of a content feed ([`StoredFeed`]).
    Feed(ContentFeed),
    /// Consent the shopper changed on this device and the server has not been told yet.
    ConsentUnsent,
    /// The store the phone is in ([`crate::reminders::StoreVisit`]), kept only with location
    /// consent.
    Visit,
}

/// The server's content feeds (`GET /v1/content/{kind}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentFeed {
    ReminderRules,
    Recipes,
    PostPurchase,
    Recalls,
    /// Surveys and votes ([`crate::survey::SurveyFeed`]): kept as applied, read by the surveys
    /// API.
    Surveys,
}

impl ContentFeed {
    pub const ALL: [ContentFeed; 5] = [
        ContentFeed::ReminderRules,
        ContentFeed::Recipes,
        ContentFeed::PostPurchase,
        ContentFeed::Recalls,
        ContentFeed::Surveys,
    ];

    /// The feed's name in the API's path.
    pub fn name(self) -> &'static str {
        match self {
            ContentFeed::ReminderRules => "reminder-rules",
            ContentFeed::Recipes => "recipes",
            ContentFeed::PostPurchase => "post-purchase",
            ContentFeed::Recalls => "recalls",
            ContentFeed::Surveys => crate::survey::SURVEYS_FEED,
        }
    }
}

/// A content feed version as applied: the server's version number and its body (JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFeed {
    pub version: u64,
    pub body: String,
}

impl ReminderKey {
    fn bytes(self) -> &'static [u8] {
        match self {
            ReminderKey::Rules => b"rules",
            ReminderKey::Catalogue => b"catalogue",
            ReminderKey::Settings => b"settings",
            ReminderKey::Context => b"context",
            ReminderKey::Feedback => b"feedback",
            ReminderKey::History => b"history",
            ReminderKey::Pushes => b"pushes",
            ReminderKey::Visit => b"visit",
            ReminderKey::Feed(ContentFeed::ReminderRules) => b"feed.reminder-rules",
            ReminderKey::Feed(ContentFeed::Recipes) => b"feed.recipes",
            ReminderKey::Feed(ContentFeed::PostPurchase) => b"feed.post-purchase",
            ReminderKey::Feed(ContentFeed::Recalls) => b"feed.recalls",
            ReminderKey::Feed(ContentFeed::Surveys) => b"feed.surveys",
            ReminderKey::ConsentUnsent => b"consent_unsent",
        }
    }
}

impl Store {
    pub fn reminder_value<T: DeserializeOwned>(
        &self,
        key: ReminderKey,
    ) -> Result<Option<T>, StoreError> {
        self.with(|o| get(o.tree(Tree::Reminders), key.bytes()))
    }

    pub fn set_reminder_value<T: Serialize>(
        &self,
        key: ReminderKey,
        value: &T,
    ) -> Result<(), StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Reminders], |t| tx_put(&t[0], key.bytes(), value))
    }

    /// Several values in one transaction (a content feed with what it makes of the rules or the
    /// catalogue: both or neither).
    /// Writes `values` in one transaction; a JSON `null` removes its key.
    pub fn set_reminder_values(
        &self,
        values: &[(ReminderKey, serde_json::Value)],
    ) -> Result<(), StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Reminders], |t| {
            for (key, value) in values {
                if value.is_null() {
                    t[0].remove(key.bytes())?;
                } else {
                    tx_put(&t[0], key.bytes(), value)?;
                }
            }
            Ok(())
        })
    }

    /// Takes the consent the server has (set on another device of the household, or on the
    /// retailer's website) into the settings, unless the shopper changed it on this device and
    /// the server has not heard yet; `true` when the settings changed. One transaction.
    pub fn apply_server_consent(
        &self,
        consent: crate::reminders::Consent,
    ) -> Result<bool, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Reminders], |t| {
            if t[0].get(ReminderKey::ConsentUnsent.bytes())?.is_some() {
                return Ok(false);
            }
            let mut settings: crate::reminders::Settings =
                tx_get(&t[0], ReminderKey::Settings.bytes())?.unwrap_or_default();
            // The location consent is the device's own: the server's copy does not carry it.
            let consent = crate::reminders::Consent {
                location: settings.consent.location,
                ..consent
            };
            if settings.consent == consent {
                return Ok(false);
            }
            settings.consent = consent;
            tx_put(&t[0], ReminderKey::Settings.bytes(), &settings)?;
            Ok(true)
        })
    }

    /// Removes `key` if it still holds `expected` (a value that was sent, unless it changed in
    /// the meantime); `true` when removed.
    pub fn remove_reminder_value_if<T: Serialize + DeserializeOwned + PartialEq>(
        &self,
        key: ReminderKey,
        expected: &T,
    ) -> Result<bool, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Reminders], |t| {
            let current: Option<T> = tx_get(&t[0], key.bytes())?;
            if current.as_ref() == Some(expected) {
                t[0].remove(key.bytes())?;
                return Ok(true);
            }
            Ok(false)
        })
    }

    /// Read-modify-write of one value (e.g. appending feedback), atomically.
    pub fn update_reminder_value<T: Serialize + DeserializeOwned + Default>(
        &self,
        key: ReminderKey,
        change: impl Fn(&mut T),
    ) -> Result<T, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Reminders], |t| {
            let mut value: T = tx_get(&t[0], key.bytes())?.unwrap_or_default();
            change(&mut value);
            tx_put(&t[0], key.bytes(), &value)?;
            Ok(value)
        })
    }
}
