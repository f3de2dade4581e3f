//! Logging through the app: the core writes short, structured lines to a sink the app installs
//! (Logcat on Android, `os_log` on iOS, stderr in the CLI); without one, nothing is logged.
//!
//! What is logged: store opening and migrations, detected damage, sync runs with their counts and
//! durations, retries with the reason and the delay, refused content, listener ends. What is
//! never logged: card numbers, secrets, tokens, household codes, idempotency keys, names, member
//! ids, receipt contents or URLs with ids in them — messages are built from counts, kinds,
//! versions and fixed text only (a test scans every message of a full sync for the shopper's
//! data).
//!
//! The sink is process-wide (one app, one log) and can be replaced or removed at any time; a
//! message below the level set with it is not even formatted.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};

/// How much a message matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

/// Where log lines go; implemented by the app. Called on whichever thread logs (a runtime
/// thread during a sync), with no lock of the core held; it must return promptly and must not
/// call back into the core.
pub trait LogSink: Send + Sync {
    fn log(&self, level: LogLevel, target: &str, message: &str);
}

static SINK: RwLock<Option<Arc<dyn LogSink>>> = RwLock::new(None);
/// The most detailed level passed to the sink; 0: no sink.
static MAX_LEVEL: AtomicU8 = AtomicU8::new(0);

/// Installs `sink` for messages at `max_level` and above (`None` removes the sink).
pub fn set_sink(sink: Option<Arc<dyn LogSink>>, max_level: LogLevel) {
    let mut slot = SINK.write().unwrap_or_else(|e| e.into_inner());
    MAX_LEVEL.store(
        if sink.is_some() { max_level as u8 } else { 0 },
        Ordering::SeqCst,
    );
    *slot = sink;
}

/// Whether a message at `level` would reach a sink.
pub fn enabled(level: LogLevel) -> bool {
    level as u8 <= MAX_LEVEL.load(Ordering::Relaxed)
}

/// Sends one message to the sink, if any (use the `log_*!` macros: they skip formatting when
/// the level is off).
pub fn emit(level: LogLevel, target: &str, message: std::fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    let sink = SINK.read().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(sink) = sink {
        let text = message.to_string();
        // A panicking sink must not take the core down with it.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            sink.log(level, target, &text)
        }));
    }
}

macro_rules! log_at {
    ($level:expr, $target:expr, $($arg:tt)+) => {
        if $crate::log::enabled($level) {
            $crate::log::emit($level, $target, format_args!($($arg)+));
        }
    };
}
pub(crate) use log_at;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Collects every message (tests share the process-wide sink; look for your own).
    #[derive(Default)]
    pub(crate) struct Collect(pub Mutex<Vec<(LogLevel, String, String)>>);

    impl LogSink for Collect {
        fn log(&self, level: LogLevel, target: &str, message: &str) {
            self.0
                .lock()
                .unwrap()
                .push((level, target.to_string(), message.to_string()));
        }
    }

    #[test]
    fn levels_filter_and_a_panicking_sink_is_contained() {
        assert!(LogLevel::Error < LogLevel::Debug);
        struct Panics;
        impl LogSink for Panics {
            fn log(&self, _: LogLevel, _: &str, _: &str) {
                panic!("sink failure");
            }
        }
        // Only this test installs a panicking sink; others install collectors.
        set_sink(Some(Arc::new(Panics)), LogLevel::Warn);
        assert!(enabled(LogLevel::Warn) && !enabled(LogLevel::Info));
        emit(LogLevel::Error, "test", format_args!("contained"));
        let collect = Arc::new(Collect::default());
        set_sink(Some(collect.clone()), LogLevel::Info);
        log_at!(LogLevel::Debug, "test", "not formatted {}", 1);
        log_at!(LogLevel::Info, "test", "unique-marker-{}", 42);
        assert!(collect
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|(l, t, m)| *l == LogLevel::Info && t == "test" && m == "unique-marker-42"));
        assert!(!collect
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|(_, _, m)| m.starts_with("not formatted")));
    }
}
