package tasks

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/config"
)

// This file holds the continuous-output tasks: sine, rsg and flipflop.

// ---- sine ----

const sineDesc = "sine-wave generation: produce a sine wave whose frequency a constant cue gives"

// SineParams are the parameters of "sine", sine-wave generation (pycog's
// sinewave, nn4n's quickstart).
//
// Input: frequency (constant f / max(frequencies) over the trial).
// Output: signal, whose target at step s is amplitude·sin(2π f s dt/1000).
// A trial draws f from Frequencies. One period, "trial". Scored by "nmse"
// (1 − R² of each trial, averaged). Conditions: frequency (Hz).
//
// Defaults: duration 1000, frequencies 1, 2, 3 Hz, amplitude 1, sigma 0
// (a 1 s trial holds one to three whole periods; pycog's sinewave example
// cues the frequency the same way).
//
// Target (Task.Target): nmse < 0.05.
type SineParams struct {
	Common
	Duration    Duration  `json:"duration"`    // ms
	Frequencies []float64 `json:"frequencies"` // Hz, each in (0, 1000/(2 dt)]
	Amplitude   float64   `json:"amplitude"`
}

// DefaultSine returns the default parameters of "sine".
func DefaultSine() *SineParams {
	return &SineParams{Common: defaultCommon(0), Duration: Fixed(1000), Frequencies: []float64{1, 2, 3}, Amplitude: 1}
}

type sineTask struct {
	core
	p    SineParams
	fmax float64
}

func (p *SineParams) build() (Task, error) {
	if err := p.Common.validate(); err != nil {
		return nil, err
	}
	if err := checkList("frequencies", p.Frequencies, 1e-9, 1000/(2*p.DT)); err != nil {
		return nil, fmt.Errorf("%w (the upper bound is the Nyquist frequency 1000/(2 dt))", err)
	}
	if !(p.Amplitude > 0) || math.IsInf(p.Amplitude, 0) {
		return nil, config.Errorf("amplitude = %v is not allowed: must be finite and > 0", p.Amplitude)
	}
	if err := validateTiming(p.DT, "trial", span{"trial", p.Duration}); err != nil {
		return nil, fmt.Errorf("duration: %w", err)
	}
	t := &sineTask{p: *p, fmax: slices.Max(p.Frequencies)}
	t.p.Frequencies = slices.Clone(p.Frequencies)
	t.core = core{name: "sine", desc: sineDesc, c: p.Common, params: &t.p,
		in: []Channel{{"frequency", 1}}, out: []Channel{{"signal", 1}},
		noisy: []int{0}, fixOut: -1, gen: t,
		sc:     scorer{kind: continuousScore, errName: "nmse", trialErr: nmse, summaries: []summary{{key: "frequency"}}},
		target: Target{Measure: "nmse", Value: 0.05},
	}
	return t, t.check()
}

func (t *sineTask) maxSteps() int { return t.p.Duration.MaxSteps(t.p.DT) }

func (t *sineTask) plan(rng *rand.Rand) plan {
	ps, n := layout(rng, t.p.DT, span{"trial", t.p.Duration})
	f := t.p.Frequencies[rng.IntN(len(t.p.Frequencies))]
	return plan{periods: ps, steps: n, choice: -1, cond: map[string]float64{"frequency": f}}
}

func (t *sineTask) fill(b *batch.Batch, i int, p *plan) {
	f := p.cond["frequency"]
	set(b, b.Inputs, b.In, i, 0, p.steps, 0, float32(f/t.fmax))
	for s := 0; s < p.steps; s++ {
		b.Targets[b.At(i, s, 0, 1)] = float32(t.p.Amplitude * math.Sin(2*math.Pi*f*float64(s)*t.p.DT/1000))
	}
}

