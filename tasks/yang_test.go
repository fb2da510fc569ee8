package tasks

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/batch"
)

// yangMaxSteps is each task's longest trial at dt 20, from task.py's
// timings: the sum of each period's longest duration.
var yangMaxSteps = map[string]int{
	"fdgo": 135, "reactgo": 150, "delaygo": 170, "fdanti": 135, "reactanti": 150, "delayanti": 170,
	"dm1": 125, "dm2": 125, "contextdm1": 125, "contextdm2": 125, "multidm": 125,
	"delaydm1": 210, "delaydm2": 210, "contextdelaydm1": 210, "contextdelaydm2": 210, "multidelaydm": 210,
	"dmsgo": 165, "dmsnogo": 165, "dmcgo": 170, "dmcnogo": 170,
}

// yangAnswer is a trial's correct response direction written from its
// conditions alone (not from "response", Choice or the targets), or -1
// when the answer is to keep fixating.
func yangAnswer(t testing.TB, rule string, c map[string]float64) float64 {
	t.Helper()
	stronger := func(s1, s2 float64) float64 {
		if s1 > s2 {
			return c["stim1"]
		}
		return c["stim2"]
	}
	switch rule {
	case "fdgo", "reactgo", "delaygo":
		return c["stimulus"]
	case "fdanti", "reactanti", "delayanti":
		return math.Mod(c["stimulus"]+math.Pi, 2*math.Pi)
	case "dm1", "delaydm1", "contextdm1", "contextdelaydm1":
		return stronger(c["mod1_strength1"], c["mod1_strength2"])
	case "dm2", "delaydm2", "contextdm2", "contextdelaydm2":
		return stronger(c["mod2_strength1"], c["mod2_strength2"])
	case "multidm", "multidelaydm":
		return stronger(c["mod1_strength1"]+c["mod2_strength1"], c["mod1_strength2"]+c["mod2_strength2"])
	case "dmsgo", "dmsnogo", "dmcgo", "dmcnogo":
		var match bool
		if strings.HasPrefix(rule, "dms") {
			match = c["sample"] == c["test"]
		} else {
			match = (c["sample"] < math.Pi) == (c["test"] < math.Pi)
		}
		if match != strings.HasSuffix(rule, "nogo") {
			return c["test"]
		}
		return -1
	}
	t.Fatalf("no answer for %s", rule)
	return 0
}

// yangPolicy writes outputs that fixate (0.8) until the decision period
// and, at the last step of each trial, fixate (answer < 0) or drop
// fixation and put a bump at the answer's direction.
func yangPolicy(b *batch.Batch, answer func(i int) float64) []float32 {
	out := make([]float32, len(b.Targets))
	for i, tr := range b.Trials {
		dec, _ := tr.Period("decision")
		for s := 0; s < dec.Start; s++ {
			out[b.At(i, s, 0, b.Out)] = 0.8
		}
		last := tr.Steps - 1
		if a := answer(i); a < 0 {
			out[b.At(i, last, 0, b.Out)] = 1
		} else {
			for j := 0; j < yangRing; j++ {
				out[b.At(i, last, 1+j, b.Out)] = float32(yangBump(a, j))
			}
		}
	}
	return out
}

func isMatchRule(rule string) bool {
	return strings.HasPrefix(rule, "dms") || strings.HasPrefix(rule, "dmc")
}

func newYang(t testing.TB, rule, params string) Task {
	t.Helper()
	return mustNew(t, "yang-"+rule, params)
}

