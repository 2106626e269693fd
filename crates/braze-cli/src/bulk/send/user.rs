//! Who a row sends to: the identifiers of its recipient, which name the row in the
//! report, find it again on `--resume`, and tell duplicates apart.

use std::hash::{DefaultHasher, Hasher};

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

    /// Appends its JSON, as `serde_json` writes it (a report writes one per row, so the
    /// field names are not escaped anew each time).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut open = true;
        let mut name = |out: &mut Vec<u8>, name: &[u8]| {
            out.push(if std::mem::take(&mut open) {
                b'{'
            } else {
                b','
            });
            out.extend_from_slice(name);
        };
        let text = |out: &mut Vec<u8>, value: &str| {
            // Most identifiers need no escape: copied as they are.
            let plain = value.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
            if plain {
                out.push(b'"');
                out.extend_from_slice(value.as_bytes());
                out.push(b'"');
            } else {
                // Writing JSON into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut *out, value);
            }
        };
        if let Some(id) = &self.external_user_id {
            name(out, br#""external_user_id":"#);
            text(out, id);
        }
        if let Some(alias) = &self.user_alias {
            name(out, br#""user_alias":{"alias_name":"#);
            text(out, &alias.alias_name);
            out.extend_from_slice(br#","alias_label":"#);
            text(out, &alias.alias_label);
            out.push(b'}');
        }
        if let Some(email) = &self.email {
            name(out, br#""email":"#);
            text(out, email);
        }
        if let Some(id) = &self.braze_id {
            name(out, br#""braze_id":"#);
            text(out, id);
        }
        if open {
            out.push(b'{');
        }
        out.push(b'}');
    }

    /// Whether it names nobody.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// A 64-bit hash of the identifiers: what resuming and the duplicate check keep per
    /// row (8 bytes, not the identifiers). Computed in this process only, so its
    /// stability across Rust versions does not matter.
    pub fn key(&self) -> u64 {
        Self::key_from([
            self.external_user_id.as_deref(),
            self.user_alias.as_ref().map(|a| a.alias_name.as_str()),
            self.user_alias.as_ref().map(|a| a.alias_label.as_str()),
            self.email.as_deref(),
            self.braze_id.as_deref(),
        ])
    }

    /// The [`key`](Self::key) of the identifiers `external_user_id`, the alias's name and
    /// label, `email` and `braze_id`, in that order (for a reader that has them without a
    /// recipient). Each one present is hashed as its position, its bytes and `0xff` (a
    /// byte UTF-8 text never holds), so that no two different users hash one input.
    pub fn key_from(identifiers: [Option<&str>; 5]) -> u64 {
        let mut hasher = DefaultHasher::new();
        for (position, identifier) in (0u8..).zip(identifiers) {
            if let Some(text) = identifier {
                hasher.write_u8(position);
                hasher.write(text.as_bytes());
                hasher.write_u8(0xff);
            }
        }
        hasher.finish()
    }

    /// The [`key`](Self::key) of the user of a wire recipient, without copying its
    /// identifiers (the duplicate check reads every row for it).
    pub fn key_of(recipient: &wire::Recipient) -> u64 {
        Self::key_from([
            recipient.external_user_id.as_deref(),
            recipient.user_alias.as_ref().map(|a| a.alias_name.as_str()),
            recipient
                .user_alias
                .as_ref()
                .map(|a| a.alias_label.as_str()),
            recipient.email.as_deref(),
            recipient.braze_id.as_deref(),
        ])
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
pub(crate) mod tests {
    use proptest::prelude::*;

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
        let alias = |name: &str, label: &str| User {
            user_alias: Some(Alias {
                alias_name: name.into(),
                alias_label: label.into(),
            }),
            ..User::default()
        };
        assert_ne!(alias("ab", "c").key(), alias("a", "bc").key());
        assert_eq!(by_id.to_string(), "external_user_id u1");
        let json = serde_json::to_string(&by_id).unwrap();
        assert_eq!(json, r#"{"external_user_id":"u1"}"#);
        assert_eq!(serde_json::from_str::<User>(&json).unwrap(), by_id);
        assert!(User::default().is_empty());
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9@.-]{0,12}",
            "\\PC{0,6}",
            Just("a\"b\\c\n\u{1}".to_owned())
        ]
    }

    pub(crate) fn user() -> impl Strategy<Value = User> {
        (
            proptest::option::of(text()),
            proptest::option::of((text(), text())),
            proptest::option::of(text()),
            proptest::option::of(text()),
        )
            .prop_map(|(external_user_id, alias, email, braze_id)| User {
                external_user_id,
                user_alias: alias.map(|(alias_name, alias_label)| Alias {
                    alias_name,
                    alias_label,
                }),
                email,
                braze_id,
            })
    }

    fn recipient_of(user: &User) -> wire::Recipient {
        let mut recipient: wire::Recipient = serde_json::from_str("{}").unwrap();
        recipient.external_user_id = user.external_user_id.clone();
        recipient.user_alias = user.user_alias.as_ref().map(|alias| wire::UserAlias {
            alias_name: alias.alias_name.clone(),
            alias_label: alias.alias_label.clone(),
        });
        recipient.email = user.email.clone();
        recipient.braze_id = user.braze_id.clone();
        recipient
    }

    proptest! {
        /// A recipient's key is its user's, and two users share a key only when equal.
        #[test]
        fn keys_are_the_user_s_and_tell_users_apart(a in user(), b in user()) {
            let recipient = recipient_of(&a);
            prop_assert_eq!(&User::of(&recipient), &a);
            prop_assert_eq!(User::key_of(&recipient), a.key());
            prop_assert_eq!(a.key() == b.key(), a == b);
        }

        #[test]
        fn the_written_json_is_serde_s(user in user()) {
            let mut written = Vec::new();
            user.write_json(&mut written);
            prop_assert_eq!(
                String::from_utf8(written).unwrap(),
                serde_json::to_string(&user).unwrap()
            );
        }
    }
}
