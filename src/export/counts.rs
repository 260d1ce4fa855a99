//! Plain counts in the export (issue 16, docs/definitions.md §4.8.6, §6.5): a study outcome of
//! kind `count` (families, children, reports, measures imposed per period) has a count and no
//! denominator.
//!
//! - **Relations.** Its cells obey the same relations as every other cell (categories to the
//!   total, regions to NL, municipalities to youth regions, districts to municipalities, groups):
//!   the model is built with denominator = count, so every relation is checked on the counts.
//! - **The 10-rule.** A plain count has no complement to protect: each cell's denominator becomes
//!   the count plus [`COUNT_ONLY`] before the suppression, so the complement rule never binds and
//!   the audit finds every complement wide, while the count rule and the audit of counts work as
//!   for any cell.
//! - **Households behind children.** `family_children` counts children, and the household is the
//!   cluster that must reach the minimum (issue 16): a children cell is primary too unless the
//!   `families` cell of the same study, cohort, period, region, split and category holds at
//!   least the minimum count (its true figure: the households behind the children). That is exact for the splits of the family
//!   (total, site, index year, report kind: a household's children lie in its family's cell,
//!   docs/definitions.md §4.8.6). A split by the child's own sex or age band does not tell how
//!   many households are behind a cell, so those children cells are always primary.

use std::collections::HashMap;

use crate::study::catalogue::{CATALOGUE, Kind};

/// Denominator added to a count cell so that its complement never binds (as in
/// [`super::linkage`]).
pub const COUNT_ONLY: u64 = 1 << 40;

/// The outcome of the children count and of the families count its households are read from.
const CHILDREN: &str = "family_children";
const FAMILIES: &str = "families";

/// The split dimensions of a child of the family, not of the family (docs/definitions.md §4.8.6).
const CHILD_DIMS: [&str; 2] = ["sex", "age_band"];

/// Whether a study outcome is a plain count.
#[must_use]
pub fn is_count(outcome: &str) -> bool {
    CATALOGUE.iter().any(|s| s.id == outcome && s.kind == Kind::Count)
}

/// Whether a study outcome is a rate per 1,000 residents (`care_use`, `care_starts`,
/// `care_stock`): its denominator is the population, which is public (docs/definitions.md §6.5).
#[must_use]
pub fn is_rate(outcome: &str) -> bool {
    CATALOGUE.iter().any(|s| s.id == outcome && s.kind == Kind::Rate)
}

/// Whether a rate cell is primary by its population (docs/definitions.md §6.5): fewer residents
/// than the minimum, or fewer residents outside the count than the minimum (everyone, or nearly
/// everyone, of a small group is in care). A count above its population (residents counted on
/// 1 January, persons in care all year) leaves no residents outside it.
#[must_use]
pub fn rate_primary(count: u64, population: u64, min: u64) -> bool {
    population < min || population.saturating_sub(count) < min
}

/// Whether an outcome counts the children of families.
#[must_use]
pub fn is_children(outcome: &str) -> bool {
    outcome == CHILDREN
}

/// Whether an outcome counts families.
#[must_use]
pub fn is_families(outcome: &str) -> bool {
    outcome == FAMILIES
}

/// Whether a split (`sex`, `site*age_band`, …) names a dimension of the child.
#[must_use]
pub fn splits_children(split: &str) -> bool {
    split.split('*').any(|d| CHILD_DIMS.contains(&d))
}

/// Per cell key (level, region, split, value) of a families system: its count.
pub type FamilyCounts = HashMap<[u32; 4], u64>;

/// Whether a children cell lacks the households: its split is the child's, or the families cell
/// of the same key is absent or under the minimum.
#[must_use]
pub fn too_few_households(cell: [u32; 4], split: &str, families: Option<&FamilyCounts>, min: u64) -> bool {
    splits_children(split) || families.and_then(|f| f.get(&cell)).is_none_or(|&n| n < min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_need_households_of_the_same_cell_and_never_pass_by_sex_or_age() {
        let families: FamilyCounts = HashMap::from([([1, 2, 3, 4], 12), ([1, 2, 3, 5], 9)]);
        assert!(!too_few_households([1, 2, 3, 4], "site", Some(&families), 10));
        assert!(too_few_households([1, 2, 3, 5], "site", Some(&families), 10), "9 households");
        assert!(too_few_households([1, 2, 3, 6], "site", Some(&families), 10), "no families cell");
        assert!(too_few_households([1, 2, 3, 4], "site", None, 10), "no families system");
        assert!(too_few_households([1, 2, 3, 4], "site*sex", Some(&families), 10));
        assert!(too_few_households([1, 2, 3, 4], "age_band", Some(&families), 10));
        assert!(is_count("families") && is_count("measures_imposed") && !is_count("family_providers"));
    }

    #[test]
    fn a_rate_cell_is_primary_when_its_residents_or_those_outside_it_are_few() {
        assert!(is_rate("care_use") && is_rate("care_starts") && is_rate("care_stock") && !is_rate("reentry"));
        assert!(!rate_primary(10, 20, 10), "10 of 20 residents: 10 outside");
        assert!(rate_primary(11, 20, 10), "9 outside");
        assert!(rate_primary(3, 9, 10), "9 residents");
        assert!(rate_primary(3, 2, 10), "more in care than residents");
        assert!(rate_primary(300, 200, 10), "more in care than residents, large");
        assert!(!rate_primary(0, 200, 10), "the count's own rule is the general one");
    }
}
