package main

import (
	drun "github.com/dale-rnn/dale/run"
)

// loadRunConfig reads a run config file; with no path it is the recipe of
// task (the default run's when task is ""). With both, the file's task is
// replaced by task (run.Config.WithTask). The folder returned is the one
// relative paths in the config are taken against.
func loadRunConfig(path, task string) (drun.Config, string, error) {
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
