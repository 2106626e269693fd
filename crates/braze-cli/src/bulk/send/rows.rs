//! Reading the recipients of a bulk send, one row at a time, from CSV or JSON Lines.
//!
//! The records and their line numbers come from [`crate::bulk::input`] (the reader of the
//! bulk deletes); this file only says what a record holds. Every row becomes a wire
//! recipient (`braze_sdk::wire::Recipient`, the spec's type) or an invalid row with its
//! reason: whether a recipient is one Braze takes (one identifier, an email with its
//! prioritization, properties within their size...) is the rulebook's call, made on each
//! batch before it is sent ([`crate::bulk::send::run`]), not repeated here.
//!
//! * CSV: a header naming the columns, any order, extra columns ignored:
//!   `external_user_id`, `user_alias_name` and `user_alias_label`, `email`,
//!   `prioritization` (a JSON array, or names separated by commas), `braze_id`,
//!   `trigger_properties`, `context` and `attributes` (JSON objects),
//!   `send_to_existing_only` (`true` or `false`). An empty field is left out.
//! * JSON Lines: one recipient object per line, as Braze takes it.

use std::path::Path;

use serde_json::{Map, Value};

use braze_sdk::wire;

use crate::bulk::input::{
    CsvFields, CsvRecords, JsonLines, Source, buffered, field_count_mismatch, open_source,
    overlong_line,
};
use crate::bulk::send::user::User;
use crate::cli::InputFormat;
use crate::error::CliError;

/// One input row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Its 1-based line in the input (the CSV header is line 1).
    pub line: u64,
    /// Its recipient, or why it cannot be sent.
    pub content: Content,
}

/// What a row holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// A recipient, to be checked by the rulebook with its batch.
    Recipient(Box<wire::Recipient>),
    /// A row that cannot be sent, with whoever it named, if readable.
    Invalid {
        /// The identifiers read, if any.
        user: Option<User>,
        /// What is wrong with it.
        reason: String,
    },
}

/// The CSV columns that name a user: a header needs one of them.
const IDENTIFIER_COLUMNS: [&str; 4] = ["external_user_id", "user_alias_name", "email", "braze_id"];

/// The CSV columns that hold a user's identifiers, in the order of
/// [`User::key`]'s identifiers: a column's index here is its identifier's.
const KEY_COLUMNS: [&str; 5] = [
    "external_user_id",
    "user_alias_name",
    "user_alias_label",
    "email",
    "braze_id",
];

/// The CSV columns that hold JSON objects.
const OBJECT_COLUMNS: [&str; 4] = [
    "trigger_properties",
    "context",
    "attributes",
    "canvas_entry_properties",
];

/// The rows of an input, in order.
pub enum RecipientRows {
    /// CSV with a header row.
    Csv {
        /// The records.
        records: Box<CsvRecords>,
        /// The header's names.
        columns: Vec<String>,
        /// Each column's identifier in `KEY_COLUMNS`, if it holds one.
        key_slots: Vec<Option<usize>>,
    },
    /// JSON Lines.
    Jsonl(JsonLines),
}

impl RecipientRows {
    /// Opens `path` (`-` for stdin) in `format`, or the format its extension or first
    /// character says; a CSV header without an identifier column is an input error.
    pub fn open(path: &Path, format: Option<InputFormat>) -> Result<Self, CliError> {
        let (source, format) = buffered(open_source(path)?, path, format)?;
        Self::from_source(source, path, format)
    }

    /// Reads rows of `format` from `source` (`path` names it in messages).
    pub fn from_source(source: Source, path: &Path, format: InputFormat) -> Result<Self, CliError> {
        match format {
            InputFormat::Jsonl => Ok(Self::Jsonl(JsonLines::new(source))),
            InputFormat::Csv => {
                let (records, columns) = CsvRecords::new(source, path)?;
                if !IDENTIFIER_COLUMNS
                    .iter()
                    .any(|wanted| columns.iter().any(|c| c == wanted))
                {
                    return Err(CliError::Input(format!(
                        "{}: the CSV header names no user column (it has: {}); the first \
                         line must name the columns, e.g. `external_user_id,trigger_properties` \
                         (or user_alias_name and user_alias_label, email and prioritization, \
                         braze_id)",
                        path.display(),
                        columns.join(", ")
                    )));
                }
                let key_slots = columns
                    .iter()
                    .map(|name| KEY_COLUMNS.iter().position(|column| column == name))
                    .collect();
                Ok(Self::Csv {
                    records: Box::new(records),
                    columns,
                    key_slots,
                })
            }
        }
    }

