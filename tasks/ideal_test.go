package tasks

import (
	"math/rand/v2"
	"testing"
)

// idealPDM returns, for each trial, whether an ideal observer of the noisy
// inputs (the sign of the summed right − left evidence over the stimulus
// period) is right, grouped by coherence; trials at 0 % coherence have no
// correct answer and are only counted (zeros).
func idealPDM(t *testing.T, task Task, seed uint64, n int) (overall float64, byCoh map[float64]float64, zeros int) {
	t.Helper()
	b, err := task.Sample(rand.New(rand.NewPCG(seed, 1)), n)
	if err != nil {
		t.Fatal(err)
	}
	right, count := map[float64]float64{}, map[float64]float64{}
	ok := 0.0
	for i, tr := range b.Trials {
		st, _ := tr.Period("stimulus")
		var sum float64
		for s := st.Start; s < st.End; s++ {
			sum += float64(b.Inputs[b.At(i, s, 2, b.In)] - b.Inputs[b.At(i, s, 1, b.In)])
		}
		choice := 0
		if sum > 0 {
			choice = 1
		}
		c := tr.Conditions["coherence"]
		if c == 0 {
			zeros++
			continue
		}
		count[c]++
		if choice == tr.Choice {
			ok++
			right[c]++
		}
	}
	byCoh = map[float64]float64{}
	for c := range count {
		byCoh[c] = right[c] / count[c]
	}
	return ok / float64(n-zeros), byCoh, zeros
}

// The CLI's default run trains on pdm with its defaults: they must leave
// room for a curve. An ideal observer must score >= 0.93 overall (on the
// trials that have an answer) and < 0.85 at the weakest coherence, at dt
// 10 and about 100 steps per trial; about 1/6 of the trials are at 0 %.
func TestPDMDefaultsIdealObserver(t *testing.T) {
	task, err := New("pdm", nil)
	if err != nil {
		t.Fatal(err)
	}
	if task.DT() != 10 {
		t.Fatalf("default dt = %v, want 10", task.DT())
	}
	if ms := task.(*pdmTask).MaxSteps(); ms < 80 || ms > 120 {
		t.Fatalf("default trial = %d steps, want about 100", ms)
	}
	overall, by, zeros := idealPDM(t, task, 7, 10000)
	if zeros < 1500 || zeros > 1850 {
		t.Errorf("%d of 10000 trials at 0 %% coherence, want about 1/6", zeros)
	}
	weakest := DefaultPDM().Coherences[0]
	t.Logf("ideal observer: overall %.4f, by coherence %v", overall, by)
	if overall < 0.93 {
		t.Errorf("ideal observer overall accuracy %.4f < 0.93: the default task is too hard", overall)
	}
	if by[weakest] >= 0.85 {
		t.Errorf("ideal observer accuracy at the weakest coherence %v%% = %.4f >= 0.85: the psychometric curve would be a step", weakest, by[weakest])
	}
	// IdealObserver measures the same thing.
	b, err := task.Sample(rand.New(rand.NewPCG(7, 1)), 10000)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := IdealObserver(task, b)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Accuracy != overall || sc.NoAnswer != zeros || sc.ByCondition[0].Value != weakest || sc.ByCondition[0].Accuracy != by[weakest] {
		t.Errorf("IdealObserver: accuracy %v, by condition %+v; the test's own observer: %v, %v", sc.Accuracy, sc.ByCondition, overall, by)
	}
}

func TestIdealObserver(t *testing.T) {
	for _, name := range []string{"pdm", "ctxdm", "multisensory", "romo"} {
		t.Run(name, func(t *testing.T) {
			noisy := mustNew(t, name, "")
			sc, err := IdealObserver(noisy, sample(t, noisy, 1, 1000))
			if err != nil {
				t.Fatal(err)
			}
			if sc.Accuracy < 0.7 || sc.Accuracy > 0.999 || sc.FixationBreaks != 0 {
				t.Errorf("default noise: ideal observer accuracy %.3f, want in [0.7, 0.999)", sc.Accuracy)
			}
			clean := mustNew(t, name, `{"sigma": 0}`)
			sc, err = IdealObserver(clean, sample(t, clean, 1, 300))
			if err != nil {
				t.Fatal(err)
			}
			if sc.Accuracy != 1 {
				t.Errorf("no noise: ideal observer accuracy %.3f, want 1", sc.Accuracy)
			}
		})
	}
	dms := mustNew(t, "dms", "")
	if _, err := IdealObserver(dms, sample(t, dms, 1, 2)); err == nil {
		t.Error("dms ideal observer accepted")
	}
}
