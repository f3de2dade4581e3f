//! The durable store: one struct owns the sled database.
//!
//! - Named trees ([`Tree`]), typed serde records (JSON, so a record stays readable and a new field
//!   with a default needs no migration), except the ledger: the largest and most written table is
//!   kept in pages of 32 entries in a compact versioned binary format (`ledger_pages.rs`).
//! - A `meta` tree with a format marker and the schema version; one migration step per version
//!   ([`schema`]).
//! - Every multi-key change is one atomic commit, durable before a write returns success: a
//!   small one's writes appended to the commit journal with one `fdatasync`, then applied to the
//!   trees while readers wait (`journal.rs`; sled writes them later and a checkpoint empties the
//!   journal); a large one, or one the journal cannot take, is a sled transaction and a flush.
//!   The pages of the server's feeds are flushed together once the sync pulled them instead
//!   ([`PageCommit`]: whole pages with their cursors, fetched again if lost).
//! - A corrupt or foreign database is reported at open as [`StoreError::Corrupt`] /
//!   [`StoreError::Foreign`]; nothing is overwritten.
//! - After [`Store::close`] every call returns [`StoreError::Closed`].

use crate::log::{log_at, LogLevel};
use loyalty_domain::LoyaltyError;
mod cards;
mod claims;
mod invoices;
pub use invoices::{
    CompanyChange, InvoiceRefusal, InvoiceStatus, InvoiceVerdict, IssuedInvoice, StoredInvoice,
};
mod journal;
mod keep;
mod offers;
mod topics;
pub(crate) use journal::TxTree;
pub use journal::JOURNAL_FILE_NAME;
pub use keep::{KEEP_FILE_NAME, KEEP_LOG_NAME};
pub use topics::Topic;
mod ledger;
mod ledger_pages;
mod server_index;

/// The fuzzing hook: only in builds with `--cfg fuzzing` (cargo-fuzz), never in the library.
#[cfg(fuzzing)]
pub mod fuzzing {
    /// Reads `data` as a stored ledger page, as the store does: refused with an error or read as
    /// entries, never a panic; entries it reads are written back and read again as the same.
    pub fn ledger_page(data: &[u8]) {
        if let Ok(entries) = super::ledger_pages::decode_page(data) {
            let again =
                super::ledger_pages::decode_page(&super::ledger_pages::encode_page(&entries));
            assert_eq!(
                again.ok().as_ref(),
                Some(&entries),
                "a page read back differently"
            );
        }
    }
}
mod list;
mod membership;
mod receipts;
mod reminders;
mod surveys;
pub use reminders::{ContentFeed, ReminderKey, StoredFeed};
pub use surveys::{AnswerStatus, StoredSurveyAnswer, SurveyVerdict};
mod account;
mod feeds;
mod outbox;
pub mod schema;
pub use account::{PendingEnrolment, PushPlatform, PushRegistration, SyncAccount};
pub use claims::ReceiptClaimVerdict;
pub use feeds::{
    Feed, PageApplied, PageCommit, ServerLedgerEntry, ServerVoucher, ServerVoucherState,
};
pub use offers::{OfferActivationVerdict, OfferItem, OfferListChange};
pub use outbox::{ClaimVerdict, RedemptionAnswered};
mod vouchers;

use crate::check::InputError;
use crate::points::PointsError;
use crate::receipts::ReceiptError;
use crate::wallet::WalletError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock};

/// sled's page cache, in bytes. sled's default is 1 GiB, which a phone's memory budget cannot
/// give one app's database; 16 MiB holds the hot trees (meta, the usable-voucher index, the
/// newest ledger pages) of a large account, and the rest is read from the file when asked for.
/// `cargo bench -p loyalty-core --bench store_vs_sqlite -- --growth` reports the peak RSS.
pub const CACHE_CAPACITY_BYTES: u64 = 16 * 1024 * 1024;

