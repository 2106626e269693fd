//! Whom a request targets: the recipients of a trigger create, the users, segment and
//! audience of a message create, and the identifiers and properties that go with them.

use serde_json::{Map, Value};

use crate::types::{Attachment, Properties, Recipient, TransactionalRecipient, UserAlias};

use super::{
    EXTERNAL_SEND_ID_CHARACTERS, MAX_PROPERTIES_BYTES, MAX_SEND_ID_CHARS, MAX_USERS, Problem, Rule,
    blank,
};

/// A trigger create's targeting (`/campaigns/trigger/schedule/create`, and the Canvas one):
/// at most [`MAX_USERS`] recipients, each naming one user, or an audience, or the whole
/// segment with `broadcast: true`, which excludes recipients (the create pages' `broadcast`
/// rules).
pub(super) fn trigger(
    found: &mut Vec<Problem>,
    recipients: &[Recipient],
    has_audience: bool,
    broadcast: Option<bool>,
) {
    let broadcast = broadcast == Some(true);
    if recipients.len() > MAX_USERS {
        found.push(Problem::new(
            "recipients",
            Rule::TooManyUsers,
            format!(
                "has {} entries; Braze takes at most {MAX_USERS} per request (split them, or use \
                 an audience)",
                recipients.len()
            ),
        ));
    }
    if broadcast && !recipients.is_empty() {
        found.push(Problem::new(
            "broadcast",
            Rule::BroadcastWithUsers,
            "cannot be true together with recipients: broadcast sends to the whole segment",
        ));
    }
    if recipients.is_empty() && !has_audience && !broadcast {
        found.push(Problem::new(
            "broadcast",
            Rule::NoRecipients,
            "must be true to send to the whole segment; otherwise give recipients or an \
             audience",
        ));
    }
    for (index, recipient) in recipients.iter().enumerate() {
        // The path is written only for a problem: a bulk send checks every recipient of
        // every batch, and nearly all have none.
        self::recipient(found, &|| format!("recipients[{index}]"), recipient);
    }
}

/// Names one user, by one identifier (`recipient_object.md`), with what that identifier
/// needs; its properties within Braze's size. `path` writes the recipient's path.
fn recipient(found: &mut Vec<Problem>, path: &dyn Fn() -> String, recipient: &Recipient) {
    let identifiers = [
        ("external_user_id", recipient.external_user_id.as_deref()),
        ("braze_id", recipient.braze_id.as_deref()),
        ("email", recipient.email.as_deref()),
    ];
    for (name, value) in identifiers {
        if value.is_some_and(blank) {
            found.push(Problem::new(
                format!("{}.{name}", path()),
                Rule::Blank,
                "must not be empty or blank",
            ));
        }
    }
    if let Some(alias) = &recipient.user_alias {
        self::alias(found, &format!("{}.user_alias", path()), alias);
    }
    let given = [
        ("external_user_id", recipient.external_user_id.is_some()),
        ("user_alias", recipient.user_alias.is_some()),
        ("braze_id", recipient.braze_id.is_some()),
        ("email", recipient.email.is_some()),
    ];
    if given.iter().filter(|(_, given)| *given).count() != 1 {
        let present: Vec<&str> = given
            .into_iter()
            .filter_map(|(name, given)| given.then_some(name))
            .collect();
        let path = path();
        let found_ids = if present.is_empty() {
            "none".to_owned()
        } else {
            present.join(", ")
        };
        found.push(Problem::new(
            path,
            Rule::OneIdentifier,
            format!(
                "needs exactly one of external_user_id, user_alias, braze_id or email (found: \
                 {found_ids})"
            ),
        ));
    }
    if recipient.email.is_some() && recipient.prioritization.is_empty() {
        found.push(Problem::new(
            format!("{}.prioritization", path()),
            Rule::PrioritizationRequired,
            "is required with email, e.g. [\"identified\", \"most_recently_updated\"]",
        ));
    }
    if recipient.user_alias.is_some() && recipient.send_to_existing_only.is_some() {
        found.push(Problem::new(
            format!("{}.send_to_existing_only", path()),
            Rule::AliasCannotCreateUsers,
            "cannot be used with user_alias",
        ));
    }
    if recipient.send_to_existing_only == Some(false) && recipient.attributes.is_empty() {
        found.push(Problem::new(
            format!("{}.attributes", path()),
            Rule::AttributesRequired,
            "is required when send_to_existing_only is false (the user is created with them)",
        ));
    }
    for (name, value) in [
        ("trigger_properties", &recipient.trigger_properties),
        ("context", &recipient.context),
        (
            "canvas_entry_properties",
            &recipient.canvas_entry_properties,
        ),
    ] {
        if value.is_some() {
            properties(found, &format!("{}.{name}", path()), value.as_ref());
        }
    }
}

