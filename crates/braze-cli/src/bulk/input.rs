//! Reading the rows of a bulk delete, one at a time, from CSV or JSON Lines.
//!
//! Rows are streamed: one record buffer is reused and nothing is collected, so memory
//! stays flat however long the file. A malformed row (a CSV row with more or fewer fields
//! than its header, a blank id, bad UTF-8, a JSON line that is not an object, wrong types)
//! becomes an [`Row`] with a reason and its line number; only a file that cannot be read
//! at all, or a CSV header without the needed columns, is an error.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value;

use braze_sdk::{ScheduleKind, ScheduleRef};

use crate::cli::InputFormat;
use crate::error::CliError;

/// Read buffer size: large enough that reading is never the bottleneck.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// The longest JSON line accepted; a longer one is reported invalid and skipped, so that
/// a file without newlines cannot take all memory. Real rows are under 200 bytes.
const MAX_JSON_LINE_BYTES: usize = 1024 * 1024;

/// The UTF-8 byte order mark that spreadsheet exports often start with.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One input row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its 1-based line in the input (the CSV header is line 1).
    pub line: u64,
    /// Its ids, or why it cannot be sent.
    pub content: RowContent,
}

/// What a row holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowContent {
    /// Whose schedule: its ids, present and not blank.
    Ids(ScheduleRef),
    /// A row that cannot be sent, with whatever ids could be read.
    Invalid {
        /// The campaign or Canvas id, if readable.
        owner_id: Option<String>,
        /// The schedule id, if readable.
        schedule_id: Option<String>,
        /// What is wrong with it.
        reason: String,
    },
}

/// The rows of an input, in order.
pub enum RowReader {
    /// CSV with a header row.
    Csv(Box<CsvRows>),
    /// JSON Lines.
    Jsonl(JsonlRows),
}

impl RowReader {
    /// Opens `path` (`-` for stdin) in `format`, or the format its extension or first
    /// character says. Checks the CSV header at once, so that a wrong file is a usage error
    /// before anything is sent.
    pub fn open(
        path: &Path,
        format: Option<InputFormat>,
        kind: ScheduleKind,
    ) -> Result<Self, CliError> {
        Self::from_reader(open_source(path)?, path, format, kind)
    }

    /// Reads rows from `source`, as [`RowReader::open`] does from the file `path` (whose
    /// name decides the format when `format` is `None`, and names it in messages). The
    /// property tests and the fuzz targets (`fuzz/`) feed bytes through here.
    pub fn from_reader(
        source: Box<dyn Read + Send>,
        path: &Path,
        format: Option<InputFormat>,
        kind: ScheduleKind,
    ) -> Result<Self, CliError> {
        let (reader, format) = buffered(source, path, format)?;
        match format {
            InputFormat::Csv => Ok(Self::Csv(Box::new(CsvRows::new(reader, kind, path)?))),
            InputFormat::Jsonl => Ok(Self::Jsonl(JsonlRows::new(reader, kind))),
        }
    }

    /// The next row; `None` at the end; `Err` when the input cannot be read any further.
    pub fn next_row(&mut self) -> Option<Result<Row, CliError>> {
        match self {
            Self::Csv(rows) => rows.next_row(),
            Self::Jsonl(rows) => rows.next_row(),
        }
    }

    /// The format being read.
    pub fn format(&self) -> InputFormat {
        match self {
            Self::Csv(_) => InputFormat::Csv,
            Self::Jsonl(_) => InputFormat::Jsonl,
        }
    }
}

/// Opens `path` (`-` for stdin) for reading.
pub fn open_source(path: &Path) -> Result<Box<dyn Read + Send>, CliError> {
    if is_stdin(path) {
        Ok(Box::new(std::io::stdin()))
    } else {
        Ok(Box::new(File::open(path).map_err(|e| {
            CliError::Input(format!("cannot open {}: {e}", path.display()))
        })?))
    }
}

/// `source` buffered, and its format: `format` if given, else what the extension of
/// `path` or the first character says.
pub fn buffered(
    source: Box<dyn Read + Send>,
    path: &Path,
    format: Option<InputFormat>,
) -> Result<(Source, InputFormat), CliError> {
    let mut reader = BufReader::with_capacity(READ_BUFFER_BYTES, source);
    let format = match format.or_else(|| format_from_extension(path)) {
        Some(format) => format,
        None => sniff_format(&mut reader, path)?,
    };
    Ok((reader, format))
}

/// A buffered input.
pub type Source = BufReader<Box<dyn Read + Send>>;

/// Whether `path` means standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// `.csv` is CSV; `.jsonl` and `.ndjson` are JSON Lines; others (`.json` too, which may
/// hold an array) are sniffed.
fn format_from_extension(path: &Path) -> Option<InputFormat> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "csv" => Some(InputFormat::Csv),
        "jsonl" | "ndjson" => Some(InputFormat::Jsonl),
        _ => None,
    }
}

/// Stdin and other extensions: a first non-blank character `{` means JSON Lines (a CSV
/// header cannot reasonably start with one), `[` a JSON array, which is refused with a
/// pointer to JSON Lines (an array cannot be streamed row by row); anything else is CSV.
fn sniff_format(reader: &mut impl BufRead, path: &Path) -> Result<InputFormat, CliError> {
    let buffer = reader
        .fill_buf()
        .map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))?;
    let buffer = buffer.strip_prefix(BOM).unwrap_or(buffer);
    match buffer.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(InputFormat::Jsonl),
        Some(b'[') => Err(CliError::Input(format!(
            "{} holds a JSON array; give JSON Lines instead (one object per line, e.g. \
             `jq -c '.[]' FILE`) or CSV",
            path.display()
        ))),
        _ => Ok(InputFormat::Csv),
    }
}

/// An estimate of the number of rows, for the progress bar's ETA: the newlines of a
/// regular file (less the CSV header). `None` for stdin, or a file over 4 GiB, where
/// counting would cost more than it tells. Quoted newlines inside CSV fields make it an
/// overestimate, which only makes the ETA cautious.
pub fn estimate_rows(path: &Path, format: InputFormat) -> Option<u64> {
    if is_stdin(path) {
        return None;
    }
    let file = File::open(path).ok()?;
    let metadata = file.metadata().ok()?;
    if !metadata.is_file() || metadata.len() > 4 << 30 {
        return None;
    }
    let mut reader = BufReader::with_capacity(READ_BUFFER_BYTES, file);
    let mut newlines = 0u64;
    let mut last = b'\n';
    loop {
        let buffer = reader.fill_buf().ok()?;
        if buffer.is_empty() {
            break;
        }
        newlines += buffer.iter().filter(|b| **b == b'\n').count() as u64;
        last = buffer[buffer.len() - 1];
        let consumed = buffer.len();
        reader.consume(consumed);
    }
    let lines = newlines + u64::from(last != b'\n');
    Some(match format {
        InputFormat::Csv => lines.saturating_sub(1),
        InputFormat::Jsonl => lines,
    })
}

/// CSV records with their line numbers: a header row naming the columns, then records.
/// Fields are kept as they are (trimming is the reader's); a record of two or more fields
/// that are all blank (`,,` lines from spreadsheets) is not a record, and blank lines
/// never are. A record of one field is one even when the field is empty (`""`): in a
/// one-column file it is a row like any other, and must get a report line (whitespace
/// alone, unquoted, is a blank line).
pub struct CsvRecords {
    reader: csv::Reader<Tracked<Source>>,
    record: csv::ByteRecord,
    /// The line after the previous record (or the header): where the next may start.
    next_line: u64,
}

