//! The API's error bodies: `{"error": "<code>", "reason": "<sentence>"}`, plus `refusal` for the
//! till's 422 answers. Reasons are fixed sentences: never a token, card number, name or payload.
//! Also the request log switch: whether internal errors and requests are logged to stderr.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};

/// The request log switch (stderr): set once at start from [`crate::ServerConfig::log_requests`].
static LOG_REQUESTS: AtomicBool = AtomicBool::new(false);

/// Whether the request log (stderr) is on.
pub fn logging_enabled() -> bool {
    LOG_REQUESTS.load(Ordering::Relaxed)
}

pub fn set_logging(on: bool) {
    LOG_REQUESTS.store(on, Ordering::Relaxed);
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 400: the request breaks a rule; do not retry it as is.
    InvalidInput(String),
    /// 400 `invalid_vat_number`: a VAT number that is malformed or fails its check digits. The
    /// reason names the country and the rule, never the number.
    InvalidVatNumber(String),
    /// 401: no, or an unknown, bearer token / till token / household code.
    Unauthorized(String),
    /// 404: no such record (or not one of this member's).
    NotFound(String),
    /// 409: an Idempotency-Key reused with a different request, or a state conflict.
    Conflict(String),
    /// 422: the till refused a scanned card code or voucher code.
    Refused {
        reason: String,
        refusal: &'static str,
    },
    /// 429: too many attempts; retry after the given seconds.
    TooManyRequests { retry_after: u64, reason: String },
    /// 503: the server sheds load (or storage is busy); retry after the given seconds.
    Unavailable { retry_after: u64, reason: String },
    /// 500: a bug or a storage failure. The detail is for the log only (it carries no personal
    /// data either: SQLite messages name tables and constraints, not values).
    Internal(String),
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refusal: Option<&'a str>,
}

impl ApiError {
    pub fn invalid(reason: impl Into<String>) -> Self {
        ApiError::InvalidInput(reason.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidInput(_) | ApiError::InvalidVatNumber(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidInput(_) => "invalid_input",
            ApiError::InvalidVatNumber(_) => "invalid_vat_number",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Refused { .. } => "refused",
            ApiError::TooManyRequests { .. } => "too_many_requests",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub(crate) fn reason(&self) -> &str {
        match self {
            ApiError::InvalidInput(r)
            | ApiError::InvalidVatNumber(r)
            | ApiError::Unauthorized(r)
            | ApiError::NotFound(r)
            | ApiError::Conflict(r)
            | ApiError::Refused { reason: r, .. }
            | ApiError::TooManyRequests { reason: r, .. }
            | ApiError::Unavailable { reason: r, .. } => r,
            ApiError::Internal(_) => "the server failed to handle the request; try again later",
        }
    }
}

impl ApiError {
    /// The error body as JSON (`{"error", "reason"}`, and `refusal` for a 422), for one item
    /// of a batch answer.
    pub(crate) fn body_json(&self) -> serde_json::Value {
        match self {
            ApiError::Refused { refusal, .. } => {
                serde_json::json!({ "error": self.code(), "reason": self.reason(), "refusal": refusal })
            }
            _ => serde_json::json!({ "error": self.code(), "reason": self.reason() }),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: self.code(),
            reason: self.reason(),
            refusal: match &self {
                ApiError::Refused { refusal, .. } => Some(refusal),
                _ => None,
            },
        };
        let json = serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"error\":\"internal\"}".into());
        let mut response = (
            self.status(),
            [(header::CONTENT_TYPE, "application/json")],
            json,
        )
            .into_response();
        let headers = response.headers_mut();
        match &self {
            ApiError::TooManyRequests { retry_after, .. }
            | ApiError::Unavailable { retry_after, .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            ApiError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::Internal(detail) if logging_enabled() => {
                eprintln!("loyalty-server: internal error: {detail}");
            }
            _ => {}
        }
        response
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => ApiError::Unavailable {
                retry_after: 1,
                reason: "the store is busy; retry shortly".into(),
            },
            _ => ApiError::Internal(format!("storage: {e}")),
        }
    }
}

impl From<loyalty_domain::check::InputError> for ApiError {
    fn from(e: loyalty_domain::check::InputError) -> Self {
        ApiError::InvalidInput(e.reason)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
