package tasks

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/batch"
)

func newMulti(t testing.TB, params ...string) *Multitask {
	t.Helper()
	raw := make([]json.RawMessage, len(params))
	for i, p := range params {
		raw[i] = json.RawMessage(p)
	}
	task, err := New("yang20", raw...)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := task.(*Multitask)
	if !ok {
		t.Fatalf("yang20 is a %T, want *Multitask", task)
	}
	return m
}

// The default multitask's rule weights are Yang's; with rule_probs {} and
// mixing "trial": all 20 rules, uniform, the full layout, every batch padded to the longest task's trial (delaydm's 210 steps); each
// trial is its rule's task's, rule unit included.
func TestYangMultitask(t *testing.T) {
	def := newMulti(t).RuleProbs()
	for j, rule := range YangRules() {
		want := 1.0 / 28
		if rule == "contextdm1" || rule == "contextdm2" {
			want = 5.0 / 28
		}
		if math.Abs(def[j]-want) > 1e-15 {
			t.Fatalf("default probability of %s %v, want %v (Yang's rule_prob_map)", rule, def[j], want)
		}
	}
	m := newMulti(t, `{"sigma": 0, "mixing": "trial", "rule_probs": {}}`)
	if !reflect.DeepEqual(m.Rules(), YangRules()) || Width(m.Inputs()) != 85 || Width(m.Outputs()) != 33 || m.DT() != 20 {
		t.Fatalf("rules %v, %d → %d units, dt %v", m.Rules(), Width(m.Inputs()), Width(m.Outputs()), m.DT())
	}
	for _, p := range m.RuleProbs() {
		if math.Abs(p-0.05) > 1e-15 {
			t.Fatalf("probabilities %v, want 1/20 each", m.RuleProbs())
		}
	}
	if m.MaxSteps() != 210 || m.Target() != (Target{"min_accuracy", 0.9, true}) {
		t.Fatalf("max steps %d, target %v", m.MaxSteps(), m.Target())
	}
	b := sample(t, m, 7, 400)
	if b.Steps != 210 {
		t.Fatalf("batch of %d steps, want 210", b.Steps)
	}
	count := map[string]int{}
	for i, tr := range b.Trials {
		rule, ok := YangRuleOf(tr)
		if !ok {
			t.Fatalf("trial %d has no rule: %v", i, tr.Conditions)
		}
		k, _ := YangRuleIndex(rule)
		checkYangTrial(t, b, i, rule, k)
		count[rule]++
	}
	if len(count) != 20 {
		t.Fatalf("400 trials cover %d rules: %v", len(count), count)
	}
	// Scores: the ideal answer is right on every task.
	ideal := func(i int) float64 {
		rule, _ := YangRuleOf(b.Trials[i])
		return yangAnswer(t, rule, b.Trials[i].Conditions)
	}
	sc, err := m.Score(b, yangPolicy(b, ideal))
	if err != nil {
		t.Fatal(err)
	}
	// 20 accuracies, min_accuracy, accuracy, mse and follows_mod1/2 of the
	// six bimodal DM tasks
	if sc.Accuracy != 1 || sc.Measures["min_accuracy"] != 1 || !m.Target().Met(sc) || len(sc.Measures) != 35 {
		t.Errorf("ideal: accuracy %v, measures %v", sc.Accuracy, sc.Measures)
	}
	for rule, want := range map[string][2]float64{"contextdm1": {1, 0}, "contextdm2": {0, 1}, "contextdelaydm1": {1, 0}, "contextdelaydm2": {0, 1}} {
		if f1, f2 := sc.Measures["follows_mod1/"+rule], sc.Measures["follows_mod2/"+rule]; f1 != want[0] || f2 != want[1] {
			t.Errorf("ideal: follows_mod1/%s %v, follows_mod2/%s %v, want %v", rule, f1, rule, f2, want)
		}
	}
	for _, rule := range []string{"multidm", "multidelaydm"} {
		if f1, f2 := sc.Measures["follows_mod1/"+rule], sc.Measures["follows_mod2/"+rule]; f1+f2 != 1 || f1 <= 0 || f2 <= 0 {
			t.Errorf("ideal: %s follows %v, %v: want both in (0, 1), summing to 1", rule, f1, f2)
		}
	}
	for _, rule := range YangRules() {
		if sc.Measures["accuracy/"+rule] != 1 {
			t.Errorf("ideal: accuracy/%s = %v", rule, sc.Measures["accuracy/"+rule])
		}
	}
	if len(sc.ByCondition) != 20 || sc.ByCondition[3].Condition != "rule" || sc.ByCondition[3].Value != 3 || sc.ByCondition[3].Trials != count["fdanti"] {
		t.Errorf("by condition %+v", sc.ByCondition)
	}
	// A policy right on trial i when i%(k+2) != 0 for rule k: each task's
	// accuracy is its own, and min_accuracy is the least of them.
	right, n := map[string]int{}, map[string]int{}
	out := yangPolicy(b, func(i int) float64 {
		rule, _ := YangRuleOf(b.Trials[i])
		k, _ := YangRuleIndex(rule)
		n[rule]++
		a := ideal(i)
		if i%(k+2) != 0 {
			right[rule]++
			return a
		}
		if a < 0 {
			return 1 // saccade on a keep-fixating trial
		}
		return wrapAngle(a + math.Pi)
	})
	sc, err = m.Score(b, out)
	if err != nil {
		t.Fatal(err)
	}
	least, total := math.Inf(1), 0
	for _, rule := range YangRules() {
		want := float64(right[rule]) / float64(n[rule])
		if got := sc.Measures["accuracy/"+rule]; got != want {
			t.Errorf("accuracy/%s = %v, want %v", rule, got, want)
		}
		least = math.Min(least, want)
		total += right[rule]
	}
	if sc.Measures["min_accuracy"] != least || sc.Accuracy != float64(total)/400 || m.Target().Met(sc) != (least >= 0.9) {
		t.Errorf("min_accuracy %v (want %v), accuracy %v (want %v)", sc.Measures["min_accuracy"], least, sc.Accuracy, float64(total)/400)
	}
	// Chance is the rule-weighted chance: 16 tasks at 0.2, 4 at 0.5.
	if want := (16*0.2 + 4*0.5) / 20; math.Abs(sc.Chance-want) > 1e-12 {
		t.Errorf("chance %v, want %v", sc.Chance, want)
	}
	// Same seed, same batch, noise included.
	noisy := newMulti(t)
	if a, c := sample(t, noisy, 3, 16), sample(t, noisy, 3, 16); !reflect.DeepEqual(a, c) {
		t.Error("same seed, different batches")
	}
}

