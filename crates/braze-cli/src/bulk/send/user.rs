//! Who a row sends to: the identifiers of its recipient, which name the row in the
//! report, find it again on `--resume`, and tell duplicates apart.

use std::hash::BuildHasher;
use std::sync::OnceLock;

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
    /// row (8 bytes, not the identifiers). Computed in this process only and seeded at
    /// random once per process, so nothing may keep it beyond the process.
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
    /// recipient).
    pub fn key_from(identifiers: [Option<&str>; 5]) -> u64 {
        Self::key_from_bytes(identifiers.map(|identifier| identifier.map(str::as_bytes)))
    }

    /// [`key_from`](Self::key_from) of the identifiers' UTF-8 bytes (for a reader that has
    /// checked them, and not made them `str`s). Each identifier present is hashed as one
    /// word of its position and length, then its bytes eight at a time, the last word
    /// being the last eight bytes (overlapping the one before), or for fewer than eight a
    /// word of them (`short_word`): given the length, the words give back the bytes, so
    /// two different users never give one sequence of words.
    ///
    /// The duplicate check hashes every row of the input with it before the first request,
    /// so it is a few multiply-xorshift rounds per word rather than SipHash (a fifth of the
    /// instructions on 20-byte ids). Each round is a bijection of the state for a given
    /// word, so no word can make two states equal; the process's random seed keeps an
    /// input from being built to collide.
    pub fn key_from_bytes(identifiers: [Option<&[u8]>; 5]) -> u64 {
        let mut state = seed();
        for (position, identifier) in identifiers.iter().enumerate() {
            let Some(bytes) = identifier else {
                continue;
            };
            state = round(state, ((bytes.len() as u64) << 3) | position as u64);
            state = match bytes.last_chunk::<8>() {
                Some(last) => {
                    // The words before the last: those that end before the last byte.
                    let before = &bytes[..bytes.len() - 1];
                    for word in before.chunks_exact(8) {
                        let word: &[u8; 8] = word.try_into().expect("chunks of eight");
                        state = round(state, u64::from_le_bytes(*word));
                    }
                    round(state, u64::from_le_bytes(*last))
                }
                None => round(state, short_word(bytes)),
            };
        }
        finish(state)
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

/// The state [`User::key_from`] starts from: random, once per process.
fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| std::hash::RandomState::new().hash_one(0x5eed_u64))
}

/// The word of fewer than eight bytes, in which they can be told apart given their
/// number: four from each end (overlapping), or the first, middle and last.
fn short_word(bytes: &[u8]) -> u64 {
    let length = bytes.len();
    if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        u64::from(u32::from_le_bytes(*first)) | (u64::from(u32::from_le_bytes(*last)) << 32)
    } else if length > 0 {
        let byte = |at: usize| u64::from(bytes[at]);
        byte(0) | (byte(length / 2) << 8) | (byte(length - 1) << 16)
    } else {
        0
    }
}

/// One round of [`User::key_from`]: `word` xored into the state, then an odd multiply and
/// an xorshift, twice (each step a bijection).
fn round(state: u64, word: u64) -> u64 {
    let mut x = (state ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 32;
    x = x.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    x ^ (x >> 29)
}

/// The last mixing of [`User::key_from`] (MurmurHash3's 64-bit finalizer), so that every
/// bit of the key depends on every bit of the state: the duplicate check's filter takes
/// its positions from different bits of the key.
fn finish(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ (x >> 33)
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

    #[test]
    fn padding_and_lengths_do_not_collide() {
        // Texts that differ only in trailing NULs (which pad the last word) or in where one
        // identifier ends and the next begins, across word boundaries.
        let mut seen = std::collections::HashMap::new();
        for length in 0..=17 {
            let text = "\0".repeat(length);
            for position in 0..5 {
                let mut identifiers = [None; 5];
                identifiers[position] = Some(text.as_str());
                let key = User::key_from(identifiers);
                let earlier = seen.insert(key, (length, position));
                assert_eq!(earlier, None, "{length} NULs at {position}");
            }
        }
        let split = |at: usize| {
            let text = "abcdefghijklmnopq";
            User::key_from([None, Some(&text[..at]), Some(&text[at..]), None, None])
        };
        let keys: std::collections::HashSet<u64> = (0..=17).map(split).collect();
        assert_eq!(keys.len(), 18);
    }

    #[test]
    fn every_length_is_read_whole() {
        // One byte changed anywhere, in texts of every length up to three words, changes
        // the key: no byte is left out of the words.
        for length in 1..=24 {
            let text = "a".repeat(length);
            let key = User::key_from([None, None, None, Some(&text), None]);
            for at in 0..length {
                let mut changed = text.clone().into_bytes();
                changed[at] = b'b';
                let changed = User::key_from_bytes([None, None, None, Some(&changed), None]);
                assert_ne!(key, changed, "length {length}, byte {at}");
            }
        }
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
            let bytes = [
                a.external_user_id.as_deref(),
                a.user_alias.as_ref().map(|alias| alias.alias_name.as_str()),
                a.user_alias.as_ref().map(|alias| alias.alias_label.as_str()),
                a.email.as_deref(),
                a.braze_id.as_deref(),
            ]
            .map(|text| text.map(str::as_bytes));
            prop_assert_eq!(User::key_from_bytes(bytes), a.key());
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
