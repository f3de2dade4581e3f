//! The sync procedures: enrolment, joining a household, one sync (card, outbox, feeds), signing
//! out. They run on the client's runtime; store work runs on its blocking pool.

use super::content;
use super::http::{validate_base_url, Api, Request};
use super::retry::{Cancel, Retrier, Safety, TokioSleeper};
use super::wire::{self, ClaimOutcomeWire, Page, RedemptionOutcomeWire};
use super::SyncService;
use super::{
    Enrolment, Failure, SyncNotice, SyncNoticeKind, SyncPhase, SyncReport, SyncState, SyncStatus,
    HOUSEHOLD_SECRET_KEY, REFRESH_SECRET_KEY, TOKEN_SECRET_KEY,
};
use crate::api::error::{ApiError, ApiResult};
use crate::context::{secret_store_failed, Context};
use crate::log::{log_at, LogLevel};
use crate::reminders::Consent;
use crate::secrets::SecretStore;
use crate::store::{
    ClaimVerdict, ContentFeed, Feed, PageApplied, ReminderKey, StoredFeed, SyncAccount,
};
use crate::wallet::{OutboxItem, OutboxOperation, RedemptionOutcome};
use reqwest::{Method, Url};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

fn not_signed_in() -> ApiError {
    ApiError::Unauthorized {
        reason: "this device is not signed in: enrol or join the household first".into(),
    }
}

