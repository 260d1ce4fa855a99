//! One file per subcommand; each exposes `run(args, ctx)`. Clap types stay in `cli`.

mod cohort;
mod demo;
mod export;
mod factsheet;
mod ingest;
mod key;
mod linkage;
pub(crate) mod outcomes;
mod run;
mod schema;
mod sql;
mod study;
mod synth;
mod verify;

use anyhow::Context as _;

use crate::cli::{Cli, Command, ExportCommand, KeyCommand};
use crate::db::{DbSettings, default_threads};
use crate::printer::Printer;

/// How a command ended (errors are the `Err` side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done, nothing to report.
    Done,
    /// Done, with a finding the caller must see (exit code 1).
    Finding,
    /// Not done: another process holds the lock (exit code 3).
    Busy,
    /// A delivery was refused: nothing of it was published (exit code 4).
    Refused,
}

/// What every command gets.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// DuckDB threads and memory (rayon uses the same thread count).
    pub db: DbSettings,
    /// Output.
    pub printer: Printer,
}

/// Build the shared context and run the chosen command.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    crate::store::publication::restrict_new_files(cli.global.group_readable);
    let threads = cli.global.threads.unwrap_or_else(default_threads).max(1);
    // One thread setting for both pools; ignore "already built" (tests call run twice).
    let _ = rayon::ThreadPoolBuilder::new().num_threads(threads).build_global();
    let ctx = Ctx {
        db: DbSettings {
            threads,
            memory_limit: cli.global.memory_limit.clone().unwrap_or_else(crate::db::default_memory_limit),
        },
        printer: Printer::new(cli.global.quiet),
    };
    if cli.global.timings.is_some() {
        crate::timings::start();
    }
    let result = match cli.command {
        Command::Demo(args) => demo::run(&args, &ctx),
        Command::Schema(args) => schema::run(&args, &ctx),
        Command::Key(KeyCommand::New { out }) => key::new(&out, &ctx),
        Command::Ingest(args) => ingest::run(&args, &ctx),
        Command::Sql(args) => sql::run(&args, &ctx),
        Command::Verify(args) => verify::run(&args, &ctx),
        Command::Synth(args) => synth::run(&args, &ctx),
        Command::Outcomes(args) => outcomes::run(&args, &ctx),
        Command::Linkage(args) => linkage::run(&args, &ctx),
        Command::Export(ExportCommand::Tables(args)) => export::tables(&args, &ctx),
        Command::Export(ExportCommand::Panel(args)) => export::panel(&args, &ctx),
        Command::Export(ExportCommand::Linkage(args)) => export::linkage(&args, &ctx),
        Command::Factsheet(args) => factsheet::run(&args, &ctx),
        Command::Cohort(args) => cohort::run(&args, &ctx),
        Command::Study(args) => study::run(&args, &ctx),
        Command::Run(args) => run::run(&args, &ctx),
    };
    match &cli.global.timings {
        Some(path) => {
            let written = crate::timings::write(path, &crate::timings::finish())
                .with_context(|| format!("writing the step timings to {}", path.display()));
            // A failed command's own error comes first.
            result.and_then(|status| written.map(|()| status))
        }
        None => result,
    }
}
