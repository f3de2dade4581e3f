//! The shopping list the shopper owns: "your usual items" ranked by the reminders' next-shop
//! model, items added by hand, from the usual items or from a reminder, checked off, and taken
//! off by the receipts that buy them (see [`crate::list`] for the rules). Kept on the device,
//! offline; each change one flushed transaction.

use super::error::ApiResult;
use super::watch;
use crate::check::InputError;
use crate::context::Context;
use crate::list::{self, ListError, ListItem, ShoppingList};
use crate::reminders::{self as engine, PlannedNotification, UsualItem};
use crate::runtime::TaskHandle;
use crate::store::{ReminderKey, StoreError, Topic};
use std::sync::Arc;

/// The shopping list.
#[derive(Clone)]
pub struct ListApi {
    pub(super) ctx: Arc<Context>,
}

/// At most this many usual items are asked for at once.
pub const MAX_USUAL: u32 = 200;

fn checked_limit(limit: u32) -> Result<usize, InputError> {
    if limit > MAX_USUAL {
        return Err(InputError::new(format!(
            "at most {MAX_USUAL} usual items can be listed"
        )));
    }
    Ok(limit as usize)
}

/// "Your usual items" now, in the shopper's language (the reminder settings' language), the
/// likeliest first.
fn usual_items(ctx: &Context, limit: usize) -> Result<Vec<UsualItem>, StoreError> {
    let settings: engine::Settings = ctx
        .store
        .reminder_value(ReminderKey::Settings)?
        .unwrap_or_default();
    let context: engine::Context = ctx
        .store
        .reminder_value(ReminderKey::Context)?
        .unwrap_or_default();
    let now = ctx.now();
    ctx.with_reminder_index(|index| {
        Ok(engine::usual_items(index, now, &settings, &context, limit)?)
    })
}

fn shopping_list(ctx: &Context, limit: usize) -> Result<ShoppingList, StoreError> {
    let items = ctx.store.list_items()?;
    // Usual items already on the list are left out after ranking: ask for that many more.
    let usual = usual_items(ctx, limit.saturating_add(items.len()))?;
    Ok(list::merge(items, usual, limit))
}

impl ListApi {
    /// The items on the list: unchecked first, then checked, each in the order added.
    pub fn items(&self) -> ApiResult<Vec<ListItem>> {
        Ok(self.ctx.store.list_items()?)
    }

    /// The list screen: the items, then at most `usual_limit` (0–200) usual items that are not
    /// on the list yet.
    pub fn show(&self, usual_limit: u32) -> ApiResult<ShoppingList> {
        Ok(shopping_list(&self.ctx, checked_limit(usual_limit)?)?)
    }

    /// "Your usual items": every product the shopper bought, ranked by the next-shop model of
    /// the replenishment reminders (the likeliest at their next shop first), with the why in
    /// their language; at most `limit` (0–200).
    pub fn usual(&self, limit: u32) -> ApiResult<Vec<UsualItem>> {
        Ok(usual_items(&self.ctx, checked_limit(limit)?)?)
    }

    /// Adds an item typed or scanned by the shopper: a name ("birthday candles"), optionally
    /// its product's GTIN (then a receipt with that product takes it off) and a quantity
    /// (1–99). A name or product already on the list is a `Conflict`.
    pub fn add(
        &self,
        name: &str,
        gtin: Option<&str>,
        quantity: Option<u32>,
    ) -> ApiResult<ListItem> {
        let now = self.ctx.now();
        let item = list::by_hand(String::new(), name, gtin, quantity, now)?;
        self.put(item)
    }

    /// Adds one of "your usual items" (by its GTIN); a product the shopper never bought is
    /// `NotFound`.
    pub fn add_usual(&self, gtin: &str, quantity: Option<u32>) -> ApiResult<ListItem> {
        crate::gs1::validate_gtin(gtin)?;
        let usual = usual_items(&self.ctx, usize::MAX)?
            .into_iter()
            .find(|u| u.gtin == gtin)
            .ok_or(ListError::NotFound)?;
        let item = list::from_usual(String::new(), &usual, quantity, self.ctx.now())?;
        self.put(item)
    }

    /// "Add it to your shopping list?": adds what a reminder offers
    /// ([`PlannedNotification::list_offer`]; pass the notification as planned). A reminder
    /// that offers nothing is `InvalidInput`; one already on the list a `Conflict`.
    pub fn add_from_reminder(
        &self,
        notification: &PlannedNotification,
        quantity: Option<u32>,
    ) -> ApiResult<ListItem> {
        let item = list::from_reminder(String::new(), notification, quantity, self.ctx.now())?;
        self.put(item)
    }

    fn put(&self, item: ListItem) -> ApiResult<ListItem> {
        Ok(self.ctx.store.change_list(|items, next| {
            let mut item = item.clone();
            item.id = next.to_string();
            Ok((list::add(items, item)?, true))
        })?)
    }

    /// Checks an item off (in the trolley, or found at home): the next receipt takes it off.
    pub fn check(&self, id: &str) -> ApiResult<ListItem> {
        self.set_checked(id, true)
    }

    /// Puts a checked item back as still to buy.
    pub fn uncheck(&self, id: &str) -> ApiResult<ListItem> {
        self.set_checked(id, false)
    }

    fn set_checked(&self, id: &str, checked: bool) -> ApiResult<ListItem> {
        let now = self.ctx.now();
        Ok(self
            .ctx
            .store
            .change_list(|items, _| Ok((list::set_checked(items, id, checked, now)?, false)))?)
    }

    /// Sets (1–99) or clears an item's quantity.
    pub fn set_quantity(&self, id: &str, quantity: Option<u32>) -> ApiResult<ListItem> {
        Ok(self
            .ctx
            .store
            .change_list(|items, _| Ok((list::set_quantity(items, id, quantity)?, false)))?)
    }

    /// Takes an item off the list.
    pub fn remove(&self, id: &str) -> ApiResult<ListItem> {
        Ok(self
            .ctx
            .store
            .change_list(|items, _| Ok((list::remove(items, id)?, false)))?)
    }

    /// Calls `listener` with the list screen (as [`ListApi::show`]) now, then after each change
    /// to the list or the receipts (one added here or by a sync, which may take items off and
    /// moves the usual items), until the handle is dropped or the client is closed.
    pub fn add_listener(
        &self,
        usual_limit: u32,
        listener: Box<dyn Fn(ShoppingList) + Send + Sync>,
    ) -> ApiResult<TaskHandle> {
        let limit = checked_limit(usual_limit)?;
        watch(
            &self.ctx,
            Topic::List,
            move |c| shopping_list(c, limit),
            listener,
        )
    }
}
