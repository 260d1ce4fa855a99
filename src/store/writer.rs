//! Deterministic Parquet writing: fixed writer settings, fixed batch boundaries, a SHA-256
//! of the bytes as they are written, fsync before the file counts as written.

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};

use duckdb::arrow::array::{Array, ArrayData, ArrayRef, AsArray, Scalar, make_array, new_null_array};
use duckdb::arrow::buffer::Buffer;
use duckdb::arrow::compute::kernels::zip::zip;
use duckdb::arrow::compute::{concat_batches, is_not_null};
use duckdb::arrow::datatypes::{DataType, SchemaRef, UInt16Type};
use duckdb::arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use sha2::{Digest, Sha256};

use super::{FileEntry, Result, StoreError};

/// Rows per batch handed to the Parquet writer; fixed so that page boundaries never depend
/// on how DuckDB happened to chunk its output.
const BATCH_ROWS: usize = 8192;
/// Rows per row group.
const ROW_GROUP_ROWS: usize = 65_536;

/// How a file's person ids run: what its `person_id` column's encoding is chosen by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonIds {
    /// About one row per person (or no `person_id`): the column is written like every other
    /// identifier (plain, uncompressed).
    Distinct,
    /// Several rows per person, one after the other (a row per month, window or transition):
    /// the column is dictionary-encoded, so a row group holds each id once and the rows hold
    /// run lengths of their ids' numbers (a national `monthly_states` shrinks from 713 MB to
    /// 93 MB).
    Repeated,
}

/// Which of the two fixed sets of writer settings a file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Store timelines, study and export tables: the settings since store format 1 (a store's
    /// bytes are pinned by a test against those of an early kohort).
    Store,
    /// The outcome engine's result tables ([`write_parquet_with`], [`write_query_with`]),
    /// rewritten by every run: settings chosen for writing speed.
    Results,
}

/// Fixed writer settings. Identifier columns (`*_id`: pseudonyms, nearly all distinct) are
/// written without a dictionary, which would only be built to be thrown away, and without
/// compression: random hex gains about a tenth from Snappy, and decompressing it was the
/// largest single cost of reading a few persons out of a bucket (incremental runs). The
/// exception: `person_id` where a person's rows repeat it ([`PersonIds::Repeated`]).
///
/// In [`Layout::Results`] the identifier columns carry no statistics (comparing every
/// pseudonym for a page's min and max was about 2 % of an outcome run, and nothing prunes by a
/// pseudonym's range), and numbers and dates are delta-encoded, without a dictionary and
/// without compression (the dictionary's hashing and Snappy were about a tenth of an outcome
/// run; the files come out about as large). The other columns (codes in their dictionaries,
/// flags, fractions, and a [`PersonIds::Repeated`] `person_id` in its dictionary) are
/// uncompressed and carry no statistics either: the text columns' min and max and Snappy cost
/// about 4 % of a national outcome run, for 3 % more bytes; dates and numbers keep theirs
/// (periods are filtered by date).
fn properties(schema: &SchemaRef, ids: PersonIds, layout: Layout) -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_created_by(format!("kohort {}", env!("CARGO_PKG_VERSION")))
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
    let plain = |name: &str| name.ends_with("_id") && !(ids == PersonIds::Repeated && name == "person_id");
    let results = layout == Layout::Results;
    for f in schema.fields() {
        let column = ColumnPath::from(f.name().as_str());
        if plain(f.name()) {
            b = b
                .set_column_dictionary_enabled(column.clone(), false)
                .set_column_compression(column.clone(), Compression::UNCOMPRESSED);
            if results {
                b = b.set_column_statistics_enabled(column, EnabledStatistics::None);
            }
        } else if results && matches!(f.data_type(), DataType::Date32 | DataType::Int32 | DataType::Int64) {
            b = b
                .set_column_dictionary_enabled(column.clone(), false)
                .set_column_encoding(column.clone(), Encoding::DELTA_BINARY_PACKED)
                .set_column_compression(column, Compression::UNCOMPRESSED);
        } else if results {
            // Codes (dictionaries of a few values), flags, fractions, repeated person ids.
            b = b
                .set_column_compression(column.clone(), Compression::UNCOMPRESSED)
                .set_column_statistics_enabled(column, EnabledStatistics::None);
        }
    }
    b.build()
}

