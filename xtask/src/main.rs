//! Maintainer tasks, run as `cargo xtask <task>`.
//!
//! * `cargo xtask generate` rewrites `crates/braze-api/src/generated.rs` from
//!   `openapi/braze.yaml` with progenitor.
//! * `cargo xtask generate --check` regenerates in memory and fails, with a diff summary,
//!   when the checked-in file differs (CI runs it).
//! * `cargo xtask bench [--smoke]` runs the benchmarks and writes BENCHMARKS.md.
//! * `cargo xtask build-cost [--smoke]` runs only the build-cost section of the
//!   benchmarks and replaces it in BENCHMARKS.md.
//! * `cargo xtask reliability [--full] [PART...]` runs the evidence of RELIABILITY.md.
//! * `cargo xtask conformance [--dry-run] [ARGS]` runs the conformance probe against the
//!   workspace in `BRAZE_REST_ENDPOINT` and against the fake (docs/conformance.md).
//! * `cargo xtask msrv` fails when a dependency of the published crates declares a
//!   `rust-version` above the workspace's (CI runs it).

use std::process::ExitCode;

mod bench;
mod conformance;
mod generate;
mod msrv;
mod operation_table;
mod readme_tables;
mod reliability;
mod workspace;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  generate            rewrite crates/braze-api/src/generated.rs from openapi/braze.yaml
  generate --check    fail if the checked-in generated code is stale
  bench               run every benchmark (release builds, peers via npm) and rewrite
                      BENCHMARKS.md
  bench --smoke       the same with tiny sizes and debug builds, to prove the harness
                      runs (writes target/BENCHMARKS.smoke.md)
  build-cost          only section 6 of the benchmarks (cold builds of a braze-sdk
                      program and a bare reqwest one; about 20 minutes on 2 cores),
                      replaced in BENCHMARKS.md
  build-cost --smoke  one debug build of each, to prove the section runs
                      (writes target/build-cost/section.smoke.md)
  reliability [--full] [campaigns] [schemathesis] [fuzz]
                      the fault campaigns, Schemathesis against the fake, and the AFL++
                      fuzz targets (RELIABILITY.md); --full for the full sizes
  conformance [--dry-run] [--help] [ARGS]
                      the conformance probe: the same safe requests to the Braze
                      workspace in BRAZE_REST_ENDPOINT and to the fake, one line per
                      choice of braze-mock's choices.rs (docs/conformance.md)
  msrv                fail if a dependency of the published crates declares a
                      rust-version above the workspace's
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let task = match args.as_slice() {
        ["generate"] => Task::Generate(generate::Mode::Write),
        ["generate", "--check"] => Task::Generate(generate::Mode::Check),
        ["bench"] => Task::Bench { smoke: false },
        ["bench", "--smoke"] => Task::Bench { smoke: true },
        ["build-cost"] => Task::BuildCost { smoke: false },
        ["build-cost", "--smoke"] => Task::BuildCost { smoke: true },
        ["reliability", rest @ ..] => Task::Reliability(rest),
        ["conformance", rest @ ..] => Task::Conformance(rest),
        ["msrv"] => Task::Msrv,
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Found now, not at compile time: the binary may have been built in another checkout
    // that shares this one's target directory.
    let result = workspace::root().and_then(|root| match task {
        Task::Generate(mode) => generate::run(&root, mode),
        Task::Bench { smoke } => bench::run(&root, smoke),
        Task::BuildCost { smoke } => bench::build_cost_alone(&root, smoke),
        Task::Reliability(rest) => reliability::run(&root, rest),
        Task::Conformance(rest) => conformance::run(&root, rest),
        Task::Msrv => msrv::run(&root),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A task read from the command line, run once the workspace is found.
enum Task<'a> {
    Generate(generate::Mode),
    Bench { smoke: bool },
    BuildCost { smoke: bool },
    Reliability(&'a [&'a str]),
    Conformance(&'a [&'a str]),
    Msrv,
}
