//! Section 6 of BENCHMARKS.md: what depending on `braze-sdk` costs a user's build.
//!
//! Four tiny cargo projects are written under `target/build-cost/`, each a `main` that
//! deletes one campaign schedule (key and endpoint from `BRAZE_API_KEY` and
//! `BRAZE_REST_ENDPOINT`, the two ids from the command line), in two pairs:
//!
//! * `sdk/` depends on `braze-sdk` by path with its default features, as a user would;
//!   `reqwest/` writes the same request by hand with `reqwest` (the very features
//!   `braze-sdk` gives it by default, so that both sides build the same HTTP and TLS
//!   stack), `serde_json` and `tokio`;
//! * `sdk-lean/` depends on `braze-sdk` with `default-features = false`, as a user who
//!   wants a small build would; `reqwest-lean/` is the hand-written program on the least
//!   reqwest that makes the request (`rustls` and `json`).
//!
//! Each has its own `[workspace]` table and its own target directory, starts from the
//! workspace's `Cargo.lock` (so all resolve the shared crates to the same versions) and
//! is fetched before anything is timed. A full run builds each cold (`rm -rf` of the
//! target directory first), each pair alternating, three times in debug, and the
//! default-features pair three times in release too (the lean pair's target is about
//! debug builds), and takes the median of each round's ratio; it counts the unique
//! dependencies and measures the stripped release binary; then it runs every binary
//! once against the fake to prove they work. `--smoke` builds each once in debug in one
//! target directory they share (cold on a fresh clone, as in CI), counts, and runs them
//! against the fake: it proves that the programs still compile against the SDK's API and
//! that the section's plumbing works, not what a build costs.

use std::fmt::Write as _;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::{Server, json, median_of, step, str_of, verdict};

/// The most a `braze-sdk` build may take, as a multiple of the bare reqwest one.
const TARGET_RATIO: f64 = 1.30;
/// Cold builds of each program per profile in a full run.
const FULL_RUNS: usize = 3;

const SDK_MAIN: &str = r#"//! Deletes one campaign schedule with braze-sdk.
use braze_sdk::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(campaign_id), Some(schedule_id)) = (args.next(), args.next()) else {
        return Err("usage: delete-one CAMPAIGN_ID SCHEDULE_ID".into());
    };
    // BRAZE_API_KEY, and BRAZE_REST_ENDPOINT: an instance name or a URL.
    let client = Client::from_env()?;
    let answer = client
        .delete_campaign_schedule(campaign_id, schedule_id)
        .await?;
    println!("{}", answer.status());
    Ok(())
}
"#;

const REQWEST_MAIN: &str = r#"//! Deletes one campaign schedule with reqwest and serde_json alone.
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(campaign_id), Some(schedule_id)) = (args.next(), args.next()) else {
        return Err("usage: delete-one CAMPAIGN_ID SCHEDULE_ID".into());
    };
    let key = std::env::var("BRAZE_API_KEY")?;
    let endpoint = std::env::var("BRAZE_REST_ENDPOINT")?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = client
        .post(format!(
            "{}/campaigns/trigger/schedule/delete",
            endpoint.trim_end_matches('/')
        ))
        .bearer_auth(key)
        .json(&serde_json::json!({"campaign_id": campaign_id, "schedule_id": schedule_id}))
        .send()
        .await?;
    let status = response.status();
    let body: serde_json::Value = response.json().await?;
    if !status.is_success() {
        return Err(format!("{status}: {body}").into());
    }
    println!("{}", body["message"].as_str().unwrap_or_default());
    Ok(())
}
"#;

/// What a program is built on.
#[derive(Clone, Copy, PartialEq)]
enum Stack {
    /// `braze-sdk` by path, with or without its default features.
    Sdk { default_features: bool },
    /// `reqwest` with these features (a TOML array) and `serde_json`.
    Reqwest { features: &'static str },
}

/// One of the programs.
struct Program {
    /// The label in the table.
    label: &'static str,
    /// Its package (and binary) name.
    name: &'static str,
    dir: PathBuf,
    /// Where it is built: its own directory in a full run, one shared by all in a smoke run.
    target: PathBuf,
}

impl Program {
    fn target(&self) -> PathBuf {
        self.target.clone()
    }

