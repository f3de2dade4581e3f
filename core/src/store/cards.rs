//! Card persistence: the member card record in `meta` (its secret is in the app's secret store,
//! never here) and imported third-party cards by id.

use super::{get, tx_put, values, Store, StoreError, Tree};
use crate::card::{ImportedCard, MemberCard};

pub(crate) const KEY_MEMBER_CARD: &[u8] = b"member_card";

impl Store {
    pub fn set_member_card(&self, card: &MemberCard) -> Result<(), StoreError> {
        card.validate()?;
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| tx_put(&t[0], KEY_MEMBER_CARD, card))
    }

    pub fn member_card(&self) -> Result<Option<MemberCard>, StoreError> {
        self.with(|o| get(o.tree(Tree::Meta), KEY_MEMBER_CARD))
    }

    pub fn remove_member_card(&self) -> Result<(), StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Meta], |t| {
            t[0].remove(KEY_MEMBER_CARD)?;
            Ok(())
        })
    }

    /// Adds an imported card or replaces the one with the same id.
    pub fn put_imported_card(&self, card: &ImportedCard) -> Result<(), StoreError> {
        card.validate()?;
        let _w = self.writer();
        self.transact(&[Tree::Cards], |t| tx_put(&t[0], card.id.as_bytes(), card))
    }

    /// Adds or replaces several imported cards at once: all or none, one flush to disk (one write
    /// per card costs a flush each, about 1.4 ms). Every card is validated first.
    pub fn put_imported_cards(&self, cards: &[ImportedCard]) -> Result<(), StoreError> {
        for card in cards {
            card.validate()?;
        }
        let _w = self.writer();
        self.transact(&[Tree::Cards], |t| {
            for card in cards {
                tx_put(&t[0], card.id.as_bytes(), card)?;
            }
            Ok(())
        })
    }

    pub fn imported_card(&self, id: &str) -> Result<Option<ImportedCard>, StoreError> {
        self.with(|o| get(o.tree(Tree::Cards), id.as_bytes()))
    }

    /// Imported cards by id.
    pub fn imported_cards(&self) -> Result<Vec<ImportedCard>, StoreError> {
        self.with(|o| values(o.tree(Tree::Cards).iter()))
    }

    /// Removes an imported card; `false` when there was none with this id.
    pub fn remove_imported_card(&self, id: &str) -> Result<bool, StoreError> {
        let _w = self.writer();
        self.transact(&[Tree::Cards], |t| {
            Ok(t[0].remove(id.as_bytes())?.is_some())
        })
    }
}
