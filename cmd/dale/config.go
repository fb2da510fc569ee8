package main

import (
	"context"
)

func init() {
	register(&command{
		name:    "config",
		summary: "print the full default run configuration, every field resolved",
		run:     runConfigCmd,
	})
}

func runConfigCmd(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("config", "config [--task NAME] [--config run.json]", e)
	taskName := fs.String("task", "", "task of the configuration (see dale tasks), with its default parameters; default: the default run's task (its train targets are dropped when the new task is judged by another measure)")
	cfgPath := fs.String("config", "", "resolve this run configuration instead of the default")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rc, dir, err := loadRunConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *taskName != "" {
		rc = retask(rc, *taskName)
	}
	r, err := resolve(rc, dir)
	if err != nil {
		return err
	}
	b, err := marshalRunConfig(r.cfg)
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(b)
	return err
}
