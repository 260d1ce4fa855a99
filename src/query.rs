//! Queries against the store: a DuckDB connection with the views of `sql/views.sql` over the
//! current version, and rendering of results as a table, CSV or JSON lines.

use duckdb::Connection;
use duckdb::arrow::record_batch::RecordBatch;
use std::path::{Path, PathBuf};

use crate::db::{self, DbError, DbSettings, DuckContext};
use crate::store::publication::{Lease, LeaseState};
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
    /// Writers published faster than the reader could hold a version.
    #[error("store {0} changed {LEASE_TRIES} times while this query was starting; try again")]
    Busy(PathBuf),
    /// A generation was pruned after its pointer was read.
    #[error("{0} was replaced by a newer version while this step started; run it again")]
    Gone(PathBuf),
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

/// A connection to the store with the store's views, holding a [`Lease`] on every generation
/// the views read (the store version and the current result runs), so that a writer that
/// publishes meanwhile never removes files under a running query.
#[derive(Debug)]
pub struct StoreConnection {
    conn: Connection,
    _leases: Vec<Lease>,
}

impl std::ops::Deref for StoreConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl StoreConnection {
    /// A connection over `dirs` (generation folders whose pointers the caller read), holding
    /// a lease on each; fails when one of them was pruned since.
    pub fn over(conn: impl FnOnce(&[&Path]) -> Result<Connection>, dirs: &[&Path]) -> Result<Self> {
        let mut leases = Vec::new();
        for dir in dirs {
            match Lease::shared(dir).map_err(StoreError::Io)? {
                Some(LeaseState::Held(lease)) => leases.push(lease),
                Some(LeaseState::Unleased) => {}
                None => return Err(QueryError::Gone(dir.to_path_buf())),
            }
        }
        Ok(Self { conn: conn(dirs)?, _leases: leases })
    }
}

/// How often a reader re-reads a pointer whose generation was pruned between the read and
/// the lease (each retry means a writer published in between).
const LEASE_TRIES: usize = 50;

/// A connection with the store views defined over the current version, and views over the
/// result tables of the current outcome run when there is one.
pub fn open_store(store: &Store, settings: &DbSettings) -> Result<StoreConnection> {
    let mut leases = Vec::new();
    let (dir, _) = leased(&mut leases, || Ok(Some((store.current_dir()?, ()))))?.ok_or_else(|| busy(store))?;
    // The current run of each results area (outcomes, linkage); their table names differ.
    let mut runs: Vec<(PathBuf, crate::results::RunManifest)> = Vec::new();
    for area in crate::results::Area::ALL {
        let run = leased(&mut leases, || {
            Ok(crate::results::current_in(store, area)
                .ok()
                .flatten()
                .map(|run| (store.root().join(area.dir()).join(&run.run), run)))
        })?;
        runs.extend(run);
    }
    let mut dirs = vec![dir.as_path()];
    dirs.extend(runs.iter().map(|(d, _)| d.as_path()));
    let conn = db::open_at(settings, &dirs)?;
    conn.execute_batch(crate::sql::VIEWS).ctx("creating the store views")?;
    for (_, run) in &runs {
        for (table, sql) in run.views() {
            conn.execute_batch(&sql).ctx(format!("creating the view of result table {table}"))?;
        }
    }
    Ok(StoreConnection { conn, _leases: leases })
}

/// Read a pointer with `read` (a generation's folder and what the pointer says of it) and
/// lease that folder; read again when it was pruned in between. `None` when there is none.
fn leased<T>(leases: &mut Vec<Lease>, read: impl Fn() -> Result<Option<(PathBuf, T)>>) -> Result<Option<(PathBuf, T)>> {
    for _ in 0..LEASE_TRIES {
        let Some((dir, value)) = read()? else { return Ok(None) };
        match Lease::shared(&dir).map_err(StoreError::Io)? {
            Some(LeaseState::Held(lease)) => {
                leases.push(lease);
                return Ok(Some((dir, value)));
            }
            Some(LeaseState::Unleased) => return Ok(Some((dir, value))),
            None => {}
        }
    }
    Ok(None)
}

fn busy(store: &Store) -> QueryError {
    QueryError::Busy(store.root().to_owned())
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
