//! What every request builder is: checked, previewed or sent, and awaitable.

use std::future::Future;

use braze_api::operations::OperationSpec;

use crate::{Error, RequestPreview, Response};

/// A request builder of this crate: every operation's builder implements it, so code that
/// handles any request (a dry run, say) is written once. Sealed.
///
/// Each builder also has `preview` and `send` as inherent methods, so calling them needs no
/// import; awaiting a builder sends it.
pub trait Request:
    std::future::IntoFuture<Output = Result<Response<Self::Body>, Error>> + private::Sealed
{
    /// The body of Braze's answer.
    type Body;

    /// The operation it calls.
    fn spec(&self) -> &'static OperationSpec;

    /// The request as it would go on the wire, key redacted, after the same checks as
    /// [`send`](Self::send): what a dry run prints.
    fn preview(&self) -> Result<RequestPreview, Error>;

    /// Checks and sends the request.
    fn send(self) -> impl Future<Output = Result<Response<Self::Body>, Error>> + Send;
}

pub(crate) mod private {
    pub trait Sealed {}
}

/// Implements [`Request`] (and `IntoFuture`) for a builder from its inherent `preview` and
/// `send`: `impl_request!(Builder => Body, spec)`, or with one generic parameter
/// `impl_request!(Builder<O: Bound> => Body, spec)`. `spec` may use `Self`.
macro_rules! impl_request {
    ($builder:ident $(<$param:ident: $bound:path>)? => $body:ty, $spec:expr) => {
        impl<'a $(, $param: $bound)?> $crate::request::private::Sealed
            for $builder<'a $(, $param)?> {}

        impl<'a $(, $param: $bound)?> $crate::Request for $builder<'a $(, $param)?> {
            type Body = $body;

            fn spec(&self) -> &'static braze_api::operations::OperationSpec {
                $spec
            }

            fn preview(&self) -> Result<$crate::RequestPreview, $crate::Error> {
                Self::preview(self)
            }

            fn send(
                self,
            ) -> impl std::future::Future<
                Output = Result<$crate::Response<$body>, $crate::Error>,
            > + Send {
                Self::send(self)
            }
        }

        impl<'a $(, $param: $bound)?> std::future::IntoFuture for $builder<'a $(, $param)?> {
            type Output = Result<$crate::Response<$body>, $crate::Error>;
            type IntoFuture =
                std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send + 'a>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(Self::send(self))
            }
        }
    };
}
pub(crate) use impl_request;
