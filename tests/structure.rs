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

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

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

// --- Reading the sources ----------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every Rust file under `src`, `tests` and `benches`: (path from the crate root, text).
fn rust_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in ["src", "tests", "benches"] {
        collect(&root(), &root().join(dir), &mut out);
    }
    assert!(
        out.len() > 50,
        "the sources were not found under {}",
        root().display()
    );
    out
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/");
            out.push((
                rel,
                fs::read_to_string(&path).expect("a readable source file"),
            ));
        }
    }
}

/// The text with comments and the insides of string and character literals blanked out
/// (newlines kept, so line numbers stay).
fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            loop {
                if i + 1 < c.len() && c[i] == '/' && c[i + 1] == '*' {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if i + 1 < c.len() && c[i] == '*' && c[i + 1] == '/' {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                } else {
                    break;
                }
            }
        } else if let Some(len) = raw_string_start(&c, i) {
            let hashes = len - 2 - usize::from(c[i] == 'b');
            out.push('"');
            i += len;
            while i < c.len() && !(c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')))
            {
                blank(&mut out, c[i]);
                i += 1;
            }
            out.push('"');
            i += 1 + hashes;
        } else if c[i] == '"' {
            out.push('"');
            i += 1;
            while i < c.len() && c[i] != '"' {
                let step = if c[i] == '\\' { 2 } else { 1 };
                for k in 0..step {
                    if let Some(&ch) = c.get(i + k) {
                        blank(&mut out, ch);
                    }
                }
                i += step;
            }
            out.push('"');
            i += 1;
        } else if c[i] == '\'' && (next == Some('\\') || c.get(i + 2) == Some(&'\'')) {
            // A character literal ('x', '\n', '\u{1F600}'); a lifetime ('a) is left alone.
            out.push('\'');
            i += 1;
            while i < c.len() && c[i] != '\'' {
                let step = if c[i] == '\\' { 2 } else { 1 };
                out.push_str(&" ".repeat(step));
                i += step;
            }
            out.push('\'');
            i += 1;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The length of a raw string's opening (`r"`, `r#"`, `br##"`…) at `i`, if one starts there.
fn raw_string_start(c: &[char], i: usize) -> Option<usize> {
    if i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_') {
        return None;
    }
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    while c.get(j) == Some(&'#') {
        j += 1;
    }
    (c.get(j) == Some(&'"')).then_some(j + 1 - i)
}

/// The code with every `#[cfg(test)]` module body removed.
fn without_test_modules(code: &str) -> String {
    let mut out = code.to_owned();
    while let Some(at) = out.find("#[cfg(test)]") {
        let rest = &out[at..];
        let body_start = match (rest.find('{'), rest.find(';')) {
            (Some(b), Some(s)) if s < b => {
                out.replace_range(at..at + s + 1, "");
                continue;
            }
            (Some(b), _) => at + b,
            _ => break,
        };
        let end = matching_brace(&out, body_start).unwrap_or(out.len() - 1);
        let keep_lines = "\n".repeat(out[at..=end].matches('\n').count());
        out.replace_range(at..=end, &keep_lines);
    }
    out
}

/// The index of the brace closing the one at `open`.
fn matching_brace(code: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, ch) in code[open..].char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + k);
                }
            }
            _ => {}
        }
    }
    None
}

/// Every function with a body: (name, lines from its `fn` line to its closing brace).
fn functions(src: &str) -> Vec<(String, usize)> {
    let code = code_only(src);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = find_word(&code[from..], "fn") {
        let at = from + found;
        from = at + 2;
        let rest = &code[from..];
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue; // a `fn(…)` pointer type
        }
        // The body opens at the first `{` outside brackets; a `;` first means no body.
        let (mut depth, mut open) = (0i32, None);
        for (k, ch) in rest.char_indices() {
            match ch {
                '(' | '[' | '<' => depth += 1,
                ')' | ']' => depth -= 1,
                '>' if !rest[..k].ends_with('-') => depth -= 1,
                ';' if depth <= 0 => break,
                '{' if depth <= 0 => {
                    open = Some(from + k);
                    break;
                }
                _ => {}
            }
        }
        let Some(open) = open else { continue };
        let Some(close) = matching_brace(&code, open) else {
            continue;
        };
        let lines = code[at..=close].matches('\n').count() + 1;
        out.push((name, lines));
    }
    out
}

