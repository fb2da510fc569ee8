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

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/internal/blas"
	drun "github.com/dale-rnn/dale/run"
	"github.com/dale-rnn/dale/train"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train a network (default: a two-area E/I network on perceptual decision making)",
		run:     runTrain,
	})
}

func runTrain(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("train", "train [--config run.json] [--task NAME] [--out DIR] [--steps N] [--seed S] [--resume DIR]", e)
	cfgPath := fs.String("config", "", "run configuration (JSON: seed, hidden_size, task, curriculum, mask, model, train; see dale config); empty: the recipe of --task (default pdm)")
	taskName := fs.String("task", "", "task to train, with its training recipe (see dale tasks, dale config --task NAME); with --config: replaces the config's task")
	outDir := fs.String("out", "", "run directory to create (must not exist or be empty); default runs/<task>-<time>")
	steps := fs.Int("steps", -1, "total training steps; replaces train.steps (-1: keep the config's)")
	seed := fs.String("seed", "", "random seed for everything (mask, weights, batches, evaluation); replaces every seed of the config")
	resumeDir := fs.String("resume", "", "run directory to continue (its config.json and last.npz); --steps may extend it")
	quiet := fs.Bool("quiet", false, "no progress bar or log lines")
	noDale := fs.Bool("no-dale", false, "train without Dale's law as Yang et al. 2019 did: no mask, no sign constraint (model.dale false)")
	fs.footer = `exit status:
  0  trained: converged, or reached its step limit
  1  the run failed after it started (diverged, disk full): the last good checkpoint is kept
  2  bad input (flags, config, files, a run directory in use): nothing was written or changed
  3  interrupted by SIGINT or SIGTERM: last.npz is saved; continue with --resume DIR`
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *steps == 0 || *steps < -1 {
		return fmt.Errorf("--steps = %d is not allowed: must be > 0", *steps)
	}
	if *resumeDir != "" {
		if *cfgPath != "" || *taskName != "" || *seed != "" || *outDir != "" || *noDale {
			return errors.New("--resume takes its configuration from the run directory: --config, --task, --seed, --out and --no-dale cannot be combined with it")
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
	if *noDale {
		if rc, err = rc.WithoutDale(); err != nil {
			return err
		}
	}
	r, err := drun.Resolve(rc, dir)
	if err != nil {
		return err
	}
	out := *outDir
	if out == "" {
		out = filepath.Join("runs", fmt.Sprintf("%s-%s", r.Task.Name(), time.Now().Format("20060102-150405")))
	}
	if err := drun.CheckNewDir(out, "--out"); err != nil {
		return err
	}
	if err := r.CheckMemory(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "dale train: %s, %d neurons, %s engine, BLAS %s; %d steps of %d trials; run directory %s\n",
		r.Task.Name(), r.Model.Dims[1], r.Model.Engine, blas.Name(), r.Train.Steps, r.Train.BatchSize, out)
	oc, err := drun.Train(ctx, r, out, drun.Options{Output: e.stderr, Quiet: *quiet})
	return report(oc, err, e)
}

// resumeRun continues the run in dir.
func resumeRun(ctx context.Context, dir string, steps int, quiet bool, e *env) error {
	rc, err := drun.ReadConfig(dir, "--resume")
	if err != nil {
		return err
	}
	if steps > 0 {
		if rc, err = rc.WithTrain("steps", steps); err != nil {
			return err
		}
	}
	r, err := drun.Resolve(rc, dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, train.LastFile)); err != nil {
		return fmt.Errorf("--resume %s: no %s to resume from", dir, train.LastFile)
	}
	fmt.Fprintf(e.stdout, "dale train: resuming %s up to step %d\n", dir, r.Train.Steps)
	oc, err := drun.Resume(ctx, r, dir, drun.Options{Output: e.stderr, Quiet: quiet})
	var ce *config.Error
	if steps > 0 && errors.As(err, &ce) && ce.Field == "steps" {
		return fmt.Errorf("--steps = %d is not allowed: %s", steps, ce.Allowed)
	}
	return report(oc, err, e)
}

// report prints the closing lines of a finished (or stopped) run.
func report(oc *drun.Outcome, err error, e *env) error {
	var failed *drun.FailedError
	if errors.As(err, &failed) {
		return runtimeError{err}
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if res := oc.Train; res != nil {
		fmt.Fprintf(e.stdout, "dale train: %s after %d steps, loss %.4g", statusText(res.Status), res.Step, res.Loss)
		if b := res.Best; b != nil && b.Measure != "" && !math.IsNaN(b.Value) {
			fmt.Fprintf(e.stdout, ", best evaluation %s %.4g (step %d)", b.Measure, b.Value, b.Step)
		} else if b != nil {
			fmt.Fprintf(e.stdout, ", best evaluation mse %.4g (step %d)", b.MSE, b.Step)
		}
		fmt.Fprintf(e.stdout, ", %.1f s\n", res.Wall.Seconds())
	}
	mt := oc.Metrics
	fmt.Fprintf(e.stdout, "dale train: %s on %d evaluation trials: %s%s; %d figures in %s\n",
		filepath.Base(oc.Checkpoint), mt.Trials, scoreText(mt), byConditionText(mt), len(oc.Figures), filepath.Join(oc.Dir, drun.FiguresDir))
	for _, w := range oc.Warnings {
		fmt.Fprintf(e.stderr, "dale train: warning: %s\n", w)
	}
	if oc.Train != nil && oc.Train.Status == train.Interrupted {
		return fmt.Errorf("%w after step %d: continue with dale train --resume %s", errInterrupted, oc.Train.Step, oc.Dir)
	}
	return nil
}

// scoreText writes the task's own measure against its target, e.g.
// "accuracy 0.913 (target >= 0.9, met; chance 0.50, ideal observer
// 0.951)" or "mse 0.0042 (target < 0.01, met), bit_error 0.0011,
// bits_held 0.97".
func scoreText(mt drun.Metrics) string {
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

func idealText(mt drun.Metrics) string {
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

func byConditionText(mt drun.Metrics) string {
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

func parseSeed(s string) (uint64, error) {
	var v uint64
	if _, err := fmt.Sscan(s, &v); err != nil || fmt.Sprint(v) != strings.TrimSpace(s) {
		return 0, fmt.Errorf("--seed = %q is not allowed: must be a non-negative integer", s)
	}
	return v, nil
}
