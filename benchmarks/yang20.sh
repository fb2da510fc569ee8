#!/usr/bin/env bash
# Yang et al. 2019's 20 tasks in one network (README "Multitask"): the
# yang20 recipe with Dale's law (E/I, two areas) and Yang's own setting
# (--no-dale: no mask, no sign constraint), trained side by side, one
# core each, until every task is at 90 % on the evaluation trials, the
# step limit (STEPS, default 156250: 10^7 trials of 64, Yang's max_steps)
# or the time limit (LIMIT seconds, default 4500: SIGINT, which saves the
# run), then judged per task on 2000 fresh trials (dale eval) and analysed
# (dale analyze: task variance, clusters). Run from the repository root:
#
#   bash benchmarks/yang20.sh [OUT] [LIMIT] [STEPS]
#
# OUT (default benchmarks/out/yang20) gets ei/ and nodale/ run
# directories, their eval/ and analysis/, and table.md (per-task accuracy
# of both). A run directory that exists already is continued (dale train
# --resume: the same trajectory as one uninterrupted run on the same
# machine and BLAS), so the training can be spread over several calls:
# benchmarks/yang20-state holds the two runs so far. Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/out/yang20}
limit=${2:-4500}
steps=${3:-156250}
command -v jq >/dev/null || { echo "benchmarks/yang20.sh needs jq" >&2; exit 2; }
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin="$tmp/dale"
CGO_ENABLED=0 go build -o "$bin" ./cmd/dale
train() { # name, extra flags
  local rc=0
  local how=(--task yang20 --out "$out/$1" "${@:2}")
  [ -f "$out/$1/last.npz" ] && how=(--resume "$out/$1")
  GOMAXPROCS=1 timeout -s INT "$limit" "$bin" train "${how[@]}" --steps "$steps" --quiet >> "$out/$1.log" 2>&1 || rc=$?
  # 0: target met or step limit; 124: stopped at the time limit by
  # timeout's SIGINT (dale saved the run and exited 3).
  [ "$rc" = 0 ] || [ "$rc" = 124 ] || { echo "train $1: exit $rc" >&2; cat "$out/$1.log" >&2; exit 1; }
}
train ei & p1=$!
train nodale --no-dale & p2=$!
wait $p1; wait $p2
for r in ei nodale; do
  rm -rf "$out/$r/eval" "$out/$r/analysis"
  "$bin" eval --run "$out/$r" --trials 2000 --out "$out/$r/eval" > "$out/$r.eval.log"
  "$bin" analyze --run "$out/$r" --what taskvariance --out "$out/$r/analysis" > "$out/$r.analyze.log"
done
{
  echo "| task | E/I (Dale) | no Dale |"
  echo "|---|---|---|"
  for t in $(jq -r '.tasks[]' "$out/ei/analysis/taskvariance.json"); do
    a=$(jq -r --arg k "accuracy/$t" '.measures[$k]' "$out"/ei/eval/seed*-best.json)
    b=$(jq -r --arg k "accuracy/$t" '.measures[$k]' "$out"/nodale/eval/seed*-best.json)
    printf '| %s | %.3f | %.3f |\n' "$t" "$a" "$b"
  done
  for r in ei nodale; do
    jq -r --arg r "$r" '"\($r): steps \(.training.step), \(.training.wall_ns / 1e9 | floor) s, status \(.training.status)"' "$out/$r/metrics.json"
  done
} | tee "$out/table.md"
