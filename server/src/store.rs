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

use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::util::{self, fmt_time};
use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use loyalty_core::card::{
    hex_encode, parse_signing_key_hex, sign_voucher, signing_key_hex, validate_card_number,
    Refusal, TillPolicy, TillVerifier, TotpAlgorithm, TotpParams, PAYLOAD_PREFIX,
};
use loyalty_core::card::{new_secret, VerifiedVoucher};
use loyalty_core::points::{EntryKind, EntryStatus, NewEntry};
use loyalty_core::receipts::{Receipt, ReceiptSource};
use loyalty_core::wallet::{Voucher, VoucherState};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};
use std::path::Path;

/// "LOYL": marks the database file as this server's.
const APPLICATION_ID: i64 = 0x4C4F_594C;
/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 3;
/// File name of the database inside the data directory.
pub const DB_FILE: &str = "loyalty-server.sqlite3";

const SCHEMA_V1: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE members (
    id                TEXT PRIMARY KEY,
    card_number       TEXT NOT NULL UNIQUE,
    household_hash    TEXT NOT NULL UNIQUE,
    display_name      TEXT,
    totp_secret       BLOB NOT NULL,
    totp_algorithm    TEXT NOT NULL CHECK (totp_algorithm IN ('SHA1', 'SHA256', 'SHA512')),
    consent_marketing INTEGER NOT NULL CHECK (consent_marketing IN (0, 1)),
    consent_service   INTEGER NOT NULL CHECK (consent_service IN (0, 1)),
    consent_safety    INTEGER NOT NULL CHECK (consent_safety IN (0, 1)),
    change_seq        INTEGER NOT NULL DEFAULT 0,
    last_scan_counter INTEGER,
    created_at        TEXT NOT NULL
) STRICT;

-- One row per signed-in device. The token is stored as its SHA-256.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    member_id     TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    push_platform TEXT CHECK (push_platform IN ('android', 'ios')),
    push_token    TEXT,
    UNIQUE (push_platform, push_token)
) STRICT;
CREATE INDEX sessions_by_member ON sessions(member_id);

CREATE TABLE receipts (
    id        TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members(id),
    seq       INTEGER NOT NULL,
    points    INTEGER NOT NULL CHECK (points >= 0),
    body      TEXT NOT NULL,
    UNIQUE (member_id, seq)
) STRICT;

CREATE TABLE ledger (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id       TEXT NOT NULL REFERENCES members(id),
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'adjust', 'expire', 'reverse')),
    points          INTEGER NOT NULL CHECK (points <> 0),
    at              TEXT NOT NULL,
    reference       TEXT,
    description     TEXT,
    claim_key       TEXT,
    credits_receipt TEXT UNIQUE REFERENCES receipts(id),
    UNIQUE (member_id, seq),
    UNIQUE (member_id, claim_key)
) STRICT;

CREATE TABLE vouchers (
    id          TEXT PRIMARY KEY,
    member_id   TEXT NOT NULL REFERENCES members(id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT,
    code        TEXT NOT NULL UNIQUE,
    valid_from  TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('available', 'redeemed', 'revoked')),
    redeemed_at TEXT,
    CHECK ((state = 'redeemed') = (redeemed_at IS NOT NULL)),
    UNIQUE (member_id, seq)
) STRICT;

-- The first answer to every write that carried an Idempotency-Key, per caller.
CREATE TABLE idempotency (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT;

CREATE TABLE content (
    kind         TEXT PRIMARY KEY,
    version      INTEGER NOT NULL CHECK (version >= 1),
    body         TEXT NOT NULL,
    published_at TEXT NOT NULL
) STRICT;
"#;

/// Version 2: enrolments with an Idempotency-Key. Not the `idempotency` table: its stored
/// answers would keep the bearer token and the household code in the clear. A row keeps the
/// SHA-256 of the key, the member the key created and the request's fingerprint; a retry within
/// [`ENROLMENT_KEY_TTL_HOURS`] gets that member again, with a new session and household code.
const SCHEMA_V2: &str = r#"
CREATE TABLE enrolment_keys (
    key_hash     TEXT PRIMARY KEY,
    member_id    TEXT NOT NULL REFERENCES members(id),
    request_hash TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
"#;

/// Sessions get a lifetime: the bearer token expires `SESSION_TOKEN_DAYS` after it was issued
/// (or last renewed); the refresh token renews it (`POST /v1/sessions/refresh`, both tokens
/// replaced) while the session was renewed within `SESSION_REFRESH_DAYS`. Sessions from before
/// (no expiry yet) get one at their first use.
const SCHEMA_V3: &str = r#"
ALTER TABLE sessions ADD COLUMN expires_at TEXT;
ALTER TABLE sessions ADD COLUMN refresh_hash TEXT;
ALTER TABLE sessions ADD COLUMN refresh_expires_at TEXT;
CREATE UNIQUE INDEX sessions_by_refresh ON sessions(refresh_hash);
"#;

/// Lifetime of a bearer token.
pub const SESSION_TOKEN_DAYS: i64 = 30;
/// A session not renewed for this long ends (its refresh token stops working): a device left
/// unused for two years signs in again with the household code.
pub const SESSION_REFRESH_DAYS: i64 = 730;

/// How long an enrolment's Idempotency-Key names its member; an older key counts as unknown.
pub const ENROLMENT_KEY_TTL_HOURS: i64 = 24;

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

/// A member as the server keeps them.
#[derive(Clone)]
pub struct MemberRow {
    pub id: String,
    pub card_number: String,
    pub display_name: Option<String>,
    pub secret: Vec<u8>,
    pub algorithm: TotpAlgorithm,
    pub consents: Consents,
    pub last_scan_counter: Option<i64>,
}

/// The parameters of every member's TOTP except the hash: 8 digits, 30 s (core's defaults, what
/// Google Wallet's rotatingBarcode uses).
pub fn totp_params(algorithm: TotpAlgorithm) -> TotpParams {
    TotpParams {
        algorithm,
        ..TotpParams::default()
    }
}

fn algorithm_from_str(s: &str) -> TotpAlgorithm {
    match s {
        "SHA256" => TotpAlgorithm::Sha256,
        "SHA512" => TotpAlgorithm::Sha512,
        _ => TotpAlgorithm::Sha1,
    }
}

/// Who may replay a write: one scope per member, one for the till, one for the admin.
pub struct Idempotency<'a> {
    pub scope: &'a str,
    pub key: &'a str,
    /// SHA-256 over method, path and canonical JSON body.
    pub request_hash: &'a str,
}

/// The Idempotency-Key of an enrolment. Only its SHA-256 is stored.
pub struct EnrolmentKey<'a> {
    pub key: &'a str,
    /// SHA-256 over method, path and canonical JSON body.
    pub request_hash: &'a str,
}

