//! Incremental outcome runs: recompute only the persons whose data changed since the current
//! run, so that the result tables hold exactly a full recomputation's rows.
//!
//! Why this is exact: a person's rows in every per-bucket table depend on that person's
//! timeline alone (their events and their picked `persons` row, whose `extracted_on` is their
//! data end). Ingest lists, per store version, every person whose rows changed or whose data
//! end moved (`STORE/changes/`); the union of the lists since the current run's store version is
//! the set to recompute.
//!
//! Two layouts of the result, chosen per run ([`Update`]):
//! * **deltas** (while the persons recomputed since the base files stay under the
//!   `compact_above` share): the base files are linked as they are; `<table>/delta/bNN.parquet`
//!   holds the current rows of every person recomputed since the base files and
//!   `superseded/bNN.parquet` lists those persons. The result views read the base rows of the
//!   persons not superseded plus the deltas (`sql/results/`). Only the changed persons'
//!   timelines are read, straight from the Parquet files (`timelines::Only`).
//! * **merged**: the previous rows without the changed persons and their new rows are merged
//!   by person into new base files. Every file holds its rows sorted by person id with each
//!   person's rows together, and the writer re-chunks rows into fixed batches, so these are
//!   the full run's files, byte for byte.
//!
//! The tables over the whole run are recomputed (survival curves), or, for the household view
//! of safety in the delta layout, updated for the households a changed person belongs to. A
//! full run is done instead when there is no current run, its config or kohort version
//! differs, or a change list is missing.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use duckdb::Connection;
use duckdb::arrow::array::{Array, AsArray, BooleanArray, StringArray};
use duckdb::arrow::compute::{concat_batches, filter_record_batch};
use duckdb::arrow::datatypes::SchemaRef;
use duckdb::arrow::record_batch::{RecordBatch, RecordBatchReader};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rayon::prelude::*;

use super::manifest::{Area, RunManifest, config_hash, current_in};
use super::{Kernel, Result, ResultsError, persons_batch};
use crate::db::DuckContext;
use crate::store::{FileEntry, Manifest, Store, StoreError, write_parquet, write_parquet_with};
use crate::timelines::{Needs, PersonId};

/// The per-bucket table listing the persons a run processed (it makes the merge exact when
/// a changed person drops out of the run).
pub const RUN_PERSONS: &str = "run_persons";

/// What an outcome run has to do.
#[derive(Debug)]
pub enum Update {
    /// The current run already covers this store version and config.
    UpToDate(RunManifest),
    /// Recompute the changed persons only.
    Incremental(PreviousRun),
    /// Recompute everything, and why.
    Full(String),
}

/// The current run and the persons changed since it, per bucket (sorted).
#[derive(Debug)]
pub struct PreviousRun {
    /// The current run's manifest.
    pub manifest: RunManifest,
    /// Its folder.
    pub dir: PathBuf,
    /// Changed persons by bucket, each list sorted.
    pub changed: BTreeMap<u16, Vec<String>>,
    /// Merge into new base files (else write deltas).
    pub compact: bool,
}

impl PreviousRun {
    /// Persons listed as changed, all buckets (those without the events a run needs are
    /// looked up but have no rows).
    pub fn changed_persons(&self) -> u64 {
        self.changed.values().map(|v| v.len() as u64).sum()
    }
}

/// Decide between an up-to-date run, an incremental and a full one.
pub fn plan(
    store: &Store,
    area: Area,
    cfg: &crate::outcomes::config::OutcomeConfig,
    m: &Manifest,
    compact_above: f64,
) -> Result<Update> {
    let Some(prev) = current_in(store, area)? else {
        return Ok(Update::Full("no current outcome run".to_owned()));
    };
    if prev.config_hash != config_hash(cfg)? {
        return Ok(Update::Full("the outcome config changed".to_owned()));
    }
    if prev.kohort_version != env!("CARGO_PKG_VERSION") {
        return Ok(Update::Full(format!("the current run was made by kohort {}", prev.kohort_version)));
    }
    if prev.format != super::manifest::RESULTS_FORMAT {
        return Ok(Update::Full(format!("the current run's files are of layout {}", prev.format)));
    }
    if !prev.tables.contains_key(RUN_PERSONS) {
        return Ok(Update::Full("the current run does not list its persons".to_owned()));
    }
    if prev.store_version == m.version {
        return Ok(Update::UpToDate(prev));
    }
    if prev.store_version > m.version {
        return Ok(Update::Full("the current run is newer than the store".to_owned()));
    }
    let files = match store.change_files(m, prev.store_version) {
        Ok(files) => files,
        Err(why) => return Ok(Update::Full(why)),
    };
    let changed = changed_by_bucket(&files, m.buckets)?;
    let dir = store.root().join(area.dir()).join(&prev.run);
    let pending = prev.superseded_persons() + changed.values().map(|v| v.len() as u64).sum::<u64>();
    #[allow(clippy::cast_precision_loss)]
    let compact = pending as f64 > compact_above * prev.persons as f64;
    Ok(Update::Incremental(PreviousRun { manifest: prev, dir, changed, compact }))
}

