//! A child's care history: spells of episodes along the care ladder with planted escalation and
//! re-entry, protection measures, youth probation, measurements; and a family's safety reports.
//!
//! Planted truths hold by construction:
//! - re-entry: after a spell ends, the next spell starts with probability `reentry`, at a time
//!   uniform on 32–730 days (so 32+ days: always a new spell at gap 31);
//! - escalation: each spell escalates with probability `escalation` at a day uniform in the part of
//!   (start, start + 365] after every earlier spell's window has closed; otherwise no episode in the
//!   window exceeds the index level and no protection measure starts in it.

use chrono::NaiveDate;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Normal};

use super::codes::{CARE_FORMS, DIED, Id, MOVED, Sex, level};
use super::draw::{Ctx, Ids, day_in, pick};
use super::scenario::CareModel;
use super::world::{Correction, Episode, Measure, Measurement, Move, Person, Report, World, age_on, birthday, plus};

const REFERRERS: [&str; 6] = ["gp", "local_team", "court", "youth_health", "self", "other"];
const REPORT_SOURCES: [&str; 5] = ["police", "school", "gp", "family", "professional"];

/// An earlier spell still inside its escalation window.
struct Window {
    start: NaiveDate,
    level: u8,
}

/// Everything one spell needs to know.
struct SpellCtx<'p> {
    person: &'p Person,
    start: NaiveDate,
    /// Highest index level allowed (earlier windows still open).
    cap: u8,
    /// Earliest escalation day offset.
    lo: i64,
    muni: u16,
    visible: bool,
    /// The planted activity's provider, when this spell is an activity spell.
    provider: Option<u32>,
}

/// The municipality index of the address on `day` (the first address before it).
fn municipality_on(moves: &[Move], day: NaiveDate) -> u16 {
    let m = moves.iter().rev().find(|m| m.0 <= day).or(moves.first()).map_or(0, |m| m.1);
    u16::try_from(m).unwrap_or(u16::MAX)
}

/// Generates the care history of `p` (living at `moves`); returns true if a visible spell started before 18 (G1).
pub fn child(
    ctx: &Ctx<'_>,
    rng: &mut ChaCha8Rng,
    ids: &mut Ids,
    p: &Person,
    exposed: bool,
    moves: &[Move],
    world: &mut World,
) -> bool {
    let cm = &ctx.model.care;
    let base = match p.sex {
        Sex::M => cm.ever_boy,
        Sex::F => cm.ever_girl,
        Sex::X | Sex::U => f64::midpoint(cm.ever_boy, cm.ever_girl),
    };
    let p_ever = (base * if exposed { cm.transmission_rr } else { 1.0 }).clamp(0.0, 1.0);
    if !rng.random_bool(p_ever) {
        return false;
    }
    let adult = birthday(p.birth, 18);
    let stop = p.exit().map_or(ctx.horizon, |e| e.min(ctx.horizon));
    let age = pick(rng, &cm.start_age_weights) as i32;
    let mut start = day_in(rng, birthday(p.birth, age), 365);
    let mut windows: Vec<Window> = Vec::new();
    let mut g1 = false;
    while start < adult && start <= stop {
        windows.retain(|w| plus(w.start, 365) >= start);
        let cap = windows.iter().map(|w| w.level).min().unwrap_or(6);
        let lo = windows.iter().map(|w| (w.start - start).num_days() + 366).max().unwrap_or(1).max(1);
        let visible = start >= ctx.history_from;
        // The planted activity draws only in scenarios that have one (the others keep their bytes).
        let (provider, reentry) = match &cm.activity {
            None => (None, cm.reentry),
            Some(a) => {
                let older = u32::try_from(age_on(p.birth, start)).unwrap_or(0) >= a.older_from;
                let chosen = rng.random_bool(if older { a.share_older } else { a.share_younger });
                let base = if older { a.reentry_older } else { cm.reentry };
                (chosen.then_some(a.provider), if chosen { base * a.reentry_factor } else { base })
            }
        };
        let sc = SpellCtx { person: p, start, cap, lo, muni: municipality_on(moves, start), visible, provider };
        let (end, index_level) = spell(ctx, rng, ids, &sc, world);
        g1 |= visible;
        windows.push(Window { start, level: index_level });
        if end >= adult || !rng.random_bool(reentry.clamp(0.0, 1.0)) {
            break;
        }
        start = plus(end, rng.random_range(32..=730));
    }
    g1
}

