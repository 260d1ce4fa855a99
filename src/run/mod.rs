//! `kohort run PLAN.toml`: the scheduled job. Ingest new deliveries from the inboxes,
//! recompute outcomes (incrementally when it can), build every study's tables and publish
//! them atomically with a run manifest.
//!
//! ```text
//! PUBLISH/current -> runs/r000007         symlink, replaced atomically at the very end
//! PUBLISH/runs/r000007/<study>/           the study's disclosure-controlled export (tables,
//!                                         survival, codebook, disclosure report, readers)
//! PUBLISH/runs/r000007/panels/<panel>/    each panel of the plan (`kohort export panel`)
//! PUBLISH/runs/r000007/run_manifest.json  inputs and their hashes, config hash, version,
//!                                         parameters, times, row counts, every published file
//! STORE/study_tables/<study>/             the raw study tables (never published)
//! PUBLISH/state.json                      deliveries refused (not validated again until
//!                                         their files or their source in the store change),
//!                                         content hashes of inbox deliveries
//! STORE/.run.lock                         one `kohort run` at a time
//! ```
//! A run killed at any moment leaves `current` on the previous run; what it ingested or
//! recomputed before dying is itself published atomically in the store, so the next run
//! picks up from there and publishes the same tables an uninterrupted run would have.
//! (The kill tests stop a run at a named step, `KOHORT_FAULT=run:ingested|run:outcomes|run:studies`
//! or any step of the publication routine, in a build with the `fault-points` feature.)

mod inbox;
mod plan;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::Utc;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use inbox::{Found, Refused};
pub use plan::{ExportSettings, Plan, PlanFile};

use crate::db::DbSettings;
use crate::outcomes::config::OutcomeConfig;
use crate::outcomes::kernels::{PersonOutcomes, compute};
use crate::pseudonym::Key;
use crate::results::batches::to_batches_for;
use crate::results::engine::{self, RunMode};
use crate::store::publication::{Keep, Pointer, fault};
use crate::store::{FileEntry, Stage, Store, StoreError, StoreLock};
use crate::timelines::PersonTimeline;

/// Errors that stop a run (a refused delivery does not: it is reported).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The file is not valid TOML or has an unknown or misspelt key.
    #[error("plan {path}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message (names the line and the key).
        source: Box<toml::de::Error>,
    },
    /// The plan file is not valid.
    #[error("plan {path}: {message}")]
    Plan {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Another `kohort run` holds the run lock.
    #[error("another kohort run is working on store {0} (lock STORE/.run.lock); this run did nothing")]
    Busy(PathBuf),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Ingest failed in a way that is not the delivery's fault.
    #[error("ingesting {dir}")]
    Ingest {
        /// The delivery.
        dir: PathBuf,
        /// Why.
        source: Box<crate::ingest::IngestError>,
    },
    /// The outcome engine failed.
    #[error(transparent)]
    Engine(Box<crate::results::ResultsError>),
    /// The outcome config is not valid.
    #[error(transparent)]
    Config(Box<crate::outcomes::config::ConfigError>),
    /// A study failed.
    #[error("study {path}")]
    Study {
        /// The study file.
        path: PathBuf,
        /// Why.
        source: Box<crate::study::StudyError>,
    },
    /// A study's export failed.
    #[error("exporting study {path}")]
    Export {
        /// The study file.
        path: PathBuf,
        /// Why.
        source: Box<crate::export::ExportError>,
    },
    /// A study's factsheets failed.
    #[error("factsheets of study {path}")]
    Factsheet {
        /// The study file.
        path: PathBuf,
        /// Why.
        source: Box<crate::factsheet::FactsheetError>,
    },
    /// A panel failed.
    #[error("panel {path}")]
    Panel {
        /// The panel file.
        path: PathBuf,
        /// Why.
        source: Box<crate::panel::PanelError>,
    },
    /// The key file could not be read.
    #[error(transparent)]
    Key(#[from] crate::pseudonym::KeyError),
    /// File trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// JSON trouble.
    #[error("{path}: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, RunError>;

impl From<crate::results::ResultsError> for RunError {
    fn from(e: crate::results::ResultsError) -> Self {
        Self::Engine(Box::new(e))
    }
}

impl From<crate::outcomes::config::ConfigError> for RunError {
    fn from(e: crate::outcomes::config::ConfigError) -> Self {
        Self::Config(Box::new(e))
    }
}

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Recompute every person (the default recomputes only persons changed since the
    /// current outcome run).
    pub full: bool,
    /// DuckDB and rayon resources.
    pub db: DbSettings,
    /// Draw progress bars.
    pub progress: bool,
}

/// What happened to one delivery found in an inbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DeliveryResult {
    /// Source.
    pub source: String,
    /// Delivery id.
    pub delivery_id: String,
    /// The folder.
    pub dir: PathBuf,
    /// Store version it was published as; `None` when refused.
    pub published_version: Option<u64>,
    /// Rows read, accepted and quarantined.
    pub read: u64,
    /// Rows accepted.
    pub accepted: u64,
    /// Rows quarantined.
    pub quarantined: u64,
    /// Why it was refused (or "refused before").
    pub refused: Option<String>,
    /// `delivery` (a delivery id new to the store) or `correction` (an id the store has held,
    /// with changed files); empty when the folder could not be examined.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Tables the delivery left out whose rows were kept from an earlier delivery.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept_tables: Vec<String>,
    /// Tables the delivery left out and emptied (`replace_missing_tables = true`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emptied_tables: Vec<String>,
}

/// A study's published tables.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StudyResult {
    /// Study name (its folder).
    pub name: String,
    /// The study file.
    pub file: PathBuf,
    /// Table rows.
    pub rows: u64,
    /// Files written, relative to the run folder.
    pub files: Vec<FileEntry>,
    /// `incremental` (from the study's cache, for the persons changed since) or `full`.
    #[serde(default)]
    pub mode: StepMode,
    /// Why it was full, or how many persons changed.
    #[serde(default)]
    pub reason: String,
}

