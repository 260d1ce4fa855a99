//! `kohort ingest`: validate a delivery, publish it, print the report.

use std::fmt::Write as _;

use anyhow::{Context as _, bail};

use super::{Ctx, ExitStatus};
use crate::cli::IngestArgs;
use crate::ingest::{IngestOptions, IngestReport, ingest};
use crate::pseudonym::Key;
use crate::store::Store;

/// Ingest one delivery.
pub fn run(args: &IngestArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let Ok(delimiter) = u8::try_from(args.delimiter) else {
        bail!("--delimiter must be a single-byte character, got '{}'", args.delimiter);
    };
    if let Some(rate) = args.max_reject_rate
        && !(0.0..=1.0).contains(&rate)
    {
        bail!("--max-reject-rate must be a fraction between 0 and 1, got {rate}");
    }
    let key = Key::read(&args.key).with_context(|| format!("reading key file {}", args.key.display()))?;
    let opts = IngestOptions {
        delimiter,
        max_reject_rate: args.max_reject_rate,
        quarantine_dir: args.quarantine.clone(),
        db: ctx.db.clone(),
        progress: ctx.printer.progress(),
        allow_older: args.allow_older,
        buckets: args.buckets,
    };
    let store = Store::at(&args.store);
    let report = ingest(&args.delivery, &store, &key, &opts)
        .with_context(|| format!("ingesting {}", args.delivery.display()))?;
    if args.json {
        ctx.printer.data(&serde_json::to_string_pretty(&report)?);
    } else {
        ctx.printer.data(&render(&report));
    }
    Ok(if report.quarantined() > 0 || report.aborted.is_some() { ExitStatus::Finding } else { ExitStatus::Done })
}

/// The validation report as text.
pub fn render(r: &IngestReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "delivery {} / {}", r.source, r.delivery_id);
    let _ =
        writeln!(out, "{:<16} {:>10} {:>10} {:>12}  quarantined by rule", "table", "read", "accepted", "quarantined");
    for (table, c) in &r.tables {
        let rules: Vec<String> = c.by_rule.iter().map(|(rule, n)| format!("{rule} {n}")).collect();
        let _ =
            writeln!(out, "{table:<16} {:>10} {:>10} {:>12}  {}", c.read, c.accepted, c.quarantined, rules.join(", "));
    }
    let accepted: u64 = r.tables.iter().map(|(_, c)| c.accepted).sum();
    let _ = writeln!(out, "{:<16} {:>10} {:>10} {:>12}", "total", r.read(), accepted, r.quarantined());
    for (table, cols) in &r.ignored_columns {
        let _ = writeln!(out, "note: {table}: ignored columns not in the delivery format: {}", cols.join(", "));
    }
    if let Some(dir) = &r.quarantine_dir {
        let _ = writeln!(out, "quarantined rows (kept outside the store, they hold raw ids): {}", dir.display());
    }
    match (&r.aborted, r.published_version) {
        (Some(why), _) => {
            let _ = writeln!(out, "ABORTED: {why}");
        }
        (None, Some(v)) => {
            let _ = writeln!(
                out,
                "published store version {v}: {} persons changed; {} persons with conflicting birth date or sex across sources",
                r.changed_persons, r.person_conflicts
            );
        }
        (None, None) => {}
    }
    out
}
