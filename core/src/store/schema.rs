//! On-disk format: the format marker, the schema version and one migration step per version.
//!
//! - Version 1: trees `meta`, `ledger`, `vouchers`, `outbox`, `receipts`; counters in `meta`.
//! - Version 2: the materialised balance in `meta`, and the indexes `voucher_usable`,
//!   `receipts_by_time`, `receipts_by_gtin`. The step from 1 builds them from the records.
//! - Version 3: the ledger in pages of 32 entries in a compact binary format (tree
//!   `ledger_pages`, see `ledger_pages.rs`) instead of one JSON record per entry (tree `ledger`).
//!   The step from 2 writes the pages from the old records; the old tree is dropped only after
//!   the new version is durable (and again at the next open, should that drop be cut off). Also
//!   the voucher and receipt counts in `meta`, counted once by the step.
//! - Version 4: the server ledger index in pages of ids (tree `server_ledger_pages`, see
//!   `server_index.rs`) instead of one key per id (tree `server_ledger`); the step from 3 writes
//!   the pages from the old keys, and the old tree goes as version 2's ledger did.
//!
//! Every step is idempotent (indexes are cleared and rebuilt), and the new version is written
//! only after the step's data is flushed, so a crash mid-migration repeats the step on next open.

use super::ledger_pages::{encode_page, PAGE_ENTRIES};
use super::server_index::{self, PAGE_IDS};
use super::{concat, decode, encode, time_key, values, Open, StoreError, Tree};
use crate::points::{Balance, LedgerEntry};
use crate::receipts::Receipt;
use crate::wallet::{Voucher, VoucherState};

pub const FORMAT_MARKER: &[u8] = b"loyalty-core";
pub const CURRENT_VERSION: u32 = 4;

/// The tree of schema versions 1 and 2 holding one JSON record per ledger entry.
const LEDGER_V2: &str = "ledger";
/// The tree of schema versions up to 3 holding one key per server ledger id (value: the local
/// sequence number, 8 bytes big-endian).
const SERVER_LEDGER_V3: &str = "server_ledger";
/// Trees of older versions, dropped once their step is durable.
const LEGACY_TREES: [&str; 2] = [LEDGER_V2, SERVER_LEDGER_V3];

pub(crate) const KEY_FORMAT: &[u8] = b"format";
pub(crate) const KEY_VERSION: &[u8] = b"schema_version";
pub(crate) const KEY_BALANCE: &[u8] = b"balance";
pub(crate) const KEY_LEDGER_NEXT: &[u8] = b"ledger_next";
pub(crate) const KEY_OUTBOX_NEXT: &[u8] = b"outbox_next";
/// How many vouchers and receipts the database holds (schema 3), kept with every write that adds
/// one, so the watermark check at open does not count the trees (sled's `len()` reads them whole).
pub(crate) const KEY_VOUCHER_COUNT: &[u8] = b"voucher_count";
pub(crate) const KEY_RECEIPT_COUNT: &[u8] = b"receipt_count";

