//! The command line: clap types only. Each subcommand is run by `commands::<verb>::run`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// kohort: longitudinal cohort tracking for youth-care research.
///
/// Deliveries are validated and pseudonymised into a Parquet timeline store; outcomes
/// are computed per person; exports are anonymised. See `kohort schema` for the delivery format.
#[derive(Debug, Parser)]
#[command(name = "kohort", version, about, max_term_width = 100)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Worker threads, shared by DuckDB and kohort's own parallel work [default: all cores].
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// DuckDB memory limit, e.g. 4GB (it spills to disk beyond it) [default: 2GB, or half the machine's memory if less].
    #[arg(long, global = true, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// No progress bars or messages on stderr (results still go to stdout).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Create files readable by the owner's group too (0640 files, 0750 folders) instead of the
    /// owner only (0600, 0700). The store and the quarantine hold pseudonyms and raw ids.
    #[arg(long, global = true)]
    pub group_readable: bool,
    /// Write how long each step took to this file when the command ends, also when it fails
    /// (tab-separated: thread, end and seconds of the step, how many in a row, what was done).
    #[arg(long, global = true, value_name = "FILE")]
    pub timings: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole path on a synthetic scenario: synthesise, ingest, show the store.
    Demo(DemoArgs),
    /// Print the delivery format (tables, columns, codes, care ladder).
    Schema(SchemaArgs),
    /// Manage pseudonymisation keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Validate a delivery folder and load it into the store.
    Ingest(IngestArgs),
    /// Run SQL against the store's views.
    Sql(SqlArgs),
    /// Check every store file against the SHA-256 in the manifest.
    Verify(VerifyArgs),
    /// Write synthetic deliveries from a scenario.
    Synth(SynthArgs),
    /// Compute every outcome (re-entry, escalation, safety, field indicators) over the store.
    Outcomes(OutcomesArgs),
    /// Intergenerational linkage: parents' own care histories against their children's.
    Linkage(LinkageArgs),
    /// Publication exports with disclosure control.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Factsheets from a disclosure-controlled export (`kohort export tables`): a national
    /// factsheet, a mirror factsheet per youth region and municipality, an index and the
    /// disclosure summary, in Dutch and English, as static HTML with inline SVG charts.
    Factsheet(FactsheetArgs),
    /// Build a cohort from a definition (TOML) and print its attrition table.
    Cohort(CohortArgs),
    /// Run a study: cohorts x outcomes x splits x regions as tidy tables (a study with
    /// `[linkage]`: the linkage tables of its cohort).
    Study(StudyArgs),
    /// The scheduled job: ingest new deliveries from the inboxes, recompute outcomes
    /// (incrementally), build every study and publish atomically with a run manifest.
    /// Exit codes: 0 done (also: nothing new), 1 done but rows were quarantined, 2 error
    /// (nothing new published), 3 another run holds the lock, 4 done but a delivery was
    /// refused (nothing of it published; it is not examined again until its files or its
    /// source in the store change).
    Run(RunArgs),
}

