#!/usr/bin/env bash
# Scale benchmark: the outcome engine against hand-written DuckDB SQL, family by family, and
# ingest, as whole processes timed with GNU time (user + system CPU seconds, wall, peak RSS).
#
#   benches/scale.sh [SCALE] [WORKDIR] [RUNS]     synthesise the national scenario at SCALE
#                                                 (1 = 57 M rows, 7 M persons; default 0.18),
#                                                 ingest it into WORKDIR/store, then compare
#   STORE=DIR benches/scale.sh - - [RUNS]         compare on an existing store (no ingest)
#
# Each family is run RUNS times as `kohort outcomes --only FAMILY` (a run, written to the store;
# default 3) and as `kohort outcomes --only FAMILY --summary-only` (the same summary, counted
# without writing a run), each paired with its yardstick `benches/hand/FAMILY.sql` run through
# `kohort sql` on the same store (the SQL gives the same summary rows: tests/yardsticks.rs);
# re-reports twice: the child view after a report (`safety.sql`) against `--only rereports`
# (that view alone), and the whole family (`safety_family.sql`: every row of the engine's
# safety summary) against `--only safety`. Printed per pair (yardstick's name): the median CPU
# seconds of each; the ratio (engine / yardstick) of each run of the engine to the yardstick
# run right after it, their median and range (a machine whose speed drifts over minutes moves
# both runs of a pair alike, and the medians of each apart), for the run and for
# --summary-only; the median wall of each, the peak memory of the engine's run; then one run
# of every family together, and its summary alone. The machine's load average is printed with
# each figure: CPU time is the figure to compare when others share the cores.
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:--}"; [ "$scale" = - ] && scale=0.18
work="${2:--}"; [ "$work" = - ] && work="${TMPDIR:-/tmp}/kohort-scale"
runs="${3:-3}"
threads="${THREADS:-2}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kohort-target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/kohort"
mkdir -p "$work"
load() { cut -d' ' -f1 /proc/loadavg; }
# timed OUT CMD...: run CMD with stdout to OUT, print "cpu wall peak_kb" (CPU = user + sys).
timed() {
    local out="$1"; shift
    /usr/bin/time -f "%U %S %e %M" -o "$out.time" "$@" > "$out" 2> "$out.err" || { cat "$out.err" >&2; exit 1; }
    awk '{printf "%.2f %.2f %d\n", $1 + $2, $3, $4}' "$out.time"
}
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

if [ -n "${STORE:-}" ]; then
    store="$STORE"
else
    store="$work/store"
    rm -rf "$work/synth" "$store" && mkdir -p "$work"
    "$bin" --quiet synth national --scale "$scale" --out "$work/synth" > "$work/deliveries.tsv"
    delivery="$(cut -f3 "$work/deliveries.tsv" | head -n 1)"
    [ -f "$work/scale.key" ] || "$bin" key new --out "$work/scale.key" 2>/dev/null
    rows=$(( $(cat "$delivery"/*.csv | wc -l) - $(ls "$delivery"/*.csv | wc -l) ))
    echo "ingest: $rows data rows (load $(load))"
    read -r cpu wall kb < <(timed "$work/ingest.txt" "$bin" --quiet --threads "$threads" ingest "$delivery" \
        --store "$store" --key "$work/scale.key")
    echo "ingest: ${wall} s wall, ${cpu} cpu-s, peak ${kb} KB, $(awk -v r="$rows" -v w="$wall" 'BEGIN {printf "%.0f", r / w}') rows/s (load $(load))"
fi

printf '%-14s %9s %9s %7s %11s %9s %7s %11s %9s %9s %10s %6s\n' yardstick engine_cpu hand_cpu ratio ratio_range \
    summ_cpu s_ratio s_range eng_wall hand_wall eng_peakKB load
for pair in reentry escalation rereports:safety safety:safety_family measures indicators; do
    only="${pair%%:*}"; family="${pair#*:}"
    : > "$work/$family.engine"; : > "$work/$family.hand"; : > "$work/$family.summary"
    for _ in $(seq "$runs"); do
        timed "$work/out.txt" "$bin" --quiet --threads "$threads" outcomes --store "$store" --only "$only" --partial \
            >> "$work/$family.engine"
        timed "$work/summary.txt" "$bin" --quiet --threads "$threads" outcomes --store "$store" --only "$only" \
            --summary-only >> "$work/$family.summary"
        timed "$work/hand.txt" "$bin" --quiet --threads "$threads" sql --store "$store" \
            --file "benches/hand/$family.sql" >> "$work/$family.hand"
    done
    e_cpu=$(cut -d' ' -f1 "$work/$family.engine" | median); h_cpu=$(cut -d' ' -f1 "$work/$family.hand" | median)
    s_cpu=$(cut -d' ' -f1 "$work/$family.summary" | median)
    e_wall=$(cut -d' ' -f2 "$work/$family.engine" | median); h_wall=$(cut -d' ' -f2 "$work/$family.hand" | median)
    e_kb=$(cut -d' ' -f3 "$work/$family.engine" | sort -n | tail -n 1)
    # Run i of the engine (and of --summary-only) against run i of the yardstick (line i of each file).
    paste -d' ' "$work/$family.engine" "$work/$family.hand" | awk '{printf "%.4f\n", $1 / $4}' > "$work/$family.ratio"
    paste -d' ' "$work/$family.summary" "$work/$family.hand" | awk '{printf "%.4f\n", $1 / $4}' > "$work/$family.sratio"
    ratio=$(median < "$work/$family.ratio"); s_ratio=$(median < "$work/$family.sratio")
    range() { sort -n "$1" | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.2f-%.2f", lo, hi}'; }
    printf '%-14s %9s %9s %7.2f %11s %9s %7.2f %11s %9s %9s %10s %6s\n' "$family" "$e_cpu" "$h_cpu" "$ratio" \
        "$(range "$work/$family.ratio")" "$s_cpu" "$s_ratio" "$(range "$work/$family.sratio")" \
        "$e_wall" "$h_wall" "$e_kb" "$(load)"
done
read -r cpu wall kb < <(timed "$work/all.txt" "$bin" --quiet --threads "$threads" outcomes --store "$store")
echo "every family: ${wall} s wall, ${cpu} cpu-s, peak ${kb} KB (load $(load))"
read -r cpu wall kb < <(timed "$work/all.txt" "$bin" --quiet --threads "$threads" outcomes --store "$store" --summary-only)
echo "every family, --summary-only: ${wall} s wall, ${cpu} cpu-s, peak ${kb} KB (load $(load))"
