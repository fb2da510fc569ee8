package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	drun "github.com/dale-rnn/dale/run"
)

func init() {
	register(&command{
		name:    "export",
		summary: "run a trained network on fresh trials and write inputs, outputs, rates and conditions to .npz",
		run:     runExport,
	})
}

func runExport(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("export", "export --run DIR --out states.npz [--trials N] [--seed S] [--checkpoint best|last]", e)
	var f evalFlags
	f.register(fs)
	out := fs.String("out", "", "the .npz file to write (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required: the .npz file to write")
	}
	if filepath.Ext(*out) != ".npz" {
		return fmt.Errorf("--out = %q is not allowed: the file name must end in .npz", *out)
	}
	if err := drun.CheckOutput(*out, "--out"); err != nil {
		return err
	}
	if fi, err := os.Stat(*out); err == nil && fi.IsDir() {
		return fmt.Errorf("--out = %q is not allowed: it is a directory; give the .npz file to write", *out)
	}
	if fi, err := os.Stat(filepath.Dir(*out)); err != nil || !fi.IsDir() {
		return fmt.Errorf("--out = %q is not allowed: its folder %s does not exist", *out, filepath.Dir(*out))
	}
	d, seed, err := f.open()
	if err != nil {
		return err
	}
	m, path, err := d.Load(f.checkpoint)
	if err != nil {
		return err
	}
	ev, err := d.Fresh(m, seed, f.trials)
	if err != nil {
		return runtimeError{err}
	}
	n, err := ev.Export(*out, d.Task.DT())
	if err != nil {
		return err
	}
	b := ev.Batch()
	fmt.Fprintf(e.stdout, "dale export: %s on %d trials (seed %d, %d steps, %d neurons) → %s (%d arrays: inputs, targets, loss_mask, outputs, rates, potentials, conditions cond_*, periods period_*)\n",
		path, b.Size, seed, b.Steps, m.Dims()[1], *out, n)
	return nil
}