impl CsvRecords {
    /// Reads the header of `reader` (`path` names it in messages); returns the records
    /// and the header's names, trimmed and lowercased (a BOM dropped).
    pub fn new(reader: Source, path: &Path) -> Result<(Self, Vec<String>), CliError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            // Records with more or fewer fields than the header are the reader's to
            // report, row by row, instead of stopping the run.
            .flexible(true)
            // `\n` alone ends a record, so that each record's own newline is consumed with
            // it and line numbers can be worked out ([`CsvRecords::start_line`]); the `\r`
            // of a CRLF file is trimmed off the last field.
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(READ_BUFFER_BYTES)
            .from_reader(Tracked::new(reader));
        let headers = reader.byte_headers().map_err(|e| {
            CliError::Input(format!(
                "cannot read the CSV header of {}: {e}",
                path.display()
            ))
        })?;
        let names: Vec<String> = headers
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let name = if i == 0 {
                    name.strip_prefix(BOM).unwrap_or(name)
                } else {
                    name
                };
                String::from_utf8_lossy(name.trim_ascii()).to_ascii_lowercase()
            })
            .collect();
        let next_line = reader.position().line();
        let records = Self {
            reader,
            record: csv::ByteRecord::new(),
            next_line,
        };
        Ok((records, names))
    }

    /// Whether the one-field record just read, whose field is blank, is a blank line
    /// (whitespace, or the `\r` of a CRLF blank line) rather than a quoted field (`""`,
    /// `" "`): whether its bytes hold no quote, however many reads they took. Should that
    /// not be known, it is a row: a blank row reported invalid, rather than a row lost.
    fn is_blank_line(&self) -> bool {
        let Some(start) = self.record.position() else {
            return false;
        };
        let end = self.reader.position().byte();
        self.reader.get_ref().quote_between(start.byte(), end) == Some(false)
    }

    /// The next record and the line it starts on; `None` at the end.
    pub fn next_record(&mut self) -> Option<Result<(u64, &csv::ByteRecord), CliError>> {
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) if self.record.iter().all(|f| f.trim_ascii().is_empty()) => {
                    if self.record.len() > 1 || self.is_blank_line() {
                        continue;
                    }
                    let line = self.start_line();
                    self.next_line = self.reader.position().line();
                    return Some(Ok((line, &self.record)));
                }
                Ok(true) => {
                    let line = self.start_line();
                    self.next_line = self.reader.position().line();
                    return Some(Ok((line, &self.record)));
                }
                Err(e) => {
                    return Some(Err(CliError::Input(format!(
                        "cannot read the input any further: {e}"
                    ))));
                }
            }
        }
    }

    /// The line the record just read starts on. The csv crate's record position is where
    /// the previous record ended, before any blank lines, so it is worked out backwards
    /// from where this record ends: less its own newline, less the newlines inside its
    /// quoted fields. A record that ends the input has no newline of its own when the input
    /// does not end in one, or when its last newline lies inside a quote left open (the
    /// last field then ends in that newline, not followed by a closing `"`). Never before
    /// the end of the previous record (found by fuzzing: an open quote at the end once gave
    /// a row the line of the row before it).
    fn start_line(&self) -> u64 {
        let end = self.reader.position();
        // The fields' bytes, end to end.
        let embedded = self
            .record
            .as_slice()
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        let source = self.reader.get_ref();
        let at_end = source.at_end && end.byte() == source.bytes;
        let newline_in_open_quote = self
            .record
            .iter()
            .next_back()
            .is_some_and(|field| field.ends_with(b"\n"))
            && source.byte_before_last != Some(b'"');
        let terminated = !at_end || (source.last_byte == Some(b'\n') && !newline_in_open_quote);
        end.line()
            .saturating_sub(embedded as u64)
            .saturating_sub(u64::from(terminated))
            .max(self.next_line)
            .max(1)
    }
}

impl CsvRecords {
    /// The records still unread, as [`CsvFields`]: their fields only, without line numbers,
    /// read more cheaply than [`next_record`](Self::next_record) does.
    pub fn into_fields(self) -> CsvFields {
        // The csv reader refills its buffer only once it is empty, with one read of the
        // source, so what it holds unread is the tail of the last read, which `Tracked`
        // keeps. Should that not hold, the records are read as before.
        let tracked = self.reader.get_ref();
        let unread = tracked
            .bytes
            .checked_sub(self.reader.position().byte())
            .and_then(|unread| usize::try_from(unread).ok())
            .filter(|unread| *unread <= tracked.current.len());
        let Some(unread) = unread else {
            return CsvFields {
                from: FieldsFrom::Records(Box::new(self)),
                fields: Vec::new(),
            };
        };
        let tracked = self.reader.into_inner();
        let mut space = vec![0; READ_BUFFER_BYTES.max(2 * unread)];
        space[..unread].copy_from_slice(&tracked.current[tracked.current.len() - unread..]);
        CsvFields {
            from: FieldsFrom::Bytes(RawCsv {
                source: tracked.inner,
                space,
                start: 0,
                end: unread,
                at_end: false,
                unquoted: Vec::new(),
            }),
            fields: Vec::new(),
        }
    }
}

/// The fields of CSV records, as [`CsvRecords::next_record`] reads them and skipping the
/// same blank records, but without their line numbers: the duplicate check's first pass,
/// which reads every row before anything is sent and wants only its identifiers.
///
/// It reads the csv crate's dialect here (`,` between fields, `\n` ending a record, `"`
/// quoting with `""` for a quote, a quote inside an unquoted field kept as it is, text
/// after a closing quote appended, empty lines skipped): a record without a quote, the
/// common case, is cut at its commas and newline in one `memchr3` scan, and its fields
/// are slices of the read buffer; a record with one goes through the csv crate's state
/// machine, written out for this dialect. A test holds it to the csv crate on any bytes.
pub struct CsvFields {
    from: FieldsFrom,
    /// The current record's fields: ranges of the read buffer, or of the unquoted bytes.
    fields: Vec<(usize, usize)>,
}

/// Where [`CsvFields`] reads from.
enum FieldsFrom {
    /// The input's bytes, read here.
    Bytes(RawCsv),
    /// The csv crate's records (when its buffer could not be taken over).
    Records(Box<CsvRecords>),
}

/// The bytes of a CSV input, from just after its header.
struct RawCsv {
    source: Source,
    /// The read buffer: `start..end` is read and not yet done with.
    space: Vec<u8>,
    start: usize,
    end: usize,
    at_end: bool,
    /// The fields of a record with quotes, unquoted, end to end.
    unquoted: Vec<u8>,
}

/// Where a record's fields lie.
enum Place {
    /// In the read buffer: a record without a quote.
    Buffer,
    /// In `unquoted`: a record that held a quote.
    Unquoted,
}

/// A state of the reading of a record with quotes (csv-core's, less those this dialect
/// never reaches).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    StartField,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: it closes the field, or is the first of `""`.
    AfterQuote,
}

/// One CSV record's fields, from [`CsvFields::next_fields`].
pub struct Fields<'a> {
    bytes: &'a [u8],
    ranges: &'a [(usize, usize)],
}

impl<'a> Fields<'a> {
    /// The fields, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let bytes = self.bytes;
        self.ranges.iter().map(move |&(from, to)| &bytes[from..to])
    }

    /// How many fields the record has.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether the record has no field (never: a record has at least one).
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

impl CsvFields {
    /// The next record's fields; `None` at the end.
    pub fn next_fields(&mut self) -> Option<Result<Fields<'_>, CliError>> {
        let raw = match &mut self.from {
            FieldsFrom::Records(records) => {
                let record = match records.next_record()? {
                    Ok((_, record)) => record,
                    Err(e) => return Some(Err(e)),
                };
                self.fields.clear();
                let mut end = 0;
                for field in record.iter() {
                    self.fields.push((end, end + field.len()));
                    end += field.len();
                }
                return Some(Ok(Fields {
                    bytes: record.as_slice(),
                    ranges: &self.fields,
                }));
            }
            FieldsFrom::Bytes(raw) => raw,
        };
        let place = loop {
            let place = match raw.next_record(&mut self.fields) {
                Ok(Some(place)) => place,
                Ok(None) => return None,
                Err(e) => {
                    return Some(Err(CliError::Input(format!(
                        "cannot read the input any further: {e}"
                    ))));
                }
            };
            let fields = Fields {
                bytes: raw.bytes(&place),
                ranges: &self.fields,
            };
            // Blank records are skipped as `next_record` skips them.
            let blank = fields.iter().all(|f| f.iter().all(u8::is_ascii_whitespace));
            if !blank || (fields.len() == 1 && matches!(place, Place::Unquoted)) {
                break place;
            }
        };
        Some(Ok(Fields {
            bytes: raw.bytes(&place),
            ranges: &self.fields,
        }))
    }
}

