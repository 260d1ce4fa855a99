//! One store file read for a bucket: mapped into memory, only the columns a run needs, and,
//! when a run needs only some persons, only their rows (chosen by the file's sorted `person_id`
//! column, which is then not decoded a second time). Pseudonym columns stored as kohort stores
//! identifiers (plain, uncompressed) are parsed where they lie into 16 bytes a row, without the
//! Parquet reader's copy of their text; stored otherwise, the Parquet reader decodes them.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use duckdb::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, FixedSizeBinaryArray};
use duckdb::arrow::buffer::{Buffer, NullBuffer};
use duckdb::arrow::compute;
use duckdb::arrow::datatypes::{DataType, Field, Int32Type, Schema};
use duckdb::arrow::error::ArrowError;
use duckdb::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
};
use parquet::basic::{Compression, Encoding, Type as PhysicalType};
use parquet::column::page::Page;
use parquet::file::serialized_reader::SerializedPageReader;

pub(super) use super::person_set::PersonSet;
use super::person_set::{SLOT, sorted_texts, text_key};
use crate::timelines::Pseudonym;
use crate::timelines::error::{Result, TimelineError};

/// The bytes of a parsed pseudonym (its number, big-endian), in an Arrow array of that width.
const PSEUDONYM_BYTES: usize = 16;
const PSEUDONYM_WIDTH: i32 = 16;

/// The instruments of an outcome read ([`Scan::outcome_instruments`]).
const OUTCOME_INSTRUMENTS: [&str; 2] = ["goal_attainment", "satisfaction"];

/// What a row group holds of the outcome instruments, by its `instrument` column's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Instruments {
    /// No row of theirs.
    None,
    /// Only rows of theirs.
    Only,
    /// Perhaps some: the rows are chosen one by one.
    Some,
}

/// How to read one file.
pub(super) struct Scan<'a> {
    pub(super) columns: &'a [&'a str],
    /// Code columns, read as dictionaries.
    pub(super) codes: &'a [&'a str],
    /// Pseudonym columns (32 hex digits), parsed where they lie in the mapped file when stored
    /// as kohort stores identifiers (then a batch holds them as 16 bytes, not as text).
    pub(super) pseudonyms: &'a [&'a str],
    /// Keep only these persons' rows.
    pub(super) persons: Option<&'a PersonSet>,
    /// Keep only the rows of the outcome instruments (measurements).
    pub(super) outcome_instruments: bool,
}

impl<'a> Scan<'a> {
    /// A read of `columns` (codes and pseudonyms among them) of every row, or of `persons`' rows.
    pub(super) fn new(
        columns: &'a [&'a str],
        codes: &'a [&'a str],
        pseudonyms: &'a [&'a str],
        persons: Option<&'a PersonSet>,
    ) -> Self {
        Self { columns, codes, pseudonyms, persons, outcome_instruments: false }
    }
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
    // One reader per row group: a batch spanning row groups (each with its own dictionaries)
    // would rebuild every code column's dictionary by hashing each value, and the pseudonyms
    // are parsed from each row group's pages.
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

