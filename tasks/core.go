package tasks

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/config"
)

// Common holds the parameters every task shares.
type Common struct {
	// DT is the step in ms (default 10).
	DT float64 `json:"dt"`
	// Sigma is the standard deviation of the Gaussian noise added to the
	// task's stimulus inputs, in NeuroGym's convention: it is the standard
	// deviation at dt = 1 ms, and each step of dt ms adds noise of standard
	// deviation sigma/sqrt(dt). Summed over a fixed stretch of time the
	// noise is then the same whatever dt is. The fixation, context and
	// rule inputs carry no noise. Noise covers the whole trial, not the
	// padding.
	Sigma float64 `json:"sigma"`
	// Mask says how the loss is weighted; see MaskSpec.
	Mask MaskSpec `json:"mask"`
	// Pad is "max" (default: every batch has the task's longest possible
	// trial length, so every batch has the same shape) or "batch" (batches
	// are as long as their longest trial).
	Pad string `json:"pad"`
}

// MaskSpec says how the loss mask is built. In every kind the mask is 0 in
// padding.
//
//   - "trial": 1 on every step of the trial, every output.
//   - "response": PsychRNN's mask: 0 before the response period (the go
//     cue), 1 from it on. A task with no response period (sine, flip-flop)
//     gets the "trial" mask.
//   - "yang" (default): Yang et al. 2019: 0 for the first Start ms, 1 until
//     the go cue, 0 for Grace ms after it, ResponseWeight afterwards; the
//     fixation output's weights are multiplied by FixationWeight.
//
// Start, Grace, ResponseWeight and FixationWeight apply to "yang" only.
type MaskSpec struct {
	Kind           string  `json:"kind"`
	Start          float64 `json:"start"`           // ms, default 100
	Grace          float64 `json:"grace"`           // ms, default 100
	ResponseWeight float64 `json:"response_weight"` // default 5 (the Yang tasks: 25)
	FixationWeight float64 `json:"fixation_weight"` // default 2 (the Yang tasks: 4)
}

// defaultCommon returns dt 10 ms, the given noise and the Yang-style mask.
func defaultCommon(sigma float64) Common {
	return Common{DT: 10, Sigma: sigma, Pad: "max",
		Mask: MaskSpec{Kind: "yang", Start: 100, Grace: 100, ResponseWeight: 5, FixationWeight: 2}}
}

func (c *Common) common() *Common { return c }

func finiteNonNeg(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0 }

func (c *Common) validate() error {
	if !(c.DT > 0) || math.IsInf(c.DT, 0) || c.DT > 1000 {
		return config.Errorf("dt = %v is not allowed: must be in (0, 1000] ms", c.DT)
	}
	if !finiteNonNeg(c.Sigma) {
		return config.Errorf("sigma = %v is not allowed: must be finite and >= 0", c.Sigma)
	}
	if c.Pad != "max" && c.Pad != "batch" {
		return config.Errorf("pad = %q is not allowed: must be \"max\" or \"batch\"", c.Pad)
	}
	m := c.Mask
	switch m.Kind {
	case "trial", "response", "yang":
	default:
		return config.Errorf("mask.kind = %q is not allowed: must be \"trial\", \"response\" or \"yang\"", m.Kind)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"mask.start", m.Start}, {"mask.grace", m.Grace}, {"mask.response_weight", m.ResponseWeight}, {"mask.fixation_weight", m.FixationWeight}} {
		if !finiteNonNeg(f.v) {
			return config.Errorf("%s = %v is not allowed: must be finite and >= 0", f.name, f.v)
		}
	}
	return nil
}

// maxTrialSteps bounds a trial's length so a bad config cannot exhaust
// memory.
const maxTrialSteps = 1 << 20

// FixationThreshold is the level below which a fixation output counts as
// having broken fixation (Yang et al. 2019: above 0.5 means "still
// fixating").
const FixationThreshold = 0.5

// GoThreshold is the level above which a go/no-go output's mean over the
// decision period counts as "go", and above which the ready-set-go output
// counts as having produced the go.
const GoThreshold = 0.5

// plan is one trial before it is written: its layout and conditions.
type plan struct {
	periods []batch.Period
	steps   int
	cond    map[string]float64
	choice  int
	aux     []int // task-private data (flip-flop pulses)
	data    any   // task-private data (the Yang tasks' stimuli)
}

