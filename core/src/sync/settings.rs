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
                let company = me.company.filter(|company| {
                    let valid = company.validate().is_ok();
                    if !valid {
                        log_at!(
                            LogLevel::Warn,
                            "sync",
                            "the server's company details break the invoice rules; kept this device's"
                        );
                    }
                    valid
                });
                // A record that breaks the rules is not taken (its benefits are the server's
                // to grant at the till anyway); the one kept here stays.
                let membership = match me.membership {
                    Some(m) if m.validate().is_err() => {
                        log_at!(
                            LogLevel::Warn,
                            "sync",
                            "the server's membership record breaks the rules; kept this device's"
                        );
                        None
                    }
                    m => Some(m),
                };
                let (consent_changed, company_changed, membership_changed) =
                    blocking(ctx, move |c| {
                        let consent = c.store.apply_server_consent(me.consents)?;
                        let company = match &company {
                            Some(company) => c.store.apply_server_company(company)?,
                            None => false,
                        };
                        let membership = match &membership {
                            Some(m) => c.store.apply_server_membership(m.as_ref())?,
                            None => false,
                        };
                        Ok((consent, company, membership))
                    })
                    .await?;
                if membership_changed {
                    log_at!(LogLevel::Info, "sync", "took the membership record");
                    report.settings_received += 1;
                }
                if consent_changed {
                    log_at!(LogLevel::Info, "sync", "took the consent set elsewhere");
                    report.settings_received += 1;
                }
                if company_changed {
                    log_at!(
                        LogLevel::Info,
                        "sync",
                        "took the company details saved elsewhere"
                    );
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
    sync_company(session, report).await
}

/// The company details for invoices, across the member's devices: a change made here is sent
/// (`PUT /v1/me/company`, or `DELETE` when forgotten) and unqueued unless changed again
/// meanwhile. The other way, the device takes the server's with the consent (`GET /v1/me`,
/// above; saved on another device, or by an invoice request there) when it has no change of
/// its own; when the server holds none, the details on this device stay: the shopper forgets
/// them here themselves.
async fn sync_company(session: &Session<'_>, report: &mut SyncReport) -> Result<(), Stop> {
    let ctx = session.ctx;
    let Some(change) = blocking(ctx, |c| Ok(c.store.company_unsent()?)).await? else {
        return Ok(());
    };
    let req = match &change.company {
        Some(company) => session.request(
            Method::PUT,
            "v1/me/company",
            &[],
            // Strings only: encoding cannot fail (were it to, the server refuses the empty
            // PUT and the change stays queued).
            serde_json::to_value(company).ok(),
            None,
            Safety::Idempotent,
        ),
        None => session.request(
            Method::DELETE,
            "v1/me/company",
            &[],
            None,
            None,
            Safety::Idempotent,
        ),
    };
    if sent(
        session.api().call::<serde_json::Value>(&req).await,
        "company details",
    )? {
        blocking(ctx, move |c| Ok(c.store.company_sent(&change)?)).await?;
        report.settings_sent += 1;
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
