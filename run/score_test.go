package run

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/tasks"
)

// ScoreFunc scores all evaluation batches at once by the task's measure,
// whatever their lengths.
func TestScoreFunc(t *testing.T) {
	for _, tc := range []struct {
		task, params string
		scale        float32 // outputs = scale × targets
		want         float64
	}{
		{"flipflop", `{"pad": "batch", "duration": {"uniform": [300, 1000]}}`, 0.5, 0.25}, // mse of half-size outputs
		{"flipflop", `{"pad": "batch", "duration": {"uniform": [300, 1000]}}`, 1, 0},
		{"pdm", `{"pad": "batch", "timing": {"stimulus": {"uniform": [200, 600]}}}`, 1, 1}, // accuracy
		{"rsg", `{"pad": "batch"}`, 1, 1},                                                  // r
	} {
		t.Run(tc.task, func(t *testing.T) {
			task, err := tasks.New(tc.task, json.RawMessage(tc.params))
			if err != nil {
				t.Fatal(err)
			}
			var bs []*batch.Batch
			var outs [][]float32
			steps := map[int]bool{}
			for j := range 3 {
				b, err := task.Sample(rand.New(rand.NewPCG(uint64(j), 3)), 16)
				if err != nil {
					t.Fatal(err)
				}
				out := make([]float32, len(b.Targets))
				for i, v := range b.Targets {
					out[i] = tc.scale * v
				}
				bs, outs = append(bs, b), append(outs, out)
				steps[b.Steps] = true
			}
			if len(steps) < 2 {
				t.Fatalf("the batches all have %v steps: the test needs different lengths", steps)
			}
			f, m := ScoreFunc(task)
			v, err := f(bs, outs)
			if err != nil {
				t.Fatal(err)
			}
			if m.Name != task.Target().Measure || m.HigherIsBetter != task.Target().HigherIsBetter || math.Abs(v-tc.want) > 1e-6 {
				t.Errorf("%s %v, want %v (measure %+v)", m.Name, v, tc.want, m)
			}
		})
	}
}
