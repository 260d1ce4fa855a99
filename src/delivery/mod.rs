//! A delivery: a folder with `delivery.toml` and one CSV or Parquet file per table (DOMAIN.md §2).

mod reader;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use reader::{RawRecord, TableReader};

use crate::schema::Schema;

/// Errors opening a delivery. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The folder or a file could not be read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// `delivery.toml` is not valid.
    #[error("{path}: {source}")]
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
    /// The tables delivered; default all tables of the format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<Vec<String>>,
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
}

impl Delivery {
    /// Open a delivery folder and check that every table file is there.
    pub fn open(dir: &Path, schema: &Schema) -> Result<Self> {
        let toml_path = dir.join("delivery.toml");
        let text = fs_err::read_to_string(&toml_path)?;
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
            if listed {
                files.push(find_file(dir, &t.name)?);
            }
        }
        Ok(Self { dir: dir.to_owned(), meta, files })
    }
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
