//! `kohort verify`: check every store file against its recorded hash.

use super::{Ctx, Outcome};
use crate::cli::VerifyArgs;
use crate::store::Store;

/// Verify the store.
pub fn run(args: &VerifyArgs, ctx: &Ctx) -> anyhow::Result<Outcome> {
    let store = Store::at(&args.store);
    let n = store.verify()?;
    let version = store.require_manifest()?.version;
    ctx.printer.data(&format!("ok: {n} files of version {version} match their SHA-256"));
    Ok(Outcome::Done)
}
