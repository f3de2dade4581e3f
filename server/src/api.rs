//! The HTTP layer: routes, authentication, idempotency keys, JSON parsing, load shedding and the
//! request log. Every handler parses and checks its input here and does its reads and writes in
//! one store call on the blocking pool.

use crate::db::idempotency::{Answer, Idempotency};
use crate::db::{self, Store};
use crate::error::{logging_enabled, ApiError, ApiResult};
use crate::limit::Budget;
use crate::model::*;
use crate::model::{decode_cursor, request_hash};
use crate::util;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::Router;
use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use loyalty_core::card::{verify_voucher_code, TotpAlgorithm, VoucherRefusal};
use loyalty_core::Clock;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::Semaphore;

/// Largest request body (a content feed is the biggest thing anyone sends).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Default and largest page of a delta feed.
pub const DEFAULT_LIMIT: i64 = 500;
pub const MAX_LIMIT: i64 = 1000;
/// Failed sign-ins (wrong household code) tolerated per client address per minute; past it that
/// address gets 429 (also for a right code) until the minute has slid on. Other clients are not
/// affected: the budget of one address never locks out the rest.
pub const SIGN_IN_FAILURES_PER_MINUTE: usize = 20;
/// Failed sign-ins tolerated per household code tried (the same wrong code, from any address)
/// per minute. A right code never fails, so this never locks out its household.
pub const SIGN_IN_FAILURES_PER_CODE_PER_MINUTE: usize = 5;
/// New memberships per client address per hour (`POST /v1/members`) by default: a household
/// enrols once, and a few retries or a family behind one address fit; a script creating members
/// by the thousand does not. See [`crate::ServerConfig::enrolments_per_hour`].
pub const ENROLMENTS_PER_HOUR: usize = 20;
/// Addresses and codes tracked at once by each budget (bounded memory under a flood).
const BUDGET_KEYS: usize = 65_536;

/// An injected failure: the next `remaining` requests answer `status` with `Retry-After`.
struct Fault {
    status: StatusCode,
    retry_after: u64,
    remaining: u32,
}

pub struct AppState {
    store: Mutex<Store>,
    clock: Arc<dyn Clock>,
    signing_key: SigningKey,
    public_key: [u8; 32],
    till_token_hash: String,
    algorithm: TotpAlgorithm,
    in_flight: Arc<Semaphore>,
    faults: Mutex<Option<Fault>>,
    /// Failed sign-ins per client address, and per household code tried (its SHA-256).
    sign_in_by_client: Mutex<Budget>,
    sign_in_by_code: Mutex<Budget>,
    /// New memberships per client address.
    enrolments_by_client: Mutex<Budget>,
}

/// The budget key of a client: its IPv4 address, or the /64 network of an IPv6 one (a single
/// host usually holds a whole /64).
fn client_key(peer: &SocketAddr) -> String {
    match peer.ip().to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these leaves consistent data (the store's transaction rolls
    // back on drop), so a poisoned lock is used as is.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl AppState {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        signing_key: SigningKey,
        till_token: &str,
        algorithm: TotpAlgorithm,
        max_in_flight: usize,
        enrolments_per_hour: usize,
    ) -> Self {
        let public_key = signing_key.verifying_key().to_bytes();
        Self {
            store: Mutex::new(store),
            clock,
            signing_key,
            public_key,
            till_token_hash: util::sha256_hex(till_token.as_bytes()),
            algorithm,
            in_flight: Arc::new(Semaphore::new(max_in_flight.max(1))),
            faults: Mutex::new(None),
            sign_in_by_client: Mutex::new(Budget::new(
                chrono::Duration::seconds(60),
                SIGN_IN_FAILURES_PER_MINUTE,
                BUDGET_KEYS,
            )),
            sign_in_by_code: Mutex::new(Budget::new(
                chrono::Duration::seconds(60),
                SIGN_IN_FAILURES_PER_CODE_PER_MINUTE,
                BUDGET_KEYS,
            )),
            enrolments_by_client: Mutex::new(Budget::new(
                chrono::Duration::hours(1),
                enrolments_per_hour,
                BUDGET_KEYS,
            )),
        }
    }

    /// Runs `f` on the store, on the blocking pool, with the injected clock's `now` read under
    /// the store's lock (so times follow the order of writes).
    async fn db<T, F>(self: &Arc<Self>, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store, DateTime<Utc>, &AppState) -> ApiResult<T> + Send + 'static,
    {
        let state = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut store = lock(&state.store);
            let now = state.clock.now();
            f(&mut store, now, &state)
        })
        .await
        .map_err(|_| ApiError::Internal("a store task failed".into()))?
    }
}

