//! `cargo xtask` acts on the checkout it is run in, even when another checkout shares its
//! target directory and cargo reuses the xtask binary built there.
//!
//! Two copies of this workspace (the files git knows of) share one `CARGO_TARGET_DIR`. The
//! first run builds xtask in copy A; in copy B cargo finds that binary fresh and runs it. A
//! hand edit of the generated file in B must then fail `generate --check` in B, and
//! `generate` in B must rewrite B's file, not A's. Building xtask once takes about a minute.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The longest one cargo command may take (a cold build of xtask is about a minute).
const DEADLINE: Duration = Duration::from_secs(600);
/// The generated module, relative to a workspace root.
const GENERATED: &str = "crates/braze-api/src/generated.rs";

/// A scratch directory removed when dropped, whatever the test's outcome.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// This checkout's root (xtask lives one level below it).
fn this_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
        .to_path_buf()
}

/// The files of the workspace as git sees them: tracked ones and new ones not ignored.
fn workspace_files(root: &Path) -> Vec<PathBuf> {
    let output = Command::new("git")
        .current_dir(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .expect("this test needs git to list the workspace's files");
    assert!(output.status.success(), "git ls-files failed: {output:?}");
    output
        .stdout
        .split(|byte| *byte == 0)
        .filter(|name| !name.is_empty())
        .map(|name| PathBuf::from(String::from_utf8(name.to_vec()).expect("UTF-8 file names")))
        // A file deleted in the work tree but not yet in the index.
        .filter(|name| root.join(name).is_file())
        .collect()
}

fn copy_checkout(root: &Path, files: &[PathBuf], to: &Path) {
    for name in files {
        let target = to.join(name);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(root.join(name), &target)
            .unwrap_or_else(|e| panic!("cannot copy {}: {e}", name.display()));
    }
}

/// Runs `cargo xtask <args>` in `checkout` with the shared target directory, killed after
/// [`DEADLINE`].
fn xtask(checkout: &Path, target: &Path, logs: &Path, args: &[&str]) -> Output {
    let name = format!(
        "{}-{}",
        checkout.file_name().unwrap().to_string_lossy(),
        args.join("-")
    );
    let stdout_path = logs.join(format!("{name}.stdout"));
    let stderr_path = logs.join(format!("{name}.stderr"));
    let mut child = Command::new(env!("CARGO"))
        .current_dir(checkout)
        .arg("xtask")
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        // Everything is in cargo's cache already; never wait on the network.
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("CARGO_MANIFEST_DIR")
        .stdout(File::create(&stdout_path).unwrap())
        .stderr(File::create(&stderr_path).unwrap())
        .spawn()
        .expect("cannot run cargo");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cargo xtask {} took more than {DEADLINE:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output {
        status,
        stdout: std::fs::read(&stdout_path).unwrap(),
        stderr: std::fs::read(&stderr_path).unwrap(),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn xtask_acts_on_the_checkout_it_runs_in_when_the_target_dir_is_shared() {
    let root = this_root();
    let scratch =
        Scratch(std::env::temp_dir().join(format!("xtask-two-checkouts-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&scratch.0);
    let (a, b) = (scratch.0.join("a"), scratch.0.join("b"));
    let target = scratch.0.join("target");
    let logs = scratch.0.join("logs");
    std::fs::create_dir_all(&logs).unwrap();

    let files = workspace_files(&root);
    assert!(
        files.iter().any(|f| f == Path::new(GENERATED)),
        "git does not list {GENERATED}"
    );
    // Both copies exist before the first build, so that the binary built in A is newer
    // than every source file of B and cargo counts it fresh there.
    copy_checkout(&root, &files, &a);
    copy_checkout(&root, &files, &b);
    let pristine = std::fs::read_to_string(a.join(GENERATED)).unwrap();
    let edited = pristine.replacen("pub struct", "pub(crate) struct", 1);
    assert_ne!(pristine, edited);
    std::fs::write(b.join(GENERATED), &edited).unwrap();

    // A is untouched: its check passes (and builds xtask into the shared directory).
    let in_a = xtask(&a, &target, &logs, &["generate", "--check"]);
    assert!(
        in_a.status.success(),
        "the check fails in the untouched copy: {}",
        text(&in_a.stderr)
    );
    assert!(text(&in_a.stdout).contains("are up to date"));

    // B was edited by hand: its check must fail, although the binary comes from A's build.
    let in_b = xtask(&b, &target, &logs, &["generate", "--check"]);
    assert!(
        !in_b.status.success(),
        "`cargo xtask generate --check` passed in the edited copy: it checked another \
         checkout\nstdout: {}",
        text(&in_b.stdout)
    );
    let stderr = text(&in_b.stderr);
    assert!(stderr.contains("out of date"), "{stderr}");
    assert!(
        stderr.contains("pub(crate) struct"),
        "no diff shown: {stderr}"
    );

    // Regenerating in B rewrites B's file (and only B's).
    let write_b = xtask(&b, &target, &logs, &["generate"]);
    assert!(write_b.status.success(), "{}", text(&write_b.stderr));
    assert_eq!(
        std::fs::read_to_string(b.join(GENERATED)).unwrap(),
        pristine
    );
    assert_eq!(
        std::fs::read_to_string(a.join(GENERATED)).unwrap(),
        pristine
    );
    let again = xtask(&b, &target, &logs, &["generate", "--check"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
}