// nmse is one trial's mask-weighted squared error over the mask-weighted
// variance of its targets (per output unit, pooled); 0 when nothing is
// masked.
func nmse(b *batch.Batch, i int, out []float32) float64 {
	var num, den float64
	for o := 0; o < b.Out; o++ {
		var sw, sy float64
		for t := 0; t < b.Steps; t++ {
			j := b.At(i, t, o, b.Out)
			sw += float64(b.Mask[j])
			sy += float64(b.Mask[j]) * float64(b.Targets[j])
		}
		if sw == 0 {
			continue
		}
		mean := sy / sw
		for t := 0; t < b.Steps; t++ {
			j := b.At(i, t, o, b.Out)
			m := float64(b.Mask[j])
			d := float64(out[j] - b.Targets[j])
			num += m * d * d
			e := float64(b.Targets[j]) - mean
			den += m * e * e
		}
	}
	if den == 0 {
		return num
	}
	return num / den
}

// ---- rsg ----

const rsgDesc = "ready-set-go (Jazayeri & Shadlen 2010): measure the ready-set interval, reproduce it after set"

// RSGTiming is the timing of "rsg" (ms). The production period is not a
// parameter: it lasts until 2·gain·interval after set onset.
type RSGTiming struct {
	Fixation Duration `json:"fixation"`
	Ready    Duration `json:"ready"`
	Measure  Duration `json:"measure"`
	Set      Duration `json:"set"`
}

func (t RSGTiming) spans() []span {
	return []span{{"fixation", t.Fixation}, {"ready", t.Ready}, {"measure", t.Measure}, {"set", t.Set}}
}

// RSGParams are the parameters of "rsg", ready-set-go.
//
// Periods: fixation, ready, measure, set, production. The interval is the
// time from ready onset to set onset (ready + measure); the go is due
// gain·interval after set onset, and the production period ends
// 2·gain·interval after set onset. Inputs: fixation (1 until the end of
// set), ready, set (1 during their periods). Outputs: fixation (1 until the
// go, then 0) and go (0 until the go, then 1). Scored by "timing_error";
// the Score's measures add "r", the correlation over trials of the
// produced interval (set onset to the go) with the sample interval, and
// "go_missed", the fraction of trials that never produce a go (they are
// left out of r, and r is 0 when more than 1 − RSGMinGo of the trials miss
// the go; see Score). Conditions: interval (ms), target (ms from set onset
// to the go), gain.
//
// Defaults: fixation 100, ready 83, measure uniform(800, 1500), set 83,
// gain 1, sigma 0 (NeuroGym's ReadySetGo; the 83 ms ready and set flashes
// are Jazayeri & Shadlen 2010's, whose sample intervals spanned 494–1200
// ms). The go is the "response" for the mask: the go cue is the start of
// production.
//
// Target (Task.Target): r >= 0.95.
type RSGParams struct {
	Common
	Gain   float64   `json:"gain"` // in (0, 10]
	Timing RSGTiming `json:"timing"`
}

// DefaultRSG returns the default parameters of "rsg".
func DefaultRSG() *RSGParams {
	return &RSGParams{Common: defaultCommon(0), Gain: 1,
		Timing: RSGTiming{Fixation: Fixed(100), Ready: Fixed(83), Measure: Uniform(800, 1500), Set: Fixed(83)}}
}

type rsgTask struct {
	core
	p RSGParams
}

func (p *RSGParams) build() (Task, error) {
	if err := p.Common.validate(); err != nil {
		return nil, err
	}
	if err := checkRange("gain", p.Gain, 1e-9, 10); err != nil {
		return nil, err
	}
	if err := validateTiming(p.DT, "ready", p.Timing.spans()...); err != nil {
		return nil, err
	}
	if err := validateTiming(p.DT, "set", p.Timing.spans()...); err != nil {
		return nil, err
	}
	minTs := toSteps(minMS(p.Timing.Ready), p.DT) + toSteps(minMS(p.Timing.Measure), p.DT)
	if int(math.Round(p.Gain*float64(minTs))) <= p.Timing.Set.MaxSteps(p.DT) {
		return nil, config.Errorf("gain = %v is not allowed with this timing: the go (gain × the shortest interval, %d steps) must come after the end of set (%d steps after its onset)",
			p.Gain, int(math.Round(p.Gain*float64(minTs))), p.Timing.Set.MaxSteps(p.DT))
	}
	t := &rsgTask{p: *p}
	t.core = core{name: "rsg", desc: rsgDesc, c: p.Common, params: &t.p,
		in:    []Channel{{"fixation", 1}, {"ready", 1}, {"set", 1}},
		out:   []Channel{{"fixation", 1}, {"go", 1}},
		noisy: []int{1, 2}, fixOut: 0, response: "production", gen: t,
		sc: scorer{kind: continuousScore, errName: "timing_error", trialErr: t.timingError, summaries: []summary{{key: "interval", bin: 100}},
			extra: t.rsgMeasures},
		target: Target{Measure: "r", Value: 0.95, HigherIsBetter: true},
	}
	return t, t.check()
}

