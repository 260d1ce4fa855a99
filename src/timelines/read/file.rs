//! One store file read for a bucket: mapped into memory, only the columns a run needs, and,
//! when a run needs only some persons, only their rows (chosen by the file's sorted `person_id`
//! column, which is then not decoded a second time).

use std::cmp::Ordering;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use duckdb::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray};
use duckdb::arrow::compute;
use duckdb::arrow::datatypes::{DataType, Field, Int32Type, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
};
use parquet::basic::{Compression, Encoding, Type as PhysicalType};
use parquet::column::page::Page;
use parquet::file::serialized_reader::SerializedPageReader;

use crate::timelines::PersonId;
use crate::timelines::error::{Result, TimelineError};

/// A sorted set of persons, kept as their hex text read as two big-endian numbers (whose order
/// is the text's), for comparing against stored ids unparsed and without a call to `memcmp`.
#[derive(Debug)]
pub(super) struct PersonSet {
    keys: Vec<(u128, u128)>,
}

/// A 32-byte text as two big-endian numbers.
fn text_key(v: &[u8]) -> Option<(u128, u128)> {
    let (high, low) = v.split_first_chunk::<16>()?;
    let low: &[u8; 16] = low.try_into().ok()?;
    Some((u128::from_be_bytes(*high), u128::from_be_bytes(*low)))
}

/// The 32-byte text of two big-endian numbers ([`text_key`] backwards).
fn key_text((high, low): (u128, u128)) -> [u8; 32] {
    let mut text = [0; 32];
    text[..16].copy_from_slice(&high.to_be_bytes());
    text[16..].copy_from_slice(&low.to_be_bytes());
    text
}

impl PersonSet {
    pub(super) fn new(ids: &[PersonId]) -> Self {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        Self::from_sorted(&ids)
    }

    pub(super) fn from_sorted(ids: &[PersonId]) -> Self {
        Self { keys: ids.iter().filter_map(|p| text_key(&p.to_hex())).collect() }
    }

    /// Which rows of a sorted `person_id` column are the set's persons: a cursor `at` that
    /// moves along with the file's sorted ids (and finds its place again should they not be).
    fn keep(&self, col: &StringArray, at: &mut usize) -> BooleanArray {
        (0..col.len())
            .map(|i| {
                if col.is_null(i) {
                    return Some(false);
                }
                Some(self.holds(col.value(i).as_bytes(), at))
            })
            .collect()
    }

    /// Whether the set holds a stored id (the next of a sorted column; `at` as in [`Self::keep`]).
    fn holds(&self, v: &[u8], at: &mut usize) -> bool {
        match text_key(v) {
            Some(k) => seek(self.keys.len(), at, |i| self.keys[i].cmp(&k)),
            None => seek(self.keys.len(), at, |i| key_text(self.keys[i]).as_slice().cmp(v)),
        }
    }
}

/// Whether a sorted set of `len` entries holds a value, given how entry `i` compares with it
/// (`cmp(i)`): moves the cursor `at` to the first entry not below the value (onwards from where
/// it was when the value is not below the entry before it, else by a binary search).
fn seek(len: usize, at: &mut usize, cmp: impl Fn(usize) -> Ordering) -> bool {
    if (*at > 0 && cmp(*at - 1).is_ge()) || (*at == 0 && len > 64) {
        *at = partition_point(len, |i| cmp(i).is_lt());
    }
    while *at < len && cmp(*at).is_lt() {
        *at += 1;
    }
    *at < len && cmp(*at).is_eq()
}

/// The first index in `0..len` where `below` is false (`below` true then false along it).
fn partition_point(len: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if below(mid) { lo = mid + 1 } else { hi = mid }
    }
    lo
}

/// How to read one file.
pub(super) struct Scan<'a> {
    pub(super) columns: &'a [&'a str],
    /// Code columns, read as dictionaries.
    pub(super) codes: &'a [&'a str],
    /// Keep only these persons' rows.
    pub(super) persons: Option<&'a PersonSet>,
    /// Keep only the rows of the outcome instruments (measurements).
    pub(super) outcome_instruments: bool,
}

pub(super) fn file_error(path: &Path, e: &dyn std::fmt::Display) -> TimelineError {
    TimelineError::File { path: path.to_owned(), message: e.to_string() }
}

