//! The `offers`, `offer_activations` and `offer_redemptions` tables (schema version 8): offers
//! published by the back office, activated by members, applied at the till with the domain's
//! [`apply_offers`] and used once per their limit. A premium-only offer exists, for a member, only
//! while their premium membership is active (`db/memberships.rs`): listed, activated and applied
//! at the till then, and unknown to them otherwise.
//!
//! Who holds a use: an offer limited to one use per member is held by the member; one limited
//! to one use per household by the household. On this server a household shares one member
//! account (its devices sign in with the household code and show one card), so both holders are
//! the member's id; the `holder` column keeps the rule in one place should households ever span
//! several members.

use super::idempotency::answer;
use super::ledger::{insert_ledger, ledger_id};
use super::members::require_member;
use super::memberships::membership_of;
use super::{decode_err, fmt_time, parse_time, Store};
use crate::credentials;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use chrono::{DateTime, Utc};
use loyalty_domain::membership::premium_at;
use loyalty_domain::offers::{
    Applied, Offer, OfferActivation, OfferLimit, OfferRefusal, OfferScope, OfferState,
    MAX_OFFERS_PER_BASKET,
};
use loyalty_domain::points::NewEntry;
use loyalty_domain::receipts::Receipt;
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::HashMap;

/// An offer as stored, with the member it is personal to.
struct Stored {
    offer: Offer,
    member_id: Option<String>,
}

fn refused(r: OfferRefusal) -> ApiError {
    ApiError::Refused {
        reason: r.reason().into(),
        refusal: r.as_str(),
    }
}

/// Who holds a use of `offer` by `member_id` (see the module docs).
fn holder(offer: &Offer, member_id: &str) -> String {
    match offer.limit {
        OfferLimit::OncePerMember | OfferLimit::OncePerHousehold => member_id.to_string(),
    }
}

fn offer_by_id(tx: &Transaction<'_>, id: &str) -> ApiResult<Option<Stored>> {
    let row: Option<(String, Option<String>)> = tx
        .query_row(
            "SELECT body, member_id FROM offers WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(body, member_id)| {
        Ok(Stored {
            offer: serde_json::from_str(&body).map_err(decode_err("offer"))?,
            member_id,
        })
    })
    .transpose()
}

/// The general offers and the member's personal ones.
fn offers_of(conn: &rusqlite::Connection, member_id: &str) -> ApiResult<Vec<Offer>> {
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM offers WHERE member_id IS NULL OR member_id = ?1 ORDER BY id",
    )?;
    let bodies = stmt
        .query_map([member_id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    bodies
        .iter()
        .map(|b| serde_json::from_str(b).map_err(decode_err("offer")))
        .collect()
}

/// The member's activations: offer id → when.
fn activations(
    conn: &rusqlite::Connection,
    member_id: &str,
) -> ApiResult<HashMap<String, DateTime<Utc>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT offer_id, activated_at FROM offer_activations WHERE member_id = ?1",
    )?;
    let rows = stmt
        .query_map([member_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, at)| {
            parse_time(&at)
                .map(|t| (id, t))
                .ok_or_else(|| ApiError::Internal("stored time could not be read".into()))
        })
        .collect()
}

/// When `offer` was used by its holder for `member_id`, if it was.
fn used_at(
    conn: &rusqlite::Connection,
    offer: &Offer,
    member_id: &str,
) -> ApiResult<Option<DateTime<Utc>>> {
    let at: Option<String> = conn
        .prepare_cached(
            "SELECT redeemed_at FROM offer_redemptions WHERE offer_id = ?1 AND holder = ?2",
        )?
        .query_row(params![offer.id, holder(offer, member_id)], |r| r.get(0))
        .optional()?;
    at.map(|s| {
        parse_time(&s).ok_or_else(|| ApiError::Internal("stored time could not be read".into()))
    })
    .transpose()
}

impl Store {
    /// GET /v1/offers (see [`member_offers`]).
    pub fn offers(&self, member_id: &str, now: DateTime<Utc>) -> ApiResult<OfferList> {
        member_offers(&self.conn, member_id, now)
    }
}

