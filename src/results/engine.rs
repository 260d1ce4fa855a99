//! The outcome engine: bucket by bucket, read the timelines, run the per-person kernels in
//! parallel (rayon; order kept, so output never depends on thread count), write one Parquet
//! file per result table and bucket, add the whole-run tables, and publish the run through the
//! store's publication routine (layout in [`super::manifest`]).

use std::collections::BTreeMap;

use indicatif::ProgressBar;
use rayon::prelude::*;

use super::incremental::{PreviousRun, Update};
use super::manifest::{Area, RESULTS_FORMAT, RunManifest, config_hash, current_in, run_name, write_json};
use super::{Kernel, Result, compute_bucket, needs};
use crate::db::DbSettings;
use crate::outcomes::config::{Family, OutcomeConfig};
use crate::store::publication::{Keep, Pointer};
use crate::store::{FileEntry, Stage, Store};

/// Compute every bucket and publish the run in `results/`. Holds the store lock so no ingest
/// runs meanwhile.
pub fn run(
    store: &Store,
    cfg: &OutcomeConfig,
    db: &DbSettings,
    kernel: &Kernel<'_>,
    bar: &ProgressBar,
) -> Result<RunManifest> {
    run_in(store, Area::Outcomes, cfg, db, kernel, bar)
}

/// [`run`], published in `area`.
pub fn run_in(
    store: &Store,
    area: Area,
    cfg: &OutcomeConfig,
    db: &DbSettings,
    kernel: &Kernel<'_>,
    bar: &ProgressBar,
) -> Result<RunManifest> {
    let _lock = store.lock()?;
    let manifest = store.require_manifest()?;
    Ok(compute_and_publish(store, &manifest, area, cfg, db, kernel, bar, None)?.0)
}

/// `cfg` for a linkage run: the same parameters, the linkage family only (what `kohort
/// linkage --config` computes).
#[must_use]
pub fn linkage_config(cfg: &OutcomeConfig) -> OutcomeConfig {
    let mut cfg = cfg.clone();
    cfg.families = vec![crate::outcomes::config::Family::Linkage];
    cfg
}

/// Compute and publish a linkage run in `linkage/` (`kohort linkage`): the per-person
/// summaries of [`linkage_config`]`(cfg)`, bucket by bucket, then the linked tables.
pub fn run_linkage(store: &Store, cfg: &OutcomeConfig, db: &DbSettings, bar: &ProgressBar) -> Result<RunManifest> {
    let cfg = linkage_config(cfg);
    let kernel = |people: &[crate::timelines::PersonTimeline]| {
        let rows: Vec<_> = people.iter().map(|t| crate::outcomes::kernels::compute(t, &cfg)).collect();
        super::batches::linkage_batches(&rows)
    };
    run_in(store, Area::Linkage, &cfg, db, &kernel, bar)
}

/// The current linkage run when it was computed from the store's current version with
/// [`linkage_config`]`(cfg)` (so a new one would be the same); `None` otherwise.
pub fn linkage_up_to_date(store: &Store, cfg: &OutcomeConfig) -> Result<Option<RunManifest>> {
    let (Some(run), Some(manifest)) = (current_in(store, Area::Linkage)?, store.manifest()?) else {
        return Ok(None);
    };
    let same = run.store_version == manifest.version
        && run.config_hash == config_hash(&linkage_config(cfg))?
        && run.kohort_version == env!("CARGO_PKG_VERSION");
    Ok(same.then_some(run))
}

/// How [`run_incremental`] may reuse the current run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reuse {
    /// Recompute everything.
    pub full: bool,
    /// Merge the changes into new base files (the full run's files, byte for byte) once the
    /// persons recomputed since the base files would exceed this fraction of the run's persons;
    /// below it, the new rows go to delta files and the base files are linked as they are.
    pub compact_above: f64,
}

impl Default for Reuse {
    fn default() -> Self {
        Reuse { full: false, compact_above: DEFAULT_COMPACT_ABOVE }
    }
}

/// The default of [`Reuse::compact_above`]: compact once a quarter of the run is in deltas.
pub const DEFAULT_COMPACT_ABOVE: f64 = 0.25;

/// How [`run_incremental`] went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunMode {
    /// The current run already covered the store version and config: nothing was computed.
    UpToDate,
    /// Only the changed persons were recomputed.
    Incremental {
        /// Persons listed as changed since the current run.
        changed: u64,
        /// Persons of the run recomputed (the changed ones with the events the run needs).
        recomputed: u64,
        /// Whether the changes were merged into new base files (else they went to deltas).
        compacted: bool,
    },
    /// Everything was recomputed, and why.
    Full(String),
}

/// An outcome run in `results/` that recomputes only the persons changed since the current
/// run when it can (see [`super::incremental`]), a full one when `full` is set or it cannot.
/// The published run is the same as a full run's, byte for byte.
pub fn run_incremental(
    store: &Store,
    cfg: &OutcomeConfig,
    db: &DbSettings,
    kernel: &Kernel<'_>,
    bar: &ProgressBar,
    reuse: Reuse,
) -> Result<(RunManifest, RunMode)> {
    let _lock = store.lock()?;
    let manifest = store.require_manifest()?;
    let plan = if reuse.full {
        Update::Full("a full run was asked for".to_owned())
    } else {
        super::incremental::plan(store, Area::Outcomes, cfg, &manifest, reuse.compact_above)?
    };
    match plan {
        Update::UpToDate(m) => Ok((m, RunMode::UpToDate)),
        Update::Full(why) => Ok((
            compute_and_publish(store, &manifest, Area::Outcomes, cfg, db, kernel, bar, None)?.0,
            RunMode::Full(why),
        )),
        Update::Incremental(prev) => {
            let (changed, compacted) = (prev.changed_persons(), prev.compact);
            let (m, recomputed) =
                compute_and_publish(store, &manifest, Area::Outcomes, cfg, db, kernel, bar, Some(&prev))?;
            Ok((m, RunMode::Incremental { changed, recomputed, compacted }))
        }
    }
}

