//! Inboxes: folders where deliveries land. A delivery is a folder with `delivery.toml`,
//! directly in the inbox or one level below (`inbox/<source>/<delivery>/`, as `kohort synth`
//! writes them).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Result;
use crate::store::Manifest;

/// A delivery found in an inbox.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    /// Data end (deliveries are ingested oldest first).
    pub extracted_on: NaiveDate,
    /// Source.
    pub source: String,
    /// Delivery id.
    pub delivery_id: String,
    /// The folder.
    pub dir: PathBuf,
}

#[derive(Deserialize)]
struct Meta {
    source: String,
    delivery_id: String,
    extracted_on: NaiveDate,
}

/// Every delivery folder in the inboxes, sorted by data end, source and id. A folder whose
/// `delivery.toml` does not parse is returned in `unreadable` (ingest names the problem).
pub fn scan(inboxes: &[PathBuf]) -> Result<(Vec<Found>, Vec<PathBuf>)> {
    let mut found = Vec::new();
    let mut unreadable = Vec::new();
    for inbox in inboxes {
        for dir in sorted_dirs(inbox)? {
            if dir.join("delivery.toml").is_file() {
                classify(&dir, &mut found, &mut unreadable)?;
                continue;
            }
            for sub in sorted_dirs(&dir)? {
                if sub.join("delivery.toml").is_file() {
                    classify(&sub, &mut found, &mut unreadable)?;
                }
            }
        }
    }
    found.sort();
    Ok((found, unreadable))
}

fn classify(dir: &Path, found: &mut Vec<Found>, unreadable: &mut Vec<PathBuf>) -> Result<()> {
    let text = fs_err::read_to_string(dir.join("delivery.toml"))?;
    // Unknown keys are ingest's business; only the identity is read here.
    match toml::from_str::<toml::Table>(&text).ok().and_then(|t| Meta::deserialize(t).ok()) {
        Some(m) => found.push(Found {
            extracted_on: m.extracted_on,
            source: m.source,
            delivery_id: m.delivery_id,
            dir: dir.to_owned(),
        }),
        None => unreadable.push(dir.to_owned()),
    }
    Ok(())
}

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if entry.file_type()?.is_dir() && !name.to_string_lossy().starts_with('.') {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Whether the store already holds this delivery (it is in the history).
pub fn ingested(m: Option<&Manifest>, f: &Found) -> bool {
    m.is_some_and(|m| m.history.iter().any(|h| h.source == f.source && h.delivery_id == f.delivery_id))
}

/// A refused delivery, remembered so the next run does not validate it again unless its
/// files changed (names, sizes, modification times).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Refused {
    /// Source.
    pub source: String,
    /// Delivery id.
    pub delivery_id: String,
    /// The folder.
    pub dir: PathBuf,
    /// Fingerprint of the folder's files.
    pub fingerprint: String,
    /// Why it was refused.
    pub reason: String,
}

/// Names, sizes and modification times of a delivery folder's files, hashed.
pub fn fingerprint(dir: &Path) -> Result<String> {
    let mut entries: Vec<(String, u64, u128)> = Vec::new();
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_file() {
            let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            entries.push((
                entry.file_name().to_string_lossy().into_owned(),
                meta.len(),
                mtime.map_or(0, |d| d.as_nanos()),
            ));
        }
    }
    entries.sort();
    let mut h = Sha256::new();
    for (name, len, mtime) in entries {
        h.update(format!("{name}\t{len}\t{mtime}\n"));
    }
    Ok(hex::encode(h.finalize()))
}