/// A spell's plan: episodes (form, start, true end), protection-measure start days, index level.
struct Plan {
    eps: Vec<(usize, NaiveDate, NaiveDate)>,
    measures: Vec<NaiveDate>,
    index_level: u8,
}

/// One spell; returns its true end and its index level.
fn spell(ctx: &Ctx<'_>, rng: &mut ChaCha8Rng, ids: &mut Ids, sc: &SpellCtx<'_>, world: &mut World) -> (NaiveDate, u8) {
    let plan = plan(&ctx.model.care, rng, sc);
    let exit = sc.person.exit();
    let mut end = sc.start;
    for &(f, s, e) in &plan.eps {
        if exit.is_some_and(|x| s > x) {
            continue;
        }
        let truncated = exit.filter(|x| e > *x);
        let e = truncated.unwrap_or(e);
        end = end.max(e);
        if sc.visible && s <= ctx.horizon {
            push_episode(ctx, rng, ids, sc, (f, s, e, truncated), world);
        }
    }
    if sc.visible {
        spell_measures(ctx, rng, ids, sc, &plan.measures, world);
    }
    (end, plan.index_level)
}

/// Plans the episodes of a spell: the first, a planted escalation, then follow-on episodes.
fn plan(cm: &CareModel, rng: &mut ChaCha8Rng, sc: &SpellCtx<'_>) -> Plan {
    let form = pick_form(rng, &cm.form_mix, 1, sc.cap);
    let index_level = level(form);
    let first_end = plus(sc.start, duration(rng, cm.episode_median_days, index_level));
    let mut plan = Plan { eps: vec![(form, sc.start, first_end)], measures: Vec::new(), index_level };
    let (ceiling, floor) = escalate(cm, rng, sc, &mut plan);
    let mut n = 0;
    while n < 3 && rng.random_bool(cm.follow_on) {
        n += 1;
        let latest = plan.eps.iter().map(|e| e.2).max().unwrap_or(sc.start);
        let s = plus(latest, rng.random_range(-30..=31)).max(floor);
        let f = pick_form(rng, &cm.form_mix, 1, ceiling);
        plan.eps.push((f, s, plus(s, duration(rng, cm.episode_median_days, level(f)))));
    }
    plan
}

/// With probability `escalation`, a heavier episode or a protection measure on a day after every
/// earlier window has closed. Returns the highest level follow-on episodes may take and the
/// earliest day they may start (never before the escalation).
fn escalate(cm: &CareModel, rng: &mut ChaCha8Rng, sc: &SpellCtx<'_>, plan: &mut Plan) -> (u8, NaiveDate) {
    if !rng.random_bool(cm.escalation) {
        return (plan.index_level, plus(sc.start, 1));
    }
    let day = plus(sc.start, rng.random_range(sc.lo..=365));
    if plan.index_level == 6 || rng.random_bool(cm.escalation_by_measure) {
        // The spell covers the measure (and a full measure after a provisional one), so the
        // start never falls into a later spell's window.
        plan.eps[0].2 = plan.eps[0].2.max(plus(day, 14));
        plan.measures.push(day);
        return (plan.index_level, day);
    }
    let up = pick_form(rng, &cm.form_mix, plan.index_level + 1, 6);
    plan.eps[0].2 = plan.eps[0].2.max(plus(day, -1));
    plan.eps.push((up, day, plus(day, duration(rng, cm.episode_median_days, level(up)))));
    (level(up), day)
}

/// The planted protection measures of a spell, and youth probation for children of 12 and up.
fn spell_measures(
    ctx: &Ctx<'_>,
    rng: &mut ChaCha8Rng,
    ids: &mut Ids,
    sc: &SpellCtx<'_>,
    days: &[NaiveDate],
    world: &mut World,
) {
    let adult = birthday(sc.person.birth, 18);
    for day in days {
        protection_measure(ctx, rng, ids, sc.person, *day, adult, world);
    }
    if age_on(sc.person.birth, sc.start) >= 12 && rng.random_bool(ctx.model.measures.youth_probation) {
        let day = plus(sc.start, rng.random_range(0..60));
        push_measure(ctx, rng, ids, sc.person, 4, day, adult, world);
    }
}

/// A form with level in `[min, max]`, weighted by the mix (uniform if the mix gives none weight).
fn pick_form(rng: &mut ChaCha8Rng, mix: &[f64; 8], min: u8, max: u8) -> usize {
    let allowed = |i: usize| (min..=max).contains(&level(i));
    let mut w: Vec<f64> = mix.iter().enumerate().map(|(i, m)| if allowed(i) { *m } else { 0.0 }).collect();
    if w.iter().sum::<f64>() <= 0.0 {
        w = (0..8).map(|i| if allowed(i) { 1.0 } else { 0.0 }).collect();
    }
    pick(rng, &w)
}

