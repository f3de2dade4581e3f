//! The commit journal: one trip to the disk per durable commit.
//!
//! sled 0.34's flush hands its log buffer to a writer thread and waits for `sync_file_range`, and
//! the store then needs an `fdatasync` for the drive's cache and the file's size: two trips to the
//! disk per durable commit where SQLite's write-ahead log makes one. So a durable transaction is
//! committed in sled without a flush, and the writes it made (absolute values: a key and its new
//! value, or its removal) are appended to this journal with one `fdatasync`. sled writes its own
//! log in the background as before. At a checkpoint (the journal full, [`super::Store::flush`],
//! a close, a transaction that is not journaled) sled is made durable and the journal emptied by
//! starting a new generation. At open, the records of the current generation are applied again,
//! in order, over what sled recovered, and checkpointed.
//!
//! Why applying them again is right: every write since the last checkpoint is in the journal (a
//! transaction committed without a flush — a sync's feed page — first checkpoints, and a durable
//! one after it flushes sled instead of journaling), sled recovers a prefix of its log (whole
//! transactions, in commit order), and a record holds absolute values: applying every record in
//! order over any prefix of them gives the state after the last one.
//!
//! The file (`journal` in the database directory) is zero-filled to its full size once, when it
//! is created, and then written in place, so an `fdatasync` has no file size or new extent to
//! write:
//! - bytes 0..16, the header: `LCJ1`, the generation (u64 LE), CRC-32 of the 12 bytes before it.
//!   It is written only at a checkpoint, after sled is durable: a torn header means the records
//!   are already in sled, so the first record's generation is taken instead.
//! - from byte 4096, records one after the other: payload length (u32 LE), generation (u64 LE),
//!   CRC-32 of those 12 bytes and the payload (u32 LE), the payload: for each write, the tree's
//!   name (u8 length, bytes), 1 = insert or 0 = remove, the key (u32 LE length, bytes) and for an
//!   insert the value (u32 LE length, bytes). Reading stops at the first record that is empty,
//!   of another generation or fails its CRC (a write cut short by a power cut).

use super::{StoreError, Tree};
use sled::transaction::{TransactionalTree, UnabortableTransactionError};
use sled::IVec;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write as _};
use std::path::Path;

/// The journal's file name inside the database directory.
pub const JOURNAL_FILE_NAME: &str = "journal";
/// Size of the file, counted in the database's size: a checkpoint when it is full. A single
/// ledger append is ~320 bytes (the page it changed and the balance), a feed page of 1000
/// entries ~35 KB: ~400 appends or 3 such pages between checkpoints.
const CAPACITY: u64 = 128 * 1024;
const RECORDS_START: u64 = 4096;
/// The largest commit the journal takes (see [`Journal::takes`]).
const MAX_RECORD: usize = 16 * 1024;
const HEADER_MAGIC: &[u8; 4] = b"LCJ1";
const RECORD_HEAD: usize = 16;

/// One write of a transaction, as the journal keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Write {
    tree: Tree,
    key: IVec,
    value: Option<IVec>,
}

impl Write {
    pub(crate) fn tree(&self) -> Tree {
        self.tree
    }

    /// The same write inside a sled transaction.
    pub(crate) fn apply_to(&self, t: &TxTree) -> TxOp<()> {
        match &self.value {
            Some(v) => t.insert(&self.key, v)?,
            None => t.remove(&self.key)?,
        };
        Ok(())
    }
}

/// A write read back from the file: the tree by its name, so a record an earlier version wrote
/// before an update is applied to the tree it meant, before the schema steps run.
#[derive(Debug, Clone)]
pub(crate) struct Replay {
    tree: Vec<u8>,
    key: IVec,
    value: Option<IVec>,
}

/// A tree inside a transaction. Either sled's [`TransactionalTree`] (a commit made durable by
/// flushing sled, or not at once), or — for a commit the journal makes durable — the tree itself
/// with the transaction's writes held aside and noted for the journal's record (commits take the
/// journal's lock in turn, so nothing else writes meanwhile; a transaction reads its own writes).
pub(crate) enum TxTree<'a> {
    Sled(&'a TransactionalTree),
    Direct {
        tree: &'a sled::Tree,
        name: Tree,
        pending: RefCell<BTreeMap<IVec, Option<IVec>>>,
        writes: &'a RefCell<Vec<Write>>,
    },
}

type TxOp<T> = Result<T, UnabortableTransactionError>;

