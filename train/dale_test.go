package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dale-rnn/dale/rnn"
	"gorgonia.org/tensor"
)

// TestDaleSparsityAndPlasticity trains 1000 steps under Adam and checks,
// after every step, that every effective matrix keeps its mask's sign row
// by row and is exactly 0 where the mask is 0; at the end, that p = 0
// synapses are bit-identical to their start and p = 0.5 synapses moved
// measurably less than p = 1 synapses.
func TestDaleSparsityAndPlasticity(t *testing.T) {
	const n, steps = 32, 1000
	task := newSignTask(20)
	prng := rand.New(rand.NewPCG(5, 6))
	pl := make([]float64, n*n)
	for i := range pl {
		pl[i] = []float64{0, 0.5, 1}[prng.IntN(3)]
	}
	m := smallModel(t, n, 2, func(c *rnn.Config) {
		c.Plasticity = rnn.Plasticities{{Value: 1}, {Values: pl}, {Value: 1}}
	})
	masks := m.MasksInUse()
	w0 := paramData(m.Param(rnn.NameWRec))
	check := func(step int) error {
		in, rec, out := m.Effective()
		for li, c := range []struct {
			eff  *tensor.Dense
			mask []float64
		}{{in, masks.Input}, {rec, masks.Hidden}, {out, masks.Readout}} {
			e := c.eff.Data().([]float32)
			if len(e) != len(c.mask) {
				return fmt.Errorf("layer %d: %d effective weights for a mask of %d", li, len(e), len(c.mask))
			}
			for j, v := range e {
				switch mk := c.mask[j]; {
				case mk == 0 && math.Float32bits(v) != 0:
					return fmt.Errorf("step %d: layer %d element %d is %v where the mask is 0", step, li, j, v)
				case mk > 0 && !(v >= 0), mk < 0 && !(v <= 0):
					return fmt.Errorf("step %d: layer %d element %d is %v against mask sign %v", step, li, j, v, mk)
				}
			}
		}
		return nil
	}
	if err := check(0); err != nil {
		t.Fatal(err)
	}
	checked := 0
	opts := Options{Steps: steps, BatchSize: 16, Seed: 1, EvalEvery: -1,
		Optimizer: Adam{LR: 2e-2},
		Recorders: []Recorder{RecorderFunc(func(r Record) error {
			checked++
			return check(r.Step)
		})}}
	if _, err := Run(context.Background(), m, task, opts); err != nil {
		t.Fatal(err)
	}
	if checked != steps {
		t.Fatalf("checked %d steps, want %d", checked, steps)
	}
	w1 := paramData(m.Param(rnn.NameWRec))
	var moved [3][]float64
	flips := 0
	for j := range w0 {
		if masks.Hidden[j] == 0 {
			continue
		}
		g := int(pl[j] * 2)
		moved[g] = append(moved[g], float64(w1[j])-float64(w0[j]))
		if pl[j] == 0 && math.Float32bits(w0[j]) != math.Float32bits(w1[j]) {
			t.Fatalf("w_rec[%d] has plasticity 0 but moved from %v to %v", j, w0[j], w1[j])
		}
		if (w0[j] > 0) != (w1[j] > 0) {
			flips++
		}
	}
	half, full := meanAbs(moved[1]), meanAbs(moved[2])
	t.Logf("mean |Δw|: p=0.5 %.4g, p=1 %.4g (ratio %.3f); raw sign flips %d", half, full, half/full, flips)
	if !(half > 0 && half < 0.75*full) {
		t.Errorf("p = 0.5 synapses moved %.4g on average, p = 1 synapses %.4g: want clearly less (< 0.75×)", half, full)
	}
	if flips == 0 {
		t.Error("no raw weight changed sign: the Dale check was not exercised")
	}
}
