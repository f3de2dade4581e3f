//! The shopping list the shopper owns: items added by hand (a product with its GTIN, or free
//! text such as "birthday candles"), from "your usual items" or from a replenishment reminder
//! ("Add it to your shopping list?"); checked off and unchecked; with an optional quantity.
//! Pure rules: what a valid item is, what counts as a duplicate, when a receipt has bought an
//! item (so it leaves the list by itself), the list's order, and the merge of the shopper's own
//! items with "your usual items". The store keeps the items; the facade assigns ids and times.
//!
//! **What a receipt takes off the list.** A receipt purchased at or after an item was put on the
//! list takes it off when one of its lines is what the item stands for: its product (GTIN), or,
//! for an item from a reminder whose rule pools a group, any product of the group (its GTINs
//! and categories). A receipt also takes off every item checked off before it was purchased,
//! whatever its lines: the shopper ticked it in the shop (or found it at home), and the receipt
//! closes that shop; free-text items and other brands leave this way. Unchecked free-text items
//! stay until the shopper removes them. A receipt purchased before the item was added (an old
//! receipt arriving late by sync) takes nothing off.

use crate::check::InputError;
use crate::error::LoyaltyError;
use crate::gs1::validate_gtin;
use crate::receipts::{LineItem, Receipt};
use crate::reminders::{PlannedNotification, Selector, UsualItem};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The list holds at most this many items.
pub const MAX_ITEMS: usize = 500;
/// A quantity is 1 to this many (units, packs: "3 × milk").
pub const MAX_QUANTITY: u32 = 99;
/// An item's name is 1 to this many characters.
pub const MAX_NAME_CHARS: usize = 100;

/// What can go wrong with a change to the list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("{0}")]
    Invalid(#[from] InputError),
    #[error("no such item on the shopping list")]
    NotFound,
    #[error("this item is already on the shopping list")]
    Duplicate,
    #[error("the shopping list holds at most {MAX_ITEMS} items")]
    Full,
}

/// Mapped once into the public error (the store's, runtime's and sync's errors are mapped in
/// loyalty-core's api/error.rs).
impl From<ListError> for LoyaltyError {
    fn from(e: ListError) -> Self {
        let reason = e.to_string();
        match e {
            ListError::Invalid(i) => i.into(),
            ListError::NotFound => LoyaltyError::NotFound { reason },
            ListError::Duplicate | ListError::Full => LoyaltyError::Conflict { reason },
        }
    }
}

/// Where an item came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "raw::ItemSource")]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Enum),
    uniffi(name = "ListItemSource")
)]
pub enum ItemSource {
    /// Typed or scanned by the shopper.
    Hand,
    /// Taken from "your usual items".
    Usual,
    /// Taken from a reminder's "Add it to your shopping list?".
    Reminder { notification_id: String },
}

/// One item on the shopping list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListItem {
    /// Assigned by the store, never reused.
    pub id: String,
    pub name: String,
    /// The product, when the item is one (none for free text).
    pub gtin: Option<String>,
    /// What counts as buying it: its product, or the group a reminder's rule pooled; empty
    /// for free text.
    pub bought_with: Selector,
    /// How many, when the shopper said (1 to [`MAX_QUANTITY`]).
    pub quantity: Option<u32>,
    pub checked: bool,
    pub added_at: DateTime<Utc>,
    /// When it was last checked off (`None` while unchecked).
    pub checked_at: Option<DateTime<Utc>>,
    pub source: ItemSource,
}

/// The list screen: the shopper's own items, then "your usual items" not already on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShoppingList {
    /// Unchecked first, then checked, each in the order added.
    pub items: Vec<ListItem>,
    /// The likeliest first; none that an item of the list already stands for.
    pub usual: Vec<UsualItem>,
}

/// An item's name, trimmed: 1 to [`MAX_NAME_CHARS`] characters, no control characters.
pub fn validate_name(name: &str) -> Result<String, InputError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(InputError::new("the item name must not be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(InputError::new(format!(
            "the item name is at most {MAX_NAME_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(InputError::new(
            "the item name must not contain control characters",
        ));
    }
    Ok(name.to_string())
}

/// A quantity, when given: 1 to [`MAX_QUANTITY`].
pub fn validate_quantity(quantity: Option<u32>) -> Result<(), InputError> {
    match quantity {
        Some(q) if q == 0 || q > MAX_QUANTITY => Err(InputError::new(format!(
            "the quantity is 1 to {MAX_QUANTITY}"
        ))),
        _ => Ok(()),
    }
}

