//! `kohort synth`: declarative synthetic scenarios with planted truths.
//!
//! A scenario (`scenarios/<name>.toml`) describes families, care, measures, safety reports and
//! measurements in the user's terms; [`generate`] writes its deliveries in the docs/definitions.md §2 format,
//! plus `expected.toml` (the truths to recover) and, for `dirty`, `defects.csv`.
//! Families are generated in chunks, in parallel, each from its own seeded RNG, and written in
//! chunk order: output is byte-identical whatever the thread count, and memory stays bounded.

mod care;
mod codes;
mod dirty;
mod draw;
mod emit;
mod explicit;
mod family;
mod probation;
mod run;
pub mod scenario;
mod table;
mod world;
mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use codes::Bsn;
pub use scenario::Scenario;
pub use table::Table;

/// Errors of scenario loading and generation.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// No shipped scenario of that name and no such file.
    #[error("no scenario `{name}`: not a shipped scenario ({shipped}) and no such .toml file")]
    UnknownScenario {
        /// The name given.
        name: String,
        /// The shipped scenarios.
        shipped: String,
    },
    /// The scenario file does not parse or has an unknown key.
    #[error("scenario {file}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// The parser's message.
        message: String,
    },
    /// The scenario parses but a value is unusable.
    #[error("scenario {file}: key `{key}`: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// The key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a file failed (the message names the path).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Writing a Parquet file failed.
    #[error("writing {path}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: parquet::errors::ParquetError,
    },
    /// Building an Arrow batch failed.
    #[error("building the Arrow batch of table {table}: {message}")]
    Arrow {
        /// The table.
        table: &'static str,
        /// What went wrong.
        message: String,
    },
    /// A defect that only CSV can carry was asked for in Parquet.
    #[error("table {table}: {what} can only be written as CSV; use --format csv")]
    CsvOnly {
        /// The table.
        table: &'static str,
        /// The defect.
        what: &'static str,
    },
    /// The thread pool could not be built.
    #[error("building a thread pool of {threads} threads: {message}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// Why not.
        message: String,
    },
}

/// Result of this module.
pub type Result<T> = std::result::Result<T, SynthError>;

/// Output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// `<table>.csv`, UTF-8, comma, header row.
    #[default]
    Csv,
    /// `<table>.parquet`, all columns Utf8.
    Parquet,
}

/// How to generate.
#[derive(Debug, Clone, Default)]
pub struct SynthOptions {
    /// CSV or Parquet.
    pub format: OutputFormat,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Multiply the number of families (for quick tests).
    pub scale: Option<f64>,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct SynthSummary {
    /// Deliveries in publication order.
    pub deliveries: Vec<DeliverySummary>,
    /// `OUT/expected.toml`, when the scenario states truths.
    pub expected_path: Option<PathBuf>,
    /// `OUT/defects.csv`, for scenarios with planted defects.
    pub defects_path: Option<PathBuf>,
}

/// One written delivery.
#[derive(Debug, Clone)]
pub struct DeliverySummary {
    /// `source` of `delivery.toml`.
    pub source: String,
    /// `delivery_id` of `delivery.toml`.
    pub delivery_id: String,
    /// The delivery folder `OUT/<source>/<delivery_id>`.
    pub dir: PathBuf,
    /// Data rows per table name.
    pub rows: BTreeMap<String, u64>,
}

const SHIPPED: [(&str, &str); 8] = [
    ("tiny", include_str!("../../scenarios/tiny.toml")),
    ("small", include_str!("../../scenarios/small.toml")),
    ("proeftuinen", include_str!("../../scenarios/proeftuinen.toml")),
    ("intergenerational", include_str!("../../scenarios/intergenerational.toml")),
    ("dirty", include_str!("../../scenarios/dirty.toml")),
    ("national", include_str!("../../scenarios/national.toml")),
    ("probation", include_str!("../../scenarios/probation.toml")),
    ("activities", include_str!("../../scenarios/activities.toml")),
];

/// Names of the scenarios shipped with kohort.
#[must_use]
pub fn shipped_scenarios() -> &'static [&'static str] {
    &["tiny", "small", "proeftuinen", "intergenerational", "dirty", "national", "probation", "activities"]
}

/// The hand-worked expected results of `tiny` (docs/definitions.md §4), for outcome tests.
pub const TINY_EXPECTED: &str = include_str!("../../scenarios/tiny.expected.toml");

/// Load a scenario: a name of a shipped scenario (embedded, so it works from any directory) or a
/// path to a .toml file.
///
/// # Errors
/// [`SynthError::UnknownScenario`] when it is neither; `Parse` or `Invalid` naming the file and
/// key when the scenario is malformed; `Io` when the file cannot be read.
pub fn load_scenario(name_or_path: &str) -> Result<Scenario> {
    if let Some((_, text)) = SHIPPED.iter().find(|(n, _)| *n == name_or_path) {
        return parse_scenario(text, &format!("scenarios/{name_or_path}.toml"));
    }
    let path = Path::new(name_or_path);
    if !path.is_file() {
        let shipped = shipped_scenarios().join(", ");
        return Err(SynthError::UnknownScenario { name: name_or_path.to_string(), shipped });
    }
    let text = fs_err::read_to_string(path)?;
    parse_scenario(&text, name_or_path)
}

/// Parses and checks scenario text; `file` names it in errors.
///
/// # Errors
/// `Parse` (syntax, unknown key, wrong type) or `Invalid` (an unusable value), naming the key.
pub fn parse_scenario(text: &str, file: &str) -> Result<Scenario> {
    let s: Scenario =
        toml::from_str(text).map_err(|e| SynthError::Parse { file: file.to_string(), message: e.to_string() })?;
    run::check(&s, file)?;
    Ok(s)
}

/// Writes every delivery of the scenario under `out`; returns where they are and row counts.
///
/// # Errors
/// `Io` or `Parquet` naming the file that could not be written; `Threads` when the thread pool
/// cannot be built.
pub fn generate(s: &Scenario, out: &Path, opts: &SynthOptions) -> Result<SynthSummary> {
    let threads = opts.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| SynthError::Threads { threads, message: e.to_string() })?;
    pool.install(|| {
        if s.explicit.is_some() {
            explicit::generate(s, out, opts)
        } else if s.dirty.is_some() {
            dirty::generate(s, out, opts)
        } else {
            run::generate(s, out, opts)
        }
    })
}
