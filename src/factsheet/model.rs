//! The export as the factsheets see it: its rows (each with its row number in `tables.csv`, the
//! id under which a page shows its figures), the indicators, periods and regions, and look-ups
//! of one cell. Only published columns of the export are read; never the study tables.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::db::{DbSettings, DuckContext};

use super::error::Result;

/// The benchmarks of a row, in the order of the export's columns.
pub const BENCHES: [Bench; 5] =
    [Bench::National, Bench::YouthRegion, Bench::Municipality, Bench::Group, Bench::Previous];

/// A benchmark column pair of the export (`bench_*`, `vs_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bench {
    /// The national (or cohort total) figure.
    National,
    /// The youth region of a municipality or district.
    YouthRegion,
    /// The municipality of a district.
    Municipality,
    /// The group of comparable municipalities.
    Group,
    /// The same region in the previous period.
    Previous,
}

impl Bench {
    /// Position in [`BENCHES`] and [`Row::bench`].
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The field code of its figure on a page (`data-k="<row>.<code>"`).
    #[must_use]
    pub fn code(self) -> &'static str {
        ["bn", "by", "bm", "bg", "bp"][self.index()]
    }

    /// The translation key of its label.
    #[must_use]
    pub fn key(self) -> &'static str {
        ["bench_national", "bench_youth_region", "bench_municipality", "bench_group", "bench_previous"][self.index()]
    }
}

/// What kind of figure an indicator shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A share of a denominator: percentage with its 95% interval.
    Share,
    /// A rate per 1,000 residents.
    Rate,
    /// A plain count per period, without a denominator (rows whose denominator and percentage
    /// are empty).
    Count,
}

impl Kind {
    /// The field code of its figure on a page (`p`, `r` or `c`).
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            Self::Share => "p",
            Self::Rate => "r",
            Self::Count => "c",
        }
    }

    /// Decimals it is shown with.
    #[must_use]
    pub fn decimals(self) -> usize {
        usize::from(self != Self::Count)
    }

    /// The figure of a row, when published.
    #[must_use]
    pub fn value(self, r: &Row) -> Option<f64> {
        if r.suppressed {
            return None;
        }
        match self {
            Self::Share => r.percentage,
            Self::Rate => r.rate,
            // A count is shown as a number; exact as f64 far beyond any count of a study.
            #[allow(clippy::cast_precision_loss)]
            Self::Count => r.count.map(|c| c as f64),
        }
    }

    /// The interval of a row's figure (shares only).
    #[must_use]
    pub fn ci(self, r: &Row) -> Option<(f64, f64)> {
        if self == Self::Share && !r.suppressed { r.ci_lower.zip(r.ci_upper) } else { None }
    }
}

/// One row of the export.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// Row number in `tables.parquet` / `tables.csv` (0 = first data row).
    pub idx: u64,
    /// Study name.
    pub study: String,
    /// Indicator keys: cohort, outcome, variant, window.
    pub cohort: String,
    /// Outcome id.
    pub outcome: String,
    /// Variant ('' or the line).
    pub variant: String,
    /// Window in days.
    pub window: Option<i32>,
    /// Period (`all`, a year or a quarter).
    pub period: String,
    /// Region level.
    pub level: String,
    /// Region code.
    pub region: String,
    /// Region name.
    pub region_name: String,
    /// Split dimension(s).
    pub split: String,
    /// Split category.
    pub value: String,
    /// Published count.
    pub count: Option<i64>,
    /// Published denominator.
    pub denominator: Option<i64>,
    /// Percentage.
    pub percentage: Option<f64>,
    /// Wilson interval, lower bound.
    pub ci_lower: Option<f64>,
    /// Wilson interval, upper bound.
    pub ci_upper: Option<f64>,
    /// Residents (rate outcomes).
    pub population: Option<i64>,
    /// Rate per 1,000.
    pub rate: Option<f64>,
    /// Youth region of a municipality or district.
    pub youth_region_of: Option<String>,
    /// Municipality of a district.
    pub municipality_of: Option<String>,
    /// Group of a municipality.
    pub group_of: Option<String>,
    /// Benchmark figures and flags, in the order of [`BENCHES`].
    pub bench: [(Option<f64>, Option<String>); 5],
    /// Suppressed by disclosure control.
    pub suppressed: bool,
}

