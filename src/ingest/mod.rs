//! `kohort ingest`: validate a delivery and publish it into the store.
//!
//! delivery → `extracted_on` checked → headers checked (nothing written on error) → lock →
//! each delivered table streamed through the row-local rules into DuckDB, the tables the
//! delivery leaves out staged from the store (kept) or empty → cross-row rules in SQL →
//! counts reconciled → the reject guard (a table over the limit aborts, nothing is
//! published) → accepted rows written as sorted, bucketed Parquet into a staged version →
//! changed persons and cross-source conflicts → atomic publication. Quarantined rows go to a
//! folder beside the store. [`withdraw`] puts a source back at the delivery its current one
//! replaced.

mod changes;
mod crossrow;
mod guard;
mod quarantine;
mod stage;
mod tables;
mod withdraw;
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use indicatif::ProgressBar;
use serde::Serialize;

pub use guard::DEFAULT_MAX_REJECT_RATE;
pub use tables::{TableAction, TableStatus};
pub use withdraw::{WithdrawReport, parse_target, withdraw};

use crate::db::{self, DbError, DbSettings};
use crate::delivery::{Delivery, DeliveryError};
use crate::pseudonym::Key;
use crate::schema::{Schema, SchemaError, Table};
use crate::store::{FileEntry, HistoryKind, Manifest, SourceEntry, Staging, Store, StoreError, TableCounts};
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
    Validator(Box<ValidatorError>),
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
    /// The store was written with another schema version.
    #[error(
        "store {store} has schema version {found}; this kohort writes version {want} (version 3: care_episodes have the `programme` column; version 2: safety_reports' delivered `source` is stored as `report_source`, version 1 files had two columns named `source`). Ingest the deliveries into a new store with this kohort (kohort ingest ... --store NEW_STORE), or use the kohort version that wrote it"
    )]
    StoreFormat {
        /// The store.
        store: PathBuf,
        /// Its schema version.
        found: u32,
        /// This kohort's.
        want: u32,
    },
    /// `extracted_on` lies in the future.
    #[error(
        "{path}: extracted_on = {extracted_on} lies after {latest} (today{margin}): a data end cannot be in the future (a typo?). Correct delivery.toml; if the source's date is right and the clock here is behind, pass --future-margin-days N (plan: future_margin_days)"
    )]
    FutureDataEnd {
        /// `delivery.toml`.
        path: PathBuf,
        /// The date given.
        extracted_on: NaiveDate,
        /// The latest date accepted.
        latest: NaiveDate,
        /// The margin, as text (empty when 0).
        margin: String,
    },
    /// A withdrawal names a delivery that is not its source's current one.
    #[error("{source_name}/{given} is not in the store: {why}. Only a source's current delivery can be withdrawn")]
    NotCurrent {
        /// The source.
        source_name: String,
        /// The delivery given.
        given: String,
        /// What the store holds.
        why: String,
    },
    /// A withdrawal has nothing to go back to.
    #[error(
        "{source_name}/{delivery_id} cannot be withdrawn: the store keeps one earlier delivery per source, and the one before {delivery_id} is no longer there (it was restored by an earlier withdrawal, or the store predates retention). Ingest the right delivery instead (with --allow-older if it is older)"
    )]
    NothingRetained {
        /// The source.
        source_name: String,
        /// Its current delivery.
        delivery_id: String,
    },
    /// A withdrawal names no `SOURCE/DELIVERY`.
    #[error("--withdraw takes SOURCE/DELIVERY_ID, e.g. proeftuin-groningen/2026Q3; got '{0}'")]
    WithdrawSyntax(String),
    /// The delivery is older than the one in the store for its source.
    #[error(
        "source {source_name} has delivery {current} (extracted_on {current_date}) in the store; {given} is older ({given_date}). To replace the current delivery with it anyway, run kohort ingest with --allow-older (kohort run never does); if {current} is the wrong one, withdraw it: kohort ingest --withdraw {source_name}/{current}"
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
    /// The quarantine folder lies inside the store (it holds raw identifiers).
    #[error(
        "the quarantine folder {quarantine} is inside the store {store}: quarantined rows hold raw identifiers and are kept apart from the store; give --quarantine a folder outside it"
    )]
    QuarantineInStore {
        /// The quarantine folder.
        quarantine: PathBuf,
        /// The store.
        store: PathBuf,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, IngestError>;

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// CSV delimiter.
    pub delimiter: u8,
    /// Abort (publish nothing) when more than this share of one table's rows is quarantined
    /// (a table with no row left always aborts).
    pub max_reject_rate: f64,
    /// Accept an `extracted_on` up to this many days after today.
    pub future_margin_days: u32,
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
            max_reject_rate: DEFAULT_MAX_REJECT_RATE,
            future_margin_days: 0,
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
    /// A delivery under a new id, or a correction (an id the store has held before).
    pub kind: HistoryKind,
    /// Per delivered table, in load order: read = accepted + quarantined.
    pub tables: Vec<(String, TableCounts)>,
    /// Every table of the format: replaced, kept (from which delivery), emptied or none.
    pub table_status: Vec<TableStatus>,
    /// The published version, or `None` when aborted or skipped.
    pub published_version: Option<u64>,
    /// Why nothing was published: the reject guard (exit code 4).
    pub aborted: Option<String>,
    /// Why nothing was published: the store holds this delivery with the same files.
    pub skipped: Option<String>,
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
    /// Rows accepted over all tables.
    pub fn accepted(&self) -> u64 {
        self.tables.iter().map(|(_, c)| c.accepted).sum()
    }
    /// Tables with the given status.
    pub fn tables_with(&self, status: TableAction) -> Vec<String> {
        self.table_status.iter().filter(|s| s.status == status).map(|s| s.table.clone()).collect()
    }
}

