//! Where data is stored: the data directory and the database URL, whose scheme selects the
//! backend.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use url::Url;

use super::reader::Reader;

/// The storage backend selected by the `DATABASE_URL` scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (`sqlite:`).
    Sqlite,
    /// A PostgreSQL server (`postgres:` or `postgresql:`).
    Postgres,
}

impl Backend {
    /// The backend's name as shown in health output and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database URL. It may carry a password, so its `Debug` output hides everything but the
/// scheme and the host or file.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

impl DatabaseUrl {
    /// Parses a URL and selects the backend from its scheme.
    pub fn parse(url: &str) -> Result<Self, String> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or_default();
        let backend = match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            "" => return Err("it has no scheme".to_owned()),
            other => return Err(format!("the scheme `{other}:` is not supported")),
        };
        Ok(Self {
            url: url.to_owned(),
            backend,
        })
    }

    /// The backend this URL selects.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The full URL, password included. Use it only to open the connection.
    pub fn expose(&self) -> &str {
        &self.url
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.backend {
            Backend::Sqlite => {
                let path = self.url.split_once(':').map(|(_, p)| p).unwrap_or_default();
                let path = path.split('?').next().unwrap_or_default();
                write!(f, "sqlite:{path}")
            }
            Backend::Postgres => match Url::parse(&self.url) {
                Ok(u) => write!(
                    f,
                    "postgres://{}/{}",
                    u.host_str().unwrap_or_default(),
                    u.path().trim_start_matches('/')
                ),
                Err(_) => f.write_str("postgres://[unparsable]"),
            },
        }
    }
}

/// The storage section: `DATA_DIR` and `DATABASE_URL`.
pub(super) struct Storage {
    /// Directory for local state: the SQLite database and key files.
    pub(super) data_dir: PathBuf,
    /// Where data is stored.
    pub(super) database_url: DatabaseUrl,
}

impl Storage {
    /// Reads the storage section; by default a SQLite file in the data directory.
    pub(super) fn read(r: &mut Reader<'_>) -> Self {
        let data_dir = PathBuf::from(r.get("DATA_DIR").unwrap_or_else(|| "data".to_owned()));
        let database_url = match r.get("DATABASE_URL") {
            Some(v) => DatabaseUrl::parse(&v).unwrap_or_else(|why| {
                r.problem(
                    "DATABASE_URL",
                    format!("is not usable: {why}"),
                    "use sqlite://path/to/file.db?mode=rwc or postgres://user@host/db",
                );
                default_database_url(&data_dir)
            }),
            None => default_database_url(&data_dir),
        };
        Self {
            data_dir,
            database_url,
        }
    }
}

/// The SQLite file `instagram-connect.db` in `data_dir`, created when missing.
fn default_database_url(data_dir: &Path) -> DatabaseUrl {
    DatabaseUrl::parse(&format!(
        "sqlite://{}/instagram-connect.db?mode=rwc",
        data_dir.display()
    ))
    .expect("the default URL has the sqlite scheme")
}
