//! What every fuzz target shares: the throughput oracle.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The slowest call seen so far in this process, in microseconds.
static SLOWEST_US: AtomicU64 = AtomicU64::new(0);

/// The most any input under the limits may cost (issue #19: "no input under the limits takes more
/// than 100 ms").
pub const BUDGET: Duration = Duration::from_millis(100);

/// Runs `f` and fails the input if it takes longer than [`BUDGET`] twice in a row (once may be the
/// machine's hiccup; twice is the input). Returns `f`'s result of the first run.
pub fn within_budget<T>(what: &str, f: impl Fn() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let first = start.elapsed();
    let us = u64::try_from(first.as_micros()).unwrap_or(u64::MAX);
    if SLOWEST_US.fetch_max(us, Ordering::Relaxed) < us {
        // A new slowest input: one line each time (a handful per run); fuzz/run.sh reports the last.
        eprintln!("loyalty-fuzz slowest: {us} us ({what})");
    }
    if first > BUDGET {
        let again = Instant::now();
        drop(f());
        let second = again.elapsed();
        if second > BUDGET {
            panic!("{what}: this input took {first:?} and then {second:?} (budget {BUDGET:?})");
        }
    }
    out
}
