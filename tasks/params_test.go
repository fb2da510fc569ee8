package tasks

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	if got := len(Names()); got < 11 {
		t.Fatalf("%d tasks registered, want at least 11", got)
	}
	for _, info := range List() {
		task, err := FromSpec(info.Defaults)
		if err != nil {
			t.Fatalf("%s: defaults do not rebuild: %v", info.Name, err)
		}
		wantDT := 10.0
		if strings.HasPrefix(info.Name, "yang") { // Yang et al. 2019's dt
			wantDT = 20
		}
		if task.Name() != info.Name || task.Description() == "" || task.DT() != wantDT {
			t.Errorf("%s: name %q, description %q, dt %v", info.Name, task.Name(), task.Description(), task.DT())
		}
		// Spec round trip: building from a task's Spec gives the same Spec.
		again, err := FromSpec(task.Spec())
		if err != nil || !reflect.DeepEqual(again.Spec(), task.Spec()) {
			t.Errorf("%s: spec does not round-trip: %v", info.Name, err)
		}
		b := sample(t, task, 1, 2)
		if b.In != Width(task.Inputs()) || b.Out != Width(task.Outputs()) {
			t.Errorf("%s: batch %d→%d units, channels say %d→%d", info.Name, b.In, b.Out, Width(task.Inputs()), Width(task.Outputs()))
		}
	}
	// Parameters given in JSON reach the task; the rest keep defaults.
	task, err := Parse([]byte(`{"name": "pdm", "params": {"coherences": [10, 20], "timing": {"stimulus": {"uniform": [300, 500]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	var p PDMParams
	if err := json.Unmarshal(task.Spec().Params, &p); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Coherences, []float64{10, 20}) || !reflect.DeepEqual(p.Timing.Stimulus, Uniform(300, 500)) || p.Timing.Fixation.Value != 300 || p.Sigma != 0.53 {
		t.Errorf("resolved params %+v", p)
	}
	b := sample(t, task, 3, 50)
	zeros := 0
	for _, tr := range b.Trials {
		// 0 % is the default zero_coherence_fraction's: no correct answer.
		if c := tr.Conditions["coherence"]; c == 0 {
			zeros++
			if tr.Choice != -1 || tr.Conditions["signed_coherence"] != 0 || tr.Conditions["direction"] != -1 {
				t.Fatalf("a 0 %% trial has choice %d, conditions %v", tr.Choice, tr.Conditions)
			}
		} else if c != 10 && c != 20 {
			t.Fatalf("coherence %v not from [10, 20] nor 0", c)
		}
		if st := per(tr, "stimulus"); st.End-st.Start < 30 || st.End-st.Start > 50 {
			t.Fatalf("stimulus of %d steps, want 30..50", st.End-st.Start)
		}
	}
	if zeros == 0 || zeros > 25 {
		t.Errorf("%d of 50 trials at 0 %% coherence, want about 1/6", zeros)
	}
}

func TestInvalidParams(t *testing.T) {
	tests := []struct {
		name, params string
		want         []string // substrings of the error
	}{
		{"nope", "", []string{`task name "nope"`, "pdm", "flipflop"}},
		{"pdm", `{"cohrences": [1]}`, []string{`unknown parameter "cohrences"`, "coherences", "timing {decision, delay, fixation, stimulus}"}},
		{"pdm", `{"timing": {"stim": 100}}`, []string{`unknown parameter "stim"`, "stimulus"}},
		{"pdm", `{"mask": {"knd": "yang"}}`, []string{`unknown parameter "knd"`, "mask {fixation_weight, grace, kind, response_weight, start}"}},
		{"pdm", `{"coherences": [10, 150]}`, []string{"coherences[1] = 150", "[0, 100]"}},
		{"pdm", `{"coherences": []}`, []string{"coherences = []"}},
		{"pdm", `{"zero_coherence_fraction": 1}`, []string{"zero_coherence_fraction = 1 is not allowed", "[0, 1)"}},
		{"pdm", `{"zero_coherence_fraction": -0.1}`, []string{"zero_coherence_fraction = -0.1 is not allowed"}},
		{"pdm", `{"coherences": "all"}`, []string{"coherences", "string", "an array of numbers"}},
		{"pdm", `{"dt": 0}`, []string{"dt = 0", "(0, 1000]"}},
		{"pdm", `{"dt": -5}`, []string{"dt = -5"}},
		{"pdm", `{"sigma": -1}`, []string{"sigma = -1", ">= 0"}},
		{"pdm", `{"pad": "min"}`, []string{`pad = "min"`, `"max" or "batch"`}},
		{"pdm", `{"mask": {"kind": "psychrnn"}}`, []string{`mask.kind = "psychrnn"`, `"trial", "response" or "yang"`}},
		{"pdm", `{"mask": {"grace": -1}}`, []string{"mask.grace = -1"}},
		{"pdm", `{"timing": {"decision": 0}}`, []string{"timing.decision = 0", "at least one step"}},
		{"pdm", `{"timing": {"decision": 4}}`, []string{"timing.decision = 4", "at least one step"}},
		{"pdm", `{"timing": {"stimulus": {"uniform": [500, 100]}}}`, []string{"timing.stimulus", "min <= max"}},
		{"pdm", `{"timing": {"stimulus": {"gauss": [500, 100]}}}`, []string{"timing.stimulus", `"gauss"`, "uniform, choice, truncexp"}},
		{"pdm", `{"timing": {"stimulus": {"truncexp": [500, 100]}}}`, []string{"timing.stimulus", "truncexp takes 3 numbers"}},
		{"pdm", `{"timing": {"stimulus": -3}}`, []string{"timing.stimulus = -3"}},
		{"pdm", `{"timing": {"stimulus": 1e9}}`, []string{"steps", "at most"}},
		{"pdm", `{"coherences": [1]} x`, []string{"unexpected data after the JSON"}},
		{"pdm", `[1, 2]`, []string{"params", "an object"}},
		{"romo", `{"pairs": [1, 2]}`, []string{"pairs", "an array of numbers"}},
		{"ctxdm", `{"timing": {"delay": {"truncexp": [0, 300, 3000]}}}`, []string{"timing.delay", "mean > 0"}},
		{"romo", `{"pairs": [[10, 10]]}`, []string{"pairs[0] = [10 10]", "must differ"}},
		{"romo", `{"pairs": [[10, -3]]}`, []string{"pairs[0]", "> 0"}},
		{"dms", `{"ring": 1}`, []string{"ring = 1", "[2, 1024]"}},
		{"dms", `{"ring": 1.5}`, []string{"ring = (a JSON number 1.5)", "an integer"}},
		{"antisaccade", `{"anti": "yes"}`, []string{"anti = (a JSON string)", "true or false"}},
		{"dmc", `{"ring": 15}`, []string{"ring = 15", "even"}},
		{"antisaccade", `{"tolerance": 4}`, []string{"tolerance = 4", "3.14"}},
		{"gonogo", `{"go_prob": 1.5}`, []string{"go_prob = 1.5", "[0, 1]"}},
		{"rsg", `{"gain": 0.01}`, []string{"gain = 0.01"}},
		{"rsg", `{"gain": 0}`, []string{"gain = 0"}},
		{"flipflop", `{"bits": 0}`, []string{"bits = 0", "[1, 64]"}},
		{"flipflop", `{"rate": 1000}`, []string{"rate = 1000"}},
		{"sine", `{"frequencies": [100]}`, []string{"frequencies[0] = 100", "Nyquist"}},
		{"sine", `{"amplitude": 0}`, []string{"amplitude = 0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" "+tc.params, func(t *testing.T) {
			_, err := New(tc.name, json.RawMessage(tc.params))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	for _, tc := range []struct{ spec, want string }{
		{`{"name": "pdm", "parms": {}}`, `unknown key "parms"`},
		{`{"params": {}}`, "no name"},
		{`{"name": 3}`, "not valid"},
		{`{"name": "pdm", "params": {"sigma": "x"}}`, "sigma"},
	} {
		if _, err := Parse([]byte(tc.spec)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", tc.spec, err, tc.want)
		}
	}
	// Building from Go parameter values validates the same way.
	p := DefaultRomo()
	p.Pairs = nil
	if _, err := p.Build(); err == nil || !strings.Contains(err.Error(), "tasks: romo: pairs = []") {
		t.Errorf("Build of bad romo params: %v", err)
	}
	gp := DefaultGoNoGo()
	gp.GoProb = 1
	if g, err := gp.Build(); err != nil || g.Name() != "gonogo" {
		t.Errorf("Build of go_prob 1: %v", err)
	}
	// The task keeps its own copy of the parameters.
	pp := DefaultPDM()
	pp.Timing.Stimulus = Choice(100, 200)
	pt, err := pp.Build()
	if err != nil {
		t.Fatal(err)
	}
	before := string(pt.Spec().Params)
	pp.Coherences[0] = 99
	pp.Timing.Stimulus.Values[0] = 900
	if after := string(pt.Spec().Params); after != before {
		t.Errorf("changing the parameter values changed the task: %s → %s", before, after)
	}
	// Sample refuses bad arguments instead of panicking.
	task := mustNew(t, "pdm", "")
	if _, err := task.Sample(nil, 4); err == nil {
		t.Error("nil rng accepted")
	}
	if _, err := task.Sample(rand.New(rand.NewPCG(1, 2)), 0); err == nil {
		t.Error("size 0 accepted")
	}
}

func TestDurations(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	tests := []struct {
		d        Duration
		json     string
		min, max float64
	}{
		{Fixed(500), `500`, 500, 500},
		{Uniform(800, 1500), `{"uniform":[800,1500]}`, 800, 1500},
		{Choice(400, 800, 1600), `{"choice":[400,800,1600]}`, 400, 1600},
		{TruncExp(600, 300, 3000), `{"truncexp":[600,300,3000]}`, 300, 3000},
	}
	for _, tc := range tests {
		t.Run(tc.json, func(t *testing.T) {
			b, err := json.Marshal(tc.d)
			if err != nil || string(b) != tc.json {
				t.Fatalf("marshal: %s, %v", b, err)
			}
			var back Duration
			if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, tc.d) {
				t.Fatalf("unmarshal: %+v, %v", back, err)
			}
			if tc.d.MaxMS() != tc.max || tc.d.MaxSteps(10) != int(math.Round(tc.max/10)) {
				t.Fatalf("max %v (%d steps), want %v", tc.d.MaxMS(), tc.d.MaxSteps(10), tc.max)
			}
			const n = 20000
			var sum float64
			for range n {
				v := tc.d.Sample(rng)
				if v < tc.min || v > tc.max {
					t.Fatalf("sample %v outside [%v, %v]", v, tc.min, tc.max)
				}
				if tc.d.Kind == DurChoice && v != 400 && v != 800 && v != 1600 {
					t.Fatalf("choice gave %v", v)
				}
				sum += v
			}
			if mean := sum / n; math.Abs(mean-tc.d.MeanMS()) > 0.02*tc.d.MeanMS() {
				t.Fatalf("sample mean %v, want about %v", mean, tc.d.MeanMS())
			}
		})
	}
	// Rounding to dt: 83 ms is 8 steps of 10, 4 of 20 (82 of 1).
	for _, tc := range []struct {
		dt   float64
		want int
	}{{10, 8}, {20, 4}, {1, 83}, {100, 1}} {
		if got := Fixed(83).Steps(rng, tc.dt); got != tc.want {
			t.Errorf("83 ms at dt %v = %d steps, want %d", tc.dt, got, tc.want)
		}
	}
	// The truncated exponential's mean: 300 + 600 (memoryless) less the
	// cut above 3000, 869.7.
	if m := TruncExp(600, 300, 3000).MeanMS(); math.Abs(m-869.67) > 0.01 {
		t.Errorf("truncexp mean %v, want 869.67", m)
	}
}

func TestTrialLengths(t *testing.T) {
	st, err := TrialLengths(mustNew(t, "pdm", ""), rand.New(rand.NewPCG(1, 1)), 100)
	if err != nil || st.Min != 100 || st.Max != 100 || st.Mean != 100 || st.Bound != 100 {
		t.Fatalf("pdm lengths %+v, %v", st, err)
	}
	st, err = TrialLengths(mustNew(t, "ctxdm", ""), rand.New(rand.NewPCG(1, 1)), 3000)
	if err != nil {
		t.Fatal(err)
	}
	// 30 + 75 + 30 steps plus a delay of mean ~89 steps.
	want := 135 + TruncExp(600, 300, 3000).MeanMS()/10
	if math.Abs(st.Mean-want) > 3 || st.Min < 165 || st.Max > 435 || st.Bound != 435 || st.Median > int(want) || st.P95 < st.Median {
		t.Errorf("ctxdm lengths %+v, mean want about %.1f", st, want)
	}
	if _, err := TrialLengths(mustNew(t, "pdm", ""), rand.New(rand.NewPCG(1, 1)), 0); err == nil {
		t.Error("n = 0 accepted")
	}
}