/// The union of the change lists, split by bucket.
fn changed_by_bucket(files: &[String], buckets: u16) -> Result<BTreeMap<u16, Vec<String>>> {
    let conn = Connection::open_in_memory().ctx("reading change lists")?;
    let mut stmt = conn.prepare(crate::sql::outcomes::CHANGED_PERSONS).ctx("reading change lists")?;
    let mut rows = stmt
        .query([duckdb::types::Value::List(files.iter().map(|f| f.clone().into()).collect())])
        .ctx("reading change lists")?;
    let mut out: BTreeMap<u16, BTreeSet<String>> = BTreeMap::new();
    while let Some(row) = rows.next().ctx("reading change lists")? {
        let id: String = row.get(0).ctx("reading change lists")?;
        if let Some(b) = crate::pseudonym::bucket_of_hex(&id, buckets) {
            out.entry(b).or_default().insert(id);
        }
    }
    Ok(out.into_iter().map(|(b, s)| (b, s.into_iter().collect())).collect())
}

/// What one bucket of a run wrote: base files, delta files and the superseded persons.
#[derive(Debug, Default)]
pub struct BucketFiles {
    /// Base files, by table.
    pub tables: Vec<(String, FileEntry)>,
    /// Delta files, by table (delta layout only).
    pub deltas: Vec<(String, FileEntry)>,
    /// The persons whose base rows the deltas supersede (delta layout only).
    pub superseded: Option<FileEntry>,
    /// Persons of the bucket in the run.
    pub persons: u64,
    /// Persons recomputed.
    pub recomputed: u64,
}

/// The previous run's file of `bucket` in each table of `files`.
fn bucket_files<'m>(files: &'m BTreeMap<String, Vec<FileEntry>>, name: &str) -> BTreeMap<&'m str, &'m FileEntry> {
    files
        .iter()
        .filter_map(|(t, files)| files.iter().find(|f| f.path.ends_with(&format!("/{name}"))).map(|f| (t.as_str(), f)))
        .collect()
}

