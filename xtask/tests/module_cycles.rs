//! No import circle among the top-level modules of a crate: each crate's modules form
//! layers (`operations` ← `rate_limit` ← `retry` ← `hooks` in braze-api), so that a module
//! can be read, tested and moved knowing only the ones below it.
//!
//! The check reads every crate's `src/**/*.rs` (not `generated.rs`, written by
//! `cargo xtask generate`), lexes it with `proc-macro2` (so comments and doc comments,
//! which become string literals, are not read), and takes as an edge of a file's
//! top-level module every path it names inside the same crate:
//!
//! * `crate::x::..`, `$crate::x::..`, `use crate::{x, y::z}`;
//! * `super::..` and `self::..`, resolved from the module that writes them (inline
//!   `mod m { .. }` blocks included);
//! * a name that the crate root imports (`crate::Error` when `lib.rs` has
//!   `pub use error::Error`, or through a root glob such as `pub use generated::*`) is
//!   an edge to the module it comes from.
//!
//! Only the module under the crate root counts (`crate::rate_limit::pacer` is an edge to
//! `rate_limit`), so a module's edges to its own submodules or parent are not circles.
//! Items behind `#[cfg(test)]` (the `mod tests { .. }` blocks, test-only `impl`s) are
//! skipped: tests may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// The crates whose modules are checked, relative to the workspace root.
const CRATES: [&str; 5] = [
    "crates/braze-api",
    "crates/braze-sdk",
    "crates/braze-mock",
    "crates/braze-cli",
    "crates/braze-bench",
];

/// Written by `cargo xtask generate`: its layering is the generator's.
const GENERATED: &str = "generated.rs";

/// The workspace root (xtask lives one level below it).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
        .to_path_buf()
}

/// The `.rs` files under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The module path of a file, from its path under `src/`: `lib.rs` and `main.rs` → the
/// root (empty), `foo.rs` and `foo/mod.rs` → `foo`, `foo/bar.rs` → `foo::bar`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().expect("a file name");
    let stem = file.strip_suffix(".rs").expect("a .rs file");
    let is_root = parts.is_empty() && (stem == "lib" || stem == "main");
    if stem != "mod" && !is_root {
        parts.push(stem.to_owned());
    }
    parts
}

/// One crate's modules: the edges between its top-level modules, each with the files
/// that make it.
struct Graph {
    modules: BTreeSet<String>,
    edges: BTreeMap<(String, String), BTreeSet<String>>,
}

/// A module's file as tokens, with where it sits.
struct Source {
    relative: String,
    module: Vec<String>,
    tokens: Vec<TokenTree>,
}

/// The graph of the crate in `crate_dir`, from its files.
fn graph_of(crate_dir: &Path) -> Graph {
    let src = crate_dir.join("src");
    let files = rust_files(&src);
    let has_lib = files.iter().any(|f| f == &src.join("lib.rs"));
    let mut texts = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        assert!(
            !relative.starts_with("bin"),
            "{}: teach this check about src/bin/",
            file.display()
        );
        let text = std::fs::read_to_string(file).unwrap();
        // Beside a library, `main.rs` is a crate of its own that uses the library by name.
        if has_lib && relative == Path::new("main.rs") {
            assert!(
                !text.contains("mod "),
                "{}: teach this check about modules of a binary beside a library",
                file.display()
            );
            continue;
        }
        let read = relative.file_name().is_none_or(|name| name != GENERATED);
        texts.push((relative.to_path_buf(), read.then_some(text)));
    }
    graph_from(&texts)
}

