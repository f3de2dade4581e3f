//! Store tests on a real sled database on disk.

use super::*;
use crate::money::Money;
use crate::points::{Balance, EntryKind, EntryStatus, LedgerEntry, NewEntry};
use crate::receipts::{LineItem, Receipt, ReceiptSource};
use crate::wallet::{RedemptionOutcome, Voucher, VoucherKind, VoucherState};
use chrono::{DateTime, Duration, TimeZone, Utc};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

fn voucher(id: &str, from: DateTime<Utc>, days: i64) -> Voucher {
    Voucher {
        titles: Default::default(),
        id: id.into(),
        kind: VoucherKind::PercentOff {
            percent: 10,
            max_discount: None,
        },
        title: "10% off".into(),
        description: None,
        code: format!("CODE-{id}"),
        valid_from: from,
        valid_until: from + Duration::days(days),
        state: VoucherState::Available,
        signature: None,
    }
}

fn receipt(id: &str, at: DateTime<Utc>, gtins: &[(&str, &str)]) -> Receipt {
    Receipt {
        store_names: Default::default(),
        id: id.into(),
        store_name: "Store 12".into(),
        purchased_at: at,
        lines: gtins
            .iter()
            .map(|(g, cat)| LineItem {
                names: Default::default(),
                gtin: g.to_string(),
                name: "Item".into(),
                quantity: 1,
                unit_price: Money::new(199, "EUR").unwrap(),
                category: cat.to_string(),
                lot: None,
                warranty_months: None,
            })
            .collect(),
        source: ReceiptSource::Till,
        return_window_days: None,
        discounts: Vec::new(),
        seal: None,
    }
}

const DOG_FOOD: &str = "4006381333931";
const SALT: &str = "96385074";

#[test]
fn ledger_survives_reopen_with_materialised_balance() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        s.append_entries(
            &[NewEntry::earn(100, false), NewEntry::earn(50, true)],
            t0(),
        )
        .unwrap();
        s.append_entries(&[NewEntry::redeem(30, false)], t0())
            .unwrap();
        s.close().unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    let entries = s.ledger_entries().unwrap();
    assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    let b = s.verify_balance().unwrap();
    assert_eq!(b.confirmed, 70);
    assert_eq!(b.pending_credit, 50);
    assert_eq!(b.entries, 3);
    assert_eq!(s.recent_entries(1).unwrap()[0].seq, 3);
}

#[test]
fn recent_entries_are_the_newest_first_without_reading_backwards() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let seqs = |limit: usize| -> Vec<u64> {
        s.recent_entries(limit)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    assert!(seqs(5).is_empty(), "an empty ledger");
    let earn: Vec<NewEntry> = (1..=7).map(|p| NewEntry::earn(p, false)).collect();
    s.append_entries(&earn, t0()).unwrap();
    s.reverse_entry(2, t0()).unwrap();
    assert!(seqs(0).is_empty());
    assert_eq!(seqs(1), [8]);
    assert_eq!(seqs(3), [8, 7, 6]);
    assert_eq!(seqs(8), [8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(seqs(100), [8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(s.recent_entries(1).unwrap()[0].kind, EntryKind::Reverse);
    // The next sequence number far past the last entry (as if numbers had been skipped): the
    // window widens until it holds `limit` entries.
    s.with(|o| {
        o.tree(Tree::Meta)
            .insert(schema::KEY_LEDGER_NEXT, &1000u64.to_be_bytes())?;
        Ok(())
    })
    .unwrap();
    assert_eq!(seqs(2), [8, 7]);
    assert_eq!(seqs(9), [8, 7, 6, 5, 4, 3, 2, 1]);
}

#[test]
fn a_debit_that_does_not_fit_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    s.append_entries(&[NewEntry::earn(100, false)], t0())
        .unwrap();
    let err = s
        .append_entries(
            &[NewEntry::earn(10, false), NewEntry::redeem(500, false)],
            t0(),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::Points(crate::points::PointsError::Insufficient { .. })
    ));
    assert_eq!(s.ledger_entries().unwrap().len(), 1);
    assert_eq!(s.verify_balance().unwrap().confirmed, 100);
    // Invalid entries are refused before any write.
    assert!(matches!(
        s.append_entries(&[NewEntry::earn(-5, false)], t0()),
        Err(StoreError::Input(_))
    ));
}

#[test]
fn settle_and_reverse() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let e = s.append_entries(&[NewEntry::earn(80, true)], t0()).unwrap()[0].clone();
    assert_eq!(s.balance().unwrap().available(), 0);
    let settled = s.settle_entry(e.seq, EntryStatus::Confirmed).unwrap();
    assert_eq!(settled.status, EntryStatus::Confirmed);
    assert_eq!(s.balance().unwrap().confirmed, 80);
    assert!(matches!(
        s.settle_entry(e.seq, EntryStatus::Rejected),
        Err(StoreError::Points(crate::points::PointsError::NotPending))
    ));
    let rev = s.reverse_entry(e.seq, t0()).unwrap();
    assert_eq!(rev.kind, EntryKind::Reverse);
    assert_eq!(rev.points, -80);
    assert_eq!(rev.reverses, Some(e.seq));
    assert_eq!(
        s.ledger_entry(e.seq).unwrap().unwrap().reversed_by,
        Some(rev.seq)
    );
    assert!(matches!(
        s.reverse_entry(e.seq, t0()),
        Err(StoreError::Points(
            crate::points::PointsError::AlreadyReversed
        ))
    ));
    assert!(matches!(
        s.reverse_entry(999, t0()),
        Err(StoreError::Points(
            crate::points::PointsError::EntryNotFound
        ))
    ));
    let p = s.append_entries(&[NewEntry::earn(20, true)], t0()).unwrap()[0].clone();
    s.settle_entry(p.seq, EntryStatus::Rejected).unwrap();
    let b = s.verify_balance().unwrap();
    assert_eq!((b.confirmed, b.pending_credit), (0, 0));
}

#[test]
fn wallet_redemption_and_outbox_move_together() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    s.upsert_voucher(&voucher("a", t0(), 30)).unwrap();
    s.upsert_voucher(&voucher("b", t0(), 5)).unwrap();
    s.upsert_voucher(&voucher("later", t0() + Duration::days(10), 30))
        .unwrap();
    let usable: Vec<String> = s
        .usable_vouchers(t0())
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(usable, ["b", "a"]);
    let soon: Vec<String> = s
        .vouchers_expiring_within(t0(), 7)
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(soon, ["b"]);

    let (v, item) = s.begin_redemption("a", t0()).unwrap();
    assert!(matches!(v.state, VoucherState::Redeeming { .. }));
    assert_eq!(s.outbox().unwrap(), vec![item.clone()]);
    assert_eq!(s.usable_vouchers(t0()).unwrap().len(), 1);
    // The retailer's update does not undo a redemption the server has not answered.
    s.upsert_voucher(&voucher("a", t0(), 30)).unwrap();
    assert!(matches!(
        s.voucher("a").unwrap().unwrap().state,
        VoucherState::Redeeming { .. }
    ));

    let v = s
        .complete_redemption("a", RedemptionOutcome::Rejected, t0())
        .unwrap();
    assert_eq!(v.state, VoucherState::Available);
    assert!(s.outbox().unwrap().is_empty());
    assert_eq!(s.usable_vouchers(t0()).unwrap().len(), 2);

    s.begin_redemption("a", t0()).unwrap();
    let v = s
        .complete_redemption("a", RedemptionOutcome::Accepted, t0())
        .unwrap();
    assert_eq!(v.state, VoucherState::Redeemed { at: t0() });
    assert!(s.outbox().unwrap().is_empty());
    assert!(matches!(
        s.begin_redemption("a", t0()),
        Err(StoreError::Wallet(
            crate::wallet::WalletError::AlreadyRedeemed
        ))
    ));
    assert!(matches!(
        s.begin_redemption("nope", t0()),
        Err(StoreError::Wallet(crate::wallet::WalletError::NotFound))
    ));
    assert!(matches!(
        s.begin_redemption("b", t0() + Duration::days(6)),
        Err(StoreError::Wallet(crate::wallet::WalletError::Expired))
    ));
    s.revoke_voucher("b", t0()).unwrap();
    assert_eq!(
        s.usable_vouchers(t0()).unwrap().len(),
        0,
        "revoked and redeemed vouchers leave the usable index"
    );
}

