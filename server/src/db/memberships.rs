//! The `memberships` table (schema v10): each member's current premium membership (issue #12
//! part 3), the domain's [`Membership`] as JSON. The back office records it once it is paid
//! (`PUT /v1/admin/members/{member_id}/membership`: the platform's in-app purchase or the till
//! took the payment) and removes it on a cancellation or refund (`DELETE`: the benefits stop at
//! once). One record per member: a renewal is a new record with later dates that replaces the
//! old one. The record is kept whatever its dates; what it gives is decided at each use with
//! the domain's rules: the points multiplier of a till purchase at the purchase time, and the
//! premium-only offers while it is active at the server's now.

use super::idempotency::answer;
use super::members::require_member;
use super::{decode_err, fmt_time, Store};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use loyalty_domain::membership::Membership;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

impl Store {
    /// The member's current membership record, whatever its dates.
    pub fn membership_of(&self, member_id: &str) -> ApiResult<Option<Membership>> {
        membership_of(&self.conn, member_id)
    }
}

/// The member's current membership record, whatever its dates (`None` without one).
pub fn membership_of(conn: &Connection, member_id: &str) -> ApiResult<Option<Membership>> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM memberships WHERE member_id = ?1")?
        .query_row([member_id], |r| r.get(0))
        .optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(decode_err("membership")))
        .transpose()
}

/// `PUT /v1/admin/members/{member_id}/membership`: stores `membership` as the member's current
/// record, replacing any other. Answers 200 with the record as stored; 404 for an unknown
/// member, 400 for a record [`Membership::validate`] refuses (the handler checks it first).
pub fn put_membership(
    tx: &Transaction<'_>,
    member_id: &str,
    membership: &Membership,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    require_member(tx, member_id)?;
    membership.validate()?;
    let body = serde_json::to_string(membership)
        .map_err(|_| ApiError::Internal("membership could not be encoded".into()))?;
    tx.execute(
        "INSERT INTO memberships (member_id, body, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (member_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        params![member_id, body, fmt_time(now)],
    )?;
    answer(200, membership)
}

/// `DELETE /v1/admin/members/{member_id}/membership`: a cancellation or refund; the record is
/// removed and its benefits stop at once. Removing none is harmless; 404 for an unknown member.
pub fn delete_membership(tx: &Transaction<'_>, member_id: &str) -> ApiResult<()> {
    require_member(tx, member_id)?;
    tx.execute("DELETE FROM memberships WHERE member_id = ?1", [member_id])?;
    Ok(())
}
