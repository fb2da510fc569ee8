package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/config"
)

// Source yields training batches: a task. Sample must draw every random
// number it needs from rng, so that the same rng state gives the same batch.
// The trainer never calls Sample concurrently with itself, but it does call
// it on another goroutine than Run's.
type Source interface {
	Sample(rng *rand.Rand, size int) (*batch.Batch, error)
}

// EvalSampler is what a Source implements when its held-out evaluation
// trials are drawn otherwise than its training batches: EvalBatches (and
// so every evaluation of a run) calls SampleEval instead of Sample. The
// Yang multitask with mixing "batch" trains on batches of one task each
// but is judged on batches that mix the tasks trial by trial.
type EvalSampler interface {
	SampleEval(rng *rand.Rand, size int) (*batch.Batch, error)
}

// ScoreFunc scores the model's outputs on the evaluation batches of one
// evaluation: outputs[j] ([Size, Steps, Out], row-major) was produced on
// bs[j]. It returns the value of the run's measure (Options.Measure) over
// all their trials at once, so that a measure that is not a mean over
// trials (a correlation, say) is computed right.
type ScoreFunc func(bs []*batch.Batch, outputs [][]float32) (float64, error)

// Measure names what a ScoreFunc returns and which way is better: it
// decides the early stop, the curriculum's advance and which evaluation
// best.npz keeps.
type Measure struct {
	Name           string `json:"name"` // e.g. "accuracy", "mse", "nmse", "r"
	HigherIsBetter bool   `json:"higher_is_better"`
}

// AccuracyMeasure is the measure of a ScoreFunc when Options.Measure is
// left zero: the fraction of trials right, higher is better.
var AccuracyMeasure = Measure{Name: "accuracy", HigherIsBetter: true}

// reached reports whether value v reaches threshold thr of measure m.
func (m Measure) reached(v, thr float64) bool {
	if math.IsNaN(v) {
		return false
	}
	if m.HigherIsBetter {
		return v >= thr
	}
	return v <= thr
}

// better reports whether v is better than w.
func (m Measure) better(v, w float64) bool {
	if m.HigherIsBetter {
		return v > w
	}
	return v < w
}

func (m Measure) direction() string {
	if m.HigherIsBetter {
		return "higher"
	}
	return "lower"
}

// Stage is one stage of a curriculum.
type Stage struct {
	// Name labels the stage in logs and history (optional).
	Name string
	// Source yields the stage's batches (training and evaluation).
	Source Source
	// Threshold is the evaluation value of the run's measure
	// (Options.Measure) that completes the stage, reached when the value
	// is >= Threshold (higher is better) or <= Threshold (lower is
	// better): the run moves to the next stage, or, for the last stage,
	// stops as Converged. 0 means never (the last stage then uses
	// Options.Target or Options.TargetAccuracy).
	Threshold float64
}

// Options configure a run. The zero value of every field means the default
// documented on it, so Options{} trains for 1000 steps with Adam at 1e-3 on
// the masked MSE. The JSON form (see DecodeOptions) holds the fields with
// JSON names; the others are set in Go.
type Options struct {
	// Steps is the total number of training steps, counting those done
	// before a resume (0 → 1000).
	Steps int `json:"steps"`
	// BatchSize is the number of trials per training batch (0 → 64).
	BatchSize int `json:"batch_size"`
	// Seed seeds the training batches and noise: step k draws its batch
	// from PCG(seed, k·256+1) and its noise from PCG(seed, k·256+2), so
	// results do not depend on prefetching and a resume needs only k.
	Seed uint64 `json:"seed"`

	// Optimizer is the update rule and its settings: Adam{}, SGD{},
	// RMSProp{} or a registered type of your own (nil → Adam{}: learning
	// rate 1e-3 and PyTorch's defaults). Its JSON form is {"type": "adam",
	// "lr": ..., ...} (no type: "adam").
	Optimizer Optimizer      `json:"optimizer"`
	Schedule  ScheduleConfig `json:"schedule"`
	// ClipNorm is the largest global L2 norm of the gradient (over all
	// parameters); larger gradients are scaled down to it (0 → 1.0;
	// negative → no clipping).
	ClipNorm float64 `json:"clip_norm"`
	// Losses are the loss terms (nil → masked MSE with λ = 1).
	Losses []LossSpec `json:"losses"`

	// EvalEvery is the number of steps between evaluations on held-out
	// batches, in Eval mode (no noise) (0 → 100; negative → never, not even
	// at the end).
	EvalEvery int `json:"eval_every"`
	// EvalTrials is the number of evaluation trials, drawn in batches of at
	// most BatchSize (0 → 256).
	EvalTrials int `json:"eval_trials"`
	// EvalSeed seeds the evaluation batches: batch j comes from
	// PCG(eval_seed, j·256+3), the same at every evaluation.
	EvalSeed uint64 `json:"eval_seed"`
	// Target stops the run as Converged when an evaluation's value of the
	// run's measure (Options.Measure) reaches it, in the last curriculum
	// stage: >= Target when higher is better, <= Target when lower is
	// better (an mse target of 0.01 stops at mse <= 0.01) (0 → no early
	// stop: a run only stops early when a target is set).
	Target float64 `json:"target"`
	// TargetAccuracy is Target for a run scored by accuracy, in [0, 1];
	// with another measure it is an error (it is never reinterpreted). At
	// most one of target and target_accuracy may be set (0 → no early
	// stop).
	TargetAccuracy float64 `json:"target_accuracy"`

	// CheckpointEvery is the number of steps between checkpoint steps
	// (Record.Checkpoint), at which Checkpoints writes last.npz (it also
	// writes one at the start of a fresh run and at the end) (0 → 500;
	// negative → only start and end).
	CheckpointEvery int `json:"checkpoint_every"`
	// LogEvery and Quiet configure the Progress recorder that the run
	// layer (package run, the dale command) installs: a log line every
	// LogEvery steps when the output is not a terminal (0 → 100), and no
	// progress at all with Quiet. train itself prints nothing.
	LogEvery int  `json:"log_every"`
	Quiet    bool `json:"quiet"`

	// Score turns the outputs of an evaluation into the value of Measure;
	// nil means no score (best.npz then goes by the evaluation MSE).
	Score ScoreFunc `json:"-"`
	// Measure names what Score returns and its direction (zero, with
	// Score set → AccuracyMeasure).
	Measure Measure `json:"-"`
	// Curriculum, when not empty, replaces the source given to Run.
	Curriculum []Stage `json:"-"`
	// Name says what the run trains (package run sets the task's name). A
	// checkpoint records it, and Resume refuses a checkpoint of another
	// name ("" matches any).
	Name string `json:"-"`
	// Recorders see the run, in order: its start (Starter), every step
	// and its end (Finisher). A run does no I/O of its own: Progress,
	// History and Checkpoints (RunFiles) print and write files when
	// listed here.
	Recorders []Recorder `json:"-"`
}