/// An item typed or scanned by the shopper: a name, optionally its product's GTIN.
pub fn by_hand(
    id: String,
    name: &str,
    gtin: Option<&str>,
    quantity: Option<u32>,
    now: DateTime<Utc>,
) -> Result<ListItem, InputError> {
    let name = validate_name(name)?;
    validate_quantity(quantity)?;
    if let Some(g) = gtin {
        validate_gtin(g)?;
    }
    Ok(ListItem {
        id,
        name,
        gtin: gtin.map(str::to_string),
        bought_with: product(gtin),
        quantity,
        checked: false,
        added_at: now,
        checked_at: None,
        source: ItemSource::Hand,
    })
}

/// An item taken from "your usual items".
pub fn from_usual(
    id: String,
    usual: &UsualItem,
    quantity: Option<u32>,
    now: DateTime<Utc>,
) -> Result<ListItem, InputError> {
    let mut item = by_hand(id, &usual.name, Some(&usual.gtin), quantity, now)?;
    item.source = ItemSource::Usual;
    Ok(item)
}

/// An item taken from a reminder's "Add it to your shopping list?"; a reminder that offers
/// none (anything but replenishment) is refused.
pub fn from_reminder(
    id: String,
    notification: &PlannedNotification,
    quantity: Option<u32>,
    now: DateTime<Utc>,
) -> Result<ListItem, InputError> {
    let Some(offer) = &notification.list_offer else {
        return Err(InputError::new(
            "this reminder offers nothing to put on the shopping list",
        ));
    };
    if notification.id.trim().is_empty() || notification.id.len() > 512 {
        return Err(InputError::new("notification ids are 1 to 512 bytes"));
    }
    let mut item = by_hand(id, &offer.name, Some(&offer.gtin), quantity, now)?;
    offer.bought_with.validate("the offer's products")?;
    item.bought_with = offer.bought_with.clone();
    item.source = ItemSource::Reminder {
        notification_id: notification.id.clone(),
    };
    Ok(item)
}

fn product(gtin: Option<&str>) -> Selector {
    Selector {
        gtins: gtin.map(str::to_string).into_iter().collect(),
        categories: Vec::new(),
    }
}

/// A name compared as a shopper reads it: case, accents' case and spacing ignored.
fn folded(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn normalized_category(c: &str) -> String {
    c.trim().to_lowercase()
}

/// Whether a receipt line is one of the products `sel` stands for (a listed GTIN, or a listed
/// category compared trimmed and case-insensitively).
pub fn line_matches(sel: &Selector, line: &LineItem) -> bool {
    sel.gtins.contains(&line.gtin)
        || (!sel.categories.is_empty() && {
            let cat = normalized_category(&line.category);
            sel.categories.iter().any(|c| normalized_category(c) == cat)
        })
}

/// The item of `items` that `new` would duplicate: one standing for a product `new` stands
/// for (a shared GTIN or category), or one of the same name (case and spacing ignored).
pub fn duplicate_of<'a>(items: &'a [ListItem], new: &ListItem) -> Option<&'a ListItem> {
    let name = folded(&new.name);
    items.iter().find(|i| {
        i.bought_with
            .gtins
            .iter()
            .any(|g| new.bought_with.gtins.contains(g))
            || i.bought_with.categories.iter().any(|c| {
                new.bought_with
                    .categories
                    .iter()
                    .any(|n| normalized_category(n) == normalized_category(c))
            })
            || folded(&i.name) == name
    })
}

/// Whether `receipt` takes `item` off the list (see the module's rule).
pub fn bought_by(item: &ListItem, receipt: &Receipt) -> bool {
    if item.checked && item.checked_at.is_some_and(|at| receipt.purchased_at >= at) {
        return true;
    }
    receipt.purchased_at >= item.added_at
        && receipt
            .lines
            .iter()
            .any(|l| line_matches(&item.bought_with, l))
}

/// Takes off `items` what `receipts` bought; returns the items taken off.
pub fn remove_bought(items: &mut Vec<ListItem>, receipts: &[&Receipt]) -> Vec<ListItem> {
    let (gone, kept): (Vec<ListItem>, Vec<ListItem>) = std::mem::take(items)
        .into_iter()
        .partition(|i| receipts.iter().any(|r| bought_by(i, r)));
    *items = kept;
    gone
}

