//! Typed identifiers, used by the generated request and response types in place of the
//! spec's `CampaignId`, `CanvasId` and `ScheduleId` strings (see `xtask/src/generate.rs`).
//!
//! They are cheap to make from `&str` or `String`, so that `CampaignId::from("abc")` and
//! `"abc".into()` both work. A blank id can be built but is refused before anything is
//! sent ([`CampaignId::check`]) and when read from JSON, matching the spec's
//! `minLength: 1, pattern: '\S'`.

use std::fmt;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidId {
    /// The JSON field the identifier belongs in, e.g. `campaign_id`.
    pub field: &'static str,
}

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} must not be empty or blank", self.field)
    }
}

impl std::error::Error for InvalidId {}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The JSON field this identifier travels in.
            pub const FIELD: &'static str = $field;

            /// Wraps an identifier without checking it; [`Self::check`] does that.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as sent to Braze.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Gives back the inner string.
            pub fn into_string(self) -> String {
                self.0
            }

            /// Refuses an empty or whitespace-only identifier, naming the field.
            pub fn check(&self) -> Result<(), InvalidId> {
                if self.0.trim().is_empty() {
                    Err(InvalidId { field: $field })
                } else {
                    Ok(())
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                Self(id.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let id = Self::from(s);
                id.check()?;
                Ok(id)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let id = Self(String::deserialize(deserializer)?);
                id.check().map_err(serde::de::Error::custom)?;
                Ok(id)
            }
        }

        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "minLength": 1,
                    "pattern": "\\S",
                })
            }
        }
    };
}

id_type!(
    /// The API identifier of an API-triggered campaign (`campaign_id`).
    CampaignId,
    "campaign_id"
);
id_type!(
    /// The API identifier of an API-triggered Canvas (`canvas_id`).
    CanvasId,
    "canvas_id"
);
id_type!(
    /// The `schedule_id` a create call returned, which update and delete take.
    ScheduleId,
    "schedule_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_from_str_and_string() {
        let a: CampaignId = "abc".into();
        let b = CampaignId::from(String::from("abc"));
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "abc");
        assert_eq!(a.to_string(), "abc");
    }

    #[test]
    fn blank_ids_are_refused_with_their_field() {
        for blank in ["", " ", "\t\n"] {
            let err = ScheduleId::from(blank).check().unwrap_err();
            assert_eq!(err.field, "schedule_id");
            assert!(blank.parse::<CanvasId>().is_err());
        }
        assert!(CampaignId::from(" x ").check().is_ok());
    }

    #[test]
    fn json_round_trip_refuses_blank() {
        let id: ScheduleId = serde_json::from_str("\"s-1\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"s-1\"");
        let err = serde_json::from_str::<ScheduleId>("\"  \"").unwrap_err();
        assert!(
            err.to_string()
                .contains("schedule_id must not be empty or blank")
        );
    }
}