impl<'a> TxTree<'a> {
    /// Over the tree itself, every write held aside and noted in `writes` (see [`TxTree`]).
    pub(super) fn direct(
        tree: &'a sled::Tree,
        name: Tree,
        writes: &'a RefCell<Vec<Write>>,
    ) -> Self {
        TxTree::Direct {
            tree,
            name,
            pending: RefCell::new(BTreeMap::new()),
            writes,
        }
    }

    pub(crate) fn get(&self, key: &[u8]) -> TxOp<Option<IVec>> {
        match self {
            TxTree::Sled(t) => t.get(key),
            TxTree::Direct { tree, pending, .. } => match pending.borrow().get(key) {
                Some(v) => Ok(v.clone()),
                None => tree.get(key).map_err(UnabortableTransactionError::Storage),
            },
        }
    }

    pub(crate) fn insert(&self, key: &[u8], value: &[u8]) -> TxOp<Option<IVec>> {
        self.write(key, Some(IVec::from(value)))
    }

    pub(crate) fn remove(&self, key: &[u8]) -> TxOp<Option<IVec>> {
        self.write(key, None)
    }

    fn write(&self, key: &[u8], value: Option<IVec>) -> TxOp<Option<IVec>> {
        let key = IVec::from(key);
        match self {
            TxTree::Sled(t) => match value {
                Some(v) => t.insert(key, v),
                None => t.remove(key),
            },
            TxTree::Direct {
                name,
                pending,
                writes,
                ..
            } => {
                let before = self.get(&key)?;
                writes.borrow_mut().push(Write {
                    tree: *name,
                    key: key.clone(),
                    value: value.clone(),
                });
                pending.borrow_mut().insert(key, value);
                Ok(before)
            }
        }
    }
}

/// The open journal (held by the store's `Open` behind a mutex: commits take it in order).
pub(crate) struct Journal {
    /// `None` when the file could not be made: every durable commit then flushes sled.
    file: Option<File>,
    generation: u64,
    /// Where the next record goes.
    end: u64,
    /// Records since the last checkpoint.
    records: usize,
    /// sled holds writes since the last checkpoint that are not in the journal (a transaction
    /// committed without a flush): a durable commit must flush sled until the next checkpoint.
    unjournaled: bool,
    /// The header was torn or the file unreadable: the next checkpoint makes it anew.
    remake: bool,
    buf: Vec<u8>,
}

fn io(what: &str, e: std::io::Error) -> StoreError {
    StoreError::Io(format!("cannot {what} the commit journal: {}", e.kind()))
}

impl Journal {
    /// A journal that keeps nothing (every durable commit flushes sled).
    pub(crate) fn none() -> Self {
        Journal {
            file: None,
            generation: 0,
            end: RECORDS_START,
            records: 0,
            unjournaled: false,
            remake: false,
            buf: Vec::new(),
        }
    }