#[test]
fn vouchers_are_listed_at_either_end_of_time() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    s.upsert_voucher(&voucher("a", t0(), 30)).unwrap();
    // Before: "just after now" overflowed at chrono's last instant (a panic through the FFI).
    let end = DateTime::<Utc>::MAX_UTC;
    assert!(s.usable_vouchers(end).unwrap().is_empty());
    for days in [0, 1, u32::MAX] {
        assert!(s.vouchers_expiring_within(end, days).unwrap().is_empty());
        let from_start = s
            .vouchers_expiring_within(DateTime::<Utc>::MIN_UTC, days)
            .unwrap();
        assert_eq!(from_start.len(), usize::from(days == u32::MAX), "{days}");
    }
}

#[test]
fn receipts_by_period_gtin_and_category() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let r1 = receipt("r1", t0(), &[(DOG_FOOD, "Pet food")]);
    let r2 = receipt(
        "r2",
        t0() + Duration::days(30),
        &[(DOG_FOOD, "Pet food"), (SALT, "Garden")],
    );
    let r3 = receipt("r3", t0() + Duration::days(60), &[(SALT, "Garden")]);
    for r in [&r3, &r1, &r2] {
        assert!(s.add_receipt(r).unwrap());
    }
    assert!(
        !s.add_receipt(&r1).unwrap(),
        "the same receipt twice is harmless"
    );
    let mut changed = r1.clone();
    changed.store_name = "Other".into();
    assert!(matches!(
        s.add_receipt(&changed),
        Err(StoreError::Receipt(
            crate::receipts::ReceiptError::Duplicate
        ))
    ));
    let ids = |rs: Vec<Receipt>| rs.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(s.receipts().unwrap()), ["r1", "r2", "r3"]);
    assert_eq!(
        ids(s.receipts_between(t0(), t0() + Duration::days(30)).unwrap()),
        ["r1"]
    );
    assert_eq!(ids(s.receipts_with_gtin(DOG_FOOD).unwrap()), ["r1", "r2"]);
    assert_eq!(ids(s.receipts_with_gtin(SALT).unwrap()), ["r2", "r3"]);
    assert_eq!(ids(s.receipts_in_category("garden").unwrap()), ["r2", "r3"]);
    assert_eq!(s.receipt_count().unwrap(), 3);
}

#[test]
fn migrates_a_version_1_database() {
    let dir = tempfile::tempdir().unwrap();
    let entries: Vec<LedgerEntry> = (1..=3)
        .map(|seq| LedgerEntry {
            seq,
            kind: EntryKind::Earn,
            points: 10 * seq as i64,
            status: if seq == 3 {
                EntryStatus::Pending
            } else {
                EntryStatus::Confirmed
            },
            at: t0(),
            reference: None,
            description: None,
            reverses: None,
            reversed_by: None,
        })
        .collect();
    let mut redeemed = voucher("used", t0(), 30);
    redeemed.state = VoucherState::Redeemed { at: t0() };
    schema::write_v1_database(
        dir.path(),
        &entries,
        &[voucher("ok", t0(), 30), redeemed],
        &[receipt("r1", t0(), &[(DOG_FOOD, "Pet food")])],
    )
    .unwrap();

    let s = Store::open(dir.path()).unwrap();
    let version = s
        .with(|o| schema::read_version(o.tree(Tree::Meta)))
        .unwrap();
    assert_eq!(version, schema::CURRENT_VERSION);
    assert_eq!(
        s.verify_balance().unwrap(),
        Balance {
            confirmed: 30,
            pending_credit: 30,
            pending_debit: 0,
            entries: 3
        }
    );
    let usable: Vec<String> = s
        .usable_vouchers(t0())
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(usable, ["ok"]);
    assert_eq!(s.receipts_with_gtin(DOG_FOOD).unwrap().len(), 1);
    // The next entry continues the v1 sequence.
    let e = s.append_entries(&[NewEntry::earn(1, false)], t0()).unwrap();
    assert_eq!(e[0].seq, 4);
    s.close().unwrap();
    // Reopening a migrated database runs no step again.
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.ledger_entries().unwrap().len(), 4);
}

