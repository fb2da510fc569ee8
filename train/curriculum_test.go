package train

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/rnn"
)

// TestEarlyStopAndCurriculum: stage 0 (easy, strong stimulus) hands over to
// stage 1 at accuracy 0.8; the run stops as Converged once stage 1 reaches
// the target accuracy, long before the step limit.
func TestEarlyStopAndCurriculum(t *testing.T) {
	easy, hard := newSignTask(16), newSignTask(20)
	easy.coh, easy.noise = 1, 0.1
	m := smallModel(t, 24, 3, nil)
	var stages []int
	res, err := Run(context.Background(), m, nil, Options{Steps: 2000, BatchSize: 16, EvalEvery: 20, EvalTrials: 64,
		Optimizer: Adam{LR: 1e-2}, Score: hard.score, TargetAccuracy: 0.8,
		Curriculum: []Stage{{Name: "easy", Source: &exclusive{src: slow{easy}}, Threshold: 0.8}, {Name: "hard", Source: &exclusive{src: slow{hard}}}},
		Recorders: []Recorder{RecorderFunc(func(r Record) error {
			if len(stages) == 0 || stages[len(stages)-1] != r.Stage {
				stages = append(stages, r.Stage)
			}
			return nil
		})}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("status %v at step %d, stages seen %v, eval %+v", res.Status, res.Step, stages, *res.Eval)
	if res.Status != Converged || res.Step >= 2000 || res.Eval.Accuracy < 0.8 {
		t.Errorf("status %v at step %d with accuracy %v: want converged early at >= 0.8", res.Status, res.Step, res.Eval.Accuracy)
	}
	if len(stages) != 2 || stages[0] != 0 || stages[1] != 1 || res.Stage != 1 {
		t.Errorf("stages seen %v, final %d: want 0 then 1", stages, res.Stage)
	}
}

// slow makes Sample take long enough that a concurrent call would overlap.
type slow struct{ src Source }

func (s slow) Sample(rng *rand.Rand, size int) (*batch.Batch, error) {
	time.Sleep(2 * time.Millisecond)
	return s.src.Sample(rng, size)
}

// varSteps gives batches of a length that changes with every step, so the
// trainer needs more graph shapes than it keeps.
type varSteps struct{ inner *signTask }

func (v varSteps) Sample(rng *rand.Rand, size int) (*batch.Batch, error) {
	s := *v.inner
	s.steps = 10 + rng.IntN(2*maxGraphs)
	s.stimOff, s.resp = s.steps/2, s.steps/4
	return s.Sample(rng, size)
}

func TestVariableLengthBatches(t *testing.T) {
	m := smallModel(t, 16, 1, nil)
	seen := map[int]bool{}
	task := varSteps{newSignTask(12)}
	res, err := Run(context.Background(), m, sourceFunc(func(rng *rand.Rand, size int) (*batch.Batch, error) {
		b, err := task.Sample(rng, size)
		if err == nil {
			seen[b.Steps] = true
		}
		return b, err
	}), Options{Steps: 60, BatchSize: 8, EvalEvery: 30, EvalTrials: 16, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) <= maxGraphs || res.Step != 60 {
		t.Errorf("%d lengths seen over %d steps: want more than %d", len(seen), res.Step, maxGraphs)
	}
}

// evalOwn is a source whose evaluation trials differ from its training
// batches (train.EvalSampler): training batches have 12 steps, evaluation
// batches 20. It counts the calls of each.
type evalOwn struct {
	train, eval   *signTask
	trains, evals *int
}

func (s evalOwn) Sample(rng *rand.Rand, size int) (*batch.Batch, error) {
	*s.trains++
	return s.train.Sample(rng, size)
}
func (s evalOwn) SampleEval(rng *rand.Rand, size int) (*batch.Batch, error) {
	*s.evals++
	return s.eval.Sample(rng, size)
}

// EvalBatches, and so every evaluation of a run, draws from SampleEval
// when the source has it, and training still draws from Sample.
func TestEvalSampler(t *testing.T) {
	var trains, evals int
	src := evalOwn{newSignTask(12), newSignTask(20), &trains, &evals}
	bs, err := EvalBatches(src, 5, 10, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 3 || bs[0].Steps != 20 || bs[2].Size != 2 || evals != 3 || trains != 0 {
		t.Fatalf("evaluation batches: %d, first of %d steps, last of %d trials, %d SampleEval and %d Sample calls; want 3, 20 steps, 2 trials, 3 and 0",
			len(bs), bs[0].Steps, bs[len(bs)-1].Size, evals, trains)
	}
	trains, evals = 0, 0
	res, err := Run(context.Background(), smallModel(t, 8, 1, nil), src, Options{Steps: 4, BatchSize: 4, EvalEvery: 2, EvalTrials: 8, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if evals != 2 || trains < 4 || res.Step != 4 {
		t.Errorf("a run of 4 steps with 8 evaluation trials in batches of 4: %d SampleEval and %d Sample calls, want 2 and at least 4", evals, trains)
	}
}

// cross_entropy reads the outputs as logits: a sigmoid readout is refused
// before training; mse trains it.
func TestSigmoidOutputLosses(t *testing.T) {
	m := smallModel(t, 8, 1, func(c *rnn.Config) { c.OutputActivation = rnn.OutputSigmoid })
	ce := []LossSpec{{Loss: CrossEntropy{Outputs: []int{1, 2}}}}
	_, err := Run(context.Background(), m, newSignTask(12), Options{Steps: 2, BatchSize: 4, EvalEvery: 2, EvalTrials: 4, Quiet: true, Losses: ce})
	if err == nil || !strings.Contains(err.Error(), `losses[0].type = "cross_entropy" is not allowed with model.output_activation "sigmoid"`) {
		t.Errorf("cross_entropy with sigmoid outputs: %v", err)
	}
	res, err := Run(context.Background(), m, newSignTask(12), Options{Steps: 2, BatchSize: 4, EvalEvery: 2, EvalTrials: 4, Quiet: true})
	if err != nil || res.Step != 2 {
		t.Errorf("mse with sigmoid outputs: %v", err)
	}
}