    /// Opens (or creates) the journal in the database directory `dir`, and returns it with the
    /// writes of its current generation, in order, for the caller to apply and checkpoint.
    pub(crate) fn open(dir: &Path) -> Result<(Journal, Vec<Replay>), StoreError> {
        let path = dir.join(JOURNAL_FILE_NAME);
        let existing = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path);
        let (file, bytes) = match existing {
            Ok(mut f) => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut bytes).map_err(|e| io("read", e))?;
                if bytes.len() as u64 != CAPACITY {
                    // Cut short while it was made (it is made before any record is written).
                    fill(&f).map_err(|e| io("make", e))?;
                    bytes = vec![0; CAPACITY as usize];
                }
                (f, bytes)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let tmp = dir.join(format!("{JOURNAL_FILE_NAME}.new"));
                let f = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&tmp)
                    .map_err(|e| io("make", e))?;
                fill(&f).map_err(|e| io("make", e))?;
                std::fs::rename(&tmp, &path).map_err(|e| io("make", e))?;
                if let Ok(d) = File::open(dir) {
                    d.sync_all().map_err(|e| io("make", e))?;
                }
                (f, vec![0; CAPACITY as usize])
            }
            Err(e) => return Err(io("open", e)),
        };
        let header_generation = read_header(&bytes);
        let (writes, generation, end, records) = read_records(&bytes, header_generation);
        let journal = Journal {
            file: Some(file),
            generation,
            end,
            records,
            unjournaled: false,
            // Older records further on may carry any generation up to the lost header's.
            remake: header_generation.is_none(),
            buf: Vec::new(),
        };
        Ok((journal, writes))
    }

    /// Whether a durable commit can be journaled now (else it flushes sled).
    pub(crate) fn takes_commits(&self) -> bool {
        self.file.is_some() && !self.unjournaled && !self.remake
    }

    /// Records since the last checkpoint.
    pub(crate) fn pending(&self) -> usize {
        self.records
    }

    /// Notes a transaction committed without a flush (see [`Journal::unjournaled`]).
    pub(crate) fn note_unjournaled(&mut self) {
        self.unjournaled = true;
    }

    /// Whether a commit of these writes is one for the journal: up to 16 KiB (a batch of 1000
    /// ledger entries is ~15 KB of pages). A larger one is committed by a sled transaction and
    /// a flush, as before the journal, so one record never takes most of the file.
    pub(crate) fn takes(&self, writes: &[Write]) -> bool {
        let bytes: usize = writes
            .iter()
            .map(|w| 16 + w.key.len() + w.value.as_ref().map_or(0, |v| v.len()))
            .sum();
        bytes <= MAX_RECORD
    }

    /// Appends one transaction's writes and makes them durable. `false` when they do not fit or
    /// the file refused them: the caller checkpoints instead.
    pub(crate) fn append(&mut self, writes: &[Write]) -> bool {
        let Some(file) = self.file.as_ref() else {
            return false;
        };
        if writes.is_empty() {
            return true;
        }
        let buf = &mut self.buf;
        buf.clear();
        buf.extend_from_slice(&[0; RECORD_HEAD]);
        for w in writes {
            let name = w.tree.name().as_bytes();
            buf.push(name.len() as u8);
            buf.extend_from_slice(name);
            buf.push(u8::from(w.value.is_some()));
            put_bytes(buf, &w.key);
            if let Some(v) = &w.value {
                put_bytes(buf, v);
            }
        }
        let len = buf.len() - RECORD_HEAD;
        if self.end + buf.len() as u64 > CAPACITY || u32::try_from(len).is_err() {
            return false;
        }
        buf[0..4].copy_from_slice(&(len as u32).to_le_bytes());
        buf[4..12].copy_from_slice(&self.generation.to_le_bytes());
        let crc = record_crc(&buf[0..12], &buf[RECORD_HEAD..]);
        buf[12..16].copy_from_slice(&crc.to_le_bytes());
        if write_at(file, buf, self.end).is_err() || file.sync_data().is_err() {
            // What was written may be a partial record: it fails its CRC or is overwritten by
            // the checkpoint the caller makes now, which starts a new generation.
            return false;
        }
        self.end += buf.len() as u64;
        self.records += 1;
        true
    }

    /// After sled was made durable: starts a new generation (the records so far are in sled).
    pub(crate) fn checkpointed(&mut self) -> Result<(), StoreError> {
        self.unjournaled = false;
        let Some(file) = self.file.as_ref() else {
            return Ok(());
        };
        if self.remake {
            fill(file).map_err(|e| io("make", e))?;
            self.remake = false;
            self.generation = 1;
        } else if self.records > 0 || self.end > RECORDS_START {
            let generation = self.generation + 1;
            write_at(file, &header(generation), 0)
                .and_then(|()| file.sync_data())
                .map_err(|e| io("write", e))?;
            self.generation = generation;
        }
        self.end = RECORDS_START;
        self.records = 0;
        Ok(())
    }

    /// Forgets the records (a new database: they belonged to one that is gone).
    pub(crate) fn discard(&mut self) -> Result<(), StoreError> {
        if self.records > 0 {
            self.remake = self.file.is_some();
        }
        self.checkpointed()
    }
}

/// The records a journal holds for the next open to apply (read only; 0 without a journal).
pub(crate) fn pending_records(dir: &Path) -> usize {
    match std::fs::read(dir.join(JOURNAL_FILE_NAME)) {
        Ok(bytes) => read_records(&bytes, read_header(&bytes)).3,
        Err(_) => 0,
    }
}

/// Applies a durable record's writes to the trees (the journal's direct commits).
pub(crate) fn apply_writes(o: &super::Open, writes: &[Write]) -> Result<(), StoreError> {
    for w in writes {
        let tree = o.tree(w.tree);
        match &w.value {
            Some(v) => tree.insert(&w.key, v)?,
            None => tree.remove(&w.key)?,
        };
    }
    Ok(())
}