/// One bucket of an incremental run. The changed persons are recomputed; then either
/// (`compact`) the previous rows without them and their new rows are merged into new base
/// files, the full run's files byte for byte, or (delta layout) the base files are kept as
/// they are and the new rows go to the delta files, the persons to `superseded/`.
#[allow(clippy::too_many_arguments)]
pub fn update_bucket(
    bucket: u16,
    needs: Needs,
    dir: &Path,
    prev: &PreviousRun,
    kernel: &Kernel<'_>,
    compact: bool,
    version_dir: &Path,
) -> Result<BucketFiles> {
    let name = format!("b{bucket:02}.parquet");
    let base = bucket_files(&prev.manifest.tables, &name);
    let delta = bucket_files(&prev.manifest.deltas, &name);
    let old_superseded = prev.manifest.superseded.iter().find(|f| f.path.ends_with(&format!("/{name}")));
    let changed = prev.changed.get(&bucket).map(Vec::as_slice).unwrap_or_default();
    let link = |entry: &FileEntry| -> Result<FileEntry> {
        let to = dir.join(&entry.path);
        if let Some(parent) = to.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::hard_link(prev.dir.join(&entry.path), &to)?;
        Ok(entry.clone())
    };
    let link_all = |files: &BTreeMap<&str, &FileEntry>| -> Result<Vec<(String, FileEntry)>> {
        files.iter().map(|(t, e)| Ok(((*t).to_owned(), link(e)?))).collect()
    };
    let layered = !delta.is_empty() || old_superseded.is_some();
    if changed.is_empty() && !(compact && layered) {
        // Nothing changed here: the previous files are this run's files.
        let persons = match (base.get(RUN_PERSONS), old_superseded) {
            (Some(b), Some(s)) => live_base_persons(&prev.dir.join(&b.path), &read_ids(&prev.dir.join(&s.path))?)?,
            (Some(b), None) => b.rows,
            (None, _) => 0,
        } + delta.get(RUN_PERSONS).map_or(0, |e| e.rows);
        return Ok(BucketFiles {
            tables: link_all(&base)?,
            deltas: link_all(&delta)?,
            superseded: old_superseded.map(link).transpose()?,
            persons,
            recomputed: 0,
        });
    }
    let fresh =
        if changed.is_empty() { BTreeMap::new() } else { recompute(bucket, needs, changed, kernel, version_dir)? };
    let recomputed = fresh.get(RUN_PERSONS).map_or(0, |b| b.num_rows() as u64);
    let skip: HashSet<&str> = changed.iter().map(String::as_str).collect();
    let superseded_ids = match old_superseded {
        Some(s) => read_ids(&prev.dir.join(&s.path))?,
        None => Vec::new(),
    };
    // The previous delta rows of the persons not changed again.
    let delta_kept = |table: &str| -> Result<Option<RecordBatch>> {
        delta.get(table).map(|e| read_without(&prev.dir.join(&e.path), &skip)).transpose().map(Option::flatten)
    };
    if compact {
        let mut gone: HashSet<&str> = skip.clone();
        gone.extend(superseded_ids.iter().map(String::as_str));
        let tables: BTreeSet<&str> =
            base.keys().chain(delta.keys()).copied().chain(fresh.keys().map(String::as_str)).collect();
        let merged = tables
            .into_par_iter()
            .map(|table| {
                let from_base = base.get(table).map(|e| read_without(&prev.dir.join(&e.path), &gone)).transpose()?;
                let kept = merge_into_one(from_base.flatten(), delta_kept(table)?)?;
                Ok((table, kept, fresh.get(table).cloned()))
            })
            .collect::<Result<Vec<_>>>()?;
        let persons = merged.iter().find(|(t, ..)| *t == RUN_PERSONS).map_or(0, |(_, k, n)| {
            (k.as_ref().map_or(0, RecordBatch::num_rows) + n.as_ref().map_or(0, RecordBatch::num_rows)) as u64
        });
        if persons == 0 {
            // Nobody is left in this bucket: a full run writes no files for it.
            return Ok(BucketFiles { recomputed, ..BucketFiles::default() });
        }
        let tables = write_merged(dir, &name, merged, false)?;
        return Ok(BucketFiles { tables, persons, recomputed, ..BucketFiles::default() });
    }
    // Delta layout: base files stay, the deltas and the superseded persons are rewritten.
    let tables: BTreeSet<&str> = delta.keys().copied().chain(fresh.keys().map(String::as_str)).collect();
    let merged = tables
        .into_par_iter()
        .map(|table| Ok((table, delta_kept(table)?, fresh.get(table).cloned())))
        .collect::<Result<Vec<_>>>()?;
    let deltas = write_merged(dir, &name, merged, true)?;
    let mut all: BTreeSet<String> = superseded_ids.into_iter().collect();
    all.extend(changed.iter().cloned());
    let superseded: Vec<String> = all.into_iter().collect();
    let rel = format!("superseded/{name}");
    let ids = ids_batch(&superseded)?;
    let superseded_file = write_parquet(&dir.join(&rel), &rel, ids.schema(), [ids])?;
    let live = match base.get(RUN_PERSONS) {
        Some(b) => live_base_persons(&prev.dir.join(&b.path), &superseded)?,
        None => 0,
    };
    let persons = live + deltas.iter().find(|(t, _)| t == RUN_PERSONS).map_or(0, |(_, e)| e.rows);
    Ok(BucketFiles { tables: link_all(&base)?, deltas, superseded: Some(superseded_file), persons, recomputed })
}

