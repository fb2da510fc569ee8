package run_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dale-rnn/dale/run"
)

// What "dale train --task gonogo", "dale eval" and "dale export" do, from
// Go: train the recipe into a run directory, judge the best network on
// fresh trials, write its activity for numpy.
func Example() {
	tmp, _ := os.MkdirTemp("", "dale-example")
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "gonogo")

	rc, _ := run.Recipe("gonogo")
	r, err := run.Resolve(rc, "")
	if err != nil {
		panic(err)
	}
	trained, err := run.Train(context.Background(), r, dir, run.Options{}) // dale train
	if err != nil {
		panic(err)
	}
	d, _ := run.Open(dir, "run")
	m, path, _ := d.Load("best")
	rep, err := d.Eval(m, path, run.DefaultEvalSeed(rc.Seed), 500) // dale eval
	if err != nil {
		panic(err)
	}
	n, err := rep.Evaluation.Export(filepath.Join(tmp, "states.npz"), d.Task.DT()) // dale export
	if err != nil {
		panic(err)
	}
	fmt.Println("trained:", trained.Train.Status, len(trained.Figures), "figures")
	fmt.Printf("fresh trials: %s %.2f, target met: %v\n", rep.Metrics.Target.Measure, rep.Metrics.Measures["accuracy"], rep.Metrics.Target.Met)
	fmt.Println("arrays exported:", n)
	// Output:
	// trained: converged 12 figures
	// fresh trials: accuracy 1.00, target met: true
	// arrays exported: 20
}
