//! Where requests go and which key they carry: `BRAZE_API_KEY` or `--api-key-file`,
//! `BRAZE_REST_ENDPOINT` or `--instance`/`--endpoint`, the embedded fake (`--mock`), or a
//! placeholder for dry runs, which send nothing and so need no key.
//!
//! The key is never accepted as a flag (shell history, `ps`), never printed, and handed
//! to the SDK as soon as it is read, which holds it as a secret.

use std::time::Duration;

use braze_sdk::{Client, ClientBuilder, ENV_API_KEY, ENV_REST_ENDPOINT, Instance, RetryPolicy};

use crate::cli::GlobalArgs;
#[cfg(feature = "mock")]
use crate::embedded_mock::EmbeddedMock;
use crate::error::CliError;

/// How the messages about a missing key or endpoint end: `--mock` where it is built in.
const MOCK_SUGGESTION: &str = if cfg!(feature = "mock") {
    " (or --mock to try the tool against a fake)"
} else {
    ""
};

/// The key a dry run builds its client with. It is never sent: previews redact the
/// `Authorization` header, and a dry run sends nothing.
const DRY_RUN_PLACEHOLDER_KEY: &str = "dry-run-placeholder-key";

/// What a command will do with its client, which decides a default or two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// One request, with someone waiting at the terminal.
    Single,
    /// A bulk run: many requests, left to run.
    Bulk,
}

/// How long a bulk run waits for a spent rate-limit window by default: past Braze's hour,
/// so that a spent hourly window is waited out instead of failing every remaining row
/// with a 429.
const BULK_MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(65 * 60);

/// A ready client, and the fake it talks to when `--mock` was given (kept alive here).
pub struct Connection {
    /// The client; clones share its connection pool and rate-limit pacer.
    pub client: Client,
    /// The embedded fake, when `--mock` was given: held only so that it runs as long as
    /// the client; dropping it stops the fake.
    #[cfg(feature = "mock")]
    _mock: Option<EmbeddedMock>,
}

/// Builds the client the global options describe. Must run inside the tokio runtime
/// (the embedded fake starts on it).
pub async fn connect(global: &GlobalArgs, purpose: Purpose) -> Result<Connection, CliError> {
    #[cfg(feature = "mock")]
    if global.target.mock {
        let mock = EmbeddedMock::start(!global.dry_run).await?;
        let builder = configure(
            Client::builder()
                .api_key(mock.api_key())
                .endpoint_str(&mock.url()),
            global,
            purpose,
        );
        return Ok(Connection {
            client: builder.build()?,
            _mock: Some(mock),
        });
    }

    let key = if global.dry_run {
        DRY_RUN_PLACEHOLDER_KEY.to_owned()
    } else {
        read_key(global)?
    };
    let endpoint = match endpoint(global) {
        Some(endpoint) => endpoint,
        None if global.dry_run => {
            eprintln!(
                "note: no endpoint given ({ENV_REST_ENDPOINT}, --instance or --endpoint); \
                 the dry run shows {}'s URL",
                Instance::Us01
            );
            Instance::Us01.name().to_owned()
        }
        None => {
            return Err(CliError::Usage(format!(
                "no endpoint: set {ENV_REST_ENDPOINT} to your instance (e.g. US-01) or its \
                 REST URL, or pass --instance NAME or --endpoint URL{}",
                MOCK_SUGGESTION
            )));
        }
    };
    let builder = configure(
        Client::builder().api_key(key).endpoint_str(&endpoint),
        global,
        purpose,
    );
    Ok(Connection {
        client: builder.build()?,
        #[cfg(feature = "mock")]
        _mock: None,
    })
}

/// The key, from `--api-key-file` or else `BRAZE_API_KEY`. The SDK trims and checks it.
fn read_key(global: &GlobalArgs) -> Result<String, CliError> {
    if let Some(path) = &global.target.api_key_file {
        // The error names the file, never its content.
        return std::fs::read_to_string(path).map_err(|e| {
            CliError::Input(format!(
                "cannot read the API key file {}: {e}",
                path.display()
            ))
        });
    }
    match std::env::var(ENV_API_KEY) {
        Ok(key) if !key.trim().is_empty() => Ok(key),
        _ => Err(CliError::Usage(format!(
            "no API key: set {ENV_API_KEY} or pass --api-key-file PATH (or --dry-run to see \
             the request without sending it){MOCK_SUGGESTION}"
        ))),
    }
}

/// The endpoint, from the flags or else `BRAZE_REST_ENDPOINT`.
fn endpoint(global: &GlobalArgs) -> Option<String> {
    let target = &global.target;
    target
        .endpoint
        .clone()
        .or_else(|| target.instance.clone())
        .or_else(|| std::env::var(ENV_REST_ENDPOINT).ok())
        .filter(|endpoint| !endpoint.trim().is_empty())
}

/// Applies the timeout, retry and rate-limit options.
fn configure(builder: ClientBuilder, global: &GlobalArgs, purpose: Purpose) -> ClientBuilder {
    let defaults = RetryPolicy::default();
    let max_rate_limit_wait = global.max_rate_limit_wait.unwrap_or(match purpose {
        Purpose::Single => defaults.max_rate_limit_wait,
        Purpose::Bulk => BULK_MAX_RATE_LIMIT_WAIT,
    });
    let policy = RetryPolicy {
        max_attempts: global.retries.unwrap_or(defaults.max_attempts),
        // The budget covers every wait of a call; it must leave room for a rate-limit
        // wait, or a row that waited out the window would not be retried after it.
        budget: defaults
            .budget
            .max(max_rate_limit_wait + Duration::from_secs(60)),
        max_rate_limit_wait,
        ..defaults
    };
    let mut builder = builder
        .retry_policy(policy)
        .user_agent(concat!("braze-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(timeout) = global.timeout {
        builder = builder.timeout(timeout);
    }
    builder
}
