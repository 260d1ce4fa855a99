//! `manifest.json`: what the store holds, where it came from, and what changed.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Result, StoreError};

/// The store manifest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always `kohort-store`.
    pub format: String,
    /// Delivery schema version the data follow.
    pub schema_version: u32,
    /// kohort version that wrote this manifest.
    pub kohort_version: String,
    /// Person buckets (fixed when the store is created).
    pub buckets: u16,
    /// Fingerprint of the pseudonymisation key (never the key).
    pub key_fingerprint: String,
    /// Current data version: the folder `v/NNNNNN`.
    pub version: u64,
    /// The current delivery of each source.
    pub sources: BTreeMap<String, SourceEntry>,
    /// Every publication, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Per source, the delivery its current one replaced, kept so a wrong delivery can be
    /// withdrawn (`kohort ingest --withdraw`): its files are hard-linked under
    /// `v/NNNNNN/retained/<source>/` with the paths listed here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retained: BTreeMap<String, SourceEntry>,
    /// Persons delivered by several sources with different birth date or sex.
    pub person_conflicts: u64,
}

/// The current delivery of one source.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceEntry {
    /// Delivery id.
    pub delivery_id: String,
    /// Data end of the delivery.
    pub extracted_on: NaiveDate,
    /// When it was ingested (UTC, RFC 3339).
    pub ingested_at: String,
    /// Delivered files with their SHA-256.
    pub inputs: Vec<FileEntry>,
    /// Rows read, accepted and quarantined per table.
    pub tables: BTreeMap<String, TableCounts>,
    /// The store files of this source, relative to the version folder.
    pub files: Vec<FileEntry>,
    /// One SHA-256 over `delivery.toml` and every delivered file: a delivery under a known
    /// id whose content hash differs is a correction.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content_sha256: String,
    /// Tables the delivery did not include whose rows were kept from an earlier delivery of
    /// the source: table -> that delivery's id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kept: BTreeMap<String, String>,
}

/// A file with its size, row count and content hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Path (relative to the version folder, or the delivered file name).
    pub path: String,
    /// Rows in it.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// Row counts of one table of one delivery; `read = accepted + quarantined`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TableCounts {
    /// Data rows read.
    pub read: u64,
    /// Rows loaded.
    pub accepted: u64,
    /// Rows quarantined.
    pub quarantined: u64,
    /// Quarantined rows per rule.
    pub by_rule: BTreeMap<String, u64>,
}

/// What a publication was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    /// A delivery under a new id.
    #[default]
    Delivery,
    /// A delivery under an id the store held before, with other content.
    Correction,
    /// The source's current delivery withdrawn, its previous one restored.
    Withdrawal,
}

/// One publication.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    /// The version it produced.
    pub version: u64,
    /// Source.
    pub source: String,
    /// Delivery id (for a withdrawal: the delivery withdrawn).
    pub delivery_id: String,
    /// Delivery, correction or withdrawal.
    #[serde(default)]
    pub kind: HistoryKind,
    /// The delivery's content hash (see [`SourceEntry::content_sha256`]); empty for a
    /// withdrawal and in stores of older kohort versions.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content_sha256: String,
    /// A withdrawal: the delivery restored (`None`: the source was removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_delivery_id: Option<String>,
    /// When (UTC).
    pub ingested_at: String,
    /// Persons whose data changed: added, removed or altered rows, and, when the delivery's
    /// data end differs from the source's previous one, every person of the source's persons
    /// table (old and new), whose follow-up end moves with it.
    pub changed_persons: u64,
    /// Whether the data end (`extracted_on`) moved from the source's previous delivery.
    #[serde(default)]
    pub data_end_moved: bool,
    /// File listing them, relative to the store root.
    pub changes_file: String,
    /// Whether the population table changed.
    pub population_changed: bool,
}

impl Manifest {
    /// Read a manifest; `None` when the file does not exist.
    pub fn read(path: &Path) -> Result<Option<Self>> {
        super::publication::read_json(path).map_err(|e| match e {
            super::publication::JsonError::Io(e) => StoreError::Io(e),
            super::publication::JsonError::Parse { path, source } => {
                StoreError::Manifest { path, message: source.to_string() }
            }
        })
    }
}
