//! `kohort cohort`: build a cohort, print its attrition table, optionally write its members.

use std::fmt::Write as _;

use anyhow::Context as _;

use super::{Ctx, ExitStatus};
use crate::cli::CohortArgs;
use crate::cohort::{CohortDef, build};
use crate::query;
use crate::store::Store;

/// Build and report.
pub fn run(args: &CohortArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let def = CohortDef::read(&args.definition)?;
    let conn = query::open_store(&Store::at(&args.store), &ctx.db)?;
    let base = args.definition.parent().unwrap_or_else(|| std::path::Path::new("."));
    let cohort = build(&conn, &def, base).with_context(|| format!("building cohort {}", def.name))?;
    let mut table =
        format!("cohort {}: attrition\n{:<50} {:>10} {:>12}\n", def.name, "rule", "persons", "index events");
    let mut csv = String::from("step,rule,persons,index_events\n");
    for (i, a) in cohort.attrition.iter().enumerate() {
        let _ = writeln!(table, "{:<50} {:>10} {:>12}", a.rule, a.persons, a.index_events);
        let _ = writeln!(csv, "{i},\"{}\",{},{}", a.rule.replace('"', "\"\""), a.persons, a.index_events);
    }
    if args.json {
        let report = serde_json::json!({
            "cohort": def.name,
            "attrition": cohort.attrition,
            "members": cohort.members.len(),
            "out": args.out,
        });
        ctx.printer.json(&report)?;
    } else {
        ctx.printer.data(&table);
    }
    if let Some(out) = &args.out {
        fs_err::create_dir_all(out)?;
        let mut members = String::from("person_id,index_date,exit_date\n");
        for (p, index, exit) in &cohort.members {
            let _ = writeln!(members, "{p},{index},{exit}");
        }
        crate::store::write_file_atomic(&out.join("members.csv"), members.as_bytes())?;
        crate::store::write_file_atomic(&out.join("attrition.csv"), csv.as_bytes())?;
        ctx.printer.info(format_args!("{} members written to {}", cohort.members.len(), out.display()));
    }
    Ok(ExitStatus::Done)
}
