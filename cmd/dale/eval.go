package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/train"
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

// load checks the flags and loads the run's config, task and model.
func (f *evalFlags) load() (*resolved, *rnn.Model, string, uint64, error) {
	if f.run == "" {
		return nil, nil, "", 0, fmt.Errorf("--run is required: the run directory written by dale train")
	}
	if f.trials <= 0 || f.trials > 100000 {
		return nil, nil, "", 0, fmt.Errorf("--trials = %d is not allowed: must be in [1, 100000]", f.trials)
	}
	var file string
	switch f.checkpoint {
	case "best":
		file = train.BestFile
	case "last":
		file = train.LastFile
	default:
		return nil, nil, "", 0, fmt.Errorf("--checkpoint = %q is not allowed: must be best or last", f.checkpoint)
	}
	rc, err := readRunConfig("run", f.run)
	if err != nil {
		return nil, nil, "", 0, err
	}
	seed := rc.Seed + 2
	if f.seed != "" {
		if seed, err = parseSeed(f.seed); err != nil {
			return nil, nil, "", 0, err
		}
	}
	r, err := resolve(rc, f.run)
	if err != nil {
		return nil, nil, "", 0, fmt.Errorf("%s: %v", filepath.Join(f.run, configFile), err)
	}
	path := filepath.Join(f.run, file)
	m, _, err := rnn.Load(path)
	if err != nil {
		return nil, nil, "", 0, err
	}
	if d := m.Dims(); d[0] != r.model.Dims[0] || d[2] != r.model.Dims[2] {
		return nil, nil, "", 0, fmt.Errorf("%s has dims %v but the run's task needs %v", path, d, r.model.Dims)
	}
	return r, m, path, seed, nil
}

func runEval(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("eval", "eval --run DIR [--trials N] [--seed S] [--checkpoint best|last]", e)
	var f evalFlags
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	r, m, path, seed, err := f.load()
	if err != nil {
		return err
	}
	bs, err := train.EvalBatches(r.task, seed, f.trials, r.train.BatchSize)
	if err != nil {
		return err
	}
	ev, err := evaluate(m, r.task, bs)
	if err != nil {
		return runtimeError{err}
	}
	mt := ev.metrics(r.task.Name(), filepath.Base(path), seed)
	dir := filepath.Join(f.run, "eval")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return runtimeError{err}
	}
	name := fmt.Sprintf("seed%d-%s", seed, f.checkpoint)
	out := filepath.Join(dir, name+".json")
	if err := writeJSON(out, mt); err != nil {
		return runtimeError{err}
	}
	fig := filepath.Join(dir, name+"-psychometric.png")
	if err := psychometricFigureFor(fig, r.task, ev.psy); err != nil {
		return runtimeError{err}
	}
	fmt.Fprintf(e.stdout, "dale eval: %s on %d fresh trials (seed %d): %s%s\n",
		path, mt.Trials, seed, scoreText(mt), byConditionText(mt))
	for _, c := range mt.Psychometric {
		fit := "converged"
		if !c.Fit.Converged {
			fit = "not converged: " + c.Fit.Reason
		}
		fmt.Fprintf(e.stdout, "  psychometric %s: bias %.3g, slope %.3g (σ %.3g) over %s (%s)\n", c.Label, c.Fit.Bias, c.Fit.Slope, c.Fit.Sigma, c.Evidence, fit)
	}
	fmt.Fprintf(e.stdout, "dale eval: wrote %s", out)
	if len(ev.psy) > 0 {
		fmt.Fprintf(e.stdout, " and %s", fig)
	}
	fmt.Fprintln(e.stdout)
	return nil
}