/// A store file's bytes, mapped read-only into memory: the Parquet reader then takes each
/// column chunk as a slice of the page cache, without a read, a copy or a fresh buffer per chunk.
fn map(path: &Path) -> Result<Bytes> {
    let file = std::fs::File::open(path).map_err(|e| file_error(path, &e))?;
    // SAFETY: a store version's files are written once, renamed into place and never changed
    // again (a later version writes new files; pruning only unlinks, which leaves a mapping
    // intact). A file truncated under a run by someone else would end that run with SIGBUS.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| file_error(path, &e))?;
    Ok(Bytes::from_owner(map))
}

/// The batches of one file as `scan` says.
pub(super) fn read_file(path: &Path, scan: &Scan<'_>) -> Result<Vec<RecordBatch>> {
    let data = map(path)?;
    let meta = ArrowReaderMetadata::load(&data, ArrowReaderOptions::new()).map_err(|e| file_error(path, &e))?;
    // The same columns, code columns as dictionaries (their Parquet encoding): a batch then
    // holds each code once, not once per row.
    let fields: Vec<Field> = meta
        .schema()
        .fields()
        .iter()
        .map(|f| {
            if scan.codes.contains(&f.name().as_str()) && f.data_type() == &DataType::Utf8 {
                Field::new(f.name(), DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)), true)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(fields)));
    let meta = ArrowReaderMetadata::try_new(Arc::clone(meta.metadata()), options).map_err(|e| file_error(path, &e))?;
    let file = File { data: &data, meta: &meta, path };
    if scan.persons.is_none() && !scan.outcome_instruments {
        // Unfiltered, a batch is a row group (kohort writes row groups of 65,536 rows).
        return file.read(scan.columns, None, None);
    }
    // Filtered, a batch spanning row groups (each with its own dictionaries) would rebuild
    // every code column's dictionary by hashing each value: one reader per row group.
    let mut out = Vec::new();
    for group in 0..meta.metadata().num_row_groups() {
        out.extend(file.read_selected(scan, group)?);
    }
    Ok(out)
}

