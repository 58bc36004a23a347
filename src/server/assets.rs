//! Static assets (the site root: `/pkg` and the files from `public/`) served from memory.
//!
//! Every file is read once at startup, with brotli and gzip variants prepared next to it, so a
//! request is a map lookup and a clone of shared bytes: no file system, no compression on the
//! request path. The compressed variants are kept on disk beside their file (`x.js.br`) and
//! reused while they are newer than it, so restarts stay fast.
//!
//! The `/pkg` files are also mounted under `/assets/<build id>/pkg/…`, where the build id is a
//! digest of their contents. Pages reference that path, so those responses can be cached
//! forever (`immutable`): a new build changes the URL.

use std::{
    collections::BTreeMap,
    io::{Read, Write},
    path::{Path, PathBuf},
    sync::Arc,
    time::SystemTime,
};

use axum::{
    body::{Body, Bytes},
    http::{header, HeaderMap, HeaderValue, Response, StatusCode},
    routing::get,
    Router,
};
use sha2::{Digest, Sha256};

/// `Cache-Control` for URLs that embed the build id.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` for `/pkg` files under their plain names: they change with every build.
const REVALIDATE: &str = "no-cache";
/// `Cache-Control` for the files from `public/` (icons, robots.txt).
const SHORT: &str = "public, max-age=3600";

/// Files smaller than this are not worth compressing.
const MIN_COMPRESS_LEN: usize = 512;

/// One file and its encodings.
#[derive(Debug)]
pub struct Asset {
    content_type: HeaderValue,
    etag: String,
    identity: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

/// The encodings a response can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `br`
    Brotli,
    /// `gzip`
    Gzip,
    /// No compression.
    Identity,
}

impl Asset {
    fn variant(&self, accepted: &[Encoding]) -> (Encoding, &Bytes) {
        for enc in accepted {
            match enc {
                Encoding::Brotli => {
                    if let Some(b) = &self.brotli {
                        return (Encoding::Brotli, b);
                    }
                }
                Encoding::Gzip => {
                    if let Some(b) = &self.gzip {
                        return (Encoding::Gzip, b);
                    }
                }
                Encoding::Identity => return (Encoding::Identity, &self.identity),
            }
        }
        (Encoding::Identity, &self.identity)
    }

    /// Builds the response for a request with the given headers.
    pub fn respond(&self, request: &HeaderMap, cache_control: &'static str) -> Response<Body> {
        let accepted = accepted_encodings(
            request
                .get(header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        );
        let (encoding, body) = self.variant(&accepted);
        let etag = match encoding {
            Encoding::Brotli => format!("\"{}-br\"", self.etag),
            Encoding::Gzip => format!("\"{}-gz\"", self.etag),
            Encoding::Identity => format!("\"{}\"", self.etag),
        };
        let not_modified = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| etag_matches(v, &etag));

        let mut res = Response::builder()
            .header(header::CACHE_CONTROL, cache_control)
            .header(header::ETAG, &etag)
            .header(header::VARY, "accept-encoding");
        if not_modified {
            return res
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())
                .expect("static headers are valid");
        }
        res = res.header(header::CONTENT_TYPE, self.content_type.clone());
        match encoding {
            Encoding::Brotli => res = res.header(header::CONTENT_ENCODING, "br"),
            Encoding::Gzip => res = res.header(header::CONTENT_ENCODING, "gzip"),
            Encoding::Identity => {}
        }
        res.header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body.clone()))
            .expect("static headers are valid")
    }

    /// The uncompressed bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.identity
    }

    /// The brotli variant, if the file is worth compressing.
    pub fn brotli(&self) -> Option<&Bytes> {
        self.brotli.as_ref()
    }
}

/// The encodings a client accepts, best first. Quality values are honoured, `q=0` excludes an
/// encoding, `*` stands for every encoding not named; brotli wins a tie.
pub fn accepted_encodings(accept_encoding: &str) -> Vec<Encoding> {
    let mut named: Vec<(Encoding, f32)> = Vec::new();
    let mut star: Option<f32> = None;
    let mut identity_q: Option<f32> = None;
    for part in accept_encoding.split(',') {
        let mut pieces = part.split(';');
        let coding = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        match coding.as_str() {
            "br" => named.push((Encoding::Brotli, q)),
            "gzip" | "x-gzip" => named.push((Encoding::Gzip, q)),
            "identity" => identity_q = Some(q),
            "*" => star = Some(q),
            _ => {}
        }
    }
    let q_of = |enc: Encoding| -> f32 {
        named
            .iter()
            .find(|(e, _)| *e == enc)
            .map(|(_, q)| *q)
            .or(star)
            .unwrap_or(0.0)
    };
    let mut out: Vec<(Encoding, f32)> = [Encoding::Brotli, Encoding::Gzip]
        .into_iter()
        .map(|e| (e, q_of(e)))
        .filter(|(_, q)| *q > 0.0)
        .collect();
    // Stable sort keeps brotli ahead of gzip on equal quality.
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut encodings: Vec<Encoding> = out.into_iter().map(|(e, _)| e).collect();
    // Identity is acceptable unless it is explicitly refused; we fall back to it regardless,
    // since refusing to answer helps nobody.
    if identity_q.is_none_or(|q| q > 0.0) || encodings.is_empty() {
        encodings.push(Encoding::Identity);
    }
    encodings
}

fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.trim() == "*"
        || if_none_match
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag)
}

/// Every static file of the site, loaded into memory.
#[derive(Debug, Default)]
pub struct StaticAssets {
    files: BTreeMap<String, Arc<Asset>>,
    pkg_prefix: String,
    build_id: String,
}

impl StaticAssets {
    /// Loads every file under `site_root`. `pkg_dir` is the folder (relative to the root) that
    /// holds the build's JS, WASM and CSS. A missing site root gives an empty set: the server
    /// still renders pages, it just has nothing to hydrate them with.
    pub fn load(site_root: &Path, pkg_dir: &str) -> std::io::Result<Self> {
        let mut paths = Vec::new();
        if site_root.is_dir() {
            walk(site_root, &mut paths)?;
        }
        paths.sort();

        let pkg_prefix = format!("/{}/", pkg_dir.trim_matches('/'));
        let mut files = BTreeMap::new();
        let mut digest = Sha256::new();
        for path in paths {
            let rel = path
                .strip_prefix(site_root)
                .expect("walk yields paths under the root");
            let url = format!(
                "/{}",
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            );
            let asset = load_asset(&path)?;
            if url.starts_with(&pkg_prefix) {
                digest.update(url.as_bytes());
                digest.update(asset.identity.as_ref());
            }
            files.insert(url, Arc::new(asset));
        }
        let build_id = hex(&digest.finalize()[..8]);
        Ok(Self {
            files,
            pkg_prefix,
            build_id,
        })
    }

    /// The digest of the `/pkg` files, used in the immutable URLs.
    pub fn build_id(&self) -> &str {
        &self.build_id
    }

    /// The URL prefix under which `/pkg/…` is served immutably: `/assets/<build id>`.
    /// Pages pass it to the hydration scripts and the stylesheet link.
    pub fn versioned_root(&self) -> String {
        format!("/assets/{}", self.build_id)
    }

    /// The file served at `url`, if any.
    pub fn get(&self, url: &str) -> Option<&Arc<Asset>> {
        self.files.get(url)
    }

    /// How many files are loaded.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file is loaded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Adds one route per file to `router`, plus the immutable alias of every `/pkg` file.
    pub fn mount<S: Clone + Send + Sync + 'static>(&self, mut router: Router<S>) -> Router<S> {
        // Static files are open to anyone: one row of the access table stands for them all.
        crate::server::auth::table::checked(crate::server::auth::table::ASSETS);
        let root = self.versioned_root();
        for (url, asset) in &self.files {
            let in_pkg = url.starts_with(&self.pkg_prefix);
            router = router.route(
                url,
                serve(asset.clone(), if in_pkg { REVALIDATE } else { SHORT }),
            );
            if in_pkg {
                router = router.route(&format!("{root}{url}"), serve(asset.clone(), IMMUTABLE));
            }
        }
        router
    }
}

