//! HTTP: reqwest over rustls (ring; the OS trust store, bundled roots on Android), the
//! base URL rule (https, plain http only to loopback), one request with a timeout and a size cap,
//! and the classification of what came back.

use super::retry::{parse_retry_after, Retrier, Safety};
use super::SyncConfig;
use chrono::{DateTime, Utc};
use loyalty_domain::error::{ApiResult, LoyaltyError};
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, IF_NONE_MATCH, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A failure worth another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransientKind {
    /// The connection could not be made: the request never left.
    Connect,
    /// No (complete) answer in time.
    Timeout,
    /// The connection broke before the answer was complete (truncated body, reset).
    Dropped,
    /// HTTP 5xx other than 503.
    ServerError,
    /// HTTP 429 or 503: the server shed the request before handling it.
    Busy,
    /// The answer was not the JSON the contract describes.
    Malformed,
}

impl TransientKind {
    pub fn retryable(self, safety: Safety) -> bool {
        match safety {
            Safety::Idempotent => true,
            Safety::Unsafe => matches!(self, TransientKind::Connect | TransientKind::Busy),
        }
    }

    fn reason(self) -> &'static str {
        match self {
            TransientKind::Connect => {
                "the server cannot be reached; check the connection and try again later"
            }
            TransientKind::Timeout => "the server did not answer in time; try again later",
            TransientKind::Dropped => "the connection to the server was lost; try again later",
            TransientKind::ServerError => {
                "the server failed to handle the request; try again later"
            }
            TransientKind::Busy => "the server is busy; try again later",
            TransientKind::Malformed => "the server sent a malformed response; try again later",
        }
    }
}

/// Why one attempt (or a whole request) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Transient {
        kind: TransientKind,
        retry_after: Option<Duration>,
    },
    /// 401: the token is not (or no longer) valid. Never retried.
    Unauthorized,
    /// Another 4xx: the server refused the request as such. Never retried.
    Rejected {
        status: u16,
        code: Option<String>,
        /// The body's `refusal` (why a 422 refused it: `expired`, `not_yours`...), when given.
        refusal: Option<String>,
    },
    /// The answer was larger than allowed.
    TooLarge,
    /// The sync ran out of time.
    Deadline,
    Cancelled,
}

impl Failure {
    /// The public error, with a fixed reason (never a token, card number or server text).
    pub fn into_api_error(self) -> LoyaltyError {
        match self {
            Failure::Transient { kind, .. } => LoyaltyError::Network {
                reason: kind.reason().into(),
            },
            Failure::Unauthorized => LoyaltyError::Unauthorized {
                reason: "the server no longer accepts this device's sign-in; sign in again".into(),
            },
            Failure::Rejected { status, code, .. } => {
                let code = code.map(|c| format!(" ({c})")).unwrap_or_default();
                match status {
                    404 => LoyaltyError::NotFound {
                        reason: format!("the server does not know this record{code}"),
                    },
                    409 => LoyaltyError::Conflict {
                        reason: format!("the server refused the change as conflicting{code}"),
                    },
                    _ => LoyaltyError::InvalidInput {
                        reason: format!("the server refused the request with HTTP {status}{code}"),
                    },
                }
            }
            Failure::TooLarge => LoyaltyError::Network {
                reason: "the server sent a response larger than allowed".into(),
            },
            Failure::Deadline => LoyaltyError::Network {
                reason: "the sync took too long and was stopped; try again later".into(),
            },
            Failure::Cancelled => LoyaltyError::Network {
                reason: "the request was cancelled".into(),
            },
        }
    }
}