    /// The format being read.
    pub fn format(&self) -> InputFormat {
        match self {
            Self::Csv { .. } => InputFormat::Csv,
            Self::Jsonl(_) => InputFormat::Jsonl,
        }
    }

    /// The same rows as keys only ([`RowKeys`]), for a check that reads the whole input
    /// before anything is sent.
    pub fn into_keys(self) -> RowKeys {
        match self {
            Self::Csv {
                records, key_slots, ..
            } => RowKeys::Csv {
                fields: records.into_fields(),
                key_slots,
            },
            Self::Jsonl(_) => RowKeys::Jsonl(Box::new(self)),
        }
    }

    /// The next row; `None` at the end; `Err` when the input cannot be read any further.
    pub fn next_row(&mut self) -> Option<Result<Row, CliError>> {
        match self {
            Self::Csv {
                records, columns, ..
            } => {
                let (line, record) = match records.next_record()? {
                    Ok(found) => found,
                    Err(e) => return Some(Err(e)),
                };
                Some(Ok(Row {
                    line,
                    content: csv_row(columns, record),
                }))
            }
            Self::Jsonl(lines) => {
                let (line, text) = match lines.next_line()? {
                    Ok(found) => found,
                    Err(e) => return Some(Err(e)),
                };
                let content = match text {
                    Some(text) => json_row(text),
                    None => Content::Invalid {
                        user: None,
                        reason: overlong_line(),
                    },
                };
                Some(Ok(Row { line, content }))
            }
        }
    }
}

/// The [`User::key`]s of an input's rows ([`RecipientRows::into_keys`]).
pub enum RowKeys {
    /// CSV: the identifier columns of each record, read without line numbers.
    Csv {
        /// The records' fields.
        fields: CsvFields,
        /// Each column's identifier in `KEY_COLUMNS`, if it holds one.
        key_slots: Vec<Option<usize>>,
    },
    /// JSON Lines, read whole (a line is parsed to find its identifiers anyway).
    Jsonl(Box<RecipientRows>),
}

impl RowKeys {
    /// The [`User::key`] of the next row's user, as [`RecipientRows::next_row`] would read
    /// it when the row is valid: `None` for a row that cannot be (its identifiers are not
    /// text), while a row that is not valid for another reason may still have a key. So a
    /// check of the whole input can read the keys first and the candidates' rows whole.
    pub fn next_key(&mut self) -> Option<Result<Option<u64>, CliError>> {
        match self {
            Self::Csv { fields, key_slots } => Some(
                fields
                    .next_fields()?
                    .map(|fields| csv_key(key_slots, fields.iter())),
            ),
            Self::Jsonl(rows) => Some(rows.next_row()?.map(|row| match &row.content {
                Content::Recipient(recipient) => Some(User::key_of(recipient)),
                Content::Invalid { .. } => None,
            })),
        }
    }
}

/// The [`User::key`] of a CSV record's user, as [`csv_row`] reads the identifiers (the
/// last non-blank field of a column named twice), without building the recipient.
fn csv_key<'a>(key_slots: &[Option<usize>], fields: impl Iterator<Item = &'a [u8]>) -> Option<u64> {
    let mut identifiers: [Option<&[u8]>; 5] = [None; 5];
    for (slot, bytes) in key_slots.iter().zip(fields) {
        let Some(slot) = *slot else {
            continue;
        };
        // ASCII, the common case, is UTF-8 without a look at each character; trimmed
        // of ASCII white space and ASCII all through, it is what `str::trim` would give.
        let trimmed = trim_ascii_text(bytes);
        let text = if trimmed.is_ascii() {
            trimmed
        } else {
            std::str::from_utf8(bytes).ok()?.trim().as_bytes()
        };
        if !text.is_empty() {
            identifiers[slot] = Some(text);
        }
    }
    Some(User::key_from_bytes(identifiers))
}

