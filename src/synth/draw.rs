//! What drawing a family needs: the source's context, id allocation inside a family, and the
//! random picks shared by `family` and `care`.

use chrono::NaiveDate;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::codes::{Bsn, Id};
use super::scenario::{Model, SourceSpec};
use super::world::plus;

/// Person slots reserved per family (person ids are `Bsn::nth(family * SLOTS + slot)`).
pub(crate) const SLOTS: u64 = 32;
/// Record numbers reserved per family and id kind.
const RECORDS: u64 = 10_000;

/// What every family of a source shares.
pub struct Ctx<'a> {
    /// The generating model.
    pub model: &'a Model,
    /// The source the family belongs to.
    pub source: &'a SourceSpec,
    /// Global index of the source's first family (ids stay unique across sources).
    pub family_offset: u64,
    /// First date with events.
    pub history_from: NaiveDate,
    /// Last extraction date of the scenario: nothing is generated after it.
    pub horizon: NaiveDate,
    /// Scenario seed.
    pub seed: u64,
}

/// Id allocation inside one family.
pub struct Ids {
    family: u64,
    slot: u64,
    counters: [u64; 6],
}

impl Ids {
    pub(super) fn new(family: u64) -> Self {
        Ids { family, slot: 0, counters: [0; 6] }
    }

    /// A fresh person id.
    pub fn person(&mut self) -> Bsn {
        assert!(self.slot < SLOTS, "family exceeds {SLOTS} persons");
        self.slot += 1;
        Bsn::nth(self.family * SLOTS + self.slot - 1)
    }

    /// A fresh record id with prefix `c` (`E`, `M`, `R`, `X`, `H`).
    pub fn record(&mut self, c: char) -> Id {
        let k = match c {
            'E' => 0,
            'M' => 1,
            'R' => 2,
            'X' => 3,
            'H' => 4,
            _ => 5,
        };
        self.counters[k] += 1;
        Id(c, self.family * RECORDS + self.counters[k])
    }
}

/// Draws an index from unnormalised weights.
pub fn pick(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}

/// A uniformly random day in `[from, from + days)`.
pub fn day_in(rng: &mut ChaCha8Rng, from: NaiveDate, days: i64) -> NaiveDate {
    plus(from, rng.random_range(0..days.max(1)))
}
