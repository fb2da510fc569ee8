package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"time"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/rnn"
)

// Status says how a run ended.
type Status int

const (
	// StepLimit: the run did all its steps.
	StepLimit Status = iota
	// Converged: an evaluation reached the target (Options.Target or
	// TargetAccuracy, or the last curriculum stage's threshold).
	Converged
	// Interrupted: the context was cancelled; the step in progress was
	// finished and a checkpoint written.
	Interrupted
	// Failed: an error stopped the run (see the error returned with it).
	Failed
)

func (s Status) String() string {
	switch s {
	case StepLimit:
		return "step_limit"
	case Converged:
		return "converged"
	case Interrupted:
		return "interrupted"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// MarshalText writes the status name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a status name.
func (s *Status) UnmarshalText(b []byte) error {
	for _, c := range []Status{StepLimit, Converged, Interrupted, Failed} {
		if c.String() == string(b) {
			*s = c
			return nil
		}
	}
	return fmt.Errorf("train: status %q is not one of step_limit, converged, interrupted, failed", b)
}

// Eval is the result of one evaluation on the held-out trials.
type Eval struct {
	Step   int `json:"step"`
	Trials int `json:"trials"`
	// Accuracy is Value when the measure is accuracy; NaN (null in JSON)
	// otherwise.
	Accuracy float64 `json:"accuracy"`
	MSE      float64 `json:"mse"` // masked MSE of the outputs
	// Measure names the run's measure ("" without a Score function) and
	// Value is its value (NaN, null in JSON, without one).
	Measure string  `json:"measure,omitempty"`
	Value   float64 `json:"value"`
}

type evalJSON struct {
	Step     int      `json:"step"`
	Trials   int      `json:"trials"`
	Accuracy *float64 `json:"accuracy"`
	MSE      float64  `json:"mse"`
	Measure  string   `json:"measure,omitempty"`
	Value    *float64 `json:"value"`
}

// MarshalJSON writes NaN accuracy and value as null.
func (e Eval) MarshalJSON() ([]byte, error) {
	p := evalJSON{Step: e.Step, Trials: e.Trials, MSE: e.MSE, Measure: e.Measure}
	if !math.IsNaN(e.Accuracy) {
		p.Accuracy = &e.Accuracy
	}
	if !math.IsNaN(e.Value) {
		p.Value = &e.Value
	}
	return json.Marshal(p)
}

// UnmarshalJSON reads null accuracy and value as NaN. An evaluation
// written before Eval had a measure, with an accuracy, reads as measure
// accuracy.
func (e *Eval) UnmarshalJSON(b []byte) error {
	var p evalJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*e = Eval{Step: p.Step, Trials: p.Trials, MSE: p.MSE, Measure: p.Measure, Accuracy: math.NaN(), Value: math.NaN()}
	if p.Accuracy != nil {
		e.Accuracy = *p.Accuracy
	}
	if p.Value != nil {
		e.Value = *p.Value
	}
	if p.Measure == "" && p.Value == nil && p.Accuracy != nil {
		e.Measure, e.Value = AccuracyMeasure.Name, *p.Accuracy
	}
	return nil
}

// Record is what a Recorder sees after each step.
type Record struct {
	Step      int       // steps completed so far (1 after the first step)
	Stage     int       // curriculum stage of this step
	LossNames []string  // names of the loss terms
	Losses    []float64 // unweighted value of each term
	Total     float64   // Σ λ·term
	GradNorm  float64   // global gradient norm before clipping
	LR        float64   // learning rate used
	Wall      time.Duration
	Eval      *Eval // set at evaluation steps
	// Best reports that Eval is the best evaluation so far on the current
	// curriculum stage (the one best.npz keeps).
	Best bool
	// Checkpoint reports a checkpoint step (every
	// Options.CheckpointEvery steps, before the last).
	Checkpoint bool
	// Snapshot saves the run's state after this step.
	Snapshot Snapshot
}

// Timing splits the wall time of the steps run by one call. Step covers
// everything a training step does (waiting for the batch, setting leaves,
// the graph run, reading gradients, the update, history and progress);
// Graph is the graph run alone, so Step − Graph is the loop's own overhead.
// Evaluations and checkpoints are timed separately.
type Timing struct {
	Steps      int           `json:"steps"`
	Step       time.Duration `json:"step_ns"`
	Graph      time.Duration `json:"graph_ns"`
	Eval       time.Duration `json:"eval_ns"`
	Checkpoint time.Duration `json:"checkpoint_ns"`
	Build      time.Duration `json:"build_ns"`
}

// Overhead is (Step − Graph) / Step.
func (t Timing) Overhead() float64 {
	if t.Step == 0 {
		return 0
	}
	return float64(t.Step-t.Graph) / float64(t.Step)
}

// Result is what Run returns.
type Result struct {
	Status    Status    `json:"status"`
	Step      int       `json:"step"`  // steps completed, counting those before a resume
	Stage     int       `json:"stage"` // curriculum stage at the end
	LossNames []string  `json:"loss_names"`
	Losses    []float64 `json:"losses"` // last step's terms
	Loss      float64   `json:"loss"`   // last step's total
	Eval      *Eval     `json:"eval"`   // last evaluation
	Best      *Eval     `json:"best"`   // best evaluation (the one saved as best.npz)
	// Measure is the run's measure; nil without a Score function.
	Measure *Measure `json:"measure,omitempty"`
	// Wall is the run's total wall time, counting time before a resume.
	Wall           time.Duration `json:"wall_ns"`
	StepsPerSecond float64       `json:"steps_per_second"` // of this call
	Timing         Timing        `json:"timing"`
	Error          string        `json:"error,omitempty"`
}

// NonFiniteError reports a loss term, gradient or updated parameter that is
// NaN or infinite.
type NonFiniteError struct {
	Step  int    // the step (1-based) that produced it
	Kind  string // "loss", "gradient" or "parameter"
	Name  string // loss term or parameter name
	Value float64
	LR    float64
}

func (e *NonFiniteError) Error() string {
	switch e.Kind {
	case "loss":
		return fmt.Sprintf("train: step %d: loss term %q is %v (learning rate %g): training diverged; the last good checkpoint is kept", e.Step, e.Name, e.Value, e.LR)
	case "parameter":
		return fmt.Sprintf("train: step %d: the update makes parameter %q %v (learning rate %g): training diverged; the last good checkpoint is kept", e.Step, e.Name, e.Value, e.LR)
	}
	return fmt.Sprintf("train: step %d: the gradient of parameter %q is %v (learning rate %g): training diverged; the last good checkpoint is kept", e.Step, e.Name, e.Value, e.LR)
}

// Names of the files in a run directory.
const (
	LastFile    = "last.npz"
	BestFile    = "best.npz"
	HistoryFile = "history.csv"
	SummaryFile = "summary.json"
)

// Run trains m on batches from src (or on opts.Curriculum) until opts.Steps
// steps are done, an evaluation reaches the target (when one is set), ctx is
// cancelled or an error occurs. The model's parameters are updated in
// place. A Result is returned in every case where the run started (with
// status Failed alongside a non-nil error). Run is NewTrainer and
// Trainer.Run.
func Run(ctx context.Context, m *rnn.Model, src Source, opts Options) (*Result, error) {
	t, err := NewTrainer(m, src, opts)
	if err != nil {
		return nil, err
	}
	return t.Run(ctx)
}

// Resume continues the run saved in dir (its last.npz): it restores the
// parameters, the optimiser state, the step counter, the curriculum stage
// and the best evaluation, and trains on to opts.Steps. With the same
// options and source, the steps it runs give the same losses and weights,
// bit for bit, as an uninterrupted run. Resume writes nothing unless
// opts.Recorders do (RunFiles(dir) continues the run's files). The
// checkpoint's seeds and optimiser type win over opts (a different
// optimiser type, loss list, batch size or name is an error). Resume is
// OpenResume and Trainer.Run.
func Resume(ctx context.Context, dir string, src Source, opts Options) (*rnn.Model, *Result, error) {
	t, err := OpenResume(dir, src, opts)
	if err != nil {
		return nil, nil, err
	}
	res, err := t.Run(ctx)
	return t.Model(), res, err
}

// A Trainer is a run that has been checked and is ready to train: every
// option, the model against the options and, for a resumed run, the
// checkpoint, the history and every recorder that can check (Checker) —
// before anything is written. Callers that write files of their own
// (package run writes config.json) make a Trainer first, so that a run
// that cannot start changes nothing.
type Trainer struct {
	t     *trainer
	fresh bool
	used  bool
}

// NewTrainer checks a fresh run of m on src with opts (see Run).
func NewTrainer(m *rnn.Model, src Source, opts Options) (*Trainer, error) {
	t, err := newTrainer(m, src, opts)
	if err != nil {
		return nil, err
	}
	if err := t.checkRecorders(true); err != nil {
		return nil, err
	}
	return &Trainer{t: t, fresh: true}, nil
}

// OpenResume reads the run saved in dir (its last.npz) and checks that it
// can continue with src and opts (see Resume): the checkpoint's arrays and
// trainer state, its step against opts.Steps (a run cannot be resumed to
// fewer steps than it has done), its name, optimiser, losses, batch size
// and curriculum stage against opts, and the recorders' files. It writes
// nothing.
func OpenResume(dir string, src Source, opts Options) (*Trainer, error) {
	path := filepath.Join(dir, LastFile)
	m, extra, err := rnn.Load(path)
	if err != nil {
		return nil, fmt.Errorf("train: resume: %w", err)
	}
	st, err := readState(extra)
	if err != nil {
		return nil, fmt.Errorf("train: resume from %s: %w", path, err)
	}
	opts.Seed, opts.EvalSeed = st.Seed, st.EvalSeed
	t, err := newTrainer(m, src, opts)
	if err != nil {
		return nil, err
	}
	if err := t.restore(st, extra); err != nil {
		return nil, fmt.Errorf("train: resume from %s: %w", path, err)
	}
	if err := t.checkRecorders(false); err != nil {
		return nil, err
	}
	return &Trainer{t: t}, nil
}

// Model is the model the trainer trains (for a resumed run, the one read
// from the checkpoint).
func (tr *Trainer) Model() *rnn.Model { return tr.t.m }

// Step is the number of steps already done (0 for a fresh run).
func (tr *Trainer) Step() int { return tr.t.step }

// Run trains; a Trainer runs once.
func (tr *Trainer) Run(ctx context.Context) (*Result, error) {
	if tr.used {
		return nil, errors.New("train: a Trainer runs once; make another")
	}
	tr.used = true
	return tr.t.run(ctx, tr.fresh)
}

// Checker is implemented by a Recorder that can check, before a run
// starts and before any recorder writes anything, that it will be able
// to start (History checks that a resumed run's history.csv reads back).
type Checker interface {
	Check(s Start) error
}

func (t *trainer) startInfo(fresh bool) Start {
	var m *Measure
	if t.opts.Score != nil {
		mm := t.opts.Measure
		m = &mm
	}
	return Start{Step: t.step, Steps: t.opts.Steps, Fresh: fresh, LossNames: t.names, Measure: m, Snapshot: Snapshot{t, t.wallBefore}}
}

func (t *trainer) checkRecorders(fresh bool) error {
	s := t.startInfo(fresh)
	for _, r := range t.recs {
		if c, ok := r.(Checker); ok {
			if err := c.Check(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// state is the trainer's part of a checkpoint (JSON in train_state_json).
type state struct {
	Version   int             `json:"version"`
	Step      int             `json:"step"`
	Stage     int             `json:"stage"`
	Seed      uint64          `json:"seed"`
	EvalSeed  uint64          `json:"eval_seed"`
	BatchSize int             `json:"batch_size"`
	Optimizer json.RawMessage `json:"optimizer"` // its JSON form; Resume reads the type
	LossNames []string        `json:"loss_names"`
	Best      *Eval           `json:"best"`
	WallNS    int64           `json:"wall_ns"`
	// Name is Options.Name ("" in checkpoints written before it existed).
	Name string `json:"name,omitempty"`
}

const stateArray = "train_state_json"

func readState(extra map[string]npz.Array) (*state, error) {
	a, ok := extra[stateArray]
	if !ok {
		return nil, fmt.Errorf("the checkpoint has no trainer state (array %q): it was not written by train", stateArray)
	}
	b, ok := a.Data.([]uint8)
	if !ok {
		return nil, fmt.Errorf("array %q holds %T, want uint8 JSON", stateArray, a.Data)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("array %q: %v", stateArray, err)
	}
	if st.Version != 1 {
		return nil, fmt.Errorf("trainer state version %d is not supported (want 1)", st.Version)
	}
	if st.Step < 0 {
		return nil, config.Errorf("%s: step = %d is not allowed: a checkpoint's step count is >= 0", stateArray, st.Step)
	}
	if st.WallNS < 0 {
		return nil, config.Errorf("%s: wall_ns = %d is not allowed: must be >= 0", stateArray, st.WallNS)
	}
	if st.BatchSize <= 0 {
		return nil, config.Errorf("%s: batch_size = %d is not allowed: must be > 0", stateArray, st.BatchSize)
	}
	if st.Best != nil && st.Best.MSE == 0 && st.Best.Trials == 0 {
		st.Best = nil
	}
	return &st, nil
}

// trainGraph is one compiled training graph for a batch shape.
type trainGraph struct {
	g     *rnn.Graph
	lg    *lossGraph
	vm    G.VM
	reach []bool
}

type evalGraph struct {
	g  *rnn.Graph
	vm G.VM
}

type shape struct{ b, t int }

type trainer struct {
	m      *rnn.Model
	opts   Options
	defs   []lossDef
	names  []string
	params []*rnn.Param
	opt    OptimizerState
	stages []Stage

	step, stage int
	best        *Eval
	wallBefore  time.Duration

	graphs     map[shape]*trainGraph
	graphOrder []shape
	evals      map[shape]*evalGraph
	evalSet    []*batch.Batch // for the current stage

	grads [][]float64
	block [2][1024]float64 // per-worker update blocks

	preNoise, postNoise float64
	noiseBufs           [2]noise
	float64             bool  // the model's dtype
	scratch             []any // new parameter values, same dtype as the parameters

	recs    []Recorder
	started int // recorders started (a prefix of recs)
}

// MaxGraphs is how many compiled graph shapes (trials × steps) a run keeps
// for training, and as many for evaluation; a source whose batches take
// more lengths than that rebuilds graphs as it goes.
const MaxGraphs = 8

const (
	streamBatch = 1
	streamNoise = 2
	streamEval  = 3
	maxGraphs   = MaxGraphs
)

func stepRNG(seed uint64, k int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(k)<<8|stream))
}

func newTrainer(m *rnn.Model, src Source, opts Options) (*trainer, error) {
	if m == nil {
		return nil, errors.New("train: nil model")
	}
	o := opts.WithDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	stages := o.Curriculum
	if len(stages) == 0 {
		if src == nil {
			return nil, errors.New("train: no source: give Run a Source or set Options.Curriculum")
		}
		stages = []Stage{{Name: "", Source: src}}
	}
	needsScore := o.Target != 0 || o.TargetAccuracy > 0
	for _, s := range o.Curriculum {
		needsScore = needsScore || s.Threshold != 0
	}
	if needsScore && o.Score == nil {
		return nil, errors.New("train: target, target_accuracy and curriculum thresholds need a score: set Options.Score")
	}
	dims := m.Dims()
	defs, err := parseLosses(o.Losses, dims[2])
	if err != nil {
		return nil, err
	}
	if m.Config().OutputActivation == rnn.OutputSigmoid {
		for i, d := range defs {
			if _, ce := d.loss.(CrossEntropy); ce {
				return nil, config.Errorf("train: losses[%d].type = \"cross_entropy\" is not allowed with model.output_activation \"sigmoid\": cross_entropy takes the outputs as logits (use \"linear\")", i)
			}
		}
	}
	t := &trainer{m: m, opts: o, defs: defs, stages: stages, params: m.Params(), recs: o.Recorders,
		graphs: map[shape]*trainGraph{}, evals: map[shape]*evalGraph{}}
	for _, d := range defs {
		t.names = append(t.names, d.name)
	}
	cfg := m.Config()
	t.preNoise, t.postNoise = cfg.PreactNoise, cfg.PostactNoise
	t.float64 = m.DType() == tensor.Float64
	var names []string
	var sizes []int
	for _, p := range t.params {
		n := p.Value.Shape().TotalSize()
		names = append(names, p.Name)
		sizes = append(sizes, n)
		t.grads = append(t.grads, make([]float64, n))
		switch p.Value.Data().(type) {
		case []float32:
			t.scratch = append(t.scratch, make([]float32, n))
		case []float64:
			t.scratch = append(t.scratch, make([]float64, n))
		default:
			return nil, fmt.Errorf("train: parameter %q holds %T; want float32 or float64", p.Name, p.Value.Data())
		}
		if p.Plasticity != nil && len(p.Plasticity) != n {
			return nil, fmt.Errorf("train: parameter %q has %d plasticity values for %d elements", p.Name, len(p.Plasticity), n)
		}
	}
	if t.opt, err = o.Optimizer.New(names, sizes); err != nil {
		return nil, err
	}
	if t.opt == nil {
		return nil, fmt.Errorf("train: optimizer %q: New returned no state", o.Optimizer.Type())
	}
	return t, nil
}

func (t *trainer) restore(st *state, extra map[string]npz.Array) error {
	if st.Name != "" && t.opts.Name != "" && st.Name != t.opts.Name {
		return fmt.Errorf("the checkpoint is of a run of %q, not %q: resume a run with its own config", st.Name, t.opts.Name)
	}
	if st.Step > t.opts.Steps {
		return config.Errorf("steps = %d is not allowed: the checkpoint has done %d steps already; give at least %d", t.opts.Steps, st.Step, st.Step)
	}
	if typ := optimizerType(st.Optimizer); typ != t.opts.Optimizer.Type() {
		return config.Errorf("optimizer.type = %q is not allowed: the checkpoint was trained with %q", t.opts.Optimizer.Type(), typ)
	}
	if fmt.Sprint(st.LossNames) != fmt.Sprint(t.names) {
		return fmt.Errorf("losses %v differ from the checkpoint's %v", t.names, st.LossNames)
	}
	if st.BatchSize != t.opts.BatchSize {
		return fmt.Errorf("batch_size = %d differs from the checkpoint's %d", t.opts.BatchSize, st.BatchSize)
	}
	if st.Stage < 0 || st.Stage >= len(t.stages) {
		return fmt.Errorf("the checkpoint is at curriculum stage %d but this run has %d stage(s)", st.Stage, len(t.stages))
	}
	if err := t.opt.Restore(optState(extra)); err != nil {
		return err
	}
	for _, p := range t.params {
		a, ok := extra[plasticityPrefix+p.Name]
		if !ok {
			continue
		}
		v, ok := a.Data.([]float64)
		if !ok || len(v) != p.Value.Shape().TotalSize() {
			return fmt.Errorf("array %q has the wrong type or size", plasticityPrefix+p.Name)
		}
		p.Plasticity = append([]float64(nil), v...)
	}
	t.step, t.stage, t.best = st.Step, st.Stage, st.Best
	t.wallBefore = time.Duration(st.WallNS)
	return nil
}

const plasticityPrefix = "train_plasticity_"

// optArrays turns optimiser state into checkpoint arrays (copies, named
// with optPrefix).
func optArrays(state []StateArray) []npz.Array {
	var out []npz.Array
	for _, a := range state {
		if a.Int64 != nil {
			out = append(out, npz.Array{Name: optPrefix + a.Name, Shape: []int{len(a.Int64)}, Data: append([]int64(nil), a.Int64...)})
		} else {
			out = append(out, npz.Array{Name: optPrefix + a.Name, Shape: []int{len(a.Float64)}, Data: append([]float64(nil), a.Float64...)})
		}
	}
	return out
}

// optState returns the optimiser arrays of a checkpoint, by the names the
// state gave them.
func optState(extra map[string]npz.Array) map[string]StateArray {
	out := map[string]StateArray{}
	for name, a := range extra {
		if n, ok := strings.CutPrefix(name, optPrefix); ok {
			s := StateArray{Name: n}
			switch d := a.Data.(type) {
			case []float64:
				s.Float64 = d
			case []int64:
				s.Int64 = d
			}
			out[n] = s
		}
	}
	return out
}

// extras returns the trainer state to store with the model.
func (t *trainer) extras(wall time.Duration) ([]npz.Array, error) {
	ob, err := marshalOptimizer(t.opts.Optimizer)
	if err != nil {
		return nil, err
	}
	st := state{Version: 1, Step: t.step, Stage: t.stage, Seed: t.opts.Seed, EvalSeed: t.opts.EvalSeed,
		BatchSize: t.opts.BatchSize, Optimizer: ob, LossNames: t.names, Best: t.best, WallNS: int64(wall), Name: t.opts.Name}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	out := []npz.Array{{Name: stateArray, Shape: []int{len(b)}, Data: b}}
	out = append(out, optArrays(t.opt.Save())...)
	for _, p := range t.params {
		if p.Plasticity != nil {
			out = append(out, npz.Array{Name: plasticityPrefix + p.Name, Shape: []int{len(p.Plasticity)}, Data: append([]float64(nil), p.Plasticity...)})
		}
	}
	return out, nil
}

// graph returns the compiled training graph for batches of b trials and s
// steps, building it on first use. Up to maxGraphs shapes are kept, the
// oldest dropped first. (Padding every batch to one fixed length would also
// work for the masked losses, but it costs the longest length's compute on
// every batch and would let padded steps into the rate and state losses, so
// dale compiles one graph per length instead.)
func (t *trainer) graph(b, s int) (*trainGraph, error) {
	k := shape{b, s}
	if tg, ok := t.graphs[k]; ok {
		return tg, nil
	}
	g, err := t.m.Build(b, s, rnn.Train)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	lg, err := buildLosses(g.G, lossNodes{Outputs: g.Outputs, Rates: g.Rates, WIn: g.WInEff, WRec: g.WRecEff, WOut: g.WOutEff}, t.defs, b, s)
	if err != nil {
		return nil, err
	}
	reach := reachable(g.G, lg.total, g.ParamNodes)
	var wrt []*G.Node
	for i, ok := range reach {
		if ok {
			wrt = append(wrt, g.ParamNodes[i])
		}
	}
	if len(wrt) > 0 {
		if _, err := G.Grad(lg.total, wrt...); err != nil {
			return nil, fmt.Errorf("train: gradient graph: %w", err)
		}
	}
	tg := &trainGraph{g: g, lg: lg, vm: G.NewTapeMachine(g.G, G.BindDualValues(wrt...)), reach: reach}
	if len(t.graphOrder) >= maxGraphs {
		old := t.graphOrder[0]
		t.graphOrder = t.graphOrder[1:]
		t.graphs[old].vm.Close()
		delete(t.graphs, old)
	}
	t.graphs[k] = tg
	t.graphOrder = append(t.graphOrder, k)
	return tg, nil
}

func (t *trainer) close() {
	for _, g := range t.graphs {
		g.vm.Close()
	}
	for _, g := range t.evals {
		g.vm.Close()
	}
}

// fetch is a batch request to the prefetching goroutine.
type fetch struct {
	k     int
	stage int
	src   Source
	reply chan fetched
}

type fetched struct {
	k, stage int
	b        *batch.Batch
	noise    *noise
	err      error
}

// noise holds the pre- and post-activation noise of one step, drawn ahead on
// the prefetching goroutine with exactly the draws rnn.Graph.SetInputs
// would make (B·T·N normal draws × preact_noise for ξ, then B·T·N ×
// postact_noise for η, from the step's noise generator), so that prefetching
// changes nothing. Two buffers alternate between steps.
type noise struct {
	xi, eta   any           // []float32 or []float64, the model's dtype; nil = none
	xiT, etaT *tensor.Dense // the same, shaped [B,T,N], bound to the graph's leaves
}

// drawNoise fills nz with step k's noise for a batch of b trials and s
// steps; it returns nil when the model has no noise.
func (t *trainer) drawNoise(k, b, s int, nz *noise) *noise {
	if t.preNoise == 0 && t.postNoise == 0 {
		return nil
	}
	rng := stepRNG(t.opts.Seed, k, streamNoise)
	n := b * s * t.m.Dims()[1]
	fill := func(buf any, sd float64) any {
		if sd == 0 {
			return nil
		}
		if t.float64 {
			d, _ := buf.([]float64)
			if cap(d) < n {
				d = make([]float64, n)
			}
			d = d[:n]
			for i := range d {
				d[i] = rng.NormFloat64() * sd
			}
			return d
		}
		d, _ := buf.([]float32)
		if cap(d) < n {
			d = make([]float32, n)
		}
		d = d[:n]
		for i := range d {
			d[i] = float32(rng.NormFloat64() * sd)
		}
		return d
	}
	nz.xi = fill(nz.xi, t.preNoise)
	nz.eta = fill(nz.eta, t.postNoise)
	wrap := func(d any) *tensor.Dense {
		if d == nil {
			return nil
		}
		return tensor.New(tensor.WithShape(b, s, n/(b*s)), tensor.WithBacking(d))
	}
	nz.xiT, nz.etaT = wrap(nz.xi), wrap(nz.eta)
	return nz
}

func (t *trainer) sample(src Source, k int) (*batch.Batch, error) {
	b, err := src.Sample(stepRNG(t.opts.Seed, k, streamBatch), t.opts.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("train: step %d: batch: %w", k+1, err)
	}
	return b, t.checkBatch(b, t.opts.BatchSize, fmt.Sprintf("step %d", k+1))
}

func (t *trainer) checkBatch(b *batch.Batch, size int, where string) error {
	if err := b.Validate(); err != nil {
		return fmt.Errorf("train: %s: %w", where, err)
	}
	d := t.m.Dims()
	if b.Size != size || b.In != d[0] || b.Out != d[2] {
		return fmt.Errorf("train: %s: the source gave a batch of %d trials with %d inputs and %d outputs; want %d trials and the model's %d inputs and %d outputs",
			where, b.Size, b.In, b.Out, size, d[0], d[2])
	}
	return nil
}

func (t *trainer) run(ctx context.Context, fresh bool) (res *Result, err error) {
	defer t.close()
	start := time.Now()
	wall := func() time.Duration { return t.wallBefore + time.Since(start) }
	res = &Result{LossNames: t.names, Best: t.best}
	if t.opts.Score != nil {
		m := t.opts.Measure
		res.Measure = &m
	}
	fail := func(e error) (*Result, error) {
		res.Status, res.Error = Failed, e.Error()
		res.Step, res.Stage, res.Best = t.step, t.stage, t.best
		res.Wall = wall()
		t.finishRecorders(Finish{Result: res, Snapshot: Snapshot{t, res.Wall}})
		return res, e
	}
	if err := t.startRecorders(fresh); err != nil {
		return fail(err)
	}
	pf := t.startPrefetch()
	defer pf.stop()

	lastEval := -1
	status := StepLimit
	var rec Record
	// Evaluation trials are drawn while no batch is being prefetched.
	if err := t.prepareEval(); err != nil {
		return fail(err)
	}
	if t.step < t.opts.Steps && ctx.Err() == nil {
		pf.request(t.step)
	}
	for t.step < t.opts.Steps {
		if ctx.Err() != nil {
			status = Interrupted
			break
		}
		k := t.step
		t0 := time.Now()
		f, err := t.nextBatch(pf, k)
		if err != nil {
			return fail(err)
		}
		var graphTime time.Duration
		built := res.Timing.Build
		rec, graphTime, err = t.trainStep(k, f.b, f.noise, &res.Timing)
		t0 = t0.Add(res.Timing.Build - built) // compiling a graph is not part of the step
		if err != nil {
			return fail(err)
		}
		t.step = k + 1
		rec.Wall = wall()
		rec.Step, rec.Stage = t.step, t.stage
		rec.Checkpoint = t.opts.CheckpointEvery > 0 && t.step%t.opts.CheckpointEvery == 0 && t.step < t.opts.Steps
		if t.opts.EvalEvery > 0 && t.step%t.opts.EvalEvery == 0 {
			res.Timing.Step += time.Since(t0)
			res.Timing.Graph += graphTime
			res.Timing.Steps++
			te := time.Now()
			converged, err := t.evalStep(res, &rec, pf)
			if err != nil {
				return fail(err)
			}
			lastEval = t.step
			res.Timing.Eval += time.Since(te)
			if converged {
				status = Converged
				rec.Checkpoint = false // the end writes it
			}
			t0 = time.Now()
		}
		rec.Snapshot = Snapshot{t, rec.Wall}
		tr := time.Now()
		if err := t.record(rec); err != nil {
			return fail(err)
		}
		// Writing checkpoints (last.npz, best.npz) is timed apart from the
		// step.
		if rec.Checkpoint || rec.Best {
			res.Timing.Checkpoint += time.Since(tr)
			t0 = t0.Add(time.Since(tr))
		}
		res.Timing.Step += time.Since(t0)
		if rec.Eval == nil {
			res.Timing.Graph += graphTime
			res.Timing.Steps++
		}
		if status == Converged {
			break
		}
	}
	if ctx.Err() != nil && status == StepLimit && t.step < t.opts.Steps {
		status = Interrupted
	}
	fin, err := t.finalEval(status, lastEval)
	if err != nil {
		return fail(err)
	}
	if fin.Eval != nil {
		res.Eval = fin.Eval
	}
	res.Status, res.Step, res.Stage = status, t.step, t.stage
	res.Losses, res.Loss, res.Best = rec.Losses, rec.Total, t.best
	res.Wall = wall()
	if el := time.Since(start).Seconds(); el > 0 {
		res.StepsPerSecond = float64(res.Timing.Steps) / el
	}
	fin.Result, fin.Snapshot = res, Snapshot{t, res.Wall}
	tc := time.Now()
	if err := t.finishRecorders(fin); err != nil {
		res.Status, res.Error = Failed, err.Error()
		return res, err
	}
	res.Timing.Checkpoint += time.Since(tc)
	return res, nil
}

// startRecorders starts the recorders in order; after an error the ones
// started are finished by fail.
func (t *trainer) startRecorders(fresh bool) error {
	s := t.startInfo(fresh)
	for _, r := range t.recs {
		if st, ok := r.(Starter); ok {
			if err := st.Start(s); err != nil {
				return err
			}
		}
		t.started++
	}
	return nil
}

// finishRecorders finishes every started recorder and returns the first
// error.
func (t *trainer) finishRecorders(f Finish) error {
	var first error
	for _, r := range t.recs[:t.started] {
		if fi, ok := r.(Finisher); ok {
			if err := fi.Finish(f); err != nil && first == nil {
				first = err
			}
		}
	}
	t.started = 0
	return first
}

// prefetcher draws the next step's batch and noise on a goroutine of its
// own: one request in flight at a time, so the Source is never called
// concurrently.
type prefetcher struct {
	t       *trainer
	reqs    chan fetch
	pending chan fetched
}

func (t *trainer) startPrefetch() *prefetcher {
	pf := &prefetcher{t: t, reqs: make(chan fetch)}
	go func() {
		for r := range pf.reqs {
			b, err := t.sample(r.src, r.k)
			f := fetched{k: r.k, stage: r.stage, b: b, err: err}
			if err == nil {
				f.noise = t.drawNoise(r.k, b.Size, b.Steps, &t.noiseBufs[r.k%2])
			}
			r.reply <- f
		}
	}()
	return pf
}

// request asks for step k's batch of the current stage.
func (pf *prefetcher) request(k int) {
	pf.pending = make(chan fetched, 1)
	pf.reqs <- fetch{k: k, stage: pf.t.stage, src: pf.t.stages[pf.t.stage].Source, reply: pf.pending}
}

// receive waits for the batch requested last.
func (pf *prefetcher) receive() fetched {
	f := <-pf.pending
	pf.pending = nil
	return f
}

// stop waits for a request in flight and ends the goroutine.
func (pf *prefetcher) stop() {
	if pf.pending != nil {
		<-pf.pending
	}
	close(pf.reqs)
}

// nextBatch returns step k's batch and noise (drawn again here if the stage
// changed after the request) and asks for step k+1's.
func (t *trainer) nextBatch(pf *prefetcher, k int) (fetched, error) {
	f := pf.receive()
	if f.err == nil && (f.k != k || f.stage != t.stage) { // stage changed after the request
		f.b, f.err = t.sample(t.stages[t.stage].Source, k)
		if f.err == nil {
			f.noise = t.drawNoise(k, f.b.Size, f.b.Steps, &t.noiseBufs[k%2])
		}
	}
	if f.err != nil {
		return f, f.err
	}
	if k+1 < t.opts.Steps {
		pf.request(k + 1)
	}
	return f, nil
}

// evalStep evaluates after a step: it records the evaluation in rec and
// res, marks rec.Best when it is the best so far, and moves the curriculum
// on when its threshold is reached. It reports whether the last stage's
// target is reached (the run has converged).
func (t *trainer) evalStep(res *Result, rec *Record, pf *prefetcher) (bool, error) {
	ev, err := t.evaluate()
	if err != nil {
		return false, err
	}
	rec.Eval = ev
	res.Eval = ev
	rec.Best = t.considerBest(ev)
	thr := t.threshold()
	if thr == 0 || !t.opts.Measure.reached(ev.Value, thr) {
		return false, nil
	}
	if t.stage+1 == len(t.stages) {
		return true, nil
	}
	t.stage++
	// best.npz is the best model on the latest stage: an easier stage's
	// scores do not compete with it.
	t.best = nil
	t.evalSet = nil
	hadPending := pf.pending != nil
	if hadPending { // the prefetched batch is for the old stage
		pf.receive()
	}
	if err := t.prepareEval(); err != nil {
		return false, err
	}
	if hadPending {
		pf.request(t.step)
	}
	return false, nil
}

// finalEval makes the final evaluation (not on interruption; it never
// changes the stage, so that a run stopped here and resumed matches an
// uninterrupted one), when the last step was not an evaluation step.
func (t *trainer) finalEval(status Status, lastEval int) (Finish, error) {
	if status == Interrupted || t.opts.EvalEvery <= 0 || lastEval == t.step || t.step == 0 {
		return Finish{}, nil
	}
	ev, err := t.evaluate()
	if err != nil {
		return Finish{}, err
	}
	return Finish{Eval: ev, Best: t.considerBest(ev)}, nil
}

// threshold is the value of the measure that completes the current stage
// (0: none).
func (t *trainer) threshold() float64 {
	thr := t.stages[t.stage].Threshold
	if t.stage == len(t.stages)-1 && thr == 0 {
		thr = t.opts.Target
		if thr == 0 {
			thr = t.opts.TargetAccuracy
		}
	}
	return thr
}

func (t *trainer) record(rec Record) error {
	for _, r := range t.recs {
		if err := r.Record(rec); err != nil {
			return fmt.Errorf("train: step %d: recorder: %w", rec.Step, err)
		}
	}
	return nil
}

// considerBest reports whether ev beats the best evaluation so far on the
// current curriculum stage, and makes it the best if so: a better value of
// the run's measure, in its direction, or (equal values, no score, or a
// best of another measure) a lower MSE.
func (t *trainer) considerBest(ev *Eval) bool {
	b := t.best
	better := b == nil
	if !better {
		switch {
		case ev.Measure != "" && b.Measure == ev.Measure && !math.IsNaN(ev.Value) && !math.IsNaN(b.Value) && ev.Value != b.Value:
			better = t.opts.Measure.better(ev.Value, b.Value)
		default:
			better = ev.MSE < b.MSE
		}
	}
	if better {
		e := *ev
		t.best = &e
	}
	return better
}

// trainStep runs one training step on batch bt and updates the parameters.
//
// nz is the step's noise drawn ahead (see drawNoise); nil makes the graph
// draw it itself through SetInputs (same values).
func (t *trainer) trainStep(k int, bt *batch.Batch, nz *noise, tm *Timing) (Record, time.Duration, error) {
	rec := Record{LossNames: t.names}
	tb := time.Now()
	tg, err := t.graph(bt.Size, bt.Steps)
	if err != nil {
		return rec, 0, err
	}
	tm.Build += time.Since(tb)
	if err := t.setInputs(tg.g, bt, k, nz); err != nil {
		return rec, 0, fmt.Errorf("train: step %d: %w", k+1, err)
	}
	for _, f := range tg.lg.fills {
		f(bt)
	}
	lr := t.opts.Schedule.rate(t.opts.Optimizer.LearningRate(), k, t.opts.Steps)
	rec.LR = lr
	tr := time.Now()
	err = tg.vm.RunAll()
	graphTime := time.Since(tr)
	tg.vm.Reset()
	if err != nil {
		return rec, graphTime, fmt.Errorf("train: step %d: graph: %w", k+1, err)
	}
	rec.Losses = make([]float64, len(t.names))
	for i, n := range tg.lg.terms {
		v, err := scalarOf(n)
		if err != nil {
			return rec, graphTime, fmt.Errorf("train: step %d: loss %q: %w", k+1, t.names[i], err)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return rec, graphTime, &NonFiniteError{Step: k + 1, Kind: "loss", Name: t.names[i], Value: v, LR: lr}
		}
		rec.Losses[i] = v
		rec.Total += t.defs[i].lambda * v
	}
	// Gradients: copy out (float64), zero the dual values (the machine adds
	// into them), check finiteness, global norm.
	var sq float64
	for i, p := range t.params {
		g := t.grads[i]
		if !tg.reach[i] {
			clear(g)
			continue
		}
		dv, err := tg.g.ParamNodes[i].Grad()
		if err != nil {
			return rec, graphTime, fmt.Errorf("train: step %d: gradient of %q: %w", k+1, p.Name, err)
		}
		gt, ok := dv.(*tensor.Dense)
		if !ok {
			return rec, graphTime, fmt.Errorf("train: step %d: gradient of %q is a %T", k+1, p.Name, dv)
		}
		data := gt.Data()
		if len(g) < parallelMin {
			s, ok := readGrad(data, g)
			if !ok {
				return rec, graphTime, fmt.Errorf("train: step %d: gradient of %q holds %T", k+1, p.Name, data)
			}
			sq += s
		} else {
			// Two halves, summed in a fixed order whatever runs them.
			var wg sync.WaitGroup
			var s2 float64
			h := len(g) / 2
			wg.Go(func() { s2, _ = readGrad(sliceAny(data, h, len(g)), g[h:]) })
			s1, ok := readGrad(sliceAny(data, 0, h), g[:h])
			wg.Wait()
			if !ok {
				return rec, graphTime, fmt.Errorf("train: step %d: gradient of %q holds %T", k+1, p.Name, data)
			}
			sq += s1 + s2
		}
		if math.IsNaN(sq) || math.IsInf(sq, 0) {
			for _, x := range g {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return rec, graphTime, &NonFiniteError{Step: k + 1, Kind: "gradient", Name: p.Name, Value: x, LR: lr}
				}
			}
			return rec, graphTime, &NonFiniteError{Step: k + 1, Kind: "gradient", Name: p.Name, Value: math.Inf(1), LR: lr}
		}
	}
	norm := math.Sqrt(sq)
	rec.GradNorm = norm
	scale := 1.0
	if c := t.opts.ClipNorm; c > 0 && norm > c {
		scale = c / (norm + 1e-6)
	}
	// Updates: Δ from the optimiser, scaled by plasticity, checked into a
	// scratch copy, then copied in (so a non-finite result changes nothing).
	t.opt.Begin()
	if i, v, ok := t.update(scale, lr); !ok {
		return rec, graphTime, &NonFiniteError{Step: k + 1, Kind: "parameter", Name: t.params[i].Name, Value: v, LR: lr}
	}
	for i, p := range t.params {
		switch w := p.Value.Data().(type) {
		case []float32:
			copy(w, t.scratch[i].([]float32))
			if p.Name == rnn.NameAlpha {
				clampAlpha(w)
			}
		case []float64:
			copy(w, t.scratch[i].([]float64))
			if p.Name == rnn.NameAlpha {
				clampAlpha(w)
			}
		}
	}
	return rec, graphTime, nil
}

// MinAlpha is the smallest leak a learned alpha is kept at (tau = dt/alpha
// at most 1000 dt); the largest is 1 (tau = dt). After every update the
// trainer projects learned alphas into [MinAlpha, 1]: alpha = dt/tau must
// stay in (0, 1] for the dynamics to be a leaky integration (alpha > 1
// overshoots, alpha <= 0 never forgets or grows).
const MinAlpha = 1e-3

func clampAlpha[T float32 | float64](a []T) {
	for j, v := range a {
		a[j] = min(max(v, T(MinAlpha)), 1)
	}
}

// setInputs sets the graph's inputs and noise for step k: with SetInputs
// when nz is nil, else by binding the noise drawn ahead to the noise leaves
// (no copy: the tape machine reads a leaf's bound value at every run) and
// copying the inputs into the input leaf in place, as SetInputs does.
func (t *trainer) setInputs(g *rnn.Graph, bt *batch.Batch, k int, nz *noise) error {
	if nz == nil {
		return g.SetInputs(bt.Inputs, stepRNG(t.opts.Seed, k, streamNoise))
	}
	v, ok := g.Inputs.Value().(*tensor.Dense)
	if !ok || v.Shape().TotalSize() != len(bt.Inputs) {
		return fmt.Errorf("input leaf holds %T of the wrong size", g.Inputs.Value())
	}
	switch d := v.Data().(type) {
	case []float32:
		copy(d, bt.Inputs)
	case []float64:
		for i, x := range bt.Inputs {
			d[i] = float64(x)
		}
	}
	for _, l := range []struct {
		n *G.Node
		v *tensor.Dense
	}{{g.PreNoise, nz.xiT}, {g.PostNoise, nz.etaT}} {
		if (l.n == nil) != (l.v == nil) {
			return fmt.Errorf("noise leaves and noise drawn do not match (preact_noise %v, postact_noise %v)", t.preNoise, t.postNoise)
		}
		if l.n != nil {
			if err := G.Let(l.n, l.v); err != nil {
				return fmt.Errorf("noise leaf %s: %w", l.n.Name(), err)
			}
		}
	}
	return nil
}

// readGrad copies a gradient (float32 or float64 data) into g, zeroes it
// (the machine adds into it) and returns the sum of squares.
func readGrad(data any, g []float64) (float64, bool) {
	var sq float64
	switch d := data.(type) {
	case []float32:
		for j, x := range d[:len(g)] {
			y := float64(x)
			g[j] = y
			sq += y * y
		}
		clear(d)
	case []float64:
		for j, y := range d[:len(g)] {
			g[j] = y
			sq += y * y
		}
		clear(d)
	default:
		return 0, false
	}
	return sq, true
}

func sliceAny(data any, lo, hi int) any {
	switch d := data.(type) {
	case []float32:
		return d[lo:hi]
	case []float64:
		return d[lo:hi]
	}
	return data
}

// parallelMin is the size from which a parameter's update is split in two
// halves, one on another goroutine (the graph's BLAS threads are idle
// then). Elements are independent, so the split does not change results.
const parallelMin = 1 << 14

// update computes every parameter's new values into t.scratch: the
// optimiser's Δ from the gradient scaled by scale, times plasticity. It
// reports the parameter and value of a non-finite result.
func (t *trainer) update(scale, lr float64) (int, float64, bool) {
	// one updates elements [lo, hi) of parameter i in blocks that stay in
	// cache between the optimiser and the apply; worker w has its own block.
	one := func(worker, i, lo, hi int) (float64, bool) {
		p := t.params[i]
		blk := t.block[worker][:]
		data := p.Value.Data()
		for b := lo; b < hi; b += len(blk) {
			e := min(b+len(blk), hi)
			d := blk[:e-b]
			t.opt.Update(i, b, t.grads[i][b:e], scale, lr, d)
			var pl []float64
			if p.Plasticity != nil {
				pl = p.Plasticity[b:e]
			}
			var w, dst any
			switch x := data.(type) {
			case []float32:
				w, dst = x[b:e], t.scratch[i].([]float32)[b:e]
			case []float64:
				w, dst = x[b:e], t.scratch[i].([]float64)[b:e]
			}
			if _, v, ok := applyUpdate(w, d, pl, dst); !ok {
				return v, false
			}
		}
		return 0, true
	}
	for i := range t.params {
		n := len(t.grads[i])
		if n < parallelMin {
			if v, ok := one(0, i, 0, n); !ok {
				return i, v, false
			}
			continue
		}
		var wg sync.WaitGroup
		var v2 float64
		ok2 := true
		wg.Go(func() { v2, ok2 = one(1, i, n/2, n) })
		v, ok := one(0, i, 0, n/2)
		wg.Wait()
		if !ok {
			return i, v, false
		}
		if !ok2 {
			return i, v2, false
		}
	}
	return 0, 0, true
}

// applyUpdate writes w + p·Δ (w where p = 0, exactly) into dst and reports
// the first non-finite result.
func applyUpdate(w any, delta, pl []float64, dst any) (int, float64, bool) {
	switch w := w.(type) {
	case []float32:
		d := dst.([]float32)
		for j, x := range delta {
			if pl != nil {
				if pl[j] == 0 {
					d[j] = w[j]
					continue
				}
				x *= pl[j]
			}
			nv := float32(float64(w[j]) + x)
			if nv-nv != 0 { // NaN or ±Inf
				return j, float64(nv), false
			}
			d[j] = nv
		}
	case []float64:
		d := dst.([]float64)
		for j, x := range delta {
			if pl != nil {
				if pl[j] == 0 {
					d[j] = w[j]
					continue
				}
				x *= pl[j]
			}
			nv := w[j] + x
			if nv-nv != 0 {
				return j, nv, false
			}
			d[j] = nv
		}
	}
	return 0, 0, true
}

func scalarOf(n *G.Node) (float64, error) {
	v := n.Value()
	if v == nil {
		return 0, errors.New("no value")
	}
	switch d := v.Data().(type) {
	case float32:
		return float64(d), nil
	case float64:
		return d, nil
	case []float32:
		if len(d) == 1 {
			return float64(d[0]), nil
		}
	case []float64:
		if len(d) == 1 {
			return d[0], nil
		}
	}
	return 0, fmt.Errorf("value %v is not a scalar", v)
}

// evaluate runs the model in Eval mode on the held-out trials of the
// current stage and scores them.
func (t *trainer) evaluate() (*Eval, error) {
	if err := t.prepareEval(); err != nil {
		return nil, err
	}
	ev := &Eval{Step: t.step, Accuracy: math.NaN(), Value: math.NaN()}
	var se, sw float64
	outs := make([][]float32, len(t.evalSet))
	for j, b := range t.evalSet {
		out, err := t.forward(b)
		if err != nil {
			return nil, fmt.Errorf("train: evaluation batch %d: %w", j, err)
		}
		for i, y := range out {
			d := float64(y) - float64(b.Targets[i])
			se += float64(b.Mask[i]) * d * d
			sw += float64(b.Mask[i])
		}
		outs[j] = out
		ev.Trials += b.Size
	}
	if sw > 0 {
		ev.MSE = se / sw
	}
	if t.opts.Score != nil && ev.Trials > 0 {
		v, err := t.opts.Score(t.evalSet, outs)
		if err != nil {
			return nil, fmt.Errorf("train: evaluation: score: %w", err)
		}
		if math.IsNaN(v) {
			return nil, fmt.Errorf("train: evaluation: score: the %s is NaN", t.opts.Measure.Name)
		}
		ev.Measure, ev.Value = t.opts.Measure.Name, v
		if ev.Measure == AccuracyMeasure.Name {
			ev.Accuracy = v
		}
	}
	return ev, nil
}

// prepareEval draws the current stage's evaluation trials (once per stage;
// the caller makes sure no Sample call is in flight).
func (t *trainer) prepareEval() error {
	if t.evalSet != nil || t.opts.EvalEvery < 0 {
		return nil
	}
	bs, err := EvalBatches(t.stages[t.stage].Source, t.opts.EvalSeed, t.opts.EvalTrials, t.opts.BatchSize)
	if err != nil {
		return err
	}
	for j, b := range bs {
		if err := t.checkBatch(b, min(t.opts.BatchSize, t.opts.EvalTrials-j*t.opts.BatchSize), fmt.Sprintf("evaluation batch %d", j)); err != nil {
			return err
		}
	}
	t.evalSet = bs
	return nil
}

// forward runs a cached Eval-mode graph on b and returns the outputs.
func (t *trainer) forward(b *batch.Batch) ([]float32, error) {
	k := shape{b.Size, b.Steps}
	eg, ok := t.evals[k]
	if !ok {
		g, err := t.m.Build(b.Size, b.Steps, rnn.Eval)
		if err != nil {
			return nil, err
		}
		eg = &evalGraph{g: g, vm: G.NewTapeMachine(g.G)}
		if len(t.evals) >= maxGraphs {
			for s, old := range t.evals {
				old.vm.Close()
				delete(t.evals, s)
				break
			}
		}
		t.evals[k] = eg
	}
	if err := eg.g.SetInputs(b.Inputs, nil); err != nil {
		return nil, err
	}
	err := eg.vm.RunAll()
	eg.vm.Reset()
	if err != nil {
		return nil, err
	}
	return rnn.Float32s(eg.g.Outputs)
}
