//! The same user on two rows would get two sends (from two batches): such an input is
//! refused before anything is sent, with the lines named (unless `--allow-duplicates`).
//!
//! In memory that does not grow with the input: a first pass puts each row's user key
//! into a Bloom filter of fixed size (4 MiB, `Filter`); a key the filter already holds is
//! a candidate (a duplicate, or a false match). That pass reads only the identifiers
//! ([`RowKeys`]). Only when there are candidates does a second pass read the rows whole
//! and collect the lines of the candidates' valid rows, and only theirs.
//!
//! The filter is blocked: all 16 of a key's bits lie in one 64-byte block, one cache line,
//! so a key costs one cache line, not one per bit; and keys are added in batches sorted
//! by block (`Filter::add`), so that those lines are fetched in address order instead
//! of missing at random. Its false matches, from the usual model (a block's keys are
//! Poisson with mean n / 65,536; a key sets two bits in each of its block's 8 words of
//! 64, so a new key matches with probability E[(1 - (63/64)^2j)^16] over the block's
//! load j), summed over the rows as they are added: about 3 × 10⁻¹⁰ false candidates in
//! all at 100,000 rows, and 0.37 at 1,000,000 (the last row's chance is then
//! 3.6 × 10⁻⁶), so a file of a million rows without duplicates gets a second pass about
//! one run in three. (The unblocked filter before it, 4 MiB with 5 bits set anywhere,
//! expected 9 false candidates at a million rows, so the second pass always ran there.)
//! A filter of 8 MiB would make that one run in 1,000, but its first pass was measured
//! slower at both sizes on a 2-core virtual machine (16 ms against 11 at 100,000 rows):
//! twice the pages to fault in and to translate.

use std::collections::HashMap;

use crate::bulk::send::rows::{Content, RecipientRows, RowKeys};
use crate::bulk::send::user::User;
use crate::error::CliError;

/// The filter's blocks: 65,536 of 64 bytes, 4 MiB (only while the first pass runs).
const BLOCKS: usize = 1 << 16;
/// Words per block: a key sets two bits in each.
const BLOCK_WORDS: usize = 8;
/// Keys added to the filter at a time, in the order of their blocks (128 KiB of keys,
/// and as much again to sort them).
const BATCH: usize = 1 << 14;

/// A blocked Bloom filter of user keys.
struct Filter {
    /// The blocks, word after word, from `first`: zeroed by the allocator (pages are
    /// only touched when a key lands in them), with room to start on a 64-byte boundary.
    words: Vec<u64>,
    /// The first word of the first block, 64-byte aligned, so that a block is one line.
    first: usize,
    /// A batch of keys in the order they are added ([`Filter::add`]).
    sorted: Vec<u64>,
}

impl Filter {
    fn new() -> Self {
        let words = vec![0; BLOCKS * BLOCK_WORDS + BLOCK_WORDS - 1];
        let first = words.as_ptr().align_offset(64).min(BLOCK_WORDS - 1);
        Self {
            words,
            first,
            sorted: Vec::with_capacity(BATCH),
        }
    }

