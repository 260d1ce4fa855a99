//! `kohort run PLAN.toml`: the scheduled job. Ingest new deliveries from the inboxes,
//! recompute outcomes (incrementally when it can), build every study's tables and publish
//! them atomically with a run manifest.
//!
//! ```text
//! PUBLISH/current -> runs/r000007         symlink, replaced atomically at the very end
//! PUBLISH/runs/r000007/<study>/tables.parquet, tables.csv
//! PUBLISH/runs/r000007/run_manifest.json  inputs and their hashes, config hash, version,
//!                                         parameters, times, row counts
//! PUBLISH/state.json                      deliveries refused (not validated again until
//!                                         their files change)
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
pub use plan::{Plan, PlanFile};

use crate::db::DbSettings;
use crate::ingest::{IngestError, IngestOptions};
use crate::outcomes::config::OutcomeConfig;
use crate::outcomes::engine::{self, RunMode};
use crate::outcomes::kernels::{PersonOutcomes, compute, to_batches_for};
use crate::outcomes::timeline::PersonTimeline;
use crate::pseudonym::Key;
use crate::store::publication::{Keep, Pointer, fault};
use crate::store::{FileEntry, Stage, Store, StoreError, StoreLock};

/// Errors that stop a run (a refused delivery does not: it is reported).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
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
    #[error("ingesting {dir}: {source}")]
    Ingest {
        /// The delivery.
        dir: PathBuf,
        /// Why.
        source: Box<IngestError>,
    },
    /// The outcome engine failed.
    #[error(transparent)]
    Engine(Box<engine::EngineError>),
    /// The outcome config is not valid.
    #[error(transparent)]
    Config(Box<crate::outcomes::config::ConfigError>),
    /// A study failed.
    #[error("study {path}: {source}")]
    Study {
        /// The study file.
        path: PathBuf,
        /// Why.
        source: Box<crate::study::StudyError>,
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

impl From<engine::EngineError> for RunError {
    fn from(e: engine::EngineError) -> Self {
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
    pub mode: String,
    /// Why it was full, or how many persons changed.
    #[serde(default)]
    pub reason: String,
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
    pub mode: String,
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
pub struct RunManifest {
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
    /// The studies.
    pub studies: Vec<StudyResult>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The manifest of the published run; `None` when nothing changed since the current one.
    pub published: Option<RunManifest>,
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
        Some(path) => OutcomeConfig::read(path)?,
        None => OutcomeConfig::default(),
    };

    // 1. New deliveries, oldest data end first.
    let deliveries = ingest_new(plan, &store, &key, opts, log)?;

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
            log.say(format_args!("outcomes: run {} (full: {why}; {} persons)", outcome_run.run, outcome_run.persons))
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
        return Ok(RunReport { published: None, deliveries, current });
    }

    // 4. Studies into a staging folder, then the manifest, then the switch.
    fs_err::create_dir_all(&runs)?;
    let id = next_run_id(&runs)?;
    let stage = Stage::new(&runs.join(format!(".staging-{id}")))?;
    let staging = stage.path().to_owned();
    let mut studies = Vec::new();
    for file in &p.studies {
        let (dir, rows, mode) = crate::study::run_cached(&store, file, &staging, &opts.db, reuse)
            .map_err(|source| RunError::Study { path: file.clone(), source: Box::new(source) })?;
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let files = ["tables.parquet", "tables.csv", "survival.parquet", "survival.csv"]
            .par_iter()
            .map(|f| file_entry(&dir.join(f), &format!("{name}/{f}")))
            .collect::<Result<Vec<_>>>()?;
        match &mode {
            crate::study::StudyMode::Incremental { changed } => {
                log.say(format_args!("study {name}: {rows} table rows (incremental: {changed} persons changed)"));
            }
            crate::study::StudyMode::Full(why) => {
                log.say(format_args!("study {name}: {rows} table rows (full: {why})"))
            }
        }
        let (mode, reason) = match mode {
            crate::study::StudyMode::Incremental { changed } => {
                ("incremental".to_owned(), format!("{changed} persons changed"))
            }
            crate::study::StudyMode::Full(why) => ("full".to_owned(), why),
        };
        studies.push(StudyResult { name, file: file.clone(), rows, files, mode, reason });
    }
    let m = RunManifest {
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
    };
    write_json(&staging.join("run_manifest.json"), &m)?;
    fault("run:studies");
    let previous =
        fs_err::read_link(&current).ok().and_then(|t| t.file_name().map(|n| n.to_string_lossy().into_owned()));
    let pointer = Pointer::Symlink { path: &current, target: Path::new("runs").join(&id) };
    stage.publish(&runs, &id, &pointer, &Keep { previous: previous.as_deref(), is_generation: Some(is_run_id) })?;
    log.say(format_args!("published run {id}: {}", current.display()));
    Ok(RunReport { published: Some(m), deliveries, current })
}

fn ingest_new(plan: &Plan, store: &Store, key: &Key, opts: &RunOptions, log: &mut Log) -> Result<Vec<DeliveryResult>> {
    let p = &plan.file;
    let (found, unreadable) = inbox::scan(&p.inboxes)?;
    let mut results = Vec::new();
    for dir in unreadable {
        log.say(format_args!("refused {}: delivery.toml lacks source, delivery_id or extracted_on", dir.display()));
        results.push(DeliveryResult {
            source: String::new(),
            delivery_id: String::new(),
            dir,
            published_version: None,
            read: 0,
            accepted: 0,
            quarantined: 0,
            refused: Some("delivery.toml lacks source, delivery_id or extracted_on".to_owned()),
        });
    }
    let state_path = p.publish.join("state.json");
    let mut state: State = read_json(&state_path)?.unwrap_or_default();
    let ingest_opts = IngestOptions {
        delimiter: p.delimiter as u8,
        max_reject_rate: p.max_reject_rate,
        quarantine_dir: None,
        db: opts.db.clone(),
        progress: opts.progress,
        allow_older: false,
        buckets: IngestOptions::default().buckets,
    };
    let mut state_changed = false;
    for f in found {
        if inbox::ingested(store.manifest()?.as_ref(), &f) {
            continue;
        }
        let fingerprint = inbox::fingerprint(&f.dir)?;
        let base = DeliveryResult {
            source: f.source.clone(),
            delivery_id: f.delivery_id.clone(),
            dir: f.dir.clone(),
            published_version: None,
            read: 0,
            accepted: 0,
            quarantined: 0,
            refused: None,
        };
        if let Some(r) = state.refused.iter().find(|r| r.dir == f.dir && r.fingerprint == fingerprint) {
            log.say(format_args!("still refused {}/{} ({}): {}", f.source, f.delivery_id, f.dir.display(), r.reason));
            results.push(DeliveryResult { refused: Some(format!("refused before: {}", r.reason)), ..base });
            continue;
        }
        let opts_here = IngestOptions {
            quarantine_dir: p.quarantine.as_ref().map(|q| q.join(&f.source).join(&f.delivery_id)),
            ..ingest_opts.clone()
        };
        match crate::ingest::ingest(&f.dir, store, key, &opts_here) {
            Ok(r) => {
                let accepted: u64 = r.tables.iter().map(|(_, c)| c.accepted).sum();
                let mut res = DeliveryResult {
                    published_version: r.published_version,
                    read: r.read(),
                    accepted,
                    quarantined: r.quarantined(),
                    ..base
                };
                match (&r.aborted, r.published_version) {
                    (Some(why), _) => {
                        log.say(format_args!("refused {}/{}: {why}", f.source, f.delivery_id));
                        res.refused = Some(why.clone());
                    }
                    (None, Some(v)) => log.say(format_args!(
                        "ingested {}/{} as store version {v}: {} rows read, {} quarantined, {} persons changed",
                        f.source, f.delivery_id, res.read, res.quarantined, r.changed_persons
                    )),
                    (None, None) => {}
                }
                if let Some(why) = &res.refused {
                    state.remember(&f, &fingerprint, why);
                    state_changed = true;
                }
                results.push(res);
            }
            Err(e) if refusable(&e) => {
                let why = e.to_string();
                log.say(format_args!("refused {}/{}: {why}", f.source, f.delivery_id));
                state.remember(&f, &fingerprint, &why);
                state_changed = true;
                results.push(DeliveryResult { refused: Some(why), ..base });
            }
            Err(source) => return Err(RunError::Ingest { dir: f.dir.clone(), source: Box::new(source) }),
        }
    }
    if state_changed {
        fs_err::create_dir_all(&p.publish)?;
        write_json(&state_path, &state)?;
    }
    Ok(results)
}

/// Errors that are the delivery's fault: the run refuses it and goes on.
fn refusable(e: &IngestError) -> bool {
    matches!(e, IngestError::Delivery(_) | IngestError::Validator(_) | IngestError::Older { .. })
}

/// `PUBLISH/state.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    refused: Vec<Refused>,
}

