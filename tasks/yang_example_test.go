package tasks_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/dale-rnn/dale/tasks"
)

// Sample a batch of the Yang et al. 2019 multitask, see which tasks its
// trials are, score the targets as outputs, and sample a batch of one task
// with the multitask's layout for evaluation.
func ExampleMultitask() {
	task, err := tasks.New("yang20", []byte(`{"rules": ["fdgo", "dm1", "dmsgo"], "mixing": "trial"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := task.(*tasks.Multitask)
	b, err := m.Sample(rand.New(rand.NewPCG(1, 2)), 300)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("rules:", m.Rules(), "probabilities:", m.RuleProbs())
	fmt.Printf("batch: %d trials × %d steps of %g ms, %d inputs, %d outputs\n", b.Size, b.Steps, m.DT(), b.In, b.Out)
	rule, _ := tasks.YangRuleOf(b.Trials[0])
	fmt.Println("first trial:", rule)
	score, err := m.Score(b, b.Targets)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("targets as outputs: accuracy/dm1 %.2f, min_accuracy %.2f; target %v met: %v\n",
		score.Measures["accuracy/dm1"], score.Measures["min_accuracy"], m.Target(), m.Target().Met(score))

	one, err := m.SampleRule(rand.New(rand.NewPCG(3, 4)), "dmsgo", 16)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("dmsgo alone: %d trials × %d steps\n", one.Size, one.Steps)
	// Output:
	// rules: [fdgo dm1 dmsgo] probabilities: [0.3333333333333333 0.3333333333333333 0.3333333333333333]
	// batch: 300 trials × 165 steps of 20 ms, 85 inputs, 33 outputs
	// first trial: dmsgo
	// targets as outputs: accuracy/dm1 1.00, min_accuracy 1.00; target min_accuracy >= 0.9 met: true
	// dmsgo alone: 16 trials × 165 steps
}
