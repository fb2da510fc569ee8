package main

import (
	"github.com/dale-rnn/dale/mask"
	"github.com/dale-rnn/dale/rnn"
	drun "github.com/dale-rnn/dale/run"
	"github.com/dale-rnn/dale/tasks"
	"github.com/dale-rnn/dale/train"
)

// runConfig is the JSON of a run; package run defines it, resolves it and
// holds the per-task recipes. This file only adapts it to the commands.
type runConfig = drun.Config

// resolved is a run config turned into the objects it describes.
type resolved struct {
	cfg    runConfig // fully resolved: every default written out
	task   tasks.Task
	stages []tasks.Task
	mask   mask.Mask // nil when the run has no mask config
	model  rnn.Config
	train  train.Options
}

func resolve(rc runConfig, dir string) (*resolved, error) {
	r, err := drun.Resolve(rc, dir)
	if err != nil {
		return nil, err
	}
	return &resolved{cfg: r.Config, task: r.Task, stages: r.Stages, mask: r.Mask, model: r.Model, train: r.Train}, nil
}

func parseRunConfig(data []byte, source string) (runConfig, error) { return drun.Parse(data, source) }

// loadRunConfig reads a run config file; with no path it is the recipe of
// task (the default run's task when task is "").
func loadRunConfig(path, task string) (runConfig, string, error) {
	if path == "" {
		if task == "" {
			return drun.Default(), "", nil
		}
		rc, err := drun.Recipe(task)
		return rc, "", err
	}
	rc, dir, err := drun.Load(path)
	if err != nil {
		return rc, dir, err
	}
	if task != "" {
		rc = rc.WithTask(task)
	}
	return rc, dir, nil
}

func marshalRunConfig(rc runConfig) ([]byte, error) { return drun.Marshal(rc) }

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
