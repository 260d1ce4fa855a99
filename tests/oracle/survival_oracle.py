#!/usr/bin/env python3
"""Oracle for kohort's survival module (src/outcomes/survival.rs).

Generates deterministic datasets, fits them with lifelines, and writes
tests/oracle/survival_cases.json, which tests/survival.rs checks to 1e-6.
Re-run with:  pip install -r tests/oracle/requirements.txt
              python3 tests/oracle/survival_oracle.py           # rewrite the JSON
              python3 tests/oracle/survival_oracle.py --check   # CI: fail if it is stale

Conventions (kohort follows R survival::survfit(conf.type = "log-log")):
* Kaplan-Meier: lifelines KaplanMeierFitter; its default interval is the
  "exponential Greenwood" one, exp(-exp(log(-log S) +- z*sqrt(G)/|log S|)),
  which is R's log-log interval (checked below against a direct formula).
  Where S is 1 or 0, R reports NA bounds; lifelines fills 1/1 and 0/0. The
  JSON writes null there (after asserting lifelines' fill values).
  std_err = S*sqrt(G) (R summary.survfit std.err); null once S = 0.
* Median: R print.survfit (survmean's minmin: first time the curve / band
  reaches 0.5; midpoint of an exact 0.5 stretch followed by a drop;
  undefined band points ignored). Where this
  equals lifelines' median_survival_time_ / median_survival_times the script
  asserts so; where it differs (exact 0.5 flats, band reaching 0.5 only where
  S = 0) the reason is recorded in the case.
* Aalen-Johansen: lifelines AalenJohansenFitter on data without ties between
  events of different causes (lifelines jitters those). Its variance is the
  delta-method (Greenwood-type) formula of Collett (3rd ed., p. 411) / SAS
  PROC LIFETEST. lifelines labels the interval columns the wrong way round
  (its "upper" column holds the smaller bound); the JSON uses lower <= upper.
  Every AJ case also carries `reference`: the CIF from a multi-state
  Aalen-Johansen matrix product (independent of the CIF sum formula), and
  the variance/CI from a direct O(n^2) evaluation of Collett's formula. For
  data with cross-cause ties the lifelines fields are null and only the
  reference is checked.
"""
import json
import math
import random
import sys
import warnings
from pathlib import Path

import lifelines
import numpy as np
import pandas as pd
import scipy
from lifelines import AalenJohansenFitter, KaplanMeierFitter
from scipy.stats import norm

OUT = Path(__file__).resolve().parent / "survival_cases.json"
Z = norm.ppf(0.975)
TOL = math.sqrt(np.finfo(float).eps)  # R's tolerance for "exactly 0.5" in the median


# ---------------------------------------------------------------- datasets
def exp_draw(rng, rate):
    return -math.log(1.0 - rng.random()) / rate


def km_data_ties(seed=11, n=120):
    """Integer days, many ties, some event/censoring ties."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        t_event = math.ceil(exp_draw(rng, 1 / 25))
        t_cens = math.ceil(exp_draw(rng, 1 / 60))
        rows.append((float(min(t_event, t_cens)), t_event <= t_cens))
    return rows


def km_data_heavy_censoring(seed=12, n=200):
    """More than 60% censored."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        t_event = round(exp_draw(rng, 1 / 400), 1)
        t_cens = round(exp_draw(rng, 1 / 120), 1)
        rows.append((min(t_event, t_cens), t_event <= t_cens))
    return rows


def km_data_censored_after(seed=13, n=80, cutoff=100.0):
    """Events only before `cutoff`; everyone still at risk then is censored later."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        t = float(math.ceil(exp_draw(rng, 1 / 150)))
        if t < cutoff:
            rows.append((t, rng.random() < 0.8))
        else:
            rows.append((cutoff + float(math.ceil(rng.random() * 200)), False))
    return rows


def km_data_ends_in_events(seed=14, n=40):
    """The last time has several events and nobody censored: S drops to 0 with n = d."""
    rng = random.Random(seed)
    rows = [(float(1 + int(rng.random() * 30)), rng.random() < 0.7) for _ in range(n - 3)]
    return rows + [(31.0, True)] * 3


def km_data_large(seed=15, n=400):
    """Continuous times, no ties, moderate censoring."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        t_event = exp_draw(rng, 1 / 300)
        t_cens = exp_draw(rng, 1 / 500)
        rows.append((min(t_event, t_cens), t_event <= t_cens))
    return rows