#[test]
fn a_newer_schema_is_refused_not_downgraded() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        s.with(|o| {
            o.tree(Tree::Meta)
                .insert(schema::KEY_VERSION, &99u32.to_be_bytes())?;
            Ok(())
        })
        .unwrap();
        s.close().unwrap();
    }
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::TooNew { found: 99, .. })
    ));
}

#[test]
fn a_corrupt_database_is_reported_never_replaced_by_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        s.append_entries(&[NewEntry::earn(100, false)], t0())
            .unwrap();
        s.close().unwrap();
    }
    // Damage every byte of sled's log. sled 0.34 itself then starts an empty database.
    let db_file = dir.path().join(DB_DIR_NAME).join("db");
    let mut bytes = std::fs::read(&db_file).unwrap();
    for b in bytes.iter_mut() {
        *b ^= 0x5a;
    }
    std::fs::write(&db_file, &bytes).unwrap();
    for _ in 0..2 {
        let err = Store::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    }
    // The app moves the damaged database aside (kept for support) and starts again.
    let kept = Store::quarantine(dir.path()).unwrap();
    assert!(kept.join("db").exists());
    let fresh = Store::open(dir.path()).unwrap();
    assert_eq!(fresh.balance().unwrap(), Balance::default());
}

#[test]
fn losing_confirmed_writes_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let copy = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        s.append_entries(&[NewEntry::earn(100, false)], t0())
            .unwrap();
        s.close().unwrap();
    }
    // Keep the database as it was, write more, then put the old database back (a rollback).
    let copy_db = copy.path().join(DB_DIR_NAME);
    std::fs::create_dir_all(&copy_db).unwrap();
    for f in ["conf", "db"] {
        std::fs::copy(dir.path().join(DB_DIR_NAME).join(f), copy_db.join(f)).unwrap();
    }
    {
        let s = Store::open(dir.path()).unwrap();
        s.append_entries(&[NewEntry::earn(5, false)], t0()).unwrap();
        s.close().unwrap();
    }
    std::fs::remove_dir_all(dir.path().join(DB_DIR_NAME)).unwrap();
    std::fs::rename(&copy_db, dir.path().join(DB_DIR_NAME)).unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}

#[test]
fn a_garbage_conf_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(DB_DIR_NAME);
    std::fs::create_dir_all(&db).unwrap();
    std::fs::write(
        db.join("conf"),
        b"\x00\x01garbage that is not a sled config",
    )
    .unwrap();
    std::fs::write(db.join("db"), b"SQLite format 3\x00 and then some pages").unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}

#[test]
fn a_foreign_database_or_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path().join(DB_DIR_NAME)).unwrap();
        db.open_tree("someone_elses")
            .unwrap()
            .insert("k", "v")
            .unwrap();
        db.flush().unwrap();
    }
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::Foreign(_))
    ));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(DB_DIR_NAME), b"a file, not a database").unwrap();
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::Foreign(_))
    ));
}

#[test]
fn creation_cut_off_before_the_marker_starts_fresh() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path().join(DB_DIR_NAME)).unwrap();
        db.open_tree("meta").unwrap();
        db.open_tree("ledger").unwrap();
        db.flush().unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.balance().unwrap(), Balance::default());
}

#[test]
fn closed_store_answers_closed() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    s.close().unwrap();
    s.close().unwrap();
    assert!(s.is_closed());
    assert!(matches!(s.balance(), Err(StoreError::Closed)));
    assert!(matches!(
        s.append_entries(&[NewEntry::earn(1, false)], t0()),
        Err(StoreError::Closed)
    ));
    assert!(matches!(s.outbox(), Err(StoreError::Closed)));
    // The database is released: it opens again.
    let again = Store::open(dir.path()).unwrap();
    assert_eq!(again.balance().unwrap().entries, 0);
}

/// A database another open holds is "in use", never "corrupt" (sled 0.34 words its lock failure
/// as an ordinary I/O error; the store once reported it as damage, which invites a quarantine of
/// a healthy database). And a lock let go a moment later is waited for.
#[test]
fn a_locked_database_is_in_use_not_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(dir.path()).unwrap();
    first
        .append_entries(&[NewEntry::earn(10, false)], t0())
        .unwrap();
    match Store::open(dir.path()) {
        Err(StoreError::Io(reason)) => assert!(reason.contains("in use"), "{reason}"),
        Err(other) => panic!("a held lock reported as {other:?}"),
        Ok(_) => panic!("two stores opened one database"),
    }
    // Let go while a second open is waiting: it gets the database.
    let waiting = std::thread::spawn({
        let path = dir.path().to_path_buf();
        move || Store::open(&path).map(|s| s.balance().unwrap().confirmed)
    });
    std::thread::sleep(std::time::Duration::from_millis(100));
    first.close().unwrap();
    drop(first);
    assert_eq!(waiting.join().unwrap().unwrap(), 10);
}

