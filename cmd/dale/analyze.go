package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dale-rnn/dale/analysis"
	drun "github.com/dale-rnn/dale/run"
)

func init() {
	register(&command{
		name:    "analyze",
		summary: "how a trained network solves its task: fixed points, targeted dimensionality reduction, lesions",
		run:     runAnalyze,
	})
}

func runAnalyze(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("analyze", "analyze --run DIR [--what fixedpoints,tdr,lesions] [--input v1,v2,...] [--units i,j,...] [--out DIR] [--trials N] [--seed S] [--checkpoint best|last]", e)
	var f evalFlags
	f.register(fs)
	what := fs.String("what", "", "analyses to run, comma-separated: "+strings.Join(drun.Analyses, ", ")+" (default: every one the task and network allow)")
	input := fs.String("input", "", "constant input for the fixed points, one value per input channel (default: per context, the stimulus period's mean input for tasks with contexts; zeros otherwise)")
	units := fs.String("units", "", "hidden neurons to silence as one more lesion, comma-separated")
	out := fs.String("out", "", "folder to write into (default: the run directory's analysis/)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var list []string
	if *what != "" {
		for _, w := range strings.Split(*what, ",") {
			w = strings.TrimSpace(w)
			if !slices.Contains(drun.Analyses, w) {
				return fmt.Errorf("--what = %q is not allowed: each analysis must be one of %s", *what, strings.Join(drun.Analyses, ", "))
			}
			list = append(list, w)
		}
	}
	var in []float64
	if *input != "" {
		for _, s := range strings.Split(*input, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("--input = %q is not allowed: must be finite numbers separated by commas", *input)
			}
			in = append(in, v)
		}
	}
	var extra []analysis.Lesion
	if *units != "" {
		var us []int
		for _, s := range strings.Split(*units, ",") {
			u, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || u < 0 {
				return fmt.Errorf("--units = %q is not allowed: must be neuron indices >= 0 separated by commas", *units)
			}
			us = append(us, u)
		}
		extra = append(extra, analysis.Lesion{Units: us})
	}
	d, seed, err := f.open()
	if err != nil {
		return err
	}
	dest := *out
	if dest == "" {
		dest = filepath.Join(d.Path, drun.AnalysisDir)
	}
	if err := drun.CheckOutput(dest, "--out"); err != nil {
		return err
	}
	m, path, err := d.Load(f.checkpoint)
	if err != nil {
		return err
	}
	opts := drun.AnalyzeOptions{What: list, Input: in, Lesions: extra, Seed: seed, Trials: f.trials}
	if err := d.CheckAnalyze(m, opts); err != nil {
		return err
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	rep, err := d.Analyze(m, dest, opts)
	if err != nil {
		return runtimeError{err}
	}
	fmt.Fprintf(e.stdout, "dale analyze: %s (%s) on %d fresh trials (seed %d)\n", path, d.Task.Name(), f.trials, seed)
	for _, line := range rep.Summary {
		fmt.Fprintf(e.stdout, "  %s\n", line)
	}
	fmt.Fprintf(e.stdout, "dale analyze: wrote %d files in %s\n", len(rep.Files), dest)
	for _, w := range rep.Warnings {
		fmt.Fprintf(e.stderr, "dale analyze: warning: %s\n", w)
	}
	return nil
}
