package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/dale-rnn/dale/batch"
)

// Source yields training batches: a task. Sample must draw every random
// number it needs from rng, so that the same rng state gives the same batch.
// The trainer never calls Sample concurrently with itself, but it does call
// it on another goroutine than Run's.
type Source interface {
	Sample(rng *rand.Rand, size int) (*batch.Batch, error)
}

// ScoreFunc scores the model's outputs ([Size, Steps, Out], row-major) on a
// batch and returns the fraction of trials it got right, in [0, 1].
type ScoreFunc func(b *batch.Batch, outputs []float32) (accuracy float64, err error)

// Stage is one stage of a curriculum.
type Stage struct {
	// Name labels the stage in logs and history (optional).
	Name string
	// Source yields the stage's batches (training and evaluation).
	Source Source
	// Threshold is the evaluation accuracy that completes the stage: the
	// run moves to the next stage, or, for the last stage, stops as
	// Converged. 0 means never (the last stage then uses
	// Options.TargetAccuracy).
	Threshold float64
}

// Recorder receives a Record after every training step (with Eval set at
// evaluation steps). An error it returns stops the run (status Failed).
type Recorder interface {
	Record(r Record) error
}

// RecorderFunc adapts a function to a Recorder.
type RecorderFunc func(r Record) error

// Record calls f.
func (f RecorderFunc) Record(r Record) error { return f(r) }

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

	Optimizer OptimizerConfig `json:"optimizer"`
	Schedule  ScheduleConfig  `json:"schedule"`
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
	// TargetAccuracy stops the run as Converged when an evaluation reaches
	// it (in the last curriculum stage) (0 → no early stop).
	TargetAccuracy float64 `json:"target_accuracy"`

	// CheckpointEvery is the number of steps between checkpoints
	// (last.npz) in Dir; one is always written at the start of a fresh
	// run and at the end (0 → 500; negative → only start and end).
	CheckpointEvery int `json:"checkpoint_every"`
	// LogEvery is the number of steps between log lines when the output is
	// not a terminal (0 → 100).
	LogEvery int `json:"log_every"`
	// Quiet turns off the progress bar and log lines.
	Quiet bool `json:"quiet"`

	// Dir is the run directory for last.npz, best.npz, history.csv and
	// summary.json; "" writes nothing.
	Dir string `json:"-"`
	// Output receives the progress bar or log lines (nil → os.Stderr).
	Output io.Writer `json:"-"`
	// Score turns outputs into accuracy; nil means no accuracy (best.npz
	// then goes by the evaluation MSE).
	Score ScoreFunc `json:"-"`
	// Curriculum, when not empty, replaces the source given to Run.
	Curriculum []Stage `json:"-"`
	// Recorder, when not nil, sees every step.
	Recorder Recorder `json:"-"`
}

// DecodeOptions reads the JSON form of Options, rejecting unknown keys, and
// validates it. Absent keys keep their zero value (the default).
func DecodeOptions(data []byte) (Options, error) {
	var o Options
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&o); err != nil {
		return Options{}, fmt.Errorf("train: options: %v", err)
	}
	if d.More() {
		return Options{}, fmt.Errorf("train: options: more than one JSON value")
	}
	if err := o.WithDefaults().Validate(); err != nil {
		return Options{}, err
	}
	return o, nil
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
	o.Optimizer = o.Optimizer.withDefaults()
	o.Schedule = o.Schedule.withDefaults(o.Steps)
	if o.ClipNorm == 0 {
		o.ClipNorm = 1
	}
	if len(o.Losses) == 0 {
		o.Losses = []LossSpec{{Type: "mse", Lambda: 1}}
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
	return o
}

// Validate checks options that already have their defaults (see
// WithDefaults); each error names the field, the value and what is allowed.
func (o Options) Validate() error {
	if o.Steps < 0 {
		return fmt.Errorf("train: steps = %d is not allowed: must be > 0", o.Steps)
	}
	if o.BatchSize < 0 {
		return fmt.Errorf("train: batch_size = %d is not allowed: must be > 0", o.BatchSize)
	}
	if err := o.Optimizer.validate(); err != nil {
		return err
	}
	if err := o.Schedule.validate(o.Optimizer.LR); err != nil {
		return err
	}
	if math.IsNaN(o.ClipNorm) || math.IsInf(o.ClipNorm, 0) {
		return fmt.Errorf("train: clip_norm = %v is not allowed: must be finite (> 0 to clip, < 0 for no clipping)", o.ClipNorm)
	}
	if o.EvalTrials < 0 {
		return fmt.Errorf("train: eval_trials = %d is not allowed: must be > 0", o.EvalTrials)
	}
	if !(o.TargetAccuracy >= 0 && o.TargetAccuracy <= 1) {
		return fmt.Errorf("train: target_accuracy = %v is not allowed: must be in [0, 1] (0: no early stop)", o.TargetAccuracy)
	}
	if o.LogEvery < 0 {
		return fmt.Errorf("train: log_every = %d is not allowed: must be > 0", o.LogEvery)
	}
	for i, s := range o.Curriculum {
		if s.Source == nil {
			return fmt.Errorf("train: curriculum[%d] (%q) has no source", i, s.Name)
		}
		if !(s.Threshold >= 0 && s.Threshold <= 1) {
			return fmt.Errorf("train: curriculum[%d].threshold = %v is not allowed: must be in [0, 1]", i, s.Threshold)
		}
	}
	for i, l := range o.Losses {
		if l.Type == "" {
			return fmt.Errorf("train: losses[%d].type is missing: must be one of %s", i, lossTypeNames())
		}
	}
	_, err := parseLosses(o.Losses, 0)
	return err
}
