package tasks

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/batch"
)

// Every task declares the acceptance target of the project's table; the
// targets as outputs meet it and outputs of zero do not; every Score
// carries its measures in JSON, zeros included.
func TestTargets(t *testing.T) {
	for _, tc := range []struct {
		name     string
		want     Target
		measures []string
	}{
		{"sine", Target{"nmse", 0.05, false}, []string{"mse", "nmse"}},
		{"pdm", Target{"accuracy", 0.9, true}, []string{"accuracy", "mse"}},
		{"ctxdm", Target{"accuracy", 0.9, true}, []string{"accuracy", "mse"}},
		{"multisensory", Target{"accuracy", 0.85, true}, []string{"accuracy", "mse"}},
		{"romo", Target{"accuracy", 0.9, true}, []string{"accuracy", "mse"}},
		{"dms", Target{"accuracy", 0.9, true}, []string{"accuracy", "mse"}},
		{"dmc", Target{"accuracy", 0.9, true}, []string{"accuracy", "mse"}},
		{"gonogo", Target{"accuracy", 0.95, true}, []string{"accuracy", "mse"}},
		{"antisaccade", Target{"accuracy", 0.95, true}, []string{"accuracy", "mse"}},
		{"rsg", Target{"r", 0.95, true}, []string{"mse", "timing_error", "r", "go_missed"}},
		{"flipflop", Target{"mse", 0.01, false}, []string{"mse", "bit_error", "bits_held"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task := mustNew(t, tc.name, "")
			if got := task.Target(); got != tc.want {
				t.Fatalf("target %+v, want %+v", got, tc.want)
			}
			b := sample(t, task, 8, 64)
			perfect, err := task.Score(b, b.Targets)
			if err != nil {
				t.Fatal(err)
			}
			zero, err := task.Score(b, make([]float32, len(b.Targets)))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want.Met(perfect) || tc.want.Met(zero) {
				t.Errorf("targets as outputs: %v, met %v; zero outputs: %v, met %v", perfect.Measures, tc.want.Met(perfect), zero.Measures, tc.want.Met(zero))
			}
			if len(zero.Measures) != len(tc.measures) {
				t.Errorf("measures %v, want exactly %v", zero.Measures, tc.measures)
			}
			js, err := json.Marshal(zero)
			if err != nil {
				t.Fatal(err)
			}
			var back struct {
				Measures map[string]*float64 `json:"measures"`
			}
			if err := json.Unmarshal(js, &back); err != nil {
				t.Fatal(err)
			}
			for _, m := range tc.measures {
				v, ok := zero.Measure(m)
				if !ok || back.Measures[m] == nil || *back.Measures[m] != v {
					t.Errorf("measure %q: %v, %v; in JSON %s", m, v, ok, js)
				}
			}
			if mse, _ := zero.Measure("mse"); mse != zero.MSE || zero.MSE == 0 {
				t.Errorf("measure mse %v, Score.MSE %v", mse, zero.MSE)
			}
		})
	}
}

func TestTargetMet(t *testing.T) {
	s := Score{Measures: map[string]float64{"accuracy": 0.9, "mse": 0.01, "r": math.NaN()}}
	for _, tc := range []struct {
		target Target
		met    bool
		text   string
	}{
		{Target{"accuracy", 0.9, true}, true, "accuracy >= 0.9"},
		{Target{"accuracy", 0.91, true}, false, "accuracy >= 0.91"},
		{Target{"mse", 0.01, false}, false, "mse < 0.01"}, // strictly below
		{Target{"mse", 0.02, false}, true, "mse < 0.02"},
		{Target{"nmse", 1, false}, false, "nmse < 1"}, // not measured
		{Target{"r", 0.5, true}, false, "r >= 0.5"},   // NaN
	} {
		if got := tc.target.Met(s); got != tc.met || tc.target.String() != tc.text {
			t.Errorf("%+v: met %v (want %v), written %q (want %q)", tc.target, got, tc.met, tc.target.String(), tc.text)
		}
	}
}

// rsgOutputs writes a go on output 1 from goAt(i) steps after set onset
// (no go when goAt returns < 0).
func rsgOutputs(b *batch.Batch, goAt func(i int) int) []float32 {
	out := make([]float32, len(b.Targets))
	for i, tr := range b.Trials {
		st, _ := tr.Period("set")
		g := goAt(i)
		if g < 0 {
			continue
		}
		for s := st.Start + g; s < tr.Steps; s++ {
			out[b.At(i, s, 1, b.Out)] = 1
		}
	}
	return out
}

