//! Writing a validated delivery into a new store version and publishing it.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use duckdb::Connection;
use duckdb::arrow::datatypes::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use duckdb::arrow::record_batch::RecordBatch;

use super::crossrow::{content_columns, names};
use super::{IngestError, Result};
use crate::db::{DuckContext, ident, render};
use crate::delivery::Delivery;
use crate::pseudonym::Key;
use crate::schema::{ColumnKind, Schema, Table};
use crate::sql::ingest as q;
use crate::store::{
    BucketWriter, FileEntry, HistoryEntry, Manifest, SourceEntry, Staging, Store, TableCounts, publish, write_parquet,
};
use crate::validate::staged_schema;

/// Everything publication needs.
pub struct PublishInput<'a> {
    /// The DuckDB connection holding the accepted rows.
    pub conn: &'a Connection,
    /// The store.
    pub store: &'a Store,
    /// The staged version.
    pub staging: Staging,
    /// The manifest before this delivery.
    pub previous: Option<Manifest>,
    /// The delivery.
    pub delivery: &'a Delivery,
    /// Its tables in load order.
    pub tables: &'a [&'a Table],
    /// Its files with hashes.
    pub inputs: Vec<FileEntry>,
    /// The key (its fingerprint goes into a new manifest).
    pub key: &'a Key,
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

/// Write the files, link the other sources, record changes and conflicts, publish.
pub fn publish_delivery(p: PublishInput<'_>, counts: &[(String, TableCounts)]) -> Result<PublishOutcome> {
    let schema = Schema::embedded()?;
    let meta = &p.delivery.meta;
    let vdir = p.staging.version_dir.clone();
    let mut files = Vec::new();
    for t in p.tables {
        files.extend(export_table(p.conn, t, &vdir, &meta.source, meta.extracted_on)?);
    }
    let current_dir = p.previous.as_ref().map(|m| p.store.version_dir(m.version));
    if let (Some(prev), Some(dir)) = (&p.previous, &current_dir) {
        for entry in prev.sources.iter().filter(|(s, _)| **s != meta.source).map(|(_, e)| e) {
            p.staging.link_from(dir, &entry.files)?;
        }
    }
    write_empty_files(&schema, &vdir, p.staging_buckets())?;
    let prev_entry = p.previous.as_ref().and_then(|m| m.sources.get(&meta.source));
    let old = |t: &str| -> Option<String> {
        let dir = current_dir.as_ref()?;
        let had = prev_entry?.files.iter().any(|f| f.path.starts_with(&format!("{t}/")));
        had.then(|| dir.join(t).join("*").join(format!("{}.parquet", meta.source)).to_string_lossy().into_owned())
    };
    let data_end_moved = prev_entry.is_some_and(|e| e.extracted_on != meta.extracted_on);
    let changed = changed_persons(p.conn, &schema, p.tables, &old, data_end_moved)?;
    let population_changed = population_changed(p.conn, p.tables, &old)?;
    let changes_rel = format!("changes/{:06}-{}.parquet", p.staging.version, meta.source);
    write_query(p.conn, q::CHANGED_LIST, &p.staging.root.join(&changes_rel), &changes_rel)?;
    let is_persons = |f: &&FileEntry| f.path.starts_with("persons/");
    let new_files = files.iter().filter(is_persons).map(|f| vdir.join(&f.path));
    let old_files = prev_entry
        .into_iter()
        .flat_map(|e| e.files.iter())
        .filter(is_persons)
        .filter_map(|f| Some(current_dir.as_ref()?.join(&f.path)));
    let source_persons: Vec<String> = new_files.chain(old_files).map(|p| p.to_string_lossy().into_owned()).collect();
    let since = current_dir.as_ref().map(|dir| (dir.join("conflicts.parquet"), source_persons));
    let conflicts = person_conflicts(p.conn, &vdir, since)?;

    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut m = p.previous.clone().unwrap_or_else(|| Manifest {
        format: "kohort-store".to_owned(),
        schema_version: schema.schema_version,
        buckets: p.staging_buckets(),
        key_fingerprint: p.key.fingerprint(),
        ..Manifest::default()
    });
    env!("CARGO_PKG_VERSION").clone_into(&mut m.kohort_version);
    m.version = p.staging.version;
    m.person_conflicts = conflicts;
    m.sources.insert(
        meta.source.clone(),
        SourceEntry {
            delivery_id: meta.delivery_id.clone(),
            extracted_on: meta.extracted_on,
            ingested_at: now.clone(),
            inputs: p.inputs.clone(),
            tables: counts.iter().cloned().collect(),
            files,
        },
    );
    m.history.push(HistoryEntry {
        version: p.staging.version,
        source: meta.source.clone(),
        delivery_id: meta.delivery_id.clone(),
        ingested_at: now,
        changed_persons: changed,
        data_end_moved,
        changes_file: changes_rel,
        population_changed,
    });
    let version = p.staging.version;
    publish(p.store, p.staging, &m)?;
    Ok(PublishOutcome { version, changed_persons: changed, person_conflicts: conflicts })
}

