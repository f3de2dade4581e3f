//! Child process of the crash-safety test: opens the store in a data directory and performs
//! random operations on it, forever, until it is killed. Every event goes to stdout as one line of
//! the protocol in `loyalty_tests::crash` (`TRY` before a call, `ACK` after it returned `Ok`).
//!
//! Usage: `crash_worker <data dir> <seed> <run> <start, unix milliseconds>`
//!
//! Time comes from a [`ManualClock`] that starts at `start` and moves forward by a seeded random
//! step before each operation; the worker never sleeps.

use chrono::{DateTime, Duration, TimeZone, Utc};
use loyalty_core::card::{public_key_hex, sign_voucher, SigningKey};
use loyalty_core::money::Money;
use loyalty_core::points::{EntryKind, EntryStatus, LedgerEntry, ProgrammeRules};
use loyalty_core::receipts::{LineItem, Receipt, ReceiptSource};
use loyalty_core::store::{PageCommit, ServerVoucher, ServerVoucherState, Store};
use loyalty_core::wallet::{RedemptionOutcome, Voucher, VoucherKind, VoucherState};
use loyalty_core::{LoyaltyClient, LoyaltyError, ManualClock};
use loyalty_tests::crash::{Ack, Line, Op, PageFeed};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

const GTINS: [&str; 4] = [
    "4006381333931",
    "96385074",
    "036000291452",
    "10614141000415",
];
const CATEGORIES: [&str; 5] = ["pet food", "garden", "wine", "electronics", "bakery"];

fn emit(line: &Line) {
    // One write of the whole line (well under PIPE_BUF, so atomic on a pipe), then a flush: once
    // the ACK is out, the test may count on the operation.
    let mut out = std::io::stdout().lock();
    let ok = out.write_all(line.render().as_bytes()).is_ok() && out.flush().is_ok();
    if !ok {
        // The test went away: nobody is listening any more.
        std::process::exit(4);
    }
}

/// The retailer's voucher signing key of the crash test.
fn retailer() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

/// Gives `v` the retailer's code over its current fields.
fn signed(v: &mut Voucher) {
    v.code = sign_voucher(v, &retailer()).expect("a valid voucher signs");
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: crash_worker <data dir> <seed> <run> <start unix ms>");
        return ExitCode::from(2);
    }
    let dir = PathBuf::from(&args[1]);
    let (Ok(seed), Ok(run), Ok(start_ms)) = (
        args[2].parse::<u64>(),
        args[3].parse::<u64>(),
        args[4].parse::<i64>(),
    ) else {
        eprintln!("crash_worker: seed, run and start must be integers");
        return ExitCode::from(2);
    };
    let Some(start) = Utc.timestamp_millis_opt(start_ms).single() else {
        eprintln!("crash_worker: start is out of range");
        return ExitCode::from(2);
    };
    let clock = Arc::new(ManualClock::new(start));
    // The vouchers as stored (states as written, not as seen at some time), read from the store
    // itself before the client opens it: the client hands no store out.
    let stored = Store::open(&dir).and_then(|store| {
        let vouchers = store.vouchers()?;
        store.close()?;
        Ok(vouchers)
    });
    let vouchers = match stored {
        Ok(v) => v,
        Err(e) => {
            emit(&Line::Fatal(format!(
                "open failed: {}",
                LoyaltyError::from(e)
            )));
            return ExitCode::from(3);
        }
    };
    let client = match LoyaltyClient::open(&dir, ProgrammeRules::default(), clock.clone(), None) {
        Ok(c) => c,
        Err(e) => {
            emit(&Line::Fatal(format!("open failed: {e}")));
            return ExitCode::from(3);
        }
    };
    // The wallet takes only the retailer's signed vouchers.
    let key = public_key_hex(&retailer().verifying_key());
    if let Err(e) = client.wallet().set_retailer_key(&key) {
        emit(&Line::Fatal(format!("setting the voucher key failed: {e}")));
        return ExitCode::from(3);
    }
    emit(&Line::Open);
    let mut worker = match Worker::load(client, vouchers, clock, seed, run, start) {
        Ok(w) => w,
        Err(e) => {
            emit(&Line::Fatal(format!(
                "reading the state after open failed: {e}"
            )));
            return ExitCode::from(3);
        }
    };
    loop {
        if let Err(e) = worker.step() {
            emit(&Line::Fatal(e));
            return ExitCode::from(3);
        }
    }
}