/// File name of the database directory inside the app's data directory.
pub const DB_DIR_NAME: &str = "loyalty-core.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store is closed")]
    Closed,
    #[error("{0}")]
    Corrupt(String),
    /// The state forbids the change (a fixed sentence, no personal data).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Foreign(String),
    #[error("schema version {found} is newer than supported {supported}")]
    TooNew { found: u32, supported: u32 },
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Decode(String),
    #[error("{0}")]
    Encode(String),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Points(#[from] PointsError),
    #[error(transparent)]
    Wallet(#[from] WalletError),
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    #[error(transparent)]
    List(#[from] crate::list::ListError),
    #[error(transparent)]
    Offer(crate::offers::OfferRefusal),
}

/// Mapped once into the public error.
impl From<StoreError> for LoyaltyError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Closed => LoyaltyError::Closed {
                reason: "the loyalty client was closed".into(),
            },
            StoreError::Corrupt(reason) => LoyaltyError::DatabaseCorrupt { reason },
            StoreError::Conflict(reason) => LoyaltyError::Conflict { reason },
            StoreError::Foreign(reason) => LoyaltyError::DatabaseCorrupt { reason },
            StoreError::TooNew { found, supported } => LoyaltyError::DatabaseCorrupt {
                reason: format!(
                    "database schema version {found} is newer than this app supports ({supported}); update the app"
                ),
            },
            StoreError::Io(reason) => LoyaltyError::Storage { reason },
            StoreError::Decode(reason) => LoyaltyError::DatabaseCorrupt { reason },
            StoreError::Encode(reason) => LoyaltyError::Internal { reason },
            StoreError::Input(e) => e.into(),
            StoreError::Points(e) => e.into(),
            StoreError::Wallet(e) => e.into(),
            StoreError::Receipt(e) => e.into(),
            StoreError::List(e) => e.into(),
            StoreError::Offer(r) => r.into(),
        }
    }
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Io(io) => StoreError::Io(format!("database I/O failed: {}", io.kind())),
            sled::Error::Corruption { .. } => {
                StoreError::Corrupt("the database file is corrupt".into())
            }
            sled::Error::Unsupported(_) => {
                StoreError::Corrupt("the database uses an unsupported format".into())
            }
            sled::Error::CollectionNotFound(_) => {
                StoreError::Corrupt("a database table is missing".into())
            }
            sled::Error::ReportableBug(_) => {
                StoreError::Corrupt("the database engine hit an internal error".into())
            }
        }
    }
}

impl From<TransactionError<StoreError>> for StoreError {
    fn from(e: TransactionError<StoreError>) -> Self {
        match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => e.into(),
        }
    }
}

/// Result type inside a sled transaction closure.
pub(crate) type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

/// Abort a transaction with an error of ours.
pub(crate) fn abort<T>(e: impl Into<StoreError>) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(e.into()))
}

/// The named trees. Their names are part of the on-disk format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tree {
    /// Format marker, schema version, counters, the materialised balance.
    Meta,
    /// Ledger entries in pages of 32 by sequence number (schema 3; see ledger_pages.rs).
    Ledger,
    /// Vouchers by id.
    Vouchers,
    /// Index (since v2): `valid_until ++ id` for every voucher stored as available.
    VoucherUsable,
    /// Offline work waiting for the server, by sequence number.
    Outbox,
    /// Receipts by id.
    Receipts,
    /// Index (since v2): `purchased_at ++ id`.
    ReceiptsByTime,
    /// Index (since v2): `gtin ++ 0 ++ purchased_at ++ id`.
    ReceiptsByGtin,
    /// Imported third-party cards by id (a new, empty tree needs no migration).
    Cards,
    /// Reminder rules, catalogue, settings, context, feedback, delivered history, pushes.
    Reminders,
    /// Sync: the server's ledger entry id → the local sequence number it was applied as, so a
    /// re-delivered entry is applied once; in pages of ids (schema 4, `server_index.rs`).
    ServerLedger,
    /// The shopping list: its items and the next item id (a new, empty tree needs no
    /// migration).
    List,
    /// Receipts claimed by scanning their claim code, by receipt id: pending until the server
    /// answered, then claimed or refused (a new, empty tree needs no migration).
    ReceiptClaims,
    /// The member's offers as the server last listed them, by offer id, with an activation made
    /// here shown at once (a new, empty tree needs no migration).
    Offers,
    /// Company invoices by receipt id: pending until the server answered, then issued (number,
    /// date, UBL, HTML kept offline) or refused (a new, empty tree needs no migration).
    Invoices,
    /// Answers to surveys and votes by survey id: pending until the server answered, then
    /// counted or refused (a new, empty tree needs no migration).
    SurveyAnswers,
}

