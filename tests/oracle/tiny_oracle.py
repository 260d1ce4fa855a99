#!/usr/bin/env python3
"""Brute-force oracle for the `tiny` scenario: recomputes the docs/definitions.md §4 outcomes from a
delivery folder (CSV) independently of kohort, to double-check scenarios/tiny.expected.toml.

Usage: tests/oracle/tiny_oracle.py OUT/tiny/2026H1
Prints a JSON document; the hand-worked file must agree with it.
"""
import csv
import json
import math
import sys
import tomllib
from datetime import date, timedelta

LEVEL = {"local_team": 1, "ambulant": 2, "network": 2, "day_treatment": 3, "foster_care": 4,
         "family_home": 4, "residential": 5, "secure": 6}
CODE = {"31": "local_team", "32": "ambulant", "34": "network", "33": "day_treatment",
        "35": "foster_care", "36": "family_home", "38": "residential", "37": "secure"}
PROTECTION = {"ots", "provisional_ots", "guardianship", "provisional_guardianship"}


def d(s):
    return date.fromisoformat(s) if s else None


def birth(s):
    return date.fromisoformat(s + "-15") if len(s) == 7 else date.fromisoformat(s)


def birthday(b, age):
    try:
        return b.replace(year=b.year + age)
    except ValueError:  # 29 February
        return date(b.year + age, 3, 1)


