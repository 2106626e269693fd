//! The transcript: one JSON line per request, with its answer, that a maintainer can
//! attach to an issue or keep as a fixture. The API key never reaches it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::session::{Answer, Auth, Call, Side};

/// Where the lines go. Each line is written and flushed as its answer arrives, so a run
/// that is killed leaves what it did.
pub struct Transcript {
    out: Mutex<Option<BufWriter<File>>>,
    /// Texts that must never be written (the API key): replaced by `[redacted]`.
    secrets: Vec<String>,
}

impl Transcript {
    /// A transcript written to `path` (created, or emptied). `secrets` are scrubbed from
    /// every line, whatever carried them.
    pub fn create(path: &Path, secrets: Vec<String>) -> std::io::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let file = File::create(path)?;
        Ok(Self {
            out: Mutex::new(Some(BufWriter::new(file))),
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
        })
    }

    /// A transcript that keeps nothing.
    pub fn discard() -> Self {
        Self {
            out: Mutex::new(None),
            secrets: Vec::new(),
        }
    }

    /// The line of one request and its answer.
    pub fn line(side: Side, experiment: &str, call: &Call, answer: &Answer) -> Value {
        let mut headers = serde_json::Map::new();
        match call.auth {
            Auth::Key => {
                headers.insert("authorization".into(), json!("Bearer [redacted]"));
            }
            Auth::None => {}
            Auth::Header(value) => {
                headers.insert("authorization".into(), json!(value));
            }
        }
        if call.body.is_some()
            && let Some(content_type) = call.content_type
        {
            headers.insert("content-type".into(), json!(content_type));
        }
        let body = match (&call.body, call.padding) {
            (Some(Value::Object(map)), padding) if padding > 0 => {
                let mut map = map.clone();
                map.insert(
                    "padding".into(),
                    json!(format!(
                        "<{padding} bytes of 'x', left out of the transcript>"
                    )),
                );
                Value::Object(map)
            }
            (body, _) => body.clone().unwrap_or(Value::Null),
        };
        json!({
            "side": side.name(),
            "experiment": experiment,
            "label": call.label,
            "request": {
                "method": call.method.as_str(),
                "path": call.path,
                "headers": headers,
                "body": body,
            },
            "status": answer.status,
            "headers": answer.headers,
            "body": answer.body,
        })
    }

    /// Writes the line of one request and its answer.
    pub fn write(&self, side: Side, experiment: &str, call: &Call, answer: &Answer) {
        let mut out = self.out.lock().expect("transcript lock");
        let Some(out) = out.as_mut() else {
            return;
        };
        let mut text = Self::line(side, experiment, call, answer).to_string();
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "[redacted]");
            }
        }
        // A transcript that cannot be written must not stop the cleanup: the error is
        // reported once, at the end, by the missing lines.
        let _ = writeln!(out, "{text}").and_then(|()| out.flush());
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    #[test]
    fn the_key_is_redacted_wherever_it_appears() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let transcript = Transcript::create(&path, vec!["sekrit-key-1".into()]).unwrap();
        let call = Call::post(
            "a create",
            "create_campaign_schedule",
            json!({"campaign_id": "c"}),
        );
        let answer = Answer {
            status: 401,
            headers: BTreeMap::from([("x-echo".to_owned(), "Bearer sekrit-key-1".to_owned())]),
            body: json!({"message": "bad key sekrit-key-1"}),
        };
        transcript.write(Side::Braze, "gateway", &call, &answer);
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(!written.contains("sekrit-key-1"), "{written}");
        let line: serde_json::Value = serde_json::from_str(written.trim()).unwrap();
        assert_eq!(
            line["request"]["headers"]["authorization"],
            "Bearer [redacted]"
        );
        assert_eq!(line["body"]["message"], "bad key [redacted]");
        assert_eq!(line["status"], 401);
        assert_eq!(line["experiment"], "gateway");
    }
}
