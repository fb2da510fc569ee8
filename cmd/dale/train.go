package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dale-rnn/dale/internal/blas"
	"github.com/dale-rnn/dale/mask"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/train"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train a network (default: a two-area E/I network on perceptual decision making)",
		run:     runTrain,
	})
}

const (
	configFile  = "config.json"
	metricsFile = "metrics.json"
)

func runTrain(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("train", "train [--config run.json] [--task NAME] [--out DIR] [--steps N] [--seed S] [--resume DIR]", e)
	cfgPath := fs.String("config", "", "run configuration (JSON: seed, hidden_size, task, mask, model, train; see dale config); empty = the embedded default")
	taskName := fs.String("task", "", "task to train, with its training recipe (see dale tasks, dale config --task NAME); with --config: replaces the config's task")
	outDir := fs.String("out", "", "run directory to create (must not exist or be empty); default runs/<task>-<time>")
	steps := fs.Int("steps", -1, "total training steps; replaces train.steps (-1: keep the config's)")
	seed := fs.String("seed", "", "random seed for everything (mask, weights, batches, evaluation); replaces every seed of the config")
	resumeDir := fs.String("resume", "", "run directory to continue (its config.json and last.npz); --steps may extend it")
	quiet := fs.Bool("quiet", false, "no progress bar or log lines")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *steps == 0 || *steps < -1 {
		return fmt.Errorf("--steps = %d is not allowed: must be > 0", *steps)
	}
	if *resumeDir != "" {
		if *cfgPath != "" || *taskName != "" || *seed != "" || *outDir != "" {
			return errors.New("--resume takes its configuration from the run directory: --config, --task, --seed and --out cannot be combined with it")
		}
		return resumeRun(ctx, *resumeDir, *steps, *quiet, e)
	}

	rc, dir, err := loadRunConfig(*cfgPath, *taskName)
	if err != nil {
		return err
	}
	if *seed != "" {
		s, err := parseSeed(*seed)
		if err != nil {
			return err
		}
		if rc, err = rc.WithSeed(s); err != nil {
			return err
		}
	}
	if *steps > 0 {
		if rc, err = rc.WithTrain("steps", *steps); err != nil {
			return err
		}
	}
	r, err := resolve(rc, dir)
	if err != nil {
		return err
	}
	model, err := rnn.New(r.model, nil)
	if err != nil {
		return fmt.Errorf("model: %v", err)
	}
	out := *outDir
	if out == "" {
		out = filepath.Join("runs", fmt.Sprintf("%s-%s", r.task.Name(), time.Now().Format("20060102-150405")))
	}
	if err := prepareOutDir(out); err != nil {
		return err
	}
	// From here on the run directory exists; failures are the run's, not
	// the user's input.
	cfgJSON, err := marshalRunConfig(r.cfg)
	if err != nil {
		return runtimeError{err}
	}
	if err := os.WriteFile(filepath.Join(out, configFile), cfgJSON, 0o644); err != nil {
		return runtimeError{err}
	}
	opts := r.train
	opts.Dir = out
	opts.Output = e.stderr
	opts.Quiet = opts.Quiet || *quiet
	fmt.Fprintf(e.stdout, "dale train: %s, %d neurons, %s engine, BLAS %s; %d steps of %d trials; run directory %s\n",
		r.task.Name(), r.model.Dims[1], r.model.Engine, blas.Name(), opts.Steps, opts.BatchSize, out)
	res, runErr := train.Run(ctx, model, r.task, opts)
	return finishRun(out, r, res, runErr, e)
}

// resumeRun continues the run in dir.
func resumeRun(ctx context.Context, dir string, steps int, quiet bool, e *env) error {
	rc, err := readRunConfig("resume", dir)
	if err != nil {
		return err
	}
	if steps > 0 {
		if rc, err = rc.WithTrain("steps", steps); err != nil {
			return err
		}
	}
	r, err := resolve(rc, dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, train.LastFile)); err != nil {
		return fmt.Errorf("--resume %s: no %s to resume from", dir, train.LastFile)
	}
	opts := r.train
	opts.Dir = dir
	opts.Output = e.stderr
	opts.Quiet = opts.Quiet || quiet
	fmt.Fprintf(e.stdout, "dale train: resuming %s up to step %d\n", dir, opts.Steps)
	if cfgJSON, err := marshalRunConfig(r.cfg); err == nil {
		os.WriteFile(filepath.Join(dir, configFile), cfgJSON, 0o644)
	}
	_, res, runErr := train.Resume(ctx, dir, r.task, opts)
	return finishRun(dir, r, res, runErr, e)
}

