package tasks

import (
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/config"
)

const yangMultiDesc = "Yang 2019's 20 cognitive tasks in one network, the task named by a one-hot rule input"

// yangEntries registers the 20 Yang tasks ("yang-fdgo", ...) and the
// multitask "yang20".
func yangEntries() []entry {
	out := make([]entry, 0, yangNumRules+1)
	for k, r := range yangTable {
		out = append(out, entry{"yang-" + r.name, r.desc, func() params { return defaultYang(k) }})
	}
	return append(out, entry{"yang20", yangMultiDesc, func() params { return DefaultYangMulti() }})
}

// YangMultiParams are the parameters of "yang20", the multitask of Yang et
// al. 2019: every trial is one of the 20 tasks of YangParams (with their
// default parameters), its rule drawn per batch or per trial (Mixing), and
// the input layout is always the full 85 units (a rule keeps its unit
// 65+k whichever rules are included).
//
// Mixing says how rules are drawn for training batches. "batch"
// (default): Yang's way (train.py), one rule per batch, drawn with
// rule_probs, and the batch padded to that rule's longest trial (pad
// "max") or the batch's longest (pad "batch"), which saves the padding of
// short tasks: the mean trial is 105 steps at
// the default timing, the longest task's 210. "trial": each trial draws
// its own rule, so a batch mixes them, and all trials are padded to one
// length, the longest any included task can produce (pad "max"; "batch":
// the batch's longest trial), with zero inputs, targets and mask.
//
// Evaluation batches (SampleEval, used by train.EvalBatches and so by
// every evaluation, dale eval included) hold every included rule of
// non-zero probability equally often, whatever rule_probs and mixing say,
// as Yang's do_eval tests each rule on its own batch: trial i of a batch
// is of rule (o + i) mod n among those n rules, o drawn from the rng.
//
// Conditions: each trial's own task's (see YangParams), rule (its index
// 0..19) among them; YangRuleOf reads it. Score.ByCondition summarises by
// rule. The Score's Measures add "accuracy/<rule>" for every rule with
// trials in the batch (its accuracy over them) and "min_accuracy", the
// least accuracy over the included rules of non-zero probability; a rule
// of non-zero probability without a trial in the batch counts 0, so a
// batch that leaves a task out does not meet the target (score a batch of
// one rule, from Multitask.SampleRule, by its "accuracy").
//
// Defaults are Yang's for training all 20 tasks (experiment.py,
// train_all): dt 20, sigma 0.01·sqrt(200), mask "yang" (squared, see
// YangParams), noisy_inputs "all", strict_fixation false, rules all 20,
// rule_probs {"contextdm1": 5, "contextdm2": 5} (his rule_prob_map: those
// two drawn 5 times as often as each other rule), mixing "batch". Give
// rule_probs {} for uniform rules.
//
// Target (Task.Target): min_accuracy >= 0.9, every task at 90 % (Yang
// stops training when the worst task's performance exceeds target_perf).
type YangMultiParams struct {
	Common
	NoisyInputs    string `json:"noisy_inputs"`
	StrictFixation bool   `json:"strict_fixation"`
	// Rules are the rules included (names of YangRules, any order, no
	// repeats); they are used in rule order.
	Rules []string `json:"rules"`
	// RuleProbs are relative weights by rule name, each finite and >= 0;
	// an included rule left out weighs 1 (Yang's rule_prob_map), and
	// weights of rules not included are ignored. They are normalised over
	// the included rules, whose weights must not all be 0.
	// Given in JSON, rule_probs replaces the default weights whole.
	RuleProbs RuleWeights `json:"rule_probs"`
	// Mixing is "trial" or "batch" (see above).
	Mixing string `json:"mixing"`
}

// RuleWeights are relative rule weights by name. Its JSON form is an
// object; decoding one replaces the whole map (encoding/json would merge
// it into the defaults), and null means {}.
type RuleWeights map[string]float64

// UnmarshalJSON replaces w by the object b.
func (w *RuleWeights) UnmarshalJSON(b []byte) error {
	var m map[string]float64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if m == nil {
		m = map[string]float64{}
	}
	*w = m
	return nil
}

// DefaultYangMulti returns the default parameters of "yang20".
func DefaultYangMulti() *YangMultiParams {
	return &YangMultiParams{Common: yangCommon(), NoisyInputs: "all", Rules: YangRules(),
		RuleProbs: map[string]float64{"contextdm1": 5, "contextdm2": 5}, Mixing: "batch"}
}

// Build validates the parameters and builds the multitask (a *Multitask).
func (p *YangMultiParams) Build() (Task, error) { return buildNamed("yang20", p) }

