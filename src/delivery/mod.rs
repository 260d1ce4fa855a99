//! A delivery: a folder with `delivery.toml` and one CSV or Parquet file per table (docs/definitions.md §2).

mod csv_lines;
mod reader;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use reader::{RawRecord, TableReader};

use crate::schema::Schema;

/// Errors opening a delivery. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The folder or a file could not be read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The folder has no `delivery.toml`.
    #[error(
        "{0} is not a delivery folder: it has no delivery.toml (source, delivery_id and extracted_on; `kohort schema` shows the format)"
    )]
    NotADelivery(PathBuf),
    /// `delivery.toml` is not valid.
    #[error("{path}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// Parser message.
        source: toml::de::Error,
    },
    /// A field of `delivery.toml` has a value we cannot use.
    #[error("{path}: {key} = '{value}': {rule}")]
    BadField {
        /// The file.
        path: PathBuf,
        /// The key.
        key: &'static str,
        /// Its value.
        value: String,
        /// What it must be.
        rule: &'static str,
    },
    /// `delivery.toml` lists a table the schema does not know.
    #[error("{path}: tables lists '{table}', which is not a table of the delivery format (see `kohort schema`)")]
    UnknownTable {
        /// The file.
        path: PathBuf,
        /// The table.
        table: String,
    },
    /// A table file is missing.
    #[error(
        "{dir}: missing table file {table}.csv or {table}.parquet (list the delivered tables in delivery.toml `tables` if a source delivers only some)"
    )]
    MissingFile {
        /// The delivery folder.
        dir: PathBuf,
        /// The table.
        table: String,
    },
    /// A table is delivered twice.
    #[error("{dir}: table {table} is delivered both as CSV and as Parquet; keep one")]
    TwoFiles {
        /// The delivery folder.
        dir: PathBuf,
        /// The table.
        table: String,
    },
    /// A file of the delivery is a link to a file outside the delivery folder.
    #[error(
        "{path} is a symbolic link to a file outside the delivery folder: kohort reads only files inside the delivery (copy the file into the folder)"
    )]
    Outside {
        /// The link.
        path: PathBuf,
    },
    /// A table file could not be read.
    #[error("{path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, DeliveryError>;

/// The contents of `delivery.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryMeta {
    /// Who delivered (lowercase letters, digits, `-`, `_`): a new delivery of the same
    /// source replaces its previous one in the store.
    pub source: String,
    /// Unique per source, e.g. `2026Q3`.
    pub delivery_id: String,
    /// Nothing after this date is known (the data end): a TOML date or a `"YYYY-MM-DD"` string.
    #[serde(deserialize_with = "toml_date")]
    pub extracted_on: NaiveDate,
    /// The tables delivered; default all tables of the format. The source's other tables
    /// are kept as they are in the store (see `replace_missing_tables`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<Vec<String>>,
    /// With `tables`: empty the source's tables that are not listed, instead of keeping them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replace_missing_tables: bool,
    /// Free description, for the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// File format of a delivered table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Delimited text with a header row.
    Csv,
    /// Apache Parquet with the same column names.
    Parquet,
}

/// One delivered table file.
#[derive(Debug, Clone)]
pub struct TableFile {
    /// Table name.
    pub table: String,
    /// The file.
    pub path: PathBuf,
    /// Its format.
    pub format: FileFormat,
}

/// An opened delivery: its metadata and table files, in schema order.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The folder.
    pub dir: PathBuf,
    /// `delivery.toml`.
    pub meta: DeliveryMeta,
    /// Table files in load order.
    pub files: Vec<TableFile>,
    /// SHA-256 of `delivery.toml`.
    pub toml_sha256: String,
}

impl Delivery {
    /// Open a delivery folder and check that every table file is there.
    pub fn open(dir: &Path, schema: &Schema) -> Result<Self> {
        let root = fs_err::canonicalize(dir)?;
        let toml_path = dir.join("delivery.toml");
        if fs_err::symlink_metadata(&toml_path).is_err() {
            return Err(DeliveryError::NotADelivery(dir.to_owned()));
        }
        check_inside(&root, &toml_path)?;
        let text = fs_err::read_to_string(&toml_path)?;
        let toml_sha256 = hex::encode(Sha256::digest(text.as_bytes()));
        let meta: DeliveryMeta =
            toml::from_str(&text).map_err(|source| DeliveryError::Toml { path: toml_path.clone(), source })?;
        check_name(&toml_path, "source", &meta.source, false)?;
        check_name(&toml_path, "delivery_id", &meta.delivery_id, true)?;
        if let Some(tables) = &meta.tables {
            for t in tables {
                if schema.table(t).is_none() {
                    return Err(DeliveryError::UnknownTable { path: toml_path.clone(), table: t.clone() });
                }
            }
        }
        let mut files = Vec::new();
        for t in &schema.tables {
            let listed = meta.tables.as_ref().is_none_or(|l| l.contains(&t.name));
            // An optional table (offences) not named in `tables` is delivered only when its file is there.
            let named = meta.tables.as_ref().is_some_and(|l| l.contains(&t.name));
            if listed && t.optional && !named && !has_file(dir, &t.name) {
                continue;
            }
            if listed {
                let file = find_file(dir, &t.name)?;
                check_inside(&root, &file.path)?;
                files.push(file);
            }
        }
        Ok(Self { dir: dir.to_owned(), meta, files, toml_sha256 })
    }

