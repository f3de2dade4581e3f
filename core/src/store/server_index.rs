//! The index of the server's ledger entry ids (schema 4): the local sequence number each entry
//! of the ledger feed was applied as, so a re-delivered entry is applied once.
//!
//! Why pages: sled's cost is per key written (it copies the leaf on every insert). With one key
//! per id, an initial sync of 10,000 entries spent about three quarters of its ledger work on
//! these 10,000 inserts; in pages of up to [`PAGE_IDS`] ids a feed page of 500 entries writes a
//! handful of pages (ids a server hands out together sort together).
//!
//! A page holds ids in ascending byte order and is keyed by the first id of the page after it
//! (the ids it holds are below its key); the last page by [`LAST`] (`0xFF`, above every UTF-8
//! id), so every id has exactly one page: the one with the least key above it. Keys are upper
//! bounds so a lookup reads forwards: sled's backward iteration links a 1 MiB constant key
//! into the library (see `ledger.rs`). A page that grows past [`PAGE_IDS`] is split when
//! written; ids are never removed.
//!
//! Page format, version 1: `0x01 (len id seq)*` with `len` a LEB128 varint, `id` that many
//! bytes, `seq` 8 bytes big-endian. Decoding never panics: a short or unordered page is
//! [`StoreError::Decode`].
//!
//! sled's transactions read keys, not ranges: the pages a write needs are looked up in the tree
//! before its transaction ([`pages_for`]), under the store's writer lock so no other write moves
//! them in between, and read again inside it ([`ServerIndex::load`]).

use super::TxTree;
use super::{abort, StoreError, TxResult};
use crate::points::EntryStatus;
use std::collections::BTreeMap;
use std::ops::Bound;

/// Ids per page at most (a page of 128 ids of ~20 bytes is ~3.7 KB).
pub(crate) const PAGE_IDS: usize = 128;

const FORMAT_V1: u8 = 1;

/// The key of the last page: above every id (`0xFF` never occurs in UTF-8).
pub(crate) const LAST: &[u8] = &[0xff];

/// The keys of the pages holding (or to hold) `ids`, read from the tree itself: sorted, once
/// each. [`LAST`] when the tree holds no page yet.
pub(crate) fn pages_for<'a>(
    tree: &sled::Tree,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for id in ids {
        let key = match tree.range::<&[u8], _>(above(id)).next() {
            Some(kv) => kv?.0.to_vec(),
            None => LAST.to_vec(),
        };
        keys.push(key);
    }
    keys.sort_unstable();
    keys.dedup();
    Ok(keys)
}

/// Every id and its sequence number, in id order (outside a transaction).
pub(crate) fn all(tree: &sled::Tree) -> Result<Vec<(String, u64)>, StoreError> {
    let mut out = Vec::new();
    for kv in tree.iter() {
        let (_, page) = kv?;
        for (id, seq) in decode(&page)? {
            out.push((String::from_utf8_lossy(&id).into_owned(), seq));
        }
    }
    Ok(out)
}

/// The pages a transaction works on, read once, written back by [`ServerIndex::finish`].
pub(crate) struct ServerIndex<'t> {
    tree: &'t TxTree<'t>,
    pages: BTreeMap<Vec<u8>, Page>,
}

struct Page {
    ids: Vec<(Vec<u8>, u64)>,
    dirty: bool,
}

impl<'t> ServerIndex<'t> {
    /// Reads the pages `keys` names (from [`pages_for`], taken under the same writer lock).
    pub(crate) fn load(tree: &'t TxTree<'t>, keys: &[Vec<u8>]) -> TxResult<Self> {
        let mut pages = BTreeMap::new();
        for key in keys {
            let ids = match tree.get(key)? {
                Some(bytes) => decode(&bytes).or_else(abort)?,
                // Only the last page may be missing: in a tree with no page yet.
                None if key.as_slice() == LAST => Vec::new(),
                None => {
                    return abort(StoreError::Corrupt(
                        "a page of the server ledger index vanished during a write".into(),
                    ))
                }
            };
            pages.insert(key.clone(), Page { ids, dirty: false });
        }
        Ok(Self { tree, pages })
    }

    fn page(&self, id: &str) -> Option<&Page> {
        self.pages
            .range::<[u8], _>(above(id))
            .next()
            .map(|(_, p)| p)
    }

    /// The sequence number `id` was applied as. `id`'s page must have been loaded.
    pub(crate) fn get(&self, id: &str) -> Option<u64> {
        let page = self.page(id)?;
        page.ids
            .binary_search_by(|(k, _)| k.as_slice().cmp(id.as_bytes()))
            .ok()
            .map(|i| page.ids[i].1)
    }