/// How a step of the run computed its output (written in the manifest in snake case).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StepMode {
    /// Nothing changed since the previous run: its output is reused as it is.
    UpToDate,
    /// Only the persons changed since the previous run were recomputed (changes kept as deltas).
    Incremental,
    /// Only the changed persons were recomputed, and merged into new base files.
    IncrementalCompacted,
    /// Everything was computed from the store.
    #[default]
    Full,
}

impl std::fmt::Display for StepMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::UpToDate => "up_to_date",
            Self::Incremental => "incremental",
            Self::IncrementalCompacted => "incremental_compacted",
            Self::Full => "full",
        })
    }
}

/// A store source as the run read it: its current delivery and the delivered files' hashes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct InputSource {
    /// Source.
    pub source: String,
    /// Delivery id.
    pub delivery_id: String,
    /// Data end.
    pub extracted_on: chrono::NaiveDate,
    /// Delivered files with their SHA-256.
    pub files: Vec<FileEntry>,
}

/// The outcome step.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OutcomeStep {
    /// The outcome run (folder under `STORE/results/`).
    pub run: String,
    /// `up_to_date`, `incremental` (changes written as deltas), `incremental_compacted`
    /// (changes merged into new base files) or `full`.
    pub mode: StepMode,
    /// Why a full run (when it was one).
    pub reason: Option<String>,
    /// Persons in the run.
    pub persons: u64,
    /// Persons listed as changed since the previous outcome run (incremental runs).
    pub changed: u64,
    /// Persons recomputed.
    pub recomputed: u64,
    /// Rows per result table in its base files.
    pub rows: BTreeMap<String, u64>,
    /// Rows per result table in its delta files (incremental runs that wrote deltas): the
    /// table holds these and the base rows of the persons not superseded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub delta_rows: BTreeMap<String, u64>,
    /// Persons whose base rows the per-bucket deltas supersede.
    #[serde(default)]
    pub superseded_persons: u64,
}