/// `kohort run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The plan file (TOML; see plans/).
    pub plan: PathBuf,
    /// Recompute every person, not only those changed since the current outcome run.
    #[arg(long)]
    pub full: bool,
    /// Append messages to this log file (overrides the plan's `log`).
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Print the report as JSON (one object on stdout) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `kohort study`.
#[derive(Debug, Args)]
pub struct StudyArgs {
    /// The study file (TOML; see studies/ and data-schema/study_file.md).
    pub study: PathBuf,
    /// The store folder (with a current outcome run; a linkage study: a current linkage run).
    #[arg(long)]
    pub store: PathBuf,
    /// Output folder (the study's tables go to OUT/<name>/, a linkage study's to
    /// OUT/<name>/linkage/).
    #[arg(long)]
    pub out: PathBuf,
    /// Print the report as JSON (one object on stdout) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `kohort cohort`.
#[derive(Debug, Args)]
pub struct CohortArgs {
    /// The cohort definition (TOML; see cohorts/).
    pub definition: PathBuf,
    /// The store folder (with a current outcome run when the entry is a spell).
    #[arg(long)]
    pub store: PathBuf,
    /// Write members.csv and attrition.csv to this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the report as JSON (one object on stdout) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `kohort export ...`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Study tables made safe to publish: primary and secondary suppression, optional rounding,
    /// with a codebook, a disclosure report and R / Python / SPSS reading snippets.
    Tables(ExportTablesArgs),
    /// A person-period panel of a cohort made safe to publish: export ids, coarsened dates,
    /// k-anonymity on the quasi-identifiers, with a codebook, a disclosure report and R /
    /// Python / SPSS / Stata reading scripts.
    Panel(ExportPanelArgs),
    /// The tables of the store's linkage run (risk, resilience, chain, curves), whole or of a
    /// cohort (also a linkage study's), made safe to publish, families counted as clusters, with
    /// a codebook and a disclosure report.
    Linkage(ExportLinkageArgs),
}

/// `kohort factsheet`.
#[derive(Debug, Args)]
pub struct FactsheetArgs {
    /// The export folder of one study (`kohort export tables --out`: tables.parquet and
    /// disclosure_report.json); never a study folder with unsuppressed tables.
    #[arg(long = "in")]
    pub input: PathBuf,
    /// The folder of the pack to write (replaced atomically): index.html, nl/, en/.
    #[arg(long)]
    pub out: PathBuf,
    /// A PDF beside each factsheet page, printed by headless Chromium (`chromium` on the PATH):
    /// auto (when Chromium is there; else HTML only and a note), always (no Chromium is an
    /// error), never.
    #[arg(long, value_enum, default_value_t = crate::factsheet::PdfMode::Auto)]
    pub pdf: crate::factsheet::PdfMode,
    /// Print what was written as JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `kohort export linkage`.
#[derive(Debug, Args)]
pub struct ExportLinkageArgs {
    /// The store folder (its current linkage run is exported).
    #[arg(long)]
    pub store: PathBuf,
    /// The export folder to write (replaced atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Minimum count, in persons and in families.
    #[arg(long, default_value_t = 10)]
    pub min_count: u64,
    /// Restrict the tables to a cohort (a cohort TOML as for `kohort cohort`; docs/definitions.md
    /// §4.13.7); needs --side. Families stay the disclosure unit.
    #[arg(long, requires = "side")]
    pub cohort: Option<PathBuf>,
    /// The side of the parent-child links the cohort's members are on: children (they are the G2
    /// children counted) or parents (their linked children are counted; resilience counts only
    /// them).
    #[arg(long, value_enum, requires = "cohort")]
    pub side: Option<crate::results::linkage_scope::Side>,
    /// Restrict the tables to the cohort and side of a linkage study (a study file with
    /// `[linkage]`): the same export as its --cohort and --side.
    #[arg(long, conflicts_with_all = ["cohort", "side"])]
    pub study: Option<PathBuf>,
    /// Print the report as JSON (one object on stdout: the disclosure report and the folder) instead
    /// of text.
    #[arg(long)]
    pub json: bool,
}

/// `kohort export panel`.
#[derive(Debug, Args)]
pub struct ExportPanelArgs {
    /// The panel file (TOML; see panels/ and data-schema/panel.md).
    pub panel: PathBuf,
    /// The store folder (with a current outcome run when the cohort's entry is a spell).
    #[arg(long)]
    pub store: PathBuf,
    /// The export folder to write (replaced atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Export key file (`kohort key new`; never the store's key). Without it a fresh random key
    /// is used and forgotten, so the export cannot be linked to anything.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Print the report as JSON (one object on stdout: the disclosure report and the folder) instead
    /// of text.
    #[arg(long)]
    pub json: bool,
}

/// `kohort export tables`.
#[derive(Debug, Args)]
pub struct ExportTablesArgs {
    /// The study folder (holds tables.parquet in the study-table form, data-schema/study_tables.md).
    #[arg(long = "in")]
    pub input: PathBuf,
    /// The export folder to write (replaced atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Minimum count: cells, complements and denominators under it are suppressed.
    #[arg(long, default_value_t = 10)]
    pub min_count: u64,
    /// Round published counts and denominators to this base (5 = base 5; 1 = none).
    #[arg(long, default_value_t = 1)]
    pub round_base: u64,
    /// Publish zero counts (structural zeros) instead of suppressing them.
    #[arg(long)]
    pub publish_zeros: bool,
    /// Youth-region mapping the study used, when not the shipped one: a file with the columns of
    /// data-schema/youth_regions.csv whose rows replace the shipped rows of the municipalities
    /// it names. The nesting of municipalities in youth regions is a relation of the suppression.
    #[arg(long)]
    pub youth_regions: Option<PathBuf>,
    /// Print the report as JSON (one object on stdout: the disclosure report and the folder) instead
    /// of text.
    #[arg(long)]
    pub json: bool,
}

/// `kohort linkage`.
#[derive(Debug, Args)]
pub struct LinkageArgs {
    /// The store folder.
    #[arg(long)]
    pub store: PathBuf,
    /// Parameters (the outcome config TOML; its `[linkage]` table and the ladder are used).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Also write the tables restricted to a cohort (a cohort TOML as for `kohort cohort`;
    /// docs/definitions.md §4.13.7) into --out; needs --side.
    #[arg(long, requires_all = ["side", "out"])]
    pub cohort: Option<PathBuf>,
    /// The side of the parent-child links the cohort's members are on: children (they are the G2
    /// children counted) or parents (their linked children are counted; resilience counts only
    /// them).
    #[arg(long, value_enum, requires = "cohort")]
    pub side: Option<crate::results::linkage_scope::Side>,
    /// The folder of the cohort's linkage tables (replaced atomically): linkage_risk,
    /// linkage_resilience, linkage_chain, linkage_km, linkage_cif (.parquet) and scope.json.
    #[arg(long, requires = "cohort")]
    pub out: Option<PathBuf>,
    /// Print the summary as JSON lines.
    #[arg(long)]
    pub json: bool,
}

/// `kohort outcomes`.
#[derive(Debug, Args)]
pub struct OutcomesArgs {
    /// The store folder.
    #[arg(long)]
    pub store: PathBuf,
    /// Outcome parameters (TOML; keys not given keep their defaults, docs/definitions.md §4.16).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Print the summary as JSON lines.
    #[arg(long)]
    pub json: bool,
    /// Compute only these outcome families (comma-separated) [default: all, or the config's].
    #[arg(long, value_enum, value_delimiter = ',')]
    pub only: Vec<FamilyArg>,
    /// Recompute only the persons changed since the current run (same result as a full run).
    #[arg(long)]
    pub incremental: bool,
    /// Let a run of some families (`--only`) replace a current run that has others: their
    /// tables are then empty, and studies refuse such a run.
    #[arg(long)]
    pub partial: bool,
    /// Print the summary only: the same figures as a run's, counted as they are computed;
    /// nothing is written to the store (no run is recorded, no result table to query).
    #[arg(long, conflicts_with_all = ["incremental", "partial"])]
    pub summary_only: bool,
}

/// Outcome families for `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FamilyArg {
    /// Re-entry after a spell end.
    Reentry,
    /// Prior care at a spell start.
    PriorCare,
    /// Escalation, de-escalation, transitions, monthly states.
    Escalation,
    /// Re-reports (child and household view).
    Safety,
    /// Re-reports after a report, child view alone (part of `safety`).
    Rereports,
    /// Protection measure episodes.
    Measures,
    /// Field indicators and reliable change.
    Indicators,
    /// Youth probation: recidivism and delinquency risk change.
    Probation,
    /// The spell-to-episode link table (`spell_episodes`).
    Spells,
}

/// `kohort demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to put the deliveries, key, store and quarantine.
    #[arg(long, default_value = "kohort-demo")]
    pub dir: PathBuf,
    /// The scenario to synthesise.
    #[arg(long, default_value = "small")]
    pub scenario: String,
}

