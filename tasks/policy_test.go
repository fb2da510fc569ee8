package tasks

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/dale-rnn/dale/batch"
)

var choiceTasks = []string{"pdm", "ctxdm", "multisensory", "romo", "dms", "dmc", "gonogo", "antisaccade"}

func mustNew(t testing.TB, name string, params string) Task {
	t.Helper()
	var raw []byte
	if params != "" {
		raw = []byte(params)
	}
	task, err := New(name, raw)
	if err != nil {
		t.Fatalf("New(%s, %s): %v", name, params, err)
	}
	return task
}

func sample(t testing.TB, task Task, seed uint64, n int) *batch.Batch {
	t.Helper()
	b, err := task.Sample(rand.New(rand.NewPCG(seed, 99)), n)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	return b
}

// idealChoice is the correct answer of a trial, written from its
// conditions alone (not from Trial.Choice nor the targets): the answer an
// ideal observer of the noiseless stimulus gives. For gonogo it is 0 (go)
// or -1 (no go).
func idealChoice(t testing.TB, name string, tr batch.Trial) int {
	c := tr.Conditions
	side := func(x float64) int {
		if x > 0 {
			return 1
		}
		return 0
	}
	switch name {
	case "pdm":
		if c["coherence"] == 0 {
			return -1 // no correct answer
		}
		return side(c["signed_coherence"])
	case "multisensory":
		return side(c["signed_coherence"])
	case "ctxdm":
		if c["context"] == 1 {
			return side(c["signed_coherence1"])
		}
		return side(c["signed_coherence2"])
	case "romo":
		return side(c["f1"] - c["f2"])
	case "dms":
		if c["sample"] == c["test"] {
			return 0
		}
		return 1
	case "dmc":
		if (c["sample"] < 8) == (c["test"] < 8) {
			return 0
		}
		return 1
	case "gonogo":
		if c["go"] == 1 {
			return 0
		}
		return -1
	case "antisaccade":
		return (int(c["stimulus"]) + 16) % 32
	}
	t.Fatalf("no ideal observer for %s", name)
	return 0
}

// policy writes outputs that hold fixation until the decision period and
// then drop it and raise the output of the given choice (a unit index of
// the choice outputs: 1+choice in the output array; -1 raises nothing).
// fixBreak makes the fixation output drop early.
func policy(b *batch.Batch, choose func(i int) int, fixBreak bool) []float32 {
	out := make([]float32, len(b.Targets))
	for i, tr := range b.Trials {
		dec, _ := tr.Period("decision")
		for s := 0; s < tr.Steps; s++ {
			if s < dec.Start && !fixBreak {
				out[b.At(i, s, 0, b.Out)] = 1
			}
		}
		if c := choose(i); c >= 0 {
			for s := dec.Start; s < dec.End; s++ {
				out[b.At(i, s, 1+c, b.Out)] = 1
			}
		} else {
			for s := dec.Start; s < dec.End; s++ { // no go: keep fixating
				out[b.At(i, s, 0, b.Out)] = 1
			}
		}
	}
	return out
}

// Every choice task: an ideal observer written from the noiseless
// conditions scores >= 0.99, a constant answer scores at chance, and
// breaking fixation scores 0.
func TestPoliciesIdealConstantBroken(t *testing.T) {
	const n = 1000
	for _, name := range choiceTasks {
		t.Run(name, func(t *testing.T) {
			task := mustNew(t, name, "")
			b := sample(t, task, 11, n)
			ideal, err := task.Score(b, policy(b, func(i int) int { return idealChoice(t, name, b.Trials[i]) }, false))
			if err != nil {
				t.Fatal(err)
			}
			if ideal.Accuracy < 0.99 || ideal.FixationBreaks != 0 {
				t.Errorf("ideal observer: accuracy %.4f (want >= 0.99), fixation breaks %.3f", ideal.Accuracy, ideal.FixationBreaks)
			}
			// Trials without a correct answer (pdm at 0 %) are counted,
			// not judged.
			judged := n - ideal.NoAnswer
			if zeros := countZeroCoherence(b); ideal.NoAnswer != zeros || (name == "pdm") != (zeros > 0) {
				t.Errorf("%d trials without an answer, %d at 0 %% coherence", ideal.NoAnswer, zeros)
			}
			constant, err := task.Score(b, policy(b, func(int) int { return 0 }, false))
			if err != nil {
				t.Fatal(err)
			}
			sd := math.Sqrt(constant.Chance * (1 - constant.Chance) / float64(judged))
			if math.Abs(constant.Accuracy-constant.Chance) > 4*sd || constant.Chance >= 0.99 {
				t.Errorf("constant policy: accuracy %.4f, chance %.4f (± %.4f)", constant.Accuracy, constant.Chance, 4*sd)
			}
			broken, err := task.Score(b, policy(b, func(i int) int { return idealChoice(t, name, b.Trials[i]) }, true))
			if err != nil {
				t.Fatal(err)
			}
			if broken.Accuracy != 0 || broken.FixationBreaks != 1 {
				t.Errorf("breaking fixation: accuracy %.4f (want 0), fixation breaks %.3f (want 1)", broken.Accuracy, broken.FixationBreaks)
			}
			// The targets themselves are an ideal policy.
			tg, err := task.Score(b, b.Targets)
			if err != nil {
				t.Fatal(err)
			}
			if tg.Accuracy < 0.99 || tg.MSE != 0 {
				t.Errorf("targets as outputs: accuracy %.4f, mse %v", tg.Accuracy, tg.MSE)
			}
			// Per-condition summaries cover every trial once per key.
			total := map[string]int{}
			for _, cs := range ideal.ByCondition {
				total[cs.Condition] += cs.Trials
			}
			if len(total) == 0 {
				t.Errorf("no per-condition summary")
			}
			for k, v := range total {
				if v != judged {
					t.Errorf("summary by %s covers %d trials, want the %d with an answer", k, v, judged)
				}
			}
		})
	}
}

