//! `kohort linkage`: per-person summaries bucket by bucket, linked across generations in SQL,
//! published under `STORE/linkage/`; prints the risk ratios and the resilience table. With
//! `--cohort FILE --side children|parents --out DIR` the tables restricted to the cohort
//! (docs/definitions.md §4.13.7) are written into DIR too, and their summary is printed instead
//! (`kohort study` of a study with `[linkage]` writes the same tables: [`cohort_summary`]).

use std::path::Path;

use anyhow::Context as _;

use super::{Ctx, ExitStatus};
use crate::cli::LinkageArgs;
use crate::outcomes::config::OutcomeConfig;
use crate::printer::progress_bar;
use crate::query::{self, Format};
use crate::results::linkage_scope::{CohortScope, Restriction, write_scoped};
use crate::store::Store;

/// Compute, publish, summarise.
pub fn run(args: &LinkageArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let cfg = match &args.config {
        Some(path) => crate::results::read_config(path)?,
        None => OutcomeConfig::default(),
    };
    let cfg = crate::results::linkage_config(&cfg);
    let store = Store::at(&args.store);
    let bar = progress_bar(ctx.printer.progress(), 0, "linkage [{bar:40}] bucket {pos}/{len} {elapsed}");
    let run = crate::results::run_linkage(&store, &cfg, &ctx.db, &bar).context("linking generations")?;
    bar.finish_and_clear();
    let format = if args.json { Format::Json } else { Format::Table };
    crate::study::cache::prune_changes(&store).context("removing change lists no longer needed")?;
    let conn = query::open_store(&store, &ctx.db)?;
    if let (Some(file), Some(side), Some(out)) = (&args.cohort, args.side, &args.out) {
        let scope = CohortScope::read(file, side)?;
        let kept = write_scoped(&conn, &scope, out, cfg.linkage.z_crit)?;
        return cohort_summary(&conn, &kept, out, ctx, format);
    }
    ctx.printer.info(format_args!(
        "linkage run {} over {} persons, outcome age {}, relation kinds {}",
        run.run,
        run.persons,
        cfg.linkage.age,
        cfg.linkage.relation_kinds.join(", ")
    ));
    summaries(&conn, "linkage_risk", "linkage_resilience", ctx, format)?;
    ctx.printer.info(format_args!(
        "tables (query them with kohort sql): {}",
        run.tables.keys().cloned().collect::<Vec<_>>().join(", ")
    ));
    Ok(ExitStatus::Done)
}

/// Print what a cohort restriction kept and the summaries of its tables in `out` (also what
/// `kohort study` prints for a study with `[linkage]`).
pub fn cohort_summary(
    conn: &duckdb::Connection,
    kept: &Restriction,
    out: &Path,
    ctx: &Ctx,
    format: Format,
) -> anyhow::Result<ExitStatus> {
    let kinds: Vec<String> = kept
        .by_kind
        .iter()
        .map(|(kind, k)| format!("{kind}: {} members linked, {} children", k.members, k.children))
        .collect();
    ctx.printer.info(format_args!(
        "cohort {} ({} members) restricts the {}: {}",
        kept.cohort,
        kept.members,
        kept.side.as_str(),
        kinds.join("; ")
    ));
    for name in ["linkage_risk", "linkage_resilience"] {
        let path = out.join(format!("{name}.parquet"));
        let literal = path.to_string_lossy().replace('\'', "''");
        // Template: a fixed view name and the path kohort just wrote (see cohort_view.sql).
        let sql = crate::db::render(
            crate::sql::linkage::COHORT_VIEW,
            &[("name", &format!("cohort_{name}")), ("file", &literal)],
        );
        conn.execute_batch(&sql).with_context(|| format!("reading {}", path.display()))?;
    }
    summaries(conn, "cohort_linkage_risk", "cohort_linkage_resilience", ctx, format)?;
    ctx.printer.info(format_args!(
        "written to {}: {} (.parquet), scope.json",
        out.display(),
        crate::results::linkage_scope::TABLES.join(", ")
    ));
    Ok(ExitStatus::Done)
}

/// Print the risk and resilience summaries of the tables (views) named.
fn summaries(conn: &duckdb::Connection, risk: &str, resilience: &str, ctx: &Ctx, format: Format) -> anyhow::Result<()> {
    for (sql, table) in
        [(crate::sql::linkage::SUMMARY_RISK, risk), (crate::sql::linkage::SUMMARY_RESILIENCE, resilience)]
    {
        // Template: the table is one of kohort's fixed view names.
        let sql = crate::db::render(sql, &[("table", table)]);
        ctx.printer.data(&query::render(&query::run(conn, &sql)?, format)?);
    }
    Ok(())
}
