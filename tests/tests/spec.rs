//! The hand-written parts agree with the spec.

use braze_sdk::Instance;
use serde_json::Value;

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/braze.yaml");
    let text = std::fs::read_to_string(path).expect("read the spec");
    yaml_serde::from_str(&text).expect("the spec is YAML")
}

#[test]
fn the_instance_table_matches_the_spec_servers() {
    let spec = spec();
    let servers: Vec<(String, String)> = spec["servers"]
        .as_array()
        .expect("servers")
        .iter()
        .map(|server| {
            let name = server["description"].as_str().expect("description");
            let name = name.split_whitespace().next().expect("a name first");
            (
                name.to_owned(),
                server["url"].as_str().expect("url").to_owned(),
            )
        })
        .collect();
    let instances: Vec<(String, String)> = Instance::ALL
        .iter()
        .map(|i| (i.name().to_owned(), i.rest_url().to_owned()))
        .collect();
    assert_eq!(instances, servers);
    assert_eq!(instances.len(), 15);
}

#[test]
fn every_spec_operation_is_in_the_generated_table() {
    let spec = spec();
    let mut from_spec = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            from_spec.push((
                operation["operationId"]
                    .as_str()
                    .expect("operationId")
                    .to_owned(),
                method.to_uppercase(),
                path.clone(),
                operation["x-braze-permission"]
                    .as_str()
                    .expect("permission")
                    .to_owned(),
            ));
        }
    }
    let table: Vec<(String, String, String, String)> = braze_api::operations::OPERATIONS
        .iter()
        .map(|op| {
            (
                op.id.to_owned(),
                op.method.to_string(),
                op.path.to_owned(),
                op.permission.as_str().to_owned(),
            )
        })
        .collect();
    let (mut table, mut from_spec) = (table, from_spec);
    table.sort();
    from_spec.sort();
    assert_eq!(table, from_spec);
}

/// The README's operation table names every operation of the spec with its endpoint and
/// permission: a new operation is not done until the README says how to call it.
#[test]
fn the_readme_lists_every_operation() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).expect("read the README");
    for spec in braze_api::operations::OPERATIONS {
        let row = readme
            .lines()
            .find(|line| line.starts_with(&format!("| `{}` |", spec.id)))
            .unwrap_or_else(|| panic!("README.md has no table row for `{}`", spec.id));
        let endpoint = format!("`{} {}", spec.method, spec.path);
        let permission = format!("`{}`", spec.permission);
        assert!(
            row.contains(&endpoint) && row.contains(&permission),
            "README.md's row for `{}` should give {endpoint}` and {permission}: {row}",
            spec.id
        );
    }
}
