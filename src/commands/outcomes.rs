//! `kohort outcomes`: compute every outcome over the store and print the summary.

use anyhow::Context as _;

use super::{Ctx, ExitStatus};
use crate::cli::{FamilyArg, OutcomesArgs};
use crate::outcomes::config::{Family, OutcomeConfig};
use crate::outcomes::kernels::{PersonOutcomes, compute};
use crate::printer::progress_bar;
use crate::query::{self, Format};
use crate::results::batches::to_batches_for;
use crate::results::engine;
use crate::store::Store;
use crate::timelines::PersonTimeline;

fn family(f: FamilyArg) -> Family {
    match f {
        FamilyArg::Reentry => Family::Reentry,
        FamilyArg::PriorCare => Family::PriorCare,
        FamilyArg::Escalation => Family::Escalation,
        FamilyArg::Safety => Family::Safety,
        FamilyArg::Rereports => Family::Rereports,
        FamilyArg::Measures => Family::Measures,
        FamilyArg::Indicators => Family::Indicators,
        FamilyArg::Probation => Family::Probation,
        FamilyArg::Spells => Family::Spells,
    }
}

/// Compute, publish, summarise.
pub fn run(args: &OutcomesArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let mut cfg = match &args.config {
        Some(path) => crate::results::read_config(path)?,
        None => OutcomeConfig::default(),
    };
    if !args.only.is_empty() {
        cfg.families = args.only.iter().map(|f| family(*f)).collect();
        cfg.families.sort();
        cfg.families.dedup();
    }
    let format = if args.json { Format::Json } else { Format::Table };
    let store = Store::at(&args.store);
    if args.summary_only {
        summarise_only(&store, &cfg, format, ctx)?;
        return Ok(ExitStatus::Done);
    }
    if !args.partial {
        refuse_to_drop_families(&store, &cfg)?;
    }
    compute_and_summarise(&store, &cfg, format, args.incremental, ctx)?;
    Ok(ExitStatus::Done)
}

/// A run of fewer families must not silently replace a current run that has more: its other
/// tables would be empty and the next study would lose those outcomes.
fn refuse_to_drop_families(store: &Store, cfg: &OutcomeConfig) -> anyhow::Result<()> {
    let Some(current) = crate::results::current(store)? else { return Ok(()) };
    let dropped: Vec<&Family> = current.config.families.iter().filter(|f| !cfg.covers(**f)).collect();
    if dropped.is_empty() {
        return Ok(());
    }
    let names = |fs: &[&Family]| fs.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ");
    anyhow::bail!(
        "the current outcome run {} has {} as well; a run of {} alone would replace it and leave those tables empty. Run without --only to recompute every family, or pass --partial to replace it anyway",
        current.run,
        names(&dropped),
        names(&cfg.families.iter().collect::<Vec<_>>())
    )
}

/// Print the fixed-window table and the field indicators of a run of `cfg` over `store`
/// without the run: counted as computed, nothing written.
fn summarise_only(store: &Store, cfg: &OutcomeConfig, format: Format, ctx: &Ctx) -> anyhow::Result<()> {
    let bar = progress_bar(ctx.printer.progress(), 0, "summary [{bar:40}] bucket {pos}/{len} {elapsed}");
    let counted = crate::results::summary::count(store, cfg, &ctx.db, &bar).context("counting the summary")?;
    bar.finish_and_clear();
    ctx.printer.info(format_args!(
        "summary of store version {}: {} persons with care, a measure, a report or a measurement; nothing written (--summary-only: no run recorded, no result table)",
        counted.store_version, counted.persons
    ));
    let conn = &counted.conn;
    ctx.printer.data(&query::render(&query::run(conn, crate::sql::outcomes::SUMMARY_OF_COUNTS)?, format)?);
    ctx.printer.data(&query::render(&query::run(conn, crate::sql::outcomes::INDICATORS_OF_COUNTS)?, format)?);
    Ok(())
}

/// Run the engine over `store` and print the fixed-window table and the field indicators.
pub fn compute_and_summarise(
    store: &Store,
    cfg: &OutcomeConfig,
    format: Format,
    incremental: bool,
    ctx: &Ctx,
) -> anyhow::Result<()> {
    let bar = progress_bar(ctx.printer.progress(), 0, "outcomes [{bar:40}] bucket {pos}/{len} {elapsed}");
    let kernel = |people: &[PersonTimeline]| {
        let rows: Vec<PersonOutcomes> = people.iter().map(|t| compute(t, cfg)).collect();
        to_batches_for(&rows, cfg)
    };
    let (run, mode) = engine::run_incremental(
        store,
        cfg,
        &ctx.db,
        &kernel,
        &bar,
        engine::Reuse { full: !incremental, ..Default::default() },
    )
    .context("computing outcomes")?;
    bar.finish_and_clear();
    crate::study::cache::prune_changes(store).context("removing change lists no longer needed")?;
    match mode {
        engine::RunMode::UpToDate => ctx.printer.info("the current run is up to date"),
        engine::RunMode::Incremental { changed, recomputed, compacted } => {
            let how = if compacted { "merged into new base files" } else { "written as deltas" };
            ctx.printer.info(format_args!("incremental: {changed} persons changed, {recomputed} recomputed, {how}"));
        }
        engine::RunMode::Full(why) if incremental => ctx.printer.info(format_args!("full run: {why}")),
        engine::RunMode::Full(_) => {}
    }
    let conn = query::open_store(store, &ctx.db)?;
    // Counting the persons view itself (a pick per person over every source) would cost more
    // than a small family's whole run: count the ids instead.
    let count = if store.require_manifest()?.sources.len() == 1 {
        crate::sql::outcomes::PERSONS_IN_ONE_SOURCE
    } else {
        crate::sql::outcomes::PERSONS_IN_STORE
    };
    let in_store: i64 = conn.query_row(count, [], |r| r.get(0)).unwrap_or(0);
    ctx.printer.info(format_args!(
        "run {} (store version {}): {} persons with care, a measure, a report or a measurement, of {in_store} persons in the store (the others have no outcome rows)",
        run.run, run.store_version, run.persons
    ));
    ctx.printer.data(&query::render(&query::run(&conn, crate::sql::outcomes::SUMMARY)?, format)?);
    ctx.printer.data(&query::render(&query::run(&conn, crate::sql::outcomes::INDICATORS)?, format)?);
    ctx.printer.info(format_args!(
        "result tables (query them with kohort sql): {}",
        run.views()
            .into_iter()
            .map(|(name, _)| name)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Ok(())
}
