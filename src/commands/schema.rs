//! `kohort schema`: the delivery format as Markdown or JSON.

use anyhow::Context as _;

use super::{Ctx, ExitStatus};
use crate::cli::SchemaArgs;
use crate::schema::{Ladder, Schema, to_markdown};

/// Print the schema.
pub fn run(args: &SchemaArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let schema = Schema::embedded()?;
    let ladder = Ladder::embedded()?;
    let text = if args.json {
        let value = serde_json::json!({ "delivery": schema, "care_ladder": ladder });
        serde_json::to_string_pretty(&value).context("serialising the schema")?
    } else {
        to_markdown(&schema, &ladder)
    };
    ctx.printer.data(&text);
    Ok(ExitStatus::Done)
}
