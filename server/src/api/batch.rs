//! The member's batch of writes (`POST /v1/batch`): offline redemptions, point claims, receipt
//! claims, offer activations, invoice requests, survey answers and settings in one request and
//! one store transaction. Each item carries its own idempotency key, is checked, written and
//! answered on its own (a bad item does not sink the others), and its answer is stored exactly
//! as the single-item endpoint stores it: a replay of an item, in a batch or alone, gets its
//! first answer.

use super::request::{json, member_auth, parse_body, text_field};
use super::{AppState, Shared};
use crate::db;
use crate::db::idempotency::{BatchAnswer, BatchItem};
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

/// Most items one batch may carry (a client sends more as several batches).
pub const MAX_BATCH_ITEMS: usize = 250;

/// An item as checked: what to write, or why it is refused.
type Checked = Result<BatchItem<'static>, ApiError>;

pub(super) async fn batch(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (member, token) = member_auth(&state, &headers).await?;
    let (req, _) = parse_body::<BatchRequest>(&body)?;
    if req.items.is_empty() || req.items.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::invalid(format!(
            "a batch carries 1 to {MAX_BATCH_ITEMS} items"
        )));
    }
    let keys: Vec<Option<String>> = req
        .items
        .iter()
        .map(|v| {
            v.get("idempotency_key")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    let checked: Vec<Checked> = req
        .items
        .into_iter()
        .map(|v| check_item(&member, &token, &state, v))
        .collect();
    let scope = format!("member:{member}");
    let answers: Vec<Option<BatchAnswer>> = state
        .db(move |s, now, _| {
            let mut writes = Vec::new();
            let mut slots = Vec::with_capacity(checked.len());
            let mut refused = Vec::new();
            for c in checked {
                match c {
                    Ok(item) => {
                        slots.push(true);
                        writes.push(item);
                    }
                    Err(e) => {
                        slots.push(false);
                        refused.push(e);
                    }
                }
            }
            let mut written = s.write_batch(&scope, writes, now)?.into_iter();
            let mut refused = refused.into_iter();
            Ok(slots
                .into_iter()
                .map(|ok| {
                    if ok {
                        written.next()
                    } else {
                        refused.next().map(Err)
                    }
                })
                .collect())
        })
        .await?;
    let results = answers
        .into_iter()
        .zip(keys)
        .map(|(answer, idempotency_key)| match answer {
            Some(Ok(a)) => BatchItemResult {
                idempotency_key,
                status: a.status,
                body: serde_json::from_str(&a.body).unwrap_or(Value::Null),
                replayed: a.replayed,
            },
            Some(Err(e)) => BatchItemResult {
                idempotency_key,
                status: e.status().as_u16(),
                body: e.body_json(),
                replayed: false,
            },
            None => BatchItemResult {
                idempotency_key,
                status: 500,
                body: ApiError::Internal(String::new()).body_json(),
                replayed: false,
            },
        })
        .collect();
    Ok(json(StatusCode::OK, &BatchResponse { results }))
}

/// Checks one item as its single-item endpoint checks its request, and prepares its write with
/// the same idempotency record (same key, same request hash).
fn check_item(member: &str, token: &str, state: &AppState, raw: Value) -> Checked {
    let public_key = &state.public_key;
    let item: BatchItemRequest = serde_json::from_value(raw).map_err(|_| {
        ApiError::invalid("a batch item needs kind, body and (for writes) idempotency_key")
    })?;
    let key = match item.idempotency_key {
        Some(k) => Some(checked_key(k)?),
        None => None,
    };
    let needs_key = || {
        key.clone()
            .ok_or_else(|| ApiError::invalid("this item needs an idempotency_key"))
    };
    let body = Bytes::from(serde_json::to_vec(&item.body).unwrap_or_default());
    let member = member.to_string();
    match item.kind.as_str() {
        "redemption" => {
            let key = needs_key()?;
            let (req, value) = parse_body::<RedemptionRequest>(&body)?;
            text_field("voucher_id", &req.voucher_id, 128)?;
            Ok(BatchItem {
                key: Some(key),
                request_hash: request_hash(&Method::POST, "/v1/redemptions", &value),
                op: Box::new(move |tx, now| {
                    db::vouchers::member_redemption(tx, &member, &req.voucher_id, now)
                }),
            })
        }
        "claim" => {
            let key = needs_key()?;
            let (req, value) = parse_body::<ClaimRequest>(&body)?;
            if req.points <= 0 {
                return Err(ApiError::invalid("points must be positive"));
            }
            text_field("reference", &req.reference, 128)?;
            let claim_key = key.clone();
            Ok(BatchItem {
                key: Some(key),
                request_hash: request_hash(&Method::POST, "/v1/claims", &value),
                op: Box::new(move |tx, now| db::ledger::claim(tx, &member, &claim_key, &req, now)),
            })
        }
        "receipt_claim" => {
            let key = needs_key()?;
            let (req, value) = parse_body::<ReceiptClaimRequest>(&body)?;
            let claim = loyalty_domain::claim::read_claim_code(&req.claim_code, public_key)
                .map_err(super::member::claim_refusal)?;
            Ok(BatchItem {
                key: Some(key),
                request_hash: request_hash(&Method::POST, "/v1/receipt-claims", &value),
                op: Box::new(move |tx, now| db::claims::claim_receipt(tx, &member, &claim, now)),
            })
        }
        "invoice" => {
            let key = needs_key()?;
            let (req, value) = parse_body::<InvoiceItemRequest>(&body)?;
            let c = super::invoices::check_invoice_request(
                req.receipt_id,
                req.company,
                req.lang.as_deref(),
                value,
            )?;
            let invoicing = state.invoicing.clone();
            Ok(BatchItem {
                key: Some(key),
                request_hash: c.request_hash,
                op: Box::new(move |tx, now| {
                    db::invoices::issue_invoice(
                        tx,
                        &member,
                        &c.receipt_id,
                        c.company,
                        c.lang,
                        &invoicing,
                        now,
                    )
                }),
            })
        }
        "survey_answer" => {
            let key = needs_key()?;
            let (req, value) = parse_body::<SurveyAnswerRequest>(&body)?;
            let c = super::surveys::check_survey_answer(req, &value)?;
            Ok(BatchItem {
                key: Some(key),
                request_hash: c.request_hash,
                op: Box::new(move |tx, now| {
                    db::surveys::answer_survey(tx, &member, &c.survey_id, &c.answer, now)
                }),
            })
        }
        "company" => {
            let (company, value) = parse_body::<Company>(&body)?;
            let company = db::invoices::checked_company(company)?;
            Ok(BatchItem {
                key,
                request_hash: request_hash(&Method::PUT, "/v1/me/company", &value),
                op: Box::new(move |tx, now| db::invoices::put_company(tx, &member, company, now)),
            })
        }
        "offer_activation" => {
            let key = needs_key()?;
            let (req, _) = parse_body::<OfferActivationRequest>(&body)?;
            super::member::offer_id_checked(&req.offer_id)?;
            // The single-item endpoint's fingerprint: its path and its (empty) body.
            let path = format!("/v1/offers/{}/activation", req.offer_id);
            Ok(BatchItem {
                key: Some(key),
                request_hash: request_hash(&Method::POST, &path, &serde_json::json!({})),
                op: Box::new(move |tx, now| {
                    db::offers::activate(tx, &member, &req.offer_id, now)
                }),
            })
        }
        "consents" => {
            let (consents, value) = parse_body::<Consents>(&body)?;
            Ok(BatchItem {
                key,
                request_hash: request_hash(&Method::PUT, "/v1/me/consents", &value),
                op: Box::new(move |tx, _now| {
                    let stored = db::members::write_consents(tx, &member, consents)?;
                    db::idempotency::answer(200, &stored)
                }),
            })
        }
        "push_token" => {
            let (req, value) = parse_body::<PushTokenRequest>(&body)?;
            text_field("token", &req.token, 4096)?;
            let token = token.to_string();
            Ok(BatchItem {
                key,
                request_hash: request_hash(&Method::PUT, "/v1/me/push-token", &value),
                op: Box::new(move |tx, _now| {
                    db::sessions::register_push_token(tx, &token, req.platform, &req.token)?;
                    Ok((204, "null".into()))
                }),
            })
        }
        _ => Err(ApiError::invalid(
            "kind must be redemption, claim, receipt_claim, offer_activation, invoice, survey_answer, consents, company or push_token",
        )),
    }
}

fn checked_key(k: String) -> ApiResult<String> {
    if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(k)
    } else {
        Err(ApiError::invalid(
            "an idempotency_key must be 1 to 255 visible ASCII characters",
        ))
    }
}
