#!/usr/bin/env bash
# Why an E/I yang20 network with excitatory inputs lags on the context
# tasks (README "Multitask"): contextdm1 and contextdm2 alone, the same
# stimuli with the rule input saying which modality counts, trained for
# STEPS steps (default 2000) from the yang20 recipe (256 units, two-area
# E/I) in three settings:
#
#   ei       Dale's law on every layer (model.input_sign "dale"), so every
#            input weight, the rule cue's too, is excitatory;
#   ei-free  the recipe (model.input_sign "free"): recurrent and readout
#            weights keep Dale's law, input weights take either sign;
#   nodale   --no-dale (Yang's setting: no mask, no sign constraint).
#
# Seeds 1, 2 and 3 each, PAR trainings at a time (default 2, one core
# each). Prints, per setting and seed, the worst of the two tasks'
# accuracy on the 400 evaluation trials at steps 1000, 1500 and STEPS, the
# gating index of the best network, and the mean over seeds. The gating
# index is, on the conflict trials (the two modalities favour different
# stimuli), the fraction of answers that follow the attended modality less
# the fraction that follow the ignored one, averaged over the two tasks
# (follows_mod1/2 in the run's metrics.json): 1 when the rule gates the modalities
# perfectly, 0 when the network ignores the rule.
# Run from the repository root:
#
#   bash benchmarks/yang-gating.sh [OUT] [STEPS] [PAR]
#
# Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/out/yang-gating}
steps=${2:-2000}
par=${3:-2}
[[ "$par" =~ ^[1-9][0-9]*$ ]] || { echo "benchmarks/yang-gating.sh: PAR = $par is not allowed: must be a positive integer" >&2; exit 2; }
command -v jq >/dev/null || { echo "benchmarks/yang-gating.sh needs jq" >&2; exit 2; }
mkdir -p "$out"
bin="$out/dale"
CGO_ENABLED=0 go build -o "$bin" ./cmd/dale
"$bin" config --task yang20 | jq --argjson s "$steps" '.task.params.rules = ["contextdm1", "contextdm2"]
  | .train.steps = $s | .train.eval_every = 250 | .train.eval_trials = 400 | .train.target = 0
  | .model.input_sign = "dale"' > "$out/ei.json"
jq '.model.input_sign = "free"' "$out/ei.json" > "$out/ei-free.json"
runs=()
for v in ei ei-free nodale; do for s in 1 2 3; do runs+=("$v/seed$s"); done; done
train() { # setting/seedS; a failed training is reported, not fatal
  local v=${1%/*} s=${1#*/seed} how
  case $v in
    nodale) how=(--config "$out/ei.json" --no-dale) ;; # the recipe with dale off, mask dropped
    *) how=(--config "$out/$v.json") ;;
  esac
  rm -rf "${out:?}/$1" "$out/$1.failed"
  mkdir -p "$out/$v"
  GOMAXPROCS=1 "$bin" train "${how[@]}" --seed "$s" --out "$out/$1" --quiet > "$out/$v/seed$s.log" 2>&1 ||
    { echo "train $1 failed (exit $?): see $out/$v/seed$s.log" >&2; touch "$out/$1.failed"; }
}
for ((i = 0; i < ${#runs[@]}; i += par)); do
  for ((j = i; j < i + par && j < ${#runs[@]}; j++)); do train "${runs[j]}" & done
  wait
done
acc() { # run dir, step: eval_min_accuracy at that step, or "-"
  [ -f "$1/history.csv" ] || { echo -; return; }
  awk -F, -v s="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "eval_min_accuracy") c = i
      if (!c) { print "history.csv has no eval_min_accuracy column" > "/dev/stderr"; exit 1 } }
    NR > 1 && $1 == s && $c != "" { v = $c } END { print (v == "" ? "-" : v) }' "$1/history.csv"
}
gating() { # run dir: the gating index of its best network on the evaluation trials, or "-"
  [ -f "$1/metrics.json" ] || { echo -; return; }
  jq -r '.measures | if has("follows_mod1/contextdm1") and has("follows_mod1/contextdm2") then
      ((.["follows_mod1/contextdm1"] - .["follows_mod2/contextdm1"]) + (.["follows_mod2/contextdm2"] - .["follows_mod1/contextdm2"])) / 2
    else "-" end' "$1/metrics.json" 2> /dev/null || echo -
}
{
  echo "| setting | seed | worst task at 1000 | at 1500 | at $steps | gating index (best) |"
  echo "|---|---|---|---|---|---|"
  for v in ei ei-free nodale; do
    for s in 1 2 3; do
      d=$out/$v/seed$s
      echo "$v $s $(acc "$d" 1000) $(acc "$d" 1500) $(acc "$d" "$steps") $(gating "$d")"
    done | awk '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, ($6 == "-" || $6 == "" ? "-" : sprintf("%.3f", $6)); v = $1
        for (k = 3; k <= 6; k++) if ($k != "-" && $k != "") { sum[k] += $k; n[k]++ } }
      END { printf "| %s | mean |", v
        for (k = 3; k <= 6; k++) printf (n[k] ? " %.3f |" : " - |"), (n[k] ? sum[k] / n[k] : 0)
        print "" }'
  done
} | tee "$out/table.md"
! ls "$out"/*/*.failed > /dev/null 2>&1
