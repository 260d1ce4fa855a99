//! `kohort synth`: write a scenario's synthetic deliveries.

use super::{Ctx, ExitStatus};
use crate::cli::{SynthArgs, SynthFormat};
use crate::synth::{self, OutputFormat, SynthOptions};

/// Generate the deliveries and list them.
pub fn run(args: &SynthArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let scenario = synth::load_scenario(&args.scenario)?;
    let format = match args.format {
        SynthFormat::Csv => OutputFormat::Csv,
        SynthFormat::Parquet => OutputFormat::Parquet,
    };
    let opts =
        SynthOptions { format, threads: Some(ctx.db.threads), progress: ctx.printer.progress(), scale: args.scale };
    let summary = synth::generate(&scenario, &args.out, &opts)?;
    for d in &summary.deliveries {
        let rows: u64 = d.rows.values().sum();
        ctx.printer.data(&format!("{}\t{}\t{}\t{rows} rows", d.source, d.delivery_id, d.dir.display()));
    }
    if let Some(p) = &summary.expected_path {
        ctx.printer.info(format_args!("expected results: {}", p.display()));
    }
    if let Some(p) = &summary.defects_path {
        ctx.printer.info(format_args!("planted defects: {}", p.display()));
    }
    Ok(ExitStatus::Done)
}
