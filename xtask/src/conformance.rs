//! `cargo xtask conformance [ARGS]`: the conformance probe (`crates/braze-conformance`),
//! built and run from the workspace root, so that its ledger and transcript land in
//! `target/conformance/` whatever directory it is started from.
//!
//! The probe is a program of its own, not code in xtask: it needs the SDK and the fake,
//! and xtask depends on no crate of the workspace, so that `cargo xtask generate` still
//! runs when the generated code does not compile.
//!
//! On Unix the probe replaces this process (as `cargo run` replaces cargo), so that Ctrl-C
//! reaches the probe alone, which stops sending and cleans up before it exits.

use std::path::Path;
use std::process::Command;

pub fn run(root: &Path, args: &[&str]) -> Result<(), String> {
    let mut command = Command::new(crate::workspace::cargo());
    command
        .current_dir(root)
        .args(["run", "--quiet", "--package", "braze-conformance", "--"])
        .args(args);
    exec(command)
}

#[cfg(unix)]
fn exec(mut command: Command) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    // `exec` returns only when it failed.
    Err(format!("cannot run cargo: {}", command.exec()))
}

#[cfg(not(unix))]
fn exec(mut command: Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        std::process::exit(status.code().unwrap_or(1))
    }
}