// generator is the task-specific part of sampling.
type generator interface {
	plan(rng *rand.Rand) plan
	// fill writes inputs and targets of trial i (and may scale its mask).
	fill(b *batch.Batch, i int, p *plan)
	maxSteps() int
}

// core is what every task of this package shares: channels, common
// parameters, sampling, masking, noise and scoring.
type core struct {
	name, desc string
	in, out    []Channel
	c          Common
	params     any   // the resolved parameters, for Spec
	noisy      []int // input units that get noise
	fixOut     int   // fixation output unit, or -1
	response   string
	gen        generator
	sc         scorer
	target     Target
	psych      func(tr batch.Trial) []Evidence
	observe    func(b *batch.Batch, i int) int // ideal observer, or nil
}

func (k *core) Name() string        { return k.name }
func (k *core) Description() string { return k.desc }
func (k *core) Inputs() []Channel   { return append([]Channel(nil), k.in...) }
func (k *core) Outputs() []Channel  { return append([]Channel(nil), k.out...) }
func (k *core) DT() float64         { return k.c.DT }
func (k *core) Target() Target      { return k.target }

// MaxSteps is the longest trial the task can produce, in steps.
func (k *core) MaxSteps() int { return k.gen.maxSteps() }

func (k *core) Spec() Spec {
	b, err := json.Marshal(k.params)
	if err != nil {
		panic(fmt.Sprintf("tasks: %s parameters do not marshal: %v", k.name, err))
	}
	return Spec{Name: k.name, Params: b}
}

// check validates what every built task must satisfy.
func (k *core) check() error {
	ms := k.gen.maxSteps()
	if ms < 1 {
		return fmt.Errorf("the trial lasts %d steps of dt = %v ms: the durations must add up to at least one step", ms, k.c.DT)
	}
	if ms > maxTrialSteps {
		return fmt.Errorf("the longest trial lasts %d steps of dt = %v ms: at most %d steps are allowed", ms, k.c.DT, maxTrialSteps)
	}
	return nil
}

// Sample draws size trials from rng: first every trial's conditions and
// durations, then the inputs and targets, then the input noise, in trial
// order.
func (k *core) Sample(rng *rand.Rand, size int) (*batch.Batch, error) {
	if rng == nil {
		return nil, fmt.Errorf("tasks: %s: nil random source", k.name)
	}
	if size <= 0 {
		return nil, config.Errorf("tasks: %s: batch size %d is not allowed: must be > 0", k.name, size)
	}
	in, out := Width(k.in), Width(k.out)
	steps := k.gen.maxSteps()
	if steps*max(in, out) > (1<<31)/size {
		return nil, config.Errorf("tasks: %s: batch size %d is not allowed: %d trials of %d steps × %d channels exceed 2^31 values", k.name, size, size, steps, max(in, out))
	}
	plans := make([]plan, size)
	longest := 0
	for i := range plans {
		plans[i] = k.gen.plan(rng)
		longest = max(longest, plans[i].steps)
	}
	if k.c.Pad == "batch" {
		steps = longest
	}
	b, err := batch.New(size, steps, in, out)
	if err != nil {
		return nil, config.Wrap("tasks: "+k.name, err)
	}
	b.Trials = make([]batch.Trial, size)
	for i := range plans {
		p := &plans[i]
		b.Trials[i] = batch.Trial{Steps: p.steps, Periods: p.periods, Conditions: p.cond, Choice: p.choice}
		k.mask(b, i, p)
		k.gen.fill(b, i, p)
	}
	if k.c.Sigma > 0 && len(k.noisy) > 0 {
		sd := k.c.Sigma / math.Sqrt(k.c.DT)
		for i := range plans {
			for t := 0; t < plans[i].steps; t++ {
				row := b.Inputs[b.At(i, t, 0, in):]
				for _, u := range k.noisy {
					row[u] += float32(sd * rng.NormFloat64())
				}
			}
		}
	}
	return b, nil
}

// goStep is the first step of the response period, or -1.
func (k *core) goStep(p *plan) int {
	if k.response == "" {
		return -1
	}
	for _, q := range p.periods {
		if q.Name == k.response {
			return q.Start
		}
	}
	return -1
}

