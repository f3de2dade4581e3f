//! The shopping list through the bindings: usual items, the shopper's own items, items from a
//! reminder, checked off, and the list screen's listener.

use crate::error::Result;
use crate::reminders::PlannedNotification;
use crate::sync::ListenerHandle;
use crate::types::st;
use loyalty_core as core;
use loyalty_core::list as rules;
use loyalty_core::reminders as engine;
use std::sync::Arc;
use std::time::SystemTime;

// Where an item came from and "your usual items" derive uniffi where they are defined
// (loyalty_domain::list, loyalty_domain::reminders).
pub use engine::UsualItem;
pub use rules::ItemSource as ListItemSource;

/// "Add it to your shopping list?": what a replenishment reminder offers to put on the list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListOffer {
    /// The action's label in the shopper's language ("Add to shopping list").
    pub action: String,
    /// The item's name on the list.
    pub name: String,
    /// The product reminded of.
    pub gtin: String,
    /// What counts as buying it: these products, or any product in these categories.
    pub bought_with_gtins: Vec<String>,
    pub bought_with_categories: Vec<String>,
}

impl From<engine::ListOffer> for ListOffer {
    fn from(o: engine::ListOffer) -> Self {
        Self {
            action: o.action,
            name: o.name,
            gtin: o.gtin,
            bought_with_gtins: o.bought_with.gtins,
            bought_with_categories: o.bought_with.categories,
        }
    }
}

impl From<ListOffer> for engine::ListOffer {
    fn from(o: ListOffer) -> Self {
        Self {
            action: o.action,
            name: o.name,
            gtin: o.gtin,
            bought_with: engine::Selector {
                gtins: o.bought_with_gtins,
                categories: o.bought_with_categories,
            },
        }
    }
}

/// One item on the shopping list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListItem {
    pub id: String,
    pub name: String,
    /// The product, when the item is one (`null` for free text).
    pub gtin: Option<String>,
    /// What counts as buying it (empty for free text).
    pub bought_with_gtins: Vec<String>,
    pub bought_with_categories: Vec<String>,
    pub quantity: Option<u32>,
    pub checked: bool,
    pub added_at: SystemTime,
    pub checked_at: Option<SystemTime>,
    pub source: ListItemSource,
}

impl From<rules::ListItem> for ListItem {
    fn from(i: rules::ListItem) -> Self {
        Self {
            id: i.id,
            name: i.name,
            gtin: i.gtin,
            bought_with_gtins: i.bought_with.gtins,
            bought_with_categories: i.bought_with.categories,
            quantity: i.quantity,
            checked: i.checked,
            added_at: st(i.added_at),
            checked_at: i.checked_at.map(st),
            source: i.source,
        }
    }
}

/// The list screen: the shopper's items (unchecked first), then usual items not on the list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ListScreen {
    pub items: Vec<ListItem>,
    pub usual: Vec<UsualItem>,
}

impl From<rules::ShoppingList> for ListScreen {
    fn from(l: rules::ShoppingList) -> Self {
        Self {
            items: l.items.into_iter().map(Into::into).collect(),
            usual: l.usual.into_iter().collect(),
        }
    }
}

/// Receives the list screen now, then after each change to the list or the receipts (a
/// receipt may take items off). Called like `BalanceListener`.
#[uniffi::export(with_foreign)]
pub trait ListListener: Send + Sync {
    fn on_list(&self, list: ListScreen);
}

/// The shopping list the shopper owns; kept on the device, offline.
#[derive(uniffi::Object)]
pub struct ShoppingList {
    pub(crate) api: core::ListApi,
}

#[uniffi::export]
impl ShoppingList {
    /// The items: unchecked first, then checked, each in the order added.
    pub fn items(&self) -> Result<Vec<ListItem>> {
        Ok(self.api.items()?.into_iter().map(Into::into).collect())
    }

    /// The list screen with at most `usual_limit` (0–200) usual items not on the list.
    pub fn show(&self, usual_limit: u32) -> Result<ListScreen> {
        Ok(self.api.show(usual_limit)?.into())
    }

    /// "Your usual items", the likeliest first, at most `limit` (0–200).
    pub fn usual(&self, limit: u32) -> Result<Vec<UsualItem>> {
        Ok(self.api.usual(limit)?.into_iter().collect())
    }

    /// Adds an item by hand: a name, optionally a GTIN and a quantity (1–99). A duplicate is
    /// `Conflict`; bad input `InvalidInput`.
    pub fn add(
        &self,
        name: String,
        gtin: Option<String>,
        quantity: Option<u32>,
    ) -> Result<ListItem> {
        Ok(self.api.add(&name, gtin.as_deref(), quantity)?.into())
    }

    /// Adds one of the usual items; a product never bought is `NotFound`.
    pub fn add_usual(&self, gtin: String, quantity: Option<u32>) -> Result<ListItem> {
        Ok(self.api.add_usual(&gtin, quantity)?.into())
    }

    /// "Add it to your shopping list?": adds what the notification's `list_offer` offers.
    pub fn add_from_reminder(
        &self,
        notification: PlannedNotification,
        quantity: Option<u32>,
    ) -> Result<ListItem> {
        let n: engine::PlannedNotification = notification.try_into()?;
        Ok(self.api.add_from_reminder(&n, quantity)?.into())
    }

    pub fn check(&self, id: String) -> Result<ListItem> {
        Ok(self.api.check(&id)?.into())
    }

    pub fn uncheck(&self, id: String) -> Result<ListItem> {
        Ok(self.api.uncheck(&id)?.into())
    }

    /// Sets (1–99) or clears (`null`) an item's quantity.
    pub fn set_quantity(&self, id: String, quantity: Option<u32>) -> Result<ListItem> {
        Ok(self.api.set_quantity(&id, quantity)?.into())
    }

    /// Takes an item off the list; returns it.
    pub fn remove(&self, id: String) -> Result<ListItem> {
        Ok(self.api.remove(&id)?.into())
    }

    /// Registers a list-screen listener; keep the handle as long as it should be called.
    pub fn add_listener(
        &self,
        usual_limit: u32,
        listener: Arc<dyn ListListener>,
    ) -> Result<Arc<ListenerHandle>> {
        let handle = self
            .api
            .add_listener(usual_limit, Box::new(move |l| listener.on_list(l.into())))?;
        Ok(ListenerHandle::wrap(handle))
    }
}
