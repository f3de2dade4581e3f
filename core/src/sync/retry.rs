//! Retries: exponential backoff with full jitter, capped, honouring `Retry-After`; a bounded
//! number of attempts within an overall deadline; prompt cancellation.
//!
//! Time is injected: the executor sleeps through a [`Sleeper`] and draws jitter from a function,
//! so the schedule is tested without sleeping.

use super::Failure;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often and how long to retry one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first one included (>= 1).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubled for each later one.
    pub base_delay: Duration,
    /// Longest backoff between two attempts.
    pub max_delay: Duration,
    /// Longest `Retry-After` waited for; a server asking for longer ends the retries at once
    /// with a network error (the app syncs again later).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// The wait before retry number `retry` (1 = the first retry): full jitter over an exponential
/// ceiling (`unit` in [0, 1) scales it), and never less than the server's `Retry-After`.
pub fn backoff_delay(
    policy: &RetryPolicy,
    retry: u32,
    retry_after: Option<Duration>,
    unit: f64,
) -> Duration {
    let exp = 2u32.saturating_pow(retry.saturating_sub(1).min(31));
    let ceiling = policy.base_delay.saturating_mul(exp).min(policy.max_delay);
    let jittered = ceiling.mul_f64(unit.clamp(0.0, 1.0));
    match retry_after {
        Some(ra) => ra.max(jittered),
        None => jittered,
    }
}

/// `Retry-After` as delay-seconds or an HTTP date (IMF-fixdate; RFC 850 and asctime dates are
/// obsolete and read as absent). A date in the past means "now".
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(
            value.parse::<u64>().unwrap_or(u64::MAX),
        ));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// A boxed future, for the injected sleeper.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Waits; injected so tests of the schedule never sleep.
pub trait Sleeper: Send + Sync {
    fn sleep(&self, d: Duration) -> BoxFuture<()>;
}

/// Real waiting on the tokio timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, d: Duration) -> BoxFuture<()> {
        Box::pin(tokio::time::sleep(d))
    }
}

/// Cancellation: a sync is cancelled when the generation it started with is no longer current.
#[derive(Debug, Clone)]
pub struct Cancel {
    rx: watch::Receiver<u64>,
    generation: u64,
}

impl Cancel {
    pub fn new(rx: watch::Receiver<u64>) -> Self {
        let generation = *rx.borrow();
        Self { rx, generation }
    }

    pub fn is_cancelled(&self) -> bool {
        *self.rx.borrow() != self.generation
    }