// DecodeOptions reads the JSON form of Options strictly (unknown keys, a
// key twice and more than one value are errors) and validates it. Absent
// keys take their defaults; a key given is never replaced by one (see
// package config): "batch_size": 0 is an error.
func DecodeOptions(data []byte) (Options, error) {
	if err := config.CheckJSON(data); err != nil {
		return Options{}, fmt.Errorf("train: options: %v", err)
	}
	var o Options
	if err := o.UnmarshalJSON(data); err != nil {
		return Options{}, err
	}
	if err := o.WithDefaults().Validate(); err != nil {
		return Options{}, err
	}
	return o, nil
}

// UnmarshalJSON decodes the JSON form of Options, rejecting unknown keys
// (the optimiser and the losses by the types registered with
// RegisterOptimizer and RegisterLoss). It does not validate: see
// DecodeOptions.
func (o *Options) UnmarshalJSON(data []byte) error {
	type plain Options
	var p plain
	aux := struct {
		*plain
		Optimizer json.RawMessage `json:"optimizer"`
		Losses    json.RawMessage `json:"losses"`
		Schedule  json.RawMessage `json:"schedule"`
	}{plain: &p}
	if err := config.ExactKeys(data, plain{}); err != nil {
		return config.Wrap("train", err)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&aux); err != nil {
		return fmt.Errorf("train: options: %v", err)
	}
	if err := config.RejectDefaultZeros("train", data, Options{}.WithDefaults()); err != nil {
		return err
	}
	if len(aux.Schedule) > 0 && string(bytes.TrimSpace(aux.Schedule)) != "null" {
		sd := json.NewDecoder(bytes.NewReader(aux.Schedule))
		sd.DisallowUnknownFields()
		if err := sd.Decode(&p.Schedule); err != nil {
			return fmt.Errorf("train: options: schedule: %v", err)
		}
		if err := config.RejectDefaultZeros("train", aux.Schedule, p.Schedule.withDefaults(Options{Steps: p.Steps}.WithDefaults().Steps)); err != nil {
			return config.Within("", "schedule", err)
		}
	}
	var err error
	if p.Optimizer, err = decodeOptimizer(aux.Optimizer); err != nil {
		return err
	}
	if p.Losses, err = decodeLosses(aux.Losses); err != nil {
		return err
	}
	*o = Options(p)
	return nil
}

// MarshalJSON writes the JSON form of Options (the fields with JSON
// names), which UnmarshalJSON reads back.
func (o Options) MarshalJSON() ([]byte, error) {
	type plain Options
	p := plain(o)
	if p.Optimizer != nil {
		p.Optimizer = typedOptimizer{p.Optimizer}
	}
	return json.Marshal(p)
}

