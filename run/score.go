package run

import (
	"encoding/json"
	"fmt"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/tasks"
	"github.com/dale-rnn/dale/train"
)

// ScoreFunc scores evaluations by the task's own measure (its Target's):
// all evaluation batches are joined and scored at once.
func ScoreFunc(t tasks.Task) (train.ScoreFunc, train.Measure) {
	tg := t.Target()
	f := func(bs []*batch.Batch, outs [][]float32) (float64, error) {
		b, err := batch.Concat(bs)
		if err != nil {
			return 0, err
		}
		out := outs[0]
		if len(bs) > 1 {
			out = make([]float32, len(b.Targets))
			row := 0
			for j, bj := range bs {
				for i := 0; i < bj.Size; i++ {
					copy(out[b.At(row, 0, 0, b.Out):], outs[j][bj.At(i, 0, 0, bj.Out):bj.At(i+1, 0, 0, bj.Out)])
					row++
				}
			}
		}
		s, err := t.Score(b, out)
		if err != nil {
			return 0, err
		}
		v, ok := s.Measure(tg.Measure)
		if !ok {
			return 0, fmt.Errorf("task %q scores no %q", t.Name(), tg.Measure)
		}
		return v, nil
	}
	return f, train.Measure{Name: tg.Measure, HigherIsBetter: tg.HigherIsBetter}
}

// checkTargets checks the early-stop target of opts against the measure
// the task is judged by: target_accuracy on a task judged by another
// measure is an error, never reinterpreted.
func checkTargets(t tasks.Task, opts train.Options) error {
	tg := t.Target()
	if opts.TargetAccuracy != 0 && tg.Measure != "accuracy" {
		dir := "lower"
		if tg.HigherIsBetter {
			dir = "higher"
		}
		return invalid("train.target_accuracy", opts.TargetAccuracy, "task %q is judged by %s (%s is better), not accuracy; set train.target instead (%s's acceptance target: %s), or neither for no early stop",
			t.Name(), tg.Measure, dir, t.Name(), tg)
	}
	opts.Score, opts.Measure = ScoreFunc(t)
	if err := opts.WithDefaults().Validate(); err != nil {
		return fmt.Errorf("%v (task %q is judged by %s)", err, t.Name(), tg)
	}
	return nil
}

// WithTask returns rc with the config's task by the named one with its default
// parameters. The config's train.target and train.target_accuracy were
// set for its task's measure: they are dropped when the new task is
// judged by another (so a run never stops early on a target that is not
// its own).
func (rc Config) WithTask(name string) Config {
	old, err1 := tasks.FromSpec(rc.Task)
	rc.Task = tasks.Spec{Name: name}
	nt, err2 := tasks.New(name, nil)
	if err1 == nil && err2 == nil && old.Target().Measure == nt.Target().Measure {
		return rc
	}
	if m, err := object(rc.Train, "train"); err == nil && len(m) > 0 {
		delete(m, "target")
		delete(m, "target_accuracy")
		rc.Train, _ = json.Marshal(m)
	}
	return rc
}
