//! `server`: the reference server (`loyalty-server`'s library) on the data directory, until
//! Ctrl-C (SIGINT) or SIGTERM.

use crate::app::{print_stdout, CliError, CliResult, Ctx};
use clap::Args;
use loyalty_server::{start, ServerConfig};
use serde_json::json;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

#[derive(Args)]
pub struct ServerArgs {
    /// Where to listen (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Bearer token of the till and admin endpoints (16+ characters); default: kept in the
    /// server's database.
    #[arg(long)]
    pub till_token: Option<String>,
    /// Publish <kind>.json content feeds from this directory at start.
    #[arg(long)]
    pub content: Option<PathBuf>,
    /// Allow a non-loopback address (plain HTTP: trusted networks only).
    #[arg(long)]
    pub allow_remote: bool,
}

pub fn run(ctx: &Ctx, a: ServerArgs) -> CliResult<()> {
    let addr: SocketAddr = a
        .addr
        .to_socket_addrs()
        .ok()
        .and_then(|mut it| it.next())
        .ok_or_else(|| CliError::invalid(format!("--addr: not an address: {}", a.addr)))?;
    let mut config = ServerConfig::new(ctx.data_dir.clone());
    config.addr = addr;
    config.till_token = a.till_token;
    config.content_dir = a.content;
    config.allow_remote = a.allow_remote;
    config.now = ctx.clock();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::other(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let server = start(config).await.map_err(|e| {
            let text = e.to_string();
            if matches!(e, loyalty_server::ServerError::Config(_)) {
                CliError::invalid(text)
            } else if matches!(e, loyalty_server::ServerError::Listen(_)) {
                CliError::other(text)
            } else {
                CliError::storage(text)
            }
        })?;
        // Listen for Ctrl-C and SIGTERM before saying the server is up: a signal sent right
        // after the first line must stop it cleanly, not kill it.
        let stop = Stop::install();
        let info = json!({
            "listening": server.base_url(),
            "data_dir": ctx.data_dir.display().to_string(),
            "till_token": server.till_token(),
            "voucher_public_key": server.public_key_hex(),
        });
        let text = if ctx.json {
            format!("{}\n", serde_json::to_string(&info).unwrap_or_default())
        } else {
            format!(
                "loyalty server listening on {}\ndata directory: {}\ntill/admin token: {}\nvoucher public key (Ed25519): {}\npress Ctrl-C to stop\n",
                server.base_url(),
                ctx.data_dir.display(),
                server.till_token(),
                server.public_key_hex()
            )
        };
        print_stdout(text.as_bytes())?;
        stop.wait().await;
        server.shutdown().await;
        if !ctx.json {
            print_stdout(b"loyalty server stopped\n")?;
        }
        Ok(())
    })
}

/// The signals that stop the server, registered when installed.
struct Stop {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Stop {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let signals = signal(SignalKind::interrupt())
                .and_then(|i| Ok((i, signal(SignalKind::terminate())?)))
                .ok();
            Stop { signals }
        }
        #[cfg(not(unix))]
        Stop {}
    }

    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut int, mut term)) = self.signals {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
