#!/usr/bin/env python3
"""Derive a small follow-up delivery from a synthetic delivery (`kohort synth`), for timing an
incremental `kohort run`: the persons whose numeric id is divisible by N (1/N of them; N = 50
touches 2%) are delivered again by a new source as new persons (ids shifted by OFFSET, their
episode, measure, report and measurement ids prefixed), with their persons, residence, care
episodes, measures, safety reports and measurements rows; no relations, households or
population (delivery.toml lists the tables it delivers). Same extracted_on as the input, so
the data end does not move.

usage: derive_delivery.py IN_DELIVERY OUT_DELIVERY [--every 50] [--source NAME] [--offset 800000000]
"""
import argparse
import os
import sys

# Column of person_id, and the id columns to rename (index -> prefix), per table.
TABLES = {
    "persons.csv": (0, {}),
    "residence.csv": (0, {}),
    "care_episodes.csv": (1, {0: "C"}),
    "measures.csv": (1, {0: "C"}),
    "safety_reports.csv": (1, {0: "C"}),
    "measurements.csv": (1, {0: "C", 2: "C"}),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--source", default="followup")
    ap.add_argument("--offset", type=int, default=800_000_000)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    extracted = None
    with open(os.path.join(a.src, "delivery.toml")) as f:
        for line in f:
            if line.startswith("extracted_on"):
                extracted = line.split("=", 1)[1].strip()
    with open(os.path.join(a.out, "delivery.toml"), "w") as f:
        tables = ", ".join(f'"{name.removesuffix(".csv")}"' for name in TABLES)
        f.write(f'source = "{a.source}"\ndelivery_id = "derived-every-{a.every}"\nextracted_on = {extracted}\n')
        f.write(f"tables = [{tables}]\n")
    for name, (pcol, renames) in TABLES.items():
        kept = 0
        with open(os.path.join(a.src, name)) as fin, open(os.path.join(a.out, name), "w") as fout:
            fout.write(fin.readline())
            for line in fin:
                cols = line.rstrip("\n").split(",")
                pid = cols[pcol]
                if not pid.isdigit() or int(pid) % a.every != 0:
                    continue
                cols[pcol] = str(int(pid) + a.offset)
                for i, prefix in renames.items():
                    if cols[i]:
                        cols[i] = prefix + cols[i]
                if name == "safety_reports.csv":
                    cols[2] = ""  # no households in this delivery
                fout.write(",".join(cols) + "\n")
                kept += 1
        print(f"{name}\t{kept} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
