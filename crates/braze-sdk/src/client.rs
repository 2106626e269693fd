//! The client and how to build one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use braze_api::call;
use braze_api::operations::{BodyFact, Bound, OperationSpec, Sending};
use braze_api::rate_limit::{ClassLimits, Pacer};
use braze_api::retry::RetryPolicy;
use braze_api::{ClientInfo, HookState};

use crate::api_key::ApiKey;
use crate::{Endpoint, Error, Instance, Response};

/// The environment variable holding the API key.
pub const ENV_API_KEY: &str = "BRAZE_API_KEY";
/// The environment variable holding the endpoint: an instance name (`US-01`) or a URL.
pub const ENV_REST_ENDPOINT: &str = "BRAZE_REST_ENDPOINT";

/// Default time to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for one attempt, from sending to the end of the answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A Braze client for the scheduling endpoints. Cheap to clone; clones share the
/// connection pool and the rate-limit pacer.
///
/// ```no_run
/// # async fn run() -> Result<(), braze_sdk::Error> {
/// use braze_sdk::{Client, Instance};
///
/// let client = Client::new("YOUR-REST-API-KEY", Instance::Us01)?;
/// client
///     .delete_campaign_schedule("campaign_identifier", "schedule_identifier")
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) api: Arc<braze_api::Client>,
    endpoint: Arc<Endpoint>,
    user_agent: Arc<str>,
}

impl Client {
    /// A client for `endpoint` (an [`Instance`], or an [`Endpoint`] from a URL) with the
    /// default settings.
    pub fn new(api_key: impl Into<String>, endpoint: impl Into<Endpoint>) -> Result<Self, Error> {
        Self::builder().api_key(api_key).endpoint(endpoint).build()
    }

    /// A client configured from `BRAZE_API_KEY` and `BRAZE_REST_ENDPOINT` (an instance
    /// name such as `US-01`, or a URL).
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// A builder, for the settings beyond the key and endpoint.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Where requests go.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The `User-Agent` sent with every request.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        self.api.inner().retry()
    }

    /// The low-level generated client, for what this crate does not wrap. Requests made
    /// through it go through the same hooks (credentials, pacing, retries).
    pub fn generated(&self) -> &braze_api::Client {
        &self.api
    }

    /// Sends one generated request ([`Outgoing::of`]) with its record, and maps the
    /// outcome.
    pub(crate) async fn call<T>(&self, outgoing: Outgoing<'_, T>) -> Result<Response<T>, Error> {
        let Outgoing { spec, sending } = outgoing;
        let (result, record) = call::recorded(sending).await;
        match result {
            Ok(answer) => Ok(Response::new(answer, &record)),
            Err(error) => Err(Error::from_parts(spec.id, Some(spec), error, record)),
        }
    }
}

/// A generated request on its way, with the spec of the operation its builder is bound to
/// ([`Bound::SPEC`]): what [`Client::call`] sends. Made in a plain function, so that the
/// futures of the builders hold no trait bound with a lifetime (which the compiler cannot
/// yet prove `Send` for, rust-lang/rust#100013).
pub(crate) struct Outgoing<'a, T> {
    spec: &'static OperationSpec,
    sending: Sending<'a, T>,
}

impl<'a, T> Outgoing<'a, T> {
    /// The generated request, telling the hooks nothing of its body.
    pub(crate) fn of<G: Bound<'a, Answer = T>>(generated: G) -> Self {
        Self::knowing(generated, None)
    }

    /// The generated request, telling the hooks a fact known from how its body was built
    /// ([`Bound::send_knowing`]), if there is one.
    pub(crate) fn knowing<G: Bound<'a, Answer = T>>(generated: G, fact: Option<BodyFact>) -> Self {
        Self {
            spec: G::SPEC,
            sending: match fact {
                Some(fact) => generated.send_knowing(fact),
                None => generated.send(),
            },
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint.base_url())
            .field("hooks", self.api.inner())
            .finish()
    }
}