impl Row {
    /// The headline figure: the rate per 1,000 of a rate outcome, else the percentage.
    #[must_use]
    pub fn figure(&self, rate: bool) -> Option<f64> {
        if rate { self.rate } else { self.percentage }
    }

    /// The id of one of its figures on a page.
    #[must_use]
    pub fn key(&self, field: &str) -> String {
        format!("{}.{field}", self.idx)
    }
}

/// An indicator: one line of one outcome over a cohort and window.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Indicator {
    /// Cohort.
    pub cohort: String,
    /// Outcome id.
    pub outcome: String,
    /// Variant.
    pub variant: String,
    /// Window in days.
    pub window: Option<i32>,
}

/// A region with a mirror factsheet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Region {
    /// `youth_region` or `municipality`.
    pub level: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

type CellKey = (usize, String, String, String, String, String);

/// The export, indexed.
#[derive(Debug, Default)]
pub struct Data {
    /// Study name.
    pub study: String,
    /// Rows in file order.
    pub rows: Vec<Row>,
    /// Indicators in catalogue order, each with whether it is a rate.
    pub indicators: Vec<(Indicator, bool)>,
    /// Regions with a mirror factsheet: youth regions, then municipalities, by code.
    pub regions: Vec<Region>,
    /// Sites (the `site` split's categories, `unknown` left out) when the export has them in
    /// quarters: the sites of the quarterly site report, by name.
    pub sites: Vec<String>,
    kinds: Vec<Kind>,
    cells: BTreeMap<CellKey, usize>,
    periods: BTreeMap<usize, BTreeSet<String>>,
}

/// Read the rows of `tables.parquet` of an export.
pub fn read(file: &Path, db: &DbSettings) -> Result<Data> {
    let conn = crate::db::open_in_memory(db, None)?;
    let mut stmt = conn.prepare(crate::sql::factsheet::READ_EXPORT).ctx("reading the export")?;
    let rows = stmt
        .query_map([file.to_string_lossy()], |r| {
            let s = |i: usize| r.get::<_, Option<String>>(i).map(Option::unwrap_or_default);
            Ok(Row {
                idx: r.get::<_, i64>(0)?.unsigned_abs(),
                study: s(1)?,
                cohort: s(2)?,
                outcome: s(3)?,
                variant: s(4)?,
                window: r.get(5)?,
                period: s(6)?,
                level: s(7)?,
                region: s(8)?,
                region_name: s(9)?,
                split: s(10)?,
                value: s(11)?,
                count: r.get(12)?,
                denominator: r.get(13)?,
                percentage: r.get(14)?,
                ci_lower: r.get(15)?,
                ci_upper: r.get(16)?,
                population: r.get(17)?,
                rate: r.get(18)?,
                youth_region_of: r.get(19)?,
                municipality_of: r.get(20)?,
                group_of: r.get(21)?,
                bench: [
                    (r.get(22)?, r.get(23)?),
                    (r.get(24)?, r.get(25)?),
                    (r.get(26)?, r.get(27)?),
                    (r.get(28)?, r.get(29)?),
                    (r.get(30)?, r.get(31)?),
                ],
                suppressed: r.get(32)?,
            })
        })
        .ctx(format!("reading {}", file.display()))?;
    let rows = rows.collect::<std::result::Result<Vec<_>, _>>().ctx(format!("reading {}", file.display()))?;
    Ok(Data::new(rows))
}

