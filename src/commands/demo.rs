//! `kohort demo`: the whole path on a synthetic scenario, and where everything ended up.

use anyhow::Context as _;

use super::{Ctx, Outcome};
use crate::cli::DemoArgs;
use crate::ingest::{IngestOptions, ingest};
use crate::outcomes::config::OutcomeConfig;
use crate::pseudonym::Key;
use crate::query::{self, Format};
use crate::store::Store;
use crate::synth::{self, OutputFormat, SynthOptions};

/// Synthesise, ingest, show.
pub fn run(args: &DemoArgs, ctx: &Ctx) -> anyhow::Result<Outcome> {
    let p = &ctx.printer;
    let deliveries = args.dir.join("deliveries");
    let store_dir = args.dir.join("store");
    for old in [&deliveries, &store_dir, &args.dir.join("store-quarantine")] {
        if old.exists() {
            fs_err::remove_dir_all(old)
                .with_context(|| format!("clearing the previous demo in {}", args.dir.display()))?;
        }
    }
    fs_err::create_dir_all(&args.dir)?;
    let scenario = synth::load_scenario(&args.scenario)?;
    p.info(format_args!("1/4 synthesising scenario '{}' into {}", args.scenario, deliveries.display()));
    let opts =
        SynthOptions { format: OutputFormat::Csv, threads: Some(ctx.db.threads), progress: p.progress(), scale: None };
    let summary = synth::generate(&scenario, &deliveries, &opts)?;

    let key_path = args.dir.join("demo.key");
    let key = if key_path.exists() {
        Key::read(&key_path)?
    } else {
        let key = Key::generate();
        key.write_new(&key_path)?;
        key
    };
    p.info(format_args!("2/4 ingesting {} deliveries into {}", summary.deliveries.len(), store_dir.display()));
    let store = Store::at(&store_dir);
    let ingest_opts = IngestOptions { db: ctx.db.clone(), progress: p.progress(), ..IngestOptions::default() };
    for d in &summary.deliveries {
        let report =
            ingest(&d.dir, &store, &key, &ingest_opts).with_context(|| format!("ingesting {}", d.dir.display()))?;
        p.data(&super::ingest::render(&report));
    }
    p.info("3/4 store figures (kohort sql over the store views)");
    let conn = query::open_store(&store, &ctx.db)?;
    p.data(&query::render(&query::run(&conn, crate::sql::DEMO_FIGURES)?, Format::Table)?);
    p.data(&query::render(&query::run(&conn, crate::sql::DEMO_CARE_FORMS)?, Format::Table)?);
    p.info("4/4 outcomes (re-entry, escalation, safety, field indicators; kohort outcomes)");
    super::outcomes::compute_and_summarise(&store, &OutcomeConfig::default(), Format::Table, ctx)?;
    p.data(&format!(
        "deliveries: {}\nkey:        {} (keep outside the store)\nstore:      {}\ntry:        kohort sql --store {} \"SELECT window_days, status, count(*) FROM reentry_windows GROUP BY ALL\"",
        deliveries.display(),
        key_path.display(),
        store_dir.display(),
        store_dir.display()
    ));
    Ok(Outcome::Done)
}
