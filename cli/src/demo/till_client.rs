//! A small blocking HTTP/1.1 client for the reference server's till, admin and content endpoints
//! on loopback (the demo plays the till and the retailer's back office with it). The shopper's
//! side never uses it: that is the core's own sync over reqwest.

use crate::app::{CliError, CliResult};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The server's till/admin API at `addr`, with its bearer token.
pub struct TillApi {
    addr: SocketAddr,
    token: String,
}

/// An answer: the status and the JSON body (`Value::Null` when empty).
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl TillApi {
    pub fn new(addr: SocketAddr, token: impl Into<String>) -> Self {
        TillApi {
            addr,
            token: token.into(),
        }
    }

    /// A request whose answer must be 2xx; anything else is a one-line error.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> CliResult<Value> {
        let answer = self.request(method, path, body, idempotency_key)?;
        if (200..300).contains(&answer.status) {
            Ok(answer.body)
        } else {
            let reason = answer
                .body
                .get("reason")
                .or_else(|| answer.body.get("error"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| answer.body.to_string());
            Err(CliError::other(format!(
                "the server answered {} to {method} {path}: {reason}",
                answer.status
            )))
        }
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> CliResult<Answer> {
        let fail = |e: std::io::Error| {
            CliError::other(format!("{method} {path} to {} failed: {e}", self.addr))
        };
        let mut stream =
            TcpStream::connect_timeout(&self.addr, Duration::from_secs(5)).map_err(fail)?;
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .map_err(fail)?;
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nAccept: application/json\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            self.token,
            payload.len()
        );
        if body.is_some() {
            head.push_str("Content-Type: application/json\r\n");
        }
        if let Some(k) = idempotency_key {
            head.push_str(&format!("Idempotency-Key: {k}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).map_err(fail)?;
        stream.write_all(payload.as_bytes()).map_err(fail)?;
        stream.flush().map_err(fail)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).map_err(fail)?;
        parse_response(&raw)
            .ok_or_else(|| CliError::other(format!("{method} {path}: a malformed HTTP answer")))
    }
}

fn parse_response(raw: &[u8]) -> Option<Answer> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut chunked = false;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("transfer-encoding")
                && value.trim().eq_ignore_ascii_case("chunked")
            {
                chunked = true;
            }
        }
    }
    let rest = &raw[split + 4..];
    let bytes = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    let body = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).ok()?
    };
    Some(Answer { status, body })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_with_a_length_or_in_chunks() {
        let a = parse_response(b"HTTP/1.1 201 Created\r\ncontent-length: 8\r\n\r\n{\"a\":1}\n")
            .unwrap();
        assert_eq!(a.status, 201);
        assert_eq!(a.body["a"], 1);
        let c = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"b\"\r\n3\r\n:2}\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(c.body["b"], 2);
        let e = parse_response(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
        assert_eq!(e.body, Value::Null);
        assert!(parse_response(b"garbage").is_none());
    }
}
