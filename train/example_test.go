package train_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/train"
)

// echo is a tiny task: reproduce the input on the output, judged at every
// step.
type echo struct{}

func (echo) Sample(rng *rand.Rand, size int) (*batch.Batch, error) {
	b, err := batch.New(size, 10, 1, 1)
	if err != nil {
		return nil, err
	}
	for i := range size {
		x := float32(rng.Float64())
		for t := range 10 {
			b.Inputs[b.At(i, t, 0, 1)] = x
			b.Targets[b.At(i, t, 0, 1)] = x
			if t >= 5 {
				b.Mask[b.At(i, t, 0, 1)] = 1
			}
		}
	}
	return b, nil
}

func ExampleRun() {
	cfg := rnn.DefaultConfig()
	cfg.Dims = []int{1, 16, 1}
	m, err := rnn.New(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := train.Run(context.Background(), m, echo{}, train.Options{
		Steps:     200,
		BatchSize: 16,
		Optimizer: train.Adam{LR: 1e-2},
		EvalEvery: 100,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.Step, res.LossNames)
	fmt.Println("evaluation MSE below 0.01:", res.Eval.MSE < 0.01)
	// Output:
	// step_limit 200 [mse]
	// evaluation MSE below 0.01: true
}