/// The graph of a crate from its files: each path under `src/` with its text, or `None`
/// for a module that is not read.
fn graph_from(files: &[(PathBuf, Option<String>)]) -> Graph {
    let mut modules = BTreeSet::new();
    let mut sources = Vec::new();
    for (relative, text) in files {
        let module = module_path(relative);
        if let Some(top) = module.first() {
            modules.insert(top.clone());
        }
        let Some(text) = text else { continue };
        let tokens = TokenStream::from_str(text)
            .unwrap_or_else(|e| panic!("{}: {e:?}", relative.display()))
            .into_iter()
            .collect();
        sources.push(Source {
            relative: format!("src/{}", relative.display()),
            module,
            tokens,
        });
    }
    let root = sources
        .iter()
        .find(|source| source.module.is_empty())
        .expect("a crate root");
    let root_names = root_imports(&root.tokens, &modules);
    let mut graph = Graph {
        modules,
        edges: BTreeMap::new(),
    };
    let mut walks = Vec::new();
    let mut test_only_files = Vec::new();
    for source in &sources {
        let mut walk = Walk {
            modules: &graph.modules,
            root_names: &root_names,
            paths: Vec::new(),
            test_only_files: Vec::new(),
        };
        walk.tokens(&source.module, &source.tokens);
        test_only_files.append(&mut walk.test_only_files);
        walks.push((source, walk.paths));
    }
    for (source, paths) in walks {
        if test_only_files
            .iter()
            .any(|test_only| source.module.starts_with(test_only))
        {
            continue;
        }
        let Some(from) = source.module.first() else {
            continue; // the root re-exports; it is no module of the layers
        };
        for to in paths {
            if &to != from {
                graph
                    .edges
                    .entry((from.clone(), to))
                    .or_default()
                    .insert(source.relative.clone());
            }
        }
    }
    graph
}

/// What the names imported at the crate root stand for: `pub use error::{Error, Result}`
/// makes `crate::Error` a path into `error`. A root glob (`pub use generated::*`) stands
/// for every other name, when it is the only one.
struct RootNames {
    names: BTreeMap<String, String>,
    glob: Option<String>,
}

fn root_imports(tokens: &[TokenTree], modules: &BTreeSet<String>) -> RootNames {
    let mut names = BTreeMap::new();
    let mut globs = BTreeSet::new();
    let mut i = 0;
    while i < tokens.len() {
        if is_ident(&tokens[i], "use") {
            let end = (i..tokens.len())
                .find(|&j| is_punct(&tokens[j], ';'))
                .expect("a use item ends");
            let mut leaves = Vec::new();
            use_tree(&tokens[i + 1..end], &[], &mut leaves);
            for (path, leaf) in leaves {
                let path: Vec<&str> = path
                    .iter()
                    .map(String::as_str)
                    .skip_while(|s| *s == "crate" || *s == "self")
                    .collect();
                let Some(&first) = path.first() else { continue };
                if !modules.contains(first) {
                    continue; // another crate's
                }
                match leaf {
                    Leaf::Glob => {
                        globs.insert(first.to_owned());
                    }
                    Leaf::Name(name) => {
                        names.insert(name, first.to_owned());
                    }
                }
            }
            i = end;
        }
        i += 1;
    }
    RootNames {
        names,
        glob: (globs.len() == 1).then(|| globs.into_iter().next().unwrap()),
    }
}

/// The end of one path of a `use` tree: the name it brings in (after `as`, if any), or
/// everything (`*`).
enum Leaf {
    Name(String),
    Glob,
}

/// The paths of a `use` tree, `a::{b, c::d as e, f::*}`, each with its leaf.
fn use_tree(tokens: &[TokenTree], prefix: &[String], out: &mut Vec<(Vec<String>, Leaf)>) {
    let mut path = prefix.to_vec();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Ident(ident) if ident == "as" => {
                if let Some(TokenTree::Ident(alias)) = tokens.get(i + 1) {
                    out.push((path.clone(), Leaf::Name(alias.to_string())));
                    path.clear();
                }
                i += 1;
            }
            TokenTree::Ident(ident) => path.push(ident.to_string()),
            TokenTree::Punct(p) if p.as_char() == '*' => {
                out.push((path.clone(), Leaf::Glob));
                path.clear();
            }
            TokenTree::Punct(p) if p.as_char() == ',' => {
                if let Some(name) = path.last().cloned() {
                    out.push((path.clone(), Leaf::Name(name)));
                }
                path = prefix.to_vec();
            }
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                use_tree(&inner, &path, out);
                path.clear();
            }
            _ => {}
        }
        i += 1;
    }
    if path.len() > prefix.len()
        && let Some(name) = path.last().cloned()
    {
        out.push((path, Leaf::Name(name)));
    }
}

