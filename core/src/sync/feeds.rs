//! The server's feeds: ledger, vouchers and receipts page by page, each page applied with its
//! cursor in one store transaction; then the content feeds (rules, recipes, content, recalls),
//! checked by `content.rs` and applied only whole.

use super::content;
use super::retry::Safety;
use super::session::{blocking, Session, Stop};
use super::wire::{self, Page};
use super::{Failure, SyncReport};
use crate::context::Context;
use crate::log::{log_at, LogLevel};
use crate::receipts::Receipt;
use crate::store::{
    ContentFeed, Feed, OfferItem, PageApplied, PageCommit, ReminderKey, ServerLedgerEntry,
    ServerVoucher, StoredFeed,
};
use loyalty_domain::LoyaltyError;
use reqwest::Method;
use std::future::Future;
use std::sync::Arc;
use std::task::Poll;

/// A checked page: its items, next cursor and whether more follow; or the sign that the server's
/// feed went back behind the cursor sent (a server restored from a backup: its `next_cursor` is
/// before ours), so the feed must start over.
pub(super) enum Checked<U> {
    Page(Vec<U>, String, bool),
    Rewound,
}

/// A page's items checked one by one; `None` when the page is malformed (a cursor outside the
/// server's grammar included) or makes no progress (a page that says there is more without moving
/// the cursor would loop forever).
pub(super) fn checked_page<T, U>(
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

/// A checked page's items, by feed.
enum Items {
    Ledger(Vec<ServerLedgerEntry>),
    Vouchers(Vec<ServerVoucher>),
    Receipts(Vec<Receipt>),
}

/// A fetched page: its items, next cursor and whether more follow; `None` when the server's feed
/// went back behind the cursor sent.
type Fetched = Result<Option<(Items, String, bool)>, Failure>;

fn page_of<U>(checked: Option<Checked<U>>, items: fn(Vec<U>) -> Items) -> Option<Fetched> {
    Some(Ok(match checked? {
        Checked::Page(page, next, more) => Some((items(page), next, more)),
        Checked::Rewound => None,
    }))
}

/// Fetches and checks one page of `feed` after `cursor`.
async fn fetch_page(session: &Session<'_>, feed: Feed, cursor: Option<&str>) -> Fetched {
    let path = match feed {
        Feed::Ledger => "v1/ledger",
        Feed::Vouchers => "v1/vouchers",
        Feed::Receipts => "v1/receipts",
    };
    let limit = session.config.page_limit.to_string();
    let mut query: Vec<(&str, &str)> = vec![("limit", &limit)];
    if let Some(c) = cursor {
        query.push(("cursor", c));
    }
    let req = session.request(Method::GET, path, &query, None, None, Safety::Idempotent);
    let api = session.api();
    let now = session.ctx.clock.now();
    let checked = match feed {
        Feed::Ledger => {
            api.call_checked(&req, |p| {
                page_of(
                    checked_page(p, cursor, |i: wire::LedgerItem| i.check()),
                    Items::Ledger,
                )
            })
            .await
        }
        Feed::Vouchers => {
            api.call_checked(&req, |p| {
                page_of(
                    checked_page(p, cursor, |i: wire::VoucherItem| i.check(now)),
                    Items::Vouchers,
                )
            })
            .await
        }
        Feed::Receipts => {
            api.call_checked(&req, |p| {
                page_of(
                    checked_page(p, cursor, wire::check_receipt),
                    Items::Receipts,
                )
            })
            .await
        }
    };
    checked?
}

/// Applies one page with its next cursor, in one store transaction, flushed by [`pull_feeds`]
/// (a page that settles outbox items is flushed at once: see [`PageCommit`]).
async fn apply_page(ctx: &Arc<Context>, items: Items, next: String) -> Result<PageApplied, Stop> {
    let commit = PageCommit::Deferred;
    let applied = match items {
        Items::Ledger(items) => {
            blocking(ctx, move |c| {
                Ok(c.store.apply_ledger_page(&items, &next, commit)?)
            })
            .await
        }
        Items::Vouchers(items) => {
            blocking(ctx, move |c| {
                Ok(c.store.apply_voucher_page(&items, &next, commit)?)
            })
            .await
        }
        Items::Receipts(items) => {
            blocking(ctx, move |c| {
                // Held across the write: no reader sees the page stored but an index without it.
                let mut index = c.reminder_index.lock().unwrap_or_else(|e| e.into_inner());
                let applied = c.store.apply_receipt_page(&items, &next, commit)?;
                if applied.added + applied.updated > 0 {
                    // The reminder engine's index is rebuilt at the next plan.
                    *index = None;
                }
                Ok(applied)
            })
            .await
        }
    };
    Ok(applied?)
}

/// A page asked for ahead of time, with the cursor it was asked after.
type Ahead = (Option<String>, Fetched);

/// The ledger, voucher and receipt feeds in that order, each page applied with its cursor
/// ([`pull_feed`]); `phase` is told when each feed starts. The first page of a feed is asked for
/// while the last page of the one before is written.
///
/// Each page is committed with its cursor in one transaction but not flushed on its own
/// ([`PageCommit::Deferred`]); they are all made durable here, at once, when the feeds are
/// pulled or a feed stopped (a sync cut off by its deadline leaves them to the store's next
/// flush). A crash before then takes back the last pages whole with their cursors, and the
/// next sync fetches them again.
pub(super) async fn pull_feeds(
    session: &Session<'_>,
    report: &mut SyncReport,
    phase: impl Fn(Feed),
) -> Result<(), Stop> {
    let ctx = session.ctx;
    let pulled = pull_feeds_deferred(session, report, phase).await;
    let flushed = blocking(ctx, |c| Ok(c.store.flush()?)).await;
    pulled?;
    Ok(flushed?)
}

async fn pull_feeds_deferred(
    session: &Session<'_>,
    report: &mut SyncReport,
    phase: impl Fn(Feed),
) -> Result<(), Stop> {
    let ctx = session.ctx;
    if blocking(ctx, |c| Ok(c.store.restart_receipts_for_seals()?)).await? {
        log_at!(
            LogLevel::Info,
            "sync",
            "receipts stored before the retailer's seals are fetched again, once"
        );
    }
    let mut ahead = None;
    for (i, feed) in Feed::ALL.into_iter().enumerate() {
        phase(feed);
        let (applied, next_ahead) =
            pull_feed(session, feed, ahead.take(), Feed::ALL.get(i + 1).copied()).await?;
        ahead = next_ahead;
        let n = applied.added + applied.updated;
        match feed {
            Feed::Ledger => report.ledger_applied += n,
            Feed::Vouchers => report.vouchers_applied += n,
            Feed::Receipts => report.receipts_applied += n,
        }
        report.outbox_resolved += applied.resolved_outbox;
    }
    Ok(())
}

/// The feed's stored cursor, dropped (the feed starts over) when it is not one the server issues.
async fn feed_cursor(session: &Session<'_>, feed: Feed) -> Result<Option<String>, Stop> {
    let ctx = session.ctx;
    let cursor = blocking(ctx, move |c| Ok(c.store.sync_cursor(feed)?)).await?;
    if cursor
        .as_deref()
        .is_some_and(|c| wire::cursor_position(c).is_none())
    {
        restart_feed(feed, "the stored cursor is not one the server issues");
        blocking(ctx, move |c| Ok(c.store.reset_sync_cursor(feed)?)).await?;
        return Ok(None);
    }
    Ok(cursor)
}

/// The first page of `feed` from its stored cursor, asked for ahead of time.
async fn first_page(session: &Session<'_>, feed: Feed) -> Result<Ahead, Stop> {
    let cursor = feed_cursor(session, feed).await?;
    let fetched = fetch_page(session, feed, cursor.as_deref()).await;
    Ok((cursor, fetched))
}

/// Pages through one feed from its stored cursor, applying each page with its cursor.
///
/// While a page is written to the store, the next one is already asked for (its cursor is the
/// page's `next_cursor`, the one the store holds once the page is applied), so the store's work
/// overlaps the network's; while the last page is written, the first page of `then` (the next
/// feed) is asked for and returned. A page that cannot be applied stops the feed and the page
/// fetched ahead is dropped. `ahead` is used only when it was asked after the stored cursor.
///
/// Cursors are checked against the server's grammar: a stored one this client cannot use is
/// dropped (the feed starts over), one the server refuses (400) likewise, and so is a feed that
/// went back behind the cursor (a server restored from a backup). Starting over happens at most
/// once per feed and sync; records are upserts by id, and the outbox is untouched.
async fn pull_feed(
    session: &Session<'_>,
    feed: Feed,
    mut ahead: Option<Ahead>,
    then: Option<Feed>,
) -> Result<(PageApplied, Option<Ahead>), Stop> {
    let ctx = session.ctx;
    let mut total = PageApplied::default();
    let mut restarted = false;
    loop {
        if session.cancel.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        let cursor = feed_cursor(session, feed).await?;
        let outcome = match ahead.take() {
            Some((sent, fetched)) if sent == cursor => fetched,
            _ => fetch_page(session, feed, cursor.as_deref()).await,
        };
        let (applied, next_feed) = match outcome {
            Ok(Some((items, next, true))) => {
                let (applied, next_page) = tokio::join!(
                    apply_page(ctx, items, next.clone()),
                    fetch_page(session, feed, Some(&next))
                );
                ahead = Some((Some(next), next_page));
                (applied?, None)
            }
            Ok(Some((items, next, false))) => match then {
                Some(then) => {
                    let (applied, first) =
                        tokio::join!(apply_page(ctx, items, next), first_page(session, then));
                    (applied?, Some(first?))
                }
                None => (apply_page(ctx, items, next).await?, None),
            },
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
                return Err(Stop::Error(LoyaltyError::Network {
                    reason: "the server's feed keeps going back behind its own cursor".into(),
                }))
            }
            Err(f) => return Err(f.into()),
        };
        total.added += applied.added;
        total.updated += applied.updated;
        total.unchanged += applied.unchanged;
        total.resolved_outbox += applied.resolved_outbox;
        if ahead.is_none() {
            return Ok((total, next_feed));
        }
    }
}