struct HashingFile {
    file: std::fs::File,
    hasher: Sha256,
    bytes: u64,
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// One Parquet file being written, re-chunked into fixed-size batches.
struct FileWriter {
    path: PathBuf,
    rel: String,
    writer: ArrowWriter<HashingFile>,
    pending: VecDeque<RecordBatch>,
    pending_rows: usize,
    rows: u64,
    schema: SchemaRef,
}

impl FileWriter {
    fn create(path: &Path, rel: String, schema: SchemaRef, ids: PersonIds, layout: Layout) -> Result<Self> {
        if let Some(dir) = path.parent() {
            fs_err::create_dir_all(dir)?;
        }
        let file = fs_err::File::create(path)?.into_parts().0;
        let sink = HashingFile { file, hasher: Sha256::new(), bytes: 0 };
        let writer = ArrowWriter::try_new(sink, schema.clone(), Some(properties(&schema, ids, layout)))
            .map_err(|source| StoreError::Parquet { path: path.to_owned(), source })?;
        Ok(Self { path: path.to_owned(), rel, writer, pending: VecDeque::new(), pending_rows: 0, rows: 0, schema })
    }

    fn push(&mut self, batch: RecordBatch) -> Result<()> {
        self.pending_rows += batch.num_rows();
        self.pending.push_back(batch);
        while self.pending_rows >= BATCH_ROWS {
            self.flush_rows(BATCH_ROWS)?;
        }
        Ok(())
    }

    /// Write the first `n` pending rows as one batch. Only the rows written are copied (and
    /// only when they span batches); the rest stay as they were.
    fn flush_rows(&mut self, n: usize) -> Result<()> {
        let mut head = Vec::new();
        let mut got = 0;
        while got < n {
            let Some(batch) = self.pending.pop_front() else { break };
            let need = n - got;
            if batch.num_rows() > need {
                head.push(batch.slice(0, need));
                self.pending.push_front(batch.slice(need, batch.num_rows() - need));
                got = n;
            } else {
                got += batch.num_rows();
                head.push(batch);
            }
        }
        let parquet =
            |e: duckdb::arrow::error::ArrowError| StoreError::Parquet { path: self.path.clone(), source: e.into() };
        let head = match head.as_slice() {
            [one] => canonical_nulls(one).map_err(parquet)?,
            many => canonical_nulls(&concat_batches(&self.schema, many).map_err(parquet)?).map_err(parquet)?,
        };
        self.writer.write(&head).map_err(|source| StoreError::Parquet { path: self.path.clone(), source })?;
        self.rows += got as u64;
        self.pending_rows -= got;
        Ok(())
    }