/// Checks the database is ours, initialises a fresh one, migrates an old one.
///
/// `expected`: the watermark says a database was created here before; an empty one then means
/// its contents were lost, which is reported, not papered over with a fresh database.
pub(crate) fn prepare(
    db: sled::Db,
    log: std::fs::File,
    dir: &std::path::Path,
    expected: bool,
) -> Result<Open, StoreError> {
    let existing: Vec<Vec<u8>> = db.tree_names().into_iter().map(|n| n.to_vec()).collect();
    let ours = |n: &[u8]| {
        Tree::ALL.iter().any(|t| t.name().as_bytes() == n)
            || LEGACY_TREES.iter().any(|l| l.as_bytes() == n)
    };
    let default_name: &[u8] = b"__sled__default";
    let has_meta = existing
        .iter()
        .any(|n| n.as_slice() == Tree::Meta.name().as_bytes());
    let marker = if has_meta {
        db.open_tree(Tree::Meta.name())?.get(KEY_FORMAT)?
    } else {
        None
    };
    match &marker {
        Some(m) if m.as_ref() == FORMAT_MARKER => {}
        Some(_) => return Err(foreign()),
        None => {
            let anything_else = existing
                .iter()
                .any(|n| n.as_slice() != default_name && !ours(n))
                || !db.is_empty();
            if anything_else {
                return Err(foreign());
            }
        }
    }
    let trees = Tree::ALL
        .iter()
        .map(|t| db.open_tree(t.name()))
        .collect::<Result<Vec<_>, _>>()?;
    if marker.is_none() && expected {
        return Err(StoreError::Corrupt(
            "the database lost its contents (it reads as empty)".into(),
        ));
    }
    // A journal that cannot be made costs speed, not safety: commits then flush sled.
    let (mut journal, replay) = match super::journal::Journal::open(dir) {
        Ok(opened) => opened,
        Err(e) => {
            crate::log::log_at!(
                crate::log::LogLevel::Warn,
                "store",
                "{e}; commits flush the database"
            );
            (super::journal::Journal::none(), Vec::new())
        }
    };
    let replayed = marker.is_some() && !replay.is_empty();
    if replayed {
        // Commits made durable by the journal that sled had not written yet (journal.rs).
        super::journal::apply(&db, &replay)?;
        crate::log::log_at!(
            crate::log::LogLevel::Info,
            "store",
            "applied {} write(s) of the commit journal",
            replay.len()
        );
    } else if marker.is_none() {
        journal.discard()?;
    }
    let open = Open {
        db,
        trees,
        log,
        journal: std::sync::Mutex::new(journal),
        visible: std::sync::RwLock::new(()),
    };
    if replayed {
        open.flush()?;
    }
    let meta = open.tree(Tree::Meta);
    if marker.is_none() {
        // A new database (or one whose creation was cut off before the marker was written):
        // start at the current version. The marker goes last.
        let data_present = Tree::ALL[1..].iter().any(|t| !open.tree(*t).is_empty());
        if data_present {
            return Err(foreign());
        }
        for legacy in LEGACY_TREES {
            if existing.iter().any(|n| n.as_slice() == legacy.as_bytes()) {
                if !open.db.open_tree(legacy)?.is_empty() {
                    return Err(foreign());
                }
                open.db.drop_tree(legacy)?;
            }
        }
        meta.clear()?;
        meta.insert(KEY_BALANCE, encode(&Balance::default())?)?;
        meta.insert(KEY_VERSION, &CURRENT_VERSION.to_be_bytes())?;
        open.flush()?;
        meta.insert(KEY_FORMAT, FORMAT_MARKER)?;
        open.flush()?;
        return Ok(open);
    }
    let mut version = read_version(meta)?;
    if version > CURRENT_VERSION {
        return Err(StoreError::TooNew {
            found: version,
            supported: CURRENT_VERSION,
        });
    }
    while version < CURRENT_VERSION {
        match version {
            1 => migrate_1_to_2(&open)?,
            2 => migrate_2_to_3(&open)?,
            3 => migrate_3_to_4(&open)?,
            v => {
                return Err(StoreError::Corrupt(format!(
                    "unknown database schema version {v}"
                )))
            }
        }
        open.flush()?;
        version += 1;
        meta.insert(KEY_VERSION, &version.to_be_bytes())?;
        open.flush()?;
        crate::log::log_at!(
            crate::log::LogLevel::Info,
            "store",
            "migrated the schema to version {version}"
        );
    }
    let names = open.db.tree_names();
    for legacy in LEGACY_TREES {
        if names.iter().any(|n| n.as_ref() == legacy.as_bytes()) {
            open.db.drop_tree(legacy)?;
            open.flush()?;
        }
    }
    Ok(open)
}

fn foreign() -> StoreError {
    StoreError::Foreign("the data directory holds a database that is not Loyalty Core's".into())
}

pub(crate) fn read_version(meta: &sled::Tree) -> Result<u32, StoreError> {
    match meta.get(KEY_VERSION)? {
        Some(v) if v.len() == 4 => Ok(u32::from_be_bytes([v[0], v[1], v[2], v[3]])),
        _ => Err(StoreError::Corrupt(
            "the database has no readable schema version".into(),
        )),
    }
}

/// Key of a voucher in the usable index: expiry first, so "usable now" and "expiring soon" are
/// range scans.
pub(super) fn usable_key(v: &Voucher) -> Vec<u8> {
    concat(&[&time_key(v.valid_until), v.id.as_bytes()])
}

/// Version 1 → 2: materialise the balance and build the indexes from the records.
fn migrate_1_to_2(open: &Open) -> Result<(), StoreError> {
    let entries: Vec<LedgerEntry> = values(open.db.open_tree(LEDGER_V2)?.iter())?;
    let balance = Balance::from_entries(&entries);
    open.tree(Tree::Meta)
        .insert(KEY_BALANCE, encode(&balance)?)?;

    let usable = open.tree(Tree::VoucherUsable);
    usable.clear()?;
    for v in values::<Voucher>(open.tree(Tree::Vouchers).iter())? {
        if v.state == VoucherState::Available {
            usable.insert(usable_key(&v), &[])?;
        }
    }

    let by_time = open.tree(Tree::ReceiptsByTime);
    let by_gtin = open.tree(Tree::ReceiptsByGtin);
    by_time.clear()?;
    by_gtin.clear()?;
    for kv in open.tree(Tree::Receipts).iter() {
        let (_, bytes) = kv?;
        let r: Receipt = decode(&bytes)?;
        by_time.insert(super::receipts::time_index_key(&r), &[])?;
        for key in super::receipts::gtin_index_keys(&r) {
            by_gtin.insert(key, &[])?;
        }
    }
    Ok(())
}

