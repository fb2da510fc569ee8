package rnn_test

import (
	"fmt"
	"strings"

	G "gorgonia.org/gorgonia"

	"github.com/dale-rnn/dale/rnn"
)

// Build a small E/I network (neurons 0–5 excitatory, 6–7 inhibitory) and run
// it on a batch of inputs.
func Example() {
	cfg := rnn.DefaultConfig()
	cfg.Dims = []int{2, 8, 1}
	cfg.Seed = 1
	hidden := make([]float64, 8*8)
	for pre := 0; pre < 8; pre++ {
		for post := 0; post < 8; post++ {
			hidden[pre*8+post] = 1
			if pre >= 6 {
				hidden[pre*8+post] = -1 // an inhibitory neuron is a negative row
			}
		}
	}
	cfg.Masks.Hidden = hidden
	m, err := rnn.New(cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	const batch, steps = 3, 20
	x := make([]float32, batch*steps*2)
	for i := range x {
		x[i] = 1
	}
	res, err := m.Forward(x, batch, steps)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, wrec, _ := m.Effective()
	fmt.Println("dale:", m.Dale())
	fmt.Println("outputs:", len(res.Outputs), "= batch×steps×out")
	fmt.Println("rates:", len(res.Rates), "= batch×steps×N")
	fmt.Println("effective recurrent weights:", wrec.Shape())
	// Output:
	// dale: true
	// outputs: 60 = batch×steps×out
	// rates: 480 = batch×steps×N
	// effective recurrent weights: (8, 8)
}

// A config in nn4n's names; absent keys keep their defaults and unknown keys
// are errors.
func ExampleParseConfig() {
	cfg, err := rnn.ParseConfig(strings.NewReader(`{
		"dims": [3, 64, 2],
		"activation": "tanh",
		"dt": 20, "tau": 100,
		"preact_noise": 0.05,
		"weights": ["uniform", "normal", "uniform"],
		"biases": ["zero", "none"],
		"spectral_radius": 1.2,
		"init_state": "learn"
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Activation, cfg.Dt, cfg.Tau, cfg.Engine, cfg.DType)
	_, err = rnn.ParseConfig(strings.NewReader(`{"hidden_size": 64}`))
	fmt.Println(err)
	_, err = rnn.ParseConfig(strings.NewReader(`{"tau": 5}`))
	fmt.Println(err)
	// Output:
	// tanh 20 [100] fused float32
	// rnn: config: json: unknown field "hidden_size"
	// rnn: tau[0] = 5 is not allowed: must be ≥ dt = 10 (alpha = dt/tau must be in (0, 1])
}

// A trainer's view: build a Train graph, add a loss, differentiate with
// respect to the raw parameters, run, and update the raw values in place
// (here plain gradient descent); the graph sees the new values next run.
func ExampleModel_Build() {
	cfg := rnn.DefaultConfig()
	cfg.Dims = []int{1, 16, 1}
	cfg.Seed = 2
	m, err := rnn.New(cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	const batch, steps = 4, 10
	g, err := m.Build(batch, steps, rnn.Train)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := make([]float32, batch*steps)
	for i := range x {
		x[i] = 1
	}
	if err := g.SetInputs(x, nil); err != nil { // no noise configured: no rng needed
		fmt.Println(err)
		return
	}
	// loss: mean squared distance of the outputs from 0.5
	half := G.NewConstant(float32(0.5))
	diff := G.Must(G.Sub(g.Outputs, half))
	loss := G.Must(G.Mean(G.Must(G.Square(diff))))
	grads, err := G.Grad(loss, g.ParamNodes...)
	if err != nil {
		fmt.Println(err)
		return
	}
	vm := G.NewTapeMachine(g.G)
	defer vm.Close()
	var first, last float32
	for step := 0; step < 50; step++ {
		if err := vm.RunAll(); err != nil {
			fmt.Println(err)
			return
		}
		l := loss.Value().Data().(float32)
		if step == 0 {
			first = l
		}
		last = l
		for i, p := range m.Params() {
			w := p.Value.Data().([]float32)
			for j, d := range grads[i].Value().Data().([]float32) {
				w[j] -= 0.05 * d
			}
		}
		vm.Reset()
	}
	fmt.Println("params:", len(m.Params()), "loss fell:", last < first/2)
	// Output:
	// params: 5 loss fell: true
}

// Estimate the memory of a model and of its evaluation graph before
// building anything (New, Load and Build make the same estimates and
// refuse what would not fit).
func ExampleConfig_ModelBytes() {
	cfg := rnn.DefaultConfig()
	cfg.Dims = []int{3, 4096, 2}
	fmt.Printf("model and its Adam state: %.1f MiB\n", float64(cfg.ModelBytes())/(1<<20))
	fmt.Printf("evaluation graph, 64 trials × 500 steps: %.1f MiB\n", float64(cfg.GraphBytes(64, 500, false))/(1<<20))
	// Output:
	// model and its Adam state: 576.9 MiB
	// evaluation graph, 64 trials × 500 steps: 2500.6 MiB
}