/// `run_manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PublishedRun {
    /// Run id (folder under `PUBLISH/runs/`).
    pub run: String,
    /// kohort version.
    pub kohort_version: String,
    /// Start (UTC, RFC 3339).
    pub started_at: String,
    /// End (UTC, RFC 3339).
    pub finished_at: String,
    /// The plan file.
    pub plan: PathBuf,
    /// SHA-256 over the plan, the outcome config, every study and cohort file.
    pub config_hash: String,
    /// Parameters.
    pub parameters: BTreeMap<String, String>,
    /// Store version the tables were computed from.
    pub store_version: u64,
    /// Fingerprint of the store's pseudonymisation key.
    pub key_fingerprint: String,
    /// Every source of the store as read.
    pub inputs: Vec<InputSource>,
    /// Deliveries handled by this run.
    pub deliveries: Vec<DeliveryResult>,
    /// The outcome step.
    pub outcomes: OutcomeStep,
    /// The studies: their disclosure-controlled exports.
    pub studies: Vec<StudyResult>,
    /// The panels of the plan.
    #[serde(default)]
    pub panels: Vec<StudyResult>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The manifest of the published run; `None` when nothing changed since the current one.
    pub published: Option<PublishedRun>,
    /// Deliveries handled (ingested or refused).
    pub deliveries: Vec<DeliveryResult>,
    /// The published folder (`PUBLISH/current`).
    pub current: PathBuf,
}

impl RunReport {
    /// Whether something needs a person's attention (quarantined rows, a refused delivery).
    pub fn finding(&self) -> bool {
        self.deliveries.iter().any(|d| d.refused.is_some() || d.quarantined > 0)
    }

    /// Whether a delivery was refused (nothing of it was published).
    pub fn refused(&self) -> bool {
        self.deliveries.iter().any(|d| d.refused.is_some())
    }
}

/// Messages to the terminal and the log file.
pub struct Log {
    file: Option<std::fs::File>,
    printer: crate::printer::Printer,
}

impl Log {
    /// A log appending to `path` (when given) and printing through `printer`.
    pub fn open(path: Option<&Path>, printer: crate::printer::Printer) -> Result<Self> {
        let file = match path {
            Some(p) => {
                if let Some(dir) = p.parent() {
                    fs_err::create_dir_all(dir)?;
                }
                Some(fs_err::OpenOptions::new().create(true).append(true).open(p)?.into_parts().0)
            }
            None => None,
        };
        Ok(Self { file, printer })
    }

    /// One message.
    pub fn say(&mut self, msg: impl std::fmt::Display) {
        self.printer.info(&msg);
        if let Some(f) = self.file.as_mut() {
            let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let _ = writeln!(f, "{now} {msg}");
        }
    }
}

