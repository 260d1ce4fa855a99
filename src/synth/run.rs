//! Runs a random-model scenario: for each delivery and source, families in chunks (parallel,
//! written in chunk order), then `population`; finally `expected.toml`. Also the scenario checks.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::Serialize;

use super::draw::Ctx;
use super::emit::{self, CorrectionRecord, Emitted, QuarterFix, View, merge_population};
use super::family;
use super::scenario::{Model, QuarterCorrection, Scenario, Schedule, Truth};
use super::table::Table;
use super::world::World;
use super::writer::DeliveryWriter;
use super::{DeliverySummary, Result, SynthError, SynthOptions, SynthSummary};

/// Families per chunk (the unit of parallel work and of memory).
pub const CHUNK: u64 = 256;

/// One scheduled delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `delivery_id`.
    pub id: String,
    /// `extracted_on`.
    pub extracted_on: NaiveDate,
}

/// The deliveries of a schedule, in publication order.
pub fn schedule(s: &Scenario, file: &str) -> Result<Vec<Delivery>> {
    match &s.deliveries {
        Schedule::Single { delivery_id, extracted_on } => {
            Ok(vec![Delivery { id: delivery_id.clone(), extracted_on: *extracted_on }])
        }
        Schedule::Quarterly { first, last } => {
            let a = quarter(first, file, "deliveries.first")?;
            let b = quarter(last, file, "deliveries.last")?;
            let mut out = Vec::new();
            for q in a..=b {
                let (year, n) = (q / 4, q % 4 + 1);
                let end = NaiveDate::from_ymd_opt(
                    if n == 4 { year + 1 } else { year },
                    if n == 4 { 1 } else { n as u32 * 3 + 1 },
                    1,
                );
                let extracted_on = end.ok_or_else(|| invalid(file, "deliveries", "quarter out of range"))?;
                out.push(Delivery { id: format!("{year}Q{n}"), extracted_on });
            }
            Ok(out)
        }
    }
}

/// `YYYYQn` as a quarter number (year * 4 + n − 1).
fn quarter(text: &str, file: &str, key: &str) -> Result<i32> {
    let bad = || invalid(file, key, &format!("`{text}` is not YYYYQn (n = 1–4)"));
    let (y, n) = text.split_once('Q').ok_or_else(bad)?;
    let y: i32 = y.parse().map_err(|_| bad())?;
    let n: i32 = n.parse().map_err(|_| bad())?;
    if !(1..=4).contains(&n) {
        return Err(bad());
    }
    Ok(y * 4 + n - 1)
}

/// The first and last day of quarter `YYYYQn`.
fn quarter_days(text: &str, file: &str, key: &str) -> Result<(NaiveDate, NaiveDate)> {
    let q = quarter(text, file, key)?;
    let first = |q: i32| NaiveDate::from_ymd_opt(q / 4, (q % 4) as u32 * 3 + 1, 1);
    match (first(q), first(q + 1).and_then(|d| d.pred_opt())) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(invalid(file, key, &format!("`{text}` is out of range"))),
    }
}

fn invalid(file: &str, key: &str, message: &str) -> SynthError {
    SynthError::Invalid { file: file.to_string(), key: key.to_string(), message: message.to_string() }
}

/// Checks what serde cannot: one of `model`/`explicit`, municipality codes, probabilities.
pub fn check(s: &Scenario, file: &str) -> Result<()> {
    schedule(s, file)?;
    if s.model.is_some() == s.explicit.is_some() {
        return Err(invalid(file, "model", "give exactly one of [model] and [explicit]"));
    }
    if s.model.is_some() && s.sources.is_empty() {
        return Err(invalid(file, "sources", "a [model] scenario needs at least one [[sources]]"));
    }
    for (i, src) in s.sources.iter().enumerate() {
        if src.municipalities.is_empty() {
            return Err(invalid(file, &format!("sources[{i}].municipalities"), "list at least one municipality"));
        }
        if let Some(bad) = src.municipalities.iter().find(|m| !is_municipality(m)) {
            return Err(invalid(
                file,
                &format!("sources[{i}].municipalities"),
                &format!("`{bad}` is not GM + 4 digits"),
            ));
        }
    }
    if let Some(p) = &s.probation {
        let Schedule::Single { extracted_on, .. } = &s.deliveries else {
            return Err(invalid(file, "probation", "needs a single delivery (deliveries.kind = \"single\")"));
        };
        if s.model.is_none() {
            return Err(invalid(file, "probation", "needs a [model] scenario"));
        }
        if let Some((key, message)) = p.problem(*extracted_on) {
            return Err(invalid(file, &format!("probation.{key}"), &message));
        }
    }
    if let Some(q) = s.model.as_ref().and_then(|m| m.corrections.quarter.as_ref()) {
        check_quarter_correction(s, q, file)?;
    }
    s.model.as_ref().map_or(Ok(()), |m| check_model(m, file))
}

