package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/dale-rnn/dale/internal/npz"
	"github.com/dale-rnn/dale/train"
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
	b, res := ev.b, ev.res
	n := m.Dims()[1]
	arrays := []npz.Array{
		{Name: "inputs", Shape: []int{b.Size, b.Steps, b.In}, Data: b.Inputs},
		{Name: "targets", Shape: []int{b.Size, b.Steps, b.Out}, Data: b.Targets},
		{Name: "loss_mask", Shape: []int{b.Size, b.Steps, b.Out}, Data: b.Mask},
		{Name: "outputs", Shape: []int{b.Size, b.Steps, b.Out}, Data: res.Outputs},
		{Name: "rates", Shape: []int{b.Size, b.Steps, n}, Data: res.Rates},
		{Name: "potentials", Shape: []int{b.Size, b.Steps, n}, Data: res.Potentials},
		{Name: "dt", Shape: []int{}, Data: []float64{r.task.DT()}},
	}
	steps := make([]int32, b.Size)
	choice := make([]int32, b.Size)
	chosen := make([]int32, b.Size)
	correct := make([]uint8, b.Size)
	conds := map[string][]float64{}
	periods := map[string][]int32{}
	for i, tr := range b.Trials {
		steps[i], choice[i] = int32(tr.Steps), int32(tr.Choice)
		for k, v := range tr.Conditions {
			if conds[k] == nil {
				conds[k] = make([]float64, b.Size)
			}
			conds[k][i] = v
		}
		for _, p := range tr.Periods {
			for _, end := range []struct {
				key string
				v   int
			}{{"period_" + p.Name + "_start", p.Start}, {"period_" + p.Name + "_end", p.End}} {
				if periods[end.key] == nil {
					periods[end.key] = make([]int32, b.Size)
					for j := range periods[end.key] {
						periods[end.key][j] = -1 // absent in that trial
					}
				}
				periods[end.key][i] = int32(end.v)
			}
		}
		if i < len(ev.score.PerTrial) {
			chosen[i] = int32(ev.score.PerTrial[i].Chosen)
			if ev.score.PerTrial[i].Correct {
				correct[i] = 1
			}
		}
	}
	arrays = append(arrays,
		npz.Array{Name: "trial_steps", Shape: []int{b.Size}, Data: steps},
		npz.Array{Name: "choice", Shape: []int{b.Size}, Data: choice},
		npz.Array{Name: "chosen", Shape: []int{b.Size}, Data: chosen},
		npz.Array{Name: "correct", Shape: []int{b.Size}, Data: correct},
	)
	for _, k := range sortedKeys(conds) {
		arrays = append(arrays, npz.Array{Name: "cond_" + k, Shape: []int{b.Size}, Data: conds[k]})
	}
	for _, k := range sortedKeys(periods) {
		arrays = append(arrays, npz.Array{Name: k, Shape: []int{b.Size}, Data: periods[k]})
	}
	if err := npz.Write(*out, arrays...); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "dale export: %s on %d trials (seed %d, %d steps, %d neurons) → %s (%d arrays: inputs, targets, loss_mask, outputs, rates, potentials, conditions cond_*, periods period_*)\n",
		path, b.Size, seed, b.Steps, n, *out, len(arrays))
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
