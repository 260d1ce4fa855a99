//! Publishing a change of one source as a new store version: a delivery (its tables
//! exported from DuckDB, the tables it leaves out kept or emptied) or a withdrawal (the
//! source's previous delivery restored from the retained files).
//!
//! Every other source's files, and what is retained of them, are hard-linked from the
//! current version unchanged. The source's current delivery is retained in the new version
//! (`retained/<source>/`, listed in the manifest) so that it can be restored.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use duckdb::Connection;
use duckdb::arrow::datatypes::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use duckdb::arrow::record_batch::RecordBatch;

use super::changes::{self, Change, Made, TablePersons};
use super::crossrow::names;
use super::{IngestError, Result};
use crate::db::{DuckContext, ident, render};
use crate::schema::{Schema, Table};
use crate::sql::ingest as q;
use crate::store::{
    BucketWriter, FileEntry, HistoryEntry, HistoryKind, Manifest, SourceEntry, Staging, Store, publish, write_parquet,
};
use crate::validate::staged_schema;

/// How one table of the source is made in the new version.
#[derive(Debug, Clone)]
pub enum Make {
    /// From the accepted rows in DuckDB (`ok_<table>`), written by kohort's writer; `rows`
    /// (the accepted count) only orders the work, largest table first.
    Export { rows: u64 },
    /// The current version's files of the source, linked unchanged.
    Keep(Vec<FileEntry>),
    /// Files retained in the current version (`retained/<source>/`): a withdrawal.
    Restore(Vec<FileEntry>),
    /// No rows of the source.
    Empty,
}

/// A change of one source, ready to publish.
pub struct SourceChange<'a> {
    /// The DuckDB connection (holding `ok_<table>` for exported tables).
    pub conn: &'a Connection,
    /// The store.
    pub store: &'a Store,
    /// The staged version.
    pub staging: Staging,
    /// The manifest before this change.
    pub previous: Option<Manifest>,
    /// The key's fingerprint (for a new manifest).
    pub key_fingerprint: String,
    /// The source.
    pub source: &'a str,
    /// Every table of the format, in schema order, with how it is made.
    pub tables: Vec<(&'a Table, Make)>,
    /// The source's new entry (its `files` are filled in here); `None` removes the source.
    pub entry: Option<SourceEntry>,
    /// The data end written into exported persons rows.
    pub data_end: NaiveDate,
    /// The history entry's kind, delivery id, content hash and restored delivery (the rest
    /// is filled in here).
    pub history: HistoryEntry,
    /// Retain the source's current delivery (a delivery); a withdrawal drops it.
    pub retain_current: bool,
    /// How many tables are exported at once, each on a DuckDB connection of its own.
    pub lanes: usize,
}

/// What publication gave.
pub struct PublishOutcome {
    /// The new version.
    pub version: u64,
    /// Persons whose data changed.
    pub changed_persons: u64,
    /// Persons that sources disagree on.
    pub person_conflicts: u64,
}

/// The schema of a table's store files: the staged columns without `late`, plus `source`
/// (and `extracted_on` for persons, used to choose between sources).
pub fn store_schema(table: &Table) -> SchemaRef {
    let staged = staged_schema(table);
    let mut fields: Vec<Field> = staged
        .fields()
        .iter()
        .filter(|f| f.name() != "late")
        .map(|f| Field::new(f.name(), f.data_type().clone(), true))
        .collect();
    fields.push(Field::new("source", DataType::Utf8, true));
    if table.name == "persons" {
        fields.push(Field::new("extracted_on", DataType::Date32, true));
    }
    Arc::new(ArrowSchema::new(fields))
}

