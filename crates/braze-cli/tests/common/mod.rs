//! What the CLI tests share: an in-process fake Braze, and running the real `braze`
//! binary against it with a bounded wait.

#![allow(dead_code)] // each test file uses a different part

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use braze_mock::{Config, MockServer, Schedule, ScheduleKind};

/// The key the fakes of these tests accept: distinctive, so a leak is easy to find.
pub const KEY: &str = "test-key-0123456789-must-never-be-printed";

/// The longest any single `braze` run may take in these tests.
pub const RUN_LIMIT: Duration = Duration::from_secs(60);

/// Starts a fake Braze accepting [`KEY`], with `configure` applied to its config.
pub fn fake(configure: impl FnOnce(Config) -> Config) -> MockServer {
    let config = configure(
        Config::new()
            .key(KEY, braze_mock::Permissions::all())
            .seed(7),
    );
    // The fake runs on its own runtime; this one only drives its start.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(MockServer::start(config))
        .expect("the fake starts")
}

/// A schedule a year from now.
pub fn schedule() -> Schedule {
    Schedule {
        at_optimal_time: None,
        in_local_time: None,
        time: utc_in_days(365).parse().expect("a time"),
    }
}

// Times relative to now. The fakes of these tests (and `--mock`) keep the system clock, the
// default of `braze_mock::Clock`, which the SDK reads too: a time placed from now means the
// same to both, whatever the date the tests run on.

fn in_days(days: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::TimeDelta::days(days)
}

/// `days` days from now in UTC, whole seconds, as `--time` takes it: `2031-05-24T21:30:00Z`.
pub fn utc_in_days(days: i64) -> String {
    in_days(days).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `days` days from now as a wall-clock time without a zone, as local-time sends take it.
pub fn local_in_days(days: i64) -> String {
    in_days(days).format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// The UTC date `days` days from now, as `--end-time` takes it: `2031-05-24`.
pub fn date_in_days(days: i64) -> String {
    in_days(days).format("%Y-%m-%d").to_string()
}

/// Stores a campaign schedule in the fake; returns its schedule id.
pub fn add_campaign_schedule(server: &MockServer, campaign_id: &str) -> String {
    server
        .add_schedule(ScheduleKind::Campaign, campaign_id, schedule())
        .schedule_id()
        .as_str()
        .to_owned()
}

/// Stores a Canvas schedule in the fake; returns its schedule id.
pub fn add_canvas_schedule(server: &MockServer, canvas_id: &str) -> String {
    server
        .add_schedule(ScheduleKind::Canvas, canvas_id, schedule())
        .schedule_id()
        .as_str()
        .to_owned()
}

/// A finished `braze` run.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Everything printed on stdout.
    pub stdout: String,
    /// Everything printed on stderr.
    pub stderr: String,
}

impl Run {
    /// Stdout and stderr together, for "never printed" checks.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// `braze` with no Braze variables from the environment of the test run.
pub fn braze() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_braze"));
    command
        .env_remove("BRAZE_API_KEY")
        .env_remove("BRAZE_REST_ENDPOINT")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    command
}

/// `braze` aimed at `server` with `key`.
pub fn braze_at(server: &MockServer, key: &str) -> Command {
    let mut command = braze();
    command
        .env("BRAZE_API_KEY", key)
        .env("BRAZE_REST_ENDPOINT", server.url());
    command
}

/// Runs `command` with `args` to its end, killing it past [`RUN_LIMIT`].
pub fn run(command: &mut Command, args: &[&str]) -> Run {
    let child = command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("braze starts");
    finish(child, RUN_LIMIT)
}

/// A command line's words, split on whitespace: `run(cmd, &words("schedules list
/// --end-time 2030-01-01"))`. Arguments that hold spaces or come from variables go in an
/// array instead.
pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Waits for a spawned `braze` (with piped output) to end, killing it past `limit`. A
/// stderr already taken (see [`Watched`]) is left to whoever took it.
pub fn finish(mut child: Child, limit: Duration) -> Run {
    let mut stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_string(&mut text);
        }
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waitable") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("braze ran longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code(),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// Waits until `condition` holds, checking every 20 ms, for at most `limit`.
pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

/// The report's lines, parsed.
pub fn report_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .expect("the report")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each report line is JSON"))
        .collect()
}

/// A bulk campaign delete of `rows` (the text of a CSV input) against `server` with
/// [`KEY`]: `braze campaigns schedule delete --from rows.csv --report report.jsonl`, then the
/// words of `extra`. Returns the run and the report's lines.
pub fn bulk_delete(server: &MockServer, rows: &str, extra: &str) -> (Run, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (input, report) = (dir.path().join("rows.csv"), dir.path().join("report.jsonl"));
    std::fs::write(&input, rows).expect("the input is written");
    let line = format!(
        "campaigns schedule delete --from {} --report {} {extra}",
        input.display(),
        report.display()
    );
    let out = run(&mut braze_at(server, KEY), &words(&line));
    let lines = if report.exists() {
        report_lines(&report)
    } else {
        Vec::new()
    };
    (out, lines)
}

/// Sends SIGINT to a child process.
pub fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -INT failed");
}

/// A running `braze` whose stderr is collected as it comes, so that a test can wait for
/// what the command says instead of sleeping.
pub struct Watched {
    /// The process.
    pub child: Child,
    stderr: Arc<Mutex<String>>,
    reader: JoinHandle<()>,
}

/// Spawns `command` with piped output and starts collecting its stderr.
pub fn spawn_watched(command: &mut Command) -> Watched {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("braze starts");
    let pipe = child.stderr.take().expect("piped stderr");
    let stderr = Arc::new(Mutex::new(String::new()));
    let collected = Arc::clone(&stderr);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut text = collected.lock().expect("stderr buffer");
            text.push_str(&line);
            text.push('\n');
        }
    });
    Watched {
        child,
        stderr,
        reader,
    }
}

impl Watched {
    /// How many times `text` appears in stderr so far.
    pub fn stderr_count(&self, text: &str) -> usize {
        self.stderr
            .lock()
            .expect("stderr buffer")
            .matches(text)
            .count()
    }

    /// Waits up to `limit` until stderr holds `text` at least `times` times.
    pub fn wait_for_stderr(&self, text: &str, times: usize, limit: Duration) -> bool {
        wait_until(limit, || self.stderr_count(text) >= times)
    }

    /// Waits for the end, as [`finish`] does, with the whole of stderr.
    pub fn finish(self, limit: Duration) -> Run {
        let mut run = finish(self.child, limit);
        // The pipe closed with the process: the reader has the rest, or soon will.
        self.reader.join().expect("stderr reader");
        run.stderr = std::mem::take(&mut *self.stderr.lock().expect("stderr buffer"));
        run
    }
}