    /// Completes once cancelled.
    pub async fn cancelled(&self) {
        let mut rx = self.rx.clone();
        loop {
            if *rx.borrow_and_update() != self.generation {
                return;
            }
            if rx.changed().await.is_err() {
                // The sender is gone: nobody can cancel any more.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Runs `fut` unless cancelled first.
    pub async fn run<T>(&self, fut: impl Future<Output = T>) -> Result<T, Failure> {
        tokio::select! {
            biased;
            _ = self.cancelled() => Err(Failure::Cancelled),
            out = fut => Ok(out),
        }
    }
}

/// Whether a request may be sent again after a failure that may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// GET, or a write carrying an Idempotency-Key: retried on any transient failure.
    Idempotent,
    /// A write without a key: retried only when it surely did not reach the server's handler
    /// (connection refused, load shed with 429/503).
    Unsafe,
}

/// What the executor needs besides the operation.
pub struct Retrier<'a> {
    pub policy: &'a RetryPolicy,
    pub sleeper: &'a dyn Sleeper,
    pub jitter: &'a (dyn Fn() -> f64 + Send + Sync),
    pub cancel: &'a Cancel,
    pub deadline: Instant,
}

impl Retrier<'_> {
    /// Runs `attempt` until it succeeds, fails for good, runs out of attempts or time, or is
    /// cancelled. `attempt` gets the attempt number from 1. The last transient failure is
    /// returned as is; the caller turns it into the public error.
    pub async fn run<T, F, Fut>(&self, safety: Safety, mut attempt: F) -> Result<T, Failure>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let mut n = 1;
        loop {
            if self.cancel.is_cancelled() {
                return Err(Failure::Cancelled);
            }
            let failure = match self.cancel.run(attempt(n)).await? {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            let Failure::Transient {
                kind, retry_after, ..
            } = &failure
            else {
                return Err(failure);
            };
            if !kind.retryable(safety) || n >= self.policy.max_attempts.max(1) {
                return Err(failure);
            }
            if retry_after.is_some_and(|ra| ra > self.policy.max_retry_after) {
                return Err(failure);
            }
            let delay = backoff_delay(self.policy, n, *retry_after, (self.jitter)());
            if Instant::now() + delay >= self.deadline {
                return Err(Failure::Deadline);
            }
            crate::log::log_at!(
                crate::log::LogLevel::Info,
                "sync",
                "attempt {n} failed ({kind:?}{}); retrying in {} ms",
                if retry_after.is_some() {
                    ", Retry-After"
                } else {
                    ""
                },
                delay.as_millis()
            );
            self.cancel.run(self.sleeper.sleep(delay)).await?;
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::http::TransientKind;
    use super::*;
    use std::sync::{Arc, Mutex};

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(10),
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_full_jitter() {
        let p = policy();
        let ceilings: Vec<_> = (1..=6).map(|r| backoff_delay(&p, r, None, 1.0)).collect();
        assert_eq!(
            ceilings,
            [100, 200, 400, 800, 1000, 1000].map(Duration::from_millis)
        );
        assert_eq!(backoff_delay(&p, 3, None, 0.0), Duration::ZERO);
        assert_eq!(backoff_delay(&p, 3, None, 0.5), Duration::from_millis(200));
        // Out-of-range jitter is clamped; huge retry numbers do not overflow.
        assert_eq!(backoff_delay(&p, 2, None, 7.0), Duration::from_millis(200));
        assert_eq!(
            backoff_delay(&p, u32::MAX, None, 1.0),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn retry_after_is_a_floor() {
        let p = policy();
        let ra = Some(Duration::from_secs(3));
        assert_eq!(backoff_delay(&p, 1, ra, 0.9), Duration::from_secs(3));
        assert_eq!(
            backoff_delay(&p, 5, Some(Duration::from_millis(10)), 1.0),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    /// Records the waits instead of sleeping.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<Duration>>);

    impl Sleeper for Arc<Recorder> {
        fn sleep(&self, d: Duration) -> BoxFuture<()> {
            self.0.lock().unwrap().push(d);
            Box::pin(async {})
        }
    }

    fn transient(kind: TransientKind, retry_after: Option<Duration>) -> Failure {
        Failure::Transient { kind, retry_after }
    }

    fn run<T: Send>(
        policy: &RetryPolicy,
        safety: Safety,
        script: Vec<Result<T, Failure>>,
    ) -> (Result<T, Failure>, Vec<Duration>, u32) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let (_tx, rx) = watch::channel(0u64);
        let cancel = Cancel::new(rx);
        let recorder = Arc::new(Recorder::default());
        let jitter = || 1.0;
        let retrier = Retrier {
            policy,
            sleeper: &recorder,
            jitter: &jitter,
            cancel: &cancel,
            deadline: Instant::now() + Duration::from_secs(3600),
        };
        let script = Mutex::new(script.into_iter());
        let calls = Mutex::new(0);
        let out = rt.block_on(retrier.run(safety, |_| {
            *calls.lock().unwrap() += 1;
            let next = script.lock().unwrap().next().expect("script ran out");
            async move { next }
        }));
        let waits = recorder.0.lock().unwrap().clone();
        let n = *calls.lock().unwrap();
        (out, waits, n)
    }

    #[test]
    fn transient_failures_are_retried_on_the_schedule() {
        let p = policy();
        let (out, waits, calls) = run(
            &p,
            Safety::Idempotent,
            vec![
                Err(transient(TransientKind::ServerError, None)),
                Err(transient(TransientKind::Busy, Some(Duration::from_secs(2)))),
                Err(transient(TransientKind::Dropped, None)),
                Err(transient(TransientKind::Malformed, None)),
                Ok(7),
            ],
        );
        assert!(matches!(out, Ok(7)));
        assert_eq!(calls, 5);
        assert_eq!(
            waits,
            [100, 2000, 400, 800].map(Duration::from_millis).to_vec()
        );
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy {
            max_attempts: 3,
            ..policy()
        };
        let (out, waits, calls) = run::<()>(
            &p,
            Safety::Idempotent,
            (0..5)
                .map(|_| Err(transient(TransientKind::Timeout, None)))
                .collect(),
        );
        assert!(matches!(
            out,
            Err(Failure::Transient {
                kind: TransientKind::Timeout,
                ..
            })
        ));
        assert_eq!(calls, 3);
        assert_eq!(waits.len(), 2);
    }

    #[test]
    fn permanent_failures_and_unauthorized_stop_at_once() {
        let p = policy();
        let (out, waits, calls) =
            run::<()>(&p, Safety::Idempotent, vec![Err(Failure::Unauthorized)]);
        assert!(matches!(out, Err(Failure::Unauthorized)));
        assert_eq!((calls, waits.len()), (1, 0));
        let (out, _, calls) = run::<()>(
            &p,
            Safety::Idempotent,
            vec![Err(Failure::Rejected {
                status: 409,
                code: None,
                refusal: None,
            })],
        );
        assert!(matches!(out, Err(Failure::Rejected { status: 409, .. })));
        assert_eq!(calls, 1);
    }

    #[test]
    fn unsafe_writes_retry_only_what_never_reached_the_server() {
        let p = policy();
        let (out, _, calls) = run(
            &p,
            Safety::Unsafe,
            vec![
                Err(transient(TransientKind::Connect, None)),
                Err(transient(TransientKind::Busy, Some(Duration::ZERO))),
                Ok(1),
            ],
        );
        assert!(matches!(out, Ok(1)));
        assert_eq!(calls, 3);
        for kind in [
            TransientKind::Timeout,
            TransientKind::Dropped,
            TransientKind::ServerError,
            TransientKind::Malformed,
        ] {
            let (out, waits, calls) =
                run::<()>(&p, Safety::Unsafe, vec![Err(transient(kind, None))]);
            assert!(out.is_err());
            assert_eq!((calls, waits.len()), (1, 0), "{kind:?}");
        }
    }

    #[test]
    fn a_retry_after_beyond_the_limit_or_the_deadline_ends_the_retries() {
        let p = policy();
        let (out, waits, calls) = run::<()>(
            &p,
            Safety::Idempotent,
            vec![Err(transient(
                TransientKind::Busy,
                Some(Duration::from_secs(3600)),
            ))],
        );
        assert!(matches!(out, Err(Failure::Transient { .. })));
        assert_eq!((calls, waits.len()), (1, 0));

        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let (_tx, rx) = watch::channel(0u64);
        let cancel = Cancel::new(rx);
        let recorder = Arc::new(Recorder::default());
        let jitter = || 1.0;
        let retrier = Retrier {
            policy: &p,
            sleeper: &recorder,
            jitter: &jitter,
            cancel: &cancel,
            deadline: Instant::now() + Duration::from_secs(5),
        };
        let out: Result<(), Failure> = rt.block_on(retrier.run(Safety::Idempotent, |_| async {
            Err(transient(TransientKind::Busy, Some(Duration::from_secs(8))))
        }));
        assert!(matches!(out, Err(Failure::Deadline)));
        assert!(recorder.0.lock().unwrap().is_empty());
    }

    #[test]
    fn cancellation_interrupts_a_wait_and_an_attempt() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, rx) = watch::channel(0u64);
            let cancel = Cancel::new(rx);
            let p = policy();
            let jitter = || 1.0;
            let retrier = Retrier {
                policy: &p,
                sleeper: &TokioSleeper,
                jitter: &jitter,
                cancel: &cancel,
                deadline: Instant::now() + Duration::from_secs(3600),
            };
            let started = Instant::now();
            let canceller = async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                tx.send_modify(|g| *g += 1);
            };
            let (out, ()) = tokio::join!(
                retrier.run(Safety::Idempotent, |_| async {
                    // A hung request: never answers.
                    std::future::pending::<Result<(), Failure>>().await
                }),
                canceller
            );
            assert!(matches!(out, Err(Failure::Cancelled)));
            assert!(started.elapsed() < Duration::from_secs(5));
            assert!(cancel.is_cancelled());
            // A cancelled token stays cancelled: nothing more runs.
            let out: Result<(), Failure> =
                retrier.run(Safety::Idempotent, |_| async { Ok(()) }).await;
            assert!(matches!(out, Err(Failure::Cancelled)));
        });
    }
}
