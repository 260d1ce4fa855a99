//! The persons a read keeps: a sorted set, compared with a file's sorted `person_id` texts
//! where they lie (without parsing them), row by row or, where the file's texts are known to
//! be sorted, by galloping along both.

use std::cmp::Ordering;

use duckdb::arrow::array::{Array, BooleanArray, StringArray};

use crate::timelines::PersonId;

/// A sorted set of persons, kept as their hex text read as two big-endian numbers (whose order
/// is the text's), for comparing against stored ids unparsed and without a call to `memcmp`.
#[derive(Debug)]
pub(crate) struct PersonSet {
    keys: Vec<(u128, u128)>,
}

/// A 32-byte text as two big-endian numbers (`None` for another length).
pub(super) fn text_key(v: &[u8]) -> Option<(u128, u128)> {
    let (high, low) = v.split_first_chunk::<16>()?;
    let low: &[u8; 16] = low.try_into().ok()?;
    Some((u128::from_be_bytes(*high), u128::from_be_bytes(*low)))
}

/// The 32-byte text of two big-endian numbers ([`text_key`] backwards).
fn key_text((high, low): (u128, u128)) -> [u8; 32] {
    let mut text = [0; 32];
    text[..16].copy_from_slice(&high.to_be_bytes());
    text[16..].copy_from_slice(&low.to_be_bytes());
    text
}

impl PersonSet {
    pub(crate) fn new(ids: &[PersonId]) -> Self {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        Self::from_sorted(&ids)
    }

    pub(crate) fn from_sorted(ids: &[PersonId]) -> Self {
        Self { keys: ids.iter().filter_map(|p| text_key(&p.to_hex())).collect() }
    }

    /// Which rows of a sorted `person_id` column are the set's persons: a cursor `at` that
    /// moves along with the file's sorted ids (and finds its place again should they not be).
    pub(super) fn keep(&self, col: &StringArray, at: &mut usize) -> BooleanArray {
        (0..col.len())
            .map(|i| {
                if col.is_null(i) {
                    return Some(false);
                }
                Some(self.holds(col.value(i).as_bytes(), at))
            })
            .collect()
    }

    /// Whether the set holds a stored id (the next of a sorted column; `at` as in [`Self::keep`]).
    pub(super) fn holds(&self, v: &[u8], at: &mut usize) -> bool {
        match text_key(v) {
            Some(k) => seek(self.keys.len(), at, |i| self.keys[i].cmp(&k)),
            None => seek(self.keys.len(), at, |i| key_text(self.keys[i]).as_slice().cmp(v)),
        }
    }
}

/// Whether a sorted set of `len` entries holds a value, given how entry `i` compares with it
/// (`cmp(i)`): moves the cursor `at` to the first entry not below the value (onwards from where
/// it was when the value is not below the entry before it, else by a binary search).
fn seek(len: usize, at: &mut usize, cmp: impl Fn(usize) -> Ordering) -> bool {
    if (*at > 0 && cmp(*at - 1).is_ge()) || (*at == 0 && len > 64) {
        *at = partition_point(len, |i| cmp(i).is_lt());
    }
    while *at < len && cmp(*at).is_lt() {
        *at += 1;
    }
    *at < len && cmp(*at).is_eq()
}

/// The first index in `0..len` where `below` is false (`below` true then false along it).
fn partition_point(len: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if below(mid) { lo = mid + 1 } else { hi = mid }
    }
    lo
}

/// The bytes a 32-byte text takes in a plain page: its length (4 bytes, little-endian), then
/// the text.
pub(super) const SLOT: usize = 4 + 32;

/// Whether `pages` (plain values regions of `counts` rows each, one after the other) hold one
/// 32-byte text per row, in ascending order, as kohort writes a bucket's `person_id`: then
/// [`PersonSet::mark_sorted`] may gallop along them.
pub(super) fn sorted_texts<'a>(pages: impl IntoIterator<Item = (&'a [u8], usize)>) -> bool {
    let mut last = (0, 0);
    for (values, count) in pages {
        if values.len() != count * SLOT {
            return false;
        }
        for slot in values.chunks_exact(SLOT) {
            let Some(key) = slot
                .split_first_chunk::<4>()
                .filter(|(len, _)| u32::from_le_bytes(**len) == 32)
                .and_then(|(_, text)| text_key(text))
            else {
                return false;
            };
            if key < last {
                return false;
            }
            last = key;
        }
    }
    true
}

