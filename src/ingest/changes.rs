//! What a change of one source changes for the rest of kohort: the persons whose rows changed
//! (the change list incremental runs recompute), whether the population table changed, and
//! the persons that sources disagree on.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use duckdb::Connection;
use std::sync::Arc;

use duckdb::arrow::array::{Array, ArrayBuilder, ArrayRef, AsArray, BooleanArray, StringArray, StringBuilder};
use duckdb::arrow::compute::filter_record_batch;
use duckdb::arrow::datatypes::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::RecordBatch;

use super::Result;
use super::crossrow::{content_columns, names};
use crate::db::{DuckContext, ident, render};
use crate::pseudonym::Pseudonym;
use crate::schema::{ColumnKind, Table};
use crate::sql::ingest as q;
use crate::store::{FileEntry, ParquetSink, PersonIds, write_parquet};

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
    stored_person_columns(t).into_iter().map(|c| ident(&c)).collect()
}

/// The stored names of a table's person columns.
fn stored_person_columns(t: &Table) -> Vec<String> {
    t.columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Id && c.domain.as_deref() == Some("person"))
        .map(|c| c.stored_name().to_owned())
        .collect()
}

/// The persons of one table of a source's first delivery, gathered from its rows as they are
/// written to the store: in a first delivery every one of them is a changed person, so the
/// change list needs no second pass over the rows in DuckDB ([`write_first_change_list`]).
#[derive(Debug)]
pub struct TablePersons {
    table: String,
    columns: Vec<String>,
    ids: Vec<u128>,
    /// False once a value was not a pseudonym (then the list is made in DuckDB instead).
    ok: bool,
}

impl TablePersons {
    /// An empty list for `t`.
    pub fn new(t: &Table) -> Self {
        Self { table: t.name.clone(), columns: stored_person_columns(t), ids: Vec::new(), ok: true }
    }

    /// Add the persons of a batch of the table's store rows. Most tables are sorted by person,
    /// so a person's run of rows adds the id once; the rest is sorted out at the end.
    pub fn add(&mut self, batch: &RecordBatch) {
        for col in &self.columns {
            if !self.ok {
                return;
            }
            let Some(values) = batch.column_by_name(col).and_then(|c| c.as_string_opt::<i32>()) else {
                self.ok = false;
                return;
            };
            for v in values.iter().flatten() {
                let Some(id) = Pseudonym::from_hex(v.as_bytes()) else {
                    self.ok = false;
                    break;
                };
                let id = id.as_u128();
                if self.ids.last() != Some(&id) {
                    self.ids.push(id);
                }
            }
        }
        if !self.ok {
            self.ids = Vec::new();
        }
    }

    /// Whether every value added was a pseudonym.
    pub fn ok(&self) -> bool {
        self.ok
    }
}

/// Write the change list of a source's first delivery from its tables' persons: the same rows,
/// order and bytes as [`write_change_list`] over `changed` (each (person, table) once, sorted by
/// the id's text, then the table's name; lowercase hex sorts as the number it spells). The
/// number of persons in it.
pub fn write_first_change_list(mut lists: Vec<TablePersons>, path: &Path, rel: &str) -> Result<(FileEntry, u64)> {
    for l in &mut lists {
        l.ids.sort_unstable();
        l.ids.dedup();
    }
    lists.retain(|l| !l.ids.is_empty());
    lists.sort_by(|a, b| a.table.cmp(&b.table));
    let schema = Arc::new(ArrowSchema::new(vec![
        Field::new("person_id", DataType::Utf8, true),
        Field::new("table_name", DataType::Utf8, true),
    ]));
    let mut sink = ParquetSink::create_with(path, rel, Arc::clone(&schema), PersonIds::Repeated)?;
    let batch_error = |e: ArrowError| std::io::Error::other(format!("writing {rel}: {e}"));
    let mut next = vec![0usize; lists.len()];
    let (mut person, mut table) = (StringBuilder::new(), StringBuilder::new());
    let mut persons = 0u64;
    loop {
        let heads = lists.iter().zip(&next).filter_map(|(l, &i)| l.ids.get(i));
        let Some(&id) = heads.min() else { break };
        persons += 1;
        let hex = Pseudonym::from_digest(id.to_be_bytes()).to_hex();
        let hex = std::str::from_utf8(&hex).unwrap_or_default();
        for (l, i) in lists.iter().zip(next.iter_mut()) {
            if l.ids.get(*i) == Some(&id) {
                person.append_value(hex);
                table.append_value(&l.table);
                *i += 1;
            }
        }
        if person.len() >= LIST_BATCH_ROWS {
            let columns: Vec<ArrayRef> = vec![Arc::new(person.finish()), Arc::new(table.finish())];
            sink.push(RecordBatch::try_new(Arc::clone(&schema), columns).map_err(batch_error)?)?;
        }
    }
    let columns: Vec<ArrayRef> = vec![Arc::new(person.finish()), Arc::new(table.finish())];
    sink.push(RecordBatch::try_new(schema, columns).map_err(batch_error)?)?;
    Ok((sink.finish()?, persons))
}

