//! Stream one delivered table through the row-local validator into a DuckDB staging table.

use chrono::NaiveDate;
use duckdb::Connection;
use duckdb::arrow::datatypes::{DataType, SchemaRef};
use indicatif::ProgressBar;
use rayon::prelude::*;

use super::{IngestError, Result};
use crate::db::{DuckContext, ident};
use crate::delivery::{TableFile, TableReader};
use crate::pseudonym::Pseudonymizer;
use crate::schema::{Schema, Table};
use crate::validate::{Quarantined, RowValidator};

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
    let reader = TableReader::open(input.file, input.delimiter)?;
    validator(input, &reader)?;
    Ok(())
}

fn validator<'a>(input: &StageInput<'a>, reader: &TableReader) -> Result<RowValidator<'a>> {
    Ok(RowValidator::new(
        input.schema,
        input.table,
        &input.file.path.display().to_string(),
        reader.header(),
        input.extracted_on,
        input.pseudo.clone(),
        input.buckets,
        input.delimiter,
    )?)
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
    let mut reader = TableReader::open(input.file, input.delimiter)?;
    let validator = validator(input, &reader)?;
    let name = format!("stg_{}", input.table.name);
    conn.execute_batch(&create_table_sql(&name, &validator.arrow_schema()))
        .ctx(format!("creating staging table for {}", input.table.name))?;
    bar.set_length(reader.bytes_total());
    bar.set_message(input.table.name.clone());
    let mut quarantined = Vec::new();
    let mut appender = conn.appender(&name).ctx("opening appender")?;
    loop {
        let chunk = reader.next_chunk(CHUNK_ROWS)?;
        if chunk.is_empty() {
            break;
        }
        let outcomes: Vec<_> = chunk.par_chunks(TASK_ROWS).map(|rows| validator.validate(rows)).collect();
        for outcome in outcomes {
            let outcome = outcome?;
            if outcome.batch.num_rows() > 0 {
                appender.append_record_batch(outcome.batch).ctx(format!("staging {}", input.table.name))?;
            }
            quarantined.extend(outcome.quarantined);
        }
        bar.set_position(reader.bytes_read());
    }
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
        IngestError::Validator(e)
    }
}
