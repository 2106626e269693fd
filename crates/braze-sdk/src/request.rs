//! What every request builder is: checked, previewed or sent, and awaitable; and the one
//! place that turns a builder's checked body into a call of the generated client.

use std::future::Future;

use braze_api::operations::{Bound, OperationSpec};

use crate::{Error, RequestPreview, Response};

/// A request builder of this crate: every operation's builder implements it, so code that
/// handles any request (a dry run, say) is written once. Sealed.
///
/// A builder owns a clone of its [`Client`](crate::Client) (which is cheap: clones share
/// the connection pool and the pacer), so it is `'static` and `Send`: it can be kept,
/// moved to another task and sent there.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let fake = braze_mock::MockServer::start(braze_mock::Config::new()).await?;
/// # let client = braze_sdk::Client::builder()
/// #     .api_key(fake.api_key())
/// #     .endpoint_str(fake.url())
/// #     .build()?;
/// use braze_sdk::{Recipient, Schedule};
///
/// let tomorrow = Schedule::utc(chrono::Utc::now() + chrono::Duration::days(1));
/// let create = client
///     .create_campaign_schedule("campaign_identifier", tomorrow)
///     .recipient(Recipient::external_user_id("user-42"));
/// // The builder owns its client: it can be sent from another task.
/// let created = tokio::spawn(create.send()).await??;
/// let cancel = client.delete_campaign_schedule("campaign_identifier", created.schedule_id.clone());
/// let cancelled = tokio::spawn(async move { cancel.await }).await??;
/// assert!(cancelled.status().is_success());
/// # Ok(()) }
/// ```
///
/// Each builder also has `preview` and `send` as inherent methods, so calling them needs no
/// import; awaiting a builder sends it.
pub trait Request:
    std::future::IntoFuture<Output = Result<Response<Self::Answer>, Error>>
    + Send
    + 'static
    + private::Sealed
{
    /// The body of Braze's answer.
    type Answer;

    /// The operation it calls.
    fn spec(&self) -> &'static OperationSpec;

    /// The request as it would go on the wire, key redacted, after the same checks as
    /// [`send`](Self::send): what a dry run prints.
    fn preview(&self) -> Result<RequestPreview, Error>;

    /// Checks and sends the request.
    fn send(self) -> impl Future<Output = Result<Response<Self::Answer>, Error>> + Send + 'static;
}

pub(crate) mod private {
    pub trait Sealed {}
}

/// The spec of a generated builder type: what [`Bound`] ties to it.
pub(crate) const fn spec_of<G: Bound<'static>>() -> &'static OperationSpec {
    G::SPEC
}

/// Implements, for a builder whose operation has a JSON body, everything but its checks:
/// `impl_request!(Builder, generated_method)` needs the builder to have a `client: Client`
/// field and an inherent `fn body(&self) -> Result<Body, Error>`, and to be named like the
/// generated builder of `braze_api::builder` whose constructor is `generated_method`
/// (`CreateMessageSchedule`, `create_message_schedule`): a name that does not match is a
/// type error. The spec, the answer's type and the call come from the generated
/// [`Bound`] impl of that builder, so nothing here is paired by hand. The builder gets
/// `preview` and `send`, [`Request`] and `IntoFuture`. With `, then path`, a successful
/// answer goes through `path(spec, response)` before it is returned (to log a notice).
macro_rules! impl_request {
    ($builder:ident, $method:ident) => {
        $crate::request::impl_request!(@impl $builder, $method, |_, response| response);
    };
    ($builder:ident, $method:ident, then $after:path) => {
        $crate::request::impl_request!(@impl $builder, $method, $after);
    };
    (@impl $builder:ident, $method:ident, $after:expr) => {
        impl $builder {
            /// The operation it calls.
            fn spec(&self) -> &'static braze_api::operations::OperationSpec {
                $crate::request::spec_of::<braze_api::builder::$builder<'static>>()
            }

            /// The request as it would be sent, key redacted (for a dry run).
            pub fn preview(&self) -> Result<$crate::RequestPreview, $crate::Error> {
                $crate::RequestPreview::of_body(&self.client, self.spec(), &self.body()?)
            }

            /// Checks and sends the request.
            pub async fn send(
                self,
            ) -> Result<
                $crate::Response<
                    <braze_api::builder::$builder<'static> as braze_api::operations::Bound<
                        'static,
                    >>::Answer,
                >,
                $crate::Error,
            > {
                let body = self.body()?;
                let spec = self.spec();
                let client = self.client;
                client
                    .call($crate::client::Outgoing::of(
                        braze_api::builder::$builder::new_with_body(&client.api, body),
                    ))
                    .await
                    .map(|response| ($after)(spec, response))
            }
        }

        $crate::request::impl_request_from_inherent!(
            $builder => <braze_api::builder::$builder<'static> as braze_api::operations::Bound<
                'static,
            >>::Answer
        );
    };
}
pub(crate) use impl_request;

/// [`Request`] and `IntoFuture` (awaiting sends) for a builder with inherent `spec`,
/// `preview` and `send`: `impl_request_from_inherent!(Builder => Answer)`, or
/// `impl_request_from_inherent!(generic O: Bound; Builder<O> => Answer)` for a generic one.
macro_rules! impl_request_from_inherent {
    (generic $param:ident: $bound:path; $builder:ty => $answer:ty) => {
        $crate::request::impl_request_from_inherent!(@impl [$param: $bound] $builder => $answer);
    };
    ($builder:ty => $answer:ty) => {
        $crate::request::impl_request_from_inherent!(@impl [] $builder => $answer);
    };
    (@impl [$($generics:tt)*] $builder:ty => $answer:ty) => {
        impl<$($generics)*> $crate::request::private::Sealed for $builder {}

        impl<$($generics)*> $crate::Request for $builder {
            type Answer = $answer;

            fn spec(&self) -> &'static braze_api::operations::OperationSpec {
                Self::spec(self)
            }

            fn preview(&self) -> Result<$crate::RequestPreview, $crate::Error> {
                Self::preview(self)
            }

            fn send(
                self,
            ) -> impl std::future::Future<
                Output = Result<$crate::Response<Self::Answer>, $crate::Error>,
            > + Send
            + 'static {
                Self::send(self)
            }
        }

        impl<$($generics)*> std::future::IntoFuture for $builder {
            type Output = Result<$crate::Response<$answer>, $crate::Error>;
            type IntoFuture =
                std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(Self::send(self))
            }
        }
    };
}
pub(crate) use impl_request_from_inherent;