func (t *rsgTask) maxSteps() int {
	tm := t.p.Timing
	ts := tm.Ready.MaxSteps(t.p.DT) + tm.Measure.MaxSteps(t.p.DT)
	return tm.Fixation.MaxSteps(t.p.DT) + ts + int(math.Round(2*t.p.Gain*float64(ts)))
}

func (t *rsgTask) plan(rng *rand.Rand) plan {
	ps, n := layout(rng, t.p.DT, t.p.Timing.spans()...)
	ready, st := ps[1], ps[3]
	ts := st.Start - ready.Start
	tgt := int(math.Round(t.p.Gain * float64(ts)))
	end := st.Start + int(math.Round(2*t.p.Gain*float64(ts)))
	ps = append(ps, batch.Period{Name: "production", Start: n, End: end})
	return plan{periods: ps, steps: end, choice: -1, cond: map[string]float64{
		"interval": float64(ts) * t.p.DT, "target": float64(tgt) * t.p.DT, "gain": t.p.Gain}}
}

func (t *rsgTask) fill(b *batch.Batch, i int, p *plan) {
	ready, st := period(p.periods, "ready"), period(p.periods, "set")
	g := st.Start + int(math.Round(p.cond["target"]/t.p.DT))
	setUnits := func(arr []float32, w, from, to, u int) { set(b, arr, w, i, from, to, u, 1) }
	setUnits(b.Inputs, b.In, 0, st.End, 0)
	setUnits(b.Inputs, b.In, ready.Start, ready.End, 1)
	setUnits(b.Inputs, b.In, st.Start, st.End, 2)
	setUnits(b.Targets, b.Out, 0, g, 0)
	setUnits(b.Targets, b.Out, g, p.steps, 1)
}

// produced is the number of steps from set onset to the go of trial i:
// the first step of the production period at which the go output exceeds
// GoThreshold; false when it never does.
func produced(b *batch.Batch, i int, out []float32) (int, bool) {
	tr := b.Trials[i]
	st, _ := tr.Period("set")
	prod, _ := tr.Period("production")
	for s := prod.Start; s < prod.End && s < b.Steps; s++ {
		if out[b.At(i, s, 1, b.Out)] > GoThreshold {
			return s - st.Start, true
		}
	}
	return 0, false
}

// timingError is |produced − target| / target, clipped to 1; a trial with
// no go scores 1.
func (t *rsgTask) timingError(b *batch.Batch, i int, out []float32) float64 {
	target := math.Round(b.Trials[i].Conditions["target"] / t.p.DT) // steps after set onset
	p, ok := produced(b, i, out)
	if !(target > 0) || !ok {
		return 1
	}
	return math.Min(math.Abs(float64(p)-target)/target, 1)
}

// RSGMinGo is the fraction of trials that must produce a go for the
// ready-set-go "r" to be computed (otherwise it is 0).
const RSGMinGo = 0.9

// rsgMeasures adds "go_missed", the fraction of trials with no go, and
// "r", the Pearson correlation over the trials with a go between the
// produced interval (set onset to go, ms) and the sample interval.
// Trials with no go are left out of the correlation, and r is 0 when more
// than 1 − RSGMinGo of the trials have none (a network that misses the go
// has not learned the task, whatever the few gos it makes), when fewer
// than 3 trials have a go, or when either interval does not vary.
func (t *rsgTask) rsgMeasures(b *batch.Batch, out []float32, s *Score) {
	var xs, ys []float64
	for i, tr := range b.Trials {
		if p, ok := produced(b, i, out); ok {
			xs = append(xs, tr.Conditions["interval"])
			ys = append(ys, float64(p)*t.p.DT)
		}
	}
	missed := 1 - float64(len(xs))/float64(b.Size)
	s.Measures["go_missed"] = missed
	s.Measures["r"] = 0
	if missed > 1-RSGMinGo+1e-12 || len(xs) < 3 {
		return
	}
	s.Measures["r"] = pearson(xs, ys)
}