struct Worker {
    client: LoyaltyClient,
    clock: Arc<ManualClock>,
    rng: StdRng,
    run: u64,
    now: DateTime<Utc>,
    /// Names made in this run: `<prefix><run>-<n>`.
    next_name: u64,
    /// The whole ledger, oldest first (seq = index + 1).
    entries: Vec<LedgerEntry>,
    /// Every voucher with its stored state (never `Expired`).
    vouchers: BTreeMap<String, Voucher>,
    /// Receipts added in this run (to deliver one twice, or a different one under its id).
    receipts: Vec<Receipt>,
}

impl Worker {
    fn load(
        client: LoyaltyClient,
        vouchers: Vec<Voucher>,
        clock: Arc<ManualClock>,
        seed: u64,
        run: u64,
        start: DateTime<Utc>,
    ) -> Result<Self, LoyaltyError> {
        let entries = client.points().entries()?;
        let vouchers = vouchers.into_iter().map(|v| (v.id.clone(), v)).collect();
        Ok(Self {
            client,
            clock,
            rng: StdRng::seed_from_u64(seed),
            run,
            now: start,
            next_name: 0,
            entries,
            vouchers,
            receipts: Vec::new(),
        })
    }

    fn name(&mut self, prefix: &str) -> String {
        self.next_name += 1;
        format!("{prefix}{}-{}", self.run, self.next_name)
    }

    /// One operation: advance the clock, announce, call, acknowledge.
    fn step(&mut self) -> Result<(), String> {
        self.now += Duration::seconds(self.rng.random_range(1..=300));
        self.clock.set(self.now);
        let op = self.choose()?;
        emit(&Line::Try(op.clone()));
        match self.call(&op) {
            Ok(ack) => {
                self.absorb(&op, &ack);
                emit(&Line::Ack(ack));
                Ok(())
            }
            Err(
                e @ (LoyaltyError::Conflict { .. }
                | LoyaltyError::NotFound { .. }
                | LoyaltyError::InvalidInput { .. }),
            ) => {
                emit(&Line::Rej(e.to_string()));
                Ok(())
            }
            Err(e) => Err(format!("{} failed: {e}", op.describe())),
        }
    }

    fn available(&self) -> Result<i64, String> {
        self.client
            .points()
            .balance()
            .map(|b| b.available())
            .map_err(|e| format!("reading the balance failed: {e}"))
    }

