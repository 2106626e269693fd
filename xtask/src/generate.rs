//! `cargo xtask generate [--check]`: openapi/braze.yaml → crates/braze-api/src/generated.rs,
//! and the operation tables of the READMEs ([`crate::readme_tables`]).

use std::fmt::Write as _;
use std::path::Path;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};

/// Spec types replaced by hand-written ones in `crates/braze-api/src/ids.rs`, so that ids are
/// cheap to make from `&str` and shared by the SDK, the fake server and the generated types.
const ID_TYPES: [&str; 3] = ["CampaignId", "CanvasId", "ScheduleId"];

/// The spec, relative to the workspace root.
const SPEC: &str = "openapi/braze.yaml";
/// The generated module, relative to the workspace root.
const OUTPUT: &str = "crates/braze-api/src/generated.rs";
/// How many diff lines `--check` prints before summarising the rest.
const DIFF_LINES_SHOWN: usize = 80;

/// Whether to write the file or only compare it.
pub enum Mode {
    Write,
    Check,
}

pub fn run(root: &Path, mode: Mode) -> Result<(), String> {
    let spec = read_spec(&root.join(SPEC))?;
    let code = generate(&spec)?;
    let output = root.join(OUTPUT);
    let current = std::fs::read_to_string(&output).unwrap_or_default();
    let mut files = vec![(OUTPUT.to_owned(), current, code)];
    files.extend(crate::readme_tables::readmes(root, &spec)?);
    match mode {
        Mode::Write => {
            for (relative, _, wanted) in &files {
                let path = root.join(relative);
                std::fs::write(&path, wanted)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                println!(
                    "wrote {relative} ({} lines) from {SPEC}",
                    wanted.lines().count()
                );
            }
            Ok(())
        }
        Mode::Check => {
            let stale: Vec<&str> = files
                .iter()
                .filter(|(_, current, wanted)| current != wanted)
                .map(|(relative, current, wanted)| {
                    eprint!("{relative}:\n{}", diff_summary(current, wanted));
                    relative.as_str()
                })
                .collect();
            if stale.is_empty() {
                println!("{OUTPUT} and the READMEs' operation tables are up to date with {SPEC}");
                Ok(())
            } else {
                Err(format!(
                    "{} out of date with {SPEC} (or edited by hand); run `cargo xtask \
                     generate` and commit the result",
                    stale.join(", ")
                ))
            }
        }
    }
}

