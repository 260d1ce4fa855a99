//! `kohort export panel` (issue 7 part 1): a person-period panel (person-year or
//! person-quarter) of a cohort, made safe to publish (docs/definitions.md §6.4, §6.9, §6.10).
//!
//! The data flow, all heavy work in DuckDB (`sql/panel/*.sql`):
//! 1. the cohort's rules ([`crate::cohort::build_steps`]); each person's first index and exit;
//! 2. person-level values on the index date (`people.sql`): sex, birth year, municipality,
//!    youth region, household cluster, exit reason; the follow-up inside the panel bounds;
//! 3. the birth window (`birth_window.sql`): at the birth year and at its band, the periods
//!    whose rows, and the dates, that cannot narrow the published birth year; k-anonymity by
//!    local recoding then suppression ([`kanon`]), records that would narrow it withheld;
//! 4. export ids under the export key ([`ids`]); the published persons with their coarsened
//!    dates (`persons.sql`) and what the window changed ([`risk::birth`]);
//! 5. per-period facts as range joins spread over periods (`events.sql`), keyed by the rank of
//!    the export id; the rows (`rows.sql`) built, sorted and streamed one range of ranks at a
//!    time into kohort's deterministic Parquet writer, then the CSV read back from the Parquet;
//! 6. disclosure-risk figures over the published classes ([`risk::risk`]); codebook, disclosure
//!    report and reading scripts ([`docs`]); the folder is swapped in atomically.

pub mod config;
pub mod docs;
pub mod ids;
pub mod kanon;
pub mod risk;

use std::path::{Path, PathBuf};

use duckdb::Connection;
use serde::Serialize;

pub use config::{DatePrecision, PanelPlan, Period, Qi, Variable};
pub use kanon::{KanonReport, Step, StepCount};
pub use risk::{BirthReport, Diversity, RiskReport};

use crate::db::{DbError, DbSettings, DuckContext};
use crate::pseudonym::{Key, KeyError};
use crate::sql::panel as q;
use crate::store::{ParquetSink, Stage, Store};

