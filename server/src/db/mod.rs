//! The persistent store: one SQLite database in the data directory.
//!
//! - WAL journal, `synchronous = FULL` (a write is on disk before it is answered), foreign keys on,
//!   `PRAGMA application_id` marks the file as ours and `PRAGMA user_version` is the schema
//!   version, with one migration step per version.
//! - One connection behind a mutex (see `lib.rs`): every request's check-and-write is one
//!   `BEGIN IMMEDIATE` transaction, so "a voucher is redeemed once", "a receipt is credited once"
//!   and "an idempotency key is used once" hold under any concurrency. The UNIQUE and CHECK
//!   constraints state the same rules again in the schema.
//! - Change sequence: every member has a counter (`members.change_seq`); every insert or update
//!   of one of their ledger entries, vouchers or receipts takes the next value into the record's
//!   `seq`. Delta feeds list records with `seq` above the cursor, in `seq` order, so a changed
//!   record shows up again with its new state. Writes are serialised, so a reader never sees a
//!   higher `seq` committed before a lower one.
//! - Change marks: every number taken also gets a random mark (`change_marks`), and a cursor
//!   carries the mark of its number as its check. A database restored from a backup gives the
//!   numbers after the backup to new changes with new marks, so a device's cursor from before
//!   the restore fails its check even when the sequence has come back up to it (see
//!   [`Store::feed_page`]).
//!
//! One file per table family: `schema` (marks, tables, migrations), `members` (enrolment,
//! household codes, profile, card scans), `sessions`, `ledger`, `vouchers`, `receipts`, `offers`,
//! `memberships`, `surveys`, `content`, and `idempotency` (the write path every idempotent request takes). This file
//! opens the database and holds what they share: the change sequence and the feed page.

pub mod account;
pub mod claims;
pub mod content;
pub mod idempotency;
pub mod invoices;
pub mod ledger;
pub mod members;
pub mod memberships;
pub mod offers;
pub mod receipts;
pub mod schema;
pub mod sessions;
pub mod surveys;
pub mod vouchers;

use crate::credentials;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use chrono::{DateTime, SecondsFormat, Utc};
use loyalty_domain::card::SigningKey;
use loyalty_domain::card::{parse_signing_key_hex, signing_key_hex};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use schema::SCHEMA_VERSION;
use std::path::Path;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "loyalty-server.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("the database file is not a Loyalty Core server database")]
    NotOurs,
    #[error("the database has schema version {0}, newer than this server understands ({SCHEMA_VERSION}); use a newer server")]
    TooNew(i64),
    #[error("the database could not be opened: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database could not switch to write-ahead logging (WAL)")]
    NoWal,
    #[error("the database file's permissions could not be set: {0}")]
    Permissions(String),
    #[error("the database holds an unreadable signing key: {0}")]
    BadKey(String),
}

fn decode_err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> ApiError + '_ {
    move |e| ApiError::Internal(format!("stored {what} could not be read: {e}"))
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating or migrating) the database in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, OpenError> {
        let path = data_dir.join(DB_FILE);
        let conn = Connection::open(&path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(OpenError::NoWal);
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        let mut store = Store { conn };
        store.migrate()?;
        // Card secrets and the signing key live here: owner only (SQLite gives the -wal and -shm
        // files the database file's permissions).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| OpenError::Permissions(e.to_string()))?;
        }
        Ok(store)
    }

    // ---- server identity -------------------------------------------------------------------

    fn meta(&self, key: &str) -> rusqlite::Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
    }

    fn set_meta(&self, key: &str, value: &str) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The retailer's voucher signing key, generated and stored on first start.
    pub fn signing_key(&self) -> Result<SigningKey, OpenError> {
        if let Some(hex) = self.meta("voucher_signing_key")? {
            return parse_signing_key_hex(&hex).map_err(|e| OpenError::BadKey(e.reason));
        }
        let key = loyalty_domain::card::new_signing_key();
        self.set_meta("voucher_signing_key", &signing_key_hex(&key))?;
        Ok(key)
    }

    /// The till/admin token: the stored one, or a new random one stored for the next start.
    /// With whether it was generated now.
    pub fn stored_till_token(&self) -> Result<(String, bool), OpenError> {
        if let Some(token) = self.meta("till_token")? {
            return Ok((token, false));
        }
        let token = credentials::new_token();
        self.set_meta("till_token", &token)?;
        Ok((token, true))
    }

    /// The member's latest change sequence number: no cursor this server issues goes past it.
    /// A cursor beyond it (kept by a device while the server was restored from a backup) is
    /// answered with an empty page whose `next_cursor` is this head, so the device sees its
    /// feed went back and starts it over instead of silently missing what comes next.
    fn head(&self, member_id: &str) -> ApiResult<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT change_seq FROM members WHERE id = ?1",
                [member_id],
                |r| r.get(0),
            )
            .optional()?)
    }
}

