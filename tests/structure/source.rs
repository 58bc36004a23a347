//! Reading the sources: every Rust file of the crate, its code with comments and literals
//! blanked out, and the functions in it with their lengths.

use std::{
    fs,
    path::{Path, PathBuf},
};

/// The crate's folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every Rust file under `src`, `tests` and `benches`: (path from the crate root, text).
pub fn rust_files() -> Vec<(String, String)> {
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

/// Adds every Rust file under `dir` to `out`: (path from `root`, text).
pub fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
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
pub fn code_only(src: &str) -> String {
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
pub fn without_test_modules(code: &str) -> String {
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
pub fn matching_brace(code: &str, open: usize) -> Option<usize> {
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
pub fn functions(src: &str) -> Vec<(String, usize)> {
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
pub fn find_word(text: &str, word: &str) -> Option<usize> {
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
