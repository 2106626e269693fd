//! The rules of Braze's connected audience (the `audience` of the three creates) that a
//! client checks before sending, in one place for the SDK, the fake and the command.
//!
//! [`crate::types::ConnectedAudience`], generated from the spec, is the grammar: a node is one
//! filter, or `AND` / `OR` over audiences. Deserializing into it says *that* a JSON value
//! does not fit, not *where* or *why* (an untagged choice reports "did not match any
//! variant"). [`check`] walks the JSON instead and names each problem's path in the tree
//! (`audience.AND[1].OR[0].custom_attribute.comparison`) with a sentence a person can act
//! on. It also checks what the schema cannot say: a blank attribute name, an ISO 8601
//! date-time, a depth bound.
//!
//! Braze checks an audience only after answering: a wrong one is accepted with a 2xx and
//! the send fails later, visible only in its Message Activity Log. The one documented case
//! (a boolean compared with `does_not_equal`, braze-inc/braze-docs#10064) is marked
//! [`AudienceProblem::silent`], so that the fake can answer as Braze does and still record
//! it.

use serde_json::{Map, Value};

use crate::types::ConnectedAudience;

/// The deepest nesting of `AND` / `OR` a client accepts (Braze documents no bound). Ten
/// levels is past anything a person writes, and keeps a generated or looping audience from
/// growing without end.
pub const MAX_DEPTH: usize = 10;

/// At most this many problems are reported for one audience.
pub const MAX_PROBLEMS: usize = 20;

/// The filter keys a node may hold, besides `AND` and `OR`.
pub const FILTERS: [&str; 4] = [
    "custom_attribute",
    "push_subscription_status",
    "email_subscription_status",
    "last_used_app",
];

/// Every comparison of a custom-attribute filter, by the type of value it takes.
const STRING_COMPARISONS: [&str; 2] = ["matches_regex", "does_not_match_regex"];
const NUMBER_COMPARISONS: [&str; 4] = [
    "greater_than",
    "greater_than_or_equal_to",
    "less_than",
    "less_than_or_equal_to",
];
const ARRAY_COMPARISONS: [&str; 2] = ["includes_value", "does_not_include_value"];
const DAYS_COMPARISONS: [&str; 4] = [
    "less_than_x_days_ago",
    "greater_than_x_days_ago",
    "less_than_x_days_in_the_future",
    "greater_than_x_days_in_the_future",
];
const TIME_COMPARISONS: [&str; 2] = ["after", "before"];
const EXISTENCE_COMPARISONS: [&str; 2] = ["exists", "does_not_exist"];
const SUBSCRIPTION_STATES: [&str; 3] = ["opted_in", "subscribed", "unsubscribed"];

/// One thing wrong with an audience, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceProblem {
    /// Where in the body: `audience`, `audience.AND[1].OR[0]`,
    /// `audience.custom_attribute.value`...
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
    /// Braze is known to accept this with a 2xx and fail the send later
    /// (braze-inc/braze-docs#10064): nothing in its answer shows it.
    pub silent: bool,
}

impl std::fmt::Display for AudienceProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem of `audience` (at most [`MAX_PROBLEMS`]), its paths starting at `root`
/// (the field's name, `audience`); empty when it fits the grammar. `max_depth` bounds the
/// nesting of `AND` / `OR` ([`MAX_DEPTH`] for a client).
pub fn check(root: &str, audience: &Value, max_depth: usize) -> Vec<AudienceProblem> {
    let mut walk = Walk {
        problems: Vec::new(),
        max_depth,
    };
    walk.node(root, audience, 0);
    walk.problems
}

/// The audience in the generated types, or its problems: [`check`], then the conversion
/// (which cannot fail for a value `check` accepts; if it did, that is reported too).
pub fn parse(root: &str, audience: &Value) -> Result<ConnectedAudience, Vec<AudienceProblem>> {
    let problems = check(root, audience, MAX_DEPTH);
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_json::from_value(audience.clone()).map_err(|error| {
        vec![AudienceProblem {
            path: root.to_owned(),
            message: format!("does not fit the connected audience grammar: {error}"),
            silent: false,
        }]
    })
}

/// Whether `text` is an ISO 8601 date-time as Braze's examples write them
/// ([`crate::time::parse_date_time`]): a date, `T`, a time to the minute or second (with an
/// optional fraction), and an optional designator (`Z`, `+02:00`, `+0200`, `+02`). The
/// docs' own example is `2019-07-22T13:17:55+0000`.
pub fn is_iso8601_date_time(text: &str) -> bool {
    crate::time::parse_date_time(text).is_some()
}