/// Version 2 → 3: the voucher and receipt counts, and the ledger's JSON records, read in order,
/// written as pages. The pages tree is cleared first, so a step cut off by a crash is simply done
/// again.
fn migrate_2_to_3(open: &Open) -> Result<(), StoreError> {
    let pages = open.tree(Tree::Ledger);
    pages.clear()?;
    let mut page: Vec<LedgerEntry> = Vec::with_capacity(PAGE_ENTRIES as usize);
    let write = |page: &mut Vec<LedgerEntry>| -> Result<(), StoreError> {
        if let Some(first) = page.first() {
            pages.insert(super::ledger_pages::page_key(first.seq), encode_page(page))?;
            page.clear();
        }
        Ok(())
    };
    let meta = open.tree(Tree::Meta);
    let count = |t: Tree| (open.tree(t).len() as u64).to_be_bytes();
    meta.insert(KEY_VOUCHER_COUNT, &count(Tree::Vouchers))?;
    meta.insert(KEY_RECEIPT_COUNT, &count(Tree::Receipts))?;
    for kv in open.db.open_tree(LEDGER_V2)?.iter() {
        let (_, bytes) = kv?;
        let entry: LedgerEntry = decode(&bytes)?;
        if page
            .first()
            .is_some_and(|first| first.seq / PAGE_ENTRIES != entry.seq / PAGE_ENTRIES)
        {
            write(&mut page)?;
        }
        page.push(entry);
    }
    write(&mut page)
}

/// Version 3 → 4: the server ledger index's keys, read in id order, written as full pages (each
/// keyed by the first id of the next, the last by `server_index::LAST`). The pages tree is
/// cleared first, so a step cut off by a crash is simply done again.
fn migrate_3_to_4(open: &Open) -> Result<(), StoreError> {
    let pages = open.tree(Tree::ServerLedger);
    pages.clear()?;
    let mut page: Vec<(Vec<u8>, u64)> = Vec::with_capacity(PAGE_IDS);
    for kv in open.db.open_tree(SERVER_LEDGER_V3)?.iter() {
        let (id, seq) = kv?;
        if seq.len() != 8 {
            return Err(StoreError::Corrupt(
                "a server ledger index entry of schema 3 is not a sequence number".into(),
            ));
        }
        if page.len() == PAGE_IDS {
            // Full: keyed by the id that starts the next page.
            pages.insert(&*id, server_index::encode(&page))?;
            page.clear();
        }
        page.push((id.to_vec(), super::be_u64(&seq)));
    }
    if !page.is_empty() {
        pages.insert(server_index::LAST, server_index::encode(&page))?;
    }
    Ok(())
}

/// Writes a database exactly as version 1 of Loyalty Core laid it out (no materialised balance,
/// no indexes). Used by the migration tests.
#[doc(hidden)]
pub fn write_v1_database(
    data_dir: &std::path::Path,
    entries: &[LedgerEntry],
    vouchers: &[Voucher],
    receipts: &[Receipt],
) -> Result<(), StoreError> {
    let db = sled::Config::new()
        .path(data_dir.join(super::DB_DIR_NAME))
        .open()?;
    let meta = db.open_tree("meta")?;
    meta.insert(KEY_FORMAT, FORMAT_MARKER)?;
    meta.insert(KEY_VERSION, &1u32.to_be_bytes())?;
    meta.insert(KEY_LEDGER_NEXT, &(entries.len() as u64 + 1).to_be_bytes())?;
    meta.insert(KEY_OUTBOX_NEXT, &1u64.to_be_bytes())?;
    let ledger = db.open_tree("ledger")?;
    for e in entries {
        ledger.insert(e.seq.to_be_bytes(), encode(e)?)?;
    }
    let vt = db.open_tree("vouchers")?;
    for v in vouchers {
        vt.insert(v.id.as_bytes(), encode(v)?)?;
    }
    db.open_tree("outbox")?;
    let rt = db.open_tree("receipts")?;
    for r in receipts {
        rt.insert(r.id.as_bytes(), encode(r)?)?;
    }
    db.flush()?;
    Ok(())
}