// Multitask is "yang20": Yang et al. 2019's tasks in one network
// (YangMultiParams). tasks.New("yang20") returns one.
type Multitask struct {
	core
	p     YangMultiParams
	subs  [yangNumRules]*yangTask // nil: not included
	rules []int                   // included rules, in rule order
	probs []float64               // their probabilities
	cum   []float64               // cumulative probabilities
}

func (p *YangMultiParams) build() (Task, error) {
	if err := p.Common.validate(); err != nil {
		return nil, err
	}
	if err := validateNoisy(p.NoisyInputs); err != nil {
		return nil, err
	}
	if p.Mixing != "trial" && p.Mixing != "batch" {
		return nil, config.Errorf("mixing = %q is not allowed: must be \"trial\" (a rule per trial) or \"batch\" (a rule per batch)", p.Mixing)
	}
	all := strings.Join(YangRules(), ", ")
	if len(p.Rules) == 0 {
		return nil, config.Errorf("rules = [] is not allowed: needs at least one of %s", all)
	}
	m := &Multitask{p: *p}
	for i, name := range p.Rules {
		k, ok := YangRuleIndex(name)
		if !ok || strings.HasPrefix(name, "yang-") {
			return nil, config.Errorf("rules[%d] = %q is not allowed: must be one of %s", i, name, all)
		}
		if m.subs[k] != nil {
			return nil, config.Errorf("rules[%d] = %q is not allowed: %s is listed twice", i, name, name)
		}
		sp := defaultYang(k)
		sp.Common, sp.NoisyInputs, sp.StrictFixation = p.Common, p.NoisyInputs, p.StrictFixation
		t, err := sp.build()
		if err != nil {
			return nil, config.Wrap("rule "+name, err)
		}
		m.subs[k] = t.(*yangTask)
	}
	for _, name := range slices.Sorted(maps.Keys(p.RuleProbs)) {
		v := p.RuleProbs[name]
		if _, ok := YangRuleIndex(name); !ok || strings.HasPrefix(name, "yang-") {
			return nil, config.Errorf("rule_probs.%s = %v is not allowed: %q is not a rule; rules: %s", name, v, name, all)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, config.Errorf("rule_probs.%s = %v is not allowed: must be finite and >= 0", name, v)
		}
	}
	total := 0.0
	for k, s := range m.subs {
		if s == nil {
			continue
		}
		w, ok := p.RuleProbs[yangTable[k].name]
		if !ok {
			w = 1
		}
		m.rules = append(m.rules, k)
		m.probs = append(m.probs, w)
		total += w
	}
	if !(total > 0) {
		return nil, config.Errorf("rule_probs = %v is not allowed: the included rules' weights are all 0", p.RuleProbs)
	}
	chance, acc, active := 0.0, 0.0, 0
	for j, k := range m.rules {
		m.probs[j] /= total
		acc += m.probs[j]
		m.cum = append(m.cum, acc)
		if m.probs[j] > 0 {
			chance += m.subs[k].sc.chance
			active++
		}
	}
	// evaluation trials hold the rules of non-zero weight equally often
	chance /= float64(active)
	m.cum[len(m.cum)-1] = 1
	m.core = core{name: "yang20", desc: yangMultiDesc, c: p.Common, params: &m.p,
		in: yangInputs, out: yangOutputs, noisy: yangNoisy(p.NoisyInputs), fixOut: 0, response: "decision", gen: m,
		sc: scorer{kind: choiceScore, judge: yangJudge(p.StrictFixation), chance: chance,
			summaries: []summary{{key: "rule"}}, extra: m.ruleMeasures},
		target: Target{Measure: "min_accuracy", Value: 0.9, HigherIsBetter: true},
	}
	return m, m.check()
}

// Rules returns the included rules' names in rule order.
func (m *Multitask) Rules() []string {
	out := make([]string, len(m.rules))
	for j, k := range m.rules {
		out[j] = yangTable[k].name
	}
	return out
}

// RuleProbs returns the probability of each included rule, in the order of
// Rules.
func (m *Multitask) RuleProbs() []float64 { return slices.Clone(m.probs) }

func (m *Multitask) maxSteps() int {
	n := 0
	for _, k := range m.rules {
		n = max(n, m.subs[k].maxSteps())
	}
	return n
}