/// Run a plan.
pub fn execute(plan: &Plan, opts: &RunOptions, log: &mut Log) -> Result<RunReport> {
    let p = &plan.file;
    let started_at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let _run_lock = match StoreLock::acquire_named(&p.store, ".run.lock") {
        Ok(l) => l,
        Err(StoreError::Locked(_)) => return Err(RunError::Busy(p.store.clone())),
        Err(e) => return Err(e.into()),
    };
    log.say(format_args!("run {} started", plan.path.display()));
    let store = Store::at(&p.store);
    let key = Key::read(&p.key)?;
    let cfg = match &p.outcomes {
        Some(path) => crate::results::read_config(path)?,
        None => OutcomeConfig::default(),
    };

    // 1. New deliveries, oldest data end first.
    let deliveries = inbox::ingest_new(plan, &store, &key, opts, log)?;

    let Some(manifest) = store.manifest()? else {
        log.say("the store is empty and no delivery was found: nothing to compute");
        return Ok(RunReport { published: None, deliveries, current: p.publish.join("current") });
    };

    fault("run:ingested");

    // 2. Outcomes.
    let kernel = |people: &[PersonTimeline]| {
        let rows: Vec<PersonOutcomes> = people.iter().map(|t| compute(t, &cfg)).collect();
        to_batches_for(&rows, &cfg)
    };
    let bar = crate::printer::progress_bar(opts.progress, 0, "outcomes [{bar:40}] bucket {pos}/{len} {elapsed}");
    let reuse =
        engine::Reuse { full: opts.full, compact_above: p.compact_above.unwrap_or(engine::DEFAULT_COMPACT_ABOVE) };
    let (outcome_run, mode) = engine::run_incremental(&store, &cfg, &opts.db, &kernel, &bar, reuse)?;
    bar.finish_and_clear();
    let outcomes = outcome_step(&outcome_run, &mode);
    match &mode {
        RunMode::UpToDate => log.say(format_args!("outcomes: run {} is up to date", outcome_run.run)),
        RunMode::Incremental { changed, recomputed, compacted } => log.say(format_args!(
            "outcomes: run {} (incremental: {changed} persons changed, {recomputed} of the run's {} recomputed; {})",
            outcome_run.run,
            outcome_run.persons,
            if *compacted { "merged into new base files" } else { "written as deltas" }
        )),
        RunMode::Full(why) => {
            log.say(format_args!("outcomes: run {} (full: {why}; {} persons)", outcome_run.run, outcome_run.persons));
        }
    }

    fault("run:outcomes");

    // 3. Nothing new since the published run: keep it.
    let config_hash = config_hash(plan, &cfg)?;
    let runs = p.publish.join("runs");
    let current = p.publish.join("current");
    if let Some(prev) = published(&current)?
        && prev.store_version == manifest.version
        && prev.config_hash == config_hash
        && prev.kohort_version == env!("CARGO_PKG_VERSION")
        && !opts.full
    {
        log.say(format_args!("nothing new since run {}: it stays published", prev.run));
        prune_changes(&store, log)?;
        return Ok(RunReport { published: None, deliveries, current });
    }

    // 4. Studies into a staging folder, then the manifest, then the switch.
    fs_err::create_dir_all(&runs)?;
    let id = next_run_id(&runs)?;
    let stage = Stage::new(&runs.join(format!(".staging-{id}")))?;
    let staging = stage.path().to_owned();
    let studies = publish_studies(&store, p, &staging, opts, reuse, log)?;
    let panels = publish_panels(&store, p, &staging, opts, log)?;
    let m = PublishedRun {
        run: id.clone(),
        kohort_version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at,
        finished_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        plan: plan.path.clone(),
        config_hash,
        parameters: parameters(plan, opts),
        store_version: manifest.version,
        key_fingerprint: manifest.key_fingerprint.clone(),
        inputs: manifest
            .sources
            .iter()
            .map(|(s, e)| InputSource {
                source: s.clone(),
                delivery_id: e.delivery_id.clone(),
                extracted_on: e.extracted_on,
                files: e.inputs.clone(),
            })
            .collect(),
        deliveries: deliveries.clone(),
        outcomes,
        studies,
        panels,
    };
    write_json(&staging.join("run_manifest.json"), &m)?;
    fault("run:studies");
    let previous =
        fs_err::read_link(&current).ok().and_then(|t| t.file_name().map(|n| n.to_string_lossy().into_owned()));
    let pointer = Pointer::Symlink { path: &current, target: Path::new("runs").join(&id) };
    stage.publish(&runs, &id, &pointer, &Keep { previous: previous.as_deref(), is_generation: Some(is_run_id) })?;
    log.say(format_args!("published run {id}: {}", current.display()));
    prune_changes(&store, log)?;
    Ok(RunReport { published: Some(m), deliveries, current })
}

/// Where `kohort run` keeps the raw study tables (inside the store, for the research team's
/// own work; never published).
pub const STUDY_TABLES: &str = "study_tables";

/// The file, in a study's cache folder, that keeps the suppression patterns of its last export.
pub const EXPORT_PATTERNS: &str = "export_patterns.bin";

