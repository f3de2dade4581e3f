//! The HTTP layer: routes, authentication, idempotency keys, JSON parsing, load shedding and the
//! request log. Every handler parses and checks its input here and does its reads and writes in
//! one store call on the blocking pool.
//!
//! Routes by audience: `member` (a session's bearer token; `batch`: its writes in one request;
//! `invoices` and `surveys` too), `feeds` (delta and content feeds),
//! `till` and `admin` (the till token); `request` holds what every handler uses to read a
//! request and `layers` the middleware around all of them. This file holds the state, the
//! route table and the public endpoints.

mod admin;
mod batch;
pub use batch::MAX_BATCH_ITEMS;
mod feeds;
mod invoices;
mod layers;
mod member;
mod request;
mod surveys;
mod till;

use crate::credentials;
use crate::db::Store;
use crate::error::{ApiError, ApiResult};
use crate::limit::Budget;
use crate::model::*;
use admin::{
    admin_content, admin_delete_membership, admin_faults, admin_offer, admin_points,
    admin_put_membership, admin_recall_alert, admin_receipt, admin_revoke, admin_voucher,
};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use axum::Router;
use chrono::{DateTime, Utc};
use feeds::{content, ledger, receipts, vouchers};
use layers::{json_errors, log_request, method_not_allowed, not_found, shed};
use loyalty_domain::card::SigningKey;
use loyalty_domain::card::TotpAlgorithm;
use loyalty_domain::Clock;
use member::{
    card_secret, claim, delete_account, enrol, export_account, me, new_household_code,
    offer_activation, offers, put_consents, put_push_token, receipt_claim, redemption,
    refresh_session, sign_in, sign_out,
};
use request::json;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use till::{till_claim_code, till_purchase, till_receipt_proof, till_redemption, till_scan};
use tokio::sync::Semaphore;

/// Largest request body (a content feed is the biggest thing anyone sends).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
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
pub(crate) struct Fault {
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
    /// The seller and VAT rates of the company invoices.
    invoicing: crate::db::invoices::Invoicing,
}

/// The budget key of a client: its IPv4 address, or the /64 network of an IPv6 one (a single
/// host usually holds a whole /64).
pub(super) fn client_key(peer: &SocketAddr) -> String {
    match peer.ip().to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these leaves consistent data (the store's transaction rolls
    // back on drop), so a poisoned lock is used as is.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl AppState {
    // Each argument is one setting of `ServerConfig`, passed on as is.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        signing_key: SigningKey,
        till_token: &str,
        algorithm: TotpAlgorithm,
        max_in_flight: usize,
        enrolments_per_hour: usize,
        invoicing: crate::db::invoices::Invoicing,
    ) -> Self {
        let public_key = signing_key.verifying_key().to_bytes();
        Self {
            store: Mutex::new(store),
            clock,
            signing_key,
            public_key,
            till_token_hash: credentials::sha256_hex(till_token.as_bytes()),
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
            invoicing,
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

pub(crate) type Shared = Arc<AppState>;

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
    ("DELETE", "/v1/me"),
    ("GET", "/v1/me/export"),
    ("GET", "/v1/me/company"),
    ("PUT", "/v1/me/company"),
    ("DELETE", "/v1/me/company"),
    ("PUT", "/v1/me/consents"),
    ("PUT", "/v1/me/push-token"),
    ("GET", "/v1/me/card-secret"),
    ("POST", "/v1/me/household-code"),
    ("GET", "/v1/ledger"),
    ("GET", "/v1/vouchers"),
    ("GET", "/v1/receipts"),
    ("GET", "/v1/receipts/{receipt_id}/invoice"),
    ("POST", "/v1/receipts/{receipt_id}/invoice"),
    ("POST", "/v1/redemptions"),
    ("POST", "/v1/claims"),
    ("POST", "/v1/receipt-claims"),
    ("GET", "/v1/offers"),
    ("POST", "/v1/offers/{offer_id}/activation"),
    ("POST", "/v1/surveys/{survey_id}/answer"),
    ("POST", "/v1/batch"),
    ("GET", "/v1/content/{kind}"),
    ("POST", "/v1/till/scans"),
    ("POST", "/v1/till/purchases"),
    ("POST", "/v1/till/redemptions"),
    ("POST", "/v1/till/claim-codes"),
    ("POST", "/v1/till/receipt-proofs"),
    ("PUT", "/v1/admin/content/{kind}"),
    ("POST", "/v1/admin/offers"),
    ("POST", "/v1/admin/recall-alerts"),
    ("GET", "/v1/admin/surveys/{survey_id}/results"),
    ("POST", "/v1/admin/members/{member_id}/vouchers"),
    (
        "POST",
        "/v1/admin/members/{member_id}/vouchers/{voucher_id}/revoke",
    ),
    ("POST", "/v1/admin/members/{member_id}/points"),
    ("POST", "/v1/admin/members/{member_id}/receipts"),
    ("PUT", "/v1/admin/members/{member_id}/membership"),
    ("DELETE", "/v1/admin/members/{member_id}/membership"),
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
        .route("/v1/me", get(me).delete(delete_account))
        .route("/v1/me/export", get(export_account))
        .route(
            "/v1/me/company",
            get(invoices::get_company)
                .put(invoices::put_company)
                .delete(invoices::delete_company),
        )
        .route("/v1/me/consents", put(put_consents))
        .route("/v1/me/push-token", put(put_push_token))
        .route("/v1/me/card-secret", get(card_secret))
        .route("/v1/me/household-code", post(new_household_code))
        .route("/v1/ledger", get(ledger))
        .route("/v1/vouchers", get(vouchers))
        .route("/v1/receipts", get(receipts))
        .route(
            "/v1/receipts/{receipt_id}/invoice",
            get(invoices::get_invoice).post(invoices::issue_invoice),
        )
        .route("/v1/redemptions", post(redemption))
        .route("/v1/claims", post(claim))
        .route("/v1/receipt-claims", post(receipt_claim))
        .route("/v1/offers", get(offers))
        .route("/v1/offers/{offer_id}/activation", post(offer_activation))
        .route(
            "/v1/surveys/{survey_id}/answer",
            post(surveys::answer_survey),
        )
        .route("/v1/batch", post(batch::batch))
        .route("/v1/content/{kind}", get(content))
        .route("/v1/till/scans", post(till_scan))
        .route("/v1/till/purchases", post(till_purchase))
        .route("/v1/till/redemptions", post(till_redemption))
        .route("/v1/till/claim-codes", post(till_claim_code))
        .route("/v1/till/receipt-proofs", post(till_receipt_proof))
        .route("/v1/admin/content/{kind}", put(admin_content))
        .route("/v1/admin/recall-alerts", post(admin_recall_alert))
        .route("/v1/admin/offers", post(admin_offer))
        .route(
            "/v1/admin/surveys/{survey_id}/results",
            get(surveys::survey_results),
        )
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
        .route(
            "/v1/admin/members/{member_id}/membership",
            put(admin_put_membership).delete(admin_delete_membership),
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

// ---- public: health and the voucher key ------------------------------------------------------

async fn healthz() -> Response {
    json(StatusCode::OK, &serde_json::json!({ "status": "ok" }))
}

async fn voucher_key(State(state): State<Shared>) -> Response {
    json(
        StatusCode::OK,
        &VoucherKey {
            algorithm: "Ed25519".into(),
            public_key_hex: loyalty_domain::card::hex_encode(&state.public_key),
        },
    )
}
