//! Studies (docs/definitions.md §5.7, §5.10–§5.13): the outcomes of the catalogue over cohorts
//! (or over every index: a monitor study), counted per region level, period and split, written
//! as the tidy tables of data-schema/study_tables.md with counts, percentages and Wilson
//! intervals, rates per 1,000 residents (crude and age-standardised), benchmarks, and survival
//! curves with their medians.
//!
//! The way through, a file per concept:
//! - [`definition`]: the study file and its checked plan; [`catalogue`]: the outcomes;
//! - [`inputs`]: the plan, the cohorts and the reference data as DuckDB tables;
//! - [`rows`]: every outcome's index rows, dated and placed (`sql/study/units/*.sql`);
//! - [`counts`]: the additive counts (atoms) the tables are sums of;
//! - [`tables`]: cells, figures, rates and benchmarks, as the rows written;
//! - [`survival`]: Kaplan–Meier curves and medians;
//! - [`cache`]: what lets `kohort run` recompute only the changed persons;
//! - [`linkage`]: a study with `[linkage]`: the linkage tables restricted to its cohort.
//!
//! Rule chosen: the 95% interval of a proportion is Wilson's score interval with z = 1.959964
//! (the 0.975 normal quantile), reported in percent as the contract's `ci_lower`/`ci_upper` and
//! clamped to [0, 100]; a cell with denominator 0 has no percentage and no interval.

pub mod cache;
pub mod catalogue;
pub mod comparison;
pub mod counts;
pub mod definition;
pub mod family;
mod inputs;
pub mod linkage;
mod rows;
mod survival;
pub(crate) mod tables;

use std::path::{Path, PathBuf};

pub use definition::{Plan, Study, StudyDef};

use crate::db::{DbError, DbSettings, DuckContext};
use crate::sql::study as q;

/// The 0.975 quantile of the standard normal distribution.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson 95% score interval of `count` successes out of `denominator`, in percent, within
/// [0, 100]; `None` when `denominator` is 0 or `count > denominator`.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn wilson_percent(count: u64, denominator: u64) -> Option<(f64, f64)> {
    if denominator == 0 || count > denominator {
        return None;
    }
    let n = denominator as f64;
    let p = count as f64 / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((100.0 * (centre - half)).max(0.0), (100.0 * (centre + half)).min(100.0)))
}

