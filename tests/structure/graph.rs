//! The module graph: a node per module file of `src`, an edge for every module path it names,
//! and the cycles among them.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use crate::source::{code_only, collect, find_word, matching_brace, without_test_modules};

/// The modules of `src` and what each depends on.
pub struct ModuleGraph {
    /// Module path (`server::db`) → the modules it depends on.
    pub edges: BTreeMap<String, BTreeSet<String>>,
}

impl ModuleGraph {
    /// Reads every module file under `src`.
    pub fn read(src: &Path) -> Self {
        let mut files = Vec::new();
        collect(src, src, &mut files);
        Self::from_sources(files)
    }

    /// Builds the graph from (path under `src`, text) pairs.
    pub fn from_sources(files: impl IntoIterator<Item = (String, String)>) -> Self {
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

    /// The number of dependencies.
    pub fn edge_count(&self) -> usize {
        self.edges.values().map(BTreeSet::len).sum()
    }

    /// The strongly connected components with more than one module, each sorted.
    pub fn cycles(&self) -> Vec<Vec<String>> {
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
