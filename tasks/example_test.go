package tasks_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/dale-rnn/dale/tasks"
)

// Sample a batch of perceptual decision making with the default settings
// and look at its shape and at the periods of its first trial.
func Example() {
	task, err := tasks.Parse([]byte(`{"name": "pdm", "params": {"coherences": [6.4, 51.2]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := task.Sample(rand.New(rand.NewPCG(1, 2)), 64)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("inputs: ", task.Inputs())
	fmt.Println("outputs:", task.Outputs())
	fmt.Printf("batch: %d trials × %d steps of %g ms, %d inputs, %d outputs\n", b.Size, b.Steps, task.DT(), b.In, b.Out)
	tr := b.Trials[0]
	for _, p := range tr.Periods {
		fmt.Printf("%-9s steps [%2d, %3d)\n", p.Name, p.Start, p.End)
	}
	fmt.Printf("coherence %v%%, correct choice %d (%s)\n", tr.Conditions["coherence"], tr.Choice, task.Outputs()[1+tr.Choice].Name)

	// The targets are a perfect answer.
	score, err := task.Score(b, b.Targets)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("accuracy of the targets: %.2f (chance %.2f)\n", score.Accuracy, score.Chance)
	// Output:
	// inputs:  [{fixation 1} {left 1} {right 1}]
	// outputs: [{fixation 1} {left 1} {right 1}]
	// batch: 64 trials × 100 steps of 10 ms, 3 inputs, 3 outputs
	// fixation  steps [ 0,  30)
	// stimulus  steps [30,  70)
	// delay     steps [70,  70)
	// decision  steps [70, 100)
	// coherence 6.4%, correct choice 0 (left)
	// accuracy of the targets: 1.00 (chance 0.50)
}

// Fit a psychometric curve to choices.
func ExampleFitProbit() {
	x := []float64{-10, -10, -5, -5, 0, 0, 5, 5, 10, 10}
	y := []bool{false, false, false, true, true, true, true, false, true, true}
	fit, err := tasks.FitProbit(x, y)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("bias %.2f, slope %.3f\n", fit.Bias, fit.Slope)
	// Output: bias -2.56, slope 0.131
}
