//! Loyalty Core's reference server: the API contract of `server/openapi.yaml`, implemented over a
//! SQLite database in a data directory, for development, the demo and the tests.
//!
//! It is not a mock: data survives restarts and the rules hold under concurrency — a voucher is
//! redeemed once across all devices of a member, a receipt is credited once, an idempotency key
//! is answered with its first answer, a rotating card code is accepted once.
//!
//! ```no_run
//! # async fn demo() -> Result<(), loyalty_server::ServerError> {
//! let server = loyalty_server::start(loyalty_server::ServerConfig::new("/tmp/loyalty-data")).await?;
//! println!("http://{}  till token {}", server.addr, server.till_token());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Plain HTTP, on loopback only unless [`ServerConfig::allow_remote`] is set. Time comes from the
//! injected [`Clock`] so the demo and the tests control expiry and code rotation. Requests are
//! logged (method, path template, status, duration — nothing personal) to stderr when
//! `LOYALTY_SERVER_LOG=1`.

mod api;
mod credentials;
mod db;
mod error;
pub mod invoicing;
mod limit;
mod model;

pub use api::{
    ENROLMENTS_PER_HOUR, MAX_BATCH_ITEMS, ROUTES, SIGN_IN_FAILURES_PER_CODE_PER_MINUTE,
    SIGN_IN_FAILURES_PER_MINUTE,
};
pub use db::schema::SCHEMA_VERSION;
pub use db::DB_FILE;
pub use error::ApiError;
pub use model::CONTENT_KINDS;

use loyalty_domain::card::{public_key_hex, TotpAlgorithm};
use loyalty_domain::{Clock, SystemClock};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How to run the server.
#[derive(Clone)]
pub struct ServerConfig {
    /// Directory of the database (created if missing).
    pub data_dir: PathBuf,
    /// Where to listen; port 0 picks a free port. Default `127.0.0.1:0`.
    pub addr: SocketAddr,
    /// Bearer token of the till and admin endpoints. `None`: the one stored in the database, or a
    /// new random one stored there for the next start.
    pub till_token: Option<String>,
    /// Allow a non-loopback `addr` (plain HTTP: only on a trusted network).
    pub allow_remote: bool,
    /// The server's notion of now.
    pub now: Arc<dyn Clock>,
    /// Hash of the TOTP secrets issued to new members (existing members keep theirs).
    pub totp_algorithm: TotpAlgorithm,
    /// Requests handled at once before the server sheds load with 503 + Retry-After.
    pub max_in_flight: usize,
    /// Optional directory of content feeds published at start: `<kind>.json` for each of
    /// [`CONTENT_KINDS`]; a file whose JSON differs from the current version becomes the next one.
    /// A file that is not JSON, or a `surveys.json` that is not a valid survey feed, stops the
    /// start with nothing published.
    pub content_dir: Option<PathBuf>,
    /// Log requests to stderr. Default: `LOYALTY_SERVER_LOG=1` in the environment.
    pub log_requests: bool,
    /// New memberships per client address per hour (default [`ENROLMENTS_PER_HOUR`]); more get
    /// 429 with `Retry-After`.
    pub enrolments_per_hour: usize,
    /// The retailer's legal details on the company invoices. Default: the demo retailer (a
    /// Belgian company) with the `LOYALTY_SELLER_*` environment overrides, see [`invoicing`].
    pub seller: loyalty_domain::invoice::Seller,
    /// Receipt line categories invoiced at Belgium's 6 % VAT rate (the rest at 21 %). Default:
    /// `LOYALTY_REDUCED_VAT_CATEGORIES` (comma separated) or [`invoicing::DEFAULT_REDUCED_CATEGORIES`].
    pub reduced_vat_categories: Vec<String>,
}

impl ServerConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            till_token: None,
            allow_remote: false,
            now: Arc::new(SystemClock),
            totp_algorithm: TotpAlgorithm::Sha1,
            max_in_flight: 256,
            content_dir: None,
            log_requests: std::env::var("LOYALTY_SERVER_LOG").is_ok_and(|v| v == "1"),
            enrolments_per_hour: ENROLMENTS_PER_HOUR,
            seller: invoicing::seller_from_env(),
            reduced_vat_categories: invoicing::reduced_categories_from_env(),
        }
    }
}

impl fmt::Debug for ServerConfig {
    /// Without the till token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("data_dir", &self.data_dir)
            .field("addr", &self.addr)
            .field("till_token", &self.till_token.as_ref().map(|_| "<set>"))
            .field("allow_remote", &self.allow_remote)
            .field("totp_algorithm", &self.totp_algorithm)
            .field("max_in_flight", &self.max_in_flight)
            .field("content_dir", &self.content_dir)
            .field("log_requests", &self.log_requests)
            .field("enrolments_per_hour", &self.enrolments_per_hour)
            .field("reduced_vat_categories", &self.reduced_vat_categories)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("data directory: {0}")]
    DataDir(std::io::Error),
    #[error("database: {0}")]
    Store(#[from] db::OpenError),
    #[error("listening: {0}")]
    Listen(std::io::Error),
    #[error("content directory: {0}")]
    Content(String),
}

