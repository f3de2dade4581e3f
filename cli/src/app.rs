//! What every command shares: errors with their exit codes, output (human or `--json`), the data
//! directory (client, secrets, Catima records), time, and file helpers.

use crate::secrets::FileSecretStore;
use chrono::{DateTime, Local, Utc};
use loyalty_core::error::InputError;
use loyalty_core::money::Money;
use loyalty_core::points::ProgrammeRules;
use loyalty_core::secrets::SecretStore;
use loyalty_core::{Clock, LoyaltyClient, LoyaltyError, ManualClock, SystemClock};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Exit codes (documented in `loyalty --help` and the README).
pub mod exit {
    pub const OTHER: u8 = 1;
    pub const INVALID: u8 = 2;
    pub const NOT_FOUND: u8 = 3;
    pub const CONFLICT: u8 = 4;
    pub const STORAGE: u8 = 5;
    pub const REFUSED: u8 = 6;
    pub const NETWORK: u8 = 7;
    pub const UNAUTHORIZED: u8 = 8;

    /// The name of an exit code in `--json` errors.
    pub fn kind(code: u8) -> &'static str {
        match code {
            INVALID => "invalid",
            NOT_FOUND => "not_found",
            CONFLICT => "conflict",
            STORAGE => "storage",
            REFUSED => "refused",
            NETWORK => "network",
            UNAUTHORIZED => "unauthorized",
            _ => "other",
        }
    }
}

/// A command's failure: one line for stderr and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub code: u8,
    pub message: String,
    /// The command already printed its JSON document for this outcome (a refused code's
    /// verdict): `--json` prints no error document after it.
    pub json_printed: bool,
}

impl CliError {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        // One line, always: line breaks inside a reason would split the error.
        let message = message.into().replace(['\r', '\n'], " ");
        CliError {
            code,
            message,
            json_printed: false,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(exit::INVALID, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(exit::NOT_FOUND, message)
    }

    pub fn storage(message: impl Into<String>) -> Self {
        Self::new(exit::STORAGE, message)
    }

    pub fn other(message: impl Into<String>) -> Self {
        Self::new(exit::OTHER, message)
    }
}

impl CliError {
    /// The error as `--json` prints it (on standard output, where the document was expected):
    /// `{"error": {"kind": "network", "exit_code": 7, "message": "..."}}`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({"error": {
            "kind": exit::kind(self.code),
            "exit_code": self.code,
            "message": self.message,
        }})
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<LoyaltyError> for CliError {
    fn from(e: LoyaltyError) -> Self {
        let code = match &e {
            LoyaltyError::InvalidInput { .. } => exit::INVALID,
            LoyaltyError::NotFound { .. } => exit::NOT_FOUND,
            LoyaltyError::Conflict { .. } => exit::CONFLICT,
            LoyaltyError::Storage { .. } | LoyaltyError::DatabaseCorrupt { .. } => exit::STORAGE,
            LoyaltyError::Network { .. } => exit::NETWORK,
            LoyaltyError::Unauthorized { .. } => exit::UNAUTHORIZED,
            #[allow(unreachable_patterns)]
            _ => exit::OTHER,
        };
        CliError::new(code, e.to_string())
    }
}

impl From<InputError> for CliError {
    fn from(e: InputError) -> Self {
        CliError::invalid(format!("invalid input: {}", e.reason))
    }
}

pub type CliResult<T> = Result<T, CliError>;

/// What a command prints: a JSON value for `--json`, a text for people.
pub struct Output {
    pub json: Value,
    pub human: String,
}

impl Output {
    pub fn new(json: Value, human: impl Into<String>) -> Self {
        Output {
            json,
            human: human.into(),
        }
    }
}

