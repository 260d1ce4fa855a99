//! `kohort verify`: check every store file, the current outcome and linkage runs and
//! (with `--publish`) the published run against their recorded hashes.

use super::{Ctx, ExitStatus};
use crate::cli::VerifyArgs;
use crate::store::Store;

/// What was checked (the `--json` report).
#[derive(Debug, serde::Serialize)]
struct Checked {
    /// The store version and its files.
    store_version: u64,
    store_files: usize,
    /// Per result area with a current run: the area, the run and its files.
    runs: Vec<(String, String, usize)>,
    /// The published run and its files, with `--publish`.
    published: Option<(String, usize)>,
}

/// Verify the store, its result runs and a published folder.
pub fn run(args: &VerifyArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let store = Store::at(&args.store);
    let store_files = store.verify()?;
    let store_version = store.require_manifest()?.version;
    let mut runs = Vec::new();
    for area in crate::results::Area::ALL {
        if let Some((run, n)) = crate::results::verify_current(&store, area)? {
            runs.push((area.dir().to_owned(), run, n));
        }
    }
    let published = match &args.publish {
        Some(publish) => crate::run::verify_published(publish)?,
        None => None,
    };
    if args.json {
        ctx.printer.json(&Checked { store_version, store_files, runs, published })?;
        return Ok(ExitStatus::Done);
    }
    ctx.printer.data(&format!("ok: {store_files} files of version {store_version} match their SHA-256"));
    for (area, run, n) in &runs {
        ctx.printer.data(&format!("ok: {n} files of {area} run {run} match their SHA-256"));
    }
    match (&args.publish, &published) {
        (Some(_), Some((run, n))) => {
            ctx.printer.data(&format!("ok: {n} files of published run {run} match their SHA-256"));
        }
        (Some(publish), None) => ctx.printer.data(&format!("{}: nothing published yet", publish.display())),
        (None, _) => {}
    }
    Ok(ExitStatus::Done)
}
