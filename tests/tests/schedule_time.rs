//! braze-api's hand-written `ScheduleTime` check accepts exactly what the spec's pattern
//! accepts: compared with `regress`, the regex engine the generated check used, on strings
//! of the pattern, on their mutations and on strings of the pattern's alphabet.

use braze_api::{SCHEDULE_TIME_PATTERN, ScheduleTime};
use proptest::prelude::*;
use serde_json::Value;

fn spec_pattern() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/braze.yaml");
    let text = std::fs::read_to_string(path).expect("read the spec");
    let spec: Value = yaml_serde::from_str(&text).expect("the spec is YAML");
    spec["components"]["schemas"]["ScheduleTime"]["pattern"]
        .as_str()
        .expect("ScheduleTime has a pattern")
        .to_owned()
}

/// Whether the spec's pattern matches `value`, the way the generated check asked it.
fn regex_accepts(regex: &regress::Regex, value: &str) -> bool {
    !value.is_empty() && regex.find(value).is_some()
}

fn regex() -> regress::Regex {
    regress::Regex::new(SCHEDULE_TIME_PATTERN).expect("the pattern compiles")
}

fn agree(regex: &regress::Regex, value: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        value.parse::<ScheduleTime>().is_ok(),
        regex_accepts(regex, value),
        "{:?}",
        value
    );
    Ok(())
}

#[test]
fn the_checked_pattern_is_the_spec_pattern() {
    assert_eq!(SCHEDULE_TIME_PATTERN, spec_pattern());
}

#[test]
fn the_documented_examples_agree() {
    let regex = regex();
    for value in [
        "2017-05-24T21:30:00Z",
        "2015-02-20T13:14:47",
        "2030-05-24 21:30",
        "2030-05-24T21:30:60.5-04:30",
        "2030-05-24T21:30:00+0200",
        "2030-05-24T21:30:00 UTC",
        "",
        "2030-02-30T00:00",
    ] {
        agree(&regex, value).unwrap();
    }
}

/// The characters an edit puts in: those of the pattern, and two it has not.
const EDIT_CHARS: [char; 18] = [
    '0', '1', '2', '3', '5', '6', '9', '-', ':', '.', 'T', 't', ' ', 'Z', 'z', '+', 'x', '٢',
];

#[test]
fn every_value_of_every_two_digit_field_agrees() {
    let regex = regex();
    let base = "2030-05-24T21:30:45+02:00";
    // Month, day, hour, minute, second, zone hour, zone minute.
    for start in [5, 8, 11, 14, 17, 20, 23] {
        for value in 0..100 {
            let candidate = format!("{}{value:02}{}", &base[..start], &base[start + 2..]);
            agree(&regex, &candidate).unwrap();
        }
    }
}

#[test]
fn every_single_edit_of_the_examples_agrees() {
    let regex = regex();
    for base in [
        "2030-05-24T21:30:45.25+02:00",
        "2030-12-31 23:59:60Z",
        "2015-02-20t13:14",
    ] {
        let chars: Vec<char> = base.chars().collect();
        for i in 0..=chars.len() {
            if i < chars.len() {
                agree(&regex, &apply(base, &Edit::Delete(i))).unwrap();
            }
            for c in EDIT_CHARS {
                agree(&regex, &apply(base, &Edit::Insert(i, c))).unwrap();
                if i < chars.len() {
                    agree(&regex, &apply(base, &Edit::Replace(i, c))).unwrap();
                }
            }
        }
    }
}

/// A small edit: delete, insert or replace one character.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    Insert(usize, char),
    Replace(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    let chars = proptest::sample::select(vec![
        '0', '1', '2', '3', '5', '6', '9', '-', ':', '.', 'T', 't', ' ', 'Z', 'z', '+', 'x', '٢',
    ]);
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), chars.clone()).prop_map(|(i, c)| Edit::Insert(i, c)),
        (any::<usize>(), chars).prop_map(|(i, c)| Edit::Replace(i, c)),
    ]
}

fn apply(value: &str, edit: &Edit) -> String {
    let mut chars: Vec<char> = value.chars().collect();
    match *edit {
        Edit::Delete(i) if !chars.is_empty() => {
            chars.remove(i % chars.len());
        }
        Edit::Insert(i, c) => chars.insert(i % (chars.len() + 1), c),
        Edit::Replace(i, c) if !chars.is_empty() => {
            let i = i % chars.len();
            chars[i] = c;
        }
        _ => {}
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn strings_of_the_pattern_and_their_mutations_agree(
        value in proptest::string::string_regex(
            SCHEDULE_TIME_PATTERN.trim_start_matches('^').trim_end_matches('$'),
        ).expect("proptest reads the pattern"),
        edits in proptest::collection::vec(edit(), 0..3),
    ) {
        let regex = regex();
        agree(&regex, &value)?;
        prop_assert!(value.parse::<ScheduleTime>().is_ok(), "{:?}", value);
        let mut edited = value;
        for edit in &edits {
            edited = apply(&edited, edit);
            agree(&regex, &edited)?;
        }
    }

    #[test]
    fn strings_of_the_alphabet_agree(value in "[0-9:.+TtZz -]{0,32}") {
        agree(&regex(), &value)?;
    }

    #[test]
    fn wire_values_deserialize_as_they_parse(value in "[0-9:.+TtZz -]{14,24}") {
        let json = serde_json::to_string(&value).unwrap();
        prop_assert_eq!(
            serde_json::from_str::<ScheduleTime>(&json).is_ok(),
            value.parse::<ScheduleTime>().is_ok()
        );
    }
}