/// The default quarantine folder of a delivery: `<store>-quarantine/<source>/<delivery_id>`,
/// beside the store (also for `--store .`: the store's own folder name is used).
pub fn default_quarantine_dir(store: &Path, source: &str, delivery_id: &str) -> PathBuf {
    let store = resolved(store);
    let name = store.file_name().map_or_else(|| "store".into(), |n| n.to_string_lossy().into_owned());
    store.with_file_name(format!("{name}-quarantine")).join(source).join(delivery_id)
}

/// A path made absolute, with symbolic links resolved where it exists.
fn resolved(path: &Path) -> PathBuf {
    fs_err::canonicalize(path).or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.to_owned())
}

/// Where this delivery's quarantined rows go; never inside the store (they hold raw ids).
fn quarantine_dir(store: &Store, opts: &IngestOptions, source: &str, delivery_id: &str) -> Result<PathBuf> {
    let dir = opts.quarantine_dir.clone().unwrap_or_else(|| default_quarantine_dir(store.root(), source, delivery_id));
    let (root, inside) = (resolved(store.root()), resolved(&dir));
    if inside.starts_with(&root) {
        return Err(IngestError::QuarantineInStore { quarantine: dir, store: store.root().to_owned() });
    }
    Ok(dir)
}

/// Validate `delivery_dir` and publish it into `store`.
pub fn ingest(delivery_dir: &Path, store: &Store, key: &Key, opts: &IngestOptions) -> Result<IngestReport> {
    let schema = Schema::embedded()?;
    let delivery = Delivery::open(delivery_dir, &schema)?;
    check_data_end(&delivery, opts.future_margin_days)?;
    let pseudo = key.pseudonymizer();
    let buckets = store.manifest()?.map_or(opts.buckets, |m| m.buckets);
    let inputs: Vec<stage::StageInput<'_>> = delivery
        .files
        .iter()
        .filter_map(|file| {
            Some(stage::StageInput {
                schema: &schema,
                table: schema.table(&file.table)?,
                file,
                delimiter: opts.delimiter,
                extracted_on: delivery.meta.extracted_on,
                pseudo: &pseudo,
                buckets,
            })
        })
        .collect();
    for input in &inputs {
        stage::check_header(input)?;
    }

    let lock = store.lock()?;
    quarantine_dir(store, opts, &delivery.meta.source, &delivery.meta.delivery_id)?;
    let previous = store.manifest()?;
    if let Some(m) = &previous {
        check_store(store, m, &schema)?;
        check_key_and_age(store, m, key, &delivery, opts)?;
    }
    let current = previous.as_ref().and_then(|m| m.sources.get(&delivery.meta.source));
    let mut report = IngestReport {
        source: delivery.meta.source.clone(),
        delivery_id: delivery.meta.delivery_id.clone(),
        kind: write::kind_of(previous.as_ref(), &delivery.meta.source, &delivery.meta.delivery_id),
        tables: Vec::new(),
        table_status: tables::plan(&schema, &delivery, current),
        published_version: None,
        aborted: None,
        skipped: None,
        quarantine_dir: None,
        changed_persons: 0,
        person_conflicts: 0,
        ignored_columns: BTreeMap::new(),
    };
    // The staged version is removed when `staging` goes out of scope (every early return).
    let staging = Staging::begin(store, &lock)?;
    let tmp = staging.root.join("duckdb-tmp");
    fs_err::create_dir_all(&tmp)?;
    let conn = db::open_file(&opts.db, &staging.root.join("staging.duckdb"), &tmp)?;
    let current_dir = previous.as_ref().map(|m| store.version_dir(m.version));
    let staged = validate(&conn, &inputs, current_dir.as_deref(), current, &mut report, opts.progress)?;
    let quarantined = write_quarantine(store, &delivery, &staged, opts, &mut report)?;
    report.aborted = guard::check(&report.tables, &quarantined, opts.max_reject_rate);
    if report.aborted.is_some() {
        return Ok(report);
    }
    let shas: Vec<String> = staged.iter().map(|s| s.sha256.clone()).collect();
    let content = delivery.content_sha256_of(&shas);
    if current.is_some_and(|e| e.delivery_id == delivery.meta.delivery_id && e.content_sha256 == content) {
        report.skipped = Some(format!(
            "the store already holds {}/{} with the same files: nothing was published",
            delivery.meta.source, delivery.meta.delivery_id
        ));
        return Ok(report);
    }
    let change = write::SourceChange {
        conn: &conn,
        store,
        staging,
        key_fingerprint: previous.as_ref().map_or_else(|| key.fingerprint(), |m| m.key_fingerprint.clone()),
        source: &delivery.meta.source,
        tables: makes(&schema, &report.table_status, &report.tables, current),
        entry: Some(source_entry(&delivery, &staged, &report, current, content.clone())),
        data_end: delivery.meta.extracted_on,
        history: write::history(&delivery.meta.source, &delivery.meta.delivery_id, report.kind, content, None),
        retain_current: true,
        // Two tables at once fill two cores (see `write::export_tables`); one with one thread.
        lanes: opts.db.threads.clamp(1, 2),
        previous,
    };
    let phase =
        crate::printer::spinner(opts.progress, "writing the store: sorted bucket files, change list, conflicts");
    let outcome = write::publish_source(change)?;
    phase.finish_and_clear();
    report.published_version = Some(outcome.version);
    report.changed_persons = outcome.changed_persons;
    report.person_conflicts = outcome.person_conflicts;
    drop(lock);
    Ok(report)
}

