//! Inboxes and the ingest step of `kohort run`.
//!
//! An inbox is a folder where deliveries land: a delivery is a folder with `delivery.toml`,
//! directly in the inbox or one level below (`inbox/<source>/<delivery>/`, as `kohort synth`
//! writes them). A run ingests every delivery the store does not hold yet, oldest data end
//! first. A delivery under an id the store has held is compared by content hash (over
//! `delivery.toml` and every table file, as the store's history records it): the same
//! files are nothing new (also when the delivery was withdrawn: it is not taken again), other
//! files are a correction and are ingested as such. A refused delivery is remembered in
//! `PUBLISH/state.json` and examined again only when its files change or its source in the
//! store changes (a refusal such as "older than the store's" may no longer hold).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{DeliveryResult, Log, Plan, Result, RunError, RunOptions, read_json, write_json};
use crate::delivery::Delivery;
use crate::ingest::{IngestError, IngestOptions, IngestReport, TableAction};
use crate::pseudonym::Key;
use crate::schema::Schema;
use crate::store::{HistoryKind, Manifest, Store};

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

/// What the store holds of a delivery found in an inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    /// Its id is new to the store.
    New,
    /// The store has held it with the same files (current, superseded or withdrawn).
    Same,
    /// The store has held its id with other files: a correction.
    Changed,
}

/// The content hash the store recorded the last time it took `f`'s id, if it did.
fn recorded_content(m: Option<&Manifest>, f: &Found) -> Option<String> {
    let m = m?;
    let h = m
        .history
        .iter()
        .rev()
        .find(|h| h.source == f.source && h.delivery_id == f.delivery_id && h.kind != HistoryKind::Withdrawal)?;
    Some(h.content_sha256.clone())
}

/// Whether the store holds `f` with the same files: by the content hash the store recorded,
/// or, for a delivery an older kohort recorded without one, by the SHA-256s of the source's
/// current inputs (a delivery that is no longer current cannot be compared: not taken again).
fn known(m: Option<&Manifest>, f: &Found, content: &mut dyn FnMut() -> Option<Content>) -> Known {
    let Some(recorded) = recorded_content(m, f) else { return Known::New };
    if !recorded.is_empty() {
        return if content().is_some_and(|c| c.sha256 == recorded) { Known::Same } else { Known::Changed };
    }
    let current = m.and_then(|m| m.sources.get(&f.source)).filter(|e| e.delivery_id == f.delivery_id);
    let Some(current) = current else { return Known::Same };
    let same = content().is_some_and(|c| {
        let mut inputs: Vec<(String, String)> =
            current.inputs.iter().map(|i| (i.path.clone(), i.sha256.clone())).collect();
        inputs.sort();
        c.files == inputs
    });
    if same { Known::Same } else { Known::Changed }
}

/// A refused delivery, remembered so the next run does not validate it again unless its
/// files changed (names, sizes, modification times) or its source in the store changed.
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
    /// The store version of the source's last change when it was refused (0: none).
    #[serde(default)]
    pub source_version: u64,
}

/// The content hash of an inbox delivery and its table files' SHA-256s, cached by its
/// folder's fingerprint so a large delivery is not read again on every run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct ContentHash {
    dir: PathBuf,
    fingerprint: String,
    content: Content,
}

/// What a delivery's files hash to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Content {
    /// Over `delivery.toml` and every table file.
    sha256: String,
    /// Table file name and SHA-256, sorted by name.
    files: Vec<(String, String)>,
}

/// `PUBLISH/state.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    refused: Vec<Refused>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    content: Vec<ContentHash>,
}

impl State {
    fn remember(&mut self, f: &Found, fingerprint: &str, why: &str, source_version: u64) {
        self.refused.retain(|r| r.dir != f.dir);
        self.refused.push(Refused {
            source: f.source.clone(),
            delivery_id: f.delivery_id.clone(),
            dir: f.dir.clone(),
            fingerprint: fingerprint.to_owned(),
            reason: why.to_owned(),
            source_version,
        });
    }

    /// The content hashes of `f`'s folder: from the cache when its files have not changed.
    fn content(&mut self, f: &Found, fingerprint: &str) -> Option<Content> {
        if let Some(c) = self.content.iter().find(|c| c.dir == f.dir && c.fingerprint == fingerprint) {
            return Some(c.content.clone());
        }
        // A folder that cannot be read counts as changed: ingest names the problem.
        let schema = Schema::embedded().ok()?;
        let delivery = Delivery::open(&f.dir, &schema).ok()?;
        let shas = delivery.file_sha256s().ok()?;
        let name = |file: &crate::delivery::TableFile| {
            file.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        };
        let mut files: Vec<(String, String)> =
            delivery.files.iter().zip(&shas).map(|(file, sha)| (name(file), sha.clone())).collect();
        files.sort();
        let content = Content { sha256: delivery.content_sha256_of(&shas), files };
        self.content.retain(|c| c.dir != f.dir);
        let entry = ContentHash { dir: f.dir.clone(), fingerprint: fingerprint.to_owned(), content: content.clone() };
        self.content.push(entry);
        Some(content)
    }
}

