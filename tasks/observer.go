package tasks

import (
	"fmt"

	"github.com/dale-rnn/dale/batch"
)

// IdealObserver scores, on batch b, the choices of an ideal observer of
// the noisy inputs, as the ceiling a network can reach on the same trials.
// It holds fixation perfectly and chooses:
//
//   - pdm, multisensory: the sign of the summed evidence (right − left, over
//     the modalities shown) over the stimulus period;
//   - ctxdm: the same for the cued modality only;
//   - romo: whether the mean stimulus input over f1 exceeds that over f2.
//
// Other tasks are an error.
func IdealObserver(t Task, b *batch.Batch) (Score, error) {
	k, ok := t.(interface {
		observer() func(b *batch.Batch, i int) int
	})
	if !ok || k.observer() == nil {
		return Score{}, fmt.Errorf("tasks: ideal observer: task %q has none; allowed: pdm, ctxdm, multisensory, romo", t.Name())
	}
	if err := b.Validate(); err != nil {
		return Score{}, fmt.Errorf("tasks: ideal observer: %w", err)
	}
	if b.Trials == nil || b.In != Width(t.Inputs()) || b.Out != Width(t.Outputs()) {
		return Score{}, fmt.Errorf("tasks: ideal observer: the batch is not a %s batch with trial descriptions", t.Name())
	}
	choose := k.observer()
	out := make([]float32, len(b.Targets))
	for i, tr := range b.Trials {
		dec, ok := tr.Period("decision")
		if !ok || dec.End > b.Steps {
			return Score{}, fmt.Errorf("tasks: ideal observer: trial %d has no decision period", i)
		}
		for s := 0; s < dec.Start; s++ {
			out[b.At(i, s, 0, b.Out)] = 1
		}
		c := choose(b, i)
		for s := dec.Start; s < dec.End; s++ {
			out[b.At(i, s, 1+c, b.Out)] = 1
		}
	}
	return t.Score(b, out)
}

func (k *core) observer() func(b *batch.Batch, i int) int { return k.observe }

// sumInputs sums unit u of trial i over period name.
func sumInputs(b *batch.Batch, i, u int, name string) (sum float64, n int) {
	p, _ := b.Trials[i].Period(name)
	for s := p.Start; s < p.End && s < b.Steps; s++ {
		sum += float64(b.Inputs[b.At(i, s, u, b.In)])
	}
	return sum, p.End - p.Start
}

// evidenceObserver chooses right (1) when the summed right − left inputs
// of the given (left, right) unit pairs over the stimulus exceed 0; pairs
// picks the pairs' left units for trial i.
func evidenceObserver(pairs func(tr batch.Trial) []int) func(b *batch.Batch, i int) int {
	return func(b *batch.Batch, i int) int {
		var d float64
		for _, u := range pairs(b.Trials[i]) {
			l, _ := sumInputs(b, i, u, "stimulus")
			r, _ := sumInputs(b, i, u+1, "stimulus")
			d += r - l
		}
		if d > 0 {
			return 1
		}
		return 0
	}
}

func romoObserver(b *batch.Batch, i int) int {
	s1, n1 := sumInputs(b, i, 1, "f1")
	s2, n2 := sumInputs(b, i, 1, "f2")
	if s1/float64(max(n1, 1)) > s2/float64(max(n2, 1)) {
		return 1
	}
	return 0
}
