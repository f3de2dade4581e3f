//! The `receipts` table: till purchases and imported receipts, the points they earn, their
//! delta feed.

use super::idempotency::answer;
use super::ledger::{insert_ledger, ledger_id};
use super::members::{require_member, resolve_card};
use super::memberships::membership_of;
use super::{decode_err, next_seq, Store};
use crate::credentials;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use chrono::{DateTime, Utc};
use loyalty_domain::membership::{points_with, premium_at};
use loyalty_domain::offers::apply_offers;
use loyalty_domain::points::NewEntry;
use loyalty_domain::receipts::{Receipt, ReceiptSource};
use loyalty_domain::reminders::{matching_recalls, RecallNotice, ReceiptIndex};
use rusqlite::{params, OptionalExtension, Transaction};

impl Store {
    pub fn receipts_page(
        &self,
        member_id: &str,
        after: &Cursor,
        limit: i64,
    ) -> ApiResult<Page<Receipt>> {
        self.feed_page(
            "SELECT body, seq FROM receipts WHERE member_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            member_id,
            after,
            limit,
            |r| {
                let body: String = r.get(0)?;
                Ok((
                    serde_json::from_str::<Receipt>(&body).map_err(decode_err("receipt")),
                    r.get::<_, i64>(1)?,
                ))
            },
        )
    }
}

impl Store {
    /// The members whose receipts hold a line the recall concerns, by the phone's own rule
    /// (`matching_recalls`: a recalled GTIN bought in the sale window, its lot listed or
    /// unknown), sorted. Read from the receipts this server delivered: it learns nothing new.
    pub fn recall_audience(
        &self,
        notice: &RecallNotice,
        now: DateTime<Utc>,
    ) -> ApiResult<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT member_id, body FROM receipts ORDER BY member_id, seq")?;
        let mut rows = stmt.query([])?;
        let mut audience = Vec::new();
        let mut member: Option<String> = None;
        let mut receipts: Vec<Receipt> = Vec::new();
        let notices = std::slice::from_ref(notice);
        let mut close = |member: Option<String>, receipts: &mut Vec<Receipt>| {
            if let Some(m) = member {
                let index = ReceiptIndex::from_receipts(receipts);
                if !matching_recalls(&index, notices, now).is_empty() {
                    audience.push(m);
                }
            }
            receipts.clear();
        };
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            if member.as_deref() != Some(id.as_str()) {
                close(member.replace(id), &mut receipts);
            }
            let body: String = row.get(1)?;
            receipts.push(serde_json::from_str(&body).map_err(decode_err("receipt"))?);
        }
        close(member, &mut receipts);
        Ok(audience)
    }
}

/// Points a receipt earns: one per full currency unit (100 minor units) of its total, what the
/// shopper paid (the offers' discounts taken off).
pub fn points_for(receipt: &Receipt) -> i64 {
    receipt.total().amount_minor.max(0) / 100
}

pub(super) fn earn_entry(receipt: &Receipt, points: i64) -> NewEntry {
    NewEntry::earn(points, false)
        .with_reference(receipt.id.clone())
        .with_description(format!("Purchase at {}", receipt.store_name))
}

/// Stores `receipt` for `member_id` and, when it earns points and `credit` is set, the earn entry
/// that credits it. Returns (points earned, ledger row id).
pub(super) fn insert_receipt(
    tx: &Transaction<'_>,
    member_id: &str,
    receipt: &Receipt,
    credit: bool,
    now: DateTime<Utc>,
) -> ApiResult<(i64, Option<i64>)> {
    insert_receipt_earning(tx, member_id, receipt, points_for(receipt), credit, now)
}

/// [`insert_receipt`] with the points the receipt earns given (a till purchase's, with the
/// member's premium multiplier): the receipt keeps them, and its earn entry credits them.
fn insert_receipt_earning(
    tx: &Transaction<'_>,
    member_id: &str,
    receipt: &Receipt,
    points: i64,
    credit: bool,
    now: DateTime<Utc>,
) -> ApiResult<(i64, Option<i64>)> {
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

/// Builds, checks and stores a till purchase.
pub fn till_purchase(
    tx: &Transaction<'_>,
    req: PurchaseRequest,
    seal_with: &loyalty_domain::card::SigningKey,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    let mut receipt = Receipt {
        store_names: req.store_names,
        id: credentials::new_id("r_"),
        store_name: req.store_name,
        purchased_at: now,
        lines: req.lines,
        source: ReceiptSource::Till,
        return_window_days: req.return_window_days,
        discounts: Vec::new(),
        seal: None,
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
        receipt.id = credentials::new_id("r_");
    }
    // The member's premium membership, as it stands at the purchase time (to the instant): its
    // premium-only offers and its points multiplier.
    let membership = membership_of(tx, &member.id)?;
    let premium = premium_at(membership.as_ref(), now);
    // The member's offers, chosen before the receipt is written (what was usable when the card
    // was scanned), applied and used after it (a use names its receipt).
    // The receipt keeps the discounts and earns its points on what the shopper paid.
    let usable = super::offers::usable_offers(tx, &member.id, premium, now)?;
    let applied = apply_offers(&receipt.lines, &usable, now)?;
    receipt.discounts = applied.receipt_discounts(&usable)?;
    receipt.validate()?;
    let points = points_with(membership.as_ref(), points_for(&receipt), now);
    let (points_earned, ledger) =
        insert_receipt_earning(tx, &member.id, &receipt, points, true, now)?;
    let offers = super::offers::redeem_at_till(tx, &member.id, &receipt, &usable, applied, now)?;
    // The till's copy carries the same seal as the feed's (deterministic), so a receipt the
    // till hands to the app proves its lines at once.
    receipt.seal = loyalty_domain::proof::seal_receipt(&receipt, seal_with).ok();
    answer(
        201,
        &PurchaseResult {
            receipt,
            points_earned,
            ledger_id: ledger.map(|l| ledger_id(tx, l)).transpose()?,
            offers: Some(offers),
        },
    )
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
                ledger_id: credit.map(|c| ledger_id(tx, c.0)).transpose()?,
                offers: None,
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
            ledger_id: ledger.map(|l| ledger_id(tx, l)).transpose()?,
            offers: None,
        },
    )
}
