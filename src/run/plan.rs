//! The plan file of `kohort run` (`PLAN.toml`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Result, RunError};

/// `PLAN.toml`. Relative paths are relative to the plan file's folder.
///
/// ```toml
/// store = "/data/kohort/store"
/// key = "/secure/kohort.key"            # the store's pseudonymisation key (outside the store)
/// inboxes = ["/data/inbox"]             # folders holding delivery folders (one or two levels deep)
/// outcomes = "outcomes.toml"            # optional outcome config (defaults otherwise)
/// studies = ["studies/monitor.toml"]    # built after every recomputation
/// publish = "/data/kohort/published"    # published/current -> runs/rNNNNNN
/// log = "/var/log/kohort-run.log"       # optional; every message is appended here
/// max_reject_rate = 0.05                # optional, as `kohort ingest` (default 0.05, per table)
/// future_margin_days = 0                # optional, as `kohort ingest`
/// compact_above = 0.25                  # optional: when deltas are merged into base files
/// panels = ["panels/cohort.toml"]       # optional: person-period panels published with each run
/// export_key = "/secure/export.key"     # optional: the panels' export key (else random per run)
///
/// [export]                              # disclosure control of what is published
/// min_count = 10                        # primary suppression under this count
/// round_base = 1                        # 5 rounds published counts to base 5
/// publish_zeros = false                 # publish structural zeros
/// factsheets = false                    # also publish each study's factsheets (`kohort factsheet`)
/// pdf = "auto"                          # with them a PDF per page: auto (if chromium), always, never
/// ```
/// The raw study tables stay in `STORE/study_tables/<study>/`; only their disclosure-controlled
/// export (the code of `kohort export tables`; of `kohort export linkage --study` for a study with
/// `[linkage]`) is published.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    /// The store.
    pub store: PathBuf,
    /// The pseudonymisation key file.
    pub key: PathBuf,
    /// Inbox folders.
    #[serde(default)]
    pub inboxes: Vec<PathBuf>,
    /// Outcome config file.
    pub outcomes: Option<PathBuf>,
    /// Study files.
    #[serde(default)]
    pub studies: Vec<PathBuf>,
    /// Where runs are published.
    pub publish: PathBuf,
    /// Log file.
    pub log: Option<PathBuf>,
    /// Refuse a delivery when more than this share of one table's rows is quarantined
    /// (default 0.05; a table with no row left is always refused).
    pub max_reject_rate: Option<f64>,
    /// Accept an `extracted_on` up to this many days after today (default 0).
    pub future_margin_days: Option<u32>,
    /// Incremental runs write the recomputed persons' rows to delta files (outcomes and each
    /// study's cache) until more than this fraction of the persons were recomputed since the
    /// base files, then merge them into new base files (default 0.25; 0 merges every time).
    pub compact_above: Option<f64>,
    /// CSV delimiter of the deliveries.
    #[serde(default = "comma")]
    pub delimiter: char,
    /// Quarantine folder (default: beside the store, per source and delivery).
    pub quarantine: Option<PathBuf>,
    /// Disclosure control of the published tables.
    #[serde(default)]
    pub export: ExportSettings,
    /// Panel files (`kohort export panel`) published with every run.
    #[serde(default)]
    pub panels: Vec<PathBuf>,
    /// The panels' export key file; without it each run's panels use a fresh random key.
    pub export_key: Option<PathBuf>,
}

/// `[export]` of a plan: the parameters of `kohort export tables`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSettings {
    /// Minimum count (primary suppression).
    #[serde(default = "ten")]
    pub min_count: u64,
    /// Round published counts and denominators to this base (1: no rounding).
    #[serde(default = "one")]
    pub round_base: u64,
    /// Publish zero counts (structural zeros).
    #[serde(default)]
    pub publish_zeros: bool,
    /// Also build the factsheets of each study's export (`kohort factsheet`) into
    /// `<study>/factsheets/` of the run, so every run publishes them.
    #[serde(default)]
    pub factsheets: bool,
    /// The factsheets' PDFs (`kohort factsheet --pdf`): auto, always or never.
    #[serde(default)]
    pub pdf: crate::factsheet::PdfMode,
}

impl Default for ExportSettings {
    fn default() -> Self {
        Self {
            min_count: ten(),
            round_base: one(),
            publish_zeros: false,
            factsheets: false,
            pdf: crate::factsheet::PdfMode::Auto,
        }
    }
}

fn ten() -> u64 {
    10
}

fn one() -> u64 {
    1
}

fn comma() -> char {
    ','
}

/// A plan with its paths resolved and its text kept (it goes into the run manifest's hash).
#[derive(Debug, Clone)]
pub struct Plan {
    /// The plan file.
    pub path: PathBuf,
    /// Its bytes.
    pub text: String,
    /// The plan, paths absolute or relative to the current folder.
    pub file: PlanFile,
}

impl Plan {
    /// The reject guard's limit: the plan's, or the default.
    pub fn max_reject_rate(&self) -> f64 {
        self.file.max_reject_rate.unwrap_or(crate::ingest::DEFAULT_MAX_REJECT_RATE)
    }

    /// Read and check a plan file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = fs_err::read_to_string(path)?;
        let bad = |message: String| RunError::Plan { path: path.to_owned(), message };
        let mut file: PlanFile = toml::from_str(&text)
            .map_err(|source| RunError::Toml { path: path.to_owned(), source: Box::new(source) })?;
        if let Some(rate) = file.max_reject_rate
            && !(0.0..=1.0).contains(&rate)
        {
            return Err(bad(format!("max_reject_rate must be a fraction between 0 and 1, got {rate}")));
        }
        if !file.delimiter.is_ascii() {
            return Err(bad(format!("delimiter must be a single-byte character, got '{}'", file.delimiter)));
        }
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        let at = |p: &Path| if p.is_absolute() { p.to_owned() } else { base.join(p) };
        file.store = at(&file.store);
        file.key = at(&file.key);
        file.publish = at(&file.publish);
        file.inboxes = file.inboxes.iter().map(|p| at(p)).collect();
        file.studies = file.studies.iter().map(|p| at(p)).collect();
        file.outcomes = file.outcomes.as_deref().map(at);
        file.log = file.log.as_deref().map(at);
        file.quarantine = file.quarantine.as_deref().map(at);
        file.panels = file.panels.iter().map(|p| at(p)).collect();
        file.export_key = file.export_key.as_deref().map(at);
        if file.export.min_count == 0 || file.export.round_base == 0 {
            return Err(bad("[export] min_count and round_base must be at least 1".to_owned()));
        }
        Ok(Self { path: path.to_owned(), text, file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_plan_parses_with_the_ingest_settings() {
        let plan = Plan::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/quarterly.toml")).expect("plan");
        assert!((plan.max_reject_rate() - 0.05).abs() < 1e-12);
        assert_eq!(plan.file.future_margin_days, Some(0));
        assert!(plan.file.store.ends_with("kohort-demo/store"));
    }
}