/// Build the new version (files, retained files, change list, conflicts) and publish it.
pub fn publish_source(p: SourceChange<'_>) -> Result<PublishOutcome> {
    let schema = Schema::embedded()?;
    let vdir = p.staging.version_dir.clone();
    let current_dir = p.previous.as_ref().map(|m| p.store.version_dir(m.version));
    let current = p.previous.as_ref().and_then(|m| m.sources.get(p.source));
    let mut retained = p.previous.as_ref().map(|m| m.retained.clone()).unwrap_or_default();
    retained.remove(p.source);
    if let (Some(prev), Some(dir)) = (&p.previous, &current_dir) {
        for (_, entry) in prev.sources.iter().filter(|(s, _)| *s != p.source) {
            p.staging.link_from(dir, &entry.files)?;
        }
        for (source, entry) in &retained {
            let (from, to) = (retained_dir(dir, source), retained_dir(&vdir, source));
            link_all(&from, &to, &entry.files)?;
        }
    }
    // A source's first delivery: every person of every table it delivers has changed; their ids
    // are gathered as the tables are written (the second pass over the staged rows in DuckDB
    // was 15 % of a national ingest).
    let first = current.is_none();
    let (files, first_persons) = make_tables(&p, &vdir, current_dir.as_deref(), first)?;
    if let (true, Some(entry), Some(dir)) = (p.retain_current, current, &current_dir) {
        link_all(dir, &retained_dir(&vdir, p.source), &entry.files)?;
        retained.insert(p.source.to_owned(), entry.clone());
    }
    write_empty_files(&schema, &vdir, p.buckets())?;

    let old = |t: &str| -> Option<String> {
        let had = current?.files.iter().any(|f| f.path.starts_with(&format!("{t}/")));
        let glob = current_dir.as_ref()?.join(t).join("*").join(format!("{}.parquet", p.source));
        had.then(|| glob.to_string_lossy().into_owned())
    };
    let made: Vec<(&Table, Made)> = p.tables.iter().map(|(t, m)| (*t, made(m))).collect();
    let change = Change { conn: p.conn, tables: &made, old: &old, data_end: p.data_end };
    let population_changed = changes::population_changed(&change)?;
    let changes_rel = format!("changes/{:06}-{}.parquet", p.staging.version, p.source);
    let list = p.staging.root.join(&changes_rel);
    let (data_end_moved, changed) = match first_persons {
        // Nothing was there before: no data end moved.
        Some(persons) => (false, changes::write_first_change_list(persons, &list, &changes_rel)?.1),
        None => {
            let moved = changes::changed_persons(&change)?;
            (moved, changes::write_change_list(p.conn, &list, &changes_rel)?.1)
        }
    };
    // A source delivers each person once (duplicates are quarantined), so persons rows can
    // disagree only when another source has persons rows too.
    let other_persons = p.previous.as_ref().is_some_and(|m| {
        m.sources.iter().any(|(s, e)| s != p.source && e.files.iter().any(|f| f.path.starts_with("persons/")))
    });
    let conflicts = if other_persons {
        changes::person_conflicts(p.conn, &vdir, conflict_scope(&p, &files, &vdir, current_dir.as_deref()))?
    } else {
        0
    };

    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut m = p.previous.clone().unwrap_or_else(|| Manifest {
        format: "kohort-store".to_owned(),
        schema_version: schema.schema_version,
        buckets: p.buckets(),
        key_fingerprint: p.key_fingerprint.clone(),
        ..Manifest::default()
    });
    env!("CARGO_PKG_VERSION").clone_into(&mut m.kohort_version);
    m.version = p.staging.version;
    m.person_conflicts = conflicts;
    match p.entry {
        Some(mut e) => {
            e.files = files;
            m.sources.insert(p.source.to_owned(), e);
        }
        None => {
            m.sources.remove(p.source);
        }
    }
    m.retained = retained;
    m.history.push(HistoryEntry {
        version: p.staging.version,
        source: p.source.to_owned(),
        ingested_at: now,
        changed_persons: changed,
        data_end_moved,
        changes_file: changes_rel,
        population_changed,
        ..p.history
    });
    let version = p.staging.version;
    publish(p.store, p.staging, &m)?;
    Ok(PublishOutcome { version, changed_persons: changed, person_conflicts: conflicts })
}

impl SourceChange<'_> {
    fn buckets(&self) -> u16 {
        self.previous.as_ref().map_or(crate::store::DEFAULT_BUCKETS, |m| m.buckets)
    }
}

/// The source's files in the new version, table by table; with `first` (the source's first
/// delivery), the persons of each exported table too (`None` if an id was not a pseudonym).
fn make_tables(
    p: &SourceChange<'_>,
    vdir: &Path,
    current_dir: Option<&Path>,
    first: bool,
) -> Result<(Vec<FileEntry>, Option<Vec<TablePersons>>)> {
    let mut exported = export_tables(p, vdir, first)?;
    let mut files = Vec::new();
    let mut persons = first.then(Vec::new);
    for (i, (t, make)) in p.tables.iter().enumerate() {
        match make {
            Make::Export { .. } => {
                let (made, table_persons) =
                    exported[i].take().ok_or_else(|| missing("an exported table without files"))?;
                files.extend(made);
                match (&mut persons, table_persons) {
                    (Some(all), Some(one)) if one.ok() => all.push(one),
                    _ => persons = None,
                }
            }
            Make::Keep(fs) | Make::Restore(fs) => {
                let dir = current_dir.ok_or_else(|| missing("a kept or restored table without a current version"))?;
                let from = if matches!(make, Make::Restore(_)) { retained_dir(dir, p.source) } else { dir.to_owned() };
                link_all(&from, vdir, fs)?;
                files.extend(fs.iter().cloned());
                if matches!(make, Make::Restore(_)) && !fs.is_empty() {
                    restored_table(p.conn, t, vdir, fs)?;
                }
            }
            Make::Empty => {}
        }
    }
    Ok((files, persons))
}