// Every Yang task: 85 inputs and 33 outputs; the rule unit of the task is
// on for the whole trial and no other; the periods, inputs and targets are
// those written from the trial's conditions; the conditions say the answer.
func TestYangTrials(t *testing.T) {
	for k, rule := range YangRules() {
		t.Run(rule, func(t *testing.T) {
			task := newYang(t, rule, `{"sigma": 0}`)
			if got := Width(task.Inputs()); got != 85 {
				t.Fatalf("%d inputs, want 85", got)
			}
			if got := Width(task.Outputs()); got != 33 {
				t.Fatalf("%d outputs, want 33", got)
			}
			if !reflect.DeepEqual(task.Inputs(), []Channel{{"fixation", 1}, {"ring1", 32}, {"ring2", 32}, {"rule", 20}}) ||
				!reflect.DeepEqual(task.Outputs(), []Channel{{"fixation", 1}, {"ring", 32}}) {
				t.Fatalf("channels %v → %v", task.Inputs(), task.Outputs())
			}
			if task.DT() != 20 {
				t.Fatalf("dt %v, want 20", task.DT())
			}
			if ms := task.(interface{ MaxSteps() int }).MaxSteps(); ms != yangMaxSteps[rule] {
				t.Fatalf("longest trial %d steps, want %d", ms, yangMaxSteps[rule])
			}
			b := sample(t, task, 21, 96)
			if b.Steps != yangMaxSteps[rule] {
				t.Fatalf("batch of %d steps, want the longest trial's %d", b.Steps, yangMaxSteps[rule])
			}
			gos := 0
			for i, tr := range b.Trials {
				checkYangTrial(t, b, i, rule, k)
				if tr.Conditions["go"] == 1 {
					gos++
				}
			}
			if isMatchRule(rule) {
				if gos < 30 || gos > 66 {
					t.Errorf("%d of 96 trials are go trials, want about half", gos)
				}
			} else if gos != 96 {
				t.Errorf("%d of 96 trials are go trials, want all", gos)
			}
		})
	}
}

