//! Reminder state: one record per key in the `reminders` tree (rules, catalogue, settings,
//! context, feedback, delivered history, received pushes).

use super::{get, tx_get, tx_put, Store, StoreError, Tree};
use serde::de::DeserializeOwned;
use serde::Serialize;

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