    /// Picks the next operation. Mostly valid ones; a few that must be refused (and then must
    /// change nothing).
    fn choose(&mut self) -> Result<Op, String> {
        let now = self.now;
        let pending: Vec<u64> = self
            .entries
            .iter()
            .filter(|e| e.status == EntryStatus::Pending)
            .map(|e| e.seq)
            .collect();
        let reversible: Vec<u64> = self
            .entries
            .iter()
            .filter(|e| {
                e.status == EntryStatus::Confirmed
                    && e.reversed_by.is_none()
                    && matches!(
                        e.kind,
                        EntryKind::Earn | EntryKind::Redeem | EntryKind::Adjust
                    )
            })
            .map(|e| e.seq)
            .collect();
        let usable: Vec<String> = self.voucher_ids(|v| v.is_usable(now));
        let redeeming: Vec<String> =
            self.voucher_ids(|v| matches!(v.state, VoucherState::Redeeming { .. }));
        let unused: Vec<String> = self.voucher_ids(|v| {
            matches!(
                v.state,
                VoucherState::Available | VoucherState::Redeeming { .. }
            )
        });
        let revocable: Vec<String> = self.voucher_ids(|v| v.state == VoucherState::Available);
        let available = self.available()?;

        // (weight, applicable)
        let table: [(u32, bool); 15] = [
            (14, true),                     // 0 earn confirmed
            (10, true),                     // 1 earn pending
            (9, available > 0),             // 2 redeem
            (3, true),                      // 3 adjust
            (9, !pending.is_empty()),       // 4 settle
            (5, !reversible.is_empty()),    // 5 reverse
            (8, true),                      // 6 new voucher
            (2, !unused.is_empty()),        // 7 updated voucher
            (9, !usable.is_empty()),        // 8 begin
            (9, !redeeming.is_empty()),     // 9 complete
            (2, !revocable.is_empty()),     // 10 revoke
            (8, true),                      // 11 new receipt
            (1, !self.receipts.is_empty()), // 12 the same receipt again
            (3, true),                      // 13 something that must be refused
            (8, true),                      // 14 a sync's voucher and receipt feed pages
        ];
        let total: u32 = table.iter().filter(|(_, ok)| *ok).map(|(w, _)| w).sum();
        let mut pick = self.rng.random_range(0..total);
        let mut choice = 0;
        for (i, (w, ok)) in table.iter().enumerate() {
            if !ok {
                continue;
            }
            if pick < *w {
                choice = i;
                break;
            }
            pick -= w;
        }
        let op = match choice {
            0 | 1 => Op::Earn {
                points: self.rng.random_range(1..=500),
                pending: choice == 1,
                reference: self.name("e"),
                now,
            },
            2 => Op::Redeem {
                points: self.rng.random_range(1..=available.min(300)),
                pending: self.rng.random_bool(0.3),
                reference: self.name("e"),
                now,
            },
            3 => {
                let mut points = self.rng.random_range(-100..=200);
                if points == 0 {
                    points = 1;
                }
                Op::Adjust {
                    points,
                    description: format!("correction {}", self.name("a")),
                    now,
                }
            }
            4 => Op::Settle {
                seq: pending[self.rng.random_range(0..pending.len())],
                confirmed: self.rng.random_bool(0.7),
            },
            5 => Op::Reverse {
                seq: reversible[self.rng.random_range(0..reversible.len())],
                now,
            },
            6 => {
                let id = self.name("v");
                Op::AddVoucher {
                    voucher: self.new_voucher(id),
                    now,
                }
            }
            7 => {
                let id = unused[self.rng.random_range(0..unused.len())].clone();
                let mut v = self.vouchers[&id].clone();
                // The retailer's newer version: a new title, a longer window, stated available.
                v.title = format!("Voucher {id}, revision {}", self.name("u"));
                v.valid_until += Duration::days(1);
                v.state = VoucherState::Available;
                signed(&mut v);
                Op::AddVoucher { voucher: v, now }
            }
            8 => Op::Begin {
                id: usable[self.rng.random_range(0..usable.len())].clone(),
                now,
            },
            9 => {
                let outcome = match self.rng.random_range(0..10) {
                    0..=4 => RedemptionOutcome::Accepted,
                    5..=7 => RedemptionOutcome::Rejected,
                    _ => RedemptionOutcome::AlreadyRedeemed,
                };
                Op::Complete {
                    id: redeeming[self.rng.random_range(0..redeeming.len())].clone(),
                    outcome,
                    now,
                }
            }
            10 => Op::Revoke {
                id: revocable[self.rng.random_range(0..revocable.len())].clone(),
                now,
            },
            11 => {
                let id = self.name("r");
                Op::AddReceipt {
                    receipt: self.new_receipt(id),
                }
            }
            12 => Op::AddReceipt {
                receipt: self.receipts[self.rng.random_range(0..self.receipts.len())].clone(),
            },
            13 => self.refused(available),
            _ => {
                let cursor = self.name("c");
                let pages = |rng: &mut StdRng| rng.random_range(1..=3);
                let (nv, nr) = (pages(&mut self.rng), pages(&mut self.rng));
                let mut vouchers = Vec::new();
                for _ in 0..nv {
                    let n = self.rng.random_range(1..=8);
                    let page = (0..n)
                        .map(|_| {
                            let id = self.name("fv");
                            self.new_voucher(id)
                        })
                        .collect();
                    vouchers.push(page);
                }
                let mut receipts = Vec::new();
                for _ in 0..nr {
                    let n = self.rng.random_range(1..=8);
                    let page = (0..n)
                        .map(|_| {
                            let id = self.name("fr");
                            let mut r = self.new_receipt(id);
                            r.source = ReceiptSource::Server;
                            r
                        })
                        .collect();
                    receipts.push(page);
                }
                Op::FeedPages {
                    vouchers,
                    receipts,
                    cursor,
                }
            }
        };
        Ok(op)
    }

    fn voucher_ids(&self, keep: impl Fn(&Voucher) -> bool) -> Vec<String> {
        self.vouchers
            .values()
            .filter(|v| keep(v))
            .map(|v| v.id.clone())
            .collect()
    }