/// Episode duration in days: log-normal around the median, heavier care lasting longer.
fn duration(rng: &mut ChaCha8Rng, median: f64, level: u8) -> i64 {
    let m = median * (1.0 + 0.3 * f64::from(level - 1));
    let d = LogNormal::new(m.ln(), 0.7).map_or(m, |ln| ln.sample(rng));
    (d as i64).clamp(7, 5 * 365)
}

/// Writes one episode with its measurements (and maybe a late correction).
fn push_episode(
    ctx: &Ctx<'_>,
    rng: &mut ChaCha8Rng,
    ids: &mut Ids,
    sc: &SpellCtx<'_>,
    ep: (usize, NaiveDate, NaiveDate, Option<NaiveDate>),
    world: &mut World,
) {
    let cm = &ctx.model.care;
    let (form, start, end, truncated) = ep;
    let end_reason = match truncated {
        Some(x) if sc.person.death == Some(x) => DIED,
        Some(_) => MOVED,
        None => pick(rng, &cm.end_reasons),
    };
    let id = ids.record('E');
    let correction =
        rng.random_bool(ctx.model.corrections.share).then(|| correction(rng, form, start, end, end_reason));
    world.episodes.push(Episode {
        id,
        person: sc.person.id,
        form,
        as_code: rng.random_bool(cm.bij_code_share),
        start,
        end,
        end_reason,
        provider: match (rng.random_range(0..cm.providers.max(1)), sc.provider) {
            (_, Some(activity)) if start == sc.start => activity,
            (drawn, _) => drawn,
        },
        referrer: REFERRERS[rng.random_range(0..REFERRERS.len())],
        municipality: sc.muni,
        correction,
    });
    measurements(ctx, rng, ids, sc.person, id, start, end, world);
}

fn correction(rng: &mut ChaCha8Rng, form: usize, start: NaiveDate, end: NaiveDate, end_reason: usize) -> Correction {
    if end_reason != 6 && rng.random_bool(0.5) {
        Correction { field: "end_reason", provisional: "unknown".into(), until: plus(end, rng.random_range(20..200)) }
    } else {
        let other = if form == 0 { 1 } else { form - 1 };
        Correction {
            field: "care_form",
            provisional: CARE_FORMS[other].0.into(),
            until: plus(start, rng.random_range(30..200)),
        }
    }
}

/// Problem score at start and end, goal attainment and satisfaction at end.
#[allow(clippy::too_many_arguments)]
fn measurements(
    ctx: &Ctx<'_>,
    rng: &mut ChaCha8Rng,
    ids: &mut Ids,
    p: &Person,
    episode: Id,
    start: NaiveDate,
    end: NaiveDate,
    world: &mut World,
) {
    let mm = &ctx.model.measurements;
    if !rng.random_bool(mm.measured) {
        return;
    }
    let draw = |rng: &mut ChaCha8Rng, mean: f64, sd: f64| Normal::new(mean, sd).map_or(mean, |n| n.sample(rng));
    let s0 = draw(rng, mm.problem_start_mean, mm.problem_sd).round().clamp(0.0, 60.0);
    let s1 = (s0 + draw(rng, mm.true_change, mm.change_sd)).round().clamp(0.0, 60.0);
    let goal = pick(rng, &mm.goal_attainment) as i32;
    let sat = if rng.random_bool(mm.satisfied) { rng.random_range(7..=10) } else { rng.random_range(1..=6) };
    let rows = [
        ("problem_score", "start", start, s0 as i32),
        ("problem_score", "end", end, s1 as i32),
        ("goal_attainment", "end", end, goal),
        ("satisfaction", "end", end, sat),
    ];
    for (instrument, moment, date, value) in rows {
        let id = ids.record('X');
        world.measurements.push(Measurement { id, person: p.id, episode, instrument, moment, date, value });
    }
    if mm.quarterly {
        let span = (end - start).num_days();
        for q in 1..=(span - 1) / 91 {
            let line = s0 + (s1 - s0) * (q * 91) as f64 / span as f64;
            let value = (line + draw(rng, 0.0, 2.0)).round().clamp(0.0, 60.0) as i32;
            let (id, date) = (ids.record('X'), plus(start, q * 91));
            world.measurements.push(Measurement {
                id,
                person: p.id,
                episode,
                instrument: "problem_score",
                moment: "quarterly",
                date,
                value,
            });
        }
    }
}

