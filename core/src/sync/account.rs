//! The shopper's account as a whole: the export of what the server holds (`GET /v1/me/export`).
//! Deleting the account is an outbox item (see outbox.rs), so it can be asked for offline.

use super::http::validate_base_url;
use super::retry::{Cancel, Safety};
use super::session::{blocking, not_signed_in, secret_string, Session};
use super::{Failure, SyncService, TOKEN_SECRET_KEY};
use crate::context::Context;
use loyalty_domain::error::{ApiResult, LoyaltyError};
use reqwest::Method;
use std::sync::Arc;

/// The export's format name, as the server writes it.
pub const EXPORT_FORMAT: &str = "loyalty-core-export/1";

/// Everything the server holds for the member, as the JSON document it sent (pretty-printed).
/// Online only; `Unauthorized` when the session has ended (sign in again, then export).
pub(crate) async fn export(
    ctx: Arc<Context>,
    service: Arc<SyncService>,
    cancel: Cancel,
) -> ApiResult<String> {
    let (account, token) = blocking(&ctx, |c| {
        let account = c.store.sync_account()?.ok_or_else(not_signed_in)?;
        let token = secret_string(c, TOKEN_SECRET_KEY)?.ok_or_else(not_signed_in)?;
        Ok((account, token))
    })
    .await?;
    let base = validate_base_url(&account.base_url)?;
    let mut session = Session::new(&ctx, &service, &cancel, base)?;
    session.token = Some(token);
    let req = session.request(
        Method::GET,
        "v1/me/export",
        &[],
        None,
        None,
        Safety::Idempotent,
    );
    let member = account.member_id.clone();
    let doc = session
        .api()
        .call_checked(&req, |v: Option<serde_json::Value>| {
            // The member's own export, in the format this core reads: anything else is refused.
            let v = v?;
            (v["format"] == EXPORT_FORMAT && v["member"]["member_id"] == member.as_str())
                .then_some(v)
        })
        .await
        .map_err(|f| match f {
            Failure::Cancelled => LoyaltyError::Network {
                reason: "the export was cancelled".into(),
            },
            f => f.into_api_error(),
        })?;
    serde_json::to_string_pretty(&doc).map_err(|_| LoyaltyError::Internal {
        reason: "the export could not be written".into(),
    })
}
