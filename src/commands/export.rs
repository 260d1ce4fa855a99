//! `kohort export tables`, `kohort export panel` and `kohort export linkage`: disclosure-controlled
//! study tables, person-period panels and linkage tables, of the whole linkage run or of a cohort
//! (`--cohort --side`, or a linkage study's: `--study`) (`--json`: the report on stdout).

use anyhow::Context as _;

use super::{Ctx, ExitStatus};
use crate::cli::{ExportLinkageArgs, ExportPanelArgs, ExportTablesArgs};
use crate::export::{TablesOptions, export_tables};
use crate::panel::{ExportKey, PanelPlan, export_panel};

/// Export, then say what was suppressed and where everything is.
pub fn tables(args: &ExportTablesArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let opts = TablesOptions {
        min_count: args.min_count,
        publish_zeros: args.publish_zeros,
        round_base: args.round_base.max(1),
        youth_regions: args.youth_regions.clone(),
        progress: ctx.printer.progress(),
    };
    let r = export_tables(&args.input, &args.out, &opts, &ctx.db)
        .with_context(|| format!("exporting the tables of {}", args.input.display()))?;
    if args.json {
        ctx.printer
            .json(&serde_json::json!({ "out": args.out, "report": r, "suppression_seconds": r.suppression_seconds }))?;
        return Ok(ExitStatus::Done);
    }
    ctx.printer.info(format_args!(
        "{} rows in {} linked-table systems: {} suppressed (primary), {} suppressed (secondary); minimum count {}",
        r.rows, r.systems, r.rows_primary, r.rows_secondary, r.min_count
    ));
    ctx.printer.info(format_args!(
        "{} relations (nesting included), {} twin cells merged; audit: {} cells added, {} linear programs; suppression {:.3} s",
        r.relations, r.twin_cells, r.cells_secondary_audit, r.audit_programs, r.suppression_seconds
    ));
    ctx.printer.info(format_args!(
        "written to {}: tables.parquet, tables.csv, codebook.md, disclosure_report.md/.json, read.R, read.py, read.sps",
        args.out.display()
    ));
    Ok(ExitStatus::Done)
}

/// `kohort export linkage`: export the linkage run, say what was suppressed.
pub fn linkage(args: &ExportLinkageArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let cohort = match (&args.study, &args.cohort, args.side) {
        (Some(study), ..) => Some(crate::study::linkage::LinkagePlan::read(study)?.scope),
        (None, Some(file), Some(side)) => Some(crate::results::linkage_scope::CohortScope::read(file, side)?),
        _ => None,
    };
    let opts = crate::export::linkage::LinkageOptions { min_count: args.min_count, cohort };
    let r = crate::export::linkage::export_linkage(&args.store, &args.out, &opts, &ctx.db)
        .with_context(|| format!("exporting the linkage tables of {}", args.store.display()))?;
    if args.json {
        ctx.printer
            .json(&serde_json::json!({ "out": args.out, "report": r, "suppression_seconds": r.suppression_seconds }))?;
        return Ok(ExitStatus::Done);
    }
    ctx.printer.info(format_args!(
        "{} cells over {} families: {} under {} persons, {} under {} families, {} secondary; {} of {} curve rows published",
        r.cells,
        r.families,
        r.cells_primary_persons,
        r.min_count,
        r.cells_primary_families,
        r.min_count,
        r.cells_secondary_heuristic + r.cells_secondary_audit,
        r.curve_rows_published,
        r.curve_rows
    ));
    ctx.printer.info(format_args!(
        "written to {}: linkage.parquet/.csv, linkage_km, linkage_cif, codebook.md, disclosure_report.md/.json",
        args.out.display()
    ));
    Ok(ExitStatus::Done)
}

/// `kohort export panel`: check the panel file, export, say what disclosure control did.
pub fn panel(args: &ExportPanelArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let plan = PanelPlan::read(&args.panel)?;
    let key = args.key.clone().map_or(ExportKey::Random, ExportKey::File);
    let phase = crate::printer::spinner(ctx.printer.progress(), "panel: members, periods, k-anonymity, export ids");
    let r = export_panel(&args.store, &plan, &args.out, &key, &ctx.db)
        .with_context(|| format!("exporting the panel of {}", args.panel.display()))?;
    phase.finish_and_clear();
    if args.json {
        ctx.printer.json(
            &serde_json::json!({ "out": args.out, "report": r, "random_key": matches!(key, ExportKey::Random) }),
        )?;
        return Ok(ExitStatus::Done);
    }
    ctx.printer.info(format_args!(
        "{} persons, {} rows published of {} persons, {} rows (k = {}; smallest class {} persons, {} households)",
        r.kanon.persons_out,
        r.rows_out,
        r.kanon.persons_in,
        r.rows_in,
        r.k,
        r.kanon.min_class_persons,
        r.kanon.min_class_clusters
    ));
    for s in &r.kanon.steps {
        ctx.printer.info(format_args!("  {}: {} persons ({} rows)", s.step.describe(), s.persons, s.rows));
    }
    if matches!(key, ExportKey::Random) {
        ctx.printer.info("no --key: a fresh random export key was used and not kept; this export links to nothing");
    }
    ctx.printer.info(format_args!(
        "written to {}: panel.parquet, panel.csv, codebook.md, disclosure_report.md/.json, read.R, read.py, read.sps and read.do (English labels), read_nl.sps and read_nl.do (Dutch labels)",
        args.out.display()
    ));
    Ok(ExitStatus::Done)
}
