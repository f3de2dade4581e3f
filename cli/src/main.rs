//! `loyalty`: the scriptable terminal tool over a Loyalty Core data directory.
//!
//! Every command prints for people, or one JSON document with `--json`; errors are one line on
//! standard error (`error: ...`) with a documented exit code (see [`EXIT_CODES`]).

mod account;
mod app;
mod codes;
mod demo;

mod imported_cards;
mod list;
mod member_card;
mod membership;
mod offers;
mod points;
mod receipts;
mod reminders;
mod secrets;
mod server;
mod surveys;
mod sync;
mod terminal;
mod wallet;

use app::{exit, parse_time, print_stdout, CliError, CliResult, Ctx, Output};
use clap::{Args, Parser, Subcommand, ValueEnum};
use loyalty_core::card::TotpAlgorithm;
use loyalty_core::render::{EcLevel, Symbology};
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  other failure (a bug, an external tool)
  2  invalid input or usage (bad argument, malformed file, wrong symbology, bad hex)
  3  not found (missing file, no member card, unknown voucher, receipt or card)
  4  conflict (not enough points, voucher already redeemed)
  5  storage (the data directory cannot be read or written, or is damaged)
  6  the till refused the scanned code (verify)
  7  network (the server could not be reached or gave no usable answer; nothing was lost)
  8  unauthorized (not signed in, or the server no longer accepts this device's sign-in)

With --json, an error is one JSON document on standard output as well:
  {\"error\": {\"kind\": \"network\", \"exit_code\": 7, \"message\": \"...\"}}

The card secret is kept in <data>/secrets.json (owner-only): a developer-tool store; the apps keep
it in the platform keystore.";

#[derive(Parser)]
#[command(
    name = "loyalty",
    version,
    about = "Loyalty Core from the terminal: the card, points, wallet, receipts, reminders, open formats and the reference server.",
    after_help = EXIT_CODES,
    color = clap::ColorChoice::Never
)]
struct Cli {
    /// The shopper's data directory (created if missing) [default: loyalty-data; the demo: a
    /// temporary directory].
    #[arg(long, global = true, env = "LOYALTY_DATA")]
    data: Option<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Take this as the current time (RFC 3339), for scripts and tests.
    #[arg(long, global = true, value_parser = parse_time)]
    now: Option<chrono::DateTime<chrono::Utc>>,
    /// Programme rules (JSON) instead of the built-in ones.
    #[arg(long, global = true)]
    rules: Option<PathBuf>,
    /// Print the core's log lines at this level and above to standard error (they never hold
    /// the shopper's data).
    #[arg(long, global = true, value_enum)]
    log: Option<LogArg>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The member card: show, render, enrol, export to Apple or Google Wallet.
    #[command(subcommand)]
    Card(member_card::CardCommand),
    /// Render any payload in any of the 13 symbologies.
    Render(codes::RenderArgs),
    /// Compute a TOTP code (RFC 6238) for a secret, a time and parameters.
    Totp(codes::TotpArgs),
    /// Verify a scanned rotating code as the till does.
    Verify(codes::VerifyArgs),
    /// Points: balance, ledger, earn, redeem, tier, expiring.
    #[command(subcommand)]
    Points(points::PointsCommand),
    /// Vouchers: list, usable, show, redeem, add.
    #[command(subcommand)]
    Wallet(wallet::WalletCommand),
    /// Digital receipts: list, show, add.
    #[command(subcommand)]
    Receipts(receipts::ReceiptsCommand),
    /// The member's offers: list, activate, preview a basket.
    #[command(subcommand)]
    Offers(offers::OffersCommand),
    /// The premium membership as of the last sync: status, end or renewal date, benefits.
    Membership,
    /// The retailer's surveys and votes: list, answer (offline, once).
    #[command(subcommand)]
    Surveys(surveys::SurveysCommand),
    /// Reminders: the plan, rules, catalogue, settings.
    #[command(subcommand)]
    Reminders(reminders::RemindersCommand),
    /// The shopping list: show, usual, add, check, uncheck, remove.
    #[command(subcommand)]
    List(list::ListCommand),
    /// Other cards (Catima import and export).
    #[command(subcommand)]
    Cards(imported_cards::CardsCommand),
    /// Run the reference server on the data directory until Ctrl-C.
    Server(server::ServerArgs),
    /// Sync with the retailer's server: enrol, join a household, sync now, status.
    Sync(sync::SyncArgs),
    /// The account: export what the server holds, or delete it (server first, then device).
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// The whole story in a few seconds: server, enrolment, months of shopping, card, points,
    /// wallet, offline redemption and reminders (on a temporary directory unless --data).
    Demo(demo::DemoArgs),
}