fn serve<S: Clone + Send + Sync + 'static>(
    asset: Arc<Asset>,
    cache_control: &'static str,
) -> axum::routing::MethodRouter<S> {
    get(move |headers: HeaderMap| {
        let asset = asset.clone();
        async move { asset.respond(&headers, cache_control) }
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if kind.is_file() && !is_variant(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// Compressed variants and TypeScript declarations are not served as files of their own.
fn is_variant(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.ends_with(".br") || name.ends_with(".gz") || name.ends_with(".d.ts")
}

fn load_asset(path: &Path) -> std::io::Result<Asset> {
    let identity = Bytes::from(std::fs::read(path)?);
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let content_type = match (mime.type_(), mime.subtype()) {
        (mime_guess::mime::TEXT, _) | (_, mime_guess::mime::JAVASCRIPT) => {
            format!("{mime}; charset=utf-8")
        }
        _ => mime.to_string(),
    };
    let compressible = identity.len() >= MIN_COMPRESS_LEN && is_compressible(&content_type);
    let (brotli, gzip) = if compressible {
        let modified = std::fs::metadata(path)?.modified().ok();
        (
            variant(path, "br", modified, &identity, compress_brotli),
            variant(path, "gz", modified, &identity, compress_gzip),
        )
    } else {
        (None, None)
    };
    let etag = hex(&Sha256::digest(&identity)[..8]);
    Ok(Asset {
        content_type: HeaderValue::from_str(&content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
        etag,
        identity,
        brotli,
        gzip,
    })
}

fn is_compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("application/javascript")
        || content_type.starts_with("application/json")
        || content_type.starts_with("application/wasm")
        || content_type.starts_with("application/manifest+json")
        || content_type.starts_with("image/svg+xml")
        || content_type.starts_with("image/x-icon")
        || content_type.starts_with("image/vnd.microsoft.icon")
}

/// The compressed variant of a file: the sibling `file.<ext>` when it is strictly newer than the
/// file (file times are coarse: equal times may hide a rewrite), otherwise a fresh compression,
/// saved as that sibling when the folder is writable. Variants that save less than a tenth are
/// dropped.
fn variant(
    path: &Path,
    ext: &str,
    source_modified: Option<SystemTime>,
    identity: &[u8],
    compress: fn(&[u8]) -> Vec<u8>,
) -> Option<Bytes> {
    let mut sibling = path.as_os_str().to_owned();
    sibling.push(".");
    sibling.push(ext);
    let sibling = PathBuf::from(sibling);

    let cached = std::fs::metadata(&sibling)
        .and_then(|m| m.modified())
        .ok()
        .zip(source_modified)
        .filter(|(variant, source)| variant > source)
        .and_then(|_| std::fs::read(&sibling).ok());
    let data = match cached {
        Some(data) => data,
        None => {
            let data = compress(identity);
            if let Ok(mut f) = std::fs::File::create(&sibling) {
                if f.write_all(&data).is_err() {
                    let _ = std::fs::remove_file(&sibling);
                }
            }
            data
        }
    };
    (data.len() * 10 < identity.len() * 9).then(|| Bytes::from(data))
}

/// Brotli at its best ratio: the cost is paid once per build, the savings on every download.
pub fn compress_brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 3);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        w.write_all(data).expect("writing to memory cannot fail");
    }
    out
}

fn compress_gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).expect("writing to memory cannot fail");
    enc.finish().expect("writing to memory cannot fail")
}

/// Decompresses brotli data (used by tests and the benchmark).
pub fn decompress_brotli(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    brotli::Decompressor::new(data, 4096).read_to_end(&mut out)?;
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_is_preferred_and_quality_values_are_honoured() {
        use Encoding::*;
        assert_eq!(
            accepted_encodings("gzip, deflate, br, zstd"),
            vec![Brotli, Gzip, Identity]
        );
        assert_eq!(accepted_encodings("gzip"), vec![Gzip, Identity]);
        assert_eq!(accepted_encodings(""), vec![Identity]);
        assert_eq!(accepted_encodings("br;q=0, gzip"), vec![Gzip, Identity]);
        assert_eq!(
            accepted_encodings("br;q=0.5, gzip;q=0.8"),
            vec![Gzip, Brotli, Identity]
        );
        assert_eq!(accepted_encodings("*"), vec![Brotli, Gzip, Identity]);
        assert_eq!(accepted_encodings("*;q=0, identity"), vec![Identity]);
    }

    #[test]
    fn weak_and_listed_etags_match() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("W/\"abc\"", "\"abc\""));
        assert!(etag_matches("\"x\", \"abc\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abc-br\"", "\"abc\""));
    }

    #[test]
    fn files_load_with_compressed_variants_and_a_stable_build_id() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        let js = "export function hello() { return 'hello world'; }\n".repeat(100);
        std::fs::write(dir.path().join("pkg/app.js"), &js).unwrap();
        std::fs::write(dir.path().join("favicon.svg"), "<svg/>").unwrap();

        let a = StaticAssets::load(dir.path(), "pkg").unwrap();
        assert_eq!(a.len(), 2);
        let asset = a.get("/pkg/app.js").unwrap();
        assert_eq!(asset.content_type, "text/javascript; charset=utf-8");
        let br = asset.brotli().expect("a repetitive file compresses");
        assert!(br.len() < js.len() / 10);
        assert_eq!(decompress_brotli(br).unwrap(), js.as_bytes());
        assert!(
            a.get("/favicon.svg").unwrap().brotli().is_none(),
            "too small to compress"
        );

        // The variants were saved beside the file and are not served as files of their own.
        assert!(dir.path().join("pkg/app.js.br").exists());
        let again = StaticAssets::load(dir.path(), "pkg").unwrap();
        assert_eq!(again.len(), 2);
        assert_eq!(again.build_id(), a.build_id());

        std::fs::write(dir.path().join("pkg/app.js"), js.replace("hello", "howdy")).unwrap();
        let changed = StaticAssets::load(dir.path(), "pkg").unwrap();
        assert_ne!(changed.build_id(), a.build_id(), "new contents, new URL");
        let fresh = changed.get("/pkg/app.js").unwrap().brotli().unwrap();
        assert!(
            String::from_utf8(decompress_brotli(fresh).unwrap())
                .unwrap()
                .contains("howdy"),
            "a stale variant must not be reused"
        );
    }

    #[test]
    fn a_missing_site_root_is_an_empty_set() {
        let a = StaticAssets::load(Path::new("/nonexistent/site"), "pkg").unwrap();
        assert!(a.is_empty());
    }
}
