//! What the cli's integration tests share: running the `loyalty` binary as a person or a script
//! does, reading its answers, and a real reference server (`loyalty server`) on a free loopback
//! port, killed when dropped.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_loyalty");

/// The binary in a clean environment (no `LOYALTY_DATA`, no `LOYALTY_SERVER`, no input, the
/// C locale whatever the developer's is).
pub fn loyalty() -> Command {
    let mut command = Command::new(BIN);
    command
        .env_remove("LOYALTY_DATA")
        .env_remove("LOYALTY_SERVER")
        .env_remove("LC_MESSAGES")
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null());
    command
}

/// The binary without a data directory.
pub fn run(args: &[&str]) -> Output {
    loyalty().args(args).output().expect("the binary runs")
}

/// The binary on the data directory `data`.
pub fn run_in(data: &Path, args: &[&str]) -> Output {
    loyalty()
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("the binary runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Succeeded; returns standard output.
#[track_caller]
pub fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstderr: {}\nstdout: {}",
        o.status.code(),
        stderr(&o),
        stdout(&o)
    );
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

/// Succeeded with one JSON document on standard output.
#[track_caller]
pub fn ok_json(o: Output) -> Value {
    let text = ok(o);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Failed with `code` and exactly one line on standard error (`error: ...`, no panic trace),
/// nothing on standard output; returns the line.
#[track_caller]
pub fn fails(o: Output, code: i32) -> String {
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(code),
        "stderr: {err}\nstdout: {}",
        stdout(&o)
    );
    assert_eq!(err.lines().count(), 1, "one line expected: {err:?}");
    assert!(err.starts_with("error: "), "{err:?}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert!(o.stdout.is_empty(), "nothing on stdout: {}", stdout(&o));
    err
}

/// Failed with `code` under `--json`: one line on standard error and one JSON error document on
/// standard output (`{"error": {"kind", "exit_code", "message"}}`); returns the document.
#[track_caller]
pub fn fails_json(o: Output, code: i32) -> Value {
    let doc: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&o)));
    let line = fails(
        Output {
            stdout: Vec::new(),
            ..o
        },
        code,
    );
    assert_eq!(doc["error"]["exit_code"], code);
    assert_eq!(
        format!("error: {}\n", doc["error"]["message"].as_str().unwrap()),
        line
    );
    doc
}

/// `loyalty server` on a directory of its own and a free loopback port; killed when dropped.
pub struct Server {
    child: Child,
    /// `http://<addr>`.
    pub url: String,
    /// `host:port`.
    pub addr: String,
    till_token: Option<String>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// With a till token the server generates (and the test does not know).
    pub fn start() -> Self {
        Self::spawn(None)
    }

    /// With the till token `token`, for tests that play the till ([`Server::till`]).
    pub fn with_till_token(token: &str) -> Self {
        Self::spawn(Some(token))
    }

    fn spawn(till_token: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new(BIN);
        command
            .arg("--data")
            .arg(dir.path())
            .args(["--json", "server", "--addr", "127.0.0.1:0"]);
        if let Some(token) = till_token {
            command.args(["--till-token", token]);
        }
        let mut child = command
            .env_remove("LOYALTY_DATA")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let info: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let url = info["listening"].as_str().unwrap().to_string();
        Server {
            child,
            addr: url
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .into(),
            url,
            till_token: till_token.map(str::to_string),
            _dir: dir,
        }
    }

    /// One till request over plain HTTP/1.1 (`POST path`, a fresh Idempotency-Key): the status
    /// and the JSON answer.
    pub fn till(&self, path: &str, body: &Value) -> (u16, Value) {
        let token = self
            .till_token
            .as_deref()
            .expect("a server started with_till_token");
        let body = body.to_string();
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nIdempotency-Key: {}\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            self.addr,
            rand_key(),
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let status = answer[9..12].parse().unwrap();
        let json = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.trim())
            .filter(|b| !b.is_empty())
            .map(|b| serde_json::from_str(b).unwrap_or_else(|e| panic!("{e}: {b}")))
            .unwrap_or(Value::Null);
        (status, json)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh idempotency key per request.
fn rand_key() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "export-test-{nanos}-{}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
