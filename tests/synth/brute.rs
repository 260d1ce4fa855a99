//! Independent brute-force readings of a delivery for the synth tests: docs/definitions.md §4 outcomes
//! computed with plain loops over the CSV files, and a row validator for the `dirty` rules.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate};

/// A CSV table as strings.
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Index of column `name`.
    pub fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
    }
}

/// Reads `<dir>/<table>.csv`.
pub fn read(dir: &Path, table: &str) -> Csv {
    let mut r = csv::Reader::from_path(dir.join(format!("{table}.csv"))).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect();
    Csv { header, rows }
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn birth(s: &str) -> Option<NaiveDate> {
    if s.len() == 7 { date(&format!("{s}-15")) } else { date(s) }
}

/// A date of column `col` (`birth_date` may be `YYYY-MM`).
fn any_date(col: &str, s: &str) -> Option<NaiveDate> {
    if col == "birth_date" { birth(s) } else { date(s) }
}

fn birthday(b: NaiveDate, age: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(b.year() + age, b.month(), b.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(b.year() + age, 3, 1).unwrap())
}

fn days(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

fn level(form: &str) -> u8 {
    match form {
        "local_team" | "31" => 1,
        "ambulant" | "32" | "network" | "34" => 2,
        "day_treatment" | "33" => 3,
        "foster_care" | "35" | "family_home" | "36" => 4,
        "residential" | "38" => 5,
        "secure" | "37" => 6,
        other => panic!("unknown care form {other}"),
    }
}

const PROTECTION: [&str; 4] = ["ots", "provisional_ots", "guardianship", "provisional_guardianship"];

/// A person's dates.
pub struct Person {
    pub birth: NaiveDate,
    pub exit: Option<NaiveDate>,
}

/// What the outcome computations need from a delivery.
pub struct Delivery {
    pub extracted_on: NaiveDate,
    pub persons: HashMap<String, Person>,
    /// (start, end, level) per person.
    pub episodes: HashMap<String, Vec<(NaiveDate, Option<NaiveDate>, u8)>>,
    /// (kind, start, end, end_reason).
    pub measures: Vec<(String, String, NaiveDate, Option<NaiveDate>, String)>,
    /// (person, household, date).
    pub reports: Vec<(String, String, NaiveDate)>,
    /// (parent, child, kind).
    pub relations: Vec<(String, String, String)>,
}

impl Delivery {
    /// Loads a CSV delivery folder.
    pub fn load(dir: &Path) -> Self {
        let meta: toml::Table = std::fs::read_to_string(dir.join("delivery.toml")).unwrap().parse().unwrap();
        let extracted_on = date(&meta["extracted_on"].as_datetime().unwrap().to_string()).unwrap();
        let mut persons = HashMap::new();
        for r in read(dir, "persons").rows {
            let exit = [date(&r[3]), date(&r[4])].into_iter().flatten().min();
            persons.insert(r[0].clone(), Person { birth: birth(&r[1]).unwrap(), exit });
        }
        let mut episodes: HashMap<String, Vec<_>> = HashMap::new();
        for r in read(dir, "care_episodes").rows {
            episodes.entry(r[1].clone()).or_default().push((date(&r[3]).unwrap(), date(&r[4]), level(&r[2])));
        }
        let measures = read(dir, "measures")
            .rows
            .into_iter()
            .map(|r| (r[1].clone(), r[2].clone(), date(&r[3]).unwrap(), date(&r[4]), r[5].clone()))
            .collect();
        let reports = read(dir, "safety_reports")
            .rows
            .into_iter()
            .map(|r| (r[1].clone(), r[2].clone(), date(&r[3]).unwrap()))
            .collect();
        let relations =
            read(dir, "relations").rows.into_iter().map(|r| (r[0].clone(), r[1].clone(), r[2].clone())).collect();
        Delivery { extracted_on, persons, episodes, measures, reports, relations }
    }

    /// Follow-up end at age limit 18.
    fn fu(&self, person: &str) -> NaiveDate {
        let p = &self.persons[person];
        let mut f = self.extracted_on.min(birthday(p.birth, 18));
        if let Some(x) = p.exit {
            f = f.min(x);
        }
        f
    }
}

/// Counts of a fixed-window outcome, in the engine's reading (events seen in an incomplete window
/// count) and among complete windows only (fu >= index + W: unbiased for a planted probability).
#[derive(Debug, Default)]
pub struct Window {
    pub events: usize,
    pub no_event: usize,
    pub censored: usize,
    pub complete: usize,
    pub complete_events: usize,
}

impl Window {
    /// Share with an event among indexes whose window is complete.
    pub fn share(&self) -> f64 {
        self.complete_events as f64 / self.complete as f64
    }

    /// Adds another delivery's counts.
    pub fn merge(&mut self, other: &Window) {
        self.events += other.events;
        self.no_event += other.no_event;
        self.censored += other.censored;
        self.complete += other.complete;
        self.complete_events += other.complete_events;
    }

    /// The engine's reading: events among indexes not censored.
    pub fn engine_share(&self) -> f64 {
        self.events as f64 / (self.events + self.no_event) as f64
    }

    fn add(&mut self, t: Option<i64>, w: i64, fu: NaiveDate, index: NaiveDate) {
        let event = t.is_some_and(|t| 0 < t && t <= w);
        if days(index, fu) >= w {
            self.complete += 1;
            self.complete_events += usize::from(event);
        }
        if event {
            self.events += 1;
        } else if days(index, fu) < w {
            self.censored += 1;
        } else {
            self.no_event += 1;
        }
    }
}

/// A spell: start, end (None = open), index level.
type Spell = (NaiveDate, Option<NaiveDate>, u8);

/// Outcomes over a delivery.
pub struct Outcomes<'d> {
    d: &'d Delivery,
    spells: BTreeMap<&'d str, Vec<Spell>>,
}

impl<'d> Outcomes<'d> {
    /// Builds spells at gap 31.
    pub fn new(d: &'d Delivery) -> Self {
        let mut spells = BTreeMap::new();
        for (person, eps) in &d.episodes {
            let mut eps = eps.clone();
            eps.sort();
            let mut out: Vec<Spell> = Vec::new();
            for (s, e, _) in eps {
                if let Some(last) = out.last_mut()
                    && last.1.is_none_or(|end| days(end, s) <= 31)
                {
                    last.1 = last.1.zip(e).map(|(a, b)| a.max(b));
                    continue;
                }
                out.push((s, e, 0));
            }
            for sp in &mut out {
                sp.2 = level_on(&d.episodes[person], sp.0);
            }
            spells.insert(person.as_str(), out);
        }
        Outcomes { d, spells }
    }

    pub fn spell_count(&self) -> usize {
        self.spells.values().map(Vec::len).sum()
    }

    pub fn has_spell(&self, person: &str, start: &str, end: Option<&str>) -> bool {
        self.spells
            .get(person)
            .is_some_and(|v| v.iter().any(|s| s.0.to_string() == start && s.1.map(|e| e.to_string()).as_deref() == end))
    }

    /// Re-entry within `w` after each closed spell.
    pub fn reentry(&self, w: i64) -> Window {
        let mut out = Window::default();
        for (person, spells) in &self.spells {
            let fu = self.d.fu(person);
            for (i, s) in spells.iter().enumerate() {
                let Some(index) = s.1 else { continue };
                if index >= fu {
                    continue;
                }
                let next = spells.get(i + 1).map(|n| n.0).filter(|n| *n <= fu);
                out.add(next.map(|n| days(index, n)), w, fu, index);
            }
        }
        out
    }

    /// Escalation within `w` of each spell start.
    pub fn escalation(&self, w: i64) -> Window {
        let mut out = Window::default();
        let mut measure_starts: HashMap<&str, Vec<NaiveDate>> = HashMap::new();
        for m in self.d.measures.iter().filter(|m| PROTECTION.contains(&m.1.as_str())) {
            measure_starts.entry(m.0.as_str()).or_default().push(m.2);
        }
        for (person, spells) in &self.spells {
            let fu = self.d.fu(person);
            let eps = &self.d.episodes[*person];
            for s in spells {
                let index = s.0;
                if index >= fu {
                    continue;
                }
                let in_window = |d: &NaiveDate| *d > index && days(index, *d) <= w && *d <= fu;
                let mut first: Option<NaiveDate> = None;
                for (start, _, lv) in eps {
                    if in_window(start) && *lv > s.2 && level_on(eps, *start) > s.2 {
                        first = Some(first.map_or(*start, |f| f.min(*start)));
                    }
                }
                for m in measure_starts.get(person).into_iter().flatten() {
                    if in_window(m) {
                        first = Some(first.map_or(*m, |f| f.min(*m)));
                    }
                }
                out.add(first.map(|f| days(index, f)), w, fu, index);
            }
        }
        out
    }

    /// Re-reports of the same child at `same < t <= w`.
    pub fn rereport(&self, same: i64, w: i64) -> Window {
        let mut by_child: HashMap<&str, Vec<NaiveDate>> = HashMap::new();
        for (p, _, d) in &self.d.reports {
            by_child.entry(p.as_str()).or_default().push(*d);
        }
        let mut out = Window::default();
        for (child, dates) in &by_child {
            let fu = self.d.fu(child);
            for index in dates {
                if *index >= fu {
                    continue;
                }
                let t = dates.iter().filter(|d| **d <= fu).map(|d| days(*index, *d)).filter(|t| *t > same).min();
                out.add(t, w, fu, *index);
            }
        }
        out
    }

    /// Re-reports in the family view: a later report with the same `household_id`.
    pub fn rereport_family(&self, same: i64, w: i64) -> Window {
        let mut out = Window::default();
        for (child, household, index) in &self.d.reports {
            let fu = self.d.fu(child);
            if *index >= fu {
                continue;
            }
            let t = self
                .d
                .reports
                .iter()
                .filter(|(_, h, d)| !household.is_empty() && h == household && *d <= fu)
                .map(|(_, _, d)| days(*index, *d))
                .filter(|t| *t > same)
                .min();
            out.add(t, w, fu, *index);
        }
        out
    }

    /// Share of closed protection measures ending goal_reached.
    pub fn goal_reached(&self) -> f64 {
        let closed: Vec<_> =
            self.d.measures.iter().filter(|m| PROTECTION.contains(&m.1.as_str()) && m.3.is_some()).collect();
        closed.iter().filter(|m| m.4 == "goal_reached").count() as f64 / closed.len() as f64
    }

    /// Share of spells with index level 4 or higher.
    pub fn out_of_home_start(&self) -> f64 {
        let all: Vec<_> = self.spells.values().flatten().collect();
        all.iter().filter(|s| s.2 >= 4).count() as f64 / all.len() as f64
    }

    /// Mean over years of (minors on 1 July with an episode active in the year) / (minors on 1 July).
    pub fn care_share_per_year(&self, years: std::ops::RangeInclusive<i32>) -> f64 {
        let mut shares = Vec::new();
        for y in years {
            let jul1 = NaiveDate::from_ymd_opt(y, 7, 1).unwrap();
            let (jan1, dec31) =
                (NaiveDate::from_ymd_opt(y, 1, 1).unwrap(), NaiveDate::from_ymd_opt(y, 12, 31).unwrap());
            let minors: Vec<&String> = self
                .d
                .persons
                .iter()
                .filter(|(_, p)| p.birth <= jul1 && jul1 < birthday(p.birth, 18) && p.exit.is_none_or(|x| x > jul1))
                .map(|(id, _)| id)
                .collect();
            let with_care = minors
                .iter()
                .filter(|id| {
                    self.d
                        .episodes
                        .get(id.as_str())
                        .is_some_and(|eps| eps.iter().any(|(s, e, _)| *s <= dec31 && e.is_none_or(|e| e >= jan1)))
                })
                .count();
            shares.push(with_care as f64 / minors.len() as f64);
        }
        shares.iter().sum::<f64>() / shares.len() as f64
    }

    /// G1: a spell or measure start before the 18th birthday.
    pub fn g1(&self) -> BTreeSet<&str> {
        let before18 = |p: &str, d: NaiveDate| self.d.persons.get(p).is_some_and(|x| d < birthday(x.birth, 18));
        let mut out = BTreeSet::new();
        for (p, spells) in &self.spells {
            if spells.iter().any(|s| before18(p, s.0)) {
                out.insert(*p);
            }
        }
        for m in &self.d.measures {
            if before18(&m.0, m.2) {
                out.insert(m.0.as_str());
            }
        }
        out
    }

    /// (a, n1, c, n0): exposed with outcome, exposed, unexposed with outcome, unexposed; among
    /// biological children followed to 18, or (not `followed_only`) followed or with the outcome.
    pub fn transmission(&self, followed_only: bool) -> (usize, usize, usize, usize) {
        let g1 = self.g1();
        let mut parents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (p, c, kind) in &self.d.relations {
            if kind == "biological" {
                parents.entry(c.as_str()).or_default().push(p.as_str());
            }
        }
        let (mut a, mut n1, mut c, mut n0) = (0, 0, 0, 0);
        for (child, ps) in parents {
            let p = &self.d.persons[child];
            let fu = self.d.fu(child);
            let b18 = birthday(p.birth, 18);
            let outcome = self.spells.get(child).is_some_and(|v| v.iter().any(|s| s.0 < b18 && s.0 <= fu));
            if !(fu >= b18 || (outcome && !followed_only)) {
                continue;
            }
            if ps.iter().any(|x| g1.contains(x)) {
                n1 += 1;
                a += usize::from(outcome);
            } else {
                n0 += 1;
                c += usize::from(outcome);
            }
        }
        (a, n1, c, n0)
    }
}

fn level_on(eps: &[(NaiveDate, Option<NaiveDate>, u8)], day: NaiveDate) -> u8 {
    eps.iter().filter(|(s, e, _)| *s <= day && e.is_none_or(|e| day <= e)).map(|x| x.2).max().unwrap_or(0)
}

/// `defects.csv` as (table, row, rule).
pub fn read_defects(path: &Path) -> Vec<(String, usize, String)> {
    let mut r = csv::Reader::from_path(path).unwrap();
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), ["source", "delivery_id", "table", "row", "rule"]);
    r.records().map(|x| x.unwrap()).map(|x| (x[2].to_string(), x[3].parse().unwrap(), x[4].to_string())).collect()
}