// pearson is the correlation of x and y; 0 when either does not vary.
func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return math.Max(-1, math.Min(1, sxy/math.Sqrt(sxx*syy)))
}

// ---- flipflop ----

const ffDesc = "3-bit flip-flop (Sussillo & Barak 2013): each output holds the sign of the last pulse on its input"

// FlipFlopParams are the parameters of "flipflop", the n-bit flip-flop.
//
// Inputs: pulses (Bits units). On each unit, a pulse of ±1 lasting Pulse ms
// starts at each step with probability rate·dt/1000 (not while a pulse is
// on, nor in the step right after one, so pulses stay apart); its sign is
// ±1, equally likely. Outputs: memory (Bits units), whose target is the
// sign of the last pulse on the same unit from that pulse's onset on.
// Before a unit's first pulse its target is 0 and its mask is 0; for Grace
// ms from each pulse's onset that unit's mask is 0 too, so the switch
// itself is not scored (a rate network with τ = 100 ms cannot jump from −1
// to +1 within one 10 ms step; Yang et al. 2019 leave 100 ms after the go
// cue unscored for the same reason). One period, "trial". Scored by
// "bit_error"; the Score's measures add "bits_held", the fraction of
// trials in which every output has its target's sign on every scored step.
// Conditions: pulses (count).
//
// Defaults: bits 3, duration 1000, rate 2 Hz per bit, pulse 10 ms, grace
// 50 ms, sigma 0 (Sussillo & Barak 2013; FixedPointFinder's example).
//
// Target (Task.Target): mse < 0.01 (the masked MSE, so over the scored
// steps only).
type FlipFlopParams struct {
	Common
	Bits     int      `json:"bits"` // in [1, 64]
	Duration Duration `json:"duration"`
	Rate     float64  `json:"rate"`  // pulses per second per bit
	Pulse    float64  `json:"pulse"` // ms, rounded to at least one step
	Grace    float64  `json:"grace"` // ms after each pulse onset left unscored
	// Inputs is how pulses reach the network: "signed" (one channel per
	// bit carrying ±1) or "on_off" (two channels per bit, "set" then
	// "reset", each carrying a +1 pulse for its sign).
	Inputs string `json:"inputs"`
}

// DefaultFlipFlop returns the default parameters of "flipflop".
func DefaultFlipFlop() *FlipFlopParams {
	return &FlipFlopParams{Common: defaultCommon(0), Bits: 3, Duration: Fixed(1000), Rate: 2, Pulse: 10, Grace: 50, Inputs: "signed"}
}

type ffTask struct {
	core
	p     FlipFlopParams
	width int
	grace int // steps
}

func (p *FlipFlopParams) build() (Task, error) {
	if err := p.Common.validate(); err != nil {
		return nil, err
	}
	if p.Bits < 1 || p.Bits > 64 {
		return nil, config.Errorf("bits = %d is not allowed: must be in [1, 64]", p.Bits)
	}
	if err := checkRange("rate", p.Rate, 0, 1000/p.DT); err != nil {
		return nil, fmt.Errorf("%w Hz (at most one pulse per step)", err)
	}
	if !finiteNonNeg(p.Pulse) {
		return nil, config.Errorf("pulse = %v is not allowed: must be a finite number of ms >= 0", p.Pulse)
	}
	if !finiteNonNeg(p.Grace) || p.Grace > 1000 {
		return nil, config.Errorf("grace = %v is not allowed: must be a number of ms in [0, 1000]", p.Grace)
	}
	if err := validateTiming(p.DT, "trial", span{"trial", p.Duration}); err != nil {
		return nil, fmt.Errorf("duration: %w", err)
	}
	in := []Channel{{"pulses", p.Bits}}
	switch p.Inputs {
	case "signed":
	case "on_off":
		in = []Channel{{"set", p.Bits}, {"reset", p.Bits}}
	default:
		return nil, config.Errorf("inputs = %q is not allowed: must be \"signed\" or \"on_off\"", p.Inputs)
	}
	t := &ffTask{p: *p, width: max(1, toSteps(p.Pulse, p.DT)), grace: toSteps(p.Grace, p.DT)}
	t.core = core{name: "flipflop", desc: ffDesc, c: p.Common, params: &t.p,
		in: in, out: []Channel{{"memory", p.Bits}},
		noisy: rangeUnits(0, Width(in)), fixOut: -1, gen: t,
		sc:     scorer{kind: continuousScore, errName: "bit_error", trialErr: bitError, summaries: []summary{{key: "pulses"}}, extra: bitsHeld},
		target: Target{Measure: "mse", Value: 0.01},
	}
	return t, t.check()
}