/// Errors of a study run.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// DuckDB failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A cohort failed.
    #[error(transparent)]
    Cohort(#[from] crate::cohort::CohortError),
    /// The reference data failed.
    #[error(transparent)]
    Reference(#[from] crate::reference::ReferenceError),
    /// Opening the store failed.
    #[error(transparent)]
    Query(#[from] crate::query::QueryError),
    /// Writing failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// File trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A survival curve could not be fitted.
    #[error("study survival curve {curve}")]
    Survival {
        /// Which curve.
        curve: String,
        /// Why.
        source: crate::outcomes::survival::SurvivalError,
    },
    /// Building an Arrow table failed.
    #[error("study survival table: {0}")]
    Arrow(String),
    /// The outcome run could not be read.
    #[error(transparent)]
    Engine(Box<crate::results::ResultsError>),
    /// The study's cache could not be read or written.
    #[error("study cache {path}: {message}")]
    Cache {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The linkage tables of a linkage study could not be restricted to its cohort or written.
    #[error(transparent)]
    Linkage(#[from] crate::results::linkage_scope::ScopeError),
    /// A linkage study needs a linkage run.
    #[error("store {0} has no linkage run: run `kohort linkage --store {0}` first")]
    NoLinkageRun(PathBuf),
    /// There is no outcome run to build the study from.
    #[error("store {0} has no outcome run: run `kohort outcomes --store {0}` first")]
    NoOutcomeRun(PathBuf),
    /// The current outcome run lacks families the study's outcomes use.
    #[error(
        "the current outcome run {run} was computed without {missing} (kohort outcomes --only); the study's outcomes need them: run `kohort outcomes` without --only"
    )]
    PartialOutcomeRun {
        /// The run.
        run: String,
        /// The families it lacks.
        missing: String,
    },
    /// The study file is not valid.
    #[error("study {path}: {message}")]
    Definition {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl From<crate::results::ResultsError> for StudyError {
    fn from(e: crate::results::ResultsError) -> Self {
        StudyError::Engine(Box::new(e))
    }
}

/// How a study run went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StudyMode {
    /// Every cohort member was computed, and why.
    Full(String),
    /// Only the persons changed since the study's cache were recomputed.
    Incremental {
        /// Persons changed since the cache.
        changed: u64,
    },
}

/// Run a study over the store's current outcome run; writes `out/<name>/` (tables, survival
/// curves and medians, Parquet and CSV). Returns the output folder and the number of table rows.
pub fn run(
    store: &crate::store::Store,
    file: &Path,
    out: &Path,
    db: &DbSettings,
) -> Result<(PathBuf, u64), StudyError> {
    build(store, file, out, db, None).map(|(dir, rows, _)| (dir, rows))
}

/// [`run`] with the study's cache in the store (`STORE/studies/<name>/`, see [`cache`]): when
/// the cache can be used, only the persons changed since it are recomputed and the counts are
/// updated; the tables are the same, byte for byte. The cache is (re)written either way. The
/// caller holds the run lock.
pub fn run_cached(
    store: &crate::store::Store,
    file: &Path,
    out: &Path,
    db: &DbSettings,
    reuse: crate::results::engine::Reuse,
) -> Result<(PathBuf, u64, StudyMode), StudyError> {
    build(store, file, out, db, Some(reuse))
}

/// The outcome-run families an outcome's rows come from.
fn families(outcome: catalogue::Outcome) -> &'static [crate::outcomes::config::Family] {
    use crate::outcomes::config::Family as F;
    use catalogue::Outcome as O;
    match outcome {
        O::Reentry => &[F::Reentry, F::Spells],
        O::RereportAfterSpell => &[F::Safety, F::Spells],
        O::PriorCare => &[F::PriorCare, F::Spells],
        O::Escalation | O::Deescalation => &[F::Escalation, F::Spells],
        O::Transitions => &[F::Escalation],
        O::Rereport
        | O::RereportHousehold
        | O::FamilyOutOfHome
        | O::FamilyReport
        | O::FamilyProviders
        | O::Families
        | O::FamilyChildren => &[F::Safety],
        O::RereportAfterMeasure | O::FamilyMeasure => &[F::Safety, F::Measures],
        O::MeasureSuccess | O::MeasureDuration | O::OutOfHomeDuringMeasure | O::MeasuresImposed => &[F::Measures],
        O::RegularEnding
        | O::Dropout
        | O::ExternalEnding
        | O::UnknownEnding
        | O::GoalAttainment
        | O::Satisfaction
        | O::SeverityReduced => &[F::Indicators, F::Spells],
        // Rates, questionnaire answers and reports are read from the store's own rows.
        O::CareUse | O::CareStarts | O::CareStock | O::TrustHigh | O::InvolvementHigh | O::Reports => &[],
        O::Recidivism | O::RiskReduced => &[F::Probation, F::Measures],
    }
}

/// A study needs a current outcome run with every family its outcomes use: say what to do
/// before any query (else DuckDB would only say that a table does not exist).
/// Returns the run's outcome config.
fn require_outcome_run(
    store: &crate::store::Store,
    plan: &Plan,
) -> Result<crate::outcomes::config::OutcomeConfig, StudyError> {
    let Some(run) = crate::results::current(store)? else {
        return Err(StudyError::NoOutcomeRun(store.root().to_owned()));
    };
    use crate::outcomes::config::Family as F;
    // The family indexes at a measure or spell start read those tables (§4.8.5).
    let family_index: &[F] = match plan.family_index {
        _ if !plan.outcomes.iter().any(|o| o.is_family()) => &[],
        definition::FamilyIndex::Report => &[],
        definition::FamilyIndex::MeasureStart => &[F::Measures],
        definition::FamilyIndex::SpellStart => &[F::Spells],
    };
    let mut missing: Vec<&str> = plan
        .outcomes
        .iter()
        .flat_map(|o| families(*o).iter())
        .chain(family_index)
        .filter(|f| !run.config.families.contains(f))
        .map(|f| f.name())
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if missing.is_empty() {
        Ok(run.config)
    } else {
        Err(StudyError::PartialOutcomeRun { run: run.run, missing: missing.join(", ") })
    }
}

fn build(
    store: &crate::store::Store,
    file: &Path,
    out: &Path,
    db: &DbSettings,
    cached: Option<crate::results::engine::Reuse>,
) -> Result<(PathBuf, u64, StudyMode), StudyError> {
    let (plan, text) = Plan::read(file)?;
    let cfg = require_outcome_run(store, &plan)?;
    let periods = inputs::rate_periods(store, db, &plan)?;
    let key = match cached {
        Some(_) if cache::cacheable(&plan) => Some(cache::key(store, &text, &plan)?),
        _ => None,
    };
    let cache_plan = match (&key, cached) {
        (Some(_), Some(reuse)) if reuse.full => cache::CachePlan::Full("a full run was asked for".to_owned()),
        (Some(key), Some(reuse)) => cache::plan(store, &plan, key, &periods, reuse.compact_above)?,
        (None, Some(_)) => cache::CachePlan::Full(
            "a cohort is defined by SQL or by birth, or a family outcome follows other persons' rows".to_owned(),
        ),
        (_, None) => cache::CachePlan::Full("no cache asked for".to_owned()),
    };
    // The rate rows of periods the cache lacks, for everyone (before the changed persons'
    // connection opens: one connection at a time).
    let added = match &cache_plan {
        cache::CachePlan::Incremental(prev) => cache::added_rate_rows(store, db, &plan, &prev.added)?,
        cache::CachePlan::Full(_) => Vec::new(),
    };
    let conn = match &cache_plan {
        cache::CachePlan::Incremental(prev) => cache::open_changed(store, prev, db)?,
        cache::CachePlan::Full(_) => crate::query::open_store(store, db)?,
    };
    inputs::fill(&conn, &plan, &periods)?;
    rows::build(&conn, &plan, &cfg)?;
    let mode = match &cache_plan {
        cache::CachePlan::Incremental(prev) => {
            cache::add_rate_rows(&conn, added)?;
            cache::update(&conn, prev, &plan)?;
            StudyMode::Incremental { changed: prev.changed.len() as u64 }
        }
        cache::CachePlan::Full(why) => {
            counts::create(&conn, &plan)?;
            StudyMode::Full(why.clone())
        }
    };
    if let Some(key) = &key {
        cache::write(store, &conn, &plan.name, key, &periods, &cache_plan)?;
    }
    // The per-person rows are in the counts (and the cache) now: free their memory.
    conn.execute_batch(q::DROP_ROWS).ctx("study rows")?;
    tables::build(&conn, &plan)?;
    let curves = survival::build(&conn, &plan.name)?;
    let dir = out.join(&plan.name);
    let rows = tables::write(&conn, &plan, &dir, &curves)?;
    Ok((dir, rows, mode))
}