// Trials draw their rule from rule_probs: a chi-square test on a fixed
// seed (19 degrees of freedom: 43.8 is the 0.999 quantile).
func TestYangRuleMixing(t *testing.T) {
	m := newMulti(t, `{"mixing": "trial", "rule_probs": {"fdgo": 4, "dm1": 0, "dmcnogo": 2.5, "reactgo": 0.5}}`)
	w := map[string]float64{"fdgo": 4, "dm1": 0, "dmcnogo": 2.5, "reactgo": 0.5}
	sum := 0.0
	for _, r := range YangRules() {
		if _, ok := w[r]; !ok {
			w[r] = 1
		}
		sum += w[r]
	}
	for j, r := range m.Rules() {
		if math.Abs(m.RuleProbs()[j]-w[r]/sum) > 1e-12 {
			t.Fatalf("probability of %s %v, want %v", r, m.RuleProbs()[j], w[r]/sum)
		}
	}
	const n = 20000
	rng := rand.New(rand.NewPCG(1, 2))
	var got [20]float64
	for range n {
		p := m.plan(rng)
		got[int(p.cond["rule"])]++
	}
	chi2 := 0.0
	for k, r := range YangRules() {
		e := n * w[r] / sum
		if e == 0 {
			if got[k] != 0 {
				t.Errorf("rule %s of weight 0 drawn %v times", r, got[k])
			}
			continue
		}
		chi2 += (got[k] - e) * (got[k] - e) / e
	}
	if chi2 > 43.8 {
		t.Errorf("chi-square %.1f over 19 degrees of freedom: counts %v", chi2, got)
	}
	// A rule of weight 0 is not judged by min_accuracy; a batch without a
	// rule of positive weight cannot meet the target.
	b := sample(t, m, 5, 100)
	sc, err := m.Score(b, b.Targets)
	if err != nil {
		t.Fatal(err)
	}
	missing := false
	for _, r := range m.Rules() {
		_, has := sc.Measures["accuracy/"+r]
		missing = missing || (!has && w[r] > 0)
	}
	if want := map[bool]float64{false: 1, true: 0}[missing]; sc.Measures["min_accuracy"] != want {
		t.Errorf("min_accuracy %v, want %v (a rule missing: %v)", sc.Measures["min_accuracy"], want, missing)
	}
}