/// Takes the member's next change sequence number, and gives it a new random mark.
fn next_seq(tx: &Transaction<'_>, member_id: &str) -> ApiResult<i64> {
    let seq = tx
        .query_row(
            "UPDATE members SET change_seq = change_seq + 1 WHERE id = ?1 RETURNING change_seq",
            [member_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| ApiError::NotFound("no such member".into()))?;
    tx.execute(
        "INSERT OR REPLACE INTO change_marks (member_id, seq, mark) VALUES (?1, ?2, ?3)",
        params![member_id, seq, new_change_mark()],
    )?;
    Ok(seq)
}

/// A change's mark: 48 random bits as 12 lower-case hex digits (the cursor's check).
fn new_change_mark() -> String {
    credentials::hex_lower(&rand::random::<[u8; CURSOR_CHECK_LEN / 2]>())
}

impl Store {
    /// The mark of the member's change number `seq` (`None` for 0, the start, and for a number
    /// this database never gave out).
    fn change_mark(&self, member_id: &str, seq: i64) -> ApiResult<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT mark FROM change_marks WHERE member_id = ?1 AND seq = ?2")?
            .query_row(params![member_id, seq], |r| r.get(0))
            .optional()?)
    }

    /// One page of a member's delta feed: `sql` selects the member's (?1) records with `seq`
    /// above ?2, in `seq` order, at most ?3 of them; `item` reads one record and its `seq`.
    ///
    /// A cursor whose check is not the mark of its change here stands on a history this
    /// database does not have (it was restored from a backup after the cursor was issued, and
    /// its number was given again or not yet): it is refused as `400`, as any cursor this server
    /// did not issue, and the device starts the feed over. An unchecked cursor (`c1.<n>`, from
    /// before checks) past the member's head is answered from the head (see [`Store::head`]).
    fn feed_page<T>(
        &self,
        sql: &str,
        member_id: &str,
        after: &Cursor,
        limit: i64,
        item: impl FnMut(&Row<'_>) -> rusqlite::Result<(ApiResult<T>, i64)>,
    ) -> ApiResult<Page<T>> {
        if let Some(check) = &after.check {
            if self.change_mark(member_id, after.seq)?.as_ref() != Some(check) {
                return Err(ApiError::invalid(
                    "the cursor stands on changes this server no longer has; start the feed over",
                ));
            }
        }
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map(params![member_id, after.seq, limit + 1], item)?
            .collect::<Result<Vec<_>, _>>()?;
        let after = self
            .head(member_id)?
            .map_or(after.seq, |h| after.seq.min(h));
        let (items, last, has_more) = page(rows, after, limit)?;
        let check = self.change_mark(member_id, last)?;
        Ok(Page {
            items,
            next_cursor: encode_cursor(last, check.as_deref()),
            has_more,
        })
    }
}

/// The page's items, the `seq` of its last one (`after` when it is empty) and whether more
/// follow.
fn page<T>(
    rows: Vec<(ApiResult<T>, i64)>,
    after: i64,
    limit: i64,
) -> ApiResult<(Vec<T>, i64, bool)> {
    let limit = usize::try_from(limit).unwrap_or(0);
    let has_more = rows.len() > limit;
    let mut items = Vec::with_capacity(limit.min(rows.len()));
    let mut last = after;
    for (item, seq) in rows.into_iter().take(limit) {
        items.push(item?);
        last = seq;
    }
    Ok((items, last, has_more))
}

fn time_col(r: &Row<'_>, i: usize) -> ApiResult<DateTime<Utc>> {
    let s: String = r.get(i)?;
    parse_time(&s).ok_or_else(|| ApiError::Internal("stored time could not be read".into()))
}

/// RFC 3339 in UTC with `Z`, sub-seconds only when present (the form chrono's serde writes).
fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Parses a time this server wrote with [`fmt_time`].
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        let t = parse_time("2026-03-01T10:00:00+01:00").unwrap();
        assert_eq!(fmt_time(t), "2026-03-01T09:00:00Z");
        let ms = parse_time("2026-03-01T09:00:00.250Z").unwrap();
        assert_eq!(fmt_time(ms), "2026-03-01T09:00:00.250Z");
        assert_eq!(parse_time("yesterday"), None);
    }
}
