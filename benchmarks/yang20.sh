#!/usr/bin/env bash
# Yang et al. 2019's 20 tasks in one network (README "Multitask"), trained
# side by side, one core each, until every task is at 90 % on the
# evaluation trials, the step limit (STEPS, default 156250: 10^7 trials of
# 64, Yang's max_steps) or the time limit (LIMIT seconds, default 4500:
# SIGINT, which saves the run; 0 trains nothing and only judges the runs as
# they are), then judged per task on 2000 fresh trials (dale eval) and
# analysed (dale analyze: task variance, clusters). Run from the repository
# root:
#
#   bash benchmarks/yang20.sh [OUT] [LIMIT] [STEPS] [NETS]
#
# NETS (default "eifree nodale") names the networks, from:
#   eifree  the yang20 recipe: two-area E/I, Dale's law on the recurrent
#           and readout weights, input weights of either sign
#           (model.input_sign "free");
#   ei      the recipe with model.input_sign "dale": Dale's law on the
#           input weights too, so every input is excitatory (see
#           benchmarks/yang-gating.sh);
#   nodale  --no-dale, Yang's own setting: no mask, no sign constraint.
#
# OUT (default benchmarks/out/yang20) gets a run directory per network
# (ei/, nodale/, eifree/) with its eval/ and analysis/, a log per network,
# and table.md (per-task accuracy of each, the worst task, which modality
# the answers of the bimodal DM tasks follow (follows_mod1/2), steps, time). A run directory that exists already is continued (dale train
# --resume: the same trajectory as one uninterrupted run on the same
# machine and BLAS), so the training can be spread over several calls:
# benchmarks/yang20-state holds the three runs so far. Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/out/yang20}
limit=${2:-4500}
steps=${3:-156250}
[[ "$limit" =~ ^[0-9]+$ ]] || { echo "benchmarks/yang20.sh: LIMIT = $limit is not allowed: must be a whole number of seconds (0: judge the runs as they are)" >&2; exit 2; }
command -v jq >/dev/null || { echo "benchmarks/yang20.sh needs jq" >&2; exit 2; }
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin="$tmp/dale"
CGO_ENABLED=0 go build -o "$bin" ./cmd/dale
nets=(${4:-eifree nodale})
for r in "${nets[@]}"; do
  case $r in ei | nodale | eifree) ;; *) echo "benchmarks/yang20.sh: network $r is not allowed: must be ei, nodale or eifree" >&2; exit 2 ;; esac
done
"$bin" config --task yang20 | jq '.model.input_sign = "dale"' > "$tmp/ei.json"
train() { # name
  local rc=0 how
  case $1 in
    ei) how=(--config "$tmp/ei.json") ;;
    nodale) how=(--task yang20 --no-dale) ;;
    eifree) how=(--task yang20) ;;
  esac
  how+=(--out "$out/$1")
  [ -f "$out/$1/last.npz" ] && how=(--resume "$out/$1")
  GOMAXPROCS=1 timeout -s INT "$limit" "$bin" train "${how[@]}" --steps "$steps" --quiet >> "$out/$1.log" 2>&1 || rc=$?
  # 0: target met or step limit; 124: stopped at the time limit by
  # timeout's SIGINT (dale saved the run and exited 3).
  [ "$rc" = 0 ] || [ "$rc" = 124 ] || { echo "train $1: exit $rc" >&2; cat "$out/$1.log" >&2; return 1; }
}
pids=()
if [ "$limit" != 0 ]; then
  for r in "${nets[@]}"; do train "$r" & pids+=($!); done
fi
for p in "${pids[@]}"; do wait "$p"; done
for r in "${nets[@]}"; do
  [ -f "$out/$r/best.npz" ] || { echo "benchmarks/yang20.sh: $out/$r has no best.npz to judge" >&2; exit 1; }
done
for r in "${nets[@]}"; do
  rm -rf "$out/$r/eval" "$out/$r/analysis"
  "$bin" eval --run "$out/$r" --trials 2000 --out "$out/$r/eval" > "$out/$r.eval.log"
  "$bin" analyze --run "$out/$r" --what taskvariance --out "$out/$r/analysis" > "$out/$r.analyze.log"
done
declare -A title=([ei]="E/I, excitatory inputs" [nodale]="no Dale" [eifree]="E/I, sign-free inputs (recipe)")
{
  printf '| task |'; for r in "${nets[@]}"; do printf ' %s |' "${title[$r]}"; done; echo
  printf '|---|'; for r in "${nets[@]}"; do printf -- '---|'; done; echo
  for t in $(jq -r '.tasks[]' "$out/${nets[0]}/analysis/taskvariance.json") min_accuracy; do
    k="accuracy/$t"; [ "$t" = min_accuracy ] && k=$t
    printf '| %s |' "$t"
    for r in "${nets[@]}"; do printf ' %.3f |' "$(jq -r --arg k "$k" '.measures[$k]' "$out/$r"/eval/seed*-best.json)"; done
    echo
  done
  echo
  echo "Which modality the answers follow where the two modalities favour different stimuli (follows_mod1 / follows_mod2):"
  echo
  printf '| task |'; for r in "${nets[@]}"; do printf ' %s |' "${title[$r]}"; done; echo
  printf '|---|'; for r in "${nets[@]}"; do printf -- '---|'; done; echo
  for t in contextdm1 contextdm2 contextdelaydm1 contextdelaydm2 multidm multidelaydm; do
    printf '| %s |' "$t"
    for r in "${nets[@]}"; do
      jq -r --arg t "$t" '.measures | if .["follows_mod1/" + $t] == null then " - |"
        else " \(.["follows_mod1/" + $t] * 1000 | round / 1000) / \(.["follows_mod2/" + $t] * 1000 | round / 1000) |" end' "$out/$r"/eval/seed*-best.json | tr -d '\n'
    done
    echo
  done
  echo
  for r in "${nets[@]}"; do
    jq -r --arg r "$r" '"\($r): steps \(.training.step), \(.training.wall_ns / 1e9 | floor) s, status \(.training.status)"' "$out/$r/metrics.json"
  done
} | tee "$out/table.md"
