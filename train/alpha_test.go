package train

import (
	"context"
	"testing"

	"github.com/dale-rnn/dale/rnn"
)

// A learned alpha stays in [MinAlpha, 1] however large the steps: at a
// learning rate of 0.5 Adam moves every alpha by about 0.5 a step, so
// without the projection some leave (0, 1] on the first step.
func TestLearnedAlphaStaysInRange(t *testing.T) {
	for _, dtype := range []string{"float32", "float64"} {
		t.Run(dtype, func(t *testing.T) {
			m := smallModel(t, 16, 3, func(c *rnn.Config) { c.LearnAlpha, c.DType = true, dtype })
			o := Options{Steps: 6, BatchSize: 4, EvalEvery: -1, Quiet: true, ClipNorm: -1,
				Optimizer: Adam{LR: 0.5}}
			if _, err := Run(context.Background(), m, newSignTask(10), o); err != nil {
				t.Fatal(err)
			}
			a := m.Param(rnn.NameAlpha).Float64s()
			atEdge := 0
			for j, v := range a {
				if v < MinAlpha || v > 1 {
					t.Fatalf("alpha[%d] = %v is outside [%v, 1]", j, v, MinAlpha)
				}
				if v == 1 || float32(v) == float32(MinAlpha) {
					atEdge++
				}
			}
			if atEdge == 0 {
				t.Errorf("no alpha reached a bound (%v): the test did not exercise the projection", a)
			}
		})
	}
}