impl RawCsv {
    /// The bytes that the ranges of a record read into `place` are of.
    fn bytes(&self, place: &Place) -> &[u8] {
        match place {
            Place::Buffer => &self.space[..self.end],
            Place::Unquoted => &self.unquoted,
        }
    }

    /// Reads the next record, its fields' ranges into `fields`; `None` at the end.
    fn next_record(&mut self, fields: &mut Vec<(usize, usize)>) -> std::io::Result<Option<Place>> {
        // One scan for the record's commas, its newline, or a quote that sends the
        // record to `unquote`.
        fields.clear();
        let mut field = self.start;
        loop {
            match memchr::memchr3(b',', b'\n', b'"', &self.space[field..self.end]) {
                Some(at) if self.space[field + at] == b',' => {
                    fields.push((field, field + at));
                    field += at + 1;
                }
                // An empty line is no record.
                Some(0) if field == self.start && self.space[field] == b'\n' => {
                    self.start += 1;
                    field = self.start;
                }
                Some(at) if self.space[field + at] == b'\n' => {
                    fields.push((field, field + at));
                    self.start = field + at + 1;
                    return Ok(Some(Place::Buffer));
                }
                Some(_) => {
                    let unread = &self.space[self.start..self.end];
                    if let Some(used) = unquote(unread, self.at_end, &mut self.unquoted, fields) {
                        self.start += used;
                        return Ok(Some(Place::Unquoted));
                    }
                    self.fill()?;
                    fields.clear();
                    field = self.start;
                }
                None if self.at_end => {
                    if self.start == self.end {
                        return Ok(None);
                    }
                    fields.push((field, self.end));
                    self.start = self.end;
                    return Ok(Some(Place::Buffer));
                }
                None => {
                    // The record so far is read again from its start after the refill,
                    // which moves it to the front of the buffer.
                    self.fill()?;
                    fields.clear();
                    field = self.start;
                }
            }
        }
    }

    /// Drops the bytes done with and reads more after the others (the buffer grows only
    /// when a record is longer than it); at the end of the input, sets `at_end`.
    fn fill(&mut self) -> std::io::Result<()> {
        self.space.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        if self.space.len() - self.end < READ_BUFFER_BYTES / 2 {
            self.space.resize(self.space.len() * 2, 0);
        }
        let read = loop {
            match self.source.read(&mut self.space[self.end..]) {
                Ok(read) => break read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.end += read;
        self.at_end = read == 0;
        Ok(())
    }
}

/// The record at the start of `bytes`, which holds a quote before any newline, read as
/// csv-core reads it: its fields unquoted into `out`, their ranges into `fields`, and the
/// bytes it took (through its newline). `None` when `bytes` end before the record does
/// and more may follow (`at_end` false).
fn unquote(
    bytes: &[u8],
    at_end: bool,
    out: &mut Vec<u8>,
    fields: &mut Vec<(usize, usize)>,
) -> Option<usize> {
    out.clear();
    fields.clear();
    let mut state = Quoting::StartField;
    let mut field_start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        state = match (state, byte) {
            (Quoting::Quoted, b'"') => Quoting::AfterQuote,
            (Quoting::Quoted, _) => {
                out.push(byte);
                Quoting::Quoted
            }
            (Quoting::AfterQuote, b'"') => {
                out.push(b'"');
                Quoting::Quoted
            }
            (Quoting::StartField, b'"') => Quoting::Quoted,
            (_, b',') => {
                fields.push((field_start, out.len()));
                field_start = out.len();
                Quoting::StartField
            }
            (_, b'\n') => {
                fields.push((field_start, out.len()));
                return Some(i + 1);
            }
            // A quote in an unquoted field, or text after a closing one, is kept.
            (_, _) => {
                out.push(byte);
                Quoting::Unquoted
            }
        };
    }
    if !at_end {
        return None;
    }
    fields.push((field_start, out.len()));
    Some(bytes.len())
}

/// CSV rows: a header row naming the columns, any order, extra columns ignored. Fields
/// are trimmed; rows whose every field is empty (blank lines, `,,` lines from
/// spreadsheets) are not rows, but a one-field record is, even an empty one (`""`).
/// Every other row must have as many fields as the header:
/// one with more or fewer is invalid, since which field is which id is then a guess (an
/// unquoted comma in an id, a shifted column), and a delete must not act on a guess.
pub struct CsvRows {
    records: CsvRecords,
    /// The owner id's column, for a kind that has one.
    owner_column: Option<usize>,
    schedule_column: usize,
    /// How many fields the header has, extra columns included: what every row must have.
    header_fields: usize,
    kind: ScheduleKind,
}

impl CsvRows {
    fn new(reader: Source, kind: ScheduleKind, path: &Path) -> Result<Self, CliError> {
        let (records, names) = CsvRecords::new(reader, path)?;
        let column = |wanted: &str| {
            names.iter().position(|name| name == wanted).ok_or_else(|| {
                CliError::Input(format!(
                    "{}: the CSV header has no `{wanted}` column (it has: {}); the first line \
                     must name the columns, e.g. `{}`",
                    path.display(),
                    if names.iter().all(String::is_empty) {
                        "nothing".to_owned()
                    } else {
                        names.join(", ")
                    },
                    header_example(kind),
                ))
            })
        };
        let owner_column = kind.owner_field().map(column).transpose()?;
        let schedule_column = column("schedule_id")?;
        let header_fields = names.len();
        Ok(Self {
            records,
            owner_column,
            schedule_column,
            header_fields,
            kind,
        })
    }

