//! The requests the experiments share: a create noted in the ledger first, the delete
//! that closes it, and the placeholders that make both sides' answers comparable.

use serde_json::{Value, json};

use crate::ledger::Kind;
use crate::session::{Answer, Call, Session};

/// A schedule created by a probe, to delete.
pub(super) struct Created {
    pub(super) kind: Kind,
    pub(super) owner_id: String,
    pub(super) schedule_id: String,
    pub(super) dispatch_id: Option<String>,
    pub(super) seq: Option<u64>,
    pub(super) time: String,
}

impl Session {
    /// Sends a create, noted in the ledger first (on the endpoint under test); gives the
    /// answer and, if it created a schedule, what to delete.
    pub(super) async fn create(
        &self,
        kind: Kind,
        label: &str,
        owner_id: &str,
        time: &str,
        body: Value,
    ) -> (Answer, Option<Created>) {
        let operation = match kind {
            Kind::Campaign => "create_campaign_schedule",
            Kind::Canvas => "create_canvas_schedule",
            Kind::Message => "create_message_schedule",
        };
        let mut seq = None;
        if let Some(ledger) = &self.ledger
            && !self.stopped()
        {
            match ledger.creating(kind, owner_id, time) {
                Ok(n) => seq = Some(n),
                // No ledger line, no create: a schedule the probe could not find again
                // is what the ledger exists to prevent.
                Err(e) => {
                    eprintln!("error: cannot write the ledger, the create is not sent: {e}");
                    self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
        }
        let answer = self.call(Call::post(label, operation, body)).await;
        let schedule_id = answer
            .ok()
            .then(|| answer.field("schedule_id").map(str::to_owned))
            .flatten();
        if let (Some(ledger), Some(n)) = (&self.ledger, seq) {
            let entry = ledger.entry(n, kind, owner_id, time);
            let noted = match (&schedule_id, answer.status) {
                (Some(id), status) => ledger.follow(&entry, "created", Some(id), Some(status)),
                // No answer: whether it was created is unknown; the entry stays open.
                (None, 0) => Ok(()),
                (None, status) => ledger.follow(&entry, "refused", None, Some(status)),
            };
            if let Err(e) = noted {
                eprintln!("warning: cannot write the ledger: {e}");
            }
        }
        let created = schedule_id.map(|schedule_id| Created {
            kind,
            owner_id: owner_id.to_owned(),
            schedule_id,
            dispatch_id: answer.field("dispatch_id").map(str::to_owned),
            seq,
            time: time.to_owned(),
        });
        (answer, created)
    }

    /// Deletes a created schedule through its own endpoint and closes its ledger entry
    /// when the answer says it is gone.
    pub(super) async fn delete_created(&self, label: &str, created: &Created) -> Answer {
        let answer = self
            .call(Call::post(
                label,
                created.kind.delete_operation(),
                created
                    .kind
                    .delete_body(&created.owner_id, &created.schedule_id),
            ))
            .await;
        if let (Some(ledger), Some(seq)) = (&self.ledger, created.seq)
            && gone(&answer)
        {
            let entry = ledger.entry(seq, created.kind, &created.owner_id, &created.time);
            if let Err(e) = ledger.follow(
                &entry,
                "deleted",
                Some(&created.schedule_id),
                Some(answer.status),
            ) {
                eprintln!("warning: cannot write the ledger: {e}");
            }
        }
        answer
    }

    /// Text with the run's ids replaced by placeholders, so that both sides compare.
    pub(super) fn normal(&self, text: &str, extra: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(String, String)> = extra
            .iter()
            .map(|(from, to)| ((*from).to_owned(), (*to).to_owned()))
            .collect();
        pairs.push((self.ids.campaign_id.clone(), "{campaign_id}".into()));
        pairs.push((self.ids.canvas_id.clone(), "{canvas_id}".into()));
        pairs.push((self.ids.user.clone(), "{user}".into()));
        pairs.push((
            format!("braze-conformance-{}-", self.run),
            "{unknown}-".into(),
        ));
        pairs.retain(|(from, _)| !from.is_empty());
        // Longest first, so that an id containing another is replaced whole.
        pairs.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        let mut text = text.to_owned();
        for (from, to) in pairs {
            text = replace_whole(&text, &from, &to);
        }
        without_times(&text)
    }

    /// The answer's status and its message with placeholders.
    pub(super) fn status_and_message(&self, answer: &Answer, extra: &[(&str, &str)]) -> Value {
        json!({
            "status": answer.status,
            "message": answer.message().map(|m| self.normal(m, extra)),
        })
    }
}

/// Whether a delete's answer says the schedule is gone: deleted (2xx), or refused as a
/// client error other than the rate limit (it no longer exists, or never will be deleted
/// by a repeat either).
pub(crate) fn gone(answer: &Answer) -> bool {
    answer.ok() || ((400..500).contains(&answer.status) && answer.status != 429)
}

/// `text` with each occurrence of `id` that is not part of a longer word (letters, digits,
/// `-`, `_`) replaced by `by`: a short test id (`u1`) must not be replaced inside another
/// word. An `id` ending in `-` (a prefix) is replaced wherever it starts a word.
fn replace_whole(text: &str, id: &str, by: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let prefix = id.ends_with('-');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(id) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + id.len()..].chars().next();
        let whole = !before.is_some_and(word) && (prefix || !after.is_some_and(word));
        out.push_str(&rest[..at]);
        out.push_str(if whole { by } else { id });
        rest = &rest[at + id.len()..];
    }
    out.push_str(rest);
    out
}