/// Rendering options shared by every command that draws a code.
#[derive(Args, Clone)]
pub struct DrawArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write to this file (`-` for standard output; PNG needs it).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Pixels (PNG), units (SVG) or characters (text) per module.
    #[arg(long)]
    pub scale: Option<u32>,
    /// Quiet zone in modules (default: the symbology's standard).
    #[arg(long)]
    pub quiet_zone: Option<u32>,
    /// Height of 1D bars in modules.
    #[arg(long)]
    pub bar_height: Option<u32>,
    /// Light code on a dark background.
    #[arg(long)]
    pub dark: bool,
    /// Error correction (QR, Aztec, PDF417).
    #[arg(long, value_enum, default_value_t = Ec::Medium)]
    pub ec: Ec,
}

#[derive(ValueEnum, Clone, Copy)]
enum LogArg {
    Error,
    Warn,
    Info,
    Debug,
}

/// The core's log on standard error, one line each: `[level target] message`.
struct Stderr;

impl loyalty_core::log::LogSink for Stderr {
    fn log(&self, level: loyalty_core::log::LogLevel, target: &str, message: &str) {
        let level = format!("{level:?}").to_lowercase();
        eprintln!("[{level} {target}] {message}");
    }
}

#[derive(ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Svg,
    Png,
}

#[derive(ValueEnum, Clone, Copy)]
pub enum Ec {
    Low,
    Medium,
    Quartile,
    High,
}

impl From<Ec> for EcLevel {
    fn from(e: Ec) -> Self {
        match e {
            Ec::Low => EcLevel::Low,
            Ec::Medium => EcLevel::Medium,
            Ec::Quartile => EcLevel::Quartile,
            Ec::High => EcLevel::High,
        }
    }
}

#[derive(ValueEnum, Clone, Copy)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha512,
}

impl From<Algorithm> for TotpAlgorithm {
    fn from(a: Algorithm) -> Self {
        match a {
            Algorithm::Sha1 => TotpAlgorithm::Sha1,
            Algorithm::Sha256 => TotpAlgorithm::Sha256,
            Algorithm::Sha512 => TotpAlgorithm::Sha512,
        }
    }
}

/// A symbology by its Catima name (`QR_CODE`), case-insensitive, `-` for `_`.
pub fn parse_symbology(text: &str) -> Result<Symbology, String> {
    let name = text.trim().to_ascii_uppercase().replace('-', "_");
    Symbology::from_catima_name(&name).ok_or_else(|| {
        let all: Vec<&str> = Symbology::ALL.iter().map(|s| s.catima_name()).collect();
        format!("unknown symbology (one of {})", all.join(", "))
    })
}

/// Bytes given as hex on the command line.
#[derive(Clone)]
pub struct HexBytes(pub Vec<u8>);

/// Hex secret (`--secret-hex`), checked here so bad hex is a usage error with one line.
pub fn parse_hex(text: &str) -> Result<HexBytes, String> {
    loyalty_core::card::hex_decode(text.trim())
        .map(HexBytes)
        .map_err(|e| e.reason)
}

/// Clap's error as one line (`error: ...`), without the usage block.
fn clap_one_line(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let mut parts = Vec::new();
    for line in rendered.lines() {
        let t = line.trim();
        if t.starts_with("Usage:") || t.starts_with("For more information") {
            break;
        }
        if !t.is_empty() {
            parts.push(t.trim_start_matches("error: ").to_string());
        }
    }
    if parts.is_empty() {
        "invalid arguments (see --help)".into()
    } else {
        parts.join("; ")
    }
}

