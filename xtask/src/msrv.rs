//! `cargo xtask msrv`: fails when a dependency of the published crates declares a
//! `rust-version` above the workspace's.
//!
//! It walks the resolved graph of `cargo metadata --locked` from the four published crates
//! along normal and build dependencies (every platform; dev-dependencies are not built by
//! users) and compares each package's declared `rust-version` with the one the published
//! crates inherit from `[workspace.package]`. Packages that declare none are counted and
//! listed, not judged. What this cannot tell (no older toolchain is installed to build
//! with) is written in the README, section "Minimum supported Rust version".

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The crates users depend on, in publishing order.
pub const PUBLISHED: [&str; 4] = ["braze-api", "braze-sdk", "braze-mock", "braze-cli"];

/// A Rust version as `rust-version` writes it: `1.88` or `1.88.0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RustVersion(u64, u64, u64);

impl RustVersion {
    fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.split('.').map(|p| p.parse::<u64>());
        let bad = || format!("`{text}` is not a rust-version (MAJOR.MINOR[.PATCH])");
        let major = parts.next().ok_or_else(bad)?.map_err(|_| bad())?;
        let minor = parts.next().ok_or_else(bad)?.map_err(|_| bad())?;
        let patch = parts.next().transpose().map_err(|_| bad())?.unwrap_or(0);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Self(major, minor, patch))
    }
}

impl fmt::Display for RustVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// What the walk found.
#[derive(Debug)]
pub struct Findings {
    /// The published crates' (the workspace's) `rust-version`.
    pub workspace: RustVersion,
    /// Packages reached, the published crates included.
    pub checked: usize,
    /// Those that declare no `rust-version`, as `name version`.
    pub undeclared: Vec<String>,
    /// The highest `rust-version` a dependency declares (the published crates left out) and
    /// who declares it (`name version`).
    pub highest: Option<(RustVersion, Vec<String>)>,
    /// Packages above the workspace's version: the version and the chain of dependencies
    /// from a published crate to the package, as `name version`.
    pub above: Vec<(RustVersion, Vec<String>)>,
}

