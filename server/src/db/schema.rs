//! The schema: the file's marks (`application_id`, `user_version`), the tables of each version
//! and the migration steps between them, one per version.

use super::{OpenError, Store};
use rusqlite::TransactionBehavior;

/// "LOYL": marks the database file as this server's.
const APPLICATION_ID: i64 = 0x4C4F_594C;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 11;

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
/// [`super::members::ENROLMENT_KEY_TTL_HOURS`] gets that member again, with a new session and
/// household code.
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

/// Version 4: change marks. Every change sequence number a member's change takes gets a random
/// mark, which the feed cursors issued for it carry as their check (see `db/mod.rs`). The
/// numbers already given out get one each now, so every cursor issued from here on is checked;
/// a database restored from a backup of version 3 gets new marks at its upgrade, and the cursors
/// devices were given since then fail their check: they start their feeds over, as they must.
const SCHEMA_V4: &str = r#"
CREATE TABLE change_marks (
    member_id TEXT NOT NULL REFERENCES members(id),
    seq       INTEGER NOT NULL CHECK (seq >= 1),
    mark      TEXT NOT NULL,
    PRIMARY KEY (member_id, seq)
) STRICT, WITHOUT ROWID;
WITH RECURSIVE numbers(member_id, seq, head) AS (
    SELECT id, 1, change_seq FROM members WHERE change_seq >= 1
    UNION ALL
    SELECT member_id, seq + 1, head FROM numbers WHERE seq < head
)
INSERT INTO change_marks (member_id, seq, mark)
    SELECT member_id, seq, lower(hex(randomblob(6))) FROM numbers;
"#;

/// Version 5: receipts sold without the card, waiting to be claimed with the claim code the till
/// printed (`POST /v1/till/claim-codes`); the first member to claim one gets it (`claimed_by`),
/// and the receipt then moves into `receipts` with its points. An erased account (version 6)
/// leaves its claims claimed but nameless: `claimed_at` without `claimed_by`.
const SCHEMA_V5: &str = r#"
CREATE TABLE claimable_receipts (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    points      INTEGER NOT NULL CHECK (points >= 0),
    claim_until TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    claimed_by  TEXT REFERENCES members(id),
    claimed_at  TEXT,
    -- claimed_at without claimed_by: claimed by a member whose account was erased since
    CHECK (claimed_by IS NULL OR claimed_at IS NOT NULL)
) STRICT;
"#;

/// Version 6: account deletion (`DELETE /v1/me`, see `db/account.rs`). An erased member leaves
/// no row that names them. `erasures` keeps, per deletion, the anonymised points totals the
/// retailer's accounting needs (points issued and redeemed are a liability on its books), under
/// a random id that no other table holds. `erased_tokens` keeps the SHA-256 of the erased
/// sessions' bearer tokens, so a device that asks again (its first answer was lost) is told the
/// account is gone instead of "unauthorized", and wipes itself; those tokens open nothing else.
const SCHEMA_V6: &str = r#"
CREATE TABLE erasures (
    id              TEXT PRIMARY KEY,
    erased_at       TEXT NOT NULL,
    points_earned   INTEGER NOT NULL,
    points_redeemed INTEGER NOT NULL,
    points_balance  INTEGER NOT NULL,
    receipts        INTEGER NOT NULL,
    vouchers        INTEGER NOT NULL
) STRICT;
CREATE TABLE erased_tokens (
    token_hash TEXT PRIMARY KEY,
    erased_at  TEXT NOT NULL
) STRICT, WITHOUT ROWID;
"#;

