//! Who a row sends to: the identifiers of its recipient, which name the row in the
//! report, find it again on `--resume`, and tell duplicates apart.

use std::hash::{DefaultHasher, Hash, Hasher};

use braze_sdk::wire;
use serde::{Deserialize, Serialize};

/// The identifiers a recipient names (the rulebook wants exactly one; a row with none or
/// several is invalid, but is still reported with what it had).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct User {
    /// `external_user_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_user_id: Option<String>,
    /// `user_alias`: `alias_name` and `alias_label`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_alias: Option<Alias>,
    /// `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `braze_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub braze_id: Option<String>,
}

/// A user alias.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Alias {
    /// `alias_name`.
    pub alias_name: String,
    /// `alias_label`.
    pub alias_label: String,
}

impl User {
    /// The identifiers of a wire recipient.
    pub fn of(recipient: &wire::Recipient) -> Self {
        Self {
            external_user_id: recipient.external_user_id.clone(),
            user_alias: recipient.user_alias.as_ref().map(|alias| Alias {
                alias_name: alias.alias_name.clone(),
                alias_label: alias.alias_label.clone(),
            }),
            email: recipient.email.clone(),
            braze_id: recipient.braze_id.clone(),
        }
    }

    /// Whether it names nobody.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// A 64-bit hash of the identifiers: what resuming and the duplicate check keep per
    /// row (8 bytes, not the identifiers). Computed in this process only, so its
    /// stability across Rust versions does not matter.
    pub fn key(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.hash(&mut hasher);
        hasher.finish()
    }
}

/// `external_user_id user-42`, `user_alias name/label`, `email a@b.c`: for messages.
impl std::fmt::Display for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(id) = &self.external_user_id {
            parts.push(format!("external_user_id {id}"));
        }
        if let Some(alias) = &self.user_alias {
            parts.push(format!(
                "user_alias {}/{}",
                alias.alias_name, alias.alias_label
            ));
        }
        if let Some(email) = &self.email {
            parts.push(format!("email {email}"));
        }
        if let Some(id) = &self.braze_id {
            parts.push(format!("braze_id {id}"));
        }
        if parts.is_empty() {
            f.write_str("no user")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_identifiers_apart() {
        let by_id = User {
            external_user_id: Some("u1".into()),
            ..User::default()
        };
        let by_email = User {
            email: Some("u1".into()),
            ..User::default()
        };
        assert_ne!(by_id.key(), by_email.key());
        assert_eq!(by_id.key(), by_id.clone().key());
        assert_eq!(by_id.to_string(), "external_user_id u1");
        let json = serde_json::to_string(&by_id).unwrap();
        assert_eq!(json, r#"{"external_user_id":"u1"}"#);
        assert_eq!(serde_json::from_str::<User>(&json).unwrap(), by_id);
        assert!(User::default().is_empty());
    }
}
