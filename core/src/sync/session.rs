//! What every phase of a sync shares: the session with the server, the sync state published
//! with counters read afresh, store work on the blocking pool, the secrets the sync keeps, and
//! why a phase stopped.

use super::http::{Api, Request};
use super::retry::{Cancel, Retrier, Safety, TokioSleeper};
use super::SyncService;
use super::{Failure, SyncState, SyncStatus, TOKEN_SECRET_KEY};
use crate::context::{secret_store_failed, Context};
use crate::secrets::SecretStore;
use loyalty_domain::error::{ApiResult, LoyaltyError};
use reqwest::{Method, Url};
use std::sync::Arc;
use std::time::Instant;

pub(super) fn not_signed_in() -> LoyaltyError {
    LoyaltyError::Unauthorized {
        reason: "this device is not signed in: enrol or join the household first".into(),
    }
}

pub(super) fn secrets(ctx: &Context) -> ApiResult<&Arc<dyn SecretStore>> {
    ctx.secrets
        .as_ref()
        .ok_or_else(|| LoyaltyError::InvalidInput {
            reason: "no secure storage was given to the client: sync needs one for its token"
                .into(),
        })
}

pub(crate) fn secret_string(ctx: &Context, key: &str) -> ApiResult<Option<String>> {
    let Some(store) = ctx.secrets.as_ref() else {
        return Ok(None);
    };
    Ok(store
        .get(key)
        .map_err(secret_store_failed)?
        .and_then(|b| String::from_utf8(b).ok()))
}

pub(crate) fn signed_in(ctx: &Context) -> ApiResult<bool> {
    Ok(ctx.store.sync_account()?.is_some() && secret_string(ctx, TOKEN_SECRET_KEY)?.is_some())
}

/// The state with counters read from the store now (errors read as zero: a closed store has
/// nothing to show).
pub(crate) fn snapshot(ctx: &Context, service: &SyncService, status: SyncStatus) -> SyncState {
    let stuck_after = service.config().stuck_after;
    let outbox = ctx.store.outbox().unwrap_or_default();
    SyncState {
        status,
        signed_in: signed_in(ctx).unwrap_or(false),
        last_synced_at: ctx.store.last_synced_at().ok().flatten(),
        pending_outbox: u32::try_from(outbox.len()).unwrap_or(u32::MAX),
        stuck_outbox: u32::try_from(
            outbox
                .iter()
                .filter(|item| item.attempts >= stuck_after)
                .count(),
        )
        .unwrap_or(u32::MAX),
    }
}

pub(super) fn publish(ctx: &Context, service: &SyncService, status: SyncStatus) {
    let state = snapshot(ctx, service, status);
    service.state.send_replace(state);
}

/// Runs store work on the blocking pool.
pub(super) async fn blocking<T: Send + 'static>(
    ctx: &Arc<Context>,
    f: impl FnOnce(&Arc<Context>) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let ctx = ctx.clone();
    crate::runtime::run_blocking(move || f(&ctx))
        .await
        .map_err(|_| LoyaltyError::Internal {
            reason: "a store task of the sync failed".into(),
        })?
}

/// Everything one sync (or enrolment) needs to talk to the server.
pub(super) struct Session<'a> {
    pub(super) ctx: &'a Arc<Context>,
    pub(super) service: &'a SyncService,
    pub(super) client: reqwest::Client,
    pub(super) base: Url,
    pub(super) token: Option<String>,
    pub(super) config: super::SyncConfig,
    pub(super) cancel: &'a Cancel,
    pub(super) deadline: Instant,
    pub(super) jitter: fn() -> f64,
    pub(super) now: Box<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>,
}

impl<'a> Session<'a> {
    pub(super) fn new(
        ctx: &'a Arc<Context>,
        service: &'a SyncService,
        cancel: &'a Cancel,
        base: Url,
    ) -> ApiResult<Self> {
        let config = service.config();
        let clock = ctx.clock.clone();
        Ok(Self {
            ctx,
            service,
            client: service.http_client()?,
            base,
            token: None,
            deadline: Instant::now() + config.sync_deadline,
            config,
            cancel,
            jitter: rand::random::<f64>,
            now: Box::new(move || clock.now()),
        })
    }

    pub(super) fn api(&self) -> Api<'_> {
        Api {
            client: &self.client,
            base: &self.base,
            config: &self.config,
            retrier: Retrier {
                policy: &self.config.retry,
                sleeper: &TokioSleeper,
                jitter: &self.jitter,
                cancel: self.cancel,
                deadline: self.deadline,
            },
            now: &*self.now,
            requests: &self.service.requests,
        }
    }

    pub(super) fn request<'r>(
        &'r self,
        method: Method,
        path: &'r str,
        query: &'r [(&'r str, &'r str)],
        body: Option<serde_json::Value>,
        idempotency_key: Option<&'r str>,
        safety: Safety,
    ) -> Request<'r> {
        Request {
            method,
            path,
            query,
            body,
            idempotency_key,
            token: self.token.as_deref(),
            if_none_match: None,
            safety,
        }
    }
}

/// What went wrong, before it becomes the public error: a cancellation is not an error.
pub(super) enum Stop {
    Cancelled,
    Error(LoyaltyError),
}

impl From<LoyaltyError> for Stop {
    fn from(e: LoyaltyError) -> Self {
        Stop::Error(e)
    }
}

impl From<Failure> for Stop {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Cancelled => Stop::Cancelled,
            f => Stop::Error(f.into_api_error()),
        }
    }
}