// WithDefaults returns o with every zero field replaced by its default, as
// used by Run (useful for writing the fully resolved configuration).
func (o Options) WithDefaults() Options {
	if o.Steps == 0 {
		o.Steps = 1000
	}
	if o.BatchSize == 0 {
		o.BatchSize = 64
	}
	if o.Optimizer == nil {
		o.Optimizer = Adam{}
	}
	if d, ok := o.Optimizer.(defaulter); ok {
		o.Optimizer = d.withDefaults()
	}
	o.Schedule = o.Schedule.withDefaults(o.Steps)
	if o.ClipNorm == 0 {
		o.ClipNorm = 1
	}
	if len(o.Losses) == 0 {
		o.Losses = []LossSpec{{Loss: MSE{}, Lambda: 1}}
	} else {
		o.Losses = append([]LossSpec(nil), o.Losses...)
		for i := range o.Losses {
			if o.Losses[i].Lambda == 0 {
				o.Losses[i].Lambda = 1
			}
		}
	}
	if o.EvalEvery == 0 {
		o.EvalEvery = 100
	}
	if o.EvalTrials == 0 {
		o.EvalTrials = 256
	}
	if o.CheckpointEvery == 0 {
		o.CheckpointEvery = 500
	}
	if o.LogEvery == 0 {
		o.LogEvery = 100
	}
	if o.Score != nil && o.Measure == (Measure{}) {
		o.Measure = AccuracyMeasure
	}
	return o
}

// checkThreshold checks a target or stage threshold v named field against
// measure m (zero when not known yet, as when decoding JSON: then only
// that v is finite).
func checkThreshold(field string, v float64, m Measure) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return config.Errorf("train: %s = %v is not allowed: must be finite (0: none)", field, v)
	case m.Name == "accuracy" && !(v >= 0 && v <= 1):
		return config.Errorf("train: %s = %v is not allowed: the run is scored by accuracy, so it must be in [0, 1] (0: none)", field, v)
	case m.Name != "" && !m.HigherIsBetter && v < 0:
		return config.Errorf("train: %s = %v is not allowed: the run is scored by %s (lower is better), so it must be >= 0 (0: none)", field, v, m.Name)
	}
	return nil
}

// Validate checks options that already have their defaults (see
// WithDefaults); each error names the field, the value and what is allowed.
func (o Options) Validate() error {
	if o.Steps < 0 {
		return config.Errorf("train: steps = %d is not allowed: must be > 0", o.Steps)
	}
	if o.BatchSize < 0 {
		return config.Errorf("train: batch_size = %d is not allowed: must be > 0", o.BatchSize)
	}
	if o.Optimizer == nil {
		return config.Errorf("train: optimizer = nil is not allowed: set one (Adam{}, SGD{}, RMSProp{} or a registered type) or call WithDefaults")
	}
	if c, ok := o.Optimizer.(checker); ok {
		if err := c.check(0); err != nil {
			return paramsErr("train: optimizer", err)
		}
	}
	if lr := o.Optimizer.LearningRate(); !(lr > 0) || math.IsInf(lr, 0) {
		return config.Errorf("train: optimizer.lr = %v is not allowed: must be finite and > 0", lr)
	}
	if err := o.Schedule.validate(o.Optimizer.LearningRate()); err != nil {
		return err
	}
	if math.IsNaN(o.ClipNorm) || math.IsInf(o.ClipNorm, 0) {
		return config.Errorf("train: clip_norm = %v is not allowed: must be finite (> 0 to clip, < 0 for no clipping)", o.ClipNorm)
	}
	if o.EvalTrials < 0 {
		return config.Errorf("train: eval_trials = %d is not allowed: must be > 0", o.EvalTrials)
	}
	if !(o.TargetAccuracy >= 0 && o.TargetAccuracy <= 1) {
		return config.Errorf("train: target_accuracy = %v is not allowed: must be in [0, 1] (0: no early stop)", o.TargetAccuracy)
	}
	if o.TargetAccuracy != 0 && o.Measure.Name != "" && o.Measure.Name != "accuracy" {
		return config.Errorf("train: target_accuracy = %v is not allowed: the run is scored by %s (%s is better), not accuracy; set target instead", o.TargetAccuracy, o.Measure.Name, o.Measure.direction())
	}
	if o.Target != 0 && o.TargetAccuracy != 0 {
		return config.Errorf("train: target = %v is not allowed together with target_accuracy = %v: set one of them", o.Target, o.TargetAccuracy)
	}
	if err := checkThreshold("target", o.Target, o.Measure); err != nil {
		return err
	}
	needsEval := o.Target != 0 || o.TargetAccuracy != 0
	for _, s := range o.Curriculum {
		needsEval = needsEval || s.Threshold != 0
	}
	if needsEval && o.EvalEvery < 0 {
		return config.Errorf("train: eval_every = %d is not allowed: a target or curriculum thresholds are checked at evaluations, so it must be > 0", o.EvalEvery)
	}
	if o.LogEvery < 0 {
		return config.Errorf("train: log_every = %d is not allowed: must be > 0", o.LogEvery)
	}
	for i, s := range o.Curriculum {
		if s.Source == nil {
			return fmt.Errorf("train: curriculum[%d] (%q) has no source", i, s.Name)
		}
		m := o.Measure
		if m.Name == "" {
			m = AccuracyMeasure
		}
		if err := checkThreshold(fmt.Sprintf("curriculum[%d].threshold", i), s.Threshold, m); err != nil {
			return err
		}
	}
	_, err := parseLosses(o.Losses, 0)
	return err
}
