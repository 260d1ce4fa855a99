//! Stream one delivered table through the row-local validator into a DuckDB staging table.

use chrono::NaiveDate;
use duckdb::Connection;
use duckdb::arrow::datatypes::{DataType, SchemaRef};
use indicatif::ProgressBar;
use rayon::prelude::*;

use super::{IngestError, Result};
use crate::db::{DuckContext, ident};
use crate::delivery::{FileFormat, RawRecord, TableFile, TableReader};
use crate::pseudonym::Pseudonymizer;
use crate::schema::{Schema, Table};
use crate::validate::{ChunkOutcome, Quarantined, RowValidator};

/// Rows read from the file at a time.
const CHUNK_ROWS: usize = 65_536;
/// Rows validated by one rayon task.
const TASK_ROWS: usize = 4096;

/// What staging a table gave.
#[derive(Debug)]
pub struct Staged {
    /// Data rows read.
    pub read: u64,
    /// Rows that failed a row-local rule.
    pub quarantined: Vec<Quarantined>,
    /// SHA-256 of the delivered file.
    pub sha256: String,
    /// Size of the delivered file.
    pub bytes: u64,
    /// Delivered columns the schema does not know.
    pub ignored_columns: Vec<String>,
}

/// Everything the staging of one table needs.
pub struct StageInput<'a> {
    /// The delivery schema.
    pub schema: &'a Schema,
    /// The table.
    pub table: &'a Table,
    /// Its file.
    pub file: &'a TableFile,
    /// CSV delimiter.
    pub delimiter: u8,
    /// Data end.
    pub extracted_on: NaiveDate,
    /// Keyed pseudonymiser.
    pub pseudo: &'a Pseudonymizer,
    /// Person buckets of the store.
    pub buckets: u16,
}

/// Open the file and check its header against the schema, without reading rows.
pub fn check_header(input: &StageInput<'_>) -> Result<()> {
    let reader = TableReader::open(input.file, input.delimiter, input.table)?;
    validator(input, &reader)?;
    Ok(())
}

fn validator<'a>(input: &StageInput<'a>, reader: &TableReader) -> Result<RowValidator<'a>> {
    let delimiter = (input.file.format == FileFormat::Csv).then_some(input.delimiter);
    Ok(RowValidator::new(
        input.schema,
        input.table,
        &input.file.path.display().to_string(),
        reader.header(),
        input.extracted_on,
        input.pseudo.clone(),
        input.buckets,
        delimiter,
    )?)
}

/// Stage a table the delivery leaves out but the source keeps, from its store files, so
/// that references to it resolve against the kept rows.
pub fn stage_kept(conn: &Connection, table: &Table, files: &[String]) -> Result<()> {
    if files.is_empty() {
        return stage_empty(conn, table);
    }
    let name = ident(&format!("stg_{}", table.name));
    let extra = if table.name == "persons" { ", extracted_on" } else { "" };
    let sql = crate::db::render(crate::sql::ingest::STAGE_KEPT, &[("name", &name), ("extra", extra)]);
    let list = duckdb::types::Value::List(files.iter().map(|f| f.clone().into()).collect());
    conn.execute(&sql, [list]).ctx(format!("reading the kept {} rows", table.name))?;
    Ok(())
}

/// An empty staging table for a table the delivery does not include, so that references to
/// it resolve against nothing (a non-empty reference is then dangling).
pub fn stage_empty(conn: &Connection, table: &Table) -> Result<()> {
    let name = format!("stg_{}", table.name);
    let schema = crate::validate::staged_schema(table);
    conn.execute_batch(&create_table_sql(&name, &schema))
        .ctx(format!("creating empty staging table for {}", table.name))?;
    Ok(())
}

