//! The member's own endpoints (bearer token of a session): enrolment, sessions, the profile,
//! consents, push token, card secret, household code, and the member's writes (redemptions,
//! claims).

use super::request::{
    idempotency_key, idempotent_write, json, member_auth, parse_body, text_field,
};
use super::{client_key, lock, Shared};
use crate::credentials;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use loyalty_domain::claim::{read_claim_code, ClaimRefusal};
use std::net::SocketAddr;

/// POST /v1/members. With an `Idempotency-Key`, a retry gets the member the key created (see
/// `Store::enrol`): 200 instead of 201, with a new token and household code.
pub(super) async fn enrol(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers, false)?;
    let client = client_key(&peer);
    if let Some(retry_after) =
        lock(&state.enrolments_by_client).exhausted(&client, state.clock.now())
    {
        return Err(ApiError::TooManyRequests {
            retry_after,
            reason: "too many new memberships from this address; retry after the indicated delay"
                .into(),
        });
    }
    let (req, value) = parse_body::<EnrolRequest>(&body)?;
    let display_name = match req.display_name {
        Some(n) if n.trim().is_empty() => None,
        Some(n) => {
            text_field("display_name", &n, 100)?;
            Some(n.trim().to_string())
        }
        None => None,
    };
    let hash = request_hash(&method, "/v1/members", &value);
    let (enrolled, repeated) = state
        .db(move |s, now, st| {
            let key = key.as_deref().map(|key| db::members::EnrolmentKey {
                key,
                request_hash: &hash,
            });
            s.enrol(display_name, st.algorithm, key.as_ref(), now)
        })
        .await?;
    let status = if repeated {
        StatusCode::OK
    } else {
        lock(&state.enrolments_by_client).hit(&client, state.clock.now());
        StatusCode::CREATED
    };
    let mut response = json(status, &enrolled);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// POST /v1/sessions. Failed attempts are budgeted per client address and per code tried (see
