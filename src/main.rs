//! The `kohort` binary: parse, run, map the outcome to an exit code.
//! 0 = done, 1 = a finding (rows quarantined), 2 = usage or I/O error, 3 = another process
//! holds the lock (`kohort run`: try again later), 4 = a delivery was refused (the reject
//! guard; in `kohort run` any refusal): nothing of it was published.

use std::process::ExitCode;

use clap::Parser;
use kohort::cli::{Cli, Command};
use kohort::commands::{self, ExitStatus};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Outcomes(_)) {
        // The process computes outcomes and ends; set before the worker threads start.
        kohort::alloc::keep_freed_memory();
    }
    match commands::run(cli) {
        Ok(ExitStatus::Done) => ExitCode::SUCCESS,
        Ok(ExitStatus::Finding) => ExitCode::from(1),
        Ok(ExitStatus::Busy) => ExitCode::from(3),
        Ok(ExitStatus::Refused) => ExitCode::from(4),
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}
