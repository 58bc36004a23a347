//! The shape of the code, checked with every test run: modules depend on each other in one
//! direction, and files and functions stay short enough to read in one sitting. A file or a
//! function past its limit needs a written reason in [`LONG_FILES`] or [`LONG_FUNCTIONS`].
//!
//! The module graph is read from the source text: a node per module file, an edge for every
//! `crate::`, `super::` or `self::` path a module names, resolved to the deepest module file the
//! path reaches. A parent naming its own children (declaring or re-exporting them) is how Rust
//! owns modules, not a dependency, so ancestor→descendant edges are left out; a child naming its
//! parent is an edge. Test modules (`#[cfg(test)] mod …` and files under a `tests` module) do not
//! count. Every run prints the figures it measured.

mod graph;
mod layers;
mod source;

use std::collections::BTreeSet;

use graph::ModuleGraph;
use source::{functions, root, rust_files};

/// Lines a source file may have.
const MAX_FILE_LINES: usize = 500;
/// Lines a function may have, from its `fn` line to its closing brace.
const MAX_FN_LINES: usize = 80;

/// Files allowed past [`MAX_FILE_LINES`]: (path from the crate root, reason).
const LONG_FILES: &[(&str, &str)] = &[];

/// Functions allowed past [`MAX_FN_LINES`]: (path from the crate root, function, reason).
const LONG_FUNCTIONS: &[(&str, &str, &str)] = &[];

