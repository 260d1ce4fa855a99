//! Queries against the store: a DuckDB connection with the views of `sql/views.sql` over the
//! current version, and rendering of results as a table, CSV or JSON lines.

use duckdb::Connection;
use duckdb::arrow::record_batch::RecordBatch;
use std::path::PathBuf;

use crate::db::{self, DbError, DbSettings, DuckContext};
use crate::store::{Store, StoreError};

/// Errors of a query.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// DuckDB refused the query.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Rendering the result failed.
    #[error("rendering the result: {0}")]
    Render(#[from] arrow::error::ArrowError),
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, QueryError>;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned text table.
    Table,
    /// CSV with header.
    Csv,
    /// JSON lines.
    Json,
}

/// A connection with the store views defined over the current version, and views over the
/// result tables of the current outcome run when there is one.
pub fn open_store(store: &Store, settings: &DbSettings) -> Result<Connection> {
    let dir = store.current_dir()?;
    // The current run of each results area (outcomes, linkage); their table names differ.
    let runs: Vec<(PathBuf, crate::outcomes::engine::RunManifest)> = crate::outcomes::engine::AREAS
        .iter()
        .filter_map(|area| {
            let run = crate::outcomes::engine::current_in(store, area).ok().flatten()?;
            Some((store.root().join(area).join(&run.run), run))
        })
        .collect();
    let mut dirs = vec![dir.as_path()];
    dirs.extend(runs.iter().map(|(d, _)| d.as_path()));
    let conn = db::open_at(settings, &dirs)?;
    conn.execute_batch(crate::sql::VIEWS).ctx("creating the store views")?;
    for (_, run) in &runs {
        for (table, sql) in run.views() {
            conn.execute_batch(&sql).ctx(format!("creating the view of result table {table}"))?;
        }
    }
    Ok(conn)
}

/// Run a query and collect its batches.
pub fn run(conn: &Connection, sql: &str) -> Result<Vec<RecordBatch>> {
    let mut stmt = conn.prepare(sql).ctx("preparing the query")?;
    let arrow = stmt.query_arrow([]).ctx("running the query")?;
    let schema = arrow.get_schema();
    let mut batches: Vec<RecordBatch> = arrow.collect();
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(schema));
    }
    Ok(batches)
}

/// Render batches in a format.
pub fn render(batches: &[RecordBatch], format: Format) -> Result<String> {
    match format {
        Format::Table => Ok(arrow::util::pretty::pretty_format_batches(batches)?.to_string()),
        Format::Csv => {
            let mut buf = Vec::new();
            {
                let mut w = arrow::csv::WriterBuilder::new().with_header(true).build(&mut buf);
                for b in batches {
                    w.write(b)?;
                }
            }
            Ok(String::from_utf8_lossy(&buf).into_owned())
        }
        Format::Json => {
            let mut buf = Vec::new();
            {
                let mut w = arrow::json::LineDelimitedWriter::new(&mut buf);
                for b in batches {
                    w.write(b)?;
                }
                w.finish()?;
            }
            Ok(String::from_utf8_lossy(&buf).into_owned())
        }
    }
}