/// Checks the server's base URL: https, or plain http to a loopback host (127.0.0.0/8, ::1,
/// localhost); no credentials, query or fragment. The path may carry a prefix.
pub fn validate_base_url(raw: &str) -> ApiResult<Url> {
    let invalid = |reason: &str| LoyaltyError::InvalidInput {
        reason: reason.into(),
    };
    let mut url = Url::parse(raw.trim()).map_err(|_| {
        // No Unicode tables for host names are linked (idna_adapter 1.0, README "Library
        // size"): a host name with non-ASCII letters does not parse; its xn-- form does.
        if !raw.is_ascii() {
            invalid("the server address must be ASCII: write an internationalised host name in its xn-- form")
        } else {
            invalid("the server address is not a valid URL")
        }
    })?;
    let host = url
        .host_str()
        .ok_or_else(|| invalid("the server address has no host"))?
        .to_ascii_lowercase();
    match url.scheme() {
        "https" => {}
        "http" => {
            let ip = host.trim_start_matches('[').trim_end_matches(']');
            let loopback =
                host == "localhost" || ip.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return Err(invalid(
                    "the server address must use https (plain http only to this device)",
                ));
            }
        }
        _ => {
            return Err(invalid(
                "the server address must use https (plain http only to this device)",
            ))
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("the server address must not contain credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "the server address must not have a query or fragment",
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// The HTTP client: rustls with the ring provider, HTTP/1.1, no proxy from the environment, no
/// redirects (a redirect could carry the bearer token elsewhere). Built at the first request, not
/// at open. Certificates are verified by [`server_trust`].
pub fn build_client(config: &SyncConfig) -> ApiResult<reqwest::Client> {
    build_client_trusting(config, &[])
}

/// [`build_client`], trusting exactly `anchors` (certificates, DER) when any is given: the
/// platform's store as the app read it (Android's `AndroidCAStore`), instead of the default.
pub fn build_client_trusting(
    config: &SyncConfig,
    anchors: &[Vec<u8>],
) -> ApiResult<reqwest::Client> {
    fn internal<E>(_: E) -> LoyaltyError {
        LoyaltyError::Internal {
            reason: "the HTTP client could not be set up".into(),
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(internal)?;
    let mut tls = match anchor_store(anchors) {
        Some(roots) => builder.with_root_certificates(roots),
        None => server_trust(builder, provider),
    }
    .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(30))
        .user_agent(concat!("loyalty-core/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(internal)
}

/// The trust anchors among `certificates` (DER); `None` when none is usable.
fn anchor_store(certificates: &[Vec<u8>]) -> Option<rustls::RootCertStore> {
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(
        certificates
            .iter()
            .map(|der| rustls::pki_types::CertificateDer::from(der.as_slice())),
    );
    (added > 0).then_some(roots)
}

/// How many of `certificates` (DER) are usable trust anchors.
pub(crate) fn usable_anchors(certificates: &[Vec<u8>]) -> usize {
    anchor_store(certificates).map_or(0, |r| r.len())
}

type TlsBuilder = rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier>;
type TlsBuilderWithTrust =
    rustls::ConfigBuilder<rustls::ClientConfig, rustls::client::WantsClientCert>;

/// Whom TLS trusts, outside Android: the operating system's trust store, through
/// rustls-platform-verifier: Security.framework on iOS and macOS (the roots Apple updates, the
/// enterprise CAs a device management profile installs, revocation), the system store on
/// Windows, the CA files on Linux (`SSL_CERT_FILE` / `SSL_CERT_DIR`, else the distribution's
/// bundle). A Linux machine with no CA file gets an empty store: loopback `http` keeps working,
/// every `https` server is refused.
#[cfg(not(target_os = "android"))]
fn server_trust(
    builder: TlsBuilder,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> TlsBuilderWithTrust {
    match rustls_platform_verifier::Verifier::new(provider) {
        Ok(verifier) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier)),
        Err(_) => builder.with_root_certificates(rustls::RootCertStore::empty()),
    }
}

/// Whom TLS trusts, on Android, until the app hands the system's store (`AndroidCAStore`,
/// read by the Kotlin layer at open: `SyncApi::set_trust_anchors`): the Mozilla root store
/// bundled at build time (`webpki-roots`). The platform verifier would need a JNI
/// initialisation with an app `Context` before the first request and its Kotlin component, which
/// is published on no Maven repository (it ships inside the crate's sources): the AAR could not
/// be added by coordinates (README).
#[cfg(target_os = "android")]
fn server_trust(
    builder: TlsBuilder,
    _provider: Arc<rustls::crypto::CryptoProvider>,
) -> TlsBuilderWithTrust {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    builder.with_root_certificates(roots)
}

/// One API request as the sync engine describes it.
pub struct Request<'a> {
    pub method: Method,
    /// Relative to the base URL, without a leading slash (`v1/ledger`).
    pub path: &'a str,
    pub query: &'a [(&'a str, &'a str)],
    pub body: Option<serde_json::Value>,
    pub idempotency_key: Option<&'a str>,
    /// The bearer token, when the endpoint needs one.
    pub token: Option<&'a str>,
    /// An entity tag: a `304 Not Modified` answer then decodes as `None`.
    pub if_none_match: Option<&'a str>,
    pub safety: Safety,
}

/// A JSON API over one base URL, counting the requests it makes.
pub struct Api<'a> {
    pub client: &'a reqwest::Client,
    pub base: &'a Url,
    pub config: &'a SyncConfig,
    pub retrier: Retrier<'a>,
    pub now: &'a (dyn Fn() -> DateTime<Utc> + Send + Sync),
    pub requests: &'a AtomicU64,
}

impl Api<'_> {
    /// Sends `req` (with retries) and decodes the JSON answer; `None` for 204 (and for 304 when
    /// the request has `if_none_match`).
    pub async fn call<T: DeserializeOwned + Send>(
        &self,
        req: &Request<'_>,
    ) -> Result<Option<T>, Failure> {
        self.call_checked(req, |t: Option<T>| Some(t)).await
    }

    /// [`Api::call`], with `check` turning the decoded answer into what the caller needs; an
    /// answer it refuses counts as malformed (and is retried like one).
    ///
    /// The typed part is only this: decoding and checking a body inside each attempt. The
    /// request, the retries and the cancellation are [`Api::call_erased`], one copy for every
    /// answer type: a copy per type, inlined into each caller, cost 168 KB of the stripped x86_64
    /// mobile library (issue #14).
    pub async fn call_checked<T: DeserializeOwned, U: Send>(
        &self,
        req: &Request<'_>,
        check: impl Fn(Option<T>) -> Option<U> + Sync,
    ) -> Result<U, Failure> {
        let answer: std::sync::Mutex<Option<U>> = std::sync::Mutex::new(None);
        let accept = |body: Option<&[u8]>| -> bool {
            let decoded = match body {
                None => None,
                Some(bytes) => match serde_json::from_slice::<T>(bytes) {
                    Ok(t) => Some(t),
                    Err(_) => return false,
                },
            };
            match check(decoded) {
                Some(u) => {
                    *answer.lock().unwrap_or_else(|e| e.into_inner()) = Some(u);
                    true
                }
                None => false,
            }
        };
        self.call_erased(req, &accept).await?;
        answer
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .ok_or(transient(TransientKind::Malformed, None))
    }

    /// [`Api::call_checked`] with the answer's type erased: `accept` decodes and checks the body
    /// of a successful answer (`None` for 204, and 304 under `if_none_match`) and says whether it
    /// took it; one it refuses is a malformed answer.
    async fn call_erased(
        &self,
        req: &Request<'_>,
        accept: &(dyn Fn(Option<&[u8]>) -> bool + Sync),
    ) -> Result<(), Failure> {
        let mut url = self.base.join(req.path).map_err(|_| Failure::Rejected {
            status: 400,
            code: None,
            refusal: None,
        })?;
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.iter());
        }
        let body = match &req.body {
            Some(v) => Some(serde_json::to_vec(v).map_err(|_| Failure::Rejected {
                status: 400,
                code: None,
                refusal: None,
            })?),
            None => None,
        };
        self.retrier
            .run(req.safety, |_| {
                let body = body.clone();
                let url = &url;
                async move {
                    let raw = self.attempt(req, url, body).await?;
                    if accept(raw.as_deref()) {
                        Ok(())
                    } else {
                        Err(transient(TransientKind::Malformed, None))
                    }
                }
            })
            .await
    }

    /// One request: the body of a successful answer, `None` for 204 (and 304 under
    /// `if_none_match`).
    async fn attempt(
        &self,
        req: &Request<'_>,
        url: &Url,
        body: Option<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, Failure> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut builder = self
            .client
            .request(req.method.clone(), url.clone())
            .timeout(self.config.request_timeout)
            .header("accept", "application/json");
        if let Some(token) = req.token {
            let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| Failure::Unauthorized)?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        if let Some(key) = req.idempotency_key {
            builder = builder.header("idempotency-key", key);
        }
        if let Some(tag) = req.if_none_match {
            builder = builder.header(IF_NONE_MATCH, tag);
        }
        if let Some(body) = body {
            builder = builder.header(CONTENT_TYPE, "application/json").body(body);
        }
        // The request timeout covers the body too; this outer bound is a second guard.
        let overall = self.config.request_timeout + Duration::from_secs(1);
        let response = match tokio::time::timeout(overall, builder.send()).await {
            Err(_) => return Err(transient(TransientKind::Timeout, None)),
            Ok(Err(e)) => return Err(transport_failure(&e)),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED && req.if_none_match.is_some() {
            return Ok(None);
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, (self.now)()));
        let bytes = match tokio::time::timeout(
            overall,
            read_capped(response, self.config.max_response_bytes),
        )
        .await
        {
            Err(_) => return Err(transient(TransientKind::Timeout, None)),
            Ok(r) => r?,
        };
        if status.is_success() {
            if status == StatusCode::NO_CONTENT {
                return Ok(None);
            }
            return Ok(Some(bytes));
        }
        Err(match status {
            StatusCode::UNAUTHORIZED => Failure::Unauthorized,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
                transient(TransientKind::Busy, retry_after)
            }
            StatusCode::REQUEST_TIMEOUT => transient(TransientKind::Timeout, retry_after),
            s if s.is_server_error() => transient(TransientKind::ServerError, retry_after),
            s => Failure::Rejected {
                status: s.as_u16(),
                code: error_code(&bytes),
                refusal: error_refusal(&bytes),
            },
        })
    }
}