/// A damaged database costs nothing only the device knew: after the quarantine the new database
/// starts with the device's sign-in and its offline redemption, under the same idempotency key
/// (so the server answers it once), and nothing else (the server gives the rest back).
#[test]
fn a_quarantined_database_gives_back_the_outbox_and_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let account = SyncAccount {
        base_url: "https://loyalty.example".into(),
        member_id: "m_1".into(),
    };
    let item = {
        let s = Store::open(dir.path()).unwrap();
        s.set_sync_account(&account).unwrap();
        s.upsert_voucher(&voucher("v1", t0(), 30)).unwrap();
        s.append_entries(&[NewEntry::earn(100, false)], t0())
            .unwrap();
        let (_, item) = s.begin_redemption("v1", t0()).unwrap();
        s.close().unwrap();
        item
    };
    let db_file = dir.path().join(DB_DIR_NAME).join("db");
    let mut bytes = std::fs::read(&db_file).unwrap();
    for b in bytes.iter_mut() {
        *b ^= 0x5a;
    }
    std::fs::write(&db_file, &bytes).unwrap();
    assert!(matches!(
        Store::open(dir.path()).unwrap_err(),
        StoreError::Corrupt(_)
    ));
    Store::quarantine(dir.path()).unwrap();
    let fresh = Store::open(dir.path()).unwrap();
    assert_eq!(fresh.sync_account().unwrap(), Some(account));
    assert_eq!(fresh.outbox().unwrap(), vec![item.clone()]);
    // The server's data is not invented: it comes back with the next sync.
    assert_eq!(fresh.balance().unwrap(), Balance::default());
    assert!(fresh.vouchers().unwrap().is_empty());
    // A new offline action does not reuse the restored item's sequence number.
    fresh.upsert_voucher(&voucher("v2", t0(), 30)).unwrap();
    let (_, next) = fresh.begin_redemption("v2", t0()).unwrap();
    assert!(next.seq > item.seq);
    fresh.close().unwrap();
    // A later normal open leaves the database as it is.
    let again = Store::open(dir.path()).unwrap();
    assert_eq!(again.outbox().unwrap().len(), 2);
}

/// The copy of the device's own records grows by one line per change (not a rewrite of the whole
/// outbox per change), folds into a rewritten copy when the log outgrows it, and always reads
/// back as the database holds them.
#[test]
fn the_keep_copy_grows_by_a_line_per_change_and_reads_back_as_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let read = || super::keep::Keep::read(dir.path()).unwrap().unwrap();
    let of = |s: &Store| s.with(super::keep::Keep::of).unwrap();
    let log_len = || {
        std::fs::metadata(dir.path().join(KEEP_LOG_NAME))
            .unwrap()
            .len()
    };
    s.set_sync_account(&SyncAccount {
        base_url: "https://loyalty.example".into(),
        member_id: "m_1".into(),
    })
    .unwrap();
    for i in 0..400 {
        s.upsert_voucher(&voucher(&format!("v{i}"), t0(), 30))
            .unwrap();
    }
    let base = std::fs::metadata(dir.path().join(KEEP_FILE_NAME)).unwrap();
    let mut folds = 0;
    let mut before = log_len();
    for i in 0..400 {
        s.begin_redemption(&format!("v{i}"), t0()).unwrap();
        let after = log_len();
        if after < before {
            folds += 1;
        } else {
            assert!(after - before < 2_000, "one line for one redemption");
        }
        before = after;
    }
    assert_eq!(read(), of(&s));
    assert!(folds >= 1, "the log folded into the copy as it outgrew it");
    assert!(
        std::fs::metadata(dir.path().join(KEEP_FILE_NAME))
            .unwrap()
            .len()
            > base.len(),
        "the folded copy holds the outbox"
    );
    for i in (0..400).step_by(2) {
        s.complete_redemption(&format!("v{i}"), RedemptionOutcome::Accepted, t0())
            .unwrap();
    }
    assert_eq!(read(), of(&s));
    assert_eq!(read().outbox_len(), 200);
    // A commit that changes none of the device's records writes nothing.
    let unchanged = log_len();
    s.upsert_voucher(&voucher("w", t0(), 30)).unwrap();
    assert_eq!(log_len(), unchanged);
    s.close().unwrap();
    // Reopening folds the log into the copy.
    let again = Store::open(dir.path()).unwrap();
    assert_eq!(log_len(), 0);
    assert_eq!(read(), of(&again));
}

/// A kill in the middle of an append leaves a last line without its newline: ignored. A kill
/// between rewriting the copy and emptying the log leaves lines the copy already has: replaying
/// them changes nothing. A damaged complete line is reported, never skipped.
#[test]
fn a_torn_last_line_is_ignored_and_a_replayed_log_changes_nothing() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join(KEEP_LOG_NAME);
    let s = Store::open(dir.path()).unwrap();
    for i in 0..6 {
        s.upsert_voucher(&voucher(&format!("v{i}"), t0(), 30))
            .unwrap();
        s.begin_redemption(&format!("v{i}"), t0()).unwrap();
    }
    s.complete_redemption("v2", RedemptionOutcome::Rejected, t0())
        .unwrap();
    let expected = s.with(super::keep::Keep::of).unwrap();
    s.close().unwrap();
    let lines = std::fs::read(&log).unwrap();
    assert_eq!(lines.iter().filter(|b| **b == b'\n').count(), 7);
    let append = |bytes: &[u8]| {
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(bytes).unwrap();
    };
    append(br#"{"outbox":{"00000000000000"#);
    let read = super::keep::Keep::read(dir.path()).unwrap().unwrap();
    assert_eq!(read, expected);
    // Folded at open; the old lines come back as if the kill struck before the log was emptied.
    drop(Store::open(dir.path()).unwrap());
    assert_eq!(std::fs::read(&log).unwrap(), b"");
    std::fs::write(&log, &lines).unwrap();
    assert_eq!(
        super::keep::Keep::read(dir.path()).unwrap().unwrap(),
        expected
    );
    // And the store opens on it with the same outbox.
    let again = Store::open(dir.path()).unwrap();
    assert_eq!(again.outbox().unwrap().len(), 5);
    again.close().unwrap();
    std::fs::write(&log, b"{\"outbox\":42}\n").unwrap();
    assert!(matches!(
        super::keep::Keep::read(dir.path()),
        Err(StoreError::Corrupt(_))
    ));
}

fn company() -> crate::invoice::InvoiceParty {
    crate::invoice::InvoiceParty {
        name: "Proximus NV".into(),
        street: "Koning Albert II-laan 27".into(),
        city: "Brussel".into(),
        postal_code: "1030".into(),
        country: "BE".into(),
        vat_id: "BE0202239951".into(),
    }
}

