//! `kohort key new`: a fresh pseudonymisation key.

use std::path::Path;

use super::{Ctx, ExitStatus};
use crate::pseudonym::Key;

/// Write a new key file.
pub fn new(out: &Path, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let key = Key::generate();
    key.write_new(out)?;
    ctx.printer.info(format_args!(
        "wrote key {} (fingerprint {}). Keep it outside the store and back it up: without it \
         new deliveries cannot be linked to the store.",
        out.display(),
        key.fingerprint()
    ));
    Ok(ExitStatus::Done)
}