/// A walk over one file's tokens.
struct Walk<'a> {
    modules: &'a BTreeSet<String>,
    root_names: &'a RootNames,
    /// The top-level modules named.
    paths: Vec<String>,
    /// Modules declared `#[cfg(test)] mod name;`: their files are skipped.
    test_only_files: Vec<Vec<String>>,
}

impl Walk<'_> {
    fn tokens(&mut self, module: &[String], tokens: &[TokenTree]) {
        let mut i = 0;
        while i < tokens.len() {
            // `#[cfg(test)]`: skip the item it marks.
            if is_punct(&tokens[i], '#') {
                let inner = is_punct_at(tokens, i + 1, '!');
                let at = if inner { i + 2 } else { i + 1 };
                if let Some(TokenTree::Group(attribute)) = tokens.get(at)
                    && attribute.delimiter() == Delimiter::Bracket
                    && is_cfg_test(attribute.stream())
                {
                    if inner {
                        return; // the whole module is for tests
                    }
                    i = self.skip_item(module, tokens, at + 1);
                    continue;
                }
            }
            match &tokens[i] {
                // An inline module: paths inside it are relative to it.
                TokenTree::Ident(ident) if ident == "mod" => {
                    if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(body))) =
                        (tokens.get(i + 1), tokens.get(i + 2))
                        && body.delimiter() == Delimiter::Brace
                    {
                        let mut inner = module.to_vec();
                        inner.push(name.to_string());
                        let body: Vec<TokenTree> = body.stream().into_iter().collect();
                        self.tokens(&inner, &body);
                        i += 3;
                        continue;
                    }
                }
                TokenTree::Ident(ident)
                    if (ident == "crate" || ident == "super" || ident == "self")
                        && !follows_path_separator(tokens, i) =>
                {
                    i = self.path(module, tokens, i);
                    continue;
                }
                TokenTree::Group(group) => {
                    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                    self.tokens(module, &inner);
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// Skips the item from `start` (after its `#[cfg(test)]`): further attributes, then
    /// up to its `;` or its `{ .. }` body. Returns where the walk goes on.
    fn skip_item(&mut self, module: &[String], tokens: &[TokenTree], start: usize) -> usize {
        let mut i = start;
        while is_punct_at(tokens, i, '#') && matches!(tokens.get(i + 1), Some(TokenTree::Group(_)))
        {
            i += 2;
        }
        let item = i;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Punct(p) if p.as_char() == ';' => {
                    if let Some(name) = declared_module(&tokens[item..i]) {
                        let mut file = module.to_vec();
                        file.push(name);
                        self.test_only_files.push(file);
                    }
                    return i + 1;
                }
                TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => return i + 1,
                _ => i += 1,
            }
        }
        i
    }

    /// Reads the path that starts at `start` (`crate`, `super` or `self`), records the
    /// top-level modules it names, and returns where the walk goes on.
    fn path(&mut self, module: &[String], tokens: &[TokenTree], start: usize) -> usize {
        let mut absolute: Vec<String> = Vec::new();
        let mut i = start;
        let mut first = true;
        // Still in the leading `super::super::..`.
        let mut going_up = false;
        loop {
            match tokens.get(i) {
                Some(TokenTree::Ident(ident)) => {
                    let word = ident.to_string();
                    match (first, word.as_str()) {
                        (true, "crate") => {}
                        (true, "self") => absolute = module.to_vec(),
                        (true, "super") => {
                            absolute = module.to_vec();
                            absolute.pop();
                            going_up = true;
                        }
                        (false, "super") if going_up => {
                            absolute.pop();
                        }
                        _ => {
                            absolute.push(word);
                            going_up = false;
                        }
                    }
                    first = false;
                    i += 1;
                }
                Some(TokenTree::Group(group))
                    if !first && group.delimiter() == Delimiter::Brace =>
                {
                    // `use crate::{a, b::c}`: each branch starts from the path so far.
                    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                    let mut leaves = Vec::new();
                    use_tree(&inner, &[], &mut leaves);
                    for (branch, leaf) in leaves {
                        let mut full = absolute.clone();
                        full.extend(branch.into_iter().filter(|s| s != "self"));
                        if full.is_empty()
                            && let Leaf::Name(name) = leaf
                        {
                            full.push(name);
                        }
                        self.record(&full);
                    }
                    return i + 1;
                }
                _ => break,
            }
            if is_path_separator(tokens, i) {
                i += 2;
            } else {
                break;
            }
        }
        self.record(&absolute);
        i
    }

    /// Records the top-level module an absolute path goes into, if it is this crate's.
    fn record(&mut self, absolute: &[String]) {
        let Some(first) = absolute.first() else {
            return; // the root itself: `use super::*` from a top-level module, say
        };
        let target = if self.modules.contains(first) {
            Some(first.clone())
        } else {
            self.root_names
                .names
                .get(first)
                .cloned()
                .or_else(|| self.root_names.glob.clone())
        };
        if let Some(target) = target {
            self.paths.push(target);
        }
    }
}

