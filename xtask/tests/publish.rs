//! What crates.io needs from each published crate is in place, and nothing else is
//! publishable. (`cargo package` in `.ci/run` proves that the crates build from their
//! packages; this test names what is missing quicker.)

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The crates users depend on.
const PUBLISHED: [&str; 4] = ["braze-api", "braze-sdk", "braze-mock", "braze-cli"];
const LICENCES: [&str; 2] = ["LICENSE-MIT", "LICENSE-APACHE"];

fn this_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
        .to_path_buf()
}

fn metadata() -> Value {
    let output = Command::new(env!("CARGO"))
        .current_dir(this_root())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .expect("cannot run cargo metadata");
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn published_crates_carry_their_metadata_readme_and_licences() {
    let root = this_root();
    let metadata = metadata();
    let packages = metadata["packages"].as_array().unwrap();
    for name in PUBLISHED {
        let package = packages
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} is not in the workspace"));
        assert!(package["publish"].is_null(), "{name} is not publishable");
        for field in ["description", "license", "rust_version", "readme"] {
            assert!(
                package[field]
                    .as_str()
                    .is_some_and(|v| !v.trim().is_empty()),
                "{name} has no {field}"
            );
        }
        assert_eq!(package["license"], "MIT OR Apache-2.0", "{name}");
        for field in ["keywords", "categories"] {
            let list = package[field].as_array().unwrap();
            assert!(!list.is_empty(), "{name} has no {field}");
        }
        assert!(
            package["keywords"].as_array().unwrap().len() <= 5,
            "crates.io takes at most five keywords ({name})"
        );
        assert!(
            package["repository"].is_null(),
            "{name} names a repository: {}",
            package["repository"]
        );
        let dir = Path::new(package["manifest_path"].as_str().unwrap())
            .parent()
            .unwrap();
        let readme = dir.join(package["readme"].as_str().unwrap());
        assert!(
            readme.starts_with(dir) && readme.is_file(),
            "{name}: {} is not a file inside the crate",
            readme.display()
        );
        for licence in LICENCES {
            let original = std::fs::read(root.join(licence)).unwrap();
            let copy = std::fs::read(dir.join(licence))
                .unwrap_or_else(|e| panic!("{name} has no copy of {licence}: {e}"));
            assert!(
                original == copy,
                "{name}/{licence} differs from the root's {licence}"
            );
        }
    }
}

#[test]
fn every_other_package_is_not_published() {
    let metadata = metadata();
    let others: Vec<&Value> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !PUBLISHED.contains(&p["name"].as_str().unwrap()))
        .collect();
    assert!(
        others.iter().any(|p| p["name"] == "xtask"),
        "the walk missed xtask"
    );
    for package in others {
        assert_eq!(
            package["publish"],
            Value::Array(vec![]),
            "{} should have publish = false",
            package["name"]
        );
    }
}