/// Errors of a panel export.
#[derive(Debug, thiserror::Error)]
pub enum PanelError {
    /// The file is not valid TOML or has an unknown or misspelt key.
    #[error("panel file {path}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message (names the line and the key).
        source: Box<toml::de::Error>,
    },
    /// The panel file is not valid.
    #[error("panel file {path}: {message}")]
    Definition {
        /// The file.
        path: PathBuf,
        /// What is wrong (names the field).
        message: String,
    },
    /// The cohort is not valid or failed.
    #[error(transparent)]
    Cohort(#[from] crate::cohort::CohortError),
    /// The export key file.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The export key is the store's key.
    #[error(
        "export key {file} is the store's pseudonymisation key (same fingerprint): exported ids would be the store's. \
         Make an export key with `kohort key new --out FILE`, or leave out --key for an unlinkable export"
    )]
    StoreKey {
        /// The key file.
        file: PathBuf,
    },
    /// The store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Opening the store's views.
    #[error(transparent)]
    Query(#[from] crate::query::QueryError),
    /// Reference data.
    #[error(transparent)]
    Reference(#[from] crate::reference::ReferenceError),
    /// The shipped care ladder.
    #[error(transparent)]
    Schema(#[from] crate::schema::SchemaError),
    /// DuckDB failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// File trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Writing the report failed.
    #[error("writing {0}: {1}")]
    Format(PathBuf, String),
    /// An internal invariant broke (a bug).
    #[error("internal error in the panel export: {0}")]
    Internal(&'static str),
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, PanelError>;

/// Where the export key came from.
#[derive(Debug, Clone)]
pub enum ExportKey {
    /// A key file (`kohort key new`).
    File(PathBuf),
    /// A fresh random key, never written: the export links to nothing.
    Random,
}

/// What an export did (the JSON disclosure report).
#[derive(Debug, Clone, Serialize)]
pub struct PanelReport {
    /// The panel file.
    pub panel: String,
    /// Cohort name.
    pub cohort: String,
    /// `year` or `quarter`.
    pub period: Period,
    /// Lower bound of the panel, if any.
    pub from: Option<String>,
    /// Upper bound of the panel, if any.
    pub to: Option<String>,
    /// Variables, in output order.
    pub variables: Vec<&'static str>,
    /// Date precision.
    pub date_precision: DatePrecision,
    /// Quasi-identifiers checked.
    pub quasi_identifiers: Vec<&'static str>,
    /// k.
    pub k: u32,
    /// Classes also need k household clusters.
    pub household_clusters: bool,
    /// `file` (a key file; its fingerprint below) or `random` (never written).
    pub export_key: &'static str,
    /// Fingerprint of the export key (a key file only).
    pub export_key_fingerprint: Option<String>,
    /// Cohort members.
    pub members: u64,
    /// Members with several index events (the first is used).
    pub members_with_several_indexes: u64,
    /// Members with no period inside the panel bounds (not exported).
    pub members_without_periods: u64,
    /// Panel rows before disclosure control.
    pub rows_in: u64,
    /// Panel rows published.
    pub rows_out: u64,
    /// The k-anonymity steps.
    pub kanon: KanonReport,
    /// What the birth window changed (dates coarsened, rows outside it, records withheld).
    pub birth_window: BirthReport,
    /// Disclosure-risk figures over the published classes.
    pub risk: RiskReport,
}

/// Export the panel of `plan` over `store` into `out` (replaced atomically).
pub fn export_panel(
    store: &Path,
    plan: &PanelPlan,
    out: &Path,
    key: &ExportKey,
    db: &DbSettings,
) -> Result<PanelReport> {
    let store = Store::at(store);
    let manifest = store.require_manifest()?;
    let (key_bytes, key_kind, fingerprint) = match key {
        ExportKey::File(path) => {
            let k = Key::read(path)?;
            ids::check_key(&k, &manifest.key_fingerprint, path)?;
            let fp = k.fingerprint();
            (k, "file", Some(fp))
        }
        ExportKey::Random => (Key::generate(), "random", None),
    };
    let stage = Stage::beside(out)?;
    let staging = stage.path();
    // DuckDB's spill files, removed however the export ends.
    let spill_stage = Stage::new(&stage.path().with_extension("spill"))?;
    let spill = spill_stage.path();
    let result = (|| -> Result<PanelReport> {
        let conn = crate::query::open_store(&store, db)?;
        let literal = spill.to_string_lossy().replace('\'', "''");
        conn.execute_batch(&crate::db::render(q::TEMP_DIR, &[("dir", &literal)])).ctx("panel spill folder")?;
        let mut report = build(&conn, plan, &key_bytes)?;
        report.export_key = key_kind;
        report.export_key_fingerprint = fingerprint;
        report.risk = write(&conn, plan, staging)?;
        docs::write(staging, plan, &report)?;
        Ok(report)
    })();
    drop(spill_stage);
    let report = result?;
    stage.replace(out)?;
    Ok(report)
}

/// Steps 1-4: the members, their values, k-anonymity and the export ids.
fn build(conn: &Connection, plan: &PanelPlan, key: &Key) -> Result<PanelReport> {
    conn.execute_batch(q::SETUP).ctx("panel setup")?;
    settings(conn, plan)?;
    crate::cohort::build_steps(conn, &plan.cohort, &plan.cohort_base)?;
    let members = q::COHORT.replace("{{members}}", crate::sql::cohort::MEMBERS.trim().trim_end_matches(';'));
    conn.execute(&members, [i64::from(plan.cohort.exit_age)]).ctx("panel members")?;
    conn.execute_batch(q::PEOPLE).ctx("panel: person-level values")?;
    conn.execute_batch(q::BIRTH_WINDOW).ctx("panel: birth window")?;
    let (members, with_periods, rows_in, several): (i64, i64, i64, i64) =
        conn.query_row(q::FIGURES, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).ctx("panel figures")?;
    let kanon = kanon::run(conn, plan.has_qi(Qi::Municipality), plan.has_qi(Qi::BirthYear))?;
    ids::fill(conn, key)?;
    conn.execute_batch(q::PERSONS).ctx("panel: published persons")?;
    let withheld = risk::Count { persons: kanon.withheld.persons, rows: kanon.withheld.rows };
    let (birth_window, rows_out) = risk::birth(conn, plan, withheld)?;
    let dropped = kanon.steps.last().map_or(0, |s| s.rows) + withheld.rows + birth_window.outside_window.rows;
    if rows_in.unsigned_abs() != rows_out + dropped {
        return Err(PanelError::Internal("published rows do not add up to the rows before disclosure control"));
    }
    Ok(PanelReport {
        panel: plan.file.file_name().map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
        cohort: plan.cohort.name.clone(),
        period: plan.period,
        from: plan.from.map(|d| d.to_string()),
        to: plan.to.map(|d| d.to_string()),
        variables: plan.variables.iter().map(|v| v.name()).collect(),
        date_precision: plan.date_precision,
        quasi_identifiers: plan.quasi_identifiers.iter().map(|q| config::qi_name(*q)).collect(),
        k: plan.k,
        household_clusters: plan.household_clusters,
        export_key: "",
        export_key_fingerprint: None,
        members: members.unsigned_abs(),
        members_with_several_indexes: several.unsigned_abs(),
        members_without_periods: (members - with_periods).unsigned_abs(),
        rows_in: rows_in.unsigned_abs(),
        rows_out,
        kanon,
        birth_window,
        risk: RiskReport::default(),
    })
}

/// The parameters, the ladder and the youth regions into their tables.
fn settings(conn: &Connection, plan: &PanelPlan) -> Result<()> {
    let far = |d: Option<chrono::NaiveDate>, default: &str| d.map_or_else(|| default.to_owned(), |d| d.to_string());
    conn.execute(
        crate::sql::panel::SETTINGS,
        duckdb::params![
            plan.period.months(),
            plan.date_precision.as_str(),
            far(plan.from, "0001-01-01"),
            far(plan.to, "9999-12-31"),
            i64::from(plan.cohort.exit_age),
            i64::from(plan.k),
            plan.household_clusters,
            plan.has_qi(Qi::Sex),
            plan.has_qi(Qi::BirthYear),
            plan.has_qi(Qi::Municipality),
            i64::from(plan.index_after()),
            i64::from(plan.index_within()),
            far(plan.cohort.entry_from, "0001-01-01"),
            far(plan.cohort.entry_to, "9999-12-31"),
        ],
    )
    .ctx("panel settings")?;
    let ladder = crate::schema::Ladder::embedded()?;
    let mut app = conn.appender("panel_ladder").ctx("panel ladder")?;
    for (form, level) in &ladder.levels {
        app.append_row(duckdb::params![form, i32::from(*level)]).ctx("panel ladder")?;
    }
    drop(app);
    let regions = crate::reference::YouthRegions::shipped()?;
    let mut app = conn.appender("panel_regions").ctx("panel regions")?;
    for r in regions.rows() {
        app.append_row(duckdb::params![r.municipality, r.youth_region, r.valid_from_year, r.valid_to_year])
            .ctx("panel regions")?;
    }
    Ok(())
}

/// The output columns: the ids, the period, then the chosen variables.
pub fn columns(plan: &PanelPlan) -> Vec<&'static str> {
    let mut cols = vec!["person"];
    if plan.household_clusters {
        cols.push("household");
    }
    cols.push("year");
    if plan.period == Period::Quarter {
        cols.push("quarter");
    }
    cols.extend(plan.variables.iter().map(|v| v.name()));
    cols
}

/// Persons per rank range of `rows.sql`: each range is joined, sorted and streamed on its own,
/// so memory follows the range (a person has one row per period of follow-up), not the panel.
/// A fixed number, though the output never depends on it.
const RANK_RANGE: i64 = 65_536;

/// Step 5: the per-period facts and the two data files. `panel.parquet` is streamed range by
/// range of ranks through kohort's deterministic writer (fixed batches and row groups), so its
/// bytes depend neither on `--threads` nor on `--memory-limit`; `panel.csv` is read back from it.
/// Returns the risk figures over what was written.
fn write(conn: &Connection, plan: &PanelPlan, dir: &Path) -> Result<RiskReport> {
    conn.execute_batch(q::EVENTS).ctx("panel: per-period facts")?;
    let parquet = dir.join("panel.parquet");
    stream_rows(conn, plan, &parquet)?;
    let literal = |p: &Path| p.to_string_lossy().replace('\'', "''");
    let files = [("parquet", literal(&parquet)), ("file", literal(&dir.join("panel.csv")))];
    let copy = crate::db::render(q::COPY_CSV, &files.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>());
    conn.execute(&copy, []).ctx("writing panel.csv")?;
    risk::risk(conn, plan)
}

/// `rows.sql` for each range of ranks in turn, streamed into `path` in output order.
fn stream_rows(conn: &Connection, plan: &PanelPlan, path: &Path) -> Result<()> {
    let cols: Vec<String> = columns(plan).iter().map(|c| crate::db::ident(c)).collect();
    let persons: i64 = conn.query_row(q::PUBLISHED, [], |r| r.get(0)).ctx("panel rows")?;
    let mut stmt = conn.prepare(&crate::db::render(q::ROWS, &[("columns", &cols.join(", "))])).ctx("panel rows")?;
    let mut sink: Option<ParquetSink> = None;
    let mut lo = 0;
    // At least one range, so that an empty panel still gets its schema.
    while lo == 0 || lo < persons {
        let stream = stmt.stream_arrow([lo, lo + RANK_RANGE]).ctx("panel rows")?;
        let file = match sink.as_mut() {
            Some(file) => file,
            None => sink.insert(ParquetSink::create(path, "panel.parquet", stream.get_schema())?),
        };
        for batch in stream {
            file.push(batch.ctx("panel rows")?)?;
        }
        lo += RANK_RANGE;
    }
    sink.ok_or(PanelError::Internal("panel.parquet not open"))?.finish()?;
    Ok(())
}