impl State {
    fn remember(&mut self, f: &Found, fingerprint: &str, why: &str) {
        self.refused.retain(|r| r.dir != f.dir);
        self.refused.push(Refused {
            source: f.source.clone(),
            delivery_id: f.delivery_id.clone(),
            dir: f.dir.clone(),
            fingerprint: fingerprint.to_owned(),
            reason: why.to_owned(),
        });
    }
}

fn outcome_step(run: &engine::RunManifest, mode: &RunMode) -> OutcomeStep {
    let (mode, reason, changed, recomputed) = match mode {
        RunMode::UpToDate => ("up_to_date", None, 0, 0),
        RunMode::Incremental { changed, recomputed, compacted: false } => ("incremental", None, *changed, *recomputed),
        RunMode::Incremental { changed, recomputed, compacted: true } => {
            ("incremental_compacted", None, *changed, *recomputed)
        }
        RunMode::Full(why) => ("full", Some(why.clone()), 0, run.persons),
    };
    OutcomeStep {
        run: run.run.clone(),
        mode: mode.to_owned(),
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
    h.update(engine::config_hash(cfg).as_bytes());
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
    m.insert("max_reject_rate".to_owned(), p.max_reject_rate.map_or_else(|| "none".to_owned(), |r| r.to_string()));
    m.insert("delimiter".to_owned(), p.delimiter.to_string());
    m.insert("store".to_owned(), p.store.display().to_string());
    m.insert("inboxes".to_owned(), p.inboxes.iter().map(|i| i.display().to_string()).collect::<Vec<_>>().join(";"));
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

/// The manifest of the published run, if any.
pub fn published(current: &Path) -> Result<Option<RunManifest>> {
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