/// A table's store files and (with `first`) its persons.
type Exported = (Vec<FileEntry>, Option<TablePersons>);

/// Every exported table's files, by position in `p.tables` (`None` for the others).
///
/// One export keeps about one and a half cores busy (DuckDB hands over sorted rows while a
/// thread encodes Parquet), so `p.lanes` tables are written at once, each lane on a DuckDB
/// connection of its own (one database, one memory limit), the largest tables first. Each
/// table's files are its own and the results are gathered by table, so the files and the
/// manifest do not depend on which lane wrote what.
fn export_tables(p: &SourceChange<'_>, vdir: &Path, first: bool) -> Result<Vec<Option<Exported>>> {
    let rows = |i: usize| match &p.tables[i].1 {
        Make::Export { rows } => Some(*rows),
        _ => None,
    };
    let mut order: Vec<usize> = (0..p.tables.len()).filter(|&i| rows(i).is_some()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(rows(i)), i));
    let (tables, source, data_end) = (&p.tables, p.source, p.data_end);
    let done = crate::db::in_lanes(p.conn, p.lanes, &order, tables.len(), |conn, _, i| {
        export_table(conn, tables[i].0, vdir, source, data_end, first)
    })?;
    // The first error in table order, whichever lane met it.
    done.into_iter().map(Option::transpose).collect()
}

/// A restored table's rows as `ok_<table>` in DuckDB, for the change list.
fn restored_table(conn: &Connection, t: &Table, vdir: &Path, fs: &[FileEntry]) -> Result<()> {
    let list = duckdb::types::Value::List(
        fs.iter().map(|f| vdir.join(&f.path).to_string_lossy().into_owned().into()).collect(),
    );
    let sql = render(q::RESTORED_TABLE, &[("ok", &names(&t.name).ok)]);
    conn.execute(&sql, [list]).ctx(format!("reading the restored {} rows", t.name))?;
    Ok(())
}

fn made(m: &Make) -> Made {
    match m {
        Make::Export { .. } => Made::Rows,
        Make::Restore(fs) if !fs.is_empty() => Made::Restored,
        Make::Keep(_) => Made::Unchanged,
        Make::Restore(_) | Make::Empty => Made::Nothing,
    }
}

/// Persons files whose persons may change conflict status: the source's new and current
/// persons files (none when its persons table is kept), with the current conflicts file.
fn conflict_scope(
    p: &SourceChange<'_>,
    files: &[FileEntry],
    vdir: &Path,
    current_dir: Option<&Path>,
) -> Option<(PathBuf, Vec<String>)> {
    let dir = current_dir?;
    let keep = p.tables.iter().any(|(t, m)| t.name == "persons" && matches!(m, Make::Keep(_)));
    if keep {
        return Some((dir.join("conflicts.parquet"), Vec::new()));
    }
    let is_persons = |f: &&FileEntry| f.path.starts_with("persons/");
    let new = files.iter().filter(is_persons).map(|f| vdir.join(&f.path));
    let current = p.previous.as_ref().and_then(|m| m.sources.get(p.source));
    let old = current.into_iter().flat_map(|e| e.files.iter()).filter(is_persons).map(|f| dir.join(&f.path));
    Some((dir.join("conflicts.parquet"), new.chain(old).map(|p| p.to_string_lossy().into_owned()).collect()))
}

/// `<version>/retained/<source>`.
fn retained_dir(version_dir: &Path, source: &str) -> PathBuf {
    version_dir.join("retained").join(source)
}

/// Hard-link (or copy, across file systems) `from/<path>` to `to/<path>` for every file.
fn link_all(from: &Path, to: &Path, files: &[FileEntry]) -> Result<()> {
    for f in files {
        let (a, b) = (from.join(&f.path), to.join(&f.path));
        if let Some(dir) = b.parent() {
            fs_err::create_dir_all(dir)?;
        }
        if fs_err::hard_link(&a, &b).is_err() {
            fs_err::copy(&a, &b)?;
        }
    }
    Ok(())
}

fn missing(what: &str) -> IngestError {
    IngestError::Io(std::io::Error::other(format!("store: {what} (a bug)")))
}

