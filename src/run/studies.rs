//! The studies of a `kohort run`: each built (raw tables in `STORE/study_tables/<study>/`,
//! incrementally from its cache when it can) and its disclosure-controlled export staged into the
//! run folder; a linkage study (`[linkage]`, docs/definitions.md §4.13.7) as the linkage tables
//! of its cohort and their export. The run publishes the folder in one atomic publication.

use std::path::Path;

use super::{
    EXPORT_PATTERNS, Log, PlanFile, Result, RunError, RunOptions, STUDY_TABLES, StepMode, StudyResult, published_files,
};
use crate::db::DbSettings;
use crate::outcomes::config::OutcomeConfig;
use crate::results::engine;
use crate::store::{FileEntry, Store};

/// Build every study of the plan (raw tables into `STORE/study_tables/`, incrementally from
/// its cache when it can) and publish its disclosure-controlled export into `staging/<study>/`;
/// a linkage study (`[linkage]`) through [`publish_linkage_study`]. Caches and raw tables of
/// studies the plan no longer names are removed.
pub(super) fn publish(
    store: &Store,
    p: &PlanFile,
    cfg: &OutcomeConfig,
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
        progress: opts.progress,
    };
    let mut studies = Vec::new();
    for file in &p.studies {
        let study_err = |source| RunError::Study { path: file.clone(), source: Box::new(source) };
        if let crate::study::Study::Linkage(plan) = crate::study::Study::read(file).map_err(study_err)? {
            studies.push(publish_linkage_study(store, p, cfg, file, &plan, staging, opts, log)?);
            continue;
        }
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

/// A linkage study (docs/definitions.md §4.13.7): the linkage run of the store's version and
/// the plan's outcome config (computed when the current one is not that), the raw tables
/// restricted to the study's cohort into `STORE/study_tables/<study>/linkage/`, and their
/// export with the whole store's families as clusters (the code of `kohort export linkage
/// --study`, the plan's `[export] min_count`) into `staging/<study>/`.
#[allow(clippy::too_many_arguments)]
fn publish_linkage_study(
    store: &Store,
    p: &PlanFile,
    cfg: &OutcomeConfig,
    file: &Path,
    plan: &crate::study::linkage::LinkagePlan,
    staging: &Path,
    opts: &RunOptions,
    log: &mut Log,
) -> Result<StudyResult> {
    let study_err = |source| RunError::Study { path: file.to_owned(), source: Box::new(source) };
    let run = match crate::results::linkage_up_to_date(store, cfg)? {
        Some(run) => run,
        None => {
            let bar = crate::printer::progress_bar(opts.progress, 0, "linkage [{bar:40}] bucket {pos}/{len} {elapsed}");
            let run = crate::results::run_linkage(store, cfg, &opts.db, &bar)?;
            bar.finish_and_clear();
            log.say(format_args!("linkage: run {} ({} persons)", run.run, run.persons));
            run
        }
    };
    let raw_root = store.root().join(STUDY_TABLES);
    let written = crate::study::linkage::write(store, plan, &raw_root, &opts.db).map_err(study_err)?;
    let out = staging.join(&plan.name);
    let export =
        crate::export::linkage::LinkageOptions { min_count: p.export.min_count, cohort: Some(plan.scope.clone()) };
    let report = crate::export::linkage::export_linkage(store.root(), &out, &export, &opts.db)
        .map_err(|source| RunError::Export { path: file.to_owned(), source: Box::new(source) })?;
    log.say(format_args!(
        "study {}: linkage tables of cohort {} ({}, {} members) from run {}; published {} cells over {} families, {} suppressed, minimum count {}",
        plan.name,
        written.kept.cohort,
        written.kept.side.as_str(),
        written.kept.members,
        run.run,
        report.cells,
        report.families,
        report.cells_primary_persons
            + report.cells_primary_families
            + report.cells_secondary_heuristic
            + report.cells_secondary_audit,
        report.min_count
    ));
    if p.export.factsheets {
        log.say(format_args!("study {}: a linkage study has no factsheets", plan.name));
    }
    Ok(StudyResult {
        name: plan.name.clone(),
        file: file.to_owned(),
        rows: report.cells,
        files: published_files(&out, &plan.name)?,
        mode: StepMode::Full,
        reason: format!("linkage study: linkage run {}", run.run),
    })
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