    fn finish(mut self) -> Result<FileEntry> {
        if self.pending_rows > 0 {
            self.flush_rows(self.pending_rows)?;
        }
        let mut sink =
            self.writer.into_inner().map_err(|source| StoreError::Parquet { path: self.path.clone(), source })?;
        sink.flush()?;
        sink.file.sync_all()?;
        Ok(FileEntry {
            path: self.rel,
            rows: self.rows,
            bytes: sink.bytes,
            sha256: hex::encode(sink.hasher.finalize()),
        })
    }
}

/// The batch in a canonical form: every null slot of a fixed-width column zeroed, and no
/// validity buffer on a column without nulls. Both are up to whoever built the arrays
/// (builders write zeros and add a validity buffer only for a null; the Parquet reader pads
/// and always adds one), and the Parquet writer can see both (a validity buffer moves its
/// page cuts), so without this the same rows could give different bytes depending on where
/// they came from (an incremental run merges rows read back with rows just computed).
fn canonical_nulls(batch: &RecordBatch) -> std::result::Result<RecordBatch, duckdb::arrow::error::ArrowError> {
    let mut columns = Vec::with_capacity(batch.num_columns());
    let mut changed = false;
    for col in batch.columns() {
        let zeroed = if col.null_count() > 0 { zero_null_slots(col.as_ref())? } else { None };
        if let Some(zeroed) = zeroed {
            columns.push(zeroed);
            changed = true;
        } else if col.null_count() > 0 && (col.data_type().is_primitive() || col.data_type() == &DataType::Boolean) {
            let valid = is_not_null(col.as_ref())?;
            let nulls = new_null_array(col.data_type(), 1);
            columns.push(zip(&valid, col, &Scalar::new(nulls))?);
            changed = true;
        } else if col.null_count() == 0 && col.nulls().is_some() {
            // A validity buffer with no nulls in it (the Parquet reader gives one to every
            // nullable column) changes how the writer cuts pages: drop it.
            columns.push(make_array(col.to_data().into_builder().nulls(None).build()?));
            changed = true;
        } else {
            columns.push(col.clone());
        }
    }
    if !changed {
        return Ok(batch.clone());
    }
    RecordBatch::try_new(batch.schema(), columns)
}

/// A fixed-width column with zeros in its null slots: one copy of its values buffer, nulls
/// kept. `None` for a column that is not fixed-width bytes (booleans are bits): the caller
/// zeroes those with a `zip`.
fn zero_null_slots(col: &dyn Array) -> std::result::Result<Option<ArrayRef>, duckdb::arrow::error::ArrowError> {
    let data = col.to_data();
    let (Some(width), Some(nulls), Some(values)) =
        (col.data_type().primitive_width(), data.nulls(), data.buffers().first())
    else {
        return Ok(None);
    };
    let start = data.offset() * width;
    let Some(slots) = values.as_slice().get(start..start + data.len() * width) else { return Ok(None) };
    let mut bytes = slots.to_vec();
    for (i, slot) in bytes.chunks_exact_mut(width).enumerate() {
        if nulls.is_null(i) {
            slot.fill(0);
        }
    }
    let zeroed = ArrayData::builder(col.data_type().clone())
        .len(data.len())
        .nulls(Some(nulls.clone()))
        .add_buffer(Buffer::from_vec(bytes))
        .build()?;
    Ok(Some(make_array(zeroed)))
}

/// Write batches as CSV with a header row (study and export tables beside their Parquet files).
pub fn write_csv(path: &Path, batches: &[RecordBatch]) -> Result<()> {
    let file = fs_err::File::create(path)?;
    let mut w = duckdb::arrow::csv::WriterBuilder::new().with_header(true).build(file);
    for b in batches {
        w.write(b).map_err(|e| StoreError::Csv { path: path.to_owned(), source: e })?;
    }
    Ok(())
}

/// Write a query's rows to `path` with kohort's Parquet writer (`rel`: its name in the entry;
/// `what`: what the query is, for errors).
pub fn write_query(
    conn: &duckdb::Connection,
    sql: &str,
    params: &[&dyn duckdb::ToSql],
    path: &Path,
    rel: &str,
    what: &str,
) -> Result<FileEntry> {
    stream_query(conn, sql, params, what, |schema| {
        FileWriter::create(path, rel.to_owned(), schema, PersonIds::Distinct, Layout::Store)
    })
}

/// [`write_query`] for a result table of the outcome engine written from a query (its layout:
/// [`Layout::Results`]), whose person ids run as `ids` says.
pub fn write_query_with(
    conn: &duckdb::Connection,
    sql: &str,
    params: &[&dyn duckdb::ToSql],
    (path, rel): (&Path, &str),
    what: &str,
    ids: PersonIds,
) -> Result<FileEntry> {
    stream_query(conn, sql, params, what, |schema| {
        FileWriter::create(path, rel.to_owned(), schema, ids, Layout::Results)
    })
}

/// A query's rows, streamed into the writer `create` makes for their schema.
fn stream_query(
    conn: &duckdb::Connection,
    sql: &str,
    params: &[&dyn duckdb::ToSql],
    what: &str,
    create: impl FnOnce(SchemaRef) -> Result<FileWriter>,
) -> Result<FileEntry> {
    use crate::db::DuckContext as _;
    let mut stmt = conn.prepare(sql).ctx(what)?;
    // Streamed: a materialised result would sit whole in memory, outside DuckDB's limit.
    let stream = stmt.stream_arrow(params).ctx(what)?;
    let mut writer = create(stream.get_schema())?;
    for batch in stream {
        writer.push(batch.ctx(what)?)?;
    }
    writer.finish()
}

/// Write batches to one Parquet file; returns its entry (with `rel` as path).
pub fn write_parquet(
    path: &Path,
    rel: &str,
    schema: SchemaRef,
    batches: impl IntoIterator<Item = RecordBatch>,
) -> Result<FileEntry> {
    write_all(path, rel, schema, batches, PersonIds::Distinct, Layout::Store)
}

/// A result table of the outcome engine (its layout: [`Layout::Results`]), whose person ids
/// run as `ids` says.
pub fn write_parquet_with(
    path: &Path,
    rel: &str,
    schema: SchemaRef,
    batches: impl IntoIterator<Item = RecordBatch>,
    ids: PersonIds,
) -> Result<FileEntry> {
    write_all(path, rel, schema, batches, ids, Layout::Results)
}

fn write_all(
    path: &Path,
    rel: &str,
    schema: SchemaRef,
    batches: impl IntoIterator<Item = RecordBatch>,
    ids: PersonIds,
    layout: Layout,
) -> Result<FileEntry> {
    let mut w = ParquetSink(FileWriter::create(path, rel.to_owned(), schema, ids, layout)?);
    for b in batches {
        w.push(b)?;
    }
    w.finish()
}

/// [`write_parquet`] fed one batch at a time, for callers whose batches come from several
/// fallible sources (e.g. one streamed query after another). Same settings and boundaries, so
/// the same rows give the same bytes however they were chunked.
pub struct ParquetSink(FileWriter);

impl ParquetSink {
    /// Create the file (and its folder).
    pub fn create(path: &Path, rel: &str, schema: SchemaRef) -> Result<Self> {
        Self::create_with(path, rel, schema, PersonIds::Distinct)
    }

