//! Uploads: where files people upload to publish are kept, and how large they may be.

use std::path::{Path, PathBuf};

use super::{reader::Reader, Backend};

/// Where uploaded files are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadStorage {
    /// Files in a directory (`UPLOAD_DIR`): the default with SQLite, one instance.
    Disk(PathBuf),
    /// In the database, so every instance behind a load balancer serves them: the default
    /// with PostgreSQL.
    Database,
}

/// The upload settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadConfig {
    /// Where files are kept (`UPLOAD_STORAGE`, `UPLOAD_DIR`).
    pub storage: UploadStorage,
    /// The largest file accepted, in bytes (`UPLOAD_MAX_FILE_MB`).
    pub max_file_bytes: u64,
    /// What one person may keep uploaded and unpublished at once, in bytes
    /// (`UPLOAD_MAX_PERSON_MB`).
    pub max_person_bytes: u64,
}

const MB: u64 = 1024 * 1024;

impl UploadConfig {
    /// Reads the `UPLOAD_*` variables; the storage follows the database unless set.
    pub(super) fn read(r: &mut Reader<'_>, backend: Backend, data_dir: &Path) -> Self {
        let dir = r
            .get("UPLOAD_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("uploads"));
        let default_storage = match backend {
            Backend::Sqlite => "disk",
            Backend::Postgres => "database",
        };
        let storage = match r
            .get("UPLOAD_STORAGE")
            .as_deref()
            .unwrap_or(default_storage)
        {
            "disk" => UploadStorage::Disk(dir),
            "database" => UploadStorage::Database,
            other => {
                r.problem(
                    "UPLOAD_STORAGE",
                    format!("is `{other}`"),
                    "use disk (files under UPLOAD_DIR, one instance) or database (every instance serves them)",
                );
                UploadStorage::Database
            }
        };
        let max_file_bytes = u64::from(r.number("UPLOAD_MAX_FILE_MB", 300, 1..=4096)) * MB;
        let max_person_bytes =
            u64::from(r.number("UPLOAD_MAX_PERSON_MB", 2048, 1..=1_048_576)) * MB;
        Self {
            storage,
            max_file_bytes,
            max_person_bytes,
        }
    }
}

impl Default for UploadConfig {
    fn default() -> Self {
        Self {
            storage: UploadStorage::Disk(PathBuf::from("data/uploads")),
            max_file_bytes: 300 * MB,
            max_person_bytes: 2048 * MB,
        }
    }
}