fn alias(found: &mut Vec<Problem>, path: &str, alias: &UserAlias) {
    for (name, value) in [
        ("alias_name", &alias.alias_name),
        ("alias_label", &alias.alias_label),
    ] {
        if blank(value) {
            found.push(Problem::new(
                format!("{path}.{name}"),
                Rule::Blank,
                "must not be empty or blank",
            ));
        }
    }
}

/// The targeting of a message create (`/messages/schedule/create`).
pub(super) struct Users<'a> {
    pub(super) external_user_ids: &'a [String],
    pub(super) user_aliases: &'a [UserAlias],
    pub(super) segment_id: Option<&'a str>,
    pub(super) audience: bool,
    pub(super) broadcast: Option<bool>,
}

/// A message create names users (at most [`MAX_USERS`] ids and aliases together), or,
/// with `broadcast: true`, a segment or an audience to send to; users and `broadcast:
/// true` exclude each other. Users with a segment or an audience are those users, if they
/// are in it.
pub(super) fn users(found: &mut Vec<Problem>, users: &Users<'_>) {
    let (external, aliases) = (users.external_user_ids.len(), users.user_aliases.len());
    let listed = external + aliases;
    if listed > MAX_USERS {
        let (path, which) = if aliases == 0 {
            ("external_user_ids", format!("has {external} entries"))
        } else {
            (
                "user_aliases",
                format!(
                    "and external_user_ids name {listed} users ({aliases} aliases, {external} ids)"
                ),
            )
        };
        found.push(Problem::new(
            path,
            Rule::TooManyUsers,
            format!(
                "{which}; Braze takes at most {MAX_USERS} ids and aliases per request (use a \
                 segment or an audience for more)"
            ),
        ));
    }
    let broadcast = users.broadcast == Some(true);
    let targets_broadly = users.segment_id.is_some() || users.audience;
    if broadcast && listed > 0 {
        found.push(Problem::new(
            "broadcast",
            Rule::BroadcastWithUsers,
            "cannot be true together with external_user_ids or user_aliases (broadcast sends \
             to a whole segment or audience, not to listed users)",
        ));
    } else if listed == 0 && !targets_broadly {
        found.push(Problem::new(
            "segment_id",
            Rule::NoRecipients,
            "or an audience is required to send without listing users (with broadcast: \
             true); otherwise give external_user_ids or user_aliases",
        ));
    } else if listed == 0 && !broadcast {
        found.push(Problem::new(
            "broadcast",
            Rule::BroadcastRequired,
            "must be true to send to a whole segment or audience without listing users",
        ));
    }
    for (index, id) in users.external_user_ids.iter().enumerate() {
        if blank(id) {
            found.push(Problem::new(
                format!("external_user_ids[{index}]"),
                Rule::Blank,
                "must not be empty or blank",
            ));
        }
    }
    for (index, user) in users.user_aliases.iter().enumerate() {
        alias(found, &format!("user_aliases[{index}]"), user);
    }
    if users.segment_id.is_some_and(blank) {
        found.push(Problem::new(
            "segment_id",
            Rule::Blank,
            "must not be empty or blank",
        ));
    }
}

/// A `send_id`: ASCII, at most [`MAX_SEND_ID_CHARS`], not blank (`identifier_types.md`).
pub(super) fn send_id(found: &mut Vec<Problem>, send_id: &str) {
    if blank(send_id) {
        found.push(Problem::new(
            "send_id",
            Rule::Blank,
            "must not be empty or blank",
        ));
    } else if !send_id.is_ascii() {
        found.push(Problem::new(
            "send_id",
            Rule::SendId,
            format!("must be ASCII only, not {send_id:?}"),
        ));
    } else if send_id.len() > MAX_SEND_ID_CHARS {
        found.push(Problem::new(
            "send_id",
            Rule::SendId,
            format!(
                "has {} characters; Braze takes at most {MAX_SEND_ID_CHARS}",
                send_id.len()
            ),
        ));
    }
}