impl PublishInput<'_> {
    fn staging_buckets(&self) -> u16 {
        self.previous.as_ref().map_or(crate::store::DEFAULT_BUCKETS, |m| m.buckets)
    }
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
    extracted_on: chrono::NaiveDate,
) -> Result<Vec<FileEntry>> {
    let n = names(&t.name);
    let mut order: Vec<String> = Vec::new();
    if t.person.is_some() {
        order.push("bucket".to_owned());
    }
    order.extend(t.sort.iter().map(|c| ident(c)));
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
    let mut writer = BucketWriter::new(vdir, &t.name, source, want);
    for batch in arrow {
        let batch = batch.ctx(ctx.clone())?;
        let batch = RecordBatch::try_new(store_schema(t), batch.columns().to_vec())
            .map_err(|e| IngestError::Io(std::io::Error::other(format!("{ctx}: {e}"))))?;
        writer.push(&batch)?;
    }
    Ok(writer.finish()?)
}

fn person_columns(t: &Table) -> Vec<String> {
    t.columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Id && c.domain.as_deref() == Some("person"))
        .map(|c| ident(&c.name))
        .collect()
}

fn changed_persons(
    conn: &Connection,
    schema: &Schema,
    tables: &[&Table],
    old: &dyn Fn(&str) -> Option<String>,
    data_end_moved: bool,
) -> Result<u64> {
    conn.execute_batch(q::CHANGED_SETUP).ctx("changed persons")?;
    // A re-delivery of a source that delivers persons always delivers its persons table.
    if let (true, Some(glob), true) = (data_end_moved, old("persons"), tables.iter().any(|t| t.name == "persons")) {
        let sql = render(q::CHANGED_DATA_END, &[("ok", &names("persons").ok)]);
        conn.execute(&sql, [glob]).ctx("persons whose data end moved")?;
    }
    for t in &schema.tables {
        let delivered = tables.iter().any(|d| d.name == t.name);
        let ok = names(&t.name).ok;
        let cols = content_columns(t).join(", ");
        for pcol in person_columns(t) {
            let ctx = format!("changed persons in {}", t.name);
            match (delivered, old(&t.name)) {
                (true, Some(glob)) => {
                    let sql = render(q::CHANGED, &[("pcol", &pcol), ("ok", &ok), ("cols", &cols), ("table", &t.name)]);
                    conn.execute(&sql, [glob]).ctx(ctx)?;
                }
                (true, None) => {
                    let sql = render(q::CHANGED_FIRST, &[("pcol", &pcol), ("ok", &ok), ("table", &t.name)]);
                    conn.execute_batch(&sql).ctx(ctx)?;
                }
                (false, Some(glob)) => {
                    conn.execute(&render(q::CHANGED_DROPPED, &[("pcol", &pcol), ("table", &t.name)]), [glob])
                        .ctx(ctx)?;
                }
                (false, None) => {}
            }
        }
    }
    Ok(conn.query_row(q::CHANGED_COUNT, [], |r| r.get(0)).ctx("changed persons")?)
}