/// Stage a table: validate every row, append the good ones to `stg_<table>`.
pub fn stage(conn: &Connection, input: &StageInput<'_>, bar: &ProgressBar) -> Result<Staged> {
    let mut reader = TableReader::open(input.file, input.delimiter, input.table)?;
    let validator = validator(input, &reader)?;
    let name = format!("stg_{}", input.table.name);
    conn.execute_batch(&create_table_sql(&name, &validator.arrow_schema()))
        .ctx(format!("creating staging table for {}", input.table.name))?;
    // This file's own size and position, from 0 (never the previous table's position).
    bar.set_position(0);
    bar.set_length(reader.bytes_total());
    bar.set_message(input.table.name.clone());
    let mut quarantined = Vec::new();
    let mut appender = conn.appender(&name).ctx("opening appender")?;
    // Three stages, each a chunk ahead of the next: the file is read (lines split, the file
    // hashed) on a thread of its own, each chunk is validated on the rayon pool from a second
    // thread, and this thread appends the validated chunks in their order.
    let validator = &validator;
    let reader = std::thread::scope(|s| -> Result<TableReader> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(Vec<RawRecord>, u64)>>(1);
        let reading = s.spawn(move || {
            loop {
                let chunk = reader.next_chunk(CHUNK_ROWS).map(|c| (c, reader.bytes_read()));
                let last = !matches!(&chunk, Ok((c, _)) if !c.is_empty());
                if tx.send(chunk.map_err(IngestError::from)).is_err() || last {
                    return reader;
                }
            }
        });
        type Validated = Result<(Vec<ChunkOutcome>, u64)>;
        let (vtx, vrx) = std::sync::mpsc::sync_channel::<Validated>(1);
        let validating = s.spawn(move || {
            for chunk in rx {
                let validated = chunk.and_then(|(chunk, bytes_read)| {
                    if chunk.is_empty() {
                        return Ok((Vec::new(), bytes_read));
                    }
                    let outcomes: std::result::Result<Vec<_>, _> =
                        chunk.par_chunks(TASK_ROWS).map(|rows| validator.validate(rows)).collect();
                    Ok((outcomes?, bytes_read))
                });
                let stop = !matches!(&validated, Ok((o, _)) if !o.is_empty());
                if vtx.send(validated).is_err() || stop {
                    return;
                }
            }
        });
        let mut ended = false;
        for validated in vrx {
            let (outcomes, bytes_read) = validated?;
            if outcomes.is_empty() {
                ended = true;
                break;
            }
            for outcome in outcomes {
                if outcome.batch.num_rows() > 0 {
                    appender.append_record_batch(outcome.batch).ctx(format!("staging {}", input.table.name))?;
                }
                quarantined.extend(outcome.quarantined);
            }
            bar.set_position(bytes_read);
        }
        let stopped =
            |what: &str| IngestError::Io(std::io::Error::other(format!("the thread {what} the file stopped")));
        if validating.join().is_err() || !ended {
            return Err(stopped("validating"));
        }
        reading.join().map_err(|_| stopped("reading"))
    })?;
    bar.set_position(reader.bytes_read());
    appender.flush().ctx(format!("staging {}", input.table.name))?;
    Ok(Staged {
        read: reader.rows_read(),
        quarantined,
        sha256: reader.sha256(),
        bytes: reader.bytes_total(),
        ignored_columns: validator.ignored_columns.clone(),
    })
}

/// `CREATE TABLE` for a staged Arrow schema (identifiers from `data-schema/` only).
pub fn create_table_sql(name: &str, schema: &SchemaRef) -> String {
    let cols: Vec<String> =
        schema.fields().iter().map(|f| format!("{} {}", ident(f.name()), duck_type(f.data_type()))).collect();
    crate::db::render(crate::sql::ingest::STAGING_TABLE, &[("name", &ident(name)), ("columns", &cols.join(", "))])
}

fn duck_type(t: &DataType) -> &'static str {
    match t {
        DataType::Date32 => "DATE",
        DataType::Int64 => "BIGINT",
        DataType::Float64 => "DOUBLE",
        DataType::UInt64 => "UBIGINT",
        DataType::UInt16 => "USMALLINT",
        DataType::Boolean => "BOOLEAN",
        _ => "VARCHAR",
    }
}

impl From<crate::validate::ValidatorError> for IngestError {
    fn from(e: crate::validate::ValidatorError) -> Self {
        IngestError::Validator(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::FileFormat;
    use crate::pseudonym::Key;

    fn input<'a>(schema: &'a Schema, file: &'a TableFile, pseudo: &'a Pseudonymizer) -> StageInput<'a> {
        StageInput {
            schema,
            table: schema.table(&file.table).expect("table"),
            file,
            delimiter: b',',
            extracted_on: NaiveDate::from_ymd_opt(2026, 7, 1).expect("date"),
            pseudo,
            buckets: 16,
        }
    }

    /// The bar of each table runs from 0 to that file's own size: never the previous
    /// table's position against this table's size (a bar at "972 MiB / 7.8 MiB").
    #[test]
    fn each_table_moves_the_bar_from_zero_to_its_own_size() {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut persons = String::from("person_id,birth_date,sex,death_date,emigration_date\n");
        for i in 0..3000 {
            persons.push_str(&format!("P{i:08},2001-02-03,f,,\n"));
        }
        let csv = tmp.path().join("persons.csv");
        std::fs::write(&csv, persons).expect("write");
        let conn = duckdb::Connection::open_in_memory().expect("duckdb");
        let parquet = |name: &str, rows: u32| {
            let path = tmp.path().join(name);
            let sql = format!(
                "COPY (SELECT 2024 AS year, 'GM0014' AS municipality, 0 AS age, 'f' AS sex, range AS count \
                 FROM range({rows})) TO '{}' (FORMAT parquet)",
                path.display()
            );
            conn.execute_batch(&sql).expect("parquet");
            TableFile { table: "population".into(), path, format: FileFormat::Parquet }
        };
        let (full, empty) = (parquet("full.parquet", 500), parquet("empty.parquet", 0));
        let schema = Schema::embedded().expect("schema");
        let pseudo = Key::from_bytes([7; 32]).pseudonymizer();
        let bar = ProgressBar::hidden();
        let persons = TableFile { table: "persons".into(), path: csv.clone(), format: FileFormat::Csv };
        let size = |p: &std::path::Path| std::fs::metadata(p).expect("size").len();
        for (i, file) in [&persons, &full, &persons, &empty].into_iter().enumerate() {
            let staging = duckdb::Connection::open_in_memory().expect("duckdb");
            stage(&staging, &input(&schema, file, &pseudo), &bar).expect("stage");
            assert_eq!(bar.length(), Some(size(&file.path)), "step {i}");
            assert_eq!(bar.position(), size(&file.path), "step {i}: position against the file's own size");
        }
    }
}
