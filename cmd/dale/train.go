package main

import (
	"context"
	"fmt"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train a network (default: two-area E/I network on perceptual decision making)",
		run:     runTrain,
	})
}

func runTrain(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("train", "train [--config run.json] [--task NAME] [--out DIR] [--steps N] [--seed S] [--resume DIR]", e)
	fs.String("config", "", "run configuration (JSON); empty = the embedded default")
	fs.String("task", "", "task name (see dale tasks); overrides the config's task")
	fs.String("out", "", "run directory to write")
	fs.Int("steps", 0, "training steps; 0 = the config's value")
	fs.Uint64("seed", 0, "random seed; 0 = the config's value")
	fs.String("resume", "", "run directory to resume from")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "dale train: training is not yet available in this version; build masks with 'dale mask'.")
	return nil
}
