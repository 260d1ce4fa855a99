//! Queries against the store: a DuckDB connection with the store's views over the current
//! version and the views of the current result runs (what `kohort sql`, cohorts, studies and
//! panels read), and rendering of results as a table, CSV or JSON lines.

use duckdb::Connection;
use duckdb::arrow::record_batch::RecordBatch;
use std::path::PathBuf;

use crate::db::{DbError, DbSettings, DuckContext};
pub use crate::store::StoreConnection;
use crate::store::{Leases, Store, StoreError};

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
/// result tables of the current outcome and linkage runs, holding leases on all of them.
pub fn open_store(store: &Store, settings: &DbSettings) -> Result<StoreConnection> {
    let mut leases = Leases::default();
    let dir = leases.current_version(store)?;
    // The current run of each results area (outcomes, linkage); their table names differ.
    let mut runs: Vec<(PathBuf, crate::results::RunManifest)> = Vec::new();
    for area in crate::results::Area::ALL {
        let run = leases.hold(|| {
            Ok(crate::results::current_in(store, area)
                .ok()
                .flatten()
                .map(|run| (store.root().join(area.dir()).join(&run.run), run)))
        })?;
        runs.extend(run);
    }
    let mut dirs = vec![dir.as_path()];
    dirs.extend(runs.iter().map(|(d, _)| d.as_path()));
    let conn = leases.connect(settings, &dirs)?;
    crate::store::views::create_views(&conn, &dir)?;
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