/// Version 7: invoices (issue #12).
/// `invoices` keeps each company invoice as issued: its number (the id, `YYYY-NNNNNN` from the
/// gap-free per-year sequence of `invoice_numbers`, taken in the transaction that stores the
/// invoice, so a refused or rolled-back request uses no number), the receipt it invoices (once:
/// `UNIQUE`), the buyer as JSON, the UBL and HTML documents. An invoice is the retailer's
/// accounting record: an erased account leaves it without `member_id`. `member_companies` keeps
/// the company details a member last used or saved, for the next invoice.
const SCHEMA_V7: &str = r#"
CREATE TABLE invoice_numbers (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL CHECK (last >= 1)
) STRICT;
CREATE TABLE invoices (
    id         TEXT PRIMARY KEY,
    receipt_id TEXT NOT NULL UNIQUE,
    member_id  TEXT REFERENCES members(id),
    buyer      TEXT NOT NULL,
    lang       TEXT NOT NULL CHECK (lang IN ('en', 'nl', 'fr')),
    ubl        TEXT NOT NULL,
    html       TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    issued_at  TEXT NOT NULL
) STRICT;
CREATE INDEX invoices_by_member ON invoices(member_id);
CREATE TABLE member_companies (
    member_id  TEXT PRIMARY KEY REFERENCES members(id),
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
"#;

/// Version 8: personal offers (issue #16 part 2, see `db/offers.rs`). `offers` holds each
/// published offer (the domain `Offer` as JSON); `member_id` is NULL for a general offer and the
/// member's id for a personal one. `offer_activations`: one row per member and opt-in offer the
/// member activated (activating again changes nothing). `offer_redemptions`: one row per use,
/// keyed by the offer and its `holder` (the member, or the household, per the offer's limit), so
/// an offer is used once per its limit whatever the concurrency; the till purchase that used it
/// is `receipt_id`, with the discount and the extra points it gave.
const SCHEMA_V8: &str = r#"
CREATE TABLE offers (
    id           TEXT PRIMARY KEY,
    member_id    TEXT REFERENCES members(id),
    body         TEXT NOT NULL,
    published_at TEXT NOT NULL
) STRICT;
CREATE INDEX offers_by_member ON offers(member_id);
CREATE TABLE offer_activations (
    member_id    TEXT NOT NULL REFERENCES members(id),
    offer_id     TEXT NOT NULL REFERENCES offers(id),
    activated_at TEXT NOT NULL,
    PRIMARY KEY (member_id, offer_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE offer_redemptions (
    offer_id       TEXT NOT NULL REFERENCES offers(id),
    holder         TEXT NOT NULL,
    member_id      TEXT NOT NULL REFERENCES members(id),
    receipt_id     TEXT NOT NULL REFERENCES receipts(id),
    discount_minor INTEGER NOT NULL CHECK (discount_minor >= 0),
    extra_points   INTEGER NOT NULL CHECK (extra_points >= 0),
    redeemed_at    TEXT NOT NULL,
    PRIMARY KEY (offer_id, holder)
) STRICT;
CREATE INDEX offer_redemptions_by_member ON offer_redemptions(member_id);
"#;

/// Version 9: survey answers (issue #12 part 4, see `db/surveys.rs`). One row per member and
/// survey of the `surveys` content feed: the answer as JSON (`{"type": "rating", "stars": 4}`
/// or `{"type": "vote", "option": "<id>"}`) and when it was given; the first answer counts.
/// The results count them by survey; an erased account's answers go with it.
const SCHEMA_V9: &str = r#"
CREATE TABLE survey_answers (
    member_id   TEXT NOT NULL REFERENCES members(id),
    survey_id   TEXT NOT NULL,
    answer      TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (member_id, survey_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX survey_answers_by_survey ON survey_answers(survey_id);
"#;

/// Version 10: premium memberships (issue #12 part 3, see `db/memberships.rs`). One row per
/// member: the current record (the domain `Membership` as JSON), set by the back office (a
/// renewal replaces it with a record of later dates) and removed by a cancellation or with the
/// account.
const SCHEMA_V10: &str = r#"
CREATE TABLE memberships (
    member_id  TEXT PRIMARY KEY REFERENCES members(id),
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
"#;

/// Version 11: a voucher's title in other languages (issue #17: names per language), as JSON
/// (`{"nl": "...", "fr": "..."}`); NULL when the back office gave none.
const SCHEMA_V11: &str = r#"
ALTER TABLE vouchers ADD COLUMN titles TEXT;
"#;

impl Store {
    pub(super) fn migrate(&mut self) -> Result<(), OpenError> {
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
        let steps: [(i64, &str); 10] = [
            (2, SCHEMA_V2),
            (3, SCHEMA_V3),
            (4, SCHEMA_V4),
            (5, SCHEMA_V5),
            (6, SCHEMA_V6),
            (7, SCHEMA_V7),
            (8, SCHEMA_V8),
            (9, SCHEMA_V9),
            (10, SCHEMA_V10),
            (11, SCHEMA_V11),
        ];
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials;
    use crate::db::members::EnrolmentKey;
    use crate::db::DB_FILE;
    use chrono::{DateTime, TimeZone, Utc};
    use loyalty_domain::card::TotpAlgorithm;
    use rusqlite::Connection;

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
        let code =
            credentials::normalize_household_code(&credentials::new_household_code()).unwrap();
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
                [credentials::sha256_hex(code.as_bytes())],
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
    fn a_version_10_database_gets_the_voucher_titles_column() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut store = Store::open(dir.path()).unwrap();
            store.enrol(None, TotpAlgorithm::Sha1, None, t0()).unwrap();
            store
                .conn
                .execute_batch("ALTER TABLE vouchers DROP COLUMN titles; PRAGMA user_version = 10;")
                .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(user_version(&store), SCHEMA_VERSION);
        let columns: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('vouchers') WHERE name = 'titles'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(columns, 1);
    }

    #[test]
    fn a_version_3_database_gets_a_mark_for_every_change_number_given_out() {
        let dir = tempfile::tempdir().unwrap();
        let (busy, idle) = {
            let mut store = Store::open(dir.path()).unwrap();
            let (busy, _) = store.enrol(None, TotpAlgorithm::Sha1, None, t0()).unwrap();
            let (idle, _) = store.enrol(None, TotpAlgorithm::Sha1, None, t0()).unwrap();
            // What a version-3 server left: three changes of one member, no marks (and no
            // claimable receipts, version 5).
            store
                .conn
                .execute_batch(&format!(
                    "UPDATE members SET change_seq = 3 WHERE id = '{}';
                     DROP TABLE change_marks; DROP TABLE claimable_receipts;
                     DROP TABLE erasures; DROP TABLE erased_tokens;
                     DROP TABLE invoices; DROP TABLE invoice_numbers; DROP TABLE member_companies;
                     DROP TABLE offer_redemptions; DROP TABLE offer_activations;
                     DROP TABLE offers; DROP TABLE survey_answers; DROP TABLE memberships;
                     ALTER TABLE vouchers DROP COLUMN titles;
                     PRAGMA user_version = 3;",
                    busy.member_id
                ))
                .unwrap();
            (busy.member_id, idle.member_id)
        };
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(user_version(&store), SCHEMA_VERSION);
        let marks: Vec<String> = (1..=3)
            .map(|n| store.change_mark(&busy, n).unwrap().expect("a mark"))
            .collect();
        assert!(marks
            .iter()
            .all(|m| m.len() == 12 && m.bytes().all(|b| b.is_ascii_hexdigit())));
        assert!(marks[0] != marks[1] && marks[1] != marks[2]);
        assert_eq!(store.change_mark(&busy, 4).unwrap(), None);
        assert_eq!(store.change_mark(&idle, 1).unwrap(), None);
        // A device's cursor from before the upgrade is answered with a checked one.
        let plain = crate::model::Cursor {
            seq: 3,
            check: None,
        };
        let page = store.ledger_page(&busy, &plain, 10).unwrap();
        assert_eq!(page.next_cursor, format!("c1.3.{}", marks[2]));
    }

    #[test]
    fn a_version_6_database_gets_the_invoice_tables_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let member = {
            let mut store = Store::open(dir.path()).unwrap();
            let (m, _) = store.enrol(None, TotpAlgorithm::Sha1, None, t0()).unwrap();
            // What a version-6 server left: no invoice tables (nor the offers of version 8, the
            // survey answers of version 9, the memberships of version 10).
            store
                .conn
                .execute_batch(
                    "DROP TABLE invoices; DROP TABLE invoice_numbers; DROP TABLE member_companies;
                     DROP TABLE offer_redemptions; DROP TABLE offer_activations;
                     DROP TABLE offers; DROP TABLE survey_answers; DROP TABLE memberships;
                     ALTER TABLE vouchers DROP COLUMN titles;
                     PRAGMA user_version = 6;",
                )
                .unwrap();
            m.member_id
        };
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(user_version(&store), SCHEMA_VERSION);
        assert_eq!(store.me(&member).unwrap().member_id, member);
        assert_eq!(store.company_of(&member).unwrap(), None);
        assert!(store.invoices_of(&member).unwrap().is_empty());
    }

    #[test]
    fn a_version_8_database_gets_the_survey_answers_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let member = {
            let mut store = Store::open(dir.path()).unwrap();
            let (m, _) = store.enrol(None, TotpAlgorithm::Sha1, None, t0()).unwrap();
            // What a version-8 server left: no survey answers (nor memberships, version 10).
            store
                .conn
                .execute_batch(
                    "DROP TABLE survey_answers; DROP TABLE memberships;
                     ALTER TABLE vouchers DROP COLUMN titles; PRAGMA user_version = 8;",
                )
                .unwrap();
            m.member_id
        };
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(user_version(&store), SCHEMA_VERSION);
        assert_eq!(store.me(&member).unwrap().member_id, member);
        assert_eq!(store.survey_results("visit").unwrap(), None);
        let export = store.export_member(&member, t0()).unwrap();
        assert!(export.survey_answers.is_empty());
    }

    #[test]
    fn a_version_9_database_gets_the_memberships_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let member = {
            let mut store = Store::open(dir.path()).unwrap();
            let (m, _) = store.enrol(None, TotpAlgorithm::Sha1, None, t0()).unwrap();
            store
                .conn
                .execute(
                    "INSERT INTO survey_answers (member_id, survey_id, answer, answered_at)
                     VALUES (?1, 'visit', '{\"type\":\"rating\",\"stars\":4}', '2026-03-01T09:00:00Z')",
                    [&m.member_id],
                )
                .unwrap();
            // What a version-9 server left: no memberships.
            store
                .conn
                .execute_batch(
                    "DROP TABLE memberships; ALTER TABLE vouchers DROP COLUMN titles;
                     PRAGMA user_version = 9;",
                )
                .unwrap();
            m.member_id
        };
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(user_version(&store), SCHEMA_VERSION);
        let me = store.me(&member).unwrap();
        assert_eq!(me.member_id, member);
        assert_eq!(me.membership, None);
        let export = store.export_member(&member, t0()).unwrap();
        assert_eq!(export.survey_answers.len(), 1);
        assert_eq!(export.membership, None);
        // The new table works on the upgraded database.
        let plus = loyalty_domain::membership::Membership {
            plan: "plus".into(),
            name: loyalty_domain::membership::PlanName(loyalty_domain::lang::Trilingual {
                nl: "Plus".into(),
                fr: "Plus".into(),
                en: "Plus".into(),
            }),
            started_at: t0(),
            ends_at: t0() + chrono::Duration::days(365),
            auto_renews: true,
            points_percent: 200,
        };
        let stored = plus.clone();
        let m = member.clone();
        store
            .write(None, t0(), move |tx| {
                crate::db::memberships::put_membership(tx, &m, &stored, t0())
            })
            .unwrap();
        assert_eq!(store.me(&member).unwrap().membership, Some(plus));
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