/// The campaign trigger send's `attachments`: each names a file and where to fetch it,
/// and none goes with `broadcast: true` (its page forbids the two together).
pub(super) fn attachments(found: &mut Vec<Problem>, attachments: &[Attachment], broadcast: bool) {
    if broadcast && !attachments.is_empty() {
        found.push(Problem::new(
            "attachments",
            Rule::Excluded,
            "cannot be sent with broadcast: true (attach files to sends to listed recipients)",
        ));
    }
    for (index, attachment) in attachments.iter().enumerate() {
        for (name, value) in [
            ("file_name", &attachment.file_name),
            ("url", &attachment.url),
        ] {
            if blank(value) {
                found.push(Problem::new(
                    format!("attachments[{index}].{name}"),
                    Rule::Blank,
                    "must not be empty or blank",
                ));
            }
        }
    }
}

/// Fields an endpoint's page says it does not take, when a body carries them among its
/// undeclared fields: one [`Rule::Unsupported`] problem each, with its sentence.
pub(super) fn unsupported(
    found: &mut Vec<Problem>,
    extra: &Map<String, Value>,
    fields: &[(&str, &str)],
) {
    for (field, detail) in fields {
        if extra.contains_key(*field) {
            found.push(Problem::new(*field, Rule::Unsupported, *detail));
        }
    }
}

/// The one user of a transactional send: exactly one of `external_user_id` and
/// `user_alias`, neither blank.
pub(super) fn transactional_recipient(
    found: &mut Vec<Problem>,
    recipient: &TransactionalRecipient,
) {
    if recipient.external_user_id.as_deref().is_some_and(blank) {
        found.push(Problem::new(
            "recipient.external_user_id",
            Rule::Blank,
            "must not be empty or blank",
        ));
    }
    if let Some(user_alias) = &recipient.user_alias {
        alias(found, "recipient.user_alias", user_alias);
    }
    match (&recipient.external_user_id, &recipient.user_alias) {
        (Some(_), Some(_)) => found.push(Problem::new(
            "recipient",
            Rule::OneIdentifier,
            "needs exactly one of external_user_id or user_alias (found: both)",
        )),
        (None, None) => found.push(Problem::new(
            "recipient",
            Rule::OneIdentifier,
            "needs exactly one of external_user_id or user_alias (found: none)",
        )),
        _ => {}
    }
}

/// A transactional `external_send_id`: not empty, and only ASCII letters, digits and
/// [`EXTERNAL_SEND_ID_CHARACTERS`].
pub(super) fn external_send_id(found: &mut Vec<Problem>, key: &str) {
    let allowed = |c: char| c.is_ascii_alphanumeric() || EXTERNAL_SEND_ID_CHARACTERS.contains(c);
    if key.is_empty() {
        found.push(Problem::new(
            "external_send_id",
            Rule::Blank,
            "must not be empty",
        ));
    } else if let Some(bad) = key.chars().find(|c| !allowed(*c)) {
        found.push(Problem::new(
            "external_send_id",
            Rule::ExternalSendId,
            format!(
                "may use only letters, digits and {EXTERNAL_SEND_ID_CHARACTERS} (Base64), not \
                 {bad:?}"
            ),
        ));
    }
}

/// A properties object stays within [`MAX_PROPERTIES_BYTES`] of compact JSON.
pub(super) fn properties(found: &mut Vec<Problem>, path: &str, properties: Option<&Properties>) {
    let Some(properties) = properties else {
        return;
    };
    // Counted as written, without keeping the text.
    let mut size = ByteCount(0);
    let size = match serde_json::to_writer(&mut size, &properties.0) {
        Ok(()) => size.0,
        Err(_) => usize::MAX,
    };
    if size > MAX_PROPERTIES_BYTES {
        found.push(Problem::new(
            path,
            Rule::PropertiesTooLarge,
            format!("is {size} bytes of JSON; Braze takes at most {MAX_PROPERTIES_BYTES}"),
        ));
    }
}