/// Rows of a change list built at a time.
const LIST_BATCH_ROWS: usize = 8192;

/// Fill DuckDB's `changed` table with every person whose rows changed, and in which table;
/// return whether their data end (the persons rows' `extracted_on`) moved. A person changed
/// through both person columns of a table (`relations`) is in it twice: [`write_change_list`]
/// lists each row once.
pub fn changed_persons(c: &Change<'_>) -> Result<bool> {
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
    Ok(moved)
}

/// Write the change list (the rows of `changed`, sorted, each once) to `path`, streamed; the
/// number of persons in it. The sort puts the repeats of a row and the rows of a person side by
/// side, so one pass here drops the one and counts the other (a `DISTINCT` and a
/// `count(DISTINCT)` over the whole list in DuckDB cost more, and the list is not held in
/// memory: a national first delivery lists 7 M persons in about 30 M rows). Person ids are
/// dictionary-encoded (a person's rows repeat the id).
pub fn write_change_list(conn: &Connection, path: &Path, rel: &str) -> Result<(FileEntry, u64)> {
    let ctx = format!("writing {rel}");
    let mut stmt = conn.prepare(q::CHANGED_LIST).ctx(ctx.clone())?;
    let stream = stmt.stream_arrow([]).ctx(ctx.clone())?;
    let mut sink = ParquetSink::create_with(path, rel, stream.get_schema(), PersonIds::Repeated)?;
    let mut list = SortedList::default();
    for batch in stream {
        let batch = batch.ctx(ctx.clone())?;
        let text = |i: usize| {
            batch.column(i).as_string_opt::<i32>().ok_or_else(|| {
                std::io::Error::other(format!("{ctx}: column {i} of the change list is not text (a bug)"))
            })
        };
        let batch = match list.fresh(text(0)?, text(1)?) {
            None => batch,
            Some(keep) => {
                filter_record_batch(&batch, &keep).map_err(|e| std::io::Error::other(format!("{ctx}: {e}")))?
            }
        };
        sink.push(batch)?;
    }
    Ok((sink.finish()?, list.persons))
}

/// A change list row's person and table (null: `None`).
type ListRow = (Option<Vec<u8>>, Option<Vec<u8>>);

/// A walk through a change list sorted by person and table.
#[derive(Debug, Default)]
struct SortedList {
    /// The last row seen (`None`: none yet).
    last: Option<ListRow>,
    /// Persons seen (non-null ids).
    persons: u64,
}

impl SortedList {
    /// Which of the next rows do not repeat the row before them (`None`: all of them).
    fn fresh(&mut self, person: &StringArray, table: &StringArray) -> Option<BooleanArray> {
        let mut keep = Vec::with_capacity(person.len());
        let mut repeats = false;
        for i in 0..person.len() {
            let (p, t) = (text_at(person, i), text_at(table, i));
            let (same_person, same_row) = match &self.last {
                Some((lp, lt)) => {
                    let same_person = lp.as_deref() == p;
                    (same_person, same_person && lt.as_deref() == t)
                }
                None => (false, false),
            };
            if same_row {
                repeats = true;
                keep.push(false);
                continue;
            }
            if !same_person && p.is_some() {
                self.persons += 1;
            }
            let last = self.last.get_or_insert_with(Default::default);
            copy_into(&mut last.0, p);
            copy_into(&mut last.1, t);
            keep.push(true);
        }
        repeats.then(|| BooleanArray::from(keep))
    }
}

fn text_at(a: &StringArray, i: usize) -> Option<&[u8]> {
    a.is_valid(i).then(|| a.value(i).as_bytes())
}