/// Text with every ISO 8601 date-time (`2030-05-24T21:30`, with seconds, fraction and
/// offset if any) replaced by `{time}`: the times a run sends depend on the day it runs.
fn without_times(text: &str) -> String {
    const SHAPE: &[u8] = b"DDDD-DD-DDTDD:DD";
    let bytes = text.as_bytes();
    let matches_at = |i: usize| {
        bytes.len() >= i + SHAPE.len()
            && SHAPE.iter().enumerate().all(|(k, want)| {
                let b = bytes[i + k];
                if *want == b'D' {
                    b.is_ascii_digit()
                } else {
                    b == *want
                }
            })
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if matches_at(i) {
            let mut end = i + SHAPE.len();
            let take = |end: &mut usize, pred: &dyn Fn(u8) -> bool| {
                while *end < bytes.len() && pred(bytes[*end]) {
                    *end += 1;
                }
            };
            take(&mut end, &|b| b.is_ascii_digit() || b == b':' || b == b'.');
            if end < bytes.len() && matches!(bytes[end], b'Z' | b'+' | b'-') {
                end += 1;
                take(&mut end, &|b| b.is_ascii_digit() || b == b':');
            }
            out.push_str("{time}");
            i = end;
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The form of an id: `32 lowercase hex digits`, `36 characters: hex digits, '-'`...
pub(super) fn id_form(id: &str) -> String {
    let n = id.chars().count();
    if !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return format!("{n} lowercase hex digits");
    }
    let mut classes = Vec::new();
    if id.bytes().any(|b| b.is_ascii_digit()) {
        classes.push("digits");
    }
    if id.bytes().any(|b| b.is_ascii_lowercase()) {
        classes.push("lowercase");
    }
    if id.bytes().any(|b| b.is_ascii_uppercase()) {
        classes.push("uppercase");
    }
    if id.bytes().any(|b| !b.is_ascii_alphanumeric()) {
        classes.push("other");
    }
    format!("{n} characters: {}", classes.join(", "))
}

/// The shape of a time: its digits as `D` (`DDDD-DD-DDTDD:DD:DDZ`).
pub(super) fn time_form(time: &str) -> String {
    time.chars()
        .map(|c| if c.is_ascii_digit() { 'D' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_replaced_whatever_their_form() {
        assert_eq!(
            without_times(
                "at 2030-05-24T21:30:00Z and 2030-05-24T21:30:00.123+02:00, 2030-05-24T21:30"
            ),
            "at {time} and {time}, {time}"
        );
        assert_eq!(
            without_times("schedule_id s-1 not found"),
            "schedule_id s-1 not found"
        );
    }

    #[test]
    fn ids_are_replaced_only_as_whole_words() {
        assert_eq!(
            replace_whole("user u1 and u12 and xu1, u1.", "u1", "{user}"),
            "user {user} and u12 and xu1, {user}."
        );
        assert_eq!(
            replace_whole(
                "schedule_id braze-conformance-r-schedule",
                "braze-conformance-r-",
                "{unknown}-"
            ),
            "schedule_id {unknown}-schedule"
        );
    }

    #[test]
    fn id_forms() {
        assert_eq!(id_form("0a1b"), "4 lowercase hex digits");
        assert_eq!(
            id_form("Ab-1"),
            "4 characters: digits, lowercase, uppercase, other"
        );
    }
}
