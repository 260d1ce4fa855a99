//! A delivery is a view of the true world as known on `extracted_on`: records that started by then,
//! end dates only when they lie on or before it, provisional values before their correction.
//! Also counts the `population` (residents on 1 January) of one chunk.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::codes::{Bsn, CARE_FORMS, MEASURE_KINDS, Sex, care_form_text, district_code, end_reason_text};
use super::table::{Table, TableSet};
use super::world::{Episode, Person, World, age_on};

/// Population key: (year, municipality index, age, sex).
pub type PopKey = (i32, u16, u8, Sex);

/// A late correction as recorded in `expected.toml`.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectionRecord {
    /// The source that delivered the record.
    pub source: String,
    /// The first delivery that shows the corrected value.
    pub delivery_id: String,
    /// `care_episodes`, or `measures` for the planted quarter of `[model.corrections.quarter]`.
    pub table: String,
    /// The corrected record's `episode_id` or `measure_id`.
    pub id: String,
    /// The corrected column.
    pub field: String,
    /// The value in earlier deliveries.
    pub provisional: String,
    /// The value from `delivery_id` on.
    pub corrected: String,
}

/// What one delivery is, for the emitter.
pub struct View<'a> {
    /// Municipality codes of the source, indexed by `Residence::municipality`.
    pub municipalities: &'a [String],
    /// First year counted in `population`.
    pub first_year: i32,
    /// Data end of this delivery.
    pub extracted_on: NaiveDate,
    /// Data end of the source's previous delivery (for corrections).
    pub previous: Option<NaiveDate>,
    /// The planted activity's (provider number, programme code) when the scenario delivers
    /// programme codes: `care_episodes` then has the `programme` column.
    pub programme: Option<(u32, &'a str)>,
    /// The planted late correction of one quarter, when this source is its site.
    pub quarter: Option<QuarterFix>,
}

/// The quarter of `[model.corrections.quarter]` at its site: the protection measures that ended
/// from `from` to `to` are delivered with end reason `unknown`, until the correcting delivery
/// (`corrected`), which delivers their own and records each change.
#[derive(Debug, Clone, Copy)]
pub struct QuarterFix {
    /// First day of the quarter.
    pub from: NaiveDate,
    /// Last day of the quarter.
    pub to: NaiveDate,
    /// This is the correcting delivery.
    pub corrected: bool,
}

/// One chunk's rows of a delivery.
#[derive(Default)]
pub struct Emitted {
    /// Rows of the eight record tables (`population` is written at the end).
    pub tables: TableSet,
    /// Population counts of this chunk.
    pub population: HashMap<PopKey, u64>,
    /// Corrections first visible in this delivery: (table, record id, field, provisional,
    /// corrected).
    pub corrections: Vec<(&'static str, String, &'static str, String, String)>,
}

fn known(d: Option<NaiveDate>, e: NaiveDate) -> Option<NaiveDate> {
    d.filter(|d| *d <= e)
}

/// Formats a birth date, `YYYY-MM` when delivered with month precision.
fn birth_text(p: &Person) -> String {
    if p.month_precision { format!("{:04}-{:02}", p.birth.year(), p.birth.month()) } else { p.birth.to_string() }
}

/// Emits the view of `world` for one delivery.
pub fn emit(world: &World, v: &View<'_>) -> Emitted {
    let mut out = Emitted::default();
    let born: HashMap<Bsn, &Person> =
        world.persons.iter().filter(|p| p.birth <= v.extracted_on).map(|p| (p.id, p)).collect();
    people(world, &born, v, &mut out.tables);
    for ep in world.episodes.iter().filter(|x| x.start <= v.extracted_on) {
        episode_row(&mut out, ep, v);
    }
    events(world, v, &mut out);
    population(world, &born, v, &mut out.population);
    out
}

/// `persons`, `relations`, `households` and `residence` rows.
fn people(world: &World, born: &HashMap<Bsn, &Person>, v: &View<'_>, out: &mut TableSet) {
    let e = v.extracted_on;
    let t = out.get_mut(Table::Persons);
    for p in world.persons.iter().filter(|p| p.birth <= e) {
        t.fmt(p.id).cell(birth_text(p)).cell(p.sex.code()).opt(known(p.death, e)).opt(known(p.emigration, e));
        t.end_row();
    }
    let t = out.get_mut(Table::Relations);
    for r in &world.relations {
        if born.contains_key(&r.parent) && born.contains_key(&r.child) && r.valid_from <= e {
            t.fmt(r.parent).fmt(r.child).cell(r.kind).fmt(r.valid_from).cell("");
            t.end_row();
        }
    }
    let t = out.get_mut(Table::Households);
    for m in world.memberships.iter().filter(|m| m.from <= e && born.contains_key(&m.person)) {
        t.fmt(m.household).fmt(m.person).cell(m.role).fmt(m.from).opt(known(m.to, e));
        t.end_row();
    }
    let t = out.get_mut(Table::Residence);
    for r in world.residence.iter().filter(|r| r.from <= e) {
        let muni = &v.municipalities[usize::from(r.municipality)];
        t.fmt(r.person).cell(muni).cell(district_code(muni, r.district)).fmt(r.from).opt(known(r.to, e));
        t.end_row();
    }
}