// A subset of rules keeps the full layout and its rules' units; the batch
// is padded to the subset's longest trial; the Spec round-trips and
// stages can layer a new subset over it.
func TestYangMultiSubset(t *testing.T) {
	m := newMulti(t, `{"sigma": 0, "mixing": "trial", "rules": ["dmsgo", "fdgo"], "rule_probs": {"fdgo": 3}}`)
	if !reflect.DeepEqual(m.Rules(), []string{"fdgo", "dmsgo"}) || !reflect.DeepEqual(m.RuleProbs(), []float64{0.75, 0.25}) {
		t.Fatalf("rules %v, probabilities %v", m.Rules(), m.RuleProbs())
	}
	if m.MaxSteps() != 165 || Width(m.Inputs()) != 85 {
		t.Fatalf("max steps %d, inputs %d", m.MaxSteps(), Width(m.Inputs()))
	}
	b := sample(t, m, 2, 64)
	if b.Steps != 165 {
		t.Fatalf("batch of %d steps, want the subset's longest trial, 165", b.Steps)
	}
	for i, tr := range b.Trials {
		rule, _ := YangRuleOf(tr)
		k, _ := YangRuleIndex(rule)
		if rule != "fdgo" && rule != "dmsgo" {
			t.Fatalf("trial %d of rule %s", i, rule)
		}
		checkYangTrial(t, b, i, rule, k)
	}
	again, err := FromSpec(m.Spec())
	if err != nil || !reflect.DeepEqual(again.Spec(), m.Spec()) {
		t.Fatalf("spec does not round-trip: %v", err)
	}
	staged := newMulti(t, string(m.Spec().Params), `{"rules": ["dm1"]}`)
	if !reflect.DeepEqual(staged.Rules(), []string{"dm1"}) || staged.MaxSteps() != 125 {
		t.Errorf("staged rules %v, %d steps", staged.Rules(), staged.MaxSteps())
	}
}

// SampleRule: every trial is the rule's, in the multitask's layout and
// padding; same seed, same batch; a rule not included is an error.
func TestYangSampleRule(t *testing.T) {
	m := newMulti(t, `{"rules": ["dm1", "delaydm2", "dmcgo"]}`)
	for _, name := range []string{"dm1", "yang-dmcgo"} {
		b, err := m.SampleRule(rand.New(rand.NewPCG(4, 4)), name, 32)
		if err != nil {
			t.Fatal(err)
		}
		if b.Steps != 210 || b.In != 85 || b.Out != 33 {
			t.Fatalf("%s: batch %d steps, %d → %d", name, b.Steps, b.In, b.Out)
		}
		want := strings.TrimPrefix(name, "yang-")
		k, _ := YangRuleIndex(want)
		for i, tr := range b.Trials {
			if r, _ := YangRuleOf(tr); r != want {
				t.Fatalf("trial of rule %s, want %s", r, want)
			}
			if b.Inputs[b.At(i, 0, 65+k, 85)] == 0 {
				t.Fatalf("rule unit %d off", 65+k)
			}
		}
		c, _ := m.SampleRule(rand.New(rand.NewPCG(4, 4)), name, 32)
		if !reflect.DeepEqual(b, c) {
			t.Errorf("%s: same seed, different batches", name)
		}
		sc, err := m.Score(b, b.Targets)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Accuracy != 1 || sc.Measures["accuracy/"+want] != 1 || sc.Measures["min_accuracy"] != 0 {
			t.Errorf("%s: measures %v (min_accuracy 0: the other rules have no trials)", name, sc.Measures)
		}
	}
	if _, err := m.SampleRule(rand.New(rand.NewPCG(1, 1)), "fdgo", 4); err == nil || !strings.Contains(err.Error(), `rule = "fdgo" is not allowed`) || !strings.Contains(err.Error(), "dm1, delaydm2, dmcgo") {
		t.Errorf("excluded rule: %v", err)
	}
	if _, err := m.SampleRule(rand.New(rand.NewPCG(1, 1)), "dm1", 0); err == nil {
		t.Error("size 0 accepted")
	}
	short := newMulti(t, `{"pad": "batch", "rules": ["dm1", "delaydm2"]}`)
	b, err := short.SampleRule(rand.New(rand.NewPCG(1, 1)), "dm1", 8)
	if err != nil || b.Steps > 125 {
		t.Errorf("pad batch: %d steps, %v", b.Steps, err)
	}
}