fn secrets(ctx: &Context) -> ApiResult<&Arc<dyn SecretStore>> {
    ctx.secrets.as_ref().ok_or_else(|| ApiError::InvalidInput {
        reason: "no secure storage was given to the client: sync needs one for its token".into(),
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

fn publish(ctx: &Context, service: &SyncService, status: SyncStatus) {
    let state = snapshot(ctx, service, status);
    service.state.send_replace(state);
}

/// Runs store work on the blocking pool.
async fn blocking<T: Send + 'static>(
    ctx: &Arc<Context>,
    f: impl FnOnce(&Arc<Context>) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let ctx = ctx.clone();
    tokio::task::spawn_blocking(move || f(&ctx))
        .await
        .map_err(|_| ApiError::Internal {
            reason: "a store task of the sync failed".into(),
        })?
}

/// Everything one sync (or enrolment) needs to talk to the server.
struct Session<'a> {
    ctx: &'a Arc<Context>,
    service: &'a SyncService,
    client: reqwest::Client,
    base: Url,
    token: Option<String>,
    config: super::SyncConfig,
    cancel: &'a Cancel,
    deadline: Instant,
    jitter: fn() -> f64,
    now: Box<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>,
}

impl<'a> Session<'a> {
    fn new(
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

    fn api(&self) -> Api<'_> {
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

    fn request<'r>(
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
enum Stop {
    Cancelled,
    Error(ApiError),
}

impl From<ApiError> for Stop {
    fn from(e: ApiError) -> Self {
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

// ---- one sync ----------------------------------------------------------------------------------

pub(crate) async fn sync(
    ctx: Arc<Context>,
    service: Arc<SyncService>,
    cancel: Cancel,
) -> ApiResult<SyncReport> {
    let requests_before = service.requests.load(Ordering::Relaxed);
    let _running = match cancel.run(service.running.lock()).await {
        Ok(guard) => guard,
        Err(_) => {
            return Ok(SyncReport {
                cancelled: true,
                ..SyncReport::default()
            })
        }
    };
    let mut report = SyncReport::default();
    let started = Instant::now();
    log_at!(LogLevel::Info, "sync", "started");
    // Retries respect the deadline by themselves; this bounds a slow attempt as well. A page
    // apply cut off here still completes on the blocking pool, whole.
    let deadline = service.config().sync_deadline;
    let result = match tokio::time::timeout(deadline, async {
        match run_sync(&ctx, &service, &cancel, &mut report).await {
            // The bearer token expired: renew the session with the refresh token, transparently,
            // and sync again (every step is idempotent: outbox keys, page cursors).
            Err(Stop::Error(ApiError::Unauthorized { .. }))
                if renew(&ctx, &service, &cancel).await? =>
            {
                run_sync(&ctx, &service, &cancel, &mut report).await
            }
            other => other,
        }
    })
    .await
    {
        Ok(r) => r,
        Err(_) => Err(Stop::from(Failure::Deadline)),
    };
    report.requests = service.requests.load(Ordering::Relaxed) - requests_before;
    let millis = started.elapsed().as_millis();
    match &result {
        Ok(()) | Err(Stop::Cancelled) => log_at!(
            LogLevel::Info,
            "sync",
            "{} in {millis} ms, {} requests: applied {} ledger entries, {} vouchers, {} \
             receipts, {} content feeds; outbox {} resolved, {} refused",
            if report.cancelled || matches!(result, Err(Stop::Cancelled)) {
                "cancelled"
            } else {
                "done"
            },
            report.requests,
            report.ledger_applied,
            report.vouchers_applied,
            report.receipts_applied,
            report.content_updated,
            report.outbox_resolved,
            report.outbox_failed
        ),
        Err(Stop::Error(e)) => log_at!(
            LogLevel::Warn,
            "sync",
            "failed after {millis} ms and {} requests: {e}",
            report.requests
        ),
    }
    match result {
        Ok(()) => {
            let now = ctx.clock.now();
            let stored = blocking(&ctx, move |c| Ok(c.store.set_last_synced_at(now)?)).await;
            match stored {
                Ok(()) => {
                    publish(&ctx, &service, SyncStatus::Idle);
                    Ok(report)
                }
                Err(e) => {
                    publish(&ctx, &service, SyncStatus::Failed { error: e.clone() });
                    Err(e)
                }
            }
        }
        Err(Stop::Cancelled) => {
            report.cancelled = true;
            publish(&ctx, &service, SyncStatus::Idle);
            Ok(report)
        }
        Err(Stop::Error(e)) => {
            publish(&ctx, &service, SyncStatus::Failed { error: e.clone() });
            Err(e)
        }
    }
}

/// Renews the session with the stored refresh token (`POST /v1/sessions/refresh`): the new bearer
/// and refresh tokens replace the old ones in the secret store. `false` when there is none or the
/// server no longer accepts it (the shopper signs in again with the household code).
async fn renew(ctx: &Arc<Context>, service: &SyncService, cancel: &Cancel) -> Result<bool, Stop> {
    let (account, refresh) = blocking(ctx, |c| {
        Ok((
            c.store.sync_account()?,
            secret_string(c, REFRESH_SECRET_KEY)?,
        ))
    })
    .await?;
    let (Some(account), Some(refresh)) = (account, refresh) else {
        return Ok(false);
    };
    let base = validate_base_url(&account.base_url)?;
    let session = Session::new(ctx, service, cancel, base)?;
    let req = session.request(
        Method::POST,
        "v1/sessions/refresh",
        &[],
        Some(serde_json::json!({ "refresh_token": refresh })),
        None,
        Safety::Unsafe,
    );
    let renewed = match session
        .api()
        .call_checked(&req, |s: Option<wire::Session>| {
            s.filter(|s| {
                s.member_id == account.member_id
                    && !s.token.is_empty()
                    && s.refresh_token.as_ref().is_some_and(|r| !r.is_empty())
            })
        })
        .await
    {
        Ok(s) => s,
        Err(Failure::Unauthorized | Failure::Rejected { .. }) => {
            log_at!(LogLevel::Warn, "sync", "the session could not be renewed");
            return Ok(false);
        }
        Err(f) => return Err(f.into()),
    };
    blocking(ctx, move |c| {
        let store = secrets(c)?;
        store
            .put(TOKEN_SECRET_KEY, renewed.token.as_bytes())
            .map_err(secret_store_failed)?;
        if let Some(r) = &renewed.refresh_token {
            store
                .put(REFRESH_SECRET_KEY, r.as_bytes())
                .map_err(secret_store_failed)?;
        }
        Ok(())
    })
    .await?;
    log_at!(LogLevel::Info, "sync", "the session was renewed");
    Ok(true)
}

async fn run_sync(
    ctx: &Arc<Context>,
    service: &SyncService,
    cancel: &Cancel,
    report: &mut SyncReport,
) -> Result<(), Stop> {
    let (account, token) = blocking(ctx, |c| {
        let account = c.store.sync_account()?.ok_or_else(not_signed_in)?;
        let token = secret_string(c, TOKEN_SECRET_KEY)?.ok_or_else(not_signed_in)?;
        Ok((account, token))
    })
    .await?;
    let base = validate_base_url(&account.base_url)?;
    let mut session = Session::new(ctx, service, cancel, base)?;
    session.token = Some(token);

    if blocking(ctx, |c| Ok(c.store.member_card()?.is_none())).await? {
        publish(
            ctx,
            service,
            SyncStatus::Syncing {
                phase: SyncPhase::Card,
            },
        );
        fetch_card(&session).await?;
    }

    publish(
        ctx,
        service,
        SyncStatus::Syncing {
            phase: SyncPhase::Outbox,
        },
    );
    drain_outbox(&session, report).await?;
    send_settings(&session, report).await?;

    for feed in Feed::ALL {
        let phase = match feed {
            Feed::Ledger => SyncPhase::Ledger,
            Feed::Vouchers => SyncPhase::Vouchers,
            Feed::Receipts => SyncPhase::Receipts,
        };
        publish(ctx, service, SyncStatus::Syncing { phase });
        let applied = pull_feed(&session, feed).await?;
        let n = applied.added + applied.updated;
        match feed {
            Feed::Ledger => report.ledger_applied += n,
            Feed::Vouchers => report.vouchers_applied += n,
            Feed::Receipts => report.receipts_applied += n,
        }
        report.outbox_resolved += applied.resolved_outbox;
    }

    publish(
        ctx,
        service,
        SyncStatus::Syncing {
            phase: SyncPhase::Content,
        },
    );
    pull_content(&session, report).await
}

/// Tells the server what changed on this device since it last heard: the consent the shopper
/// set (`PUT /v1/me/consents`) and this device's push token (`PUT /v1/me/push-token`). Only
/// changes made here are sent, so a device of the household that never touched its settings
/// does not overwrite what another one chose. Both are idempotent PUTs; a value is unqueued only
/// if it was not changed again meanwhile. A value the server refuses (4xx other than 401) stays
/// queued and does not fail the sync; it is logged.
///
/// With no consent change of its own to send, the device takes the server's (`GET /v1/me`):
/// a consent withdrawn on another device or on the retailer's website is honoured here too.
async fn send_settings(session: &Session<'_>, report: &mut SyncReport) -> Result<(), Stop> {
    let ctx = session.ctx;
    let (consent, push) = blocking(ctx, |c| {
        Ok((
            c.store
                .reminder_value::<Consent>(ReminderKey::ConsentUnsent)?,
            c.store.push_registration_unsent()?,
        ))
    })
    .await?;
    if consent.is_none() {
        let req = session.request(Method::GET, "v1/me", &[], None, None, Safety::Idempotent);
        match session
            .api()
            .call_checked(&req, |m: Option<wire::Me>| m)
            .await
        {
            Ok(me) => {
                let changed = blocking(ctx, move |c| {
                    Ok(c.store.apply_server_consent(me.consents)?)
                })
                .await?;
                if changed {
                    log_at!(LogLevel::Info, "sync", "took the consent set elsewhere");
                    report.settings_received += 1;
                }
            }
            // A server without it (or refusing it) leaves the consent here as it is.
            Err(Failure::Rejected { status, .. }) => log_at!(
                LogLevel::Warn,
                "sync",
                "the server did not give the member's consent (HTTP {status})"
            ),
            Err(f) => return Err(f.into()),
        }
    }
    if let Some(consent) = consent {
        let body = serde_json::json!({
            "marketing": consent.marketing,
            "service": consent.service,
            "safety": consent.safety,
        });
        let req = session.request(
            Method::PUT,
            "v1/me/consents",
            &[],
            Some(body),
            None,
            Safety::Idempotent,
        );
        if sent(
            session.api().call::<serde_json::Value>(&req).await,
            "consent",
        )? {
            blocking(ctx, move |c| {
                c.store
                    .remove_reminder_value_if(ReminderKey::ConsentUnsent, &consent)?;
                Ok(())
            })
            .await?;
            report.settings_sent += 1;
        }
    }
    if let Some(push) = push {
        let body = serde_json::json!({ "platform": push.platform, "token": push.token });
        let req = session.request(
            Method::PUT,
            "v1/me/push-token",
            &[],
            Some(body),
            None,
            Safety::Idempotent,
        );
        if sent(
            session.api().call::<serde_json::Value>(&req).await,
            "push token",
        )? {
            blocking(ctx, move |c| Ok(c.store.push_registration_sent(&push)?)).await?;
            report.settings_sent += 1;
        }
    }
    Ok(())
}

/// Whether a settings PUT went through; a refusal is logged and kept for the next sync.
fn sent<T>(result: Result<T, Failure>, what: &str) -> Result<bool, Stop> {
    match result {
        Ok(_) => Ok(true),
        Err(Failure::Rejected { status, .. }) => {
            log_at!(
                LogLevel::Warn,
                "sync",
                "the server refused the {what} (HTTP {status}); kept for the next sync"
            );
            Ok(false)
        }
        Err(f) => Err(f.into()),
    }
}

/// Pulls the content feeds that changed (`If-None-Match` with the applied version) and applies
/// each valid one (see [`content`]). These requests carry no token: the feeds are the same for
/// everyone, and asking for them tells the server nothing about the shopper. A version that does
/// not validate is reported in [`SyncReport::content_rejected`] and skipped; the previous one
/// stays in use, and the next sync asks again.
async fn pull_content(session: &Session<'_>, report: &mut SyncReport) -> Result<(), Stop> {
    let ctx = session.ctx;
    for feed in ContentFeed::ALL {
        if session.cancel.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        let applied = blocking(ctx, move |c| {
            let stored = c
                .store
                .reminder_value::<StoredFeed>(ReminderKey::Feed(feed))?;
            Ok(stored.map(|f| f.version))
        })
        .await?;
        let tag = applied.map(|v| format!("\"{v}\""));
        let path = format!("v1/content/{}", feed.name());
        let mut req = session.request(Method::GET, &path, &[], None, None, Safety::Idempotent);
        req.token = None;
        req.if_none_match = tag.as_deref();
        let doc = session
            .api()
            .call_checked(&req, |d: Option<wire::ContentDoc>| match d {
                None => Some(None),
                Some(doc) if doc.kind == feed.name() => Some(Some(doc)),
                Some(_) => None,
            })
            .await?;
        let Some(doc) = doc else {
            continue; // 304: the applied version is current
        };
        if doc.version == 0 || doc.body.is_null() || Some(doc.version) == applied {
            continue; // never published, or nothing new
        }
        let version = doc.version;
        let body = doc.body.to_string();
        let outcome = blocking(ctx, move |c| {
            Ok(content::apply(&c.store, feed, version, &body)?)
        })
        .await?;
        match outcome {
            Ok(()) => report.content_updated += 1,
            Err(reason) => {
                log_at!(
                    LogLevel::Warn,
                    "sync",
                    "content feed {} version {version} refused: {reason}",
                    feed.name()
                );
                report
                    .content_rejected
                    .push(format!("{} version {version}: {reason}", feed.name()))
            }
        }
    }
    Ok(())
}

/// Fetches the card secret and enrols the member card (secret into the secret store).
async fn fetch_card(session: &Session<'_>) -> Result<crate::card::MemberCard, Stop> {
    let req = session.request(
        Method::GET,
        "v1/me/card-secret",
        &[],
        None,
        None,
        Safety::Idempotent,
    );
    let (card_number, secret, params) = session
        .api()
        .call_checked(&req, |s: Option<wire::CardSecret>| {
            let s = s?;
            let params = s.params()?;
            let secret = crate::card::hex_decode(&s.secret_hex).ok()?;
            crate::card::validate_secret(&secret).ok()?;
            crate::card::validate_card_number(&s.card_number).ok()?;
            Some((s.card_number, secret, params))
        })
        .await?;
    Ok(blocking(session.ctx, move |c| {
        c.keep_member_card(&card_number, &secret, params)
    })
    .await?)
}

/// The server's answer to one outbox item.
enum Answer {
    Redemption {
        outcome: RedemptionOutcome,
        redeemed_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    Claim(ClaimVerdict),
}

async fn drain_outbox(session: &Session<'_>, report: &mut SyncReport) -> Result<(), Stop> {
    let ctx = session.ctx;
    let stuck_after = session.config.stuck_after;
    let items: Vec<OutboxItem> = blocking(ctx, |c| Ok(c.store.outbox()?)).await?;
    for item in items {
        if session.cancel.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        let seq = item.seq;
        match send_item(session, &item).await {
            Ok(answer) => {
                let notice = blocking(ctx, move |c| {
                    let now = c.clock.now();
                    match (&item.operation, answer) {
                        (
                            OutboxOperation::RedeemVoucher { voucher_id },
                            Answer::Redemption {
                                outcome,
                                redeemed_at,
                            },
                        ) => {
                            let resolved = c.store.resolve_redemption(
                                seq,
                                voucher_id,
                                outcome,
                                redeemed_at,
                                now,
                            )?;
                            let kind = match outcome {
                                RedemptionOutcome::Accepted => None,
                                RedemptionOutcome::AlreadyRedeemed => {
                                    Some(SyncNoticeKind::VoucherUsedElsewhere)
                                }
                                RedemptionOutcome::Rejected => Some(SyncNoticeKind::VoucherRefused),
                            };
                            // Told once: when this answer resolved the item.
                            let notice = match kind.filter(|_| resolved) {
                                Some(kind) => {
                                    let title = c
                                        .store
                                        .voucher(voucher_id)?
                                        .map(|v| v.title)
                                        .unwrap_or_default();
                                    Some(SyncNotice {
                                        kind,
                                        voucher_id: voucher_id.clone(),
                                        voucher_title: title,
                                    })
                                }
                                None => None,
                            };
                            Ok(notice)
                        }
                        (OutboxOperation::ClaimPoints { .. }, Answer::Claim(verdict)) => {
                            c.store.resolve_claim(seq, &verdict)?;
                            Ok(None)
                        }
                        _ => Err(ApiError::Internal {
                            reason: "an answer does not match its outbox item".into(),
                        }),
                    }
                })
                .await?;
                if let Some(notice) = notice {
                    log_at!(
                        LogLevel::Info,
                        "sync",
                        "an offline redemption did not count: {:?}",
                        notice.kind
                    );
                    report.notices.push(notice);
                }
                report.outbox_resolved += 1;
            }
            Err(Failure::Rejected { .. }) => {
                // Refused as such: retrying within this sync would not help. Kept, reported as
                // stuck, tried again at the next sync; the rest of the outbox goes on.
                blocking(ctx, move |c| {
                    Ok(c.store.note_outbox_failure(seq, true, stuck_after)?)
                })
                .await?;
                report.outbox_failed += 1;
            }
            Err(f @ (Failure::Transient { .. } | Failure::TooLarge | Failure::Deadline)) => {
                // The server is unwell or unreachable: count the attempt and stop this sync.
                blocking(ctx, move |c| {
                    Ok(c.store.note_outbox_failure(seq, false, stuck_after)?)
                })
                .await?;
                return Err(f.into());
            }
            Err(f) => return Err(f.into()),
        }
    }
    Ok(())
}

/// Sends one outbox item with its idempotency key and returns the server's answer.
async fn send_item(session: &Session<'_>, item: &OutboxItem) -> Result<Answer, Failure> {
    let key = item.idempotency_key.as_str();
    match &item.operation {
        OutboxOperation::RedeemVoucher { voucher_id } => {
            let body = serde_json::json!({ "voucher_id": voucher_id });
            let req = session.request(
                Method::POST,
                "v1/redemptions",
                &[],
                Some(body),
                Some(key),
                Safety::Idempotent,
            );
            let answer = session
                .api()
                .call_checked(&req, |a: Option<wire::RedemptionAnswer>| a)
                .await?;
            Ok(Answer::Redemption {
                outcome: match answer.outcome {
                    RedemptionOutcomeWire::Accepted => RedemptionOutcome::Accepted,
                    RedemptionOutcomeWire::AlreadyRedeemed => RedemptionOutcome::AlreadyRedeemed,
                    RedemptionOutcomeWire::Rejected => RedemptionOutcome::Rejected,
                },
                redeemed_at: answer.redeemed_at,
            })
        }
        OutboxOperation::ClaimPoints {
            points,
            reference,
            earned_at,
            ..
        } => {
            // The same body at every attempt: the server hashes it with the key.
            let body = serde_json::json!({
                "points": points,
                "reference": reference,
                "earned_at": earned_at,
            });
            let req = session.request(
                Method::POST,
                "v1/claims",
                &[],
                Some(body),
                Some(key),
                Safety::Idempotent,
            );
            let verdict = session
                .api()
                .call_checked(&req, |a: Option<wire::ClaimAnswer>| {
                    let a = a?;
                    match a.outcome {
                        ClaimOutcomeWire::Confirmed => {
                            let id = a.ledger_id.filter(|id| wire::id_ok(id))?;
                            Some(ClaimVerdict::Confirmed { ledger_id: id })
                        }
                        ClaimOutcomeWire::Rejected => Some(ClaimVerdict::Rejected),
                    }
                })
                .await?;
            Ok(Answer::Claim(verdict))
        }
    }
}

/// A checked page: its items, next cursor and whether more follow; or the sign that the server's
/// feed went back behind the cursor sent (a server restored from a backup: its `next_cursor` is
/// before ours), so the feed must start over.
enum Checked<U> {
    Page(Vec<U>, String, bool),
    Rewound,
}

/// A page's items checked one by one; `None` when the page is malformed (a cursor outside the
/// server's grammar included) or makes no progress (a page that says there is more without moving
/// the cursor would loop forever).
fn checked_page<T, U>(
    page: Option<Page<T>>,
    cursor: Option<&str>,
    check: impl Fn(T) -> Option<U>,
) -> Option<Checked<U>> {
    let p = page?;
    let next = wire::cursor_position(&p.next_cursor)?;
    let sent = cursor.and_then(wire::cursor_position);
    if sent.is_some_and(|sent| next < sent) {
        return Some(Checked::Rewound);
    }
    let progresses = !p.has_more || (!p.items.is_empty() && sent != Some(next));
    if !p.cursor_ok() || !progresses {
        return None;
    }
    let items = p.items.into_iter().map(check).collect::<Option<Vec<_>>>()?;
    Some(Checked::Page(items, p.next_cursor, p.has_more))
}

/// Why a feed starts over from the beginning (logged; no shopper data).
fn restart_feed(feed: Feed, why: &str) {
    log_at!(
        LogLevel::Warn,
        "sync",
        "{} feed: {why}; starting it over from the beginning (the outbox is kept)",
        feed.name()
    );
}

/// Pages through one feed from its stored cursor, applying each page with its cursor.
///
/// Cursors are checked against the server's grammar: a stored one this client cannot use is
/// dropped (the feed starts over), one the server refuses (400) likewise, and so is a feed that
/// went back behind the cursor (a server restored from a backup). Starting over happens at most
/// once per feed and sync; records are upserts by id, and the outbox is untouched.
async fn pull_feed(session: &Session<'_>, feed: Feed) -> Result<PageApplied, Stop> {
    let ctx = session.ctx;
    let path = match feed {
        Feed::Ledger => "v1/ledger",
        Feed::Vouchers => "v1/vouchers",
        Feed::Receipts => "v1/receipts",
    };
    let limit = session.config.page_limit.to_string();
    let mut total = PageApplied::default();
    let mut restarted = false;
    loop {
        if session.cancel.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        let mut cursor = blocking(ctx, move |c| Ok(c.store.sync_cursor(feed)?)).await?;
        if cursor
            .as_deref()
            .is_some_and(|c| wire::cursor_position(c).is_none())
        {
            restart_feed(feed, "the stored cursor is not one the server issues");
            blocking(ctx, move |c| Ok(c.store.reset_sync_cursor(feed)?)).await?;
            cursor = None;
        }
        let mut query: Vec<(&str, &str)> = vec![("limit", &limit)];
        if let Some(c) = &cursor {
            query.push(("cursor", c));
        }
        let req = session.request(Method::GET, path, &query, None, None, Safety::Idempotent);
        let api = session.api();
        let now = ctx.clock.now();
        let outcome = match feed {
            Feed::Ledger => {
                match api
                    .call_checked(&req, |p| {
                        checked_page(p, cursor.as_deref(), |i: wire::LedgerItem| i.check())
                    })
                    .await
                {
                    Ok(Checked::Page(items, next, more)) => Ok(Some((
                        blocking(ctx, move |c| {
                            Ok(c.store.apply_ledger_page(&items, &next)?)
                        })
                        .await?,
                        more,
                    ))),
                    Ok(Checked::Rewound) => Ok(None),
                    Err(f) => Err(f),
                }
            }
            Feed::Vouchers => {
                match api
                    .call_checked(&req, |p| {
                        checked_page(p, cursor.as_deref(), |i: wire::VoucherItem| i.check(now))
                    })
                    .await
                {
                    Ok(Checked::Page(items, next, more)) => Ok(Some((
                        blocking(ctx, move |c| {
                            Ok(c.store.apply_voucher_page(&items, &next)?)
                        })
                        .await?,
                        more,
                    ))),
                    Ok(Checked::Rewound) => Ok(None),
                    Err(f) => Err(f),
                }
            }
            Feed::Receipts => {
                match api
                    .call_checked(&req, |p| {
                        checked_page(p, cursor.as_deref(), wire::check_receipt)
                    })
                    .await
                {
                    Ok(Checked::Page(items, next, more)) => Ok(Some((
                        blocking(ctx, move |c| {
                            let applied = c.store.apply_receipt_page(&items, &next)?;
                            if applied.added + applied.updated > 0 {
                                // The reminder engine's index is rebuilt at the next plan.
                                *c.reminder_index.lock().unwrap_or_else(|e| e.into_inner()) = None;
                            }
                            Ok(applied)
                        })
                        .await?,
                        more,
                    ))),
                    Ok(Checked::Rewound) => Ok(None),
                    Err(f) => Err(f),
                }
            }
        };
        let (applied, has_more) = match outcome {
            Ok(Some(page)) => page,
            // Rewound, or our cursor refused as such: start the feed over, once.
            Ok(None) | Err(Failure::Rejected { status: 400, .. })
                if cursor.is_some() && !restarted =>
            {
                restarted = true;
                restart_feed(
                    feed,
                    if matches!(outcome, Ok(None)) {
                        "the server's feed went back behind the cursor"
                    } else {
                        "the server refused the cursor"
                    },
                );
                blocking(ctx, move |c| Ok(c.store.reset_sync_cursor(feed)?)).await?;
                continue;
            }
            Ok(None) => {
                return Err(Stop::Error(ApiError::Network {
                    reason: "the server's feed keeps going back behind its own cursor".into(),
                }))
            }
            Err(f) => return Err(f.into()),
        };
        total.added += applied.added;
        total.updated += applied.updated;
        total.unchanged += applied.unchanged;
        total.resolved_outbox += applied.resolved_outbox;
        if !has_more {
            return Ok(total);
        }
    }
}

// ---- enrolment ---------------------------------------------------------------------------------

/// Stores the token (and household code) in the secret store, then the account in the database,
/// in the transaction that also forgets the pending enrolment (its key is spent).
async fn sign_in_as(
    ctx: &Arc<Context>,
    base: &Url,
    member_id: String,
    token: String,
    refresh_token: Option<String>,
    household_code: Option<String>,
) -> ApiResult<()> {
    let account = SyncAccount {
        base_url: base.to_string(),
        member_id,
    };
    blocking(ctx, move |c| {
        let store = secrets(c)?;
        store
            .put(TOKEN_SECRET_KEY, token.as_bytes())
            .map_err(secret_store_failed)?;
        match refresh_token {
            Some(r) => store.put(REFRESH_SECRET_KEY, r.as_bytes()),
            None => store.delete(REFRESH_SECRET_KEY),
        }
        .map_err(secret_store_failed)?;
        if let Some(code) = household_code {
            store
                .put(HOUSEHOLD_SECRET_KEY, code.as_bytes())
                .map_err(secret_store_failed)?;
        }
        Ok(c.store.sign_in(&account)?)
    })
    .await
}

fn finish_enrolment(
    ctx: &Arc<Context>,
    service: &SyncService,
    result: Result<Enrolment, Stop>,
) -> ApiResult<Enrolment> {
    let status = match &result {
        Ok(_) | Err(Stop::Cancelled) => SyncStatus::Idle,
        Err(Stop::Error(e)) => SyncStatus::Failed { error: e.clone() },
    };
    publish(ctx, service, status);
    match &result {
        Ok(e) => log_at!(
            LogLevel::Info,
            "sync",
            "signed in{}",
            if e.card.is_some() {
                " with the member card"
            } else {
                "; the card secret comes with the next sync"
            }
        ),
        Err(Stop::Cancelled) => log_at!(LogLevel::Info, "sync", "signing in was cancelled"),
        Err(Stop::Error(e)) => log_at!(LogLevel::Warn, "sync", "signing in failed: {e}"),
    }
    match result {
        Ok(e) => Ok(e),
        Err(Stop::Cancelled) => Err(ApiError::Network {
            reason: "signing in was cancelled".into(),
        }),
        Err(Stop::Error(e)) => Err(e),
    }
}

/// The card secret, when it can be had now; a failure other than a cancellation leaves the card
/// to the next sync.
async fn card_after_sign_in(
    session: &Session<'_>,
) -> Result<Option<crate::card::MemberCard>, Stop> {
    match fetch_card(session).await {
        Ok(card) => Ok(Some(card)),
        Err(Stop::Cancelled) => Err(Stop::Cancelled),
        Err(Stop::Error(_)) => Ok(None),
    }
}

pub(crate) async fn enrol(
    ctx: Arc<Context>,
    service: Arc<SyncService>,
    cancel: Cancel,
    base_url: String,
    display_name: Option<String>,
) -> ApiResult<Enrolment> {
    let base = validate_base_url(&base_url)?;
    secrets(&ctx)?;
    if let Some(name) = &display_name {
        if name.len() > 100 || name.chars().any(char::is_control) {
            return Err(ApiError::InvalidInput {
                reason: "the display name is at most 100 bytes, without control characters".into(),
            });
        }
    }
    let _running = cancel
        .run(service.running.lock())
        .await
        .map_err(|_| ApiError::Network {
            reason: "signing in was cancelled".into(),
        })?;
    if blocking(&ctx, |c| Ok(c.store.sync_account()?.is_some())).await? {
        return Err(ApiError::Conflict {
            reason: "this device is already signed in to a membership".into(),
        });
    }
    let result = async {
        let mut session = Session::new(&ctx, &service, &cancel, base.clone())?;
        // The enrolment's Idempotency-Key, stored before the first attempt and kept until the
        // device is signed in: every retry — here after a lost answer, or a later enrol() after
        // the app was killed before the answer was stored — gets the member the first request
        // created (with a new token and household code), never a second membership. So the
        // request is retried like any idempotent write.
        let base_url = base.to_string();
        let pending = blocking(&ctx, move |c| {
            Ok(c.store
                .begin_enrolment(&base_url, display_name.as_deref())?)
        })
        .await?;
        let req = session.request(
            Method::POST,
            "v1/members",
            &[],
            Some(serde_json::json!({ "display_name": pending.display_name })),
            Some(&pending.key),
            Safety::Idempotent,
        );
        let enrolled = session
            .api()
            .call_checked(&req, |e: Option<wire::Enrolled>| {
                e.filter(|e| {
                    wire::id_ok(&e.member_id) && !e.token.is_empty() && !e.household_code.is_empty()
                })
            })
            .await?;
        let (member_id, household) = (enrolled.member_id.clone(), enrolled.household_code.clone());
        sign_in_as(
            &ctx,
            &base,
            enrolled.member_id,
            enrolled.token.clone(),
            enrolled.refresh_token,
            Some(enrolled.household_code),
        )
        .await?;
        session.token = Some(enrolled.token);
        let _ = enrolled.card_number;
        let card = card_after_sign_in(&session).await?;
        Ok(Enrolment {
            member_id,
            household_code: Some(household),
            card,
        })
    }
    .await;
    finish_enrolment(&ctx, &service, result)
}

pub(crate) async fn join(
    ctx: Arc<Context>,
    service: Arc<SyncService>,
    cancel: Cancel,
    base_url: String,
    household_code: String,
) -> ApiResult<Enrolment> {
    let base = validate_base_url(&base_url)?;
    secrets(&ctx)?;
    let code = household_code.trim().to_string();
    if code.is_empty()
        || code.len() > 64
        || !code.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
    {
        return Err(ApiError::InvalidInput {
            reason: "the household code is 1 to 64 letters and digits".into(),
        });
    }
    let _running = cancel
        .run(service.running.lock())
        .await
        .map_err(|_| ApiError::Network {
            reason: "signing in was cancelled".into(),
        })?;
    let existing = blocking(&ctx, |c| Ok(c.store.sync_account()?)).await?;
    let result = async {
        let mut session = Session::new(&ctx, &service, &cancel, base.clone())?;
        let req = session.request(
            Method::POST,
            "v1/sessions",
            &[],
            Some(serde_json::json!({ "household_code": code })),
            None,
            Safety::Unsafe,
        );
        let joined = match session
            .api()
            .call_checked(&req, |s: Option<wire::Session>| {
                s.filter(|s| wire::id_ok(&s.member_id) && !s.token.is_empty())
            })
            .await
        {
            Err(Failure::Unauthorized) => {
                return Err(Stop::Error(ApiError::Unauthorized {
                    reason: "the household code was not accepted".into(),
                }))
            }
            other => other?,
        };
        if let Some(existing) = &existing {
            if existing.member_id != joined.member_id {
                return Err(Stop::Error(ApiError::Conflict {
                    reason: "this device holds another membership's data".into(),
                }));
            }
        }
        sign_in_as(
            &ctx,
            &base,
            joined.member_id.clone(),
            joined.token.clone(),
            joined.refresh_token.clone(),
            None,
        )
        .await?;
        session.token = Some(joined.token);
        let card = card_after_sign_in(&session).await?;
        Ok(Enrolment {
            member_id: joined.member_id,
            household_code: None,
            card,
        })
    }
    .await;
    finish_enrolment(&ctx, &service, result)
}

pub(crate) async fn sign_out(
    ctx: Arc<Context>,
    service: Arc<SyncService>,
    cancel: Cancel,
) -> ApiResult<()> {
    let _running = cancel
        .run(service.running.lock())
        .await
        .map_err(|_| ApiError::Network {
            reason: "signing out was cancelled".into(),
        })?;
    let (account, token) = blocking(&ctx, |c| {
        Ok((c.store.sync_account()?, secret_string(c, TOKEN_SECRET_KEY)?))
    })
    .await?;
    if let (Some(account), Some(token)) = (account, token) {
        if let Ok(base) = validate_base_url(&account.base_url) {
            let mut session = Session::new(&ctx, &service, &cancel, base)?;
            session.token = Some(token);
            let req = session.request(
                Method::DELETE,
                "v1/sessions/current",
                &[],
                None,
                None,
                Safety::Idempotent,
            );
            // Best effort: the token is forgotten here whatever the server says.
            let _ = session.api().call::<serde_json::Value>(&req).await;
        }
    }
    blocking(&ctx, |c| {
        if let Some(store) = &c.secrets {
            store
                .delete(TOKEN_SECRET_KEY)
                .map_err(secret_store_failed)?;
            store
                .delete(REFRESH_SECRET_KEY)
                .map_err(secret_store_failed)?;
        }
        Ok(())
    })
    .await?;
    publish(&ctx, &service, SyncStatus::Idle);
    Ok(())
}
