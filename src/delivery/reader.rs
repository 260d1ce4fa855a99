//! Streaming readers for delivered table files: CSV (any delimiter) and Parquet.
//!
//! Both yield chunks of [`RawRecord`]s with 1-based data row numbers, so memory stays
//! bounded whatever the file size. The CSV reader hashes the bytes as they stream past and
//! reads line by line ([`super::csv_lines`]): a framing error costs one line, never the rows
//! after it. Parquet values are read as text; timestamps become `YYYY-MM-DDTHH:MM:SS` in
//! their time zone (the validator takes one at midnight as a date).

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use duckdb::arrow::array::{Array, ArrayRef, Int64Array, StringArray};
use duckdb::arrow::compute::cast;
use duckdb::arrow::datatypes::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use sha2::{Digest, Sha256};

use super::csv_lines::CsvLines;
use super::{DeliveryError, FileFormat, Result, TableFile};
use crate::schema::{ColumnKind, Table};

/// One delivered row as raw bytes, with where it was.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// 1-based data row (the header is not counted).
    pub row: u64,
    /// 1-based physical line in a CSV file where the row starts (0 for Parquet).
    pub line: u64,
    /// The last physical line of the row (a quoted line break makes a row span lines).
    pub last_line: u64,
    /// The fields as delivered (a Parquet null is an empty field).
    pub fields: csv::ByteRecord,
    /// A CSV framing error of this line (an unclosed quote): what is wrong. Such a row
    /// always fails validation.
    pub framing: Option<String>,
    /// The delivered line as text, for the quarantine (framing errors only).
    pub text: Option<String>,
}

/// A reader that feeds every byte it passes into a SHA-256.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

type CsvInput = BufReader<HashingReader<fs_err::File>>;

/// A streaming reader over one table file.
pub struct TableReader {
    path: PathBuf,
    header: Vec<String>,
    next_row: u64,
    bytes_total: u64,
    inner: Inner,
}

enum Inner {
    Csv(Box<CsvLines<CsvInput>>),
    Parquet { reader: ParquetRecordBatchReader, sha256: String, rows_total: u64 },
}

impl TableReader {
    /// Open a table file and read its header. `table` says which columns are free text (only
    /// those may hold a quoted line break in a CSV file).
    pub fn open(file: &TableFile, delimiter: u8, table: &Table) -> Result<Self> {
        let bytes_total = fs_err::metadata(&file.path)?.len();
        match file.format {
            FileFormat::Csv => Self::open_csv(&file.path, delimiter, bytes_total, table),
            FileFormat::Parquet => Self::open_parquet(&file.path, bytes_total),
        }
    }

    fn open_csv(path: &Path, delimiter: u8, bytes_total: u64, table: &Table) -> Result<Self> {
        let input = HashingReader { inner: fs_err::File::open(path)?, hasher: Sha256::new() };
        let mut lines = CsvLines::new(BufReader::with_capacity(1 << 20, input), delimiter);
        let read_err = |message: String| DeliveryError::Read { path: path.to_owned(), message };
        let Some(first) = lines.next_row()? else {
            return Err(read_err("the file is empty: a header row is required".into()));
        };
        if first.framing.is_some() {
            return Err(read_err(format!(
                "the header (line {}) has a quote that is not closed on its line; a header row is one line of column names",
                first.first_line
            )));
        }
        let mut header = Vec::with_capacity(first.fields.len());
        for (i, f) in first.fields.iter().enumerate() {
            let name =
                std::str::from_utf8(f).map_err(|_| read_err(format!("header field {} is not valid UTF-8", i + 1)))?;
            header.push(name.to_owned());
        }
        let multiline = header.iter().map(|h| table.column(h).is_some_and(|c| c.kind == ColumnKind::Text)).collect();
        lines.set_shape(header.len(), multiline);
        Ok(Self { path: path.to_owned(), header, next_row: 1, bytes_total, inner: Inner::Csv(Box::new(lines)) })
    }

    fn open_parquet(path: &Path, bytes_total: u64) -> Result<Self> {
        let sha256 = hex::encode(Sha256::digest(fs_err::read(path)?));
        let read_err =
            |e: parquet::errors::ParquetError| DeliveryError::Read { path: path.to_owned(), message: e.to_string() };
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(fs_err::File::open(path)?.into_parts().0).map_err(read_err)?;
        let header = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
        let rows_total = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let reader = builder.with_batch_size(16_384).build().map_err(read_err)?;
        Ok(Self {
            path: path.to_owned(),
            header,
            next_row: 1,
            bytes_total,
            inner: Inner::Parquet { reader, sha256, rows_total },
        })
    }

    /// The column names of the file.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Size of the file in bytes.
    pub fn bytes_total(&self) -> u64 {
        self.bytes_total
    }

