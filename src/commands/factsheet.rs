//! `kohort factsheet`: the factsheet pack of a disclosure-controlled export, and where to open it.

use anyhow::Context as _;

use super::{Ctx, ExitStatus};
use crate::cli::FactsheetArgs;

/// Build the pack, then say how many pages and where the index is.
pub fn run(args: &FactsheetArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let r = crate::factsheet::build(&args.input, &args.out, &ctx.db, args.pdf)
        .with_context(|| format!("building the factsheets of {}", args.input.display()))?;
    if args.json {
        ctx.printer.json(&serde_json::json!({ "out": args.out, "report": r }))?;
        return Ok(ExitStatus::Done);
    }
    if let Some(note) = &r.pdf_note {
        ctx.printer.info(format_args!("note: {note} (--pdf always insists, --pdf never is quiet)"));
    }
    let sites = if r.sites > 0 { format!(", {} site pages per language", r.sites) } else { String::new() };
    ctx.printer.info(format_args!(
        "{} pages and {} PDFs ({} indicators, {} mirror factsheets per language{sites}, languages {}); open {}",
        r.pages,
        r.pdfs,
        r.indicators,
        r.mirrors,
        r.languages.join(", "),
        r.index.display()
    ));
    Ok(ExitStatus::Done)
}