/// Compute every bucket (or update it from `previous`) into a staging folder, add the
/// whole-run tables and publish; returns the run and the persons computed. The caller holds
/// the store lock.
#[allow(clippy::too_many_arguments)]
fn compute_and_publish(
    store: &Store,
    manifest: &crate::store::Manifest,
    area: Area,
    cfg: &OutcomeConfig,
    db: &DbSettings,
    kernel: &Kernel<'_>,
    bar: &ProgressBar,
    previous: Option<&PreviousRun>,
) -> Result<(RunManifest, u64)> {
    let results = store.root().join(area.dir());
    crate::store::publication::create_private_dir_all(&results)?;
    // A re-run over the same store version and config gets a fresh folder: a reader may be
    // on the current one.
    let run = crate::store::publication::fresh_name(&results, &run_name(manifest.version, cfg)?);
    let stage = Stage::new(&results.join(format!(".staging-{run}")))?;
    let staging = stage.path().to_owned();
    bar.set_length(u64::from(manifest.buckets));
    // Buckets in parallel, read straight from the store files; results are collected in
    // bucket order, so the run does not depend on the thread count.
    let needs = needs(cfg);
    let version_dir = store.version_dir(manifest.version);
    // A run that computes every bucket collects the household view's input as it goes.
    let household = previous.is_none() && cfg.wants(Family::Safety);
    let done = (0..manifest.buckets)
        .into_par_iter()
        .map(|bucket| {
            let out = match previous {
                Some(prev) => {
                    super::incremental::update_bucket(bucket, needs, &staging, prev, kernel, prev.compact, &version_dir)
                        .map(|b| (b, None))
                }
                None => {
                    let how = (kernel, area == Area::Outcomes, household);
                    compute_bucket(&version_dir, bucket, needs, &staging, how).map(|c| {
                        let files = super::incremental::BucketFiles {
                            tables: c.files,
                            persons: c.persons,
                            recomputed: c.persons,
                            ..Default::default()
                        };
                        (files, c.household)
                    })
                }
            };
            bar.inc(1);
            out
        })
        .collect::<Result<Vec<_>>>()?;
    let mut tables: BTreeMap<String, Vec<FileEntry>> = BTreeMap::new();
    let mut deltas: BTreeMap<String, Vec<FileEntry>> = BTreeMap::new();
    let mut superseded = Vec::new();
    let mut persons = 0;
    let mut recomputed = 0;
    let mut shares = Vec::new();
    for (b, share) in done {
        shares.extend(share);
        recomputed += b.recomputed;
        persons += b.persons;
        for (table, entry) in b.tables {
            tables.entry(table).or_default().push(entry);
        }
        for (table, entry) in b.deltas {
            deltas.entry(table).or_default().push(entry);
        }
        superseded.extend(b.superseded);
    }
    let has = |t: &str| tables.contains_key(t) || deltas.contains_key(t);
    for (table, entry) in super::bucket::empty_tables(&staging, kernel, has)? {
        tables.entry(table).or_default().push(entry);
    }
    if !superseded.is_empty() {
        // Every per-bucket table's base rows are read without the superseded persons.
        for table in tables.keys() {
            deltas.entry(table.clone()).or_default();
        }
    }
    // A previous run's whole-run tables are recomputed (or, for the household view of a
    // delta run, updated), never linked as they are.
    let whole = super::whole::whole_run_tables(
        &staging,
        &version_dir,
        &tables,
        &deltas,
        !superseded.is_empty(),
        previous,
        household.then(|| super::household::Inputs::join(shares)).as_ref(),
        cfg,
        db,
    )?;
    for (table, entry) in whole.tables {
        tables.entry(table).or_default().push(entry);
    }
    for (table, entry) in whole.deltas {
        deltas.entry(table).or_default().push(entry);
    }
    let mut superseded_in: BTreeMap<String, Vec<FileEntry>> = BTreeMap::new();
    for (table, entry) in whole.superseded_in {
        superseded_in.entry(table).or_default().push(entry);
    }
    let m = RunManifest {
        run: run.clone(),
        store_version: manifest.version,
        config_hash: config_hash(cfg)?,
        config: cfg.clone(),
        kohort_version: env!("CARGO_PKG_VERSION").to_owned(),
        tables,
        persons,
        base_version: (!superseded.is_empty())
            .then(|| previous.map(|p| p.manifest.base_version.unwrap_or(p.manifest.store_version)))
            .flatten(),
        deltas,
        superseded,
        superseded_in,
        format: RESULTS_FORMAT,
    };
    write_json(&staging.join("run.json"), &m)?;
    let previous = current_in(store, area)?.map(|p| p.run);
    let current_json = results.join("current.json");
    let pointer = Pointer::json(&current_json, &m)?;
    stage.publish(&results, &m.run, &pointer, &Keep { previous: previous.as_deref(), is_generation: None })?;
    Ok((m, recomputed))
}
