//! Safety, household (family) view: re-reports in the family (*hermelding in het gezin*,
//! docs/definitions.md §4.8.2).
//!
//! The index events are the child view's report indexes ([`super::safety`]), each with the
//! household its own report row names (a report without one is no index of this view). The event
//! is the first **other** report naming the same household — about any child, the index child
//! included; "other" is by report id, since report ids are each source's own and the same id
//! under another child lends the index nothing — with `same_incident < t` and on or before the
//! index child's follow-up end; window statuses as in [`super::window`] (in the view
//! `safety_household_windows`).
//!
//! A household's children sit in different buckets, so the view is computed once every bucket
//! of a run is staged, from the staged report indexes and the store's reports
//! (`crate::results`' whole-run step): this module is the rule, over plain rows.

use chrono::NaiveDate;

use super::safety::is_rereport;
use super::window::days;
use crate::timelines::Pseudonym;

/// A report index of the child view, as the household view needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportIndex {
    /// The index child.
    pub person: Pseudonym,
    /// The index's number among the child's safety indexes.
    pub index_no: u32,
    /// The index report.
    pub report_id: Pseudonym,
    /// The report date.
    pub index: NaiveDate,
    /// The index child's follow-up end of the safety family.
    pub fu: NaiveDate,
    /// Days within which a later report is the same incident (exclusive).
    pub same_incident: i64,
}

/// A report that names a household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HouseholdReport {
    /// The child the report is about.
    pub person: Pseudonym,
    /// The report (each source's own id).
    pub report_id: Pseudonym,
    /// The household it names.
    pub household: Pseudonym,
    /// The report date.
    pub date: NaiveDate,
}

/// One row of the household view: an index in one household of its report, with its first
/// re-report in the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HouseholdIndex {
    /// The index child.
    pub person: Pseudonym,
    /// The index's number among the child's safety indexes.
    pub index_no: u32,
    /// The household.
    pub household: Pseudonym,
    /// The report date.
    pub index: NaiveDate,
    /// The index child's follow-up end.
    pub fu: NaiveDate,
    /// The first other report of the household past the same-incident days, on or before `fu`.
    pub rereport: Option<NaiveDate>,
}

impl HouseholdIndex {
    /// Days from the index to the re-report.
    #[must_use]
    pub fn t(&self) -> Option<i64> {
        self.rereport.map(|r| days(self.index, r))
    }
}