/// Recompute the listed persons of a bucket: their rows per table, one batch each, sorted by
/// person, with `run_persons`.
fn recompute(
    bucket: u16,
    needs: Needs,
    changed: &[String],
    kernel: &Kernel<'_>,
    version_dir: &Path,
) -> Result<BTreeMap<String, RecordBatch>> {
    // Change lists hold pseudonyms; anything else names nobody in the store.
    let ids: Vec<PersonId> = changed.iter().filter_map(|id| PersonId::from_hex(id.as_bytes())).collect();
    let people = crate::timelines::read_bucket_at(version_dir, bucket, needs, Some(&ids))?;
    let parts: Vec<Vec<(&'static str, RecordBatch)>> = people.par_chunks(2048).map(kernel).collect();
    let mut fresh: BTreeMap<String, Vec<RecordBatch>> = BTreeMap::new();
    for (table, batch) in parts.into_iter().flatten() {
        fresh.entry(table.to_owned()).or_default().push(batch);
    }
    if !people.is_empty() {
        fresh.entry(RUN_PERSONS.to_owned()).or_default().push(persons_batch(&people)?);
    }
    let mut out = BTreeMap::new();
    for (table, batches) in fresh {
        if let Some(b) = concat(&batches)? {
            out.insert(table, b);
        }
    }
    Ok(out)
}

/// Write each table's kept and new rows, merged by person, to `<table>/<name>` (or
/// `<table>/delta/<name>`); a table with no rows at all writes no file (as in a full run:
/// [`super::compute_bucket`]).
fn write_merged(
    dir: &Path,
    name: &str,
    merged: Vec<(&str, Option<RecordBatch>, Option<RecordBatch>)>,
    delta: bool,
) -> Result<Vec<(String, FileEntry)>> {
    let files = merged
        .into_par_iter()
        .filter_map(|(table, kept, new)| {
            let schema: SchemaRef = new.as_ref().or(kept.as_ref())?.schema();
            let rows = kept.as_ref().map_or(0, RecordBatch::num_rows) + new.as_ref().map_or(0, RecordBatch::num_rows);
            if rows == 0 {
                return None;
            }
            let rel = if delta { format!("{table}/delta/{name}") } else { format!("{table}/{name}") };
            let batches = merge_by_person(kept, new);
            let ids = super::batches::person_ids(table);
            Some(write_parquet_with(&dir.join(&rel), &rel, schema, batches, ids).map(|e| (table.to_owned(), e)))
        })
        .collect::<std::result::Result<Vec<_>, StoreError>>()?;
    Ok(files)
}

/// Two person-sorted batches with disjoint persons, merged into one.
fn merge_into_one(a: Option<RecordBatch>, b: Option<RecordBatch>) -> Result<Option<RecordBatch>> {
    concat(&merge_by_person(a, b))
}

/// A one-column (`person_id`) batch of sorted ids.
fn ids_batch(ids: &[String]) -> Result<RecordBatch> {
    use duckdb::arrow::datatypes::{DataType, Field, Schema};
    let schema = std::sync::Arc::new(Schema::new(vec![Field::new("person_id", DataType::Utf8, false)]));
    let array = StringArray::from_iter_values(ids.iter().map(String::as_str));
    RecordBatch::try_new(schema, vec![std::sync::Arc::new(array)]).map_err(|e| arrow_err(Path::new("superseded"), e))
}

/// The `person_id`s of a file, in order.
fn read_ids(path: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if let Some(b) = read_without(path, &HashSet::new())? {
        let ids = person_ids(&b, path)?;
        out.extend((0..ids.len()).map(|i| ids.value(i).to_owned()));
    }
    Ok(out)
}

/// Persons of a base `run_persons` file not superseded (`superseded` sorted).
fn live_base_persons(path: &Path, superseded: &[String]) -> Result<u64> {
    let ids = read_ids(path)?;
    Ok(ids.iter().filter(|id| superseded.binary_search(id).is_err()).count() as u64)
}

fn concat(batches: &[RecordBatch]) -> Result<Option<RecordBatch>> {
    let Some(first) = batches.first() else { return Ok(None) };
    let b = concat_batches(&first.schema(), batches).map_err(|e| arrow_err(Path::new("recomputed rows"), e))?;
    Ok(Some(b))
}

fn arrow_err(path: &Path, e: duckdb::arrow::error::ArrowError) -> ResultsError {
    ResultsError::Store(StoreError::Parquet { path: path.to_owned(), source: e.into() })
}

/// A previous result file without the rows of the persons in `skip`, as one batch.
fn read_without(path: &Path, skip: &HashSet<&str>) -> Result<Option<RecordBatch>> {
    let file = fs_err::File::open(path)?.into_parts().0;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(65_536).build())
        .map_err(|source| ResultsError::Store(StoreError::Parquet { path: path.to_owned(), source }))?;
    let schema = reader.schema();
    let mut kept = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| arrow_err(path, e))?;
        let ids = person_ids(&batch, path)?;
        let keep: BooleanArray = (0..ids.len()).map(|i| Some(!skip.contains(ids.value(i)))).collect();
        kept.push(filter_record_batch(&batch, &keep).map_err(|e| arrow_err(path, e))?);
    }
    let all = concat_batches(&schema, &kept).map_err(|e| arrow_err(path, e))?;
    Ok(Some(all))
}