    fn binary(&self, profile: Profile) -> PathBuf {
        self.target().join(profile.dir()).join(self.name)
    }

    fn cargo(&self) -> Command {
        let mut command = Command::new(crate::workspace::cargo());
        command
            .current_dir(&self.dir)
            // Its own target directory, whatever the caller's environment says.
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .env("CARGO_TERM_COLOR", "never");
        command
    }
}

/// A program on `braze-sdk` and the hand-written one it is measured against.
struct Pair {
    /// What the ratio lines call it.
    what: &'static str,
    sdk: usize,
    baseline: usize,
    /// Whether release builds are measured too.
    release: bool,
}

/// The two comparisons, as indices into the programs of [`PROGRAMS`].
const PAIRS: [Pair; 2] = [
    Pair {
        what: "braze-sdk / bare reqwest",
        sdk: 0,
        baseline: 1,
        release: true,
    },
    Pair {
        what: "braze-sdk without default features / lean reqwest",
        sdk: 2,
        baseline: 3,
        release: false,
    },
];

/// Label, package name, directory and stack of each program.
const PROGRAMS: [(&str, &str, &str, Stack); 4] = [
    (
        "braze-sdk",
        "delete-one-sdk",
        "sdk",
        Stack::Sdk {
            default_features: true,
        },
    ),
    (
        "reqwest + serde_json",
        "delete-one-reqwest",
        "reqwest",
        Stack::Reqwest {
            features: REQWEST_FEATURES,
        },
    ),
    (
        "braze-sdk, `default-features = false`",
        "delete-one-sdk-lean",
        "sdk-lean",
        Stack::Sdk {
            default_features: false,
        },
    ),
    (
        "lean reqwest + serde_json",
        "delete-one-reqwest-lean",
        "reqwest-lean",
        Stack::Reqwest {
            features: LEAN_REQWEST_FEATURES,
        },
    ),
];

#[derive(Clone, Copy, PartialEq)]
enum Profile {
    Debug,
    Release,
}

impl Profile {
    fn dir(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        }
    }
}

/// The measurements of one program.
#[derive(Default)]
struct Figures {
    debug_s: Vec<f64>,
    release_s: Vec<f64>,
    dependencies: usize,
    crates_built: usize,
    binary_bytes: Option<u64>,
}