/// The store version of `source`'s last change (0 when the store never held it).
fn source_version(m: Option<&Manifest>, source: &str) -> u64 {
    m.and_then(|m| m.history.iter().rev().find(|h| h.source == source)).map_or(0, |h| h.version)
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

/// Ingest every new or corrected delivery of the plan's inboxes, oldest data end first.
pub fn ingest_new(
    plan: &Plan,
    store: &Store,
    key: &Key,
    opts: &RunOptions,
    log: &mut Log,
) -> Result<Vec<DeliveryResult>> {
    let p = &plan.file;
    let (found, unreadable) = scan(&p.inboxes)?;
    let mut results = Vec::new();
    for dir in unreadable {
        let why = "delivery.toml lacks source, delivery_id or extracted_on";
        log.say(format_args!("refused {}: {why}", dir.display()));
        results.push(DeliveryResult { refused: Some(why.to_owned()), ..result_for(String::new(), String::new(), dir) });
    }
    let state_path = p.publish.join("state.json");
    let mut state: State = read_json(&state_path)?.unwrap_or_default();
    let before = serde_json::to_string(&state).unwrap_or_default();
    let ingest_opts = IngestOptions {
        delimiter: p.delimiter as u8,
        max_reject_rate: plan.max_reject_rate(),
        future_margin_days: p.future_margin_days.unwrap_or(0),
        quarantine_dir: None,
        db: opts.db.clone(),
        progress: opts.progress,
        allow_older: false,
        buckets: IngestOptions::default().buckets,
    };
    state.content.retain(|c| found.iter().any(|f| f.dir == c.dir));
    for f in found {
        let m = store.manifest()?;
        let fingerprint = fingerprint(&f.dir)?;
        let known = known(m.as_ref(), &f, &mut || state.content(&f, &fingerprint));
        if known == Known::Same {
            continue;
        }
        let version = source_version(m.as_ref(), &f.source);
        let base = result_for(f.source.clone(), f.delivery_id.clone(), f.dir.clone());
        if let Some(r) =
            state.refused.iter().find(|r| r.dir == f.dir && r.fingerprint == fingerprint && r.source_version == version)
        {
            log.say(format_args!("still refused {}/{} ({}): {}", f.source, f.delivery_id, f.dir.display(), r.reason));
            results.push(DeliveryResult { refused: Some(format!("refused before: {}", r.reason)), ..base });
            continue;
        }
        let opts_here = IngestOptions {
            quarantine_dir: p.quarantine.as_ref().map(|q| q.join(&f.source).join(&f.delivery_id)),
            ..ingest_opts.clone()
        };
        let res = match crate::ingest::ingest(&f.dir, store, key, &opts_here) {
            Ok(r) => recorded(&r, base, &f, log),
            Err(e) if refusable(&e) => {
                let why = crate::printer::one_line(&e);
                log.say(format_args!("refused {}/{}: {why}", f.source, f.delivery_id));
                DeliveryResult { refused: Some(why), ..base }
            }
            Err(source) => return Err(RunError::Ingest { dir: f.dir.clone(), source: Box::new(source) }),
        };
        state.refused.retain(|r| r.dir != f.dir);
        if let Some(why) = &res.refused {
            state.remember(&f, &fingerprint, why, version);
        }
        if res.published_version.is_some() || res.refused.is_some() {
            results.push(res);
        }
    }
    if serde_json::to_string(&state).unwrap_or_default() != before {
        fs_err::create_dir_all(&p.publish)?;
        write_json(&state_path, &state)?;
    }
    Ok(results)
}

/// An empty result for a delivery.
fn result_for(source: String, delivery_id: String, dir: PathBuf) -> DeliveryResult {
    DeliveryResult {
        source,
        delivery_id,
        dir,
        published_version: None,
        read: 0,
        accepted: 0,
        quarantined: 0,
        refused: None,
        kind: String::new(),
        kept_tables: Vec::new(),
        emptied_tables: Vec::new(),
    }
}

/// The result of an ingest that ran, logged.
fn recorded(r: &IngestReport, base: DeliveryResult, f: &Found, log: &mut Log) -> DeliveryResult {
    let kind = match r.kind {
        HistoryKind::Correction => "correction",
        _ => "delivery",
    };
    let res = DeliveryResult {
        published_version: r.published_version,
        read: r.read(),
        accepted: r.accepted(),
        quarantined: r.quarantined(),
        refused: r.aborted.clone(),
        kind: kind.to_owned(),
        kept_tables: r.tables_with(TableAction::Kept),
        emptied_tables: r.tables_with(TableAction::Emptied),
        ..base
    };
    let what =
        if kind == "correction" { " (a correction: the store held this delivery id with other files)" } else { "" };
    match (&r.aborted, &r.skipped, r.published_version) {
        (Some(why), _, _) => log.say(format_args!("refused {}/{}: {why}", f.source, f.delivery_id)),
        (None, Some(why), _) => log.say(format_args!("{}/{}: {why}", f.source, f.delivery_id)),
        (None, None, Some(v)) => log.say(format_args!(
            "ingested {}/{}{what} as store version {v}: {} rows read, {} quarantined, {} persons changed{}",
            f.source,
            f.delivery_id,
            res.read,
            res.quarantined,
            r.changed_persons,
            tables_note(&res)
        )),
        (None, None, None) => {}
    }
    res
}

fn tables_note(r: &DeliveryResult) -> String {
    let mut out = String::new();
    if !r.kept_tables.is_empty() {
        out.push_str(&format!("; kept from earlier deliveries: {}", r.kept_tables.join(", ")));
    }
    if !r.emptied_tables.is_empty() {
        out.push_str(&format!("; emptied: {}", r.emptied_tables.join(", ")));
    }
    out
}

/// Errors that are the delivery's fault: the run refuses it and goes on.
fn refusable(e: &IngestError) -> bool {
    matches!(
        e,
        IngestError::Delivery(_)
            | IngestError::Validator(_)
            | IngestError::Older { .. }
            | IngestError::FutureDataEnd { .. }
    )
}
