//! A minimal responder: every request gets `200 {"message":"success"}` with Braze's
//! rate-limit headers, so that a benchmark measures the clients, not the server.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const BODY: &[u8] = br#"{"message":"success"}"#;

/// Serves until the process is stopped. Runs on the calling (single-threaded) runtime:
/// one core, like a one-worker nginx.
pub async fn serve(port: u16) -> std::io::Result<()> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    println!("http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(answer))
                .await;
        });
    }
}

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // Read the body, as any real server would.
    let _ = request.into_body().collect().await;
    let mut response = Response::new(Full::new(Bytes::from_static(BODY)));
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("x-ratelimit-limit", HeaderValue::from_static("250000"));
    headers.insert("x-ratelimit-remaining", HeaderValue::from_static("249999"));
    headers.insert("x-ratelimit-reset", HeaderValue::from_static("4102444800"));
    Ok(response)
}
