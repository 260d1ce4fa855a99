#!/usr/bin/env bash
# Incremental-run benchmark (issue 15): the national monitor study (benches/national_monitor.toml:
# every outcome, four region levels, ten years, two splits) through `kohort run`: a first run over
# the national delivery (not compared), then an incremental run after a 2 % follow-up delivery
# (benches/derive_delivery.py), then a run with --full over the same store (outcomes, study and
# export computed again from nothing, the export's pattern cache removed). Whole processes are
# timed with GNU time. Printed: wall, CPU seconds and peak memory of each run, the ratio of the
# incremental run to the full one, whether both published the same bytes, and how much of the
# published output the follow-up delivery changed (published cells whose count or denominator
# moved, cells whose suppression flipped): an incremental run redoes the tables and the
# suppression of every linked-table system with a changed cell, so this share bounds its gain.
# Then where each of the two runs spent its time: the steps of `--timings`, summed by step over
# all threads, the largest first (WORKDIR/incremental.steps.tsv and full.steps.tsv hold them all).
#
#   benches/incremental.sh [SCALE] [WORKDIR]     SCALE of the national scenario (default 1)
#   REUSE=1 benches/incremental.sh - WORKDIR     WORKDIR holds a first run already (plan.toml,
#                                                its store, the delivery under inbox/first/): go
#                                                on with a follow-up delivery, each time another
#                                                2 % of new persons from a source of its own
#                                                (followup, followup2, …: the same source again
#                                                would change nothing)
#
# Needs python3 for the follow-up delivery. The machine's load average is printed with each run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
scale="${1:--}"; [ "$scale" = - ] && scale=1
work="${2:-${TMPDIR:-/tmp}/kohort-incremental}"
work="$(mkdir -p "$work" && cd "$work" && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kohort-target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/kohort"
load() { cut -d' ' -f1 /proc/loadavg; }
# timed NAME CMD...: run CMD, print "NAME: wall, cpu-s, peak KB".
timed() {
    local name="$1"; shift
    /usr/bin/time -f "%U %S %e %M" -o "$work/$name.time" "$@" > "$work/$name.out" 2>&1 || {
        cat "$work/$name.out" >&2; exit 1
    }
    awk -v n="$name" -v l="$(load)" '{printf "%-12s %8.1f s wall %8.1f cpu-s %9d KB peak (load %s)\n", n, $3, $1 + $2, $4, l}' \
        "$work/$name.time"
}
wall() { awk '{print $3}' "$work/$1.time"; }

followup=followup; n=1
if [ -n "${REUSE:-}" ]; then
    delivery="$(dirname "$(find "$work/inbox/first" -mindepth 2 -maxdepth 2 -name delivery.toml | sort | head -n 1)")"
    [ -f "$delivery/delivery.toml" ] || { echo "REUSE: no delivery under $work/inbox/first" >&2; exit 2; }
    while [ -e "$work/inbox/$followup" ]; do n=$((n + 1)); followup="followup$n"; done
else
    rm -rf "$work" && mkdir -p "$work/inbox"
    "$bin" --quiet synth national --scale "$scale" --out "$work/synth" > "$work/deliveries.tsv"
    delivery="$(cut -f3 "$work/deliveries.tsv" | head -n 1)"
    "$bin" key new --out "$work/inc.key" 2>/dev/null
    mkdir -p "$work/inbox/first" && cp -al "$delivery" "$work/inbox/first/"
    cp benches/national_monitor.toml "$work/"
    cat > "$work/plan.toml" <<EOF
store = "store"
key = "inc.key"
inboxes = ["inbox"]
studies = ["national_monitor.toml"]
publish = "published"
log = "run.log"
EOF
    timed first "$bin" --quiet run "$work/plan.toml"
fi
python3 "$repo/benches/derive_delivery.py" "$delivery" "$work/inbox/$followup" --every 50 --source "$followup" \
    --offset $((800000000 * n)) 2> "$work/derive.txt"
cat "$work/derive.txt"
before="$work/before.published"
rm -rf "$before" && cp -a "$(readlink -f "$work/published/current")" "$before"
timed incremental "$bin" --quiet --timings "$work/incremental.steps.tsv" run "$work/plan.toml"
inc_run="$(readlink -f "$work/published/current")"
# changed OLD NEW: published cells of OLD/tables.parquet in NEW/tables.parquet (same key), how many
# of those published in both changed their count or denominator, how many flipped suppression.
changed() {
    local key="study, table_name, cohort, outcome, coalesce(variant, '') AS variant,
        coalesce(window_days::VARCHAR, '') AS window_days, period, region_level, region, split, split_value"
    "$bin" --quiet sql --store "$work/store" --csv "
        WITH a AS (SELECT $key, count, denominator, suppressed FROM read_parquet('$1/tables.parquet')),
             b AS (SELECT $key, count, denominator, suppressed FROM read_parquet('$2/tables.parquet'))
        SELECT count(*) FILTER (WHERE NOT a.suppressed AND NOT b.suppressed) AS published_in_both,
               count(*) FILTER (WHERE NOT a.suppressed AND NOT b.suppressed
                   AND (a.count <> b.count OR a.denominator IS DISTINCT FROM b.denominator)) AS changed,
               count(*) FILTER (WHERE a.suppressed <> b.suppressed) AS suppression_flipped
        FROM a JOIN b USING (study, table_name, cohort, outcome, variant, window_days, period,
                             region_level, region, split, split_value)" | tail -n 1
}
for study in "$before"/*/; do
    name="$(basename "$study")"
    [ -f "$study/tables.parquet" ] && [ -f "$inc_run/$name/tables.parquet" ] || continue
    IFS=, read -r both moved flipped < <(changed "$study" "$inc_run/$name")
    echo "$name: the follow-up changed $moved of the $both cells published before and after ($(awk -v a="$moved" -v b="$both" 'BEGIN {printf "%.1f", b ? 100 * a / b : 0}') %); suppression flipped on $flipped"
done
rm -rf "$work/incremental.published" && cp -a "$inc_run" "$work/incremental.published"
timed full "$bin" --quiet --timings "$work/full.steps.tsv" run "$work/plan.toml" --full
full_run="$(readlink -f "$work/published/current")"
echo "incremental / full wall: $(awk -v a="$(wall incremental)" -v b="$(wall full)" 'BEGIN {printf "%.3f", a / b}')"
# top_steps NAME: the 12 steps of NAME.steps.tsv with the most seconds (summed over threads).
top_steps() {
    echo "$1: where the time went (seconds, steps, what)"
    awk -F'\t' 'NR > 1 {s[$5] += $3; n[$5] += $4} END {for (k in s) printf "%10.1f %9d  %s\n", s[k], n[k], k}' \
        "$work/$1.steps.tsv" | sort -rn | head -n 12
}
top_steps incremental
top_steps full
if diff -r -q -x run_manifest.json "$work/incremental.published" "$full_run" > "$work/diff.txt"; then
    echo "published bytes: the same"
else
    echo "published bytes: DIFFER (see $work/diff.txt)"; exit 1
fi
