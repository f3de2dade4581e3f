//! What only this device knows, kept beside the database so a damaged database costs nothing the
//! server cannot give back.
//!
//! The server holds the points, vouchers and receipts; after [`Store::quarantine`] a fresh
//! database is refilled by a full sync. It cannot give back what the device did offline and has
//! not told it yet — the outbox (offline redemptions, point claims, answers) — nor the device's
//! sign-in (the sync account, without which there is no sync to refill from). Those are copied
//! beside the database after every commit that changes them (owner-only files), and copied back
//! into a fresh database at open. The outbox items keep their idempotency keys, so a replayed
//! item reaches the server exactly once: an item the server had already answered gets the
//! original answer again.
//!
//! The copy is two files: `loyalty-core.keep.json`, the whole copy (written to a temporary file,
//! synced, renamed, directory synced), and `loyalty-core.keep.log`, one JSON line per commit
//! since then with what that commit changed (appended and synced). A commit costs one line the
//! size of its own change, not a rewrite of the whole outbox: 1,000 offline redemptions used to
//! rewrite the outbox 1,000 times. When the log outgrows the copy, the copy is rewritten and the
//! log emptied (and at every open). A line holds absolute values (an item as it is now, or its
//! removal), so replaying a line onto a copy that already has it changes nothing: a kill between
//! rewriting the copy and emptying the log loses nothing, and a kill in the middle of an append
//! leaves a last line without its newline, which is ignored (that commit is one change behind,
//! as before).
//!
//! The card secret is not here: it lives in the app's secure storage (Keystore / Keychain), never
//! in the database, so a damaged database does not touch it.
//!
//! The copy is written just after the commit it mirrors; a kill in between leaves it one change
//! behind until the next change, which matters only if the database is also damaged in that
//! moment.

use super::{schema, Open, StoreError, Tree};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// File beside the database: the whole copy.
pub const KEEP_FILE_NAME: &str = "loyalty-core.keep.json";
/// File beside the database: the changes since the whole copy, one JSON line per commit.
pub const KEEP_LOG_NAME: &str = "loyalty-core.keep.log";
/// The log is folded into the copy once it is larger than this and than the copy itself, so
/// the rewrites cost O(1) per change on average.
const LOG_FOLD_MIN_BYTES: u64 = 64 * 1024;
const KEEP_FORMAT: &str = "loyalty-core-keep/1";

/// The meta keys that are the device's own: its sign-in and registrations. (Cursors are not:
/// a fresh database syncs from the start.)
pub(super) const DEVICE_META_KEYS: [&[u8]; 3] = [
    b"sync_account",
    b"sync_pending_enrolment",
    b"sync_push_registration",
];

#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub(super) struct Keep {
    format: String,
    /// Meta key (UTF-8) → the stored JSON value.
    meta: BTreeMap<String, Value>,
    /// Outbox key (big-endian seq, as hex) → the stored item.
    outbox: BTreeMap<String, Value>,
    outbox_next: u64,
}

impl Keep {
    /// What `o` holds that only the device knows.
    pub(super) fn of(o: &Open) -> Result<Self, StoreError> {
        Self::from_raw(&Raw::of(o)?)
    }

    fn from_raw(raw: &Raw) -> Result<Self, StoreError> {
        let mut meta = BTreeMap::new();
        for (key, v) in &raw.meta {
            meta.insert(
                String::from_utf8_lossy(key).into_owned(),
                super::decode::<Value>(v)?,
            );
        }
        let mut outbox = BTreeMap::new();
        for (k, v) in &raw.outbox {
            outbox.insert(hex(k), super::decode::<Value>(v)?);
        }
        Ok(Keep {
            format: KEEP_FORMAT.into(),
            meta,
            outbox,
            outbox_next: raw.outbox_next,
        })
    }

    /// Applies one log line.
    fn apply(&mut self, change: Change) {
        for (k, v) in change.meta {
            match v {
                Some(v) => self.meta.insert(k, v),
                None => self.meta.remove(&k),
            };
        }
        for (k, v) in change.outbox {
            match v {
                Some(v) => self.outbox.insert(k, v),
                None => self.outbox.remove(&k),
            };
        }
        if let Some(next) = change.outbox_next {
            self.outbox_next = next;
        }
    }

    pub(super) fn outbox_len(&self) -> usize {
        self.outbox.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.meta.is_empty() && self.outbox.is_empty()
    }

