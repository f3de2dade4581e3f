//! The ledger on disk: entries grouped in pages of [`PAGE_ENTRIES`] consecutive sequence numbers,
//! one sled value per page, in a compact versioned binary format.
//!
//! Why pages: sled 0.34 copies the leaf node on every insert, so its cost grows with the records
//! per leaf; a sync page of 1,000 entries is ~32 page writes instead of 1,000 inserts, and the
//! database holds ~20-40 bytes per entry instead of ~170 of JSON plus a key and sled's per-record
//! overhead (`cargo bench -p loyalty-core --bench store_vs_sqlite`).
//!
//! Page format, version 1 (all integers LEB128 varints; signed ones zigzag-encoded):
//!
//! ```text
//! page  := 0x01 entry*                          (entries in increasing seq)
//! entry := seq  kind|status<<4 (1 byte)  points  seconds  nanos  reference  description
//!          flags (1 byte)  [reverses]  [reversed_by]
//! seconds := the time's Unix seconds for a page's first entry, else the change from the
//!            previous entry's (entries written together share a time: one byte)
//! reference, description := text: 0 for none, 1 + 2 * len followed by len UTF-8 bytes for a
//!            new text, 2 + 2 * i for the page's i-th new text again ("Purchase" once per page)
//! flags := 1 reverses, 2 reversed_by
//! ```
//!
//! The codes of `kind` and `status` below are part of the format and never change; a new kind
//! takes a new code, a new field a new format version (the decoder keeps reading the old ones).
//! Decoding never panics: a short, overlong or inconsistent page is [`StoreError::Decode`].

use super::TxTree;
use super::{StoreError, TxResult};
use crate::points::{EntryKind, EntryStatus, LedgerEntry};
use chrono::{DateTime, Utc};
use std::collections::btree_map::{BTreeMap, Entry};

/// Entries per page (sequence numbers `n * PAGE_ENTRIES ..` share page `n`).
pub(crate) const PAGE_ENTRIES: u64 = 32;

const FORMAT_V1: u8 = 1;

const FLAG_REVERSES: u8 = 1;
const FLAG_REVERSED_BY: u8 = 2;

/// The sled key of the page holding `seq`.
pub(crate) fn page_key(seq: u64) -> [u8; 8] {
    (seq / PAGE_ENTRIES).to_be_bytes()
}

fn kind_code(k: EntryKind) -> u8 {
    match k {
        EntryKind::Earn => 0,
        EntryKind::Redeem => 1,
        EntryKind::Adjust => 2,
        EntryKind::Expire => 3,
        EntryKind::Reverse => 4,
    }
}

fn kind_of(code: u8) -> Option<EntryKind> {
    Some(match code {
        0 => EntryKind::Earn,
        1 => EntryKind::Redeem,
        2 => EntryKind::Adjust,
        3 => EntryKind::Expire,
        4 => EntryKind::Reverse,
        _ => return None,
    })
}

fn status_code(s: EntryStatus) -> u8 {
    match s {
        EntryStatus::Pending => 0,
        EntryStatus::Confirmed => 1,
        EntryStatus::Rejected => 2,
    }
}

fn status_of(code: u8) -> Option<EntryStatus> {
    Some(match code {
        0 => EntryStatus::Pending,
        1 => EntryStatus::Confirmed,
        2 => EntryStatus::Rejected,
        _ => return None,
    })
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// A page being written: its bytes, the previous entry's seconds and the texts written so far.
struct PageWriter<'e> {
    out: Vec<u8>,
    seconds: Option<i64>,
    texts: Vec<&'e str>,
}

impl<'e> PageWriter<'e> {
    fn text(&mut self, text: Option<&'e str>) {
        let Some(text) = text else {
            put_varint(&mut self.out, 0);
            return;
        };
        match self.texts.iter().position(|t| *t == text) {
            Some(i) => put_varint(&mut self.out, 2 + 2 * i as u64),
            None => {
                put_varint(&mut self.out, 1 + 2 * text.len() as u64);
                self.out.extend_from_slice(text.as_bytes());
                self.texts.push(text);
            }
        }
    }