/// Asks for the content feeds that changed (`If-None-Match` with the applied version);
/// [`apply_content`] then applies each valid one (see [`content`]). These requests carry no token: the feeds are the same for
/// everyone, and asking for them tells the server nothing about the shopper. A version that does
/// not validate is reported in [`SyncReport::content_rejected`] and skipped; the previous one
/// stays in use, and the next sync asks again.
pub(super) async fn fetch_all_content(session: &Session<'_>) -> [ContentFetched; 5] {
    // Independent small documents: asked for together.
    join_all(ContentFeed::ALL.map(|feed| fetch_content(session, feed))).await
}

/// A content feed's new version and body, or `None` when the applied one is current.
pub(super) type ContentFetched = Result<Option<(u64, String)>, Stop>;

/// Applies the content feeds fetched by [`fetch_all_content`] one by one, in feed order; the
/// first that could not be fetched stops the sync.
pub(super) async fn apply_content(
    session: &Session<'_>,
    fetched: [ContentFetched; 5],
    report: &mut SyncReport,
) -> Result<(), Stop> {
    let ctx = session.ctx;
    if session.cancel.is_cancelled() {
        return Err(Stop::Cancelled);
    }
    for (feed, fetched) in ContentFeed::ALL.into_iter().zip(fetched) {
        let Some((version, body)) = fetched? else {
            continue;
        };
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

/// One content feed's document when the server has a version newer than the applied one: its
/// version and body; `None` when the applied version is current (304) or none was published.
async fn fetch_content(
    session: &Session<'_>,
    feed: ContentFeed,
) -> Result<Option<(u64, String)>, Stop> {
    let applied = blocking(session.ctx, move |c| {
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
    Ok(doc
        .filter(|doc| doc.version != 0 && !doc.body.is_null() && Some(doc.version) != applied)
        .map(|doc| (doc.version, doc.body.to_string())))
}

/// Runs the futures concurrently on the calling task and returns their outputs in order.
async fn join_all<F: Future, const N: usize>(futures: [F; N]) -> [F::Output; N] {
    let mut futures = futures.map(Box::pin);
    let mut outputs: [Option<F::Output>; N] = std::array::from_fn(|_| None);
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(v) => *output = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.map(|o| o.expect("polled until every future was ready"))
}

/// Reads the member's offers (`GET /v1/offers`, the whole list) and replaces the stored list,
/// keeping the activations still waiting in the outbox. An offer that breaks the offer rules is
/// left out (logged without its content); a server without offers (404) leaves the list as is.
pub(super) async fn pull_offers(
    session: &Session<'_>,
    report: &mut SyncReport,
) -> Result<(), Stop> {
    if session.cancel.is_cancelled() {
        return Err(Stop::Cancelled);
    }
    let req = session.request(
        Method::GET,
        "v1/offers",
        &[],
        None,
        None,
        Safety::Idempotent,
    );
    let list = match session
        .api()
        .call_checked(&req, |l: Option<wire::OfferList>| l)
        .await
    {
        Ok(list) => list,
        Err(Failure::Rejected { status: 404, .. }) => {
            log_at!(
                LogLevel::Info,
                "sync",
                "the server has no offers (HTTP 404)"
            );
            return Ok(());
        }
        Err(f) => return Err(f.into()),
    };
    let total = list.items.len();
    let items: Vec<OfferItem> = list
        .items
        .into_iter()
        .filter(|w| w.offer.validate().is_ok())
        .map(|w| OfferItem {
            offer: w.offer,
            state: w.state,
            activated_at: w.activated_at,
            used_at: w.used_at,
            pending: false,
        })
        .collect();
    if items.len() < total {
        log_at!(
            LogLevel::Warn,
            "sync",
            "{} offers from the server break the offer rules and were left out",
            total - items.len()
        );
    }
    let change = blocking(session.ctx, move |c| Ok(c.store.replace_offers(items)?)).await?;
    report.offers_updated += u32::try_from(change.changed).unwrap_or(u32::MAX);
    log_at!(
        LogLevel::Info,
        "sync",
        "{} offers stored, {} changed",
        change.stored,
        change.changed
    );
    Ok(())
}