/// `mod name` at the end of an item's tokens (`pub(crate) mod name`).
fn declared_module(item: &[TokenTree]) -> Option<String> {
    match item {
        [.., TokenTree::Ident(keyword), TokenTree::Ident(name)] if keyword == "mod" => {
            Some(name.to_string())
        }
        _ => None,
    }
}

fn is_cfg_test(attribute: TokenStream) -> bool {
    let tokens: Vec<TokenTree> = attribute.into_iter().collect();
    match tokens.as_slice() {
        [TokenTree::Ident(cfg), TokenTree::Group(args)] if cfg == "cfg" => {
            let args: Vec<TokenTree> = args.stream().into_iter().collect();
            matches!(args.as_slice(), [TokenTree::Ident(test)] if test == "test")
        }
        _ => false,
    }
}

fn is_ident(token: &TokenTree, word: &str) -> bool {
    matches!(token, TokenTree::Ident(ident) if ident == word)
}

fn is_punct(token: &TokenTree, c: char) -> bool {
    matches!(token, TokenTree::Punct(p) if p.as_char() == c)
}

fn is_punct_at(tokens: &[TokenTree], i: usize, c: char) -> bool {
    tokens.get(i).is_some_and(|token| is_punct(token, c))
}

/// Whether `::` follows the token at `i`.
fn is_path_separator(tokens: &[TokenTree], i: usize) -> bool {
    matches!(
        (tokens.get(i), tokens.get(i + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
    )
}

/// Whether the token at `i` continues a path (`x::super`), rather than starting one.
fn follows_path_separator(tokens: &[TokenTree], i: usize) -> bool {
    i >= 2 && is_path_separator(tokens, i - 2)
}

/// Every elementary circle of the graph, each as its modules in order from its
/// alphabetically first one.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in graph.edges.keys() {
        next.entry(from).or_default().push(to);
    }
    let mut found = Vec::new();
    for start in &graph.modules {
        // Circles through `start` and modules after it only: each is found once, from
        // its first module.
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        let mut on_path: BTreeSet<&str> = BTreeSet::from([start.as_str()]);
        while let Some((node, index)) = stack.pop() {
            let targets = next.get(node).map_or(&[][..], Vec::as_slice);
            let Some(&target) = targets.get(index) else {
                on_path.remove(node);
                continue;
            };
            stack.push((node, index + 1));
            if target == start {
                found.push(stack.iter().map(|(n, _)| (*n).to_owned()).collect());
                assert!(found.len() < 10_000, "too many circles to list");
            } else if target > start.as_str() && !on_path.contains(target) {
                on_path.insert(target);
                stack.push((target, 0));
            }
        }
    }
    found.sort();
    found
}

