//! Enrolment: a new membership, joining a household, fetching the member card, signing out.

use super::http::validate_base_url;
use super::retry::{Cancel, Safety};
use super::session::{blocking, publish, secret_string, secrets, Session, Stop};
use super::wire;
use super::SyncService;
use super::{
    Enrolment, Failure, SyncStatus, HOUSEHOLD_SECRET_KEY, REFRESH_SECRET_KEY, TOKEN_SECRET_KEY,
};
use crate::context::{secret_store_failed, Context};
use crate::log::{log_at, LogLevel};
use crate::store::SyncAccount;
use loyalty_domain::error::{ApiResult, LoyaltyError};
use reqwest::{Method, Url};
use std::sync::Arc;

/// Fetches the card secret and enrols the member card (secret into the secret store).
pub(super) async fn fetch_card(session: &Session<'_>) -> Result<crate::card::MemberCard, Stop> {
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
        .call_checked(&req, |s: Option<wire::CardSecret>| s?.checked())
        .await?;
    Ok(blocking(session.ctx, move |c| {
        c.keep_member_card(&card_number, &secret, params)
    })
    .await?)
}

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
        Err(Stop::Cancelled) => Err(LoyaltyError::Network {
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
            return Err(LoyaltyError::InvalidInput {
                reason: "the display name is at most 100 bytes, without control characters".into(),
            });
        }
    }
    let _running = cancel
        .run(service.running.lock())
        .await
        .map_err(|_| LoyaltyError::Network {
            reason: "signing in was cancelled".into(),
        })?;
    if blocking(&ctx, |c| Ok(c.store.sync_account()?.is_some())).await? {
        return Err(LoyaltyError::Conflict {
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
                e.filter(wire::Enrolled::ok)
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
        return Err(LoyaltyError::InvalidInput {
            reason: "the household code is 1 to 64 letters and digits".into(),
        });
    }
    let _running = cancel
        .run(service.running.lock())
        .await
        .map_err(|_| LoyaltyError::Network {
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
            .call_checked(&req, |s: Option<wire::Session>| s.filter(wire::Session::ok))
            .await
        {
            Err(Failure::Unauthorized) => {
                return Err(Stop::Error(LoyaltyError::Unauthorized {
                    reason: "the household code was not accepted".into(),
                }))
            }
            other => other?,
        };
        if let Some(existing) = &existing {
            if existing.member_id != joined.member_id {
                return Err(Stop::Error(LoyaltyError::Conflict {
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
        .map_err(|_| LoyaltyError::Network {
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