/// ASCII bytes trimmed as [`str::trim`] trims them: of Unicode's white space, which has
/// the vertical tab that [`u8::is_ascii_whitespace`] leaves out.
fn trim_ascii_text(bytes: &[u8]) -> &[u8] {
    let space = |b: &u8| b.is_ascii_whitespace() || *b == 0x0B;
    let start = bytes.iter().position(|b| !space(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !space(b))
        .map_or(start, |end| end + 1);
    &bytes[start..end]
}

/// A CSV record as a recipient, built field by field (no JSON object in between: this
/// runs once per row, twice with the duplicate check).
fn csv_row(columns: &[String], record: &csv::ByteRecord) -> Content {
    let mut recipient = wire::Recipient {
        attributes: Map::new(),
        braze_id: None,
        canvas_entry_properties: None,
        context: None,
        email: None,
        external_user_id: None,
        prioritization: Vec::new(),
        send_to_existing_only: None,
        trigger_properties: None,
        user_alias: None,
        extra: Map::new(),
    };
    let mut problems = Vec::new();
    if record.len() != columns.len() {
        problems.push(field_count_mismatch(record.len(), columns.len()));
    }
    let (mut alias_name, mut alias_label) = (None, None);
    for (name, bytes) in columns.iter().zip(record.iter()) {
        let Ok(text) = std::str::from_utf8(bytes) else {
            problems.push(format!("{name} is not valid UTF-8"));
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match name.as_str() {
            "external_user_id" => recipient.external_user_id = Some(text.to_owned()),
            "email" => recipient.email = Some(text.to_owned()),
            "braze_id" => recipient.braze_id = Some(text.to_owned()),
            "user_alias_name" => alias_name = Some(text.to_owned()),
            "user_alias_label" => alias_label = Some(text.to_owned()),
            "prioritization" if text.starts_with('[') => {
                match serde_json::from_str::<Vec<String>>(text) {
                    Ok(list) => recipient.prioritization = list,
                    Err(e) => problems.push(format!(
                        "prioritization is not a JSON array of strings: {e}"
                    )),
                }
            }
            "prioritization" => {
                recipient.prioritization = text
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            "send_to_existing_only" => match text.to_ascii_lowercase().as_str() {
                "true" => recipient.send_to_existing_only = Some(true),
                "false" => recipient.send_to_existing_only = Some(false),
                _ => problems.push(format!(
                    "send_to_existing_only must be true or false, not {text:?}"
                )),
            },
            column if OBJECT_COLUMNS.contains(&column) => match json_object(name, text) {
                Ok(object) => match column {
                    "trigger_properties" => recipient.trigger_properties = Some(object.into()),
                    "context" => recipient.context = Some(object.into()),
                    "canvas_entry_properties" => {
                        recipient.canvas_entry_properties = Some(object.into())
                    }
                    _ => recipient.attributes = object,
                },
                Err(problem) => problems.push(problem),
            },
            _ => {}
        }
    }
    match (alias_name, alias_label) {
        (Some(alias_name), Some(alias_label)) => {
            recipient.user_alias = Some(wire::UserAlias {
                alias_name,
                alias_label,
            });
        }
        (None, None) => {}
        _ => {
            problems.push("a user alias needs both user_alias_name and user_alias_label".to_owned())
        }
    }
    if problems.is_empty() {
        Content::Recipient(Box::new(recipient))
    } else {
        let user = User::of(&recipient);
        Content::Invalid {
            user: (!user.is_empty()).then_some(user),
            reason: problems.join("; "),
        }
    }
}

/// A CSV column that holds a JSON object.
fn json_object(name: &str, text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(other) => Err(format!(
            "{name} must be a JSON object, not {}",
            braze_sdk::rules::json_kind(&other)
        )),
        Err(e) => Err(format!("{name} is not valid JSON: {e}")),
    }
}

/// A JSON line as a recipient.
fn json_row(text: &[u8]) -> Content {
    match serde_json::from_slice::<Value>(text) {
        Err(e) => Content::Invalid {
            user: None,
            reason: format!("not valid JSON: {e}"),
        },
        Ok(Value::Object(object)) => recipient(object),
        Ok(other) => Content::Invalid {
            user: None,
            reason: format!(
                "not a JSON object (found {}); expected a recipient, e.g. \
                 {{\"external_user_id\": \"user-42\", \"trigger_properties\": {{...}}}}",
                braze_sdk::rules::json_kind(&other)
            ),
        },
    }
}

/// The recipient of a JSON line, read as the spec's type: a field of the wrong type
/// (properties that are not an object, an alias without its label) makes it invalid.
fn recipient(mut object: Map<String, Value>) -> Content {
    for field in ["external_user_id", "email", "braze_id"] {
        if let Some(Value::String(text)) = object.get_mut(field) {
            let trimmed = text.trim();
            if trimmed.len() != text.len() {
                *text = trimmed.to_owned();
            }
        }
    }
    let object = Value::Object(object);
    let read = <wire::Recipient as serde::Deserialize>::deserialize(&object);
    let user = match &read {
        Ok(recipient) => Some(User::of(recipient)),
        Err(_) => object.as_object().and_then(user_of_object),
    };
    match read {
        Ok(recipient) => Content::Recipient(Box::new(recipient)),
        Err(e) => Content::Invalid {
            user,
            reason: format!("not a recipient Braze takes: {e}"),
        },
    }
}

/// The identifiers of an object that is not a valid recipient, for the report.
fn user_of_object(object: &Map<String, Value>) -> Option<User> {
    let text = |field: &str| object.get(field).and_then(Value::as_str).map(str::to_owned);
    let user = User {
        external_user_id: text("external_user_id"),
        user_alias: object.get("user_alias").and_then(|alias| {
            Some(crate::bulk::send::user::Alias {
                alias_name: alias.get("alias_name")?.as_str()?.to_owned(),
                alias_label: alias.get("alias_label")?.as_str()?.to_owned(),
            })
        }),
        email: text("email"),
        braze_id: text("braze_id"),
    };
    (!user.is_empty()).then_some(user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A reader of `bytes` as `format`, which come a few bytes per read when `trickle`
    /// (so that records and the header straddle reads).
    fn open(bytes: &[u8], format: InputFormat, trickle: bool) -> RecipientRows {
        let source: Box<dyn Read + Send> = if trickle {
            Box::new(Trickle(std::io::Cursor::new(bytes.to_vec()), 0))
        } else {
            Box::new(std::io::Cursor::new(bytes.to_vec()))
        };
        let (source, format) = buffered(source, Path::new("input"), Some(format)).unwrap();
        RecipientRows::from_source(source, Path::new("input"), format).unwrap()
    }

    /// A reader that gives 1 to 5 bytes a read.
    struct Trickle(std::io::Cursor<Vec<u8>>, usize);

    impl Read for Trickle {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            self.1 += 1;
            let most = buffer.len().min(1 + self.1 % 5);
            self.0.read(&mut buffer[..most])
        }
    }

    /// Each row's key beside the row, from two readers of `bytes`.
    fn keys_and_rows(bytes: &[u8], format: InputFormat) -> Vec<(Option<u64>, Row)> {
        let mut all = Vec::new();
        for trickle in [false, true] {
            let (mut keys, mut rows) = (
                open(bytes, format, trickle).into_keys(),
                open(bytes, format, trickle),
            );
            while let Some(row) = rows.next_row() {
                let key = keys.next_key().expect("as many keys as rows").unwrap();
                all.push((key, row.unwrap()));
            }
            assert!(keys.next_key().is_none(), "as many rows as keys");
        }
        all
    }

    #[test]
    fn the_key_of_a_valid_row_is_its_user_s() {
        let csv: &[u8] = b"email,external_user_id,user_alias_name,user_alias_label,external_user_id,trigger_properties\n\
            a@x.io, u1 ,,,,\n\
            ,u1,,,u2,\n\
            ,,name,label,,{\"a\":1}\n\
            ,u3,,,,not json\n\
            ,\xff,,,,\n\
            ,,only-name,,,\n\
            ,\" u4\"\"\r\n\",,,,\"{\"\"b\"\": 2}\"\r\n\
            \r\n\
            ,,,,,\n\
            ,\"\",,,,\n\
            ,\x0b\xc2\xa0u5\xe3\x80\x80,,,,\n\
            ,u4,,,,";
        let jsonl: &[u8] = b"{\"external_user_id\":\" u5\"}\n{\"email\":\"e@x.io\",\"user_alias\":{\"alias_name\":\"n\",\"alias_label\":\"l\"}}\nnot json\n";
        let (mut valid, mut invalid) = (0, 0);
        for (bytes, format) in [(csv, InputFormat::Csv), (jsonl, InputFormat::Jsonl)] {
            for (key, row) in keys_and_rows(bytes, format) {
                match &row.content {
                    Content::Recipient(recipient) => {
                        valid += 1;
                        assert_eq!(key, Some(User::key_of(recipient)), "line {}", row.line);
                    }
                    Content::Invalid { .. } => invalid += 1,
                }
            }
        }
        // Twice each: read whole, and a few bytes at a time.
        assert_eq!((valid, invalid), (16, 8));
    }

    #[test]
    fn ascii_is_trimmed_as_str_trims_it() {
        for byte in 0..=0x7F_u8 {
            let text = [byte, b'a', byte];
            let expected = std::str::from_utf8(&text).unwrap().trim().as_bytes();
            assert_eq!(trim_ascii_text(&text), expected, "byte {byte:#x}");
            assert_eq!(
                trim_ascii_text(&[byte]),
                std::str::from_utf8(&[byte]).unwrap().trim().as_bytes()
            );
        }
    }

    /// The keys of a CSV input as the csv crate reads its records (what `next_key` was
    /// before it read the bytes itself): with the lines dropped, what the keys must be.
    fn keys_by_csv(bytes: &[u8], trickle: bool) -> Result<Vec<Option<u64>>, CliError> {
        let RecipientRows::Csv {
            mut records,
            key_slots,
            ..
        } = open(bytes, InputFormat::Csv, trickle)
        else {
            unreachable!("a CSV reader");
        };
        let mut keys = Vec::new();
        while let Some(record) = records.next_record() {
            keys.push(csv_key(&key_slots, record?.1.iter()));
        }
        Ok(keys)
    }

    fn keys_read(bytes: &[u8], trickle: bool) -> Result<Vec<Option<u64>>, CliError> {
        let mut keys = open(bytes, InputFormat::Csv, trickle).into_keys();
        let mut all = Vec::new();
        while let Some(key) = keys.next_key() {
            all.push(key?);
        }
        Ok(all)
    }

    proptest::proptest! {
        /// The keys of any CSV are those of the csv crate's records read whole, read whole
        /// or in pieces: quotes anywhere, CRLF, blank lines, `""` records, a quote left
        /// open at the end, a BOM.
        #[test]
        fn keys_are_read_as_the_csv_crate_reads_records(
            header in proptest::sample::select(vec![
                "external_user_id",
                "email,external_user_id",
                "\u{feff}\"external_user_id\",note,email",
                "user_alias_name,user_alias_label",
            ]),
            body in proptest::collection::vec(
                proptest::sample::select(vec![
                    &b"a"[..], b"b", b" ", b",", b",", b"\"", b"\"", b"\"\"", b"\n", b"\n",
                    b"\r\n", b"\x0b", "é".as_bytes(), b"\xff", b"\n\"\"\n", b"\"\"\r\n",
                ]),
                0..40,
            ),
        ) {
            let mut bytes = format!("{header}\n").into_bytes();
            bytes.extend(body.concat());
            // Read whole or a few bytes at a time (the BOM split over reads, a quoted blank
            // field alone on its record spanning many), the records and keys are the same.
            let expected = keys_by_csv(&bytes, false).unwrap();
            proptest::prop_assert_eq!(&keys_read(&bytes, false).unwrap(), &expected);
            proptest::prop_assert_eq!(&keys_by_csv(&bytes, true).unwrap(), &expected);
            proptest::prop_assert_eq!(&keys_read(&bytes, true).unwrap(), &expected);
        }
    }

    fn rows(bytes: &[u8], format: InputFormat) -> Result<Vec<Row>, CliError> {
        let source: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(bytes.to_vec()));
        let (source, format) = buffered(source, Path::new("input"), Some(format))?;
        let mut reader = RecipientRows::from_source(source, Path::new("input"), format)?;
        let mut all = Vec::new();
        while let Some(row) = reader.next_row() {
            all.push(row?);
        }
        Ok(all)
    }

    fn recipient_of(row: &Row) -> &wire::Recipient {
        match &row.content {
            Content::Recipient(recipient) => recipient,
            Content::Invalid { reason, .. } => panic!("invalid row {}: {reason}", row.line),
        }
    }

    fn reason(row: &Row) -> &str {
        match &row.content {
            Content::Invalid { reason, .. } => reason,
            Content::Recipient(_) => panic!("valid row {}", row.line),
        }
    }

    #[test]
    fn csv_columns_become_a_recipient() {
        let csv = b"external_user_id,trigger_properties,note\n\
            u1,\"{\"\"seat\"\": \"\"12A\"\"}\",x\n\
            \n\
             u2 ,,y\n";
        let all = rows(csv, InputFormat::Csv).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].line, 2);
        let first = recipient_of(&all[0]);
        assert_eq!(first.external_user_id.as_deref(), Some("u1"));
        assert_eq!(
            first.trigger_properties.as_ref().map(|p| p["seat"].clone()),
            Some(Value::from("12A"))
        );
        assert_eq!(all[1].line, 4);
        assert_eq!(
            recipient_of(&all[1]).external_user_id.as_deref(),
            Some("u2")
        );
    }

    #[test]
    fn aliases_emails_and_flags() {
        let csv = b"user_alias_name,user_alias_label,email,prioritization,send_to_existing_only,attributes\n\
            ada,crm,,,,\n\
            ,,a@example.com,\"identified,most_recently_updated\",false,\"{\"\"plan\"\":\"\"gold\"\"}\"\n";
        let all = rows(csv, InputFormat::Csv).unwrap();
        let alias = recipient_of(&all[0]).user_alias.clone().unwrap();
        assert_eq!(
            (alias.alias_name.as_str(), alias.alias_label.as_str()),
            ("ada", "crm")
        );
        let email = recipient_of(&all[1]);
        assert_eq!(
            email.prioritization,
            ["identified", "most_recently_updated"]
        );
        assert_eq!(email.send_to_existing_only, Some(false));
        assert_eq!(email.attributes["plan"], "gold");
    }

    #[test]
    fn bad_rows_are_invalid_with_their_lines_and_users() {
        let csv = b"external_user_id,trigger_properties,send_to_existing_only\n\
            u1,{not json,\n\
            u2,,maybe\n\
            u3,[1],\n\
            u4\n";
        let all = rows(csv, InputFormat::Csv).unwrap();
        assert_eq!(all.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 4, 5]);
        assert!(reason(&all[0]).starts_with("trigger_properties is not valid JSON"));
        assert!(reason(&all[1]).contains("true or false"));
        assert_eq!(
            reason(&all[2]),
            "trigger_properties must be a JSON object, not an array"
        );
        assert_eq!(reason(&all[3]), "has 1 field but the header has 3");
        match &all[3].content {
            Content::Invalid { user, .. } => {
                assert_eq!(
                    user.as_ref().unwrap().external_user_id.as_deref(),
                    Some("u4")
                )
            }
            Content::Recipient(_) => unreachable!(),
        }
    }

    #[test]
    fn a_header_without_a_user_column_is_an_input_error() {
        let error = match rows(b"name,trigger_properties\nx,{}\n", InputFormat::Csv) {
            Err(e) => e,
            Ok(rows) => panic!("{rows:?}"),
        };
        assert!(
            error.to_string().contains("names no user column"),
            "{error}"
        );
    }

    #[test]
    fn json_lines_are_braze_s_recipient_objects() {
        let jsonl = b"{\"external_user_id\":\" u1 \",\"trigger_properties\":{\"a\":1}}\n\
            \n\
            [1]\n\
            {\"user_alias\":{\"alias_name\":\"n\"}}\n\
            {\"email\":\"e@x.io\",\"prioritization\":[\"identified\"]}\n";
        let all = rows(jsonl, InputFormat::Jsonl).unwrap();
        assert_eq!(all.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 3, 4, 5]);
        assert_eq!(
            recipient_of(&all[0]).external_user_id.as_deref(),
            Some("u1")
        );
        assert!(reason(&all[1]).starts_with("not a JSON object"));
        assert!(reason(&all[2]).contains("not a recipient Braze takes"));
        assert_eq!(recipient_of(&all[3]).email.as_deref(), Some("e@x.io"));
    }
}
