//! Maintainer tasks, run as `cargo xtask <task>`.
//!
//! * `cargo xtask generate` rewrites `crates/braze-api/src/generated.rs` from
//!   `openapi/braze.yaml` with progenitor.
//! * `cargo xtask generate --check` regenerates in memory and fails, with a diff summary,
//!   when the checked-in file differs (CI runs it).
//! * `cargo xtask bench [--smoke]` runs the benchmarks and writes BENCHMARKS.md.
//! * `cargo xtask reliability [--full] [PART...]` runs the evidence of RELIABILITY.md.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod bench;
mod generate;
mod operation_table;
mod reliability;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  generate            rewrite crates/braze-api/src/generated.rs from openapi/braze.yaml
  generate --check    fail if the checked-in generated code is stale
  bench               run every benchmark (release builds, peers via npm) and rewrite
                      BENCHMARKS.md
  bench --smoke       the same with tiny sizes and debug builds, to prove the harness
                      runs (writes target/BENCHMARKS.smoke.md)
  reliability [--full] [campaigns] [schemathesis] [fuzz]
                      the fault campaigns, Schemathesis against the fake, and the AFL++
                      fuzz targets (RELIABILITY.md); --full for the full sizes
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["generate"] => generate::run(&workspace_root(), generate::Mode::Write),
        ["generate", "--check"] => generate::run(&workspace_root(), generate::Mode::Check),
        ["bench"] => bench::run(&workspace_root(), false),
        ["bench", "--smoke"] => bench::run(&workspace_root(), true),
        ["reliability", rest @ ..] => reliability::run(&workspace_root(), rest),
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask lives one level below it.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
        .to_path_buf()
}
