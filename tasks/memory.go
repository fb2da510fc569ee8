package tasks

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/config"
)

// This file holds the working-memory and rule tasks: romo, dms, dmc,
// gonogo and antisaccade. Ring inputs follow Yang et al. 2019: unit j of an
// n-unit ring prefers the angle 2π(j+0.5)/n, and a stimulus at angle θ
// drives it by exp(−d²/2), d the circular distance in units of π/8 (peak 1;
// Yang uses 0.8). Stimuli sit on the units' preferred angles.

// ---- romo ----

const romoDesc = "parametric working memory (Romo 1999): is f1 higher than f2, after a delay?"

// RomoTiming is the timing of "romo" (ms).
type RomoTiming struct {
	Fixation Duration `json:"fixation"`
	F1       Duration `json:"f1"`
	Delay    Duration `json:"delay"`
	F2       Duration `json:"f2"`
	Decision Duration `json:"decision"`
}

func (t RomoTiming) spans() []span {
	return []span{{"fixation", t.Fixation}, {"f1", t.F1}, {"delay", t.Delay}, {"f2", t.F2}, {"decision", t.Decision}}
}

// RomoParams are the parameters of "romo", parametric working memory.
//
// A trial draws one pair (f1, f2) and shows it in the given or the reverse
// order (equally likely). Inputs: fixation, stimulus (one graded unit:
// (1 + (f − fmin)/(fmax − fmin))/2 during f1 and f2, NeuroGym's code, fmin
// and fmax over all pairs). Outputs: fixation, less (f1 < f2), greater
// (f1 > f2): choice 1 means f1 > f2. Conditions: f1, f2 (Hz), difference
// (f1 − f2).
//
// Defaults: fixation 500, f1 500, delay 1000, f2 500, decision 300
// (NeuroGym's DelayComparison: the same, decision 100; dale keeps 200 ms
// after the Yang mask's grace. Romo et al. 1999 used 500 ms vibrations and
// a 3 s delay, pycog uniform(2500, 3500)), pairs (18,10) (22,14) (26,18)
// (30,22) (34,26) Hz (Romo 1999's frequency pairs), sigma 1.
//
// Target (Task.Target): accuracy >= 0.9.
type RomoParams struct {
	Common
	Pairs  [][2]float64 `json:"pairs"` // Hz, f1 != f2, > 0
	Timing RomoTiming   `json:"timing"`
}

// DefaultRomo returns the default parameters of "romo".
func DefaultRomo() *RomoParams {
	return &RomoParams{
		Common: defaultCommon(1),
		Pairs:  [][2]float64{{18, 10}, {22, 14}, {26, 18}, {30, 22}, {34, 26}},
		Timing: RomoTiming{Fixation: Fixed(500), F1: Fixed(500), Delay: Fixed(1000), F2: Fixed(500), Decision: Fixed(300)},
	}
}

type romoTask struct {
	core
	p          RomoParams
	fmin, fmax float64
}

func (p *RomoParams) build() (Task, error) {
	if err := p.Common.validate(); err != nil {
		return nil, err
	}
	if len(p.Pairs) == 0 {
		return nil, config.Errorf("pairs = [] is not allowed: needs at least one pair [f1, f2] of frequencies in Hz")
	}
	t := &romoTask{p: *p, fmin: math.Inf(1), fmax: math.Inf(-1)}
	t.p.Pairs = slices.Clone(p.Pairs)
	for i, pr := range p.Pairs {
		for _, f := range pr {
			if !(f > 0) || math.IsInf(f, 0) {
				return nil, config.Errorf("pairs[%d] = %v is not allowed: frequencies must be finite and > 0", i, pr)
			}
			t.fmin, t.fmax = math.Min(t.fmin, f), math.Max(t.fmax, f)
		}
		if pr[0] == pr[1] {
			return nil, config.Errorf("pairs[%d] = %v is not allowed: f1 and f2 must differ", i, pr)
		}
	}
	if err := validateTiming(p.DT, "decision", p.Timing.spans()...); err != nil {
		return nil, err
	}
	t.core = core{name: "romo", desc: romoDesc, c: p.Common, params: &t.p,
		in:    []Channel{{"fixation", 1}, {"stimulus", 1}},
		out:   []Channel{{"fixation", 1}, {"less", 1}, {"greater", 1}},
		noisy: []int{1}, fixOut: 0, response: "decision", gen: t,
		sc: scorer{kind: choiceScore, choiceOut: []int{1, 2}, chance: 0.5,
			summaries: []summary{{key: "f1"}, {key: "difference"}}},
		psych: func(tr batch.Trial) []Evidence {
			return []Evidence{{Curve: "all", Name: "difference", X: tr.Conditions["difference"]}}
		},
		observe: romoObserver,
		target:  Target{Measure: "accuracy", Value: 0.9, HigherIsBetter: true},
	}
	return t, t.check()
}

