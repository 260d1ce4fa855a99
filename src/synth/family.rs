//! Families: parents, children (births, adoption, unknown fathers), households, residence and
//! moves, deaths and emigration; then each child's care history via `care`. One family is a pure
//! function of (seed, source, family index).

use chrono::NaiveDate;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

use super::care;
use super::codes::{Id, Sex};
use super::draw::{Ctx, Ids, day_in, pick};
use super::scenario::QuestionnaireModel;
use super::world::{Answer, Membership, Move, Person, Relation, Residence, World, birthday, plus};

/// Mixes the seed with a source and family index into an RNG seed (splitmix64).
fn mix(seed: u64, family: u64) -> u64 {
    let mut z = seed ^ family.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Generates family `index` (of the source) into `world`.
pub fn generate(ctx: &Ctx<'_>, index: u64, world: &mut World) {
    let family = ctx.family_offset + index;
    let mut rng = ChaCha8Rng::seed_from_u64(mix(ctx.seed, family));
    let mut ids = Ids::new(family);
    let first_report = world.reports.len();
    let fm = &ctx.model.families;
    let [y0, y1] = fm.child_birth_years;
    let first_birth = day_in(&mut rng, ymd(y0, 1, 1), i64::from(y1 - y0 + 1) * 365);
    let unit = Unit { founded: plus(first_birth, -rng.random_range(0..3 * 365)), first_birth, exposed: false };
    let children = found_unit(ctx, &mut rng, &mut ids, &unit, None, world);
    if fm.generations >= 2 {
        for child in children {
            if rng.random_bool(fm.become_parent) {
                second_generation(ctx, &mut rng, &mut ids, &child, world);
            }
        }
    }
    if let Some(q) = &ctx.model.questionnaire {
        questionnaire(ctx, q, family, first_report, world);
    }
}

/// Salt of the questionnaire's random stream (kept apart from the family's stream, so a
/// scenario that adds a questionnaire keeps every other table's bytes).
const QUESTIONNAIRE_SALT: u64 = 0x5155_4553_5449_4f4e;

/// The questionnaire answers of the households of the family's reports (those from
/// `world.reports[first_report..]`): see [`QuestionnaireModel`].
fn questionnaire(ctx: &Ctx<'_>, q: &QuestionnaireModel, family: u64, first_report: usize, world: &mut World) {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(ctx.seed ^ QUESTIONNAIRE_SALT, family));
    let mut first: Vec<(Id, NaiveDate)> = Vec::new();
    for r in &world.reports[first_report..] {
        match first.iter_mut().find(|(h, _)| *h == r.household) {
            Some((_, d)) => *d = (*d).min(r.date),
            None => first.push((r.household, r.date)),
        }
    }
    let trust = q.trust_high_at(&ctx.source.name);
    for (household, reported) in first {
        let quarter = (chrono::Datelike::year(&reported), chrono::Datelike::month0(&reported) / 3);
        for k in 1..=q.quarters {
            let n = quarter.1 + k;
            let (y, qi) = (quarter.0 + i32::try_from(n / 4).unwrap_or(0), n % 4);
            let date = ymd(y, qi * 3 + 2, 15);
            if date > ctx.horizon {
                break;
            }
            for (item, p) in [("trust", trust), ("involvement", q.involvement_high)] {
                let score = if rng.random_bool(p) { rng.random_range(4..=5) } else { rng.random_range(1..=3) };
                world.answers.push(Answer { household, date, item, score });
            }
        }
    }
}

/// A family unit about to be founded.
struct Unit {
    founded: NaiveDate,
    first_birth: NaiveDate,
    /// At least one biological parent had care as a minor.
    exposed: bool,
}

/// A child generated in a unit, with what the next generation needs.
struct Child {
    person: Person,
    /// Had a spell start before 18 (G1 in docs/definitions.md §4.13.1).
    g1: bool,
}

/// A first-generation child founds a family with a new partner.
fn second_generation(ctx: &Ctx<'_>, rng: &mut ChaCha8Rng, ids: &mut Ids, g1: &Child, world: &mut World) {
    let founded = plus(birthday(g1.person.birth, rng.random_range(22..34)), rng.random_range(0..365));
    if founded > ctx.horizon || g1.person.exit().is_some_and(|e| e <= founded) {
        return;
    }
    let partner_birth = plus(g1.person.birth, rng.random_range(-3 * 365..5 * 365)).max(ctx.history_from);
    let partner_sex = if g1.person.sex == Sex::F { Sex::M } else { Sex::F };
    let partner = new_person(ctx, rng, ids, partner_birth, Some(partner_sex));
    let home = [address(ctx, rng, partner.birth)];
    place(world, &partner, &home, partner.birth, None);
    let partner_g1 = care::child(ctx, rng, ids, &partner, false, &home, world);
    let partner_child = Child { g1: partner_g1, person: partner };
    world.persons.push(partner_child.person.clone());
    let unit = Unit {
        founded,
        first_birth: plus(founded, rng.random_range(200..4 * 365)),
        exposed: g1.g1 || partner_child.g1,
    };
    let (mother, father) = if g1.person.sex == Sex::F {
        (g1.person.clone(), partner_child.person.clone())
    } else {
        (partner_child.person.clone(), g1.person.clone())
    };
    found_unit(ctx, rng, ids, &unit, Some((mother, father)), world);
}

fn muni_u16(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

/// A new person born on `birth`; death and emigration drawn for the years until 23.
fn new_person(ctx: &Ctx<'_>, rng: &mut ChaCha8Rng, ids: &mut Ids, birth: NaiveDate, sex: Option<Sex>) -> Person {
    let fm = &ctx.model.families;
    let life = &ctx.model.life;
    let month_precision = rng.random_bool(fm.month_precision);
    let birth =
        if month_precision { ymd(chrono::Datelike::year(&birth), chrono::Datelike::month(&birth), 15) } else { birth };
    let sex = sex.unwrap_or_else(|| {
        let u: f64 = rng.random();
        if u < fm.sex_other {
            Sex::X
        } else if u < 2.0 * fm.sex_other {
            Sex::U
        } else if u < 2.0 * fm.sex_other + (1.0 - 2.0 * fm.sex_other) * 0.51 {
            Sex::M
        } else {
            Sex::F
        }
    });
    let mut draw = |p: f64| rng.random_bool(p).then(|| plus(birth, rng.random_range(1..23 * 365)));
    let death = draw(life.child_death);
    let emigration = draw(life.child_emigration);
    Person { id: ids.person(), birth, month_precision, sex, death, emigration }
}

/// Parents (given, or new founders), children, household, residence, care and safety reports.
fn found_unit(
    ctx: &Ctx<'_>,
    rng: &mut ChaCha8Rng,
    ids: &mut Ids,
    unit: &Unit,
    parents: Option<(Person, Person)>,
    world: &mut World,
) -> Vec<Child> {
    let household = ids.record('H');
    let (parents, founders) = match parents {
        Some((m, f)) => (vec![m, f], false),
        None => (founder_parents(ctx, rng, ids, unit.first_birth), true),
    };
    let muni = rng.random_range(0..ctx.source.municipalities.len());
    let moves = family_moves(ctx, rng, unit.founded, muni);
    for p in &parents {
        if founders {
            world.persons.push(p.clone());
            place(world, p, &moves, unit.founded.max(p.birth), None);
        }
        world.memberships.push(Membership { household, person: p.id, role: "parent", from: unit.founded, to: None });
    }
    let home = Home { household, parents: &parents, moves: &moves, exposed: unit.exposed };
    let n_children = pick(rng, &ctx.model.families.children) + 1;
    let mut birth = unit.first_birth;
    let mut out = Vec::new();
    for _ in 0..n_children {
        if birth > ctx.horizon {
            break;
        }
        out.push(add_child(ctx, rng, ids, &home, birth, world));
        birth = plus(birth, rng.random_range(300..5 * 365));
    }
    let kids: Vec<&Person> = out.iter().map(|c| &c.person).collect();
    care::safety_reports(ctx, rng, ids, household, &kids, world);
    out
}

/// The household a child is born or adopted into.
struct Home<'a> {
    household: Id,
    parents: &'a [Person],
    moves: &'a [Move],
    /// At least one biological parent had care as a minor.
    exposed: bool,
}

/// A child born on `birth` (or adopted): relations, membership until leaving home, residence,
/// then its care history.
fn add_child(
    ctx: &Ctx<'_>,
    rng: &mut ChaCha8Rng,
    ids: &mut Ids,
    home: &Home<'_>,
    birth: NaiveDate,
    world: &mut World,
) -> Child {
    let child = new_person(ctx, rng, ids, birth, None);
    let leaves = plus(birthday(child.birth, 18), rng.random_range(0..6 * 365));
    let (kind, from) = if rng.random_bool(ctx.model.families.adopted) {
        ("adoptive", plus(child.birth, rng.random_range(30..5 * 365)).min(ctx.horizon))
    } else {
        ("biological", child.birth)
    };
    for p in home.parents {
        world.relations.push(Relation { parent: p.id, child: child.id, kind, valid_from: from });
    }
    let to = (leaves <= ctx.horizon).then_some(plus(leaves, -1));
    world.memberships.push(Membership {
        household: home.household,
        person: child.id,
        role: "child",
        from,
        to: to.filter(|t| *t >= from),
    });
    place(world, &child, home.moves, child.birth, to);
    if let Some(t) = to {
        residence_rows(ctx, rng, &child, plus(t, 1), None, world);
    }
    let exposed = home.exposed && kind == "biological";
    let g1 = care::child(ctx, rng, ids, &child, exposed, home.moves, world);
    world.persons.push(child.clone());
    Child { person: child, g1 }
}

/// One or two founding parents of a family whose first child is born on `first_birth`.
fn founder_parents(ctx: &Ctx<'_>, rng: &mut ChaCha8Rng, ids: &mut Ids, first_birth: NaiveDate) -> Vec<Person> {
    let fm = &ctx.model.families;
    let mother_birth = plus(first_birth, -rng.random_range(21 * 365..39 * 365));
    let father_birth = plus(mother_birth, -rng.random_range(-2 * 365..6 * 365));
    let adult = |id, birth, sex| Person { id, birth, month_precision: false, sex, death: None, emigration: None };
    if rng.random_bool(fm.two_parent) {
        vec![adult(ids.person(), mother_birth, Sex::F), adult(ids.person(), father_birth, Sex::M)]
    } else if rng.random_bool(fm.unknown_father) {
        vec![adult(ids.person(), mother_birth, Sex::F)]
    } else {
        vec![adult(ids.person(), father_birth, Sex::M)]
    }
}

/// The family's addresses: (from, municipality index, district) in date order.
fn family_moves(ctx: &Ctx<'_>, rng: &mut ChaCha8Rng, founded: NaiveDate, muni: usize) -> Vec<Move> {
    let life = &ctx.model.life;
    let n_muni = ctx.source.municipalities.len();
    let mut out = vec![(founded, muni, rng.random_range(0..life.districts_per_municipality))];
    let mut d = founded;
    loop {
        // Exponential waiting time in days with the yearly move rate.
        let u: f64 = rng.random::<f64>().max(1e-12);
        let wait = (-u.ln() / life.moves_per_year.max(1e-9) * 365.0) as i64;
        d = plus(d, wait.max(1));
        if d > ctx.horizon {
            return out;
        }
        let (_, last_m, _) = out[out.len() - 1];
        let m = if rng.random_bool(life.move_municipality) { rng.random_range(0..n_muni) } else { last_m };
        out.push((d, m, rng.random_range(0..life.districts_per_municipality)));
    }
}

/// Residence rows for `p` following the family's moves from `from` until `to` (or exit).
fn place(world: &mut World, p: &Person, moves: &[Move], from: NaiveDate, to: Option<NaiveDate>) {
    let end = match (to, p.exit()) {
        (Some(t), Some(e)) => Some(t.min(e)),
        (t, e) => t.or(e),
    };
    for (i, (start, m, district)) in moves.iter().enumerate() {
        let next = moves.get(i + 1).map(|n| plus(n.0, -1));
        let row_from = (*start).max(from);
        let row_to = match (next, end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if row_to.is_some_and(|t| t < row_from) {
            continue;
        }
        if end.is_some_and(|e| *start > e) {
            break;
        }
        world.residence.push(Residence {
            person: p.id,
            municipality: muni_u16(*m),
            district: *district,
            from: row_from,
            to: row_to,
        });
    }
}

/// A random address from `from` in one of the source's municipalities.
fn address(ctx: &Ctx<'_>, rng: &mut ChaCha8Rng, from: NaiveDate) -> Move {
    let m = rng.random_range(0..ctx.source.municipalities.len());
    (from, m, rng.random_range(0..ctx.model.life.districts_per_municipality))
}

/// A single open-ended address from `from` (until `to` or exit) in a random municipality.
fn residence_rows(
    ctx: &Ctx<'_>,
    rng: &mut ChaCha8Rng,
    p: &Person,
    from: NaiveDate,
    to: Option<NaiveDate>,
    world: &mut World,
) {
    if p.exit().is_some_and(|e| e < from) {
        return;
    }
    let moves = [address(ctx, rng, from)];
    place(world, p, &moves, from, to);
}
