//! What only this device knows, kept beside the database so a damaged database costs nothing the
//! server cannot give back.
//!
//! The server holds the points, vouchers and receipts; after [`Store::quarantine`] a fresh
//! database is refilled by a full sync. It cannot give back what the device did offline and has
//! not told it yet — the outbox (offline redemptions, point claims, answers) — nor the device's
//! sign-in (the sync account, without which there is no sync to refill from). Those are copied to
//! `loyalty-core.keep.json` after every commit that changes them (written to a temporary file,
//! synced, renamed, directory synced; owner-only), and copied back into a fresh database at open.
//! The outbox items keep their idempotency keys, so a replayed item reaches the server exactly
//! once: an item the server had already answered gets the original answer again.
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
use std::path::Path;

/// File beside the database.
pub const KEEP_FILE_NAME: &str = "loyalty-core.keep.json";
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
        let meta_tree = o.tree(Tree::Meta);
        let mut meta = BTreeMap::new();
        for key in DEVICE_META_KEYS {
            if let Some(v) = meta_tree.get(key)? {
                meta.insert(
                    String::from_utf8_lossy(key).into_owned(),
                    super::decode::<Value>(&v)?,
                );
            }
        }
        let mut outbox = BTreeMap::new();
        for kv in o.tree(Tree::Outbox).iter() {
            let (k, v) = kv?;
            outbox.insert(hex(&k), super::decode::<Value>(&v)?);
        }
        let outbox_next = meta_tree
            .get(schema::KEY_OUTBOX_NEXT)?
            .map(|v| super::be_u64(&v))
            .unwrap_or(0);
        Ok(Keep {
            format: KEEP_FORMAT.into(),
            meta,
            outbox,
            outbox_next,
        })
    }

    pub(super) fn outbox_len(&self) -> usize {
        self.outbox.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.meta.is_empty() && self.outbox.is_empty()
    }

    /// The kept copy in `data_dir`, if any. A damaged copy is an error: it is the last copy of
    /// what the device did offline, so it is never silently dropped.
    pub(super) fn read(data_dir: &Path) -> Result<Option<Self>, StoreError> {
        match std::fs::read(data_dir.join(KEEP_FILE_NAME)) {
            Ok(bytes) => match serde_json::from_slice::<Keep>(&bytes) {
                Ok(k) if k.format == KEEP_FORMAT => Ok(Some(k)),
                _ => Err(StoreError::Corrupt(
                    "the copy of the device's offline actions is damaged".into(),
                )),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Io(format!(
                "cannot read the copy of the device's offline actions: {}",
                e.kind()
            ))),
        }
    }

    /// Written to a temporary file, synced and renamed over the old one; owner-only.
    pub(super) fn write(&self, data_dir: &Path) -> Result<(), StoreError> {
        use std::io::Write;
        let io = |e: std::io::Error| {
            StoreError::Io(format!(
                "cannot keep a copy of the device's offline actions: {}",
                e.kind()
            ))
        };
        let path = data_dir.join(KEEP_FILE_NAME);
        let tmp = data_dir.join(format!("{KEEP_FILE_NAME}.tmp"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp).map_err(io)?;
        f.write_all(&super::encode(self)?).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        if let Ok(d) = std::fs::File::open(data_dir) {
            let _ = d.sync_all();
        }
        Ok(())
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