def read(folder, table):
    with open(f"{folder}/{table}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main(folder):
    meta = tomllib.load(open(f"{folder}/delivery.toml", "rb"))
    extracted = meta["extracted_on"]
    persons = {p["person_id"]: p for p in read(folder, "persons")}
    label = {pid: i for i, pid in enumerate(persons)}

    def fu(pid, age_limit=18):
        p = persons[pid]
        ends = [extracted, birthday(birth(p["birth_date"]), age_limit)]
        ends += [x for x in (d(p["death_date"]), d(p["emigration_date"])) if x]
        return min(ends)

    eps = {}
    for e in read(folder, "care_episodes"):
        form = CODE.get(e["care_form"], e["care_form"])
        eps.setdefault(e["person_id"], []).append((d(e["start_date"]), d(e["end_date"]), LEVEL[form]))
    measures = read(folder, "measures")

    def spells(pid, gap=31):
        out = []
        for s, e, lv in sorted(eps.get(pid, []), key=lambda x: x[0]):
            if out:
                cur = out[-1]
                latest = cur["end"]
                if latest is None or (s - latest).days <= gap:
                    cur["end"] = None if (latest is None or e is None) else max(latest, e)
                    continue
            out.append({"start": s, "end": e})
        return out

    all_spells = {pid: spells(pid) for pid in persons}
    n_spells = sum(len(v) for v in all_spells.values())

    def level_on(pid, day):
        return max([lv for s, e, lv in eps.get(pid, []) if s <= day and (e is None or day <= e)], default=0)

    # Re-entry
    reentry = {}
    for w in (182, 365, 730):
        ev = cen = dropped = at_risk = 0
        rows = []
        for pid, sp in all_spells.items():
            f = fu(pid)
            for i, s in enumerate(sp):
                if s["end"] is None:
                    continue
                idx = s["end"]
                if idx >= f:
                    dropped += 1
                    continue
                nxt = sp[i + 1]["start"] if i + 1 < len(sp) else None
                t = (nxt - idx).days if nxt and nxt <= f else None
                if t is not None and 0 < t <= w:
                    ev += 1
                    rows.append((label[pid], str(idx), "event", t))
                elif f < idx + timedelta(days=w):
                    cen += 1
                    rows.append((label[pid], str(idx), "censored", None))
                else:
                    at_risk += 1
                    rows.append((label[pid], str(idx), "no", t))
        reentry[w] = {"events": ev, "censored": cen, "no_event": at_risk, "dropped": dropped,
                      "share": ev / (ev + at_risk), "rows": rows}

    # Escalation within 365
    esc_rows = []
    for pid, sp in all_spells.items():
        f = fu(pid)
        starts = [d(m["start_date"]) for m in measures if m["person_id"] == pid and m["kind"] in PROTECTION]
        for s in sp:
            idx = s["start"]
            if idx >= f:
                esc_rows.append((label[pid], str(idx), "dropped", None, None))
                continue
            lv0 = level_on(pid, idx)
            hit = None
            for t in range(1, 366):
                day = idx + timedelta(days=t)
                if day > f:
                    break
                if level_on(pid, day) > lv0 or day in starts:
                    hit = t
                    break
            if hit:
                esc_rows.append((label[pid], str(idx), "event", lv0, hit))
            elif f < idx + timedelta(days=365):
                esc_rows.append((label[pid], str(idx), "censored", lv0, None))
            else:
                esc_rows.append((label[pid], str(idx), "no", lv0, None))

    # Re-reports (child view)
    reports = read(folder, "safety_reports")
    rr = {}
    for same in (30, 14):
        for w in (365, 730):
            ev = cen = no = 0
            for r in reports:
                idx = d(r["report_date"])
                f = fu(r["person_id"])
                later = [(d(x["report_date"]) - idx).days for x in reports
                         if x["person_id"] == r["person_id"] and d(x["report_date"]) <= f]
                if any(same < t <= w for t in later):
                    ev += 1
                elif f < idx + timedelta(days=w):
                    cen += 1
                else:
                    no += 1
            rr[f"same{same}_w{w}"] = {"events": ev, "censored": cen, "no_event": no}
            # Family view: a later report for any child of the same household (household_id).
            ev = cen = no = 0
            for r in reports:
                idx = d(r["report_date"])
                f = fu(r["person_id"])
                later = [(d(x["report_date"]) - idx).days for x in reports
                         if r["household_id"] and x["household_id"] == r["household_id"]
                         and d(x["report_date"]) <= f]
                if any(same < t <= w for t in later):
                    ev += 1
                elif f < idx + timedelta(days=w):
                    cen += 1
                else:
                    no += 1
            rr[f"family_same{same}_w{w}"] = {"events": ev, "censored": cen, "no_event": no}

    # G1 / G2
    def g1(pid):
        b18 = birthday(birth(persons[pid]["birth_date"]), 18)
        starts = [s["start"] for s in all_spells[pid]] + [d(m["start_date"]) for m in measures if m["person_id"] == pid]
        return any(s < b18 for s in starts)

    g1s = sorted(label[p] for p in persons if g1(p))
    rel = read(folder, "relations")
    children = {}
    for r in rel:
        if r["kind"] == "biological":
            children.setdefault(r["child_id"], []).append(r["parent_id"])
    g2 = []
    for c, parents in children.items():
        b = birth(persons[c]["birth_date"])
        f = fu(c)
        outcome = [s["start"] for s in all_spells[c] if s["start"] < birthday(b, 18) and s["start"] <= f]
        followed = f >= birthday(b, 18)
        g2.append({"child": label[c], "exposed": any(g1(p) for p in parents), "outcome": bool(outcome),
                   "followed_to_18": followed})
    inc = [x for x in g2 if x["outcome"] or x["followed_to_18"]]
    a = sum(1 for x in inc if x["exposed"] and x["outcome"])
    n1 = sum(1 for x in inc if x["exposed"])
    c = sum(1 for x in inc if not x["exposed"] and x["outcome"])
    n0 = sum(1 for x in inc if not x["exposed"])
    rr_ratio = (a / n1) / (c / n0)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
    closed = [m for m in measures if m["kind"] in PROTECTION and m["end_date"]]
    probation = recidivism(folder, persons, measures, extracted)
    print(json.dumps({
        "persons": len(persons), "spells": n_spells,
        "reentry": reentry, "escalation": esc_rows, "rereport": rr,
        "g1": g1s, "g2": g2, "a": a, "n1": n1, "c": c, "n0": n0, "risk_ratio": rr_ratio,
        "ci": [rr_ratio * math.exp(-1.96 * se), rr_ratio * math.exp(1.96 * se)],
        "goal_reached": [sum(m["end_reason"] == "goal_reached" for m in closed), len(closed)],
        "probation": probation,
    }, indent=1, default=str))


def recidivism(folder, persons, measures, extracted):
    """Youth probation (docs/definitions.md §4.17), offence-date reading, windows 365/730/1826:
    per index (probation end, first offence, first Halt) the first new offence of any and of
    serious severity and the window words; brute force over every offence."""
    try:
        offences = read(folder, "offences")
    except FileNotFoundError:
        return []
    out = []
    for pid in persons:
        p = persons[pid]
        fu = min([extracted] + [x for x in (d(p["death_date"]), d(p["emigration_date"])) if x])
        own = sorted((d(o["offence_date"]), o["offence_id"], o) for o in offences if o["person_id"] == pid)
        idx = [("probation_end", d(m["end_date"])) for m in sorted(measures, key=lambda m: (m["start_date"], m["measure_id"]))
               if m["person_id"] == pid and m["kind"] == "youth_probation" and m["end_date"]]
        if own:
            idx.append(("first_offence", own[0][0]))
        halts = [o for o in own if o[2]["settlement"] == "halt"]
        if halts:
            idx.append(("halt", halts[0][0]))
        for kind, day in idx:
            row = {"person": pid, "kind": kind, "date": day, "fu": fu}
            for variant in ("any", "serious"):
                new = [o for o in own if o[0] > day and o[0] <= fu and (variant == "any" or o[2]["severity"] == "serious")]
                t = (new[0][0] - day).days if new else None
                words = []
                for w in (365, 730, 1826):
                    if day >= fu:
                        words.append("dropped")
                    elif t is not None and t <= w:
                        words.append("event")
                    elif (fu - day).days < w:
                        words.append("censored")
                    else:
                        words.append("no")
                row[variant] = {"t": t, "time": None if day >= fu else (t if t is not None else (fu - day).days),
                                "windows": words}
            out.append(row)
    return out


if __name__ == "__main__":
    main(sys.argv[1])