/// Catalogue position of an outcome (unknown outcomes last, by id).
fn catalogue_pos(outcome: &str) -> usize {
    crate::study::catalogue::CATALOGUE.iter().position(|s| s.id == outcome).unwrap_or(usize::MAX)
}

impl Data {
    /// Index rows (the first row of a cell shared by several tables stands for it).
    #[must_use]
    pub fn new(rows: Vec<Row>) -> Self {
        let mut inds: BTreeMap<(usize, Indicator), bool> = BTreeMap::new();
        for r in &rows {
            let ind = Indicator {
                cohort: r.cohort.clone(),
                outcome: r.outcome.clone(),
                variant: r.variant.clone(),
                window: r.window,
            };
            *inds.entry((catalogue_pos(&r.outcome), ind)).or_default() |= r.population.is_some();
        }
        let indicators: Vec<(Indicator, bool)> = inds.into_iter().map(|((_, i), rate)| (i, rate)).collect();
        let mut data =
            Self { study: rows.first().map(|r| r.study.clone()).unwrap_or_default(), indicators, ..Self::default() };
        let mut regions = BTreeSet::new();
        let (mut shares, mut counts) = (BTreeSet::new(), BTreeSet::new());
        for (i, r) in rows.iter().enumerate() {
            let ind = data.indicator_of(r);
            if r.denominator.is_some() || r.percentage.is_some() {
                shares.insert(ind);
            }
            if r.count.is_some() {
                counts.insert(ind);
            }
            data.periods.entry(ind).or_default().insert(r.period.clone());
            let key = (ind, r.period.clone(), r.level.clone(), r.region.clone(), r.split.clone(), r.value.clone());
            data.cells.entry(key).or_insert(i);
            let known = r.region != "unknown" && !r.region.ends_with("-unknown");
            if known && (r.level == "youth_region" || r.level == "municipality") {
                let order = if r.level == "youth_region" { "0" } else { "1" };
                regions.insert((order, r.region.clone(), r.level.clone(), r.region_name.clone()));
            }
        }
        data.regions = regions.into_iter().map(|(_, code, level, name)| Region { level, code, name }).collect();
        data.kinds = (0..data.indicators.len()).map(|ind| data.kind_of(&shares, &counts, ind)).collect();
        let quarterly = rows.iter().any(|r| is_quarter(&r.period));
        if quarterly {
            let sites: BTreeSet<&str> =
                rows.iter().filter(|r| r.split == "site" && r.value != "unknown").map(|r| r.value.as_str()).collect();
            data.sites = sites.into_iter().map(str::to_owned).collect();
        }
        data.rows = rows;
        data
    }

    /// The kind of an indicator: a rate when it has a population, a count when no row of it has
    /// a denominator or percentage (`shares`) but one has a count (`counts`), else a share.
    fn kind_of(&self, shares: &BTreeSet<usize>, counts: &BTreeSet<usize>, ind: usize) -> Kind {
        if self.indicators[ind].1 {
            Kind::Rate
        } else if !shares.contains(&ind) && counts.contains(&ind) {
            Kind::Count
        } else {
            Kind::Share
        }
    }

    /// The kind of figure an indicator shows.
    #[must_use]
    pub fn kind(&self, ind: usize) -> Kind {
        self.kinds.get(ind).copied().unwrap_or(Kind::Share)
    }

    fn indicator_of(&self, r: &Row) -> usize {
        self.indicators
            .iter()
            .position(|(i, _)| {
                i.cohort == r.cohort && i.outcome == r.outcome && i.variant == r.variant && i.window == r.window
            })
            .unwrap_or(0)
    }

    /// The row of one cell.
    #[must_use]
    pub fn cell(&self, ind: usize, period: &str, level: &str, region: &str, split: &str, value: &str) -> Option<&Row> {
        let key = (ind, period.to_owned(), level.to_owned(), region.to_owned(), split.to_owned(), value.to_owned());
        self.cells.get(&key).map(|&i| &self.rows[i])
    }

