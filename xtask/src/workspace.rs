//! Where the workspace is, found when xtask runs rather than when it was compiled.
//!
//! A compile-time `env!("CARGO_MANIFEST_DIR")` is wrong as soon as two checkouts share a
//! target directory (`CARGO_TARGET_DIR` or `build.target-dir`): cargo reuses the xtask
//! binary built in one checkout when it is run in the other (the checkout's path is not in
//! the fingerprint), and that binary would act on the checkout it was built in.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root of the checkout xtask is run in.
///
/// `cargo run` (and so `cargo xtask`) sets `CARGO_MANIFEST_DIR` to this checkout's
/// `xtask/` directory; when it is missing (the binary run by hand), the root is asked of
/// `cargo locate-project --workspace` from the current directory.
pub fn root() -> Result<PathBuf, String> {
    root_from(
        std::env::var_os("CARGO_MANIFEST_DIR").as_deref(),
        locate_project,
    )
}

/// [`root`] with its two sources given: the run-time `CARGO_MANIFEST_DIR`, if any, and the
/// fallback that locates the workspace manifest.
fn root_from(
    manifest_dir: Option<&OsStr>,
    locate: impl FnOnce() -> Result<PathBuf, String>,
) -> Result<PathBuf, String> {
    if let Some(dir) = manifest_dir.map(Path::new)
        && let Some(root) = dir.parent()
        && is_xtask_dir_of(dir, root)
    {
        return Ok(root.to_owned());
    }
    let manifest = locate().map_err(|e| {
        format!(
            "cannot find the workspace: CARGO_MANIFEST_DIR is not set to its xtask directory \
             (run this as `cargo xtask ...`) and {e}"
        )
    })?;
    let root = manifest
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", manifest.display()))?;
    if root.join("xtask").join("Cargo.toml").is_file() {
        Ok(root.to_owned())
    } else {
        Err(format!(
            "{} is not this project's workspace (it has no xtask/Cargo.toml); run \
             `cargo xtask ...` inside a checkout",
            root.display()
        ))
    }
}

/// Whether `dir` is the `xtask` package directly below the workspace root `root`.
fn is_xtask_dir_of(dir: &Path, root: &Path) -> bool {
    let (Ok(dir), Ok(expected)) = (dir.canonicalize(), root.join("xtask").canonicalize()) else {
        return false;
    };
    dir == expected && dir.join("Cargo.toml").is_file() && root.join("Cargo.toml").is_file()
}

/// The workspace manifest from `cargo locate-project --workspace`, run in the current
/// directory.
fn locate_project() -> Result<PathBuf, String> {
    let output = Command::new(cargo())
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .output()
        .map_err(|e| format!("cannot run `cargo locate-project`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo locate-project --workspace` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let path = String::from_utf8(output.stdout)
        .map_err(|_| "`cargo locate-project` printed a path that is not UTF-8".to_owned())?;
    Ok(PathBuf::from(path.trim_end_matches(['\r', '\n'])))
}

/// The cargo that runs xtask (`CARGO`, set by cargo for the processes it runs), else the
/// `cargo` on `PATH`.
pub fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The target directory cargo builds into for the workspace at `root`, which is not
/// `root/target` when `CARGO_TARGET_DIR` or `build.target-dir` says otherwise.
pub fn target_dir(root: &Path) -> Result<PathBuf, String> {
    let output = Command::new(cargo())
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|e| format!("cannot run `cargo metadata`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo metadata` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("`cargo metadata` printed no JSON: {e}"))?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "`cargo metadata` gave no target_directory".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This checkout's root, for the tests only.
    fn this_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    fn never() -> Result<PathBuf, String> {
        panic!("the fallback must not run")
    }

    #[test]
    fn the_run_time_manifest_dir_wins() {
        let root = this_root();
        let xtask = root.join("xtask");
        assert_eq!(root_from(Some(xtask.as_os_str()), never).unwrap(), root);
    }

    #[test]
    fn a_manifest_dir_that_is_not_xtask_falls_back() {
        let root = this_root();
        let other = root.join("crates/braze-api");
        let found = root_from(Some(other.as_os_str()), || Ok(root.join("Cargo.toml"))).unwrap();
        assert_eq!(found, root);
        let found = root_from(None, || Ok(root.join("Cargo.toml"))).unwrap();
        assert_eq!(found, root);
    }

    #[test]
    fn neither_source_is_a_clear_error() {
        let err = root_from(None, || Err("cargo locate-project failed".into())).unwrap_err();
        assert!(err.contains("CARGO_MANIFEST_DIR"), "{err}");
        assert!(err.contains("cargo locate-project failed"), "{err}");

        // A workspace that is not this project's.
        let elsewhere = std::env::temp_dir().join(format!("xtask-root-{}", std::process::id()));
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("Cargo.toml"), "[workspace]\n").unwrap();
        let err = root_from(None, || Ok(elsewhere.join("Cargo.toml"))).unwrap_err();
        assert!(err.contains("no xtask/Cargo.toml"), "{err}");
        let _ = std::fs::remove_dir_all(&elsewhere);
    }

    #[test]
    fn locate_project_finds_this_workspace() {
        // The test runs with the xtask directory as its current directory.
        let manifest = locate_project().unwrap();
        assert_eq!(
            manifest.canonicalize().unwrap(),
            this_root().join("Cargo.toml").canonicalize().unwrap()
        );
    }

    #[test]
    fn the_target_dir_is_the_one_this_test_was_built_in() {
        let target = target_dir(&this_root()).unwrap().canonicalize().unwrap();
        let exe = std::env::current_exe().unwrap().canonicalize().unwrap();
        assert!(
            exe.starts_with(&target),
            "{} is not under {}",
            exe.display(),
            target.display()
        );
    }
}
