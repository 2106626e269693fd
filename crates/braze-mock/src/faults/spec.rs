//! The compact text form of a fault rule, read by the binary's `--fault` option:
//!
//! ```text
//! KIND[+KIND...][:TRIGGER][@PATH]
//!
//! KIND     503 (any status 200-599, JSON body) | html | html502 (HTML page, default 502)
//!          | delay=3s (also 250ms, 1.5s, 2m) | close | reset | truncated | malformed
//!          | hang=3s (processed, then the answer held that long and dropped)
//! TRIGGER  next=N (the next N requests) | p=0.05 (each request with that probability)
//!          | always (the default)
//! PATH     /campaigns/trigger/schedule/delete (only requests for that path)
//! ```
//!
//! Several kinds joined by `+` make a mix: when the rule fires, one of them is drawn.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::{Fault, FaultRule, Trigger};

/// A `--fault` spec that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpecError {
    spec: String,
    reason: String,
}

impl FaultSpecError {
    fn new(spec: &str, reason: impl Into<String>) -> Self {
        Self {
            spec: spec.to_owned(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for FaultSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid fault `{}`: {}. Expected KIND[+KIND...][:next=N|:p=P][@/path], where KIND is \
             a status such as 503, html502, delay=3s, close, reset, truncated, malformed or \
             hang=3s \
             (e.g. `503:next=5`, `reset:p=0.01@/campaigns/trigger/schedule/delete`)",
            self.spec, self.reason
        )
    }
}

impl std::error::Error for FaultSpecError {}

impl FromStr for FaultRule {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let error = |reason: String| FaultSpecError::new(spec, reason);
        let (head, path) = match spec.trim().split_once('@') {
            Some((head, path)) if path.starts_with('/') => (head, Some(path.to_owned())),
            Some((_, path)) => return Err(error(format!("the path `{path}` must start with /"))),
            None => (spec.trim(), None),
        };
        let (kinds, trigger) = match head.split_once(':') {
            Some((kinds, trigger)) => (kinds, parse_trigger(trigger).map_err(error)?),
            None => (head, Trigger::Always),
        };
        let faults = kinds
            .split('+')
            .map(parse_fault)
            .collect::<Result<Vec<_>, _>>()
            .map_err(error)?;
        Ok(FaultRule {
            faults,
            trigger,
            path,
        })
    }
}

fn parse_trigger(trigger: &str) -> Result<Trigger, String> {
    match trigger.split_once('=') {
        None if trigger == "always" => Ok(Trigger::Always),
        Some(("next", n)) => match n.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Trigger::Next(n)),
            _ => Err(format!("next={n} is not a count of one or more requests")),
        },
        Some(("p", p)) => match p.parse::<f64>() {
            Ok(p) if (0.0..=1.0).contains(&p) => Ok(Trigger::Probability(p)),
            _ => Err(format!("p={p} is not a probability between 0 and 1")),
        },
        _ => Err(format!(
            "unknown trigger `{trigger}` (use next=N, p=P or always)"
        )),
    }
}

fn parse_fault(kind: &str) -> Result<Fault, String> {
    let kind = kind.trim();
    if let Some(duration) = kind.strip_prefix("delay=") {
        return parse_duration(duration).map(Fault::Delay);
    }
    if let Some(duration) = kind.strip_prefix("hang=") {
        return parse_duration(duration).map(Fault::Hang);
    }
    if let Some(status) = kind.strip_prefix("html") {
        if status.is_empty() {
            return Ok(Fault::Html(502));
        }
        return parse_status(status).map(Fault::Html);
    }
    match kind {
        "close" => Ok(Fault::Close),
        "reset" => Ok(Fault::Reset),
        "truncated" => Ok(Fault::Truncated),
        "malformed" => Ok(Fault::Malformed),
        "delay" => Err("delay needs a duration, e.g. delay=3s".to_owned()),
        "hang" => Err("hang needs a duration, e.g. hang=3s".to_owned()),
        "" => Err("a fault kind is missing".to_owned()),
        _ if kind.bytes().all(|b| b.is_ascii_digit()) => parse_status(kind).map(Fault::Status),
        _ => Err(format!("unknown fault kind `{kind}`")),
    }
}

fn parse_status(status: &str) -> Result<u16, String> {
    match status.parse::<u16>() {
        Ok(code) if (200..=599).contains(&code) => Ok(code),
        _ => Err(format!(
            "`{status}` is not an HTTP status between 200 and 599"
        )),
    }
}

/// Reads `250ms`, `3s`, `1.5s` or `2m`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("`{text}` is not a duration such as 250ms, 3s or 2m");
    let (number, unit_secs) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        return Err(invalid());
    };
    let value: f64 = number.parse().map_err(|_| invalid())?;
    Duration::try_from_secs_f64(value * unit_secs).map_err(|_| invalid())
}