/// Applies a journal's writes to the database (at open, before its checkpoint).
pub(crate) fn apply(db: &sled::Db, writes: &[Replay]) -> Result<(), StoreError> {
    let mut trees: Vec<(&[u8], sled::Tree)> = Vec::new();
    for w in writes {
        let tree = match trees.iter().position(|(t, _)| *t == w.tree.as_slice()) {
            Some(i) => &trees[i].1,
            None => {
                trees.push((&w.tree, db.open_tree(&w.tree)?));
                &trees[trees.len() - 1].1
            }
        };
        match &w.value {
            Some(v) => tree.insert(&w.key, v)?,
            None => tree.remove(&w.key)?,
        };
    }
    Ok(())
}

fn write_at(mut f: &File, buf: &[u8], offset: u64) -> std::io::Result<()> {
    f.seek(SeekFrom::Start(offset))?;
    f.write_all(buf)
}

/// Zeros to the full size, the header of generation 1, synced.
fn fill(f: &File) -> std::io::Result<()> {
    f.set_len(0)?;
    let zeros = vec![0u8; 32 * 1024];
    let mut at = 0;
    while at < CAPACITY {
        write_at(f, &zeros, at)?;
        at += zeros.len() as u64;
    }
    write_at(f, &header(1), 0)?;
    f.sync_all()
}

fn header(generation: u64) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[0..4].copy_from_slice(HEADER_MAGIC);
    h[4..12].copy_from_slice(&generation.to_le_bytes());
    let crc = crc32fast::hash(&h[0..12]);
    h[12..16].copy_from_slice(&crc.to_le_bytes());
    h
}

/// The header's generation, or `None` when it is torn or missing.
fn read_header(bytes: &[u8]) -> Option<u64> {
    let h = bytes.get(0..16)?;
    if &h[0..4] != HEADER_MAGIC || crc32fast::hash(&h[0..12]).to_le_bytes() != h[12..16] {
        return None;
    }
    Some(u64::from_le_bytes(h[4..12].try_into().ok()?))
}

fn record_crc(head: &[u8], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(head);
    h.update(payload);
    h.finalize()
}

fn put_bytes(buf: &mut Vec<u8>, b: &[u8]) {
    buf.extend_from_slice(&(b.len() as u32).to_le_bytes());
    buf.extend_from_slice(b);
}

/// The valid records of `generation` (the first record's when the header is torn): their
/// writes in order, the generation, where the next record goes, and how many there were.
fn read_records(bytes: &[u8], generation: Option<u64>) -> (Vec<Replay>, u64, u64, usize) {
    let mut writes = Vec::new();
    let mut at = RECORDS_START as usize;
    let mut records = 0;
    let mut generation = generation;
    while let Some(head) = bytes.get(at..at + RECORD_HEAD) {
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let gen = u64::from_le_bytes(head[4..12].try_into().unwrap_or([0; 8]));
        let crc = u32::from_le_bytes([head[12], head[13], head[14], head[15]]);
        let Some(payload) = bytes.get(at + RECORD_HEAD..at + RECORD_HEAD + len) else {
            break;
        };
        if len == 0
            || generation.is_some_and(|g| g != gen)
            || record_crc(&head[0..12], payload) != crc
        {
            break;
        }
        let Some(mut record) = parse(payload) else {
            break;
        };
        generation = Some(gen);
        writes.append(&mut record);
        records += 1;
        at += RECORD_HEAD + len;
    }
    (writes, generation.unwrap_or(1), at as u64, records)
}

fn parse(mut p: &[u8]) -> Option<Vec<Replay>> {
    fn take<'b>(p: &mut &'b [u8], n: usize) -> Option<&'b [u8]> {
        let (a, b) = (p.get(..n)?, p.get(n..)?);
        *p = b;
        Some(a)
    }
    fn bytes<'b>(p: &mut &'b [u8]) -> Option<&'b [u8]> {
        let n = take(p, 4)?;
        let n = u32::from_le_bytes([n[0], n[1], n[2], n[3]]) as usize;
        take(p, n)
    }
    let mut writes = Vec::new();
    while !p.is_empty() {
        let n = take(&mut p, 1)?[0] as usize;
        let tree = take(&mut p, n)?.to_vec();
        let insert = take(&mut p, 1)?[0] == 1;
        let key = IVec::from(bytes(&mut p)?);
        let value = if insert {
            Some(IVec::from(bytes(&mut p)?))
        } else {
            None
        };
        writes.push(Replay { tree, key, value });
    }
    Some(writes)
}
