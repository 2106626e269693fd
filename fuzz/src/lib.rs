//! Fuzz targets for the decoders of the `braze` command: the rows of a bulk delete (CSV,
//! JSON Lines, sniffed) and the `--resume` report. Each target checks the properties the
//! unit tests state (see `crates/braze-cli/src/bulk/input.rs` and `resume.rs`) on whatever
//! bytes AFL++ makes up: a row or a clear error, never a panic.
//!
//! The decoders come from the CLI's library (`braze_cli`), built without its embedded
//! fake.

use std::io::Cursor;
use std::path::Path;

use braze_cli::bulk::input::{RowContent, RowReader};
use braze_cli::bulk::resume::AlreadyDeleted;
use braze_cli::cli::InputFormat;
use braze_sdk::ScheduleKind;

/// The first byte picks the format (CSV, JSON Lines, sniffed) and the kind; the rest is
/// the input file.
pub fn rows(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let format = match selector % 3 {
        0 => Some(InputFormat::Csv),
        1 => Some(InputFormat::Jsonl),
        _ => None,
    };
    let kind = ScheduleKind::ALL[usize::from(selector >> 7) % ScheduleKind::ALL.len()];
    let source = Box::new(Cursor::new(bytes.to_vec()));
    let mut reader = match RowReader::from_reader(source, Path::new("fuzz-input"), format, kind) {
        Ok(reader) => reader,
        Err(error) => {
            assert!(!error.to_string().is_empty());
            return;
        }
    };
    let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let mut previous = 0;
    while let Some(row) = reader.next_row() {
        let row = match row {
            Ok(row) => row,
            Err(error) => {
                assert!(!error.to_string().is_empty());
                return;
            }
        };
        assert!(row.line > previous, "lines increase");
        assert!(row.line <= lines, "line {} of {lines}", row.line);
        previous = row.line;
        match row.content {
            RowContent::Ids {
                owner_id,
                schedule_id,
            } => {
                assert_eq!(owner_id.is_some(), kind.owner_field().is_some());
                for id in owner_id.into_iter().chain([schedule_id]) {
                    assert!(!id.trim().is_empty(), "a blank id passed");
                    assert_eq!(id.trim(), id, "ids are trimmed");
                }
            }
            RowContent::Invalid { reason, .. } => assert!(!reason.is_empty()),
        }
    }
}

/// A `--resume` report: loads, or names the line it cannot read.
pub fn resume(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let kind = ScheduleKind::ALL[usize::from(selector) % ScheduleKind::ALL.len()];
    match AlreadyDeleted::from_reader(bytes, Path::new("report.jsonl"), kind) {
        Ok(done) => {
            let owner = kind.owner_field().map(|_| "c");
            let _ = done.contains(owner, "s");
            let mut horizons = done.horizons();
            let _ = done.may_have_sent(2, owner, "s", &mut horizons);
        }
        Err(error) => {
            let text = error.to_string();
            assert!(text.contains(" line "), "{text}");
        }
    }
}
