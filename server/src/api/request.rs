//! What every handler uses to read a request and write its answer: bearer tokens (member, till),
//! the Idempotency-Key, JSON bodies (with serde messages stripped of input values), text checks.

use super::{AppState, Shared};
use crate::credentials;
use crate::db::idempotency::{Answer, Idempotency};
use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub(super) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
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

/// A write under an Idempotency-Key of `scope` (`member:<id>`, `till`, `admin`): `op` runs in
/// one store transaction on the blocking pool (see `Store::write`), and the answer is the stored
/// one for a replay or `op`'s own. Without a key the write simply runs.
pub(super) async fn idempotent_write<F>(
    state: &Shared,
    scope: String,
    key: Option<String>,
    request_hash: String,
    op: F,
) -> ApiResult<Response>
where
    F: FnOnce(&Transaction<'_>, DateTime<Utc>, &AppState) -> ApiResult<(u16, String)>
        + Send
        + 'static,
{
    let answer = state
        .db(move |s, now, st| {
            let idem = key.as_deref().map(|key| Idempotency {
                scope: &scope,
                key,
                request_hash: &request_hash,
            });
            s.write(idem.as_ref(), now, |tx| op(tx, now, st))
        })
        .await?;
    Ok(answer_response(answer))
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 512)
        .then_some(token)
}

/// The signed-in member: (member id, the bearer token).
pub(super) async fn member_auth(
    state: &Shared,
    headers: &HeaderMap,
) -> ApiResult<(String, String)> {
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
pub(super) fn till_auth(state: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    let token = bearer(headers)
        .ok_or_else(|| ApiError::Unauthorized("the till token is required".into()))?;
    if credentials::constant_time_eq(
        credentials::sha256_hex(token.as_bytes()).as_bytes(),
        state.till_token_hash.as_bytes(),
    ) {
        Ok(())
    } else {
        Err(ApiError::Unauthorized("the till token is not valid".into()))
    }
}

pub(super) fn idempotency_key(headers: &HeaderMap, required: bool) -> ApiResult<Option<String>> {
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
pub(super) fn parse_body<T: DeserializeOwned>(body: &Bytes) -> ApiResult<(T, Value)> {
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

pub(super) fn text_field(name: &str, value: &str, max: usize) -> ApiResult<()> {
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
}
