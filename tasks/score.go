package tasks

import (
	"fmt"
	"math"
	"sort"

	"github.com/dale-rnn/dale/batch"
)

// Score is how well outputs did on a batch.
//
// Choice tasks: the choice of a trial is the argmax, over the choice
// outputs, of each output's mean over the decision period (over the steps
// of that period whose loss mask is > 0 for that output; over the whole
// period if none is). Where the task has a fixation output, a trial breaks
// fixation if, at any step before the decision period where the fixation
// output's mask is > 0, the fixation output is below FixationThreshold
// (0.5); such a trial is wrong whatever it chose. Go/no-go: "go" when the
// go output's mean over the decision period exceeds GoThreshold (0.5).
//
// Continuous tasks report an error measure named by ErrorName: "nmse"
// (sine: mask-weighted squared error over the mask-weighted variance of
// the target, i.e. 1 − R², per trial), "bit_error" (flip-flop: fraction of
// masked steps and outputs whose sign differs from the target's),
// "timing_error" (ready-set-go: |produced − target interval| / target
// interval, produced = first step of the production period at which the go
// output exceeds GoThreshold; 1 when it never does).
//
// Measures holds every measure a task can be judged by (see Target), by
// name: "accuracy" (choice tasks), "mse" (every task), the continuous
// task's error measure under its ErrorName, and the task's own extras:
// "r", "go_missed" (rsg), "bits_held" (flipflop), "follows_mod1" and
// "follows_mod2" (the bimodal Yang DM tasks), documented on the task's
// parameters.
//
// Some trials have no correct answer (pdm at 0 % coherence): they count in
// Trials and FixationBreaks and enter the psychometric curves, but not
// Accuracy nor ByCondition; NoAnswer counts them.
type Score struct {
	Task   string `json:"task"`
	Kind   string `json:"kind"` // "choice" or "continuous"
	Trials int    `json:"trials"`
	// Accuracy is the fraction correct of the trials that have a correct
	// answer (choice tasks; 0 for continuous tasks, and when no trial has
	// a correct answer).
	Accuracy float64 `json:"accuracy"`
	// NoAnswer counts the trials that have no correct answer.
	NoAnswer int `json:"no_answer"`
	// Chance is the expected accuracy of guessing or of a constant answer.
	Chance float64 `json:"chance"`
	// FixationBreaks is the fraction of trials that broke fixation.
	FixationBreaks float64 `json:"fixation_breaks"`
	// MSE is the mask-weighted mean squared error, Σ m(o−y)² / Σ m.
	MSE float64 `json:"mse"`
	// Error is the mean per-trial error measure of a continuous task.
	Error     float64 `json:"error"`
	ErrorName string  `json:"error_name,omitempty"`
	// ByCondition summarises accuracy (or error) per value of each of the
	// task's main conditions, in increasing value (trials without a
	// correct answer left out).
	ByCondition []ConditionScore `json:"by_condition"`
	// Measures holds every measure of the batch by name; never nil.
	Measures map[string]float64 `json:"measures"`
	// PerTrial holds each trial's result (not written to JSON).
	PerTrial []TrialScore `json:"-"`
}

// TrialScore is the result of one trial.
type TrialScore struct {
	// Chosen is the index of the chosen choice output (go/no-go: 0 = go,
	// -1 = no go); -1 for continuous tasks.
	Chosen         int
	Correct        bool
	FixationBroken bool
	// NoAnswer: the trial has no correct answer (Correct is false).
	NoAnswer bool
	Error    float64 // continuous tasks
}

// ConditionScore is the result over the trials sharing one value of a
// condition.
type ConditionScore struct {
	Condition string  `json:"condition"`
	Value     float64 `json:"value"`
	Trials    int     `json:"trials"`
	Accuracy  float64 `json:"accuracy"`
	Error     float64 `json:"error,omitempty"`
}

type scoreKind int

const (
	choiceScore scoreKind = iota
	goNoGoScore
	continuousScore
)

// summary is a condition to summarise by; bin > 0 rounds values to
// multiples of bin first.
type summary struct {
	key string
	bin float64
}