    fn entry(&mut self, e: &'e LedgerEntry) {
        put_varint(&mut self.out, e.seq);
        self.out
            .push(kind_code(e.kind) | (status_code(e.status) << 4));
        put_varint(&mut self.out, zigzag(e.points));
        let seconds = e.at.timestamp();
        let written = match self.seconds {
            Some(previous) => seconds.wrapping_sub(previous),
            None => seconds,
        };
        put_varint(&mut self.out, zigzag(written));
        self.seconds = Some(seconds);
        put_varint(&mut self.out, u64::from(e.at.timestamp_subsec_nanos()));
        self.text(e.reference.as_deref());
        self.text(e.description.as_deref());
        let mut flags = 0;
        if e.reverses.is_some() {
            flags |= FLAG_REVERSES;
        }
        if e.reversed_by.is_some() {
            flags |= FLAG_REVERSED_BY;
        }
        self.out.push(flags);
        if let Some(s) = e.reverses {
            put_varint(&mut self.out, s);
        }
        if let Some(s) = e.reversed_by {
            put_varint(&mut self.out, s);
        }
    }
}

/// One page's bytes. `entries` are in increasing sequence order.
pub(crate) fn encode_page(entries: &[LedgerEntry]) -> Vec<u8> {
    let mut w = PageWriter {
        out: Vec::with_capacity(1 + entries.len() * 24),
        seconds: None,
        texts: Vec::new(),
    };
    w.out.push(FORMAT_V1);
    for e in entries {
        w.entry(e);
    }
    w.out
}

fn damaged() -> StoreError {
    StoreError::Decode("a stored ledger page cannot be read".into())
}