func checkYangTrial(t *testing.T, b *batch.Batch, i int, rule string, k int) {
	t.Helper()
	tr := b.Trials[i]
	c := tr.Conditions
	v := view{b, i}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("trial %d (%v): %s", i, c, fmt.Sprintf(format, args...))
	}
	if c["rule"] != float64(k) {
		fail("condition rule %v, want %d", c["rule"], k)
	}
	// Periods tile the trial.
	end := 0
	for _, p := range tr.Periods {
		if p.Start != end || p.End < p.Start {
			fail("periods %v not contiguous", tr.Periods)
		}
		end = p.End
	}
	if end != tr.Steps || tr.Steps > b.Steps {
		fail("periods end at %d, trial %d steps, batch %d", end, tr.Steps, b.Steps)
	}
	dec := per(tr, "decision")
	if dec.End != tr.Steps || dec.End-dec.Start < 10 {
		fail("decision period %v", dec)
	}
	answer := yangAnswer(t, rule, c)
	if answer != c["response"] || (answer < 0) != (c["go"] == 0) {
		fail("response %v, go %v; the conditions say %v", c["response"], c["go"], answer)
	}
	if want := -1; answer >= 0 {
		want = int(math.Round(answer/(2*math.Pi/32))) % 32
		if tr.Choice != want {
			fail("choice %d, want the ring unit %d nearest %v", tr.Choice, want, answer)
		}
	} else if tr.Choice != -1 {
		fail("choice %d on a keep-fixating trial", tr.Choice)
	}
	// The inputs, written from the conditions.
	type stim struct {
		ring     int
		theta, s float64
		p        batch.Period
	}
	var stims []stim
	fixIn := dec.Start
	switch {
	case strings.HasPrefix(rule, "fd"), strings.HasPrefix(rule, "react"), strings.HasPrefix(rule, "delay") && !strings.HasPrefix(rule, "delaydm"):
		m := int(c["modality"])
		p := per(tr, "stimulus")
		switch {
		case strings.HasPrefix(rule, "react"):
			p, fixIn = dec, tr.Steps
		case strings.HasPrefix(rule, "fd"):
			p.End = tr.Steps
		}
		stims = []stim{{ring: m, theta: c["stimulus"], s: 1, p: p}}
		if sec := math.Floor(c["stimulus"] / (math.Pi / 4)); c["stimulus_sector"] != sec {
			fail("sector %v, want %v", c["stimulus_sector"], sec)
		}
	case isMatchRule(rule):
		test := dec
		stims = []stim{{ring: int(c["sample_modality"]), theta: c["sample"], s: 1, p: per(tr, "sample")},
			{ring: int(c["test_modality"]), theta: c["test"], s: 1, p: test}}
		fixIn = tr.Steps
		if strings.HasPrefix(rule, "dmc") {
			for _, th := range []float64{c["sample"], c["test"]} {
				if r := th/(0.1*math.Pi) - 1; math.Abs(r/2-math.Round(r/2)) > 1e-9 {
					fail("dmc direction %v is not one of 0.1π, 0.3π, ..., 1.9π", th)
				}
			}
		} else if d := circDist(c["sample"], c["test"]); c["match"] == 0 && d < math.Pi/9-1e-9 {
			fail("non-match test %v from the sample, want >= π/9", d)
		}
	default: // dm families
		p1, p2 := per(tr, "stimulus"), per(tr, "stimulus")
		if strings.Contains(rule, "delay") {
			p1, p2 = per(tr, "stim1"), per(tr, "stim2")
		}
		for m := 1; m <= 2; m++ {
			s1, s2 := c[fmt.Sprintf("mod%d_strength1", m)], c[fmt.Sprintf("mod%d_strength2", m)]
			if s1 == 0 && s2 == 0 {
				continue
			}
			stims = append(stims, stim{ring: m, theta: c["stim1"], s: s1, p: p1}, stim{ring: m, theta: c["stim2"], s: s2, p: p2})
		}
		single := strings.HasSuffix(rule, "dm1") || strings.HasSuffix(rule, "dm2")
		if ctx := strings.HasPrefix(rule, "context"); single && !ctx && len(stims) != 2 || !single && len(stims) != 4 {
			fail("%d stimuli", len(stims))
		}
		if d := circDist(c["stim1"], c["stim2"]); d < 0.5*math.Pi-1e-9 {
			fail("stimuli %v apart, want >= π/2", d)
		}
		coh := c["coherence"]
		if !strings.HasPrefix(rule, "multi") {
			m := 1
			if strings.HasSuffix(rule, "2") {
				m = 2
			}
			diff := c[fmt.Sprintf("mod%d_strength1", m)] - c[fmt.Sprintf("mod%d_strength2", m)]
			if math.Abs(math.Abs(diff)-2*coh) > 1e-9 || math.Abs(diff/2-c["signed_coherence"]) > 1e-9 {
				fail("strength difference %v for coherence %v", diff, coh)
			}
		}
		cohs := []float64{0.01, 0.02, 0.04, 0.08}
		if strings.Contains(rule, "delay") {
			cohs = []float64{0.08, 0.16, 0.32}
		}
		found := false
		for _, x := range cohs {
			found = found || x == coh
		}
		if !found {
			fail("coherence %v not in %v", coh, cohs)
		}
	}
	for s := 0; s < b.Steps; s++ {
		in := func(u int) float32 { return v.in(s, u) }
		inTrial := s < tr.Steps
		// Fixation input.
		if want := float32(boolInt(s < fixIn && inTrial)); in(0) != want {
			fail("step %d: fixation input %v, want %v", s, in(0), want)
		}
		// Rule inputs: one-hot at 65+k over the trial.
		for r := 0; r < 20; r++ {
			want := float32(0)
			if r == k && inTrial {
				want = 1
			}
			if in(65+r) != want {
				fail("step %d: rule unit %d = %v, want %v", s, 65+r, in(65+r), want)
			}
		}
		// Rings.
		for m := 1; m <= 2; m++ {
			for j := 0; j < 32; j++ {
				want := 0.0
				for _, st := range stims {
					if st.ring == m && s >= st.p.Start && s < st.p.End {
						d := circDist(st.theta, 2*math.Pi*float64(j)/32) / (math.Pi / 8)
						want += st.s * 0.8 * math.Exp(-d*d/2)
					}
				}
				if got := in(1 + (m-1)*32 + j); math.Abs(float64(got)-want) > 1e-5 {
					fail("step %d: ring %d unit %d = %v, want %v", s, m, j, got, want)
				}
			}
		}
		// Targets.
		fixT, ringOn := 0.05, s >= dec.Start && answer >= 0
		if s < dec.Start || answer < 0 {
			fixT = 0.8
		}
		if !inTrial {
			fixT = 0
		}
		if got := v.tg(s, 0); math.Abs(float64(got)-fixT) > 1e-7 {
			fail("step %d: fixation target %v, want %v", s, got, fixT)
		}
		for j := 0; j < 32; j++ {
			want := 0.05
			if !inTrial {
				want = 0
			} else if ringOn {
				d := circDist(answer, 2*math.Pi*float64(j)/32) / (math.Pi / 8)
				want += 0.8 * math.Exp(-d*d/2)
			}
			if got := v.tg(s, 1+j); math.Abs(float64(got)-want) > 1e-6 {
				fail("step %d: ring target %d = %v, want %v", s, j, got, want)
			}
		}
	}
}