type Shared = Arc<AppState>;

/// Every route as (method, path template): the OpenAPI document lists exactly these (a test
/// checks both ways).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/v1/voucher-key"),
    ("POST", "/v1/members"),
    ("POST", "/v1/sessions"),
    ("POST", "/v1/sessions/refresh"),
    ("DELETE", "/v1/sessions/current"),
    ("GET", "/v1/me"),
    ("PUT", "/v1/me/consents"),
    ("PUT", "/v1/me/push-token"),
    ("GET", "/v1/me/card-secret"),
    ("POST", "/v1/me/household-code"),
    ("GET", "/v1/ledger"),
    ("GET", "/v1/vouchers"),
    ("GET", "/v1/receipts"),
    ("POST", "/v1/redemptions"),
    ("POST", "/v1/claims"),
    ("GET", "/v1/content/{kind}"),
    ("POST", "/v1/till/scans"),
    ("POST", "/v1/till/purchases"),
    ("POST", "/v1/till/redemptions"),
    ("PUT", "/v1/admin/content/{kind}"),
    ("POST", "/v1/admin/members/{member_id}/vouchers"),
    (
        "POST",
        "/v1/admin/members/{member_id}/vouchers/{voucher_id}/revoke",
    ),
    ("POST", "/v1/admin/members/{member_id}/points"),
    ("POST", "/v1/admin/members/{member_id}/receipts"),
    ("POST", "/v1/admin/faults"),
];

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/voucher-key", get(voucher_key))
        .route("/v1/members", post(enrol))
        .route("/v1/sessions", post(sign_in))
        .route("/v1/sessions/refresh", post(refresh_session))
        .route("/v1/sessions/current", delete(sign_out))
        .route("/v1/me", get(me))
        .route("/v1/me/consents", put(put_consents))
        .route("/v1/me/push-token", put(put_push_token))
        .route("/v1/me/card-secret", get(card_secret))
        .route("/v1/me/household-code", post(new_household_code))
        .route("/v1/ledger", get(ledger))
        .route("/v1/vouchers", get(vouchers))
        .route("/v1/receipts", get(receipts))
        .route("/v1/redemptions", post(redemption))
        .route("/v1/claims", post(claim))
        .route("/v1/content/{kind}", get(content))
        .route("/v1/till/scans", post(till_scan))
        .route("/v1/till/purchases", post(till_purchase))
        .route("/v1/till/redemptions", post(till_redemption))
        .route("/v1/admin/content/{kind}", put(admin_content))
        .route(
            "/v1/admin/members/{member_id}/vouchers",
            post(admin_voucher),
        )
        .route(
            "/v1/admin/members/{member_id}/vouchers/{voucher_id}/revoke",
            post(admin_revoke),
        )
        .route("/v1/admin/members/{member_id}/points", post(admin_points))
        .route(
            "/v1/admin/members/{member_id}/receipts",
            post(admin_receipt),
        )
        .route("/v1/admin/faults", post(admin_faults))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), shed))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn(log_request))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

// ---- middleware --------------------------------------------------------------------------------