#[test]
fn an_invoice_request_is_queued_once_settled_by_its_answer_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let (pending, item) = s.begin_invoice("r-1", &company(), "nl", t0()).unwrap();
    assert_eq!(pending.status, InvoiceStatus::Pending);
    assert_eq!(s.outbox().unwrap(), vec![item.clone()]);
    assert_eq!(s.company().unwrap(), Some(company()));
    // Pending: a second request is a conflict and queues nothing.
    assert!(matches!(
        s.begin_invoice("r-1", &company(), "fr", t0()),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.outbox().unwrap().len(), 1);
    // Refused: settled once, the item gone; it may then be asked again.
    let refused = InvoiceVerdict::Refused(InvoiceRefusal::InvalidCompany);
    let r = s.resolve_invoice(item.seq, &refused).unwrap().unwrap();
    assert_eq!(
        (r.status, r.refusal),
        (InvoiceStatus::Refused, Some(InvoiceRefusal::InvalidCompany))
    );
    assert_eq!(s.resolve_invoice(item.seq, &refused).unwrap(), None);
    assert!(s.outbox().unwrap().is_empty());
    let (_, item) = s.begin_invoice("r-1", &company(), "fr", t0()).unwrap();
    let issued = InvoiceVerdict::Issued(Box::new(IssuedInvoice {
        number: "2026-000001".into(),
        issue_date: t0().date_naive(),
        buyer: company(),
        lang: "fr".into(),
        ubl: "<Invoice/>".into(),
        html: "<html lang=\"fr\"></html>".into(),
    }));
    let done = s.resolve_invoice(item.seq, &issued).unwrap().unwrap();
    assert_eq!(done.status, InvoiceStatus::Issued);
    assert_eq!(done.refusal, None);
    assert!(matches!(
        s.begin_invoice("r-1", &company(), "fr", t0()),
        Err(StoreError::Conflict(_))
    ));
    s.close().unwrap();
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.invoice("r-1").unwrap(), Some(done.clone()));
    assert_eq!(s.invoices().unwrap(), vec![done]);
    s.set_company(None).unwrap();
    assert_eq!(s.company().unwrap(), None);
}

/// Copies the database a version-2 store wrote (`tests/data/store-v2`, made by the store of
/// commit 07004e4: 173 entries with pending, settled, rejected, reversed) into
/// `to`.
fn copy_v2_fixture(to: &Path) -> Vec<LedgerEntry> {
    copy_fixture("store-v2", to);
    let expected = std::fs::read(to.join("expected-ledger.json")).unwrap();
    serde_json::from_slice(&expected).unwrap()
}

/// Copies `tests/data/<name>` (a database an older store wrote, with what it held) into `to`.
fn copy_fixture(name: &str, to: &Path) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &to.join(e.file_name()));
            } else {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
        to,
    );
}

/// Copies the database a version-3 store wrote (`tests/data/store-v3`, made by the store of
/// commit 14c83a8: 300 server ledger entries applied from three feed pages, ids out of order,
/// one index key per id) into `to`; returns the ledger and the server ids it held.
fn copy_v3_fixture(to: &Path) -> (Vec<LedgerEntry>, Vec<(String, u64)>) {
    copy_fixture("store-v3", to);
    let read = |f: &str| std::fs::read(to.join(f)).unwrap();
    (
        serde_json::from_slice(&read("expected-ledger.json")).unwrap(),
        serde_json::from_slice(&read("expected-server-ids.json")).unwrap(),
    )
}

fn server_entry(n: usize) -> ServerLedgerEntry {
    ServerLedgerEntry {
        id: format!("le_{n:04}"),
        kind: EntryKind::Earn,
        points: 5,
        at: t0(),
        reference: None,
        description: None,
        claim_key: None,
    }
}

/// How many ids each page of the server ledger index holds, read from the database.
fn index_page_sizes(dir: &Path) -> Vec<usize> {
    let db = sled::open(dir.join(DB_DIR_NAME)).unwrap();
    let pages = db.open_tree(Tree::ServerLedger.name()).unwrap();
    pages
        .iter()
        .map(|kv| {
            let (_, v) = kv.unwrap();
            server_index::decode(&v).unwrap().len()
        })
        .collect()
}

#[test]
fn a_version_3_database_migrates_its_server_ledger_index_to_pages() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, ids) = copy_v3_fixture(dir.path());
    assert_eq!(ids.len(), 300);
    {
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.server_ledger_ids().unwrap(), ids);
        assert_eq!(s.ledger_entries().unwrap(), ledger);
        s.verify_balance().unwrap();
        // Entries the old index knows are re-deliveries; new ones are added after them.
        let page: Vec<ServerLedgerEntry> = [17, 299, 0, 300, 301].map(server_entry).to_vec();
        let applied = s
            .apply_ledger_page(&page, "c3", PageCommit::Durable)
            .unwrap();
        assert_eq!((applied.unchanged, applied.added), (3, 2));
        s.close().unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    let now = s.server_ledger_ids().unwrap();
    assert_eq!(now.len(), 302);
    assert_eq!(now[..300], ids[..]);
    assert_eq!(
        now[300..],
        [("le_0300".to_string(), 301), ("le_0301".to_string(), 302)]
    );
    s.close().unwrap();
    {
        let db = sled::open(dir.path().join(DB_DIR_NAME)).unwrap();
        assert_eq!(
            schema::read_version(&db.open_tree("meta").unwrap()).unwrap(),
            schema::CURRENT_VERSION
        );
        assert!(
            !db.tree_names()
                .iter()
                .any(|n| n.as_ref() == b"server_ledger"),
            "the one-key-per-id index of version 3 is dropped"
        );
    }
    assert_eq!(index_page_sizes(dir.path()), [128, 128, 46]);
}

