//! The `audience` of the three creates, as the fake reads it: the connected audience rules
//! of [`braze_api::audience`], and Braze's one documented case of a wrong audience that it
//! accepts with a 2xx and fails later ([`choices::ACCEPT_AUDIENCES_BRAZE_FAILS_LATER`]).

use braze_api::audience::{self, AudienceProblem};
use braze_api::types::ConnectedAudience;
use http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::choices;
use crate::reply::Reply;

/// The audience a create carried, as it came over the wire, and what Braze would fail of
/// it after answering.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SeenAudience {
    pub(crate) json: Option<Value>,
    pub(crate) silent_failures: Vec<AudienceProblem>,
}

/// A create body in its generated type `T`, with its audience judged.
///
/// `parse` reads the body with the generated types (the audience with them); `audience`
/// finds the typed audience in it. The other fields are checked first. An audience the
/// generated types cannot read is then read on its own: with only
/// [silent](AudienceProblem::silent) problems the request is taken without it (the
/// problems recorded), any other problem is the 400, with its path.
pub(crate) fn parse_create<T: DeserializeOwned>(
    body: &[u8],
    parse: impl Fn(&[u8]) -> Result<T, Reply>,
    audience: impl Fn(&T) -> Option<&ConnectedAudience>,
) -> Result<(T, SeenAudience), Reply> {
    let refusal = match parse(body) {
        Ok(request) => {
            let Some(typed) = audience(&request) else {
                return Ok((request, SeenAudience::default()));
            };
            // What the generated types read they write back unchanged (a property test of
            // braze-tests), so the JSON is the audience as sent.
            let json = serde_json::to_value(typed).unwrap_or(Value::Null);
            let silent_failures = judge(&json)?;
            return Ok((
                request,
                SeenAudience {
                    json: Some(json),
                    silent_failures,
                },
            ));
        }
        Err(refusal) => refusal,
    };
    let Ok(Value::Object(mut root)) = serde_json::from_slice::<Value>(body) else {
        return Err(refusal);
    };
    let Some(json) = root.remove("audience") else {
        return Err(refusal);
    };
    // Without its audience, is the body fine? If not, its other fields are the refusal.
    let without = serde_json::to_vec(&root).map_err(|_| refusal.clone())?;
    let request = parse(&without)?;
    let problems = judge(&json)?;
    if problems.is_empty() {
        // Cannot be: what the checks accept, the generated types read.
        return Err(refusal);
    }
    Ok((
        request,
        SeenAudience {
            json: Some(json),
            silent_failures: problems,
        },
    ))
}

/// The audience's silent problems, or the 400 for its first other one.
fn judge(json: &Value) -> Result<Vec<AudienceProblem>, Reply> {
    let problems = audience::check("audience", json, choices::AUDIENCE_MAX_DEPTH);
    let refused = |problem: &&AudienceProblem| {
        !problem.silent || !choices::ACCEPT_AUDIENCES_BRAZE_FAILS_LATER
    };
    match problems.iter().find(refused) {
        Some(problem) => Err(Reply::error(
            StatusCode::BAD_REQUEST,
            format!("invalid audience: {problem}"),
        )),
        None => Ok(problems),
    }
}