func (t *romoTask) maxSteps() int { return maxLayout(t.p.DT, t.p.Timing.spans()...) }

func (t *romoTask) plan(rng *rand.Rand) plan {
	ps, n := layout(rng, t.p.DT, t.p.Timing.spans()...)
	pr := t.p.Pairs[rng.IntN(len(t.p.Pairs))]
	f1, f2 := pr[0], pr[1]
	if rng.IntN(2) == 1 {
		f1, f2 = f2, f1
	}
	ch := 0
	if f1 > f2 {
		ch = 1
	}
	return plan{periods: ps, steps: n, choice: ch, cond: map[string]float64{"f1": f1, "f2": f2, "difference": f1 - f2}}
}

func (t *romoTask) code(f float64) float32 {
	if t.fmax == t.fmin {
		return 1
	}
	return float32((1 + (f-t.fmin)/(t.fmax-t.fmin)) / 2)
}

func (t *romoTask) fill(b *batch.Batch, i int, p *plan) {
	fillChoice(b, i, p, 1+p.choice)
	q := period(p.periods, "f1")
	set(b, b.Inputs, b.In, i, q.Start, q.End, 1, t.code(p.cond["f1"]))
	q = period(p.periods, "f2")
	set(b, b.Inputs, b.In, i, q.Start, q.End, 1, t.code(p.cond["f2"]))
}

// ---- dms ----

const dmsDesc = "delayed match-to-sample: after a delay, is the test direction the sample's?"

// DMSTiming is the timing of "dms" (ms).
type DMSTiming struct {
	Fixation Duration `json:"fixation"`
	Sample   Duration `json:"sample"`
	Delay    Duration `json:"delay"`
	Test     Duration `json:"test"`
	Decision Duration `json:"decision"`
}

func (t DMSTiming) spans() []span {
	return []span{{"fixation", t.Fixation}, {"sample", t.Sample}, {"delay", t.Delay}, {"test", t.Test}, {"decision", t.Decision}}
}

// DMSParams are the parameters of "dms", delayed match-to-sample.
//
// Inputs: fixation, ring (Ring units; the sample during sample, the test
// during test). The test is the sample with probability 1/2, otherwise
// one of the other Ring−1 directions, equally likely. Outputs: fixation,
// match, non_match (choice 0 = match). Conditions: sample, test (ring unit
// index), match (1 or 0).
//
// TestIntoDecision keeps the test on for that many ms into the decision
// period (at most the whole period). It is a shaping aid for curricula
// (animals are shaped the same way): with the test visible the match can
// be read off while it is reported, and as the overlap shrinks the network
// learns to compute the match during the test and hold it. Default 0
// (NeuroGym's task: the decision period shows nothing).
//
// Defaults (NeuroGym's DelayMatchSample, after Miller et al. 1996):
// fixation 300, sample 500, delay 1000, test 500, decision 900, sigma 1,
// and two stimuli (ring 2: each stimulus drives one unit, as NeuroGym's
// two orthogonal stimuli do). With ring 16 the match is between 16
// overlapping directions (Yang et al. 2019's dmsgo uses a ring); a 64-unit
// E/I network did not learn that comparison in 6900 steps (0.76), so the
// default is NeuroGym's.
//
// Target (Task.Target): accuracy >= 0.9.
type DMSParams struct {
	Common
	Ring             int       `json:"ring"`               // >= 2
	TestIntoDecision float64   `json:"test_into_decision"` // ms
	Timing           DMSTiming `json:"timing"`
}