/// Build every study of the plan (raw tables into `STORE/study_tables/`, incrementally from
/// its cache when it can) and publish its disclosure-controlled export into `staging/<study>/`.
/// Caches and raw tables of studies the plan no longer names are removed.
fn publish_studies(
    store: &Store,
    p: &PlanFile,
    staging: &Path,
    opts: &RunOptions,
    reuse: engine::Reuse,
    log: &mut Log,
) -> Result<Vec<StudyResult>> {
    let raw_root = store.root().join(STUDY_TABLES);
    let settings = crate::export::TablesOptions {
        min_count: p.export.min_count,
        publish_zeros: p.export.publish_zeros,
        round_base: p.export.round_base,
        youth_regions: None,
    };
    let mut studies = Vec::new();
    for file in &p.studies {
        let study_err = |source| RunError::Study { path: file.clone(), source: Box::new(source) };
        let (raw, rows, mode) = crate::study::run_cached(store, file, &raw_root, &opts.db, reuse).map_err(study_err)?;
        let name = raw.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let out = staging.join(&name);
        // The suppression patterns of the last run's export: systems whose figures did not
        // change are not protected again (the same pattern, found faster).
        let patterns = store.root().join(crate::study::cache::DIR).join(&name).join(EXPORT_PATTERNS);
        if opts.full {
            crate::store::publication::remove_if_present(&patterns)?;
        }
        // A study built in full every time (family or questionnaire outcomes) has no cache
        // folder of its own: its patterns still need one.
        if let Some(dir) = patterns.parent() {
            fs_err::create_dir_all(dir)?;
        }
        let report = crate::export::export_tables_cached(&raw, &out, &settings, &opts.db, Some(&patterns))
            .map_err(|source| RunError::Export { path: file.clone(), source: Box::new(source) })?;
        let mut files = published_files(&out, &name)?;
        if p.export.factsheets {
            let (pack, note) = publish_factsheets(&out, &name, file, &opts.db, p.export.pdf)?;
            files.extend(pack);
            log.say(format_args!("study {name}: factsheets in {name}/factsheets/index.html"));
            if let Some(note) = note {
                log.say(format_args!("study {name}: {note}"));
            }
        }
        let how = match &mode {
            crate::study::StudyMode::Incremental { changed } => format!("incremental: {changed} persons changed"),
            crate::study::StudyMode::Full(why) => format!("full: {why}"),
        };
        log.say(format_args!(
            "study {name}: {rows} table rows ({how}); published with {} rows suppressed (primary) and {} (secondary), minimum count {}; {} of {} table systems protected again ({:.1} s)",
            report.rows_primary,
            report.rows_secondary,
            report.min_count,
            report.systems - report.systems_reused,
            report.systems,
            report.suppression_seconds
        ));
        let (mode, reason) = match mode {
            crate::study::StudyMode::Incremental { changed } => {
                (StepMode::Incremental, format!("{changed} persons changed"))
            }
            crate::study::StudyMode::Full(why) => (StepMode::Full, why),
        };
        studies.push(StudyResult { name, file: file.clone(), rows, files, mode, reason });
    }
    let names: Vec<&str> = studies.iter().map(|s| s.name.as_str()).collect();
    for root in [raw_root, store.root().join(crate::study::cache::DIR)] {
        forget_other_studies(&root, &names)?;
    }
    Ok(studies)
}

/// Build the factsheets of a study's export `out` into `out/factsheets/`; their files as
/// published files of the run (`<study>/factsheets/...`), and why there are no PDFs if so.
fn publish_factsheets(
    out: &Path,
    name: &str,
    study: &Path,
    db: &DbSettings,
    pdf: crate::factsheet::PdfMode,
) -> Result<(Vec<FileEntry>, Option<String>)> {
    let pack = out.join("factsheets");
    let report = crate::factsheet::build(out, &pack, db, pdf)
        .map_err(|source| RunError::Factsheet { path: study.to_owned(), source: Box::new(source) })?;
    let mut files = published_files(&pack, &format!("{name}/factsheets"))?;
    for lang in crate::factsheet::i18n::LANGUAGES {
        files.extend(published_files(&pack.join(lang), &format!("{name}/factsheets/{lang}"))?);
    }
    Ok((files, report.pdf_note))
}

/// Remove the per-study folders under `root` of studies not in `names` (a plan that drops a
/// study would otherwise keep its cache, and the change lists it waits for, for ever).
fn forget_other_studies(root: &Path, names: &[&str]) -> Result<()> {
    let Ok(entries) = fs_err::read_dir(root) else { return Ok(()) };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && !names.contains(&name.as_str()) && entry.file_type()?.is_dir() {
            crate::store::publication::remove_if_present(&entry.path())?;
        }
    }
    Ok(())
}