    /// The kept copy in `data_dir` with its log replayed, if any. A damaged copy is an error: it
    /// is the last copy of what the device did offline, so it is never silently dropped. (A last
    /// log line without its newline is a kill in the middle of an append: that line is ignored.)
    pub(super) fn read(data_dir: &Path) -> Result<Option<Self>, StoreError> {
        let damaged =
            || StoreError::Corrupt("the copy of the device's offline actions is damaged".into());
        let base = match read_optional(&data_dir.join(KEEP_FILE_NAME))? {
            Some(bytes) => match serde_json::from_slice::<Keep>(&bytes) {
                Ok(k) if k.format == KEEP_FORMAT => Some(k),
                _ => return Err(damaged()),
            },
            None => None,
        };
        let log = read_optional(&data_dir.join(KEEP_LOG_NAME))?.unwrap_or_default();
        let complete = match log.iter().rposition(|b| *b == b'\n') {
            Some(end) => &log[..=end],
            None => &[][..],
        };
        if base.is_none() && complete.is_empty() {
            return Ok(None);
        }
        let mut keep = base.unwrap_or_else(|| Keep {
            format: KEEP_FORMAT.into(),
            ..Keep::default()
        });
        for line in complete.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            keep.apply(serde_json::from_slice::<Change>(line).map_err(|_| damaged())?);
        }
        Ok(Some(keep))
    }

    /// Written to a temporary file, synced and renamed over the old one; owner-only. Returns
    /// its size.
    fn write(&self, data_dir: &Path) -> Result<u64, StoreError> {
        let path = data_dir.join(KEEP_FILE_NAME);
        let tmp = data_dir.join(format!("{KEEP_FILE_NAME}.tmp"));
        let bytes = super::encode(self)?;
        let mut f = owner_only(&tmp, true)?;
        f.write_all(&bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        if let Ok(d) = std::fs::File::open(data_dir) {
            let _ = d.sync_all();
        }
        Ok(bytes.len() as u64)
    }

    /// Copies the kept items into a fresh database `o`, in one transaction, and flushes.
    pub(super) fn restore_into(&self, o: &Open) -> Result<(), StoreError> {
        use sled::Transactional;
        let mut meta_values = Vec::new();
        for (k, v) in &self.meta {
            if DEVICE_META_KEYS.contains(&k.as_bytes()) {
                meta_values.push((k.as_bytes().to_vec(), super::encode(v)?));
            }
        }
        let mut outbox_values = Vec::new();
        let mut next = self.outbox_next;
        for (k, v) in &self.outbox {
            let key = unhex(k).ok_or_else(|| {
                StoreError::Corrupt("the copy of the device's offline actions is damaged".into())
            })?;
            if key.len() == 8 {
                next = next.max(super::be_u64(&key) + 1);
            }
            outbox_values.push((key, super::encode(v)?));
        }
        let meta = o.tree(Tree::Meta).clone();
        let outbox = o.tree(Tree::Outbox).clone();
        (&meta, &outbox)
            .transaction(|(m, ob)| {
                for (k, v) in &meta_values {
                    m.insert(k.as_slice(), v.as_slice())?;
                }
                for (k, v) in &outbox_values {
                    ob.insert(k.as_slice(), v.as_slice())?;
                }
                m.insert(schema::KEY_OUTBOX_NEXT, &next.to_be_bytes())?;
                Ok(())
            })
            .map_err(|e: sled::transaction::TransactionError<()>| match e {
                sled::transaction::TransactionError::Storage(s) => StoreError::from(s),
                sled::transaction::TransactionError::Abort(()) => {
                    StoreError::Io("restoring the device's offline actions failed".into())
                }
            })?;
        o.flush()
    }
}

/// One commit's change to the copy (a log line): absolute values, `None` for a removal.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Change {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    meta: BTreeMap<String, Option<Value>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    outbox: BTreeMap<String, Option<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outbox_next: Option<u64>,
}

/// The device's own records as stored (bytes, in key order): compared without decoding.
#[derive(Debug, Default, PartialEq)]
struct Raw {
    meta: Vec<(&'static [u8], sled::IVec)>,
    outbox: Vec<(sled::IVec, sled::IVec)>,
    outbox_next: u64,
}

impl Raw {
    fn of(o: &Open) -> Result<Self, StoreError> {
        let meta_tree = o.tree(Tree::Meta);
        let mut meta = Vec::new();
        for key in DEVICE_META_KEYS {
            if let Some(v) = meta_tree.get(key)? {
                meta.push((key, v));
            }
        }
        let outbox = o.tree(Tree::Outbox).iter().collect::<Result<Vec<_>, _>>()?;
        let outbox_next = o.meta_u64(schema::KEY_OUTBOX_NEXT)?;
        Ok(Raw {
            meta,
            outbox,
            outbox_next,
        })
    }

