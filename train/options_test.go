package train

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/batch"
)

func TestDecodeOptions(t *testing.T) {
	o, err := DecodeOptions([]byte(`{"steps": 50, "optimizer": {"type": "sgd", "lr": 0.1, "momentum": 0.9},
		"schedule": {"type": "exponential"}, "losses": [{"type": "mse"}, {"type": "fr", "lambda": 0.01, "params": {"metric": "l1"}}],
		"eval_every": 10, "target_accuracy": 0.9}`))
	if err != nil {
		t.Fatal(err)
	}
	d := o.WithDefaults()
	sgd, _ := d.Optimizer.(SGD)
	if d.Steps != 50 || d.BatchSize != 64 || d.Optimizer.Type() != "sgd" || sgd.Momentum != 0.9 || d.ClipNorm != 1 ||
		d.Schedule.Gamma != 0.999 || len(d.Losses) != 2 || d.Losses[1].Lambda != 0.01 || d.EvalTrials != 256 {
		t.Errorf("decoded and defaulted: %+v", d)
	}
	// the resolved options round-trip through JSON
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeOptions(b); err != nil {
		t.Errorf("resolved options do not decode: %v\n%s", err, b)
	}
	// beta1 = 0 is a setting of its own (Adam without momentum), not the
	// default.
	a, err := DecodeOptions([]byte(`{"optimizer": {"type": "adam", "beta1": 0}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ad := a.WithDefaults().Optimizer.(Adam); ad.Beta1 == nil || *ad.Beta1 != 0 || *ad.Beta2 != 0.999 {
		t.Errorf("beta1 0: %+v", ad)
	}
	if ad := (Adam{}).withDefaults().(Adam); *ad.Beta1 != 0.9 {
		t.Errorf("Adam{} has beta1 %v, want 0.9", *ad.Beta1)
	}
	z := Options{}.WithDefaults()
	if z.Steps != 1000 || z.Optimizer.Type() != "adam" || z.Optimizer.LearningRate() != 1e-3 || z.Losses[0].Loss.Type() != "mse" || z.EvalEvery != 100 {
		t.Errorf("zero options defaulted: %+v", z)
	}

	bad := []struct{ json, want string }{
		{`{"stepz": 3}`, `unknown field "stepz"`},
		{`{"steps": -3}`, `steps = -3 is not allowed`},
		{`{"batch_size": -1}`, `batch_size = -1 is not allowed`},
		{`{"optimizer": {"type": "adagrad"}}`, `optimizer.type = "adagrad" is not allowed: must be one of adam, sgd, rmsprop`},
		{`{"optimizer": {"lr": -1}}`, `optimizer.lr = -1 is not allowed`},
		{`{"optimizer": {"beta2": 1}}`, `optimizer.beta2 = 1 is not allowed: must be in [0, 1)`},
		{`{"optimizer": {"momentun": 1}}`, `unknown field "momentun"`},
		{`{"schedule": {"type": "linear"}}`, `schedule.type = "linear" is not allowed`},
		{`{"schedule": {"type": "cosine", "min_lr": 1}}`, `schedule.min_lr = 1 is not allowed`},
		{`{"schedule": {"warmup": -5}}`, `schedule.warmup = -5 is not allowed: must be a number of steps >= 0`},
		{`{"target_accuracy": 1.5}`, `target_accuracy = 1.5 is not allowed: must be in [0, 1]`},
		{`{"target_accuracy": 0.9, "target": 0.01}`, `target = 0.01 is not allowed together with target_accuracy = 0.9: set one of them`},
		{`{"losses": [{"type": "fr", "params": {"metric": "l9"}}]}`, `losses[0].params.metric = "l9" is not allowed`},
		{`{"losses": [{"lambda": 2}]}`, `losses[0].type is missing`},
		{`{"steps": 1} {}`, `unexpected data after the JSON value`},
		// A key given is never replaced by a default (package config).
		{`{"batch_size": 0}`, `train: batch_size = 0 is not allowed: leave batch_size out for the default (64)`},
		{`{"steps": 0}`, `steps = 0 is not allowed: leave steps out for the default (1000)`},
		{`{"eval_every": 0}`, `eval_every = 0 is not allowed: leave eval_every out for the default (100)`},
		{`{"clip_norm": 0}`, `clip_norm = 0 is not allowed`},
		{`{"optimizer": {"lr": 0}}`, `optimizer.lr = 0 is not allowed: must be > 0 (leave lr out for the default, 1e-3)`},
		{`{"schedule": {"type": "step", "gamma": 0}}`, `schedule.gamma = 0 is not allowed: leave gamma out for the default (0.1)`},
		{`{"losses": [{"type": "mse", "lambda": 0}]}`, `losses[0].lambda = 0 is not allowed: leave lambda out for the default (1)`},
		{`{"steps": 5, "steps": 6}`, `key "steps" appears twice`},
		{`{"optimizer": {"lr": 1e-3, "lr": 2e-3}}`, `key "optimizer.lr" appears twice`},
	}
	for _, c := range bad {
		_, err := DecodeOptions([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.json, err, c.want)
		}
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	m := smallModel(t, 8, 1, nil)
	ctx := context.Background()
	cases := []struct {
		name string
		src  Source
		opts Options
		want string
	}{
		{"no source", nil, Options{}, "no source"},
		{"wrong outputs", newSignTask(8), Options{Losses: []LossSpec{{Loss: CrossEntropy{Outputs: []int{1, 5}}}}}, "params.outputs = [1,5] is not allowed"},
		{"batch shape", sourceFunc(func(rng *rand.Rand, size int) (*batch.Batch, error) { return batch.New(size, 5, 3, 3) }), Options{Steps: 2, EvalEvery: -1}, "step 1: the source gave a batch of 4 trials with 3 inputs"},
		{"eval batch shape", sourceFunc(func(rng *rand.Rand, size int) (*batch.Batch, error) { return batch.New(size, 5, 2, 4) }), Options{Steps: 2}, "evaluation batch 0: the source gave a batch of 4 trials with 2 inputs and 4 outputs"},
		{"target without score", newSignTask(8), Options{TargetAccuracy: 0.9}, "need a score: set Options.Score"},
		{"target without eval", newSignTask(8), Options{TargetAccuracy: 0.9, EvalEvery: -1, Score: func([]*batch.Batch, [][]float32) (float64, error) { return 1, nil }}, "eval_every = -1 is not allowed: a target"},
		{"state_pred tau", newSignTask(8), Options{Steps: 2, Losses: []LossSpec{{Loss: StatePred{Tau: 8}}}}, "tau = 8 is not allowed for batches of 8 steps"},
	}
	for _, c := range cases {
		c.opts.BatchSize, c.opts.Quiet = 4, true
		_, err := Run(ctx, m, c.src, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

type sourceFunc func(rng *rand.Rand, size int) (*batch.Batch, error)

func (f sourceFunc) Sample(rng *rand.Rand, size int) (*batch.Batch, error) { return f(rng, size) }

// TestLogLinesAndRunFiles: off a terminal, one log line every LogEvery
// steps; the run directory holds last.npz, best.npz, history.csv (every
// step, every term) and summary.json.
func TestLogLinesAndRunFiles(t *testing.T) {
	dir := t.TempDir()
	task := newSignTask(12)
	var out bytes.Buffer
	m := smallModel(t, 16, 2, nil)
	res, err := Run(context.Background(), m, task, Options{Steps: 30, BatchSize: 8, LogEvery: 10, EvalEvery: 15, EvalTrials: 16,
		Recorders: append(RunFiles(dir), &Progress{W: &out, Every: 10}), Score: task.score, Losses: []LossSpec{{Loss: MSE{}}, {Loss: FiringRate{}, Lambda: 0.01}}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "step 10/30  loss ") || !strings.Contains(lines[2], "(mse ") ||
		!strings.Contains(lines[2], "acc ") || !strings.Contains(lines[2], "steps/s  ETA") {
		t.Errorf("log lines:\n%s", out.String())
	}
	for _, f := range []string{LastFile, BestFile, HistoryFile, SummaryFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	h := readHistory(t, filepath.Join(dir, HistoryFile))
	if strings.Join(h[0], ",") != "step,stage,mse,fr_l2,total,grad_norm,lr,accuracy,eval_mse,wall_s" || len(h) != 31 {
		t.Errorf("history header %v, %d rows", h[0], len(h))
	}
	if h[15][7] == "" || h[14][7] != "" || h[30][7] == "" {
		t.Errorf("accuracy column should be set at evaluation steps 15 and 30 only: %v %v %v", h[14], h[15], h[30])
	}
	var s Summary
	b, _ := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Steps != 30 || s.Eval == nil || s.Eval.Accuracy != res.Eval.Accuracy || math.IsNaN(s.Loss) || len(s.Losses) != 2 {
		t.Errorf("summary %+v", s)
	}
}

// TestNoRecordersNoFiles: a run without recorders writes nothing, even
// with checkpoint steps and evaluations (it runs in a fresh working
// directory to see).
func TestNoRecordersNoFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	m := smallModel(t, 8, 2, nil)
	if _, err := Run(context.Background(), m, newSignTask(8), Options{Steps: 6, BatchSize: 4, LogEvery: 1, EvalEvery: 3, EvalTrials: 4, CheckpointEvery: 2}); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a run without recorders wrote %v", ents)
	}
}

func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	p := newBar(&out, 10, 0)
	for s := 1; s <= 10; s++ {
		r := Record{Step: s, Total: 0.5}
		if s == 10 {
			r.Eval = &Eval{Accuracy: 0.75, Measure: "accuracy", Value: 0.75}
		}
		p.step(r)
	}
	p.finish()
	got := out.String()
	for _, want := range []string{"loss 0.5", "acc 0.750", "10/10", "steps/s"} {
		if !strings.Contains(got, want) {
			t.Errorf("bar output lacks %q: %q", want, got)
		}
	}
}

// TestAllLossTypesOnTheModel: every loss type builds on a real model graph
// and trains a few steps with finite, separately reported terms.
func TestAllLossTypesOnTheModel(t *testing.T) {
	var specs []LossSpec
	if err := json.Unmarshal([]byte(`[{"type":"mse"},{"type":"cross_entropy","lambda":0.1,"params":{"outputs":[1,2]}},
		{"type":"fr","lambda":0.01,"params":{"metric":"l1"}},{"type":"fr_dist","lambda":0.01,"params":{"metric":"cv"}},
		{"type":"fr_dist","lambda":0.01,"params":{"metric":"max_ad"}},{"type":"weight_l1","lambda":1e-3,"params":{"layer":"input"}},
		{"type":"weight_l2","lambda":1e-3,"params":{"layer":"readout"}},{"type":"state_pred","lambda":0.01,"params":{"tau":3}}]`), &specs); err != nil {
		t.Fatal(err)
	}
	m := smallModel(t, 16, 3, nil)
	var last Record
	res, err := Run(context.Background(), m, newSignTask(12), Options{Steps: 5, BatchSize: 4, EvalEvery: -1, Quiet: true, Losses: specs,
		Recorders: []Recorder{RecorderFunc(func(r Record) error { last = r; return nil })}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"mse", "cross_entropy", "fr_l1", "fr_dist_cv", "fr_dist_max_ad", "weight_l1_input", "weight_l2_readout", "state_pred"}
	if strings.Join(res.LossNames, ",") != strings.Join(want, ",") || len(last.Losses) != len(want) {
		t.Fatalf("loss names %v, want %v", res.LossNames, want)
	}
	var total float64
	for i, v := range last.Losses {
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s = %v, want a finite positive value", want[i], v)
		}
		total += []float64{1, 0.1, 0.01, 0.01, 0.01, 1e-3, 1e-3, 0.01}[i] * v
	}
	if math.Abs(total-last.Total) > 1e-6*total {
		t.Errorf("total %v, Σ λ·term = %v", last.Total, total)
	}
}

func TestResumeRejectsMismatch(t *testing.T) {
	dir := t.TempDir()
	task := newSignTask(8)
	base := Options{Steps: 3, BatchSize: 4, EvalEvery: -1, Quiet: true, Recorders: RunFiles(dir)}
	if _, err := Run(context.Background(), smallModel(t, 8, 1, nil), task, base); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		edit func(*Options)
		want string
	}{
		{func(o *Options) { o.Optimizer = SGD{} }, `optimizer.type = "sgd" is not allowed: the checkpoint was trained with "adam"`},
		{func(o *Options) { o.Losses = []LossSpec{{Loss: MSE{}}, {Loss: FiringRate{}}} }, "losses [mse fr_l2] differ from the checkpoint's [mse]"},
		{func(o *Options) { o.BatchSize = 5 }, "batch_size = 5 differs from the checkpoint's 4"},
		{func(o *Options) { o.Curriculum = []Stage{{Source: task}, {Source: task}} }, ""},
	}
	for _, c := range cases {
		o := base
		o.Steps = 6
		c.edit(&o)
		_, _, err := Resume(context.Background(), dir, task, o)
		if c.want == "" {
			if err != nil {
				t.Errorf("resume with a curriculum starting at stage 0: %v", err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	if _, _, err := Resume(context.Background(), t.TempDir(), task, base); err == nil || !strings.Contains(err.Error(), "train: resume") {
		t.Errorf("resume from an empty directory: %v", err)
	}
}