/// GET /v1/offers: the member's offers that have not ended, with their state, soonest ending
/// first (then by id). Premium-only offers only while the member's membership is active at
/// `now`.
fn member_offers(
    conn: &rusqlite::Connection,
    member_id: &str,
    now: DateTime<Utc>,
) -> ApiResult<OfferList> {
    let activated = activations(conn, member_id)?;
    let premium = premium_at(membership_of(conn, member_id)?.as_ref(), now);
    let mut items = Vec::new();
    for offer in offers_of(conn, member_id)? {
        if now < offer.valid_until && (premium || !offer.premium_only) {
            items.push(item(conn, offer, member_id, &activated)?);
        }
    }
    items.sort_by(|a, b| {
        a.offer
            .valid_until
            .cmp(&b.offer.valid_until)
            .then_with(|| a.offer.id.cmp(&b.offer.id))
    });
    Ok(OfferList { items })
}

/// `offer` as `member_id` sees it, with its state for them.
fn item(
    conn: &rusqlite::Connection,
    offer: Offer,
    member_id: &str,
    activated: &HashMap<String, DateTime<Utc>>,
) -> ApiResult<OfferItem> {
    let used = used_at(conn, &offer, member_id)?;
    let activated_at = activated.get(&offer.id).copied();
    Ok(OfferItem {
        state: OfferState::of(&offer, activated_at.is_some(), used.is_some()),
        offer,
        activated_at,
        used_at: used,
    })
}