    /// Records that `id` was applied as `seq` (replacing what it held). `id`'s page must have
    /// been loaded; an index without one for it is refused as corrupt.
    pub(crate) fn insert(&mut self, id: &str, seq: u64) -> TxResult<()> {
        let Some((_, page)) = self.pages.range_mut::<[u8], _>(above(id)).next() else {
            return abort(StoreError::Corrupt(
                "the server ledger index page of an id was not read before writing it".into(),
            ));
        };
        match page
            .ids
            .binary_search_by(|(k, _)| k.as_slice().cmp(id.as_bytes()))
        {
            Ok(i) => page.ids[i].1 = seq,
            Err(i) => page.ids.insert(i, (id.as_bytes().to_vec(), seq)),
        }
        page.dirty = true;
        Ok(())
    }

    /// Writes the pages that changed, split into pages of at most [`PAGE_IDS`] ids (the last
    /// part keeps the page's key, each other part is keyed by the first id of the part after it).
    pub(crate) fn finish(self) -> TxResult<()> {
        for (key, page) in self.pages {
            if !page.dirty {
                continue;
            }
            let parts = page.ids.len().div_ceil(PAGE_IDS).max(1);
            let per = page.ids.len().div_ceil(parts).max(1);
            let chunks: Vec<&[(Vec<u8>, u64)]> = page.ids.chunks(per).collect();
            for (n, chunk) in chunks.iter().enumerate() {
                let k = match chunks.get(n + 1) {
                    Some(next) => next[0].0.as_slice(),
                    None => key.as_slice(),
                };
                self.tree.insert(k, &encode(chunk))?;
            }
        }
        Ok(())
    }
}

/// The status of a local entry waiting for the server (a claim) once the server confirmed it as
/// its entry `ledger_id`: confirmed and indexed, so the entry arriving by a feed page later is
/// known; or rejected when that entry arrived by a page first and was applied as another local
/// entry (it counts there). `pages` from [`pages_for`] `[ledger_id]`.
pub(crate) fn confirm(
    tree: &TxTree,
    pages: &[Vec<u8>],
    ledger_id: &str,
    entry_seq: u64,
) -> TxResult<EntryStatus> {
    let mut index = ServerIndex::load(tree, pages)?;
    match index.get(ledger_id) {
        Some(local) if local != entry_seq => Ok(EntryStatus::Rejected),
        _ => {
            index.insert(ledger_id, entry_seq)?;
            index.finish()?;
            Ok(EntryStatus::Confirmed)
        }
    }
}

/// The keys above `id`: its page is the first of them.
fn above(id: &str) -> (Bound<&[u8]>, Bound<&[u8]>) {
    (Bound::Excluded(id.as_bytes()), Bound::Unbounded)
}

/// A page's bytes (ids ascending).
pub(crate) fn encode(ids: &[(Vec<u8>, u64)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + ids.iter().map(|(k, _)| k.len() + 10).sum::<usize>());
    out.push(FORMAT_V1);
    for (id, seq) in ids {
        let mut n = id.len();
        while n >= 0x80 {
            out.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out.extend_from_slice(id);
        out.extend_from_slice(&seq.to_be_bytes());
    }
    out
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<(Vec<u8>, u64)>, StoreError> {
    let bad = |what: &str| StoreError::Decode(format!("server ledger index page: {what}"));
    let (&format, mut rest) = bytes.split_first().ok_or_else(|| bad("empty"))?;
    if format != FORMAT_V1 {
        return Err(bad("unknown format"));
    }
    let mut ids: Vec<(Vec<u8>, u64)> = Vec::new();
    while !rest.is_empty() {
        let mut len: usize = 0;
        let mut shift = 0;
        loop {
            let (&b, r) = rest.split_first().ok_or_else(|| bad("cut off"))?;
            rest = r;
            if shift > 28 {
                return Err(bad("overlong length"));
            }
            len |= usize::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        if len > rest.len() || rest.len() - len < 8 {
            return Err(bad("cut off"));
        }
        let (id, r) = rest.split_at(len);
        let (seq, r) = r.split_at(8);
        rest = r;
        if ids.last().is_some_and(|(last, _)| last.as_slice() >= id) {
            return Err(bad("ids out of order"));
        }
        let mut s = [0u8; 8];
        s.copy_from_slice(seq);
        ids.push((id.to_vec(), u64::from_be_bytes(s)));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_round_trip_and_bad_bytes_are_decode_errors() {
        let ids: Vec<(Vec<u8>, u64)> = (0..300u64)
            .map(|i| (format!("le_{i:05}").into_bytes(), i + 1))
            .chain([(vec![b'x'; 200], u64::MAX)])
            .collect();
        let bytes = encode(&ids);
        assert_eq!(decode(&bytes).unwrap(), ids);
        for cut in 0..bytes.len() {
            // Every prefix either decodes to a prefix of the ids or is refused: never a panic.
            if let Ok(got) = decode(&bytes[..cut]) {
                assert_eq!(got, ids[..got.len()]);
            }
        }
        assert!(decode(&[]).is_err());
        assert!(decode(&[2]).is_err());
        let mut unordered = encode(&ids[1..2]);
        unordered.extend_from_slice(&encode(&ids[..1])[1..]);
        assert!(decode(&unordered).is_err());
        assert!(decode(&[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).is_err());
    }
}