fn format_duration(duration: Duration, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        write!(f, "{}s", millis / 1000)
    } else {
        write!(f, "{millis}ms")
    }
}

impl fmt::Display for Fault {
    /// The fault in `--fault` syntax, e.g. `503`, `html502` or `delay=3s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Status(code) => write!(f, "{code}"),
            Fault::Html(code) => write!(f, "html{code}"),
            Fault::Delay(duration) => {
                f.write_str("delay=")?;
                format_duration(*duration, f)
            }
            Fault::Close => f.write_str("close"),
            Fault::Reset => f.write_str("reset"),
            Fault::Truncated => f.write_str("truncated"),
            Fault::Malformed => f.write_str("malformed"),
            Fault::Hang(duration) => {
                f.write_str("hang=")?;
                format_duration(*duration, f)
            }
        }
    }
}

impl fmt::Display for FaultRule {
    /// The rule in `--fault` syntax, which [`FromStr`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, fault) in self.faults.iter().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            write!(f, "{fault}")?;
        }
        match self.trigger {
            Trigger::Always => {}
            Trigger::Next(n) => write!(f, ":next={n}")?,
            Trigger::Probability(p) => write!(f, ":p={p}")?,
        }
        if let Some(path) = &self.path {
            write!(f, "@{path}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(spec: &str) -> FaultRule {
        spec.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn reads_every_kind_and_trigger() {
        assert_eq!(rule("503"), FaultRule::new(Fault::Status(503)));
        assert_eq!(
            rule("503:next=5"),
            FaultRule::new(Fault::Status(503)).next(5)
        );
        assert_eq!(
            rule("html502:p=0.05"),
            FaultRule::new(Fault::Html(502)).probability(0.05)
        );
        assert_eq!(rule("html").faults(), [Fault::Html(502)]);
        assert_eq!(
            rule("delay=3s:p=0.1").faults(),
            [Fault::Delay(Duration::from_secs(3))]
        );
        assert_eq!(
            rule("delay=250ms").faults(),
            [Fault::Delay(Duration::from_millis(250))]
        );
        assert_eq!(
            rule("delay=1.5s").faults(),
            [Fault::Delay(Duration::from_millis(1500))]
        );
        assert_eq!(rule("close:next=1").trigger(), Trigger::Next(1));
        assert_eq!(rule("reset:always").trigger(), Trigger::Always);
        assert_eq!(rule("truncated:p=0.02").faults(), [Fault::Truncated]);
        assert_eq!(rule("malformed:next=2").faults(), [Fault::Malformed]);
        assert_eq!(
            rule("hang=400ms:p=0.1").faults(),
            [Fault::Hang(Duration::from_millis(400))]
        );
        assert_eq!(
            rule("hang=3s").faults(),
            [Fault::Hang(Duration::from_secs(3))]
        );
        let narrowed = rule("reset:p=0.01@/campaigns/trigger/schedule/delete");
        assert_eq!(narrowed.path(), Some("/campaigns/trigger/schedule/delete"));
        assert_eq!(
            rule("503+reset:p=0.1").faults(),
            [Fault::Status(503), Fault::Reset]
        );
    }

    #[test]
    fn writes_what_it_reads() {
        for spec in [
            "503",
            "429:next=3",
            "html504:p=0.25",
            "delay=3s",
            "delay=250ms:next=1",
            "close@/canvas/trigger/schedule/delete",
            "503+html502+reset+delay=2s+truncated+malformed:p=0.05",
            "hang=3s",
            "hang=400ms:next=2@/messages/send",
            "truncated+malformed+hang=250ms:p=0.2",
        ] {
            assert_eq!(rule(spec).to_string(), spec);
        }
    }

    #[test]
    fn explains_what_is_wrong() {
        for (spec, reason) in [
            ("teapot", "unknown fault kind `teapot`"),
            ("42", "`42` is not an HTTP status"),
            ("html700", "`700` is not an HTTP status"),
            ("503:p=2", "p=2 is not a probability"),
            ("503:next=0", "next=0 is not a count"),
            ("503:sometimes", "unknown trigger `sometimes`"),
            ("delay", "delay needs a duration"),
            ("delay=3", "`3` is not a duration"),
            ("hang", "hang needs a duration"),
            ("hang=soon", "`soon` is not a duration"),
            ("503@campaigns", "must start with /"),
            ("503+", "a fault kind is missing"),
        ] {
            let message = spec.parse::<FaultRule>().unwrap_err().to_string();
            assert!(message.contains(reason), "{spec}: {message}");
            assert!(message.contains("Expected KIND"), "{message}");
        }
    }
}