/// What each row group of a file holds of the outcome instruments, by its statistics.
#[cfg(test)]
pub(super) fn row_group_instruments(path: &Path) -> Result<Vec<Instruments>> {
    let data = map(path)?;
    let meta = ArrowReaderMetadata::load(&data, ArrowReaderOptions::new()).map_err(|e| file_error(path, &e))?;
    let file = File { data: &data, meta: &meta, path };
    Ok((0..meta.metadata().num_row_groups()).map(|group| file.instruments(group)).collect())
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
    /// of format 1 or 2, not repeated); `None` when it is stored otherwise (then it is decoded).
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
        let nullable = descr.max_def_level() == 1;
        let rows = usize::try_from(meta.num_rows()).map_err(|e| file_error(self.path, &e))?;
        let reader = SerializedPageReader::new(Arc::new(self.data.clone()), chunk, rows, None)
            .map_err(|e| file_error(self.path, &e))?;
        let mut pages = Vec::new();
        for page in reader {
            // The page's definition levels (as a slice) and where its values start.
            let (buf, levels, start, count) = match page.map_err(|e| file_error(self.path, &e))? {
                Page::DataPage { buf, num_values, encoding: Encoding::PLAIN, def_level_encoding, .. } => {
                    let (levels, start) = match (nullable, buf.first_chunk::<4>()) {
                        (false, _) => (0..0, 0),
                        (true, Some(len)) if def_level_encoding == Encoding::RLE => {
                            let len = u32::from_le_bytes(*len) as usize;
                            (4..4 + len, 4 + len)
                        }
                        _ => return Ok(None),
                    };
                    (buf, levels, start, num_values)
                }
                Page::DataPageV2 {
                    buf,
                    num_values,
                    encoding: Encoding::PLAIN,
                    def_levels_byte_len,
                    rep_levels_byte_len: 0,
                    is_compressed: false,
                    ..
                } => {
                    let len = def_levels_byte_len as usize;
                    (buf, 0..len, len, num_values)
                }
                _ => return Ok(None),
            };
            if start > buf.len() {
                return Ok(None);
            }
            let defined = if nullable {
                match buf.get(levels).and_then(|l| defined(l, count as usize)) {
                    Some(Levels::All) => None,
                    Some(Levels::Each(d)) => Some(d),
                    None => return Ok(None),
                }
            } else {
                None
            };
            // Whether the page holds a value for each defined level is seen as it is read (a
            // row group's values then fall short of its rows, or the reader finds values left).
            pages.push(PlainPage { values: buf.slice(start..), defined, count: count as usize });
        }
        Ok(Some(PlainPages { pages, rows }))
    }

    /// The pseudonyms of column `column` of row group `group`, of the rows `masks` keeps (every
    /// row with `None`), parsed where they lie (16 bytes each, nulls kept); `None` when the
    /// column is stored otherwise or holds a text that is no pseudonym (then it is decoded,
    /// and its reader names the row).
    fn pseudonyms_in_place(
        &self,
        group: usize,
        column: &str,
        masks: Option<&[BooleanArray]>,
    ) -> Result<Option<ArrayRef>> {
        let Some(pages) = self.plain_pages(group, column)? else {
            return Ok(None);
        };
        let mut keep = masks.into_iter().flatten().flat_map(|m| m.values().iter());
        let (mut bytes, mut valid) = (Vec::new(), Vec::new());
        let mut rows = 0;
        let mut parser = Parser::default();
        for v in pages.values() {
            rows += 1;
            if masks.is_some() && keep.next() != Some(true) {
                continue;
            }
            match v {
                Some(text) => match parser.bytes(text) {
                    Some(parsed) => bytes.extend_from_slice(&parsed),
                    None => return Ok(None),
                },
                None => bytes.extend_from_slice(&[0; PSEUDONYM_BYTES]),
            }
            valid.push(v.is_some());
        }
        if rows != pages.rows {
            // Pages that do not hold a value for each row: the Parquet reader decodes them.
            return Ok(None);
        }
        Ok(Some(Arc::new(pseudonym_array(bytes, valid).map_err(|e| file_error(self.path, &e))?)))
    }

    /// What the statistics of row group `group`'s `instrument` column tell of its rows: a
    /// store's measurements are sorted by instrument first (`data-schema/delivery.toml`), so
    /// nearly every row group holds one instrument, and an outcome read skips the others' row
    /// groups without decoding a row. Without statistics (or with a range that holds an outcome
    /// instrument and other values) the rows are chosen one by one.
    fn instruments(&self, group: usize) -> Instruments {
        let meta = self.meta.metadata().row_group(group);
        let chunk = meta.columns().iter().find(|c| c.column_path().string() == "instrument");
        let Some(stats) = chunk.and_then(|c| c.statistics()) else {
            return Instruments::Some;
        };
        let (Some(min), Some(max)) = (stats.min_bytes_opt(), stats.max_bytes_opt()) else {
            // No value (every row null, or no rows): no row of an outcome instrument.
            return if stats.null_count_opt().is_some_and(|n| n == meta.num_rows().unsigned_abs()) {
                Instruments::None
            } else {
                Instruments::Some
            };
        };
        // A truncated minimum is below the true one and a truncated maximum above: the range
        // still holds every value.
        if !OUTCOME_INSTRUMENTS.iter().any(|v| min <= v.as_bytes() && v.as_bytes() <= max) {
            return Instruments::None;
        }
        let one = stats.min_is_exact() && stats.max_is_exact() && min == max;
        if one && stats.null_count_opt() == Some(0) { Instruments::Only } else { Instruments::Some }
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
    /// first read are put back beside them). Unfiltered, every row.
    /// A row group of other instruments only is skipped, and one of outcome instruments only
    /// is read as if no instrument chose its rows (see [`File::instruments`]).
    fn read_selected(&self, scan: &Scan<'_>, group: usize) -> Result<Vec<RecordBatch>> {
        let by_instrument = scan.outcome_instruments
            && match self.instruments(group) {
                Instruments::None => return Ok(Vec::new()),
                Instruments::Only => false,
                Instruments::Some => true,
            };
        let scan = &Scan { outcome_instruments: by_instrument, ..*scan };
        if scan.persons.is_none() && !scan.outcome_instruments {
            return self.read_chosen(scan, group, None);
        }
        let in_place = match scan.persons {
            Some(set) => self.plain_pages(group, "person_id")?.map(|pages| (set, pages)),
            None => None,
        };
        let (masks, ids) = match in_place {
            Some((set, pages)) => self.choose_in_place(scan, group, set, &pages)?,
            None => self.choose(scan, group)?,
        };
        self.read_chosen(scan, group, Some((&masks, &ids)))
    }

    /// The rows `scan` keeps, `person_id` compared where it lies in the mapped file (`pages`,
    /// as kohort writes it): the mask, and the chosen rows' ids. Where the texts are 32 bytes
    /// each and ascend (as kohort writes a bucket) and no instrument chooses rows, by galloping
    /// along the texts and the set; otherwise row by row, rows of other instruments not
    /// compared, and a row with the id of the row compared before it getting that answer.
    fn choose_in_place(
        &self,
        scan: &Scan<'_>,
        group: usize,
        set: &PersonSet,
        pages: &PlainPages,
    ) -> Result<(Vec<BooleanArray>, Vec<ArrayRef>)> {
        let wanted = if scan.outcome_instruments { Some(self.instrument_rows(group)?) } else { None };
        if wanted.as_ref().is_some_and(|w| w.len() != pages.rows) {
            return Err(file_error(self.path, &"the instrument column does not hold a value for every row"));
        }
        let mut chosen = Vec::new();
        let mut mask = Vec::with_capacity(pages.rows);
        if wanted.is_none()
            && let Some(sorted) = pages.sorted_texts()
        {
            // Galloping: a few comparisons per listed person.
            let mut next = 0;
            for values in sorted {
                let start = mask.len();
                set.mark_sorted(values, &mut mask, &mut next);
                let marked = mask[start..].iter().enumerate().filter(|(_, m)| **m);
                chosen.extend(marked.map(|(row, _)| &values[row * SLOT + 4..(row + 1) * SLOT]));
            }
            return self.chosen_ids(mask, &chosen, pages.rows);
        }
        let mut at = 0;
        let mut last: Option<(&[u8], bool)> = None;
        for v in pages.values() {
            let row = mask.len();
            // An empty id is no listed person's.
            let keep = match v {
                Some(v) if wanted.as_ref().is_none_or(|w| w.value(row)) => match last {
                    Some((seen, held)) if same_text(seen, v) => held,
                    _ => {
                        let held = set.holds(v, &mut at);
                        last = Some((v, held));
                        held
                    }
                },
                _ => false,
            };
            mask.push(keep);
            if let (true, Some(v)) = (keep, v) {
                chosen.push(v);
            }
        }
        self.chosen_ids(mask, &chosen, pages.rows)
    }

    /// The mask of a row group's `rows` and the chosen rows' ids (`chosen`: held texts).
    fn chosen_ids(&self, mask: Vec<bool>, chosen: &[&[u8]], rows: usize) -> Result<(Vec<BooleanArray>, Vec<ArrayRef>)> {
        if mask.len() != rows {
            return Err(file_error(self.path, &"the person_id pages do not hold a value for every row"));
        }
        // Each chosen id is a held one, so 32 hex digits.
        let mut bytes = Vec::with_capacity(chosen.len() * PSEUDONYM_BYTES);
        let mut parser = Parser::default();
        for v in chosen {
            let bad = || TimelineError::Value { path: self.path.to_owned(), column: "person_id" };
            bytes.extend_from_slice(&parser.bytes(v).ok_or_else(bad)?);
        }
        let ids = pseudonym_array(bytes, vec![true; chosen.len()]).map_err(|e| file_error(self.path, &e))?;
        Ok((vec![BooleanArray::from(mask)], vec![Arc::new(ids)]))
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

    /// The columns of the rows `chosen`'s masks keep, with their `person_id`s put back (every
    /// row without `chosen`); the pseudonym columns parsed where they lie when they can be.
    fn read_chosen(
        &self,
        scan: &Scan<'_>,
        group: usize,
        chosen: Option<(&[BooleanArray], &[ArrayRef])>,
    ) -> Result<Vec<RecordBatch>> {
        let masks = chosen.map(|(masks, _)| masks);
        let selection = masks.map(RowSelection::from_filters);
        if selection.as_ref().is_some_and(|s| !s.selects_any()) {
            return Ok(Vec::new());
        }
        // Columns put back beside those the Parquet reader decodes: the chosen rows' person ids
        // (`None` when the rows are chosen by instrument alone), then the pseudonyms parsed here.
        let mut beside: Vec<(&str, ArrayRef)> = Vec::new();
        if let Some((_, ids)) = chosen.filter(|_| scan.persons.is_some()) {
            let ids = compute::concat(&ids.iter().map(AsRef::as_ref).collect::<Vec<_>>())
                .map_err(|e| file_error(self.path, &e))?;
            beside.push(("person_id", ids));
        }
        for column in scan.columns {
            if (scan.pseudonyms.contains(column) || *column == "person_id")
                && !beside.iter().any(|(c, _)| c == column)
                && let Some(parsed) = self.pseudonyms_in_place(group, column, masks)?
            {
                beside.push((column, parsed));
            }
        }
        let rest: Vec<&str> = scan.columns.iter().copied().filter(|c| !beside.iter().any(|(b, _)| b == c)).collect();
        let decoded = if rest.is_empty() { Vec::new() } else { self.read(&rest, Some(group), selection)? };
        let count = |(_, a): &(&str, ArrayRef)| a.len();
        let rows = beside.first().map_or_else(|| decoded.iter().map(RecordBatch::num_rows).sum(), count);
        if beside.iter().any(|b| count(b) != rows) {
            return Err(file_error(self.path, &"the chosen rows and their ids differ in number"));
        }
        if beside.is_empty() {
            return Ok(decoded);
        }
        // The decoded batches (one of the chosen rows when every column was parsed here).
        let parts: Vec<(usize, Option<&RecordBatch>)> = if rest.is_empty() {
            vec![(rows, None)]
        } else {
            decoded.iter().map(|b| (b.num_rows(), Some(b))).collect()
        };
        let mut out = Vec::with_capacity(parts.len());
        let mut offset = 0;
        for (n, batch) in parts {
            if offset + n > rows {
                return Err(file_error(self.path, &"the chosen rows and their ids differ in number"));
            }
            let mut fields: Vec<Arc<Field>> =
                batch.map(|b| b.schema().fields().iter().cloned().collect()).unwrap_or_default();
            let mut columns = batch.map(|b| b.columns().to_vec()).unwrap_or_default();
            for (name, array) in &beside {
                fields.push(Arc::new(Field::new(*name, array.data_type().clone(), true)));
                columns.push(array.slice(offset, n));
            }
            offset += n;
            let schema = Arc::new(Schema::new(fields));
            let options = RecordBatchOptions::new().with_row_count(Some(n));
            out.push(
                RecordBatch::try_new_with_options(schema, columns, &options).map_err(|e| file_error(self.path, &e))?,
            );
        }
        if offset != rows {
            return Err(file_error(self.path, &"the chosen rows and their ids differ in number"));
        }
        Ok(out)
    }
}

/// A column chunk's values, page by page.
struct PlainPages {
    pages: Vec<PlainPage>,
    /// The row group's rows (a value or a null each).
    rows: usize,
}

/// One data page: the plain values region, and which rows hold a value (`None`: every row).
struct PlainPage {
    values: Bytes,
    defined: Option<Vec<bool>>,
    /// Its rows.
    count: usize,
}

impl PlainPages {
    /// Each page's values region, when every row holds a 32-byte text and they ascend
    /// ([`sorted_texts`]).
    fn sorted_texts(&self) -> Option<Vec<&[u8]>> {
        let full = self.pages.iter().all(|p| p.defined.is_none());
        let counted = self.pages.iter().map(|p| p.count).sum::<usize>() == self.rows;
        let regions = || self.pages.iter().map(|p| (&p.values[..], p.count));
        (full && counted && sorted_texts(regions())).then(|| self.pages.iter().map(|p| &p.values[..]).collect())
    }

    /// Each row's value (`None` for a null), as long as each page holds a value for each of
    /// its rows that has one and no more: a page that falls short, or holds values beyond its
    /// rows, ends the values there (so they fall short of [`Self::rows`]).
    fn values(&self) -> impl Iterator<Item = Option<&[u8]>> {
        let mut pages = self.pages.iter();
        let mut page: Option<&PlainPage> = None;
        let (mut buf, mut row): (&[u8], usize) = (&[], 0);
        std::iter::from_fn(move || {
            loop {
                match page {
                    Some(p) if row < p.count => {
                        let defined = p.defined.as_ref().map_or(Some(true), |d| d.get(row).copied())?;
                        row += 1;
                        return if defined { next_value(&mut buf).map(Some) } else { Some(None) };
                    }
                    Some(_) if !buf.is_empty() => return None,
                    _ => {
                        let p = pages.next()?;
                        (page, buf, row) = (Some(p), &p.values, 0);
                    }
                }
            }
        })
    }
}

/// Which rows of a page hold a value.
#[derive(Debug, PartialEq)]
pub(super) enum Levels {
    /// Every row.
    All,
    /// A flag per row.
    Each(Vec<bool>),
}

/// The definition levels of a page's `count` rows, when the column's highest level is 1 (so
/// 1 bit each): runs of the RLE / bit-packed hybrid encoding (one run of ones: every row);
/// `None` when they are malformed.
pub(super) fn defined(mut buf: &[u8], count: usize) -> Option<Levels> {
    let mut out = Vec::new();
    while out.len() < count {
        let header = uleb128(&mut buf)?;
        if header & 1 == 0 && out.is_empty() && header >> 1 >= count && buf.first() == Some(&1) {
            return Some(Levels::All);
        }
        if header & 1 == 0 {
            // A run of one value (in one byte at this width).
            let (value, rest) = buf.split_first()?;
            buf = rest;
            if *value > 1 {
                return None;
            }
            out.extend(std::iter::repeat_n(*value == 1, (header >> 1).min(count - out.len())));
        } else {
            // Groups of 8 values bit-packed, a byte per group at this width.
            let groups = buf.get(..header >> 1)?;
            buf = &buf[header >> 1..];
            out.extend(groups.iter().flat_map(|g| (0..8).map(move |bit| g >> bit & 1 == 1)));
        }
    }
    out.truncate(count);
    Some(Levels::Each(out))
}

/// An unsigned LEB128 number at the start of `buf` (which then starts after it).
fn uleb128(buf: &mut &[u8]) -> Option<usize> {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let (b, rest) = buf.split_first()?;
        *buf = rest;
        n |= usize::from(b & 0x7f).checked_shl(shift)?;
        shift += 7;
        if b & 0x80 == 0 {
            return Some(n);
        }
    }
}

