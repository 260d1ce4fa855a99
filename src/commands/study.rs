//! `kohort study`: run a study and say where its tables are.

use anyhow::Context as _;

use super::{Ctx, ExitStatus};
use crate::cli::StudyArgs;
use crate::store::Store;

/// Run.
pub fn run(args: &StudyArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let phase = crate::printer::spinner(ctx.printer.progress(), "study: cohorts, index rows, cells, tables");
    let (dir, rows) = crate::study::run(&Store::at(&args.store), &args.study, &args.out, &ctx.db)
        .with_context(|| format!("running study {}", args.study.display()))?;
    phase.finish_and_clear();
    if args.json {
        ctx.printer.json(
            &serde_json::json!({ "study": dir.file_name().map(|n| n.to_string_lossy()), "dir": dir, "rows": rows }),
        )?;
    } else {
        ctx.printer.info(format_args!("{rows} table rows written to {} (tables.parquet, tables.csv)", dir.display()));
    }
    Ok(ExitStatus::Done)
}
