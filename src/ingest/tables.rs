//! What a delivery does to each table of its source: the tables it holds replace the
//! source's rows; a table it leaves out (`tables = [...]` in `delivery.toml`) keeps the
//! source's rows from an earlier delivery, or, with `replace_missing_tables = true`, is
//! emptied. The report lists every table of the format with what happened to it.

use serde::Serialize;

use crate::delivery::Delivery;
use crate::schema::Schema;
use crate::store::{FileEntry, SourceEntry};

/// What happened to one table of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableAction {
    /// Delivered: its rows replace the source's rows of the table.
    Replaced,
    /// Not delivered: the source's rows from an earlier delivery stay.
    Kept,
    /// Not delivered and `replace_missing_tables`: the source's rows are removed.
    Emptied,
    /// Not delivered, and the source has never had rows of it.
    None,
    /// A withdrawal: the rows of the restored delivery are back.
    Restored,
}

impl TableAction {
    /// The word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Replaced => "replaced",
            Self::Kept => "kept",
            Self::Emptied => "emptied",
            Self::None => "none",
            Self::Restored => "restored",
        }
    }
}

/// One table of the source and what the delivery did to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableStatus {
    /// The table.
    pub table: String,
    /// What happened.
    pub status: TableAction,
    /// For a kept or restored table: the delivery whose rows are in the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_delivery: Option<String>,
}

/// What `delivery` does to each table of the format, given the source's current entry.
pub fn plan(schema: &Schema, delivery: &Delivery, current: Option<&SourceEntry>) -> Vec<TableStatus> {
    schema
        .tables
        .iter()
        .map(|t| {
            let delivered = delivery.files.iter().any(|f| f.table == t.name);
            let had = current.filter(|e| e.tables.contains_key(&t.name));
            let (status, from_delivery) = match (delivered, had) {
                (true, _) => (TableAction::Replaced, None),
                (false, Some(_)) if delivery.meta.replace_missing_tables => (TableAction::Emptied, None),
                // A full delivery (no `tables` list) without the file of an optional table
                // delivers none of it: the source's earlier rows go, as for any full delivery.
                (false, Some(_)) if t.optional && delivery.meta.tables.is_none() => (TableAction::Emptied, None),
                (false, Some(e)) => (TableAction::Kept, Some(e.kept.get(&t.name).unwrap_or(&e.delivery_id).clone())),
                (false, None) => (TableAction::None, None),
            };
            TableStatus { table: t.name.clone(), status, from_delivery }
        })
        .collect()
}

/// The files of `table` in a source entry (paths start with `<table>/`).
pub fn files_of<'e>(entry: &'e SourceEntry, table: &str) -> Vec<&'e FileEntry> {
    let prefix = format!("{table}/");
    entry.files.iter().filter(|f| f.path.starts_with(&prefix)).collect()
}
