package tasks

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/dale-rnn/dale/batch"
)

// Each task, noise off and mask "trial", on a fixed seed: periods,
// channel contents, targets and the correct answer follow the task's
// rules.

type view struct {
	b *batch.Batch
	i int
}

func (v view) in(s, u int) float32  { return v.b.Inputs[v.b.At(v.i, s, u, v.b.In)] }
func (v view) tg(s, u int) float32  { return v.b.Targets[v.b.At(v.i, s, u, v.b.Out)] }
func (v view) msk(s, u int) float32 { return v.b.Mask[v.b.At(v.i, s, u, v.b.Out)] }

// argmax is the ring unit with the largest value of arr at step s (ring at
// units 1..n), or -1 if the ring is silent.
func (v view) argmax(arr func(s, u int) float32, s, n int) int {
	best, arg := float32(0), -1
	for j := 0; j < n; j++ {
		if x := arr(s, 1+j); x > best {
			best, arg = x, j
		}
	}
	return arg
}

func per(tr batch.Trial, name string) batch.Period {
	p, _ := tr.Period(name)
	return p
}

func TestTaskRules(t *testing.T) {
	type check func(t *testing.T, v view, tr batch.Trial)
	dec := func(tr batch.Trial) batch.Period { return per(tr, "decision") }
	// fixateChoose checks the fixation input and output and the one-hot
	// choice target of tasks with outputs fixation + choices.
	fixateChoose := func(t *testing.T, v view, tr batch.Trial) {
		d := dec(tr)
		for s := 0; s < tr.Steps; s++ {
			want := float32(0)
			if s < d.Start {
				want = 1
			}
			if v.in(s, 0) != want || v.tg(s, 0) != want {
				t.Fatalf("step %d: fixation input %v, target %v, want %v", s, v.in(s, 0), v.tg(s, 0), want)
			}
			for c := 1; c < v.b.Out; c++ {
				w := float32(0)
				if s >= d.Start && c == 1+tr.Choice {
					w = 1
				}
				if v.tg(s, c) != w {
					t.Fatalf("step %d: choice output %d target %v, want %v", s, c, v.tg(s, c), w)
				}
			}
		}
	}
	zeroOutside := func(t *testing.T, v view, tr batch.Trial, u int, keep ...string) {
		for s := 0; s < tr.Steps; s++ {
			inside := false
			for _, k := range keep {
				p := per(tr, k)
				inside = inside || (s >= p.Start && s < p.End)
			}
			if !inside && v.in(s, u) != 0 {
				t.Fatalf("input unit %d is %v at step %d, outside %v", u, v.in(s, u), s, keep)
			}
		}
	}
	evidence := func(t *testing.T, v view, tr batch.Trial, u int, c float64) {
		st := per(tr, "stimulus")
		for s := st.Start; s < st.End; s++ {
			if v.in(s, u) != float32(0.5-c/200) || v.in(s, u+1) != float32(0.5+c/200) {
				t.Fatalf("step %d: evidence (%v, %v) for signed coherence %v", s, v.in(s, u), v.in(s, u+1), c)
			}
		}
		zeroOutside(t, v, tr, u, "stimulus")
		zeroOutside(t, v, tr, u+1, "stimulus")
	}
	tests := []struct {
		name    string
		params  string
		periods []int // steps of each period when fixed; nil to skip
		check   check
	}{
		{"pdm", "", []int{30, 40, 0, 30}, func(t *testing.T, v view, tr batch.Trial) {
			fixateChoose(t, v, tr)
			evidence(t, v, tr, 1, tr.Conditions["signed_coherence"])
		}},
		{"ctxdm", "", nil, func(t *testing.T, v view, tr batch.Trial) {
			fixateChoose(t, v, tr)
			evidence(t, v, tr, 1, tr.Conditions["signed_coherence1"])
			evidence(t, v, tr, 3, tr.Conditions["signed_coherence2"])
			ctx := int(tr.Conditions["context"])
			for s := 0; s < tr.Steps; s++ {
				if v.in(s, 4+ctx) != 1 || v.in(s, 7-ctx) != 0 {
					t.Fatalf("step %d: context inputs (%v, %v) for context %d", s, v.in(s, 5), v.in(s, 6), ctx)
				}
			}
			if d := per(tr, "delay"); d.End-d.Start < 30 || d.End-d.Start > 300 {
				t.Fatalf("delay of %d steps, want truncexp in [30, 300]", d.End-d.Start)
			}
			if want := []int{30, 75}; per(tr, "stimulus").Start != want[0] || per(tr, "stimulus").End != want[0]+want[1] {
				t.Fatalf("stimulus %v, want [30, 105)", per(tr, "stimulus"))
			}
		}},
		{"multisensory", "", []int{30, 75, 0, 30}, func(t *testing.T, v view, tr batch.Trial) {
			fixateChoose(t, v, tr)
			c := tr.Conditions["signed_coherence"]
			switch tr.Conditions["modality"] {
			case 1:
				evidence(t, v, tr, 1, c)
				zeroOutside(t, v, tr, 3)
			case 2:
				evidence(t, v, tr, 3, c)
				zeroOutside(t, v, tr, 1)
			case 3:
				evidence(t, v, tr, 1, c)
				evidence(t, v, tr, 3, c)
			default:
				t.Fatalf("modality %v", tr.Conditions["modality"])
			}
		}},
		{"romo", "", []int{50, 50, 100, 50, 30}, func(t *testing.T, v view, tr batch.Trial) {
			fixateChoose(t, v, tr)
			zeroOutside(t, v, tr, 1, "f1", "f2")
			f1, f2 := v.in(per(tr, "f1").Start, 1), v.in(per(tr, "f2").Start, 1)
			if f1 < 0.5 || f1 > 1 || f2 < 0.5 || f2 > 1 || (f1 > f2) != (tr.Conditions["f1"] > tr.Conditions["f2"]) {
				t.Fatalf("codes f1 %v f2 %v for %v Hz, %v Hz", f1, f2, tr.Conditions["f1"], tr.Conditions["f2"])
			}
			if want := (1 + (tr.Conditions["f1"]-10)/24) / 2; math.Abs(float64(f1)-want) > 1e-6 {
				t.Fatalf("f1 code %v, want %v", f1, want)
			}
		}},
		{"dms", `{"ring": 16}`, []int{30, 50, 100, 50, 90}, func(t *testing.T, v view, tr batch.Trial) {
			fixateChoose(t, v, tr)
			if got := v.argmax(v.in, per(tr, "sample").Start, 16); got != int(tr.Conditions["sample"]) {
				t.Fatalf("sample bump at %d, want %v", got, tr.Conditions["sample"])
			}
			if got := v.argmax(v.in, per(tr, "test").End-1, 16); got != int(tr.Conditions["test"]) {
				t.Fatalf("test bump at %d, want %v", got, tr.Conditions["test"])
			}
			if got := v.argmax(v.in, per(tr, "delay").Start, 16); got != -1 {
				t.Fatalf("ring active in the delay")
			}
			if peak := v.in(per(tr, "sample").Start, 1+int(tr.Conditions["sample"])); peak != 1 {
				t.Fatalf("bump peak %v, want 1", peak)
			}
		}},
		{"dmc", "", []int{50, 65, 100, 65}, func(t *testing.T, v view, tr batch.Trial) {
			fixateChoose(t, v, tr)
			if got := v.argmax(v.in, per(tr, "sample").Start, 16); got != int(tr.Conditions["sample"]) {
				t.Fatalf("sample bump at %d, want %v", got, tr.Conditions["sample"])
			}
			if got := v.argmax(v.in, dec(tr).Start, 16); got != int(tr.Conditions["test"]) {
				t.Fatalf("test bump at %d, want %v", got, tr.Conditions["test"])
			}
			if got := v.argmax(v.in, per(tr, "delay").End-1, 16); got != -1 {
				t.Fatalf("ring active in the delay")
			}
		}},
		{"gonogo", "", []int{0, 50, 50, 50}, func(t *testing.T, v view, tr batch.Trial) {
			d := dec(tr)
			goTrial := tr.Conditions["go"] == 1
			if goTrial != (tr.Choice == 0) || (!goTrial && tr.Choice != -1) {
				t.Fatalf("choice %d for go = %v", tr.Choice, tr.Conditions["go"])
			}
			cue := 2
			if goTrial {
				cue = 1
			}
			zeroOutside(t, v, tr, 3-cue)
			zeroOutside(t, v, tr, cue, "stimulus")
			for s := 0; s < tr.Steps; s++ {
				fix, gout := float32(1), float32(0)
				if s >= d.Start && goTrial {
					fix, gout = 0, 1
				}
				if (v.in(s, 0) == 1) != (s < d.Start) || v.tg(s, 0) != fix || v.tg(s, 1) != gout {
					t.Fatalf("step %d: fixation input %v, targets (%v, %v), want (%v, %v)", s, v.in(s, 0), v.tg(s, 0), v.tg(s, 1), fix, gout)
				}
				if s >= per(tr, "stimulus").Start && s < per(tr, "stimulus").End && v.in(s, cue) != 1 {
					t.Fatalf("step %d: cue unit %d off", s, cue)
				}
			}
		}},
		{"antisaccade", "", []int{50, 50, 0, 50}, func(t *testing.T, v view, tr batch.Trial) {
			d := dec(tr)
			stim := int(tr.Conditions["stimulus"])
			if tr.Choice != (stim+16)%32 || int(tr.Conditions["target"]) != tr.Choice {
				t.Fatalf("choice %d for stimulus %d", tr.Choice, stim)
			}
			if got := v.argmax(v.in, per(tr, "stimulus").Start, 32); got != stim {
				t.Fatalf("stimulus bump at %d, want %d", got, stim)
			}
			if got := v.argmax(v.in, d.Start, 32); got != -1 {
				t.Fatalf("ring input active in the decision period")
			}
			if got := v.argmax(v.tg, d.Start, 32); got != tr.Choice {
				t.Fatalf("target bump at %d, want %d", got, tr.Choice)
			}
			if got := v.argmax(v.tg, d.Start-1, 32); got != -1 || v.tg(d.Start-1, 0) != 1 || v.tg(d.Start, 0) != 0 {
				t.Fatalf("fixation/ring targets around the go cue wrong")
			}
		}},
		{"rsg", "", nil, func(t *testing.T, v view, tr batch.Trial) {
			ready, set, prod := per(tr, "ready"), per(tr, "set"), per(tr, "production")
			if ready.End-ready.Start != 8 || set.End-set.Start != 8 {
				t.Fatalf("ready %v, set %v: want 8 steps each", ready, set)
			}
			ts := set.Start - ready.Start
			if ts < 88 || ts > 158 || tr.Conditions["interval"] != float64(ts*10) || tr.Conditions["target"] != float64(ts*10) {
				t.Fatalf("interval %d steps, conditions %v", ts, tr.Conditions)
			}
			if prod.Start != set.End || prod.End != set.Start+2*ts || tr.Steps != prod.End {
				t.Fatalf("production %v, want [%d, %d)", prod, set.End, set.Start+2*ts)
			}
			zeroOutside(t, v, tr, 1, "ready")
			zeroOutside(t, v, tr, 2, "set")
			g := set.Start + ts
			for s := 0; s < tr.Steps; s++ {
				if (v.in(s, 0) == 1) != (s < set.End) || (s >= ready.Start && s < ready.End && v.in(s, 1) != 1) {
					t.Fatalf("step %d: inputs %v %v", s, v.in(s, 0), v.in(s, 1))
				}
				if (v.tg(s, 1) == 1) != (s >= g) || (v.tg(s, 0) == 1) != (s < g) {
					t.Fatalf("step %d: targets (%v, %v), go due at %d", s, v.tg(s, 0), v.tg(s, 1), g)
				}
			}
		}},
		{"flipflop", "", []int{100}, func(t *testing.T, v view, tr batch.Trial) {
			pulses := 0
			for u := 0; u < 3; u++ {
				last := float32(0)
				onset := -1000
				for s := 0; s < tr.Steps; s++ {
					if x := v.in(s, u); x != 0 {
						if x != 1 && x != -1 {
							t.Fatalf("pulse value %v", x)
						}
						if last != x || s == 0 || v.in(s-1, u) == 0 {
							pulses++
							onset = s
						}
						last = x
					}
					if v.tg(s, u) != last {
						t.Fatalf("bit %d step %d: target %v, last pulse %v", u, s, v.tg(s, u), last)
					}
					// Unscored before the first pulse and for the 50 ms
					// grace (5 steps) from each pulse's onset.
					if (v.msk(s, u) == 0) != (last == 0 || s < onset+5) {
						t.Fatalf("bit %d step %d: mask %v (last pulse onset %d)", u, s, v.msk(s, u), onset)
					}
				}
			}
			if float64(pulses) != tr.Conditions["pulses"] {
				t.Fatalf("counted %d pulses, conditions say %v", pulses, tr.Conditions["pulses"])
			}
		}},
		{"sine", "", []int{100}, func(t *testing.T, v view, tr batch.Trial) {
			f := tr.Conditions["frequency"]
			for s := 0; s < tr.Steps; s++ {
				if want := math.Sin(2 * math.Pi * f * float64(s) / 100); math.Abs(float64(v.tg(s, 0))-want) > 1e-6 {
					t.Fatalf("step %d: target %v, want %v", s, v.tg(s, 0), want)
				}
				if v.in(s, 0) != float32(f/3) {
					t.Fatalf("step %d: cue %v, want %v", s, v.in(s, 0), f/3)
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			params := `{"sigma": 0, "mask": {"kind": "trial"}}`
			task, err := New(tc.name, json.RawMessage(params), json.RawMessage(tc.params))
			if err != nil {
				t.Fatal(err)
			}
			b := sample(t, task, 21, 64)
			seen := map[int]bool{}
			for i, tr := range b.Trials {
				v := view{b, i}
				// Periods tile the trial from 0.
				end := 0
				for k, p := range tr.Periods {
					if p.Start != end || p.End < p.Start {
						t.Fatalf("trial %d: periods %v not contiguous", i, tr.Periods)
					}
					end = p.End
					if tc.periods != nil && p.End-p.Start != tc.periods[k] {
						t.Fatalf("trial %d: period %s lasts %d steps, want %d", i, p.Name, p.End-p.Start, tc.periods[k])
					}
				}
				if end != tr.Steps || tr.Steps > b.Steps {
					t.Fatalf("trial %d: %d steps, periods end at %d, batch %d", i, tr.Steps, end, b.Steps)
				}
				if ic := -2; tc.name != "sine" && tc.name != "rsg" && tc.name != "flipflop" {
					ic = idealChoice(t, tc.name, tr)
					if ic != tr.Choice {
						t.Fatalf("trial %d: Choice %d, the conditions %v say %d", i, tr.Choice, tr.Conditions, ic)
					}
				}
				seen[tr.Choice] = true
				// Padding is zero everywhere; the trial mask is 1 (flip-flop
				// zeroes it before a bit's first pulse).
				for s := 0; s < b.Steps; s++ {
					for u := 0; u < b.In; u++ {
						if s >= tr.Steps && v.in(s, u) != 0 {
							t.Fatalf("trial %d: input in padding", i)
						}
					}
					for u := 0; u < b.Out; u++ {
						m := v.msk(s, u)
						if s >= tr.Steps && (m != 0 || v.tg(s, u) != 0) {
							t.Fatalf("trial %d: target or mask in padding", i)
						}
						want := float32(1)
						if tc.name == "pdm" && tr.Choice < 0 && u > 0 && s >= dec(tr).Start {
							want = 0 // 0 %: the choice outputs are not trained
						}
						if s < tr.Steps && m != want && tc.name != "flipflop" {
							t.Fatalf("trial %d step %d: mask %v, want %v", i, s, m, want)
						}
					}
				}
				tc.check(t, v, tr)
			}
			if tc.name != "sine" && tc.name != "rsg" && tc.name != "flipflop" && len(seen) < 2 {
				t.Fatalf("64 trials all had choice %v", seen)
			}
		})
	}
}

func TestMaskKinds(t *testing.T) {
	// pdm: 100 steps, decision from step 70.
	yang := func(s int) float32 {
		switch {
		case s < 10:
			return 0
		case s < 70:
			return 1
		case s < 80:
			return 0
		}
		return 5
	}
	tests := []struct {
		params string
		want   func(s, u int) float32
	}{
		{`{"mask": {"kind": "trial"}}`, func(int, int) float32 { return 1 }},
		{`{"mask": {"kind": "response"}}`, func(s, _ int) float32 {
			if s < 70 {
				return 0
			}
			return 1
		}},
		{"", func(s, u int) float32 {
			if u == 0 {
				return 2 * yang(s)
			}
			return yang(s)
		}},
		{`{"mask": {"start": 0, "grace": 50, "response_weight": 3, "fixation_weight": 1}}`, func(s, _ int) float32 {
			switch {
			case s < 70:
				return 1
			case s < 75:
				return 0
			}
			return 3
		}},
	}
	for _, tc := range tests {
		t.Run(tc.params, func(t *testing.T) {
			b := sample(t, mustNew(t, "pdm", tc.params), 1, 8)
			zeros := 0
			for i := range b.Size {
				noAnswer := b.Trials[i].Choice < 0
				if noAnswer {
					zeros++
				}
				for s := 0; s < b.Steps; s++ {
					for u := 0; u < b.Out; u++ {
						want := tc.want(s, u)
						if noAnswer && u > 0 && s >= 70 {
							want = 0 // 0 % coherence: the choice outputs are not trained
						}
						if got := b.Mask[b.At(i, s, u, b.Out)]; got != want {
							t.Fatalf("trial %d step %d output %d: mask %v, want %v", i, s, u, got, want)
						}
					}
				}
			}
			if zeros == 0 || zeros == b.Size {
				t.Fatalf("%d of %d trials at 0 %% coherence: the test needs both kinds", zeros, b.Size)
			}
		})
	}
	// rsg: the go cue is the start of production; no fixation weight with
	// kind "trial".
	b := sample(t, mustNew(t, "rsg", ""), 2, 2)
	for i, tr := range b.Trials {
		prod := per(tr, "production")
		v := view{b, i}
		if v.msk(prod.Start-1, 1) != 1 || v.msk(prod.Start, 1) != 0 || v.msk(prod.Start+10, 1) != 5 || v.msk(prod.Start+10, 0) != 10 || v.msk(5, 0) != 0 {
			t.Fatalf("rsg yang mask around the go cue: %v %v %v %v", v.msk(prod.Start-1, 1), v.msk(prod.Start, 1), v.msk(prod.Start+10, 1), v.msk(prod.Start+10, 0))
		}
	}
}

// Input noise does not depend on dt: the noise integrated over the
// stimulus (Σ noise·dt) has the same variance at dt 5 and dt 20.
func TestNoiseIndependentOfDT(t *testing.T) {
	variance := func(dt float64) float64 {
		task := mustNew(t, "pdm", fmt.Sprintf(`{"dt": %v, "sigma": 1, "coherences": [0]}`, dt))
		b := sample(t, task, 8, 3000)
		var ss float64
		for i, tr := range b.Trials {
			st := per(tr, "stimulus")
			var sum float64
			for s := st.Start; s < st.End; s++ {
				sum += float64(b.Inputs[b.At(i, s, 1, b.In)]-0.5) * dt
			}
			ss += sum * sum
		}
		return ss / float64(b.Size)
	}
	v5, v20 := variance(5), variance(20)
	// Expected σ²·T = 400 (ms); a 3000-sample variance is within ±10 %.
	for _, v := range []float64{v5, v20} {
		if math.Abs(v-400)/400 > 0.1 {
			t.Errorf("integrated noise variance %v at dt 5 and %v at dt 20, want both about 400", v5, v20)
		}
	}
}

func TestPadding(t *testing.T) {
	task := mustNew(t, "ctxdm", "")
	bound := task.(*ctxdmTask).MaxSteps()
	if bound != 30+75+300+30 {
		t.Fatalf("ctxdm MaxSteps %d, want 435", bound)
	}
	b := sample(t, task, 1, 16)
	if b.Steps != bound {
		t.Errorf(`pad "max": %d steps, want %d`, b.Steps, bound)
	}
	task = mustNew(t, "ctxdm", `{"pad": "batch"}`)
	b = sample(t, task, 1, 16)
	longest, shortest := 0, b.Steps
	for _, tr := range b.Trials {
		longest, shortest = max(longest, tr.Steps), min(shortest, tr.Steps)
	}
	if b.Steps != longest || shortest == longest {
		t.Errorf(`pad "batch": %d steps, longest trial %d, shortest %d`, b.Steps, longest, shortest)
	}
}