fn transient(kind: TransientKind, retry_after: Option<Duration>) -> Failure {
    Failure::Transient { kind, retry_after }
}

fn transport_failure(e: &reqwest::Error) -> Failure {
    let kind = if e.is_timeout() {
        TransientKind::Timeout
    } else if e.is_connect() {
        TransientKind::Connect
    } else {
        TransientKind::Dropped
    };
    transient(kind, None)
}

/// The body, at most `cap` bytes; a connection that breaks before the announced end is
/// `Dropped`.
async fn read_capped(mut response: reqwest::Response, cap: usize) -> Result<Vec<u8>, Failure> {
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Err(Failure::TooLarge);
    }
    let mut out = Vec::with_capacity(
        response
            .content_length()
            .map_or(8 * 1024, |n| n as usize)
            .min(cap),
    );
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if out.len() + chunk.len() > cap {
                    return Err(Failure::TooLarge);
                }
                out.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(out),
            Err(e) => return Err(transport_failure(&e)),
        }
    }
}

/// The server's machine-readable error code (`{"error": "conflict"}`), when it is a plain word:
/// server text is never passed on beyond that.
pub(super) fn error_code(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: String,
    }
    let code = serde_json::from_slice::<ErrorBody>(body).ok()?.error;
    (!code.is_empty()
        && code.len() <= 40
        && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    .then_some(code)
}