/// Whether every row group of a file has its `person_id`s compared in place (stored plain,
/// uncompressed, without nulls) rather than decoded.
#[cfg(test)]
pub(super) fn ids_in_place(path: &Path) -> Result<bool> {
    let data = map(path)?;
    let meta = ArrowReaderMetadata::load(&data, ArrowReaderOptions::new()).map_err(|e| file_error(path, &e))?;
    let file = File { data: &data, meta: &meta, path };
    for group in 0..meta.metadata().num_row_groups() {
        if file.plain_pages(group, "person_id")?.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One mapped store file with its metadata.
struct File<'a> {
    data: &'a Bytes,
    meta: &'a ArrowReaderMetadata,
    path: &'a Path,
}

impl File<'_> {
    /// The batches of `columns` of row group `group` (every row group with `None`), of the
    /// rows `selection` keeps (every row with `None`).
    fn read(
        &self,
        columns: &[&str],
        group: Option<usize>,
        selection: Option<RowSelection>,
    ) -> Result<Vec<RecordBatch>> {
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(self.data.clone(), self.meta.clone());
        let mask = ProjectionMask::columns(builder.parquet_schema(), columns.iter().copied());
        let mut builder = builder.with_projection(mask).with_batch_size(65_536);
        if let Some(group) = group {
            builder = builder.with_row_groups(vec![group]);
        }
        if let Some(selection) = selection {
            builder = builder.with_row_selection(selection);
        }
        let reader = builder.build().map_err(|e| file_error(self.path, &e))?;
        reader.map(|b| b.map_err(|e| file_error(self.path, &e))).collect()
    }

    /// The values of text column `column` in row group `group` as slices of the mapped file,
    /// when the column is stored as kohort stores identifiers (plain, uncompressed, data pages
    /// of format 1 or 2, no nulls); `None` when it is stored otherwise (then it is decoded).
    fn plain_pages(&self, group: usize, column: &str) -> Result<Option<PlainPages>> {
        let meta = self.meta.metadata().row_group(group);
        let Some(chunk) = meta.columns().iter().find(|c| c.column_path().string() == column) else {
            return Ok(None);
        };
        let descr = chunk.column_descr();
        if chunk.compression() != Compression::UNCOMPRESSED
            || descr.physical_type() != PhysicalType::BYTE_ARRAY
            || descr.max_rep_level() != 0
            || descr.max_def_level() > 1
        {
            return Ok(None);
        }
        let rows = usize::try_from(meta.num_rows()).map_err(|e| file_error(self.path, &e))?;
        let reader = SerializedPageReader::new(Arc::new(self.data.clone()), chunk, rows, None)
            .map_err(|e| file_error(self.path, &e))?;
        let mut pages = Vec::new();
        for page in reader {
            let values = match page.map_err(|e| file_error(self.path, &e))? {
                Page::DataPage { buf, num_values, encoding: Encoding::PLAIN, def_level_encoding, .. } => {
                    let levels = match descr.max_def_level() {
                        0 => 0,
                        _ if def_level_encoding == Encoding::RLE => match buf.first_chunk::<4>() {
                            Some(len) => 4 + u32::from_le_bytes(*len) as usize,
                            None => return Ok(None),
                        },
                        _ => return Ok(None),
                    };
                    (buf, levels, num_values)
                }
                Page::DataPageV2 {
                    buf,
                    num_values,
                    encoding: Encoding::PLAIN,
                    num_nulls: 0,
                    def_levels_byte_len,
                    rep_levels_byte_len,
                    is_compressed: false,
                    ..
                } => (buf, (def_levels_byte_len + rep_levels_byte_len) as usize, num_values),
                _ => return Ok(None),
            };
            let (buf, levels, num_values) = values;
            if levels > buf.len() {
                return Ok(None);
            }
            let values = buf.slice(levels..);
            // No nulls: the page holds a value for each of its levels.
            if plain_values(&values).count() != num_values as usize {
                return Ok(None);
            }
            pages.push(values);
        }
        Ok(Some(PlainPages { pages, rows }))
    }

    /// Which rows of row group `group` are of the outcome instruments.
    fn instrument_rows(&self, group: usize) -> Result<BooleanArray> {
        let bad = || TimelineError::Column { path: self.path.to_owned(), column: "instrument" };
        let mut wanted = Vec::new();
        for b in self.read(&["instrument"], Some(group), None)? {
            wanted.push(outcome_rows(b.column_by_name("instrument").ok_or_else(bad)?).ok_or_else(bad)?);
        }
        let wanted: Vec<&dyn Array> = wanted.iter().map(|a| a as &dyn Array).collect();
        let all = compute::concat(&wanted).map_err(|e| file_error(self.path, &e))?;
        Ok(all.as_boolean().clone())
    }

    /// The batches of row group `group` of the rows `scan` keeps: the columns that choose the
    /// rows (`person_id`, `instrument`) are read first, whole; the other columns only for the
    /// chosen rows, and `person_id` is not decoded a second time (the chosen rows' ids from the
    /// first read are put back beside them).
    fn read_selected(&self, scan: &Scan<'_>, group: usize) -> Result<Vec<RecordBatch>> {
        let in_place = match scan.persons {
            Some(set) => self.plain_pages(group, "person_id")?.map(|pages| (set, pages)),
            None => None,
        };
        let (masks, ids) = match in_place {
            Some((set, pages)) => self.choose_in_place(scan, group, set, &pages)?,
            None => self.choose(scan, group)?,
        };
        self.read_chosen(scan, group, &masks, &ids)
    }

    /// The rows `scan` keeps, `person_id` compared where it lies in the mapped file (`pages`,
    /// as kohort writes it): the mask, and the chosen rows' ids.
    fn choose_in_place(
        &self,
        scan: &Scan<'_>,
        group: usize,
        set: &PersonSet,
        pages: &PlainPages,
    ) -> Result<(Vec<BooleanArray>, Vec<ArrayRef>)> {
        let mut at = 0;
        let mut chosen = Vec::new();
        let mut mask = Vec::with_capacity(pages.rows);
        for v in pages.values() {
            let keep = set.holds(v, &mut at);
            mask.push(keep);
            if keep {
                chosen.push((mask.len() - 1, v));
            }
        }
        if mask.len() != pages.rows {
            return Err(file_error(self.path, &"the person_id pages do not hold a value for every row"));
        }
        let mut mask = BooleanArray::from(mask);
        if scan.outcome_instruments {
            let wanted = self.instrument_rows(group)?;
            mask = compute::and(&mask, &wanted).map_err(|e| file_error(self.path, &e))?;
            chosen.retain(|(row, _)| mask.value(*row));
        }
        let text: std::result::Result<Vec<&str>, _> = chosen.iter().map(|(_, v)| std::str::from_utf8(v)).collect();
        let ids: ArrayRef = Arc::new(StringArray::from(text.map_err(|e| file_error(self.path, &e))?));
        Ok((vec![mask], vec![ids]))
    }

    /// The rows `scan` keeps, from the columns that choose them (`person_id`, `instrument`)
    /// decoded: a mask per batch, and the chosen rows' `person_id`s.
    fn choose(&self, scan: &Scan<'_>, group: usize) -> Result<(Vec<BooleanArray>, Vec<ArrayRef>)> {
        let mut keys = Vec::new();
        if scan.persons.is_some() {
            keys.push("person_id");
        }
        if scan.outcome_instruments {
            keys.push("instrument");
        }
        let (mut masks, mut ids) = (Vec::new(), Vec::new());
        let mut at = 0;
        let bad = |column| TimelineError::Column { path: self.path.to_owned(), column };
        for b in self.read(&keys, Some(group), None)? {
            let mut mask = match scan.persons {
                Some(set) => {
                    let col = b.column_by_name("person_id").and_then(|c| c.as_string_opt::<i32>());
                    set.keep(col.ok_or_else(|| bad("person_id"))?, &mut at)
                }
                None => BooleanArray::from(vec![true; b.num_rows()]),
            };
            if scan.outcome_instruments {
                let col = b.column_by_name("instrument").ok_or_else(|| bad("instrument"))?;
                let wanted = outcome_rows(col).ok_or_else(|| bad("instrument"))?;
                mask = compute::and(&mask, &wanted).map_err(|e| file_error(self.path, &e))?;
            }
            if let Some(col) = b.column_by_name("person_id").filter(|_| scan.persons.is_some()) {
                ids.push(compute::filter(col, &mask).map_err(|e| file_error(self.path, &e))?);
            }
            masks.push(mask);
        }
        Ok((masks, ids))
    }

    /// The other columns of the rows `masks` keeps, with their `person_id`s (`ids`) put back.
    fn read_chosen(
        &self,
        scan: &Scan<'_>,
        group: usize,
        masks: &[BooleanArray],
        ids: &[ArrayRef],
    ) -> Result<Vec<RecordBatch>> {
        let selection = RowSelection::from_filters(masks);
        if !selection.selects_any() {
            return Ok(Vec::new());
        }
        if scan.persons.is_none() {
            return self.read(scan.columns, Some(group), Some(selection));
        }
        let ids = compute::concat(&ids.iter().map(AsRef::as_ref).collect::<Vec<_>>())
            .map_err(|e| file_error(self.path, &e))?;
        let rest: Vec<&str> = scan.columns.iter().copied().filter(|c| *c != "person_id").collect();
        let mut out = Vec::new();
        let mut offset = 0;
        for b in self.read(&rest, Some(group), Some(selection))? {
            let n = b.num_rows();
            if offset + n > ids.len() {
                return Err(file_error(self.path, &"the chosen rows and their person ids differ in number"));
            }
            let mut fields: Vec<Arc<Field>> = b.schema().fields().iter().cloned().collect();
            fields.push(Arc::new(Field::new("person_id", DataType::Utf8, true)));
            let mut columns = b.columns().to_vec();
            columns.push(ids.slice(offset, n));
            offset += n;
            out.push(
                RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| file_error(self.path, &e))?,
            );
        }
        if offset != ids.len() {
            return Err(file_error(self.path, &"the chosen rows and their person ids differ in number"));
        }
        Ok(out)
    }
}

