//! `kohort study`: run a study and say where its tables are. A study with `[linkage]` writes
//! the linkage tables restricted to its cohort (docs/definitions.md §4.13.7) and prints their
//! summary, as `kohort linkage --cohort --side --out` does.

use anyhow::Context as _;

use super::{Ctx, ExitStatus};
use crate::cli::StudyArgs;
use crate::query::Format;
use crate::store::Store;
use crate::study::Study;

/// Run.
pub fn run(args: &StudyArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let store = Store::at(&args.store);
    let study = Study::read(&args.study).with_context(|| format!("running study {}", args.study.display()))?;
    if let Study::Linkage(plan) = study {
        return linkage(args, &store, &plan, ctx);
    }
    let phase = crate::printer::spinner(ctx.printer.progress(), "study: cohorts, index rows, cells, tables");
    let (dir, rows) = crate::study::run(&store, &args.study, &args.out, &ctx.db)
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

/// A linkage study: its tables, then what the restriction kept and their summaries.
fn linkage(
    args: &StudyArgs,
    store: &Store,
    plan: &crate::study::linkage::LinkagePlan,
    ctx: &Ctx,
) -> anyhow::Result<ExitStatus> {
    let written = crate::study::linkage::write(store, plan, &args.out, &ctx.db)
        .with_context(|| format!("running linkage study {}", args.study.display()))?;
    if args.json {
        ctx.printer.json(&serde_json::json!({ "study": plan.name, "dir": written.dir, "linkage": written.kept }))?;
        return Ok(ExitStatus::Done);
    }
    let conn = crate::query::open_store(store, &ctx.db)?;
    super::linkage::cohort_summary(&conn, &written.kept, &written.dir, ctx, Format::Table)
}