struct Walk {
    problems: Vec<AudienceProblem>,
    max_depth: usize,
}

impl Walk {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.push(path, message.into(), false);
    }

    fn push(&mut self, path: &str, message: String, silent: bool) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(AudienceProblem {
                path: path.to_owned(),
                message,
                silent,
            });
        }
    }

    fn full(&self) -> bool {
        self.problems.len() >= MAX_PROBLEMS
    }

    fn node(&mut self, path: &str, node: &Value, depth: usize) {
        if self.full() {
            return;
        }
        let Value::Object(map) = node else {
            self.problem(
                path,
                format!(
                    "is {}; an audience is an object: one filter, or AND / OR over audiences",
                    kind_of(node)
                ),
            );
            return;
        };
        let mut keys = map.keys();
        let (Some(key), None) = (keys.next(), keys.next()) else {
            let message = if map.is_empty() {
                "is an empty object; give one filter, or AND / OR over audiences".to_owned()
            } else {
                format!(
                    "has {} keys ({}); a node holds exactly one filter, AND or OR: combine \
                     several under AND",
                    map.len(),
                    quoted(map.keys().map(String::as_str))
                )
            };
            self.problem(path, message);
            return;
        };
        let inner = &map[key];
        let inner_path = format!("{path}.{key}");
        match key.as_str() {
            "AND" | "OR" => self.operator(&inner_path, key, inner, depth),
            "custom_attribute" => self.custom_attribute(&inner_path, inner),
            "push_subscription_status" | "email_subscription_status" => {
                self.subscription(&inner_path, inner)
            }
            "last_used_app" => self.last_used_app(&inner_path, inner),
            other if other.eq_ignore_ascii_case("and") || other.eq_ignore_ascii_case("or") => {
                self.problem(
                    path,
                    format!(
                        "`{other}` is not an operator: Braze writes them in capitals, `{}`",
                        other.to_ascii_uppercase()
                    ),
                );
            }
            other => self.problem(
                path,
                format!(
                    "`{other}` is not a connected audience filter; a node holds AND, OR or one \
                     of {}",
                    quoted(FILTERS)
                ),
            ),
        }
    }

    fn operator(&mut self, path: &str, operator: &str, items: &Value, depth: usize) {
        let Value::Array(items) = items else {
            self.problem(
                path,
                format!(
                    "is {}; {operator} takes a list of audiences",
                    kind_of(items)
                ),
            );
            return;
        };
        if items.is_empty() {
            let means = if operator == "AND" { "all" } else { "any" };
            self.problem(
                path,
                format!(
                    "is empty; {operator} needs at least one audience (users in {means} of them)"
                ),
            );
            return;
        }
        if depth + 1 > self.max_depth {
            self.problem(
                path,
                format!(
                    "nests AND / OR more than {} levels deep; flatten the audience, or put the \
                     users in a segment",
                    self.max_depth
                ),
            );
            return;
        }
        for (index, item) in items.iter().enumerate() {
            self.node(&format!("{path}[{index}]"), item, depth + 1);
        }
    }

    /// The fields of a filter object, with unknown ones reported; `None` if not an object.
    fn fields<'v>(
        &mut self,
        path: &str,
        filter: &'v Value,
        known: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Value::Object(fields) = filter else {
            self.problem(
                path,
                format!(
                    "is {}; a filter is an object of {}",
                    kind_of(filter),
                    quoted(known.iter().copied())
                ),
            );
            return None;
        };
        for key in fields.keys().filter(|key| !known.contains(&key.as_str())) {
            self.problem(
                &format!("{path}.{key}"),
                format!(
                    "is not a field of this filter ({})",
                    quoted(known.iter().copied())
                ),
            );
        }
        Some(fields)
    }

    fn custom_attribute(&mut self, path: &str, filter: &Value) {
        let Some(fields) = self.fields(
            path,
            filter,
            &["custom_attribute_name", "comparison", "value"],
        ) else {
            return;
        };
        match fields.get("custom_attribute_name") {
            Some(Value::String(name)) if !name.trim().is_empty() => {}
            Some(Value::String(_)) => self.problem(
                &format!("{path}.custom_attribute_name"),
                "is blank; name the custom attribute to filter on",
            ),
            Some(other) => self.problem(
                &format!("{path}.custom_attribute_name"),
                format!("is {}; the attribute's name is a string", kind_of(other)),
            ),
            None => self.problem(
                path,
                "has no custom_attribute_name; name the custom attribute to filter on",
            ),
        }
        let comparison_path = format!("{path}.comparison");
        let comparison = match fields.get("comparison") {
            Some(Value::String(comparison)) => comparison.as_str(),
            Some(other) => {
                self.problem(
                    &comparison_path,
                    format!("is {}; a comparison is a string", kind_of(other)),
                );
                return;
            }
            None => {
                self.problem(path, "has no comparison");
                return;
            }
        };
        let value_path = format!("{path}.value");
        let value = fields.get("value");
        if EXISTENCE_COMPARISONS.contains(&comparison) {
            if value.is_some() {
                self.problem(
                    &value_path,
                    format!("is given, but `{comparison}` takes no value"),
                );
            }
            return;
        }
        let Some(value) = value else {
            self.problem(
                path,
                format!("has no value; `{comparison}` compares with one"),
            );
            return;
        };
        let wrong = |expected: &str| {
            format!(
                "is {}, but `{comparison}` compares with {expected}",
                kind_of(value)
            )
        };
        match comparison {
            "equals" | "not_equal" => {
                if !matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
                    self.problem(&value_path, wrong("a string, a number or a boolean"));
                }
            }
            "does_not_equal" => {
                let message = "`does_not_equal` is not a comparison Braze applies: write \
                               `not_equal` (an old revision of the docs lists it; Braze \
                               accepts the request and then fails the send, \
                               braze-inc/braze-docs#10064)";
                self.push(&comparison_path, message.to_owned(), value.is_boolean());
            }
            c if STRING_COMPARISONS.contains(&c) || ARRAY_COMPARISONS.contains(&c) => {
                if !value.is_string() {
                    self.problem(&value_path, wrong("a string"));
                }
            }
            c if NUMBER_COMPARISONS.contains(&c) => {
                if !value.is_number() {
                    self.problem(&value_path, wrong("a number"));
                }
            }
            c if DAYS_COMPARISONS.contains(&c) => {
                if value.as_u64().is_none() {
                    self.problem(&value_path, wrong("a whole number of days (0 or more)"));
                }
            }
            c if TIME_COMPARISONS.contains(&c) => self.date_time(&value_path, value, comparison),
            other => {
                let all = ["equals", "not_equal"]
                    .iter()
                    .chain(&STRING_COMPARISONS)
                    .chain(&NUMBER_COMPARISONS)
                    .chain(&ARRAY_COMPARISONS)
                    .chain(&DAYS_COMPARISONS)
                    .chain(&TIME_COMPARISONS)
                    .chain(&EXISTENCE_COMPARISONS)
                    .copied();
                self.problem(
                    &comparison_path,
                    format!("`{other}` is not a comparison; one of {}", quoted(all)),
                );
            }
        }
    }

    fn date_time(&mut self, path: &str, value: &Value, comparison: &str) {
        match value {
            Value::String(text) if is_iso8601_date_time(text) => {}
            Value::String(text) => self.problem(
                path,
                format!(
                    "{text:?} is not an ISO 8601 date-time such as \"2026-01-01T00:00:00Z\" \
                     (`{comparison}` compares with one)"
                ),
            ),
            other => self.problem(
                path,
                format!(
                    "is {}, but `{comparison}` compares with an ISO 8601 date-time string",
                    kind_of(other)
                ),
            ),
        }
    }

    fn subscription(&mut self, path: &str, filter: &Value) {
        let Some(fields) = self.fields(path, filter, &["comparison", "value"]) else {
            return;
        };
        self.one_of(path, fields, "comparison", &["is", "is_not"]);
        self.one_of(path, fields, "value", &SUBSCRIPTION_STATES);
    }

    fn last_used_app(&mut self, path: &str, filter: &Value) {
        let Some(fields) = self.fields(path, filter, &["comparison", "value"]) else {
            return;
        };
        let comparison = self.one_of(path, fields, "comparison", &TIME_COMPARISONS);
        match fields.get("value") {
            Some(value) => self.date_time(
                &format!("{path}.value"),
                value,
                comparison.unwrap_or("after"),
            ),
            None => self.problem(path, "has no value; give an ISO 8601 date-time"),
        }
    }

    /// The field's value if it is one of `allowed`; a problem otherwise.
    fn one_of<'v>(
        &mut self,
        path: &str,
        fields: &'v Map<String, Value>,
        field: &str,
        allowed: &[&str],
    ) -> Option<&'v str> {
        match fields.get(field) {
            Some(Value::String(text)) if allowed.contains(&text.as_str()) => Some(text),
            Some(other) => {
                let shown = match other {
                    Value::String(text) => format!("`{text}` is not allowed"),
                    other => format!("is {}", kind_of(other)),
                };
                self.problem(
                    &format!("{path}.{field}"),
                    format!("{shown}; one of {}", quoted(allowed.iter().copied())),
                );
                None
            }
            None => {
                self.problem(
                    path,
                    format!("has no {field}; one of {}", quoted(allowed.iter().copied())),
                );
                None
            }
        }
    }
}

