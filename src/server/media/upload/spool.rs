//! Receiving an upload: the stream is written to a spool file as it comes, never held whole in
//! memory, and stopped with `413` as soon as it passes the per-file limit or what is left of
//! the person's.

use std::{
    io::Read,
    path::{Path, PathBuf},
};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::{model::AppError, server::ids};

/// The limits a stream is received within, in bytes.
pub(super) struct Limits {
    /// One file.
    pub file: u64,
    /// What is left of the person's allowance.
    pub person_left: u64,
    /// The person's whole allowance (for the message).
    pub person: u64,
}

/// A received file on disk, deleted when dropped unless it was moved away.
#[derive(Debug)]
pub struct Spooled {
    /// Its path.
    pub path: PathBuf,
    /// The name the person's file had (for messages).
    pub name: String,
    /// Its size.
    pub bytes: u64,
}

impl Spooled {
    /// Its first bytes (enough to tell what it is).
    pub(super) fn head(&self) -> Result<Vec<u8>, AppError> {
        let mut head = vec![0u8; 64];
        let mut f = std::fs::File::open(&self.path).map_err(io_failure)?;
        let n = f.read(&mut head).map_err(io_failure)?;
        head.truncate(n);
        Ok(head)
    }

    /// A new spool file beside this one, with `extension`, for a converted copy.
    pub(super) fn sibling(&self, extension: &str) -> Spooled {
        Spooled {
            path: self.path.with_extension(extension),
            name: self.name.clone(),
            bytes: 0,
        }
    }

    /// Its size on disk.
    pub(super) async fn len(&self) -> Result<u64, AppError> {
        Ok(tokio::fs::metadata(&self.path)
            .await
            .map_err(io_failure)?
            .len())
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A file-system failure: logged, and an internal error for the caller.
pub(super) fn io_failure(e: std::io::Error) -> AppError {
    tracing::error!(error = %e, "an upload could not be written or read");
    AppError::Internal
}

/// The message of a file past a limit (`413`).
fn too_large(name: &str, limits: &Limits, person: bool) -> AppError {
    let mb = |b: u64| b.div_ceil(1024 * 1024);
    let name = crate::model::excerpt(name, 60);
    AppError::TooLarge(if person {
        format!(
            "{name} does not fit in your uploads: you may keep {} MB of files waiting to be published, and have {} MB left. Publish or cancel planned posts, then try again.",
            mb(limits.person),
            mb(limits.person_left)
        )
    } else {
        format!(
            "{name} is larger than the {} MB limit for one file.",
            mb(limits.file)
        )
    })
}

/// Writes `stream` to a new file in `dir`, stopping at the first limit passed.
pub(super) async fn receive<S, E>(
    dir: &Path,
    name: &str,
    mut stream: S,
    limits: Limits,
) -> Result<Spooled, AppError>
where
    S: futures_util::Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    tokio::fs::create_dir_all(dir).await.map_err(io_failure)?;
    let mut spooled = Spooled {
        path: dir.join(ids::random_token(16)),
        name: name.to_owned(),
        bytes: 0,
    };
    let mut out = tokio::fs::File::create(&spooled.path)
        .await
        .map_err(io_failure)?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::BadRequest(format!(
                "The upload of {} was interrupted ({e}). Please try again.",
                crate::model::excerpt(name, 60)
            ))
        })?;
        spooled.bytes += chunk.len() as u64;
        if spooled.bytes > limits.file {
            return Err(too_large(name, &limits, false));
        }
        if spooled.bytes > limits.person_left {
            return Err(too_large(name, &limits, true));
        }
        out.write_all(&chunk).await.map_err(io_failure)?;
    }
    out.flush().await.map_err(io_failure)?;
    if spooled.bytes == 0 {
        return Err(AppError::BadRequest(format!(
            "{} is empty.",
            crate::model::excerpt(name, 60)
        )));
    }
    Ok(spooled)
}