func (k *core) mask(b *batch.Batch, i int, p *plan) {
	m := k.c.Mask
	g := k.goStep(p)
	dt := k.c.DT
	start := toSteps(m.Start, dt)
	grace := toSteps(m.Grace, dt)
	for t := 0; t < p.steps; t++ {
		w := float32(1)
		switch m.Kind {
		case "response":
			if g >= 0 && t < g {
				w = 0
			}
		case "yang":
			switch {
			case t < start:
				w = 0
			case g < 0 || t < g:
				w = 1
			case t < g+grace:
				w = 0
			default:
				w = float32(m.ResponseWeight)
			}
		}
		row := b.Mask[b.At(i, t, 0, b.Out) : b.At(i, t, 0, b.Out)+b.Out]
		for o := range row {
			row[o] = w
		}
		if m.Kind == "yang" && k.fixOut >= 0 {
			row[k.fixOut] *= float32(m.FixationWeight)
		}
	}
}

// Helpers for generators.

// span is a named duration rule of a trial's layout.
type span struct {
	name string
	d    Duration
}

// layout draws the periods in order and returns them with the trial length.
func layout(rng *rand.Rand, dt float64, spans ...span) ([]batch.Period, int) {
	ps := make([]batch.Period, len(spans))
	t := 0
	for i, s := range spans {
		n := s.d.Steps(rng, dt)
		ps[i] = batch.Period{Name: s.name, Start: t, End: t + n}
		t += n
	}
	return ps, t
}

func maxLayout(dt float64, spans ...span) int {
	n := 0
	for _, s := range spans {
		n += s.d.MaxSteps(dt)
	}
	return n
}

func period(ps []batch.Period, name string) batch.Period {
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	return batch.Period{}
}

// set writes v into unit u of arr (inputs or targets, width w) over steps
// [from, to) of trial i.
func set(b *batch.Batch, arr []float32, w, i, from, to, u int, v float32) {
	for t := from; t < to; t++ {
		arr[b.At(i, t, u, w)] = v
	}
}

// validateTiming checks each named duration and that the named response
// period lasts at least one step.
func validateTiming(dt float64, response string, spans ...span) error {
	for _, s := range spans {
		if err := s.d.Validate("timing." + s.name); err != nil {
			return err
		}
		if s.name == response && toSteps(minMS(s.d), dt) < 1 {
			return config.Errorf("timing.%s = %s is not allowed: the %s period must last at least one step of dt = %v ms", s.name, s.d, s.name, dt)
		}
	}
	return nil
}

func minMS(d Duration) float64 {
	switch d.Kind {
	case DurUniform, DurTruncExp:
		return d.Min
	case DurChoice:
		m := math.Inf(1)
		for _, v := range d.Values {
			m = math.Min(m, v)
		}
		return m
	}
	return d.Value
}

// ring helpers (Yang et al. 2019): unit j of an n-unit ring prefers angle
// 2π(j+0.5)/n; a stimulus at θ drives unit j by exp(−d²/2), d the circular
// distance in units of π/8.

func ringAngle(j, n int) float64 { return 2 * math.Pi * (float64(j) + 0.5) / float64(n) }

func circDist(a, b float64) float64 {
	d := math.Mod(math.Abs(a-b), 2*math.Pi)
	return math.Min(d, 2*math.Pi-d)
}

func bump(theta float64, j, n int) float32 {
	d := circDist(theta, ringAngle(j, n)) / (math.Pi / 8)
	return float32(math.Exp(-d * d / 2))
}

// writeRing writes a bump at theta into the n units starting at unit off,
// over [from, to).
func writeRing(b *batch.Batch, arr []float32, w, i, from, to, off, n int, theta float64) {
	for j := 0; j < n; j++ {
		set(b, arr, w, i, from, to, off+j, bump(theta, j, n))
	}
}

// checkRange returns an error if v is not in [lo, hi].
func checkRange(name string, v, lo, hi float64) error {
	if math.IsNaN(v) || v < lo || v > hi {
		return config.Errorf("%s = %v is not allowed: must be in [%v, %v]", name, v, lo, hi)
	}
	return nil
}

func checkList(name string, vs []float64, lo, hi float64) error {
	if len(vs) == 0 {
		return config.Errorf("%s = [] is not allowed: needs at least one value in [%v, %v]", name, lo, hi)
	}
	for i, v := range vs {
		if err := checkRange(fmt.Sprintf("%s[%d]", name, i), v, lo, hi); err != nil {
			return err
		}
	}
	return nil
}
