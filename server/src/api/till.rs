//! The till's endpoints (till token): a scanned card code, a purchase, a voucher redeemed at
//! the counter.

use super::request::{idempotency_key, idempotent_write, json, parse_body, till_auth};
use super::Shared;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use loyalty_domain::card::{verify_voucher_code, VoucherRefusal};
use loyalty_domain::proof::{verify_line_proof, ProofRefusal};

pub(super) async fn till_scan(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    let (req, _) = parse_body::<ScanRequest>(&body)?;
    let scanned = state
        .db(move |s, now, _| s.till_scan(&req.payload, now))
        .await?;
    Ok(json(StatusCode::OK, &scanned))
}

pub(super) async fn till_purchase(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    let key = idempotency_key(&headers, true)?.unwrap_or_default();
    let (req, value) = parse_body::<PurchaseRequest>(&body)?;
    let hash = request_hash(&method, "/v1/till/purchases", &value);
    idempotent_write(
        &state,
        "till".into(),
        Some(key),
        hash,
        move |tx, now, st| db::receipts::till_purchase(tx, req, &st.signing_key, now),
    )
    .await
}

/// POST /v1/till/claim-codes: a purchase made without the card; the answer carries the receipt
/// and the signed claim code the till shows and prints.
pub(super) async fn till_claim_code(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    let key = idempotency_key(&headers, true)?.unwrap_or_default();
    let (req, value) = parse_body::<ClaimCodeRequest>(&body)?;
    let hash = request_hash(&method, "/v1/till/claim-codes", &value);
    idempotent_write(
        &state,
        "till".into(),
        Some(key),
        hash,
        move |tx, now, st| db::claims::issue_claim_code(tx, req, &st.signing_key, now),
    )
    .await
}

fn voucher_refusal(r: VoucherRefusal) -> ApiError {
    ApiError::Refused {
        reason: r.reason().into(),
        refusal: match r {
            VoucherRefusal::Malformed => "malformed",
            VoucherRefusal::BadSignature => "forged",
            VoucherRefusal::NotYetValid => "not_yet_valid",
            VoucherRefusal::Expired => "expired",
        },
    }
}

pub(super) async fn till_redemption(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    let key = idempotency_key(&headers, true)?.unwrap_or_default();
    let (req, value) = parse_body::<TillRedemptionRequest>(&body)?;
    let hash = request_hash(&method, "/v1/till/redemptions", &value);
    idempotent_write(
        &state,
        "till".into(),
        Some(key),
        hash,
        move |tx, now, st| {
            // Verified as an offline till would: signature and window, then redeemed once.
            let verified = verify_voucher_code(&req.voucher_code, &st.public_key, now)
                .map_err(voucher_refusal)?;
            db::vouchers::till_redemption(tx, &verified, now)
        },
    )
    .await
}

fn proof_refusal(r: ProofRefusal) -> ApiError {
    ApiError::Refused {
        reason: r.reason().into(),
        refusal: r.as_str(),
    }
}

/// POST /v1/till/receipt-proofs: a receipt line proof the shopper shows for a warranty claim or
/// a return, verified as an offline till would (the retailer's key, no database): the line, its
/// price, date and store as signed, or a 422 refusal. A read: nothing is stored.
pub(super) async fn till_receipt_proof(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    let (req, _) = parse_body::<ReceiptProofRequest>(&body)?;
    let proof = verify_line_proof(&req.proof, &state.public_key).map_err(proof_refusal)?;
    let result = ReceiptProofResult {
        paid_minor: proof.line.paid_minor(),
        warranty_until: proof.line.warranty_until(proof.purchased_at),
        proof,
    };
    Ok(json(StatusCode::OK, &result))
}