    /// What changed from `self` to `now`.
    fn change_to(&self, now: &Raw) -> Result<Change, StoreError> {
        let mut change = Change::default();
        for key in DEVICE_META_KEYS {
            let find = |raw: &Raw| {
                raw.meta
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
            };
            let (before, after) = (find(self), find(now));
            if before != after {
                let value = after.map(|v| super::decode::<Value>(&v)).transpose()?;
                change
                    .meta
                    .insert(String::from_utf8_lossy(key).into_owned(), value);
            }
        }
        // Both sides are in key order: one walk.
        let (mut a, mut b) = (self.outbox.iter().peekable(), now.outbox.iter().peekable());
        loop {
            match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some((ka, _)), None) => {
                    change.outbox.insert(hex(ka), None);
                    a.next();
                }
                (None, Some((kb, vb))) => {
                    change.outbox.insert(hex(kb), Some(super::decode(vb)?));
                    b.next();
                }
                (Some((ka, va)), Some((kb, vb))) => match ka.cmp(kb) {
                    std::cmp::Ordering::Less => {
                        change.outbox.insert(hex(ka), None);
                        a.next();
                    }
                    std::cmp::Ordering::Greater => {
                        change.outbox.insert(hex(kb), Some(super::decode(vb)?));
                        b.next();
                    }
                    std::cmp::Ordering::Equal => {
                        if va != vb {
                            change.outbox.insert(hex(kb), Some(super::decode(vb)?));
                        }
                        a.next();
                        b.next();
                    }
                },
            }
        }
        if self.outbox_next != now.outbox_next {
            change.outbox_next = Some(now.outbox_next);
        }
        Ok(change)
    }
}

/// Keeps the copy current: owned by the store, called after every commit that may have changed
/// the device's own records.
pub(super) struct Keeper {
    dir: PathBuf,
    /// The records as the copy (with its log) holds them.
    kept: Raw,
    log: std::fs::File,
    log_bytes: u64,
    base_bytes: u64,
    /// An append failed part-way: the log may end in a torn line, so the next change rewrites
    /// the whole copy and empties the log.
    fold_next: bool,
}

impl Keeper {
    /// At open: the copy is made current (rewritten, log emptied) unless it already is.
    pub(super) fn start(o: &Open, dir: &Path, kept: Option<&Keep>) -> Result<Self, StoreError> {
        let raw = Raw::of(o)?;
        let current = Keep::from_raw(&raw)?;
        let log_path = dir.join(KEEP_LOG_NAME);
        let mut log = owner_only(&log_path, false)?;
        let log_len = log.metadata().map_err(io)?.len();
        let base_bytes = if kept == Some(&current) && log_len == 0 {
            std::fs::metadata(dir.join(KEEP_FILE_NAME))
                .map_err(io)?
                .len()
        } else {
            let n = current.write(dir)?;
            empty(&mut log)?;
            n
        };
        Ok(Keeper {
            dir: dir.to_path_buf(),
            kept: raw,
            log,
            log_bytes: 0,
            base_bytes,
            fold_next: false,
        })
    }

    /// After a commit: appends what changed (nothing when nothing did), or folds the log into
    /// a rewritten copy when it has grown larger than the copy.
    pub(super) fn record(&mut self, o: &Open) -> Result<(), StoreError> {
        let now = Raw::of(o)?;
        if now == self.kept && !self.fold_next {
            return Ok(());
        }
        if self.fold_next || self.log_bytes > LOG_FOLD_MIN_BYTES.max(self.base_bytes) {
            self.base_bytes = Keep::from_raw(&now)?.write(&self.dir)?;
            empty(&mut self.log)?;
            self.log_bytes = 0;
            self.fold_next = false;
            self.kept = now;
            return Ok(());
        }
        let mut line = super::encode(&self.kept.change_to(&now)?)?;
        line.push(b'\n');
        if let Err(e) = self
            .log
            .write_all(&line)
            .and_then(|()| self.log.sync_data())
        {
            self.fold_next = true;
            return Err(io(e));
        }
        self.log_bytes += line.len() as u64;
        self.kept = now;
        Ok(())
    }
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Io(format!(
        "cannot keep a copy of the device's offline actions: {}",
        e.kind()
    ))
}

/// Opens `path` owner-only: truncated for a rewrite, or for appending.
fn owner_only(path: &Path, truncate: bool) -> Result<std::fs::File, StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true);
    if truncate {
        options.write(true).truncate(true);
    } else {
        options.append(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io)
}

/// Empties the log (after the copy it folds into was written).
fn empty(log: &mut std::fs::File) -> Result<(), StoreError> {
    log.set_len(0).map_err(io)?;
    log.sync_all().map_err(io)
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::Io(format!(
            "cannot read the copy of the device's offline actions: {}",
            e.kind()
        ))),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