/// Puts `item` on the list: refused when it duplicates one there or the list is full.
pub fn add(items: &mut Vec<ListItem>, item: ListItem) -> Result<ListItem, ListError> {
    if duplicate_of(items, &item).is_some() {
        return Err(ListError::Duplicate);
    }
    if items.len() >= MAX_ITEMS {
        return Err(ListError::Full);
    }
    items.push(item.clone());
    Ok(item)
}

/// Checks an item off (`true`) or unchecks it, at `now`.
pub fn set_checked(
    items: &mut [ListItem],
    id: &str,
    checked: bool,
    now: DateTime<Utc>,
) -> Result<ListItem, ListError> {
    let item = find(items, id)?;
    if item.checked != checked {
        item.checked = checked;
        item.checked_at = checked.then_some(now);
    }
    Ok(item.clone())
}

/// Sets or clears an item's quantity.
pub fn set_quantity(
    items: &mut [ListItem],
    id: &str,
    quantity: Option<u32>,
) -> Result<ListItem, ListError> {
    validate_quantity(quantity)?;
    let item = find(items, id)?;
    item.quantity = quantity;
    Ok(item.clone())
}

/// Takes an item off the list.
pub fn remove(items: &mut Vec<ListItem>, id: &str) -> Result<ListItem, ListError> {
    validate_id(id)?;
    let at = items
        .iter()
        .position(|i| i.id == id)
        .ok_or(ListError::NotFound)?;
    Ok(items.remove(at))
}

fn validate_id(id: &str) -> Result<(), InputError> {
    if id.trim().is_empty() || id.len() > 64 {
        return Err(InputError::new("item ids are 1 to 64 bytes"));
    }
    Ok(())
}

fn find<'a>(items: &'a mut [ListItem], id: &str) -> Result<&'a mut ListItem, ListError> {
    validate_id(id)?;
    items
        .iter_mut()
        .find(|i| i.id == id)
        .ok_or(ListError::NotFound)
}

/// The list's order: unchecked first, then checked, each in the order added (ids are
/// increasing numbers; a longer id is a later one).
pub fn sort(items: &mut [ListItem]) {
    crate::sort::sort_by(items, |a, b| {
        a.checked
            .cmp(&b.checked)
            .then(a.added_at.cmp(&b.added_at))
            .then(a.id.len().cmp(&b.id.len()))
            .then(a.id.cmp(&b.id))
    });
}

/// Whether an item of `items` already stands for this usual item (its product, or its name).
pub fn on_list<'a>(items: &'a [ListItem], usual: &UsualItem) -> Option<&'a ListItem> {
    let name = folded(&usual.name);
    items.iter().find(|i| {
        i.bought_with.gtins.contains(&usual.gtin)
            || i.gtin.as_deref() == Some(usual.gtin.as_str())
            || folded(&i.name) == name
    })
}

/// The list screen: the shopper's items in list order, then at most `limit` usual items that
/// none of them stands for, in the usual items' order (the likeliest first).
pub fn merge(mut items: Vec<ListItem>, usual: Vec<UsualItem>, limit: usize) -> ShoppingList {
    sort(&mut items);
    let usual = usual
        .into_iter()
        .filter(|u| on_list(&items, u).is_none())
        .take(limit)
        .collect();
    ShoppingList { items, usual }
}

/// [`ItemSource`] as read from JSON (see [`crate::tagged`]).
mod raw {
    use crate::tagged::required;
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum SourceTag {
        Hand,
        Usual,
        Reminder,
    }

    #[derive(Deserialize)]
    pub(super) struct ItemSource {
        kind: SourceTag,
        notification_id: Option<String>,
    }