// TrainSteps returns the lengths its training batches can have, longest
// first: with mixing "batch" and pad "max" the distinct longest trials of
// the rules of non-zero probability, otherwise the multitask's longest
// (pad "batch" batches are at most that long). Memory estimates use it.
func (m *Multitask) TrainSteps() []int {
	if m.p.Mixing != "batch" || m.p.Pad != "max" {
		return []int{m.maxSteps()}
	}
	var out []int
	for j, k := range m.rules {
		if n := m.subs[k].maxSteps(); m.probs[j] > 0 && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// pick draws an included rule with its probability (one uniform number).
func (m *Multitask) pick(rng *rand.Rand) int {
	u := rng.Float64()
	j := 0
	for j < len(m.cum)-1 && u >= m.cum[j] {
		j++
	}
	return m.rules[j]
}

// plan draws the trial's rule, then the trial as its task draws it.
func (m *Multitask) plan(rng *rand.Rand) plan { return m.subs[m.pick(rng)].plan(rng) }

// Sample draws size training trials: with mixing "trial" each of its own
// rule; with mixing "batch" one rule (drawn first) for all of them, padded
// to that rule's longest trial. The same rng state gives the same batch.
func (m *Multitask) Sample(rng *rand.Rand, size int) (*batch.Batch, error) {
	if m.p.Mixing != "batch" {
		return m.core.Sample(rng, size)
	}
	c := m.core
	c.gen = oneRule{m: m, sub: m.subs[m.pick(rng)], own: true}
	return c.Sample(rng, size)
}

// SampleEval draws size evaluation trials (train.EvalSampler), the rules
// of non-zero probability taking turns from a random first one, so that
// every task is judged equally often whatever rule_probs and mixing say.
func (m *Multitask) SampleEval(rng *rand.Rand, size int) (*batch.Batch, error) {
	var active []int
	for j, k := range m.rules {
		if m.probs[j] > 0 {
			active = append(active, k)
		}
	}
	c := m.core
	c.gen = &takeTurns{m: m, rules: active, next: rng.IntN(len(active))}
	return c.Sample(rng, size)
}

// takeTurns draws its trials' rules in turn.
type takeTurns struct {
	m     *Multitask
	rules []int
	next  int
}

func (g *takeTurns) plan(rng *rand.Rand) plan {
	k := g.rules[g.next%len(g.rules)]
	g.next++
	return g.m.subs[k].plan(rng)
}
func (g *takeTurns) fill(b *batch.Batch, i int, p *plan) { yangFill(b, i, p) }
func (g *takeTurns) maxSteps() int                       { return g.m.maxSteps() }

func (m *Multitask) fill(b *batch.Batch, i int, p *plan) { yangFill(b, i, p) }

// oneRule samples the trials of one rule with the multitask's layout,
// padded to the multitask's longest trial, or to the rule's own (own).
type oneRule struct {
	m   *Multitask
	sub *yangTask
	own bool
}

func (g oneRule) plan(rng *rand.Rand) plan            { return g.sub.plan(rng) }
func (g oneRule) fill(b *batch.Batch, i int, p *plan) { yangFill(b, i, p) }
func (g oneRule) maxSteps() int {
	if g.own {
		return g.sub.maxSteps()
	}
	return g.m.maxSteps()
}

// SampleRule draws size trials of one included rule, given by name ("dm1"
// or "yang-dm1"), with the multitask's inputs, noise, mask and padding (with
// pad "max" the batch is as long as the multitask's, whatever the rule).
// The same rng state gives the same batch, bit for bit. Score scores it;
// its "accuracy" is the rule's.
func (m *Multitask) SampleRule(rng *rand.Rand, rule string, size int) (*batch.Batch, error) {
	k, ok := YangRuleIndex(rule)
	if !ok || m.subs[k] == nil {
		return nil, config.Errorf("tasks: yang20: rule = %q is not allowed: must be one of the included rules %s", rule, strings.Join(m.Rules(), ", "))
	}
	c := m.core
	c.gen = oneRule{m: m, sub: m.subs[k]}
	return c.Sample(rng, size)
}

// ruleMeasures adds accuracy/<rule>, min_accuracy, and follows_mod1/<rule>
// and follows_mod2/<rule> for the rules that show both modalities (see
// YangParams).
func (m *Multitask) ruleMeasures(b *batch.Batch, out []float32, s *Score) {
	var n, ok [yangNumRules]int
	for i, tr := range b.Trials {
		v, has := tr.Conditions["rule"]
		if !has || v < 0 || v >= yangNumRules || v != math.Trunc(v) {
			continue
		}
		k := int(v)
		n[k]++
		if s.PerTrial[i].Correct {
			ok[k]++
		}
	}
	for k := range n {
		if n[k] > 0 {
			s.Measures["accuracy/"+yangTable[k].name] = float64(ok[k]) / float64(n[k])
		}
	}
	worst := math.Inf(1)
	for j, k := range m.rules {
		if m.probs[j] == 0 {
			continue
		}
		a := 0.0
		if n[k] > 0 {
			a = float64(ok[k]) / float64(n[k])
		}
		worst = math.Min(worst, a)
	}
	s.Measures["min_accuracy"] = worst
	for _, k := range m.rules {
		if yangTable[k].bimodal() {
			conflictFollows(b, out, s, "/"+yangTable[k].name, func(i int) bool { return b.Trials[i].Conditions["rule"] == float64(k) })
		}
	}
}
