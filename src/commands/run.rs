//! `kohort run`: the scheduled job (cron-friendly: no questions, a log, meaningful exit codes:
//! 0 done, 1 rows quarantined, 2 error, 3 busy, 4 a delivery refused).

use anyhow::Context as _;

use super::{Ctx, ExitStatus};
use crate::cli::RunArgs;
use crate::run::{Log, Plan, RunError, RunOptions, execute};

/// Run a plan; exit 3 when another run holds the lock.
pub fn run(args: &RunArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let plan = Plan::read(&args.plan)?;
    let log_path = args.log.clone().or_else(|| plan.file.log.clone());
    let mut log = Log::open(log_path.as_deref(), ctx.printer)
        .with_context(|| format!("opening the log file of {}", args.plan.display()))?;
    let opts = RunOptions { full: args.full, db: ctx.db.clone(), progress: ctx.printer.progress() };
    let report = match execute(&plan, &opts, &mut log) {
        Ok(r) => r,
        Err(RunError::Busy(store)) => {
            log.say(format_args!("another kohort run holds {}: nothing done", store.join(".run.lock").display()));
            return Ok(ExitStatus::Busy);
        }
        Err(e) => {
            log.say(format_args!("run failed: {}", crate::printer::one_line(&e)));
            return Err(e).with_context(|| format!("running {}", args.plan.display()));
        }
    };
    if args.json {
        ctx.printer.json(&serde_json::json!({
            "published": report.published,
            "deliveries": report.deliveries,
            "current": report.current,
        }))?;
    } else if let Some(m) = &report.published {
        ctx.printer.info(format_args!(
            "published run {} (store version {}, outcomes {} [{}]); tables under {}",
            m.run,
            m.store_version,
            m.outcomes.run,
            m.outcomes.mode,
            report.current.display()
        ));
    }
    Ok(if report.refused() {
        ExitStatus::Refused
    } else if report.finding() {
        ExitStatus::Finding
    } else {
        ExitStatus::Done
    })
}
