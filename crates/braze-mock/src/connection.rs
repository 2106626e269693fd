//! Serving one TCP connection, with a handle that lets a request's handler cut its own
//! connection: closed (FIN) or reset (RST), without an answer. axum's own `serve` cannot
//! do that, so each connection is driven by hyper-util here and the handle travels in the
//! request's extensions.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tower::Service;

/// How a connection is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Severance {
    /// An orderly close: the client reads end-of-stream.
    Close,
    /// A TCP reset: the client reads "connection reset by peer".
    Reset,
}

#[derive(Debug, Default)]
struct Control {
    cut: Notify,
    reset: AtomicBool,
}

/// Lets a handler cut the connection its request came on. Found in every request's
/// extensions.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionHandle(Arc<Control>);

impl ConnectionHandle {
    /// Asks for the connection to be cut; any answer still being written is abandoned.
    pub(crate) fn sever(&self, how: Severance) {
        if how == Severance::Reset {
            self.0.reset.store(true, Ordering::Release);
        }
        // A stored permit: the connection task sees it even if it is not waiting yet.
        self.0.cut.notify_one();
    }

    /// Cuts the connection and never answers: the handler's future is dropped along with
    /// the connection.
    pub(crate) async fn sever_and_hang(&self, how: Severance) -> Response {
        self.sever(how);
        std::future::pending().await
    }

    async fn severed(&self) -> Severance {
        self.0.cut.notified().await;
        if self.0.reset.load(Ordering::Acquire) {
            Severance::Reset
        } else {
            Severance::Close
        }
    }
}

/// Serves HTTP/1.1 (and HTTP/2 with prior knowledge) on `stream` until the client goes
/// away or a handler cuts the connection.
pub(crate) async fn serve(stream: TcpStream, router: Router) {
    // Answers are small and written at once; waiting for more to send only adds latency.
    let _ = stream.set_nodelay(true);
    // A second descriptor for the same socket, to set SO_LINGER to zero just before the
    // connection is dropped: the close then sends RST instead of FIN. The socket is only
    // closed once both descriptors are, so this one lives until the end of the function.
    let socket = socket2::SockRef::from(&stream).try_clone().ok();
    let handle = ConnectionHandle::default();
    let for_requests = handle.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(for_requests.clone());
        // A Router is always ready (axum documents it), so `call` needs no `poll_ready`.
        router.clone().call(request)
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        biased;
        how = handle.severed() => {
            if how == Severance::Reset
                && let Some(socket) = &socket
            {
                let _ = socket.set_linger(Some(Duration::ZERO));
            }
        }
        result = connection => {
            if let Err(error) = result {
                tracing::trace!(%error, "connection ended with an error");
            }
        }
    }
    drop(socket);
}
