package main

import (
	"context"
	"fmt"
	"path/filepath"

	drun "github.com/dale-rnn/dale/run"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "judge a trained network on fresh trials: metrics and psychometric figure",
		run:     runEval,
	})
}

// evalFlags are the flags eval and export share.
type evalFlags struct {
	run, checkpoint string
	trials          int
	seed            string
}

func (f *evalFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
}) {
	fs.StringVar(&f.run, "run", "", "run directory written by dale train (required)")
	fs.StringVar(&f.checkpoint, "checkpoint", "best", "which checkpoint of the run: best or last")
	fs.IntVar(&f.trials, "trials", 512, "number of fresh trials")
	fs.StringVar(&f.seed, "seed", "", "seed of the fresh trials; default: the run's seed + 2 (training uses seed, evaluation seed + 1)")
}

// open checks the flags and opens the run directory; it returns the seed
// of the fresh trials.
func (f *evalFlags) open() (*drun.Dir, uint64, error) {
	if f.run == "" {
		return nil, 0, fmt.Errorf("--run is required: the run directory written by dale train")
	}
	if f.trials <= 0 || f.trials > drun.MaxFreshTrials {
		return nil, 0, fmt.Errorf("--trials = %d is not allowed: must be in [1, %d]", f.trials, drun.MaxFreshTrials)
	}
	if f.checkpoint != "best" && f.checkpoint != "last" {
		return nil, 0, fmt.Errorf("--checkpoint = %q is not allowed: must be best or last", f.checkpoint)
	}
	d, err := drun.Open(f.run, "--run")
	if err != nil {
		return nil, 0, err
	}
	seed := drun.DefaultEvalSeed(d.Config.Seed)
	if f.seed != "" {
		if seed, err = parseSeed(f.seed); err != nil {
			return nil, 0, err
		}
	}
	return d, seed, nil
}

func runEval(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("eval", "eval --run DIR [--trials N] [--seed S] [--checkpoint best|last] [--out DIR]", e)
	var f evalFlags
	f.register(fs)
	out := fs.String("out", "", "folder for the metrics JSON and figure (default: the run directory's eval/; use it for a read-only run directory)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, seed, err := f.open()
	if err != nil {
		return err
	}
	m, path, err := d.Load(f.checkpoint)
	if err != nil {
		return err
	}
	dest := *out
	if dest == "" {
		dest = filepath.Join(d.Path, drun.EvalDir)
	}
	if err := drun.CheckOutput(dest, "--out"); err != nil {
		return err
	}
	rep, err := d.EvalTo(dest, m, path, seed, f.trials)
	if err != nil {
		return runtimeError{err}
	}
	mt := rep.Metrics
	fmt.Fprintf(e.stdout, "dale eval: %s on %d fresh trials (seed %d): %s%s\n",
		path, mt.Trials, seed, scoreText(mt), byConditionText(mt))
	for _, c := range mt.Psychometric {
		fit := "converged"
		if !c.Fit.Converged {
			fit = "not converged: " + c.Fit.Reason
		}
		fmt.Fprintf(e.stdout, "  psychometric %s: bias %.3g, slope %.3g (σ %.3g) over %s (%s)\n", c.Label, c.Fit.Bias, c.Fit.Slope, c.Fit.Sigma, c.Evidence, fit)
	}
	fmt.Fprintf(e.stdout, "dale eval: wrote %s", rep.JSON)
	if rep.Figure != "" {
		fmt.Fprintf(e.stdout, " and %s", rep.Figure)
	}
	fmt.Fprintln(e.stdout)
	return nil
}
