//! `loyalty-server --data DIR [--addr 127.0.0.1:8080] [--till-token T] [--content DIR]
//! [--allow-remote] [--enrolments-per-hour N]`: runs the reference server until Ctrl-C.

use loyalty_server::{start, ServerConfig};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;

const USAGE: &str = "\
usage: loyalty-server --data DIR [--addr HOST:PORT] [--till-token TOKEN] [--content DIR] [--allow-remote]
                      [--enrolments-per-hour N]

  --data DIR          database directory (created if missing); data survives restarts
  --addr HOST:PORT    where to listen (default 127.0.0.1:8080; port 0 picks a free one)
  --till-token TOKEN  bearer token of the till and admin endpoints (16+ characters);
                      default: generated on first start, printed that once, and kept in
                      the database
  --content DIR       publish <kind>.json files (reminder-rules, recipes, recalls,
                      post-purchase, surveys) found there as new content versions at start
  --allow-remote      allow a non-loopback address (plain HTTP: trusted networks only)
  --enrolments-per-hour N
                      new memberships per client address per hour (default 20)

Set LOYALTY_SERVER_LOG=1 to log requests (method, path template, status, duration) to stderr.
Company invoices name the retailer of LOYALTY_SELLER_NAME, _STREET, _CITY, _POSTAL_CODE, _COUNTRY
and _VAT_ID (default: the demo retailer, a Belgian company); LOYALTY_REDUCED_VAT_CATEGORIES lists
the line categories invoiced at 6 % (comma separated; the others at 21 %).";

fn parse_args(args: &[String]) -> Result<ServerConfig, String> {
    let mut data = None;
    let mut addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8080));
    let mut till_token = None;
    let mut content = None;
    let mut allow_remote = false;
    let mut enrolments = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--data" => data = Some(value("--data")?),
            "--addr" => {
                let text = value("--addr")?;
                addr = text
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut a| a.next())
                    .ok_or_else(|| format!("--addr: not an address: {text}"))?;
            }
            "--till-token" => till_token = Some(value("--till-token")?),
            "--content" => content = Some(value("--content")?),
            "--allow-remote" => allow_remote = true,
            "--enrolments-per-hour" => {
                let text = value("--enrolments-per-hour")?;
                enrolments = Some(
                    text.parse::<usize>()
                        .ok()
                        .filter(|n| (1..=1_000_000).contains(n))
                        .ok_or_else(|| {
                            format!("--enrolments-per-hour: not a number from 1 to 1000000: {text}")
                        })?,
                );
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    let data = data.ok_or("--data DIR is required")?;
    let mut config = ServerConfig::new(data);
    config.addr = addr;
    config.till_token = till_token;
    config.content_dir = content.map(Into::into);
    config.allow_remote = allow_remote;
    if let Some(n) = enrolments {
        config.enrolments_per_hour = n;
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse_args(&args) {
        Ok(c) => c,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("loyalty-server: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let data_dir = config.data_dir.clone();
    let server = match start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("loyalty-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("loyalty-server listening on {}", server.base_url());
    println!("data directory: {}", data_dir.display());
    if let Some(token) = server.generated_till_token() {
        // Shown this once: it stays in the database and is never printed again.
        println!("till/admin token (generated now, shown once; keep it): {token}");
    }
    println!("voucher public key (Ed25519): {}", server.public_key_hex());
    println!("press Ctrl-C to stop");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("loyalty-server: cannot wait for Ctrl-C: {e}");
    }
    server.shutdown().await;
    println!("loyalty-server stopped");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn arguments() {
        let c = parse_args(&args(&["--data", "d", "--addr", "127.0.0.1:9000"])).unwrap();
        assert_eq!(c.addr.port(), 9000);
        assert_eq!(c.data_dir, std::path::PathBuf::from("d"));
        assert!(!c.allow_remote);
        let c = parse_args(&args(&["--data", "d", "--addr", "localhost:0"])).unwrap();
        assert!(c.addr.ip().is_loopback());
        assert!(parse_args(&args(&["--addr", "127.0.0.1:1"])).is_err());
        assert!(parse_args(&args(&["--data"])).is_err());
        assert!(parse_args(&args(&["--data", "d", "--bogus"])).is_err());
        assert_eq!(parse_args(&args(&["--help"])).unwrap_err(), "");
        let c = parse_args(&args(&["--data", "d", "--enrolments-per-hour", "500"])).unwrap();
        assert_eq!(c.enrolments_per_hour, 500);
        let c = parse_args(&args(&["--data", "d"])).unwrap();
        assert_eq!(c.enrolments_per_hour, loyalty_server::ENROLMENTS_PER_HOUR);
        for bad in ["0", "-1", "ten", "99999999999999999999999"] {
            assert!(parse_args(&args(&["--data", "d", "--enrolments-per-hour", bad])).is_err());
        }
    }
}