    /// The SHA-256 of every table file on disk, in `files` order (reads every file).
    pub fn file_sha256s(&self) -> Result<Vec<String>> {
        let mut shas = Vec::with_capacity(self.files.len());
        for f in &self.files {
            let mut file = fs_err::File::open(&f.path)?;
            let mut h = Sha256::new();
            std::io::copy(&mut file, &mut h)?;
            shas.push(hex::encode(h.finalize()));
        }
        Ok(shas)
    }

    /// The delivery's content hash from the SHA-256s of its table files (in `files` order):
    /// one hash over `delivery.toml` and every table file, so a change to any of them (a
    /// corrected data end, a corrected row) is a change of the delivery.
    pub fn content_sha256_of(&self, file_shas: &[String]) -> String {
        let mut h = Sha256::new();
        h.update(format!("delivery.toml\t{}\n", self.toml_sha256));
        for (f, sha) in self.files.iter().zip(file_shas) {
            let name = f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            h.update(format!("{name}\t{sha}\n"));
        }
        hex::encode(h.finalize())
    }
}

/// Refuse a file that is a symbolic link leaving the delivery folder (`root`, canonical):
/// its contents are never read, so they can never reach a message.
fn check_inside(root: &Path, path: &Path) -> Result<()> {
    let is_link = fs_err::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(());
    }
    let inside = std::fs::canonicalize(path).is_ok_and(|target| target.starts_with(root));
    if inside { Ok(()) } else { Err(DeliveryError::Outside { path: path.to_owned() }) }
}

/// Whether `<table>.csv` or `<table>.parquet` is in the folder.
fn has_file(dir: &Path, table: &str) -> bool {
    dir.join(format!("{table}.csv")).is_file() || dir.join(format!("{table}.parquet")).is_file()
}

fn find_file(dir: &Path, table: &str) -> Result<TableFile> {
    let csv = dir.join(format!("{table}.csv"));
    let parquet = dir.join(format!("{table}.parquet"));
    match (csv.is_file(), parquet.is_file()) {
        (true, true) => Err(DeliveryError::TwoFiles { dir: dir.to_owned(), table: table.to_owned() }),
        (true, false) => Ok(TableFile { table: table.to_owned(), path: csv, format: FileFormat::Csv }),
        (false, true) => Ok(TableFile { table: table.to_owned(), path: parquet, format: FileFormat::Parquet }),
        (false, false) => Err(DeliveryError::MissingFile { dir: dir.to_owned(), table: table.to_owned() }),
    }
}

/// Source names become file names in the store, so they are kept to a safe alphabet.
fn check_name(path: &Path, key: &'static str, value: &str, upper: bool) -> Result<()> {
    let ok_char = |c: char| {
        c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || c == '-'
            || c == '_'
            || (upper && (c.is_ascii_uppercase() || c == '.'))
    };
    let ok = !value.is_empty() && value.len() <= 64 && value.chars().all(ok_char) && !value.starts_with(['-', '.']);
    if ok {
        Ok(())
    } else {
        let rule = if upper {
            "must be 1-64 letters, digits, '.', '-' or '_'"
        } else {
            "must be 1-64 lowercase letters, digits, '-' or '_'"
        };
        Err(DeliveryError::BadField { path: path.to_owned(), key, value: value.to_owned(), rule })
    }
}

/// A TOML local date (`2026-10-01`) or a string holding one.
fn toml_date<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<NaiveDate, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Date(toml::value::Datetime),
        Text(String),
    }
    let text = match Raw::deserialize(d)? {
        Raw::Date(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
        Raw::Date(dt) => return Err(serde::de::Error::custom(format!("{dt} is not a plain date YYYY-MM-DD"))),
        Raw::Text(t) => t,
    };
    crate::validate::parse_date(&text)
        .ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not a valid date YYYY-MM-DD")))
}
