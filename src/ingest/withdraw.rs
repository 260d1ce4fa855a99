//! `kohort ingest --withdraw SOURCE/DELIVERY`: take a wrong delivery back out of the store.
//!
//! Every version keeps, per source, the delivery its current one replaced
//! (`v/NNNNNN/retained/<source>/`, hard links, listed under `retained` in the manifest).
//! Withdrawing the current delivery publishes a new version in which the source is back at
//! that delivery, file for file; a source's first delivery withdrawn removes the source. The
//! change list names every person whose rows or data end differ, so incremental runs follow.
//! The store keeps one step back per source: after a withdrawal there is nothing further to
//! go back to until the source delivers again.

use serde::Serialize;

use super::tables::{TableAction, TableStatus, files_of};
use super::write::{self, Make};
use super::{IngestError, Result};
use crate::db::{self, DbSettings};
use crate::schema::Schema;
use crate::store::{HistoryKind, Manifest, SourceEntry, Staging, Store};

/// What a withdrawal did.
#[derive(Debug, Clone, Serialize)]
pub struct WithdrawReport {
    /// The source.
    pub source: String,
    /// The delivery withdrawn.
    pub withdrawn: String,
    /// The delivery the source is back at (`None`: the source was removed).
    pub restored: Option<String>,
    /// Every table of the format: restored (from which delivery), emptied or none.
    pub table_status: Vec<TableStatus>,
    /// The published version.
    pub published_version: u64,
    /// Persons whose data changed.
    pub changed_persons: u64,
    /// Persons that sources disagree on, over the whole store.
    pub person_conflicts: u64,
}

/// Split `SOURCE/DELIVERY_ID`.
pub fn parse_target(text: &str) -> Result<(String, String)> {
    match text.split_once('/') {
        Some((s, d)) if !s.is_empty() && !d.is_empty() && !d.contains('/') => Ok((s.to_owned(), d.to_owned())),
        _ => Err(IngestError::WithdrawSyntax(text.to_owned())),
    }
}

/// Withdraw `source`'s current delivery `delivery_id`, restoring the delivery it replaced.
pub fn withdraw(store: &Store, source: &str, delivery_id: &str, db_settings: &DbSettings) -> Result<WithdrawReport> {
    let schema = Schema::embedded()?;
    let lock = store.lock()?;
    let m = store.require_manifest()?;
    super::check_store(store, &m, &schema)?;
    let not_current =
        |why: String| IngestError::NotCurrent { source_name: source.to_owned(), given: delivery_id.to_owned(), why };
    let current =
        m.sources.get(source).ok_or_else(|| not_current(format!("the store holds no delivery of {source}")))?;
    if current.delivery_id != delivery_id {
        return Err(not_current(format!("the current delivery of {source} is {}", current.delivery_id)));
    }
    let restored = m.retained.get(source).cloned();
    if restored.is_none() && !first_delivery(&m, source) {
        return Err(IngestError::NothingRetained {
            source_name: source.to_owned(),
            delivery_id: delivery_id.to_owned(),
        });
    }
    let status = status(&schema, current, restored.as_ref());
    let tables = schema
        .tables
        .iter()
        .map(|t| {
            let files: Vec<_> = restored.iter().flat_map(|e| files_of(e, &t.name)).cloned().collect();
            (t, if files.is_empty() { Make::Empty } else { Make::Restore(files) })
        })
        .collect();
    let staging = Staging::begin(store, &lock)?;
    let tmp = staging.root.join("duckdb-tmp");
    fs_err::create_dir_all(&tmp)?;
    let conn = db::open_file(db_settings, &staging.root.join("staging.duckdb"), &tmp)?;
    let restored_id = restored.as_ref().map(|e| e.delivery_id.clone());
    let history = write::history(source, delivery_id, HistoryKind::Withdrawal, String::new(), restored_id);
    let change = write::SourceChange {
        conn: &conn,
        store,
        staging,
        key_fingerprint: m.key_fingerprint.clone(),
        previous: Some(m.clone()),
        source,
        tables,
        entry: restored.clone(),
        data_end: restored.as_ref().map_or(current.extracted_on, |e| e.extracted_on),
        history,
        retain_current: false,
        lanes: 1,
    };
    let outcome = write::publish_source(change)?;
    drop(lock);
    Ok(WithdrawReport {
        source: source.to_owned(),
        withdrawn: delivery_id.to_owned(),
        restored: restored.map(|e| e.delivery_id),
        table_status: status,
        published_version: outcome.version,
        changed_persons: outcome.changed_persons,
        person_conflicts: outcome.person_conflicts,
    })
}

/// Whether the source's current delivery came when the source had no delivery in the store
/// (its first, or the first after the source was removed by a withdrawal): withdrawing it
/// removes the source. Otherwise the delivery before it should have been retained.
fn first_delivery(m: &Manifest, source: &str) -> bool {
    let mut own = m.history.iter().filter(|h| h.source == source).rev();
    let made_current = own.next();
    let before = own.next();
    let came_first = made_current.is_some_and(|h| h.kind != HistoryKind::Withdrawal);
    came_first && before.is_none_or(|h| h.kind == HistoryKind::Withdrawal && h.restored_delivery_id.is_none())
}

/// What the withdrawal does to each table of the source.
fn status(schema: &Schema, current: &SourceEntry, restored: Option<&SourceEntry>) -> Vec<TableStatus> {
    schema
        .tables
        .iter()
        .map(|t| {
            let back = restored.filter(|e| e.tables.contains_key(&t.name));
            let (status, from_delivery) = match (back, current.tables.contains_key(&t.name)) {
                (Some(e), _) => (TableAction::Restored, Some(e.kept.get(&t.name).unwrap_or(&e.delivery_id).clone())),
                (None, true) => (TableAction::Emptied, None),
                (None, false) => (TableAction::None, None),
            };
            TableStatus { table: t.name.clone(), status, from_delivery }
        })
        .collect()
}
