package run

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/dale-rnn/dale/npz"
)

// Export writes an evaluation to the .npz file path for numpy: inputs,
// targets, loss_mask, outputs, rates, potentials ([trial, step, unit]), dt,
// and per trial trial_steps, choice, chosen, correct, cond_NAME for every
// condition and period_NAME_start/_end for every period (-1 where a trial
// lacks it). It returns the number of arrays written.
func (ev *Evaluation) Export(path string, dt float64) (int, error) {
	if filepath.Ext(path) != ".npz" {
		return 0, invalid("export file", fmt.Sprintf("%q", path), "the file name must end in .npz")
	}
	b, res := ev.b, ev.res
	n := 0
	if b.Size > 0 && b.Steps > 0 {
		n = len(res.Rates) / (b.Size * b.Steps)
	}
	arrays := []npz.Array{
		{Name: "inputs", Shape: []int{b.Size, b.Steps, b.In}, Data: b.Inputs},
		{Name: "targets", Shape: []int{b.Size, b.Steps, b.Out}, Data: b.Targets},
		{Name: "loss_mask", Shape: []int{b.Size, b.Steps, b.Out}, Data: b.Mask},
		{Name: "outputs", Shape: []int{b.Size, b.Steps, b.Out}, Data: res.Outputs},
		{Name: "rates", Shape: []int{b.Size, b.Steps, n}, Data: res.Rates},
		{Name: "potentials", Shape: []int{b.Size, b.Steps, n}, Data: res.Potentials},
		{Name: "dt", Shape: []int{}, Data: []float64{dt}},
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
	if err := npz.Write(path, arrays...); err != nil {
		return 0, err
	}
	return len(arrays), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