/// Writes to standard output; a closed pipe (`loyalty ... | head`) ends quietly.
pub fn print_stdout(bytes: &[u8]) -> CliResult<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::storage(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// A refused code or answer: with `--json` its verdict document is the output; the error line
/// (`message`) goes to standard error and the exit code is [`exit::REFUSED`].
pub fn refused<T>(ctx: &Ctx, verdict: &serde_json::Value, message: String) -> CliResult<T> {
    if ctx.json {
        print_stdout(
            format!(
                "{}\n",
                serde_json::to_string_pretty(verdict).unwrap_or_default()
            )
            .as_bytes(),
        )?;
    }
    Err(CliError {
        json_printed: ctx.json,
        ..CliError::new(exit::REFUSED, message)
    })
}

/// Global options.
pub struct Ctx {
    pub data_dir: PathBuf,
    pub json: bool,
    pub now: Option<DateTime<Utc>>,
    pub rules_file: Option<PathBuf>,
}

pub const SECRETS_FILE: &str = "secrets.json";
pub const CATIMA_FILE: &str = "catima-cards.json";

impl Ctx {
    pub fn clock(&self) -> Arc<dyn Clock> {
        match self.now {
            Some(t) => Arc::new(ManualClock::new(t)),
            None => Arc::new(SystemClock),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock().now()
    }

    pub fn rules(&self) -> CliResult<ProgrammeRules> {
        match &self.rules_file {
            None => Ok(ProgrammeRules::default()),
            Some(p) => Ok(ProgrammeRules::from_json(&read_text(p)?)?),
        }
    }

    pub fn secrets(&self) -> Arc<FileSecretStore> {
        Arc::new(FileSecretStore::new(self.data_dir.join(SECRETS_FILE)))
    }

    /// Opens the shopper's data (created if missing, owner-only: see [`secure_data_dir`]).
    pub fn client(&self) -> CliResult<LoyaltyClient> {
        secure_data_dir(&self.data_dir, true)?;
        let secrets: Arc<dyn SecretStore> = self.secrets();
        let client =
            LoyaltyClient::open(&self.data_dir, self.rules()?, self.clock(), Some(secrets))
                .map_err(|e| {
                    let e = CliError::from(e);
                    CliError::new(
                        e.code,
                        format!("{} (data directory {})", e.message, self.data_dir.display()),
                    )
                })?;
        Ok(client)
    }

    pub fn catima_path(&self) -> PathBuf {
        self.data_dir.join(CATIMA_FILE)
    }
}

/// Makes the data directory owner-only: the directory and every directory in it 0700, every
/// file 0600 (sled's files included; only loyalty's own entries are touched). It holds the card number, receipts and voucher codes a till
/// accepts, like `secrets.json`. With `create`, a missing directory is created (0700 from the
/// start); a directory left world-readable by an earlier version is fixed. Symbolic links are
/// left alone (never followed). Called before the store is opened and again after every command
/// (sled may have written new files meanwhile; the 0700 directory already keeps them private).
pub fn secure_data_dir(dir: &Path, create: bool) -> CliResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let fail = |e: std::io::Error| {
            CliError::storage(format!(
                "cannot make the data directory {} private: {e}",
                dir.display()
            ))
        };
        if !dir.exists() {
            if !create {
                return Ok(());
            }
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(fail)?;
        }
        fn walk_one(path: &Path) -> std::io::Result<()> {
            let meta = std::fs::symlink_metadata(path)?;
            if meta.is_dir() && meta.permissions().mode() & 0o777 != 0o700 {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
            }
            Ok(())
        }
        fn walk(path: &Path, depth: u32) -> std::io::Result<()> {
            let meta = std::fs::symlink_metadata(path)?;
            let mode = if meta.is_dir() {
                0o700
            } else if meta.is_file() {
                0o600
            } else {
                return Ok(());
            };
            if meta.permissions().mode() & 0o777 != mode {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
            }
            if meta.is_dir() && depth < 8 {
                for entry in std::fs::read_dir(path)? {
                    walk(&entry?.path(), depth + 1)?;
                }
            }
            Ok(())
        }
        // The directory itself, then only what loyalty keeps in it (never a sweep of whatever
        // else a user's `--data` directory may hold).
        walk_one(dir).map_err(fail)?;
        for entry in std::fs::read_dir(dir).map_err(fail)? {
            let entry = entry.map_err(fail)?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("loyalty-core") || name == SECRETS_FILE || name == CATIMA_FILE {
                walk(&entry.path(), 1).map_err(fail)?;
            }
        }
    }
    #[cfg(not(unix))]
    {
        if create {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::storage(format!("cannot create the data directory: {e}")))?;
        }
    }
    Ok(())
}