    impl TryFrom<ItemSource> for super::ItemSource {
        type Error = String;
        fn try_from(r: ItemSource) -> Result<Self, String> {
            Ok(match r.kind {
                SourceTag::Hand => Self::Hand,
                SourceTag::Usual => Self::Usual,
                SourceTag::Reminder => Self::Reminder {
                    notification_id: required(r.notification_id, "notification_id")?,
                },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::receipts::ReceiptSource;
    use crate::reminders::ListOffer;
    use crate::reminders::{Category, ReminderKind};
    use chrono::{Duration, TimeZone};

    const MILK: &str = "5410000000019";
    const SALT_A: &str = "5410000000026";
    const SALT_B: &str = "5410000000033";

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap() + Duration::hours(h)
    }

    fn line(gtin: &str, category: &str) -> LineItem {
        LineItem {
            names: Default::default(),
            gtin: gtin.into(),
            name: "x".into(),
            quantity: 1,
            unit_price: Money::new(100, "EUR").unwrap(),
            category: category.into(),
            lot: None,
            warranty_months: None,
        }
    }

    fn receipt(at: DateTime<Utc>, lines: Vec<LineItem>) -> Receipt {
        Receipt {
            store_names: Default::default(),
            id: "r1".into(),
            store_name: "Shop".into(),
            purchased_at: at,
            lines,
            source: ReceiptSource::Till,
            return_window_days: None,
            discounts: Vec::new(),
            seal: None,
        }
    }

    fn reminder(offer: Option<ListOffer>) -> PlannedNotification {
        PlannedNotification {
            id: "salt:group:20261101".into(),
            at: t(0),
            title: "t".into(),
            body: "b".into(),
            deep_link: "loyalty://x".into(),
            category: Category::Marketing,
            kind: ReminderKind::Replenishment,
            rule_id: "salt".into(),
            reason: "r".into(),
            list_offer: offer,
        }
    }

    fn salt_offer() -> ListOffer {
        ListOffer {
            action: "Add to shopping list".into(),
            name: "road salt".into(),
            gtin: SALT_A.into(),
            bought_with: Selector {
                gtins: vec![],
                categories: vec!["Road Salt".into()],
            },
        }
    }

    #[test]
    fn names_and_quantities_are_checked() {
        assert_eq!(
            validate_name("  Birthday candles ").unwrap(),
            "Birthday candles"
        );
        for bad in ["", "   ", "a\u{7}b", &"x".repeat(MAX_NAME_CHARS + 1)] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        assert!(validate_name(&"é".repeat(MAX_NAME_CHARS)).is_ok());
        for bad in [Some(0), Some(MAX_QUANTITY + 1), Some(u32::MAX)] {
            assert!(validate_quantity(bad).is_err());
        }
        assert!(validate_quantity(None).is_ok() && validate_quantity(Some(MAX_QUANTITY)).is_ok());
        assert!(by_hand("1".into(), "Milk", Some("5410000000010"), None, t(0)).is_err());
        // The reason never repeats what the shopper typed.
        let e = by_hand("1".into(), "secret\u{1}", None, None, t(0)).unwrap_err();
        assert!(!e.reason.contains("secret"));
    }

    #[test]
    fn a_receipt_after_the_item_was_added_with_its_product_takes_it_off() {
        let mut items = vec![
            by_hand("1".into(), "Milk", Some(MILK), Some(2), t(0)).unwrap(),
            by_hand("2".into(), "Birthday candles", None, None, t(0)).unwrap(),
        ];
        // Bought before it was put on the list: stays.
        let old = receipt(t(-1), vec![line(MILK, "dairy")]);
        assert!(remove_bought(&mut items, &[&old]).is_empty());
        let other = receipt(t(1), vec![line(SALT_A, "road salt")]);
        assert!(remove_bought(&mut items, &[&other]).is_empty());
        let new = receipt(t(1), vec![line(SALT_A, "x"), line(MILK, "dairy")]);
        let gone = remove_bought(&mut items, &[&new]);
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].name, "Milk");
        // Unchecked free text stays.
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].name, "Birthday candles");
    }

    #[test]
    fn checked_items_leave_with_the_next_receipt_whatever_its_lines() {
        let mut candles = by_hand("2".into(), "Birthday candles", None, None, t(0)).unwrap();
        candles.checked = true;
        candles.checked_at = Some(t(2));
        let mut items = vec![candles];
        // A receipt of a shop before it was ticked takes nothing off.
        let before = receipt(t(1), vec![line(MILK, "dairy")]);
        assert!(remove_bought(&mut items, &[&before]).is_empty());
        let after = receipt(t(3), vec![line(MILK, "dairy")]);
        assert_eq!(remove_bought(&mut items, &[&after]).len(), 1);
        assert!(items.is_empty());
    }

    #[test]
    fn an_item_from_a_group_reminder_leaves_with_any_product_of_the_group() {
        let n = reminder(Some(salt_offer()));
        let item = from_reminder("3".into(), &n, None, t(0)).unwrap();
        assert_eq!(item.gtin.as_deref(), Some(SALT_A));
        assert_eq!(
            item.source,
            ItemSource::Reminder {
                notification_id: n.id.clone()
            }
        );
        let other_brand = receipt(t(1), vec![line(SALT_B, " road salt ")]);
        assert!(bought_by(&item, &other_brand));
        assert!(!bought_by(&item, &receipt(t(1), vec![line(MILK, "dairy")])));
        // A reminder without an offer, or with a broken one, is refused.
        assert!(from_reminder("4".into(), &reminder(None), None, t(0)).is_err());
        let mut broken = salt_offer();
        broken.bought_with.categories.clear();
        assert!(from_reminder("4".into(), &reminder(Some(broken)), None, t(0)).is_err());
    }

    #[test]
    fn changes_refuse_unknown_ids_duplicates_and_a_full_list() {
        let mut items = Vec::new();
        add(
            &mut items,
            by_hand("1".into(), "Milk", Some(MILK), None, t(0)).unwrap(),
        )
        .unwrap();
        let again = by_hand("2".into(), "milk", None, None, t(0)).unwrap();
        assert_eq!(add(&mut items, again), Err(ListError::Duplicate));
        let checked = set_checked(&mut items, "1", true, t(1)).unwrap();
        assert_eq!((checked.checked, checked.checked_at), (true, Some(t(1))));
        // Checking twice keeps the first time; unchecking clears it.
        assert_eq!(
            set_checked(&mut items, "1", true, t(2)).unwrap().checked_at,
            Some(t(1))
        );
        assert_eq!(
            set_checked(&mut items, "1", false, t(3))
                .unwrap()
                .checked_at,
            None
        );
        assert_eq!(
            set_quantity(&mut items, "1", Some(3)).unwrap().quantity,
            Some(3)
        );
        assert!(matches!(
            set_quantity(&mut items, "1", Some(1000)),
            Err(ListError::Invalid(_))
        ));
        assert_eq!(
            set_checked(&mut items, "7", true, t(1)),
            Err(ListError::NotFound)
        );
        assert!(matches!(remove(&mut items, ""), Err(ListError::Invalid(_))));
        assert_eq!(remove(&mut items, "7"), Err(ListError::NotFound));
        assert_eq!(remove(&mut items, "1").unwrap().name, "Milk");
        for n in 0..MAX_ITEMS {
            let item = by_hand(n.to_string(), &format!("item {n}"), None, None, t(0)).unwrap();
            add(&mut items, item).unwrap();
        }
        let one_more = by_hand("x".into(), "one more", None, None, t(0)).unwrap();
        assert_eq!(add(&mut items, one_more), Err(ListError::Full));
    }

    #[test]
    fn duplicates_share_a_product_a_group_or_a_name() {
        let milk = by_hand("1".into(), "Milk", Some(MILK), None, t(0)).unwrap();
        let salt = from_reminder("2".into(), &reminder(Some(salt_offer())), None, t(0)).unwrap();
        let items = vec![milk, salt];
        let same_gtin = by_hand("3".into(), "Semi-skimmed", Some(MILK), None, t(1)).unwrap();
        assert_eq!(duplicate_of(&items, &same_gtin).unwrap().id, "1");
        let same_name = by_hand("3".into(), "  mILK ", None, None, t(1)).unwrap();
        assert_eq!(duplicate_of(&items, &same_name).unwrap().id, "1");
        let mut same_group = salt_offer();
        same_group.gtin = SALT_B.into();
        same_group.name = "Salt".into();
        let again = from_reminder("3".into(), &reminder(Some(same_group)), None, t(1)).unwrap();
        assert_eq!(duplicate_of(&items, &again).unwrap().id, "2");
        let new = by_hand("3".into(), "Birthday candles", None, None, t(1)).unwrap();
        assert!(duplicate_of(&items, &new).is_none());
    }

    #[test]
    fn the_screen_lists_unchecked_items_first_then_usual_items_not_on_the_list() {
        let mut a = by_hand("9".into(), "Candles", None, None, t(0)).unwrap();
        a.checked = true;
        let b = by_hand("10".into(), "Milk", Some(MILK), None, t(1)).unwrap();
        let usual = |gtin: &str, name: &str| UsualItem {
            gtin: gtin.into(),
            name: name.into(),
            likelihood_percent: 50,
            next_purchase: t(0),
            bought_in: 3,
            of_shops: 4,
            every_days: 7,
            reason: String::new(),
        };
        let list = merge(
            vec![a, b],
            vec![
                usual(MILK, "Milk"),
                usual(SALT_A, "Salt"),
                usual(SALT_B, "candles"),
            ],
            5,
        );
        let ids: Vec<&str> = list.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["10", "9"]);
        let usual: Vec<&str> = list.usual.iter().map(|u| u.gtin.as_str()).collect();
        assert_eq!(usual, [SALT_A]);
    }
}
