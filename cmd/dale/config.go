package main

import (
	"context"

	drun "github.com/dale-rnn/dale/run"
)

func init() {
	register(&command{
		name:    "config",
		summary: "print a run configuration (the recipe of --task, or --config) with every field resolved",
		run:     runConfigCmd,
	})
}

func runConfigCmd(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("config", "config [--task NAME] [--config run.json]", e)
	taskName := fs.String("task", "", "print the training recipe of this task (see dale tasks); with --config: replace the config's task; default: the default run (pdm)")
	cfgPath := fs.String("config", "", "resolve this run configuration instead of the default")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rc, dir, err := loadRunConfig(*cfgPath, *taskName)
	if err != nil {
		return err
	}
	r, err := drun.Resolve(rc, dir)
	if err != nil {
		return err
	}
	b, err := drun.Marshal(r.Config)
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(b)
	return err
}
