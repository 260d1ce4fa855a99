//! `kohort ingest`: validate a delivery and publish it into the store.
//!
//! delivery → headers checked (nothing written on error) → lock → each table streamed
//! through the row-local rules into DuckDB → cross-row rules in SQL → counts reconciled →
//! accepted rows written as sorted, bucketed Parquet into a staged version → changed persons
//! and cross-source conflicts → atomic publication. Quarantined rows go to a folder beside
//! the store.

mod crossrow;
mod quarantine;
mod stage;
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use serde::Serialize;

use crate::db::{self, DbError, DbSettings};
use crate::delivery::{Delivery, DeliveryError};
use crate::pseudonym::Key;
use crate::schema::{Schema, SchemaError, Table};
use crate::store::{FileEntry, Staging, Store, StoreError, TableCounts};
use crate::validate::{Quarantined, Rule, ValidatorError};

/// Errors that stop an ingest. None of them leaves a partial store behind.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The schema could not be read.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The delivery could not be opened or read.
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    /// A header does not fit the schema.
    #[error(transparent)]
    Validator(ValidatorError),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// DuckDB failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// File trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The counts did not reconcile (a bug; nothing was published).
    #[error(
        "table {table}: read {read} rows but accepted {accepted} + quarantined {quarantined}; nothing was published"
    )]
    Unreconciled {
        /// Table.
        table: String,
        /// Rows read.
        read: u64,
        /// Rows accepted.
        accepted: u64,
        /// Rows quarantined.
        quarantined: u64,
    },
    /// A rule id came back from SQL that kohort does not know (a bug).
    #[error("unknown rule '{0}' in the quarantine")]
    UnknownRule(String),
    /// The delivery is older than the one in the store for its source.
    #[error(
        "source {source_name} has delivery {current} (extracted_on {current_date}) in the store; {given} is older ({given_date}). Pass --allow-older to replace it anyway"
    )]
    Older {
        /// Source.
        source_name: String,
        /// Delivery in the store.
        current: String,
        /// Its data end.
        current_date: chrono::NaiveDate,
        /// Delivery given.
        given: String,
        /// Its data end.
        given_date: chrono::NaiveDate,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, IngestError>;

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// CSV delimiter.
    pub delimiter: u8,
    /// Abort (publish nothing) when more than this share of all rows is quarantined.
    pub max_reject_rate: Option<f64>,
    /// Where quarantined rows go; default `<store>-quarantine/` beside the store.
    pub quarantine_dir: Option<PathBuf>,
    /// DuckDB and rayon resources.
    pub db: DbSettings,
    /// Draw progress bars on stderr.
    pub progress: bool,
    /// Accept a delivery older than the source's current one.
    pub allow_older: bool,
    /// Person buckets, for a new store.
    pub buckets: u16,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            delimiter: b',',
            max_reject_rate: None,
            quarantine_dir: None,
            db: DbSettings::default(),
            progress: false,
            allow_older: false,
            buckets: crate::store::DEFAULT_BUCKETS,
        }
    }
}

/// What an ingest did.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    /// Source.
    pub source: String,
    /// Delivery id.
    pub delivery_id: String,
    /// Per table, in load order: read = accepted + quarantined.
    pub tables: Vec<(String, TableCounts)>,
    /// The published version, or `None` when aborted.
    pub published_version: Option<u64>,
    /// Why nothing was published.
    pub aborted: Option<String>,
    /// Where the quarantined rows are (when there are any).
    pub quarantine_dir: Option<PathBuf>,
    /// Persons whose data changed with this delivery.
    pub changed_persons: u64,
    /// Persons that sources disagree on (birth date or sex), over the whole store.
    pub person_conflicts: u64,
    /// Delivered columns that the schema does not know, per table (ignored).
    pub ignored_columns: BTreeMap<String, Vec<String>>,
}

impl IngestReport {
    /// Rows read over all tables.
    pub fn read(&self) -> u64 {
        self.tables.iter().map(|(_, c)| c.read).sum()
    }
    /// Rows quarantined over all tables.
    pub fn quarantined(&self) -> u64 {
        self.tables.iter().map(|(_, c)| c.quarantined).sum()
    }
}

/// The default quarantine folder of a delivery: `<store>-quarantine/<source>/<delivery_id>`.
pub fn default_quarantine_dir(store: &Path, source: &str, delivery_id: &str) -> PathBuf {
    let name = store.file_name().map_or_else(|| "store".into(), |n| n.to_string_lossy().into_owned());
    store.with_file_name(format!("{name}-quarantine")).join(source).join(delivery_id)
}

