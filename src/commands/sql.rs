//! `kohort sql`: a query against the store views.

use super::{Ctx, ExitStatus};
use crate::cli::{OutputFormat, SqlArgs};
use crate::query::{self, Format};
use crate::store::Store;

/// Run the query and print the result.
pub fn run(args: &SqlArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let format = match (args.format, args.csv, args.json) {
        (Some(OutputFormat::Csv), ..) | (None, true, _) => Format::Csv,
        (Some(OutputFormat::Json), ..) | (None, _, true) => Format::Json,
        _ => Format::Table,
    };
    let conn = query::open_store(&Store::at(&args.store), &ctx.db)?;
    let text = match (&args.query, &args.file) {
        (Some(q), _) => q.clone(),
        (None, Some(path)) => fs_err::read_to_string(path)?,
        (None, None) => anyhow::bail!("give a query or --file"),
    };
    let batches = query::run(&conn, &text)?;
    ctx.printer.data(&query::render(&batches, format)?);
    Ok(ExitStatus::Done)
}
