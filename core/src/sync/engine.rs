//! One sync in order: the member card (when missing), the outbox, settings, the ledger, voucher
//! and receipt feeds (the content feeds asked for meanwhile), the offers, the content feeds; a bearer token that expired is renewed once. The
//! phases are in enrolment.rs, outbox.rs, settings.rs and feeds.rs; what they share is in
//! session.rs. Everything runs on the client's runtime; store work runs on its blocking pool.

use super::enrolment::fetch_card;
use super::feeds::{apply_content, fetch_all_content, pull_feeds, pull_offers};
use super::http::validate_base_url;
use super::outbox::drain_outbox;
use super::retry::{Cancel, Safety};
use super::session::{blocking, not_signed_in, publish, secret_string, secrets, Session, Stop};
use super::settings::send_settings;
use super::wire;
use super::SyncService;
use super::{Failure, SyncPhase, SyncReport, SyncStatus, REFRESH_SECRET_KEY, TOKEN_SECRET_KEY};
use crate::context::{secret_store_failed, Context};
use crate::log::{log_at, LogLevel};
use crate::store::Feed;
use loyalty_domain::error::{ApiResult, LoyaltyError};
use reqwest::Method;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

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
            Err(Stop::Error(LoyaltyError::Unauthorized { .. }))
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
        Ok(()) if report.account_deleted => {
            publish(&ctx, &service, SyncStatus::Idle);
            Ok(report)
        }
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
            s.filter(|s| s.renews(&account.member_id))
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
    if report.account_deleted {
        // Nothing is left to sync: the account is gone and the device wiped.
        return Ok(());
    }
    send_settings(&session, report).await?;

    // The content feeds (the same for everyone) are asked for while the member's feeds run.
    let (feeds, content) = tokio::join!(
        async {
            pull_feeds(&session, report, |feed| {
                let phase = match feed {
                    Feed::Ledger => SyncPhase::Ledger,
                    Feed::Vouchers => SyncPhase::Vouchers,
                    Feed::Receipts => SyncPhase::Receipts,
                };
                publish(ctx, service, SyncStatus::Syncing { phase });
            })
            .await?;
            // The member's offers, after the other feeds (their state follows the receipts' uses).
            pull_offers(&session, report).await
        },
        fetch_all_content(&session)
    );
    feeds?;

    publish(
        ctx,
        service,
        SyncStatus::Syncing {
            phase: SyncPhase::Content,
        },
    );
    apply_content(&session, content, report).await
}