type scorer struct {
	kind      scoreKind
	choiceOut []int                                 // choice tasks: output units of the choices
	correct   func(tr batch.Trial, chosen int) bool // nil: chosen == tr.Choice
	chance    float64
	errName   string
	trialErr  func(b *batch.Batch, i int, out []float32) float64
	summaries []summary
	// noAnswer reports a trial without a correct answer (nil: none).
	noAnswer func(tr batch.Trial) bool
	// judge, when set, judges a trial of a choice task in place of the
	// decision-period argmax (the Yang tasks' last-step read-out).
	judge func(b *batch.Batch, i int, outputs []float32) TrialScore
	// extra adds the task's own measures (nil: none).
	extra func(b *batch.Batch, outputs []float32, s *Score)
}

// Target is the acceptance target a task is judged by: the measure (a key
// of Score.Measures), its threshold and its direction. It is met when the
// measure is >= Value (HigherIsBetter) or < Value (lower is better).
type Target struct {
	Measure        string  `json:"measure"`
	Value          float64 `json:"value"`
	HigherIsBetter bool    `json:"higher_is_better"`
}

// Met reports whether s reaches the target; a Score without the target's
// measure does not.
func (t Target) Met(s Score) bool {
	v, ok := s.Measure(t.Measure)
	if !ok || math.IsNaN(v) {
		return false
	}
	if t.HigherIsBetter {
		return v >= t.Value
	}
	return v < t.Value
}

// String writes the target as, for example, "accuracy >= 0.9" or
// "mse < 0.01".
func (t Target) String() string {
	op := "<"
	if t.HigherIsBetter {
		op = ">="
	}
	return fmt.Sprintf("%s %s %g", t.Measure, op, t.Value)
}

// Measure returns the named measure of s and whether s has it.
func (s Score) Measure(name string) (float64, bool) {
	v, ok := s.Measures[name]
	return v, ok
}

// Score judges outputs ([Size, Steps, Out] row-major) produced on b.
func (k *core) Score(b *batch.Batch, outputs []float32) (Score, error) {
	if err := b.Validate(); err != nil {
		return Score{}, fmt.Errorf("tasks: %s: score: %w", k.name, err)
	}
	if b.In != Width(k.in) || b.Out != Width(k.out) {
		return Score{}, fmt.Errorf("tasks: %s: score: batch has %d inputs and %d outputs, the task %d and %d", k.name, b.In, b.Out, Width(k.in), Width(k.out))
	}
	if b.Trials == nil {
		return Score{}, fmt.Errorf("tasks: %s: score: the batch has no trial descriptions", k.name)
	}
	if len(outputs) != b.Size*b.Steps*b.Out {
		return Score{}, fmt.Errorf("tasks: %s: score: %d output values, want size×steps×out = %d×%d×%d = %d", k.name, len(outputs), b.Size, b.Steps, b.Out, b.Size*b.Steps*b.Out)
	}
	for i, v := range outputs {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return Score{}, fmt.Errorf("tasks: %s: score: output %v at index %d is not finite", k.name, v, i)
		}
	}
	s := Score{Task: k.name, Trials: b.Size, Chance: k.sc.chance, PerTrial: make([]TrialScore, b.Size), Measures: map[string]float64{}}
	var se, sm float64
	for i, m := range b.Mask {
		if m > 0 {
			d := float64(outputs[i] - b.Targets[i])
			se += float64(m) * d * d
			sm += float64(m)
		}
	}
	if sm > 0 {
		s.MSE = se / sm
	}
	switch k.sc.kind {
	case continuousScore:
		s.Kind, s.ErrorName = "continuous", k.sc.errName
		for i := range b.Size {
			e := k.sc.trialErr(b, i, outputs)
			s.PerTrial[i] = TrialScore{Chosen: -1, Error: e}
			s.Error += e
		}
		s.Error /= float64(b.Size)
		s.Measures[s.ErrorName] = s.Error
	default:
		s.Kind = "choice"
		correct, broken := 0, 0
		for i := range b.Size {
			ts, err := k.judge(b, i, outputs)
			if err != nil {
				return Score{}, fmt.Errorf("tasks: %s: score: %w", k.name, err)
			}
			s.PerTrial[i] = ts
			if ts.Correct {
				correct++
			}
			if ts.FixationBroken {
				broken++
			}
			if ts.NoAnswer {
				s.NoAnswer++
			}
		}
		if judged := b.Size - s.NoAnswer; judged > 0 {
			s.Accuracy = float64(correct) / float64(judged)
		}
		s.FixationBreaks = float64(broken) / float64(b.Size)
		s.Measures["accuracy"] = s.Accuracy
	}
	s.Measures["mse"] = s.MSE
	if k.sc.extra != nil {
		k.sc.extra(b, outputs, &s)
	}
	s.ByCondition = k.byCondition(b, s.PerTrial)
	return s, nil
}

