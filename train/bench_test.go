package train

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/rnn"
)

// randomTask is a cheap source of config R's shape: 4 inputs, 2 outputs.
type randomTask struct{ steps int }

func (r randomTask) Sample(rng *rand.Rand, size int) (*batch.Batch, error) {
	b, err := batch.New(size, r.steps, 4, 2)
	if err != nil {
		return nil, err
	}
	for i := range b.Inputs {
		b.Inputs[i] = float32(rng.NormFloat64())
	}
	for i := range b.Targets {
		b.Targets[i] = float32(rng.Float64())
		b.Mask[i] = 1
	}
	return b, nil
}

// BenchmarkStepConfigR runs training steps at config R (batch 64, 100 steps,
// N = 256 E/I with 80 % excitatory and 10 % connectivity, relu, masked MSE,
// Adam) and reports the loop's own overhead: the fraction of a step's time
// spent outside the graph run (batch hand-over, leaves, gradient read-out,
// finiteness checks, clipping, Adam, plasticity, history).
//
//	go test -run X -bench StepConfigR -benchtime 20x ./train/
func BenchmarkStepConfigR(b *testing.B) {
	cfg := rnn.DefaultConfig()
	cfg.Dims = []int{4, 256, 2}
	cfg.Masks = eiMasks(256, 4, 2, 0.9, rand.New(rand.NewPCG(1, 1)))
	m, err := rnn.New(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	res, err := Run(context.Background(), m, randomTask{steps: 100}, Options{Steps: b.N, BatchSize: 64, EvalEvery: -1, CheckpointEvery: -1, Quiet: true})
	if err != nil {
		b.Fatal(err)
	}
	tm := res.Timing
	b.ReportMetric(100*tm.Overhead(), "overhead_%")
	b.ReportMetric(float64(tm.Step.Milliseconds())/float64(tm.Steps), "ms/step")
	b.ReportMetric(float64(tm.Graph.Milliseconds())/float64(tm.Steps), "graph_ms/step")
	b.ReportMetric(float64((tm.Step-tm.Graph).Microseconds())/float64(tm.Steps), "loop_µs/step")
}