// DefaultDMS returns the default parameters of "dms".
func DefaultDMS() *DMSParams {
	return &DMSParams{Common: defaultCommon(1), Ring: 2,
		Timing: DMSTiming{Fixation: Fixed(300), Sample: Fixed(500), Delay: Fixed(1000), Test: Fixed(500), Decision: Fixed(900)}}
}

type dmsTask struct {
	core
	p DMSParams
}

var matchOutputs = []Channel{{"fixation", 1}, {"match", 1}, {"non_match", 1}}

func ringUnits(n int) []int {
	u := make([]int, n)
	for j := range u {
		u[j] = 1 + j
	}
	return u
}

func (p *DMSParams) build() (Task, error) {
	if err := p.Common.validate(); err != nil {
		return nil, err
	}
	if p.Ring < 2 || p.Ring > 1024 {
		return nil, config.Errorf("ring = %d is not allowed: must be in [2, 1024]", p.Ring)
	}
	if !finiteNonNeg(p.TestIntoDecision) || p.TestIntoDecision > 1e6 {
		return nil, config.Errorf("test_into_decision = %v is not allowed: must be a number of ms >= 0", p.TestIntoDecision)
	}
	if err := validateTiming(p.DT, "decision", p.Timing.spans()...); err != nil {
		return nil, err
	}
	t := &dmsTask{p: *p}
	t.core = core{name: "dms", desc: dmsDesc, c: p.Common, params: &t.p,
		in:    []Channel{{"fixation", 1}, {"ring", p.Ring}},
		out:   matchOutputs,
		noisy: ringUnits(p.Ring), fixOut: 0, response: "decision", gen: t,
		sc:     scorer{kind: choiceScore, choiceOut: []int{1, 2}, chance: 0.5, summaries: []summary{{key: "match"}}},
		target: Target{Measure: "accuracy", Value: 0.9, HigherIsBetter: true},
	}
	return t, t.check()
}

func (t *dmsTask) maxSteps() int { return maxLayout(t.p.DT, t.p.Timing.spans()...) }

func (t *dmsTask) plan(rng *rand.Rand) plan {
	ps, n := layout(rng, t.p.DT, t.p.Timing.spans()...)
	s := rng.IntN(t.p.Ring)
	match := rng.IntN(2) == 0
	test := s
	if !match {
		test = (s + 1 + rng.IntN(t.p.Ring-1)) % t.p.Ring
	}
	ch, m := 1, 0.0
	if match {
		ch, m = 0, 1
	}
	return plan{periods: ps, steps: n, choice: ch, cond: map[string]float64{"sample": float64(s), "test": float64(test), "match": m}}
}

func (t *dmsTask) fill(b *batch.Batch, i int, p *plan) {
	fillSampleTest(b, i, p, t.p.Ring, "test")
	if n := toSteps(t.p.TestIntoDecision, t.p.DT); n > 0 {
		q := period(p.periods, "decision")
		writeRing(b, b.Inputs, b.In, i, q.Start, min(q.Start+n, q.End), 1, t.p.Ring, ringAngle(int(p.cond["test"]), t.p.Ring))
	}
}

// fillSampleTest writes the targets of a match task and its two ring
// stimuli: the sample in the sample period, the test in testPeriod.
func fillSampleTest(b *batch.Batch, i int, p *plan, ring int, testPeriod string) {
	fillChoice(b, i, p, 1+p.choice)
	q := period(p.periods, "sample")
	writeRing(b, b.Inputs, b.In, i, q.Start, q.End, 1, ring, ringAngle(int(p.cond["sample"]), ring))
	q = period(p.periods, testPeriod)
	writeRing(b, b.Inputs, b.In, i, q.Start, q.End, 1, ring, ringAngle(int(p.cond["test"]), ring))
}

// ---- dmc ----

const dmcDesc = "delayed match-to-category (Freedman & Assad 2006): are sample and test in the same half of the ring?"