/// Stage every delivered table through the row-local rules, stage the tables it leaves out
/// (kept or empty), run the cross-row rules and reconcile the counts into the report.
fn validate(
    conn: &duckdb::Connection,
    inputs: &[stage::StageInput<'_>],
    current_dir: Option<&Path>,
    current: Option<&SourceEntry>,
    report: &mut IngestReport,
    progress: bool,
) -> Result<Vec<stage::Staged>> {
    let Some(first) = inputs.first() else { return Ok(Vec::new()) };
    let schema = first.schema;
    let mut staged = stage_all(conn, inputs, progress)?;
    let phase = crate::printer::spinner(progress, "cross-row rules: duplicates, references, ancestors, dates");
    stage_others(conn, current_dir, current, schema, &report.table_status)?;
    let delivered: Vec<&str> = inputs.iter().map(|i| i.table.name.as_str()).collect();
    crossrow::run(conn, schema, &delivered, first.extracted_on)?;
    phase.finish_and_clear();
    for (input, s) in inputs.iter().zip(&mut staged) {
        let t = input.table;
        let counts = reconcile(conn, t, s)?;
        report.tables.push((t.name.clone(), counts));
        if !s.ignored_columns.is_empty() {
            report.ignored_columns.insert(t.name.clone(), s.ignored_columns.clone());
        }
    }
    Ok(staged)
}

/// Tables staged at once: one table's stages (reading, validating, DuckDB's appender) leave
/// part of two cores idle, the appender being the slowest of them.
const STAGING_TABLES: usize = 2;

/// Stage every delivered table, [`STAGING_TABLES`] at a time, each lane on a DuckDB connection
/// of its own ([`db::in_lanes`]), largest file first so that the lanes finish together; the
/// results in input order, and of several failures the first table's error. A table's rows
/// and quarantine do not depend on what is staged beside it.
fn stage_all(
    conn: &duckdb::Connection,
    inputs: &[stage::StageInput<'_>],
    progress: bool,
) -> Result<Vec<stage::Staged>> {
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    let size = |i: usize| std::fs::metadata(&inputs[i].file.path).map_or(0, |m| m.len());
    order.sort_by_key(|&i| (std::cmp::Reverse(size(i)), i));
    // One bar a lane, drawn one under the other.
    let multi = indicatif::MultiProgress::new();
    let lanes = STAGING_TABLES.min(inputs.len()).max(1);
    let bars: Vec<ProgressBar> =
        (0..lanes).map(|_| if progress { multi.add(progress_bar(true)) } else { progress_bar(false) }).collect();
    let staged =
        db::in_lanes(conn, lanes, &order, inputs.len(), |c, lane, i| stage::stage(c, &inputs[i], &bars[lane]))?;
    for bar in &bars {
        bar.finish_and_clear();
    }
    // In input order: the first table's error (a table not staged because another failed is
    // `None`, and that failure is returned).
    staged.into_iter().flatten().collect()
}

/// Write the quarantined rows of every table (with their delivered text) to the quarantine
/// folder; return them.
fn write_quarantine(
    store: &Store,
    delivery: &Delivery,
    staged: &[stage::Staged],
    opts: &IngestOptions,
    report: &mut IngestReport,
) -> Result<Vec<Quarantined>> {
    let schema = Schema::embedded()?;
    let mut all = Vec::new();
    for (file, s) in delivery.files.iter().zip(staged) {
        let mut rows = s.quarantined.clone();
        if let Some(t) = schema.table(&file.table) {
            quarantine::attach_records(file, opts.delimiter, t, &mut rows)?;
        }
        all.extend(rows);
    }
    if !all.is_empty() {
        let dir = quarantine_dir(store, opts, &delivery.meta.source, &delivery.meta.delivery_id)?;
        report.quarantine_dir = Some(quarantine::write(&dir, &all)?);
    }
    Ok(all)
}

/// Stage the tables the delivery leaves out: kept ones from the source's store files, the
/// others empty (so that references to them resolve against nothing).
fn stage_others(
    conn: &duckdb::Connection,
    current_dir: Option<&Path>,
    current: Option<&SourceEntry>,
    schema: &Schema,
    status: &[TableStatus],
) -> Result<()> {
    for (t, s) in schema.tables.iter().zip(status) {
        match (s.status, current, &current_dir) {
            (TableAction::Replaced, _, _) => {}
            (TableAction::Kept, Some(e), Some(dir)) => {
                let files: Vec<String> = tables::files_of(e, &t.name)
                    .iter()
                    .map(|f| dir.join(&f.path).to_string_lossy().into_owned())
                    .collect();
                stage::stage_kept(conn, t, &files)?;
            }
            _ => stage::stage_empty(conn, t)?,
        }
    }
    Ok(())
}

/// The source's new entry: the delivered tables' counts and inputs, and those of the kept
/// tables from the current entry.
fn source_entry(
    delivery: &Delivery,
    staged: &[stage::Staged],
    report: &IngestReport,
    current: Option<&SourceEntry>,
    content_sha256: String,
) -> SourceEntry {
    let mut inputs: Vec<FileEntry> = delivery
        .files
        .iter()
        .zip(staged)
        .zip(&report.tables)
        .map(|((f, s), (_, c))| FileEntry {
            path: f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            rows: c.read,
            bytes: s.bytes,
            sha256: s.sha256.clone(),
        })
        .collect();
    let mut counts: BTreeMap<String, TableCounts> = report.tables.iter().cloned().collect();
    let mut kept = BTreeMap::new();
    for s in report.table_status.iter().filter(|s| s.status == TableAction::Kept) {
        let (Some(cur), Some(from)) = (current, &s.from_delivery) else { continue };
        kept.insert(s.table.clone(), from.clone());
        if let Some(c) = cur.tables.get(&s.table) {
            counts.insert(s.table.clone(), c.clone());
        }
        let stem = |p: &str| p.split('.').next().unwrap_or_default().to_owned();
        inputs.extend(cur.inputs.iter().filter(|i| stem(&i.path) == s.table).cloned());
    }
    SourceEntry {
        delivery_id: delivery.meta.delivery_id.clone(),
        extracted_on: delivery.meta.extracted_on,
        ingested_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        inputs,
        tables: counts,
        files: Vec::new(),
        content_sha256,
        kept,
    }
}

/// How each table of the format is made in the new version.
fn makes<'s>(
    schema: &'s Schema,
    status: &[TableStatus],
    counts: &[(String, TableCounts)],
    current: Option<&SourceEntry>,
) -> Vec<(&'s Table, write::Make)> {
    let rows = |t: &Table| counts.iter().find(|(n, _)| *n == t.name).map_or(0, |(_, c)| c.accepted);
    schema
        .tables
        .iter()
        .zip(status)
        .map(|(t, s)| {
            let make = match (s.status, current) {
                (TableAction::Replaced, _) => write::Make::Export { rows: rows(t) },
                (TableAction::Kept, Some(e)) => {
                    write::Make::Keep(tables::files_of(e, &t.name).into_iter().cloned().collect())
                }
                _ => write::Make::Empty,
            };
            (t, make)
        })
        .collect()
}

/// Refuse a data end after today (plus the margin): it would censor nothing and turn every
/// open window into "no event", and every later delivery of the source would be older.
fn check_data_end(delivery: &Delivery, margin_days: u32) -> Result<()> {
    let today = chrono::Local::now().date_naive();
    let latest = today + chrono::Days::new(u64::from(margin_days));
    if delivery.meta.extracted_on <= latest {
        return Ok(());
    }
    Err(IngestError::FutureDataEnd {
        path: delivery.dir.join("delivery.toml"),
        extracted_on: delivery.meta.extracted_on,
        latest,
        margin: if margin_days == 0 { String::new() } else { format!(" + {margin_days} days") },
    })
}

/// Refuse a store of another schema version (its files have other columns).
fn check_store(store: &Store, m: &Manifest, schema: &Schema) -> Result<()> {
    if m.schema_version == schema.schema_version {
        return Ok(());
    }
    Err(IngestError::StoreFormat {
        store: store.root().to_owned(),
        found: m.schema_version,
        want: schema.schema_version,
    })
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
    // A correction of the current delivery (same id) replaces it whatever its data end.
    if let Some(cur) = m.sources.get(&delivery.meta.source)
        && cur.extracted_on > delivery.meta.extracted_on
        && cur.delivery_id != delivery.meta.delivery_id
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

/// Add the cross-row quarantine of a table to its row-local one (in `staged.quarantined`, by
/// row) and check read = accepted + quarantined.
fn reconcile(conn: &duckdb::Connection, t: &Table, staged: &mut stage::Staged) -> Result<TableCounts> {
    let rows = &mut staged.quarantined;
    for c in crossrow::rows(conn, &t.name)? {
        let rule = Rule::from_id(&c.rule).ok_or(IngestError::UnknownRule(c.rule))?;
        let (row, column, message) = (c.row, c.column, c.message);
        rows.push(Quarantined { table: t.name.clone(), row, line: 0, column, rule, message, record: String::new() });
    }
    rows.sort_by_key(|q| q.row);
    let mut by_rule = BTreeMap::new();
    for q in rows.iter() {
        *by_rule.entry(q.rule.as_str().to_owned()).or_insert(0) += 1;
    }
    let accepted = crossrow::accepted(conn, &t.name)?;
    let quarantined = rows.len() as u64;
    if accepted + quarantined != staged.read {
        return Err(IngestError::Unreconciled { table: t.name.clone(), read: staged.read, accepted, quarantined });
    }
    Ok(TableCounts { read: staged.read, accepted, quarantined, by_rule })
}

fn progress_bar(show: bool) -> ProgressBar {
    crate::printer::progress_bar(show, 0, "{msg:>16} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
}
