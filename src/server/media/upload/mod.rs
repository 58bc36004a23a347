//! Files people upload to publish: received as a stream into a spool file with the per-file and
//! per-person limits, checked and prepared for Instagram ([`super::prepare`]), kept where every
//! instance can serve them (a directory, or the database), and served to Meta at an unguessable
//! address until the post is published or cancelled, when they are deleted.

mod blob;
mod spool;

use std::{path::PathBuf, sync::Arc};

use subtle::ConstantTimeEq;
use url::Url;

pub use self::spool::Spooled;
use super::prepare::{self, Fit, Sniffed, Target};
use crate::{
    model::{AppError, UploadLimits},
    paths,
    server::{
        clock::Clock,
        config::{UploadConfig, UploadStorage},
        db::{Store, UploadRow},
        ids,
    },
};

/// Unattached uploads (a form that never became a post) are deleted after this long.
const UNATTACHED_SECS: i64 = 24 * 3600;
/// The files of a failed post are kept this long, so that it can be tried again.
const FAILED_KEPT_SECS: i64 = 7 * 86_400;

/// A file kept for a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// The upload's ID.
    pub id: String,
    /// Its public address, for Meta to fetch.
    pub url: String,
    /// Whether it is a video.
    pub video: bool,
    /// What was done to it, for people ("converted from PNG to JPEG").
    pub changes: Vec<String>,
}

/// Where the uploads service keeps files and who may fetch them.
pub struct UploadSettings {
    /// Storage and limits.
    pub config: UploadConfig,
    /// `PUBLIC_BASE_URL`: hosted addresses start with it.
    pub public_base_url: Url,
    /// Why Meta could not fetch from `public_base_url`, if it could not.
    pub unreachable: Option<String>,
}

/// The uploads service. Cheap to clone.
#[derive(Clone)]
pub struct Uploads {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: Arc<UploadSettings>,
}