/// Export every panel of the plan into `staging/panels/<panel>/`.
fn publish_panels(
    store: &Store,
    p: &PlanFile,
    staging: &Path,
    opts: &RunOptions,
    log: &mut Log,
) -> Result<Vec<StudyResult>> {
    let key = p.export_key.clone().map_or(crate::panel::ExportKey::Random, crate::panel::ExportKey::File);
    let mut panels = Vec::new();
    for file in &p.panels {
        let panel_err = |source| RunError::Panel { path: file.clone(), source: Box::new(source) };
        let plan = crate::panel::PanelPlan::read(file).map_err(panel_err)?;
        let name = file.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let out = staging.join("panels").join(&name);
        let r = crate::panel::export_panel(store.root(), &plan, &out, &key, &opts.db).map_err(panel_err)?;
        log.say(format_args!(
            "panel {name}: {} rows of {} persons published (k = {})",
            r.rows_out, r.kanon.persons_out, r.k
        ));
        let files = published_files(&out, &format!("panels/{name}"))?;
        panels.push(StudyResult {
            name,
            file: file.clone(),
            rows: r.rows_out,
            files,
            mode: StepMode::Full,
            reason: String::new(),
        });
    }
    Ok(panels)
}

/// Every file of a published folder, by name, with its size and SHA-256 (`rel`: the folder's
/// path in the run).
fn published_files(dir: &Path, rel: &str) -> Result<Vec<FileEntry>> {
    let mut names: Vec<String> = Vec::new();
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    names.par_iter().map(|f| file_entry(&dir.join(f), &format!("{rel}/{f}"))).collect()
}

/// Remove the store's change lists that no outcome run or study cache needs any more.
fn prune_changes(store: &Store, log: &mut Log) -> Result<()> {
    let pruned = crate::study::cache::prune_changes(store)
        .map_err(|source| RunError::Study { path: store.root().to_owned(), source: Box::new(source) })?;
    if pruned.files > 0 {
        log.say(format_args!("removed {} change lists no longer needed ({} bytes)", pruned.files, pruned.bytes));
    }
    Ok(())
}

fn outcome_step(run: &crate::results::RunManifest, mode: &RunMode) -> OutcomeStep {
    let (mode, reason, changed, recomputed) = match mode {
        RunMode::UpToDate => (StepMode::UpToDate, None, 0, 0),
        RunMode::Incremental { changed, recomputed, compacted: false } => {
            (StepMode::Incremental, None, *changed, *recomputed)
        }
        RunMode::Incremental { changed, recomputed, compacted: true } => {
            (StepMode::IncrementalCompacted, None, *changed, *recomputed)
        }
        RunMode::Full(why) => (StepMode::Full, Some(why.clone()), 0, run.persons),
    };
    OutcomeStep {
        run: run.run.clone(),
        mode,
        reason,
        persons: run.persons,
        changed,
        recomputed,
        rows: run.tables.iter().map(|(t, files)| (t.clone(), files.iter().map(|f| f.rows).sum())).collect(),
        delta_rows: run
            .deltas
            .iter()
            .filter(|(_, files)| !files.is_empty())
            .map(|(t, files)| (t.clone(), files.iter().map(|f| f.rows).sum()))
            .collect(),
        superseded_persons: run.superseded_persons(),
    }
}