#[test]
fn a_server_index_migration_cut_off_midway_is_done_again() {
    let dir = tempfile::tempdir().unwrap();
    let (_, ids) = copy_v3_fixture(dir.path());
    {
        // What a crash during the step leaves: a page written, another torn, the version still 3.
        let db = sled::open(dir.path().join(DB_DIR_NAME)).unwrap();
        let pages = db.open_tree(Tree::ServerLedger.name()).unwrap();
        pages
            .insert(b"", server_index::encode(&[(b"le_0000".to_vec(), 1)]))
            .unwrap();
        pages.insert(b"le_0100", &b"\x01\x07le_"[..]).unwrap();
        db.flush().unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.server_ledger_ids().unwrap(), ids);
}

#[test]
fn the_server_index_splits_its_pages_and_knows_every_id_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    // 2,000 ids in an order that scatters each feed page over the whole id range.
    let order: Vec<usize> = (0..2000).map(|i| (i * 7919) % 2000).collect();
    {
        let s = Store::open(dir.path()).unwrap();
        for (p, chunk) in order.chunks(250).enumerate() {
            let page: Vec<ServerLedgerEntry> = chunk.iter().map(|&n| server_entry(n)).collect();
            let applied = s
                .apply_ledger_page(&page, &format!("c{p}"), PageCommit::Deferred)
                .unwrap();
            assert_eq!(applied.added, 250);
            assert_eq!(s.server_ledger_ids().unwrap().len(), 250 * (p + 1));
        }
        s.flush().unwrap();
        // Everything again, in other pages: all known, nothing added.
        for chunk in order.chunks(333).rev() {
            let page: Vec<ServerLedgerEntry> = chunk.iter().map(|&n| server_entry(n)).collect();
            let applied = s
                .apply_ledger_page(&page, "again", PageCommit::Durable)
                .unwrap();
            assert_eq!(
                (applied.added, applied.unchanged as usize),
                (0, chunk.len())
            );
        }
        s.close().unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    let ids = s.server_ledger_ids().unwrap();
    assert_eq!(ids.len(), 2000);
    for (k, &n) in order.iter().enumerate() {
        // Applied in `order`: the k-th id got sequence number k + 1.
        assert_eq!(ids[n], (format!("le_{n:04}"), k as u64 + 1));
    }
    assert_eq!(s.ledger_entries().unwrap().len(), 2000);
    s.close().unwrap();
    let sizes = index_page_sizes(dir.path());
    assert_eq!(sizes.iter().sum::<usize>(), 2000);
    assert!(
        sizes.iter().all(|&n| n <= server_index::PAGE_IDS),
        "{sizes:?}"
    );
    assert!(
        sizes.len() <= 2 * 2000 / server_index::PAGE_IDS + 1,
        "{sizes:?}"
    );
}

#[test]
fn a_version_2_database_migrates_its_ledger_to_pages() {
    let dir = tempfile::tempdir().unwrap();
    let expected = copy_v2_fixture(dir.path());
    assert_eq!(expected.len(), 173);
    {
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.ledger_entries().unwrap(), expected);
        let balance = s.verify_balance().unwrap();
        assert_eq!(balance.entries, 173);
        assert_eq!(s.ledger_entry(100).unwrap().as_ref(), expected.get(99));
        assert_eq!(s.recent_entries(3).unwrap()[0], expected[172]);
        let added = s
            .append_entries(&[NewEntry::earn(5, false)], t0() + Duration::days(400))
            .unwrap();
        assert_eq!(added[0].seq, 174);
        s.close().unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.ledger_entries().unwrap().len(), 174);
    s.verify_balance().unwrap();
    s.close().unwrap();
    let db = sled::open(dir.path().join(DB_DIR_NAME)).unwrap();
    let meta = db.open_tree("meta").unwrap();
    assert_eq!(
        schema::read_version(&meta).unwrap(),
        schema::CURRENT_VERSION
    );
    assert!(
        !db.tree_names().iter().any(|n| n.as_ref() == b"ledger"),
        "the JSON ledger of version 2 is dropped"
    );
    assert_eq!(db.open_tree("ledger_pages").unwrap().len(), 6);
}

#[test]
fn a_migration_cut_off_midway_is_done_again() {
    let dir = tempfile::tempdir().unwrap();
    let expected = copy_v2_fixture(dir.path());
    {
        // What a crash during the step leaves: some pages written, the version still 2.
        let db = sled::open(dir.path().join(DB_DIR_NAME)).unwrap();
        let pages = db.open_tree("ledger_pages").unwrap();
        pages
            .insert(
                0u64.to_be_bytes(),
                ledger_pages::encode_page(&expected[..10]),
            )
            .unwrap();
        pages
            .insert(9u64.to_be_bytes(), &b"\x01garbage"[..])
            .unwrap();
        db.flush().unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.ledger_entries().unwrap(), expected);
    s.verify_balance().unwrap();
}

#[test]
fn a_batch_spanning_pages_and_changes_to_old_entries_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let batch: Vec<NewEntry> = (0..150)
        .map(|i| NewEntry::earn(i + 1, i % 2 == 0).with_reference(format!("r{i}")))
        .collect();
    let written = s.append_entries(&batch, t0()).unwrap();
    assert_eq!(written.last().unwrap().seq, 150);
    s.settle_entry(63, EntryStatus::Confirmed).unwrap();
    s.settle_entry(65, EntryStatus::Rejected).unwrap();
    s.reverse_entry(2, t0() + Duration::days(1)).unwrap();
    // A failing batch (spending more than the balance) leaves no page changed.
    let before = s.ledger_entries().unwrap();
    let spend = [NewEntry::earn(1, false), NewEntry::redeem(1_000_000, false)];
    assert!(s.append_entries(&spend, t0()).is_err());
    assert_eq!(s.ledger_entries().unwrap(), before);
    s.close().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let all = s.ledger_entries().unwrap();
    assert_eq!(all.len(), 151);
    assert!(all.windows(2).all(|w| w[0].seq + 1 == w[1].seq));
    assert_eq!(all[62].status, EntryStatus::Confirmed);
    assert_eq!(all[64].status, EntryStatus::Rejected);
    assert_eq!(all[1].reversed_by, Some(151));
    assert_eq!(s.ledger_entry(151).unwrap().unwrap().reverses, Some(2));
    assert_eq!(s.recent_entries(70).unwrap().len(), 70);
    assert_eq!(s.recent_entries(70).unwrap()[69].seq, 82);
    s.verify_balance().unwrap();
}