/// A writer that only counts the bytes written to it.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Check;
    use super::*;
    use crate::types::{CampaignScheduleCreateRequest, MessageScheduleCreateRequest};
    use serde_json::{Value, json};

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }

    fn later() -> String {
        (now() + chrono::TimeDelta::days(2))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    fn campaign(body: Value) -> Vec<(String, Rule)> {
        let mut body = body;
        body["campaign_id"] = json!("c");
        body["schedule"] = json!({"time": later()});
        let request: CampaignScheduleCreateRequest = serde_json::from_value(body).unwrap();
        request
            .problems(now())
            .into_iter()
            .map(|p| (p.path, p.rule))
            .collect()
    }

    fn message(body: Value) -> Vec<(String, Rule)> {
        let mut body = body;
        body["schedule"] = json!({"time": later()});
        body["messages"] =
            json!({"sms": {"app_id": "a", "body": "b", "subscription_group_id": "g"}});
        let request: MessageScheduleCreateRequest = serde_json::from_value(body).unwrap();
        request
            .problems(now())
            .into_iter()
            .map(|p| (p.path, p.rule))
            .collect()
    }

    fn first(problems: Vec<(String, Rule)>) -> (String, Rule) {
        problems.into_iter().next().expect("a problem")
    }

    #[test]
    fn trigger_targeting() {
        assert!(campaign(json!({"recipients": [{"external_user_id": "u"}]})).is_empty());
        assert!(campaign(json!({"broadcast": true})).is_empty());
        assert!(campaign(json!({"audience": {"custom_attribute": {"custom_attribute_name": "a", "comparison": "exists"}}})).is_empty());
        // An audience kept as JSON (unchecked, or not typed) counts as one.
        let mut request: CampaignScheduleCreateRequest =
            serde_json::from_value(json!({"campaign_id": "c", "schedule": {"time": later()}}))
                .unwrap();
        assert_eq!(
            first(
                request
                    .problems(now())
                    .into_iter()
                    .map(|p| (p.path, p.rule))
                    .collect()
            )
            .1,
            Rule::NoRecipients
        );
        request
            .extra
            .insert("audience".to_owned(), json!({"new_filter": {}}));
        assert!(request.problems(now()).is_empty());
        let one = json!([{"external_user_id": "u"}]);
        for (body, expected) in [
            (json!({}), ("broadcast", Rule::NoRecipients)),
            (
                json!({"broadcast": false}),
                ("broadcast", Rule::NoRecipients),
            ),
            (
                json!({"broadcast": true, "recipients": one}),
                ("broadcast", Rule::BroadcastWithUsers),
            ),
        ] {
            assert_eq!(
                first(campaign(body.clone())),
                (expected.0.to_owned(), expected.1),
                "{body}"
            );
        }
        let many: Vec<Value> = (0..51)
            .map(|i| json!({"external_user_id": format!("u{i}")}))
            .collect();
        assert_eq!(
            first(campaign(json!({"recipients": many}))),
            ("recipients".to_owned(), Rule::TooManyUsers)
        );
        let fifty: Vec<Value> = (0..50)
            .map(|i| json!({"external_user_id": format!("u{i}")}))
            .collect();
        assert!(campaign(json!({"recipients": fifty})).is_empty());
    }

    #[test]
    fn recipients_name_one_user_with_what_it_needs() {
        for (recipient, path, rule) in [
            (json!({}), "recipients[0]", Rule::OneIdentifier),
            (
                json!({"external_user_id": "u", "braze_id": "b"}),
                "recipients[0]",
                Rule::OneIdentifier,
            ),
            (
                json!({"external_user_id": " "}),
                "recipients[0].external_user_id",
                Rule::Blank,
            ),
            (
                json!({"user_alias": {"alias_name": "", "alias_label": "l"}}),
                "recipients[0].user_alias.alias_name",
                Rule::Blank,
            ),
            (
                json!({"email": "a@example.com"}),
                "recipients[0].prioritization",
                Rule::PrioritizationRequired,
            ),
            (
                json!({"user_alias": {"alias_name": "n", "alias_label": "l"}, "send_to_existing_only": true}),
                "recipients[0].send_to_existing_only",
                Rule::AliasCannotCreateUsers,
            ),
            (
                json!({"braze_id": "b", "send_to_existing_only": false}),
                "recipients[0].attributes",
                Rule::AttributesRequired,
            ),
            (
                json!({"braze_id": "b", "context": {"k": "x".repeat(MAX_PROPERTIES_BYTES)}}),
                "recipients[0].context",
                Rule::PropertiesTooLarge,
            ),
        ] {
            let problems = campaign(json!({"recipients": [recipient.clone()]}));
            assert_eq!(first(problems), (path.to_owned(), rule), "{recipient}");
        }
        let fine = json!([
            {"user_alias": {"alias_name": "n", "alias_label": "l"}},
            {"email": "a@example.com", "prioritization": ["most_recently_updated"]},
            {"braze_id": "b", "send_to_existing_only": false, "attributes": {"first_name": "A"}},
            {"external_user_id": "u", "trigger_properties": {"k": "x".repeat(1000)}},
        ]);
        assert!(campaign(json!({"recipients": fine})).is_empty());
    }

    #[test]
    fn message_targeting() {
        let alias = |i: usize| json!({"alias_name": format!("n{i}"), "alias_label": "l"});
        let audience =
            json!({"custom_attribute": {"custom_attribute_name": "a", "comparison": "exists"}});
        for fine in [
            json!({"external_user_ids": ["u"]}),
            json!({"user_aliases": [alias(0)]}),
            json!({"external_user_ids": ["u"], "segment_id": "s"}),
            json!({"external_user_ids": ["u"], "audience": audience}),
            json!({"broadcast": true, "segment_id": "s"}),
            json!({"broadcast": true, "audience": audience}),
            json!({"broadcast": true, "segment_id": "s", "send_id": "x".repeat(64)}),
        ] {
            assert!(
                message(fine.clone()).is_empty(),
                "{fine}: {:?}",
                message(fine.clone())
            );
        }
        let ids = |n: usize| (0..n).map(|i| format!("u{i}")).collect::<Vec<_>>();
        let aliases = |n: usize| (0..n).map(alias).collect::<Vec<_>>();
        for (body, path, rule) in [
            (json!({}), "segment_id", Rule::NoRecipients),
            (json!({"broadcast": true}), "segment_id", Rule::NoRecipients),
            (
                json!({"segment_id": "s"}),
                "broadcast",
                Rule::BroadcastRequired,
            ),
            (
                json!({"broadcast": false, "audience": audience}),
                "broadcast",
                Rule::BroadcastRequired,
            ),
            (
                json!({"broadcast": true, "external_user_ids": ["u"]}),
                "broadcast",
                Rule::BroadcastWithUsers,
            ),
            (
                json!({"broadcast": true, "segment_id": "s", "user_aliases": aliases(1)}),
                "broadcast",
                Rule::BroadcastWithUsers,
            ),
            (
                json!({"external_user_ids": ids(51)}),
                "external_user_ids",
                Rule::TooManyUsers,
            ),
            (
                json!({"external_user_ids": ids(40), "user_aliases": aliases(11)}),
                "user_aliases",
                Rule::TooManyUsers,
            ),
            (
                json!({"external_user_ids": ["u", ""]}),
                "external_user_ids[1]",
                Rule::Blank,
            ),
            (
                json!({"user_aliases": [{"alias_name": "n", "alias_label": " "}]}),
                "user_aliases[0].alias_label",
                Rule::Blank,
            ),
            (
                json!({"external_user_ids": ["u"], "segment_id": ""}),
                "segment_id",
                Rule::Blank,
            ),
            (
                json!({"external_user_ids": ["u"], "send_id": "x".repeat(65)}),
                "send_id",
                Rule::SendId,
            ),
            (
                json!({"external_user_ids": ["u"], "send_id": "envoi-été"}),
                "send_id",
                Rule::SendId,
            ),
            (
                json!({"external_user_ids": ["u"], "send_id": " "}),
                "send_id",
                Rule::Blank,
            ),
        ] {
            assert_eq!(
                first(message(body.clone())),
                (path.to_owned(), rule),
                "{body}"
            );
        }
        assert!(
            message(json!({"external_user_ids": ids(25), "user_aliases": aliases(25)})).is_empty()
        );
    }
}
