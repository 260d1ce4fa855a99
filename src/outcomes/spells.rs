//! Care spells (docs/definitions.md §4.2, §4.1): a person's episodes of any care form, sorted by
//! start, merged while `start − latest end so far <= gap` (gap 31: a 31-day gap merges, 32
//! splits); overlapping episodes merge, and a spell with an open episode is open (every later
//! episode joins it). Spells are built from all episodes regardless of age.
//!
//! The index level of a spell is the highest ladder level of the episodes active on its start
//! day, episodes starting that day included.

use chrono::NaiveDate;

use super::config::{Family, OutcomeConfig};
use super::state::level_on;
use super::window::days;
use crate::timelines::{Episode, Pseudonym};

/// One care spell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spell {
    /// Position of the spell among the person's spells (0-based, in start order).
    pub spell_no: u32,
    /// Start of the first episode.
    pub start: NaiveDate,
    /// Latest end of its episodes; `None` = open.
    pub end: Option<NaiveDate>,
    /// How many episodes it holds.
    pub n_episodes: u32,
    /// Its episodes, in start order: kept only when the `spells` family is wanted (the
    /// `spell_episodes` table), to spare a string per episode otherwise.
    pub episode_ids: Vec<Pseudonym>,
    /// Highest ladder level active on the start day.
    pub index_level: u8,
}

impl Spell {
    /// Whether the spell is still running (it holds an open episode).
    pub fn is_open(&self) -> bool {
        self.end.is_none()
    }
}

/// The spells of a person's episodes at the configured gap.
pub fn build(episodes: &[Episode], cfg: &OutcomeConfig) -> Vec<Spell> {
    let mut order: Vec<&Episode> = episodes.iter().collect();
    order.sort_by_key(|e| e.start);
    let keep_ids = cfg.wants(Family::Spells);
    let mut spells: Vec<Spell> = Vec::new();
    for e in order {
        match spells.last_mut() {
            Some(s) if joins(s, e, cfg.gap_days) => {
                s.end = later_end(s.end, e.end);
                s.n_episodes += 1;
                if keep_ids {
                    s.episode_ids.push(e.episode_id);
                }
            }
            _ => spells.push(new_spell(spells.len(), e, episodes, cfg, keep_ids)),
        }
    }
    spells
}

fn new_spell(n: usize, e: &Episode, episodes: &[Episode], cfg: &OutcomeConfig, keep_ids: bool) -> Spell {
    Spell {
        spell_no: u32::try_from(n).unwrap_or(u32::MAX),
        start: e.start,
        end: e.end,
        n_episodes: 1,
        episode_ids: if keep_ids { vec![e.episode_id] } else { Vec::new() },
        index_level: level_on(episodes, cfg, e.start),
    }
}

/// Whether episode `e` joins spell `s`: it is open, or `e` starts at most `gap` days after its end.
fn joins(s: &Spell, e: &Episode, gap: i64) -> bool {
    s.end.is_none_or(|end| days(end, e.start) <= gap)
}

/// The later of two ends, where `None` (open) is latest.
fn later_end(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    Some(a?.max(b?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::testkit::{d, ep, id};

    fn cfg(gap: i64) -> OutcomeConfig {
        OutcomeConfig { gap_days: gap, ..OutcomeConfig::default() }
    }

    fn starts(spells: &[Spell]) -> Vec<(NaiveDate, Option<NaiveDate>)> {
        spells.iter().map(|s| (s.start, s.end)).collect()
    }

    #[test]
    fn gap_31_merges_and_32_splits() {
        let eps = vec![
            ep("E1", "ambulant", "2018-01-01", "2018-03-31", ""),
            ep("E2", "ambulant", "2018-05-01", "2018-09-30", ""),
            ep("E3", "local_team", "2018-11-01", "2019-01-31", ""),
        ];
        let s = build(&eps, &cfg(31));
        assert_eq!(
            starts(&s),
            vec![(d("2018-01-01"), Some(d("2018-09-30"))), (d("2018-11-01"), Some(d("2019-01-31")))]
        );
        assert_eq!(s[0].episode_ids, vec![id("E1"), id("E2")]);
        assert_eq!(s[1].spell_no, 1);
    }

    #[test]
    fn gap_14_splits_what_31_merges() {
        let eps =
            vec![ep("E1", "ambulant", "2018-01-01", "2018-01-31", ""), ep("E2", "ambulant", "2018-02-15", "", "")];
        assert_eq!(build(&eps, &cfg(14)).len(), 2);
        assert_eq!(build(&eps, &cfg(31)).len(), 1);
        assert_eq!(build(&eps, &cfg(15)).len(), 1);
        assert!(build(&eps, &cfg(15))[0].is_open());
    }

    #[test]
    fn merge_uses_the_latest_end_so_far() {
        let eps = vec![
            ep("E1", "ambulant", "2020-01-01", "2020-12-31", ""),
            ep("E2", "local_team", "2020-02-01", "2020-03-01", ""),
            ep("E3", "local_team", "2021-01-20", "2021-02-01", ""),
        ];
        let s = build(&eps, &cfg(31));
        assert_eq!(starts(&s), vec![(d("2020-01-01"), Some(d("2021-02-01")))]);
    }

    #[test]
    fn open_episode_opens_the_spell_and_absorbs_later_ones() {
        let eps =
            vec![ep("E1", "ambulant", "2020-01-01", "", ""), ep("E2", "local_team", "2024-01-01", "2024-02-01", "")];
        let s = build(&eps, &cfg(31));
        assert_eq!(starts(&s), vec![(d("2020-01-01"), None)]);
    }

    #[test]
    fn index_level_includes_episodes_starting_that_day() {
        let eps =
            vec![ep("E1", "local_team", "2020-01-01", "2020-06-01", ""), ep("E2", "foster_care", "2020-01-01", "", "")];
        assert_eq!(build(&eps, &cfg(31))[0].index_level, 4);
    }
}