    /// [`ParquetSink::create`] for a file whose person ids run as `ids` says.
    pub fn create_with(path: &Path, rel: &str, schema: SchemaRef, ids: PersonIds) -> Result<Self> {
        FileWriter::create(path, rel.to_owned(), schema, ids, Layout::Store).map(Self)
    }

    /// Add rows (they must have the file's schema).
    pub fn push(&mut self, batch: RecordBatch) -> Result<()> {
        self.0.push(batch)
    }

    /// Write the last rows, fsync; the file's entry.
    pub fn finish(self) -> Result<FileEntry> {
        self.0.finish()
    }
}

/// Splits a stream of batches sorted by a `bucket` column into one file per bucket:
/// `<dir>/<table>/bNN/<source>.parquet`. Tables without a bucket column go to `all/`.
pub struct BucketWriter {
    version_dir: PathBuf,
    table: String,
    source: String,
    schema: SchemaRef,
    bucket_col: Option<usize>,
    current: Option<(u16, FileWriter)>,
    done: Vec<FileEntry>,
}

impl BucketWriter {
    /// A writer for one table of one source.
    pub fn new(version_dir: &Path, table: &str, source: &str, schema: SchemaRef) -> Self {
        let bucket_col = schema.index_of("bucket").ok();
        Self {
            version_dir: version_dir.to_owned(),
            table: table.to_owned(),
            source: source.to_owned(),
            schema,
            bucket_col,
            current: None,
            done: Vec::new(),
        }
    }

    fn rel(&self, bucket: Option<u16>) -> String {
        let part = bucket.map_or_else(|| "all".to_owned(), |b| format!("b{b:02}"));
        format!("{}/{}/{}.parquet", self.table, part, self.source)
    }

    /// Add a batch; its rows must continue the sort order (bucket first).
    pub fn push(&mut self, batch: &RecordBatch) -> Result<()> {
        let Some(col) = self.bucket_col else {
            return self.push_run(0, batch.clone());
        };
        let buckets = batch.column(col).as_primitive::<UInt16Type>();
        let mut start = 0;
        while start < batch.num_rows() {
            let b = if buckets.is_null(start) { 0 } else { buckets.value(start) };
            let mut end = start + 1;
            while end < batch.num_rows() && buckets.value(end) == b {
                end += 1;
            }
            self.push_run(b, batch.slice(start, end - start))?;
            start = end;
        }
        Ok(())
    }

    fn push_run(&mut self, bucket: u16, rows: RecordBatch) -> Result<()> {
        if self.current.as_ref().is_none_or(|(b, _)| *b != bucket) {
            if let Some((_, w)) = self.current.take() {
                self.done.push(w.finish()?);
            }
            let label = self.bucket_col.map(|_| bucket);
            let rel = self.rel(label);
            let w = FileWriter::create(
                &self.version_dir.join(&rel),
                rel,
                self.schema.clone(),
                PersonIds::Distinct,
                Layout::Store,
            )?;
            self.current = Some((bucket, w));
        }
        if let Some((_, w)) = self.current.as_mut() {
            w.push(rows)?;
        }
        Ok(())
    }

