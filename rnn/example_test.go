package rnn_test

import (
	"fmt"

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