/// Reads a file the user named; a missing file is "not found", an unreadable one "storage".
pub fn read_bytes(path: &Path) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| file_error(path, &e))
}

pub fn read_text(path: &Path) -> CliResult<String> {
    let bytes = read_bytes(path)?;
    String::from_utf8(bytes)
        .map_err(|_| CliError::invalid(format!("{}: the file is not UTF-8 text", path.display())))
}

pub fn file_error(path: &Path, e: &std::io::Error) -> CliError {
    let what = format!("cannot read {}: {}", path.display(), io_reason(e));
    match e.kind() {
        std::io::ErrorKind::NotFound => CliError::not_found(what),
        std::io::ErrorKind::IsADirectory => CliError::invalid(what),
        _ => CliError::storage(what),
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Writes a file whole (through a temporary file and a rename, so a reader never sees half).
pub fn write_file(path: &Path, data: &[u8]) -> CliResult<()> {
    let fail = |e: std::io::Error| {
        CliError::storage(format!(
            "cannot write {}: {}",
            path.display(),
            io_reason(&e)
        ))
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(CliError::not_found(format!(
            "cannot write {}: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(fail)?;
    tmp.write_all(data).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// One item or a list of them from a JSON file.
pub fn read_items<T: DeserializeOwned>(path: &Path, what: &str) -> CliResult<Vec<T>> {
    let text = read_text(path)?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| CliError::invalid(format!("{}: not JSON: {e}", path.display())))?;
    let items = match value {
        Value::Array(a) => a,
        v => vec![v],
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v).map_err(|e| {
                CliError::invalid(format!("{}: {what} {}: {e}", path.display(), i + 1))
            })
        })
        .collect()
}

/// Parses RFC 3339 time (`2026-03-01T09:30:00Z`).
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("not an RFC 3339 time (like 2026-03-01T09:30:00Z): {text}"))
}

/// A time as a person reads it: in the system's time zone (`TZ` is honoured, e.g.
/// `TZ=Europe/Brussels`), with its UTC offset so the zone is never a guess. `--json` keeps
/// RFC 3339 UTC.
pub fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M %:z")
        .to_string()
}

/// The local calendar day of `t` (see [`local_time`]).
pub fn local_date(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d").to_string()
}

/// An amount in its currency's major unit: `12.34 EUR`. ISO 4217 minor units: 2 for most
/// currencies, 0 or 3 for the few listed.
pub fn money(m: &Money) -> String {
    let exponent = match m.currency.as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    };
    let sign = if m.amount_minor < 0 { "-" } else { "" };
    let abs = m.amount_minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs} {}", m.currency);
    }
    let unit = 10u64.pow(exponent);
    format!(
        "{sign}{}.{:0width$} {}",
        abs / unit,
        abs % unit,
        m.currency,
        width = exponent as usize
    )
}

/// A JSON value as an indented text for people.
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_in_major_units() {
        let m = |minor: i64, c: &str| money(&Money::new(minor, c).unwrap());
        assert_eq!(m(1234, "EUR"), "12.34 EUR");
        assert_eq!(m(5, "EUR"), "0.05 EUR");
        assert_eq!(m(-250, "EUR"), "-2.50 EUR");
        assert_eq!(m(1500, "JPY"), "1500 JPY");
        assert_eq!(m(1234, "KWD"), "1.234 KWD");
    }
}
