//! Settings up and down: the consent and push token this device changed, sent; the consent
//! changed elsewhere, taken.

use super::retry::Safety;
use super::session::{blocking, Session, Stop};
use super::wire;
use super::{Failure, SyncReport};
use crate::log::{log_at, LogLevel};
use crate::reminders::Consent;
use crate::store::ReminderKey;
use reqwest::Method;

/// Tells the server what changed on this device since it last heard: the consent the shopper
/// set (`PUT /v1/me/consents`) and this device's push token (`PUT /v1/me/push-token`). Only
/// changes made here are sent, so a device of the household that never touched its settings
/// does not overwrite what another one chose. Both are idempotent PUTs; a value is unqueued only
/// if it was not changed again meanwhile. A value the server refuses (4xx other than 401) stays
/// queued and does not fail the sync; it is logged.
///
/// With no consent change of its own to send, the device takes the server's (`GET /v1/me`):
/// a consent withdrawn on another device or on the retailer's website is honoured here too.
pub(super) async fn send_settings(
    session: &Session<'_>,
    report: &mut SyncReport,
) -> Result<(), Stop> {
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