    fn next_row(&mut self) -> Option<Result<Row, CliError>> {
        let (line, record) = match self.records.next_record()? {
            Ok(found) => found,
            Err(e) => return Some(Err(e)),
        };
        let content = record_ids(
            record,
            self.kind,
            self.owner_column,
            self.schedule_column,
            self.header_fields,
        );
        Some(Ok(Row { line, content }))
    }
}

/// The ids of a record; invalid, whatever its ids, when its field count
/// is not the header's (the reason says so first, then what else is wrong with it).
fn record_ids(
    record: &csv::ByteRecord,
    kind: ScheduleKind,
    owner_column: Option<usize>,
    schedule_column: usize,
    header_fields: usize,
) -> RowContent {
    let owner = owner_column
        .zip(kind.owner_field())
        .map(|(column, name)| field(record, column, name));
    let schedule = field(record, schedule_column, "schedule_id");
    let content = row_content(kind, owner, schedule);
    let fields = record.len();
    if fields == header_fields {
        return content;
    }
    let count = field_count_mismatch(fields, header_fields);
    match content {
        RowContent::Ids(schedule) => {
            let (owner_id, schedule_id) = schedule.into_ids();
            RowContent::Invalid {
                owner_id,
                schedule_id: Some(schedule_id.into_string()),
                reason: count,
            }
        }
        RowContent::Invalid {
            owner_id,
            schedule_id,
            reason,
        } => RowContent::Invalid {
            owner_id,
            schedule_id,
            reason: format!("{count}; {reason}"),
        },
    }
}

/// Why a record with `fields` fields is invalid under a header of `header_fields`.
pub fn field_count_mismatch(fields: usize, header_fields: usize) -> String {
    format!(
        "has {fields} field{} but the header has {header_fields}",
        if fields == 1 { "" } else { "s" },
    )
}

/// A reader that remembers how many bytes it gave, the last of them, and whether it hit
/// the end: what [`CsvRecords::start_line`] needs to tell a final line without a newline.
/// It also keeps the bytes of its last read and where the last quote before them was, so
/// that a blank one-field record can be told from a quoted empty one however many reads
/// it spans ([`CsvRecords::is_blank_line`]).
///
/// Its first read holds the whole BOM and a byte more when the input starts with one:
/// the csv crate drops a BOM only when its first read has all three bytes (and takes a
/// read left empty by it for the end of the input), and a pipe written slowly may give
/// them one at a time (the header after it was then misread).
struct Tracked<R> {
    inner: R,
    bytes: u64,
    last_byte: Option<u8>,
    byte_before_last: Option<u8>,
    at_end: bool,
    /// The bytes of the last read.
    current: Vec<u8>,
    /// Where the last `"` before the last read is in the input.
    quote_before_current: Option<u64>,
}

impl<R> Tracked<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            bytes: 0,
            last_byte: None,
            byte_before_last: None,
            at_end: false,
            current: Vec::new(),
            quote_before_current: None,
        }
    }

    /// Whether the input's bytes `from..to` hold a `"`: exactly, however many reads they
    /// span, as long as they end in the last read (a record the csv reader has just read
    /// does: it reads again only once it has used up what it read); `None` otherwise.
    fn quote_between(&self, from: u64, to: u64) -> Option<bool> {
        let current_start = self.bytes - self.current.len() as u64;
        if from > to || to > self.bytes || to < current_start {
            return None;
        }
        let in_current = &self.current[(from.max(current_start) - current_start) as usize..]
            [..(to - from.max(current_start)) as usize];
        Some(
            memchr::memchr(b'"', in_current).is_some()
                || (from < current_start && self.quote_before_current.is_some_and(|at| at >= from)),
        )
    }

    /// The first read: the BOM and a byte after it when the input starts with the first
    /// bytes of one (and is that long), so that the csv crate sees the whole of it and
    /// something after (it takes a read left empty by the BOM for the end of the input).
    fn read_first(&mut self, buffer: &mut [u8]) -> std::io::Result<usize>
    where
        R: Read,
    {
        let mut read = self.inner.read(buffer)?;
        while read > 0
            && read < (BOM.len() + 1).min(buffer.len())
            && BOM.starts_with(&buffer[..read.min(BOM.len())])
        {
            match self.inner.read(&mut buffer[read..]) {
                Ok(0) => break,
                Ok(more) => read += more,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // What was read is given; the error comes again on the next read.
                Err(_) => break,
            }
        }
        Ok(read)
    }
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = if self.bytes == 0 {
            self.read_first(buffer)?
        } else {
            self.inner.read(buffer)?
        };
        if read == 0 {
            self.at_end = !buffer.is_empty();
        } else {
            let current_start = self.bytes - self.current.len() as u64;
            if let Some(at) = memchr::memrchr(b'"', &self.current) {
                self.quote_before_current = Some(current_start + at as u64);
            }
            self.bytes += read as u64;
            self.byte_before_last = if read >= 2 {
                Some(buffer[read - 2])
            } else {
                self.last_byte
            };
            self.last_byte = Some(buffer[read - 1]);
            self.current.clear();
            self.current.extend_from_slice(&buffer[..read]);
        }
        Ok(read)
    }
}

/// A field read from a row: its text, or why it is unusable (with a lossy copy of what
/// was there, for the report).
type Field = Result<String, (Option<String>, String)>;

fn field(record: &csv::ByteRecord, column: usize, name: &str) -> Field {
    match record.get(column).map(<[u8]>::trim_ascii) {
        None => Err((None, format!("missing {name} column"))),
        Some(bytes) => match std::str::from_utf8(bytes).map(trim) {
            Err(_) => Err((
                Some(String::from_utf8_lossy(bytes).into_owned()),
                format!("{name} is not valid UTF-8"),
            )),
            // Trimmed like JSON Lines ids: Unicode spaces too (a spreadsheet's no-break
            // space), so that the two formats read the same ids.
            Ok("") => Err((Some(String::new()), format!("{name} is blank"))),
            Ok(text) => Ok(text.to_owned()),
        },
    }
}

/// [`str::trim`], with a shortcut for the usual id: an ASCII character at each end that is
/// not whitespace (`trim_ascii` has been applied; `str::trim` also removes a vertical tab
/// and Unicode spaces, which start with a byte past ASCII).
fn trim(text: &str) -> &str {
    let kept =
        |byte: Option<&u8>| byte.is_some_and(|b| b.is_ascii() && !(*b as char).is_whitespace());
    let bytes = text.as_bytes();
    if kept(bytes.first()) && kept(bytes.last()) {
        text
    } else {
        text.trim()
    }
}

/// `campaign_id,schedule_id`: the header a kind's input needs.
fn header_example(kind: ScheduleKind) -> String {
    match kind.owner_field() {
        Some(field) => format!("{field},schedule_id"),
        None => "schedule_id".to_owned(),
    }
}

/// The fields read (the owner's, for a kind that has one): the ids, or every reason the
/// row is invalid.
fn row_content(kind: ScheduleKind, owner: Option<Field>, schedule: Field) -> RowContent {
    match (owner.transpose(), schedule) {
        (Ok(owner_id), Ok(schedule_id)) => RowContent::Ids(ScheduleRef::of_kind(
            kind,
            owner_id.unwrap_or_default(),
            schedule_id,
        )),
        (owner, schedule) => {
            let mut reasons = Vec::new();
            let mut keep = |field: Field| match field {
                Ok(text) => Some(text),
                Err((text, reason)) => {
                    reasons.push(reason);
                    text
                }
            };
            let owner_id = match owner {
                Ok(owner_id) => owner_id,
                Err(unusable) => keep(Err(unusable)),
            };
            let schedule_id = keep(schedule);
            RowContent::Invalid {
                owner_id,
                schedule_id,
                reason: reasons.join("; "),
            }
        }
    }
}

/// The lines of a JSON Lines input with their numbers: blank lines are skipped, the BOM
/// of the first line dropped, each line trimmed; a line over `MAX_JSON_LINE_BYTES` (1 MiB) is
/// given as `None` (and the rest of it skipped), so that a file without newlines cannot
/// take all memory.
pub struct JsonLines {
    reader: Source,
    buffer: Vec<u8>,
    line: u64,
}

impl JsonLines {
    /// The lines of `reader`.
    pub fn new(reader: Source) -> Self {
        Self {
            reader,
            buffer: Vec::with_capacity(256),
            line: 0,
        }
    }

    /// The next non-blank line and its number (`None` for an overlong one); `None` at
    /// the end; `Err` when the input cannot be read any further.
    #[allow(clippy::type_complexity)]
    pub fn next_line(&mut self) -> Option<Result<(u64, Option<&[u8]>), CliError>> {
        loop {
            self.buffer.clear();
            let limit = (MAX_JSON_LINE_BYTES + 1) as u64;
            let read = (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut self.buffer);
            match read {
                Err(e) => {
                    return Some(Err(CliError::Input(format!(
                        "cannot read the input any further: {e}"
                    ))));
                }
                Ok(0) => return None,
                Ok(_) => {}
            }
            self.line += 1;
            if self.buffer.len() > MAX_JSON_LINE_BYTES && self.buffer.last() != Some(&b'\n') {
                if let Err(e) = skip_line(&mut self.reader) {
                    return Some(Err(CliError::Input(format!(
                        "cannot read the input any further: {e}"
                    ))));
                }
                return Some(Ok((self.line, None)));
            }
            let mut text: &[u8] = &self.buffer;
            if self.line == 1 {
                text = text.strip_prefix(BOM).unwrap_or(text);
            }
            if text.trim_ascii().is_empty() {
                continue;
            }
            return Some(Ok((self.line, Some(self.buffer_text()))));
        }
    }

    /// The current line, trimmed (BOM dropped on the first).
    fn buffer_text(&self) -> &[u8] {
        let mut text: &[u8] = &self.buffer;
        if self.line == 1 {
            text = text.strip_prefix(BOM).unwrap_or(text);
        }
        text.trim_ascii()
    }
}

/// Why an overlong JSON line is invalid.
pub fn overlong_line() -> String {
    format!("line longer than {MAX_JSON_LINE_BYTES} bytes")
}

