#!/usr/bin/env bash
# Trains every task from its recipe (dale train --task NAME) on a clean
# state and judges the trained network on 2000 fresh trials (dale eval
# --trials 2000) against the task's target. Run from the repository root:
#
#   bash benchmarks/tasks.sh [OUT] [TASK...]
#
# Seeds and BLAS (issue 9): three seeds on the pure-Go BLAS for ctxdm, romo,
# dms, dmc and flipflop, one for the others, and every task once more with
# OpenBLAS when it loads. One training at a time (the machine may have two
# cores). Each run's directory stays in OUT (default benchmarks/out/tasks);
# the table goes to stdout and OUT/table.md. It exits 1 if any target is
# missed. Needs jq. Takes about 15 minutes on 2 cores.
#
# Columns: steps trained (the recipe stops early at its target), wall
# seconds of dale train, the task's own measures, its target and whether it
# is met. Task-specific checks:
#   pdm           accuracy at the strongest coherence >= 0.95; the fitted
#                 psychometric curve is at P = 0.5 within 5 % coherence
#                 of 0 (|bias| < 5)
#   ctxdm         in each context, slope on the relevant modality >= 5x the
#                 slope on the irrelevant one (Mante 2013)
#   multisensory  both-modality trials more accurate than either single one
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/out/tasks}
shift || true
command -v jq >/dev/null || { echo "benchmarks/tasks.sh needs jq (apt-get install jq)" >&2; exit 2; }
mkdir -p "$out"
bin="$out/dale"
CGO_ENABLED=0 go build -o "$bin" ./cmd/dale

all=(pdm ctxdm multisensory romo dms dmc gonogo antisaccade flipflop rsg sine)
sel=("$@")
[ ${#sel[@]} -gt 0 ] || sel=("${all[@]}")
three=" ctxdm romo dms dmc flipflop "
openblas=yes
# dale exits 2 when DALE_BLAS=openblas names a library it cannot load.
if ! DALE_BLAS=openblas "$bin" tasks >/dev/null 2>&1; then
  openblas=no
fi

table="$out/table.md"
printf '| task | seed | BLAS | steps | wall s | measures (2000 fresh trials) | target | met |\n|---|---|---|---|---|---|---|---|\n' | tee "$table"
fail=0
row() { # task seed blas
  local task=$1 seed=$2 blas=$3 dir="$out/$1-s$2-$3"
  rm -rf "$dir"
  local start end wall
  start=$(date +%s.%N)
  if ! DALE_BLAS=$blas "$bin" train --task "$task" --seed "$seed" --out "$dir" --quiet >"$dir.log" 2>&1; then
    printf '| %s | %s | %s | | | training failed: %s | | no |\n' "$task" "$seed" "$blas" "$(tail -1 "$dir.log")" | tee -a "$table"
    fail=1
    return
  fi
  end=$(date +%s.%N)
  wall=$(awk "BEGIN{printf \"%.0f\", $end - $start}")
  DALE_BLAS=$blas "$bin" eval --run "$dir" --trials 2000 >"$dir.eval.log" 2>&1
  local ev
  ev=$(ls "$dir"/eval/*.json | head -1)
  local steps
  steps=$(jq -r '.step' "$dir/summary.json" 2>/dev/null || echo "?")
  [ "$steps" != "null" ] || steps=$(grep -o 'after [0-9]* steps' "$dir.log" | grep -o '[0-9]*' | head -1)
  # The task's own measures and target (metrics "measures" and "target").
  local measures target met
  measures=$(jq -r '(.measures // {}) | to_entries | map("\(.key) \(.value * 1000 | round / 1000)") | join(", ")' "$ev")
  target=$(jq -r 'if .target then "\(.target.measure) \(if .target.higher_is_better then ">=" else "<" end) \(.target.value)" else "" end' "$ev")
  met=$(jq -r 'if .target then (if .target.met then "yes" else "no" end) else "?" end' "$ev")
  local extra="" ok=yes
  case $task in
  pdm)
    local strong bias
    strong=$(jq -r '[.by_condition[] | select(.condition == "coherence")] | max_by(.value) | .accuracy' "$ev")
    bias=$(jq -r '[.psychometric[]? | .fit.bias] | first // "nan"' "$ev")
    extra="; at strongest coherence $(printf %.3f "$strong"), curve at 50 % at $(printf %.1f "$bias") %"
    awk "BEGIN{exit !($strong >= 0.95 && $bias > -5 && $bias < 5)}" || ok=no
    ;;
  ctxdm)
    local ratio
    # min over contexts of slope(relevant) / |slope(irrelevant)|
    ratio=$(jq -r '[.psychometric[] | {c: (.label | capture("context (?<c>[0-9]+), modality (?<m>[0-9]+)")), s: .fit.slope}]
      | group_by(.c.c) | map((map(select(.c.c == .c.m)) | .[0].s) as $r | (map(select(.c.c != .c.m)) | .[0].s) as $i
      | if ($i | fabs) > 0 then $r / ($i | fabs) else 1e9 end) | min' "$ev")
    extra="; slope relevant / irrelevant >= $(printf %.1f "$ratio")"
    awk "BEGIN{exit !($ratio >= 5)}" || ok=no
    ;;
  multisensory)
    local a1 a2 a3
    a1=$(jq -r '[.by_condition[] | select(.condition == "modality" and .value == 1)][0].accuracy' "$ev")
    a2=$(jq -r '[.by_condition[] | select(.condition == "modality" and .value == 2)][0].accuracy' "$ev")
    a3=$(jq -r '[.by_condition[] | select(.condition == "modality" and .value == 3)][0].accuracy' "$ev")
    extra="; by modality 1 $(printf %.3f "$a1"), 2 $(printf %.3f "$a2"), both $(printf %.3f "$a3")"
    awk "BEGIN{exit !($a3 > $a1 && $a3 > $a2)}" || ok=no
    ;;
  esac
  [ "$met" = yes ] || ok=no
  [ "$ok" = yes ] || fail=1
  printf '| %s | %s | %s | %s | %s | %s%s | %s | %s |\n' "$task" "$seed" "$blas" "$steps" "$wall" "$measures" "$extra" "$target" "$ok" | tee -a "$table"
}

for task in "${sel[@]}"; do
  seeds=1
  [[ $three == *" $task "* ]] && seeds="1 2 3"
  for s in $seeds; do
    row "$task" "$s" go
  done
  if [ "$openblas" = yes ]; then
    row "$task" 1 openblas
  fi
done
[ "$openblas" = yes ] || echo "OpenBLAS did not load: the OpenBLAS rows are missing" | tee -a "$table"
exit $fail
