//! The Parquet timeline store: layout, lock, manifest and atomic publication.
//!
//! ```text
//! STORE/
//!   manifest.json            the current state; replaced atomically (write, fsync, rename)
//!   .lock                    held by the one writer
//!   v/000007/                the current data version (immutable once published)
//!     <table>/bNN/<source>.parquet   rows of one source in person bucket NN, sorted
//!     <table>/all/<source>.parquet   tables without persons (population)
//!     <table>/_schema/empty.parquet  zero rows, so every view has a file to read
//!   changes/000007-<source>.parquet  persons whose data changed with that delivery, with the
//!                            table it changed in (`data_end`: the delivery moved their data end)
//!   studies/<study>/         each study's cache for incremental runs (`crate::study::cache`)
//!   .staging/                work in progress; never read; cleared under the lock
//! ```
//! A new version hard-links the files of every other source from the previous version, so
//! publishing one source's delivery never rewrites the others. A process killed at any moment
//! leaves `manifest.json` pointing at a complete version.

mod changes;
mod lock;
mod manifest;
pub mod publication;
mod publish;
pub mod spill;
pub mod views;
mod writer;

use std::path::{Path, PathBuf};

pub use changes::Pruned;
pub use lock::StoreLock;
pub use manifest::{FileEntry, HistoryEntry, HistoryKind, Manifest, SourceEntry, TableCounts};
pub use publication::{Lease, Stage, read_json, sync_dir, write_file_atomic, write_json_atomic};
pub use publish::{Staging, publish};
pub use views::{Leases, StoreConnection};
pub use writer::{
    BucketWriter, ParquetSink, PersonIds, write_csv, write_parquet, write_parquet_with, write_query, write_query_with,
};

/// Number of person buckets in a new store.
pub const DEFAULT_BUCKETS: u16 = 16;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// File system trouble (the path is in the message).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A query whose rows were being written failed.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// Writers published faster than a reader could hold a version.
    #[error("the store changed {0} times while this step was starting; run it again")]
    Busy(usize),
    /// A generation was pruned after its pointer was read.
    #[error("{0} was replaced by a newer version while this step started; run it again")]
    Gone(PathBuf),
    /// Another process holds the write lock.
    #[error(
        "store {0} is locked by another kohort process (only one writer at a time); try again when it has finished"
    )]
    Locked(PathBuf),
    /// The manifest does not parse.
    #[error("store manifest {path}: {message}")]
    Manifest {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Not a store.
    #[error("{0} is not a kohort store (no manifest.json); ingest a delivery to create one")]
    NotAStore(PathBuf),
    /// Writing Parquet failed.
    #[error("writing {path}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: parquet::errors::ParquetError,
    },
    /// Writing CSV failed.
    #[error("writing {path}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: duckdb::arrow::error::ArrowError,
    },
    /// A published file does not match its recorded hash or size.
    #[error("store {store}: {problem}")]
    Corrupt {
        /// The store.
        store: PathBuf,
        /// What does not match.
        problem: String,
    },
    /// The pseudonymisation key does not match the store's.
    #[error(
        "store {store} was built with key fingerprint {expected}, the given key has {found}: pseudonyms would not link. Use the store's key file"
    )]
    WrongKey {
        /// The store.
        store: PathBuf,
        /// Fingerprint recorded.
        expected: String,
        /// Fingerprint of the given key.
        found: String,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, StoreError>;

/// A store folder.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// A store at `root` (which may not exist yet).
    pub fn at(root: &Path) -> Self {
        Self { root: root.to_owned() }
    }

    /// The store's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `manifest.json`.
    pub fn manifest_path(&self) -> PathBuf {
        self.root.join("manifest.json")
    }

    /// Read the current manifest, if the store exists.
    pub fn manifest(&self) -> Result<Option<Manifest>> {
        Manifest::read(&self.manifest_path())
    }

    /// Read the current manifest, failing when there is no store.
    pub fn require_manifest(&self) -> Result<Manifest> {
        self.manifest()?.ok_or_else(|| StoreError::NotAStore(self.root.clone()))
    }

    /// The folder of a data version.
    pub fn version_dir(&self, version: u64) -> PathBuf {
        self.root.join("v").join(format!("{version:06}"))
    }

    /// The folder of the current version.
    pub fn current_dir(&self) -> Result<PathBuf> {
        Ok(self.version_dir(self.require_manifest()?.version))
    }

    /// Take the write lock (fails at once when held).
    pub fn lock(&self) -> Result<StoreLock> {
        StoreLock::acquire(&self.root)
    }

    /// Check every published file against its recorded size and SHA-256.
    pub fn verify(&self) -> Result<usize> {
        let manifest = self.require_manifest()?;
        let dir = self.version_dir(manifest.version);
        let mut checked = 0;
        for (source, entry) in &manifest.sources {
            checked += verify_files(&dir, &entry.files).map_err(|problem| StoreError::Corrupt {
                store: self.root.clone(),
                problem: format!("source {source}: {problem}"),
            })?;
        }
        Ok(checked)
    }
}

/// Check files listed relative to `dir` against their recorded size and SHA-256; the number
/// checked, or what does not match.
pub fn verify_files(dir: &Path, files: &[FileEntry]) -> std::result::Result<usize, String> {
    for f in files {
        let path = dir.join(&f.path);
        let bytes = fs_err::read(&path).map_err(|e| e.to_string())?;
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        if sha != f.sha256 || bytes.len() as u64 != f.bytes {
            return Err(format!("{} does not match its recorded SHA-256", path.display()));
        }
    }
    Ok(files.len())
}