/// The byte offset of `word` standing alone (not part of a longer identifier).
fn find_word(text: &str, word: &str) -> Option<usize> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(k) = text[from..].find(word) {
        let at = from + k;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if !before.is_some_and(ident) && !after.is_some_and(ident) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

// --- The module graph --------------------------------------------------------------------------

struct ModuleGraph {
    /// Module path (`server::db`) → the modules it depends on.
    edges: BTreeMap<String, BTreeSet<String>>,
}

impl ModuleGraph {
    fn read(src: &Path) -> Self {
        let mut files = Vec::new();
        collect(src, src, &mut files);
        Self::from_sources(files)
    }

    /// Builds the graph from (path under `src`, text) pairs.
    fn from_sources(files: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut modules = BTreeMap::new();
        for (path, text) in files {
            if path == "main.rs" {
                continue; // the binary is its own crate
            }
            let mut parts: Vec<&str> = path.trim_end_matches(".rs").split('/').collect();
            if matches!(parts.last(), Some(&"mod") | Some(&"lib")) {
                parts.pop();
            }
            if parts.contains(&"tests") {
                continue;
            }
            modules.insert(parts.join("::"), text);
        }
        let names: BTreeSet<String> = modules.keys().cloned().collect();
        let edges = modules
            .iter()
            .map(|(module, text)| {
                let code = without_test_modules(&code_only(text));
                let deps = referenced_paths(&code)
                    .into_iter()
                    .filter_map(|path| absolute(module, &path))
                    .filter_map(|path| deepest_module(&names, &path))
                    .filter(|dep| dep != module && !is_ancestor(module, dep))
                    .collect();
                (module.clone(), deps)
            })
            .collect();
        Self { edges }
    }

    fn edge_count(&self) -> usize {
        self.edges.values().map(BTreeSet::len).sum()
    }

    /// The strongly connected components with more than one module, each sorted.
    fn cycles(&self) -> Vec<Vec<String>> {
        let mut tarjan = Tarjan {
            graph: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            found: Vec::new(),
        };
        for module in self.edges.keys() {
            if !tarjan.index.contains_key(module.as_str()) {
                tarjan.visit(module);
            }
        }
        let mut cycles: Vec<Vec<String>> =
            tarjan.found.into_iter().filter(|c| c.len() > 1).collect();
        for cycle in &mut cycles {
            cycle.sort();
        }
        cycles.sort();
        cycles
    }
}

struct Tarjan<'g> {
    graph: &'g ModuleGraph,
    index: BTreeMap<&'g str, usize>,
    low: BTreeMap<&'g str, usize>,
    stack: Vec<&'g str>,
    found: Vec<Vec<String>>,
}

impl<'g> Tarjan<'g> {
    fn visit(&mut self, v: &'g str) {
        let n = self.index.len();
        self.index.insert(v, n);
        self.low.insert(v, n);
        self.stack.push(v);
        for w in self.graph.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !self.index.contains_key(w) {
                self.visit(w);
                let low = self.low[v].min(self.low[w]);
                self.low.insert(v, low);
            } else if self.stack.contains(&w) {
                let low = self.low[v].min(self.index[w]);
                self.low.insert(v, low);
            }
        }
        if self.low[v] == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            self.found.push(component);
        }
    }
}

/// Every path the code names: each leaf of each `use` tree, and every `crate::…`/`super::…`
/// path written inline.
fn referenced_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(k) = find_word(&code[from..], "use") {
        let start = from + k + 3;
        let Some(end) = code[start..].find(';') else {
            break;
        };
        expand_use_tree(&[], &code[start..start + end], &mut out);
        from = start + end;
    }
    for anchor in ["crate", "super"] {
        let mut from = 0;
        while let Some(k) = find_word(&code[from..], anchor) {
            let at = from + k;
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let path: Vec<String> = path
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            // A lone `crate`/`super` is a visibility (`pub(super)`), not a path.
            if path.len() > 1 {
                out.push(path);
            }
            from = at + anchor.len();
        }
    }
    out
}

/// Expands `a::{b, c::{self, d as e}}` into its leaf paths.
fn expand_use_tree(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    let segments = |s: &str| -> Vec<String> {
        s.split("::")
            .map(|p| p.split_whitespace().next().unwrap_or("").to_owned())
            .filter(|p| !p.is_empty() && p != "*")
            .collect()
    };
    let Some(open) = tree.find('{') else {
        let mut path = prefix.to_vec();
        path.extend(segments(tree).into_iter().filter(|s| s != "self"));
        out.push(path);
        return;
    };
    let close = matching_brace(tree, open).unwrap_or(tree.len() - 1);
    let mut head = prefix.to_vec();
    head.extend(segments(&tree[..open]));
    let inner = &tree[open + 1..close];
    let (mut depth, mut start) = (0, 0);
    for (k, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand_use_tree(&head, &inner[start..k], out);
                start = k + 1;
            }
            _ => {}
        }
    }
    if !inner[start..].trim().is_empty() {
        expand_use_tree(&head, &inner[start..], out);
    }
}

/// The path from the crate root, for a path written in `module`; `None` for other crates.
fn absolute(module: &str, path: &[String]) -> Option<Vec<String>> {
    let mut here: Vec<String> = module
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            here.clear();
            rest = &rest[1..];
        }
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                here.pop();
                rest = &rest[1..];
            }
        }
        Some("self") => rest = &rest[1..],
        _ => return None,
    }
    here.extend(rest.iter().cloned());
    Some(here)
}

/// The deepest module the path reaches.
fn deepest_module(modules: &BTreeSet<String>, path: &[String]) -> Option<String> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| modules.contains(m))
}

fn is_ancestor(module: &str, other: &str) -> bool {
    module.is_empty() || other.starts_with(&format!("{module}::"))
}