// DMCTiming is the timing of "dmc" (ms). The test stimulus is shown during
// the decision period.
type DMCTiming struct {
	Fixation Duration `json:"fixation"`
	Sample   Duration `json:"sample"`
	Delay    Duration `json:"delay"`
	Decision Duration `json:"decision"`
}

func (t DMCTiming) spans() []span {
	return []span{{"fixation", t.Fixation}, {"sample", t.Sample}, {"delay", t.Delay}, {"decision", t.Decision}}
}

// DMCParams are the parameters of "dmc", delayed match-to-category.
//
// Inputs: fixation, ring (Ring units, even). Sample and test directions are
// drawn independently and uniformly among the Ring units; a direction's
// category is 0 for angles below π (units 0..Ring/2−1) and 1 above, so no
// direction lies on the boundary. As in NeuroGym the test is shown during
// the decision period (the fixation input goes off at test onset).
// Outputs: fixation, match, non_match (choice 0 = same category).
// Conditions: sample, test, sample_category, test_category, match.
//
// Defaults: fixation 500, sample 650, delay 1000, test (= decision) 650
// (NeuroGym's DelayMatchCategory; Freedman & Assad 2006 showed a 650 ms
// sample and a 1000 ms delay), ring 16, sigma 1.
//
// Target (Task.Target): accuracy >= 0.9.
type DMCParams struct {
	Common
	Ring   int       `json:"ring"` // even, >= 2
	Timing DMCTiming `json:"timing"`
}

// DefaultDMC returns the default parameters of "dmc".
func DefaultDMC() *DMCParams {
	return &DMCParams{Common: defaultCommon(1), Ring: 16,
		Timing: DMCTiming{Fixation: Fixed(500), Sample: Fixed(650), Delay: Fixed(1000), Decision: Fixed(650)}}
}

type dmcTask struct {
	core
	p DMCParams
}

func (p *DMCParams) build() (Task, error) {
	if err := p.Common.validate(); err != nil {
		return nil, err
	}
	if p.Ring < 2 || p.Ring > 1024 || p.Ring%2 != 0 {
		return nil, config.Errorf("ring = %d is not allowed: must be even and in [2, 1024]", p.Ring)
	}
	if err := validateTiming(p.DT, "decision", p.Timing.spans()...); err != nil {
		return nil, err
	}
	t := &dmcTask{p: *p}
	t.core = core{name: "dmc", desc: dmcDesc, c: p.Common, params: &t.p,
		in:    []Channel{{"fixation", 1}, {"ring", p.Ring}},
		out:   matchOutputs,
		noisy: ringUnits(p.Ring), fixOut: 0, response: "decision", gen: t,
		sc: scorer{kind: choiceScore, choiceOut: []int{1, 2}, chance: 0.5,
			summaries: []summary{{key: "match"}, {key: "sample_category"}}},
		target: Target{Measure: "accuracy", Value: 0.9, HigherIsBetter: true},
	}
	return t, t.check()
}

func (t *dmcTask) maxSteps() int { return maxLayout(t.p.DT, t.p.Timing.spans()...) }

func (t *dmcTask) plan(rng *rand.Rand) plan {
	ps, n := layout(rng, t.p.DT, t.p.Timing.spans()...)
	s, test := rng.IntN(t.p.Ring), rng.IntN(t.p.Ring)
	cs, ct := s/(t.p.Ring/2), test/(t.p.Ring/2)
	ch, m := 1, 0.0
	if cs == ct {
		ch, m = 0, 1
	}
	return plan{periods: ps, steps: n, choice: ch, cond: map[string]float64{"sample": float64(s), "test": float64(test),
		"sample_category": float64(cs), "test_category": float64(ct), "match": m}}
}

func (t *dmcTask) fill(b *batch.Batch, i int, p *plan) {
	fillSampleTest(b, i, p, t.p.Ring, "decision") // NeuroGym shows the test in the decision period
}

// ---- gonogo ----

const gonogoDesc = "go/no-go: after a delay, respond to the go stimulus and withhold on the no-go stimulus"

// GoNoGoTiming is the timing of "gonogo" (ms).
type GoNoGoTiming struct {
	Fixation Duration `json:"fixation"`
	Stimulus Duration `json:"stimulus"`
	Delay    Duration `json:"delay"`
	Decision Duration `json:"decision"`
}