// mean over steps [from, to) of output u, over masked steps if any.
func meanOut(b *batch.Batch, outputs []float32, i, from, to, u int) float64 {
	var s, n, sa float64
	for t := from; t < to; t++ {
		j := b.At(i, t, u, b.Out)
		sa += float64(outputs[j])
		if b.Mask[j] > 0 {
			s += float64(outputs[j])
			n++
		}
	}
	if n == 0 {
		return sa / float64(max(to-from, 1))
	}
	return s / n
}

func (k *core) judge(b *batch.Batch, i int, outputs []float32) (TrialScore, error) {
	tr := b.Trials[i]
	if k.sc.judge != nil {
		return k.sc.judge(b, i, outputs), nil
	}
	dec, ok := tr.Period("decision")
	if !ok || dec.End <= dec.Start || dec.End > b.Steps {
		return TrialScore{}, fmt.Errorf("trial %d has no decision period within its %d steps", i, b.Steps)
	}
	ts := TrialScore{Chosen: -1}
	if k.fixOut >= 0 {
		for t := 0; t < dec.Start; t++ {
			j := b.At(i, t, k.fixOut, b.Out)
			if b.Mask[j] > 0 && outputs[j] < FixationThreshold {
				ts.FixationBroken = true
				break
			}
		}
	}
	switch k.sc.kind {
	case goNoGoScore:
		went := meanOut(b, outputs, i, dec.Start, dec.End, k.sc.choiceOut[0]) > GoThreshold
		if went {
			ts.Chosen = 0
		}
		ts.Correct = went == (tr.Choice == 0)
	default:
		best := math.Inf(-1)
		for c, u := range k.sc.choiceOut {
			if v := meanOut(b, outputs, i, dec.Start, dec.End, u); v > best {
				best, ts.Chosen = v, c
			}
		}
		if k.sc.correct != nil {
			ts.Correct = k.sc.correct(tr, ts.Chosen)
		} else {
			ts.Correct = ts.Chosen == tr.Choice
		}
	}
	ts.Correct = ts.Correct && !ts.FixationBroken
	if k.sc.noAnswer != nil && k.sc.noAnswer(tr) {
		ts.Correct, ts.NoAnswer = false, true
	}
	return ts, nil
}

func (k *core) byCondition(b *batch.Batch, per []TrialScore) []ConditionScore {
	var out []ConditionScore
	for _, sm := range k.sc.summaries {
		type acc struct {
			n        int
			ok, errs float64
		}
		groups := map[float64]*acc{}
		for i, tr := range b.Trials {
			v, ok := tr.Conditions[sm.key]
			if !ok || per[i].NoAnswer {
				continue
			}
			if sm.bin > 0 {
				v = math.Round(v/sm.bin) * sm.bin
			}
			g := groups[v]
			if g == nil {
				g = &acc{}
				groups[v] = g
			}
			g.n++
			if per[i].Correct {
				g.ok++
			}
			g.errs += per[i].Error
		}
		vals := make([]float64, 0, len(groups))
		for v := range groups {
			vals = append(vals, v)
		}
		sort.Float64s(vals)
		for _, v := range vals {
			g := groups[v]
			cs := ConditionScore{Condition: sm.key, Value: v, Trials: g.n}
			if k.sc.kind == continuousScore {
				cs.Error = g.errs / float64(g.n)
			} else {
				cs.Accuracy = g.ok / float64(g.n)
			}
			out = append(out, cs)
		}
	}
	return out
}