/// A write's answer: stored on first execution, returned as is on a replay.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub replayed: bool,
}

fn answer<T: serde::Serialize>(status: u16, value: &T) -> ApiResult<(u16, String)> {
    serde_json::to_string(value)
        .map(|body| (status, body))
        .map_err(|_| ApiError::Internal("response could not be encoded".into()))
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

    fn migrate(&mut self) -> Result<(), OpenError> {
        let app_id: i64 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tables: i64 = self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        if app_id == 0 && tables == 0 && version == 0 {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(SCHEMA_V1)?;
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;"
            ))?;
            tx.commit()?;
            return self.upgrade(1);
        }
        if app_id != APPLICATION_ID {
            return Err(OpenError::NotOurs);
        }
        if version > SCHEMA_VERSION {
            return Err(OpenError::TooNew(version));
        }
        self.upgrade(version)
    }

    /// Runs the migration steps after `version`, one per version, each in its own transaction
    /// that also sets user_version (a crash between two steps resumes at the next open).
    fn upgrade(&mut self, version: i64) -> Result<(), OpenError> {
        let steps: [(i64, &str); 2] = [(2, SCHEMA_V2), (3, SCHEMA_V3)];
        for (to, sql) in steps {
            if version >= to {
                continue;
            }
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            tx.execute_batch(&format!("PRAGMA user_version = {to};"))?;
            tx.commit()?;
        }
        Ok(())
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
        let key = loyalty_core::card::new_signing_key();
        self.set_meta("voucher_signing_key", &signing_key_hex(&key))?;
        Ok(key)
    }

    /// The till/admin token: the stored one, or a new random one stored for the next start.
    /// With whether it was generated now.
    pub fn stored_till_token(&self) -> Result<(String, bool), OpenError> {
        if let Some(token) = self.meta("till_token")? {
            return Ok((token, false));
        }
        let token = util::new_token();
        self.set_meta("till_token", &token)?;
        Ok((token, true))
    }

    // ---- the idempotent write ------------------------------------------------------------

    /// Runs `op` in one immediate transaction. With an idempotency record: a stored answer for
    /// the same key is returned as is (same request) or refused with 409 (different request);
    /// otherwise `op`'s successful answer is stored in the same transaction. Errors are not
    /// stored: nothing was written, and the key may be used again.
    pub fn write<F>(
        &mut self,
        idem: Option<&Idempotency<'_>>,
        now: DateTime<Utc>,
        op: F,
    ) -> ApiResult<Answer>
    where
        F: FnOnce(&Transaction<'_>) -> ApiResult<(u16, String)>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(idem) = idem {
            let stored: Option<(String, i64, String)> = tx
                .query_row(
                    "SELECT request_hash, status, body FROM idempotency WHERE scope = ?1 AND key = ?2",
                    params![idem.scope, idem.key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            if let Some((hash, status, body)) = stored {
                if hash != idem.request_hash {
                    return Err(ApiError::Conflict(
                        "this Idempotency-Key was already used for a different request".into(),
                    ));
                }
                return Ok(Answer {
                    status: u16::try_from(status).unwrap_or(500),
                    body,
                    replayed: true,
                });
            }
        }
        let (status, body) = op(&tx)?;
        if let Some(idem) = idem {
            tx.execute(
                "INSERT INTO idempotency (scope, key, request_hash, status, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    idem.scope,
                    idem.key,
                    idem.request_hash,
                    i64::from(status),
                    body,
                    fmt_time(now)
                ],
            )?;
        }
        tx.commit()?;
        Ok(Answer {
            status,
            body,
            replayed: false,
        })
    }

    // ---- members and sessions ------------------------------------------------------------

    /// Creates a member with a first session. With `key`: a key recorded for the same request
    /// within [`ENROLMENT_KEY_TTL_HOURS`] creates nothing and answers that member again, with a
    /// new session token and a new household code (the old code stops working); the same key
    /// with a different request is a conflict; an older key counts as unknown and is re-used
    /// for the new member. Returns the answer and whether it is such a repeat.
    pub fn enrol(
        &mut self,
        display_name: Option<String>,
        algorithm: TotpAlgorithm,
        key: Option<&EnrolmentKey<'_>>,
        now: DateTime<Utc>,
    ) -> ApiResult<(Enrolled, bool)> {
        let secret = new_secret(algorithm);
        let consents = Consents::default();
        let key_hash = key.map(|k| util::sha256_hex(k.key.as_bytes()));
        // Card numbers (10 random digits) and ids may collide; UNIQUE catches it, we draw again.
        for _ in 0..16 {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            if let (Some(key), Some(key_hash)) = (key, &key_hash) {
                if let Some(repeat) = enrolment_repeat(&tx, key, key_hash, now)? {
                    tx.commit()?;
                    return Ok((repeat, true));
                }
            }
            let member_id = util::new_id("m_");
            let card_number = util::new_card_number();
            let household_code = util::new_household_code();
            let household = util::normalize_household_code(&household_code)
                .ok_or_else(|| ApiError::Internal("household code generation".into()))?;
            let token = util::new_token();
            let inserted = tx.execute(
                "INSERT INTO members (id, card_number, household_hash, display_name, totp_secret,
                     totp_algorithm, consent_marketing, consent_service, consent_safety, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT DO NOTHING",
                params![
                    member_id,
                    card_number,
                    util::sha256_hex(household.as_bytes()),
                    display_name,
                    secret,
                    algorithm.as_str(),
                    consents.marketing,
                    consents.service,
                    consents.safety,
                    fmt_time(now)
                ],
            )?;
            if inserted == 0 {
                continue;
            }
            let (refresh_token, expires_at) = insert_session(&tx, &token, &member_id, now)?;
            if let (Some(key), Some(key_hash)) = (key, &key_hash) {
                // An expired row of the same key is replaced: the key now names this member.
                tx.execute(
                    "INSERT INTO enrolment_keys (key_hash, member_id, request_hash, created_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (key_hash) DO UPDATE SET member_id = excluded.member_id,
                         request_hash = excluded.request_hash, created_at = excluded.created_at",
                    params![key_hash, member_id, key.request_hash, fmt_time(now)],
                )?;
            }
            tx.commit()?;
            return Ok((
                Enrolled {
                    member_id,
                    card_number,
                    token,
                    household_code,
                    refresh_token,
                    expires_at,
                },
                false,
            ));
        }
        Err(ApiError::Internal(
            "no free card number after 16 draws".into(),
        ))
    }

    /// A new session (device) for the member of `household` (a normalised household code).
    pub fn sign_in(
        &mut self,
        household: &str,
        now: DateTime<Utc>,
    ) -> ApiResult<Option<SessionCreated>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let member: Option<(String, String)> = tx
            .query_row(
                "SELECT id, card_number FROM members WHERE household_hash = ?1",
                [util::sha256_hex(household.as_bytes())],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((member_id, card_number)) = member else {
            return Ok(None);
        };
        let token = util::new_token();
        let (refresh_token, expires_at) = insert_session(&tx, &token, &member_id, now)?;
        tx.commit()?;
        Ok(Some(SessionCreated {
            member_id,
            card_number,
            token,
            refresh_token,
            expires_at,
        }))
    }

    /// Renews the session of `refresh_token` (still valid at `now`): a new bearer token and a
    /// new refresh token, both old ones stop working. `None`: unknown, used already, or ended.
    pub fn refresh_session(
        &mut self,
        refresh_token: &str,
        now: DateTime<Utc>,
    ) -> ApiResult<Option<SessionCreated>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row: Option<(String, String, String, Option<String>)> = tx
            .query_row(
                "SELECT s.token_hash, s.member_id, m.card_number, s.refresh_expires_at
                 FROM sessions s JOIN members m ON m.id = s.member_id
                 WHERE s.refresh_hash = ?1",
                [util::sha256_hex(refresh_token.as_bytes())],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((old_hash, member_id, card_number, refresh_expires)) = row else {
            return Ok(None);
        };
        let alive = refresh_expires
            .as_deref()
            .and_then(util::parse_time)
            .is_some_and(|t| t > now);
        if !alive {
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [&old_hash])?;
            tx.commit()?;
            return Ok(None);
        }
        let token = util::new_token();
        let refresh = util::new_token();
        let expires_at = now + chrono::Duration::days(SESSION_TOKEN_DAYS);
        tx.execute(
            "UPDATE sessions SET token_hash = ?1, expires_at = ?2, refresh_hash = ?3,
                 refresh_expires_at = ?4
             WHERE token_hash = ?5",
            params![
                util::sha256_hex(token.as_bytes()),
                fmt_time(expires_at),
                util::sha256_hex(refresh.as_bytes()),
                fmt_time(now + chrono::Duration::days(SESSION_REFRESH_DAYS)),
                old_hash
            ],
        )?;
        tx.commit()?;
        Ok(Some(SessionCreated {
            member_id,
            card_number,
            token,
            refresh_token: refresh,
            expires_at,
        }))
    }

    /// Replaces the member's household code with a new one (the old one stops working) and
    /// returns it.
    pub fn new_household_code(&mut self, member_id: &str) -> ApiResult<String> {
        rotate_household_code(&self.conn, member_id)
    }

    /// The member a bearer token belongs to.
    /// An expired token is refused (its session renews with its refresh token); a session from
    /// before expiries existed gets one now.
    pub fn authenticate(&self, token: &str, now: DateTime<Utc>) -> ApiResult<Option<String>> {
        let hash = util::sha256_hex(token.as_bytes());
        let row: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT member_id, expires_at FROM sessions WHERE token_hash = ?1",
                [&hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((member_id, expires_at)) = row else {
            return Ok(None);
        };
        match expires_at {
            Some(t) => {
                let live = util::parse_time(&t).is_some_and(|t| t > now);
                Ok(live.then_some(member_id))
            }
            None => {
                self.conn.execute(
                    "UPDATE sessions SET expires_at = ?1, refresh_expires_at = ?2
                     WHERE token_hash = ?3",
                    params![
                        fmt_time(now + chrono::Duration::days(SESSION_TOKEN_DAYS)),
                        fmt_time(now + chrono::Duration::days(SESSION_REFRESH_DAYS)),
                        hash
                    ],
                )?;
                Ok(Some(member_id))
            }
        }
    }

    pub fn sign_out(&mut self, token: &str) -> ApiResult<()> {
        self.conn.execute(
            "DELETE FROM sessions WHERE token_hash = ?1",
            [util::sha256_hex(token.as_bytes())],
        )?;
        Ok(())
    }

    pub fn member(&self, member_id: &str) -> ApiResult<MemberRow> {
        member_where(&self.conn, "id", member_id)?
            .ok_or_else(|| ApiError::NotFound("no such member".into()))
    }

    pub fn me(&self, member_id: &str) -> ApiResult<Me> {
        let m = self.member(member_id)?;
        let push_tokens: i64 = self.conn.query_row(
            "SELECT count(*) FROM sessions WHERE member_id = ?1 AND push_token IS NOT NULL",
            [member_id],
            |r| r.get(0),
        )?;
        Ok(Me {
            member_id: m.id,
            card_number: m.card_number,
            display_name: m.display_name,
            consents: m.consents,
            push_tokens,
        })
    }

    pub fn set_consents(&mut self, member_id: &str, c: Consents) -> ApiResult<Consents> {
        self.conn.execute(
            "UPDATE members SET consent_marketing = ?2, consent_service = ?3, consent_safety = ?4
             WHERE id = ?1",
            params![member_id, c.marketing, c.service, c.safety],
        )?;
        Ok(c)
    }

    /// Registers this session's (device's) push token; a token registered by another session
    /// before (the phone changed hands, or signed in again) moves to this one.
    pub fn set_push_token(
        &mut self,
        session_token: &str,
        platform: Platform,
        push_token: &str,
    ) -> ApiResult<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let hash = util::sha256_hex(session_token.as_bytes());
        tx.execute(
            "UPDATE sessions SET push_platform = NULL, push_token = NULL
             WHERE push_platform = ?1 AND push_token = ?2 AND token_hash <> ?3",
            params![platform.as_str(), push_token, hash],
        )?;
        tx.execute(
            "UPDATE sessions SET push_platform = ?1, push_token = ?2 WHERE token_hash = ?3",
            params![platform.as_str(), push_token, hash],
        )?;
        tx.commit()?;
        Ok(())
    }

    // ---- delta feeds ---------------------------------------------------------------------

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

    pub fn ledger_page(
        &self,
        member_id: &str,
        after: i64,
        limit: i64,
    ) -> ApiResult<Page<LedgerItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, points, at, reference, description, claim_key, seq FROM ledger
             WHERE member_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![member_id, after, limit + 1], |r| {
                Ok((ledger_item(r), r.get::<_, i64>(7)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        page(
            rows,
            self.head(member_id)?.map_or(after, |h| after.min(h)),
            limit,
        )
    }

    pub fn vouchers_page(
        &self,
        member_id: &str,
        after: i64,
        limit: i64,
    ) -> ApiResult<Page<VoucherItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, title, description, code, valid_from, valid_until, state, redeemed_at, seq
             FROM vouchers WHERE member_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![member_id, after, limit + 1], |r| {
                Ok((voucher_item(r), r.get::<_, i64>(9)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        page(
            rows,
            self.head(member_id)?.map_or(after, |h| after.min(h)),
            limit,
        )
    }

    pub fn receipts_page(
        &self,
        member_id: &str,
        after: i64,
        limit: i64,
    ) -> ApiResult<Page<Receipt>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body, seq FROM receipts WHERE member_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![member_id, after, limit + 1], |r| {
                let body: String = r.get(0)?;
                Ok((
                    serde_json::from_str::<Receipt>(&body).map_err(decode_err("receipt")),
                    r.get::<_, i64>(1)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        page(
            rows,
            self.head(member_id)?.map_or(after, |h| after.min(h)),
            limit,
        )
    }

    // ---- content -------------------------------------------------------------------------

    pub fn content(&self, kind: &str) -> ApiResult<Content> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT version, body FROM content WHERE kind = ?1",
                [kind],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match row {
            Some((version, body)) => Content {
                kind: kind.into(),
                version,
                body: serde_json::from_str(&body).map_err(decode_err("content"))?,
            },
            None => Content {
                kind: kind.into(),
                version: 0,
                body: serde_json::Value::Null,
            },
        })
    }

    /// Publishes `body` as the next version of `kind`; the same body as the current version
    /// publishes nothing (PUT is idempotent).
    pub fn publish_content(
        &mut self,
        kind: &str,
        body: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> ApiResult<Content> {
        let text = serde_json::to_string(body)
            .map_err(|_| ApiError::Internal("content could not be encoded".into()))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: Option<(i64, String)> = tx
            .query_row(
                "SELECT version, body FROM content WHERE kind = ?1",
                [kind],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let version = match current {
            Some((v, old)) if old == text => v,
            Some((v, _)) => v + 1,
            None => 1,
        };
        tx.execute(
            "INSERT INTO content (kind, version, body, published_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kind) DO UPDATE SET version = excluded.version, body = excluded.body,
                 published_at = CASE WHEN content.version = excluded.version
                                     THEN content.published_at ELSE excluded.published_at END",
            params![kind, version, text, fmt_time(now)],
        )?;
        tx.commit()?;
        Ok(Content {
            kind: kind.into(),
            version,
            body: body.clone(),
        })
    }

    // ---- till ----------------------------------------------------------------------------

    /// Verifies a scanned rotating card code and consumes it (see [`verify_scan`]).
    pub fn till_scan(&mut self, payload: &str, now: DateTime<Utc>) -> ApiResult<ScanResult> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let member = verify_scan(&tx, payload, now)?;
        tx.commit()?;
        Ok(ScanResult {
            member_id: member.id,
            card_number: member.card_number,
        })
    }
}

/// A new session: returns its refresh token and when the bearer token expires.
fn insert_session(
    tx: &Transaction<'_>,
    token: &str,
    member_id: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<(String, DateTime<Utc>)> {
    let refresh = util::new_token();
    let expires = now + chrono::Duration::days(SESSION_TOKEN_DAYS);
    tx.execute(
        "INSERT INTO sessions (token_hash, member_id, created_at, expires_at, refresh_hash,
             refresh_expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            util::sha256_hex(token.as_bytes()),
            member_id,
            fmt_time(now),
            fmt_time(expires),
            util::sha256_hex(refresh.as_bytes()),
            fmt_time(now + chrono::Duration::days(SESSION_REFRESH_DAYS)),
        ],
    )?;
    Ok((refresh, expires))
}

/// Gives the member a new household code (stored as its SHA-256; the old code stops working)
/// and returns it. A code already taken by another member (2^-80) is drawn again.
fn rotate_household_code(conn: &Connection, member_id: &str) -> ApiResult<String> {
    for _ in 0..16 {
        let code = util::new_household_code();
        let household = util::normalize_household_code(&code)
            .ok_or_else(|| ApiError::Internal("household code generation".into()))?;
        let changed = conn.execute(
            "UPDATE OR IGNORE members SET household_hash = ?2 WHERE id = ?1",
            params![member_id, util::sha256_hex(household.as_bytes())],
        )?;
        if changed == 1 {
            return Ok(code);
        }
        if member_where(conn, "id", member_id)?.is_none() {
            return Err(ApiError::NotFound("no such member".into()));
        }
    }
    Err(ApiError::Internal(
        "no free household code after 16 draws".into(),
    ))
}

/// The answer to an enrolment whose key is already recorded (see [`Store::enrol`]): `None` when
/// the key is unknown or expired.
fn enrolment_repeat(
    tx: &Transaction<'_>,
    key: &EnrolmentKey<'_>,
    key_hash: &str,
    now: DateTime<Utc>,
) -> ApiResult<Option<Enrolled>> {
    let row: Option<(String, String, String)> = tx
        .query_row(
            "SELECT member_id, request_hash, created_at FROM enrolment_keys WHERE key_hash = ?1",
            [key_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((member_id, request_hash, created_at)) = row else {
        return Ok(None);
    };
    let created_at = util::parse_time(&created_at)
        .ok_or_else(|| ApiError::Internal("stored time could not be read".into()))?;
    if now - created_at >= chrono::Duration::hours(ENROLMENT_KEY_TTL_HOURS) {
        return Ok(None);
    }
    if request_hash != key.request_hash {
        return Err(ApiError::Conflict(
            "this Idempotency-Key was already used for a different request".into(),
        ));
    }
    let member = member_where(tx, "id", &member_id)?
        .ok_or_else(|| ApiError::Internal("an enrolment key names no member".into()))?;
    let token = util::new_token();
    let (refresh_token, expires_at) = insert_session(tx, &token, &member.id, now)?;
    let household_code = rotate_household_code(tx, &member.id)?;
    Ok(Some(Enrolled {
        member_id: member.id,
        card_number: member.card_number,
        token,
        household_code,
        refresh_token,
        expires_at,
    }))
}

fn member_where(conn: &Connection, column: &str, value: &str) -> ApiResult<Option<MemberRow>> {
    // `column` is one of two literals chosen by this module, never input.
    let sql = format!(
        "SELECT id, card_number, display_name, totp_secret, totp_algorithm, consent_marketing,
                consent_service, consent_safety, last_scan_counter
         FROM members WHERE {column} = ?1"
    );
    Ok(conn
        .query_row(&sql, [value], |r| {
            Ok(MemberRow {
                id: r.get(0)?,
                card_number: r.get(1)?,
                display_name: r.get(2)?,
                secret: r.get(3)?,
                algorithm: algorithm_from_str(&r.get::<_, String>(4)?),
                consents: Consents {
                    marketing: r.get(5)?,
                    service: r.get(6)?,
                    safety: r.get(7)?,
                },
                last_scan_counter: r.get(8)?,
            })
        })
        .optional()?)
}

/// Takes the member's next change sequence number.
fn next_seq(tx: &Transaction<'_>, member_id: &str) -> ApiResult<i64> {
    tx.query_row(
        "UPDATE members SET change_seq = change_seq + 1 WHERE id = ?1 RETURNING change_seq",
        [member_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| ApiError::NotFound("no such member".into()))
}

fn page<T>(rows: Vec<(ApiResult<T>, i64)>, after: i64, limit: i64) -> ApiResult<Page<T>> {
    let limit = usize::try_from(limit).unwrap_or(0);
    let has_more = rows.len() > limit;
    let mut items = Vec::with_capacity(limit.min(rows.len()));
    let mut last = after;
    for (item, seq) in rows.into_iter().take(limit) {
        items.push(item?);
        last = seq;
    }
    Ok(Page {
        items,
        next_cursor: crate::model::encode_cursor(last),
        has_more,
    })
}

fn ledger_id(rowid: i64) -> String {
    format!("l_{rowid}")
}

fn time_col(r: &Row<'_>, i: usize) -> ApiResult<DateTime<Utc>> {
    let s: String = r.get(i)?;
    util::parse_time(&s).ok_or_else(|| ApiError::Internal("stored time could not be read".into()))
}

fn ledger_item(r: &Row<'_>) -> ApiResult<LedgerItem> {
    Ok(LedgerItem {
        id: ledger_id(r.get(0)?),
        kind: r.get(1)?,
        points: r.get(2)?,
        at: time_col(r, 3)?,
        reference: r.get(4)?,
        description: r.get(5)?,
        claim_key: r.get(6)?,
    })
}

fn voucher_item(r: &Row<'_>) -> ApiResult<VoucherItem> {
    let kind: String = r.get(1)?;
    let redeemed_at: Option<String> = r.get(8)?;
    Ok(VoucherItem {
        id: r.get(0)?,
        kind: serde_json::from_str(&kind).map_err(decode_err("voucher kind"))?,
        title: r.get(2)?,
        description: r.get(3)?,
        code: r.get(4)?,
        valid_from: time_col(r, 5)?,
        valid_until: time_col(r, 6)?,
        state: r.get(7)?,
        redeemed_at: match redeemed_at {
            Some(s) => Some(
                util::parse_time(&s)
                    .ok_or_else(|| ApiError::Internal("stored time could not be read".into()))?,
            ),
            None => None,
        },
    })
}

const VOUCHER_COLUMNS: &str =
    "id, kind, title, description, code, valid_from, valid_until, state, redeemed_at, seq";

fn voucher_by_id(tx: &Transaction<'_>, id: &str) -> ApiResult<Option<(VoucherItem, String)>> {
    let row = tx
        .query_row(
            &format!("SELECT {VOUCHER_COLUMNS}, member_id FROM vouchers WHERE id = ?1"),
            [id],
            |r| Ok((voucher_item(r), r.get::<_, String>(10)?)),
        )
        .optional()?;
    match row {
        Some((item, member)) => Ok(Some((item?, member))),
        None => Ok(None),
    }
}

fn ledger_by_rowid(tx: &Transaction<'_>, rowid: i64) -> ApiResult<LedgerItem> {
    tx.query_row(
        "SELECT id, kind, points, at, reference, description, claim_key FROM ledger WHERE id = ?1",
        [rowid],
        |r| Ok(ledger_item(r)),
    )?
}

/// Appends a ledger entry (core's sign and size rules apply) and returns its row id.
fn insert_ledger(
    tx: &Transaction<'_>,
    member_id: &str,
    entry: &NewEntry,
    at: DateTime<Utc>,
    claim_key: Option<&str>,
    credits_receipt: Option<&str>,
) -> ApiResult<i64> {
    entry.validate()?;
    let seq = next_seq(tx, member_id)?;
    let kind = serde_json::to_value(entry.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| ApiError::Internal("entry kind could not be encoded".into()))?;
    Ok(tx.query_row(
        "INSERT INTO ledger (member_id, seq, kind, points, at, reference, description, claim_key,
             credits_receipt)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        params![
            member_id,
            seq,
            kind,
            entry.points,
            fmt_time(at),
            entry.reference,
            entry.description,
            claim_key,
            credits_receipt
        ],
        |r| r.get(0),
    )?)
}

/// Points a receipt earns: one per full currency unit (100 minor units) of its total.
pub fn points_for(receipt: &Receipt) -> i64 {
    receipt.total().amount_minor.max(0) / 100
}

fn earn_entry(receipt: &Receipt, points: i64) -> NewEntry {
    NewEntry::earn(points, false)
        .with_reference(receipt.id.clone())
        .with_description(format!("Purchase at {}", receipt.store_name))
}

/// Stores `receipt` for `member_id` and, when it earns points and `credit` is set, the earn entry
/// that credits it. Returns (points earned, ledger row id).
fn insert_receipt(
    tx: &Transaction<'_>,
    member_id: &str,
    receipt: &Receipt,
    credit: bool,
    now: DateTime<Utc>,
) -> ApiResult<(i64, Option<i64>)> {
    let points = points_for(receipt);
    let credit_entry = (credit && points > 0).then(|| earn_entry(receipt, points));
    if let Some(entry) = &credit_entry {
        // Checked before anything is written: a total beyond core's per-entry limit is refused.
        entry.validate()?;
    }
    let body = serde_json::to_string(receipt)
        .map_err(|_| ApiError::Internal("receipt could not be encoded".into()))?;
    let seq = next_seq(tx, member_id)?;
    tx.execute(
        "INSERT INTO receipts (id, member_id, seq, points, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![receipt.id, member_id, seq, points, body],
    )?;
    let ledger = match credit_entry {
        Some(entry) => Some(insert_ledger(
            tx,
            member_id,
            &entry,
            now,
            None,
            Some(&receipt.id),
        )?),
        None => None,
    };
    Ok((if ledger.is_some() { points } else { 0 }, ledger))
}

fn refusal_code(r: Refusal) -> &'static str {
    match r {
        Refusal::Malformed => "malformed",
        Refusal::NotRotating => "not_rotating",
        Refusal::WrongMember => "wrong_member",
        Refusal::Expired => "expired",
        Refusal::FromTheFuture => "from_the_future",
        Refusal::Forged => "forged",
        Refusal::Replayed => "replayed",
        Refusal::Unverifiable => "unverifiable",
    }
}

fn refused(r: Refusal) -> ApiError {
    ApiError::Refused {
        reason: r.reason().into(),
        refusal: refusal_code(r),
    }
}

/// Verifies a scanned rotating payload `LC1:<card>:<totp>:<seconds>` with core's
/// [`TillVerifier`] and the card's secret, then consumes it.
///
/// Replay protection is in the database, not in the verifier's memory: the highest accepted TOTP
/// counter of each member is stored (`members.last_scan_counter`), a code at or below it is
/// [`Refusal::Replayed`], and the new counter is written in the caller's transaction. So a code is
/// accepted once across all requests, concurrent ones and restarts included, and a refused
/// purchase (rolled back) does not burn the code. An unknown card is
/// [`Refusal::Unverifiable`]: the server has no secret for it.
pub fn verify_scan(
    tx: &Transaction<'_>,
    payload: &str,
    now: DateTime<Utc>,
) -> ApiResult<MemberRow> {
    let trimmed = payload.trim_matches(|c: char| c.is_ascii_whitespace());
    let mut parts = trimmed.split(':');
    let (card, bare) = match (parts.next(), parts.next()) {
        (Some(PAYLOAD_PREFIX), Some(card)) if validate_card_number(card).is_ok() => {
            (Some(card), false)
        }
        // A bare card number: a member's static code is refused as such (not_rotating).
        (Some(number), None) if validate_card_number(number).is_ok() => (Some(number), true),
        _ => (None, false),
    };
    let member = match card {
        Some(card) => member_where(tx, "card_number", card)?,
        None => None,
    };
    if bare && member.is_none() {
        // Nobody's number: the till cannot tell it from any other word.
        return Err(refused(Refusal::Malformed));
    }
    let algorithm = member.as_ref().map_or(TotpAlgorithm::Sha1, |m| m.algorithm);
    let mut verifier = TillVerifier::new(TillPolicy::for_params(totp_params(algorithm)), 1)?;
    let (expected, secret): (&str, &[u8]) = match (&member, card) {
        (Some(m), _) => (&m.card_number, &m.secret),
        (None, card) => (card.unwrap_or(""), &[]),
    };
    let accepted = verifier
        .verify(payload, expected, secret, now)
        .map_err(refused)?;
    let member = member.ok_or_else(|| refused(Refusal::Unverifiable))?;
    let counter = i64::try_from(accepted.counter).map_err(|_| refused(Refusal::Malformed))?;
    if member.last_scan_counter.is_some_and(|last| counter <= last) {
        return Err(refused(Refusal::Replayed));
    }
    tx.execute(
        "UPDATE members SET last_scan_counter = ?2 WHERE id = ?1",
        params![member.id, counter],
    )?;
    Ok(member)
}

/// Resolves the `card` of a till purchase: a card number (the static code) or a rotating
/// payload, which is verified and consumed like a scan.
pub fn resolve_card(tx: &Transaction<'_>, card: &str, now: DateTime<Utc>) -> ApiResult<MemberRow> {
    let trimmed = card.trim_matches(|c: char| c.is_ascii_whitespace());
    if validate_card_number(trimmed).is_ok() {
        return member_where(tx, "card_number", trimmed)?
            .ok_or_else(|| ApiError::NotFound("no member has this card number".into()));
    }
    verify_scan(tx, trimmed, now)
}

/// Builds, checks and stores a till purchase.
pub fn till_purchase(
    tx: &Transaction<'_>,
    req: PurchaseRequest,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    let mut receipt = Receipt {
        id: util::new_id("r_"),
        store_name: req.store_name,
        purchased_at: now,
        lines: req.lines,
        source: ReceiptSource::Till,
        return_window_days: req.return_window_days,
    };
    receipt.validate()?;
    let member = resolve_card(tx, &req.card, now)?;
    // A fresh random id; on the (2^-64) collision draw another.
    while tx
        .query_row(
            "SELECT 1 FROM receipts WHERE id = ?1",
            [&receipt.id],
            |_| Ok(()),
        )
        .optional()?
        .is_some()
    {
        receipt.id = util::new_id("r_");
    }
    let (points_earned, ledger) = insert_receipt(tx, &member.id, &receipt, true, now)?;
    answer(
        201,
        &PurchaseResult {
            receipt,
            points_earned,
            ledger_id: ledger.map(ledger_id),
        },
    )
}

/// A redemption's (outcome, redeemed_at, reason).
type Redemption = (&'static str, Option<DateTime<Utc>>, Option<String>);

/// Redeems voucher `id` once: the state moves from available to redeemed only inside this
/// transaction, guarded by `state = 'available'`. `owner` restricts it to one member's vouchers.
/// Returns (outcome, redeemed_at, reason).
fn redeem_voucher(
    tx: &Transaction<'_>,
    owner: Option<&str>,
    id: &str,
    now: DateTime<Utc>,
) -> ApiResult<Redemption> {
    let found = voucher_by_id(tx, id)?.filter(|(_, member)| owner.is_none_or(|o| o == member));
    let Some((v, member_id)) = found else {
        return Ok(("rejected", None, Some("unknown voucher".into())));
    };
    match v.state.as_str() {
        "redeemed" => return Ok(("already_redeemed", v.redeemed_at, None)),
        "revoked" => {
            return Ok((
                "rejected",
                None,
                Some("the voucher was revoked by the retailer".into()),
            ))
        }
        _ => {}
    }
    if now < v.valid_from {
        return Ok((
            "rejected",
            None,
            Some("the voucher is not valid yet".into()),
        ));
    }
    if now >= v.valid_until {
        return Ok(("rejected", None, Some("the voucher has expired".into())));
    }
    let seq = next_seq(tx, &member_id)?;
    let changed = tx.execute(
        "UPDATE vouchers SET state = 'redeemed', redeemed_at = ?2, seq = ?3
         WHERE id = ?1 AND state = 'available'",
        params![id, fmt_time(now), seq],
    )?;
    if changed != 1 {
        return Err(ApiError::Internal(
            "voucher changed inside its own transaction".into(),
        ));
    }
    Ok(("accepted", Some(now), None))
}

/// POST /v1/redemptions.
pub fn member_redemption(
    tx: &Transaction<'_>,
    member_id: &str,
    voucher_id: &str,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    let (outcome, redeemed_at, reason) = redeem_voucher(tx, Some(member_id), voucher_id, now)?;
    answer(
        200,
        &RedemptionResult {
            outcome: outcome.into(),
            redeemed_at,
            reason,
        },
    )
}

/// POST /v1/till/redemptions, after the code's signature and window checked out.
pub fn till_redemption(
    tx: &Transaction<'_>,
    verified: &VerifiedVoucher,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    let (outcome, redeemed_at, reason) = redeem_voucher(tx, None, &verified.id, now)?;
    answer(
        200,
        &TillRedemptionResult {
            outcome: outcome.into(),
            voucher_id: verified.id.clone(),
            redeemed_at,
            reason,
        },
    )
}

/// POST /v1/claims: the rule is documented in `server/openapi.yaml` (ClaimRequest).
///
/// 1. `reference` must be the id of a receipt of this member, else rejected.
/// 2. `points` must equal what that receipt earns, else rejected.
/// 3. If an earn entry already credits the receipt (the till posted the purchase): with no
///    claim yet, this claim confirms it — the entry gets `claim_key` and a new change sequence
///    number, so it shows up again in /v1/ledger; already claimed by another key → rejected.
/// 4. Otherwise a new earn entry crediting the receipt is created with `claim_key`.
///
/// A receipt is credited at most once (`ledger.credits_receipt` is UNIQUE), so nothing is
/// counted twice whatever the order of till upload and claims from several devices.
pub fn claim(
    tx: &Transaction<'_>,
    member_id: &str,
    key: &str,
    req: &ClaimRequest,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    let rejected = |reason: &str| {
        answer(
            200,
            &ClaimResult {
                outcome: "rejected".into(),
                ledger_id: None,
                reason: Some(reason.into()),
            },
        )
    };
    let receipt: Option<(i64, String)> = tx
        .query_row(
            "SELECT points, body FROM receipts WHERE id = ?1 AND member_id = ?2",
            params![req.reference, member_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((points, body)) = receipt else {
        return rejected("the reference is not a receipt of this member");
    };
    if points != req.points {
        return rejected("the points do not match what the receipt earns");
    }
    if req.earned_at > now + chrono::Duration::days(1) {
        return rejected("earned_at lies in the future");
    }
    let credit: Option<(i64, Option<String>)> = tx
        .query_row(
            "SELECT id, claim_key FROM ledger WHERE credits_receipt = ?1",
            [&req.reference],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let rowid = match credit {
        Some((_, Some(_))) => {
            return rejected("the receipt was already credited to another claim");
        }
        Some((rowid, None)) => {
            let seq = next_seq(tx, member_id)?;
            tx.execute(
                "UPDATE ledger SET claim_key = ?2, seq = ?3 WHERE id = ?1",
                params![rowid, key, seq],
            )?;
            rowid
        }
        None => {
            let receipt: Receipt = serde_json::from_str(&body).map_err(decode_err("receipt"))?;
            insert_ledger(
                tx,
                member_id,
                &earn_entry(&receipt, points),
                receipt.purchased_at,
                Some(key),
                Some(&receipt.id),
            )?
        }
    };
    answer(
        200,
        &ClaimResult {
            outcome: "confirmed".into(),
            ledger_id: Some(ledger_id(rowid)),
            reason: None,
        },
    )
}

// ---- admin ---------------------------------------------------------------------------------

fn require_member(tx: &Transaction<'_>, member_id: &str) -> ApiResult<()> {
    member_where(tx, "id", member_id)?
        .map(|_| ())
        .ok_or_else(|| ApiError::NotFound("no such member".into()))
}

/// Issues a voucher to a member, signed with the retailer's key.
pub fn issue_voucher(
    tx: &Transaction<'_>,
    member_id: &str,
    req: IssueVoucherRequest,
    key: &SigningKey,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    require_member(tx, member_id)?;
    let mut voucher = Voucher {
        id: util::new_id("v_"),
        kind: req.kind,
        title: req.title,
        description: req.description,
        code: "LCV1".into(),
        valid_from: req.valid_from.unwrap_or(now),
        valid_until: req.valid_until,
        state: VoucherState::Available,
        signature: None,
    };
    voucher.validate()?;
    if let Some(d) = &voucher.description {
        if d.len() > 1000 {
            return Err(ApiError::invalid(
                "voucher description is at most 1000 bytes",
            ));
        }
    }
    voucher.code = sign_voucher(&voucher, key)?;
    let kind = serde_json::to_string(&voucher.kind)
        .map_err(|_| ApiError::Internal("voucher kind could not be encoded".into()))?;
    let seq = next_seq(tx, member_id)?;
    tx.execute(
        "INSERT INTO vouchers (id, member_id, seq, kind, title, description, code, valid_from,
             valid_until, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'available')",
        params![
            voucher.id,
            member_id,
            seq,
            kind,
            voucher.title,
            voucher.description,
            voucher.code,
            fmt_time(voucher.valid_from),
            fmt_time(voucher.valid_until)
        ],
    )?;
    let item = voucher_by_id(tx, &voucher.id)?
        .ok_or_else(|| ApiError::Internal("voucher vanished".into()))?
        .0;
    answer(201, &item)
}

/// Withdraws an unused voucher. Revoking a revoked voucher is a no-op; a redeemed one is a
/// conflict.
pub fn revoke_voucher(
    tx: &Transaction<'_>,
    member_id: &str,
    voucher_id: &str,
) -> ApiResult<(u16, String)> {
    let Some((v, owner)) = voucher_by_id(tx, voucher_id)?.filter(|(_, m)| m == member_id) else {
        return Err(ApiError::NotFound("no such voucher for this member".into()));
    };
    match v.state.as_str() {
        "redeemed" => {
            return Err(ApiError::Conflict(
                "the voucher was already redeemed and cannot be revoked".into(),
            ))
        }
        "revoked" => return answer(200, &v),
        _ => {}
    }
    let seq = next_seq(tx, &owner)?;
    tx.execute(
        "UPDATE vouchers SET state = 'revoked', seq = ?2 WHERE id = ?1 AND state = 'available'",
        params![voucher_id, seq],
    )?;
    let item = voucher_by_id(tx, voucher_id)?
        .ok_or_else(|| ApiError::Internal("voucher vanished".into()))?
        .0;
    answer(200, &item)
}

/// Adds a ledger entry by hand (bonus, correction, expiry).
pub fn adjust_points(
    tx: &Transaction<'_>,
    member_id: &str,
    req: PointsRequest,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    require_member(tx, member_id)?;
    let kind = match req.kind.as_deref().unwrap_or("adjust") {
        "earn" => EntryKind::Earn,
        "redeem" => EntryKind::Redeem,
        "adjust" => EntryKind::Adjust,
        "expire" => EntryKind::Expire,
        _ => {
            return Err(ApiError::invalid(
                "kind must be one of earn, redeem, adjust, expire",
            ))
        }
    };
    let entry = NewEntry {
        kind,
        points: req.points,
        status: EntryStatus::Confirmed,
        reference: req.reference,
        description: req.description,
        reverses: None,
    };
    let rowid = insert_ledger(tx, member_id, &entry, now, None, None)?;
    answer(201, &ledger_by_rowid(tx, rowid)?)
}

/// Imports a receipt into a member's history (e-commerce orders, the demo's purchase history).
/// The same receipt again is harmless (200 with what is stored); a different receipt with a used
/// id is a conflict.
pub fn import_receipt(
    tx: &Transaction<'_>,
    member_id: &str,
    req: ImportReceiptRequest,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    require_member(tx, member_id)?;
    req.receipt.validate()?;
    let existing: Option<(String, String)> = tx
        .query_row(
            "SELECT member_id, body FROM receipts WHERE id = ?1",
            [&req.receipt.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((owner, body)) = existing {
        let stored: Receipt = serde_json::from_str(&body).map_err(decode_err("receipt"))?;
        if owner != member_id || stored != req.receipt {
            return Err(ApiError::Conflict(
                "a different receipt with this id already exists".into(),
            ));
        }
        let credit: Option<(i64, i64)> = tx
            .query_row(
                "SELECT id, points FROM ledger WHERE credits_receipt = ?1",
                [&stored.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        return answer(
            200,
            &PurchaseResult {
                receipt: stored,
                points_earned: credit.map_or(0, |c| c.1),
                ledger_id: credit.map(|c| ledger_id(c.0)),
            },
        );
    }
    let (points_earned, ledger) =
        insert_receipt(tx, member_id, &req.receipt, req.credit_points, now)?;
    answer(
        201,
        &PurchaseResult {
            receipt: req.receipt,
            points_earned,
            ledger_id: ledger.map(ledger_id),
        },
    )
}

/// The card secret as the app receives it.
pub fn card_secret(m: &MemberRow) -> CardSecret {
    let params = totp_params(m.algorithm);
    CardSecret {
        card_number: m.card_number.clone(),
        secret_hex: hex_encode(&m.secret),
        totp: TotpInfo {
            algorithm: m.algorithm.as_str().into(),
            digits: params.digits,
            period_millis: params.period_millis,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
    }

    fn user_version(store: &Store) -> i64 {
        store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_version_1_database_is_upgraded_and_keeps_its_members() {
        let dir = tempfile::tempdir().unwrap();
        let code = util::normalize_household_code(&util::new_household_code()).unwrap();
        {
            // What a version-1 server left: its schema, marks and one member.
            let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
            let _: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            conn.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;"
            ))
            .unwrap();
            conn.execute(
                "INSERT INTO members (id, card_number, household_hash, totp_secret, totp_algorithm,
                     consent_marketing, consent_service, consent_safety, created_at)
                 VALUES ('m_old', '2900000000002', ?1, x'00112233445566778899aabbccddeeff00112233',
                     'SHA1', 0, 1, 1, '2026-01-01T00:00:00Z')",
                [util::sha256_hex(code.as_bytes())],
            )
            .unwrap();
        }
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(user_version(&store), SCHEMA_VERSION);
        let signed_in = store.sign_in(&code, t0()).unwrap().unwrap();
        assert_eq!(signed_in.member_id, "m_old");

        // The new table works on the upgraded database.
        let key = EnrolmentKey {
            key: "0b6b1a52-1d7e-4c55-9b1f-3c1de3a2c8f1",
            request_hash: "fingerprint",
        };
        let (first, repeated) = store
            .enrol(None, TotpAlgorithm::Sha1, Some(&key), t0())
            .unwrap();
        assert!(!repeated);
        drop(store);

        // Opening again runs no step twice.
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(user_version(&store), SCHEMA_VERSION);
        let (again, repeated) = store
            .enrol(None, TotpAlgorithm::Sha1, Some(&key), t0())
            .unwrap();
        assert!(repeated);
        assert_eq!(again.member_id, first.member_id);
        let members: i64 = store
            .conn
            .query_row("SELECT count(*) FROM members", [], |r| r.get(0))
            .unwrap();
        assert_eq!(members, 2);
    }

    #[test]
    fn a_new_database_has_the_current_schema() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(user_version(&store), SCHEMA_VERSION);
        let tables: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'enrolment_keys'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 1);
    }
}