/// For the account export: the offers that say something about the member, ended ones too —
/// those published for them alone, and those they activated or used — by id.
pub(super) fn exported(conn: &rusqlite::Connection, member_id: &str) -> ApiResult<Vec<OfferItem>> {
    let activated = activations(conn, member_id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM offers WHERE member_id = ?1
             OR id IN (SELECT offer_id FROM offer_activations WHERE member_id = ?1)
             OR id IN (SELECT offer_id FROM offer_redemptions WHERE member_id = ?1)
         ORDER BY id",
    )?;
    let bodies = stmt
        .query_map([member_id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    bodies
        .iter()
        .map(|b| {
            let offer: Offer = serde_json::from_str(b).map_err(decode_err("offer"))?;
            item(conn, offer, member_id, &activated)
        })
        .collect()
}

/// POST /v1/offers/{offer_id}/activation. Activating again changes nothing and answers the
/// first activation; activating an automatic offer (usable without it) only records when; an
/// offer already used answers `used`. A premium-only offer is, to a member whose membership is
/// not active at `now`, an unknown offer (they are not shown it either).
pub fn activate(
    tx: &Transaction<'_>,
    member_id: &str,
    offer_id: &str,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    let unknown = || ApiError::NotFound(OfferRefusal::Unknown.reason().into());
    let Some(stored) = offer_by_id(tx, offer_id)? else {
        return Err(unknown());
    };
    if stored.offer.premium_only && !premium_at(membership_of(tx, member_id)?.as_ref(), now) {
        return Err(unknown());
    }
    if stored.member_id.as_deref().is_some_and(|m| m != member_id) {
        return Err(refused(OfferRefusal::NotYours));
    }
    let offer = stored.offer;
    let existing: Option<String> = tx
        .query_row(
            "SELECT activated_at FROM offer_activations WHERE member_id = ?1 AND offer_id = ?2",
            params![member_id, offer.id],
            |r| r.get(0),
        )
        .optional()?;
    let used = used_at(tx, &offer, member_id)?;
    let activated_at = match existing {
        Some(at) => parse_time(&at)
            .ok_or_else(|| ApiError::Internal("stored time could not be read".into()))?,
        None => {
            if used.is_none() {
                offer.check_activation(now).map_err(refused)?;
            }
            tx.execute(
                "INSERT INTO offer_activations (member_id, offer_id, activated_at)
                 VALUES (?1, ?2, ?3)",
                params![member_id, offer.id, fmt_time(now)],
            )?;
            now
        }
    };
    answer(
        200,
        &OfferActivationResult {
            offer_id: offer.id,
            state: if used.is_some() {
                OfferState::Used
            } else {
                OfferState::Activated
            },
            activated_at,
        },
    )
}

/// POST /v1/admin/offers: publishes an offer, general or personal.
pub fn publish(
    tx: &Transaction<'_>,
    req: PublishOfferRequest,
    now: DateTime<Utc>,
) -> ApiResult<(u16, String)> {
    if let Some(member_id) = &req.member_id {
        require_member(tx, member_id)?;
    }
    let offer = Offer {
        id: credentials::new_id("o_"),
        title: req.title,
        kind: req.kind,
        min_quantity: req.min_quantity.unwrap_or(1),
        valid_from: req.valid_from.unwrap_or(now),
        valid_until: req.valid_until,
        scope: if req.member_id.is_some() {
            OfferScope::Personal
        } else {
            OfferScope::General
        },
        activation: req.activation,
        limit: req.limit,
        premium_only: req.premium_only,
    };
    offer.validate()?;
    if offer.valid_until <= now {
        return Err(ApiError::invalid("offer valid_until must be in the future"));
    }
    let body = serde_json::to_string(&offer)
        .map_err(|_| ApiError::Internal("offer could not be encoded".into()))?;
    tx.execute(
        "INSERT INTO offers (id, member_id, body, published_at) VALUES (?1, ?2, ?3, ?4)",
        params![offer.id, req.member_id, body, fmt_time(now)],
    )?;
    answer(201, &offer)
}

/// The offers `member_id` may use at the till at `now`: general or theirs, in their window,
/// activated (or automatic), not used by their holder, and premium-only ones only when the
/// member is `premium` (their membership is active at `now`). At most
/// [`MAX_OFFERS_PER_BASKET`], those ending soonest first. An offer stored by an older server
/// that today's rules refuse is left out rather than refusing the purchase.
pub(super) fn usable_offers(
    tx: &Transaction<'_>,
    member_id: &str,
    premium: bool,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Offer>> {
    let activated = activations(tx, member_id)?;
    let mut usable = Vec::new();
    for offer in offers_of(tx, member_id)? {
        let active =
            offer.activation == OfferActivation::Automatic || activated.contains_key(&offer.id);
        if active
            && (premium || !offer.premium_only)
            && offer.is_valid_at(now)
            && offer.validate().is_ok()
            && used_at(tx, &offer, member_id)?.is_none()
        {
            usable.push(offer);
        }
    }
    usable.sort_by(|a, b| {
        a.valid_until
            .cmp(&b.valid_until)
            .then_with(|| a.id.cmp(&b.id))
    });
    usable.truncate(MAX_OFFERS_PER_BASKET);
    Ok(usable)
}

/// Records what the member's usable offers gave a till receipt already stored (`applied`, the
/// discounts the receipt keeps): each offer used
/// (once per its limit: the primary key refuses a second use) and credits the extra points, one
/// ledger entry per offer.
pub(super) fn redeem_at_till(
    tx: &Transaction<'_>,
    member_id: &str,
    receipt: &Receipt,
    offers: &[Offer],
    applied: Applied,
    now: DateTime<Utc>,
) -> ApiResult<PurchaseOffers> {
    let mut ledger_ids = Vec::new();
    let used: Vec<String> = applied
        .used_offers()
        .into_iter()
        .map(str::to_string)
        .collect();
    for id in &used {
        let offer = offers
            .iter()
            .find(|o| &o.id == id)
            .ok_or_else(|| ApiError::Internal("an applied offer was not given".into()))?;
        let discount: i64 = applied
            .discounts
            .iter()
            .filter(|d| &d.offer_id == id)
            .map(|d| d.amount_minor)
            .sum();
        let points: i64 = applied
            .extra_points
            .iter()
            .filter(|p| &p.offer_id == id)
            .map(|p| p.extra_points)
            .sum();
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO offer_redemptions (offer_id, holder, member_id, receipt_id,
                 discount_minor, extra_points, redeemed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                holder(offer, member_id),
                member_id,
                receipt.id,
                discount,
                points,
                fmt_time(now)
            ],
        )?;
        if inserted != 1 {
            return Err(ApiError::Internal(
                "an offer was used twice inside one transaction".into(),
            ));
        }
        if points > 0 {
            let entry = NewEntry::earn(points, false)
                .with_reference(id.clone())
                .with_description("Extra points from an offer");
            let rowid = insert_ledger(tx, member_id, &entry, now, None, None)?;
            ledger_ids.push(ledger_id(tx, rowid)?);
        }
    }
    Ok(PurchaseOffers {
        total_discount_minor: applied.total_discount_minor(),
        // The receipt's total is what the shopper pays: its discounts are these.
        amount_due: receipt.total(),
        extra_points_total: applied.total_extra_points(),
        discounts: applied.discounts,
        extra_points: applied.extra_points,
        free_items: applied.free_items,
        ledger_ids,
        used_offers: used,
    })
}