impl Uploads {
    /// The service over the store.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: UploadSettings) -> Self {
        Self {
            store,
            clock,
            settings: Arc::new(settings),
        }
    }

    /// The limits, with what `person` has uploaded and not yet published.
    pub async fn limits(&self, person: &str) -> Result<UploadLimits, AppError> {
        Ok(UploadLimits {
            max_file_bytes: self.settings.config.max_file_bytes,
            max_person_bytes: self.settings.config.max_person_bytes,
            used_bytes: self.store.upload_bytes_of_person(person).await?.max(0) as u64,
        })
    }

    /// Why Meta could not fetch uploaded files from this server, if it could not.
    pub fn unreachable(&self) -> Option<&str> {
        self.settings.unreachable.as_deref()
    }

    /// Where spool files are written before they are checked.
    fn spool_dir(&self) -> PathBuf {
        match &self.settings.config.storage {
            UploadStorage::Disk(dir) => dir.join(".incoming"),
            UploadStorage::Database => std::env::temp_dir().join("instagram-connect-uploads"),
        }
    }

    /// Checks and prepares a spooled file for `target`, keeps it for `person`'s post on the
    /// account, and returns its public address.
    pub async fn keep(
        &self,
        integration_id: &str,
        person: &str,
        file: Spooled,
        target: Target,
        fit: Fit,
    ) -> Result<Kept, AppError> {
        let name = file.name.clone();
        let (ready, video, changes, size) = checked(file, target, fit).await?;
        let id = ids::new_id("upl");
        let secret = ids::random_token(24);
        let (kind, extension) = if video {
            (size.content_type, size.extension)
        } else {
            ("image/jpeg", "jpg")
        };
        let row = UploadRow {
            id: id.clone(),
            integration_id: integration_id.to_owned(),
            person_id: person.to_owned(),
            secret_hash: ids::sha256_hex(secret.as_bytes()),
            job_id: None,
            video: i64::from(video),
            content_type: kind.to_owned(),
            bytes: ready.len().await? as i64,
            width: i64::from(size.width),
            height: i64::from(size.height),
            duration_ms: size.duration_ms.map(|d| d as i64),
            storage: blob::storage_name(&self.settings.config.storage).to_owned(),
            created_at: self.clock.now(),
        };
        // The row first: the database's pieces refer to it.
        self.store.upload_insert(&row).await?;
        if let Err(e) = blob::put(&*self.store, &self.settings.config.storage, &id, &ready).await {
            self.store.upload_delete(&id).await?;
            return Err(e);
        }
        tracing::info!(upload.id = %id, upload.bytes = row.bytes, upload.file = %name, "upload kept");
        let path = paths::upload(&id, &format!("{secret}.{extension}"));
        Ok(Kept {
            id,
            url: format!(
                "{}{path}",
                self.settings.public_base_url.as_str().trim_end_matches('/')
            ),
            video,
            changes,
        })
    }

    /// Gives uploads to the post they were made for.
    pub async fn attach(&self, ids: &[String], person: &str, job: &str) -> Result<(), AppError> {
        self.store.uploads_attach(ids, person, job).await?;
        Ok(())
    }

    /// Deletes a post's files (it was published or cancelled): their addresses stop answering.
    pub async fn delete_of_job(&self, job: &str) -> Result<(), AppError> {
        for row in self.store.uploads_of_job(job).await? {
            self.delete(&row).await?;
        }
        Ok(())
    }

    /// Deletes uploads that will not become part of a post (the form failed, or was sent twice).
    pub async fn discard(&self, ids: &[String]) {
        for id in ids {
            let found = self.store.upload_get(id).await;
            if let Ok(Some(row)) = found {
                if row.job_id.is_none() {
                    if let Err(e) = self.delete(&row).await {
                        tracing::warn!(upload.id = %id, error = %e, "an unused upload could not be deleted");
                    }
                }
            }
        }
    }

    async fn delete(&self, row: &UploadRow) -> Result<(), AppError> {
        self.store.upload_delete(&row.id).await?;
        blob::remove(&self.settings.config.storage, &row.id).await;
        tracing::info!(upload.id = %row.id, "upload deleted");
        Ok(())
    }

    /// Deletes the files nobody needs any more (housekeeping); returns how many.
    pub async fn sweep(&self) -> Result<usize, AppError> {
        let now = self.clock.now();
        let rows = self
            .store
            .uploads_to_delete(now - UNATTACHED_SECS, now - FAILED_KEPT_SECS, 200)
            .await?;
        for row in &rows {
            self.delete(row).await?;
        }
        Ok(rows.len())
    }

    /// The file behind a public address, if the address is right and the file still needed.
    pub async fn open(&self, id: &str, file: &str) -> Result<blob::Hosted, AppError> {
        let secret = file.split('.').next().unwrap_or_default();
        let row = self.store.upload_get(id).await?.ok_or(AppError::NotFound)?;
        let given = ids::sha256_hex(secret.as_bytes());
        if !bool::from(given.as_bytes().ct_eq(row.secret_hash.as_bytes())) {
            return Err(AppError::NotFound);
        }
        blob::open(self.store.clone(), &self.settings.config.storage, &row).await
    }

    /// Receives a stream into a spool file, within the per-file limit and what is left of the
    /// person's (`already` counts the files of this same request).
    pub async fn spool<S, E>(
        &self,
        person: &str,
        already: u64,
        name: &str,
        stream: S,
    ) -> Result<Spooled, AppError>
    where
        S: futures_util::Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let used = self.store.upload_bytes_of_person(person).await?.max(0) as u64 + already;
        let limits = spool::Limits {
            file: self.settings.config.max_file_bytes,
            person_left: self.settings.config.max_person_bytes.saturating_sub(used),
            person: self.settings.config.max_person_bytes,
        };
        spool::receive(&self.spool_dir(), name, stream, limits).await
    }
}

/// What a checked file is.
struct Shape {
    width: u32,
    height: u32,
    duration_ms: Option<u64>,
    content_type: &'static str,
    extension: &'static str,
}