/// `[model.corrections.quarter]`: a known site, a quarter, a delivery id of its own.
fn check_quarter_correction(s: &Scenario, q: &QuarterCorrection, file: &str) -> Result<()> {
    let key = |k: &str| format!("model.corrections.quarter.{k}");
    if !s.sources.iter().any(|src| src.name == q.site) {
        return Err(invalid(file, &key("site"), &format!("`{}` is not a [[sources]] name", q.site)));
    }
    quarter_days(&q.quarter, file, &key("quarter"))?;
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let id = &q.delivery_id;
    if id.is_empty() || id.len() > 64 || !id.chars().all(ok_char) || id.starts_with(['-', '.']) {
        return Err(invalid(file, &key("delivery_id"), "must be 1-64 letters, digits, '.', '-' or '_'"));
    }
    if schedule(s, file)?.iter().any(|d| d.id == *id) {
        return Err(invalid(file, &key("delivery_id"), &format!("`{id}` is a scheduled delivery already")));
    }
    Ok(())
}

/// Probabilities lie in 0–1; generations is 1 or 2.
fn check_model(m: &Model, file: &str) -> Result<()> {
    let probs = [
        ("model.care.escalation", m.care.escalation),
        ("model.care.escalation_by_measure", m.care.escalation_by_measure),
        ("model.care.reentry", m.care.reentry),
        ("model.care.follow_on", m.care.follow_on),
        ("model.care.bij_code_share", m.care.bij_code_share),
        ("model.safety.family_report", m.safety.family_report),
        ("model.safety.rereport", m.safety.rereport),
        ("model.measures.goal_reached", m.measures.goal_reached),
        ("model.measures.youth_probation", m.measures.youth_probation),
        ("model.measurements.measured", m.measurements.measured),
        ("model.measurements.satisfied", m.measurements.satisfied),
        ("model.families.two_parent", m.families.two_parent),
        ("model.families.adopted", m.families.adopted),
        ("model.families.month_precision", m.families.month_precision),
        ("model.corrections.share", m.corrections.share),
    ];
    if let Some((key, _)) = probs.iter().find(|(_, p)| !(0.0..=1.0).contains(p)) {
        return Err(invalid(file, key, "a probability must lie in 0–1"));
    }
    if !(1..=2).contains(&m.families.generations) {
        return Err(invalid(file, "model.families.generations", "must be 1 or 2"));
    }
    if let Some(a) = &m.care.activity {
        let probs = [
            ("model.care.activity.share_younger", a.share_younger),
            ("model.care.activity.share_older", a.share_older),
            ("model.care.activity.reentry_older", a.reentry_older),
            ("model.care.activity.reentry_factor", a.reentry_factor),
        ];
        if let Some((key, _)) = probs.iter().find(|(_, p)| !(0.0..=1.0).contains(p)) {
            return Err(invalid(file, key, "must lie in 0–1 (the factor lowers re-entry)"));
        }
        if a.provider < m.care.providers || a.provider > 9999 {
            return Err(invalid(file, "model.care.activity.provider", "must be at least `providers` and at most 9999"));
        }
        if a.programme.as_deref().is_some_and(|c| !crate::schema::is_label(c)) {
            return Err(invalid(
                file,
                "model.care.activity.programme",
                "must be a code: a letter, then up to 31 letters, digits, _ - .",
            ));
        }
    }
    if let Some(q) = &m.questionnaire {
        let mut probs =
            vec![("trust_high".to_owned(), q.trust_high), ("involvement_high".to_owned(), q.involvement_high)];
        probs.extend(q.trust_high_by_site.iter().map(|(site, p)| (format!("trust_high_by_site.{site}"), *p)));
        if let Some((key, _)) = probs.iter().find(|(_, p)| !(0.0..=1.0).contains(p)) {
            return Err(invalid(file, &format!("model.questionnaire.{key}"), "a probability must lie in 0–1"));
        }
        if q.quarters == 0 || q.quarters > 40 {
            return Err(invalid(file, "model.questionnaire.quarters", "must lie in 1–40"));
        }
    }
    if m.care.episode_median_days < 7.0 {
        return Err(invalid(file, "model.care.episode_median_days", "must be at least 7 days"));
    }
    if m.measures.median_days < 30.0 {
        return Err(invalid(file, "model.measures.median_days", "must be at least 30 days"));
    }
    Ok(())
}

/// `GM` + 4 digits.
pub fn is_municipality(m: &str) -> bool {
    m.len() == 6 && m.starts_with("GM") && m[2..].bytes().all(|b| b.is_ascii_digit())
}