/// Method, path template, status and duration, to stderr, when LOYALTY_SERVER_LOG=1. Never the
/// concrete path, query, headers or bodies (they carry ids, tokens and card numbers).
async fn log_request(req: Request, next: Next) -> Response {
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
async fn json_errors(req: Request, next: Next) -> Response {
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
async fn shed(State(state): State<Shared>, req: Request, next: Next) -> Response {
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

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

async fn method_not_allowed() -> Response {
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

// ---- request helpers ---------------------------------------------------------------------------

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(_) => ApiError::Internal("response could not be encoded".into()).into_response(),
    }
}

/// A stored or fresh write answer, byte for byte; a replay says so in `Idempotent-Replayed`.
fn answer_response(a: Answer) -> Response {
    let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response =
        (status, [(header::CONTENT_TYPE, "application/json")], a.body).into_response();
    if a.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 512)
        .then_some(token)
}

/// The signed-in member: (member id, the bearer token).
async fn member_auth(state: &Shared, headers: &HeaderMap) -> ApiResult<(String, String)> {
    let token = bearer(headers)
        .ok_or_else(|| ApiError::Unauthorized("a bearer token is required".into()))?
        .to_string();
    let t = token.clone();
    let member = state.db(move |s, now, _| s.authenticate(&t, now)).await?;
    member
        .map(|m| (m, token))
        .ok_or_else(|| ApiError::Unauthorized("the bearer token is not valid".into()))
}

/// The till (and admin) token.
fn till_auth(state: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    let token = bearer(headers)
        .ok_or_else(|| ApiError::Unauthorized("the till token is required".into()))?;
    if util::constant_time_eq(
        util::sha256_hex(token.as_bytes()).as_bytes(),
        state.till_token_hash.as_bytes(),
    ) {
        Ok(())
    } else {
        Err(ApiError::Unauthorized("the till token is not valid".into()))
    }
}

fn idempotency_key(headers: &HeaderMap, required: bool) -> ApiResult<Option<String>> {
    let Some(value) = headers.get("idempotency-key") else {
        return if required {
            Err(ApiError::invalid("the Idempotency-Key header is required"))
        } else {
            Ok(None)
        };
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::invalid("the Idempotency-Key must be 1 to 255 visible ASCII characters")
        })?;
    Ok(Some(key.to_string()))
}

/// A serde message without the values it quotes from the input (they may be personal data):
/// `invalid type: string "x", expected i64` → `invalid type: string, expected i64`.
fn sanitize_serde_message(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(start) = rest.find(['"', '`']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        let before = &rest[..start];
        let after = &rest[start + 1..];
        let Some(end) = after.find(quote) else {
            out.push_str(before);
            rest = "";
            break;
        };
        // Backticks around names this server defines (missing field `x`, expected `a` or `b`)
        // are kept; a backtick value right after "variant"/"integer"/"value" is the input's.
        let echoes_input = quote == '"'
            || ["variant ", "integer ", "point ", "value: "]
                .iter()
                .any(|p| before.ends_with(p));
        if echoes_input {
            out.push_str(before.trim_end());
        } else {
            out.push_str(before);
            out.push('`');
            out.push_str(&after[..end]);
            out.push('`');
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    let mut s: String = out.chars().take(300).collect();
    if s.is_empty() {
        s.push_str("invalid value");
    }
    s
}

/// Parses a JSON body into `T`, also returning the JSON value (for the request hash).
fn parse_body<T: DeserializeOwned>(body: &Bytes) -> ApiResult<(T, Value)> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid(format!(
            "the request body is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let typed = T::deserialize(&value).map_err(|e| {
        ApiError::invalid(format!(
            "the request body does not match the schema: {}",
            sanitize_serde_message(&e.to_string())
        ))
    })?;
    Ok((typed, value))
}

/// `cursor` and `limit` of a delta request.
fn page_params(query: Option<&str>) -> ApiResult<(i64, i64)> {
    let mut after = 0;
    let mut limit = DEFAULT_LIMIT;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "cursor" if !value.is_empty() => after = decode_cursor(&percent_decode(value))?,
            "cursor" => {}
            "limit" => {
                limit = value
                    .parse::<i64>()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| {
                        ApiError::invalid(format!("limit must be an integer from 1 to {MAX_LIMIT}"))
                    })?
            }
            _ => {}
        }
    }
    Ok((after, limit))
}