fn read_spec(spec_path: &Path) -> Result<openapiv3::OpenAPI, String> {
    let text = std::fs::read_to_string(spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    yaml_serde::from_str(&text).map_err(|e| {
        format!(
            "{} is not a valid OpenAPI 3.0 document: {e}",
            spec_path.display()
        )
    })
}

/// Renders the spec into the generated module's source text. Same input, same bytes.
fn generate(spec: &openapiv3::OpenAPI) -> Result<String, String> {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // A missing `impl ClientHooks for Client` in braze-api is a compile error, so the
        // retry, pacing and tracing hooks cannot be dropped by accident.
        .with_hooks(HooksMode::Expected)
        // Every request passes through `impl ClientHooks<HookState> for Client` with this
        // state: credentials, retry policy, rate-limit pacer.
        .with_inner_type(
            "crate::HookState"
                .parse::<proc_macro2::TokenStream>()
                .map_err(|e| format!("bad inner type: {e}"))?,
        )
        // Emitted in every type's derive list, then moved behind braze-api's `schemars`
        // feature by `schemars_behind_feature` below: progenitor has no setting for a
        // derive under `cfg_attr`, and nothing at run time needs the schemas.
        .with_derive(SCHEMARS_DERIVE)
        .with_derive("PartialEq")
        // Maps of the spec (`additionalProperties: {type: string}`: webhook and email
        // headers, WhatsApp template variables) keep a stable order, so a request
        // serialises the same way every time (and its wire snapshot with it).
        .with_map_type("::std::collections::BTreeMap");
    for id in ID_TYPES {
        settings.with_replacement(
            id,
            format!("crate::ids::{id}"),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    // A schedule's time is checked by hand (`crates/braze-api/src/schedule_time.rs`)
    // against the spec's pattern, the only one that is not an id's: the generated check
    // would need the `regress` regex crate in every user's build for one fixed shape.
    settings.with_replacement(
        "ScheduleTime",
        "crate::schedule_time::ScheduleTime",
        [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
    );
    // The value of a numeric audience filter keeps the number as written (`3`, not
    // `3.0`): an `f64` would turn every integer into a float on the wire.
    settings.with_replacement(
        "AttributeNumber",
        "::serde_json::Number",
        std::iter::empty(),
    );
    let mut tokens = Generator::new(&settings)
        .generate_tokens(spec)
        .map_err(|e| format!("progenitor could not generate a client from {SPEC}: {e}"))?;
    tokens.extend(crate::operation_table::tokens(spec)?);
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("progenitor produced code that does not parse: {e}"))?;
    let opened = builder_fields_for_the_table(&mut file.items);
    if opened == 0 {
        return Err(
            "no builder struct found in progenitor's `mod builder`: its output changed, see \
             builder_fields_for_the_table in xtask/src/generate.rs"
                .to_owned(),
        );
    }
    let moved = schemars_behind_feature(&mut file.items)?;
    if moved == 0 {
        return Err(format!(
            "no generated type derives {SCHEMARS_DERIVE}: progenitor's output changed, \
             see schemars_behind_feature in xtask/src/generate.rs"
        ));
    }

    // Formatted by prettyplease, never by rustfmt: lib.rs marks the module
    // `#[rustfmt::skip]`, because stable rustfmt re-indents the generated doc blocks.
    let mut code = String::new();
    writeln!(
        code,
        "// @generated by `cargo xtask generate` from {SPEC}. Do not edit by hand: change the\n\
         // spec (or xtask/src/generate.rs) and run `cargo xtask generate`; CI runs\n\
         // `cargo xtask generate --check` to catch a stale or hand-edited file.\n"
    )
    .expect("writing to a String cannot fail");
    code.push_str(&prettyplease::unparse(&file));
    Ok(code)
}

/// Makes the fields of every struct of progenitor's `mod builder` visible to its parent
/// module (`pub(super)`), so that the operation table's `Bound::request`
/// ([`crate::operation_table`]), a sibling module, can take a builder apart. Nothing
/// outside the generated module sees them. Returns how many structs it changed.
fn builder_fields_for_the_table(items: &mut [syn::Item]) -> usize {
    let mut opened = 0;
    for item in items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "builder" {
            continue;
        }
        for item in module.content.iter_mut().flat_map(|(_, content)| content) {
            if let syn::Item::Struct(builder) = item {
                for field in builder.fields.iter_mut() {
                    field.vis = syn::parse_quote!(pub(super));
                }
                opened += 1;
            }
        }
    }
    opened
}

/// The derive that the generated types get only with braze-api's `schemars` feature.
const SCHEMARS_DERIVE: &str = "schemars::JsonSchema";

/// Takes [`SCHEMARS_DERIVE`] out of every `#[derive(...)]` of `items` (modules searched
/// recursively) and puts it back right after, as
/// `#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]`: JSON Schemas of
/// the types are for tests and tools, and deriving them for every type costs each
/// user's build the `schemars` crates and a good part of braze-api's compile time.
/// Returns how many types it changed.
fn schemars_behind_feature(items: &mut [syn::Item]) -> Result<usize, String> {
    use syn::punctuated::Punctuated;
    let wanted: syn::Path =
        syn::parse_str(SCHEMARS_DERIVE).map_err(|e| format!("bad derive path: {e}"))?;
    // By the path's segments (syn's `PartialEq` needs a feature this crate does not use).
    let names = |path: &syn::Path| -> Vec<String> {
        path.segments.iter().map(|s| s.ident.to_string()).collect()
    };
    let is_wanted = |path: &syn::Path| names(path) == names(&wanted);
    let mut moved = 0;
    for item in items {
        let attrs = match item {
            syn::Item::Struct(item) => &mut item.attrs,
            syn::Item::Enum(item) => &mut item.attrs,
            syn::Item::Mod(module) => {
                if let Some((_, content)) = &mut module.content {
                    moved += schemars_behind_feature(content)?;
                }
                continue;
            }
            _ => continue,
        };
        let mut index = 0;
        while index < attrs.len() {
            if !attrs[index].path().is_ident("derive") {
                index += 1;
                continue;
            }
            let paths = attrs[index]
                .parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
                .map_err(|e| format!("a generated derive list does not parse: {e}"))?;
            if !paths.iter().any(is_wanted) {
                index += 1;
                continue;
            }
            let rest: Vec<&syn::Path> = paths.iter().filter(|p| !is_wanted(p)).collect();
            attrs[index] = syn::parse_quote!(#[derive(#(#rest),*)]);
            attrs.insert(
                index + 1,
                syn::parse_quote!(#[cfg_attr(feature = "schemars", derive(#wanted))]),
            );
            moved += 1;
            index += 2;
        }
    }
    Ok(moved)
}

/// A readable account of how `current` differs from `expected`: counts, then the first
/// lines of a unified diff.
fn diff_summary(current: &str, expected: &str) -> String {
    let diff = similar::TextDiff::from_lines(current, expected);
    let (mut removed, mut added) = (0usize, 0usize);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    let unified = diff
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{OUTPUT} (checked in)"),
            &format!("{OUTPUT} (from {SPEC})"),
        )
        .to_string();
    let lines: Vec<&str> = unified.lines().collect();
    let mut out = format!(
        "{OUTPUT} differs from what {SPEC} generates: {removed} line(s) would go, {added} would come\n"
    );
    for line in lines.iter().take(DIFF_LINES_SHOWN) {
        out.push_str(line);
        out.push('\n');
    }
    if lines.len() > DIFF_LINES_SHOWN {
        let _ = writeln!(
            out,
            "... ({} more diff lines)",
            lines.len() - DIFF_LINES_SHOWN
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch copy of the workspace's spec, with an empty output directory.
    fn scratch_root(name: &str) -> std::path::PathBuf {
        let root = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("openapi")).unwrap();
        std::fs::create_dir_all(root.join("crates/braze-api/src")).unwrap();
        let real = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        std::fs::copy(real.join(SPEC), root.join(SPEC)).unwrap();
        for (readme, _) in crate::readme_tables::READMES {
            std::fs::create_dir_all(root.join(readme).parent().unwrap()).unwrap();
            std::fs::copy(real.join(readme), root.join(readme)).unwrap();
        }
        root
    }

    #[test]
    fn check_fails_after_a_hand_edit_or_an_unregenerated_spec_change() {
        let root = scratch_root("check");
        assert!(run(&root, Mode::Check).is_err(), "a missing file is stale");
        run(&root, Mode::Write).unwrap();
        run(&root, Mode::Check).unwrap();

        // A hand edit of the generated file.
        let output = root.join(OUTPUT);
        let generated = std::fs::read_to_string(&output).unwrap();
        std::fs::write(
            &output,
            generated.replacen("pub struct", "pub(crate) struct", 1),
        )
        .unwrap();
        let err = run(&root, Mode::Check).unwrap_err();
        assert!(err.contains("out of date"), "{err}");
        run(&root, Mode::Write).unwrap();
        run(&root, Mode::Check).unwrap();

        // A hand edit of a README's generated table (the text around it is free).
        let readme = root.join("README.md");
        let text = std::fs::read_to_string(&readme).unwrap();
        std::fs::write(&readme, format!("{text}\nA line of prose.\n")).unwrap();
        run(&root, Mode::Check).unwrap();
        let edited = text.replacen(
            "| `POST /campaigns/trigger/schedule/delete` |",
            "| `POST /x` |",
            1,
        );
        assert_ne!(text, edited);
        std::fs::write(&readme, edited).unwrap();
        let err = run(&root, Mode::Check).unwrap_err();
        assert!(err.contains("README.md"), "{err}");
        run(&root, Mode::Write).unwrap();
        run(&root, Mode::Check).unwrap();

        // A spec change that was not regenerated.
        let spec = std::fs::read_to_string(root.join(SPEC)).unwrap();
        let changed = spec.replace(
            "Body of `POST /campaigns/trigger/schedule/delete`.",
            "Body of `POST /campaigns/trigger/schedule/delete` (edited).",
        );
        assert_ne!(spec, changed);
        std::fs::write(root.join(SPEC), changed).unwrap();
        assert!(run(&root, Mode::Check).is_err());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn generation_is_deterministic_and_headed_by_the_command() {
        let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .join(SPEC);
        let spec = read_spec(&spec).unwrap();
        let first = generate(&spec).unwrap();
        assert_eq!(first, generate(&spec).unwrap());
        assert!(first.starts_with("// @generated by `cargo xtask generate`"));
    }

    #[test]
    fn an_operation_without_its_extensions_is_refused() {
        let root = scratch_root("extensions");
        let spec = std::fs::read_to_string(root.join(SPEC)).unwrap();
        std::fs::write(
            root.join(SPEC),
            spec.replacen("      x-braze-idempotent: true\n", "", 1),
        )
        .unwrap();
        let err = run(&root, Mode::Write).unwrap_err();
        assert!(err.contains("x-braze-idempotent"), "{err}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn an_operation_whose_request_or_answers_the_table_cannot_write_is_refused() {
        let root = scratch_root("lean-send");
        let spec = std::fs::read_to_string(root.join(SPEC)).unwrap();
        let error = "        5XX:\n          $ref: '#/components/responses/Error'\n";
        assert!(spec.contains(error));
        for (changed, wanted) in [
            (
                spec.replacen(
                    error,
                    &format!(
                        "        3XX:\n          $ref: '#/components/responses/Error'\n{error}"
                    ),
                    1,
                ),
                "sending.rs",
            ),
            (spec.replacen(error, "", 1), "sending.rs"),
            (
                spec.replacen("      in: query\n", "      in: header\n", 1),
                "path and query parameters",
            ),
        ] {
            assert_ne!(changed, spec);
            std::fs::write(root.join(SPEC), changed).unwrap();
            let err = run(&root, Mode::Write).unwrap_err();
            assert!(err.contains(wanted), "{err}");
        }
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn json_schema_is_derived_only_with_the_schemars_feature() {
        let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .join(SPEC);
        let code = generate(&read_spec(&spec).unwrap()).unwrap();
        let optional = "#[cfg_attr(feature = \"schemars\", derive(schemars::JsonSchema))]";
        let derived = code.matches("#[derive(").count();
        assert!(code.matches(optional).count() > 50, "{derived} derives");
        // Every use of schemars is one of those attributes.
        assert_eq!(
            code.matches("schemars::").count(),
            code.matches(optional).count()
        );

        let mut items = vec![syn::parse_quote! {
            mod types {
                #[derive(Clone, schemars::JsonSchema, Debug)]
                #[serde(transparent)]
                pub struct A(String);
                #[derive(Clone)]
                pub enum B { X }
            }
        }];
        assert_eq!(schemars_behind_feature(&mut items).unwrap(), 1);
        let text = quote::quote!(#(#items)*).to_string();
        assert!(
            text.contains(
                "# [derive (Clone , Debug)] # [cfg_attr (feature = \"schemars\" , derive (schemars :: JsonSchema))] # [serde (transparent)]"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_diff_summary_counts_and_shows_the_change() {
        let summary = diff_summary("a\nb\nc\n", "a\nB\nc\n");
        assert!(
            summary.contains("1 line(s) would go, 1 would come"),
            "{summary}"
        );
        assert!(
            summary.contains("-b") && summary.contains("+B"),
            "{summary}"
        );
    }
}
