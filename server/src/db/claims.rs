//! The `claimable_receipts` table: purchases made without the card, issued with a signed claim
//! code by the till, and claimed once: the first member who sends the code gets the receipt and
//! its points; any other member is told it was already claimed.

use super::decode_err;
use super::idempotency::answer;
use super::ledger::ledger_id;
use super::receipts::{insert_receipt, points_for};
use crate::credentials;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use chrono::{DateTime, Duration, DurationRound, Utc};
use loyalty_domain::card::SigningKey;
use loyalty_domain::claim::{sign_claim_code, ClaimCode, ClaimRefusal};
use loyalty_domain::money::Money;
use loyalty_domain::receipts::{Receipt, ReceiptSource};
use rusqlite::{params, OptionalExtension, Transaction};

/// Claim window when the till does not say.
pub const DEFAULT_CLAIM_DAYS: u32 = 30;

fn id_taken(tx: &Transaction<'_>, id: &str) -> ApiResult<bool> {
    Ok(tx
        .query_row(
            "SELECT 1 FROM receipts WHERE id = ?1 UNION ALL SELECT 1 FROM claimable_receipts WHERE id = ?1",
            [id],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The till sold a basket without a card: the receipt is kept unclaimed and its claim code
/// signed with the retailer's key.
pub fn issue_claim_code(
    tx: &Transaction<'_>,
    req: ClaimCodeRequest,
    key: &SigningKey,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    let days = req.claim_days.unwrap_or(DEFAULT_CLAIM_DAYS);
    if !(1..=366).contains(&days) {
        return Err(ApiError::invalid("claim_days must be between 1 and 366"));
    }
    // Claim codes carry whole seconds.
    let purchased_at = now
        .duration_trunc(Duration::seconds(1))
        .map_err(|_| ApiError::Internal("the clock is out of range".into()))?;
    let mut receipt = Receipt {
        store_names: req.store_names,
        id: credentials::new_id("r_"),
        store_name: req.store_name,
        purchased_at,
        lines: req.lines,
        source: ReceiptSource::Till,
        return_window_days: req.return_window_days,
        discounts: Vec::new(),
        seal: None,
    };
    receipt.validate()?;
    while id_taken(tx, &receipt.id)? {
        receipt.id = credentials::new_id("r_");
    }
    let points = points_for(&receipt);
    let total = receipt.total();
    let claim_until = purchased_at + Duration::days(i64::from(days));
    let claim = ClaimCode {
        receipt_id: receipt.id.clone(),
        store_name: receipt.store_name.clone(),
        purchased_at,
        total: Money {
            amount_minor: total.amount_minor,
            currency: total.currency,
        },
        points,
        claim_until,
    };
    let claim_code = sign_claim_code(&claim, key)?;
    let body = serde_json::to_string(&receipt)
        .map_err(|_| ApiError::Internal("receipt could not be encoded".into()))?;
    tx.execute(
        "INSERT INTO claimable_receipts (id, body, points, claim_until, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![receipt.id, body, points, claim_until.to_rfc3339(), now.to_rfc3339()],
    )?;
    answer(
        201,
        &ClaimCodeResult {
            receipt,
            points,
            claim_until,
            claim_code,
        },
    )
}

/// A member claims the receipt of a verified claim code (signature checked by the caller; the
/// deadline is judged here, on the server's clock). First claim wins; the same member again
/// (another device of the household) gets the same answer.
pub fn claim_receipt(
    tx: &Transaction<'_>,
    member_id: &str,
    claim: &ClaimCode,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    let result = |outcome: &str, ledger: Option<String>, refusal: Option<ClaimRefusal>| {
        answer(
            200,
            &ReceiptClaimResult {
                outcome: outcome.into(),
                receipt_id: claim.receipt_id.clone(),
                points: claim.points,
                ledger_id: ledger,
                refusal: refusal.map(|r| r.as_str().to_string()),
                reason: refusal.map(|r| r.reason().to_string()),
            },
        )
    };
    super::members::require_member(tx, member_id)?;
    let row: Option<(String, i64, Option<String>, Option<String>)> = tx
        .query_row(
            "SELECT body, points, claimed_by, claimed_at FROM claimable_receipts WHERE id = ?1",
            [&claim.receipt_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((body, points, claimed_by, claimed_at)) = row else {
        // Genuine but unknown here (issued by another server of the retailer, or never stored).
        return result("rejected", None, Some(ClaimRefusal::Unknown));
    };
    match claimed_by {
        Some(owner) if owner == member_id => {
            let ledger: Option<i64> = tx
                .query_row(
                    "SELECT id FROM ledger WHERE credits_receipt = ?1",
                    [&claim.receipt_id],
                    |r| r.get(0),
                )
                .optional()?;
            let ledger = ledger.map(|l| ledger_id(tx, l)).transpose()?;
            return result("claimed", ledger, None);
        }
        Some(_) => return result("already_claimed", None, Some(ClaimRefusal::AlreadyClaimed)),
        // Claimed by an account erased since: its points were given once.
        None if claimed_at.is_some() => {
            return result("already_claimed", None, Some(ClaimRefusal::AlreadyClaimed))
        }
        None => {}
    }
    if now >= claim.claim_until {
        return result("rejected", None, Some(ClaimRefusal::Expired));
    }
    let receipt: Receipt = serde_json::from_str(&body).map_err(decode_err("receipt"))?;
    if points != claim.points {
        return Err(ApiError::Internal(
            "a claim code disagrees with its stored receipt".into(),
        ));
    }
    tx.execute(
        "UPDATE claimable_receipts SET claimed_by = ?2, claimed_at = ?3 WHERE id = ?1",
        params![claim.receipt_id, member_id, now.to_rfc3339()],
    )?;
    let (_, ledger) = insert_receipt(tx, member_id, &receipt, true, now)?;
    let ledger = ledger.map(|l| ledger_id(tx, l)).transpose()?;
    result("claimed", ledger, None)
}