// The timings follow task.py: each period's duration is one its rule can
// give, and over many trials every value of a choice appears.
func TestYangTimings(t *testing.T) {
	for _, rule := range YangRules() {
		t.Run(rule, func(t *testing.T) {
			task := newYang(t, rule, `{"sigma": 0}`)
			p, _ := DefaultYang(rule)
			b := sample(t, task, 3, 400)
			seen := map[string]map[int]bool{}
			for _, tr := range b.Trials {
				for _, q := range tr.Periods {
					d, ok := p.Timing[q.Name]
					if !ok {
						t.Fatalf("period %q not in the timing %v", q.Name, p.Timing)
					}
					n := q.End - q.Start
					lo, hi := int(math.Round(minMS(d)/20)), d.MaxSteps(20)
					if n < lo || n > hi {
						t.Fatalf("period %s of %d steps, want [%d, %d] (%s)", q.Name, n, lo, hi, d)
					}
					if seen[q.Name] == nil {
						seen[q.Name] = map[int]bool{}
					}
					seen[q.Name][n] = true
				}
				if len(tr.Periods) != len(p.Timing) {
					t.Fatalf("periods %v, timing %v", tr.Periods, p.Timing)
				}
			}
			for name, d := range p.Timing {
				if d.Kind == DurChoice && len(seen[name]) != len(d.Values) {
					t.Errorf("period %s took %d of its %d durations", name, len(seen[name]), len(d.Values))
				}
			}
		})
	}
}

// Every Yang task: the ideal answer scores >= 0.99, the targets score 1, a
// constant answer (always fixate; always saccade to direction 0) scores
// what it should, the task's Chance is the better of the two, and the
// per-condition summaries cover every trial once per key.
func TestYangPolicies(t *testing.T) {
	const n = 500
	for _, rule := range YangRules() {
		t.Run(rule, func(t *testing.T) {
			task := newYang(t, rule, `{"sigma": 0}`)
			b := sample(t, task, 11, n)
			ideal, err := task.Score(b, yangPolicy(b, func(i int) float64 { return yangAnswer(t, rule, b.Trials[i].Conditions) }))
			if err != nil {
				t.Fatal(err)
			}
			if ideal.Accuracy < 0.99 || ideal.FixationBreaks != 0 || ideal.Kind != "choice" {
				t.Errorf("ideal: accuracy %.4f (want >= 0.99), fixation breaks %v", ideal.Accuracy, ideal.FixationBreaks)
			}
			for i, ts := range ideal.PerTrial {
				if ts.Chosen != b.Trials[i].Choice {
					t.Fatalf("trial %d: chosen %d, choice %d", i, ts.Chosen, b.Trials[i].Choice)
				}
			}
			tg, err := task.Score(b, b.Targets)
			if err != nil {
				t.Fatal(err)
			}
			if tg.Accuracy != 1 || tg.MSE != 0 || !task.Target().Met(tg) {
				t.Errorf("targets as outputs: accuracy %v, mse %v", tg.Accuracy, tg.MSE)
			}
			gos := 0
			for _, tr := range b.Trials {
				gos += int(tr.Conditions["go"])
			}
			fix, err := task.Score(b, yangPolicy(b, func(int) float64 { return -1 }))
			if err != nil {
				t.Fatal(err)
			}
			if want := float64(n-gos) / n; fix.Accuracy != want {
				t.Errorf("always fixating: accuracy %v, want the share of no-go trials %v", fix.Accuracy, want)
			}
			east, err := task.Score(b, yangPolicy(b, func(int) float64 { return 0 }))
			if err != nil {
				t.Fatal(err)
			}
			pGo := float64(gos) / n
			want := 0.2 * pGo
			sd := math.Sqrt(want * (1 - want) / n)
			if math.Abs(east.Accuracy-want) > 4*sd {
				t.Errorf("always direction 0: accuracy %.4f, want %.4f ± %.4f", east.Accuracy, want, 4*sd)
			}
			chance := 0.2
			if isMatchRule(rule) {
				chance = 0.5
			}
			if east.Chance != chance || math.Abs(math.Max(fix.Accuracy, east.Accuracy)-chance) > 0.1 {
				t.Errorf("chance %v (want %v); constant answers scored %v and %v", east.Chance, chance, fix.Accuracy, east.Accuracy)
			}
			total := map[string]int{}
			for _, cs := range ideal.ByCondition {
				total[cs.Condition] += cs.Trials
			}
			if len(total) == 0 {
				t.Error("no per-condition summary")
			}
			for key, v := range total {
				if v != n {
					t.Errorf("summary by %s covers %d trials, want %d", key, v, n)
				}
			}
		})
	}
}

