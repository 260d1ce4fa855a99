//! `kohort export tables`: disclosure-controlled study tables.

use anyhow::Context as _;

use super::{Ctx, Outcome};
use crate::cli::ExportTablesArgs;
use crate::export::{TablesOptions, export_tables};

/// Export, then say what was suppressed and where everything is.
pub fn tables(args: &ExportTablesArgs, ctx: &Ctx) -> anyhow::Result<Outcome> {
    let opts = TablesOptions {
        min_count: args.min_count,
        publish_zeros: args.publish_zeros,
        round_base: args.round_base.max(1),
    };
    let r = export_tables(&args.input, &args.out, opts, &ctx.db)
        .with_context(|| format!("exporting the tables of {}", args.input.display()))?;
    ctx.printer.info(format_args!(
        "{} rows in {} linked-table systems: {} suppressed (primary), {} suppressed (secondary); minimum count {}",
        r.rows, r.systems, r.rows_primary, r.rows_secondary, r.min_count
    ));
    ctx.printer.info(format_args!(
        "written to {}: tables.parquet, tables.csv, codebook.md, disclosure_report.md/.json, read.R, read.py, read.sps",
        args.out.display()
    ));
    Ok(Outcome::Done)
}