/// JSON Lines rows: one object per line with the id keys; blank lines are not rows.
pub struct JsonlRows {
    lines: JsonLines,
    kind: ScheduleKind,
}

impl JsonlRows {
    fn new(reader: Source, kind: ScheduleKind) -> Self {
        Self {
            lines: JsonLines::new(reader),
            kind,
        }
    }

    fn next_row(&mut self) -> Option<Result<Row, CliError>> {
        let (line, text) = match self.lines.next_line()? {
            Ok(found) => found,
            Err(e) => return Some(Err(e)),
        };
        let content = match text {
            Some(text) => json_row(text, self.kind),
            None => RowContent::Invalid {
                owner_id: None,
                schedule_id: None,
                reason: overlong_line(),
            },
        };
        Some(Ok(Row { line, content }))
    }
}

/// Reads and drops the rest of an overlong line.
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(());
        }
        match buffer.iter().position(|b| *b == b'\n') {
            Some(end) => {
                reader.consume(end + 1);
                return Ok(());
            }
            None => {
                let length = buffer.len();
                reader.consume(length);
            }
        }
    }
}

fn json_row(text: &[u8], kind: ScheduleKind) -> RowContent {
    let value: Value = match serde_json::from_slice(text) {
        Ok(value) => value,
        Err(e) => {
            return RowContent::Invalid {
                owner_id: None,
                schedule_id: None,
                reason: format!("not valid JSON: {e}"),
            };
        }
    };
    let Value::Object(object) = value else {
        return RowContent::Invalid {
            owner_id: None,
            schedule_id: None,
            reason: format!(
                "not a JSON object (found {}); expected {{{}\"schedule_id\": ...}}",
                braze_sdk::rules::json_kind(&value),
                kind.owner_field()
                    .map(|field| format!("\"{field}\": ..., "))
                    .unwrap_or_default()
            ),
        };
    };
    let field = |name: &str| -> Field {
        match object.get(name) {
            None | Some(Value::Null) => Err((None, format!("missing {name}"))),
            Some(Value::String(text)) if text.trim().is_empty() => {
                Err((Some(text.clone()), format!("{name} is blank")))
            }
            Some(Value::String(text)) => Ok(text.trim().to_owned()),
            Some(other) => Err((
                Some(other.to_string()),
                format!(
                    "{name} must be a string, not {}",
                    braze_sdk::rules::json_kind(other)
                ),
            )),
        }
    };
    row_content(kind, kind.owner_field().map(field), field("schedule_id"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn rows(content: &[u8], name: &str, kind: ScheduleKind) -> Result<Vec<Row>, CliError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(content)
            .unwrap();
        let mut reader = RowReader::open(&path, None, kind)?;
        let mut all = Vec::new();
        while let Some(row) = reader.next_row() {
            all.push(row?);
        }
        Ok(all)
    }

    fn ids(line: u64, owner: &str, schedule: &str) -> Row {
        Row {
            line,
            content: RowContent::Ids(ScheduleRef::campaign(owner, schedule)),
        }
    }

    fn reason(row: &Row) -> &str {
        match &row.content {
            RowContent::Invalid { reason, .. } => reason,
            RowContent::Ids(_) => panic!("valid row: {row:?}"),
        }
    }

    #[test]
    fn ids_are_trimmed_like_str_trim() {
        for text in [
            "id",
            "a b",
            "\u{b}id",
            "id\u{b}",
            "\u{a0}id",
            "id\u{3000}",
            "é",
            "\u{a0}",
            "x\u{a0}y",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
        let bytes = "campaign_id,schedule_id\n\u{a0}c1\u{a0},\u{b}s1\n".as_bytes();
        let rows = read_all(bytes, Some(InputFormat::Csv), ScheduleKind::Campaign).unwrap();
        assert_eq!(rows, [ids(2, "c1", "s1")]);
    }

    #[test]
    fn csv_columns_in_any_order_with_extras_and_a_bom() {
        let csv = b"\xEF\xBB\xBFnote,Schedule_ID , campaign_id\nx,s1,c1\n\ny, s2 ,c2\n";
        let all = rows(csv, "in.csv", ScheduleKind::Campaign).unwrap();
        assert_eq!(all, vec![ids(2, "c1", "s1"), ids(4, "c2", "s2")]);
    }

    #[test]
    fn csv_malformed_rows_are_reported_with_their_lines() {
        let csv = b"campaign_id,schedule_id\nc1\n,s2\nc\xff3,s3\nc4,s4\n";
        let all = rows(csv, "in.csv", ScheduleKind::Campaign).unwrap();
        assert_eq!(all.len(), 4);
        assert_eq!(
            (all[0].line, reason(&all[0])),
            (
                2,
                "has 1 field but the header has 2; missing schedule_id column"
            )
        );
        assert_eq!((all[1].line, reason(&all[1])), (3, "campaign_id is blank"));
        assert_eq!(
            (all[2].line, reason(&all[2])),
            (4, "campaign_id is not valid UTF-8")
        );
        assert_eq!(all[3], ids(5, "c4", "s4"));
    }

    #[test]
    fn csv_rows_with_more_or_fewer_fields_than_the_header_are_invalid() {
        // Empty rows (a blank line, `,,`) are still not rows; a quoted comma or newline
        // stays inside its field; a trailing comma is one field more.
        let csv = b"campaign_id,schedule_id\nc1,s1,extra\nc2,s2\n,,\n\nc3,\"s,3\"\n\
            c4,\"s\n4\",x\nc5\nc6,s6,\nc7,,x\nc8,s8";
        let all = rows(csv, "in.csv", ScheduleKind::Campaign).unwrap();
        let lines: Vec<u64> = all.iter().map(|row| row.line).collect();
        assert_eq!(lines, [2, 3, 6, 7, 9, 10, 11, 12]);
        assert_eq!(
            all[0].content,
            RowContent::Invalid {
                owner_id: Some("c1".into()),
                schedule_id: Some("s1".into()),
                reason: "has 3 fields but the header has 2".into(),
            }
        );
        assert_eq!(all[1], ids(3, "c2", "s2"));
        assert_eq!(all[2], ids(6, "c3", "s,3"));
        assert_eq!(reason(&all[3]), "has 3 fields but the header has 2");
        assert_eq!(
            reason(&all[4]),
            "has 1 field but the header has 2; missing schedule_id column"
        );
        assert_eq!(reason(&all[5]), "has 3 fields but the header has 2");
        assert_eq!(
            reason(&all[6]),
            "has 3 fields but the header has 2; schedule_id is blank"
        );
        assert_eq!(all[7], ids(12, "c8", "s8"));
    }

    #[test]
    fn csv_rows_are_held_to_the_header_s_count_extra_columns_included() {
        // The header's extra columns count: a row must have as many fields as the header,
        // not as many as the two id columns.
        let csv = b"note,campaign_id,schedule_id\nx,c1,s1\nc2,s2\nx,c3,s3,y\n,c4,s4\n";
        let all = rows(csv, "in.csv", ScheduleKind::Campaign).unwrap();
        assert_eq!(all[0], ids(2, "c1", "s1"));
        // Read by the header, `c2,s2` would be campaign `s2` without a schedule.
        assert_eq!(
            (all[1].line, reason(&all[1])),
            (
                3,
                "has 2 fields but the header has 3; missing schedule_id column"
            )
        );
        assert_eq!(
            (all[2].line, reason(&all[2])),
            (4, "has 4 fields but the header has 3")
        );
        assert_eq!(all[3], ids(5, "c4", "s4"));
        // A kind with one id column: `schedule_id` alone, and a second field is one too many.
        let csv = b"schedule_id\ns1\ns2,\n\"s,3\"\n";
        let all = rows(csv, "in.csv", ScheduleKind::Message).unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].content, RowContent::Ids(ScheduleRef::message("s1")));
        assert_eq!(
            (all[1].line, reason(&all[1])),
            (3, "has 2 fields but the header has 1")
        );
        assert_eq!(all[2].content, RowContent::Ids(ScheduleRef::message("s,3")));
    }

    #[test]
    fn a_quoted_empty_id_in_a_one_column_file_is_an_invalid_row_with_its_line() {
        // Issue 22: `""` was dropped as an empty record (98 report lines for 100 rows). A
        // blank line is still no row; a quoted empty or blank field is an invalid one.
        let csv = b"schedule_id\ns1\n\"\"\n\ns4\n  \n\" \"\r\n\r\n\"\"";
        let all = rows(csv, "in.csv", ScheduleKind::Message).unwrap();
        let lines: Vec<u64> = all.iter().map(|row| row.line).collect();
        assert_eq!(lines, [2, 3, 5, 7, 9]);
        assert_eq!(all[0].content, RowContent::Ids(ScheduleRef::message("s1")));
        assert_eq!(reason(&all[1]), "schedule_id is blank");
        assert_eq!(all[2].content, RowContent::Ids(ScheduleRef::message("s4")));
        assert_eq!(reason(&all[3]), "schedule_id is blank");
        assert_eq!(reason(&all[4]), "schedule_id is blank");
    }

    #[test]
    fn csv_line_numbers_survive_blank_lines_crlf_and_quoted_newlines() {
        let lf = b"campaign_id,schedule_id\n\n\nc1,s1\n,,\nc2,\"s\n2\"\nc3,s3";
        let all = rows(lf, "in.csv", ScheduleKind::Campaign).unwrap();
        assert_eq!(
            all,
            vec![ids(4, "c1", "s1"), ids(6, "c2", "s\n2"), ids(8, "c3", "s3")]
        );
        let crlf = b"campaign_id,schedule_id\r\nc1,s1\r\n\r\nc2,s2\r\nc3,s3\r\n";
        let all = rows(crlf, "in.csv", ScheduleKind::Campaign).unwrap();
        assert_eq!(
            all,
            vec![ids(2, "c1", "s1"), ids(4, "c2", "s2"), ids(5, "c3", "s3")]
        );
    }

    #[test]
    fn csv_line_numbers_survive_a_quote_left_open_at_the_end() {
        // Found by the `rows` fuzz target: the last row's newline inside the open quote was
        // taken for its terminator, giving it the line of the row before.
        let open = b"campaign_id,schedule_id\nc1,s1\nc3\n\"c,4\",\"s\n4B\n";
        let all = rows(open, "in.csv", ScheduleKind::Campaign).unwrap();
        assert_eq!(all.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 4]);
        assert_eq!(all[2], ids(4, "c,4", "s\n4B"));
        let closed = b"campaign_id,schedule_id\nc1,s1\n\"c,4\",\"s\n\"\nc5,s5\n";
        let all = rows(closed, "in.csv", ScheduleKind::Campaign).unwrap();
        assert_eq!(all.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 5]);
    }

    #[test]
    fn csv_without_the_columns_is_an_input_error() {
        let error = match rows(
            b"campaign_id,schedule\nc,s\n",
            "in.csv",
            ScheduleKind::Campaign,
        ) {
            Err(e) => e,
            Ok(rows) => panic!("{rows:?}"),
        };
        assert!(
            error.to_string().contains("no `schedule_id` column"),
            "{error}"
        );
        assert!(rows(b"campaign_id,schedule_id\n", "in.csv", ScheduleKind::Canvas).is_err());
    }

    #[test]
    fn jsonl_rows_and_their_problems() {
        let jsonl = b"{\"canvas_id\":\"v1\",\"schedule_id\":\"s1\",\"x\":1}\n\
            \n\
            [1,2]\n\
            {\"canvas_id\":5,\"schedule_id\":\"s3\"}\n\
            {\"schedule_id\":\"s4\"}\n\
            {not json\n\
            {\"canvas_id\":\"v\xff\",\"schedule_id\":\"s6\"}\n\
            {\"canvas_id\":\" \",\"schedule_id\":\"s7\"}\n\
            {\"canvas_id\":\"v8\",\"schedule_id\":\"s8\"}";
        let all = rows(jsonl, "in.ndjson", ScheduleKind::Canvas).unwrap();
        let canvas = |line, owner, schedule| Row {
            line,
            content: RowContent::Ids(ScheduleRef::canvas(owner, schedule)),
        };
        assert_eq!(all[0], canvas(1, "v1", "s1"));
        assert_eq!(all[1].line, 3);
        assert!(reason(&all[1]).starts_with("not a JSON object (found an array)"));
        assert_eq!(reason(&all[2]), "canvas_id must be a string, not a number");
        assert_eq!(reason(&all[3]), "missing canvas_id");
        assert!(reason(&all[4]).starts_with("not valid JSON"));
        assert_eq!(all[5].line, 7);
        assert!(reason(&all[5]).starts_with("not valid JSON"));
        assert_eq!(reason(&all[6]), "canvas_id is blank");
        assert_eq!(all[7], canvas(9, "v8", "s8"));
    }

    #[test]
    fn unknown_extensions_are_sniffed() {
        let all = rows(
            b"  {\"campaign_id\":\"c\",\"schedule_id\":\"s\"}\n",
            "in.txt",
            ScheduleKind::Campaign,
        );
        assert_eq!(all.unwrap(), vec![ids(1, "c", "s")]);
        let all = rows(
            b"campaign_id,schedule_id\nc,s\n",
            "in",
            ScheduleKind::Campaign,
        );
        assert_eq!(all.unwrap(), vec![ids(2, "c", "s")]);
        let array = rows(
            b"[{\"campaign_id\":\"c\"}]",
            "in.json",
            ScheduleKind::Campaign,
        );
        assert!(array.unwrap_err().to_string().contains("JSON Lines"));
    }

    #[test]
    fn row_estimates_count_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, "campaign_id,schedule_id\nc,s1\nc,s2").unwrap();
        assert_eq!(estimate_rows(&path, InputFormat::Csv), Some(2));
        assert_eq!(estimate_rows(&path, InputFormat::Jsonl), Some(3));
        assert_eq!(estimate_rows(Path::new("-"), InputFormat::Csv), None);
    }

    /// Every row of `bytes` read as `format` (sniffed when `None`), or the error that
    /// stopped the reading; panics are what the properties below look for.
    fn read_all(
        bytes: &[u8],
        format: Option<InputFormat>,
        kind: ScheduleKind,
    ) -> Result<Vec<Row>, CliError> {
        let source: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(bytes.to_vec()));
        let mut reader = RowReader::from_reader(source, Path::new("input"), format, kind)?;
        let mut all = Vec::new();
        while let Some(row) = reader.next_row() {
            all.push(row?);
        }
        Ok(all)
    }

    /// A source that gives its bytes a few at a time, as a pipe written slowly does: the
    /// `n`th read gives at most `sizes[n % sizes.len()]` bytes.
    struct Pieces {
        bytes: std::io::Cursor<Vec<u8>>,
        sizes: &'static [usize],
        reads: usize,
    }

    impl Read for Pieces {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let most = self.sizes[self.reads % self.sizes.len()].min(buffer.len());
            self.reads += 1;
            self.bytes.read(&mut buffer[..most])
        }
    }

    /// The ways of reading that the tests below try: whole (the 64 KiB reads of a file),
    /// and 1, 2, 3 or 1 to 5 bytes a read.
    const READS: [&[usize]; 5] = [&[usize::MAX], &[1], &[2], &[3], &[1, 2, 3, 4, 5]];

    fn source_in(bytes: &[u8], sizes: &'static [usize]) -> Box<dyn Read + Send> {
        Box::new(Pieces {
            bytes: std::io::Cursor::new(bytes.to_vec()),
            sizes,
            reads: 0,
        })
    }

    /// [`read_all`], with reads of `sizes` bytes.
    fn read_in(
        bytes: &[u8],
        sizes: &'static [usize],
        kind: ScheduleKind,
    ) -> Result<Vec<Row>, CliError> {
        let source = source_in(bytes, sizes);
        let mut reader =
            RowReader::from_reader(source, Path::new("input"), Some(InputFormat::Csv), kind)?;
        let mut all = Vec::new();
        while let Some(row) = reader.next_row() {
            all.push(row?);
        }
        Ok(all)
    }

    /// The records of a CSV input after its header, as [`CsvRecords::next_record`] reads
    /// them (without their lines), and as [`CsvFields`] reads them; with reads of `sizes`.
    #[allow(clippy::type_complexity)]
    fn records_both_ways(
        bytes: &[u8],
        sizes: &'static [usize],
    ) -> (Vec<Vec<Vec<u8>>>, Vec<Vec<Vec<u8>>>) {
        let open = || {
            let (source, _) = buffered(
                source_in(bytes, sizes),
                Path::new("in"),
                Some(InputFormat::Csv),
            )
            .unwrap();
            CsvRecords::new(source, Path::new("in")).unwrap().0
        };
        let mut records = open();
        let mut by_records = Vec::new();
        while let Some(record) = records.next_record() {
            by_records.push(record.unwrap().1.iter().map(<[u8]>::to_vec).collect());
        }
        let mut fields = open().into_fields();
        let mut by_fields = Vec::new();
        while let Some(found) = fields.next_fields() {
            by_fields.push(found.unwrap().iter().map(<[u8]>::to_vec).collect());
        }
        (by_records, by_fields)
    }

    fn lines_and_blanks(rows: &[Row]) -> Vec<Expected> {
        rows.iter()
            .map(|row| {
                let blank = match &row.content {
                    RowContent::Invalid { reason, .. } => {
                        assert!(reason.contains("schedule_id is blank"), "{row:?}");
                        true
                    }
                    RowContent::Ids(_) => false,
                };
                (row.line, blank)
            })
            .collect()
    }

    /// A row's line, and whether it is invalid for a blank id.
    type Expected = (u64, bool);

    #[test]
    fn a_quoted_empty_id_is_a_row_however_the_bytes_arrive() {
        // Issue 22: in pieces, `""` alone on its record spanned more reads than were kept
        // and was taken for a blank line: the row vanished from the run and the report.
        let cases: [(&[u8], &[Expected]); 6] = [
            (
                b"schedule_id\ns1\n\"\"\n\ns4\n  \n\" \"\r\n\r\n\"\"",
                &[(2, false), (3, true), (5, false), (7, true), (9, true)],
            ),
            (b"schedule_id\n\"\"\ns2\n", &[(2, true), (3, false)]),
            (
                b"schedule_id\n\"\"\n\"\"\n\"\"\n",
                &[(2, true), (3, true), (4, true)],
            ),
            (b"schedule_id\n\n\n\n\"\"\n\n", &[(5, true)]),
            (b"schedule_id\r\ns1\r\n\"\"\r\n", &[(2, false), (3, true)]),
            (b"schedule_id\n  \n\"\" \n\t\n", &[(3, true)]),
        ];
        for (csv, expected) in cases {
            for sizes in READS {
                let rows = read_in(csv, sizes, ScheduleKind::Message).unwrap();
                assert_eq!(
                    lines_and_blanks(&rows),
                    expected,
                    "{:?} in reads of {sizes:?}",
                    String::from_utf8_lossy(csv)
                );
                let (records, fields) = records_both_ways(csv, sizes);
                assert_eq!(records.len(), expected.len(), "{sizes:?}");
                assert_eq!(fields, records, "{sizes:?}");
            }
        }
    }

    #[test]
    fn a_quoted_empty_id_after_more_than_a_read_buffer_is_a_row() {
        // A record longer than the read buffer (64 KiB) before it; blank lines or spaces
        // longer than it around it: `""` is a row each time, a blank line never.
        let long_id = "a".repeat(READ_BUFFER_BYTES + 5000);
        let many_blank_lines = "\n".repeat(2 * READ_BUFFER_BYTES + 7);
        let many_spaces = " ".repeat(2 * READ_BUFFER_BYTES + 7);
        let cases = [
            (
                format!("schedule_id\n{long_id}\n\"\"\ns3\n"),
                vec![(2, false), (3, true), (4, false)],
            ),
            (
                format!("schedule_id\ns1\n{many_blank_lines}\"\"\ns3\n"),
                vec![
                    (2, false),
                    (many_blank_lines.len() as u64 + 3, true),
                    (many_blank_lines.len() as u64 + 4, false),
                ],
            ),
            (
                format!("schedule_id\ns1\n\"\"{many_spaces}\ns3\n"),
                vec![(2, false), (3, true), (4, false)],
            ),
            (
                format!("schedule_id\ns1\n\"{many_spaces}\"\ns3\n"),
                vec![(2, false), (3, true), (4, false)],
            ),
            (
                format!("schedule_id\ns1\n{many_spaces}\ns3\n"),
                vec![(2, false), (4, false)],
            ),
        ];
        for (csv, expected) in &cases {
            // Reads of 1 to 5 bytes between larger ones: `CsvFields` reads a record that
            // spans reads again from its start after each, so 1 to 5 bytes at a time
            // through 128 KiB takes minutes in a debug build.
            for sizes in [READS[0], &[4000, 1, 2, 3, 4, 5]] {
                let rows = read_in(csv.as_bytes(), sizes, ScheduleKind::Message).unwrap();
                assert_eq!(&lines_and_blanks(&rows), expected, "reads of {sizes:?}");
                let (records, fields) = records_both_ways(csv.as_bytes(), sizes);
                assert_eq!(records.len(), expected.len(), "{sizes:?}");
                assert!(fields == records, "{sizes:?}");
            }
        }
    }

    #[test]
    fn a_bom_split_over_reads_is_dropped() {
        // The csv crate drops a BOM only when its first read holds all three bytes: from
        // a pipe written slowly, the quoted header after it was misread.
        let campaign = b"\xEF\xBB\xBF\"campaign_id\",\"schedule_id\"\nc1,s1\n\"\",s2\n";
        let message = b"\xEF\xBB\xBF\"schedule_id\"\ns1\n\"\"\n";
        let unquoted = b"\xEF\xBB\xBFschedule_id\r\n\r\ns1\r\n";
        // Not a BOM, though it starts like one: its bytes are kept.
        let almost = b"\xEF\xBBschedule_id,x\ns1,y\n";
        for sizes in READS {
            let rows = read_in(campaign, sizes, ScheduleKind::Campaign).unwrap();
            assert_eq!(rows.len(), 2, "{sizes:?}");
            assert_eq!(rows[0], ids(2, "c1", "s1"), "{sizes:?}");
            assert_eq!(
                (rows[1].line, reason(&rows[1])),
                (3, "campaign_id is blank")
            );
            let rows = read_in(message, sizes, ScheduleKind::Message).unwrap();
            assert_eq!(
                lines_and_blanks(&rows),
                [(2, false), (3, true)],
                "{sizes:?}"
            );
            let rows = read_in(unquoted, sizes, ScheduleKind::Message).unwrap();
            assert_eq!(lines_and_blanks(&rows), [(3, false)], "{sizes:?}");
            let error = read_in(almost, sizes, ScheduleKind::Message).unwrap_err();
            assert!(error.to_string().contains("\u{fffd}schedule_id"), "{error}");
            for csv in [&campaign[..], message, unquoted] {
                let (records, fields) = records_both_ways(csv, sizes);
                assert_eq!(fields, records, "{sizes:?}");
            }
        }
    }

    /// What holds for the rows of any input: lines increase and lie within the input,
    /// ids are trimmed and not blank, every invalid row says why.
    fn check_rows(bytes: &[u8], rows: &[Row]) {
        let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        let mut previous = 0;
        for row in rows {
            assert!(row.line > previous, "lines increase: {rows:?}");
            assert!(row.line <= lines, "line {} of {lines}", row.line);
            previous = row.line;
            match &row.content {
                RowContent::Ids(schedule) => {
                    for id in schedule
                        .owner_id()
                        .into_iter()
                        .chain([schedule.schedule_id().as_str()])
                    {
                        assert!(!id.trim().is_empty(), "{row:?}");
                        assert_eq!(id.trim(), id, "ids are trimmed");
                    }
                }
                RowContent::Invalid { reason, .. } => assert!(!reason.is_empty(), "{row:?}"),
            }
        }
    }

    /// Ids as operators' files hold them, and worse.
    fn any_id() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            "[a-z0-9-]{1,12}",
            Just(String::new()),
            Just("  ".to_owned()),
            ".{0,8}",
            any::<String>(),
        ]
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            #[test]
            fn any_bytes_as_csv_give_rows_or_a_clear_error(
                bytes in proptest::collection::vec(any::<u8>(), 0..400),
            ) {
                let with_header = [b"campaign_id,schedule_id\n".as_slice(), &bytes].concat();
                for input in [&bytes, &with_header] {
                    match read_all(input, Some(InputFormat::Csv), ScheduleKind::Campaign) {
                        Ok(rows) => check_rows(input, &rows),
                        Err(error) => prop_assert!(!error.to_string().is_empty()),
                    }
                }
            }

            #[test]
            fn csv_records_are_the_same_however_the_bytes_arrive(
                header in proptest::sample::select(vec![
                    "schedule_id",
                    "\u{feff}schedule_id",
                    "\u{feff}\"schedule_id\"",
                    "\u{feff}\"campaign_id\",schedule_id",
                ]),
                body in proptest::collection::vec(
                    proptest::sample::select(vec![
                        &b"a"[..], b" ", b",", b"\"", b"\"\"", b"\"\"", b"\n", b"\n", b"\n",
                        b"\r\n", b"\"\"\n", b"\n\"\"\n", b"\t", b"\xEF\xBB\xBF",
                    ]),
                    0..40,
                ),
                sizes in proptest::sample::select(READS.to_vec()),
            ) {
                // `CsvRecords::next_record` and `CsvFields` skip the same blank records (a
                // quoted empty field alone on its record is not one), and read in pieces
                // they read what they read whole: no record vanishes, none is added.
                let bytes = [format!("{header}\n").as_bytes(), &body.concat()].concat();
                let (whole, whole_fields) = records_both_ways(&bytes, READS[0]);
                prop_assert_eq!(&whole_fields, &whole);
                let (records, fields) = records_both_ways(&bytes, sizes);
                prop_assert_eq!(&records, &whole);
                prop_assert_eq!(&fields, &whole);
                let kind = if header.contains("campaign_id") {
                    ScheduleKind::Campaign
                } else {
                    ScheduleKind::Message
                };
                let rows = read_in(&bytes, sizes, kind).unwrap();
                prop_assert_eq!(&rows, &read_in(&bytes, READS[0], kind).unwrap());
                check_rows(&bytes, &rows);
            }

            #[test]
            fn any_bytes_as_json_lines_give_rows_or_a_clear_error(
                bytes in proptest::collection::vec(any::<u8>(), 0..400),
            ) {
                match read_all(&bytes, Some(InputFormat::Jsonl), ScheduleKind::Canvas) {
                    Ok(rows) => check_rows(&bytes, &rows),
                    Err(error) => prop_assert!(!error.to_string().is_empty()),
                }
                // Sniffed: CSV, JSON Lines, or the JSON-array refusal.
                if let Ok(rows) = read_all(&bytes, None, ScheduleKind::Campaign) {
                    check_rows(&bytes, &rows);
                }
            }

            #[test]
            fn json_lines_made_of_fragments_of_rows(
                pieces in proptest::collection::vec(prop_oneof![
                    Just("{\"campaign_id\":\"c\",\"schedule_id\":\"s\"}".to_owned()),
                    Just("{\"campaign_id\":".to_owned()),
                    Just("\"schedule_id\":null}".to_owned()),
                    Just("\n".to_owned()),
                    Just("\r\n".to_owned()),
                    Just("[1]".to_owned()),
                    Just("\u{feff}".to_owned()),
                    Just(" ".to_owned()),
                    any::<String>(),
                ], 0..20),
            ) {
                let bytes = pieces.concat().into_bytes();
                let rows = read_all(&bytes, Some(InputFormat::Jsonl), ScheduleKind::Campaign)
                    .expect("JSON Lines never fail as a whole");
                check_rows(&bytes, &rows);
            }

            #[test]
            fn csv_written_by_a_csv_writer_reads_back(
                rows_written in proptest::collection::vec(
                    proptest::collection::vec(any_id(), 1..6),
                    0..30,
                ),
                extra_columns in 0usize..3,
                crlf in any::<bool>(),
            ) {
                // A header with the two id columns first and `extra_columns` more; rows of
                // 1 to 5 fields, so some have fewer or more fields than the header.
                let mut writer = csv::WriterBuilder::new()
                    .flexible(true)
                    .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                    .from_writer(Vec::new());
                let mut header = vec!["campaign_id".to_owned(), "schedule_id".to_owned()];
                header.extend((0..extra_columns).map(|n| format!("extra_{n}")));
                writer.write_record(&header).unwrap();
                for fields in &rows_written {
                    writer.write_record(fields).unwrap();
                }
                let bytes = writer.into_inner().unwrap();
                let rows = read_all(&bytes, Some(InputFormat::Csv), ScheduleKind::Campaign).unwrap();
                check_rows(&bytes, &rows);
                // Rows whose fields are all blank are not rows, except a lone field the
                // writer quoted (empty, or holding a line break); the others come back in
                // order.
                let quoted = |f: &String| f.is_empty() || f.contains(['\n', '\r']);
                let kept: Vec<&Vec<String>> = rows_written
                    .iter()
                    .filter(|fields| {
                        (fields.len() == 1 && quoted(&fields[0]))
                            || !fields.iter().all(|f| f.trim_ascii().is_empty())
                    })
                    .collect();
                prop_assert_eq!(rows.len(), kept.len());
                for (row, fields) in rows.iter().zip(kept) {
                    let usable = |id: Option<&String>| id.is_some_and(|id| !id.trim().is_empty());
                    let (owner, schedule) = (fields.first(), fields.get(1));
                    match &row.content {
                        RowContent::Ids(reference) => {
                            prop_assert_eq!(fields.len(), header.len(), "{:?}", row);
                            prop_assert_eq!(reference.owner_id(), owner.map(|o| o.trim()));
                            prop_assert_eq!(Some(reference.schedule_id().as_str()), schedule.map(|s| s.trim()));
                        }
                        RowContent::Invalid { reason, .. } if fields.len() != header.len() => {
                            let count = format!(
                                "has {} field{} but the header has {}",
                                fields.len(),
                                if fields.len() == 1 { "" } else { "s" },
                                header.len(),
                            );
                            prop_assert!(reason.starts_with(&count), "{:?}", row);
                        }
                        RowContent::Invalid { .. } => {
                            prop_assert!(!usable(owner) || !usable(schedule), "{:?}", row);
                        }
                    }
                }
            }

            #[test]
            fn json_lines_written_by_serde_read_back(
                ids in proptest::collection::vec((any_id(), any_id()), 0..30),
            ) {
                let mut bytes = Vec::new();
                for (owner, schedule) in &ids {
                    serde_json::to_writer(
                        &mut bytes,
                        &serde_json::json!({"canvas_id": owner, "schedule_id": schedule}),
                    )
                    .unwrap();
                    bytes.push(b'\n');
                }
                let format = if ids.is_empty() { Some(InputFormat::Jsonl) } else { None };
                let rows = read_all(&bytes, format, ScheduleKind::Canvas).unwrap();
                check_rows(&bytes, &rows);
                prop_assert_eq!(rows.len(), ids.len());
                for (n, (row, (owner, schedule))) in rows.iter().zip(&ids).enumerate() {
                    prop_assert_eq!(row.line, n as u64 + 1);
                    match &row.content {
                        RowContent::Ids(reference) => {
                            prop_assert_eq!(reference.owner_id(), Some(owner.trim()));
                            prop_assert_eq!(reference.schedule_id().as_str(), schedule.trim());
                        }
                        RowContent::Invalid { .. } => {
                            prop_assert!(owner.trim().is_empty() || schedule.trim().is_empty());
                        }
                    }
                }
            }
        }
    }
}
