//! Company invoices for the member's receipts (issue #12): `POST`/`GET
//! /v1/receipts/{receipt_id}/invoice`, and the saved company details (`GET`/`PUT /v1/me/company`).

use super::request::{
    idempotency_key, idempotent_write, json, member_auth, parse_body, text_field,
};
use super::Shared;
use crate::db;
use crate::db::invoices::{checked_company, parse_lang};
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;

pub(super) const INVOICE_PATH: &str = "/v1/receipts/{receipt_id}/invoice";

/// An invoice request as checked, the same for the endpoint and a batch item.
pub(super) struct CheckedInvoiceRequest {
    pub receipt_id: String,
    pub company: Option<Company>,
    pub lang: loyalty_domain::reminders::Lang,
    pub request_hash: String,
}

/// Checks an invoice request for `receipt_id` whose body is `value`. The receipt is part of the
/// request's fingerprint: the same key for another receipt is a different request.
pub(super) fn check_invoice_request(
    receipt_id: String,
    company: Option<Company>,
    lang: Option<&str>,
    mut value: serde_json::Value,
) -> ApiResult<CheckedInvoiceRequest> {
    text_field("receipt_id", &receipt_id, 128)?;
    let lang = parse_lang(lang)?;
    let company = company.map(checked_company).transpose()?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("receipt_id".into(), receipt_id.clone().into());
    }
    Ok(CheckedInvoiceRequest {
        request_hash: request_hash(&Method::POST, INVOICE_PATH, &value),
        receipt_id,
        company,
        lang,
    })
}

/// Marks an answer that holds personal data as not to be cached.
pub(super) fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// POST /v1/receipts/{receipt_id}/invoice (Idempotency-Key required).
pub(super) async fn issue_invoice(
    State(state): State<Shared>,
    Path(receipt_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let key = idempotency_key(&headers, true)?.unwrap_or_default();
    text_field("receipt_id", &receipt_id, 128)?;
    let (req, value) = parse_body::<InvoiceRequest>(&body)?;
    let c = check_invoice_request(receipt_id, req.company, req.lang.as_deref(), value)?;
    let scope = format!("member:{member}");
    let response = idempotent_write(
        &state,
        scope,
        Some(key),
        c.request_hash,
        move |tx, now, st| {
            db::invoices::issue_invoice(
                tx,
                &member,
                &c.receipt_id,
                c.company,
                c.lang,
                &st.invoicing,
                now,
            )
        },
    )
    .await?;
    Ok(no_store(response))
}

/// GET /v1/receipts/{receipt_id}/invoice.
pub(super) async fn get_invoice(
    State(state): State<Shared>,
    Path(receipt_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    text_field("receipt_id", &receipt_id, 128)?;
    let found = state
        .db(move |s, _, _| s.invoice_of(&member, &receipt_id))
        .await?;
    let invoice = found.ok_or_else(|| ApiError::NotFound("no invoice for this receipt".into()))?;
    Ok(no_store(json(StatusCode::OK, &invoice)))
}

/// GET /v1/me/company: the saved company details, 404 when none are saved.
pub(super) async fn get_company(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let found = state.db(move |s, _, _| s.company_of(&member)).await?;
    let company = found.ok_or_else(|| ApiError::NotFound("no company details are saved".into()))?;
    Ok(no_store(json(StatusCode::OK, &company)))
}

/// DELETE /v1/me/company: forgets the company details (204, also when none were saved).
pub(super) async fn delete_company(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    state
        .db(move |s, now, _| {
            s.write(None, now, |tx| {
                db::invoices::delete_company(tx, &member)?;
                Ok((204, String::new()))
            })
        })
        .await?;
    Ok(axum::response::IntoResponse::into_response(
        StatusCode::NO_CONTENT,
    ))
}

/// PUT /v1/me/company: checks and saves the company details (an Idempotency-Key is optional).
pub(super) async fn put_company(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let key = idempotency_key(&headers, false)?;
    let (company, value) = parse_body::<Company>(&body)?;
    let company = checked_company(company)?;
    let hash = request_hash(&method, "/v1/me/company", &value);
    let scope = format!("member:{member}");
    let response = idempotent_write(&state, scope, key, hash, move |tx, now, _| {
        db::invoices::put_company(tx, &member, company, now)
    })
    .await?;
    Ok(no_store(response))
}