/// Rows of a DuckDB query on one file path, sorted.
pub fn duck_rows(con: &duckdb::Connection, sql: &str, path: &Path) -> Vec<Vec<Option<String>>> {
    let mut stmt = con.prepare(sql).unwrap();
    let mut rows = stmt.query([path.to_string_lossy().into_owned()]).unwrap();
    let mut out = Vec::new();
    while let Some(row) = rows.next().unwrap() {
        let n = row.as_ref().column_count();
        out.push((0..n).map(|i| row.get::<_, Option<String>>(i).unwrap()).collect());
    }
    out.sort();
    out
}

// ------------------------------------------------------------------ validator

struct Spec {
    table: &'static str,
    required: &'static [&'static str],
    dates: &'static [&'static str],
    numbers: &'static [&'static str],
    codes: &'static [(&'static str, &'static [&'static str])],
    formats: &'static [(&'static str, &'static str, usize)],
    ranges: &'static [(&'static str, &'static str)],
    key: &'static [&'static str],
    event: bool,
}

const CARE_FORMS: &[&str] = &[
    "local_team",
    "ambulant",
    "network",
    "day_treatment",
    "foster_care",
    "family_home",
    "residential",
    "secure",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "38",
];
const END_REASONS: &[&str] = &[
    "planned",
    "early_mutual",
    "early_client",
    "early_provider",
    "external",
    "moved",
    "died",
    "age_limit",
    "other",
    "unknown",
    "01",
    "02",
    "03",
    "04",
    "05",
];