func (t GoNoGoTiming) spans() []span {
	return []span{{"fixation", t.Fixation}, {"stimulus", t.Stimulus}, {"delay", t.Delay}, {"decision", t.Decision}}
}

// GoNoGoParams are the parameters of "gonogo".
//
// Inputs: fixation, go, nogo (the cue is 1 on its unit during the
// stimulus). Outputs: fixation, go. On a go trial the go output should be 1
// and the fixation output 0 in the decision period; on a no-go trial the
// go output stays 0 and the fixation output 1. Trial.Choice is 0 on go
// trials and -1 on no-go trials. Conditions: go (1 or 0).
//
// Defaults (NeuroGym's GoNogo): fixation 0, stimulus 500, delay 500,
// decision 500, go_prob 0.5, sigma 1.
//
// Target (Task.Target): accuracy >= 0.95.
type GoNoGoParams struct {
	Common
	GoProb float64      `json:"go_prob"` // in [0, 1]
	Timing GoNoGoTiming `json:"timing"`
}

// DefaultGoNoGo returns the default parameters of "gonogo".
func DefaultGoNoGo() *GoNoGoParams {
	return &GoNoGoParams{Common: defaultCommon(1), GoProb: 0.5,
		Timing: GoNoGoTiming{Fixation: Fixed(0), Stimulus: Fixed(500), Delay: Fixed(500), Decision: Fixed(500)}}
}

type gonogoTask struct {
	core
	p GoNoGoParams
}

func (p *GoNoGoParams) build() (Task, error) {
	if err := p.Common.validate(); err != nil {
		return nil, err
	}
	if err := checkRange("go_prob", p.GoProb, 0, 1); err != nil {
		return nil, err
	}
	if err := validateTiming(p.DT, "decision", p.Timing.spans()...); err != nil {
		return nil, err
	}
	t := &gonogoTask{p: *p}
	t.core = core{name: "gonogo", desc: gonogoDesc, c: p.Common, params: &t.p,
		in:    []Channel{{"fixation", 1}, {"go", 1}, {"nogo", 1}},
		out:   []Channel{{"fixation", 1}, {"go", 1}},
		noisy: []int{1, 2}, fixOut: 0, response: "decision", gen: t,
		sc: scorer{kind: goNoGoScore, choiceOut: []int{1}, chance: math.Max(p.GoProb, 1-p.GoProb),
			summaries: []summary{{key: "go"}}},
		target: Target{Measure: "accuracy", Value: 0.95, HigherIsBetter: true},
	}
	return t, t.check()
}

func (t *gonogoTask) maxSteps() int { return maxLayout(t.p.DT, t.p.Timing.spans()...) }

func (t *gonogoTask) plan(rng *rand.Rand) plan {
	ps, n := layout(rng, t.p.DT, t.p.Timing.spans()...)
	if rng.Float64() < t.p.GoProb {
		return plan{periods: ps, steps: n, choice: 0, cond: map[string]float64{"go": 1}}
	}
	return plan{periods: ps, steps: n, choice: -1, cond: map[string]float64{"go": 0}}
}

func (t *gonogoTask) fill(b *batch.Batch, i int, p *plan) {
	dec := period(p.periods, "decision")
	set(b, b.Inputs, b.In, i, 0, dec.Start, 0, 1)
	stim := period(p.periods, "stimulus")
	if p.choice == 0 {
		set(b, b.Inputs, b.In, i, stim.Start, stim.End, 1, 1)
		set(b, b.Targets, b.Out, i, 0, dec.Start, 0, 1)
		set(b, b.Targets, b.Out, i, dec.Start, dec.End, 1, 1)
	} else {
		set(b, b.Inputs, b.In, i, stim.Start, stim.End, 2, 1)
		set(b, b.Targets, b.Out, i, 0, dec.End, 0, 1)
	}
}

// ---- antisaccade ----

const antiDesc = "anti-saccade on a ring of 32: after the fixation cue goes off, look opposite the stimulus"

