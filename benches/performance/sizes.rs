//! The front end shipped: the bundle's sizes, raw and compressed.

use std::path::Path;

use instagram_connect::server::assets::compress_brotli;

/// `bytes` in KB, for the table.
fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// The size of the files of one kind.
struct Size {
    raw: usize,
    brotli: usize,
}

/// The sizes of the WASM, JS and CSS files in `pkg`, by kind.
fn bundle_sizes(pkg: &Path) -> Vec<(String, Size)> {
    let mut by_kind: Vec<(String, Size)> = Vec::new();
    for kind in ["wasm", "js", "css"] {
        let mut size = Size { raw: 0, brotli: 0 };
        for entry in std::fs::read_dir(pkg).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) == Some(kind) {
                let data = std::fs::read(&path).unwrap();
                size.raw += data.len();
                size.brotli += compress_brotli(&data).len();
            }
        }
        by_kind.push((kind.to_uppercase(), size));
    }
    by_kind
}

/// Prints the sizes of the bundle in `pkg`, and of its code next to the target; the code's
/// brotli size in KB.
pub fn print(pkg: &Path) -> f64 {
    println!();
    println!("front end shipped ({}):", pkg.display());
    println!("{:<12} {:>12} {:>12}", "", "raw", "brotli");
    let sizes = bundle_sizes(pkg);
    for (kind, s) in &sizes {
        println!("{:<12} {:>12} {:>12}", kind, kb(s.raw), kb(s.brotli));
    }
    let code: usize = sizes
        .iter()
        .filter(|(k, _)| k != "CSS")
        .map(|(_, s)| s.brotli)
        .sum();
    let code_raw: usize = sizes
        .iter()
        .filter(|(k, _)| k != "CSS")
        .map(|(_, s)| s.raw)
        .sum();
    println!(
        "{:<12} {:>12} {:>12}   (target: at most 120 KB brotli)",
        "WASM + JS",
        kb(code_raw),
        kb(code)
    );
    println!();
    code as f64 / 1024.0
}