/// The household view of `indexes` over every report naming a household: a row per index and
/// household its own report names (one, unless a source repeats a report id for one child with
/// two households), ordered by child, index number and household.
///
/// Sorts and merges, no maps: at national scale (0.7 M indexes and reports) a hash map per
/// child's report and per household cost more than DuckDB's join.
#[must_use]
pub fn household_view(indexes: &[ReportIndex], reports: &[HouseholdReport]) -> Vec<HouseholdIndex> {
    // The households of each child's report, and every household's reports by date.
    let mut own: Vec<(Pseudonym, Pseudonym, Pseudonym)> =
        reports.iter().map(|r| (r.person, r.report_id, r.household)).collect();
    own.sort_unstable();
    own.dedup();
    let mut family: Vec<(Pseudonym, NaiveDate, Pseudonym)> =
        reports.iter().map(|r| (r.household, r.date, r.report_id)).collect();
    family.sort_unstable();
    // Each index with each household of its report, by household. Sorted by value, not by
    // reference: comparing through references missed the cache on every step.
    let mut order = indexes.to_vec();
    order.sort_unstable_by_key(|i| (i.person, i.report_id));
    let mut pairs: Vec<(Pseudonym, ReportIndex)> = Vec::with_capacity(indexes.len());
    let mut at = 0;
    for i in order {
        let key = (i.person, i.report_id);
        // Both sorted: step forward (a binary search of the rest would miss the cache).
        while own.get(at).is_some_and(|o| (o.0, o.1) < key) {
            at += 1;
        }
        pairs.extend(own[at..].iter().take_while(|o| (o.0, o.1) == key).map(|o| (o.2, i)));
    }
    pairs.sort_unstable_by_key(|(household, i)| (*household, i.person, i.index_no));
    let mut out = Vec::with_capacity(pairs.len());
    let mut at = 0;
    for (household, i) in pairs {
        while family.get(at).is_some_and(|r| r.0 < household) {
            at += 1;
        }
        let reports = &family[at..];
        let reports = &reports[..reports.partition_point(|r| r.0 == household)];
        // By date: the first report after the index day that passes is the earliest.
        let later = &reports[reports.partition_point(|r| r.1 <= i.index)..];
        let rereport = later
            .iter()
            .take_while(|r| r.1 <= i.fu)
            .find(|r| r.2 != i.report_id && is_rereport(i.index, r.1, i.same_incident, i.fu))
            .map(|r| r.1);
        out.push(HouseholdIndex {
            person: i.person,
            index_no: i.index_no,
            household,
            index: i.index,
            fu: i.fu,
            rereport,
        });
    }
    out.sort_unstable_by_key(|h| (h.person, h.index_no, h.household));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::testkit::{d, id};

    fn index(person: &str, report: &str, date: &str, fu: &str) -> ReportIndex {
        ReportIndex {
            person: id(person),
            index_no: 0,
            report_id: id(report),
            index: d(date),
            fu: d(fu),
            same_incident: 30,
        }
    }

    fn rep(person: &str, report: &str, household: &str, date: &str) -> HouseholdReport {
        HouseholdReport { person: id(person), report_id: id(report), household: id(household), date: d(date) }
    }

    /// A brute-force reading of §4.8.2: every report of the household, filtered, the earliest.
    fn brute(i: &ReportIndex, reports: &[HouseholdReport], household: Pseudonym) -> Option<NaiveDate> {
        reports
            .iter()
            .filter(|r| r.household == household && r.report_id != i.report_id)
            .filter(|r| days(i.index, r.date) > i.same_incident && r.date <= i.fu)
            .map(|r| r.date)
            .min()
    }

    #[test]
    fn a_sibling_counts_the_own_id_does_not_and_fu_is_the_index_childs() {
        let reports = [
            rep("ann", "r1", "h", "2020-01-01"),
            // Ann's own id again, in another source about her brother: not another report.
            rep("bob", "r1", "h", "2020-03-01"),
            // Within the same incident (30 days, exclusive): not a re-report.
            rep("bob", "r2", "h", "2020-01-31"),
            rep("bob", "r3", "h", "2020-02-01"),
            rep("cat", "r4", "other", "2020-01-15"),
        ];
        let v = household_view(&[index("ann", "r1", "2020-01-01", "2021-06-01")], &reports);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].household, id("h"));
        assert_eq!(v[0].rereport, Some(d("2020-02-01")));
        assert_eq!(v[0].t(), Some(31));
        // The index child's fu ends what is seen: a sibling's report after it does not count.
        let v = household_view(&[index("ann", "r1", "2020-01-01", "2020-01-20")], &reports);
        assert_eq!((v[0].rereport, v[0].t()), (None, None));
        // An index whose report names no household is none of this view's.
        assert!(household_view(&[index("dan", "r9", "2020-01-01", "2021-01-01")], &reports).is_empty());
    }

    #[test]
    fn every_index_matches_a_brute_force_reading() {
        // Three households, reports on a grid of dates (ties, same-incident edges, ids reused).
        let mut reports = Vec::new();
        let mut indexes = Vec::new();
        let base = d("2020-01-01");
        for k in 0..120u32 {
            let person = format!("p{}", k % 9);
            let household = format!("h{}", k % 3);
            let report = format!("r{}", k % 40);
            let date = base + chrono::Days::new(u64::from(k * 17 % 400));
            reports.push(rep(&person, &report, &household, &date.to_string()));
            let fu = base + chrono::Days::new(u64::from(200 + k * 13 % 500));
            let mut i = index(&person, &report, &date.to_string(), &fu.to_string());
            i.index_no = k;
            i.same_incident = i64::from(k % 4) * 10;
            indexes.push(i);
        }
        let v = household_view(&indexes, &reports);
        let mut n = 0;
        for i in &indexes {
            let mut hs: Vec<Pseudonym> = reports
                .iter()
                .filter(|r| r.person == i.person && r.report_id == i.report_id)
                .map(|r| r.household)
                .collect();
            hs.sort_unstable();
            hs.dedup();
            for h in hs {
                let rows: Vec<_> =
                    v.iter().filter(|r| r.person == i.person && r.index_no == i.index_no && r.household == h).collect();
                assert_eq!(rows.len(), 1, "a row per index and household");
                let row = rows[0];
                assert_eq!(row.rereport, brute(i, &reports, h));
                assert_eq!((row.index, row.fu), (i.index, i.fu));
                n += 1;
            }
        }
        assert_eq!(v.len(), n);
        assert!(v.iter().filter(|r| r.rereport.is_some()).count() > 10);
        assert!(
            v.windows(2)
                .all(|p| (p[0].person, p[0].index_no, p[0].household) < (p[1].person, p[1].index_no, p[1].household))
        );
    }
}