impl Tree {
    pub const ALL: [Tree; 16] = [
        Tree::Meta,
        Tree::Ledger,
        Tree::Vouchers,
        Tree::VoucherUsable,
        Tree::Outbox,
        Tree::Receipts,
        Tree::ReceiptsByTime,
        Tree::ReceiptsByGtin,
        Tree::Cards,
        Tree::Reminders,
        Tree::ServerLedger,
        Tree::List,
        Tree::ReceiptClaims,
        Tree::Offers,
        Tree::Invoices,
        Tree::SurveyAnswers,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tree::Meta => "meta",
            Tree::Ledger => "ledger_pages",
            Tree::Vouchers => "vouchers",
            Tree::VoucherUsable => "voucher_usable",
            Tree::Outbox => "outbox",
            Tree::Receipts => "receipts",
            Tree::ReceiptsByTime => "receipts_by_time",
            Tree::ReceiptsByGtin => "receipts_by_gtin",
            Tree::Cards => "cards",
            Tree::Reminders => "reminders",
            Tree::ServerLedger => "server_ledger_pages",
            Tree::List => "shopping_list",
            Tree::ReceiptClaims => "receipt_claims",
            Tree::Offers => "offers",
            Tree::Invoices => "invoices",
            Tree::SurveyAnswers => "survey_answers",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

pub(crate) struct Open {
    db: sled::Db,
    trees: Vec<sled::Tree>,
    /// sled's log file, for a real fsync (see [`Open::flush`]).
    log: std::fs::File,
    /// Durable commits in one disk trip (journal.rs); commits take it in order.
    journal: Mutex<journal::Journal>,
    /// Readers ([`Store::with`]) hold it shared; a journaled commit applies its writes holding
    /// it exclusively, so no reader sees half a commit.
    visible: RwLock<()>,
}

impl Open {
    pub(crate) fn journal(&self) -> MutexGuard<'_, journal::Journal> {
        self.journal.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes every write so far durable: sled flushed, then the journal's records dropped (a
    /// checkpoint, see journal.rs).
    pub(crate) fn flush(&self) -> Result<(), StoreError> {
        let mut journal = self.journal();
        self.flush_sled()?;
        journal.checkpointed()
    }

    /// sled's own flush uses `sync_file_range` on Linux (and so Android), which neither flushes
    /// the drive's write cache nor the file's size; a `fdatasync` of the log file after it does
    /// both. Elsewhere sled already calls `fsync`.
    fn flush_sled(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        if cfg!(target_os = "linux") {
            self.log
                .sync_data()
                .map_err(|e| StoreError::Io(format!("cannot sync the database: {}", e.kind())))?;
        }
        Ok(())
    }

    pub(crate) fn tree(&self, t: Tree) -> &sled::Tree {
        &self.trees[t.index()]
    }

    /// A counter in `meta` (sequence numbers, the voucher and receipt counts); 0 when unset.
    pub(crate) fn meta_u64(&self, key: &[u8]) -> Result<u64, StoreError> {
        Ok(self
            .tree(Tree::Meta)
            .get(key)?
            .map(|v| be_u64(&v))
            .unwrap_or(0))
    }
}

/// The one owner of the sled database.
pub struct Store {
    path: PathBuf,
    sidecar: PathBuf,
    state: RwLock<Option<Open>>,
    /// Single writer: every read-check-write sequence holds it, so transactions never race.
    writer: Mutex<()>,
    /// Bumped after each commit, for listeners.
    changes: topics::Changes,
    /// Keeps the copy of the device's own records current (see keep.rs).
    keeper: Mutex<keep::Keeper>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) the database in `data_dir`, migrating it to the current schema.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let started = std::time::Instant::now();
        let opened = Self::open_inner(data_dir, CACHE_CAPACITY_BYTES);
        match &opened {
            Ok(_) => log_at!(
                LogLevel::Info,
                "store",
                "opened in {} ms",
                started.elapsed().as_millis()
            ),
            Err(e) => log_at!(LogLevel::Error, "store", "cannot open: {e}"),
        }
        opened
    }

