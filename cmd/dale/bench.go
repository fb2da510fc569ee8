package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/dale-rnn/dale/benchmarks"
	"github.com/dale-rnn/dale/internal/blas"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "time train's training step at config R (fused/unrolled, masked/unmasked, each BLAS) and its scaling",
		run:     runBench,
	})
}

// benchCases returns the cases a --case value names.
func benchCases(which string, blasNames []string) ([]benchmarks.Case, error) {
	scaling := func() []benchmarks.Case {
		return benchmarks.SuiteScaling(blasNames[len(blasNames)-1])
	}
	switch which {
	case "R":
		return benchmarks.SuiteR(blasNames), nil
	case "scaling":
		return scaling(), nil
	case "all":
		return append(benchmarks.SuiteR(blasNames), scaling()...), nil
	case "smoke":
		var cs []benchmarks.Case
		for _, b := range blasNames {
			for _, e := range []string{"fused", "unrolled"} {
				for _, m := range []bool{true, false} {
					cs = append(cs, benchmarks.Smoke(e, m, b))
				}
			}
		}
		return cs, nil
	}
	return nil, fmt.Errorf("--case = %q is not allowed: must be R, scaling, all or smoke", which)
}

func runBench(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("bench", "bench [--json] [--case R|scaling|all|smoke] [--blas go|openblas|both] [--engine fused|unrolled|both] [--masked true|false|both] [--min-time 2s]\n\n"+
		"Times train's training step, the one dale train takes (forward, backward, gradient clipping, Adam\n"+
		"on the masked MSE), in a train.Run of config R: MultiAreaEI mask dims [4, 256, 2], relu, dt 10,\n"+
		"tau 100, batch 64, 100 steps, float32, on a fixed synthetic batch, without evaluation or\n"+
		"checkpoints. Masked and unmasked runs of one engine are timed interleaved; memory figures are\n"+
		"cleanest for the first case of a process (gorgonia keeps tensor pools), so for the memory of one\n"+
		"case run it alone with --engine and --masked.", e)
	asJSON := fs.Bool("json", false, "print one JSON object per measured case, one per line")
	which := fs.String("case", "all", "which cases: R (config R: both engines, masked and unmasked, each BLAS), scaling (N, steps, batch), all, or smoke (a tiny case)")
	defBLAS := "both"
	if v := os.Getenv(blas.EnvVar); v == blas.Go || v == blas.OpenBLAS {
		defBLAS = v // DALE_BLAS=go forces the pure-Go path here too
	}
	blasFlag := fs.String("blas", defBLAS, "BLAS to measure: go, openblas, or both (each one that loads); default both, or $"+blas.EnvVar+" when that is go or openblas")
	minTime := fs.Duration("min-time", 2*time.Second, "time each case for at least this long (within 5 to 30 steps)")
	engine := fs.String("engine", "both", "engines to measure: fused, unrolled or both")
	masked := fs.String("masked", "both", "masking to measure: true (config R's signed mask with Dale), false (no masks) or both")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *engine {
	case "both", "fused", "unrolled":
	default:
		return fmt.Errorf("--engine = %q is not allowed: must be fused, unrolled or both", *engine)
	}
	switch *masked {
	case "both", "true", "false":
	default:
		return fmt.Errorf("--masked = %q is not allowed: must be true, false or both", *masked)
	}
	if *minTime <= 0 {
		return fmt.Errorf("--min-time = %v is not allowed: must be > 0", *minTime)
	}
	var names []string
	switch *blasFlag {
	case "both":
		names = benchmarks.AvailableBLAS()
	case blas.Go:
		names = []string{blas.Go}
	case blas.OpenBLAS:
		if err := blas.Set(blas.OpenBLAS); err != nil {
			return fmt.Errorf("--blas = openblas: %w", err)
		}
		names = []string{blas.OpenBLAS}
	default:
		return fmt.Errorf("--blas = %q is not allowed: must be go, openblas or both", *blasFlag)
	}
	all, err := benchCases(*which, names)
	if err != nil {
		return err
	}
	var cases []benchmarks.Case
	for _, c := range all {
		if (*engine == "both" || *engine == c.Engine) && (*masked == "both" || *masked == fmt.Sprint(c.Masked)) {
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		return fmt.Errorf("no case of --case %s has --engine %s and --masked %s (the scaling cases are fused and masked)", *which, *engine, *masked)
	}
	opts := benchmarks.Options{MinTime: *minTime}
	if *which == "smoke" {
		opts = benchmarks.Options{Warmup: 1, MinSteps: 2, MaxSteps: 3, MinTime: time.Millisecond}
	}
	if !*asJSON {
		fmt.Fprintf(e.stdout, "dale bench: %d cases; BLAS available: %v; GOMAXPROCS %d; %s/%s\n",
			len(cases), names, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
		fmt.Fprintf(e.stdout, "%-46s %8s %8s %8s %9s %9s %8s %10s %5s\n", "case", "ms/step", "min ms", "GFLOP/s", "peak heap", "live heap", "peak RSS", "alloc/step", "steps")
	}
	var results []benchmarks.Result
	enc := json.NewEncoder(e.stdout)
	for _, group := range benchmarks.Groups(cases) {
		if err := ctx.Err(); err != nil {
			return err
		}
		rs, err := benchmarks.MeasureGroup(group, opts)
		if err != nil {
			return runtimeError{err}
		}
		for _, r := range rs {
			results = append(results, r)
			if *asJSON {
				if err := enc.Encode(r); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(e.stdout, "%-46s %8.1f %8.1f %8.1f %7.0fMB %7.0fMB %6.0fMB %8.1fMB %5d\n",
				r.Label(), r.MsPerStep, r.MinMs, r.GFLOPS, r.PeakHeapMB, r.LiveHeapMB, r.PeakRSSMB, r.AllocMBStep, r.Measured)
		}
	}
	// The direct cost of the mask operations, next to the masked steps.
	var maskOps []maskOpsLine
	for _, r := range results {
		if !r.Masked || r.Name == "scale-steps" || r.Name == "scale-batch" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := blas.Set(r.BLAS); err != nil {
			return runtimeError{err}
		}
		blas.UseInGorgonia()
		d, err := benchmarks.MaskOpsMs(r.Case, 30)
		if err != nil {
			return runtimeError{err}
		}
		maskOps = append(maskOps, maskOpsLine{r, d})
		if *asJSON {
			// ms_per_step is the masking operations' own time; step_ms the
			// masked step it belongs to.
			if err := enc.Encode(map[string]any{"name": "mask-ops", "of": r.Label(), "n": r.N, "blas": r.BLAS,
				"engine": r.Engine, "masked": true, "batch": r.Batch, "steps": r.Steps, "gflops": 0,
				"ms_per_step": d, "step_ms": r.MsPerStep, "overhead_pct": 100 * d / r.MsPerStep}); err != nil {
				return err
			}
		}
	}
	if *asJSON {
		return nil
	}
	printBenchSummary(e.stdout, results, maskOps)
	return nil
}

type maskOpsLine struct {
	r  benchmarks.Result
	ms float64
}

func printBenchSummary(w io.Writer, results []benchmarks.Result, maskOps []maskOpsLine) {
	ratios := benchmarks.Ratios(results)
	if len(ratios) > 0 {
		fmt.Fprintln(w, "\nratios of ms per step, measured in this run (< 1: the first is faster):")
		for _, r := range ratios {
			extra := ""
			switch {
			case strings.Contains(r.What, "masked/unmasked"):
				extra = fmt.Sprintf("  (mask overhead %+.1f%% by medians, %+.1f%% by fastest steps; the direct timing below is steadier)", (r.Value-1)*100, (r.ValueMin-1)*100)
			case r.Value > 0 && r.Value <= 1:
				extra = fmt.Sprintf("  (the first is %.2f× faster)", 1/r.Value)
			case r.Value > 1:
				extra = fmt.Sprintf("  (the first is %.2f× slower)", r.Value)
			}
			fmt.Fprintf(w, "  %-48s %6.3f%s\n", r.What, r.Value, extra)
		}
	}
	if len(maskOps) > 0 {
		fmt.Fprintln(w, "\nmask operations alone (|W| ⊙ M forward and backward on the three layers, timed directly):")
		for _, m := range maskOps {
			fmt.Fprintf(w, "  %-46s %7.3f ms = %5.2f%% of its step\n", m.r.Label(), m.ms, 100*m.ms/m.r.MsPerStep)
		}
	}
	for _, r := range results {
		if r.Name == "R" && r.Masked && r.Engine == "fused" {
			fmt.Fprintf(w, "config R, fused, masked, %s: %.1f ms/step, %.2f× the speed of nn4n's ~149 ms (performance.md, measured separately); peak RSS during the case %.0f MB (nn4n's process: ~409 MB)\n",
				r.BLAS, r.MsPerStep, 149/r.MsPerStep, r.PeakRSSMB)
		}
	}
	if len(results) > 0 {
		fmt.Fprintf(w, "BLAS reason (last case): %s\n", results[len(results)-1].BLASReason)
	}
}
