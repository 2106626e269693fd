//! What can end a command early, and the exit code each case maps to.
//!
//! The codes are part of the interface (scripts branch on them) and are listed in
//! `--help` and the crate README: 0 success, 1 Braze refused or rows failed, 2 usage or
//! input error, 130 interrupted.

use std::fmt;

/// Everything went through.
pub const EXIT_SUCCESS: u8 = 0;
/// Braze refused the request or it failed; in a bulk run, some rows failed or were invalid.
pub const EXIT_REFUSED: u8 = 1;
/// Bad flags, unreadable or invalid input, a request the SDK refuses, bad configuration.
pub const EXIT_USAGE: u8 = 2;
/// A bulk run was interrupted by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// A command that could not do its job.
#[derive(Debug)]
pub enum CliError {
    /// The command line is wrong or incomplete (no key, no endpoint, conflicting inputs).
    Usage(String),
    /// An input could not be read or understood (a file, a JSON argument, a report).
    Input(String),
    /// The SDK's error: a refused request, a failed call, a bad configuration.
    Sdk(braze_sdk::Error),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Input(_) => EXIT_USAGE,
            Self::Sdk(braze_sdk::Error::InvalidRequest { .. } | braze_sdk::Error::Config(_)) => {
                EXIT_USAGE
            }
            Self::Sdk(_) => EXIT_REFUSED,
        }
    }

    /// A short machine-readable name for `--output json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Usage(_) => "usage",
            Self::Input(_) => "input",
            Self::Sdk(error) => error.kind(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message) | Self::Input(message) => f.write_str(message),
            Self::Sdk(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for CliError {}

impl From<braze_sdk::Error> for CliError {
    fn from(error: braze_sdk::Error) -> Self {
        Self::Sdk(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_documented_table() {
        assert_eq!(CliError::Usage("x".into()).exit_code(), EXIT_USAGE);
        assert_eq!(CliError::Input("x".into()).exit_code(), EXIT_USAGE);
        let config = braze_sdk::Client::builder().build().unwrap_err();
        assert_eq!(CliError::Sdk(config).exit_code(), EXIT_USAGE);
    }
}
