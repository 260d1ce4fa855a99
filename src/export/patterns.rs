//! The suppression patterns of an export's systems, kept between runs so that a `kohort run`
//! after a small delivery protects again only the systems whose figures changed
//! (docs/definitions.md §6.11).
//!
//! A system's pattern is a function of its rows (in order: cell keys, counts, denominators,
//! municipality groups), its period, the rule, the youth-region mapping and the code that
//! protects it. The cache keys every pattern by a SHA-256 fingerprint of exactly those inputs —
//! the code by the text of the modules that build relations and suppress, compiled in — so a
//! pattern is reused only where protecting again would give the same pattern, and the export is
//! the same byte for byte either way. A cache that cannot be read (absent, damaged, another
//! format) is ignored: every system is protected again.
//!
//! File layout (little-endian): the magic line, the number of systems, per system its
//! fingerprint, its report figures, its relation kinds and its suppressed cells (cell number in
//! the order of the system's first rows, reason), then a SHA-256 of everything before.

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::disclosure::Reason;
use crate::export::relations::KINDS;

const MAGIC: &[u8] = b"kohort export patterns 1\n";

/// The source of everything a pattern depends on besides its inputs.
const CODE: [&str; 6] = [
    include_str!("../disclosure.rs"),
    include_str!("../disclosure/implied.rs"),
    include_str!("../disclosure/lp.rs"),
    include_str!("relations.rs"),
    include_str!("mod.rs"),
    include_str!("counts.rs"),
];

/// A system's fingerprint.
pub type Fingerprint = [u8; 32];

/// What protecting one system gave, by cell: the suppressed cells (numbered in the order of the
/// system's first rows) and the system's share of the report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SystemPattern {
    /// Suppressed cells: (cell number, reason).
    pub suppressed: Vec<(u32, Reason)>,
    /// Report figures: cells, twin cells, relations, primary cells, heuristic, audit added,
    /// audit rounds, audit programs, largest group, unprotectable.
    pub figures: [u64; 10],
    /// Relations by kind (indexes into [`KINDS`]).
    pub by_kind: Vec<(u8, u64)>,
}

/// The hasher of one system's fingerprint, already fed with the code, the rule and the
/// mapping (`context`, the same for every system of an export).
#[must_use]
pub fn hasher(context: &str) -> Sha256 {
    let mut h = Sha256::new();
    for part in CODE {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update((context.len() as u64).to_le_bytes());
    h.update(context.as_bytes());
    h
}

/// Add a string to a fingerprint (length first, so fields cannot run into each other).
pub fn feed(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

/// The patterns of the last export, by fingerprint.
#[derive(Debug, Default)]
pub struct Cache {
    systems: HashMap<Fingerprint, SystemPattern>,
}

impl Cache {
    /// Read the cache at `path`; absent or unreadable gives an empty cache.
    #[must_use]
    pub fn read(path: &Path) -> Self {
        fs_err::read(path).ok().and_then(|bytes| decode(&bytes)).unwrap_or_default()
    }

    /// The pattern of a system with this fingerprint, if known.
    #[must_use]
    pub fn get(&self, fp: &Fingerprint) -> Option<&SystemPattern> {
        self.systems.get(fp)
    }

    /// Number of systems held.
    #[cfg(test)]
    #[must_use]
    pub fn len(&self) -> usize {
        self.systems.len()
    }

    /// Whether the cache holds nothing.
    #[cfg(test)]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.systems.is_empty()
    }
}

/// The bytes of a cache holding `systems` (in the given order).
#[must_use]
pub fn encode(systems: &[(Fingerprint, &SystemPattern)]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend((systems.len() as u64).to_le_bytes());
    for (fp, p) in systems {
        out.extend(fp);
        for f in p.figures {
            out.extend(f.to_le_bytes());
        }
        out.extend((p.by_kind.len() as u64).to_le_bytes());
        for (k, n) in &p.by_kind {
            out.push(*k);
            out.extend(n.to_le_bytes());
        }
        out.extend((p.suppressed.len() as u64).to_le_bytes());
        for (cell, reason) in &p.suppressed {
            out.extend(cell.to_le_bytes());
            out.push(u8::from(*reason == Reason::Secondary));
        }
    }
    let sum = Sha256::digest(&out);
    out.extend(sum);
    out
}

/// Parse cache bytes; `None` when they are not a whole, intact cache of this format.
fn decode(bytes: &[u8]) -> Option<Cache> {
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
    if Sha256::digest(body).as_slice() != sum {
        return None;
    }
    let mut r = Reader { bytes: body.strip_prefix(MAGIC)? };
    let mut systems = HashMap::new();
    for _ in 0..r.u64()? {
        let fp: Fingerprint = r.take(32)?.try_into().ok()?;
        let mut figures = [0u64; 10];
        for f in &mut figures {
            *f = r.u64()?;
        }
        let mut by_kind = Vec::new();
        for _ in 0..r.u64()? {
            let k = r.take(1)?[0];
            if usize::from(k) >= KINDS.len() {
                return None;
            }
            by_kind.push((k, r.u64()?));
        }
        let mut suppressed = Vec::new();
        for _ in 0..r.u64()? {
            let cell = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
            let reason = match r.take(1)?[0] {
                0 => Reason::Primary,
                1 => Reason::Secondary,
                _ => return None,
            };
            suppressed.push((cell, reason));
        }
        systems.insert(fp, SystemPattern { suppressed, figures, by_kind });
    }
    r.bytes.is_empty().then_some(Cache { systems })
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.bytes.split_at_checked(n)?;
        self.bytes = tail;
        Some(head)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern() -> SystemPattern {
        SystemPattern {
            suppressed: vec![(0, Reason::Primary), (7, Reason::Secondary)],
            figures: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            by_kind: vec![(0, 4), (4, 2)],
        }
    }

    #[test]
    fn a_cache_reads_back_what_was_written_and_a_damaged_one_reads_as_empty() {
        let p = pattern();
        let bytes = encode(&[([7u8; 32], &p)]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("patterns");
        fs_err::write(&path, &bytes).unwrap();
        let cache = Cache::read(&path);
        assert_eq!((cache.len(), cache.get(&[7u8; 32])), (1, Some(&p)));
        assert_eq!(cache.get(&[8u8; 32]), None);
        // One flipped byte anywhere: the checksum fails and nothing is trusted.
        for at in [0, MAGIC.len() + 3, bytes.len() / 2, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 1;
            fs_err::write(&path, &bad).unwrap();
            assert!(Cache::read(&path).is_empty(), "byte {at}");
        }
        // Cut short, or absent.
        fs_err::write(&path, &bytes[..bytes.len() - 5]).unwrap();
        assert!(Cache::read(&path).is_empty());
        assert!(Cache::read(&dir.path().join("none")).is_empty());
    }

    #[test]
    fn the_fingerprint_depends_on_the_context_and_on_field_boundaries() {
        let fp = |context: &str, fields: &[&str]| -> Fingerprint {
            let mut h = hasher(context);
            for f in fields {
                feed(&mut h, f);
            }
            h.finalize().into()
        };
        assert_eq!(fp("min 10", &["a", "b"]), fp("min 10", &["a", "b"]));
        assert_ne!(fp("min 10", &["a", "b"]), fp("min 11", &["a", "b"]));
        assert_ne!(fp("min 10", &["ab", ""]), fp("min 10", &["a", "b"]));
    }
}