/// A column chunk's values, page by page, each the plain values region of a data page.
struct PlainPages {
    pages: Vec<Bytes>,
    /// The row group's rows (a value each).
    rows: usize,
}

impl PlainPages {
    fn values(&self) -> impl Iterator<Item = &[u8]> {
        self.pages.iter().flat_map(|p| plain_values(p))
    }
}

/// The values of a plain byte-array region: each a 4-byte little-endian length, then its bytes
/// (stops where a length runs past the end).
fn plain_values(mut buf: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        let (len, rest) = buf.split_first_chunk::<4>()?;
        let len = u32::from_le_bytes(*len) as usize;
        let value = rest.get(..len)?;
        buf = &rest[len..];
        Some(value)
    })
}

/// The rows of goal attainment and satisfaction (an `instrument` column, a dictionary or
/// text; `None` when it is neither).
fn outcome_rows(col: &ArrayRef) -> Option<BooleanArray> {
    let wanted = |v: Option<&str>| matches!(v, Some("goal_attainment" | "satisfaction"));
    let Some(dict) = col.as_dictionary_opt::<Int32Type>() else {
        return Some(col.as_string_opt::<i32>()?.iter().map(|v| Some(wanted(v))).collect());
    };
    let values: Vec<bool> = dict.values().as_string_opt::<i32>()?.iter().map(wanted).collect();
    let keys = dict.keys();
    Some(
        (0..keys.len())
            .map(|i| {
                Some(keys.is_valid(i) && usize::try_from(keys.value(i)).is_ok_and(|k| values.get(k) == Some(&true)))
            })
            .collect(),
    )
}