// AntiParams are the parameters of "antisaccade".
//
// Inputs: fixation, ring (Ring units; a bump at the stimulus direction
// during the stimulus). Outputs: fixation, ring (Ring units; in the
// decision period a bump at the target direction, opposite the stimulus,
// or at the stimulus when anti is false). Choice = the target's ring unit;
// a chosen unit is correct when its preferred direction is within
// Tolerance radians of the target's (Yang et al. 2019: 0.2π). Conditions:
// stimulus, target (ring unit index).
//
// Defaults: fixation 500, stimulus 500, delay 0, decision 500 (NeuroGym's
// AntiReach), ring 32 (Yang et al. 2019's ring), anti true, tolerance 0.2π,
// sigma 1.
//
// Target (Task.Target): accuracy >= 0.95.
type AntiParams struct {
	Common
	Ring      int      `json:"ring"` // even, >= 2
	Anti      bool     `json:"anti"`
	Tolerance float64  `json:"tolerance"` // radians, in [0, π]
	Timing    DMTiming `json:"timing"`
}

// DefaultAnti returns the default parameters of "antisaccade".
func DefaultAnti() *AntiParams {
	return &AntiParams{Common: defaultCommon(1), Ring: 32, Anti: true, Tolerance: 0.2 * math.Pi,
		Timing: DMTiming{Fixation: Fixed(500), Stimulus: Fixed(500), Delay: Fixed(0), Decision: Fixed(500)}}
}

type antiTask struct {
	core
	p AntiParams
}

func (p *AntiParams) build() (Task, error) {
	if err := p.Common.validate(); err != nil {
		return nil, err
	}
	if p.Ring < 2 || p.Ring > 1024 || p.Ring%2 != 0 {
		return nil, config.Errorf("ring = %d is not allowed: must be even and in [2, 1024]", p.Ring)
	}
	if err := checkRange("tolerance", p.Tolerance, 0, math.Pi); err != nil {
		return nil, err
	}
	if err := validateTiming(p.DT, "decision", p.Timing.spans()...); err != nil {
		return nil, err
	}
	t := &antiTask{p: *p}
	within := 0
	for j := 0; j < p.Ring; j++ {
		if circDist(ringAngle(j, p.Ring), ringAngle(0, p.Ring)) <= p.Tolerance+1e-9 {
			within++
		}
	}
	t.core = core{name: "antisaccade", desc: antiDesc, c: p.Common, params: &t.p,
		in:    []Channel{{"fixation", 1}, {"ring", p.Ring}},
		out:   []Channel{{"fixation", 1}, {"ring", p.Ring}},
		noisy: ringUnits(p.Ring), fixOut: 0, response: "decision", gen: t,
		sc: scorer{kind: choiceScore, choiceOut: ringUnits(p.Ring), chance: float64(within) / float64(p.Ring),
			summaries: []summary{{key: "target"}},
			correct: func(tr batch.Trial, chosen int) bool {
				return circDist(ringAngle(chosen, p.Ring), ringAngle(tr.Choice, p.Ring)) <= p.Tolerance+1e-9
			}},
		target: Target{Measure: "accuracy", Value: 0.95, HigherIsBetter: true},
	}
	return t, t.check()
}

func (t *antiTask) maxSteps() int { return maxLayout(t.p.DT, t.p.Timing.spans()...) }

func (t *antiTask) plan(rng *rand.Rand) plan {
	ps, n := layout(rng, t.p.DT, t.p.Timing.spans()...)
	s := rng.IntN(t.p.Ring)
	tg := s
	if t.p.Anti {
		tg = (s + t.p.Ring/2) % t.p.Ring
	}
	return plan{periods: ps, steps: n, choice: tg, cond: map[string]float64{"stimulus": float64(s), "target": float64(tg)}}
}

func (t *antiTask) fill(b *batch.Batch, i int, p *plan) {
	fillChoice(b, i, p, -1)
	n := t.p.Ring
	q := period(p.periods, "stimulus")
	writeRing(b, b.Inputs, b.In, i, q.Start, q.End, 1, n, ringAngle(int(p.cond["stimulus"]), n))
	q = period(p.periods, "decision")
	writeRing(b, b.Targets, b.Out, i, q.Start, q.End, 1, n, ringAngle(p.choice, n))
}
