//! The line protocol between the crash-safety test (`tests/crash_safety.rs`) and its child
//! process (`src/bin/crash_worker.rs`).
//!
//! The worker writes one line per event to its stdout, each with a single `write` and a flush:
//!
//! - `OPEN`: the store is open.
//! - `TRY <Op as JSON>`: the worker is about to call this operation (the clock is already set to
//!   the operation's `now`).
//! - `ACK <Ack as JSON>`: the call returned `Ok`. From this line on the operation is
//!   acknowledged: it must survive any crash.
//! - `REJ <reason>`: the call returned an expected domain error (conflict, not found, invalid
//!   input). Such a call must change nothing.
//! - `FATAL <reason>`: an unexpected error (storage, corruption, internal); the worker exits with
//!   a failure status.
//!
//! At most one `TRY` is outstanding: a kill lands before it, during its call (it may or may not
//! have been written), or between the call's return and its `ACK` (written, unacknowledged).
//! A line cut off by the kill (no final newline) does not count.

use chrono::{DateTime, Utc};
use loyalty_core::points::LedgerEntry;
use loyalty_core::receipts::Receipt;
use loyalty_core::wallet::{OutboxItem, RedemptionOutcome, Voucher};
use serde::{Deserialize, Serialize};

/// One operation the worker performs, as announced in its `TRY` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// `points().earn(points, Some(reference), None, pending)`.
    Earn {
        points: i64,
        pending: bool,
        reference: String,
        now: DateTime<Utc>,
    },
    /// `points().redeem(points, Some(reference), None, pending)`; `points` > 0 is the amount spent.
    Redeem {
        points: i64,
        pending: bool,
        reference: String,
        now: DateTime<Utc>,
    },
    /// `points().adjust(points, Some(description))`.
    Adjust {
        points: i64,
        description: String,
        now: DateTime<Utc>,
    },
    /// `points().settle(seq, confirmed)`.
    Settle { seq: u64, confirmed: bool },
    /// `points().reverse(seq)`.
    Reverse { seq: u64, now: DateTime<Utc> },
    /// `wallet().add(voucher)`: a new voucher or the retailer's update of one.
    AddVoucher {
        voucher: Voucher,
        now: DateTime<Utc>,
    },
    /// `wallet().begin_redemption(id)`.
    Begin { id: String, now: DateTime<Utc> },
    /// `wallet().complete_redemption(id, outcome)`.
    Complete {
        id: String,
        outcome: RedemptionOutcome,
        now: DateTime<Utc>,
    },
    /// `wallet().revoke(id)`.
    Revoke { id: String, now: DateTime<Utc> },
    /// `receipts().add(receipt)`.
    AddReceipt { receipt: Receipt },
    /// What a sync does with the voucher and receipt feeds: each page applied with its cursor
    /// in one transaction, not flushed on its own (`PageCommit::Deferred`), then one flush for
    /// them all (`Store::flush`), as `sync::feeds::pull_feeds` does. The vouchers are new and
    /// available on the server. Page `k` of a feed moves its cursor to
    /// [`Op::page_cursor`]`(cursor, feed, k)`.
    FeedPages {
        vouchers: Vec<Vec<Voucher>>,
        receipts: Vec<Vec<Receipt>>,
        cursor: String,
    },
}

/// The two feeds [`Op::FeedPages`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFeed {
    Vouchers,
    Receipts,
}

impl Op {
    /// The clock time the operation runs at, when it reads the clock.
    pub fn now(&self) -> Option<DateTime<Utc>> {
        match self {
            Op::Earn { now, .. }
            | Op::Redeem { now, .. }
            | Op::Adjust { now, .. }
            | Op::Reverse { now, .. }
            | Op::AddVoucher { now, .. }
            | Op::Begin { now, .. }
            | Op::Complete { now, .. }
            | Op::Revoke { now, .. } => Some(*now),
            Op::Settle { .. } | Op::AddReceipt { .. } | Op::FeedPages { .. } => None,
        }
    }

    /// The cursor page `k` (from 0) of `feed` moves to in an [`Op::FeedPages`].
    pub fn page_cursor(cursor: &str, feed: PageFeed, k: usize) -> String {
        let f = match feed {
            PageFeed::Vouchers => 'v',
            PageFeed::Receipts => 'r',
        };
        format!("{cursor}.{f}{k}")
    }