    /// Where `key` goes: its block's first word, and the bits to set in each word. The
    /// key's top 16 bits pick the block; two bijective remixes of the key give
    /// 2 × 8 × 6 bits, two bits per word.
    fn place(&self, key: u64) -> (usize, [u64; BLOCK_WORDS]) {
        let start = self.first + BLOCK_WORDS * (key >> (64 - BLOCKS.trailing_zeros())) as usize;
        let one = (key ^ (key >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let two = (key ^ (key >> 31)).wrapping_mul(0x94D0_49BB_1331_11EB);
        let masks = std::array::from_fn(|i| {
            let shift = 16 + 6 * i;
            (1u64 << ((one >> shift) & 63)) | (1u64 << ((two >> shift) & 63))
        });
        (start, masks)
    }

    /// Adds the keys of `batch`, and empties it; a key that may have been there already
    /// is a candidate. The keys are added in the order of their top 8 bits (a counting
    /// sort, into `self.sorted`), which are the top bits of their blocks, so that the
    /// filter is walked from end to end once per batch, 16 KiB at a time, rather than at
    /// random: a key's block is then a cache line the processor has fetched ahead, on a
    /// page it has just translated, not a miss each. The same keys, in any order, make
    /// the same candidates.
    fn add(&mut self, batch: &mut Vec<u64>, candidates: &mut HashMap<u64, Vec<u64>>) {
        let region = |key: u64| (key >> 56) as usize;
        let mut next = [0usize; 256];
        for &key in batch.iter() {
            next[region(key)] += 1;
        }
        let mut start = 0;
        for slot in &mut next {
            (*slot, start) = (start, start + *slot);
        }
        let mut sorted = std::mem::take(&mut self.sorted);
        sorted.clear();
        sorted.resize(batch.len(), 0);
        for &key in batch.iter() {
            let slot = &mut next[region(key)];
            sorted[*slot] = key;
            *slot += 1;
        }
        for &key in &sorted {
            if self.insert(key) {
                candidates.insert(key, Vec::new());
            }
        }
        self.sorted = sorted;
        batch.clear();
    }

    /// Adds `key`; returns whether it may have been there already.
    fn insert(&mut self, key: u64) -> bool {
        let (start, masks) = self.place(key);
        let mut present = true;
        for (word, mask) in self.words[start..start + BLOCK_WORDS].iter_mut().zip(masks) {
            present &= *word & mask == mask;
            *word |= mask;
        }
        present
    }

    /// Whether `key` may have been added.
    #[cfg(test)]
    fn contains(&self, key: u64) -> bool {
        let (start, masks) = self.place(key);
        let block = &self.words[start..start + BLOCK_WORDS];
        block
            .iter()
            .zip(masks)
            .all(|(word, mask)| word & mask == mask)
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
    // a candidate, and is left out by the second pass, which reads candidates whole. So
    // the first pass may give keys for records that are no rows at all: that costs a
    // second pass, never a wrong answer; what it must not do is miss a valid row's key.
    let mut keys: RowKeys = open()?.into_keys();
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(key) = keys.next_key() {
        if let Some(key) = key? {
            batch.push(key);
            if batch.len() == BATCH {
                filter.add(&mut batch, &mut candidates);
            }
        }
    }
    filter.add(&mut batch, &mut candidates);
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

    /// Keys as a hash would give them (SplitMix64).
    fn keys(seed: u64) -> impl Iterator<Item = u64> {
        (0u64..).map(move |i| {
            let mut x = seed.wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        })
    }

    #[test]
    fn the_filter_remembers_what_it_was_given() {
        // A million keys, as many as the module's figures are for: about 0.37 false
        // matches expected while adding them, and every key given is found again.
        let mut filter = Filter::new();
        let mut false_matches = 0;
        for key in keys(1).take(1_000_000) {
            false_matches += u32::from(filter.insert(key));
        }
        assert!(false_matches <= 4, "{false_matches} false matches");
        assert!(keys(1).take(1_000_000).all(|key| filter.contains(key)));
        assert!(keys(1).take(1_000).all(|key| filter.insert(key)));
        // Keys never given, against the full filter: about 3.6 × 10⁻⁶ each.
        let strangers = keys(2).take(1_000_000).filter(|&key| filter.contains(key));
        assert!(strangers.count() <= 12);
    }

    #[test]
    fn user_keys_spread_over_the_filter() {
        // The keys of ids that differ in a digit or two, as real ones do.
        let mut filter = Filter::new();
        let mut false_matches = 0;
        for i in 0..200_000 {
            let id = format!("bench-user-{i:08}");
            let key = User::key_from([Some(&id), None, None, None, None]);
            false_matches += u32::from(filter.insert(key));
        }
        assert!(false_matches <= 1, "{false_matches} false matches");
    }

    #[test]
    fn duplicates_among_many_rows_are_all_found() {
        // 20,000 rows naming 15,000 users, some of them several times, in shuffled order.
        let mut csv = b"email,external_user_id\n".to_vec();
        let mut expected: HashMap<String, Vec<u64>> = HashMap::new();
        for (i, draw) in keys(3).take(20_000).enumerate() {
            let user = format!("user-{}", draw % 15_000);
            csv.extend_from_slice(format!(",{user}\n").as_bytes());
            expected.entry(user).or_default().push(i as u64 + 2);
        }
        let csv: &'static [u8] = Vec::leak(csv);
        let found = find_in(csv);
        let mut expected: Vec<(String, Vec<u64>)> = expected
            .into_iter()
            .filter(|(_, lines)| lines.len() > 1)
            .collect();
        expected.sort_by_key(|(_, lines)| lines[0]);
        let found: Vec<(String, Vec<u64>)> = found
            .into_iter()
            .map(|d| (d.user.external_user_id.unwrap(), d.lines))
            .collect();
        assert!(expected.len() > 1000);
        assert_eq!(found, expected);
    }
}