/// Zero-row files with the schema, so that every view and every per-bucket read has a file to
/// open: `<table>/_schema/empty.parquet`, and `<table>/bNN/_empty.parquet` for each person bucket
/// no source has rows in.
fn write_empty_files(schema: &Schema, vdir: &Path, buckets: u16) -> Result<()> {
    let empty = |rel: &str, t: &Table| {
        write_parquet(&vdir.join(rel), rel, store_schema(t), std::iter::empty::<RecordBatch>()).map(|_| ())
    };
    for t in &schema.tables {
        empty(&format!("{}/_schema/empty.parquet", t.name), t)?;
        if t.person.is_none() {
            continue;
        }
        for b in 0..buckets {
            let dir = vdir.join(&t.name).join(format!("b{b:02}"));
            let has_files = dir.exists() && fs_err::read_dir(&dir)?.next().is_some();
            if !has_files {
                empty(&format!("{}/b{b:02}/_empty.parquet", t.name), t)?;
            }
        }
    }
    Ok(())
}

fn export_table(
    conn: &Connection,
    t: &Table,
    vdir: &Path,
    source: &str,
    extracted_on: NaiveDate,
    gather_persons: bool,
) -> Result<(Vec<FileEntry>, Option<TablePersons>)> {
    let n = names(&t.name);
    let mut order: Vec<String> = Vec::new();
    if t.person.is_some() {
        order.push("bucket".to_owned());
    }
    order.extend(t.sort.iter().map(|c| ident(t.column(c).map_or(c.as_str(), |c| c.stored_name()))));
    order.push("src_row".to_owned());
    let persons = t.name == "persons";
    let extra = if persons { ", ?::DATE AS extracted_on" } else { "" };
    let sql = render(q::EXPORT, &[("ok", &n.ok), ("extra", extra), ("order", &order.join(", "))]);
    let ctx = format!("writing {} to the store", t.name);
    let mut stmt = conn.prepare(&sql).ctx(ctx.clone())?;
    // Streamed: a materialised result of a large table would sit outside DuckDB's memory limit.
    let arrow = if persons {
        stmt.stream_arrow([source.to_owned(), extracted_on.to_string()]).ctx(ctx.clone())?
    } else {
        stmt.stream_arrow([source.to_owned()]).ctx(ctx.clone())?
    };
    let got = arrow.get_schema();
    let want = store_schema(t);
    let shape =
        |s: &SchemaRef| s.fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect::<Vec<_>>();
    if shape(&got) != shape(&want) {
        return Err(IngestError::Io(std::io::Error::other(format!(
            "{ctx}: DuckDB returned columns {:?}, the store schema is {:?}",
            shape(&got),
            shape(&want)
        ))));
    }
    // The Parquet files are written on a thread of their own while DuckDB hands over the next
    // sorted rows (a bounded queue of batches: memory stays flat).
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<RecordBatch>(2);
        let writing = s.spawn(move || -> Result<(Vec<FileEntry>, Option<TablePersons>)> {
            let mut writer = BucketWriter::new(vdir, &t.name, source, want);
            let mut persons = gather_persons.then(|| TablePersons::new(t));
            for batch in rx {
                if let Some(persons) = &mut persons {
                    persons.add(&batch);
                }
                writer.push(&batch)?;
            }
            Ok((writer.finish()?, persons))
        });
        for batch in arrow {
            let batch = batch.ctx(ctx.clone())?;
            let batch = RecordBatch::try_new(store_schema(t), batch.columns().to_vec())
                .map_err(|e| IngestError::Io(std::io::Error::other(format!("{ctx}: {e}"))))?;
            if tx.send(batch).is_err() {
                // The writer stopped on an error: it is returned below.
                break;
            }
        }
        drop(tx);
        writing
            .join()
            .map_err(|_| IngestError::Io(std::io::Error::other(format!("{ctx}: the writing thread stopped"))))?
    })
}

/// A history entry for a change of `source` (version, time, counts and files are filled in by
/// [`publish_source`]).
pub fn history(
    source: &str,
    delivery_id: &str,
    kind: HistoryKind,
    content_sha256: String,
    restored_delivery_id: Option<String>,
) -> HistoryEntry {
    HistoryEntry {
        version: 0,
        source: source.to_owned(),
        delivery_id: delivery_id.to_owned(),
        kind,
        content_sha256,
        restored_delivery_id,
        ingested_at: String::new(),
        changed_persons: 0,
        data_end_moved: false,
        changes_file: String::new(),
        population_changed: false,
    }
}

/// The kind of a history entry for a delivery under `delivery_id`: a correction when the store
/// has held that id of the source before.
pub fn kind_of(previous: Option<&Manifest>, source: &str, delivery_id: &str) -> HistoryKind {
    let known = previous.is_some_and(|m| m.history.iter().any(|h| h.source == source && h.delivery_id == delivery_id));
    if known { HistoryKind::Correction } else { HistoryKind::Delivery }
}
