package run_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dale-rnn/dale/run"
	"github.com/dale-rnn/dale/train"
	G "gorgonia.org/gorgonia"
)

// rateL1 is a loss of one's own: the mean absolute firing rate.
type rateL1 struct{}

func (rateL1) Type() string { return "rate_l1" }
func (rateL1) Name() string { return "rate_l1" }
func (rateL1) Build(in *train.LossInput) (*G.Node, error) {
	a, err := G.Abs(in.Rates)
	if err != nil {
		return nil, err
	}
	return G.Mean(a)
}

// A loss registered with train.RegisterLoss is named in a run config's
// train.losses like a built-in, and the run's history gets its column.
func Example_customLoss() {
	if err := train.RegisterLoss("rate_l1", func(json.RawMessage) (train.Loss, error) { return rateL1{}, nil }); err != nil {
		panic(err)
	}
	rc, err := run.Parse([]byte(`{"seed": 1, "hidden_size": 16, "task": {"name": "gonogo"},
	  "model": {"activation": "relu"},
	  "train": {"steps": 30, "batch_size": 8, "eval_every": 10, "eval_trials": 16,
	            "losses": [{"type": "mse"}, {"type": "rate_l1", "lambda": 0.01}]}}`), "example")
	if err != nil {
		panic(err)
	}
	r, err := run.Resolve(rc, "")
	if err != nil {
		panic(err)
	}
	tmp, _ := os.MkdirTemp("", "dale-example")
	defer os.RemoveAll(tmp)
	out, err := run.Train(context.Background(), r, filepath.Join(tmp, "run"), run.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(out.Train.LossNames, out.Train.Step)
	// Output: [mse rate_l1] 30
}
