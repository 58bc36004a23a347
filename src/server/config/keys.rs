//! Where the token-encryption keys come from: `TOKEN_ENCRYPTION_KEY_FILE` or
//! `TOKEN_ENCRYPTION_KEY`.

use std::path::{Path, PathBuf};

use super::reader::Reader;
use crate::server::crypto::KeySource;

/// The key source. Production needs a key file; elsewhere a key file in `data_dir` is created
/// when nothing is set.
pub(super) fn read_token_keys(r: &mut Reader<'_>, production: bool, data_dir: &Path) -> KeySource {
    match (
        r.get("TOKEN_ENCRYPTION_KEY_FILE"),
        r.get("TOKEN_ENCRYPTION_KEY"),
    ) {
        (Some(_), Some(_)) => {
            r.problem(
                "TOKEN_ENCRYPTION_KEY",
                "is set, and so is TOKEN_ENCRYPTION_KEY_FILE".to_owned(),
                "keep only TOKEN_ENCRYPTION_KEY_FILE",
            );
            KeySource::Env(String::new())
        }
        (Some(path), None) => KeySource::File {
            path: PathBuf::from(path),
            create: false,
        },
        (None, Some(key)) => {
            if production {
                r.problem(
                    "TOKEN_ENCRYPTION_KEY",
                    "holds a key in the environment, which production does not accept".to_owned(),
                    "put the key in a file readable only by the app and set TOKEN_ENCRYPTION_KEY_FILE",
                );
            }
            KeySource::Env(key)
        }
        (None, None) => {
            if production {
                r.problem(
                    "TOKEN_ENCRYPTION_KEY_FILE",
                    "is missing; production needs the key that seals stored tokens".to_owned(),
                    "create one with `instagram-connect new-key-file PATH`, keep it apart from the database and set TOKEN_ENCRYPTION_KEY_FILE",
                );
            }
            KeySource::File {
                path: data_dir.join("token-keys"),
                create: true,
            }
        }
    }
}