/// [`SIGN_IN_FAILURES_PER_MINUTE`]); nothing is counted for a code that signs in.
pub(super) async fn sign_in(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> ApiResult<Response> {
    let (req, _) = parse_body::<SessionRequest>(&body)?;
    let client = client_key(&peer);
    let household =
        credentials::normalize_household_code(&req.household_code).ok_or_else(|| {
            ApiError::invalid("household_code must be 16 characters of Crockford Base32")
        })?;
    // Never the code itself in memory longer than the request: its hash keys the budget.
    let code_key = credentials::sha256_hex(household.as_bytes());
    let now = state.clock.now();
    let limited = lock(&state.sign_in_by_client)
        .exhausted(&client, now)
        .map(|s| (s, "too many failed sign-ins from this address"))
        .or_else(|| {
            lock(&state.sign_in_by_code)
                .exhausted(&code_key, now)
                .map(|s| (s, "too many failed sign-ins with this code"))
        });
    if let Some((retry_after, why)) = limited {
        return Err(ApiError::TooManyRequests {
            retry_after,
            reason: format!("{why}; retry after the indicated delay"),
        });
    }
    let session = state
        .db(move |s, now, _| s.sign_in(&household, now))
        .await?;
    match session {
        Some(created) => Ok(json(StatusCode::CREATED, &created)),
        None => {
            let now = state.clock.now();
            lock(&state.sign_in_by_client).hit(&client, now);
            lock(&state.sign_in_by_code).hit(&code_key, now);
            Err(ApiError::Unauthorized(
                "the household code is not valid".into(),
            ))
        }
    }
}

/// POST /v1/sessions/refresh: a new bearer token and refresh token for a session whose
/// refresh token is still valid; both old tokens stop working.
pub(super) async fn refresh_session(
    State(state): State<Shared>,
    body: Bytes,
) -> ApiResult<Response> {
    let (req, _) = parse_body::<RefreshRequest>(&body)?;
    let token = req.refresh_token;
    if token.is_empty() || token.len() > 512 {
        return Err(ApiError::invalid(
            "refresh_token must be 1 to 512 characters",
        ));
    }
    match state
        .db(move |s, now, _| s.refresh_session(&token, now))
        .await?
    {
        Some(created) => {
            let mut response = json(StatusCode::OK, &created);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        None => Err(ApiError::Unauthorized(
            "the refresh token is not valid: sign in again with the household code".into(),
        )),
    }
}

pub(super) async fn sign_out(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (_, token) = member_auth(&state, &headers).await?;
    state.db(move |s, _, _| s.sign_out(&token)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn me(State(state): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let me = state.db(move |s, _, _| s.me(&member)).await?;
    Ok(json(StatusCode::OK, &me))
}

/// GET /v1/me/export: everything the server holds for the member, as one JSON document.
pub(super) async fn export_account(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let export = state
        .db(move |s, now, st| {
            let mut export = s.export_member(&member, now)?;
            // Sealed as the feed delivers them: an exported receipt still proves its lines.
            for r in &mut export.receipts {
                r.seal = loyalty_domain::proof::seal_receipt(r, &st.signing_key).ok();
            }
            Ok(export)
        })
        .await?;
    let mut response = json(StatusCode::OK, &export);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// DELETE /v1/me: erases the member's account and data (see `db/account.rs` for what is kept).
/// Idempotent: the same session asking again, its first answer lost, gets `already_erased`.
pub(super) async fn delete_account(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let member = match member_auth(&state, &headers).await {
        Ok(found) => found,
        Err(refused @ ApiError::Unauthorized(_)) => {
            let token = super::request::bearer(&headers).map(str::to_string);
            let erased = match token {
                Some(t) => state.db(move |s, _, _| s.erased_by_token(&t)).await?,
                None => None,
            };
            return match erased {
                Some(erased) => Ok(json(StatusCode::OK, &erased)),
                None => Err(refused),
            };
        }
        Err(e) => return Err(e),
    };
    let (member, _) = member;
    let erased = state
        .db(move |s, now, _| s.erase_member(&member, now))
        .await?;
    Ok(json(StatusCode::OK, &erased))
}

pub(super) async fn put_consents(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let (consents, _) = parse_body::<Consents>(&body)?;
    let stored = state
        .db(move |s, _, _| s.set_consents(&member, consents))
        .await?;
    Ok(json(StatusCode::OK, &stored))
}

pub(super) async fn put_push_token(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (_, token) = member_auth(&state, &headers).await?;
    let (req, _) = parse_body::<PushTokenRequest>(&body)?;
    text_field("token", &req.token, 4096)?;
    state
        .db(move |s, _, _| s.set_push_token(&token, req.platform, &req.token))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn card_secret(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let m = state.db(move |s, _, _| s.member(&member)).await?;
    let mut response = json(StatusCode::OK, &db::members::card_secret(&m));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub(super) async fn new_household_code(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let code = state
        .db(move |s, _, _| s.new_household_code(&member))
        .await?;
    let mut response = json(
        StatusCode::CREATED,
        &serde_json::json!({ "household_code": code }),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub(super) async fn redemption(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let key = idempotency_key(&headers, true)?.unwrap_or_default();
    let (req, value) = parse_body::<RedemptionRequest>(&body)?;
    text_field("voucher_id", &req.voucher_id, 128)?;
    let hash = request_hash(&method, "/v1/redemptions", &value);
    let scope = format!("member:{member}");
    idempotent_write(&state, scope, Some(key), hash, move |tx, now, _| {
        db::vouchers::member_redemption(tx, &member, &req.voucher_id, now)
    })
    .await
}

pub(super) async fn claim(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let key = idempotency_key(&headers, true)?.unwrap_or_default();
    let (req, value) = parse_body::<ClaimRequest>(&body)?;
    if req.points <= 0 {
        return Err(ApiError::invalid("points must be positive"));
    }
    text_field("reference", &req.reference, 128)?;
    let hash = request_hash(&method, "/v1/claims", &value);
    let scope = format!("member:{member}");
    let claim_key = key.clone();
    idempotent_write(&state, scope, Some(key), hash, move |tx, now, _| {
        db::ledger::claim(tx, &member, &claim_key, &req, now)
    })
    .await
}

/// A claim code refused before the store is asked: not the retailer's, not genuine, not one.
pub(super) fn claim_refusal(r: ClaimRefusal) -> ApiError {
    ApiError::Refused {
        reason: r.reason().into(),
        refusal: r.as_str(),
    }
}

/// POST /v1/receipt-claims: the member claims a receipt sold without the card, first claim wins.
pub(super) async fn receipt_claim(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let key = idempotency_key(&headers, true)?.unwrap_or_default();
    let (req, value) = parse_body::<ReceiptClaimRequest>(&body)?;
    let claim = read_claim_code(&req.claim_code, &state.public_key).map_err(claim_refusal)?;
    let hash = request_hash(&method, "/v1/receipt-claims", &value);
    let scope = format!("member:{member}");
    idempotent_write(&state, scope, Some(key), hash, move |tx, now, _| {
        db::claims::claim_receipt(tx, &member, &claim, now)
    })
    .await
}

/// GET /v1/offers: the member's current offers (general and personal) with their state.
pub(super) async fn offers(State(state): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let list = state.db(move |s, now, _| s.offers(&member, now)).await?;
    Ok(json(StatusCode::OK, &list))
}

/// POST /v1/offers/{offer_id}/activation: the member activates an offer (Idempotency-Key
/// required, as every member write; activating again is harmless). The body is optional: an
/// empty one counts as `{}`.
pub(super) async fn offer_activation(
    State(state): State<Shared>,
    Path(offer_id): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let key = idempotency_key(&headers, true)?.unwrap_or_default();
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        Bytes::from_static(b"{}")
    } else {
        body
    };
    let (_, value) = parse_body::<serde_json::Map<String, serde_json::Value>>(&body)?;
    if !value.as_object().is_some_and(|o| o.is_empty()) {
        return Err(ApiError::invalid("the activation body must be empty or {}"));
    }
    offer_id_checked(&offer_id)?;
    let hash = request_hash(
        &method,
        &format!("/v1/offers/{offer_id}/activation"),
        &value,
    );
    let scope = format!("member:{member}");
    idempotent_write(&state, scope, Some(key), hash, move |tx, now, _| {
        db::offers::activate(tx, &member, &offer_id, now)
    })
    .await
}

/// An offer id as this server gives them (`^[A-Za-z0-9._-]{1,64}$`); any other is no offer.
pub(super) fn offer_id_checked(offer_id: &str) -> ApiResult<()> {
    if offer_id.is_empty()
        || offer_id.len() > 64
        || !offer_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(ApiError::NotFound("no such offer".into()));
    }
    Ok(())
}
