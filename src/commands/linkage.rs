//! `kohort linkage`: per-person summaries bucket by bucket, linked across generations in SQL,
//! published under `STORE/linkage/`; prints the risk ratios and the resilience table.

use anyhow::Context as _;

use super::{Ctx, ExitStatus};
use crate::cli::LinkageArgs;
use crate::outcomes::config::{Family, OutcomeConfig};
use crate::outcomes::kernels::{PersonOutcomes, compute};
use crate::printer::progress_bar;
use crate::query::{self, Format};
use crate::results::batches::linkage_batches;
use crate::results::engine;
use crate::store::Store;
use crate::timelines::PersonTimeline;

/// Compute, publish, summarise.
pub fn run(args: &LinkageArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let mut cfg = match &args.config {
        Some(path) => crate::results::read_config(path)?,
        None => OutcomeConfig::default(),
    };
    cfg.families = vec![Family::Linkage];
    let store = Store::at(&args.store);
    let bar = progress_bar(ctx.printer.progress(), 0, "linkage [{bar:40}] bucket {pos}/{len} {elapsed}");
    let kernel = |people: &[PersonTimeline]| {
        let rows: Vec<PersonOutcomes> = people.iter().map(|t| compute(t, &cfg)).collect();
        linkage_batches(&rows)
    };
    let run = engine::run_in(&store, crate::results::Area::Linkage, &cfg, &ctx.db, &kernel, &bar)
        .context("linking generations")?;
    bar.finish_and_clear();
    let format = if args.json { Format::Json } else { Format::Table };
    crate::study::cache::prune_changes(&store).context("removing change lists no longer needed")?;
    let conn = query::open_store(&store, &ctx.db)?;
    ctx.printer.info(format_args!(
        "linkage run {} over {} persons, outcome age {}, relation kinds {}",
        run.run,
        run.persons,
        cfg.linkage.age,
        cfg.linkage.relation_kinds.join(", ")
    ));
    ctx.printer.data(&query::render(&query::run(&conn, crate::sql::linkage::SUMMARY_RISK)?, format)?);
    ctx.printer.data(&query::render(&query::run(&conn, crate::sql::linkage::SUMMARY_RESILIENCE)?, format)?);
    ctx.printer.info(format_args!(
        "tables (query them with kohort sql): {}",
        run.tables.keys().cloned().collect::<Vec<_>>().join(", ")
    ));
    Ok(ExitStatus::Done)
}