    /// Close the last file; the entries of all files written.
    pub fn finish(mut self) -> Result<Vec<FileEntry>> {
        if let Some((_, w)) = self.current.take() {
            self.done.push(w.finish()?);
        }
        Ok(self.done)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use duckdb::arrow::array::Int64Array;
    use duckdb::arrow::datatypes::{Field, Schema};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    /// Every row of a Parquet file, in batches of `batch_rows`.
    fn read_back(path: &Path, batch_rows: usize) -> Vec<RecordBatch> {
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).expect("open"))
            .expect("reader")
            .with_batch_size(batch_rows)
            .build()
            .expect("reader")
            .map(|b| b.expect("batch"))
            .collect()
    }

    /// The same rows give the same bytes whether they were just built (validity buffers only
    /// where there are nulls) or read back from Parquet (validity buffers everywhere, padded
    /// null slots): an incremental run writes a mix of both.
    #[test]
    fn rows_read_back_from_parquet_are_written_to_the_same_bytes() {
        let schema = Arc::new(Schema::new(vec![Field::new("t", DataType::Int64, true)]));
        let mut built = Vec::new();
        // A first batch with a few nulls, then many without any (no validity buffer).
        let first: Int64Array = (0..3000).map(|i| (i % 997 != 0).then_some(i % 365)).collect();
        built.push(RecordBatch::try_new(schema.clone(), vec![Arc::new(first)]).expect("batch"));
        for b in 0..40 {
            let rest: Int64Array = (0..4096).map(|i| Some((i * 7 + b) % 365)).collect();
            built.push(RecordBatch::try_new(schema.clone(), vec![Arc::new(rest)]).expect("batch"));
        }
        // And one null at the very end, so every batch read back carries a validity buffer.
        let last: Int64Array = vec![Some(1), None].into_iter().collect();
        built.push(RecordBatch::try_new(schema.clone(), vec![Arc::new(last)]).expect("batch"));
        let dir = tempfile::tempdir().expect("tmp");
        let a = write_parquet(&dir.path().join("a.parquet"), "a", schema.clone(), built).expect("write a");
        let read = read_back(&dir.path().join("a.parquet"), 65_536);
        let b = write_parquet(&dir.path().join("b.parquet"), "a", schema, read).expect("write b");
        assert_eq!(a.rows, b.rows);
        assert_eq!(a.sha256, b.sha256);
    }