    /// A short human description for reports.
    pub fn describe(&self) -> String {
        match self {
            Op::Earn {
                points,
                pending,
                reference,
                ..
            } => format!("earn {points} pending={pending} ref={reference}"),
            Op::Redeem {
                points,
                pending,
                reference,
                ..
            } => format!("redeem {points} pending={pending} ref={reference}"),
            Op::Adjust {
                points,
                description,
                ..
            } => format!("adjust {points} ({description})"),
            Op::Settle { seq, confirmed } => format!("settle seq={seq} confirmed={confirmed}"),
            Op::Reverse { seq, .. } => format!("reverse seq={seq}"),
            Op::AddVoucher { voucher, .. } => {
                format!("add voucher {} ({})", voucher.id, voucher.title)
            }
            Op::Begin { id, .. } => format!("begin redemption of {id}"),
            Op::Complete { id, outcome, .. } => {
                format!("complete redemption of {id} ({outcome:?})")
            }
            Op::Revoke { id, .. } => format!("revoke {id}"),
            Op::AddReceipt { receipt } => format!("add receipt {}", receipt.id),
            Op::FeedPages {
                vouchers,
                receipts,
                cursor,
            } => format!(
                "feed pages {cursor}: {} voucher page(s) of {:?}, {} receipt page(s) of {:?}",
                vouchers.len(),
                vouchers.iter().map(Vec::len).collect::<Vec<_>>(),
                receipts.len(),
                receipts.iter().map(Vec::len).collect::<Vec<_>>(),
            ),
        }
    }
}

/// What an acknowledged call returned, as written in its `ACK` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "ack", rename_all = "snake_case")]
pub enum Ack {
    /// Earn, redeem, adjust, reverse: the new entry. Settle: the settled entry.
    Entry { entry: LedgerEntry },
    /// Add, complete, revoke: the voucher as the API returned it (an available voucher past its
    /// window reads as expired).
    Voucher { voucher: Voucher },
    /// Begin: the voucher, now redeeming, and its outbox item.
    Begin { voucher: Voucher, item: OutboxItem },
    /// Add receipt: `false` when the very same receipt was already stored.
    Receipt { added: bool },
    /// Feed pages: how many pages of each feed were applied (all of them once acknowledged,
    /// after the flush; a prefix of each when found after a kill).
    Pages { vouchers: usize, receipts: usize },
}

/// One line of the worker's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Open,
    Try(Op),
    Ack(Ack),
    Rej(String),
    Fatal(String),
}

impl Line {
    /// The line's text, ending with a newline.
    pub fn render(&self) -> String {
        match self {
            Line::Open => "OPEN\n".to_string(),
            Line::Try(op) => format!("TRY {}\n", json(op)),
            Line::Ack(ack) => format!("ACK {}\n", json(ack)),
            Line::Rej(reason) => format!("REJ {}\n", one_line(reason)),
            Line::Fatal(reason) => format!("FATAL {}\n", one_line(reason)),
        }
    }

    /// Parses one complete line (without its newline).
    pub fn parse(text: &str) -> Result<Line, String> {
        let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
        let json_err = |e: serde_json::Error| format!("unreadable {word} line ({e}): {text}");
        match word {
            "OPEN" => Ok(Line::Open),
            "TRY" => serde_json::from_str(rest).map(Line::Try).map_err(json_err),
            "ACK" => serde_json::from_str(rest).map(Line::Ack).map_err(json_err),
            "REJ" => Ok(Line::Rej(rest.to_string())),
            "FATAL" => Ok(Line::Fatal(rest.to_string())),
            _ => Err(format!("unknown worker line: {text}")),
        }
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("protocol values serialise")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn lines_round_trip() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        for line in [
            Line::Open,
            Line::Try(Op::Earn {
                points: 40,
                pending: true,
                reference: "e1-2".into(),
                now,
            }),
            Line::Try(Op::Settle {
                seq: 3,
                confirmed: false,
            }),
            Line::Ack(Ack::Receipt { added: true }),
            Line::Rej("conflict: not enough points".into()),
            Line::Fatal("open: storage error".into()),
        ] {
            let text = line.render();
            assert!(text.ends_with('\n'));
            assert_eq!(Line::parse(text.trim_end_matches('\n')).unwrap(), line);
        }
        assert!(Line::parse("ACK {\"ack\":").is_err());
    }
}
