//! The `vouchers` table: issue and revoke (admin), the delta feed, and the once-only redemption
//! by a member's device or at the till.

use super::idempotency::answer;
use super::members::require_member;
use super::{decode_err, fmt_time, next_seq, parse_time, time_col, Store};
use crate::credentials;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use chrono::{DateTime, Utc};
use loyalty_domain::card::sign_voucher;
use loyalty_domain::card::SigningKey;
use loyalty_domain::card::VerifiedVoucher;
use loyalty_domain::wallet::{Voucher, VoucherState};
use rusqlite::{params, OptionalExtension, Row, Transaction};

impl Store {
    pub fn vouchers_page(
        &self,
        member_id: &str,
        after: &Cursor,
        limit: i64,
    ) -> ApiResult<Page<VoucherItem>> {
        self.feed_page(
            "SELECT id, kind, title, description, code, valid_from, valid_until, state, redeemed_at, seq,
                    titles
             FROM vouchers WHERE member_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            member_id,
            after,
            limit,
            |r| Ok((voucher_item(r), r.get::<_, i64>(9)?)),
        )
    }
}

fn voucher_item(r: &Row<'_>) -> ApiResult<VoucherItem> {
    let kind: String = r.get(1)?;
    let redeemed_at: Option<String> = r.get(8)?;
    let titles: Option<String> = r.get(10)?;
    Ok(VoucherItem {
        titles: match titles {
            Some(t) => serde_json::from_str(&t).map_err(decode_err("voucher titles"))?,
            None => Default::default(),
        },
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
                parse_time(&s)
                    .ok_or_else(|| ApiError::Internal("stored time could not be read".into()))?,
            ),
            None => None,
        },
    })
}

const VOUCHER_COLUMNS: &str =
    "id, kind, title, description, code, valid_from, valid_until, state, redeemed_at, seq, titles";

fn voucher_by_id(tx: &Transaction<'_>, id: &str) -> ApiResult<Option<(VoucherItem, String)>> {
    let row = tx
        .query_row(
            &format!("SELECT {VOUCHER_COLUMNS}, member_id FROM vouchers WHERE id = ?1"),
            [id],
            |r| Ok((voucher_item(r), r.get::<_, String>(11)?)),
        )
        .optional()?;
    match row {
        Some((item, member)) => Ok(Some((item?, member))),
        None => Ok(None),
    }
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
        titles: req.titles,
        id: credentials::new_id("v_"),
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
    let titles = if voucher.titles.is_empty() {
        None
    } else {
        Some(
            serde_json::to_string(&voucher.titles)
                .map_err(|_| ApiError::Internal("voucher titles could not be encoded".into()))?,
        )
    };
    let seq = next_seq(tx, member_id)?;
    tx.execute(
        "INSERT INTO vouchers (id, member_id, seq, kind, title, description, code, valid_from,
             valid_until, state, titles)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'available', ?10)",
        params![
            voucher.id,
            member_id,
            seq,
            kind,
            voucher.title,
            voucher.description,
            voucher.code,
            fmt_time(voucher.valid_from),
            fmt_time(voucher.valid_until),
            titles
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