/// Checks a spooled file (and converts a photo), off the async threads.
async fn checked(
    file: Spooled,
    target: Target,
    fit: Fit,
) -> Result<(Spooled, bool, Vec<String>, Shape), AppError> {
    tokio::task::spawn_blocking(move || {
        let head = file.head()?;
        match prepare::sniff(&head) {
            Sniffed::Image(_) => {
                let out = file.sibling("jpg");
                let p = prepare::prepare_image(&file.path, &out.path, target, fit, &file.name)
                    .map_err(refused)?;
                let shape = Shape {
                    width: p.width,
                    height: p.height,
                    duration_ms: None,
                    content_type: "image/jpeg",
                    extension: "jpg",
                };
                Ok((out, false, p.changes, shape))
            }
            Sniffed::Video(container) => {
                let v = prepare::check_video(&file.path, target, &file.name).map_err(refused)?;
                let (content_type, extension) = video_type(container);
                let shape = Shape {
                    width: v.width,
                    height: v.height,
                    duration_ms: Some(v.duration_ms),
                    content_type,
                    extension,
                };
                Ok((file, true, Vec::new(), shape))
            }
            Sniffed::Unknown => Err(AppError::BadRequest(format!(
                "{} is not a photo or a video Instagram can publish (JPEG, PNG, WebP, GIF, MP4 or MOV).",
                crate::model::excerpt(&file.name, 60)
            ))),
        }
    })
    .await
    .map_err(|_| AppError::Internal)?
}

/// A file the checks refused (the person's to fix), or the server's failure.
fn refused(e: prepare::PrepareError) -> AppError {
    match e.kind() {
        prepare::PrepareErrorKind::Refused => AppError::BadRequest(e.message().to_owned()),
        prepare::PrepareErrorKind::Io => AppError::Internal,
    }
}

/// The content type and extension a video is served with.
fn video_type(container: prepare::VideoContainer) -> (&'static str, &'static str) {
    match container {
        prepare::VideoContainer::QuickTime => ("video/quicktime", "mov"),
        _ => ("video/mp4", "mp4"),
    }
}

/// Why Meta could not fetch files from `base` (`PUBLIC_BASE_URL`), if it could not: an address
/// on this computer or a private network, or plain http in production. With the sandbox,
/// which fetches over loopback like Meta would over the internet, any address works.
pub fn unreachable_reason(base: &Url, sandbox: bool, production: bool) -> Option<String> {
    if sandbox {
        return None;
    }
    let private = match base.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            d == "localhost"
                || d.ends_with(".localhost")
                || d.ends_with(".local")
                || !d.contains('.')
        }
        Some(url::Host::Ipv4(ip)) => {
            ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
        }
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.is_unspecified() || (ip.segments()[0] & 0xfe00) == 0xfc00
        }
        None => true,
    };
    let shown = base.as_str().trim_end_matches('/');
    if private {
        Some(format!(
            "Uploading needs an address Meta can reach: PUBLIC_BASE_URL is {shown}, which only this computer or network reaches. Set it to a public https address (a tunnel works for trying it out), or type public addresses of your media instead."
        ))
    } else if production && base.scheme() != "https" {
        Some(format!(
            "Uploading needs a secure address: PUBLIC_BASE_URL is {shown}, plain http. Set it to the https address people use."
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_must_be_able_to_reach_the_public_address() {
        let url = |s: &str| Url::parse(s).unwrap();
        for local in [
            "http://localhost:3000",
            "http://127.0.0.1:3000",
            "http://192.168.1.5",
            "http://myhost",
            "http://[::1]:3000",
        ] {
            let why = unreachable_reason(&url(local), false, false).unwrap();
            assert!(why.contains("PUBLIC_BASE_URL"), "{local}: {why}");
        }
        assert!(
            unreachable_reason(&url("http://app.example.com"), false, true)
                .unwrap()
                .contains("plain http")
        );
        assert_eq!(
            unreachable_reason(&url("http://app.example.com"), false, false),
            None
        );
        assert_eq!(
            unreachable_reason(&url("https://app.example.com"), false, true),
            None
        );
        // The sandbox fetches over loopback.
        assert_eq!(
            unreachable_reason(&url("http://localhost:3000"), true, true),
            None
        );
    }
}