fn run(cli: Cli) -> CliResult<Option<Output>> {
    if let Some(level) = cli.log {
        use loyalty_core::log::LogLevel;
        let level = match level {
            LogArg::Error => LogLevel::Error,
            LogArg::Warn => LogLevel::Warn,
            LogArg::Info => LogLevel::Info,
            LogArg::Debug => LogLevel::Debug,
        };
        loyalty_core::log::set_sink(Some(std::sync::Arc::new(Stderr)), level);
    }
    let ctx = Ctx {
        data_dir: cli
            .data
            .clone()
            .unwrap_or_else(|| PathBuf::from("loyalty-data")),
        json: cli.json,
        now: cli.now,
        rules_file: cli.rules,
    };
    let result = match cli.command {
        Command::Card(c) => member_card::run(&ctx, c),
        Command::Render(a) => codes::render(&ctx, a),
        Command::Totp(a) => codes::totp(&ctx, a).map(Some),
        Command::Verify(a) => codes::verify(&ctx, a).map(Some),
        Command::Points(c) => points::run(&ctx, c).map(Some),
        Command::Wallet(c) => wallet::run(&ctx, c).map(Some),
        Command::Receipts(c) => receipts::run(&ctx, c).map(Some),
        Command::Offers(c) => offers::run(&ctx, c).map(Some),
        Command::Surveys(c) => surveys::run(&ctx, c).map(Some),
        Command::Membership => membership::run(&ctx).map(Some),
        Command::Reminders(c) => reminders::run(&ctx, c).map(Some),
        Command::List(c) => list::run(&ctx, c).map(Some),
        Command::Cards(c) => imported_cards::run(&ctx, c),
        Command::Server(a) => server::run(&ctx, a).map(|()| None),
        Command::Sync(a) => sync::run(&ctx, a).map(Some),
        Command::Account(c) => account::run(&ctx, c).map(Some),
        Command::Demo(a) => demo::run(&ctx, cli.data, a),
    };
    // Files the store wrote during the command become owner-only as well (the directory is
    // private already when it exists; a command that failed still leaves it so).
    let secured = app::secure_data_dir(&ctx.data_dir, false);
    match result {
        Ok(out) => secured.map(|()| out),
        Err(e) => Err(e),
    }
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        eprintln!(
            "error: internal error (a bug in loyalty; please report it): {}",
            what.replace(['\r', '\n'], " ")
        );
        std::process::exit(exit::OTHER.into());
    }));
    // Before parsing, for usage errors: does the command line ask for JSON?
    let json_asked = std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let error = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = print_stdout(e.render().to_string().as_bytes());
                    return ExitCode::SUCCESS;
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                | ErrorKind::MissingSubcommand => {
                    CliError::invalid("a subcommand is missing (see --help)")
                }
                _ => CliError::invalid(clap_one_line(&e)),
            };
            return fail(&error, json_asked);
        }
    };
    let json = cli.json;
    match run(cli) {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some(out)) => {
            let text = if json {
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&out.json).unwrap_or_default()
                )
            } else if out.human.is_empty() || out.human.ends_with('\n') {
                out.human
            } else {
                format!("{}\n", out.human)
            };
            match print_stdout(text.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(e.code)
                }
            }
        }
        Err(e) => fail(&e, json),
    }
}

/// Reports `e`: one line on standard error, and with `--json` also one JSON document on standard
/// output (a script reading the document gets the error in the same place).
fn fail(e: &CliError, json: bool) -> ExitCode {
    eprintln!("error: {}", e.message);
    if json && !e.json_printed {
        let doc = format!(
            "{}\n",
            serde_json::to_string_pretty(&e.to_json()).unwrap_or_default()
        );
        let _ = print_stdout(doc.as_bytes());
    }
    ExitCode::from(e.code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn symbology_names() {
        assert_eq!(parse_symbology("qr-code").unwrap(), Symbology::QrCode);
        assert_eq!(parse_symbology("EAN_13").unwrap(), Symbology::Ean13);
        assert!(parse_symbology("QR").unwrap_err().contains("AZTEC"));
    }

    #[test]
    fn clap_errors_fit_on_one_line() {
        let e = Cli::try_parse_from(["loyalty", "render", "x", "--symbology", "nope"])
            .err()
            .unwrap();
        let line = clap_one_line(&e);
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("unknown symbology"), "{line}");
    }
}
