//! Tokens at rest: AES-256-GCM with a random 96-bit nonce per write, associated data that
//! binds each ciphertext to its row and key, and a keyring of versioned keys for rotation.
//!
//! Keys live in a key file (one `id:base64` line per key, the last one sealing new tokens) or,
//! for development, in `TOKEN_ENCRYPTION_KEY`. Each key's fingerprint is stored in the database,
//! so startup refuses a key that is not the one the stored tokens were sealed with.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use aes_gcm::{
    aead::{Aead, KeyInit, Payload},
    Aes256Gcm, Nonce,
};
use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    Engine,
};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;

/// A sealed token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Ciphertext and tag.
    pub ciphertext: Vec<u8>,
    /// The 96-bit nonce.
    pub nonce: Vec<u8>,
    /// Which key sealed it.
    pub key_id: String,
}

impl Sealed {
    /// A sealed value from its three stored columns, when all three are there.
    pub fn from_columns(
        ciphertext: &Option<Vec<u8>>,
        nonce: &Option<Vec<u8>>,
        key_id: &Option<String>,
    ) -> Option<Self> {
        Some(Self {
            ciphertext: ciphertext.clone()?,
            nonce: nonce.clone()?,
            key_id: key_id.clone()?,
        })
    }
}

/// Why a token could not be opened. Never carries plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The key that sealed the token is not in the keyring.
    #[error("the key {0} that sealed this token is not configured")]
    UnknownKey(String),
    /// The ciphertext does not open under its key for this row (tampered, moved or corrupt).
    #[error("the stored token cannot be opened: it is corrupt or belongs to another row")]
    Corrupt,
}

struct Key {
    id: String,
    key: SecretBox<[u8; 32]>,
}

/// The keys, the last of which seals new tokens.
pub struct Keyring {
    keys: Vec<Key>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("key_ids", &self.ids())
            .finish()
    }
}

/// The string each key's fingerprint is computed over.
const FINGERPRINT_INPUT: &[u8] = b"instagram-connect key check v1";

fn aad(row_id: &str, key_id: &str) -> Vec<u8> {
    format!("integrations|{row_id}|access_token|{key_id}").into_bytes()
}

impl Keyring {
    /// A keyring from `(id, key)` pairs; the last seals new tokens.
    pub fn new(keys: Vec<(String, [u8; 32])>) -> Result<Self, String> {
        if keys.is_empty() {
            return Err("no key".to_owned());
        }
        let mut seen = std::collections::HashSet::new();
        for (id, _) in &keys {
            if id.is_empty() || id.contains([':', '|']) || id.chars().any(char::is_whitespace) {
                return Err(format!("`{id}` is not a valid key id"));
            }
            if !seen.insert(id.clone()) {
                return Err(format!("the key id `{id}` appears twice"));
            }
        }
        Ok(Self {
            keys: keys
                .into_iter()
                .map(|(id, key)| Key {
                    id,
                    key: SecretBox::new(Box::new(key)),
                })
                .collect(),
        })
    }

    /// The key that seals new tokens.
    pub fn current_id(&self) -> &str {
        &self.keys.last().expect("never empty").id
    }

    /// Every key id, oldest first.
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }

    fn key(&self, id: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// Seals `plaintext` for the integration row `row_id` with the current key.
    pub fn seal(&self, row_id: &str, plaintext: &SecretString) -> Sealed {
        let key = self.keys.last().expect("never empty");
        let cipher = Aes256Gcm::new(key.key.expose_secret().into());
        let nonce_bytes: [u8; 12] = rand::random();
        let ciphertext = cipher
            .encrypt(
                Nonce::from_slice(&nonce_bytes),
                Payload {
                    msg: plaintext.expose_secret().as_bytes(),
                    aad: &aad(row_id, &key.id),
                },
            )
            .expect("AES-GCM encryption of a token cannot fail");
        Sealed {
            ciphertext,
            nonce: nonce_bytes.to_vec(),
            key_id: key.id.clone(),
        }
    }

    /// Opens a token sealed for `row_id`.
    pub fn open(&self, row_id: &str, sealed: &Sealed) -> Result<SecretString, CryptoError> {
        let key = self
            .key(&sealed.key_id)
            .ok_or_else(|| CryptoError::UnknownKey(sealed.key_id.clone()))?;
        if sealed.nonce.len() != 12 {
            return Err(CryptoError::Corrupt);
        }
        let cipher = Aes256Gcm::new(key.key.expose_secret().into());
        let plain = cipher
            .decrypt(
                Nonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: &aad(row_id, &sealed.key_id),
                },
            )
            .map_err(|_| CryptoError::Corrupt)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| CryptoError::Corrupt)
    }

    /// The fingerprint of a key: HMAC-SHA256(key, a fixed string), hex.
    pub fn fingerprint(&self, key_id: &str) -> Option<String> {
        let key = self.key(key_id)?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.key.expose_secret())
            .expect("HMAC takes 32-byte keys");
        mac.update(FINGERPRINT_INPUT);
        Some(super::ids::hex(&mac.finalize().into_bytes()))
    }

    /// A link's proof: a MAC of `message` under a subkey of the current key, for links that
    /// act without a session (unsubscribe, confirm an address). Nothing is stored.
    pub fn link_mac(&self, message: &str) -> String {
        let key = self.keys.last().expect("never empty");
        link_mac(key.key.expose_secret(), message)
    }

    /// Whether `proof` is [`Keyring::link_mac`] of `message` under any configured key (links
    /// made before a key rotation keep working while the old key is kept), in constant time.
    pub fn link_mac_matches(&self, message: &str, proof: &str) -> bool {
        self.keys.iter().rev().fold(false, |found, key| {
            let expected = link_mac(key.key.expose_secret(), message);
            found
                | bool::from(subtle::ConstantTimeEq::ct_eq(
                    expected.as_bytes(),
                    proof.as_bytes(),
                ))
        })
    }
}