/// A running server. Dropping it without [`RunningServer::shutdown`] leaves it running until the
/// runtime ends.
pub struct RunningServer {
    /// The address it listens on (with the port actually bound).
    pub addr: SocketAddr,
    till_token: String,
    generated_till_token: bool,
    public_key_hex: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RunningServer {
    /// `http://<addr>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bearer token of the till and admin endpoints.
    pub fn till_token(&self) -> &str {
        &self.till_token
    }

    /// The till/admin token when this start generated it (no token given, none stored yet):
    /// the one time to show it to the operator. `None` when the operator passed one in or it
    /// was generated at an earlier start (it stays in the database; never printed again).
    pub fn generated_till_token(&self) -> Option<&str> {
        self.generated_till_token
            .then_some(self.till_token.as_str())
    }

    /// The retailer's Ed25519 voucher public key (64 upper-case hex characters), for apps and
    /// tills that verify voucher codes offline (core's `parse_public_key_hex` reads it).
    pub fn public_key_hex(&self) -> &str {
        &self.public_key_hex
    }

    /// Stops accepting connections, lets requests in flight finish (at most 10 seconds) and
    /// closes the database.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(10), &mut task)
            .await
            .is_err()
        {
            task.abort();
            let _ = task.await;
        }
    }
}

/// Opens the store in `config.data_dir`, binds `config.addr` and serves until
/// [`RunningServer::shutdown`].
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    if !config.allow_remote && !config.addr.ip().is_loopback() {
        return Err(ServerError::Config(
            "refusing to listen on a non-loopback address without allow_remote (plain HTTP)".into(),
        ));
    }
    if let Some(t) = &config.till_token {
        if t.len() < 16 || t.len() > 512 || !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ServerError::Config(
                "the till token must be 16 to 512 visible ASCII characters".into(),
            ));
        }
    }
    // The buyer's rules (VAT number prefix = country too); reasons name the rule, never the value.
    let seller = &config.seller;
    db::invoices::checked_company(model::Company {
        name: seller.name.clone(),
        street: seller.street.clone(),
        city: seller.city.clone(),
        postal_code: seller.postal_code.clone(),
        country: seller.country.clone(),
        vat_id: seller.vat_id.clone(),
    })
    .map_err(|e| ServerError::Config(format!("invoice seller: {}", e.reason())))?;
    error::set_logging(config.log_requests);
    create_data_dir(&config.data_dir)?;

    let data_dir = config.data_dir.clone();
    let content_dir = config.content_dir.clone();
    let clock = Arc::clone(&config.now);
    let given = config.till_token.is_some();
    let (store, signing_key, stored_token) = tokio::task::spawn_blocking(move || {
        let mut store = db::Store::open(&data_dir)?;
        let key = store.signing_key()?;
        // Generated (and stored) only when needed: never behind the operator's back.
        let token = if given {
            None
        } else {
            Some(store.stored_till_token()?)
        };
        if let Some(dir) = content_dir {
            publish_content_dir(&mut store, &dir, clock.now())?;
        }
        Ok::<_, ServerError>((store, key, token))
    })
    .await
    .map_err(|_| ServerError::Config("the start-up task failed".into()))??;

    let (till_token, generated_till_token) = match (config.till_token.clone(), stored_token) {
        (Some(t), _) => (t, false),
        (None, Some((t, generated))) => (t, generated),
        (None, None) => return Err(ServerError::Config("no till token".into())),
    };
    let public_key_hex = public_key_hex(&signing_key.verifying_key());
    let state = Arc::new(api::AppState::new(
        store,
        config.now,
        signing_key,
        &till_token,
        config.totp_algorithm,
        config.max_in_flight,
        config.enrolments_per_hour,
        db::invoices::Invoicing {
            seller: config.seller.clone(),
            rates: invoicing::belgian_rates(&config.reduced_vat_categories),
        },
    ));
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(ServerError::Listen)?;
    let addr = listener.local_addr().map_err(ServerError::Listen)?;
    let app = api::router(state);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // The peer address feeds the per-client budgets (enrolment, failed sign-ins).
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        })
        .await
    });
    Ok(RunningServer {
        addr,
        till_token,
        generated_till_token,
        public_key_hex,
        stop,
        task,
    })
}

fn create_data_dir(dir: &std::path::Path) -> Result<(), ServerError> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(ServerError::DataDir)?;
    // The database holds card secrets and the signing key: owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(ServerError::DataDir)?;
    }
    Ok(())
}

fn publish_content_dir(
    store: &mut db::Store,
    dir: &std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ServerError> {
    // Every file is read and checked first: one that is broken stops the start with nothing
    // published.
    let mut feeds = Vec::new();
    for kind in CONTENT_KINDS {
        let path = dir.join(format!("{kind}.json"));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(ServerError::Content(format!("{kind}.json: {e}"))),
        };
        let body: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            ServerError::Content(format!(
                "{kind}.json is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        db::content::check_content(kind, &body)
            .map_err(|e| ServerError::Content(format!("{kind}.json is refused: {}", e.reason())))?;
        feeds.push((kind, body));
    }
    for (kind, body) in feeds {
        store
            .publish_content(kind, &body, now)
            .map_err(|e| ServerError::Content(format!("{kind}.json could not be stored: {e:?}")))?;
    }
    Ok(())
}