/// Validate `delivery_dir` and publish it into `store`.
pub fn ingest(delivery_dir: &Path, store: &Store, key: &Key, opts: &IngestOptions) -> Result<IngestReport> {
    let schema = Schema::embedded()?;
    let delivery = Delivery::open(delivery_dir, &schema)?;
    let pseudo = key.pseudonymizer();
    let tables: Vec<&Table> = delivery.files.iter().filter_map(|f| schema.table(&f.table)).collect();
    let buckets = store.manifest()?.map_or(opts.buckets, |m| m.buckets);
    let input = |i: usize| stage::StageInput {
        schema: &schema,
        table: tables[i],
        file: &delivery.files[i],
        delimiter: opts.delimiter,
        extracted_on: delivery.meta.extracted_on,
        pseudo: &pseudo,
        buckets,
    };
    for i in 0..tables.len() {
        stage::check_header(&input(i))?;
    }

    let lock = store.lock()?;
    let previous = store.manifest()?;
    if let Some(m) = &previous {
        check_key_and_age(store, m, key, &delivery, opts)?;
    }
    let staging = Staging::begin(store, &lock)?;
    let tmp = staging.root.join("duckdb-tmp");
    fs_err::create_dir_all(&tmp)?;
    let conn = db::open_file(&opts.db, &staging.root.join("staging.duckdb"), &tmp)?;

    let bar = progress_bar(opts.progress);
    let mut staged = Vec::new();
    for i in 0..tables.len() {
        staged.push(stage::stage(&conn, &input(i), &bar)?);
    }
    bar.finish_and_clear();
    let absent: Vec<&Table> = schema.tables.iter().filter(|t| !tables.iter().any(|d| d.name == t.name)).collect();
    for t in &absent {
        stage::stage_empty(&conn, t)?;
    }
    let all: Vec<&Table> = schema.tables.iter().collect();
    crossrow::run(&conn, &schema, &all, delivery.meta.extracted_on)?;

    let mut report = IngestReport {
        source: delivery.meta.source.clone(),
        delivery_id: delivery.meta.delivery_id.clone(),
        tables: Vec::new(),
        published_version: None,
        aborted: None,
        quarantine_dir: None,
        changed_persons: 0,
        person_conflicts: 0,
        ignored_columns: BTreeMap::new(),
    };
    let mut all_quarantined = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let (counts, rows) = reconcile(&conn, t, &mut staged[i])?;
        let mut rows = rows;
        quarantine::attach_records(&delivery.files[i], opts.delimiter, &mut rows)?;
        all_quarantined.extend(rows);
        report.tables.push((t.name.clone(), counts));
        if !staged[i].ignored_columns.is_empty() {
            report.ignored_columns.insert(t.name.clone(), staged[i].ignored_columns.clone());
        }
    }
    if !all_quarantined.is_empty() {
        let dir = opts
            .quarantine_dir
            .clone()
            .unwrap_or_else(|| default_quarantine_dir(store.root(), &delivery.meta.source, &delivery.meta.delivery_id));
        report.quarantine_dir = Some(quarantine::write(&dir, &all_quarantined)?);
    }
    if let Some(limit) = opts.max_reject_rate {
        let rate = ratio(report.quarantined(), report.read());
        if rate > limit {
            report.aborted = Some(format!(
                "{} of {} rows quarantined ({:.2}%), above --max-reject-rate {:.2}%: nothing was published",
                report.quarantined(),
                report.read(),
                rate * 100.0,
                limit * 100.0
            ));
            // The staged version is removed when `staging` goes out of scope.
            drop(conn);
            return Ok(report);
        }
    }
    let inputs: Vec<FileEntry> = delivery
        .files
        .iter()
        .zip(&staged)
        .zip(&report.tables)
        .map(|((f, s), (_, c))| FileEntry {
            path: f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            rows: c.read,
            bytes: s.bytes,
            sha256: s.sha256.clone(),
        })
        .collect();
    let ctx = write::PublishInput {
        conn: &conn,
        store,
        staging,
        previous,
        delivery: &delivery,
        tables: &tables,
        inputs,
        key,
    };
    let outcome = write::publish_delivery(ctx, &report.tables)?;
    report.published_version = Some(outcome.version);
    report.changed_persons = outcome.changed_persons;
    report.person_conflicts = outcome.person_conflicts;
    drop(lock);
    Ok(report)
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        #[allow(clippy::cast_precision_loss)]
        let r = a as f64 / b as f64;
        r
    }
}

fn check_key_and_age(
    store: &Store,
    m: &crate::store::Manifest,
    key: &Key,
    delivery: &Delivery,
    opts: &IngestOptions,
) -> Result<()> {
    if m.key_fingerprint != key.fingerprint() {
        return Err(StoreError::WrongKey {
            store: store.root().to_owned(),
            expected: m.key_fingerprint.clone(),
            found: key.fingerprint(),
        }
        .into());
    }
    if let Some(cur) = m.sources.get(&delivery.meta.source)
        && cur.extracted_on > delivery.meta.extracted_on
        && !opts.allow_older
    {
        return Err(IngestError::Older {
            source_name: delivery.meta.source.clone(),
            current: cur.delivery_id.clone(),
            current_date: cur.extracted_on,
            given: delivery.meta.delivery_id.clone(),
            given_date: delivery.meta.extracted_on,
        });
    }
    Ok(())
}

/// Combine row-local and cross-row quarantine of a table and check read = accepted + quarantined.
fn reconcile(
    conn: &duckdb::Connection,
    t: &Table,
    staged: &mut stage::Staged,
) -> Result<(TableCounts, Vec<Quarantined>)> {
    let mut rows = std::mem::take(&mut staged.quarantined);
    for c in crossrow::rows(conn, &t.name)? {
        let rule = Rule::from_id(&c.rule).ok_or(IngestError::UnknownRule(c.rule))?;
        let (row, column, message) = (c.row, c.column, c.message);
        rows.push(Quarantined { table: t.name.clone(), row, line: 0, column, rule, message, record: String::new() });
    }
    rows.sort_by_key(|q| q.row);
    let mut by_rule = BTreeMap::new();
    for q in &rows {
        *by_rule.entry(q.rule.as_str().to_owned()).or_insert(0) += 1;
    }
    let accepted = crossrow::accepted(conn, &t.name)?;
    let quarantined = rows.len() as u64;
    if accepted + quarantined != staged.read {
        return Err(IngestError::Unreconciled { table: t.name.clone(), read: staged.read, accepted, quarantined });
    }
    Ok((TableCounts { read: staged.read, accepted, quarantined, by_rule }, rows))
}

fn progress_bar(show: bool) -> ProgressBar {
    crate::printer::progress_bar(show, 0, "{msg:>16} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
}
