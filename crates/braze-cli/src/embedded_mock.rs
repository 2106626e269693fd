//! `--mock` and `braze demo`: a fake Braze (`braze-mock`) started inside the process on
//! loopback, so the tool can be tried without credentials or network.

use braze_mock::{Config, Dispatch, MockServer, RecordedRequest};

use crate::error::CliError;

/// A running embedded fake. It stops when dropped.
pub struct EmbeddedMock {
    server: MockServer,
}

impl EmbeddedMock {
    /// Starts the fake, and says on stderr (when `announce`) that it is one, so that no
    /// one mistakes its answers for Braze's.
    pub async fn start(announce: bool) -> Result<Self, CliError> {
        Self::start_with(Config::new(), announce).await
    }

    /// Starts the fake with this configuration.
    pub async fn start_with(config: Config, announce: bool) -> Result<Self, CliError> {
        let server = MockServer::start(config)
            .await
            .map_err(|e| CliError::Input(format!("cannot start the embedded fake Braze: {e}")))?;
        if announce {
            eprintln!(
                "note: --mock: talking to an embedded fake Braze at {} (nothing reaches Braze; \
                 its state is lost on exit)",
                server.url()
            );
        }
        Ok(Self { server })
    }

    /// The fake's base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        self.server.url().to_owned()
    }

    /// The key the fake generated and accepts.
    pub fn api_key(&self) -> String {
        self.server.api_key().to_owned()
    }

    /// The requests the fake has seen, the key already redacted by the fake.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.server.requests()
    }

    /// What the fake has sent (its dispatch log): who got which send, once each.
    pub fn dispatches(&self) -> Vec<Dispatch> {
        self.server.dispatches()
    }
}
