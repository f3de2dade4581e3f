//! Change notifications: a generation counter per watched part of the store, bumped after every
//! committed (and flushed) transaction that wrote to it. Listeners wait on it and then read what
//! they show afresh, so rapid changes coalesce into one read of the latest state.
//!
//! Bumping is a non-blocking watch-channel update, safe under the store's writer lock; no foreign
//! code ever runs here.

use super::Tree;
use tokio::sync::watch;

/// What a listener can watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// The points ledger (and so the balance and the tier).
    Ledger,
    /// The vouchers in the wallet.
    Vouchers,
    /// The receipts.
    Receipts,
    /// The shopping list (a receipt that takes items off it included).
    List,
    /// The member's offers.
    Offers,
}

pub(super) struct Changes {
    ledger: watch::Sender<u64>,
    vouchers: watch::Sender<u64>,
    receipts: watch::Sender<u64>,
    list: watch::Sender<u64>,
    offers: watch::Sender<u64>,
}

impl Changes {
    pub(super) fn new() -> Self {
        Self {
            ledger: watch::channel(0).0,
            vouchers: watch::channel(0).0,
            receipts: watch::channel(0).0,
            list: watch::channel(0).0,
            offers: watch::channel(0).0,
        }
    }

    fn sender(&self, topic: Topic) -> &watch::Sender<u64> {
        match topic {
            Topic::Ledger => &self.ledger,
            Topic::Vouchers => &self.vouchers,
            Topic::Receipts => &self.receipts,
            Topic::List => &self.list,
            Topic::Offers => &self.offers,
        }
    }

    /// After a transaction over `trees` committed.
    pub(super) fn committed(&self, trees: &[Tree]) {
        for tree in trees {
            let topic = match tree {
                Tree::Ledger => Topic::Ledger,
                Tree::Vouchers => Topic::Vouchers,
                Tree::Receipts | Tree::ReceiptClaims | Tree::Invoices => Topic::Receipts,
                Tree::List => Topic::List,
                Tree::Offers => Topic::Offers,
                _ => continue,
            };
            self.sender(topic).send_modify(|g| *g = g.wrapping_add(1));
        }
    }

    pub(super) fn subscribe(&self, topic: Topic) -> watch::Receiver<u64> {
        self.sender(topic).subscribe()
    }
}