    /// The periods of an indicator, in order (`all` only when there is no other).
    #[must_use]
    pub fn periods(&self, ind: usize) -> Vec<String> {
        let all = self.periods.get(&ind).cloned().unwrap_or_default();
        let dated: Vec<String> = all.iter().filter(|p| *p != "all").cloned().collect();
        if dated.is_empty() { all.into_iter().collect() } else { dated }
    }

    /// The latest period of an indicator.
    #[must_use]
    pub fn latest(&self, ind: usize) -> String {
        self.periods(ind).pop().unwrap_or_else(|| "all".to_owned())
    }

    /// The top of an indicator: national `NL`, or the cohort's `total`.
    #[must_use]
    pub fn top(&self, ind: usize) -> (&'static str, &'static str) {
        let p = self.latest(ind);
        if self.cell(ind, &p, "national", "NL", "total", "total").is_some() {
            ("national", "NL")
        } else {
            ("cohort", "total")
        }
    }

    /// The rows of one region, period and split dimension, in the order of their categories.
    #[must_use]
    pub fn categories(&self, ind: usize, period: &str, level: &str, region: &str, split: &str) -> Vec<&Row> {
        let mut out: Vec<&Row> = self
            .cells
            .range((ind, period.to_owned(), level.to_owned(), region.to_owned(), split.to_owned(), String::new())..)
            .take_while(|(k, _)| k.0 == ind && k.1 == period && k.2 == level && k.3 == region && k.4 == split)
            .map(|(_, &i)| &self.rows[i])
            .collect();
        out.sort_by_key(|a| category_order(&a.value));
        out
    }

    /// The simple split dimensions of an indicator (no total, no index year, no cross-split).
    #[must_use]
    pub fn splits(&self, ind: usize) -> Vec<String> {
        let dims: BTreeSet<&str> = self
            .cells
            .keys()
            .filter(|k| k.0 == ind && k.4 != "total" && k.4 != "index_year" && !k.4.contains('*'))
            .map(|k| k.4.as_str())
            .collect();
        let order = ["sex", "age_band", "care_form", "level", "measure_kind", "report_kind"];
        let mut out: Vec<String> = dims.iter().map(|d| (*d).to_owned()).collect();
        out.sort_by_key(|d| order.iter().position(|o| o == d).unwrap_or(order.len()));
        out
    }

    /// The districts published for a municipality, in the latest period.
    #[must_use]
    pub fn districts(&self, ind: usize, municipality: &str) -> Vec<&Row> {
        let p = self.latest(ind);
        let mut out: Vec<&Row> = self
            .cells
            .iter()
            .filter(|(k, _)| k.0 == ind && k.1 == p && k.2 == "district" && k.4 == "total")
            .map(|(_, &i)| &self.rows[i])
            .filter(|r| r.municipality_of.as_deref() == Some(municipality))
            .collect();
        out.sort_by(|a, b| a.region.cmp(&b.region));
        out
    }
}

/// Whether a period is a quarter (`2024Q3`).
#[must_use]
pub fn is_quarter(p: &str) -> bool {
    p.split_once('Q').is_some_and(|(y, q)| {
        y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()) && matches!(q, "1" | "2" | "3" | "4")
    })
}

/// Categories in reading order: numbers (age bands `0-3` before `12-17`) by their value, then
/// text, `unknown` last.
fn category_order(v: &str) -> (u8, u64, String) {
    if v == "unknown" || v == "u" {
        return (2, 0, v.to_owned());
    }
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    match digits.parse::<u64>() {
        Ok(n) => (0, n, v.to_owned()),
        Err(_) => (1, 0, v.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_bands_read_in_age_order_and_unknown_comes_last() {
        let mut v = vec!["12-17", "unknown", "0-3", "4-11"];
        v.sort_by_key(|x| category_order(x));
        assert_eq!(v, ["0-3", "4-11", "12-17", "unknown"]);
    }
}