/// `measures`, `safety_reports`, `measurements` and `questionnaire` rows known on the data end.
fn events(world: &World, v: &View<'_>, emitted: &mut Emitted) {
    let e = v.extracted_on;
    let out = &mut emitted.tables;
    let t = out.get_mut(Table::Measures);
    for m in world.measures.iter().filter(|m| m.start <= e) {
        let end = known(Some(m.end), e);
        let mut reason = if end.is_some() { m.end_reason } else { "" };
        // The planted quarter: a protection measure that ended in it (not youth probation).
        if let Some(q) = v
            .quarter
            .filter(|q| end.is_some_and(|x| q.from <= x && x <= q.to) && MEASURE_KINDS[m.kind] != "youth_probation")
        {
            if !q.corrected {
                reason = "unknown";
            } else if reason != "unknown" {
                let c = ("measures", m.id.to_string(), "end_reason", "unknown".to_owned(), reason.to_owned());
                emitted.corrections.push(c);
            }
        }
        t.fmt(m.id).fmt(m.person).cell(MEASURE_KINDS[m.kind]).fmt(m.start).opt(end).cell(reason);
        t.end_row();
    }
    let t = out.get_mut(Table::SafetyReports);
    for r in world.reports.iter().filter(|r| r.date <= e) {
        t.fmt(r.id).fmt(r.person).fmt(r.household).fmt(r.date).cell(r.kind).cell(r.source);
        t.end_row();
    }
    let t = out.get_mut(Table::Measurements);
    for m in world.measurements.iter().filter(|m| m.date <= e) {
        t.fmt(m.id).fmt(m.person).fmt(m.episode).cell(m.instrument).cell(m.moment).fmt(m.date).fmt(m.value);
        t.end_row();
    }
    let t = out.get_mut(Table::Questionnaire);
    for a in world.answers.iter().filter(|a| a.date <= e) {
        t.fmt(a.household).fmt(a.date).cell(a.item).fmt(a.score).cell("parent");
        t.end_row();
    }
}

/// One `care_episodes` row, with a provisional value before its correction date.
fn episode_row(out: &mut Emitted, ep: &Episode, v: &View<'_>) {
    let e = v.extracted_on;
    let end = known(Some(ep.end), e);
    let mut form = care_form_text(ep.form, ep.as_code);
    let mut reason = if end.is_some() { end_reason_text(ep.end_reason, ep.as_code) } else { String::new() };
    if let Some(c) = &ep.correction {
        let shown = |when: NaiveDate| v.previous.is_some_and(|p| p < c.until && c.until <= e && when <= p);
        if c.field == "care_form" {
            let provisional =
                CARE_FORMS.iter().position(|f| f.0 == c.provisional).map(|i| care_form_text(i, ep.as_code));
            let provisional = provisional.unwrap_or_else(|| c.provisional.clone());
            if e < c.until {
                form = provisional;
            } else if shown(ep.start) {
                out.corrections.push(("care_episodes", ep.id.to_string(), "care_form", provisional, form.clone()));
            }
        } else if end.is_some() {
            if e < c.until {
                reason.clone_from(&c.provisional);
            } else if shown(ep.end) {
                let c = ("care_episodes", ep.id.to_string(), "end_reason", c.provisional.clone(), reason.clone());
                out.corrections.push(c);
            }
        }
    }
    let t = out.tables.get_mut(Table::CareEpisodes);
    t.fmt(ep.id).fmt(ep.person).cell(form).fmt(ep.start).opt(end).cell(reason);
    t.cell(format!("P{:04}", ep.provider)).cell(ep.referrer).cell(&v.municipalities[usize::from(ep.municipality)]);
    if let Some((provider, code)) = v.programme {
        t.cell(if ep.provider == provider { code } else { "" });
    }
    t.end_row();
}

/// Residents aged 0–22 on 1 January of each year up to `extracted_on`, per municipality and sex.
fn population(world: &World, born: &HashMap<Bsn, &Person>, v: &View<'_>, counts: &mut HashMap<PopKey, u64>) {
    for r in &world.residence {
        let Some(p) = born.get(&r.person) else { continue };
        let first = v.first_year.max(r.from.year());
        let last = r.to.map_or(v.extracted_on.year(), |t| t.year()).min(v.extracted_on.year());
        for year in first..=last {
            let Some(jan1) = NaiveDate::from_ymd_opt(year, 1, 1) else { continue };
            let resident = r.from <= jan1 && r.to.is_none_or(|t| jan1 <= t) && p.exit().is_none_or(|x| x > jan1);
            let age = age_on(p.birth, jan1);
            if resident && jan1 <= v.extracted_on && p.birth <= jan1 && (0..=22).contains(&age) {
                let age = u8::try_from(age).unwrap_or(u8::MAX);
                *counts.entry((year, r.municipality, age, p.sex)).or_insert(0) += 1;
            }
        }
    }
}

/// The `population` rows, sorted by year, municipality, age, sex.
pub fn population_rows(counts: &HashMap<PopKey, u64>, municipalities: &[String]) -> super::table::Rows {
    let sorted: BTreeMap<(i32, &str, u8, &str), u64> = counts
        .iter()
        .map(|((y, m, a, s), n)| ((*y, municipalities[usize::from(*m)].as_str(), *a, s.code()), *n))
        .collect();
    let mut rows = super::table::Rows::default();
    for ((year, muni, age, sex), n) in sorted {
        rows.fmt(year).cell(muni).fmt(age).cell(sex).fmt(n);
        rows.end_row();
    }
    rows
}

/// Merges chunk population counts into the delivery total.
pub fn merge_population(into: &mut HashMap<PopKey, u64>, from: HashMap<PopKey, u64>) {
    for (k, n) in from {
        *into.entry(k).or_insert(0) += n;
    }
}