    /// An operation the core must refuse.
    fn refused(&mut self, available: i64) -> Op {
        let now = self.now;
        let settled: Vec<u64> = self
            .entries
            .iter()
            .filter(|e| e.status != EntryStatus::Pending)
            .map(|e| e.seq)
            .collect();
        let not_usable = self.voucher_ids(|v| !v.is_usable(now));
        let not_redeeming =
            self.voucher_ids(|v| !matches!(v.state, VoucherState::Redeeming { .. }));
        match self.rng.random_range(0..6) {
            0 if !settled.is_empty() => Op::Settle {
                seq: settled[self.rng.random_range(0..settled.len())],
                confirmed: true,
            },
            1 if !self.entries.is_empty() => {
                // Already reversed, not confirmed, or not reversible: some of these.
                let candidates: Vec<u64> = self
                    .entries
                    .iter()
                    .filter(|e| {
                        e.reversed_by.is_some()
                            || e.status != EntryStatus::Confirmed
                            || matches!(e.kind, EntryKind::Reverse | EntryKind::Expire)
                    })
                    .map(|e| e.seq)
                    .collect();
                let seq = if candidates.is_empty() {
                    self.entries.len() as u64 + 1_000
                } else {
                    candidates[self.rng.random_range(0..candidates.len())]
                };
                Op::Reverse { seq, now }
            }
            2 if !not_usable.is_empty() => Op::Begin {
                id: not_usable[self.rng.random_range(0..not_usable.len())].clone(),
                now,
            },
            3 if !not_redeeming.is_empty() => Op::Complete {
                id: not_redeeming[self.rng.random_range(0..not_redeeming.len())].clone(),
                outcome: RedemptionOutcome::Accepted,
                now,
            },
            4 if !self.receipts.is_empty() => {
                // A different receipt under an id already stored.
                let mut r = self.receipts[self.rng.random_range(0..self.receipts.len())].clone();
                r.store_name = format!("{} (other)", r.store_name);
                Op::AddReceipt { receipt: r }
            }
            _ => Op::Redeem {
                points: available.max(0) + self.rng.random_range(1..=100),
                pending: self.rng.random_bool(0.5),
                reference: self.name("e"),
                now,
            },
        }
    }

    fn new_voucher(&mut self, id: String) -> Voucher {
        let now = self.now;
        let rng = &mut self.rng;
        // Mostly valid now; some not valid yet; windows from half an hour to a month, so some
        // expire while the test runs.
        let valid_from = if rng.random_bool(0.15) {
            now + Duration::minutes(rng.random_range(1..=120))
        } else {
            now - Duration::minutes(rng.random_range(0..=3 * 24 * 60))
        };
        let valid_until = valid_from + Duration::minutes(rng.random_range(30..=30 * 24 * 60));
        let kind = match rng.random_range(0..5) {
            0 => VoucherKind::AmountOff {
                amount: Money::new(rng.random_range(100..=2_000), "EUR").expect("EUR"),
                min_spend: rng
                    .random_bool(0.5)
                    .then(|| Money::new(5_000, "EUR").expect("EUR")),
            },
            1 => VoucherKind::PercentOff {
                percent: rng.random_range(1..=50),
                max_discount: rng
                    .random_bool(0.5)
                    .then(|| Money::new(1_000, "EUR").expect("EUR")),
            },
            2 => VoucherKind::FreeProduct {
                gtin: GTINS[rng.random_range(0..GTINS.len())].into(),
                product_name: "Sourdough loaf".into(),
            },
            3 => VoucherKind::PointsMultiplier {
                multiplier: rng.random_range(2..=5),
            },
            _ => VoucherKind::EventInvitation {
                event_name: "Members' pre-sale evening".into(),
                location: "Main street store".into(),
                starts_at: valid_until - Duration::hours(3),
                ends_at: valid_until,
            },
        };
        let mut v = Voucher {
            titles: Default::default(),
            code: String::new(),
            title: format!("Voucher {id}"),
            id,
            kind,
            description: rng
                .random_bool(0.5)
                .then(|| "Thank you for shopping".into()),
            valid_from,
            valid_until,
            state: VoucherState::Available,
            signature: rng.random_bool(0.3).then(|| "c2lnbmF0dXJl".into()),
        };
        signed(&mut v);
        v
    }

    fn new_receipt(&mut self, id: String) -> Receipt {
        let rng = &mut self.rng;
        let lines = (0..rng.random_range(1..=4))
            .map(|_| LineItem {
                names: Default::default(),
                gtin: GTINS[rng.random_range(0..GTINS.len())].into(),
                name: "Item".into(),
                quantity: rng.random_range(1..=5),
                unit_price: Money::new(rng.random_range(0..=10_000), "EUR").expect("EUR"),
                category: CATEGORIES[rng.random_range(0..CATEGORIES.len())].into(),
                lot: rng.random_bool(0.3).then(|| "L2026-03".into()),
                warranty_months: rng.random_bool(0.2).then_some(24),
            })
            .collect();
        Receipt {
            store_names: Default::default(),
            id,
            store_name: "Main street store".into(),
            purchased_at: self.now - Duration::minutes(rng.random_range(0..=600)),
            lines,
            source: if rng.random_bool(0.5) {
                ReceiptSource::Till
            } else {
                ReceiptSource::Server
            },
            return_window_days: rng.random_bool(0.2).then_some(60),
            discounts: Vec::new(),
            seal: None,
        }
    }

