//! The app's log as a platform service: Logcat on Android, `os_log` on iOS.

use loyalty_core::log as core_log;
use std::sync::Arc;

/// How much a log line matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
}

impl From<LogLevel> for core_log::LogLevel {
    fn from(l: LogLevel) -> Self {
        match l {
            LogLevel::Error => Self::Error,
            LogLevel::Warn => Self::Warn,
            LogLevel::Info => Self::Info,
            LogLevel::Debug => Self::Debug,
        }
    }
}

impl From<core_log::LogLevel> for LogLevel {
    fn from(l: core_log::LogLevel) -> Self {
        match l {
            core_log::LogLevel::Error => Self::Error,
            core_log::LogLevel::Warn => Self::Warn,
            core_log::LogLevel::Info => Self::Info,
            core_log::LogLevel::Debug => Self::Debug,
        }
    }
}

/// Receives the core's log lines (`target`: "store", "sync", ...). They never hold personal
/// data: no card numbers, secrets, tokens, codes, names or ids. Called on whichever thread logs,
/// with no lock of the core held; return promptly and do not call back into the core.
#[uniffi::export(with_foreign)]
pub trait Logger: Send + Sync {
    fn log(&self, level: LogLevel, target: String, message: String);
}

struct Foreign(Arc<dyn Logger>);

impl core_log::LogSink for Foreign {
    fn log(&self, level: core_log::LogLevel, target: &str, message: &str) {
        self.0
            .log(level.into(), target.to_string(), message.to_string());
    }
}

/// Installs the app's logger for lines at `max_level` and above, for the whole process (every
/// client); `null`/`nil` removes it. Without a logger nothing is logged.
#[uniffi::export]
pub fn set_logger(logger: Option<Arc<dyn Logger>>, max_level: LogLevel) {
    let sink = logger.map(|l| Arc::new(Foreign(l)) as Arc<dyn core_log::LogSink>);
    core_log::set_sink(sink, max_level.into());
}
