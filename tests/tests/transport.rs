//! Transport safety: certificates are verified (an extra root can be trusted explicitly),
//! `HTTPS_PROXY` is honoured without exposing the key to the proxy, and redirects are not
//! followed, so they cannot carry the key to another host.

use std::convert::Infallible;
use std::io::{BufRead, BufReader, Write};
use std::sync::Arc;

use braze_sdk::{Client, Delivery, Error, RetryPolicy, TransportKind};
use braze_tests::{Reply, ScriptedServer};
use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use serde_json::json;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const KEY: &str = "transport-key-31b7";

/// An HTTPS server on loopback with a freshly made self-signed certificate for
/// `localhost`; answers every request with `{"message":"success"}`. Returns its port and
/// the certificate in PEM.
async fn self_signed_server() -> (u16, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
        .expect("self-signed certificate");
    let pem = certified.cert.pem();
    let chain = vec![CertificateDer::from(certified.cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake here.
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = service_fn(|_request| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(
                        br#"{"message":"success"}"#,
                    ))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (port, pem)
}

#[tokio::test]
async fn a_self_signed_server_is_refused_unless_its_root_is_added() {
    let (port, pem) = self_signed_server().await;
    let endpoint = format!("https://localhost:{port}");

    let strict = Client::builder()
        .api_key(KEY)
        .endpoint_str(&endpoint)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let error = strict
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect_err("an unknown certificate is refused");
    assert!(
        matches!(&error, Error::Transport(t) if t.kind == TransportKind::Connect),
        "{error:?}"
    );
    assert_eq!(
        error.delivery(),
        Delivery::NotSent,
        "refused before sending"
    );
    assert!(
        error.to_string().to_lowercase().contains("certificate"),
        "{error}"
    );

    let trusting = Client::builder()
        .api_key(KEY)
        .endpoint_str(&endpoint)
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).expect("pem"))
        .build()
        .expect("client");
    let answer = trusting
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect("trusted once its root is added");
    assert_eq!(answer.message(), Some("success"));
}

#[test]
fn https_proxy_is_honoured_and_never_sees_the_key() {
    // A proxy that records the tunnel request and refuses it.
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let proxy_url = format!("http://{}", proxy.local_addr().expect("address"));
    let seen = std::thread::spawn(move || {
        let (stream, _) = proxy.accept().expect("the client comes through the proxy");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let mut stream = stream;
        let _ = stream.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        head
    });
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_proxy_probe"))
        .arg(KEY)
        .env("HTTPS_PROXY", &proxy_url)
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .expect("run the probe");
    let head = seen.join().expect("proxy thread");
    assert!(
        head.starts_with("CONNECT rest.iad-01.braze.com:443 HTTP/1.1"),
        "{head}"
    );
    assert!(!head.contains(KEY), "the key went to the proxy: {head}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("error: "), "{stdout}");
    assert!(!stdout.contains(KEY), "{stdout}");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let elsewhere = ScriptedServer::start([Reply::success()]).await;
    let server = ScriptedServer::start([Reply::json(307, json!({"message": "moved"}))
        .header("location", format!("{}/steal", elsewhere.url()))])
    .await;
    let client = Client::builder()
        .api_key(KEY)
        .endpoint_str(server.url())
        .build()
        .expect("client");
    let error = client
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect_err("a redirect is an error");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(307));
    assert!(
        error
            .hint()
            .expect("hint")
            .contains("redirects are not followed")
    );
    assert!(
        elsewhere.received().is_empty(),
        "nothing reached the other host"
    );
}