/// A JSON value's kind with its value when short, for messages: `a string ("3")`.
fn kind_of(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) if s.chars().count() <= 40 => format!("a string ({s:?})"),
        Value::String(_) => "a string".to_owned(),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

fn quoted<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(audience: Value) -> Vec<(String, bool)> {
        check("audience", &audience, MAX_DEPTH)
            .into_iter()
            .map(|problem| (problem.path, problem.silent))
            .collect()
    }

    fn first(audience: Value) -> AudienceProblem {
        check("audience", &audience, MAX_DEPTH)
            .into_iter()
            .next()
            .expect("a problem")
    }

    fn attribute(comparison: &str, value: Value) -> Value {
        json!({"custom_attribute": {
            "custom_attribute_name": "a", "comparison": comparison, "value": value}})
    }

    #[test]
    fn the_docs_example_fits_and_parses() {
        let audience = json!({"AND": [
            {"custom_attribute": {"custom_attribute_name": "eye_color", "comparison": "equals", "value": "blue"}},
            {"custom_attribute": {"custom_attribute_name": "favorite_foods", "comparison": "includes_value", "value": "pizza"}},
            {"OR": [
                {"custom_attribute": {"custom_attribute_name": "last_purchase_time", "comparison": "less_than_x_days_ago", "value": 2}},
                {"push_subscription_status": {"comparison": "is", "value": "opted_in"}}
            ]},
            {"email_subscription_status": {"comparison": "is_not", "value": "subscribed"}},
            {"last_used_app": {"comparison": "after", "value": "2019-07-22T13:17:55+0000"}}
        ]});
        assert_eq!(paths(audience.clone()), vec![]);
        let parsed = parse("audience", &audience).expect("parses");
        assert_eq!(serde_json::to_value(parsed).unwrap(), audience);
    }

    #[test]
    fn every_comparison_family_with_its_value_type() {
        for (comparison, good, bad) in [
            ("equals", json!("gold"), json!(["gold"])),
            ("not_equal", json!(true), json!(null)),
            ("matches_regex", json!("^g"), json!(1)),
            ("does_not_match_regex", json!("^g"), json!(true)),
            ("greater_than", json!(3), json!("3")),
            ("less_than_or_equal_to", json!(2.5), json!(false)),
            ("includes_value", json!("pizza"), json!(1)),
            ("does_not_include_value", json!("pizza"), json!({})),
            ("less_than_x_days_ago", json!(7), json!(-1)),
            ("greater_than_x_days_in_the_future", json!(0), json!(1.5)),
            ("after", json!("2026-01-01T00:00:00Z"), json!("yesterday")),
            ("before", json!("2026-01-01T00:00"), json!(20260101)),
        ] {
            let ok = attribute(comparison, good);
            assert_eq!(paths(ok.clone()), vec![], "{comparison}");
            parse("audience", &ok).unwrap_or_else(|p| panic!("{comparison}: {p:?}"));
            assert_eq!(
                paths(attribute(comparison, bad)),
                vec![("audience.custom_attribute.value".to_owned(), false)],
                "{comparison}"
            );
        }
    }

    #[test]
    fn existence_takes_no_value() {
        let exists =
            json!({"custom_attribute": {"custom_attribute_name": "a", "comparison": "exists"}});
        assert_eq!(paths(exists.clone()), vec![]);
        parse("audience", &exists).expect("parses");
        assert_eq!(
            paths(attribute("does_not_exist", json!(1))),
            vec![("audience.custom_attribute.value".to_owned(), false)]
        );
        let problem = first(
            json!({"custom_attribute": {"custom_attribute_name": "a", "comparison": "equals"}}),
        );
        assert_eq!(problem.path, "audience.custom_attribute");
        assert!(
            problem.message.contains("has no value"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn boolean_does_not_equal_is_the_silent_case() {
        let problem = first(attribute("does_not_equal", json!(false)));
        assert_eq!(problem.path, "audience.custom_attribute.comparison");
        assert!(problem.silent);
        assert!(problem.message.contains("not_equal"), "{}", problem.message);
        assert_eq!(
            paths(attribute("does_not_equal", json!("x"))),
            vec![("audience.custom_attribute.comparison".to_owned(), false)]
        );
    }

    #[test]
    fn nodes_hold_exactly_one_key() {
        let problem = first(json!({"AND": [
            {"custom_attribute": {"custom_attribute_name": "a", "comparison": "exists"}},
            {"OR": [{"last_used_app": {"comparison": "after", "value": "2026-01-01T00:00:00Z"},
                     "push_subscription_status": {"comparison": "is", "value": "opted_in"}}]}
        ]}));
        assert_eq!(problem.path, "audience.AND[1].OR[0]");
        assert!(problem.message.contains("2 keys"), "{}", problem.message);
        assert_eq!(paths(json!({})), vec![("audience".to_owned(), false)]);
        assert_eq!(paths(json!([])), vec![("audience".to_owned(), false)]);
        let problem = first(json!({"and": [{"custom_attribute": {}}]}));
        assert!(problem.message.contains("`AND`"), "{}", problem.message);
        let problem = first(json!({"segment": "s"}));
        assert!(problem.message.contains("not a connected audience filter"));
    }

    #[test]
    fn empty_operators_are_refused() {
        assert_eq!(
            paths(json!({"AND": []})),
            vec![("audience.AND".to_owned(), false)]
        );
        assert_eq!(
            paths(json!({"AND": [{"OR": []}]})),
            vec![("audience.AND[0].OR".to_owned(), false)]
        );
        assert_eq!(
            paths(json!({"OR": {}})),
            vec![("audience.OR".to_owned(), false)]
        );
    }

    #[test]
    fn names_comparisons_and_unknown_fields() {
        let blank =
            json!({"custom_attribute": {"custom_attribute_name": "  ", "comparison": "exists"}});
        assert_eq!(
            paths(blank),
            vec![(
                "audience.custom_attribute.custom_attribute_name".to_owned(),
                false
            )]
        );
        let problem = first(attribute("bigger_than", json!(1)));
        assert_eq!(problem.path, "audience.custom_attribute.comparison");
        assert!(
            problem.message.contains("`greater_than`"),
            "{}",
            problem.message
        );
        let typo =
            json!({"custom_attribute": {"custom_attribute_name": "a", "comparaison": "exists"}});
        assert_eq!(
            paths(typo),
            vec![
                ("audience.custom_attribute.comparaison".to_owned(), false),
                ("audience.custom_attribute".to_owned(), false)
            ]
        );
    }

    #[test]
    fn subscription_and_last_used_app_filters() {
        for key in ["push_subscription_status", "email_subscription_status"] {
            assert_eq!(
                paths(json!({key: {"comparison": "is_not", "value": "unsubscribed"}})),
                vec![]
            );
            assert_eq!(
                paths(json!({key: {"comparison": "equals", "value": "opted-in"}})),
                vec![
                    (format!("audience.{key}.comparison"), false),
                    (format!("audience.{key}.value"), false)
                ]
            );
        }
        assert_eq!(
            paths(
                json!({"last_used_app": {"comparison": "before", "value": "2026-13-01T00:00:00Z"}})
            ),
            vec![("audience.last_used_app.value".to_owned(), false)]
        );
        assert_eq!(
            paths(json!({"last_used_app": {"comparison": "after"}})),
            vec![("audience.last_used_app".to_owned(), false)]
        );
    }

    #[test]
    fn depth_is_bounded() {
        let leaf =
            json!({"custom_attribute": {"custom_attribute_name": "a", "comparison": "exists"}});
        let nest =
            |levels: usize| (0..levels).fold(leaf.clone(), |inner, _| json!({"AND": [inner]}));
        assert_eq!(paths(nest(MAX_DEPTH)), vec![]);
        let problems = paths(nest(MAX_DEPTH + 1));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0.matches("AND").count(), MAX_DEPTH + 1);
        // Deep input is refused without walking it all.
        assert_eq!(check("audience", &nest(100), MAX_DEPTH).len(), 1);
    }

    #[test]
    fn problems_are_capped() {
        let many = json!({"OR": vec![json!({}); 100]});
        assert_eq!(check("audience", &many, MAX_DEPTH).len(), MAX_PROBLEMS);
    }

    #[test]
    fn iso8601_date_times() {
        for good in [
            "2019-07-22T13:17:55+0000",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00Z",
            "2026-01-01T00:00:00.123+02:00",
            "2026-01-01T23:59:60-05",
            "2024-02-29T12:00:00",
        ] {
            assert!(is_iso8601_date_time(good), "{good}");
        }
        for bad in [
            "2026-01-01",
            "2023-02-29T12:00:00Z",
            "2026-01-01 00:00:00Z",
            "2026-1-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00.5Z",
            "2026-01-01T00:00:00+2400",
            "2026-01-01T00:00:00+02:0",
            "2026-01-01T00:00:00.Z",
            "",
            "yesterday",
        ] {
            assert!(!is_iso8601_date_time(bad), "{bad}");
        }
    }
}