fn person_ids<'b>(batch: &'b RecordBatch, path: &Path) -> Result<&'b StringArray> {
    batch.column_by_name("person_id").and_then(|c| c.as_string_opt::<i32>()).ok_or_else(|| ResultsError::Manifest {
        path: path.to_owned(),
        message: "a per-bucket result table without a person_id text column".to_owned(),
    })
}

/// Interleave two batches sorted by `person_id` whose persons are disjoint, keeping each
/// person's rows together and in order: zero-copy slices, alternately from either side.
fn merge_by_person(kept: Option<RecordBatch>, new: Option<RecordBatch>) -> Vec<RecordBatch> {
    let (k, n) = match (kept, new) {
        (Some(k), Some(n)) => (k, n),
        (Some(b), None) | (None, Some(b)) => return vec![b],
        (None, None) => return Vec::new(),
    };
    let (Some(kid), Some(nid)) = (
        k.column_by_name("person_id").and_then(|c| c.as_string_opt::<i32>()).cloned(),
        n.column_by_name("person_id").and_then(|c| c.as_string_opt::<i32>()).cloned(),
    ) else {
        return vec![k, n];
    };
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < k.num_rows() && j < n.num_rows() {
        if kid.value(i) < nid.value(j) {
            let end = first_not_below(&kid, i, nid.value(j));
            out.push(k.slice(i, end - i));
            i = end;
        } else {
            let end = first_not_below(&nid, j, kid.value(i));
            out.push(n.slice(j, end - j));
            j = end;
        }
    }
    if i < k.num_rows() {
        out.push(k.slice(i, k.num_rows() - i));
    }
    if j < n.num_rows() {
        out.push(n.slice(j, n.num_rows() - j));
    }
    out
}

/// The first index at or after `from` whose id is not below `bound` (ids sorted).
fn first_not_below(ids: &StringArray, from: usize, bound: &str) -> usize {
    let (mut lo, mut hi) = (from, ids.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if ids.value(mid) < bound { lo = mid + 1 } else { hi = mid }
    }
    lo
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use duckdb::arrow::array::Int32Array;
    use duckdb::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn batch(rows: &[(&str, i32)]) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("person_id", DataType::Utf8, false),
            Field::new("x", DataType::Int32, false),
        ]));
        let ids = StringArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>());
        let xs = Int32Array::from(rows.iter().map(|r| r.1).collect::<Vec<_>>());
        RecordBatch::try_new(schema, vec![Arc::new(ids), Arc::new(xs)]).expect("batch")
    }

    fn flat(batches: &[RecordBatch]) -> Vec<(String, i32)> {
        let mut out = Vec::new();
        for b in batches {
            let ids = b.column(0).as_string::<i32>();
            let xs = b.column(1).as_primitive::<duckdb::arrow::datatypes::Int32Type>();
            for i in 0..b.num_rows() {
                out.push((ids.value(i).to_owned(), xs.value(i)));
            }
        }
        out
    }

    #[test]
    fn merge_keeps_each_persons_rows_together_in_person_order() {
        let kept = batch(&[("a", 1), ("a", 2), ("c", 3), ("f", 4), ("f", 5), ("g", 6)]);
        let new = batch(&[("b", 10), ("d", 11), ("d", 12), ("e", 13), ("h", 14)]);
        let got = flat(&merge_by_person(Some(kept), Some(new)));
        let want: Vec<(String, i32)> = [
            ("a", 1),
            ("a", 2),
            ("b", 10),
            ("c", 3),
            ("d", 11),
            ("d", 12),
            ("e", 13),
            ("f", 4),
            ("f", 5),
            ("g", 6),
            ("h", 14),
        ]
        .iter()
        .map(|(p, x)| ((*p).to_owned(), *x))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn merge_with_one_side_empty_is_that_side() {
        let only = batch(&[("a", 1), ("b", 2)]);
        assert_eq!(flat(&merge_by_person(Some(only.clone()), None)), flat(std::slice::from_ref(&only)));
        assert_eq!(flat(&merge_by_person(None, Some(only.clone()))), flat(&[only]));
        assert!(merge_by_person(None, None).is_empty());
    }

    #[test]
    fn first_not_below_is_a_lower_bound() {
        let ids = StringArray::from(vec!["a", "a", "c", "e"]);
        assert_eq!(first_not_below(&ids, 0, "a"), 0);
        assert_eq!(first_not_below(&ids, 0, "b"), 2);
        assert_eq!(first_not_below(&ids, 3, "b"), 3);
        assert_eq!(first_not_below(&ids, 0, "z"), 4);
    }
}