// rsg: r is the correlation of the produced with the sample interval over
// the trials with a go, and 0 when too many trials miss it.
func TestRSGCorrelation(t *testing.T) {
	task := mustNew(t, "rsg", "")
	b := sample(t, task, 4, 100)
	steps := func(i int) int { return int(math.Round(b.Trials[i].Conditions["interval"] / 10)) }
	for _, tc := range []struct {
		name       string
		goAt       func(i int) int
		r, missed  float64
		tol        float64
		metsTarget bool
	}{
		{"on time", steps, 1, 0, 1e-9, true},
		{"half the interval plus 20 steps", func(i int) int { return steps(i)/2 + 20 }, 1, 0, 0.01, true},
		{"always 100 steps", func(int) int { return 100 }, 0, 0, 0, false},
		{"5 of 100 miss", func(i int) int {
			if i%20 == 0 {
				return -1
			}
			return steps(i)
		}, 1, 0.05, 1e-9, true},
		{"20 of 100 miss", func(i int) int {
			if i%5 == 0 {
				return -1
			}
			return steps(i)
		}, 0, 0.2, 0, false},
		{"none", func(int) int { return -1 }, 0, 1, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := task.Score(b, rsgOutputs(b, tc.goAt))
			if err != nil {
				t.Fatal(err)
			}
			r, _ := sc.Measure("r")
			missed, _ := sc.Measure("go_missed")
			if math.Abs(r-tc.r) > tc.tol || math.Abs(missed-tc.missed) > 1e-12 || task.Target().Met(sc) != tc.metsTarget {
				t.Errorf("r %v (want %v), go_missed %v (want %v), target met %v", r, tc.r, missed, tc.missed, task.Target().Met(sc))
			}
		})
	}
}

// flipflop: bits_held is the fraction of trials with every scored sign
// right; one wrong sign on one scored step loses its trial.
func TestFlipFlopBitsHeld(t *testing.T) {
	task := mustNew(t, "flipflop", "")
	b := sample(t, task, 6, 40)
	out := append([]float32(nil), b.Targets...)
	lost := 0
	for _, i := range []int{0, 7, 7, 30} { // trial 7 twice: lost once
		for j := b.At(i, 0, 0, b.Out); j < b.At(i+1, 0, 0, b.Out); j++ {
			if b.Mask[j] > 0 && out[j] == b.Targets[j] {
				out[j] = -b.Targets[j]
				lost++
				break
			}
		}
	}
	if lost != 4 {
		t.Fatalf("flipped %d signs, want 4", lost)
	}
	sc, err := task.Score(b, out)
	if err != nil {
		t.Fatal(err)
	}
	if held, _ := sc.Measure("bits_held"); held != 37.0/40 {
		t.Errorf("bits_held %v, want 37/40", held)
	}
	// Outputs of the right sign but the wrong size hold every bit yet miss
	// the mse target.
	for j := range out {
		out[j] = 0.5 * b.Targets[j]
	}
	sc, err = task.Score(b, out)
	if err != nil {
		t.Fatal(err)
	}
	if held, _ := sc.Measure("bits_held"); held != 1 || task.Target().Met(sc) || math.Abs(sc.MSE-0.25) > 1e-9 {
		t.Errorf("half-size outputs: bits_held %v (want 1), mse %v (want 0.25), target met %v", held, sc.MSE, task.Target().Met(sc))
	}
}

// pdm: a batch of only 0 % trials has no accuracy to report, and no
// zero_coherence_fraction means no 0 % trials.
func TestPDMNoAnswer(t *testing.T) {
	all := mustNew(t, "pdm", `{"coherences": [0], "zero_coherence_fraction": 0}`)
	b := sample(t, all, 2, 30)
	sc, err := all.Score(b, b.Targets)
	if err != nil {
		t.Fatal(err)
	}
	if sc.NoAnswer != 30 || sc.Accuracy != 0 || len(sc.ByCondition) != 0 || all.Target().Met(sc) {
		t.Errorf("only 0 %% trials: no answer %d, accuracy %v, by condition %v", sc.NoAnswer, sc.Accuracy, sc.ByCondition)
	}
	none := mustNew(t, "pdm", `{"zero_coherence_fraction": 0}`)
	if n := countZeroCoherence(sample(t, none, 2, 300)); n != 0 {
		t.Errorf("zero_coherence_fraction 0: %d trials at 0 %%", n)
	}
	if !strings.Contains(string(none.Spec().Params), `"zero_coherence_fraction":0`) {
		t.Errorf("spec %s lacks the fraction", none.Spec().Params)
	}
}
