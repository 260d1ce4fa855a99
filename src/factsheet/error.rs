//! The errors of `kohort factsheet`.

use std::path::PathBuf;

use crate::db::DbError;

/// Errors of a factsheet pack.
#[derive(Debug, thiserror::Error)]
pub enum FactsheetError {
    /// DuckDB failed reading the export.
    #[error(transparent)]
    Db(#[from] DbError),
    /// File trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The input is not an export of `kohort export tables`.
    #[error(
        "{0}: no such file; --in takes a folder written by `kohort export tables` (it holds tables.parquet and disclosure_report.json)"
    )]
    NotAnExport(PathBuf),
    /// The disclosure report could not be read.
    #[error("{file}: {message}")]
    Report {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A translation file does not parse.
    #[error("{file}: {message}")]
    Translation {
        /// The file.
        file: String,
        /// What serde said.
        message: String,
    },
    /// `--pdf always` without a browser to print with.
    #[error(
        "--pdf always: none of {0} is on the PATH; install Debian's chromium (apt-get install chromium) or pass --pdf auto (HTML only where it is missing) or --pdf never"
    )]
    NoBrowser(String),
    /// Chromium failed printing a page (or starting).
    #[error("PDF of {page} (printed by {browser}): {message}")]
    Pdf {
        /// The page (its HTML file in the staged pack).
        page: PathBuf,
        /// The browser binary.
        browser: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A language kohort has no translation for.
    #[error("no translation for language '{0}' (kohort ships nl and en: data-schema/factsheet/)")]
    Language(String),
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, FactsheetError>;
