#!/usr/bin/env bash
# The sweep of the README's "Sweeps" section: ctxdm (its recipe) ×
# mask.inter_area_connections ∈ {all on [T,T,T,T], no inter-area inhibition
# [T,T,F,F], E→E only between areas [T,F,F,F]} × seeds 1–5, on the local
# backend (benchmarks/sweeps/ctxdm_inter_area.json), then dale sweep
# collect. Run from the repository root:
#
#   bash benchmarks/sweep-ctxdm.sh [OUT]
#
# OUT (default benchmarks/out/sweep-ctxdm) must not exist. Two members run
# at once on two cores, one thread each; about 21 minutes (1248 s measured). The results
# table goes to OUT/results.csv, the figure to
# OUT/figures/mask.inter_area_connections.png; the per-setting summary
# (mean ± sd of accuracy and steps, members meeting the target) is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-benchmarks/out/sweep-ctxdm}
mkdir -p "$(dirname "$out")"
bin="$(dirname "$out")/dale-sweep-bin"
CGO_ENABLED=0 go build -o "$bin" ./cmd/dale
start=$(date +%s)
"$bin" sweep --spec benchmarks/sweeps/ctxdm_inter_area.json --out "$out" --workers 2
echo "wall: $(( $(date +%s) - start )) s for the sweep"
python3 - "$out/results.csv" <<'PY'
import csv, statistics as st, sys
rows = list(csv.DictReader(open(sys.argv[1])))
key = "mask.inter_area_connections"
print(f"| {key} | members done | target met | accuracy mean ± sd | mse mean ± sd | steps mean ± sd |")
print("|---|---|---|---|---|---|")
for v in dict.fromkeys(r[key] for r in rows):
    g = [r for r in rows if r[key] == v and r["state"] == "done"]
    acc = [float(r["accuracy"]) for r in g]
    steps = [int(r["steps"]) for r in g]
    mse = [float(r["mse"]) for r in g]
    sd = lambda xs: st.stdev(xs) if len(xs) > 1 else 0.0
    met = sum(r["target_met"] == "true" for r in g)
    print(f"| {v} | {len(g)} | {met} | {st.mean(acc):.3f} ± {sd(acc):.3f} | {st.mean(mse):.4f} ± {sd(mse):.4f} | {st.mean(steps):.0f} ± {sd(steps):.0f} |")
PY
