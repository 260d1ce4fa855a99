#!/usr/bin/env bash
# Scale benchmark: synthesise a delivery of the national scenario (SCALE 1 = 57 M rows, 7 M
# persons; default 0.18 = ~10.4 M rows), then time whole processes (wall time, peak memory)
# with GNU time: `kohort ingest`, `kohort outcomes` (every family), `kohort outcomes --only
# reentry`, and the hand-written DuckDB SQL for spells + re-entry (benches/reentry_hand.sql) on
# the same store. Figures in the issue notes.
#
#   benches/scale.sh [SCALE] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-0.18}"
work="${2:-${TMPDIR:-/tmp}/kohort-scale}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kohort-target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/kohort"
rm -rf "$work" && mkdir -p "$work"
"$bin" --quiet synth national --scale "$scale" --out "$work/synth" > "$work/deliveries.tsv"
delivery="$(cut -f3 "$work/deliveries.tsv" | head -n 1)"
"$bin" key new --out "$work/scale.key" 2>/dev/null
rows=$(( $(cat "$delivery"/*.csv | wc -l) - $(ls "$delivery"/*.csv | wc -l) ))
echo "delivery: $delivery ($rows data rows)"
/usr/bin/time -v "$bin" --quiet --threads 2 ingest "$delivery" --store "$work/store" --key "$work/scale.key" \
    > "$work/report.txt" 2> "$work/time.txt" || true
cat "$work/report.txt"
grep -E "Elapsed|Maximum resident" "$work/time.txt"
timed() { # name, command...
    local name="$1"; shift
    /usr/bin/time -v "$@" > "$work/$name.txt" 2> "$work/$name.time" || { cat "$work/$name.time"; exit 1; }
    echo "$name: $(grep -E "Elapsed" "$work/$name.time" | awk '{print $NF}') wall," \
        "$(grep -E "Maximum resident" "$work/$name.time" | awk '{print $NF}') KB peak"
}
timed outcomes "$bin" --quiet --threads 2 outcomes --store "$work/store"
timed outcomes_reentry "$bin" --quiet --threads 2 outcomes --store "$work/store" --only reentry
sql="$(pwd)/benches/reentry_hand.sql"
(cd "$work" && timed hand_sql "$bin" --quiet --threads 2 sql --store "$work/store" --file "$sql")