    /// A file of several rows per person: with [`PersonIds::Repeated`] its `person_id` chunks
    /// are dictionary-encoded (and the other `*_id` columns still plain); the rows read back
    /// are the rows written, and the file is a fraction of the plain one.
    #[test]
    fn repeated_person_ids_are_dictionary_encoded_and_read_back_the_same() {
        use duckdb::arrow::array::StringArray;
        use parquet::basic::Encoding;
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let schema = Arc::new(Schema::new(vec![
            Field::new("person_id", DataType::Utf8, true),
            Field::new("episode_id", DataType::Utf8, true),
            Field::new("month", DataType::Int64, true),
        ]));
        // 10,000 persons of 18 months each (two row groups), ids as 32 hex digits.
        let (persons, months) = (10_000u64, 18u64);
        let id = |p: u64| format!("{:032x}", p.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let person: StringArray = (0..persons * months).map(|r| Some(id(r / months))).collect();
        let episode: StringArray = (0..persons * months).map(|r| Some(id(r + 7))).collect();
        let month: Int64Array = (0..persons * months).map(|r| Some((r % months) as i64)).collect();
        let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(person), Arc::new(episode), Arc::new(month)])
            .expect("batch");
        let dir = tempfile::tempdir().expect("tmp");
        let write = |name: &str, ids| {
            let path = dir.path().join(name);
            let entry = write_parquet_with(&path, name, schema.clone(), [batch.clone()], ids).expect("write");
            (path, entry)
        };
        let (plain_path, plain) = write("plain.parquet", PersonIds::Distinct);
        let (dict_path, dict) = write("dict.parquet", PersonIds::Repeated);
        let dictionary_columns = |path: &Path| -> Vec<bool> {
            let reader = SerializedFileReader::new(std::fs::File::open(path).expect("open")).expect("reader");
            let group = reader.metadata().row_group(0);
            (0..3).map(|c| group.column(c).encodings().any(|e| e == Encoding::RLE_DICTIONARY)).collect()
        };
        assert_eq!(dictionary_columns(&plain_path)[..2], [false, false]);
        assert_eq!(dictionary_columns(&dict_path)[..2], [true, false]);
        let read = concat_batches(&schema, &read_back(&dict_path, 1024)).expect("concat");
        assert_eq!(read, batch);
        assert_eq!((plain.rows, dict.rows), (persons * months, persons * months));
        // The plain id column alone is 32 bytes a row; the encoded one is about 1/18 of that.
        assert!(dict.bytes * 10 < plain.bytes * 7, "{} vs {} bytes", dict.bytes, plain.bytes);
    }
    /// However the rows arrive (one batch, many batches of odd sizes, slices of a larger batch
    /// with nulls in them), the file's bytes are the same, the rows read back are the rows
    /// written; in a result table numbers and dates are delta-encoded without a dictionary and
    /// the identifier column carries no statistics, in the store neither changed.
    #[test]
    fn the_same_rows_in_any_chunking_give_the_same_bytes() {
        use duckdb::arrow::array::{Date32Array, StringArray};
        use parquet::basic::Encoding;
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let schema = Arc::new(Schema::new(vec![
            Field::new("person_id", DataType::Utf8, false),
            Field::new("index_date", DataType::Date32, true),
            Field::new("time_days", DataType::Int64, true),
            Field::new("status", DataType::Utf8, true),
        ]));
        let rows = 30_000i64;
        let id: StringArray = (0..rows).map(|r| Some(format!("{:032x}", r * 7919))).collect();
        let date: Date32Array = (0..rows).map(|r| (r % 11 != 0).then_some(15_000 + (r * 37 % 4000) as i32)).collect();
        let days: Int64Array = (0..rows).map(|r| (r % 13 != 0).then_some(r * 31 % 730)).collect();
        let status: StringArray =
            (0..rows).map(|r| (r % 17 != 0).then_some(["event", "no_event"][r as usize % 2])).collect();
        let whole =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(id), Arc::new(date), Arc::new(days), Arc::new(status)])
                .expect("batch");
        let mut sizes = [1usize, 8191, 3, 4096, 777, 9000].into_iter().cycle();
        let mut pieces = Vec::new();
        let mut at = 0;
        while at < whole.num_rows() {
            let n = sizes.next().unwrap_or(1).min(whole.num_rows() - at);
            pieces.push(whole.slice(at, n));
            at += n;
        }
        let dir = tempfile::tempdir().expect("tmp");
        let results = |name: &str, batches: Vec<RecordBatch>| {
            write_parquet_with(&dir.path().join(name), name, schema.clone(), batches, PersonIds::Distinct).expect(name)
        };
        let one = results("one.parquet", vec![whole.clone()]);
        let many = results("many.parquet", pieces.clone());
        assert_eq!((one.rows, &one.sha256), (many.rows, &many.sha256));
        let read = read_back(&dir.path().join("many.parquet"), 1024);
        assert_eq!(concat_batches(&schema, &read).expect("concat"), whole);
        let reader = SerializedFileReader::new(std::fs::File::open(dir.path().join("one.parquet")).expect("open"))
            .expect("reader");
        let column = |c: usize| reader.metadata().row_group(0).column(c).clone();
        assert!(column(0).statistics().is_none());
        for c in [1, 2] {
            let encodings: Vec<Encoding> = column(c).encodings().collect();
            assert!(encodings.contains(&Encoding::DELTA_BINARY_PACKED), "{encodings:?}");
            assert!(!encodings.contains(&Encoding::RLE_DICTIONARY), "{encodings:?}");
            assert!(column(c).statistics().is_some());
        }
        // A code column: its dictionary, uncompressed, no statistics.
        assert!(column(3).encodings().any(|e| e == Encoding::RLE_DICTIONARY));
        assert_eq!(column(3).compression(), Compression::UNCOMPRESSED);
        assert!(column(3).statistics().is_none());
        // The store's layout is as it always was: dictionaries, statistics on ids; the same
        // bytes however the rows arrive.
        let store_one =
            write_parquet(&dir.path().join("s1.parquet"), "s1", schema.clone(), [whole.clone()]).expect("s1");
        let store_many = write_parquet(&dir.path().join("s2.parquet"), "s2", schema.clone(), pieces).expect("s2");
        assert_eq!(store_one.sha256, store_many.sha256);
        let reader = SerializedFileReader::new(std::fs::File::open(dir.path().join("s1.parquet")).expect("open"))
            .expect("reader");
        let group = reader.metadata().row_group(0);
        assert!(group.column(0).statistics().is_some());
        assert!(group.column(1).encodings().any(|e| e == Encoding::RLE_DICTIONARY));
        assert_eq!(group.column(3).compression(), Compression::SNAPPY);
        assert!(group.column(3).statistics().is_some());
    }
}