fn describe(graph: &Graph, cycle: &[String]) -> String {
    let mut text = cycle.join(" → ");
    text.push_str(&format!(" → {}", cycle[0]));
    for (from, to) in cycle.iter().zip(cycle.iter().cycle().skip(1)) {
        let files = &graph.edges[&(from.clone(), to.clone())];
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        text.push_str(&format!("\n      {from} → {to}: {}", files.join(", ")));
    }
    text
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let root = workspace_root();
    let mut problems = Vec::new();
    for crate_dir in CRATES {
        let name = crate_dir.rsplit('/').next().unwrap();
        let graph = graph_of(&root.join(crate_dir));
        for cycle in cycles(&graph) {
            problems.push(format!("{name}: {}", describe(&graph, &cycle)));
        }
    }
    assert!(
        problems.is_empty(),
        "import circles among top-level modules:\n  {}",
        problems.join("\n  ")
    );
}

/// The reader on a made-up crate: what counts as an edge and what does not.
#[test]
fn the_reader_takes_paths_not_comments_or_tests() {
    let crate_files = [
        (
            "lib.rs",
            "mod a; mod b; mod c; mod d; mod e; mod f; mod generated;\n\
             pub use d::Named;\npub use generated::*;",
        ),
        // Real edges: a `use` group, `super::` from a submodule, a root re-export, a
        // root glob, `$crate` in a macro.
        (
            "a.rs",
            "use crate::{b::One, c};\nmod inner { use super::super::e::X; }",
        ),
        (
            "a/sub.rs",
            "use super::super::f::Y; fn g() -> crate::Named { todo!() }",
        ),
        ("b.rs", "fn h() -> crate::Client { todo!() }"),
        ("c.rs", "macro_rules! m { () => { $crate::a::Z }; }"),
        ("d.rs", "pub struct Named;"),
        // Not edges: comments, doc comments, strings, tests, its own submodules.
        (
            "e.rs",
            "//! Uses [`crate::a`].\n/// See crate::a::Z.\nfn s() { let _ = \"crate::a\"; } // crate::a\n\
             /* crate::a */ use self::inner::Q; mod inner {}\n\
             #[cfg(test)]\nmod tests { use crate::a::Z; }\n\
             #[cfg(test)]\nimpl X { fn t() -> crate::a::Z { todo!() } }",
        ),
        ("f.rs", "#![cfg(test)]\nuse crate::a::Z;"),
        ("generated.rs", "use crate::a::Z;"),
    ];
    let files: Vec<(PathBuf, Option<String>)> = crate_files
        .iter()
        .map(|(path, text)| {
            let read = *path != GENERATED;
            (PathBuf::from(path), read.then(|| (*text).to_owned()))
        })
        .collect();
    let graph = graph_from(&files);
    let edges: Vec<(&str, &str)> = graph
        .edges
        .keys()
        .map(|(from, to)| (from.as_str(), to.as_str()))
        .collect();
    assert_eq!(
        edges,
        [
            ("a", "b"),
            ("a", "c"),
            ("a", "d"),
            ("a", "e"),
            ("a", "f"),
            ("b", "generated"),
            ("c", "a"),
        ]
    );
    assert_eq!(cycles(&graph), [["a", "c"]]);
    assert_eq!(module_path(Path::new("x/mod.rs")), ["x"]);
    assert_eq!(module_path(Path::new("x/y.rs")), ["x", "y"]);
    assert!(module_path(Path::new("main.rs")).is_empty());
}