/// Runs the check on the workspace at `root`, printing what it found; an error names each
/// package above the workspace's `rust-version` with the chain that pulls it in.
pub fn run(root: &Path) -> Result<(), String> {
    let output = Command::new(crate::workspace::cargo())
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .map_err(|e| format!("cannot run `cargo metadata`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo metadata --locked` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("`cargo metadata` printed no JSON: {e}"))?;
    let findings = check(&metadata)?;
    println!(
        "rust-version of the published crates: {}; {} packages in their normal and build \
         dependencies (all platforms)",
        findings.workspace, findings.checked
    );
    if let Some((version, who)) = &findings.highest {
        println!("highest declared: {version} ({})", who.join(", "));
    }
    if !findings.undeclared.is_empty() {
        println!(
            "{} declare no rust-version: {}",
            findings.undeclared.len(),
            findings.undeclared.join(", ")
        );
    }
    if findings.above.is_empty() {
        println!(
            "no dependency declares a rust-version above {}",
            findings.workspace
        );
        return Ok(());
    }
    for (version, chain) in &findings.above {
        eprintln!("needs {version}: {}", chain.join(" -> "));
    }
    Err(format!(
        "{} package(s) declare a rust-version above the workspace's {}: raise \
         [workspace.package] rust-version or keep the older versions in Cargo.lock",
        findings.above.len(),
        findings.workspace
    ))
}

/// One package of the metadata: its display name and declared `rust-version`.
struct Package {
    label: String,
    rust_version: Option<RustVersion>,
}

/// Walks `metadata` (the JSON of `cargo metadata --format-version 1`, with its resolve).
pub fn check<'m>(metadata: &'m Value) -> Result<Findings, String> {
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .ok_or("metadata without workspace_members")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut packages = BTreeMap::new();
    let mut roots = Vec::new();
    for package in metadata["packages"]
        .as_array()
        .ok_or("metadata without packages")?
    {
        let id = package["id"].as_str().ok_or("a package without an id")?;
        let name = package["name"].as_str().unwrap_or("?");
        let label = format!("{name} {}", package["version"].as_str().unwrap_or("?"));
        let rust_version = match package["rust_version"].as_str() {
            Some(text) => Some(RustVersion::parse(text).map_err(|e| format!("{label}: {e}"))?),
            None => None,
        };
        if members.contains(&id) && PUBLISHED.contains(&name) {
            roots.push((name.to_owned(), id));
        }
        packages.insert(
            id,
            Package {
                label,
                rust_version,
            },
        );
    }
    let mut workspace = None;
    for name in PUBLISHED {
        let (_, id) = roots
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| format!("{name} is not a member of the workspace"))?;
        let declared = packages[id]
            .rust_version
            .ok_or_else(|| format!("{name} declares no rust-version"))?;
        match workspace {
            None => workspace = Some(declared),
            Some(first) if first != declared => {
                return Err(format!(
                    "the published crates disagree on rust-version: {first} and {declared} ({name})"
                ));
            }
            Some(_) => {}
        }
    }
    let workspace = workspace.expect("PUBLISHED is not empty");

    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in metadata["resolve"]["nodes"]
        .as_array()
        .ok_or("metadata without a resolve graph (was it run with --no-deps?)")?
    {
        let id = node["id"].as_str().ok_or("a resolve node without an id")?;
        let deps = node["deps"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        let used: Vec<&str> = deps
            .iter()
            .filter(|dep| {
                dep["dep_kinds"].as_array().is_some_and(|kinds| {
                    kinds
                        .iter()
                        .any(|k| k["kind"].is_null() || k["kind"] == "build")
                })
            })
            .filter_map(|dep| dep["pkg"].as_str())
            .collect();
        edges.insert(id, used);
    }

    // Breadth first, so that each package's chain is a shortest one.
    let mut parent: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    let mut queue: VecDeque<&str> = VecDeque::new();
    for (_, id) in &roots {
        parent.insert(id, None);
        queue.push_back(id);
    }
    while let Some(id) = queue.pop_front() {
        for &dep in edges.get(id).map(Vec::as_slice).unwrap_or(&[]) {
            if !parent.contains_key(dep) {
                parent.insert(dep, Some(id));
                queue.push_back(dep);
            }
        }
    }

    let chain = |mut id: &'m str| {
        let mut labels = vec![];
        loop {
            labels.push(
                packages
                    .get(id)
                    .map_or_else(|| id.to_owned(), |p| p.label.clone()),
            );
            match parent.get(id).copied().flatten() {
                Some(up) => id = up,
                None => break,
            }
        }
        labels.reverse();
        labels
    };
    let mut findings = Findings {
        workspace,
        checked: parent.len(),
        undeclared: vec![],
        highest: None,
        above: vec![],
    };
    for &id in parent.keys() {
        let package = packages
            .get(id)
            .ok_or_else(|| format!("{id} is in the resolve graph but not in packages"))?;
        if roots.iter().any(|(_, root)| *root == id) {
            continue;
        }
        let Some(version) = package.rust_version else {
            findings.undeclared.push(package.label.clone());
            continue;
        };
        match &mut findings.highest {
            Some((highest, who)) if *highest == version => who.push(package.label.clone()),
            Some((highest, _)) if *highest > version => {}
            _ => findings.highest = Some((version, vec![package.label.clone()])),
        }
        if version > workspace {
            findings.above.push((version, chain(id)));
        }
    }
    findings.undeclared.sort();
    findings.above.sort();
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A package of the fake metadata.
    fn package(name: &str, rust_version: Option<&str>) -> Value {
        json!({
            "id": format!("id-{name}"),
            "name": name,
            "version": "1.0.0",
            "rust_version": rust_version,
        })
    }

    /// A resolve node: `deps` as (name, kind), kind `None` for a normal dependency.
    fn node(name: &str, deps: &[(&str, Option<&str>)]) -> Value {
        json!({
            "id": format!("id-{name}"),
            "deps": deps
                .iter()
                .map(|(dep, kind)| json!({
                    "pkg": format!("id-{dep}"),
                    "dep_kinds": [{ "kind": kind, "target": null }],
                }))
                .collect::<Vec<_>>(),
        })
    }

    /// The four published crates at `workspace`, braze-cli depending on `leaf` through
    /// `middle` with `kind`, and `leaf` declaring `leaf_version`.
    fn metadata(workspace: &str, kind: Option<&str>, leaf_version: Option<&str>) -> Value {
        let mut packages: Vec<Value> = PUBLISHED
            .iter()
            .map(|name| package(name, Some(workspace)))
            .collect();
        packages.push(package("middle", Some("1.70")));
        packages.push(package("leaf", leaf_version));
        packages.push(package("unrelated", Some("1.99")));
        json!({
            "workspace_members": PUBLISHED.iter().map(|n| format!("id-{n}")).collect::<Vec<_>>(),
            "packages": packages,
            "resolve": { "nodes": [
                node("braze-api", &[]),
                node("braze-sdk", &[("braze-api", None)]),
                node("braze-mock", &[("braze-api", None)]),
                node("braze-cli", &[("braze-sdk", None), ("middle", None)]),
                node("middle", &[("leaf", kind)]),
                node("leaf", &[]),
                node("unrelated", &[]),
            ]},
        })
    }

    #[test]
    fn versions_compare_with_an_implied_patch() {
        assert_eq!(
            RustVersion::parse("1.88").unwrap(),
            RustVersion::parse("1.88.0").unwrap()
        );
        assert!(RustVersion::parse("1.88").unwrap() < RustVersion::parse("1.88.1").unwrap());
        assert!(RustVersion::parse("1.9").unwrap() < RustVersion::parse("1.10").unwrap());
        assert!(RustVersion::parse("1").is_err());
        assert!(RustVersion::parse("1.x").is_err());
        assert!(RustVersion::parse("1.2.3.4").is_err());
    }

    #[test]
    fn a_normal_or_build_dependency_above_the_workspace_fails_with_its_chain() {
        for kind in [None, Some("build")] {
            let found = check(&metadata("1.88", kind, Some("1.89"))).unwrap();
            assert_eq!(found.above.len(), 1, "{kind:?}");
            let (version, chain) = &found.above[0];
            assert_eq!(version.to_string(), "1.89.0");
            assert_eq!(chain, &["braze-cli 1.0.0", "middle 1.0.0", "leaf 1.0.0"]);
            assert_eq!(found.highest.as_ref().unwrap().1, ["leaf 1.0.0"]);
        }
    }

    #[test]
    fn equal_or_lower_passes_and_the_highest_is_named() {
        let found = check(&metadata("1.88", None, Some("1.88.0"))).unwrap();
        assert!(found.above.is_empty());
        let (highest, who) = found.highest.unwrap();
        assert_eq!(highest.to_string(), "1.88.0");
        assert_eq!(
            who,
            ["leaf 1.0.0"],
            "the published crates are not dependencies"
        );
        assert_eq!(found.checked, 6, "the unrelated package is not reached");
    }

    #[test]
    fn dev_dependencies_and_unreached_packages_do_not_count() {
        let found = check(&metadata("1.88", Some("dev"), Some("1.95"))).unwrap();
        assert!(found.above.is_empty());
        assert_eq!(found.checked, 5);
    }

    #[test]
    fn undeclared_versions_are_listed_not_judged() {
        let found = check(&metadata("1.88", None, None)).unwrap();
        assert!(found.above.is_empty());
        assert_eq!(found.undeclared, ["leaf 1.0.0"]);
    }

    #[test]
    fn a_published_crate_without_rust_version_is_an_error() {
        let mut meta = metadata("1.88", None, None);
        meta["packages"][1]["rust_version"] = Value::Null;
        let err = check(&meta).unwrap_err();
        assert!(err.contains("braze-sdk declares no rust-version"), "{err}");
    }

    #[test]
    fn this_workspace_passes() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        run(root).unwrap();
    }
}