impl PersonSet {
    /// Appends to `mask` which rows of a page of sorted texts ([`SLOT`] bytes each, as
    /// [`sorted_texts`] checked) are the set's persons, galloping along the page and the set in
    /// turn (a few comparisons per listed person, however many rows lie between). `next` is
    /// the first entry of the set not yet passed: the pages of a row group follow one another.
    pub(super) fn mark_sorted(&self, values: &[u8], mask: &mut Vec<bool>, next: &mut usize) {
        let rows = values.len() / SLOT;
        let key = |i: usize| text_key(&values[i * SLOT + 4..(i + 1) * SLOT]).unwrap_or_default();
        let start = mask.len();
        mask.resize(start + rows, false);
        let mut row = 0;
        while row < rows && *next < self.keys.len() {
            let want = self.keys[*next];
            row = gallop(row, rows, |i| key(i) < want);
            let Some(found) = (row < rows).then(|| key(row)) else { break };
            if found == want {
                while row < rows && key(row) == want {
                    mask[start + row] = true;
                    row += 1;
                }
                // A person's rows may go on in the next page.
                if row < rows {
                    *next += 1;
                }
            } else {
                *next = gallop(*next, self.keys.len(), |j| self.keys[j] < found);
            }
        }
    }
}

/// The first index in `from..to` where `below` is false (`below` true then false along it),
/// probing from `from` in doubling steps, then by halves within the last step.
fn gallop(from: usize, to: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut probe, mut step) = (from, from, 1);
    while probe < to && below(probe) {
        lo = probe + 1;
        probe += step;
        step *= 2;
    }
    let hi = probe.min(to);
    lo + partition_point(hi - lo, |i| below(lo + i))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain values region of `ids` (each as its 32 hex digits).
    fn region(ids: &[PersonId]) -> Vec<u8> {
        ids.iter().flat_map(|p| [32u8, 0, 0, 0].into_iter().chain(p.to_hex())).collect()
    }

    #[test]
    fn galloping_marks_the_rows_a_loop_over_every_row_marks() {
        // A small generator (64-bit LCG): persons 0..200 with 0 to 3 rows each, pages cut anywhere.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % n
        };
        let person = |i: u64| PersonId::label(&format!("p{i:04}"));
        for round in 0..200 {
            let rows: Vec<PersonId> = (0..200).flat_map(|i| std::iter::repeat_n(person(i), next(4) as usize)).collect();
            // Sets from empty to every person, with persons outside the file's range too.
            let listed: Vec<PersonId> =
                (0..230).filter(|_| next(100) < round % 101).map(|i| person(i * 13 % 230)).collect();
            let set = PersonSet::new(&listed);
            let mut cuts: Vec<usize> = (0..next(6)).map(|_| next(rows.len() as u64 + 1) as usize).collect();
            cuts.extend([0, rows.len()]);
            cuts.sort_unstable();
            let pages: Vec<Vec<u8>> = cuts.windows(2).map(|w| region(&rows[w[0]..w[1]])).collect();
            assert!(sorted_texts(pages.iter().map(|p| (&p[..], p.len() / SLOT))));
            let (mut mask, mut at) = (Vec::new(), 0);
            for p in &pages {
                set.mark_sorted(p, &mut mask, &mut at);
            }
            let want: Vec<bool> = rows.iter().map(|p| listed.contains(p)).collect();
            assert_eq!(mask, want, "round {round}");
            // The row-by-row comparison agrees.
            let (mut at, texts) = (0, rows.iter().map(|p| p.to_hex()).collect::<Vec<_>>());
            let by_row: Vec<bool> = texts.iter().map(|t| set.holds(t, &mut at)).collect();
            assert_eq!(by_row, want, "round {round}");
            // Rows out of order (not galloped along: `sorted_texts` refuses them) are still
            // compared right row by row.
            let mut shuffled: Vec<PersonId> = rows.clone();
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, next(i as u64 + 1) as usize);
            }
            let at = &mut 0;
            let by_row: Vec<bool> = shuffled.iter().map(|p| set.holds(&p.to_hex(), at)).collect();
            assert_eq!(by_row, shuffled.iter().map(|p| listed.contains(p)).collect::<Vec<_>>(), "round {round}");
            let unsorted = shuffled.windows(2).any(|w| w[0] > w[1]);
            assert!(!unsorted || !sorted_texts([(&region(&shuffled)[..], shuffled.len())]), "round {round}");
        }
    }

    #[test]
    fn only_ascending_texts_of_32_bytes_are_galloped_along() {
        let ids = [PersonId::label("a"), PersonId::label("b"), PersonId::label("b"), PersonId::label("c")];
        let sorted = region(&ids);
        assert!(sorted_texts([(&sorted[..], 4)]));
        assert!(sorted_texts([(&sorted[..2 * SLOT], 2), (&sorted[2 * SLOT..], 2)]));
        // Descending across pages, descending within one, a count that does not fit the region.
        assert!(!sorted_texts([(&sorted[2 * SLOT..], 2), (&sorted[..2 * SLOT], 2)]));
        assert!(!sorted_texts([(&region(&[ids[3], ids[0]])[..], 2)]));
        assert!(!sorted_texts([(&sorted[..], 3)]));
        // A text of another length in a region of the right size.
        let mut odd = sorted.clone();
        odd[0] = 31;
        assert!(!sorted_texts([(&odd[..], 4)]));
    }
}