#[test]
fn modules_depend_on_each_other_in_one_direction() {
    let graph = ModuleGraph::read(&root().join("src"));
    let cycles = graph.cycles();
    println!(
        "modules: {}, dependencies: {}",
        graph.edges.len(),
        graph.edge_count()
    );
    println!("import cycles: {}", cycles.len());
    let mut report = String::new();
    for cycle in &cycles {
        report.push_str(&format!("\n  cycle among {}:", cycle.join(", ")));
        for from in cycle {
            for to in graph.edges[from].iter().filter(|to| cycle.contains(to)) {
                report.push_str(&format!("\n    {from} -> {to}"));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "modules import each other in a circle:{report}"
    );
}

#[test]
fn services_never_name_the_web_layer() {
    let graph = ModuleGraph::read(&root().join("src"));
    for service in layers::SERVICES {
        assert!(
            graph.edges.contains_key(*service),
            "{service} is listed as a service but is not a module"
        );
    }
    let found = layers::services_naming_the_web_layer(&graph);
    let list: Vec<String> = found.iter().map(|(s, w)| format!("{s} -> {w}")).collect();
    assert!(
        found.is_empty(),
        "services name the web layer (they take what they use instead):\n  {}",
        list.join("\n  ")
    );
}

#[test]
fn files_stay_short_enough_to_read() {
    let mut sizes: Vec<(usize, String)> = rust_files()
        .into_iter()
        .map(|(path, text)| (text.lines().count(), path))
        .collect();
    sizes.sort_by(|a, b| b.cmp(a));
    println!("largest files:");
    for (lines, path) in sizes.iter().take(8) {
        println!("  {lines:5} {path}");
    }
    let too_long: Vec<String> = sizes
        .iter()
        .filter(|(lines, path)| {
            *lines > MAX_FILE_LINES && !LONG_FILES.iter().any(|(p, _)| p == path)
        })
        .map(|(lines, path)| format!("{path} ({lines} lines)"))
        .collect();
    assert!(
        too_long.is_empty(),
        "files over {MAX_FILE_LINES} lines without a reason in LONG_FILES: {}",
        too_long.join(", ")
    );
    for (path, reason) in LONG_FILES {
        assert!(
            !reason.trim().is_empty(),
            "{path}: LONG_FILES needs a reason"
        );
        assert!(
            sizes
                .iter()
                .any(|(lines, p)| p == path && *lines > MAX_FILE_LINES),
            "{path} is listed in LONG_FILES but is no longer long (or gone): remove the entry"
        );
    }
}

#[test]
fn functions_stay_short_enough_to_read() {
    let mut functions: Vec<(usize, String, String)> = rust_files()
        .into_iter()
        .flat_map(|(path, text)| {
            functions(&text)
                .into_iter()
                .map(move |(name, lines)| (lines, path.clone(), name))
        })
        .collect();
    functions.sort_by(|a, b| b.cmp(a));
    println!("longest functions:");
    for (lines, path, name) in functions.iter().take(8) {
        println!("  {lines:5} {path} {name}");
    }
    let allowed = |path: &str, name: &str| {
        LONG_FUNCTIONS
            .iter()
            .any(|(p, n, _)| *p == path && *n == name)
    };
    let too_long: Vec<String> = functions
        .iter()
        .filter(|(lines, path, name)| *lines > MAX_FN_LINES && !allowed(path, name))
        .map(|(lines, path, name)| format!("{path} {name} ({lines} lines)"))
        .collect();
    assert!(
        too_long.is_empty(),
        "functions over {MAX_FN_LINES} lines without a reason in LONG_FUNCTIONS:\n  {}",
        too_long.join("\n  ")
    );
    for (path, name, reason) in LONG_FUNCTIONS {
        assert!(
            !reason.trim().is_empty(),
            "{path} {name}: LONG_FUNCTIONS needs a reason"
        );
        assert!(
            functions.iter().any(|(l, p, n)| p == path && n == name && *l > MAX_FN_LINES),
            "{path} {name} is listed in LONG_FUNCTIONS but is no longer long (or gone): remove the entry"
        );
    }
}

/// The checks read themselves too: a cycle of two modules is found, a test module is not one.
#[test]
fn the_reader_finds_a_cycle_and_ignores_test_modules() {
    let files = [
        (
            "a.rs",
            "use crate::b::Thing;\nfn f() { let _ = \"crate::c::X\"; }\n",
        ),
        ("b.rs", "pub struct Thing;\nfn g() { crate::a::f(); }\n"),
        (
            "c.rs",
            "#[cfg(test)]\nmod tests {\n    use crate::a::f;\n}\n",
        ),
        ("d/mod.rs", "mod e;\npub use self::e::E;\n"),
        ("d/e.rs", "use super::super::{b::{self, Thing as T}, c};\n"),
    ];
    let graph =
        ModuleGraph::from_sources(files.iter().map(|(p, t)| (p.to_string(), t.to_string())));
    assert_eq!(graph.cycles(), vec![vec!["a".to_owned(), "b".to_owned()]]);
    assert!(
        graph.edges["c"].is_empty(),
        "a test module and a string are not dependencies"
    );
    assert!(
        graph.edges["d"].is_empty(),
        "a parent naming its child is not a dependency"
    );
    assert_eq!(
        graph.edges["d::e"],
        BTreeSet::from(["b".to_owned(), "c".to_owned()])
    );
    let long = format!(
        "fn long() {{\n{}}}\nfn short(x: [u8; 2]) -> u8 {{ x[0] }}\n",
        "    let _ = '{';\n".repeat(90)
    );
    assert_eq!(
        functions(&long),
        vec![("long".to_owned(), 92), ("short".to_owned(), 1)]
    );
}

/// The layer rule can fail: a service naming the state is found.
#[test]
fn a_service_naming_the_state_is_found() {
    let files = [
        ("server/mod.rs", "pub mod state;\npub mod tokens;\n"),
        ("server/state.rs", "use super::tokens::Tokens;\n"),
        ("server/tokens.rs", "use crate::server::state::AppState;\n"),
    ];
    let graph =
        ModuleGraph::from_sources(files.iter().map(|(p, t)| (p.to_string(), t.to_string())));
    assert_eq!(
        layers::services_naming_the_web_layer(&graph),
        vec![("server::tokens".to_owned(), "server::state".to_owned())]
    );
}
