//! What a change of one source changes for the rest of kohort: the persons whose rows changed
//! (the change list incremental runs recompute), whether the population table changed, and
//! the persons that sources disagree on.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use duckdb::Connection;
use duckdb::arrow::datatypes::SchemaRef;
use duckdb::arrow::record_batch::RecordBatch;

use super::Result;
use super::crossrow::{content_columns, names};
use crate::db::{DuckContext, ident, render};
use crate::schema::{ColumnKind, Table};
use crate::sql::ingest as q;
use crate::store::write_parquet;

/// What the new version holds of a table of the source, for the change list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Made {
    /// Delivered rows, in DuckDB as `ok_<table>`.
    Rows,
    /// Restored rows (with their own data end), in DuckDB as `ok_<table>`.
    Restored,
    /// The current rows, unchanged (a kept table).
    Unchanged,
    /// No rows.
    Nothing,
}

/// A change of one source's tables.
pub struct Change<'a> {
    /// DuckDB, holding `ok_<table>` for every table made of rows.
    pub conn: &'a Connection,
    /// Every table of the format and what the new version holds of it.
    pub tables: &'a [(&'a Table, Made)],
    /// Glob of the source's files of a table in the current version, if it has any.
    pub old: &'a dyn Fn(&str) -> Option<String>,
    /// The data end of delivered persons rows.
    pub data_end: NaiveDate,
}

fn person_columns(t: &Table) -> Vec<String> {
    t.columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Id && c.domain.as_deref() == Some("person"))
        .map(|c| ident(c.stored_name()))
        .collect()
}

/// Fill DuckDB's `changed` table with every person whose rows changed, and in which table;
/// return how many persons and whether their data end (the persons rows' `extracted_on`) moved.
pub fn changed_persons(c: &Change<'_>) -> Result<(u64, bool)> {
    c.conn.execute_batch(q::CHANGED_SETUP).ctx("changed persons")?;
    let moved = data_end_moved(c)?;
    if let (true, Some(glob)) = (moved, (c.old)("persons")) {
        let sql = render(q::CHANGED_DATA_END, &[("ok", &names("persons").ok)]);
        c.conn.execute(&sql, [glob]).ctx("persons whose data end moved")?;
    }
    for (t, made) in c.tables {
        let ok = names(&t.name).ok;
        let cols = content_columns(t).join(", ");
        for pcol in person_columns(t) {
            let ctx = format!("changed persons in {}", t.name);
            let vars =
                [("pcol", pcol.as_str()), ("ok", ok.as_str()), ("cols", cols.as_str()), ("table", t.name.as_str())];
            match (made, (c.old)(&t.name)) {
                (Made::Rows | Made::Restored, Some(glob)) => {
                    c.conn.execute(&render(q::CHANGED, &vars), [glob]).ctx(ctx)?;
                }
                (Made::Rows | Made::Restored, None) => {
                    c.conn.execute_batch(&render(q::CHANGED_FIRST, &vars)).ctx(ctx)?;
                }
                (Made::Nothing, Some(glob)) => {
                    c.conn.execute(&render(q::CHANGED_DROPPED, &vars), [glob]).ctx(ctx)?;
                }
                (Made::Unchanged, _) | (Made::Nothing, None) => {}
            }
        }
    }
    let n = c.conn.query_row(q::CHANGED_COUNT, [], |r| r.get(0)).ctx("changed persons")?;
    Ok((n, moved))
}

/// Whether the persons rows' data end differs between the current version and the new one
/// (a kept persons table keeps its data end; removed persons are listed as dropped anyway).
fn data_end_moved(c: &Change<'_>) -> Result<bool> {
    let Some((_, made)) = c.tables.iter().find(|(t, _)| t.name == "persons") else { return Ok(false) };
    let Some(glob) = (c.old)("persons") else { return Ok(false) };
    let new = match made {
        Made::Unchanged | Made::Nothing => return Ok(false),
        // Restored rows carry their own data end; delivered ones get the delivery's.
        Made::Restored => data_ends(c.conn, &render(q::DATA_ENDS, &[("from", &names("persons").ok)]), None)?,
        Made::Rows => vec![c.data_end],
    };
    let old = data_ends(c.conn, &render(q::DATA_ENDS, &[("from", "read_parquet(?)")]), Some(glob))?;
    Ok(old != new)
}

fn data_ends(conn: &Connection, sql: &str, glob: Option<String>) -> Result<Vec<NaiveDate>> {
    let mut stmt = conn.prepare(sql).ctx("data end")?;
    let params: Vec<String> = glob.into_iter().collect();
    let rows = stmt.query_map(duckdb::params_from_iter(params), |r| r.get(0)).ctx("data end")?;
    Ok(rows.collect::<std::result::Result<_, _>>().ctx("data end")?)
}

/// Whether the population table changed.
pub fn population_changed(c: &Change<'_>) -> Result<bool> {
    let Some((t, made)) = c.tables.iter().find(|(t, _)| t.name == "population") else { return Ok(false) };
    let old = (c.old)(&t.name);
    match made {
        Made::Unchanged => return Ok(false),
        Made::Nothing => return Ok(old.is_some()),
        Made::Rows | Made::Restored => {}
    }
    let cols = content_columns(t).join(", ");
    let fingerprint = |from: &str, glob: Option<String>| -> Result<(u64, String)> {
        let sql = render(q::TABLE_FINGERPRINT, &[("cols", &cols), ("from", from)]);
        let row = |r: &duckdb::Row<'_>| Ok((r.get(0)?, r.get(1)?));
        let got = match glob {
            Some(g) => c.conn.query_row(&sql, [g], row),
            None => c.conn.query_row(&sql, [], row),
        };
        Ok(got.ctx("population fingerprint")?)
    };
    let new = fingerprint(&names(&t.name).ok, None)?;
    match old {
        Some(glob) => Ok(fingerprint("read_parquet(?)", Some(glob))? != new),
        None => Ok(true),
    }
}

/// Persons whose birth date or sex differs between sources, written to `conflicts.parquet`.
/// With `since` (the previous version's conflicts file and the source's persons files whose
/// persons may change status, new and previous), only those persons are recomputed: a small
/// delivery into a large store does not regroup every persons row.
pub fn person_conflicts(conn: &Connection, vdir: &Path, since: Option<(PathBuf, Vec<String>)>) -> Result<u64> {
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
                // No persons row of the source changed: nothing can have changed.
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
