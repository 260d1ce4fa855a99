//! `kohort demo`: the whole path on a synthetic scenario, and where everything ended up.

use anyhow::Context as _;

use super::{Ctx, ExitStatus};
use crate::cli::DemoArgs;
use crate::ingest::{IngestOptions, ingest};
use crate::outcomes::config::OutcomeConfig;
use crate::pseudonym::Key;
use crate::query::{self, Format};
use crate::store::Store;
use crate::synth::{self, OutputFormat, SynthOptions};

/// Synthesise, ingest, show.
pub fn run(args: &DemoArgs, ctx: &Ctx) -> anyhow::Result<ExitStatus> {
    let p = &ctx.printer;
    // The deliveries land in an inbox, so `kohort run plans/quarterly.toml` goes on from here.
    let deliveries = args.dir.join("inbox");
    let store_dir = args.dir.join("store");
    for old in [
        &deliveries,
        &args.dir.join("deliveries"),
        &store_dir,
        &args.dir.join("store-quarantine"),
        &args.dir.join("studies"),
        &args.dir.join("export"),
        &args.dir.join("definitions"),
        &args.dir.join("factsheets"),
    ] {
        crate::store::publication::remove_if_present(old)
            .with_context(|| format!("clearing the previous demo in {}", args.dir.display()))?;
    }
    fs_err::create_dir_all(&args.dir)?;
    let scenario = synth::load_scenario(&args.scenario)?;
    p.info(format_args!("1/6 synthesising scenario '{}' into {}", args.scenario, deliveries.display()));
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
    p.info(format_args!("2/6 ingesting {} deliveries into {}", summary.deliveries.len(), store_dir.display()));
    let store = Store::at(&store_dir);
    let ingest_opts = IngestOptions { db: ctx.db.clone(), progress: p.progress(), ..IngestOptions::default() };
    for d in &summary.deliveries {
        let report =
            ingest(&d.dir, &store, &key, &ingest_opts).with_context(|| format!("ingesting {}", d.dir.display()))?;
        p.data(&super::ingest::render(&report));
    }
    p.info("3/6 store figures (kohort sql over the store views)");
    let conn = query::open_store(&store, &ctx.db)?;
    p.data(&query::render(&query::run(&conn, crate::sql::DEMO_FIGURES)?, Format::Table)?);
    p.data(&query::render(&query::run(&conn, crate::sql::DEMO_CARE_FORMS)?, Format::Table)?);
    p.info("4/6 outcomes (re-entry, escalation, safety, field indicators; kohort outcomes)");
    super::outcomes::compute_and_summarise(&store, &OutcomeConfig::default(), Format::Table, false, ctx)?;
    p.info("5/6 a study with mirror data (kohort study studies/small_monitor.toml)");
    let defs = args.dir.join("definitions");
    fs_err::create_dir_all(defs.join("studies"))?;
    fs_err::create_dir_all(defs.join("cohorts"))?;
    let study_file = defs.join("studies/small_monitor.toml");
    fs_err::write(&study_file, include_str!("../../studies/small_monitor.toml"))?;
    fs_err::write(defs.join("cohorts/spells_2015_2024.toml"), include_str!("../../cohorts/spells_2015_2024.toml"))?;
    let (tables, rows) = crate::study::run(&store, &study_file, &args.dir.join("studies"), &ctx.db)?;
    p.data(&format!("{rows} table rows (NL, municipalities and youth regions side by side) in {}\n", tables.display()));
    p.info("6/6 the tables made safe to publish (kohort export tables)");
    let export_dir = args.dir.join("export").join("small_monitor");
    let r = crate::export::export_tables(&tables, &export_dir, &crate::export::TablesOptions::default(), &ctx.db)?;
    p.data(&format!(
        "{} of {} rows suppressed ({} primary, {} secondary) in {}\n",
        r.rows_primary + r.rows_secondary,
        r.rows,
        r.rows_primary,
        r.rows_secondary,
        export_dir.display()
    ));
    let pack = args.dir.join("factsheets");
    let f = crate::factsheet::build(&export_dir, &pack, &ctx.db, crate::factsheet::PdfMode::Never)?;
    p.data(&format!(
        "{} factsheet pages (national, {} mirror factsheets, disclosure summary; Dutch and English) in {}\n",
        f.pages,
        f.mirrors,
        pack.display()
    ));
    let bin = binary_path();
    p.data(&format!(
        "deliveries: {}\nkey:        {} (keep outside the store)\nstore:      {}\nstudy:      {}\nexport:     {} (codebook.md, disclosure_report.md)\ntry:        {bin} sql --store {} \"SELECT window_days, status, count(*) FROM reentry_windows GROUP BY ALL\"\nthen:       {bin} run plans/quarterly.toml   (the scheduled job over this demo's inbox)\nopen:       {} (the factsheets, in a browser; print to PDF for A4)",
        deliveries.display(),
        key_path.display(),
        store_dir.display(),
        tables.display(),
        export_dir.display(),
        store_dir.display(),
        f.index.display()
    ));
    Ok(ExitStatus::Done)
}

/// How to call this kohort from the current folder: `kohort` when that is the binary on the
/// PATH, else its path (e.g. `target/release/kohort` after `cargo run --release -- demo`).
fn binary_path() -> String {
    let Ok(exe) = std::env::current_exe() else { return "kohort".to_owned() };
    let on_path = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| dir.join("kohort").canonicalize().ok() == exe.canonicalize().ok())
    });
    if on_path {
        return "kohort".to_owned();
    }
    let here = std::env::current_dir().ok();
    let shown =
        here.as_deref().and_then(|d| exe.strip_prefix(d).ok()).map_or(exe.clone(), std::path::Path::to_path_buf);
    shown.display().to_string()
}