def km_data_reentry_like(seed=16, n=500, window=730):
    """Days to re-entry, administratively censored at a 730-day window or earlier fu end."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        t_event = math.ceil(exp_draw(rng, 1 / 900)) if rng.random() < 0.7 else 10**9
        t_cens = min(window, math.ceil(exp_draw(rng, 1 / 1500)))
        rows.append((float(min(t_event, t_cens)), t_event <= t_cens))
    return rows


def km_data_flat_half():
    """The curve sits at exactly 0.5 over an interval: R's median is the midpoint."""
    events = [(1.0, True), (2.0, True), (3.0, True), (4.0, True)]  # S(4) = 4/8
    return events + [(5.0, False), (6.0, True), (7.0, False), (8.0, True)]


FREIREICH_6MP = [  # Freireich et al. (1963), 6-MP arm; weeks of remission, + = censored
    (6, 1), (6, 1), (6, 1), (6, 0), (7, 1), (9, 0), (10, 1), (10, 0), (11, 0), (13, 1),
    (16, 1), (17, 0), (19, 0), (20, 0), (22, 1), (23, 1), (25, 0), (32, 0), (32, 0),
    (34, 0), (35, 0),
]
AML_MAINTAINED = [  # R survival::aml, x == "Maintained" (Miller 1981)
    (9, 1), (13, 1), (13, 0), (18, 1), (23, 1), (28, 0), (31, 1), (34, 1), (45, 0), (48, 1),
    (161, 0),
]


def aj_data(seed, n, ties, censor_rate=1 / 200, rates=(1 / 300, 1 / 500, 1 / 900)):
    """Competing causes 1..len(rates); integer days when `ties`, else continuous."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        draws = [exp_draw(rng, r) for r in rates]
        t_cens = exp_draw(rng, censor_rate)
        t_event = min(draws)
        cause = draws.index(t_event) + 1
        t, c = (t_event, cause) if t_event <= t_cens else (t_cens, 0)
        rows.append((float(math.ceil(t)) if ties else t, c))
    return rows


def aj_data_same_cause_ties(seed=23, n=150):
    """Integer days; ties only within a cause or between an event and a censoring."""
    rows, used = [], {}
    for t, c in aj_data(seed, n, ties=True):
        if c and used.setdefault(t, c) != c:
            t += 0.5  # move a cross-cause tie off the integer grid
            while used.setdefault(t, c) != c:
                t += 0.01
        rows.append((t, c))
    return rows


AJ_TINY = [(1.0, 1), (2.0, 2), (3.0, 0), (4.0, 1), (5.0, 2), (6.0, 1), (7.0, 0), (8.0, 1)]


# ---------------------------------------------------------------- helpers
def num(x):
    """JSON number, or null for NaN/inf."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def observed_times(times):
    return sorted(set(float(t) for t in times))


def minmin(x, curve):
    """R survival:::survmean's minmin (the median print.survfit reports); None = NA."""
    kept = [(xi, s) for xi, s in zip(x, curve) if s is not None and s < 0.5 + TOL]
    if not kept:
        return None
    x1, s1 = kept[0]
    if abs(s1 - 0.5) < TOL:
        lower = [xi for xi, s in kept if s < s1]
        if lower:
            return (x1 + lower[0]) / 2
    return x1


def first_at_or_below(x, curve, p=0.5):
    return next((xi for xi, s in zip(x, curve) if s is not None and s <= p), None)