/// `to` = `from`, reusing `to`'s allocation.
fn copy_into(to: &mut Option<Vec<u8>>, from: Option<&[u8]>) {
    match (to.as_mut(), from) {
        (Some(v), Some(f)) => {
            v.clear();
            v.extend_from_slice(f);
        }
        (_, f) => *to = f.map(<[u8]>::to_vec),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The change list of a first delivery, built from the rows as they are written, is the
    /// file the general path writes from DuckDB's `changed` table (with the rows
    /// `changed_first.sql` puts there), byte for byte, with the same count of persons.
    #[test]
    fn a_first_delivery_list_is_the_general_list_byte_for_byte() {
        let schema = crate::schema::Schema::embedded().expect("schema");
        let id = |n: u64| Pseudonym::from_digest((u128::from(n) * 0x9e37_79b9_7f4a_7c15).to_be_bytes()).to_hex_string();
        let conn = Connection::open_in_memory().expect("duckdb");
        conn.execute_batch(q::CHANGED_SETUP).expect("setup");
        let mut lists = Vec::new();
        for (table, columns) in [("persons", vec!["person_id"]), ("relations", vec!["parent_id", "child_id"])] {
            let t = schema.table(table).expect("table");
            let mut one = TablePersons::new(t);
            // Persons 0..5000 (each twice in a row), parents 0..2500 and children 2000..7000 (a
            // person can be both), in batches of 777 rows: each column's ids in their order.
            let ids: Vec<Vec<String>> = columns
                .iter()
                .enumerate()
                .map(|(c, _)| match (table, c) {
                    ("persons", _) => (0..10_000).map(|i| id(i / 2)).collect(),
                    (_, 0) => (0..5000).map(|i| id(i % 2500)).collect(),
                    _ => (0..5000).map(|i| id(2000 + i)).collect(),
                })
                .collect();
            let fields: Vec<Field> = columns.iter().map(|c| Field::new(*c, DataType::Utf8, true)).collect();
            let arrow = Arc::new(ArrowSchema::new(fields));
            let rows = ids[0].len();
            for start in (0..rows).step_by(777) {
                let end = (start + 777).min(rows);
                let cols: Vec<ArrayRef> =
                    ids.iter().map(|c| Arc::new(StringArray::from(c[start..end].to_vec())) as ArrayRef).collect();
                one.add(&RecordBatch::try_new(Arc::clone(&arrow), cols).expect("batch"));
            }
            assert!(one.ok());
            lists.push(one);
            // As changed_first.sql: each column's persons once (a person in both columns of
            // `relations` is there twice).
            let mut app = conn.appender("changed").expect("appender");
            for c in &ids {
                for v in c.iter().collect::<std::collections::BTreeSet<_>>() {
                    app.append_row([v.as_str(), table]).expect("row");
                }
            }
        }
        let tmp = tempfile::tempdir().expect("tmp");
        let (a, b) = (tmp.path().join("a.parquet"), tmp.path().join("b.parquet"));
        let (first, n_first) = write_first_change_list(lists, &a, "changes/a.parquet").expect("first");
        let (general, n_general) = write_change_list(&conn, &b, "changes/a.parquet").expect("general");
        assert_eq!((n_first, n_general), (7000, 7000));
        assert_eq!(first.rows, 5000 + 7000);
        assert_eq!((first.rows, &first.sha256), (general.rows, &general.sha256));
        assert_eq!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
    }

    /// Against a brute force: the rows kept are the distinct rows of the sorted list, in its
    /// order, and the persons counted are its distinct non-null ids, however the list is cut
    /// into batches (a repeat and a person's rows can straddle a cut).
    #[test]
    fn a_sorted_list_keeps_each_row_once_and_counts_its_persons() {
        let mut rows: Vec<(Option<String>, Option<String>)> = Vec::new();
        for p in 0..300u32 {
            for t in ["care_episodes", "persons", "relations"] {
                // Every fifth person has no rows; every third row is there twice.
                if p % 5 == 0 || (p + t.len() as u32).is_multiple_of(4) {
                    continue;
                }
                let row = (Some(format!("{:032x}", p * 7919)), Some(t.to_owned()));
                if p % 3 == 0 {
                    rows.push(row.clone());
                }
                rows.push(row);
            }
        }
        rows.push((None, Some("persons".to_owned())));
        rows.push((None, Some("persons".to_owned())));
        rows.sort();
        // NULLS LAST, as DuckDB sorts.
        rows.rotate_left(2);
        let mut want: Vec<_> = rows.clone();
        want.dedup();
        let want_persons = want.iter().filter_map(|(p, _)| p.as_ref()).collect::<std::collections::BTreeSet<_>>().len();
        assert!(want.len() < rows.len() && want_persons > 100);
        for cut in [1, 2, 3, 7, 64, rows.len()] {
            let mut list = SortedList::default();
            let mut kept = Vec::new();
            for chunk in rows.chunks(cut) {
                let person = StringArray::from(chunk.iter().map(|r| r.0.clone()).collect::<Vec<_>>());
                let table = StringArray::from(chunk.iter().map(|r| r.1.clone()).collect::<Vec<_>>());
                let keep = list.fresh(&person, &table);
                for (i, row) in chunk.iter().enumerate() {
                    if keep.as_ref().is_none_or(|k| k.value(i)) {
                        kept.push(row.clone());
                    }
                }
            }
            assert_eq!(kept, want, "batches of {cut}");
            assert_eq!(list.persons, want_persons as u64, "batches of {cut}");
        }
    }
}
