//! What devices read page by page or by version: the member's delta feeds (ledger, vouchers,
//! receipts; cursor and limit from the query) and the published content feeds (ETag).

use super::request::{json, member_auth};
use super::Shared;
use crate::db::Store;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use loyalty_domain::proof::seal_receipt;
use serde::Serialize;
use std::sync::Arc;

/// Default and largest page of a delta feed.
pub const DEFAULT_LIMIT: i64 = 500;

pub const MAX_LIMIT: i64 = 1000;

pub(super) async fn ledger(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    delta(&state, &headers, q, Store::ledger_page).await
}

pub(super) async fn vouchers(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    delta(&state, &headers, q, Store::vouchers_page).await
}

pub(super) async fn receipts(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let (member, _) = member_auth(&state, &headers).await?;
    let (after, limit) = page_params(q.as_deref())?;
    let mut page = state
        .db(move |s, _, _| s.receipts_page(&member, &after, limit))
        .await?;
    // Every receipt delivered carries the retailer's seal, made on the way out (deterministic:
    // the same receipt is sealed the same way each time) and off the store's lock.
    let seal_with = Arc::clone(&state);
    let page = tokio::task::spawn_blocking(move || {
        for r in &mut page.items {
            r.seal = seal_receipt(r, &seal_with.signing_key).ok();
        }
        page
    })
    .await
    .map_err(|_| ApiError::Internal("a sealing task failed".into()))?;
    Ok(json(StatusCode::OK, &page))
}

/// One page of a member's delta feed: `cursor` and `limit` from the query, `page` from the store.
async fn delta<T: Serialize + Send + 'static>(
    state: &Shared,
    headers: &HeaderMap,
    query: Option<String>,
    page: fn(&Store, &str, &Cursor, i64) -> ApiResult<T>,
) -> ApiResult<Response> {
    let (member, _) = member_auth(state, headers).await?;
    let (after, limit) = page_params(query.as_deref())?;
    let items = state
        .db(move |s, _, _| page(s, &member, &after, limit))
        .await?;
    Ok(json(StatusCode::OK, &items))
}

/// `cursor` and `limit` of a delta request.
fn page_params(query: Option<&str>) -> ApiResult<(Cursor, i64)> {
    let mut after = Cursor::default();
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

pub(super) fn content_kind(kind: &str) -> ApiResult<&'static str> {
    CONTENT_KINDS
        .iter()
        .find(|k| **k == kind)
        .copied()
        .ok_or_else(|| ApiError::NotFound("no such content feed".into()))
}

pub(super) fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

pub(super) async fn content(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_and_limits() {
        let at = |seq: i64, check: Option<&str>| Cursor {
            seq,
            check: check.map(str::to_string),
        };
        assert_eq!(
            page_params(None).unwrap(),
            (Cursor::default(), DEFAULT_LIMIT)
        );
        assert_eq!(
            page_params(Some("cursor=c1.42&limit=7")).unwrap(),
            (at(42, None), 7)
        );
        assert_eq!(
            page_params(Some("cursor=c1%2E42")).unwrap(),
            (at(42, None), DEFAULT_LIMIT)
        );
        assert_eq!(
            page_params(Some("cursor=c1.42.0123456789ab&limit=7")).unwrap(),
            (at(42, Some("0123456789ab")), 7)
        );
        assert_eq!(
            page_params(Some("cursor=")).unwrap(),
            (Cursor::default(), DEFAULT_LIMIT)
        );
        for bad in [
            "cursor=42",
            "cursor=c1.",
            "cursor=c1.-1",
            "cursor=c1.99999999999999999999",
            "cursor=c1.42.",
            "cursor=c1.42.0123456789a",
            "cursor=c1.42.0123456789abc",
            "cursor=c1.42.0123456789AB",
            "cursor=c1.42.0123456789ag",
            "cursor=c1.42.0123456789ab.0",
            "cursor=c1..0123456789ab",
            "limit=0",
            "limit=1001",
            "limit=ten",
        ] {
            assert!(page_params(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            decode_cursor(&encode_cursor(17, None)).unwrap(),
            at(17, None)
        );
        assert_eq!(
            decode_cursor(&encode_cursor(17, Some("00ff00ff00ff"))).unwrap(),
            at(17, Some("00ff00ff00ff"))
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("c1%2E5"), "c1.5");
        assert_eq!(percent_decode("a%"), "a%");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("a%zz"), "a%zz");
    }
}