// countZeroCoherence counts the trials of b at 0 % coherence (pdm).
func countZeroCoherence(b *batch.Batch) int {
	n := 0
	for _, tr := range b.Trials {
		if c, ok := tr.Conditions["coherence"]; ok && c == 0 {
			n++
		}
	}
	return n
}

// Continuous tasks: the targets score a perfect error, outputs of zero a
// clearly bad one.
func TestContinuousScores(t *testing.T) {
	for _, tc := range []struct {
		name        string
		errName     string
		zeroAtLeast float64
	}{
		{"sine", "nmse", 0.9},
		{"flipflop", "bit_error", 0.3},
		{"rsg", "timing_error", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task := mustNew(t, tc.name, "")
			b := sample(t, task, 5, 200)
			perfect, err := task.Score(b, b.Targets)
			if err != nil {
				t.Fatal(err)
			}
			if perfect.Kind != "continuous" || perfect.ErrorName != tc.errName || perfect.Error > 1e-9 || perfect.MSE != 0 {
				t.Errorf("targets as outputs: %+v", perfect)
			}
			zero, err := task.Score(b, make([]float32, len(b.Targets)))
			if err != nil {
				t.Fatal(err)
			}
			if zero.Error < tc.zeroAtLeast {
				t.Errorf("zero outputs: %s = %.3f, want >= %v", tc.errName, zero.Error, tc.zeroAtLeast)
			}
			if len(zero.ByCondition) == 0 {
				t.Errorf("no per-condition summary")
			}
		})
	}
	// rsg: producing the go 10% late scores a timing error of 0.1.
	task := mustNew(t, "rsg", `{"timing": {"measure": 920}}`)
	b := sample(t, task, 5, 4)
	out := make([]float32, len(b.Targets))
	for i, tr := range b.Trials {
		st, _ := tr.Period("set")
		target := int(tr.Conditions["target"] / 10)
		if target != 100 {
			t.Fatalf("target %d steps, want 100 (ready 8 + measure 92)", target)
		}
		late := st.Start + target + target/10
		for s := late; s < tr.Steps; s++ {
			out[b.At(i, s, 1, b.Out)] = 1
		}
	}
	sc, err := task.Score(b, out)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(sc.Error-0.1) > 1e-9 {
		t.Errorf("late go: timing error %v, want 0.1", sc.Error)
	}
}

func TestScoreRejectsBadOutputs(t *testing.T) {
	task := mustNew(t, "pdm", "")
	b := sample(t, task, 1, 3)
	if _, err := task.Score(b, make([]float32, 5)); err == nil {
		t.Error("short outputs accepted")
	}
	bad := make([]float32, len(b.Targets))
	bad[4] = float32(math.NaN())
	if _, err := task.Score(b, bad); err == nil {
		t.Error("NaN outputs accepted")
	}
	other := sample(t, mustNew(t, "romo", ""), 1, 3)
	if _, err := task.Score(other, make([]float32, len(other.Targets))); err == nil {
		t.Error("a batch of another task accepted")
	}
	nt := *b
	nt.Trials = nil
	if _, err := task.Score(&nt, make([]float32, len(b.Targets))); err == nil {
		t.Error("a batch without trial descriptions accepted")
	}
}

func TestDeterminism(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			task := mustNew(t, name, `{"sigma": 0.5}`)
			a, b := sample(t, task, 3, 8), sample(t, task, 3, 8)
			if !reflect.DeepEqual(a, b) {
				t.Fatal("same seed gave different batches")
			}
			c := sample(t, task, 4, 8)
			if reflect.DeepEqual(a.Inputs, c.Inputs) {
				t.Fatal("different seeds gave identical inputs")
			}
		})
	}
}

// The choice is the mean over the decision steps the mask judges, and only
// judged steps can break fixation: under the Yang mask a wrong answer in
// the grace period and a dip of fixation in the first 100 ms do not count;
// under the "trial" mask they do.
func TestScoreUsesMaskedSteps(t *testing.T) {
	for _, tc := range []struct {
		params      string
		wantCorrect bool
	}{
		{"", true},
		{`{"mask": {"kind": "trial"}}`, false},
	} {
		task := mustNew(t, "pdm", tc.params)
		b := sample(t, task, 6, 50)
		out := policy(b, func(i int) int { return b.Trials[i].Choice }, false)
		for i, tr := range b.Trials {
			if tr.Choice < 0 { // 0 % coherence: not judged
				continue
			}
			dec, _ := tr.Period("decision")
			wrong := 2 - tr.Choice // the other choice output
			for s := dec.Start; s < dec.Start+10; s++ {
				out[b.At(i, s, wrong, b.Out)] = 10
			}
			for s := 0; s < 10; s++ {
				out[b.At(i, s, 0, b.Out)] = 0
			}
		}
		sc, err := task.Score(b, out)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]float64{true: 1, false: 0}[tc.wantCorrect]; sc.Accuracy != want {
			t.Errorf("mask %q: accuracy %v, want %v (fixation breaks %v)", tc.params, sc.Accuracy, want, sc.FixationBreaks)
		}
	}
}