/// A progress bar on stderr, hidden unless asked for.
pub fn progress_bar(show: bool, total: u64) -> ProgressBar {
    crate::printer::progress_bar(show, total, "{elapsed_precise} [{bar:40}] {pos}/{len} chunks {msg}")
}

/// Number of families of a source after scaling.
pub fn scaled(families: u64, scale: Option<f64>) -> u64 {
    scale.map_or(families, |k| ((families as f64 * k).ceil() as u64).max(1))
}

/// Generates one chunk of families and its view for one delivery.
pub fn chunk(ctx: &Ctx<'_>, families: u64, c: u64, view: &View<'_>) -> Emitted {
    let mut world = World::default();
    for f in c * CHUNK..((c + 1) * CHUNK).min(families) {
        family::generate(ctx, f, &mut world);
    }
    emit::emit(&world, view)
}

/// Runs a `[model]` scenario.
pub fn generate(s: &Scenario, out: &Path, opts: &SynthOptions) -> Result<SynthSummary> {
    let deliveries = schedule(s, &s.name)?;
    let horizon = deliveries.iter().map(|d| d.extracted_on).max().unwrap_or(s.history_from);
    let model = s.model.as_ref().ok_or_else(|| invalid(&s.name, "model", "missing"))?;
    let sizes: Vec<u64> = s.sources.iter().map(|src| scaled(src.families, opts.scale)).collect();
    // Person ids are BSN-shaped: 81 million exist, the last million are kept for `dirty`.
    let max_families = 80_000_000 / super::draw::SLOTS;
    if sizes.iter().sum::<u64>() >= max_families {
        let msg = format!("at most {max_families} families over all sources (after --scale): person ids would run out");
        return Err(invalid(&s.name, "sources.families", &msg));
    }
    let fix = planted_quarter(s, model)?;
    let chunks: u64 = sizes.iter().map(|n| n.div_ceil(CHUNK)).sum();
    let extra = fix.as_ref().map_or(0, |(si, ..)| sizes[*si].div_ceil(CHUNK));
    let pb = progress_bar(opts.progress, chunks * deliveries.len() as u64 + extra);
    let run = RunCtx { s, model, sizes: &sizes, horizon, out, opts, pb: &pb };
    let mut summaries = Vec::new();
    let mut corrections = Vec::new();
    for (di, d) in deliveries.iter().enumerate() {
        let previous = di.checked_sub(1).map(|p| deliveries[p].extracted_on);
        for si in 0..s.sources.len() {
            let quarter =
                fix.as_ref().filter(|f| f.0 == si).map(|f| QuarterFix { from: f.2, to: f.3, corrected: false });
            summaries.push(run.delivery(si, d, previous, quarter, &mut corrections)?);
        }
    }
    // The planted late correction: the site's last delivery again, the quarter's end reasons
    // corrected (the same data end: care corrections were all shown in the last delivery).
    if let (Some((si, id, from, to)), Some(last)) = (fix, deliveries.last()) {
        let d = Delivery { id, extracted_on: last.extracted_on };
        let quarter = Some(QuarterFix { from, to, corrected: true });
        summaries.push(run.delivery(si, &d, Some(last.extracted_on), quarter, &mut corrections)?);
    }
    pb.finish_and_clear();
    let expected_path = write_expected(s, out, &corrections)?;
    Ok(SynthSummary { deliveries: summaries, expected_path, defects_path: None })
}

/// `[model.corrections.quarter]`: the site's index, the correcting delivery's id and the
/// quarter's first and last day.
fn planted_quarter(s: &Scenario, model: &Model) -> Result<Option<(usize, String, NaiveDate, NaiveDate)>> {
    let Some(q) = &model.corrections.quarter else { return Ok(None) };
    let si = s.sources.iter().position(|src| src.name == q.site).ok_or_else(|| {
        invalid(&s.name, "model.corrections.quarter.site", &format!("`{}` is not a [[sources]] name", q.site))
    })?;
    let (from, to) = quarter_days(&q.quarter, &s.name, "model.corrections.quarter.quarter")?;
    Ok(Some((si, q.delivery_id.clone(), from, to)))
}

/// What every delivery of a `[model]` run shares.
struct RunCtx<'a> {
    s: &'a Scenario,
    model: &'a Model,
    /// Families per source (after scaling).
    sizes: &'a [u64],
    horizon: NaiveDate,
    out: &'a Path,
    opts: &'a SynthOptions,
    pb: &'a ProgressBar,
}