/// SHA-256 over the plan, the outcome config and every study and cohort definition it uses.
fn config_hash(plan: &Plan, cfg: &OutcomeConfig) -> Result<String> {
    let mut h = Sha256::new();
    h.update(plan.text.as_bytes());
    h.update(crate::results::config_hash(cfg)?.as_bytes());
    for file in &plan.file.panels {
        h.update(fs_err::read(file)?);
    }
    for file in &plan.file.studies {
        let text = fs_err::read(file)?;
        h.update(&text);
        let def: crate::study::StudyDef = toml::from_str(&String::from_utf8_lossy(&text))
            .map_err(|e| RunError::Plan { path: file.clone(), message: e.to_string() })?;
        let base = file.parent().unwrap_or_else(|| Path::new("."));
        for rel in &def.cohorts {
            let path = base.join(rel);
            h.update(fs_err::read(&path)?);
            let cdef = crate::cohort::CohortDef::read(&path)
                .map_err(|e| RunError::Plan { path: path.clone(), message: e.to_string() })?;
            if let Some(sql) = &cdef.sql {
                h.update(fs_err::read(path.parent().unwrap_or(base).join(sql))?);
            }
        }
    }
    Ok(hex::encode(h.finalize()))
}

fn parameters(plan: &Plan, opts: &RunOptions) -> BTreeMap<String, String> {
    let p = &plan.file;
    let mut m = BTreeMap::new();
    m.insert("full".to_owned(), opts.full.to_string());
    m.insert("threads".to_owned(), opts.db.threads.to_string());
    m.insert("memory_limit".to_owned(), opts.db.memory_limit.clone());
    m.insert("max_reject_rate".to_owned(), plan.max_reject_rate().to_string());
    m.insert("future_margin_days".to_owned(), p.future_margin_days.unwrap_or(0).to_string());
    m.insert("delimiter".to_owned(), p.delimiter.to_string());
    m.insert("store".to_owned(), p.store.display().to_string());
    m.insert("inboxes".to_owned(), p.inboxes.iter().map(|i| i.display().to_string()).collect::<Vec<_>>().join(";"));
    m.insert("export.min_count".to_owned(), p.export.min_count.to_string());
    m.insert("export.round_base".to_owned(), p.export.round_base.to_string());
    m.insert("export.publish_zeros".to_owned(), p.export.publish_zeros.to_string());
    m
}

fn file_entry(path: &Path, rel: &str) -> Result<FileEntry> {
    let bytes = fs_err::read(path)?;
    Ok(FileEntry {
        path: rel.to_owned(),
        rows: 0,
        bytes: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(&bytes)),
    })
}

/// Check the published run of `publish`: `current` names a run whose manifest lists files
/// that are all there with their recorded size and SHA-256. The run and the files checked,
/// or `None` when nothing was published yet.
pub fn verify_published(publish: &Path) -> Result<Option<(String, usize)>> {
    let current = publish.join("current");
    if fs_err::symlink_metadata(&current).is_err() {
        return Ok(None);
    }
    let corrupt = |problem: String| RunError::Store(StoreError::Corrupt { store: publish.to_owned(), problem });
    let m = published(&current)?.ok_or_else(|| corrupt(format!("{} names no run", current.display())))?;
    let files: Vec<FileEntry> = m.studies.iter().chain(&m.panels).flat_map(|s| s.files.iter().cloned()).collect();
    let n = crate::store::verify_files(&current, &files).map_err(|p| corrupt(format!("run {}: {p}", m.run)))?;
    Ok(Some((m.run, n)))
}

/// The manifest of the published run, if any.
pub fn published(current: &Path) -> Result<Option<PublishedRun>> {
    read_json(&current.join("run_manifest.json"))
}

/// Run folders are `r` and digits.
fn is_run_id(name: &str) -> bool {
    name.len() > 1 && name.starts_with('r') && name[1..].bytes().all(|b| b.is_ascii_digit())
}

fn run_ids(runs: &Path) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for entry in fs_err::read_dir(runs)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if is_run_id(&name) {
            ids.push(name);
        }
    }
    Ok(ids)
}

fn next_run_id(runs: &Path) -> Result<String> {
    let last = run_ids(runs)?.iter().filter_map(|i| i[1..].parse::<u64>().ok()).max().unwrap_or(0);
    Ok(format!("r{:06}", last + 1))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    crate::store::read_json(path).map_err(|e| RunError::Json { path: path.to_owned(), message: e.to_string() })
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    crate::store::write_json_atomic(path, value)
        .map_err(|e| RunError::Json { path: path.to_owned(), message: e.to_string() })
}
