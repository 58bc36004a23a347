//! Where an upload's bytes are kept: a file named by its ID in the upload directory, or pieces
//! in the database (`upload_chunks`), which every instance behind a load balancer can read.

use std::{path::Path, sync::Arc};

use axum::body::Bytes;
use futures_util::{stream::BoxStream, StreamExt};
use tokio::io::AsyncReadExt;

use super::spool::{io_failure, Spooled};
use crate::{
    model::AppError,
    server::{
        config::UploadStorage,
        db::{Store, UploadRow},
    },
};

/// The size of a piece kept in the database, and of a read from disk.
const CHUNK: usize = 1024 * 1024;

/// A kept file, ready to be sent.
pub struct Hosted {
    /// Its content type.
    pub content_type: String,
    /// Its size.
    pub bytes: u64,
    /// Its bytes, read as they are sent.
    pub body: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

/// The stored name of a storage.
pub(super) fn storage_name(storage: &UploadStorage) -> &'static str {
    match storage {
        UploadStorage::Disk(_) => "disk",
        UploadStorage::Database => "database",
    }
}

/// Keeps a spooled file as upload `id`.
pub(super) async fn put(
    store: &dyn Store,
    storage: &UploadStorage,
    id: &str,
    file: &Spooled,
) -> Result<(), AppError> {
    match storage {
        UploadStorage::Disk(dir) => {
            tokio::fs::create_dir_all(dir).await.map_err(io_failure)?;
            tokio::fs::rename(&file.path, dir.join(id))
                .await
                .map_err(io_failure)
        }
        UploadStorage::Database => {
            let mut f = tokio::fs::File::open(&file.path)
                .await
                .map_err(io_failure)?;
            let mut seq = 0;
            loop {
                let piece = read_piece(&mut f).await.map_err(io_failure)?;
                if piece.is_empty() {
                    return Ok(());
                }
                store.upload_chunk_put(id, seq, &piece).await?;
                seq += 1;
            }
        }
    }
}

/// Reads up to [`CHUNK`] bytes (fewer only at the end).
async fn read_piece(f: &mut tokio::fs::File) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; CHUNK];
    let mut filled = 0;
    while filled < CHUNK {
        let n = f.read(&mut buf[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    buf.truncate(filled);
    Ok(buf)
}

/// Removes a kept file's bytes from disk (the database's go with the row).
pub(super) async fn remove(storage: &UploadStorage, id: &str) {
    if let UploadStorage::Disk(dir) = storage {
        if let Err(e) = tokio::fs::remove_file(dir.join(id)).await {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(upload.id = %id, error = %e, "an upload's file could not be deleted");
            }
        }
    }
}

/// Opens a kept file for sending.
pub(super) async fn open(
    store: Arc<dyn Store>,
    storage: &UploadStorage,
    row: &UploadRow,
) -> Result<Hosted, AppError> {
    let body = match (row.storage.as_str(), storage) {
        ("disk", UploadStorage::Disk(dir)) => from_disk(&dir.join(&row.id)).await?,
        ("database", _) => from_database(store, row.id.clone()),
        _ => return Err(AppError::NotFound),
    };
    Ok(Hosted {
        content_type: row.content_type.clone(),
        bytes: row.bytes.max(0) as u64,
        body,
    })
}

async fn from_disk(
    path: &Path,
) -> Result<BoxStream<'static, Result<Bytes, std::io::Error>>, AppError> {
    let file = match tokio::fs::File::open(path).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotFound),
        Err(e) => return Err(io_failure(e)),
    };
    Ok(futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        match read_piece(&mut file).await {
            Ok(piece) if piece.is_empty() => None,
            Ok(piece) => Some((Ok(Bytes::from(piece)), Some(file))),
            Err(e) => Some((Err(e), None)),
        }
    })
    .boxed())
}

fn from_database(
    store: Arc<dyn Store>,
    id: String,
) -> BoxStream<'static, Result<Bytes, std::io::Error>> {
    futures_util::stream::unfold(Some(0i64), move |seq| {
        let store = store.clone();
        let id = id.clone();
        async move {
            let seq = seq?;
            match store.upload_chunk_get(&id, seq).await {
                Ok(Some(piece)) => Some((Ok(Bytes::from(piece)), Some(seq + 1))),
                Ok(None) => None,
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
            }
        }
    })
    .boxed()
}
