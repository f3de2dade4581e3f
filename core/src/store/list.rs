//! The shopping list: one record of items and the next item id in the `shopping_list` tree,
//! each change one flushed transaction. A receipt stored here or by a sync takes what it
//! bought off the list in the receipt's own transaction ([`take_bought`]), so the list and the
//! receipts never disagree, whichever way the receipt came.

use super::TxTree;
use super::{tx_get, tx_put, Store, StoreError, Tree, TxResult};
use crate::list::{self, ListItem};
use crate::receipts::Receipt;

const KEY_ITEMS: &[u8] = b"items";
const KEY_NEXT_ID: &[u8] = b"next_id";

/// Takes what `receipts` bought off the list, inside a receipt transaction; the number of
/// items taken off.
pub(super) fn take_bought(list_tree: &TxTree, receipts: &[&Receipt]) -> TxResult<usize> {
    if receipts.is_empty() {
        return Ok(0);
    }
    let mut items: Vec<ListItem> = tx_get(list_tree, KEY_ITEMS)?.unwrap_or_default();
    let gone = list::remove_bought(&mut items, receipts).len();
    if gone > 0 {
        tx_put(list_tree, KEY_ITEMS, &items)?;
    }
    Ok(gone)
}

impl Store {
    /// The items on the shopping list, in list order.
    pub fn list_items(&self) -> Result<Vec<ListItem>, StoreError> {
        let mut items: Vec<ListItem> = self
            .with(|o| super::get(o.tree(Tree::List), KEY_ITEMS))?
            .unwrap_or_default();
        list::sort(&mut items);
        Ok(items)
    }

    /// Changes the list in one transaction: `change` gets the items and the next free id (a
    /// number never handed out before) and says what to return; an error leaves the list as it
    /// was. `change` may run more than once (a retried transaction) and must not have effects.
    pub fn change_list<R>(
        &self,
        change: impl Fn(&mut Vec<ListItem>, u64) -> Result<(R, bool), StoreError>,
    ) -> Result<R, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::List], |t| {
            let mut items: Vec<ListItem> = tx_get(&t[0], KEY_ITEMS)?.unwrap_or_default();
            let next: u64 = tx_get(&t[0], KEY_NEXT_ID)?.unwrap_or(1);
            let (out, used_id) = match change(&mut items, next) {
                Ok(v) => v,
                Err(e) => return super::abort(e),
            };
            tx_put(&t[0], KEY_ITEMS, &items)?;
            if used_id {
                tx_put(&t[0], KEY_NEXT_ID, &next.saturating_add(1))?;
            }
            Ok(out)
        })
    }
}
