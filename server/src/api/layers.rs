//! The layers around every route: the request log, JSON bodies for the framework's own errors,
//! load shedding (injected faults, too many requests in flight) and the fallbacks.

use super::{lock, Shared};
use crate::error::{logging_enabled, ApiError};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Instant;

/// Method, path template, status and duration, to stderr, when LOYALTY_SERVER_LOG=1. Never the
/// concrete path, query, headers or bodies (they carry ids, tokens and card numbers).
pub(super) async fn log_request(req: Request, next: Next) -> Response {
    if !logging_enabled() {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "<unmatched>".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(req).await;
    eprintln!(
        "loyalty-server: {method} {template} {} {:.1}ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}

/// Turns the framework's own error answers (unknown route, wrong method, body too large, bad
/// path) into the API's JSON error body. Their text is dropped: it may repeat the input.
pub(super) async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (code, reason) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such endpoint"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this endpoint does not support the method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("invalid_input", "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("invalid_input", "the request body must be JSON"),
        s if s.is_client_error() => ("invalid_input", "the request is malformed"),
        _ => (
            "internal",
            "the server failed to handle the request; try again later",
        ),
    };
    let mut out = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "error": code, "reason": reason }).to_string(),
    )
        .into_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = response.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

/// Load shedding: an injected fault (POST /v1/admin/faults) or more than `max_in_flight`
/// requests at once → 429/503 with `Retry-After`. Health checks and admin calls are exempt.
pub(super) async fn shed(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/healthz" || path.starts_with("/v1/admin/") {
        return next.run(req).await;
    }
    {
        let mut faults = lock(&state.faults);
        if let Some(f) = faults.as_mut() {
            let status = f.status;
            let retry_after = f.retry_after;
            f.remaining = f.remaining.saturating_sub(1);
            if f.remaining == 0 {
                *faults = None;
            }
            drop(faults);
            let reason = "the server is shedding load; retry after the indicated delay".into();
            return if status == StatusCode::TOO_MANY_REQUESTS {
                ApiError::TooManyRequests {
                    retry_after,
                    reason,
                }
            } else {
                ApiError::Unavailable {
                    retry_after,
                    reason,
                }
            }
            .into_response();
        }
    }
    let Ok(_permit) = Arc::clone(&state.in_flight).try_acquire_owned() else {
        return ApiError::Unavailable {
            retry_after: 1,
            reason: "the server is busy; retry after the indicated delay".into(),
        }
        .into_response();
    };
    next.run(req).await
}

pub(super) async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

pub(super) async fn method_not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({
            "error": "method_not_allowed",
            "reason": "this endpoint does not support the method"
        })
        .to_string(),
    )
        .into_response()
}