/// Minimal percent-decoding for query values (cursors are ASCII; `%2E` for `.` is accepted).
fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| Some((hex(*bytes.get(i + 1)?)?, hex(*bytes.get(i + 2)?)?)))
            .flatten();
        match (decoded, bytes[i]) {
            (Some((hi, lo)), _) => {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn text_field(name: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.trim().is_empty() {
        Err(ApiError::invalid(format!("{name} must not be empty")))
    } else if value.len() > max {
        Err(ApiError::invalid(format!("{name} is at most {max} bytes")))
    } else if value.chars().any(char::is_control) {
        Err(ApiError::invalid(format!(
            "{name} must not contain control characters"
        )))
    } else {
        Ok(())
    }
}

// ---- public ------------------------------------------------------------------------------------

async fn healthz() -> Response {
    json(StatusCode::OK, &serde_json::json!({ "status": "ok" }))
}

async fn voucher_key(State(state): State<Shared>) -> Response {
    json(
        StatusCode::OK,
        &VoucherKey {
            algorithm: "Ed25519".into(),
            public_key_hex: loyalty_core::card::hex_encode(&state.public_key),
        },
    )
}

/// POST /v1/members. With an `Idempotency-Key`, a retry gets the member the key created (see
/// `Store::enrol`): 200 instead of 201, with a new token and household code.
async fn enrol(
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
async fn sign_in(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> ApiResult<Response> {
    let (req, _) = parse_body::<SessionRequest>(&body)?;
    let client = client_key(&peer);
    let household = util::normalize_household_code(&req.household_code).ok_or_else(|| {
        ApiError::invalid("household_code must be 16 characters of Crockford Base32")
    })?;
    // Never the code itself in memory longer than the request: its hash keys the budget.
    let code_key = util::sha256_hex(household.as_bytes());
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
async fn refresh_session(State(state): State<Shared>, body: Bytes) -> ApiResult<Response> {
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

async fn sign_out(State(state): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    let (_, token) = member_auth(&state, &headers).await?;
    state.db(move |s, _, _| s.sign_out(&token)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- me ----------------------------------------------------------------------------------------

async fn me(State(state): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let me = state.db(move |s, _, _| s.me(&member)).await?;
    Ok(json(StatusCode::OK, &me))
}

async fn put_consents(
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

async fn put_push_token(
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

async fn card_secret(State(state): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let m = state.db(move |s, _, _| s.member(&member)).await?;
    let mut response = json(StatusCode::OK, &db::members::card_secret(&m));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn new_household_code(
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

// ---- deltas ------------------------------------------------------------------------------------

async fn ledger(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    delta(&state, &headers, q, Store::ledger_page).await
}

async fn vouchers(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    delta(&state, &headers, q, Store::vouchers_page).await
}

async fn receipts(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    delta(&state, &headers, q, Store::receipts_page).await
}

/// One page of a member's delta feed: `cursor` and `limit` from the query, `page` from the store.
async fn delta<T: Serialize + Send + 'static>(
    state: &Shared,
    headers: &HeaderMap,
    query: Option<String>,
    page: fn(&Store, &str, i64, i64) -> ApiResult<T>,
) -> ApiResult<Response> {
    let (member, _) = member_auth(state, headers).await?;
    let (after, limit) = page_params(query.as_deref())?;
    let items = state
        .db(move |s, _, _| page(s, &member, after, limit))
        .await?;
    Ok(json(StatusCode::OK, &items))
}

// ---- member writes -----------------------------------------------------------------------------

async fn redemption(
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
    let answer = state
        .db(move |s, now, _| {
            let scope = format!("member:{member}");
            let idem = Idempotency {
                scope: &scope,
                key: &key,
                request_hash: &hash,
            };
            s.write(Some(&idem), now, |tx| {
                db::vouchers::member_redemption(tx, &member, &req.voucher_id, now)
            })
        })
        .await?;
    Ok(answer_response(answer))
}

async fn claim(
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
    let answer = state
        .db(move |s, now, _| {
            let scope = format!("member:{member}");
            let idem = Idempotency {
                scope: &scope,
                key: &key,
                request_hash: &hash,
            };
            s.write(Some(&idem), now, |tx| {
                db::ledger::claim(tx, &member, &key, &req, now)
            })
        })
        .await?;
    Ok(answer_response(answer))
}

// ---- content -----------------------------------------------------------------------------------

fn content_kind(kind: &str) -> ApiResult<&'static str> {
    CONTENT_KINDS
        .iter()
        .find(|k| **k == kind)
        .copied()
        .ok_or_else(|| ApiError::NotFound("no such content feed".into()))
}

fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

async fn content(
    State(state): State<Shared>,
    Path(kind): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let kind = content_kind(&kind)?;
    let content = state.db(move |s, _, _| s.content(kind)).await?;
    let tag = etag(content.version);
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        json(StatusCode::OK, &content)
    };
    if let Ok(v) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    Ok(response)
}

// ---- till --------------------------------------------------------------------------------------

async fn till_scan(
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

async fn till_purchase(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    let key = idempotency_key(&headers, true)?.unwrap_or_default();
    let (req, value) = parse_body::<PurchaseRequest>(&body)?;
    let hash = request_hash(&method, "/v1/till/purchases", &value);
    let answer = state
        .db(move |s, now, _| {
            let idem = Idempotency {
                scope: "till",
                key: &key,
                request_hash: &hash,
            };
            s.write(Some(&idem), now, |tx| {
                db::receipts::till_purchase(tx, req, now)
            })
        })
        .await?;
    Ok(answer_response(answer))
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

async fn till_redemption(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    till_auth(&state, &headers)?;
    let key = idempotency_key(&headers, true)?.unwrap_or_default();
    let (req, value) = parse_body::<TillRedemptionRequest>(&body)?;
    let hash = request_hash(&method, "/v1/till/redemptions", &value);
    let answer = state
        .db(move |s, now, st| {
            let idem = Idempotency {
                scope: "till",
                key: &key,
                request_hash: &hash,
            };
            s.write(Some(&idem), now, |tx| {
                // Verified as an offline till would: signature and window, then redeemed once.
                let verified = verify_voucher_code(&req.voucher_code, &st.public_key, now)
                    .map_err(voucher_refusal)?;
                db::vouchers::till_redemption(tx, &verified, now)
            })
        })
        .await?;
    Ok(answer_response(answer))
}

// ---- admin -------------------------------------------------------------------------------------

async fn admin_content(
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
    let answer = state
        .db(move |s, now, st| {
            let idem = key.as_deref().map(|key| Idempotency {
                scope: "admin",
                key,
                request_hash: &hash,
            });
            s.write(idem.as_ref(), now, |tx| op(tx, req, now, st))
        })
        .await?;
    Ok(answer_response(answer))
}

async fn admin_voucher(
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

async fn admin_revoke(
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

async fn admin_points(
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

async fn admin_receipt(
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

async fn admin_faults(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_input_values() {
        assert_eq!(
            sanitize_serde_message("invalid type: string \"Jane Doe\", expected i64"),
            "invalid type: string, expected i64"
        );
        assert_eq!(
            sanitize_serde_message(
                "unknown variant `windows`, expected `android` or `ios` at line 1 column 20"
            ),
            "unknown variant, expected `android` or `ios` at line 1 column 20"
        );
        assert_eq!(
            sanitize_serde_message("missing field `points`"),
            "missing field `points`"
        );
        assert_eq!(
            sanitize_serde_message("invalid value: integer `-5`, expected u32"),
            "invalid value: integer, expected u32"
        );
    }

    #[test]
    fn cursors_and_limits() {
        assert_eq!(page_params(None).unwrap(), (0, DEFAULT_LIMIT));
        assert_eq!(page_params(Some("cursor=c1.42&limit=7")).unwrap(), (42, 7));
        assert_eq!(
            page_params(Some("cursor=c1%2E42")).unwrap(),
            (42, DEFAULT_LIMIT)
        );
        assert_eq!(page_params(Some("cursor=")).unwrap(), (0, DEFAULT_LIMIT));
        for bad in [
            "cursor=42",
            "cursor=c1.",
            "cursor=c1.-1",
            "cursor=c1.99999999999999999999",
            "limit=0",
            "limit=1001",
            "limit=ten",
        ] {
            assert!(page_params(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(decode_cursor(&encode_cursor(17)).unwrap(), 17);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("c1%2E5"), "c1.5");
        assert_eq!(percent_decode("a%"), "a%");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("a%zz"), "a%zz");
    }
}
