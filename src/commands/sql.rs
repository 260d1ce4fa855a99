//! `kohort sql`: a query against the store views.

use super::{Ctx, Outcome};
use crate::cli::{OutputFormat, SqlArgs};
use crate::query::{self, Format};
use crate::store::Store;

/// Run the query and print the result.
pub fn run(args: &SqlArgs, ctx: &Ctx) -> anyhow::Result<Outcome> {
    let format = match (args.format, args.csv, args.json) {
        (Some(OutputFormat::Csv), ..) | (None, true, _) => Format::Csv,
        (Some(OutputFormat::Json), ..) | (None, _, true) => Format::Json,
        _ => Format::Table,
    };
    let conn = query::open_store(&Store::at(&args.store), &ctx.db)?;
    let batches = query::run(&conn, &args.query)?;
    ctx.printer.data(&query::render(&batches, format)?);
    Ok(Outcome::Done)
}
