//! The retailer's back office (till token): content feeds, vouchers issued and revoked, offers
//! published, points adjusted, receipts imported, premium memberships recorded and cancelled,
//! and injected faults for tests.

use super::feeds::{content_kind, etag};
use super::request::{idempotency_key, idempotent_write, json, parse_body, till_auth};
use super::{lock, AppState, Fault, Shared};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use loyalty_domain::membership::Membership;
use loyalty_domain::reminders::{recall_alert, PushMessage, RecallNotice};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub(super) async fn admin_content(
    State(state): State<Shared>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    let kind = content_kind(&kind)?;
    let (value, _) = parse_body::<Value>(&body)?;
    let published = state
        .db(move |s, now, _| s.publish_content(kind, &value, now))
        .await?;
    let mut response = json(StatusCode::OK, &published);
    if let Ok(v) = HeaderValue::from_str(&etag(published.version)) {
        response.headers_mut().insert(header::ETAG, v);
    }
    Ok(response)
}

/// A recall as a visible alert: who gets it and what is sent. The retailer's push sender sends
/// `apns` to the iOS devices of `members` (those whose receipts hold the recalled product, by the
/// phone's own matching rule); Android devices get the recall as a data message (the push
/// message JSON), which the app matches itself. Reads only: nothing is stored or sent here.
pub(super) async fn admin_recall_alert(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    let (notice, _) = parse_body::<RecallNotice>(&body)?;
    notice
        .validate()
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let members = state
        .db({
            let notice = notice.clone();
            move |s, now, _| s.recall_audience(&notice, now)
        })
        .await?;
    let answer = serde_json::json!({
        "recall_id": notice.id,
        "members": members,
        "apns": recall_alert(&notice),
        "message": PushMessage::Recall(notice.clone()).to_json(),
    });
    Ok(json(StatusCode::OK, &answer))
}

/// An admin write: till token, optional Idempotency-Key (honoured when sent).
async fn admin_write<T, F>(
    state: Shared,
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
    op: F,
) -> ApiResult<Response>
where
    T: DeserializeOwned + Send + 'static,
    F: FnOnce(&rusqlite::Transaction<'_>, T, DateTime<Utc>, &AppState) -> ApiResult<(u16, String)>
        + Send
        + 'static,
{
    till_auth(&state, &headers)?;
    let key = idempotency_key(&headers, false)?;
    let (req, value) = parse_body::<T>(&body)?;
    let hash = request_hash(&method, &path, &value);
    idempotent_write(&state, "admin".into(), key, hash, move |tx, now, st| {
        op(tx, req, now, st)
    })
    .await
}

pub(super) async fn admin_voucher(
    State(state): State<Shared>,
    Path(member_id): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let path = format!("/v1/admin/members/{member_id}/vouchers");
    admin_write(
        state,
        method,
        path,
        headers,
        body,
        move |tx, req: IssueVoucherRequest, now, st| {
            db::vouchers::issue_voucher(tx, &member_id, req, &st.signing_key, now)
        },
    )
    .await
}

/// POST /v1/admin/offers: publishes an offer, general or (with `member_id`) personal.
pub(super) async fn admin_offer(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    admin_write(
        state,
        method,
        "/v1/admin/offers".into(),
        headers,
        body,
        move |tx, req: PublishOfferRequest, now, _| db::offers::publish(tx, req, now),
    )
    .await
}

pub(super) async fn admin_revoke(
    State(state): State<Shared>,
    Path((member_id, voucher_id)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let path = format!("/v1/admin/members/{member_id}/vouchers/{voucher_id}/revoke");
    // The body is optional here: an empty one counts as {}.
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        Bytes::from_static(b"{}")
    } else {
        body
    };
    admin_write(
        state,
        method,
        path,
        headers,
        body,
        move |tx, _: Value, _, _| db::vouchers::revoke_voucher(tx, &member_id, &voucher_id),
    )
    .await
}

pub(super) async fn admin_points(
    State(state): State<Shared>,
    Path(member_id): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let path = format!("/v1/admin/members/{member_id}/points");
    admin_write(
        state,
        method,
        path,
        headers,
        body,
        move |tx, req: PointsRequest, now, _| db::ledger::adjust_points(tx, &member_id, req, now),
    )
    .await
}

pub(super) async fn admin_receipt(
    State(state): State<Shared>,
    Path(member_id): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let path = format!("/v1/admin/members/{member_id}/receipts");
    admin_write(
        state,
        method,
        path,
        headers,
        body,
        move |tx, req: ImportReceiptRequest, now, _| {
            db::receipts::import_receipt(tx, &member_id, req, now)
        },
    )
    .await
}

/// PUT /v1/admin/members/{member_id}/membership: records the member's premium membership (paid
/// through the platform's in-app purchase or at the till), replacing their current record. The
/// body is the domain's `Membership` exactly (unknown fields refused), checked with its rules.
/// An Idempotency-Key is optional (a PUT replaces: sending it again is harmless).
pub(super) async fn admin_put_membership(
    State(state): State<Shared>,
    Path(member_id): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    let key = idempotency_key(&headers, false)?;
    let (membership, value) = parse_body::<Membership>(&body)?;
    membership.validate()?;
    let path = format!("/v1/admin/members/{member_id}/membership");
    let hash = request_hash(&method, &path, &value);
    idempotent_write(&state, "admin".into(), key, hash, move |tx, now, _| {
        db::memberships::put_membership(tx, &member_id, &membership, now)
    })
    .await
}

/// DELETE /v1/admin/members/{member_id}/membership: a cancellation or refund; the record is
/// removed and its benefits stop at once. 204, also when there was none.
pub(super) async fn admin_delete_membership(
    State(state): State<Shared>,
    Path(member_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    state
        .db(move |s, now, _| {
            s.write(None, now, |tx| {
                db::memberships::delete_membership(tx, &member_id)?;
                Ok((204, String::new()))
            })
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn admin_faults(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    let (req, _) = parse_body::<FaultRequest>(&body)?;
    let status = match req.status {
        429 => StatusCode::TOO_MANY_REQUESTS,
        503 => StatusCode::SERVICE_UNAVAILABLE,
        _ => return Err(ApiError::invalid("status must be 429 or 503")),
    };
    if req.retry_after_seconds > 3600 {
        return Err(ApiError::invalid(
            "retry_after_seconds must be at most 3600",
        ));
    }
    *lock(&state.faults) = (req.count > 0).then_some(Fault {
        status,
        retry_after: req.retry_after_seconds,
        remaining: req.count.min(10_000),
    });
    Ok(StatusCode::NO_CONTENT.into_response())
}
