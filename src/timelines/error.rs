//! Errors reading timelines from the store.

use std::path::PathBuf;

use crate::db::DbError;

/// Errors reading timelines.
#[derive(Debug, thiserror::Error)]
pub enum TimelineError {
    /// DuckDB failed (finding the store folder of a connection).
    #[error(transparent)]
    Db(#[from] DbError),
    /// A store file could not be read.
    #[error("store file {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A column is missing or has an unexpected type (the store does not match the schema).
    #[error("store file {path}: column {column} is missing or has an unexpected type (run `kohort verify`)")]
    Column {
        /// The file.
        path: PathBuf,
        /// Column.
        column: &'static str,
    },
    /// A value kohort never writes: an id that is not a pseudonym, a code not in its list.
    #[error("store file {path}: column {column} holds a value kohort does not write there (run `kohort verify`)")]
    Value {
        /// The file.
        path: PathBuf,
        /// Column.
        column: &'static str,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, TimelineError>;