const SPECS: [Spec; 9] = [
    Spec {
        table: "persons",
        required: &["person_id", "birth_date", "sex"],
        dates: &["birth_date", "death_date", "emigration_date"],
        numbers: &[],
        codes: &[("sex", &["m", "f", "x", "u"])],
        formats: &[],
        ranges: &[("birth_date", "death_date"), ("birth_date", "emigration_date")],
        key: &["person_id"],
        event: false,
    },
    Spec {
        table: "relations",
        required: &["parent_id", "child_id", "kind"],
        dates: &["valid_from", "valid_to"],
        numbers: &[],
        codes: &[("kind", &["biological", "adoptive", "legal"])],
        formats: &[],
        ranges: &[("valid_from", "valid_to")],
        key: &["parent_id", "child_id", "kind"],
        event: false,
    },
    Spec {
        table: "households",
        required: &["household_id", "person_id", "role", "valid_from"],
        dates: &["valid_from", "valid_to"],
        numbers: &[],
        codes: &[("role", &["parent", "child", "other"])],
        formats: &[],
        ranges: &[("valid_from", "valid_to")],
        key: &["household_id", "person_id", "valid_from"],
        event: false,
    },
    Spec {
        table: "residence",
        required: &["person_id", "municipality", "valid_from"],
        dates: &["valid_from", "valid_to"],
        numbers: &[],
        codes: &[],
        formats: &[("municipality", "GM", 4), ("district", "WK", 6)],
        ranges: &[("valid_from", "valid_to")],
        key: &["person_id", "valid_from"],
        event: false,
    },
    Spec {
        table: "care_episodes",
        required: &["episode_id", "person_id", "care_form", "start_date"],
        dates: &["start_date", "end_date"],
        numbers: &[],
        codes: &[("care_form", CARE_FORMS), ("end_reason", END_REASONS)],
        formats: &[("municipality", "GM", 4)],
        ranges: &[("start_date", "end_date")],
        key: &["episode_id"],
        event: true,
    },
    Spec {
        table: "measures",
        required: &["measure_id", "person_id", "kind", "start_date"],
        dates: &["start_date", "end_date"],
        numbers: &[],
        codes: &[
            ("kind", &["ots", "provisional_ots", "guardianship", "provisional_guardianship", "youth_probation"]),
            ("end_reason", &["goal_reached", "transferred", "age_limit", "other", "unknown"]),
        ],
        formats: &[],
        ranges: &[("start_date", "end_date")],
        key: &["measure_id"],
        event: true,
    },
    Spec {
        table: "safety_reports",
        required: &["report_id", "person_id", "report_date", "kind"],
        dates: &["report_date"],
        numbers: &[],
        codes: &[("kind", &["child_abuse", "domestic_violence", "other"])],
        formats: &[],
        ranges: &[],
        key: &["report_id"],
        event: true,
    },
    Spec {
        table: "measurements",
        required: &["measurement_id", "person_id", "instrument", "moment", "date", "value"],
        dates: &["date"],
        numbers: &["value"],
        codes: &[("moment", &["start", "end", "follow_up", "quarterly"])],
        formats: &[],
        ranges: &[],
        key: &["measurement_id"],
        event: true,
    },
    Spec {
        table: "population",
        required: &["year", "municipality", "age", "sex", "count"],
        dates: &[],
        numbers: &["year", "age", "count"],
        codes: &[("sex", &["m", "f", "x", "u"])],
        formats: &[("municipality", "GM", 4)],
        ranges: &[],
        key: &["year", "municipality", "age", "sex"],
        event: false,
    },
];