// Yang's get_perf judges the last step only: fixation output > 0.5 is
// fixating; otherwise the population vector must be within 0.2π of the
// response. Breaking fixation earlier is reported but not counted wrong,
// except with strict_fixation.
// The bimodal DM tasks measure which modality the answers follow on
// conflict trials: the ideal policy follows the attended modality only
// (or, in multidm, one of the two on each trial); a policy that always
// answers modality 1's stronger stimulus, ignoring the rule, follows it on
// every conflict trial of every task and modality 2 on none (so agreeing
// trials are left out); a fixating policy follows neither; the one-modality
// tasks have no such measures.
func TestYangFollows(t *testing.T) {
	stronger := func(c map[string]float64, m string) float64 {
		if c[m+"_strength1"] > c[m+"_strength2"] {
			return c["stim1"]
		}
		return c["stim2"]
	}
	for _, tc := range []struct {
		rule       string
		ideal      [2]float64 // follows_mod1, follows_mod2 of the ideal policy; -1: sum to 1, both in (0, 1)
		hasFollows bool
	}{
		{"contextdm1", [2]float64{1, 0}, true},
		{"contextdm2", [2]float64{0, 1}, true},
		{"contextdelaydm1", [2]float64{1, 0}, true},
		{"contextdelaydm2", [2]float64{0, 1}, true},
		{"multidm", [2]float64{-1, -1}, true},
		{"multidelaydm", [2]float64{-1, -1}, true},
		{"dm1", [2]float64{}, false},
		{"delaydm2", [2]float64{}, false},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			task := newYang(t, tc.rule, `{"sigma": 0}`)
			b := sample(t, task, 3, 200)
			for _, pc := range []struct {
				name   string
				answer func(i int) float64
				want   [2]float64
			}{
				{"ideal", func(i int) float64 { return yangAnswer(t, tc.rule, b.Trials[i].Conditions) }, tc.ideal},
				{"mod1", func(i int) float64 { return stronger(b.Trials[i].Conditions, "mod1") }, [2]float64{1, 0}},
				{"mod2", func(i int) float64 { return stronger(b.Trials[i].Conditions, "mod2") }, [2]float64{0, 1}},
				{"fixate", func(int) float64 { return -1 }, [2]float64{0, 0}},
				// a bump toward modality 1's answer while still fixating
				// (fixation output 1 at the last step) follows neither
				{"fixate with bump", func(i int) float64 { return stronger(b.Trials[i].Conditions, "mod1") }, [2]float64{0, 0}},
			} {
				out := yangPolicy(b, pc.answer)
				if pc.name == "fixate with bump" {
					for i, tr := range b.Trials {
						out[b.At(i, tr.Steps-1, 0, b.Out)] = 1
					}
				}
				sc, err := task.Score(b, out)
				if err != nil {
					t.Fatal(err)
				}
				f1, ok1 := sc.Measure("follows_mod1")
				f2, ok2 := sc.Measure("follows_mod2")
				if !tc.hasFollows {
					if ok1 || ok2 {
						t.Fatalf("%s: follows measures on a one-modality task: %v", pc.name, sc.Measures)
					}
					return
				}
				if !ok1 || !ok2 {
					t.Fatalf("%s: no follows measures: %v", pc.name, sc.Measures)
				}
				if pc.want[0] < 0 {
					if f1+f2 != 1 || f1 <= 0 || f2 <= 0 {
						t.Errorf("%s: follows %v, %v: want both in (0, 1), summing to 1", pc.name, f1, f2)
					}
				} else if f1 != pc.want[0] || f2 != pc.want[1] {
					t.Errorf("%s: follows %v, %v, want %v", pc.name, f1, f2, pc.want)
				}
			}
		})
	}
}

