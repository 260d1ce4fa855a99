//! Writes one delivery folder: `delivery.toml` and one CSV or Parquet file per table. Parquet
//! columns are all Utf8 with the same text as the CSV (empty cell = null), so both read the same.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use duckdb::arrow::array::{ArrayRef, StringBuilder};
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::table::{Rows, Table};
use super::{OutputFormat, SynthError};

enum Sink {
    Csv(BufWriter<fs_err::File>),
    Parquet(Box<ArrowWriter<fs_err::File>>, Arc<Schema>),
}

/// An open delivery folder.
pub struct DeliveryWriter {
    /// Indexed by [`Table::index`]; an optional table's file is opened at its first row.
    sinks: Vec<Option<(PathBuf, Sink)>>,
    rows: [u64; 11],
    dir: PathBuf,
    format: OutputFormat,
    /// `care_episodes` has the optional `programme` column.
    care_programme: bool,
}

impl DeliveryWriter {
    /// Creates `dir`, writes `delivery.toml` and the header of every table.
    pub fn create(
        dir: &Path,
        format: OutputFormat,
        source: &str,
        delivery_id: &str,
        extracted_on: NaiveDate,
    ) -> Result<Self, SynthError> {
        Self::create_with(dir, format, source, delivery_id, extracted_on, false)
    }

    /// As [`DeliveryWriter::create`]; `care_programme` adds the optional `programme` column to
    /// `care_episodes` (a scenario that plants programme codes; the others keep their bytes).
    pub fn create_with(
        dir: &Path,
        format: OutputFormat,
        source: &str,
        delivery_id: &str,
        extracted_on: NaiveDate,
        care_programme: bool,
    ) -> Result<Self, SynthError> {
        fs_err::create_dir_all(dir)?;
        let meta = format!("source = \"{source}\"\ndelivery_id = \"{delivery_id}\"\nextracted_on = {extracted_on}\n");
        fs_err::write(dir.join("delivery.toml"), meta)?;
        let mut sinks = Vec::new();
        for table in Table::ALL {
            sinks.push(Some(open(dir, table, format, care_programme)?));
        }
        sinks.extend(Table::OPTIONAL.map(|_| None));
        Ok(DeliveryWriter { sinks, rows: [0; 11], dir: dir.to_owned(), format, care_programme })
    }

    /// Appends rows to `table`.
    pub fn write(&mut self, table: Table, rows: &Rows) -> Result<(), SynthError> {
        if rows.is_empty() {
            return Ok(());
        }
        let slot = &mut self.sinks[table.index()];
        if slot.is_none() {
            *slot = Some(open(&self.dir, table, self.format, self.care_programme)?);
        }
        let Some((path, sink)) = slot.as_mut() else { return Ok(()) };
        match sink {
            Sink::Csv(w) => write_csv(w, rows)
                .map_err(|e| SynthError::Io(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))))?,
            Sink::Parquet(w, schema) => {
                let batch = record_batch(table, schema, rows, self.care_programme)?;
                w.write(&batch).map_err(|source| SynthError::Parquet { path: path.clone(), source })?;
            }
        }
        self.rows[table.index()] += rows.len() as u64;
        Ok(())
    }

    /// Flushes and closes every file; returns row counts per table name.
    pub fn finish(self) -> Result<BTreeMap<String, u64>, SynthError> {
        for (path, sink) in self.sinks.into_iter().flatten() {
            match sink {
                Sink::Csv(mut w) => w.flush()?,
                Sink::Parquet(w, _) => {
                    w.close().map_err(|source| SynthError::Parquet { path, source })?;
                }
            }
        }
        let optional = Table::OPTIONAL.into_iter().filter(|t| self.rows[t.index()] > 0);
        Ok(Table::ALL.into_iter().chain(optional).map(|t| (t.name().to_string(), self.rows[t.index()])).collect())
    }
}

fn schema(table: Table, care_programme: bool) -> Arc<Schema> {
    let columns = table.written_columns(care_programme);
    Arc::new(Schema::new(columns.iter().map(|c| Field::new(*c, DataType::Utf8, true)).collect::<Vec<_>>()))
}

fn open(dir: &Path, table: Table, format: OutputFormat, care_programme: bool) -> Result<(PathBuf, Sink), SynthError> {
    match format {
        OutputFormat::Csv => {
            let path = dir.join(format!("{}.csv", table.name()));
            let mut w = BufWriter::with_capacity(1 << 20, fs_err::File::create(&path)?);
            w.write_all(table.written_columns(care_programme).join(",").as_bytes())?;
            w.write_all(b"\n")?;
            Ok((path, Sink::Csv(w)))
        }
        OutputFormat::Parquet => {
            let path = dir.join(format!("{}.parquet", table.name()));
            let file = fs_err::File::create(&path)?;
            let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
            let schema = schema(table, care_programme);
            let w = ArrowWriter::try_new(file, schema.clone(), Some(props))
                .map_err(|source| SynthError::Parquet { path: path.clone(), source })?;
            Ok((path, Sink::Parquet(Box::new(w), schema)))
        }
    }
}

fn write_csv(w: &mut impl Write, rows: &Rows) -> std::io::Result<()> {
    for i in 0..rows.len() {
        for (c, cell) in rows.row(i).enumerate() {
            if c > 0 {
                w.write_all(b",")?;
            }
            if cell.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
                w.write_all(b"\"")?;
                for b in cell {
                    if *b == b'"' {
                        w.write_all(b"\"")?;
                    }
                    w.write_all(&[*b])?;
                }
                w.write_all(b"\"")?;
            } else {
                w.write_all(cell)?;
            }
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

fn record_batch(
    table: Table,
    schema: &Arc<Schema>,
    rows: &Rows,
    care_programme: bool,
) -> Result<RecordBatch, SynthError> {
    let n = table.written_columns(care_programme).len();
    let mut builders: Vec<StringBuilder> = (0..n).map(|_| StringBuilder::new()).collect();
    for i in 0..rows.len() {
        let cells: Vec<&[u8]> = rows.row(i).collect();
        if cells.len() != n {
            return Err(SynthError::CsvOnly { table: table.name(), what: "a row with the wrong column count" });
        }
        for (b, cell) in builders.iter_mut().zip(cells) {
            match std::str::from_utf8(cell) {
                Ok("") => b.append_null(),
                Ok(s) => b.append_value(s),
                Err(_) => return Err(SynthError::CsvOnly { table: table.name(), what: "malformed UTF-8" }),
            }
        }
    }
    let columns: Vec<ArrayRef> = builders.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef).collect();
    RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| SynthError::Arrow { table: table.name(), message: e.to_string() })
}