struct Reader<'a> {
    bytes: &'a [u8],
    seconds: Option<i64>,
    texts: Vec<String>,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, StoreError> {
        let (&b, rest) = self.bytes.split_first().ok_or_else(damaged)?;
        self.bytes = rest;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, StoreError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let part = u64::from(b & 0x7f);
            if shift == 63 && part > 1 {
                return Err(damaged());
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(damaged())
    }

    fn text(&mut self) -> Result<Option<String>, StoreError> {
        let tag = self.varint()?;
        if tag == 0 {
            return Ok(None);
        }
        if tag % 2 == 0 {
            let i = usize::try_from(tag / 2 - 1).map_err(|_| damaged())?;
            return self.texts.get(i).cloned().map(Some).ok_or_else(damaged);
        }
        let len = usize::try_from(tag / 2).map_err(|_| damaged())?;
        if len > self.bytes.len() {
            return Err(damaged());
        }
        let (s, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        let text = String::from_utf8(s.to_vec()).map_err(|_| damaged())?;
        self.texts.push(text.clone());
        Ok(Some(text))
    }

    fn entry(&mut self) -> Result<LedgerEntry, StoreError> {
        let seq = self.varint()?;
        let codes = self.byte()?;
        let kind = kind_of(codes & 0x0f).ok_or_else(damaged)?;
        let status = status_of(codes >> 4).ok_or_else(damaged)?;
        let points = unzigzag(self.varint()?);
        let written = unzigzag(self.varint()?);
        let seconds = match self.seconds {
            Some(previous) => previous.checked_add(written).ok_or_else(damaged)?,
            None => written,
        };
        self.seconds = Some(seconds);
        let nanos = u32::try_from(self.varint()?).map_err(|_| damaged())?;
        let at: DateTime<Utc> = DateTime::from_timestamp(seconds, nanos).ok_or_else(damaged)?;
        let reference = self.text()?;
        let description = self.text()?;
        let flags = self.byte()?;
        if flags & !(FLAG_REVERSES | FLAG_REVERSED_BY) != 0 {
            return Err(damaged());
        }
        let reverses = (flags & FLAG_REVERSES != 0)
            .then(|| self.varint())
            .transpose()?;
        let reversed_by = (flags & FLAG_REVERSED_BY != 0)
            .then(|| self.varint())
            .transpose()?;
        Ok(LedgerEntry {
            seq,
            kind,
            points,
            status,
            at,
            reference,
            description,
            reverses,
            reversed_by,
        })
    }
}

/// The entries of one page, in increasing sequence order.
pub(crate) fn decode_page(bytes: &[u8]) -> Result<Vec<LedgerEntry>, StoreError> {
    let mut r = Reader {
        bytes,
        seconds: None,
        texts: Vec::new(),
    };
    if r.byte()? != FORMAT_V1 {
        return Err(damaged());
    }
    let mut entries: Vec<LedgerEntry> = Vec::new();
    while !r.bytes.is_empty() {
        let e = r.entry()?;
        if entries.last().is_some_and(|last| last.seq >= e.seq) {
            return Err(damaged());
        }
        entries.push(e);
    }
    Ok(entries)
}

// ---------------------------------------------------------------------------------------------
// Reads outside a transaction

/// The whole ledger, oldest first.
pub(crate) fn all_entries(tree: &sled::Tree) -> Result<Vec<LedgerEntry>, StoreError> {
    let mut out = Vec::new();
    for kv in tree.iter() {
        let (_, v) = kv?;
        out.extend(decode_page(&v)?);
    }
    Ok(out)
}

/// Entries with a sequence number `>= from`, oldest first.
pub(crate) fn entries_from(tree: &sled::Tree, from: u64) -> Result<Vec<LedgerEntry>, StoreError> {
    let mut out = Vec::new();
    for kv in tree.range(page_key(from)..) {
        let (_, v) = kv?;
        out.extend(decode_page(&v)?.into_iter().filter(|e| e.seq >= from));
    }
    Ok(out)
}

/// One entry by sequence number.
pub(crate) fn entry(tree: &sled::Tree, seq: u64) -> Result<Option<LedgerEntry>, StoreError> {
    match tree.get(page_key(seq))? {
        Some(v) => Ok(decode_page(&v)?.into_iter().find(|e| e.seq == seq)),
        None => Ok(None),
    }
}

/// Whether any entry satisfies `pred`, reading page by page and stopping at the first.
pub(crate) fn any_entry(
    tree: &sled::Tree,
    pred: impl Fn(&LedgerEntry) -> bool,
) -> Result<bool, StoreError> {
    for kv in tree.iter() {
        let (_, v) = kv?;
        if decode_page(&v)?.iter().any(&pred) {
            return Ok(true);
        }
    }
    Ok(false)
}

// ---------------------------------------------------------------------------------------------
// Changes inside a transaction

/// Runs `f` over the ledger's pages inside a transaction and, when it succeeds, writes the pages
/// it changed: a batch of entries costs one write per page touched. When `f` fails nothing is
/// written (the transaction aborts anyway).
pub(crate) fn change<R>(
    tree: &TxTree,
    f: impl FnOnce(&mut LedgerPages<'_>) -> TxResult<R>,
) -> TxResult<R> {
    let mut pages = LedgerPages::new(tree);
    let out = f(&mut pages)?;
    pages.finish()?;
    Ok(out)
}

/// The ledger's pages as one transaction reads and changes them (see [`change`]): each page is
/// read once and changed in memory.
pub(crate) struct LedgerPages<'t> {
    tree: &'t TxTree<'t>,
    /// Page number → its entries and whether they changed.
    pages: BTreeMap<u64, (Vec<LedgerEntry>, bool)>,
}

impl<'t> LedgerPages<'t> {
    /// For a transaction that interleaves ledger changes with others; it must call
    /// [`LedgerPages::finish`] before it commits ([`change`] does both).
    pub(crate) fn new(tree: &'t TxTree<'t>) -> Self {
        LedgerPages {
            tree,
            pages: BTreeMap::new(),
        }
    }

    fn page(&mut self, seq: u64) -> TxResult<&mut (Vec<LedgerEntry>, bool)> {
        let no = seq / PAGE_ENTRIES;
        Ok(match self.pages.entry(no) {
            Entry::Occupied(page) => page.into_mut(),
            Entry::Vacant(slot) => {
                let entries = match self.tree.get(&no.to_be_bytes())? {
                    Some(v) => decode_page(&v).or_else(super::abort)?,
                    None => Vec::new(),
                };
                slot.insert((entries, false))
            }
        })
    }

    /// The entry `seq`, as this transaction sees it.
    pub(crate) fn get(&mut self, seq: u64) -> TxResult<Option<LedgerEntry>> {
        let (entries, _) = self.page(seq)?;
        Ok(entries
            .binary_search_by_key(&seq, |e| e.seq)
            .ok()
            .map(|i| entries[i].clone()))
    }

    /// Writes `entry` (a new one, or a change to the one with its sequence number).
    pub(crate) fn put(&mut self, entry: LedgerEntry) -> TxResult<()> {
        let (entries, dirty) = self.page(entry.seq)?;
        match entries.binary_search_by_key(&entry.seq, |e| e.seq) {
            Ok(i) => entries[i] = entry,
            Err(i) => entries.insert(i, entry),
        }
        *dirty = true;
        Ok(())
    }

    /// Writes the changed pages into the transaction.
    pub(crate) fn finish(self) -> TxResult<()> {
        for (no, (entries, dirty)) in self.pages {
            if dirty {
                self.tree
                    .insert(&no.to_be_bytes(), &encode_page(&entries))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample() -> Vec<LedgerEntry> {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap();
        vec![
            LedgerEntry {
                seq: 64,
                kind: EntryKind::Earn,
                points: 120,
                status: EntryStatus::Confirmed,
                at,
                reference: Some("R-1".into()),
                description: Some("Achat à Liège — ticket 1".into()),
                reverses: None,
                reversed_by: Some(70),
            },
            LedgerEntry {
                seq: 65,
                kind: EntryKind::Redeem,
                points: -15,
                status: EntryStatus::Pending,
                at: at + chrono::Duration::nanoseconds(123_456_789),
                reference: None,
                description: None,
                reverses: None,
                reversed_by: None,
            },
            LedgerEntry {
                seq: 70,
                kind: EntryKind::Reverse,
                points: -120,
                status: EntryStatus::Rejected,
                at: Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap(),
                reference: Some(String::new()),
                description: Some("Retour".into()),
                reverses: Some(64),
                reversed_by: None,
            },
            LedgerEntry {
                seq: 127,
                kind: EntryKind::Adjust,
                points: i64::MIN,
                status: EntryStatus::Confirmed,
                at,
                reference: None,
                description: None,
                reverses: Some(u64::MAX),
                reversed_by: Some(1),
            },
            LedgerEntry {
                seq: 128,
                kind: EntryKind::Expire,
                points: i64::MAX,
                status: EntryStatus::Confirmed,
                at,
                reference: None,
                description: None,
                reverses: None,
                reversed_by: None,
            },
        ]
    }

    #[test]
    fn a_page_reads_back_as_written() {
        let entries = sample();
        let bytes = encode_page(&entries);
        assert_eq!(bytes[0], FORMAT_V1);
        assert_eq!(decode_page(&bytes).unwrap(), entries);
        assert_eq!(decode_page(&encode_page(&[])).unwrap(), Vec::new());
        // A typical entry (earn, reference, description) takes about a sixth of its JSON.
        let typical = encode_page(&entries[..1]).len() - 1;
        let json = serde_json::to_vec(&entries[0]).unwrap().len();
        assert!(typical * 4 < json, "{typical} bytes vs JSON {json}");
        // Entries written together: the same time and description cost a byte each.
        let mut batch = vec![entries[0].clone(); 3];
        for (i, e) in batch.iter_mut().enumerate() {
            e.seq += i as u64;
            e.reference = Some(format!("R-{i}"));
        }
        let three = encode_page(&batch).len() - 1;
        assert!(
            three < typical + 2 * 14,
            "{three} bytes for three, {typical} for one"
        );
        assert_eq!(decode_page(&encode_page(&batch)).unwrap(), batch);
    }

    #[test]
    fn the_fuzzing_seed_is_a_page() {
        // fuzz/corpus/ledger_page/two_entries, written by hand from the format above.
        let seed = include_bytes!("../../../fuzz/corpus/ledger_page/two_entries");
        let entries = decode_page(seed).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0].at,
            Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap()
        );
        assert_eq!(entries[1].at, entries[0].at);
        assert_eq!(entries[1].description.as_deref(), Some("R-1"));
        assert_eq!(entries[1].reverses, Some(1));
        assert_eq!(encode_page(&entries), seed);
    }

    #[test]
    fn damaged_pages_are_refused_without_panic() {
        let bytes = encode_page(&sample());
        for cut in 0..bytes.len() {
            // Every prefix either reads as fewer whole entries or is refused.
            if let Ok(entries) = decode_page(&bytes[..cut]) {
                assert!(entries.len() < sample().len());
            }
        }
        let mut other_version = bytes.clone();
        other_version[0] = 2;
        assert!(matches!(
            decode_page(&other_version),
            Err(StoreError::Decode(_))
        ));
        // Out of order, unknown codes and flags, overlong varints.
        let mut twice = encode_page(&sample()[..1]);
        twice.extend_from_slice(&encode_page(&sample()[..1])[1..]);
        assert!(decode_page(&twice).is_err());
        assert!(decode_page(&[1, 1, 0x05, 0, 0, 0, 0]).is_err());
        assert!(decode_page(&[1, 1, 0x30, 0, 0, 0, 0]).is_err());
        assert!(decode_page(&[1, 1, 0, 0, 0, 0, 0, 0, 0x04]).is_err());
        // A text said to repeat one the page has not written.
        assert!(decode_page(&[1, 1, 0, 0, 0, 0, 2, 0, 0]).is_err());
        assert!(decode_page(&[1, 1, 0, 0, 0, 0, 0, 0, 0]).is_ok());
        assert!(
            decode_page(&[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err()
        );
        // Bytes flipped anywhere: an error or a page, never a panic.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut b = bytes.clone();
            let i = (state % b.len() as u64) as usize;
            b[i] ^= (state >> 32) as u8 | 1;
            let _ = decode_page(&b);
            let len = (state >> 40) as usize % 48;
            let noise: Vec<u8> = (0..len).map(|k| (state >> (k % 56)) as u8).collect();
            let _ = decode_page(&noise);
        }
    }
}