func TestYangScoring(t *testing.T) {
	task := newYang(t, "delaygo", `{"sigma": 0}`)
	b := sample(t, task, 2, 200)
	resp := func(i int) float64 { return b.Trials[i].Conditions["response"] }
	for _, tc := range []struct {
		name   string
		offset float64
		want   float64
	}{{"0.19π off", 0.19 * math.Pi, 1}, {"0.21π off", 0.21 * math.Pi, 0}, {"-0.19π off", -0.19 * math.Pi, 1}} {
		sc, err := task.Score(b, yangPolicy(b, func(i int) float64 { return wrapAngle(resp(i) + tc.offset) }))
		if err != nil {
			t.Fatal(err)
		}
		if sc.Accuracy != tc.want {
			t.Errorf("answer %s: accuracy %v, want %v", tc.name, sc.Accuracy, tc.want)
		}
	}
	// Fixation output exactly 0.5 at the last step is not fixating; 0.51
	// is, and then the trial is wrong on a go trial.
	for _, tc := range []struct {
		fix  float32
		want float64
	}{{0.5, 1}, {0.51, 0}} {
		out := yangPolicy(b, resp)
		for i, tr := range b.Trials {
			out[b.At(i, tr.Steps-1, 0, b.Out)] = tc.fix
		}
		if sc, _ := task.Score(b, out); sc.Accuracy != tc.want {
			t.Errorf("last fixation output %v: accuracy %v, want %v", tc.fix, sc.Accuracy, tc.want)
		}
	}
	// Only the last step counts: a wrong answer before it does not.
	out := yangPolicy(b, resp)
	for i, tr := range b.Trials {
		for j := 0; j < 32; j++ {
			out[b.At(i, tr.Steps-2, 1+j, b.Out)] = float32(yangBump(wrapAngle(resp(i)+math.Pi), j))
		}
	}
	if sc, _ := task.Score(b, out); sc.Accuracy != 1 {
		t.Errorf("a wrong answer one step early: accuracy %v, want 1", sc.Accuracy)
	}
	// Breaking fixation at a masked step before the go cue.
	broken := yangPolicy(b, resp)
	for i := range b.Trials {
		broken[b.At(i, 10, 0, b.Out)] = 0
	}
	sc, _ := task.Score(b, broken)
	if sc.Accuracy != 1 || sc.FixationBreaks != 1 {
		t.Errorf("early break: accuracy %v (want 1), breaks %v (want 1)", sc.Accuracy, sc.FixationBreaks)
	}
	strict := newYang(t, "delaygo", `{"sigma": 0, "strict_fixation": true}`)
	if sc, _ := strict.Score(b, broken); sc.Accuracy != 0 || sc.FixationBreaks != 1 {
		t.Errorf("strict, early break: accuracy %v (want 0), breaks %v", sc.Accuracy, sc.FixationBreaks)
	}
	// ... but not in the first 100 ms, which the mask leaves out.
	early := yangPolicy(b, resp)
	for i := range b.Trials {
		early[b.At(i, 2, 0, b.Out)] = 0
	}
	if sc, _ := strict.Score(b, early); sc.Accuracy != 1 || sc.FixationBreaks != 0 {
		t.Errorf("strict, dip in the first 100 ms: accuracy %v (want 1), breaks %v", sc.Accuracy, sc.FixationBreaks)
	}
	// Ring outputs summing to 0 give no direction: wrong on a go trial.
	zero := yangPolicy(b, func(int) float64 { return -1 })
	for i, tr := range b.Trials {
		zero[b.At(i, tr.Steps-1, 0, b.Out)] = 0
	}
	if sc, _ := task.Score(b, zero); sc.Accuracy != 0 {
		t.Errorf("silent ring: accuracy %v, want 0", sc.Accuracy)
	}
}

// The loss mask is Yang's add_c_mask squared, the weights his loss puts
// on the squared error: 0 for the first 100 ms (5 steps), 1 until the go
// cue, 0 for 100 ms, 25 to the end of the trial, 0 in padding, the
// fixation output's weights ×4; with response_weight 5 and fixation_weight
// 2, add_c_mask itself.
func TestYangMask(t *testing.T) {
	for j, rule := range YangRules() {
		resp, fix, params := float32(25), float32(4), ""
		if j%2 == 1 {
			resp, fix, params = 5, 2, `{"mask": {"kind": "yang", "response_weight": 5, "fixation_weight": 2}}`
		}
		task := newYang(t, rule, params)
		b := sample(t, task, 4, 16)
		for i, tr := range b.Trials {
			g := per(tr, "decision").Start
			for s := 0; s < b.Steps; s++ {
				var w float32
				switch {
				case s >= tr.Steps, s < 5:
					w = 0
				case s < g:
					w = 1
				case s < g+5:
					w = 0
				default:
					w = resp
				}
				for u := 0; u < b.Out; u++ {
					want := w
					if u == 0 {
						want *= fix
					}
					if got := b.Mask[b.At(i, s, u, b.Out)]; got != want {
						t.Fatalf("%s trial %d step %d output %d: mask %v, want %v (go cue %d, %d steps)", rule, i, s, u, got, want, g, tr.Steps)
					}
				}
			}
		}
	}
}