    /// [`Store::open`] with another sled cache size: for the benchmark's anchor (sled's default
    /// of 1 GiB) measured in the same run. Apps use [`Store::open`].
    #[doc(hidden)]
    pub fn open_with_cache_capacity(data_dir: &Path, bytes: u64) -> Result<Store, StoreError> {
        Self::open_inner(data_dir, bytes)
    }

    fn open_inner(data_dir: &Path, cache_bytes: u64) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Io(format!("cannot create the data directory: {}", e.kind()))
        })?;
        let path = data_dir.join(DB_DIR_NAME);
        if path.exists() && !path.is_dir() {
            return Err(StoreError::Foreign(
                "the data directory holds a file that is not a Loyalty Core database".into(),
            ));
        }
        let sidecar = data_dir.join(WATERMARK_FILE_NAME);
        let known = Watermark::read(&sidecar)?;
        let db = open_sled(&path, cache_bytes)?;
        let log = std::fs::File::open(path.join("db"))
            .map_err(|e| StoreError::Io(format!("cannot open the database log: {}", e.kind())))?;
        let open = schema::prepare(db, log, &path, known.is_some())?;
        let keep = keep::Keep::read(data_dir)?;
        if known.is_none() {
            // A new database where a damaged one was quarantined: give it back what only the
            // device knew (its sign-in and its offline actions); the server gives the rest.
            if let Some(k) = keep.as_ref().filter(|k| !k.is_empty()) {
                if keep::Keep::of(&open)?.is_empty() {
                    k.restore_into(&open)?;
                    log_at!(
                        LogLevel::Warn,
                        "store",
                        "new database: restored the device's sign-in and {} offline action(s)",
                        k.outbox_len()
                    );
                }
            }
        }
        let keeper = keep::Keeper::start(&open, data_dir, keep.as_ref())?;
        let now = Watermark::of(&open)?;
        if let Some(known) = &known {
            if !now.covers(known) {
                return Err(StoreError::Corrupt(
                    "the database lost records it had confirmed as written".into(),
                ));
            }
        }
        if known.as_ref() != Some(&now) {
            now.write(&sidecar)?;
        }
        Ok(Store {
            sidecar,
            path,
            state: RwLock::new(Some(open)),
            writer: Mutex::new(()),
            changes: topics::Changes::new(),
            keeper: Mutex::new(keeper),
        })
    }

    /// How many commits the journal of the (closed) database in `data_dir` holds for the next
    /// open to apply again: for the crash test's report.
    #[doc(hidden)]
    pub fn journal_records(data_dir: &Path) -> usize {
        journal::pending_records(&data_dir.join(DB_DIR_NAME))
    }

    /// Moves a damaged database (and its watermark) aside, into a sibling directory named
    /// `loyalty-core.db.damaged-<unix seconds>`, so a fresh one can be opened and refilled from
    /// the server while the damaged one stays available for support. Returns where it went.
    pub fn quarantine(data_dir: &Path) -> Result<PathBuf, StoreError> {
        let io = |e: std::io::Error| {
            StoreError::Io(format!(
                "cannot move the damaged database aside: {}",
                e.kind()
            ))
        };
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut target = data_dir.join(format!("{DB_DIR_NAME}.damaged-{stamp}"));
        let mut n = 1;
        while target.exists() {
            target = data_dir.join(format!("{DB_DIR_NAME}.damaged-{stamp}-{n}"));
            n += 1;
        }
        let db = data_dir.join(DB_DIR_NAME);
        if db.exists() {
            std::fs::rename(&db, &target).map_err(io)?;
        } else {
            std::fs::create_dir_all(&target).map_err(io)?;
        }
        let mark = data_dir.join(WATERMARK_FILE_NAME);
        if mark.exists() {
            std::fs::rename(&mark, target.join(WATERMARK_FILE_NAME)).map_err(io)?;
        }
        Ok(target)
    }

    /// Deletes the database of `data_dir` and the files beside it (watermark, keep copy and log). For
    /// the erasure of a deleted account; the store must not be open (see [`Store::erase`]).
    pub fn remove_files(data_dir: &Path) -> Result<(), StoreError> {
        let io =
            |e: std::io::Error| StoreError::Io(format!("cannot delete the database: {}", e.kind()));
        let db = data_dir.join(DB_DIR_NAME);
        if db.exists() {
            std::fs::remove_dir_all(&db).map_err(io)?;
        }
        for name in [WATERMARK_FILE_NAME, KEEP_FILE_NAME, KEEP_LOG_NAME] {
            match std::fs::remove_file(data_dir.join(name)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
                _ => {}
            }
        }
        if let Ok(dir) = std::fs::File::open(data_dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Erases everything: closes the database, deletes it and the files beside it, and opens a
    /// new, empty one in its place (the client goes on as a fresh install would).
    pub fn erase(&self) -> Result<(), StoreError> {
        let _w = self.writer();
        let data_dir = self.data_dir().to_path_buf();
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = state.take() {
            drop(open);
        }
        Self::remove_files(&data_dir)?;
        let Store {
            state: fresh_state,
            keeper: fresh_keeper,
            ..
        } = Self::open_inner(&data_dir, CACHE_CAPACITY_BYTES)?;
        *state = fresh_state.into_inner().unwrap_or_else(|e| e.into_inner());
        // The keeper of the erased database would append to a deleted log: the new one's.
        *self.keeper.lock().unwrap_or_else(|e| e.into_inner()) =
            fresh_keeper.into_inner().unwrap_or_else(|e| e.into_inner());
        drop(state);
        self.changes
            .committed(&[Tree::Ledger, Tree::Vouchers, Tree::Receipts, Tree::List]);
        log_at!(LogLevel::Info, "store", "erased");
        Ok(())
    }

    /// The data directory (the database's, the watermark's and the keep file's parent).
    pub fn data_dir(&self) -> &Path {
        self.sidecar.parent().unwrap_or(Path::new("."))
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes and closes. Later calls return [`StoreError::Closed`]. Closing twice is harmless.
    pub fn close(&self) -> Result<(), StoreError> {
        let _w = self.writer();
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = state.take() {
            // Listeners wake, find the store closed and end.
            self.changes
                .committed(&[Tree::Ledger, Tree::Vouchers, Tree::Receipts, Tree::List]);
            open.flush()?;
            Watermark::of(&open)?.write(&self.sidecar)?;
        }
        Ok(())
    }

    pub fn is_closed(&self) -> bool {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
    }

    /// Writes everything to disk now (e.g. when the app goes to the background).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.with_open(|o| o.flush())
    }

    pub(crate) fn writer(&self) -> MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the open database as a reader: never inside a commit's writes. `f` must not
    /// write (writes go through [`Store::transact_then`]).
    pub(crate) fn with<R>(
        &self,
        f: impl FnOnce(&Open) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.with_open(|open| {
            let _whole_commits = open.visible.read().unwrap_or_else(|e| e.into_inner());
            f(open)
        })
    }

    /// Runs `f` on the open database, for a writer (see [`Open::visible`]).
    fn with_open<R>(
        &self,
        f: impl FnOnce(&Open) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        match state.as_ref() {
            Some(open) => f(open),
            None => Err(StoreError::Closed),
        }
    }

    /// Runs `f` as one sled transaction over `trees` (in that order), durable before returning
    /// (see [`transact_erased`]). The caller holds [`Store::writer`] when it read state outside the transaction.
    pub(crate) fn transact<R>(
        &self,
        trees: &[Tree],
        f: impl Fn(&[TxTree]) -> TxResult<R>,
    ) -> Result<R, StoreError> {
        self.transact_then(trees, true, f)
    }

    /// [`Store::transact`], durable before returning only when `flush`. Without it the commit
    /// is still atomic (sled recovers a transaction whole or not at all, in commit order), but a
    /// crash before sled's next flush (a durable commit, which flushes sled instead of
    /// journaling until then, [`Store::flush`], sled's own every 500 ms) may take it back: only for work that is done again when lost and that no one
    /// was told is done — a page of a server feed applied with its cursor. A transaction over the
    /// outbox or `[Tree::Meta]` alone is flushed all the same: their copy in the keep file must
    /// not run ahead of the database.
    pub(crate) fn transact_then<R>(
        &self,
        trees: &[Tree],
        flush: bool,
        f: impl Fn(&[TxTree]) -> TxResult<R>,
    ) -> Result<R, StoreError> {
        let kept = trees.contains(&Tree::Outbox) || trees == [Tree::Meta];
        let out = self.with_open(|o| {
            let out = transact_open(o, trees, flush || kept, f)?;
            // The outbox, or the device's meta records (sign-in, registrations), may have
            // changed: keep their copy current (see keep.rs).
            if kept {
                self.keeper
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .record(o)?;
            }
            Ok(out)
        })?;
        self.changes.committed(trees);
        Ok(out)
    }

    /// A receiver that sees a new value after each commit that wrote to `topic`'s trees;
    /// `Closed` once the store is closed.
    pub fn subscribe(&self, topic: Topic) -> Result<tokio::sync::watch::Receiver<u64>, StoreError> {
        self.with(|_| Ok(self.changes.subscribe(topic)))
    }
}

pub(crate) fn transact_open<R>(
    o: &Open,
    trees: &[Tree],
    flush: bool,
    f: impl Fn(&[TxTree]) -> TxResult<R>,
) -> Result<R, StoreError> {
    // sled runs `f` again after a conflict: the last run's answer is the committed one.
    let answer: RefCell<Option<R>> = RefCell::new(None);
    transact_erased(o, trees, flush, &|view| {
        let out = f(view)?;
        *answer.borrow_mut() = Some(out);
        Ok(())
    })?;
    answer
        .into_inner()
        .ok_or_else(|| StoreError::Io("a committed transaction gave no answer".into()))
}

/// The one instantiation of sled's transaction (its retry loop and commit are generic over the
/// closure and its answer: one copy per call site was ~2 KB each, 56 of them, in the mobile
/// library; issue #14), and the journal's direct commits.
///
/// A durable commit the journal can take runs `f` over the trees themselves with its writes held
/// aside ([`TxTree::direct`]), appends them to the journal with one `fdatasync`, then applies
/// them to the trees while readers wait ([`Open::visible`]): no sled transaction, whose commit
/// writes sled's log buffer out every time (two trips to the disk per commit again). Otherwise
/// a sled transaction, made durable by flushing sled when asked; one without a flush first
/// checkpoints a journal that holds records (journal.rs says why both keep a replay right).
fn transact_erased(
    o: &Open,
    trees: &[Tree],
    flush: bool,
    f: &dyn Fn(&[TxTree]) -> TxResult<()>,
) -> Result<(), StoreError> {
    let mut journal = o.journal();
    if !flush && journal.pending() > 0 {
        o.flush_sled()?;
        journal.checkpointed()?;
    }
    if flush && journal.takes_commits() {
        let writes = RefCell::new(Vec::new());
        let view: Vec<TxTree> = trees
            .iter()
            .map(|t| TxTree::direct(o.tree(*t), *t, &writes))
            .collect();
        match f(&view) {
            Ok(()) => {}
            Err(ConflictableTransactionError::Abort(e)) => return Err(e),
            Err(ConflictableTransactionError::Storage(e)) => return Err(e.into()),
            Err(_) => return Err(StoreError::Io("a write conflicted with another".into())),
        }
        drop(view);
        let writes = writes.into_inner();
        if writes.is_empty() {
            return Ok(());
        }
        let mut durable = journal.takes(&writes) && journal.append(&writes);
        if !durable && journal.takes(&writes) {
            // Full (or the file refused it): start it again and try once more.
            o.flush_sled()?;
            journal.checkpointed()?;
            durable = journal.append(&writes);
        }
        if durable {
            let _readers_wait = o.visible.write().unwrap_or_else(|e| e.into_inner());
            return journal::apply_writes(o, &writes);
        }
        // A large commit: one sled transaction, flushed. The journal is emptied first: its
        // records, applied again at an open over this commit, would undo what it changed.
        if journal.pending() > 0 {
            o.flush_sled()?;
            journal.checkpointed()?;
        }
        sled_commit(o, trees, &|view| {
            for w in &writes {
                let i = trees.iter().position(|t| *t == w.tree()).unwrap_or(0);
                w.apply_to(&view[i])?;
            }
            Ok(())
        })?;
        o.flush_sled()?;
        return Ok(());
    }
    sled_commit(o, trees, f)?;
    if !flush {
        journal.note_unjournaled();
        return Ok(());
    }
    o.flush_sled()?;
    journal.checkpointed()
}

/// `f` as one sled transaction over `trees`.
fn sled_commit(
    o: &Open,
    trees: &[Tree],
    f: &dyn Fn(&[TxTree]) -> TxResult<()>,
) -> Result<(), StoreError> {
    use sled::Transactional;
    let handles: Vec<sled::Tree> = trees.iter().map(|t| o.tree(*t).clone()).collect();
    handles[..].transaction(|view: &Vec<TransactionalTree>| {
        let txs: Vec<TxTree> = view.iter().map(TxTree::Sled).collect();
        f(&txs)
    })?;
    Ok(())
}

/// File beside the database recording that it exists and how far its counters had come at the
/// last open or close. sled 0.34 silently starts empty (or from an older point) when its log is
/// damaged; comparing with this file turns that into a reported corruption instead of data loss.
pub const WATERMARK_FILE_NAME: &str = "loyalty-core.watermark.json";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Watermark {
    format: String,
    ledger_next: u64,
    outbox_next: u64,
    vouchers: u64,
    receipts: u64,
}

impl Watermark {
    fn of(o: &Open) -> Result<Self, StoreError> {
        Ok(Self {
            format: String::from_utf8_lossy(schema::FORMAT_MARKER).into_owned(),
            ledger_next: o.meta_u64(schema::KEY_LEDGER_NEXT)?,
            outbox_next: o.meta_u64(schema::KEY_OUTBOX_NEXT)?,
            vouchers: o.meta_u64(schema::KEY_VOUCHER_COUNT)?,
            receipts: o.meta_u64(schema::KEY_RECEIPT_COUNT)?,
        })
    }

    /// Every counter only grows: a database behind its watermark lost writes.
    fn covers(&self, older: &Self) -> bool {
        self.ledger_next >= older.ledger_next
            && self.outbox_next >= older.outbox_next
            && self.vouchers >= older.vouchers
            && self.receipts >= older.receipts
    }

    fn read(path: &Path) -> Result<Option<Self>, StoreError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|_| StoreError::Corrupt("the database watermark file is damaged".into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Io(format!(
                "cannot read the database watermark: {}",
                e.kind()
            ))),
        }
    }

    /// Written to a temporary file, synced and renamed over the old one.
    fn write(&self, path: &Path) -> Result<(), StoreError> {
        use std::io::Write;
        let io = |e: std::io::Error| {
            StoreError::Io(format!("cannot write the database watermark: {}", e.kind()))
        };
        let tmp = path.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&encode(self)?).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        if let Some(dir) = path.parent() {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

/// sled 0.34 writes a snapshot at every open as `snap.<lsn>.generating` and renames it when
/// complete, but when it looks for the newest snapshot it does not skip `.generating` files
/// (spacejam/sled#1527). A kill during that write leaves a partial file that makes every later
/// open fail as corrupt although no data is damaged. Such a file is never valid (the previous
/// snapshot stays until the rename), so it is removed before opening — only while holding the
/// database's file lock, so a snapshot another live process is writing is never touched.
fn remove_unfinished_snapshots(path: &Path) -> Result<(), StoreError> {
    let lock_file = match std::fs::OpenOptions::new()
        .write(true)
        .open(path.join("db"))
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(StoreError::Io(format!(
                "cannot open the database file: {}",
                e.kind()
            )))
        }
    };
    // A database this process closed a moment ago can still be locked while sled's background
    // I/O threads let go of it: give them up to a second before calling it in use.
    let mut attempts = 0;
    while lock_file.try_lock().is_err() {
        attempts += 1;
        if attempts > 50 {
            return Err(StoreError::Io(
                "the database is in use by another process".into(),
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(_) => return Ok(()),
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            log_at!(
                LogLevel::Warn,
                "store",
                "removing an unfinished snapshot left by an interrupted open"
            );
            std::fs::remove_file(entry.path()).map_err(|e| {
                StoreError::Io(format!(
                    "cannot remove an unfinished snapshot: {}",
                    e.kind()
                ))
            })?;
        }
    }
    // Dropping the file releases the lock; sled takes its own right after.
    drop(lock_file);
    Ok(())
}

/// sled 0.34 reports a database locked by someone else as `ErrorKind::Other` with this text
/// (config.rs, `try_lock`), not as `WouldBlock`.
fn is_sled_lock_error(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::WouldBlock
        || (e.kind() == std::io::ErrorKind::Other
            && e.to_string().starts_with("could not acquire lock on"))
}

fn open_sled(path: &Path, cache_bytes: u64) -> Result<sled::Db, StoreError> {
    remove_unfinished_snapshots(path)?;
    // The lock can be held for a moment after it was let go: by sled's background threads of a
    // database this process just closed, or by a child process forked by another thread that
    // has not reached exec yet (the descriptor is close-on-exec, but shared until then). Wait up
    // to a second, as `remove_unfinished_snapshots` does, before calling it in use. A lock
    // failure is never reported as damage: an app would quarantine a healthy database.
    let mut attempts = 0;
    let result = loop {
        let config = sled::Config::new().path(path).cache_capacity(cache_bytes);
        // sled 0.34 may panic on some damaged files instead of returning an error. Never let that
        // escape: report the database as corrupt.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || config.open()));
        match &result {
            Ok(Err(sled::Error::Io(e))) if is_sled_lock_error(e) && attempts < 50 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            _ => break result,
        }
    };
    match result {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(sled::Error::Io(e))) if is_sled_lock_error(&e) => Err(StoreError::Io(
            "the database is in use by another process".into(),
        )),
        Ok(Err(e)) => Err(match StoreError::from(e) {
            StoreError::Io(reason) => {
                StoreError::Corrupt(format!("the database cannot be read ({reason})"))
            }
            other => other,
        }),
        Err(_) => Err(StoreError::Corrupt("the database file is corrupt".into())),
    }
}