fn fmt_ok(v: &str, prefix: &str, digits: usize) -> bool {
    v.len() == prefix.len() + digits && v.starts_with(prefix) && v[prefix.len()..].bytes().all(|b| b.is_ascii_digit())
}

/// Valid rows seen so far, for references.
#[derive(Default)]
struct Valid {
    persons: HashMap<String, (NaiveDate, Option<NaiveDate>)>,
    households: HashSet<String>,
    episodes: HashSet<String>,
}

/// Validates every table of a CSV delivery; returns (table, 1-based row, rule) of rejected rows.
pub fn validate(dir: &Path) -> Vec<(String, usize, String)> {
    let meta: toml::Table = std::fs::read_to_string(dir.join("delivery.toml")).unwrap().parse().unwrap();
    let e = date(&meta["extracted_on"].as_datetime().unwrap().to_string()).unwrap();
    let mut valid = Valid::default();
    let mut out = Vec::new();
    for spec in &SPECS {
        out.extend(
            validate_table(dir, spec, e, &mut valid)
                .into_iter()
                .map(|(row, rule)| (spec.table.to_string(), row, rule.to_string())),
        );
    }
    out
}

fn validate_table(dir: &Path, spec: &Spec, e: NaiveDate, valid: &mut Valid) -> Vec<(usize, &'static str)> {
    let bytes = std::fs::read(dir.join(format!("{}.csv", spec.table))).unwrap();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let mut bad = Vec::new();
    let mut passed: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, rec) in reader.byte_records().enumerate() {
        let rec = rec.unwrap();
        let row = i + 1;
        let cells: Option<Vec<String>> = rec.iter().map(|c| std::str::from_utf8(c).ok().map(str::to_string)).collect();
        let Some(cells) = cells else {
            bad.push((row, "malformed_utf8"));
            continue;
        };
        if cells.len() != header.len() {
            bad.push((row, "wrong_column_count"));
            continue;
        }
        let v = |n: &str| cells[col(n)].as_str();
        let rule = if spec.required.iter().any(|c| v(c).is_empty()) {
            Some("missing_value")
        } else if spec
            .dates
            .iter()
            .any(|c| !v(c).is_empty() && (if *c == "birth_date" { birth(v(c)) } else { date(v(c)) }).is_none())
            || spec.numbers.iter().any(|c| !v(c).is_empty() && v(c).parse::<f64>().is_err())
        {
            Some("unparsable")
        } else if spec.codes.iter().any(|(c, list)| !v(c).is_empty() && !list.contains(&v(c))) {
            Some("unknown_code")
        } else if spec.formats.iter().any(|(c, p, n)| !v(c).is_empty() && !fmt_ok(v(c), p, *n)) {
            Some("bad_format")
        } else if spec
            .ranges
            .iter()
            .any(|(a, b)| matches!((any_date(a, v(a)), date(v(b))), (Some(x), Some(y)) if y < x))
        {
            Some("end_before_start")
        } else {
            None
        };
        match rule {
            Some(r) => bad.push((row, r)),
            None => passed.push((row, cells)),
        }
    }
    let mut seen = HashSet::new();
    let mut kept = Vec::new();
    for (row, cells) in passed {
        let key: Vec<&str> = spec.key.iter().map(|k| cells[col(k)].as_str()).collect();
        if seen.insert(key.join("\u{1f}")) {
            kept.push((row, cells));
        } else {
            bad.push((row, "duplicate_id"));
        }
    }
    let mut refs_ok = Vec::new();
    for (row, cells) in kept {
        let v = |n: &str| cells[col(n)].as_str();
        let person_cols: &[&str] = match spec.table {
            "relations" => &["parent_id", "child_id"],
            "persons" | "population" => &[],
            _ => &["person_id"],
        };
        let dangling = person_cols.iter().any(|c| !valid.persons.contains_key(v(c)))
            || (spec.table == "safety_reports"
                && !v("household_id").is_empty()
                && !valid.households.contains(v("household_id")))
            || (spec.table == "measurements"
                && !v("episode_id").is_empty()
                && !valid.episodes.contains(v("episode_id")));
        if dangling {
            bad.push((row, "dangling_reference"));
        } else {
            refs_ok.push((row, cells));
        }
    }
    if spec.table == "relations" {
        let pairs: HashSet<(String, String)> = refs_ok.iter().map(|(_, c)| (c[0].clone(), c[1].clone())).collect();
        refs_ok.retain(|(row, c)| {
            let cyc = c[0] == c[1] || pairs.contains(&(c[1].clone(), c[0].clone()));
            if cyc {
                bad.push((*row, "own_ancestor"));
            }
            !cyc
        });
    }
    for (row, cells) in refs_ok {
        let v = |n: &str| cells[col(n)].as_str();
        let dates: Vec<NaiveDate> =
            spec.dates.iter().filter_map(|c| if *c == "birth_date" { birth(v(c)) } else { date(v(c)) }).collect();
        let person = if spec.event { valid.persons.get(v("person_id")).copied() } else { None };
        let rule = if dates.iter().any(|d| *d > e) {
            Some("after_extracted_on")
        } else if person.is_some_and(|(b, _)| dates.iter().any(|d| *d < b)) {
            Some("before_birth")
        } else if person.is_some_and(|(_, death)| death.is_some_and(|x| dates.iter().any(|d| *d > x))) {
            Some("after_death")
        } else {
            None
        };
        if let Some(r) = rule {
            bad.push((row, r));
            continue;
        }
        match spec.table {
            "persons" => {
                valid
                    .persons
                    .insert(v("person_id").to_string(), (birth(v("birth_date")).unwrap(), date(v("death_date"))));
            }
            "households" => {
                valid.households.insert(v("household_id").to_string());
            }
            "care_episodes" => {
                valid.episodes.insert(v("episode_id").to_string());
            }
            _ => {}
        }
    }
    bad.sort_unstable();
    bad
}
