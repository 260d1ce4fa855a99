//! `kohort ingest`: validate a delivery, publish it, print the report; or withdraw a
//! source's current delivery (`--withdraw`).

use std::fmt::Write as _;

use anyhow::{Context as _, bail};

use super::{Ctx, ExitStatus};
use crate::cli::IngestArgs;
use crate::ingest::{
    IngestOptions, IngestReport, TableAction, TableStatus, WithdrawReport, ingest, parse_target, withdraw,
};
use crate::pseudonym::Key;
use crate::store::{Store, TableCounts};

/// Ingest one delivery, or withdraw one.
pub fn run(args: &IngestArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let store = Store::at(&args.store);
    if let Some(target) = &args.withdraw {
        let (source, delivery) = parse_target(target)?;
        let report = withdraw(&store, &source, &delivery, &ctx.db).with_context(|| format!("withdrawing {target}"))?;
        ctx.printer.data(&if args.json { serde_json::to_string_pretty(&report)? } else { render_withdrawal(&report) });
        return Ok(ExitStatus::Done);
    }
    let Ok(delimiter) = u8::try_from(args.delimiter) else {
        bail!("--delimiter must be a single-byte character, got '{}'", args.delimiter);
    };
    if !(0.0..=1.0).contains(&args.max_reject_rate) {
        bail!("--max-reject-rate must be a fraction between 0 and 1, got {}", args.max_reject_rate);
    }
    let (Some(delivery), Some(key_path)) = (&args.delivery, &args.key) else {
        bail!("give a delivery folder and --key (or --withdraw SOURCE/DELIVERY_ID)");
    };
    let key = Key::read(key_path).with_context(|| format!("reading key file {}", key_path.display()))?;
    let opts = IngestOptions {
        delimiter,
        max_reject_rate: args.max_reject_rate,
        future_margin_days: args.future_margin_days,
        quarantine_dir: args.quarantine.clone(),
        db: ctx.db.clone(),
        progress: ctx.printer.progress(),
        allow_older: args.allow_older,
        buckets: args.buckets,
    };
    let report = ingest(delivery, &store, &key, &opts).with_context(|| format!("ingesting {}", delivery.display()))?;
    if args.json {
        ctx.printer.data(&serde_json::to_string_pretty(&report)?);
    } else {
        ctx.printer.data(&render(&report));
    }
    Ok(outcome(&report))
}

/// The exit outcome of an ingest: refused (4) when the reject guard aborted it, a finding (1)
/// when rows were quarantined and it was published.
pub fn outcome(r: &IngestReport) -> ExitStatus {
    if r.aborted.is_some() {
        ExitStatus::Refused
    } else if r.quarantined() > 0 && r.skipped.is_none() {
        ExitStatus::Finding
    } else {
        ExitStatus::Done
    }
}

fn status_text(s: &TableStatus) -> String {
    match (&s.status, &s.from_delivery) {
        (TableAction::Kept | TableAction::Restored, Some(d)) => format!("{} ({d})", s.status.as_str()),
        _ => s.status.as_str().to_owned(),
    }
}

/// The validation report as text: every table of the format, with what the delivery did to it.
pub fn render(r: &IngestReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "delivery {} / {} ({})", r.source, r.delivery_id, kind_word(r));
    let _ = writeln!(
        out,
        "{:<16} {:>10} {:>10} {:>12}  {:<16} quarantined by rule",
        "table", "read", "accepted", "quarantined", "status"
    );
    for s in &r.table_status {
        let counts: Option<&TableCounts> = r.tables.iter().find(|(t, _)| *t == s.table).map(|(_, c)| c);
        let status = status_text(s);
        match counts {
            Some(c) => {
                let rules: Vec<String> = c.by_rule.iter().map(|(rule, n)| format!("{rule} {n}")).collect();
                let line = format!(
                    "{:<16} {:>10} {:>10} {:>12}  {status:<16} {}",
                    s.table,
                    c.read,
                    c.accepted,
                    c.quarantined,
                    rules.join(", ")
                );
                let _ = writeln!(out, "{}", line.trim_end());
            }
            None => {
                let _ = writeln!(out, "{:<16} {:>10} {:>10} {:>12}  {status}", s.table, "-", "-", "-");
            }
        }
    }
    let _ = writeln!(out, "{:<16} {:>10} {:>10} {:>12}", "total", r.read(), r.accepted(), r.quarantined());
    for (table, cols) in &r.ignored_columns {
        let _ = writeln!(out, "note: {table}: ignored columns not in the delivery format: {}", cols.join(", "));
    }
    if let Some(dir) = &r.quarantine_dir {
        let _ = writeln!(out, "quarantined rows (kept outside the store, they hold raw ids): {}", dir.display());
    }
    match (&r.aborted, &r.skipped, r.published_version) {
        (Some(why), _, _) => {
            let _ = writeln!(out, "ABORTED: {why}");
        }
        (None, Some(why), _) => {
            let _ = writeln!(out, "nothing new: {why}");
        }
        (None, None, Some(v)) => {
            let _ = writeln!(
                out,
                "published store version {v}: {} persons changed; {} persons with conflicting birth date or sex across sources",
                r.changed_persons, r.person_conflicts
            );
        }
        (None, None, None) => {}
    }
    out
}

fn kind_word(r: &IngestReport) -> &'static str {
    match (r.kind, &r.skipped) {
        (_, Some(_)) => "already in the store",
        (crate::store::HistoryKind::Correction, None) => "a correction: the store has held this delivery id before",
        _ => "a new delivery",
    }
}

/// A withdrawal as text.
pub fn render_withdrawal(r: &WithdrawReport) -> String {
    let mut out = String::new();
    let back = match &r.restored {
        Some(d) => format!("source {} is back at delivery {d}", r.source),
        None => format!("it was the first delivery of {}: the source is removed", r.source),
    };
    let _ = writeln!(out, "withdrew {}/{}: {back}", r.source, r.withdrawn);
    for s in &r.table_status {
        let _ = writeln!(out, "{:<16} {}", s.table, status_text(s));
    }
    let _ = writeln!(
        out,
        "published store version {}: {} persons changed; {} persons with conflicting birth date or sex across sources",
        r.published_version, r.changed_persons, r.person_conflicts
    );
    out
}