// ---------------------------------------------------------------------------------------------
// Typed records and keys

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value)
        .map_err(|e| StoreError::Encode(format!("cannot encode a record: {e}")))
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|_| StoreError::Decode("a stored record cannot be read".into()))
}

pub(crate) fn get<T: DeserializeOwned>(
    tree: &sled::Tree,
    key: &[u8],
) -> Result<Option<T>, StoreError> {
    tree.get(key)?.map(|v| decode(&v)).transpose()
}

pub(crate) fn values<T: DeserializeOwned>(
    iter: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
) -> Result<Vec<T>, StoreError> {
    iter.map(|kv| {
        let (_, v) = kv?;
        decode(&v)
    })
    .collect()
}

pub(crate) fn tx_get<T: DeserializeOwned>(t: &TxTree, key: &[u8]) -> TxResult<Option<T>> {
    match t.get(key)? {
        Some(v) => decode(&v).map(Some).or_else(abort),
        None => Ok(None),
    }
}

pub(crate) fn tx_put<T: Serialize>(t: &TxTree, key: &[u8], value: &T) -> TxResult<()> {
    let bytes = encode(value).or_else(abort)?;
    t.insert(key, &bytes)?;
    Ok(())
}

pub(crate) fn tx_get_u64(t: &TxTree, key: &[u8]) -> TxResult<u64> {
    Ok(t.get(key)?.map(|v| be_u64(&v)).unwrap_or(0))
}

/// Adds `n` to the count under `key` in `meta` (the voucher and receipt counts).
pub(crate) fn tx_count(meta: &TxTree, key: &[u8], n: u64) -> TxResult<()> {
    if n > 0 {
        let count = tx_get_u64(meta, key)?.saturating_add(n);
        meta.insert(key, &count.to_be_bytes())?;
    }
    Ok(())
}

pub(crate) fn be_u64(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[8 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    u64::from_be_bytes(b)
}

/// A timestamp as an order-preserving 8-byte key.
pub(crate) fn time_key(t: chrono::DateTime<chrono::Utc>) -> [u8; 8] {
    ((t.timestamp_millis() as u64) ^ (1 << 63)).to_be_bytes()
}

pub(crate) fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[cfg(test)]
mod tests;
