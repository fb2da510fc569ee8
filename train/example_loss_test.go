package train_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/train"
	G "gorgonia.org/gorgonia"
)

// OutputL2 is a loss of one's own: the mean square of the outputs (an L2
// penalty on the readout), at every trial and step, masked or not.
type OutputL2 struct{}

// Type is the name OutputL2 is registered under.
func (OutputL2) Type() string { return "output_l2" }

// Name is the term's default column in history.csv.
func (OutputL2) Name() string { return "output_l2" }

// Build adds mean(y²) over the batch's outputs to the graph.
func (OutputL2) Build(in *train.LossInput) (*G.Node, error) {
	sq, err := G.Square(in.Outputs)
	if err != nil {
		return nil, err
	}
	return G.Mean(sq)
}

func init() {
	// Registering makes "output_l2" a loss type of JSON options.
	err := train.RegisterLoss("output_l2", func(params json.RawMessage) (train.Loss, error) {
		var l OutputL2
		if len(params) > 0 && string(params) != "{}" {
			return nil, fmt.Errorf(" = %s is not allowed: output_l2 has no params", params)
		}
		return l, nil
	})
	if err != nil {
		panic(err)
	}
}

// A custom loss, registered with RegisterLoss, is named by its type in
// JSON options like the built-ins.
func ExampleRegisterLoss() {
	opts, err := train.DecodeOptions([]byte(`{
		"steps": 20, "batch_size": 8, "eval_every": -1, "quiet": true,
		"optimizer": {"type": "adam", "lr": 0.01},
		"losses": [{"type": "mse"}, {"type": "output_l2", "lambda": 0.1}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := rnn.DefaultConfig()
	cfg.Dims = []int{1, 16, 1}
	m, err := rnn.New(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	var first, last float64
	opts.Recorders = []train.Recorder{train.RecorderFunc(func(r train.Record) error {
		if r.Step == 1 {
			first = r.Losses[1]
		}
		last = r.Losses[1]
		return nil
	})}
	res, err := train.Run(context.Background(), m, echo{}, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.Step, res.LossNames)
	fmt.Println("output_l2 is positive:", first > 0 && last > 0)
	b, _ := json.Marshal(opts.WithDefaults().Losses)
	fmt.Println(string(b))
	// Output:
	// step_limit 20 [mse output_l2]
	// output_l2 is positive: true
	// [{"type":"mse","lambda":1},{"type":"output_l2","lambda":0.1}]
}
