//! What the domain's micro-benchmarks share: the median time of a call over many rounds.

use std::time::Instant;

const ROUNDS: usize = 31;
const PER_ROUND: u32 = 200;

/// Median microseconds per call of `f`: one warm-up round, then the median of 31 rounds of 200
/// calls each.
pub fn median_us(mut f: impl FnMut()) -> f64 {
    for _ in 0..PER_ROUND {
        f();
    }
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..PER_ROUND {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / f64::from(PER_ROUND)
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[ROUNDS / 2]
}