/// Settings for a [`Client`]. Only the API key and the endpoint are required.
///
/// ```
/// use std::time::Duration;
/// use braze_sdk::{Client, Instance, RetryPolicy};
///
/// let client = Client::builder()
///     .api_key("YOUR-REST-API-KEY")
///     .endpoint(Instance::Eu01)
///     .timeout(Duration::from_secs(10))
///     .retry_policy(RetryPolicy { max_attempts: 3, ..RetryPolicy::default() })
///     .build()?;
/// assert_eq!(client.endpoint().base_url(), "https://rest.fra-01.braze.eu");
/// # Ok::<(), braze_sdk::Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    api_key: Option<Result<ApiKey, Error>>,
    endpoint: Option<Result<Endpoint, Error>>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    pacing: bool,
    pacer: Option<Arc<Pacer>>,
    class_limits: Option<ClassLimits>,
    user_agent: Option<String>,
    http_client: Option<reqwest::Client>,
    root_certificates: Vec<reqwest::Certificate>,
    max_response_bytes: usize,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            endpoint: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            pacing: true,
            pacer: None,
            class_limits: None,
            user_agent: None,
            http_client: None,
            root_certificates: Vec::new(),
            max_response_bytes: braze_api::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl ClientBuilder {
    /// A builder with the key and endpoint from `BRAZE_API_KEY` and
    /// `BRAZE_REST_ENDPOINT`.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let key = lookup(ENV_API_KEY)
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| Error::config(format!("{ENV_API_KEY} is not set")))?;
        let endpoint = lookup(ENV_REST_ENDPOINT)
            .filter(|e| !e.trim().is_empty())
            .ok_or_else(|| {
                Error::config(format!(
                    "{ENV_REST_ENDPOINT} is not set: set it to your instance (e.g. US-01) or \
                     its REST URL (e.g. https://rest.iad-01.braze.com)"
                ))
            })?;
        Ok(Self::default().api_key(key).endpoint_str(&endpoint))
    }

    /// The REST API key. Surrounding whitespace is trimmed (keys read from files often
    /// end in a newline); an empty key, a key wrapped in quotes (Braze answers 401 to it)
    /// or one with spaces or control characters inside is refused by
    /// [`build`](Self::build), without the key in the message. The key is held as a
    /// secret: zeroed when dropped, never printed by `Debug`, sent only in the
    /// `Authorization` header (marked sensitive).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(key));
        self
    }

    /// Where to send requests: an [`Instance`] or an [`Endpoint`].
    pub fn endpoint(mut self, endpoint: impl Into<Endpoint>) -> Self {
        self.endpoint = Some(Ok(endpoint.into()));
        self
    }

    /// Where to send requests, from text: an instance name (`US-01`) or a URL.
    pub fn endpoint_str(mut self, endpoint: &str) -> Self {
        self.endpoint = Some(endpoint.parse());
        self
    }

    /// The instance to send requests to.
    pub fn instance(self, instance: Instance) -> Self {
        self.endpoint(instance)
    }

    /// The longest one attempt may take, from sending to the end of the answer
    /// (default 30 s). Not applied to a client given with [`Self::http_client`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest a connection may take to establish (default 10 s). Not applied to a
    /// client given with [`Self::http_client`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy (see [`RetryPolicy`]; on by default).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Whether to wait for the rate-limit window to reset when Braze reported it spent,
    /// instead of spending a 429 (default: on).
    pub fn pacing(mut self, pacing: bool) -> Self {
        self.pacing = pacing;
        self
    }

    /// Shares a rate-limit pacer with other clients of the same workspace (it keeps its
    /// own [`ClassLimits`], see [`Pacer::with_limits`]).
    pub fn shared_pacer(mut self, pacer: Arc<Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// The numbers the pacer holds broadcast creates to (Braze's documented 250 per
    /// minute across audiences and 10 per minute per unique audience by default), where
    /// the answers' headers do not tell: for a workspace whose limits Braze raised, or a
    /// test server with small ones. A [`shared_pacer`](Self::shared_pacer) has its own
    /// ([`Pacer::with_limits`]): giving both is an error at [`build`](Self::build).
    pub fn broadcast_limits(mut self, limits: ClassLimits) -> Self {
        self.class_limits = Some(limits);
        self
    }

    /// Prepends a product token to the `User-Agent` (`my-service/1.2 braze-sdk/0.2.0`).
    pub fn user_agent(mut self, product: impl Into<String>) -> Self {
        self.user_agent = Some(product.into());
        self
    }

    /// Uses this HTTP client (for proxies, extra root certificates, ...). Its own
    /// timeouts, TLS and redirect settings apply; keep redirects off so that the key
    /// cannot follow one to another host.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Trusts this root certificate too (a corporate proxy's, say), on top of the
    /// system's.
    pub fn add_root_certificate(mut self, certificate: reqwest::Certificate) -> Self {
        self.root_certificates.push(certificate);
        self
    }

    /// Refuses response bodies longer than this many bytes (default 8 MiB).
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let key = self
            .api_key
            .ok_or_else(|| Error::config("no API key given"))??;
        let endpoint = self.endpoint.ok_or_else(|| {
            Error::config("no endpoint given: an Instance (e.g. Instance::Us01) or a URL")
        })??;
        if self.retry.max_attempts == 0 {
            return Err(Error::config(
                "retry_policy.max_attempts must be at least 1",
            ));
        }
        let base_agent = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
        let user_agent = match &self.user_agent {
            Some(product) => format!("{} {base_agent}", product.trim()),
            None => base_agent.to_owned(),
        };
        let user_agent_header = http::HeaderValue::try_from(user_agent.as_str())
            .map_err(|_| Error::config("the user agent has characters not allowed in a header"))?;

        let http = match self.http_client {
            Some(client) => client,
            None => {
                let mut builder = reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.connect_timeout)
                    // A redirect could carry the key to another host; Braze sends none.
                    .redirect(reqwest::redirect::Policy::none());
                for certificate in self.root_certificates {
                    builder = builder.add_root_certificate(certificate);
                }
                builder
                    .build()
                    .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?
            }
        };
        let mut hooks = HookState::new()
            .with_api_key(key.expose())
            .map_err(|e| Error::config(e.to_string()))?
            .with_user_agent(user_agent_header)
            .with_retry(self.retry)
            .with_pacing(self.pacing)
            .with_max_response_bytes(self.max_response_bytes);
        match (self.pacer, self.class_limits) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "broadcast_limits and shared_pacer were both given: a shared pacer keeps \
                     its own limits (give them to Pacer::with_limits)",
                ));
            }
            (Some(pacer), None) => hooks = hooks.with_pacer(pacer),
            (None, Some(limits)) => hooks = hooks.with_pacer(Arc::new(Pacer::with_limits(limits))),
            (None, None) => {}
        }
        let api = braze_api::Client::new_with_client(endpoint.base_url(), http, hooks);
        Ok(Client {
            api: Arc::new(api),
            endpoint: Arc::new(endpoint),
            user_agent: user_agent.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let client = Client::new("super-secret-key-42", Instance::Us01).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("super-secret-key-42"), "{debug}");
        assert!(debug.contains("redacted"), "{debug}");
        let builder = format!("{:?}", Client::builder().api_key("super-secret-key-42"));
        assert!(!builder.contains("super-secret-key-42"), "{builder}");
    }

    #[test]
    fn from_env_reads_key_and_endpoint() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let client =
            ClientBuilder::from_lookup(env(&[(ENV_API_KEY, "k-1"), (ENV_REST_ENDPOINT, "eu-02")]))
                .unwrap()
                .build()
                .unwrap();
        assert_eq!(client.endpoint().instance(), Some(Instance::Eu02));
        let client = ClientBuilder::from_lookup(env(&[
            (ENV_API_KEY, "k-1"),
            (ENV_REST_ENDPOINT, "http://127.0.0.1:9"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(client.endpoint().base_url(), "http://127.0.0.1:9");

        let missing_key =
            ClientBuilder::from_lookup(env(&[(ENV_REST_ENDPOINT, "US-01")])).unwrap_err();
        assert!(missing_key.to_string().contains(ENV_API_KEY));
        let missing_endpoint = ClientBuilder::from_lookup(env(&[(ENV_API_KEY, "k")])).unwrap_err();
        assert!(missing_endpoint.to_string().contains(ENV_REST_ENDPOINT));
        let bad_endpoint =
            ClientBuilder::from_lookup(env(&[(ENV_API_KEY, "k"), (ENV_REST_ENDPOINT, "US-99")]))
                .unwrap()
                .build()
                .unwrap_err();
        assert!(bad_endpoint.to_string().contains("US-99"));
    }

    #[test]
    fn user_agent_names_the_crate_and_version() {
        let client = Client::builder()
            .api_key("k")
            .instance(Instance::Us01)
            .user_agent("ops-tool/2.0")
            .build()
            .unwrap();
        assert_eq!(
            client.user_agent(),
            format!("ops-tool/2.0 braze-sdk/{}", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn broadcast_limits_with_a_shared_pacer_is_an_error() {
        let both = Client::builder()
            .api_key("k")
            .instance(Instance::Us01)
            .shared_pacer(Arc::new(Pacer::new()))
            .broadcast_limits(ClassLimits::default())
            .build()
            .unwrap_err();
        assert!(
            matches!(&both, Error::Config(m) if m.contains("shared_pacer")),
            "{both}"
        );
        for builder in [
            Client::builder().shared_pacer(Arc::new(Pacer::new())),
            Client::builder().broadcast_limits(ClassLimits::default()),
        ] {
            builder
                .api_key("k")
                .instance(Instance::Us01)
                .build()
                .unwrap();
        }
    }

    #[test]
    fn builder_errors_are_config_errors() {
        assert!(matches!(Client::builder().build(), Err(Error::Config(_))));
        assert!(matches!(
            Client::builder().api_key("k").build(),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            Client::builder()
                .api_key("k")
                .endpoint_str("http://example.com")
                .build(),
            Err(Error::Config(_))
        ));
    }
}
