//! How results, errors and dry-run previews are printed, in text (for people: results on
//! stdout, errors on stderr prefixed `error:`) or JSON (for scripts: one document on
//! stdout, errors included, so that a script reads one stream and the exit code).

use std::io::Write;
use std::time::SystemTime;

use braze_sdk::api::rate_limit::{utc_text, wait_text};
use braze_sdk::{RateLimit, RequestPreview};
use serde_json::{Map, Value, json};

use crate::cli::OutputFormat;
use crate::error::CliError;

/// A successful answer, ready to print.
pub struct Success {
    /// The operation, e.g. `delete_campaign_schedule`.
    pub operation: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// Attempts it took.
    pub attempts: u32,
    /// The rate-limit figures of the answer.
    pub rate_limit: Option<RateLimit>,
    /// Braze's body, as sent.
    pub body: Value,
    /// What a person reads (text mode), without the rate-limit line.
    pub text: String,
    /// Something that went wrong without undoing the success (stderr in text mode).
    pub warning: Option<String>,
}

/// The printer for the chosen `--output`.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    format: OutputFormat,
}

impl Output {
    /// A printer for this format.
    pub fn new(format: OutputFormat) -> Self {
        Self { format }
    }

    /// Whether JSON goes to stdout.
    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Prints a successful answer.
    pub fn success(&self, success: &Success) {
        match self.format {
            OutputFormat::Json => print_json(&json!({
                "ok": true,
                "operation": success.operation,
                "status": success.status,
                "attempts": success.attempts,
                "rate_limit": success.rate_limit.map(|r| rate_limit_json(&r)),
                "body": success.body,
                "warning": success.warning,
            })),
            OutputFormat::Text => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{}", success.text);
                if success.attempts > 1 {
                    let _ = writeln!(out, "attempts: {}", success.attempts);
                }
                if let Some(rate_limit) = &success.rate_limit {
                    let _ = writeln!(out, "{}", rate_limit_text(rate_limit));
                }
                if let Some(warning) = &success.warning {
                    eprintln!("warning: {warning}");
                }
            }
        }
    }

    /// Prints an error: on stderr prefixed `error:` in text mode, as a JSON document on
    /// stdout in JSON mode.
    pub fn error(&self, error: &CliError) {
        match self.format {
            OutputFormat::Json => print_json(&json!({ "ok": false, "error": error_json(error) })),
            OutputFormat::Text => eprintln!("error: {error}"),
        }
    }

    /// Prints what a dry run would send.
    pub fn preview(&self, preview: &RequestPreview) {
        match self.format {
            OutputFormat::Json => print_json(&json!({
                "ok": true,
                "dry_run": true,
                "request": preview_json(preview),
            })),
            OutputFormat::Text => {
                print!("{}", preview_text(preview));
                eprintln!("(dry run: nothing was sent)");
            }
        }
    }
}

/// One JSON document on stdout.
pub fn print_json(value: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer(&mut out, value);
    let _ = writeln!(out);
}

/// A request preview as JSON: headers as an object, in the order sent.
pub fn preview_json(preview: &RequestPreview) -> Value {
    let headers: Map<String, Value> = preview
        .headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), Value::String(value.clone())))
        .collect();
    json!({
        "operation": preview.operation,
        "method": preview.method,
        "url": preview.url,
        "headers": headers,
        "body": preview.body,
    })
}

/// A request preview as an HTTP-like text block.
pub fn preview_text(preview: &RequestPreview) -> String {
    let mut text = format!("{} {}\n", preview.method, preview.url);
    for (name, value) in &preview.headers {
        text.push_str(&format!("{name}: {value}\n"));
    }
    if let Some(body) = &preview.body {
        text.push('\n');
        text.push_str(&serde_json::to_string_pretty(body).unwrap_or_default());
        text.push('\n');
    }
    text
}

/// An error as JSON: its kind, the full message (with the hint), and what the SDK knows.
pub fn error_json(error: &CliError) -> Value {
    let mut object = json!({
        "kind": error.kind(),
        "message": error.to_string(),
        "exit_code": error.exit_code(),
    });
    if let CliError::Sdk(sdk) = error {
        let fields = object.as_object_mut().expect("an object");
        fields.insert("kind".into(), sdk.kind().into());
        fields.insert("status".into(), sdk.status().map(|s| s.as_u16()).into());
        fields.insert("braze_message".into(), sdk.braze_message().into());
        fields.insert("errors".into(), Value::Array(sdk.braze_errors().to_vec()));
        fields.insert("hint".into(), sdk.hint().into());
        fields.insert("attempts".into(), sdk.attempts().into());
        fields.insert("delivery".into(), sdk.delivery().as_str().into());
        fields.insert(
            "rate_limit".into(),
            sdk.rate_limit().map(|r| rate_limit_json(&r)).into(),
        );
    }
    object
}

/// Rate-limit figures as JSON, with the reset also as a readable UTC time.
pub fn rate_limit_json(rate_limit: &RateLimit) -> Value {
    json!({
        "limit": rate_limit.limit,
        "remaining": rate_limit.remaining,
        "reset": rate_limit.reset,
        "reset_at": rate_limit.reset_utc(),
    })
}

/// Rate-limit figures as one line of text.
pub fn rate_limit_text(rate_limit: &RateLimit) -> String {
    let mut text = String::from("rate limit: ");
    match (rate_limit.remaining, rate_limit.limit) {
        (Some(remaining), Some(limit)) => {
            text.push_str(&format!("{} of {} left", count(remaining), count(limit)))
        }
        (Some(remaining), None) => text.push_str(&format!("{} left", count(remaining))),
        (None, Some(limit)) => text.push_str(&format!("{} per window", count(limit))),
        (None, None) => text.push_str("no figures"),
    }
    if let (Some(reset), Some(wait)) = (rate_limit.reset, rate_limit.reset_in(SystemTime::now())) {
        text.push_str(&format!(
            "; window resets at {} ({})",
            utc_text(reset),
            wait_text(wait)
        ));
    }
    text
}

/// A count with thousands separators: `250,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(250_000), "250,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn rate_limits_read_well() {
        let text = rate_limit_text(&RateLimit {
            limit: Some(250_000),
            remaining: Some(249_998),
            reset: Some(1_592_427_600),
        });
        assert!(
            text.starts_with(
                "rate limit: 249,998 of 250,000 left; window resets at 2020-06-17T21:00:00Z"
            ),
            "{text}"
        );
        assert_eq!(
            rate_limit_json(&RateLimit::default())["reset_at"],
            Value::Null
        );
    }

    #[test]
    fn usage_errors_are_json_too() {
        let value = error_json(&CliError::Usage("no key".into()));
        assert_eq!(value["kind"], "usage");
        assert_eq!(value["exit_code"], 2);
        assert_eq!(value["message"], "no key");
    }
}
