//! Streaming readers for delivered table files: CSV (any delimiter) and Parquet.
//!
//! Both yield chunks of [`RawRecord`]s with 1-based data row numbers, so memory stays
//! bounded whatever the file size. The CSV reader hashes the bytes as they stream past.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use duckdb::arrow::array::{Array, StringArray};
use duckdb::arrow::compute::cast;
use duckdb::arrow::datatypes::DataType;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use sha2::{Digest, Sha256};

use super::{DeliveryError, FileFormat, Result, TableFile};

/// One delivered row as raw bytes, with where it was.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// 1-based data row (the header is not counted).
    pub row: u64,
    /// 1-based physical line in a CSV file where the row starts (0 for Parquet).
    pub line: u64,
    /// The fields as delivered (a Parquet null is an empty field).
    pub fields: csv::ByteRecord,
}

/// A reader that feeds every byte it passes into a SHA-256.
struct HashingReader<R> {
    inner: R,
    hasher: std::sync::Arc<std::sync::Mutex<Sha256>>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut h) = self.hasher.lock() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// A streaming reader over one table file.
pub struct TableReader {
    path: PathBuf,
    header: Vec<String>,
    next_row: u64,
    bytes_total: u64,
    inner: Inner,
}

enum Inner {
    Csv {
        reader: csv::Reader<HashingReader<BufReader<fs_err::File>>>,
        hasher: std::sync::Arc<std::sync::Mutex<Sha256>>,
    },
    Parquet {
        reader: ParquetRecordBatchReader,
        sha256: String,
    },
}

impl TableReader {
    /// Open a table file and read its header.
    pub fn open(file: &TableFile, delimiter: u8) -> Result<Self> {
        let bytes_total = fs_err::metadata(&file.path)?.len();
        match file.format {
            FileFormat::Csv => Self::open_csv(&file.path, delimiter, bytes_total),
            FileFormat::Parquet => Self::open_parquet(&file.path, bytes_total),
        }
    }

    fn open_csv(path: &Path, delimiter: u8, bytes_total: u64) -> Result<Self> {
        let hasher = std::sync::Arc::new(std::sync::Mutex::new(Sha256::new()));
        let inner = HashingReader {
            inner: BufReader::with_capacity(1 << 20, fs_err::File::open(path)?),
            hasher: hasher.clone(),
        };
        let mut reader =
            csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(inner);
        let mut first = csv::ByteRecord::new();
        let read_err = |message: String| DeliveryError::Read { path: path.to_owned(), message };
        let got = reader.read_byte_record(&mut first).map_err(|e| read_err(e.to_string()))?;
        if !got {
            return Err(read_err("the file is empty: a header row is required".into()));
        }
        let mut header = Vec::with_capacity(first.len());
        for (i, f) in first.iter().enumerate() {
            let f = if i == 0 { f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f) } else { f };
            let name =
                std::str::from_utf8(f).map_err(|_| read_err(format!("header field {} is not valid UTF-8", i + 1)))?;
            header.push(name.to_owned());
        }
        Ok(Self { path: path.to_owned(), header, next_row: 1, bytes_total, inner: Inner::Csv { reader, hasher } })
    }

    fn open_parquet(path: &Path, bytes_total: u64) -> Result<Self> {
        let sha256 = hex::encode(Sha256::digest(fs_err::read(path)?));
        let read_err =
            |e: parquet::errors::ParquetError| DeliveryError::Read { path: path.to_owned(), message: e.to_string() };
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(fs_err::File::open(path)?.into_parts().0).map_err(read_err)?;
        let header = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
        let reader = builder.with_batch_size(16_384).build().map_err(read_err)?;
        Ok(Self { path: path.to_owned(), header, next_row: 1, bytes_total, inner: Inner::Parquet { reader, sha256 } })
    }

    /// The column names of the file.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Size of the file in bytes.
    pub fn bytes_total(&self) -> u64 {
        self.bytes_total
    }

    /// Bytes consumed so far (CSV; Parquet reports rows as they come).
    pub fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Csv { reader, .. } => reader.position().byte(),
            Inner::Parquet { .. } => 0,
        }
    }

    /// Read up to `n` more rows; an empty vector at the end of the file.
    pub fn next_chunk(&mut self, n: usize) -> Result<Vec<RawRecord>> {
        match &mut self.inner {
            Inner::Csv { reader, .. } => {
                let mut out = Vec::with_capacity(n);
                while out.len() < n {
                    let line = reader.position().line();
                    let mut fields = csv::ByteRecord::new();
                    let more = reader.read_byte_record(&mut fields).map_err(|e| DeliveryError::Read {
                        path: self.path.clone(),
                        message: format!("row {}: {e}", self.next_row),
                    })?;
                    if !more {
                        break;
                    }
                    if fields.len() == 1 && fields.get(0).is_some_and(<[u8]>::is_empty) {
                        continue; // a blank line is not a row
                    }
                    out.push(RawRecord { row: self.next_row, line, fields });
                    self.next_row += 1;
                }
                Ok(out)
            }
            Inner::Parquet { reader, .. } => {
                let Some(batch) = reader.next() else { return Ok(Vec::new()) };
                let batch =
                    batch.map_err(|e| DeliveryError::Read { path: self.path.clone(), message: e.to_string() })?;
                let cols = batch
                    .columns()
                    .iter()
                    .map(|c| cast(c, &DataType::Utf8))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| DeliveryError::Read { path: self.path.clone(), message: e.to_string() })?;
                let strings: Vec<&StringArray> =
                    cols.iter().filter_map(|c| c.as_any().downcast_ref::<StringArray>()).collect();
                let mut out = Vec::with_capacity(batch.num_rows());
                for i in 0..batch.num_rows() {
                    let mut fields = csv::ByteRecord::new();
                    for s in &strings {
                        fields.push_field(if s.is_null(i) { b"" } else { s.value(i).as_bytes() });
                    }
                    out.push(RawRecord { row: self.next_row, line: 0, fields });
                    self.next_row += 1;
                }
                Ok(out)
            }
        }
    }

    /// Rows read so far.
    pub fn rows_read(&self) -> u64 {
        self.next_row - 1
    }

    /// SHA-256 of the whole file (call after the last chunk).
    pub fn sha256(&self) -> String {
        match &self.inner {
            Inner::Csv { hasher, .. } => hasher.lock().map(|h| hex::encode(h.clone().finalize())).unwrap_or_default(),
            Inner::Parquet { sha256, .. } => sha256.clone(),
        }
    }
}
