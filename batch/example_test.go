package batch_test

import (
	"fmt"

	"github.com/dale-rnn/dale/batch"
)

// A hand-made batch: one trial, two steps, one input and one output that
// must echo the input on the second step.
func ExampleNew() {
	b, err := batch.New(1, 2, 1, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	b.Inputs[b.At(0, 1, 0, b.In)] = 1
	b.Targets[b.At(0, 1, 0, b.Out)] = 1
	b.Mask[b.At(0, 1, 0, b.Out)] = 1
	fmt.Println(b.Validate(), b.Inputs, b.Targets, b.Mask)
	// Output: <nil> [0 1] [0 1] [0 1]
}
