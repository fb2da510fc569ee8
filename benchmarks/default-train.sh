#!/usr/bin/env bash
# Measures what issue 6 promises of the default run: `dale train` with no
# flags, on the pure-Go BLAS, reaches >= 90 % accuracy on its evaluation
# trials in under 2 minutes. Run from the repository root:
#
#   bash benchmarks/default-train.sh [runs]
#
# It builds dale without cgo, trains the embedded default `runs` times
# (default 3) with DALE_BLAS=go, and prints the wall time and accuracy of
# each run; it exits 1 if any run misses either bound.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/dale" ./cmd/dale
fail=0
for i in $(seq 1 "$runs"); do
  out="$tmp/run$i"
  start=$(date +%s.%N)
  DALE_BLAS=go "$tmp/dale" train --out "$out" --quiet >"$tmp/log$i" 2>&1
  end=$(date +%s.%N)
  wall=$(awk "BEGIN{print $end - $start}")
  acc=$(grep -m1 '"accuracy"' "$out/metrics.json" | sed 's/[^0-9.]//g')
  ideal=$(grep -A1 '"ideal_observer"' "$out/metrics.json" | grep -m1 accuracy | sed 's/[^0-9.]//g')
  steps=$(grep -o 'after [0-9]* steps' "$tmp/log$i" | grep -o '[0-9]*')
  printf 'run %d: %6.1f s wall (build excluded), %s steps, accuracy %s on the evaluation trials (ideal observer %s)\n' "$i" "$wall" "$steps" "$acc" "$ideal"
  if awk "BEGIN{exit !($acc < 0.9 || $wall >= 120)}"; then
    fail=1
  fi
done
exit $fail