/// Runs the section and returns its Markdown. `bench_bin` is the directory holding the
/// `braze-bench` binary (for the fake the programs run against once); `command` is how
/// the run was started, for the text.
pub fn run(root: &Path, bench_bin: &Path, smoke: bool, command: &str) -> Result<String, String> {
    step("6. build cost: braze-sdk against bare reqwest, with and without its default features");
    let base = root.join("target").join("build-cost");
    let programs = PROGRAMS
        .iter()
        .map(|&(label, name, dir, stack)| {
            write_project(root, &base, label, name, dir, stack, smoke)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut figures: Vec<Figures> = programs.iter().map(|_| Figures::default()).collect();
    for (program, figures) in programs.iter().zip(&mut figures) {
        fetch(program)?;
        figures.dependencies = count_dependencies(program, "normal")?;
        figures.crates_built = count_dependencies(program, "normal,build")?;
    }

    let (runs, profiles): (usize, &[Profile]) = if smoke {
        (1, &[Profile::Debug])
    } else {
        (FULL_RUNS, &[Profile::Debug, Profile::Release])
    };
    for round in 0..runs {
        for &profile in profiles {
            for pair in PAIRS
                .iter()
                .filter(|pair| profile == Profile::Debug || pair.release)
            {
                // Alternate which goes first, so neither always gets the quieter slot.
                let order = if round % 2 == 0 {
                    [pair.sdk, pair.baseline]
                } else {
                    [pair.baseline, pair.sdk]
                };
                for i in order {
                    let seconds = build(&programs[i], profile, !smoke)?;
                    eprintln!(
                        "    {} {} build {}: {seconds:.1} s",
                        programs[i].label,
                        profile.dir(),
                        round + 1
                    );
                    match profile {
                        Profile::Debug => figures[i].debug_s.push(seconds),
                        Profile::Release => figures[i].release_s.push(seconds),
                    }
                }
            }
        }
    }
    // Every program runs once against the fake: the release binaries where the pair has
    // them, else the debug ones.
    let ran_profile = |i: usize| {
        let released = !smoke
            && PAIRS
                .iter()
                .any(|p| p.release && (p.sdk == i || p.baseline == i));
        if released {
            Profile::Release
        } else {
            Profile::Debug
        }
    };
    for (i, (program, figures)) in programs.iter().zip(&mut figures).enumerate() {
        if ran_profile(i) == Profile::Release {
            figures.binary_bytes = std::fs::metadata(program.binary(Profile::Release))
                .ok()
                .map(|m| m.len());
        }
    }
    let binaries: Vec<PathBuf> = programs
        .iter()
        .enumerate()
        .map(|(i, program)| program.binary(ran_profile(i)))
        .collect();
    run_against_fake(&programs, &binaries, bench_bin)?;
    Ok(report(smoke, command, &programs, &figures))
}

/// Writes one project: manifest, `main.rs`, and the workspace's lock file to start from.
fn write_project(
    root: &Path,
    base: &Path,
    label: &'static str,
    name: &'static str,
    dir: &str,
    stack: Stack,
    smoke: bool,
) -> Result<Program, String> {
    let dir = base.join(dir);
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("{}: {e}", src.display()))?;
    let (dependencies, main) = match stack {
        Stack::Sdk { default_features } => {
            // Path separators as TOML wants them, whatever the platform.
            let sdk = root.join("crates").join("braze-sdk");
            let path = format!("{:?}", sdk.to_string_lossy().replace('\\', "/"));
            let dependency = if default_features {
                format!("braze-sdk = {{ path = {path} }}\n")
            } else {
                format!("braze-sdk = {{ path = {path}, default-features = false }}\n")
            };
            (dependency, SDK_MAIN)
        }
        // The default-features baseline: the features, and so the HTTP and TLS stack, that
        // braze-sdk asks of reqwest by default, so that the two sides differ only by what
        // is ours. The lean one: the least reqwest that makes the request.
        Stack::Reqwest { features } => (
            format!(
                "reqwest = {{ version = \"0.13.4\", default-features = false, features = {features} }}\n\
                 serde_json = \"1\"\n"
            ),
            REQWEST_MAIN,
        ),
    };
    let manifest = format!(
        "# Written by `cargo xtask bench` (xtask/src/bench/build_cost.rs); rewritten each run.\n\
         [package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n{dependencies}\
         tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\n\
         # A project of its own, not a member of the braze workspace around it.\n[workspace]\n\n\
         [profile.release]\nstrip = true\n"
    );
    let write = |path: PathBuf, text: &str| {
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(dir.join("Cargo.toml"), &manifest)?;
    write(src.join("main.rs"), main)?;
    // The same versions as the workspace for every crate they share; cargo drops the
    // rest and adds nothing new unless the workspace's lock lacks it.
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| e.to_string())?;
    write(dir.join("Cargo.lock"), &lock)?;
    let target = if smoke {
        // Not a measurement: the programs share what they can.
        base.join("smoke-target")
    } else {
        dir.join("target")
    };
    Ok(Program {
        label,
        name,
        dir,
        target,
    })
}

/// What `braze-sdk` with its default features asks of reqwest, as a TOML array: the
/// workspace's `reqwest` line, braze-api's default `http2` and `system-proxy`, and the
/// `query` and `stream` that progenitor-client asks for (kept in step by a test).
const REQWEST_FEATURES: &str = r#"["json", "query", "stream", "rustls", "http2", "system-proxy"]"#;

/// The least reqwest that makes the request: TLS and JSON (the workspace's `reqwest` line,
/// kept in step by a test).
const LEAN_REQWEST_FEATURES: &str = r#"["rustls", "json"]"#;

/// Downloads everything first, so that no build below is timed waiting for the network.
fn fetch(program: &Program) -> Result<(), String> {
    let output = program
        .cargo()
        .arg("fetch")
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo fetch failed in {}: {}",
            program.dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Unique packages (name and version) the program depends on through the given edge
/// kinds, the program itself left out.
fn count_dependencies(program: &Program, edges: &str) -> Result<usize, String> {
    let output = program
        .cargo()
        .args([
            "tree",
            "--offline",
            "--locked",
            "--prefix",
            "none",
            "-e",
            edges,
        ])
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree failed in {}: {}",
            program.dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(unique_packages(
        &String::from_utf8_lossy(&output.stdout),
        program.name,
    ))
}

/// The distinct `name vX.Y.Z` of `cargo tree --prefix none` output, without `root`.
fn unique_packages(tree: &str, root: &str) -> usize {
    let mut seen: Vec<(&str, &str)> = tree
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .filter(|(name, _)| *name != root)
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// One build, timed; cold (target directory removed first) when `cold`.
fn build(program: &Program, profile: Profile, cold: bool) -> Result<f64, String> {
    let target = program.target();
    if cold {
        match std::fs::remove_dir_all(&target) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot remove {}: {e}", target.display())),
        }
    }
    let log_path = program.dir.join(format!("build-{}.log", profile.dir()));
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let mut command = program.cargo();
    command
        .args(["build", "--offline", "--locked", "--target-dir"])
        .arg(&target)
        .stdout(Stdio::null())
        .stderr(log);
    if profile == Profile::Release {
        command.arg("--release");
    }
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    if status.success() {
        Ok(seconds)
    } else {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(format!(
            "the {} build of {} failed (log: {}):\n{}",
            profile.dir(),
            program.dir.display(),
            log_path.display(),
            tail.join("\n")
        ))
    }
}

/// Runs each built program (`binaries`, in the order of `programs`) once against the fake
/// (`braze-bench serve-mock`, one schedule preloaded per program): each must delete its
/// own, and the fake be left with none.
fn run_against_fake(
    programs: &[Program],
    binaries: &[PathBuf],
    bench_bin: &Path,
) -> Result<(), String> {
    let base = programs[0].dir.parent().ok_or("no parent")?;
    let csv = base.join("schedules.csv");
    let mut child = Command::new(bench_bin.join("braze-bench"))
        .args([
            "serve-mock",
            "--preload",
            &programs.len().to_string(),
            "--csv",
        ])
        .arg(&csv)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start braze-bench serve-mock: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut server = Server {
        child,
        lines: std::io::BufReader::new(stdout).lines(),
    };
    let first = server
        .lines
        .next()
        .ok_or("the fake printed nothing")?
        .map_err(|e| e.to_string())?;
    let ready = json(&first)?;
    let (url, key) = (str_of(&ready["url"]), str_of(&ready["key"]));
    let rows = std::fs::read_to_string(&csv).map_err(|e| format!("{}: {e}", csv.display()))?;
    let rows: Vec<(String, String)> = rows
        .lines()
        .skip(1)
        .filter_map(|line| {
            let (campaign, schedule) = line.split_once(',')?;
            Some((campaign.to_owned(), schedule.to_owned()))
        })
        .collect();
    if rows.len() != programs.len() {
        return Err(format!(
            "the fake preloaded {} schedules, not {}",
            rows.len(),
            programs.len()
        ));
    }
    for ((program, binary), (campaign, schedule)) in programs.iter().zip(binaries).zip(&rows) {
        let output = Command::new(binary)
            .args([campaign, schedule])
            .env("BRAZE_API_KEY", &key)
            .env("BRAZE_REST_ENDPOINT", &url)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        if !output.status.success() {
            return Err(format!(
                "{} failed against the fake: {}",
                program.name,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
    }
    let stats = server.finish()?;
    match stats["schedules_left"].as_u64() {
        Some(0) => Ok(()),
        _ => Err(format!(
            "after every program ran, the fake still holds schedules: {stats}"
        )),
    }
}

/// The section's Markdown.
fn report(smoke: bool, command: &str, programs: &[Program], figures: &[Figures]) -> String {
    let mut text = String::from(
        "## 6. What depending on braze-sdk costs: build time, dependencies, binary size\n\n",
    );
    if smoke {
        text.push_str(
            "**Smoke run: one debug build of each, in one target directory they share. Not a measurement.**\n\n",
        );
    }
    let _ = writeln!(
        text,
        "Measured {} by `{command}` with {}. Minimal programs that delete one campaign \
         schedule (written to `target/build-cost/` by `xtask/src/bench/build_cost.rs`), in \
         two pairs. First, one with `braze-sdk` (by path, default features) against one \
         with `reqwest` + `serde_json` alone, reqwest with the features braze-sdk gives it \
         by default (`default-features = false`, {}), so that both build the same HTTP and \
         TLS stack. Second, what a lean consumer pays: `braze-sdk` with \
         `default-features = false` (no HTTP/2, no system proxy settings) against the least \
         reqwest that makes the request (`default-features = false`, {}) + `serde_json`; \
         braze-sdk's reqwest keeps `query` and `stream` there, which progenitor-client asks \
         for. `tokio` with `macros` and `rt-multi-thread` in all four. Each is a workspace \
         of its own with its own target directory, starts from this workspace's \
         `Cargo.lock` and is fetched before anything is timed (`cargo build --offline \
         --locked`). {} Dependencies are the unique name + version pairs of `cargo tree -e \
         normal` (crates built: `-e normal,build`, build scripts' dependencies included), \
         the program itself left out. The binary is the release one with `strip = true`. \
         Every program then deletes one schedule from the fake (`braze-bench serve-mock`), \
         which must be left empty.\n",
        date(),
        rustc_version(),
        toml_list(REQWEST_FEATURES),
        toml_list(LEAN_REQWEST_FEATURES),
        if smoke {
            "In this smoke run, one debug build of each, in one target directory they share \
             (cold on a fresh clone for the first): it proves that the programs build and \
             run, not what a build costs."
                .to_owned()
        } else {
            format!(
                "Each build is cold (target directory removed first); the two of a pair \
                 alternate, which goes first swapping each round, {} rounds in debug, and as \
                 many in release for the first pair; each ratio is the median of the rounds' \
                 ratios.",
                figures[0].debug_s.len()
            )
        },
    );
    let _ = writeln!(
        text,
        "| program | debug build, s (median) | min–max | release build, s (median) | min–max | dependencies | crates built | stripped binary |\n\
         |---|---|---|---|---|---|---|---|"
    );
    for (program, f) in programs.iter().zip(figures) {
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            program.label,
            seconds(median_of(&f.debug_s)),
            span(&f.debug_s),
            seconds(median_of(&f.release_s)),
            span(&f.release_s),
            f.dependencies,
            f.crates_built,
            f.binary_bytes.map_or("n/a".to_owned(), |b| format!(
                "{:.2} MiB",
                b as f64 / 1_048_576.0
            )),
        );
    }
    text.push('\n');
    for pair in &PAIRS {
        let (sdk, raw) = (&figures[pair.sdk], &figures[pair.baseline]);
        for (label, a, b) in [
            ("debug", &sdk.debug_s, &raw.debug_s),
            ("release", &sdk.release_s, &raw.release_s),
        ] {
            if a.is_empty() {
                continue;
            }
            let ratios: Vec<f64> = a.iter().zip(b).map(|(a, b)| a / b).collect();
            let ratio = median_of(&ratios);
            let _ = writeln!(
                text,
                "- {}, {label} build = **{ratio:.2}×** (rounds: {}; ratio of the medians \
                 {:.2}; target ≤ {TARGET_RATIO:.2}×): {}",
                pair.what,
                ratios
                    .iter()
                    .map(|r| format!("{r:.2}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                median_of(a) / median_of(b),
                if smoke {
                    "not judged (smoke run)"
                } else {
                    verdict(ratio <= TARGET_RATIO)
                },
            );
        }
        let _ = writeln!(
            text,
            "- {}: dependencies {} against {} (+{}); crates built {} against {}",
            pair.what,
            sdk.dependencies,
            raw.dependencies,
            sdk.dependencies.saturating_sub(raw.dependencies),
            sdk.crates_built,
            raw.crates_built,
        );
    }
    text.push('\n');
    text
}

/// `["a", "b"]` as `` `a`, `b` ``.
fn toml_list(features: &str) -> String {
    features.trim_matches(['[', ']']).replace('"', "`")
}

fn seconds(value: f64) -> String {
    if value.is_nan() {
        "n/a".into()
    } else {
        format!("{value:.1}")
    }
}

fn span(values: &[f64]) -> String {
    if values.is_empty() {
        return "n/a".into();
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{min:.1}–{max:.1}")
}

fn date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn rustc_version() -> String {
    Command::new("rustc")
        .arg("-V")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .map_or("an unknown rustc".to_owned(), |v| format!("`{v}`"))
}

/// Replaces section 6 of `benchmarks` (from its heading to the next `## ` heading, or the
/// end) with `section`, or appends it when there is none.
pub fn splice(benchmarks: &str, section: &str) -> String {
    let heading = "\n## 6. ";
    let Some(start) = benchmarks.find(heading).map(|i| i + 1) else {
        let mut text = benchmarks.trim_end().to_owned();
        text.push_str("\n\n");
        text.push_str(section);
        return text;
    };
    let end = benchmarks[start + 1..]
        .find("\n## ")
        .map_or(benchmarks.len(), |i| start + 1 + i + 1);
    format!("{}{section}{}", &benchmarks[..start], &benchmarks[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_are_counted_once_each_without_the_root() {
        let tree = "delete-one-sdk v0.0.0 (/x)\nbraze-sdk v0.2.0 (/y)\nserde v1.0.1\n\
                    serde_derive v1.0.1 (proc-macro)\nserde v1.0.1 (*)\nsyn v1.0.0\nsyn v2.0.0\n\n";
        assert_eq!(unique_packages(tree, "delete-one-sdk"), 5);
    }

    #[test]
    fn the_section_is_replaced_in_place_or_appended() {
        let old = "# B\n\n## 5. Memory\n\nm\n\n## 6. Build\n\nold\n\n## 7. Next\n\nn\n";
        let new = splice(old, "## 6. Build\n\nnew\n\n");
        assert_eq!(
            new,
            "# B\n\n## 5. Memory\n\nm\n\n## 6. Build\n\nnew\n\n## 7. Next\n\nn\n"
        );
        let last = "# B\n\n## 6. Build\n\nold\n";
        assert_eq!(
            splice(last, "## 6. Build\n\nnew\n"),
            "# B\n\n## 6. Build\n\nnew\n"
        );
        assert_eq!(splice("# B\n\nx\n", "## 6. B\n"), "# B\n\nx\n\n## 6. B\n");
    }

    /// The quoted words of a TOML array on one line, sorted.
    fn words(line: &str) -> Vec<String> {
        let list = &line[line.find('[').expect("an array")..=line.rfind(']').expect("an array")];
        let mut words: Vec<String> = list
            .split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        words.sort();
        words.dedup();
        words
    }

    fn manifest(path: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn the_reqwest_programs_get_what_braze_sdk_asks_of_reqwest() {
        let workspace = manifest("../Cargo.toml");
        let line = workspace
            .lines()
            .find(|l| l.starts_with("reqwest = "))
            .expect("the workspace's reqwest line");
        assert!(line.contains("default-features = false"), "{line}");
        assert!(line.contains("version = \"0.13.4\""), "{line}");
        let always = words(&line[line.find("features").expect("features")..]);
        // The lean program: what every build of braze-sdk asks for.
        assert_eq!(words(LEAN_REQWEST_FEATURES), always, "{line}");

        // The other: that, braze-api's default features, and what progenitor-client 0.15
        // asks for (its manifest: reqwest with `json`, `query` and `stream`).
        let api = manifest("../crates/braze-api/Cargo.toml");
        let feature = |name: &str| {
            api.lines()
                .find(|l| l.starts_with(&format!("{name} = [")))
                .unwrap_or_else(|| panic!("braze-api has no feature {name}"))
                .to_owned()
        };
        let mut by_default = always;
        for name in words(&feature("default")) {
            by_default.extend(
                words(&feature(&name))
                    .iter()
                    .filter_map(|f| f.strip_prefix("reqwest/"))
                    .map(str::to_owned),
            );
        }
        by_default.extend(["json", "query", "stream"].map(str::to_owned));
        by_default.sort();
        by_default.dedup();
        assert_eq!(words(REQWEST_FEATURES), by_default);
    }
}