/// The `refusal` of an error body (a 422's reason as a snake_case word), if it has one.
pub(super) fn error_refusal(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct RefusalBody {
        refusal: String,
    }
    let refusal = serde_json::from_slice::<RefusalBody>(body).ok()?.refusal;
    (!refusal.is_empty()
        && refusal.len() <= 40
        && refusal.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    .then_some(refusal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_https_or_loopback_http() {
        for ok in [
            "https://api.example.com",
            "https://api.example.com/loyalty",
            "https://api.example.com:8443/loyalty/",
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://[::1]:9000/",
            "http://localhost:3000",
            "http://LOCALHOST",
        ] {
            let url = validate_base_url(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(url.path().ends_with('/'), "{ok}");
            assert_eq!(
                url.join("v1/ledger").unwrap().path(),
                format!("{}v1/ledger", url.path())
            );
        }
        for bad in [
            "http://api.example.com",
            "http://10.0.0.1",
            "http://192.168.1.2:8080",
            "http://[::2]",
            "http://localhost.example.com",
            "ftp://127.0.0.1",
            "https://user:pw@api.example.com",
            "https://api.example.com/?token=1",
            "https://api.example.com/#x",
            "not a url",
            "",
        ] {
            let err = validate_base_url(bad).expect_err(bad);
            assert!(matches!(err, LoyaltyError::InvalidInput { .. }), "{bad}");
            // The reason never repeats the address (it may hold credentials).
            assert!(bad.is_empty() || !err.to_string().contains(bad), "{bad}");
        }
    }

    #[test]
    fn internationalised_server_names_are_refused_with_a_clear_reason() {
        // idna_adapter is pinned to its 1.0 stream (no Unicode tables; README "Library size"):
        // a host name with non-ASCII letters is refused as invalid input, never a panic and
        // never another host. Its ASCII (`xn--`, punycode) form, the one DNS holds, works.
        for idn in ["https://bäckerei.example/api", "https://straße.example"] {
            let err = validate_base_url(idn).expect_err(idn);
            assert!(matches!(err, LoyaltyError::InvalidInput { .. }), "{idn}");
            assert!(err.to_string().contains("ASCII"), "{idn}: {err}");
        }
        let url = validate_base_url("https://xn--bckerei-c2a.example/api").unwrap();
        assert_eq!(url.host_str(), Some("xn--bckerei-c2a.example"));
        validate_base_url("https://api-2.my-shop.example/v1").unwrap();
    }

    #[test]
    fn the_client_builds_with_the_platform_trust_store() {
        build_client(&SyncConfig::default()).unwrap();
    }

    #[test]
    fn errors_carry_fixed_reasons() {
        assert_eq!(
            error_code(br#"{"error":"conflict","reason":"x"}"#),
            Some("conflict".into())
        );
        assert_eq!(error_code(br#"{"error":"Card 1234 is blocked"}"#), None);
        assert_eq!(error_code(b"garbage"), None);
        assert_eq!(
            error_refusal(br#"{"error":"refused","reason":"x","refusal":"not_yours"}"#),
            Some("not_yours".into())
        );
        assert_eq!(
            error_refusal(br#"{"error":"refused","refusal":"Ann's"}"#),
            None
        );
        assert_eq!(error_refusal(br#"{"error":"conflict"}"#), None);
        let e = Failure::Rejected {
            status: 409,
            code: Some("conflict".into()),
            refusal: None,
        }
        .into_api_error();
        assert!(matches!(e, LoyaltyError::Conflict { .. }));
        assert!(matches!(
            Failure::Unauthorized.into_api_error(),
            LoyaltyError::Unauthorized { .. }
        ));
        assert!(matches!(
            transient(TransientKind::Malformed, None).into_api_error(),
            LoyaltyError::Network { reason } if reason.contains("malformed")
        ));
    }
}
