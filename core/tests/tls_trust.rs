//! Whom the sync's HTTPS trusts, shown with a real TLS server on loopback (`openssl s_server`)
//! whose certificate a private CA signed, as an enterprise CA signs a staff device's servers:
//! refused while the operating system's trust store does not hold that CA, accepted once it does
//! (on Linux the store is `SSL_CERT_FILE`, which rustls-platform-verifier reads through
//! rustls-native-certs; on iOS it would be a profile the device management installs). The bundled
//! Mozilla roots the core used before would refuse it in both cases.
//!
//! One test in its own binary: it sets `SSL_CERT_FILE` for the process.
#![cfg(not(target_os = "android"))]

use loyalty_core::sync::{build_client, build_client_trusting};
use loyalty_core::SyncConfig;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl on PATH (tests/setup.sh installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed CA certificate and its key: `<name>.pem`, `<name>.key`.
fn self_signed_ca(dir: &Path, name: &str, subject: &str) {
    let (key, pem) = (format!("{name}.key"), format!("{name}.pem"));
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &pem,
            "-days",
            "2",
            "-subj",
            subject,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// A private CA and a server certificate for 127.0.0.1 it signed.
fn private_ca(dir: &Path) {
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    self_signed_ca(dir, "ca", "/CN=Loyalty Test Enterprise CA");
    let steps: [&[&str]; 3] = [
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
        &["verify", "-CAfile", "ca.pem", "server.pem"],
    ];
    for step in steps {
        openssl(dir, step);
    }
}

/// `openssl s_server -www` on a free loopback port: answers `GET /` with a 200 page.
fn tls_server(dir: &Path) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("openssl")
        .args(["s_server", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-cert", "server.pem", "-key", "server.key", "-www"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // s_server prints ACCEPT once it listens.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("ACCEPT") => break,
            Some(Ok(_)) => continue,
            other => panic!("openssl s_server did not start: {other:?}"),
        }
    }
    std::thread::spawn(move || for _ in lines {});
    (child, port)
}

async fn fetch(port: u16) -> Result<u16, String> {
    fetch_with(port, build_client(&SyncConfig::default())).await
}

async fn fetch_with(
    port: u16,
    client: loyalty_core::ApiResult<reqwest::Client>,
) -> Result<u16, String> {
    let client = client.map_err(|e| e.to_string())?;
    client
        .get(format!("https://127.0.0.1:{port}/"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| {
            // The root cause: reqwest's Display stops at "error sending request".
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        })
}

#[test]
fn https_trusts_the_operating_systems_store_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    private_ca(dir.path());
    let (mut server, port) = tls_server(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // The system's store (the distribution's CA bundle) does not hold the private CA: refused.
    std::env::remove_var("SSL_CERT_FILE");
    std::env::remove_var("SSL_CERT_DIR");
    let refused = rt
        .block_on(fetch(port))
        .expect_err("a CA the system does not trust");
    assert!(refused.contains("UnknownIssuer"), "{refused}");

    // The CA installed in the operating system's store: the same server is trusted.
    std::env::set_var("SSL_CERT_FILE", dir.path().join("ca.pem"));
    assert_eq!(rt.block_on(fetch(port)), Ok(200));

    // A store holding only another CA: refused again (each client reads the store it is built
    // with; nothing is cached from the previous one).
    self_signed_ca(dir.path(), "other", "/CN=Another CA");
    std::env::set_var("SSL_CERT_FILE", dir.path().join("other.pem"));
    let refused = rt
        .block_on(fetch(port))
        .expect_err("a store without the server's CA");
    assert!(refused.contains("UnknownIssuer"), "{refused}");

    // Anchors the app hands (Android's AndroidCAStore, read by the facade) replace the store:
    // the server's CA among them, accepted whatever the OS file says; only another CA, refused.
    let der = |name: &str| {
        openssl(
            dir.path(),
            &[
                "x509",
                "-in",
                &format!("{name}.pem"),
                "-outform",
                "DER",
                "-out",
                &format!("{name}.der"),
            ],
        );
        std::fs::read(dir.path().join(format!("{name}.der"))).unwrap()
    };
    let (ca, other) = (der("ca"), der("other"));
    let config = SyncConfig::default();
    assert_eq!(
        rt.block_on(fetch_with(
            port,
            build_client_trusting(&config, &[other.clone(), ca])
        )),
        Ok(200)
    );
    let refused = rt
        .block_on(fetch_with(port, build_client_trusting(&config, &[other])))
        .expect_err("anchors without the server's CA");
    assert!(refused.contains("UnknownIssuer"), "{refused}");

    server.kill().ok();
    server.wait().ok();
}