/// HMAC-SHA256 of `message` under a subkey derived from `key` for links, base64url.
fn link_mac(key: &[u8], message: &str) -> String {
    let mut sub = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
    sub.update(b"instagram-connect link proofs");
    let subkey = sub.finalize().into_bytes();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&subkey).expect("HMAC takes any key");
    mac.update(message.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Parses a 32-byte key given as base64 (standard or URL-safe) or 64 hex digits.
pub fn parse_key(s: &str) -> Result<[u8; 32], String> {
    let s = s.trim();
    let bytes = if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("checked hex"))
            .collect::<Vec<u8>>()
    } else {
        STANDARD
            .decode(s)
            .or_else(|_| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')))
            .map_err(|_| "it is neither base64 nor 64 hex digits".to_owned())?
    };
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("it is {} bytes long, not 32", b.len()))
}

/// Reads a key file: `id:key` lines, `#` comments and blank lines ignored.
pub fn read_key_file(path: &Path) -> Result<Vec<(String, [u8; 32])>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{} cannot be read: {e}", path.display()))?;
    parse_key_file(&text, path)
}

/// Parses a key file's text; `path` names it in errors.
pub fn parse_key_file(text: &str, path: &Path) -> Result<Vec<(String, [u8; 32])>, String> {
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (id, key) = line
            .split_once(':')
            .ok_or_else(|| format!("{} line {}: expected `id:key`", path.display(), n + 1))?;
        let key = parse_key(key).map_err(|why| {
            format!(
                "{} line {}: the key is not usable: {why}",
                path.display(),
                n + 1
            )
        })?;
        keys.push((id.trim().to_owned(), key));
    }
    if keys.is_empty() {
        return Err(format!("{} holds no key", path.display()));
    }
    Ok(keys)
}

fn key_line(id: &str) -> String {
    let key: [u8; 32] = rand::random();
    format!("{id}:{}\n", STANDARD.encode(key))
}

/// Creates a key file with one fresh key, readable by its owner only.
pub fn create_key_file(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{} cannot be created: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .map_err(|e| format!("{} cannot be created: {e}", path.display()))?;
    let body = format!(
        "# instagram-connect token encryption keys: `id:base64(32 bytes)` per line.\n\
         # The last key seals new tokens; older keys open tokens sealed before a rotation.\n\
         # Losing this file means every connected account must reconnect.\n{}",
        key_line("k1")
    );
    f.write_all(body.as_bytes())
        .map_err(|e| format!("{} cannot be written: {e}", path.display()))
}

/// Appends a new key to a key file (it becomes the current one); returns its id.
pub fn append_key(path: &Path) -> Result<String, String> {
    let keys = read_key_file(path)?;
    let next = keys
        .iter()
        .filter_map(|(id, _)| id.strip_prefix('k').and_then(|n| n.parse::<u32>().ok()))
        .max()
        .unwrap_or(0)
        + 1;
    let id = format!("k{next}");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| format!("{} cannot be opened: {e}", path.display()))?;
    f.write_all(key_line(&id).as_bytes())
        .map_err(|e| format!("{} cannot be written: {e}", path.display()))?;
    Ok(id)
}

/// Where keys come from. Its `Debug` output never shows a key.
#[derive(Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A key file (configured, or the default under the data directory).
    File {
        /// Its path.
        path: PathBuf,
        /// Create it with a fresh key when missing (the embedded default).
        create: bool,
    },
    /// One key from `TOKEN_ENCRYPTION_KEY`, with the id `env`.
    Env(String),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::File { path, create } => f
                .debug_struct("File")
                .field("path", path)
                .field("create", create)
                .finish(),
            KeySource::Env(_) => f.write_str("Env([redacted])"),
        }
    }
}

