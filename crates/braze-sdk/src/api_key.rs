//! The REST API key, held as a secret.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::Error;

/// A Braze REST API key, as [`ClientBuilder::api_key`](crate::ClientBuilder::api_key)
/// takes and checks it. It is zeroed from memory when dropped, never printed by `Debug`,
/// and sent only in the `Authorization` header (marked sensitive).
#[derive(Clone)]
pub(crate) struct ApiKey(SecretString);

impl ApiKey {
    /// Checks and wraps a key.
    pub(crate) fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key: String = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            return Err(Error::config("the API key is empty"));
        }
        if trimmed.len() >= 2
            && ["\"", "'"]
                .iter()
                .any(|q| trimmed.starts_with(q) && trimmed.ends_with(q))
        {
            return Err(Error::config(
                "the API key is wrapped in quotes; remove them (Braze answers 401 to a quoted key)",
            ));
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::config(
                "the API key contains whitespace or control characters",
            ));
        }
        Ok(Self(SecretString::from(trimmed)))
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_trimmed_and_never_printed() {
        let key = ApiKey::new("  secret-key-123\n").unwrap();
        assert_eq!(key.expose(), "secret-key-123");
        assert_eq!(format!("{key:?}"), "ApiKey([redacted])");
    }

    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        for bad in [
            "",
            "   ",
            "\"secret-1\"",
            "'secret-1'",
            "sec ret-1",
            "secret\u{7}1",
        ] {
            let err = ApiKey::new(bad).unwrap_err().to_string();
            assert!(!err.contains("secret"), "{err}");
        }
    }
}