// finishRun reports a finished (or stopped) run: metrics.json and figures
// from best.npz on the run's evaluation trials.
func finishRun(dir string, r *resolved, res *train.Result, runErr error, e *env) error {
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return runtimeError{fmt.Errorf("%v (the last good checkpoint is in %s)", runErr, dir)}
	}
	if res != nil {
		fmt.Fprintf(e.stdout, "dale train: %s after %d steps, loss %.4g", statusText(res.Status), res.Step, res.Loss)
		if b := res.Best; b != nil && b.Measure != "" && !math.IsNaN(b.Value) {
			fmt.Fprintf(e.stdout, ", best evaluation %s %.4g (step %d)", b.Measure, b.Value, b.Step)
		} else if b != nil {
			fmt.Fprintf(e.stdout, ", best evaluation mse %.4g (step %d)", b.MSE, b.Step)
		}
		fmt.Fprintf(e.stdout, ", %.1f s\n", res.Wall.Seconds())
	}
	ckpt := filepath.Join(dir, train.BestFile)
	if _, err := os.Stat(ckpt); err != nil {
		ckpt = filepath.Join(dir, train.LastFile)
	}
	m, _, err := rnn.Load(ckpt)
	if err != nil {
		return runtimeError{err}
	}
	bs, err := train.EvalBatches(r.task, r.train.EvalSeed, r.train.EvalTrials, r.train.BatchSize)
	if err != nil {
		return runtimeError{err}
	}
	ev, err := evaluate(m, r.task, bs)
	if err != nil {
		return runtimeError{err}
	}
	mt := ev.metrics(r.task.Name(), filepath.Base(ckpt), r.train.EvalSeed)
	if res != nil {
		mt.Training, _ = json.Marshal(res)
	}
	if err := writeJSON(filepath.Join(dir, metricsFile), mt); err != nil {
		return runtimeError{err}
	}
	var areas []int
	if r.mask != nil {
		areas = areaStarts(r.mask.Areas(), r.model.Dims[1])
	}
	figs, err := runFigures(dir, m, r.task, ev, areas)
	if err != nil {
		return runtimeError{err}
	}
	fmt.Fprintf(e.stdout, "dale train: %s on %d evaluation trials: %s%s; %d figures in %s\n",
		filepath.Base(ckpt), mt.Trials, scoreText(mt), byConditionText(mt), len(figs), filepath.Join(dir, "figures"))
	return nil
}

// scoreText writes the task's own measure against its target, e.g.
// "accuracy 0.913 (target >= 0.9, met; chance 0.50, ideal observer
// 0.951)" or "mse 0.0042 (target < 0.01, met), bit_error 0.0011,
// bits_held 0.97".
func scoreText(mt metrics) string {
	tg := mt.Target
	op, met := "<", "not met"
	if tg.HigherIsBetter {
		op = ">="
	}
	if tg.Met {
		met = "met"
	}
	v := mt.Measures[tg.Measure]
	if tg.Measure == "accuracy" {
		chance := ""
		if mt.Chance != nil {
			chance = fmt.Sprintf("; chance %.2f", *mt.Chance)
		}
		text := fmt.Sprintf("accuracy %.3f (target %s %g, %s%s%s)", v, op, tg.Value, met, chance, idealText(mt))
		if mt.NoAnswer > 0 {
			text += fmt.Sprintf(", %d trials without a correct answer not scored", mt.NoAnswer)
		}
		return text
	}
	parts := []string{fmt.Sprintf("%s %.4g (target %s %g, %s)", tg.Measure, v, op, tg.Value, met)}
	names := make([]string, 0, len(mt.Measures))
	for k := range mt.Measures {
		if k != tg.Measure {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		parts = append(parts, fmt.Sprintf("%s %.4g", k, mt.Measures[k]))
	}
	return strings.Join(parts, ", ")
}

func idealText(mt metrics) string {
	if mt.IdealObserver == nil {
		return ""
	}
	return fmt.Sprintf(", ideal observer %.3f", mt.IdealObserver.Accuracy)
}

func statusText(s train.Status) string {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Sprint(s)
	}
	return strings.Trim(string(b), `"`)
}

func byConditionText(mt metrics) string {
	if len(mt.ByCondition) == 0 {
		return ""
	}
	var parts []string
	cond := mt.ByCondition[0].Condition
	for _, c := range mt.ByCondition {
		if c.Condition != cond {
			break
		}
		if mt.ErrorName != "" {
			parts = append(parts, fmt.Sprintf("%g: %.3g", c.Value, c.Error))
		} else {
			parts = append(parts, fmt.Sprintf("%g: %.2f", c.Value, c.Accuracy))
		}
	}
	if mt.ErrorName != "" {
		return fmt.Sprintf("; %s by %s %s", mt.ErrorName, cond, strings.Join(parts, ", "))
	}
	return fmt.Sprintf("; by %s %s", cond, strings.Join(parts, ", "))
}

// areaStarts gives the first neuron of every area but the first: the
// boundaries drawn on mask and weight figures.
func areaStarts(areas []mask.Area, n int) []int {
	var starts []int
	for i, a := range areas {
		if i == 0 || len(a.Indices) == 0 || a.Indices[0] <= 0 || a.Indices[0] >= n {
			continue
		}
		starts = append(starts, a.Indices[0])
	}
	return starts
}

// prepareOutDir creates the run directory; an existing non-empty one is an
// error, so a run never mixes its files with another's.
func prepareOutDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0:
		return fmt.Errorf("--out %s is not empty: choose a new directory (or --resume it)", dir)
	case err != nil && !os.IsNotExist(err):
		return fmt.Errorf("--out %s: %v", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: %v", dir, err)
	}
	return nil
}

// readRunConfig reads the config.json of the run directory that flag
// names.
func readRunConfig(flag, dir string) (runConfig, error) {
	path := filepath.Join(dir, configFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return runConfig{}, fmt.Errorf("--%s %s is not a run directory: %v", flag, dir, err)
	}
	return parseRunConfig(data, path)
}

func parseSeed(s string) (uint64, error) {
	var v uint64
	if _, err := fmt.Sscan(s, &v); err != nil || fmt.Sprint(v) != strings.TrimSpace(s) {
		return 0, fmt.Errorf("--seed = %q is not allowed: must be a non-negative integer", s)
	}
	return v, nil
}
