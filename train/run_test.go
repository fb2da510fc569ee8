package train

import (
	"context"
	"math"
	"testing"
)

func TestTrainLearnsSignTask(t *testing.T) {
	task := newSignTask(30)
	m := smallModel(t, 32, 1, nil)
	var losses []float64
	opts := Options{Steps: 400, BatchSize: 32, Seed: 3, EvalEvery: 100, EvalTrials: 128,
		Optimizer: Adam{LR: 1e-2}, Score: task.score,
		Recorders: []Recorder{RecorderFunc(func(r Record) error { losses = append(losses, r.Total); return nil })}}
	res, err := Run(context.Background(), m, task, opts)
	if err != nil {
		t.Fatal(err)
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	first, last := mean(losses[:20]), mean(losses[len(losses)-20:])
	t.Logf("status %v, loss %.4f → %.4f, eval %+v, timing %+v overhead %.3f", res.Status, first, last, *res.Eval, res.Timing, res.Timing.Overhead())
	if !(last < 0.5*first) {
		t.Errorf("loss fell from %.4f to %.4f only; want below half", first, last)
	}
	if res.Eval == nil || !(res.Eval.Accuracy >= 0.85) {
		t.Errorf("evaluation %+v: want accuracy >= 0.85", res.Eval)
	}
	if math.IsNaN(res.Loss) {
		t.Error("NaN loss")
	}
}