/// `kohort schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print JSON instead of Markdown.
    #[arg(long)]
    pub json: bool,
}

/// `kohort key ...`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a new random key file (mode 0600). Keep it outside the store.
    New {
        /// The key file to write (refuses to overwrite).
        #[arg(long)]
        out: PathBuf,
    },
}

/// `kohort ingest`.
#[derive(Debug, Args)]
#[command(after_help = "Exit codes:
  0  published, no row quarantined (or nothing new: the store holds the delivery with the same files)
  1  published, but rows were quarantined (see the quarantine folder)
  2  usage, input or I/O error: nothing published
  4  aborted by the reject guard (a table with more than --max-reject-rate of its rows quarantined,
     or with no row left): nothing published, the store is unchanged")]
pub struct IngestArgs {
    /// The delivery folder (delivery.toml and one file per table).
    #[arg(required_unless_present = "withdraw")]
    pub delivery: Option<PathBuf>,
    /// The store folder (created on the first ingest).
    #[arg(long)]
    pub store: PathBuf,
    /// The pseudonymisation key file (`kohort key new`).
    #[arg(long, env = "KOHORT_KEY_FILE", required_unless_present = "withdraw")]
    pub key: Option<PathBuf>,
    /// CSV field delimiter: ',' or ';' (or any single byte).
    #[arg(long, default_value = ",")]
    pub delimiter: char,
    /// Abort the delivery (publish nothing, exit 4) when more than this fraction of one
    /// table's rows is quarantined (0-1); a table with no row left always aborts.
    #[arg(long, value_name = "FRACTION", default_value_t = crate::ingest::DEFAULT_MAX_REJECT_RATE)]
    pub max_reject_rate: f64,
    /// Accept an extracted_on up to this many days after today (a data end after that is
    /// refused as a typo).
    #[arg(long, value_name = "DAYS", default_value_t = 0)]
    pub future_margin_days: u32,
    /// Where quarantined rows go [default: <STORE>-quarantine/<source>/<delivery_id>].
    #[arg(long)]
    pub quarantine: Option<PathBuf>,
    /// Replace a source's delivery with an older one.
    #[arg(long)]
    pub allow_older: bool,
    /// Person buckets of a new store (ignored for an existing store).
    #[arg(long, default_value_t = crate::store::DEFAULT_BUCKETS)]
    pub buckets: u16,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Withdraw the source's current delivery SOURCE/DELIVERY_ID instead of ingesting: the
    /// source goes back to the delivery it replaced (the store keeps it), or is removed when
    /// it was the source's first.
    #[arg(long, value_name = "SOURCE/DELIVERY_ID", conflicts_with = "delivery")]
    pub withdraw: Option<String>,
}