#[test]
fn voucher_and_receipt_counts_follow_every_addition() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let count = |s: &Store, key: &[u8]| {
        s.with(|o| Ok(o.tree(Tree::Meta).get(key)?.map(|v| be_u64(&v))))
            .unwrap()
    };
    assert_eq!(count(&s, schema::KEY_RECEIPT_COUNT), None);
    let r = receipt("r1", t0(), &[(DOG_FOOD, "pets")]);
    assert!(s.add_receipt(&r).unwrap());
    assert!(!s.add_receipt(&r).unwrap(), "the same receipt again");
    s.add_receipt(&receipt("r2", t0(), &[(SALT, "garden")]))
        .unwrap();
    assert_eq!(s.receipt_count().unwrap(), 2);
    let v = voucher("v1", t0(), 30);
    s.upsert_voucher(&v).unwrap();
    s.upsert_voucher(&Voucher {
        title: "15% off".into(),
        ..v
    })
    .unwrap();
    s.upsert_voucher(&voucher("v2", t0(), 30)).unwrap();
    assert_eq!(count(&s, schema::KEY_VOUCHER_COUNT), Some(2));
    assert_eq!(
        count(&s, schema::KEY_RECEIPT_COUNT),
        Some(s.with(|o| Ok(o.tree(Tree::Receipts).len() as u64)).unwrap())
    );
}

#[test]
fn a_database_that_lost_receipts_it_had_written_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let older = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        s.add_receipt(&receipt("r1", t0(), &[(DOG_FOOD, "pets")]))
            .unwrap();
        s.close().unwrap();
    }
    // A copy of the database as it was with one receipt...
    let db = dir.path().join(DB_DIR_NAME);
    std::fs::create_dir_all(older.path().join("db")).unwrap();
    for e in std::fs::read_dir(&db).unwrap().flatten() {
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), older.path().join("db").join(e.file_name())).unwrap();
        }
    }
    {
        let s = Store::open(dir.path()).unwrap();
        s.add_receipt(&receipt("r2", t0(), &[(SALT, "garden")]))
            .unwrap();
        s.close().unwrap();
    }
    // ...put back after a second one was written (what a damaged log looks like to sled).
    for e in std::fs::read_dir(older.path().join("db"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), db.join(e.file_name())).unwrap();
    }
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::Corrupt(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// The commit journal (journal.rs): a durable commit is one journal record; sled writes later.

/// Copies the files sled keeps (not the journal) of the database in `from` into `to`.
fn copy_sled_files(from: &Path, to: &Path) {
    let (from, to) = (from.join(DB_DIR_NAME), to.join(DB_DIR_NAME));
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap().flatten() {
        let name = entry.file_name();
        if name != JOURNAL_FILE_NAME && entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

fn journal_file(dir: &Path) -> PathBuf {
    dir.join(DB_DIR_NAME).join(JOURNAL_FILE_NAME)
}

fn points_of(s: &Store) -> Vec<i64> {
    let mut p: Vec<i64> = s
        .recent_entries(100)
        .unwrap()
        .iter()
        .map(|e| e.points)
        .collect();
    p.reverse();
    p
}

/// A database as sled left it at a checkpoint, and the journal of three durable appends made
/// after it (sled's own writes of them missing: what a kill before sled's background write
/// leaves).
fn sled_behind_its_journal() -> (tempfile::TempDir, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let behind = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    s.append_entries(&[NewEntry::earn(100, false)], t0())
        .unwrap();
    s.flush().unwrap();
    copy_sled_files(dir.path(), behind.path());
    for p in [20, 30, 40] {
        s.append_entries(&[NewEntry::earn(p, false)], t0()).unwrap();
    }
    assert_eq!(s.with(|o| Ok(o.journal().pending())).unwrap(), 3);
    std::fs::copy(journal_file(dir.path()), journal_file(behind.path())).unwrap();
    s.close().unwrap();
    (dir, behind)
}

#[test]
fn durable_commits_sled_had_not_written_come_back_from_the_journal() {
    let (_dir, behind) = sled_behind_its_journal();
    let s = Store::open(behind.path()).unwrap();
    assert_eq!(points_of(&s), [100, 20, 30, 40]);
    assert_eq!(s.balance().unwrap().available(), 190);
    // Applied and checkpointed: the next commit goes on from there.
    assert_eq!(s.with(|o| Ok(o.journal().pending())).unwrap(), 0);
    s.append_entries(&[NewEntry::earn(1, false)], t0()).unwrap();
    assert_eq!(s.balance().unwrap().available(), 191);
}

#[test]
fn a_journal_applied_over_a_database_that_has_its_writes_changes_nothing() {
    let (dir, behind) = sled_behind_its_journal();
    // The database that has everything, with the journal of its last three appends.
    std::fs::copy(journal_file(behind.path()), journal_file(dir.path())).unwrap();
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(points_of(&s), [100, 20, 30, 40]);
    assert_eq!(s.balance().unwrap().available(), 190);
}

#[test]
fn a_journal_record_cut_short_ends_the_journal_there() {
    let (_dir, behind) = sled_behind_its_journal();
    // Damage the last record (a write a power cut interrupted): the first two still apply.
    let path = journal_file(behind.path());
    let mut bytes = std::fs::read(&path).unwrap();
    let mut at = 4096;
    let mut starts = Vec::new();
    while bytes[at..at + 4] != [0, 0, 0, 0] {
        starts.push(at);
        at += 16 + u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    }
    assert_eq!(starts.len(), 3);
    bytes[at - 1] ^= 0x55;
    std::fs::write(&path, &bytes).unwrap();
    let s = Store::open(behind.path()).unwrap();
    assert_eq!(points_of(&s), [100, 20, 30]);
}

#[test]
fn a_torn_journal_header_still_applies_the_records_and_the_file_is_made_anew() {
    let (_dir, behind) = sled_behind_its_journal();
    let path = journal_file(behind.path());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[6] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let s = Store::open(behind.path()).unwrap();
    assert_eq!(points_of(&s), [100, 20, 30, 40]);
    // The file was made anew at the open's checkpoint: commits are journaled again.
    assert_eq!(&std::fs::read(&path).unwrap()[0..4], b"LCJ1");
    s.append_entries(&[NewEntry::earn(1, false)], t0()).unwrap();
    s.append_entries(&[NewEntry::earn(2, false)], t0()).unwrap();
    assert_eq!(s.with(|o| Ok(o.journal().pending())).unwrap(), 2);
    s.close().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[0..4], b"LCJ1");
    let s = Store::open(behind.path()).unwrap();
    assert_eq!(points_of(&s), [100, 20, 30, 40, 1, 2]);
}

#[test]
fn records_of_an_older_generation_are_not_applied() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    for p in [1, 2, 3] {
        s.append_entries(&[NewEntry::earn(p, false)], t0()).unwrap();
    }
    let old = std::fs::read(journal_file(dir.path())).unwrap();
    s.flush().unwrap();
    // Were the older records applied again, the ledger page would go back to the one holding
    // 1, 2 and 3 only, and the 10 below would be gone.
    s.append_entries(&[NewEntry::earn(10, false)], t0())
        .unwrap();
    s.close().unwrap();
    // The older records, under the newer header: stale, never applied.
    let mut stale = std::fs::read(journal_file(dir.path())).unwrap();
    stale[4096..].copy_from_slice(&old[4096..]);
    std::fs::write(journal_file(dir.path()), &stale).unwrap();
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(points_of(&s), [1, 2, 3, 10]);
}

#[test]
fn a_full_journal_is_checkpointed_and_commits_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let (mut most, mut checkpoints, mut before) = (0, 0, 0);
    for i in 0..3000 {
        s.append_entries(&[NewEntry::earn(1 + i % 7, false)], t0())
            .unwrap();
        let pending = s.with(|o| Ok(o.journal().pending())).unwrap();
        // The commit that does not fit flushes the database, starts the file again and is its
        // first record.
        if pending < before {
            assert_eq!(pending, 1);
            checkpoints += 1;
        }
        before = pending;
        most = most.max(pending);
    }
    // Every record holds the ledger page it changed (up to 32 entries) and the balance: ~320
    // bytes, ~400 records to a file.
    assert!(checkpoints >= 3 && most > 300, "{checkpoints} {most}");
    let expected = s.balance().unwrap();
    s.close().unwrap();
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.balance().unwrap(), expected);
    assert_eq!(s.recent_entries(5000).unwrap().len(), 3000);
}