/// A protection measure starting on `day` (a provisional one is followed by the full measure).
fn protection_measure(
    ctx: &Ctx<'_>,
    rng: &mut ChaCha8Rng,
    ids: &mut Ids,
    p: &Person,
    day: NaiveDate,
    adult: NaiveDate,
    world: &mut World,
) {
    let kind = pick(rng, &ctx.model.measures.kinds);
    if kind == 1 || kind == 3 {
        let full_start = plus(day, rng.random_range(7..=14));
        let provisional_end = plus(full_start, -1);
        if p.exit().is_none_or(|x| provisional_end <= x) && provisional_end < adult {
            let id = ids.record('M');
            world.measures.push(Measure {
                id,
                person: p.id,
                kind,
                start: day,
                end: provisional_end,
                end_reason: "transferred",
            });
            push_measure(ctx, rng, ids, p, kind - 1, full_start, adult, world);
            return;
        }
    }
    let kind = if kind == 1 || kind == 3 { kind - 1 } else { kind };
    push_measure(ctx, rng, ids, p, kind, day, adult, world);
}

/// One measure from `start`; ends before 18 and at death or emigration.
#[allow(clippy::too_many_arguments)]
fn push_measure(
    ctx: &Ctx<'_>,
    rng: &mut ChaCha8Rng,
    ids: &mut Ids,
    p: &Person,
    kind: usize,
    start: NaiveDate,
    adult: NaiveDate,
    world: &mut World,
) {
    let mm = &ctx.model.measures;
    if start > ctx.horizon || start >= adult || p.exit().is_some_and(|x| start > x) {
        return;
    }
    let d = LogNormal::new(mm.median_days.ln(), 0.5).map_or(mm.median_days, |ln| ln.sample(rng)) as i64;
    let mut end = plus(start, d.max(30)).min(plus(adult, -1));
    if let Some(x) = p.exit() {
        end = end.min(x);
    }
    let end_reason = if rng.random_bool(mm.goal_reached) {
        "goal_reached"
    } else {
        ["transferred", "other", "unknown"][rng.random_range(0..3)]
    };
    let id = ids.record('M');
    world.measures.push(Measure { id, person: p.id, kind, start, end, end_reason });
}

/// A family's safety reports: with probability `family_report`, a chain for one child in which each
/// report is followed by a re-report with probability `rereport` at 31–730 days; with
/// `sibling_report` > 0 a re-report is about another child of the household with that probability.
pub fn safety_reports(
    ctx: &Ctx<'_>,
    rng: &mut ChaCha8Rng,
    ids: &mut Ids,
    household: Id,
    kids: &[&Person],
    world: &mut World,
) {
    let sm = &ctx.model.safety;
    if kids.is_empty() || !rng.random_bool(sm.family_report) {
        return;
    }
    let mut child = kids[rng.random_range(0..kids.len())];
    let adult = birthday(child.birth, 18);
    let from = child.birth.max(ctx.history_from);
    let until = child.exit().map_or(ctx.horizon, |x| x.min(ctx.horizon)).min(plus(adult, -1));
    if until < from {
        return;
    }
    let mut date = day_in(rng, from, (until - from).num_days() + 1);
    while date <= until {
        let kind = ["child_abuse", "domestic_violence", "other"][pick(rng, &[0.55, 0.4, 0.05])];
        let source = REPORT_SOURCES[rng.random_range(0..REPORT_SOURCES.len())];
        let id = ids.record('R');
        world.reports.push(Report { id, person: child.id, household, date, kind, source });
        if !rng.random_bool(sm.rereport) {
            break;
        }
        date = plus(date, rng.random_range(31..=730));
        if sm.sibling_report > 0.0 && kids.len() > 1 && rng.random_bool(sm.sibling_report) {
            child = sibling_on(rng, kids, child, date);
        }
    }
}

/// Another child of the household who is a minor, born, alive and in the country on `date`
/// (picked at random); else `child` itself.
fn sibling_on<'a>(rng: &mut ChaCha8Rng, kids: &[&'a Person], child: &'a Person, date: NaiveDate) -> &'a Person {
    let others: Vec<&'a Person> = kids
        .iter()
        .copied()
        .filter(|k| k.id != child.id && k.birth <= date && date < birthday(k.birth, 18))
        .filter(|k| k.exit().is_none_or(|x| date < x))
        .collect();
    if others.is_empty() { child } else { others[rng.random_range(0..others.len())] }
}