/// Output formats for query results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// An aligned text table.
    Table,
    /// CSV with a header.
    Csv,
    /// JSON lines, one object per row.
    Json,
}

/// `kohort sql`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The query (views: persons, persons_all, relations, households, residence, care_episodes,
    /// measures, safety_reports, measurements, population, offences, questionnaire; and the
    /// result tables of `kohort outcomes`).
    #[arg(required_unless_present = "file")]
    pub query: Option<String>,
    /// Read the query from a file instead.
    #[arg(long, conflicts_with = "query")]
    pub file: Option<PathBuf>,
    /// The store folder.
    #[arg(long)]
    pub store: PathBuf,
    /// CSV output (same as --format csv).
    #[arg(long, conflicts_with_all = ["json", "format"])]
    pub csv: bool,
    /// JSON lines output (same as --format json).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

/// `kohort verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The store folder.
    #[arg(long)]
    pub store: PathBuf,
    /// Also check the published run of this folder (a plan's `publish`).
    #[arg(long)]
    pub publish: Option<PathBuf>,
    /// Print the report as JSON (one object on stdout) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// File formats synth can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SynthFormat {
    /// CSV files.
    Csv,
    /// Parquet files.
    Parquet,
}

/// `kohort synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// A shipped scenario name (tiny, small, proeftuinen, intergenerational, dirty, national, probation, activities)
    /// or a path to a scenario .toml.
    pub scenario: String,
    /// The output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// File format of the tables.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: SynthFormat,
    /// Multiply the scenario's size (e.g. 0.1 for a quick run).
    #[arg(long)]
    pub scale: Option<f64>,
}