    fn call(&mut self, op: &Op) -> Result<Ack, LoyaltyError> {
        let points = self.client.points();
        let wallet = self.client.wallet();
        Ok(match op.clone() {
            Op::Earn {
                points: p,
                pending,
                reference,
                ..
            } => Ack::Entry {
                entry: points.earn(p, Some(reference), None, pending)?,
            },
            Op::Redeem {
                points: p,
                pending,
                reference,
                ..
            } => Ack::Entry {
                entry: points.redeem(p, Some(reference), None, pending)?,
            },
            Op::Adjust {
                points: p,
                description,
                ..
            } => Ack::Entry {
                entry: points.adjust(p, Some(description))?,
            },
            Op::Settle { seq, confirmed } => Ack::Entry {
                entry: points.settle(seq, confirmed)?,
            },
            Op::Reverse { seq, .. } => Ack::Entry {
                entry: points.reverse(seq)?,
            },
            Op::AddVoucher { voucher, .. } => Ack::Voucher {
                voucher: wallet.add(voucher)?,
            },
            Op::Begin { id, .. } => {
                let r = wallet.begin_redemption(&id)?;
                Ack::Begin {
                    voucher: r.voucher,
                    item: r.outbox_item,
                }
            }
            Op::Complete { id, outcome, .. } => Ack::Voucher {
                voucher: wallet.complete_redemption(&id, outcome)?,
            },
            Op::Revoke { id, .. } => Ack::Voucher {
                voucher: wallet.revoke(&id)?,
            },
            Op::AddReceipt { receipt } => Ack::Receipt {
                added: self.client.receipts().add(receipt)?,
            },
            Op::FeedPages {
                vouchers,
                receipts,
                cursor,
            } => {
                // As the sync's feeds do: every page with its cursor, deferred; one flush.
                let store = self.client.store();
                for (k, page) in vouchers.iter().enumerate() {
                    let items: Vec<ServerVoucher> = page
                        .iter()
                        .map(|v| ServerVoucher {
                            voucher: v.clone(),
                            state: ServerVoucherState::Available,
                        })
                        .collect();
                    let next = Op::page_cursor(&cursor, PageFeed::Vouchers, k);
                    store.apply_voucher_page(&items, &next, PageCommit::Deferred)?;
                }
                for (k, page) in receipts.iter().enumerate() {
                    let next = Op::page_cursor(&cursor, PageFeed::Receipts, k);
                    store.apply_receipt_page(page, &next, PageCommit::Deferred)?;
                }
                store.flush()?;
                Ack::Pages {
                    vouchers: vouchers.len(),
                    receipts: receipts.len(),
                }
            }
        })
    }

    /// Updates the worker's picture of the store with an acknowledged result.
    fn absorb(&mut self, op: &Op, ack: &Ack) {
        match (op, ack) {
            (Op::Settle { .. }, Ack::Entry { entry }) => {
                self.entries[entry.seq as usize - 1] = entry.clone();
            }
            (_, Ack::Entry { entry }) => {
                if let Some(original) = entry.reverses {
                    self.entries[original as usize - 1].reversed_by = Some(entry.seq);
                }
                self.entries.push(entry.clone());
            }
            (_, Ack::Voucher { voucher }) | (_, Ack::Begin { voucher, .. }) => {
                let mut v = voucher.clone();
                if v.state == VoucherState::Expired {
                    v.state = VoucherState::Available; // derived when read, never stored
                }
                self.vouchers.insert(v.id.clone(), v);
            }
            (Op::AddReceipt { receipt }, Ack::Receipt { added: true }) => {
                self.receipts.push(receipt.clone());
            }
            (_, Ack::Receipt { .. }) => {}
            (
                Op::FeedPages {
                    vouchers, receipts, ..
                },
                Ack::Pages { .. },
            ) => {
                for v in vouchers.iter().flatten() {
                    self.vouchers.insert(v.id.clone(), v.clone());
                }
                self.receipts.extend(receipts.iter().flatten().cloned());
            }
            (_, Ack::Pages { .. }) => {}
        }
    }
}