impl RunCtx<'_> {
    /// Writes delivery `d` of source `si`; `previous` is the source's previous data end.
    fn delivery(
        &self,
        si: usize,
        d: &Delivery,
        previous: Option<NaiveDate>,
        quarter: Option<QuarterFix>,
        corrections: &mut Vec<CorrectionRecord>,
    ) -> Result<DeliverySummary> {
        let (s, src) = (self.s, &self.s.sources[si]);
        let family_offset = self.sizes[..si].iter().sum();
        let ctx = Ctx {
            model: self.model,
            source: src,
            family_offset,
            history_from: s.history_from,
            horizon: self.horizon,
            seed: s.seed,
        };
        let activity = self.model.care.activity.as_ref();
        let view = View {
            municipalities: &src.municipalities,
            first_year: chrono::Datelike::year(&s.history_from),
            extracted_on: d.extracted_on,
            previous,
            programme: activity.and_then(|a| a.programme.as_deref().map(|code| (a.provider, code))),
            quarter,
        };
        // The offenders of `[probation]` live with the first source.
        let probation = s.probation.as_ref().filter(|_| si == 0);
        let job = Job { ctx: &ctx, families: self.sizes[si], view: &view, delivery: d, pb: self.pb, probation };
        write_delivery(&job, self.out, self.opts, corrections)
    }
}

/// One delivery of one source.
struct Job<'a> {
    ctx: &'a Ctx<'a>,
    families: u64,
    view: &'a View<'a>,
    delivery: &'a Delivery,
    pb: &'a ProgressBar,
    probation: Option<&'a super::scenario::ProbationSpec>,
}

/// Generates the chunks of one delivery in parallel batches and writes them in chunk order.
fn write_delivery(
    job: &Job<'_>,
    out: &Path,
    opts: &SynthOptions,
    corrections: &mut Vec<CorrectionRecord>,
) -> Result<DeliverySummary> {
    let (src, d) = (job.ctx.source, job.delivery);
    let dir = out.join(&src.name).join(&d.id);
    let programme = job.view.programme.is_some();
    let mut w = DeliveryWriter::create_with(&dir, opts.format, &src.name, &d.id, d.extracted_on, programme)?;
    let mut population = HashMap::new();
    let n_chunks = job.families.div_ceil(CHUNK);
    let batch = rayon::current_num_threads() as u64 * 4;
    for first in (0..n_chunks).step_by(batch as usize) {
        let done: Vec<Emitted> = (first..(first + batch).min(n_chunks))
            .into_par_iter()
            .map(|c| chunk(job.ctx, job.families, c, job.view))
            .collect();
        for e in done {
            for t in Table::ALL[..8].iter().chain(&Table::OPTIONAL) {
                w.write(*t, &e.tables.tables[t.index()])?;
            }
            merge_population(&mut population, e.population);
            corrections.extend(e.corrections.into_iter().map(|(table, id, field, provisional, corrected)| {
                CorrectionRecord {
                    source: src.name.clone(),
                    delivery_id: d.id.clone(),
                    table: table.into(),
                    id,
                    field: field.into(),
                    provisional,
                    corrected,
                }
            }));
            job.pb.inc(1);
        }
    }
    if let Some(spec) = job.probation {
        let home = src.municipalities.first().map_or("", String::as_str);
        let extra = super::probation::rows(spec, job.ctx.seed, home);
        for t in [Table::Persons, Table::Residence, Table::Measures, Table::Measurements, Table::Offences] {
            w.write(t, &extra.tables[t.index()])?;
        }
    }
    w.write(Table::Population, &emit::population_rows(&population, &src.municipalities))?;
    let rows = w.finish()?;
    Ok(DeliverySummary { source: src.name.clone(), delivery_id: d.id.clone(), dir, rows })
}

/// The `OUT/expected.toml` file.
#[derive(Serialize)]
struct ExpectedFile<'a> {
    scenario: &'a str,
    seed: u64,
    expected: &'a BTreeMap<String, Truth>,
    #[serde(skip_serializing_if = "<[CorrectionRecord]>::is_empty")]
    corrections: &'a [CorrectionRecord],
}

/// Writes `OUT/expected.toml` (truths with tolerances, late corrections); none if both are empty.
pub fn write_expected(s: &Scenario, out: &Path, corrections: &[CorrectionRecord]) -> Result<Option<PathBuf>> {
    if s.expected.is_empty() && corrections.is_empty() {
        return Ok(None);
    }
    let file = ExpectedFile { scenario: &s.name, seed: s.seed, expected: &s.expected, corrections };
    let text = toml::to_string(&file).map_err(|e| invalid(&s.name, "expected", &e.to_string()))?;
    fs_err::create_dir_all(out)?;
    let path = out.join("expected.toml");
    fs_err::write(&path, text)?;
    Ok(Some(path))
}