# ---------------------------------------------------------------- Kaplan-Meier
def km_case(name, data, source, literature=None):
    times = [float(t) for t, _ in data]
    events = [bool(e) for _, e in data]
    kmf = KaplanMeierFitter().fit(times, events)
    keep = observed_times(times)
    table = kmf.event_table.loc[keep]
    surv = kmf.survival_function_.iloc[:, 0].loc[keep]
    ci = kmf.confidence_interval_.loc[keep]
    cumsq = kmf._cumulative_sq_.loc[keep]
    rows = []
    for t in keep:
        s, g = float(surv[t]), float(cumsq[t])
        lo, up = float(ci.loc[t].iloc[0]), float(ci.loc[t].iloc[1])
        if s in (0.0, 1.0):
            assert (lo, up) == (s, s), (name, t, lo, up)
            lo = up = None
        else:
            check_log_log(s, g, lo, up)
        rows.append({
            "time": t,
            "n_at_risk": int(table.at[t, "at_risk"]),
            "n_events": int(table.at[t, "observed"]),
            "n_censored": int(table.at[t, "censored"]),
            "estimate": s,
            "std_err": s * math.sqrt(g) if s > 0 else None,
            "lower": lo,
            "upper": up,
        })
    case = {"name": name, "source": source, "times": times, "events": events, "rows": rows}
    case["median"], case["median_note"] = km_median(kmf, rows)
    probes = [0.0, keep[0] / 2, keep[len(keep) // 2], keep[-1], keep[-1] + 1.0]
    at = kmf.survival_function_at_times(probes)
    case["at"] = [{"t": t, "estimate": float(v)} for t, v in zip(probes, at.values)]
    if literature:
        case["literature"] = literature
    return case


def check_log_log(s, g, lo, up):
    """lifelines' exponential Greenwood interval is R's log-log interval."""
    w = Z * math.sqrt(g) / abs(math.log(s))
    c = math.log(-math.log(s))
    assert abs(lo - math.exp(-math.exp(c + w))) < 1e-12
    assert abs(up - math.exp(-math.exp(c - w))) < 1e-12


def km_median(kmf, rows):
    x = [r["time"] for r in rows]
    curves = {
        "estimate": [r["estimate"] for r in rows],
        "lower": [r["lower"] for r in rows],
        "upper": [r["upper"] for r in rows],
    }
    r_style = {k: minmin(x, c) for k, c in curves.items()}
    lifelines_ci = lifelines.utils.median_survival_times(kmf.confidence_interval_)
    ll = {
        "estimate": num(kmf.median_survival_time_),
        "lower": num(lifelines_ci.iloc[0, 0]),
        "upper": num(lifelines_ci.iloc[0, 1]),
    }
    notes = []
    for k in r_style:
        naive = first_at_or_below(x, curves[k])  # lifelines' rule on R's curves
        if r_style[k] != ll[k]:
            first_zero = next((r["time"] for r in rows if r["estimate"] == 0.0), None)
            if naive != r_style[k]:
                assert ll[k] == naive, (k, naive, ll[k])
                reason = "exact 0.5 flat, R takes the midpoint"
            else:
                assert ll[k] == first_zero and k != "estimate", (k, ll[k], first_zero)
                reason = "lifelines' band is 0 where S = 0; R's is NA"
            notes.append(f"{k}: R rule {r_style[k]}, lifelines {ll[k]} ({reason})")
    return r_style, "; ".join(notes) or "equals lifelines"


# ---------------------------------------------------------------- Aalen-Johansen
def tally_causes(data):
    n_causes = max(1, max(c for _, c in data))
    by_time = {}
    for t, c in data:
        counts = by_time.setdefault(float(t), [0] * (n_causes + 1))
        counts[c] += 1
    return n_causes, dict(sorted(by_time.items()))


def aj_reference(data):
    """CIF by a multi-state AJ matrix product; variance by Collett's formula summed directly."""
    n_causes, by_time = tally_causes(data)
    k = n_causes + 1  # state 0 = event-free, state j = failed from cause j
    p = np.zeros(k)
    p[0] = 1.0
    at_risk = len(data)
    out, hist = [], []  # hist: (n, d, d1, S_before, F_i)
    for t, counts in by_time.items():
        d = sum(counts[1:])
        step = np.eye(k)
        for j in range(1, k):
            step[0, j] = counts[j] / at_risk
        step[0, 0] = 1.0 - d / at_risk
        s_before = p[0]
        p = p @ step
        hist.append((at_risk, d, counts[1], s_before, p[1]))
        out.append((t, at_risk, counts, p[1], collett_variance(hist, p[1])))
        at_risk -= sum(counts)
    return n_causes, out


def collett_variance(hist, f):
    v = 0.0
    for n, d, d1, s_prev, f_i in hist:
        if n > d:  # n = d: the factor (f - f_i) is exactly 0 there
            v += (f - f_i) ** 2 * d / (n * (n - d))
        v += s_prev**2 * d1 * (n - d1) / n**3
        v -= 2 * (f - f_i) * s_prev * d1 / n**2
    return v


def log_log_cif(f, v):
    if not (0 < f < 1) or v < 0:
        return None, None
    se = math.sqrt(v) / (f * abs(math.log(f)))
    c = math.log(-math.log(f))
    return math.exp(-math.exp(c + Z * se)), math.exp(-math.exp(c - Z * se))


def aj_lifelines(data):
    """lifelines fit, or None when it would jitter (cross-cause ties)."""
    times = [t for t, _ in data]
    causes = [c for _, c in data]
    if AalenJohansenFitter._check_for_duplicates(pd.Series(times), pd.Series(causes)):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ajf = AalenJohansenFitter(calculate_variance=True).fit(times, causes, event_of_interest=1)
    return ajf


def aj_case(name, data, source):
    n_causes, ref = aj_reference(data)
    ajf = aj_lifelines(data)
    rows = []
    for t, n, counts, f_ref, v_ref in ref:
        row = {
            "time": t,
            "n_at_risk": n,
            "n_events": counts[1:],
            "n_censored": counts[0],
            "cif": None, "variance": None, "lower": None, "upper": None,
            "reference": dict(zip(("cif", "variance"), (f_ref, v_ref)))
            | dict(zip(("lower", "upper"), log_log_cif(f_ref, v_ref))),
        }
        if ajf is not None:
            fill_from_lifelines(row, ajf, t, n, counts)
        rows.append(row)
    checked = "lifelines + reference" if ajf is not None else "reference only (cross-cause ties)"
    return {"name": name, "source": source, "checked_against": checked,
            "times": [t for t, _ in data], "causes": [c for _, c in data], "rows": rows}


def fill_from_lifelines(row, ajf, t, n, counts):
    et = ajf.event_table.loc[t]
    assert (int(et["at_risk"]), int(et["observed"]), int(et["censored"])) == (
        n, sum(counts[1:]), counts[0])
    f = float(ajf.cumulative_density_.loc[t].iloc[0])
    v = float(ajf.variance_.loc[t])
    ci = ajf.confidence_interval_.loc[t]
    bounds = sorted(float(b) for b in ci.values)  # lifelines' column labels are swapped
    row["cif"] = f
    row["variance"] = num(v)
    if math.isfinite(v) and 0 < f < 1:
        row["lower"], row["upper"] = bounds
    ref = row["reference"]
    assert abs(ref["cif"] - f) < 1e-12, (t, ref["cif"], f)
    if row["variance"] is not None:
        assert abs(ref["variance"] - v) < 1e-12, (t, ref["variance"], v)
    else:
        assert n == sum(counts[1:]), "lifelines NaN variance only where n = d"


# ---------------------------------------------------------------- literature
FREIREICH_LITERATURE = {
    "citation": (
        "Freireich et al. (1963) 6-MP arm. Product-limit estimates as printed in Kleinbaum & "
        "Klein, Survival Analysis: A Self-Learning Text (3rd ed., 2012), ch. 2; Greenwood "
        "standard errors as printed in Klein & Moeschberger, Survival Analysis (2nd ed., 2003), "
        "Table 4.1A. Typed in by hand; printed to the digits given in `tolerance`."
    ),
    "tolerance": {"estimate": 5e-5, "std_err": 5e-4},
    "rows": [
        {"time": 6, "estimate": 0.8571, "std_err": 0.076},
        {"time": 7, "estimate": 0.8067, "std_err": 0.087},
        {"time": 10, "estimate": 0.7529, "std_err": 0.096},
        {"time": 13, "estimate": 0.6902, "std_err": 0.107},
        {"time": 16, "estimate": 0.6275, "std_err": 0.114},
        {"time": 22, "estimate": 0.5378, "std_err": 0.128},
        {"time": 23, "estimate": 0.4482, "std_err": 0.135},
    ],
    "median": 23,
}
AML_LITERATURE = {
    "citation": (
        "R survival, summary(survfit(Surv(time, status) ~ x, data = aml)), stratum "
        "x = Maintained (data from Miller, Survival Analysis, 1981). Typed in by hand; "
        "std.err is S*sqrt(Greenwood); the printed 95% CI is R's default conf.type = \"log\", "
        "so the test rebuilds it as S*exp(-+z*std_err/S), upper capped at 1."
    ),
    "tolerance": {"estimate": 5e-4, "std_err": 5e-5, "log_ci": 5e-4},  # upper CI printed to 3 dp
    "rows": [
        {"time": 9, "estimate": 0.909, "std_err": 0.0867, "log_lower": 0.7541, "log_upper": 1.000},
        {"time": 13, "estimate": 0.818, "std_err": 0.1163, "log_lower": 0.6192, "log_upper": 1.000},
        {"time": 18, "estimate": 0.716, "std_err": 0.1397, "log_lower": 0.4884, "log_upper": 1.000},
        {"time": 23, "estimate": 0.614, "std_err": 0.1526, "log_lower": 0.3769, "log_upper": 0.999},
        {"time": 31, "estimate": 0.491, "std_err": 0.1642, "log_lower": 0.2549, "log_upper": 0.946},
        {"time": 34, "estimate": 0.368, "std_err": 0.1627, "log_lower": 0.1549, "log_upper": 0.875},
        {"time": 48, "estimate": 0.184, "std_err": 0.1535, "log_lower": 0.0359, "log_upper": 0.944},
    ],
    "median": 31,
}


def main():
    tiny = [(1, 1), (2, 1), (2, 0), (3, 1), (4, 0), (5, 1), (5, 1), (6, 1)]
    km = [
        km_case("tiny_hand", tiny, "hand-checkable; also the unit test in src/outcomes/survival/kaplan_meier.rs"),
        km_case("ties_integer_days", km_data_ties(), "120 rows, integer days, many ties"),
        km_case("heavy_censoring", km_data_heavy_censoring(), "200 rows, > 60% censored"),
        km_case("all_censored_after_100", km_data_censored_after(), "no events after t = 100"),
        km_case("ends_in_tied_events", km_data_ends_in_events(), "S reaches 0 with n = d = 3"),
        km_case("large_continuous", km_data_large(), "400 rows, continuous, tie-free"),
        km_case("reentry_like_730", km_data_reentry_like(), "500 rows, censored at 730 days"),
        km_case("flat_at_half", km_data_flat_half(), "S = 0.5 exactly over [4, 6)"),
        km_case("ends_at_half", [(1, 1), (2, 1), (3, 0), (4, 0)], "S = 0.5 exactly to the end"),
        km_case("all_censored", [(t, 0) for t in (3, 5, 5, 9)], "no events: S = 1 throughout"),
        km_case("freireich_6mp", FREIREICH_6MP, "classic: Freireich 1963 6-MP arm",
                FREIREICH_LITERATURE),
        km_case("aml_maintained", AML_MAINTAINED, "classic: R survival aml, Maintained",
                AML_LITERATURE),
    ]
    check_literature(km)
    aj = [
        aj_case("tiny_hand", AJ_TINY, "hand-checkable; last time has n = d = 1"),
        aj_case("continuous_300", aj_data(31, 300, ties=False), "300 rows, 3 competing causes"),
        aj_case("same_cause_ties_150", aj_data_same_cause_ties(), "ties within a cause and with censorings"),
        aj_case("heavy_censoring_200", aj_data(33, 200, False, censor_rate=1 / 60), "> 60% censored"),
        aj_case("cross_cause_ties_250", aj_data(34, 250, ties=True), "integer days, ties across causes"),
        aj_case("cross_cause_ties_small", [(1, 1), (1, 2), (1, 0), (2, 1), (2, 1), (2, 2), (3, 0), (4, 2), (5, 1)],
                "ties across causes and with a censoring at the same time"),
    ]
    summary = {
        "generator": "tests/oracle/survival_oracle.py",
        "versions": {"python": sys.version.split()[0], "lifelines": lifelines.__version__,
                     "numpy": np.__version__, "pandas": pd.__version__,
                     "scipy": scipy.__version__},
        "z": Z,
        "kaplan_meier": km,
        "aalen_johansen": aj,
    }
    for case in km:
        cens = sum(not e for e in case["events"]) / len(case["events"])
        print(f"KM {case['name']:<24} n={len(case['times']):<4} censored={cens:.0%} median={case['median']} [{case['median_note']}]")
    for case in aj:
        print(f"AJ {case['name']:<24} n={len(case['times']):<4} {case['checked_against']}")
    text = dump(summary) + "\n"
    json.loads(text)  # well-formed
    if "--check" in sys.argv:
        # Numbers may differ in the last bits across CPUs (vectorised numpy paths): compare with
        # a tolerance far below the 1e-6 the Rust tests use, everything else exactly.
        problem = differs(json.loads(OUT.read_text()), json.loads(text), "$")
        if problem:
            sys.exit(f"{OUT} is stale ({problem}): re-run {summary['generator']} and commit the result")
        print(f"{OUT} is up to date")
    else:
        OUT.write_text(text)
        print(f"wrote {OUT}")


def differs(old, new, path):
    """Where two JSON values differ beyond 1e-9 (relative, or absolute near zero), or None."""
    if isinstance(old, bool) or isinstance(new, bool) or not (
        isinstance(old, (int, float)) and isinstance(new, (int, float))
    ):
        if isinstance(old, dict) and isinstance(new, dict):
            if old.keys() != new.keys():
                return f"{path}: keys differ"
            return next((d for k in old if (d := differs(old[k], new[k], f"{path}.{k}"))), None)
        if isinstance(old, list) and isinstance(new, list):
            if len(old) != len(new):
                return f"{path}: lengths differ"
            return next((d for i, (a, b) in enumerate(zip(old, new)) if (d := differs(a, b, f"{path}[{i}]"))), None)
        return None if old == new else f"{path}: {old!r} != {new!r}"
    return None if math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-12) else f"{path}: {old} != {new}"


def dump(value, indent=0):
    """JSON with one row (or short object/array) per line, so diffs stay readable."""
    compact = json.dumps(value, separators=(",", ":"))
    if not isinstance(value, (dict, list)) or len(compact) <= 400 or (
        isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)
    ):
        return compact
    pad = " " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {dump(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + dump(v, indent + 1) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def check_literature(km):
    for case in km:
        lit = case.get("literature")
        if not lit:
            continue
        by_time = {r["time"]: r for r in case["rows"]}
        for ref in lit["rows"]:
            got = by_time[float(ref["time"])]
            assert abs(got["estimate"] - ref["estimate"]) <= lit["tolerance"]["estimate"], (ref, got)
            assert abs(got["std_err"] - ref["std_err"]) <= lit["tolerance"]["std_err"], (ref, got)
        assert case["median"]["estimate"] == lit["median"]


if __name__ == "__main__":
    main()