impl KeySource {
    /// Loads the keyring, creating the default key file on first run.
    pub fn load(&self) -> Result<Keyring, String> {
        match self {
            KeySource::Env(value) => {
                let key = parse_key(value)
                    .map_err(|why| format!("TOKEN_ENCRYPTION_KEY is not usable: {why}"))?;
                Keyring::new(vec![("env".to_owned(), key)])
            }
            KeySource::File { path, create } => {
                if *create && !path.exists() {
                    create_key_file(path)?;
                    tracing::info!(key.file = %path.display(), "created a token encryption key file (keep it with the database)");
                }
                Keyring::new(read_key_file(path)?)
                    .map_err(|why| format!("{}: {why}", path.display()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(ids: &[&str]) -> Keyring {
        Keyring::new(
            ids.iter()
                .map(|id| ((*id).to_owned(), rand::random()))
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn tokens_round_trip_with_a_fresh_nonce_each_time() {
        let k = ring(&["k1"]);
        let token = SecretString::from("IGAAsecret-token");
        let a = k.seal("int_1", &token);
        let b = k.seal("int_1", &token);
        assert_ne!(a.ciphertext, b.ciphertext, "ST-01: random nonce per write");
        assert_ne!(a.nonce, b.nonce);
        assert_eq!(
            k.open("int_1", &a).unwrap().expose_secret(),
            "IGAAsecret-token"
        );
        assert!(
            !a.ciphertext.windows(4).any(|w| w == b"IGAA"),
            "no plaintext"
        );
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_does_not_open() {
        let k = ring(&["k1"]);
        let sealed = k.seal("int_1", &SecretString::from("t"));
        assert_eq!(
            k.open("int_2", &sealed).err(),
            Some(CryptoError::Corrupt),
            "ST-02"
        );
    }

    #[test]
    fn one_flipped_bit_is_a_typed_error() {
        let k = ring(&["k1"]);
        let mut sealed = k.seal("int_1", &SecretString::from("token"));
        sealed.ciphertext[0] ^= 1;
        assert_eq!(
            k.open("int_1", &sealed).err(),
            Some(CryptoError::Corrupt),
            "ST-05"
        );
        let mut sealed = k.seal("int_1", &SecretString::from("token"));
        sealed.nonce.pop();
        assert_eq!(k.open("int_1", &sealed).err(), Some(CryptoError::Corrupt));
    }

    #[test]
    fn old_keys_open_old_tokens_after_a_rotation() {
        let k1: [u8; 32] = rand::random();
        let old = Keyring::new(vec![("k1".into(), k1)]).unwrap();
        let sealed = old.seal("int_1", &SecretString::from("t"));
        let rotated = Keyring::new(vec![("k1".into(), k1), ("k2".into(), rand::random())]).unwrap();
        assert_eq!(rotated.current_id(), "k2");
        assert_eq!(rotated.open("int_1", &sealed).unwrap().expose_secret(), "t");
        assert_eq!(rotated.seal("int_1", &SecretString::from("t")).key_id, "k2");
        let without_k1 = Keyring::new(vec![("k2".into(), rand::random())]).unwrap();
        assert_eq!(
            without_k1.open("int_1", &sealed).err(),
            Some(CryptoError::UnknownKey("k1".into()))
        );
    }

    #[test]
    fn fingerprints_identify_keys_without_revealing_them() {
        let k = ring(&["k1", "k2"]);
        let f1 = k.fingerprint("k1").unwrap();
        assert_eq!(f1.len(), 64);
        assert_ne!(f1, k.fingerprint("k2").unwrap());
        assert_eq!(f1, k.fingerprint("k1").unwrap());
        assert!(k.fingerprint("k3").is_none());
        assert!(!format!("{k:?}").contains(&f1));
    }

    #[test]
    fn keys_parse_from_base64_or_hex_and_must_be_32_bytes() {
        let raw: [u8; 32] = rand::random();
        assert_eq!(parse_key(&STANDARD.encode(raw)).unwrap(), raw);
        assert_eq!(parse_key(&URL_SAFE_NO_PAD.encode(raw)).unwrap(), raw);
        assert_eq!(parse_key(&super::super::ids::hex(&raw)).unwrap(), raw);
        assert!(parse_key(&STANDARD.encode([0u8; 16]))
            .unwrap_err()
            .contains("16 bytes"));
        assert!(parse_key("not a key!").is_err());
    }

    #[test]
    fn key_files_are_created_private_and_grow_on_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/token-keys");
        let source = KeySource::File {
            path: path.clone(),
            create: true,
        };
        let first = source.load().unwrap();
        assert_eq!(first.ids(), ["k1"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "owner-only");
        }
        assert_eq!(
            source.load().unwrap().fingerprint("k1"),
            first.fingerprint("k1"),
            "same key on reload"
        );
        assert_eq!(append_key(&path).unwrap(), "k2");
        let rotated = source.load().unwrap();
        assert_eq!(rotated.ids(), ["k1", "k2"]);
        assert_eq!(rotated.current_id(), "k2");

        let missing = KeySource::File {
            path: dir.path().join("nope"),
            create: false,
        };
        assert!(missing.load().unwrap_err().contains("cannot be read"));
        std::fs::write(dir.path().join("bad"), "k1:short\n").unwrap();
        let bad = KeySource::File {
            path: dir.path().join("bad"),
            create: false,
        };
        assert!(bad.load().unwrap_err().contains("line 1"));
    }
}
