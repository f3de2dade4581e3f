//! The `ledger` table: points entries, their delta feed, claims from devices and admin adjustments.

use super::idempotency::answer;
use super::members::require_member;
use super::receipts::earn_entry;
use super::{decode_err, fmt_time, next_seq, time_col, Store};
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use chrono::{DateTime, Utc};
use loyalty_domain::points::{EntryKind, EntryStatus, NewEntry};
use loyalty_domain::receipts::Receipt;
use rusqlite::{params, OptionalExtension, Row, Transaction};

impl Store {
    pub fn ledger_page(
        &self,
        member_id: &str,
        after: &Cursor,
        limit: i64,
    ) -> ApiResult<Page<LedgerItem>> {
        self.feed_page(
            "SELECT id, kind, points, at, reference, description, claim_key, seq FROM ledger
             WHERE member_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            member_id,
            after,
            limit,
            |r| Ok((ledger_item(r), r.get::<_, i64>(7)?)),
        )
    }
}

/// The public id of a ledger entry: its row id bound to what the entry says.
///
/// A bare `l_<rowid>` is reused when the server is restored from a backup (SQLite hands out the
/// lost row ids again), and a device that kept the lost entry under that id would take the new,
/// different entry for one it already has and never show it. The entry's unchanging fields (kind,
/// points, time, reference) are hashed into the id, so a reused row id with other content is a
/// new id; the same entry keeps its id for its whole life (a claim that confirms it changes only
/// its claim key and sequence number).
fn public_ledger_id(
    rowid: i64,
    kind: &str,
    points: i64,
    at: &str,
    reference: Option<&str>,
) -> String {
    let content = serde_json::json!([rowid, kind, points, at, reference]).to_string();
    let digest = crate::credentials::sha256_hex(content.as_bytes());
    format!("l_{rowid}-{}", &digest[..12])
}

/// The public id of the entry at `rowid` (see [`public_ledger_id`]).
pub(super) fn ledger_id(tx: &Transaction<'_>, rowid: i64) -> ApiResult<String> {
    Ok(tx.query_row(
        "SELECT kind, points, at, reference FROM ledger WHERE id = ?1",
        [rowid],
        |r| {
            Ok(public_ledger_id(
                rowid,
                &r.get::<_, String>(0)?,
                r.get(1)?,
                &r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?.as_deref(),
            ))
        },
    )?)
}

fn ledger_item(r: &Row<'_>) -> ApiResult<LedgerItem> {
    Ok(LedgerItem {
        id: public_ledger_id(
            r.get(0)?,
            &r.get::<_, String>(1)?,
            r.get(2)?,
            &r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?.as_deref(),
        ),
        kind: r.get(1)?,
        points: r.get(2)?,
        at: time_col(r, 3)?,
        reference: r.get(4)?,
        description: r.get(5)?,
        claim_key: r.get(6)?,
    })
}

fn ledger_by_rowid(tx: &Transaction<'_>, rowid: i64) -> ApiResult<LedgerItem> {
    tx.query_row(
        "SELECT id, kind, points, at, reference, description, claim_key FROM ledger WHERE id = ?1",
        [rowid],
        |r| Ok(ledger_item(r)),
    )?
}

/// Appends a ledger entry (core's sign and size rules apply) and returns its row id.
pub(super) fn insert_ledger(
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
            ledger_id: Some(ledger_id(tx, rowid)?),
            reason: None,
        },
    )
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
