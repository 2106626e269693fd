//! Fuzz targets for the decoders of the `braze` command: the rows of a bulk delete (CSV,
//! JSON Lines, sniffed) and the `--resume` report. Each target checks the properties the
//! unit tests state (see `crates/braze-cli/src/bulk/input.rs` and `resume.rs`) on whatever
//! bytes AFL++ makes up: a row or a clear error, never a panic.
//!
//! The CLI is a binary crate, so its modules are compiled here from its own source files,
//! under the same names as in its `main.rs` (so that their `crate::` paths resolve). A
//! module added to the CLI must be added here too; the build says so if it is missing.

#![allow(dead_code, unused_imports, clippy::all)]

#[path = "../../crates/braze-cli/src/bulk/mod.rs"]
pub mod bulk;
#[path = "../../crates/braze-cli/src/cli.rs"]
pub mod cli;
#[path = "../../crates/braze-cli/src/credentials.rs"]
pub mod credentials;
#[path = "../../crates/braze-cli/src/demo.rs"]
pub mod demo;
#[path = "../../crates/braze-cli/src/embedded_mock.rs"]
pub mod embedded_mock;
#[path = "../../crates/braze-cli/src/error.rs"]
pub mod error;
#[path = "../../crates/braze-cli/src/output.rs"]
pub mod output;
#[path = "../../crates/braze-cli/src/single.rs"]
pub mod single;

use std::io::Cursor;
use std::path::Path;

use bulk::Kind;
use bulk::input::{RowContent, RowReader};
use bulk::resume::AlreadyDeleted;
use cli::InputFormat;

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
    let kind = if selector & 0x80 == 0 {
        Kind::Campaign
    } else {
        Kind::Canvas
    };
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
                for id in [owner_id, schedule_id] {
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
    let kind = if selector & 1 == 0 {
        Kind::Campaign
    } else {
        Kind::Canvas
    };
    match AlreadyDeleted::from_reader(bytes, Path::new("report.jsonl"), kind) {
        Ok(done) => {
            let _ = done.contains("c", "s");
            let mut horizons = done.horizons();
            let _ = done.may_have_sent(2, "c", "s", &mut horizons);
        }
        Err(error) => {
            let text = error.to_string();
            assert!(text.contains(" line "), "{text}");
        }
    }
}
