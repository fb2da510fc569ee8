package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/dale-rnn/dale/benchmarks"
	"github.com/dale-rnn/dale/internal/blas"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "time one training step at config R (fused/unrolled, masked/unmasked, each BLAS) and its scaling",
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
	fs := newFlagSet("bench", "bench [--json] [--case R|scaling|all|smoke] [--blas go|openblas|both] [--min-time 2s]", e)
	asJSON := fs.Bool("json", false, "print one JSON object per measured case, one per line")
	which := fs.String("case", "all", "which cases: R (config R: both engines, masked and unmasked, each BLAS), scaling (N, steps, batch), all, or smoke (a tiny case)")
	blasFlag := fs.String("blas", "both", "BLAS to measure: go, openblas, or both (each one that loads)")
	minTime := fs.Duration("min-time", 2*time.Second, "time each case for at least this long (within 5 to 30 steps)")
	if err := parseFlags(fs, args); err != nil {
		return err
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
	cases, err := benchCases(*which, names)
	if err != nil {
		return err
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
	for _, c := range cases {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := benchmarks.Measure(c, opts)
		if err != nil {
			return runtimeError{err}
		}
		results = append(results, r)
		if *asJSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(e.stdout, "%-46s %8.1f %8.1f %8.1f %7.0fMB %7.0fMB %6.0fMB %8.1fMB %5d\n",
			c.Label(), r.MsPerStep, r.MinMs, r.GFLOPS, r.PeakHeapMB, r.LiveHeapMB, r.PeakRSSMB, r.AllocMBStep, r.Measured)
	}
	if *asJSON {
		return nil
	}
	printBenchSummary(e.stdout, results)
	return nil
}

func printBenchSummary(w io.Writer, results []benchmarks.Result) {
	ratios := benchmarks.Ratios(results)
	if len(ratios) > 0 {
		fmt.Fprintln(w, "\nratios of ms per step, measured in this run (< 1: the first is faster):")
		for _, r := range ratios {
			extra := ""
			switch {
			case strings.Contains(r.What, "masked/unmasked"):
				extra = fmt.Sprintf("  (mask overhead %+.1f%%)", (r.Value-1)*100)
			case r.Value > 0 && r.Value <= 1:
				extra = fmt.Sprintf("  (the first is %.2f× faster)", 1/r.Value)
			case r.Value > 1:
				extra = fmt.Sprintf("  (the first is %.2f× slower)", r.Value)
			}
			fmt.Fprintf(w, "  %-48s %6.3f%s\n", r.What, r.Value, extra)
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
