//! The same user on two rows would get two sends (from two batches): such an input is
//! refused before anything is sent, with the lines named (unless `--allow-duplicates`).
//!
//! In memory that does not grow with the input: a first pass puts each row's user key
//! into a Bloom filter of fixed size (`FILTER_BITS`, 4 MiB); a key the filter already holds is
//! a candidate (a duplicate, or a false match, about 1 in 20,000 rows at a million rows).
//! That pass reads only the identifiers ([`RecipientRows::next_key`]). Only when there
//! are candidates does a second pass read the rows whole and collect the lines of the
//! candidates' valid rows, and only theirs.

use std::collections::HashMap;

use crate::bulk::send::rows::{Content, RecipientRows};
use crate::bulk::send::user::User;
use crate::error::CliError;

/// The filter's size: 4 MiB.
const FILTER_BITS: usize = 1 << 25;
/// Bits set per key.
const HASHES: u64 = 5;

/// A Bloom filter of user keys.
struct Filter {
    bits: Vec<u64>,
}

impl Filter {
    fn new() -> Self {
        Self {
            bits: vec![0; FILTER_BITS / 64],
        }
    }

    /// Adds `key`; returns whether it may have been there already.
    fn insert(&mut self, key: u64) -> bool {
        // Double hashing: the key's halves give the k positions.
        let (a, b) = (key, key.rotate_left(32) | 1);
        let mut present = true;
        for i in 0..HASHES {
            let bit = (a.wrapping_add(i.wrapping_mul(b)) as usize) % FILTER_BITS;
            let (word, mask) = (bit / 64, 1u64 << (bit % 64));
            present &= self.bits[word] & mask != 0;
            self.bits[word] |= mask;
        }
        present
    }
}

/// A user named on several rows, and the lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// Whom the rows name.
    pub user: User,
    /// The lines naming them, in input order.
    pub lines: Vec<u64>,
}

/// The users the input names more than once: `open` gives the input from its start
/// (called once, or twice when there are candidates). Invalid rows are not counted.
pub fn find(
    mut open: impl FnMut() -> Result<RecipientRows, CliError>,
) -> Result<Vec<Duplicate>, CliError> {
    let mut filter = Filter::new();
    let mut candidates: HashMap<u64, Vec<u64>> = HashMap::new();
    // The first pass reads only the users' identifiers; a row that is not valid may be
    // a candidate, and is left out by the second pass, which reads candidates whole.
    let mut rows = open()?;
    while let Some(row) = rows.next_key() {
        if let (_, Some(key)) = row?
            && filter.insert(key)
        {
            candidates.insert(key, Vec::new());
        }
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    drop(filter);
    let mut users: HashMap<u64, User> = HashMap::new();
    let mut rows = open()?;
    while let Some(row) = rows.next_row() {
        let row = row?;
        if let Content::Recipient(recipient) = &row.content {
            let key = User::key_of(recipient);
            if let Some(lines) = candidates.get_mut(&key) {
                lines.push(row.line);
                users.entry(key).or_insert_with(|| User::of(recipient));
            }
        }
    }
    let mut found: Vec<Duplicate> = candidates
        .into_iter()
        .filter(|(_, lines)| lines.len() > 1)
        .filter_map(|(key, lines)| {
            Some(Duplicate {
                user: users.remove(&key)?,
                lines,
            })
        })
        .collect();
    found.sort_by_key(|duplicate| duplicate.lines[0]);
    Ok(found)
}

/// The refusal of an input with duplicates: the first few users and their lines.
pub fn refusal(duplicates: &[Duplicate]) -> CliError {
    const SHOWN: usize = 20;
    let mut text = format!(
        "{} user{} on more than one row, and would get the message once per row:",
        duplicates.len(),
        if duplicates.len() == 1 {
            " appears"
        } else {
            "s appear"
        }
    );
    for duplicate in duplicates.iter().take(SHOWN) {
        let lines: Vec<String> = duplicate.lines.iter().map(u64::to_string).collect();
        text.push_str(&format!(
            "\n  {}: lines {}",
            duplicate.user,
            lines.join(", ")
        ));
    }
    if duplicates.len() > SHOWN {
        text.push_str(&format!("\n  ... and {} more", duplicates.len() - SHOWN));
    }
    text.push_str("\nremove them, or send once per row with --allow-duplicates");
    CliError::Input(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::input::buffered;
    use crate::cli::InputFormat;
    use std::io::Read;
    use std::path::Path;

    fn find_in(csv: &'static [u8]) -> Vec<Duplicate> {
        find(|| {
            let source: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(csv));
            let (source, format) = buffered(source, Path::new("in"), Some(InputFormat::Csv))?;
            RecipientRows::from_source(source, Path::new("in"), format)
        })
        .unwrap()
    }

    #[test]
    fn users_named_twice_are_found_with_their_lines() {
        let found = find_in(b"external_user_id,email,prioritization\nu1,,\nu2,,\nu1,,\n,a@x.io,identified\nu3,,\n,a@x.io,identified\nu1,,\n");
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].lines, [2, 4, 8]);
        assert_eq!(found[0].user.external_user_id.as_deref(), Some("u1"));
        assert_eq!(found[1].lines, [5, 7]);
        let refusal = refusal(&found).to_string();
        assert!(
            refusal.contains("external_user_id u1: lines 2, 4, 8"),
            "{refusal}"
        );
        assert!(find_in(b"external_user_id\nu1\nu2\n").is_empty());
    }

    #[test]
    fn an_invalid_row_is_not_a_duplicate() {
        // Line 3 names u1 again, but cannot be sent (its properties are not JSON).
        let found = find_in(b"external_user_id,trigger_properties\nu1,\nu1,not json\nu2,\n");
        assert!(found.is_empty(), "{found:?}");
        let found = find_in(b"external_user_id,trigger_properties\nu1,\nu1,not json\nu1,{}\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].lines, [2, 4]);
    }

    #[test]
    fn the_filter_remembers_what_it_was_given() {
        let mut filter = Filter::new();
        let mut false_matches = 0;
        for key in 0..100_000u64 {
            let key = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            false_matches += u32::from(filter.insert(key));
            assert!(filter.insert(key), "a key given is always found");
        }
        assert!(false_matches < 10, "{false_matches} false matches");
    }
}
