//! `kohort verify`: check every store file, the current outcome and linkage runs and
//! (with `--publish`) the published run against their recorded hashes.

use super::{Ctx, Outcome};
use crate::cli::VerifyArgs;
use crate::store::Store;

/// Verify the store, its result runs and a published folder.
pub fn run(args: &VerifyArgs, ctx: &Ctx) -> anyhow::Result<Outcome> {
    let store = Store::at(&args.store);
    let n = store.verify()?;
    let version = store.require_manifest()?.version;
    ctx.printer.data(&format!("ok: {n} files of version {version} match their SHA-256"));
    for area in crate::results::Area::ALL {
        if let Some((run, n)) = crate::results::verify_current(&store, area)? {
            ctx.printer.data(&format!("ok: {n} files of {area} run {run} match their SHA-256"));
        }
    }
    if let Some(publish) = &args.publish {
        match crate::run::verify_published(publish)? {
            Some((run, n)) => ctx.printer.data(&format!("ok: {n} files of published run {run} match their SHA-256")),
            None => ctx.printer.data(&format!("{}: nothing published yet", publish.display())),
        }
    }
    Ok(Outcome::Done)
}
