#!/usr/bin/env bash
# Scale benchmark of ingest: synthesise a delivery of 10+ million rows, then time the whole
# `kohort ingest` process (wall time, peak memory) with GNU time. Figures in the issue notes.
#
#   benches/scale.sh [SCALE] [WORKDIR]     # SCALE of the national scenario, default 0.18 (~10.4 M rows)
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