func rangeUnits(from, n int) []int {
	u := make([]int, n)
	for j := range u {
		u[j] = from + j
	}
	return u
}

func (t *ffTask) maxSteps() int { return t.p.Duration.MaxSteps(t.p.DT) }

// plan stores pulses in aux as (unit, onset step, sign) triples.
func (t *ffTask) plan(rng *rand.Rand) plan {
	ps, n := layout(rng, t.p.DT, span{"trial", t.p.Duration})
	prob := t.p.Rate * t.p.DT / 1000
	var aux []int
	for u := 0; u < t.p.Bits; u++ {
		for s := 0; s < n; {
			if rng.Float64() < prob {
				sign := 1
				if rng.IntN(2) == 0 {
					sign = -1
				}
				aux = append(aux, u, s, sign)
				s += t.width + 1 // a silent step keeps pulses apart
				continue
			}
			s++
		}
	}
	return plan{periods: ps, steps: n, choice: -1, aux: aux, cond: map[string]float64{"pulses": float64(len(aux) / 3)}}
}

func (t *ffTask) fill(b *batch.Batch, i int, p *plan) {
	first := make([]int, t.p.Bits)
	for u := range first {
		first[u] = p.steps
	}
	for k := 0; k < len(p.aux); k += 3 {
		u, s, sign := p.aux[k], p.aux[k+1], float32(p.aux[k+2])
		if t.p.Inputs == "on_off" {
			ch := u
			if sign < 0 {
				ch = t.p.Bits + u
			}
			set(b, b.Inputs, b.In, i, s, min(s+t.width, p.steps), ch, 1)
		} else {
			set(b, b.Inputs, b.In, i, s, min(s+t.width, p.steps), u, sign)
		}
		set(b, b.Targets, b.Out, i, s, p.steps, u, sign) // later pulses overwrite
		first[u] = min(first[u], s)
	}
	for u, f := range first {
		set(b, b.Mask, b.Out, i, 0, f, u, 0)
	}
	for k := 0; k < len(p.aux) && t.grace > 0; k += 3 {
		u, s := p.aux[k], p.aux[k+1]
		set(b, b.Mask, b.Out, i, s, min(s+t.grace, p.steps), u, 0)
	}
}

// bitsHeld adds "bits_held": the fraction of trials in which every output
// has the sign of its target (output > 0 exactly when the target is) on
// every scored step (mask > 0); a trial with no scored step counts as held.
func bitsHeld(b *batch.Batch, out []float32, s *Score) {
	held := 0
	for i := range b.Size {
		ok := true
		for j := b.At(i, 0, 0, b.Out); ok && j < b.At(i+1, 0, 0, b.Out); j++ {
			if b.Mask[j] > 0 && (out[j] > 0) != (b.Targets[j] > 0) {
				ok = false
			}
		}
		if ok {
			held++
		}
	}
	s.Measures["bits_held"] = float64(held) / float64(b.Size)
}

// bitError is the mask-weighted fraction of (step, unit) whose output sign
// differs from the target's.
func bitError(b *batch.Batch, i int, out []float32) float64 {
	var wrong, n float64
	for t := 0; t < b.Steps; t++ {
		for o := 0; o < b.Out; o++ {
			j := b.At(i, t, o, b.Out)
			m := float64(b.Mask[j])
			if m == 0 {
				continue
			}
			n += m
			if (out[j] > 0) != (b.Targets[j] > 0) {
				wrong += m
			}
		}
	}
	if n == 0 {
		return 0
	}
	return wrong / n
}