fn population_changed(conn: &Connection, tables: &[&Table], old: &dyn Fn(&str) -> Option<String>) -> Result<bool> {
    let Some(t) = tables.iter().find(|t| t.name == "population") else {
        return Ok(old("population").is_some());
    };
    let cols = content_columns(t).join(", ");
    let fingerprint = |from: &str, glob: Option<String>| -> Result<(u64, String)> {
        let sql = render(q::TABLE_FINGERPRINT, &[("cols", &cols), ("from", from)]);
        let row = |r: &duckdb::Row<'_>| Ok((r.get(0)?, r.get(1)?));
        let got = match glob {
            Some(g) => conn.query_row(&sql, [g], row),
            None => conn.query_row(&sql, [], row),
        };
        Ok(got.ctx("population fingerprint")?)
    };
    let new = fingerprint(&names(&t.name).ok, None)?;
    match old(&t.name) {
        Some(glob) => Ok(fingerprint("read_parquet(?)", Some(glob))? != new),
        None => Ok(true),
    }
}

/// Persons whose birth date or sex differs between sources, written to `conflicts.parquet`.
/// With `since` (the previous version's conflicts file and the delivering source's persons
/// files, new and previous), only that source's persons are recomputed: a small delivery
/// into a large store does not regroup every persons row.
fn person_conflicts(conn: &Connection, vdir: &Path, since: Option<(std::path::PathBuf, Vec<String>)>) -> Result<u64> {
    let glob = vdir.join("persons").join("*").join("*.parquet").to_string_lossy().into_owned();
    let query = |sql: &str, params: &[&dyn duckdb::ToSql]| -> Result<(SchemaRef, Vec<RecordBatch>)> {
        let mut stmt = conn.prepare(sql).ctx("person conflicts")?;
        let arrow = stmt.query_arrow(params).ctx("person conflicts")?;
        Ok((arrow.get_schema(), arrow.collect()))
    };
    let (schema, batches) = match since {
        None => query(q::PERSON_CONFLICTS, &[&glob])?,
        Some((prev, source_files)) => {
            let prev_file = prev.is_file().then(|| prev.to_string_lossy().into_owned());
            match (source_files.is_empty(), prev_file) {
                // The source delivers no persons, now or before: nothing can have changed.
                (true, None) => return Ok(0),
                (true, Some(prev)) => query(q::PERSON_CONFLICTS_COPY, &[&prev])?,
                (false, prev) => {
                    let kept = if prev.is_some() { q::PERSON_CONFLICTS_KEPT } else { "" };
                    let sql = crate::db::render(q::PERSON_CONFLICTS_SINCE, &[("kept", kept)]);
                    let list = duckdb::types::Value::List(source_files.into_iter().map(Into::into).collect());
                    match &prev {
                        Some(p) => query(&sql, &[&glob, &list, p])?,
                        None => query(&sql, &[&glob, &list])?,
                    }
                }
            }
        }
    };
    let n: usize = batches.iter().map(RecordBatch::num_rows).sum();
    if n > 0 {
        write_parquet(&vdir.join("conflicts.parquet"), "conflicts.parquet", schema, batches)?;
    }
    Ok(n as u64)
}

fn write_query(conn: &Connection, sql: &str, path: &Path, rel: &str) -> Result<FileEntry> {
    let mut stmt = conn.prepare(sql).ctx(format!("writing {rel}"))?;
    let arrow = stmt.stream_arrow([]).ctx(format!("writing {rel}"))?;
    let schema = arrow.get_schema();
    let batches = arrow.collect::<std::result::Result<Vec<_>, _>>().ctx(format!("writing {rel}"))?;
    Ok(write_parquet(path, rel, schema, batches)?)
}