// Input noise is Yang's: sd 0.01·sqrt(2/α) per step (α = 20/100) on every
// input unit at dt 20, rule and fixation units included; "rings" leaves
// the fixation and rule units clean. Same seed, same batch.
func TestYangNoise(t *testing.T) {
	task := newYang(t, "dmsgo", "")
	clean := newYang(t, "dmsgo", `{"sigma": 0}`)
	b, c := sample(t, task, 5, 200), sample(t, clean, 5, 200)
	var ss, n float64
	for i, tr := range b.Trials {
		for s := 0; s < b.Steps; s++ {
			for u := 0; u < 85; u++ {
				d := float64(b.Inputs[b.At(i, s, u, 85)] - c.Inputs[b.At(i, s, u, 85)])
				if s >= tr.Steps {
					if d != 0 || b.Inputs[b.At(i, s, u, 85)] != 0 {
						t.Fatalf("noise in padding")
					}
					continue
				}
				if u == 0 || u >= 65 {
					ss += d * d
					n++
				}
			}
		}
	}
	want := 0.01 * math.Sqrt(2/0.2)
	if sd := math.Sqrt(ss / n); math.Abs(sd-want) > 0.02*want {
		t.Errorf("noise sd on the fixation and rule units %v, want %v", sd, want)
	}
	rings := newYang(t, "dmsgo", `{"noisy_inputs": "rings"}`)
	r := sample(t, rings, 5, 20)
	cr := sample(t, clean, 5, 20)
	noisyRing := false
	for i := range r.Trials {
		for s := 0; s < r.Steps; s++ {
			for u := 0; u < 85; u++ {
				same := r.Inputs[r.At(i, s, u, 85)] == cr.Inputs[r.At(i, s, u, 85)]
				if (u == 0 || u >= 65) && !same {
					t.Fatalf("noisy_inputs rings: unit %d has noise", u)
				}
				noisyRing = noisyRing || (u > 0 && u < 65 && !same)
			}
		}
	}
	if !noisyRing {
		t.Error("noisy_inputs rings: the rings have no noise")
	}
	if !reflect.DeepEqual(sample(t, task, 9, 8), sample(t, task, 9, 8)) {
		t.Error("same seed, different batches")
	}
}

func TestYangParams(t *testing.T) {
	// Parameters reach the task; the Spec round-trips; DefaultYang and
	// Build give what New gives.
	task := newYang(t, "delaydm1", `{"dt": 10, "coherences": [0.5], "timing": {"delay1": 300}}`)
	var p map[string]json.RawMessage
	if err := json.Unmarshal(task.Spec().Params, &p); err != nil {
		t.Fatal(err)
	}
	if string(p["coherences"]) != "[0.5]" || !strings.Contains(string(p["timing"]), `"delay1":300`) || string(p["dt"]) != "10" {
		t.Errorf("spec %s", task.Spec().Params)
	}
	again, err := FromSpec(task.Spec())
	if err != nil || !reflect.DeepEqual(again.Spec(), task.Spec()) {
		t.Fatalf("spec does not round-trip: %v", err)
	}
	b := sample(t, task, 1, 20)
	for _, tr := range b.Trials {
		if d := per(tr, "delay1"); d.End-d.Start != 30 || tr.Conditions["coherence"] != 0.5 {
			t.Fatalf("delay1 %v, coherence %v", d, tr.Conditions["coherence"])
		}
	}
	dp, err := DefaultYang("yang-dm2")
	if err != nil || dp.Rule() != "dm2" {
		t.Fatalf("DefaultYang: %v, %v", dp, err)
	}
	dp.Timing["stimulus"] = Fixed(200)
	built, err := dp.Build()
	if err != nil || built.Name() != "yang-dm2" {
		t.Fatalf("Build: %v", err)
	}
	dp.Timing["stimulus"] = Fixed(999) // the task keeps its own copy
	if !strings.Contains(string(built.Spec().Params), `"stimulus":200`) {
		t.Errorf("changing the parameters changed the task: %s", built.Spec().Params)
	}
	if _, err := DefaultYang("dm3"); err == nil || !strings.Contains(err.Error(), `rule = "dm3" is not allowed`) {
		t.Errorf("DefaultYang(dm3): %v", err)
	}
	if k, ok := YangRuleIndex("yang-dmcnogo"); !ok || k != 19 {
		t.Errorf("YangRuleIndex = %d, %v", k, ok)
	}
	if r, ok := YangRuleOf(b.Trials[0]); !ok || r != "delaydm1" {
		t.Errorf("YangRuleOf = %q, %v", r, ok)
	}
}