#[test]
fn a_durable_commit_after_an_unflushed_feed_page_flushes_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    s.append_entries(&[NewEntry::earn(5, false)], t0()).unwrap();
    let pending = |s: &Store| s.with(|o| Ok(o.journal().pending())).unwrap();
    assert_eq!(pending(&s), 1);
    // A page without a flush first checkpoints the journal (its record would otherwise be
    // applied over the page at the next open)...
    s.apply_voucher_page(&[], "c1", PageCommit::Deferred)
        .unwrap();
    assert_eq!(pending(&s), 0);
    // ...and until the next checkpoint durable commits flush sled instead of journaling.
    s.append_entries(&[NewEntry::earn(6, false)], t0()).unwrap();
    assert_eq!(pending(&s), 0);
    s.flush().unwrap();
    s.append_entries(&[NewEntry::earn(7, false)], t0()).unwrap();
    assert_eq!(pending(&s), 1);
}

#[test]
fn a_reader_never_sees_half_a_journaled_commit() {
    // A journaled commit applies its writes to the trees one by one after its record is
    // durable; a reader (one `with`) sees all of a commit or none of it: here the balance kept in
    // `meta` always equals the sum of the ledger's entries.
    let dir = tempfile::tempdir().unwrap();
    let s = std::sync::Arc::new(Store::open(dir.path()).unwrap());
    let writer = {
        let s = s.clone();
        std::thread::spawn(move || {
            for _ in 0..300 {
                s.append_entries(&[NewEntry::earn(1, false)], t0()).unwrap();
            }
        })
    };
    let mut reads = 0;
    while !writer.is_finished() || reads == 0 {
        let (kept, summed) = s
            .with(|o| {
                let kept: Balance =
                    get(o.tree(Tree::Meta), schema::KEY_BALANCE)?.unwrap_or_default();
                let mut summed = 0;
                for kv in o.tree(Tree::Ledger).iter() {
                    let (_, page) = kv?;
                    summed += ledger_pages::decode_page(&page)?
                        .iter()
                        .map(|e| e.points)
                        .sum::<i64>();
                }
                Ok((kept.available(), summed))
            })
            .unwrap();
        assert_eq!(kept, summed, "a reader saw half a commit");
        reads += 1;
    }
    writer.join().unwrap();
    assert_eq!(s.balance().unwrap().available(), 300);
}

#[test]
fn a_large_commit_empties_the_journal_and_goes_through_sled() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let pending = |s: &Store| s.with(|o| Ok(o.journal().pending())).unwrap();
    for p in [1, 2, 3] {
        s.append_entries(&[NewEntry::earn(p, false)], t0()).unwrap();
    }
    assert_eq!(pending(&s), 3);
    // 3000 entries (~45 KB of pages) are more than a journal record takes: the journal is
    // checkpointed first (its records applied again over this commit would undo it), then the
    // commit is one sled transaction and a flush.
    let batch: Vec<NewEntry> = (0..3000).map(|_| NewEntry::earn(10, false)).collect();
    s.append_entries(&batch, t0()).unwrap();
    assert_eq!(pending(&s), 0);
    s.append_entries(&[NewEntry::earn(4, false)], t0()).unwrap();
    assert_eq!(pending(&s), 1);
    s.close().unwrap();
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(s.balance().unwrap().available(), 30_010);
    assert_eq!(s.recent_entries(5000).unwrap().len(), 3004);
}
