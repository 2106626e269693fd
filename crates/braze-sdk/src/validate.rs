//! The SDK's own checks of what its builders were given, made before anything is sent;
//! Braze's rules on the body itself are [`braze_api::rules`], applied by [`rules`]. Each
//! failure names the field, as it appears in the JSON body, and says what is expected.

use braze_api::operations::Shape;
use braze_api::rules::Check;
use serde_json::{Map, Value};

use crate::Error;

/// An identifier must not be empty or blank.
pub(crate) fn id(check: Result<(), braze_api::ids::InvalidId>) -> Result<(), Error> {
    check.map_err(|e| Error::invalid(e.field, "must not be empty or blank"))
}

/// The body, if Braze's documented rules hold for it now ([`braze_api::rules`]); else the
/// first problem, as an [`Error::InvalidRequest`] naming its path.
pub(crate) fn rules<T: Check>(body: T) -> Result<T, Error> {
    match problem(&body) {
        None => Ok(body),
        Some(error) => Err(error),
    }
}

/// [`rules`] of a body the caller keeps whatever the verdict: the first problem, if any.
pub(crate) fn problem<T: Check>(body: &T) -> Option<Error> {
    body.problems(chrono::Utc::now())
        .into_iter()
        .next()
        .map(Into::into)
}

/// Why a value is refused where a JSON object belongs.
pub(crate) fn not_an_object(value: &Value) -> String {
    format!(
        "must be a JSON object, not {}",
        braze_api::rules::json_kind(value)
    )
}

/// Extra fields are for what the spec does not know yet: a documented field (one the
/// spec declares on the object, `shape`) must be set through its own setter, or it could
/// be sent twice.
pub(crate) fn extra(
    shape: Option<&Shape>,
    prefix: &str,
    extra: &Map<String, Value>,
) -> Result<(), Error> {
    let Some(shape) = shape else {
        return Ok(());
    };
    match extra.keys().find(|key| shape.declares(key)) {
        None => Ok(()),
        Some(key) => Err(Error::invalid(
            if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            },
            "is a documented field: set it with its own builder method, not as an extra",
        )),
    }
}