func TestYangInvalidParams(t *testing.T) {
	for _, tc := range []struct {
		name, params string
		want         []string
	}{
		{"yang-fdgo", `{"timing": {"stim": 100}}`, []string{`unknown parameter "timing.stim"`, "timing {decision, fixation, stimulus}"}},
		{"yang-fdgo", `{"timing": null}`, []string{"timing.fixation = (missing) is not allowed"}},
		{"yang-fdgo", `{"coherences": [0.1]}`, []string{"coherences = [0.1] is not allowed", "only the DM tasks"}},
		{"yang-fdgo", `{"cohrences": [0.1]}`, []string{`unknown parameter "cohrences"`, "strict_fixation"}},
		{"yang-dm1", `{"coherences": [0.1, 0.9]}`, []string{"coherences[1] = 0.9 is not allowed", "[0, 0.8]"}},
		{"yang-dm1", `{"coherences": [0]}`, []string{"coherences[0] = 0 is not allowed", "(0, 0.8]"}},
		{"yang-dm1", `{"coherences": []}`, []string{"coherences = [] is not allowed"}},
		{"yang-dm1", `{"noisy_inputs": "rule"}`, []string{`noisy_inputs = "rule" is not allowed`, `"all" or "rings"`}},
		{"yang-dm1", `{"dt": 0}`, []string{"dt = 0 is not allowed"}},
		{"yang-dm1", `{"sigma": -1}`, []string{"sigma = -1 is not allowed"}},
		{"yang-dm1", `{"mask": {"kind": "x"}}`, []string{`mask.kind = "x" is not allowed`}},
		{"yang-dm1", `{"timing": {"decision": 5}}`, []string{"timing.decision = 5 is not allowed", "at least one step"}},
		{"yang-dmsgo", `{"timing": {"sample": {"uniform": [3, 1]}}}`, []string{"timing.sample", "min <= max"}},
		{"yang-dmsgo", `{"strict_fixation": 1}`, []string{"strict_fixation", "true or false"}},
		{"yang20", `{"rules": []}`, []string{"rules = [] is not allowed"}},
		{"yang20", `{"rules": ["dm1", "dm9"]}`, []string{`rules[1] = "dm9" is not allowed`, "fdgo, reactgo"}},
		{"yang20", `{"rules": ["yang-dm1"]}`, []string{`rules[0] = "yang-dm1" is not allowed`}},
		{"yang20", `{"rules": ["dm1", "dm1"]}`, []string{`rules[1] = "dm1" is not allowed`, "twice"}},
		{"yang20", `{"rule_probs": {"dm9": 1}}`, []string{"rule_probs.dm9 = 1 is not allowed", "not a rule"}},
		{"yang20", `{"rule_probs": {"dm1": -1}}`, []string{"rule_probs.dm1 = -1 is not allowed", ">= 0"}},
		{"yang20", `{"rules": ["dm1"], "rule_probs": {"dm1": 0, "dm2": 1}}`, []string{"rule_probs", "all 0"}},
		{"yang20", `{"rule_probs": [1, 2]}`, []string{"rule_probs", "an object"}},
		{"yang20", `{"timing": {}}`, []string{`unknown parameter "timing"`, "rule_probs"}},
		{"yang20", `{"dt": 500}`, []string{"rule dmcgo", "timing.decision", "at least one step"}},
	} {
		t.Run(tc.name+" "+tc.params, func(t *testing.T) {
			_, err := New(tc.name, json.RawMessage(tc.params))
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line", err)
			}
			if !strings.HasPrefix(err.Error(), "tasks: "+tc.name+": ") {
				t.Errorf("error %q does not name the task", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// Sampling a Yang task is quick enough for training: a batch of 64
// trials of the multitask.
func BenchmarkYangMultiSample(b *testing.B) {
	task := mustNew(b, "yang20", "")
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		if _, err := task.Sample(rng, 64); err != nil {
			b.Fatal(err)
		}
	}
}