    /// Bytes of the file consumed so far (for Parquet, the share of rows read times the size).
    pub fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Csv(lines) => lines.bytes_read(),
            Inner::Parquet { rows_total, .. } => {
                let read = self.rows_read();
                if *rows_total == 0 || read >= *rows_total {
                    if read > 0 || *rows_total == 0 { self.bytes_total } else { 0 }
                } else {
                    let share = u128::from(self.bytes_total) * u128::from(read) / u128::from(*rows_total);
                    u64::try_from(share).unwrap_or(self.bytes_total)
                }
            }
        }
    }

    /// Read up to `n` more rows; an empty vector at the end of the file.
    pub fn next_chunk(&mut self, n: usize) -> Result<Vec<RawRecord>> {
        match &mut self.inner {
            Inner::Csv(lines) => {
                let mut out = Vec::with_capacity(n.min(1 << 16));
                while out.len() < n {
                    let row = lines.next_row().map_err(|e| DeliveryError::Read {
                        path: self.path.clone(),
                        message: format!("row {}: {e}", self.next_row),
                    })?;
                    let Some(row) = row else { break };
                    out.push(RawRecord {
                        row: self.next_row,
                        line: row.first_line,
                        last_line: row.last_line,
                        fields: row.fields,
                        framing: row.framing,
                        text: row.text,
                    });
                    self.next_row += 1;
                }
                Ok(out)
            }
            Inner::Parquet { reader, .. } => {
                let Some(batch) = reader.next() else { return Ok(Vec::new()) };
                let read_err = |message: String| DeliveryError::Read { path: self.path.clone(), message };
                let batch = batch.map_err(|e| read_err(e.to_string()))?;
                let mut cols = Vec::with_capacity(batch.num_columns());
                for (field, col) in batch.schema().fields().iter().zip(batch.columns()) {
                    cols.push(as_text(col).map_err(|m| read_err(format!("column {}: {m}", field.name())))?);
                }
                let strings: Vec<&StringArray> =
                    cols.iter().filter_map(|c| c.as_any().downcast_ref::<StringArray>()).collect();
                let mut out = Vec::with_capacity(batch.num_rows());
                for i in 0..batch.num_rows() {
                    let mut fields = csv::ByteRecord::new();
                    for s in &strings {
                        fields.push_field(if s.is_null(i) { b"" } else { s.value(i).as_bytes() });
                    }
                    out.push(RawRecord {
                        row: self.next_row,
                        line: 0,
                        last_line: 0,
                        fields,
                        framing: None,
                        text: None,
                    });
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
            Inner::Csv(lines) => hex::encode(lines.input().get_ref().hasher.clone().finalize()),
            Inner::Parquet { sha256, .. } => sha256.clone(),
        }
    }
}

/// A Parquet column as text. Timestamps are written out in their own time zone (a fixed
/// offset or UTC; a named zone would need a time-zone database, so it is refused).
fn as_text(col: &ArrayRef) -> std::result::Result<ArrayRef, String> {
    let (unit, tz) = match col.data_type() {
        DataType::Timestamp(unit, tz) => (*unit, tz.clone()),
        _ => return cast(col, &DataType::Utf8).map_err(|e| e.to_string()),
    };
    let offset = match tz.as_deref() {
        None => None,
        Some(zone) => Some(fixed_offset(zone).ok_or_else(|| {
            format!(
                "timestamps in time zone '{zone}' cannot be read as dates here; deliver a date column \
                 (or timestamps in UTC or without a time zone)"
            )
        })?),
    };
    let raw = cast(col, &DataType::Int64).map_err(|e| e.to_string())?;
    let raw = raw.as_any().downcast_ref::<Int64Array>().ok_or("timestamps are not 64-bit integers")?;
    let text: StringArray = raw.iter().map(|v| v.and_then(|v| timestamp_text(v, unit, offset))).collect();
    Ok(std::sync::Arc::new(text))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]` of a timestamp value, local to `offset` when given.
fn timestamp_text(value: i64, unit: TimeUnit, offset: Option<FixedOffset>) -> Option<String> {
    let (per_sec, nanos_per) = match unit {
        TimeUnit::Second => (1, 1_000_000_000),
        TimeUnit::Millisecond => (1_000, 1_000_000),
        TimeUnit::Microsecond => (1_000_000, 1_000),
        TimeUnit::Nanosecond => (1_000_000_000, 1),
    };
    let secs = value.div_euclid(per_sec);
    let nanos = u32::try_from(value.rem_euclid(per_sec) * nanos_per).ok()?;
    let utc = DateTime::from_timestamp(secs, nanos)?;
    let local: NaiveDateTime = match offset {
        Some(o) => utc.with_timezone(&o).naive_local(),
        None => utc.naive_utc(),
    };
    let base = local.format("%Y-%m-%dT%H:%M:%S").to_string();
    Some(if nanos == 0 { base } else { format!("{base}.{nanos:09}") })
}

/// UTC or a fixed offset such as `+02:00`.
fn fixed_offset(zone: &str) -> Option<FixedOffset> {
    if matches!(zone, "UTC" | "Z" | "Etc/UTC" | "GMT" | "utc") {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_written_in_their_own_zone() {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
        let day = chrono::NaiveDate::from_ymd_opt(1991, 4, 12).expect("day");
        let secs = day.signed_duration_since(epoch).num_days() * 86_400;
        assert_eq!(timestamp_text(secs, TimeUnit::Second, None).as_deref(), Some("1991-04-12T00:00:00"));
        assert_eq!(
            timestamp_text(secs * 1000 + 5, TimeUnit::Millisecond, None).as_deref(),
            Some("1991-04-12T00:00:00.005000000")
        );
        // Midnight in +02:00 is 22:00 UTC the day before.
        let east = fixed_offset("+02:00");
        assert_eq!(timestamp_text(secs - 7200, TimeUnit::Second, east).as_deref(), Some("1991-04-12T00:00:00"));
        assert_eq!(timestamp_text(-1, TimeUnit::Second, None).as_deref(), Some("1969-12-31T23:59:59"));
        assert!(fixed_offset("Europe/Amsterdam").is_none());
        assert_eq!(fixed_offset("-0130"), FixedOffset::east_opt(-5400));
    }
}