/// Parses pseudonym texts into their 16 bytes; a text equal to the last one parsed is not
/// parsed again (a person's rows repeat their id).
#[derive(Default)]
struct Parser<'a> {
    last: Option<(&'a [u8], [u8; PSEUDONYM_BYTES])>,
}

impl<'a> Parser<'a> {
    /// The bytes of a text; `None` when it is no pseudonym.
    fn bytes(&mut self, text: &'a [u8]) -> Option<[u8; PSEUDONYM_BYTES]> {
        if let Some((seen, parsed)) = self.last
            && same_text(seen, text)
        {
            return Some(parsed);
        }
        let parsed = Pseudonym::from_hex(text)?.as_u128().to_be_bytes();
        self.last = Some((text, parsed));
        Some(parsed)
    }
}

/// Whether two stored texts are equal: compared inline when both are 32 bytes (a pseudonym),
/// not by a call to `memcmp` (a row's id is compared with the row's before it).
fn same_text(a: &[u8], b: &[u8]) -> bool {
    match (text_key(a), text_key(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// Pseudonyms as an array of 16 bytes each (`valid[i]` false for a null).
fn pseudonym_array(bytes: Vec<u8>, valid: Vec<bool>) -> std::result::Result<FixedSizeBinaryArray, ArrowError> {
    let nulls = valid.iter().any(|v| !v).then(|| NullBuffer::from(valid));
    FixedSizeBinaryArray::try_new(PSEUDONYM_WIDTH, Buffer::from_vec(bytes), nulls)
}

/// The first value of a plain byte-array region (a 4-byte little-endian length, then its
/// bytes), which then starts after it; `None` when the length runs past the end.
fn next_value<'a>(buf: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (len, rest) = buf.split_first_chunk::<4>()?;
    let len = u32::from_le_bytes(*len) as usize;
    let value = rest.get(..len)?;
    *buf = &rest[len..];
    Some(value)
}

/// The rows of goal attainment and satisfaction (an `instrument` column, a dictionary or
/// text; `None` when it is neither).
fn outcome_rows(col: &ArrayRef) -> Option<BooleanArray> {
    let wanted = |v: Option<&str>| v.is_some_and(|v| OUTCOME_INSTRUMENTS.contains(&v));
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