// Mixing "batch" (Yang's train.py): one rule per batch, drawn with
// rule_probs, the batch padded to that rule's longest trial; the same rng
// state gives the same batch. SampleEval mixes every rule of non-zero
// probability in turn, whatever the mixing and the weights.
func TestYangBatchMixing(t *testing.T) {
	m := newMulti(t, `{"sigma": 0, "mixing": "batch", "rules": ["dm1", "delaydm1", "fdgo"], "rule_probs": {"dm1": 2, "fdgo": 0}}`)
	steps := map[string]int{}
	for _, r := range m.Rules() {
		single, err := New("yang-" + r)
		if err != nil {
			t.Fatal(err)
		}
		steps[r] = single.(interface{ MaxSteps() int }).MaxSteps()
	}
	count := map[string]int{}
	for s := range uint64(300) {
		b, err := m.Sample(rand.New(rand.NewPCG(s, 9)), 8)
		if err != nil {
			t.Fatal(err)
		}
		rule, _ := YangRuleOf(b.Trials[0])
		for i, tr := range b.Trials {
			if r, _ := YangRuleOf(tr); r != rule {
				t.Fatalf("seed %d: trial %d of rule %s in a batch of %s", s, i, r, rule)
			}
			k, _ := YangRuleIndex(rule)
			checkYangTrial(t, b, i, rule, k)
		}
		if b.Steps != steps[rule] {
			t.Fatalf("seed %d: a %s batch of %d steps, want the rule's longest %d", s, rule, b.Steps, steps[rule])
		}
		count[rule]++
		if s == 0 {
			again, _ := m.Sample(rand.New(rand.NewPCG(s, 9)), 8)
			if !reflect.DeepEqual(b, again) {
				t.Fatal("same seed, different batches")
			}
		}
	}
	// dm1 : delaydm1 : fdgo = 2 : 1 : 0 over 300 batches (sd of the dm1
	// count about 8).
	if count["fdgo"] != 0 || count["dm1"] < 170 || count["dm1"] > 230 || count["dm1"]+count["delaydm1"] != 300 {
		t.Errorf("rules of 300 batches: %v, want about 200 dm1, 100 delaydm1, no fdgo", count)
	}
	var evals []*batch.Batch
	for _, mix := range []string{"batch", "trial"} {
		e := newMulti(t, `{"rule_probs": {"contextdm1": 5, "fdgo": 0}}`, `{"mixing": "`+mix+`"}`)
		b, err := e.SampleEval(rand.New(rand.NewPCG(1, 1)), 95)
		if err != nil {
			t.Fatal(err)
		}
		evals = append(evals, b)
		if sc, _ := e.Score(b, b.Targets); math.Abs(sc.Chance-(15*0.2+4*0.5)/19) > 1e-12 {
			t.Errorf("mixing %s: chance %v, want the mean over the 19 judged rules", mix, sc.Chance)
		}
		per := map[string]int{}
		for _, tr := range b.Trials {
			r, _ := YangRuleOf(tr)
			per[r]++
		}
		if b.Steps != 210 || len(per) != 19 || per["fdgo"] != 0 {
			t.Fatalf("mixing %s: evaluation batch of %d steps, rules %v", mix, b.Steps, per)
		}
		for r, n := range per {
			if n != 5 {
				t.Errorf("mixing %s: %d evaluation trials of %s, want 95/19 = 5", mix, n, r)
			}
		}
	}
	if !reflect.DeepEqual(evals[0], evals[1]) {
		t.Error("SampleEval differs between mixings: evaluation trials must not depend on how training batches are drawn")
	}
	if d := DefaultYangMulti(); d.Mixing != "batch" || newMulti(t, `{"rule_probs": null}`).RuleProbs()[8] != 0.05 {
		t.Errorf("defaults: mixing %q; rule_probs null must mean uniform", d.Mixing)
	}
	pb := newMulti(t, `{"mixing": "batch", "pad": "batch", "rules": ["delaydm1"]}`)
	if b, err := pb.Sample(rand.New(rand.NewPCG(2, 2)), 4); err != nil || b.Steps > 207 || b.Steps != maxTrial(b) {
		t.Errorf("mixing batch, pad batch: %v", err)
	}
	if _, err := New("yang20", json.RawMessage(`{"mixing": "rule"}`)); err == nil || !strings.Contains(err.Error(), `mixing = "rule" is not allowed`) {
		t.Errorf("bad mixing: %v", err)
	}
}

func maxTrial(b *batch.Batch) int {
	n := 0
	for _, tr := range b.Trials {
		n = max(n, tr.Steps)
	}
	return n
}
