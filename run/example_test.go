package run_test

import (
	"fmt"

	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/run"
)

// The recipe of a task, resolved into what train.Run takes: the same run
// as "dale train --task romo".
func ExampleRecipe() {
	rc, err := run.Recipe("romo")
	if err != nil {
		panic(err)
	}
	r, err := run.Resolve(rc, "")
	if err != nil {
		panic(err)
	}
	m, err := rnn.New(r.Model, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Task.Name(), m.Dims(), "dale:", m.Dale(), "spectral radius:", r.Model.SpectralRadius)
	// train.Run(ctx, m, r.Task, r.Train) trains it.
	// Output: romo [2 64 3] dale: true spectral radius: 1.5
}
