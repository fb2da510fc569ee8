package benchmarks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/internal/blas"
	"github.com/dale-rnn/dale/mask"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/train"
)

// Case is one measured configuration: the model of config R (relu, dt 10,
// tau 100, no noise, float32, MultiAreaEI mask dims [In, N, Out], 2 areas,
// connectivities [0.1, 0.1], exc_pct 0.8, inter_area [true, false, true,
// false]) at a given size, engine, masking and BLAS.
type Case struct {
	Name   string `json:"name"`
	In     int    `json:"in"`
	N      int    `json:"n"`
	Out    int    `json:"out"`
	Batch  int    `json:"batch"`
	Steps  int    `json:"steps"`
	Engine string `json:"engine"` // "fused" or "unrolled"
	Masked bool   `json:"masked"` // MultiAreaEI signed masks with Dale; false: the same network (the masked model's effective weights as raw weights) without mask operations
	BLAS   string `json:"blas"`   // "go" or "openblas"
}

// R returns config R (performance.md) for an engine, masking and BLAS.
func R(engine string, masked bool, blasName string) Case {
	return Case{Name: "R", In: 4, N: 256, Out: 2, Batch: 64, Steps: 100, Engine: engine, Masked: masked, BLAS: blasName}
}

// Label is a short description of the case.
func (c Case) Label() string {
	m := "unmasked"
	if c.Masked {
		m = "masked"
	}
	return fmt.Sprintf("%s N=%d B=%d T=%d %s %s %s", c.Name, c.N, c.Batch, c.Steps, c.Engine, m, c.BLAS)
}

// FLOPs is the nominal floating-point work of one training step: every
// product of the forward pass (input drive, recurrence, readout: 2·B·T·N·
// (In + N + Out)) done three times (forward, gradient of the activity,
// gradient of the weights). Elementwise work is not counted.
func (c Case) FLOPs() float64 {
	return 6 * float64(c.Batch) * float64(c.Steps) * float64(c.N) * float64(c.In+c.N+c.Out)
}

// Result is one measured case.
type Result struct {
	Case
	MsPerStep    float64 `json:"ms_per_step"`       // median over the measured steps
	MinMs        float64 `json:"min_ms"`            // fastest step
	GFLOPS       float64 `json:"gflops"`            // FLOPs / median step time
	Measured     int     `json:"measured_steps"`    // training steps timed
	SetupMs      float64 `json:"setup_ms"`          // building the model, and train's build + compile of its training graph (train.Timing.Build)
	PeakHeapMB   float64 `json:"peak_heap_mb"`      // largest heap (live objects and garbage not yet collected) seen while building and warming up, sampled every 2 ms
	LiveHeapMB   float64 `json:"live_heap_mb"`      // heap in use after this case's warm-up and a GC, whole process (earlier cases of a group and gorgonia's tensor pools included)
	AllocMBStep  float64 `json:"alloc_mb_per_step"` // bytes allocated per step
	PeakRSSMB    float64 `json:"peak_rss_mb"`       // the process's peak resident set during this case (Linux VmHWM, reset before the case; 0 elsewhere)
	BLASReason   string  `json:"blas_reason"`
	GoMaxProcs   int     `json:"gomaxprocs"`
	FirstLossVal float64 `json:"first_loss"` // loss of the first step (sanity)
	LastLossVal  float64 `json:"last_loss"`  // loss of the last step
}

// MaskR builds config R's signed mask at dims [in, n, out].
func MaskR(in, n, out int, seed uint64) (rnn.Masks, error) {
	cfg := mask.MultiAreaEIConfig{
		MultiAreaConfig: mask.MultiAreaConfig{
			Dims:               [3]int{in, n, out},
			NAreas:             2,
			AreaConnectivities: []float64{0.1, 0.1},
			Seed:               seed,
		},
		InterAreaConnections: &[4]bool{true, false, true, false},
	}
	m, err := mask.NewMultiAreaEI(cfg)
	if err != nil {
		return rnn.Masks{}, err
	}
	i, h, o := m.Masks()
	return rnn.MasksOf(i.Data, h.Data, o.Data), nil
}

// NewModel builds c's model: config R's network at c's size and engine,
// with config R's signed mask and Dale's law when c.Masked, else the same
// network (the masked model's effective weights as raw weights, no masks,
// Dale off). It switches the process's BLAS (internal/blas and gorgonia's)
// to c.BLAS.
func NewModel(c Case) (*rnn.Model, error) {
	if err := blas.Set(c.BLAS); err != nil {
		return nil, err
	}
	if blas.Name() != c.BLAS {
		return nil, fmt.Errorf("benchmarks: BLAS %q requested but %q is in use (%s)", c.BLAS, blas.Name(), blas.Reason())
	}
	blas.UseInGorgonia()
	cfg := rnn.DefaultConfig()
	cfg.Dims = []int{c.In, c.N, c.Out}
	cfg.Activation = rnn.ReLU
	cfg.Dt, cfg.Tau = 10, rnn.Floats{100}
	cfg.Engine = c.Engine
	cfg.Seed = 1
	ms, err := MaskR(c.In, c.N, c.Out, 1)
	if err != nil {
		return nil, err
	}
	masked := cfg
	masked.Masks = ms
	m, err := rnn.New(masked, nil)
	if err != nil {
		return nil, err
	}
	if !c.Masked {
		// Both models start from the same forward pass, so their step
		// times differ by the masking alone.
		ei, er, eo := m.Effective()
		if m, err = rnn.New(cfg, nil); err != nil {
			return nil, err
		}
		for i, e := range []*tensor.Dense{ei, er, eo} {
			copy(m.Params()[i].Value.Data().([]float32), e.Data().([]float32))
		}
	}
	return m, nil
}

// Source is the fixed synthetic task of a case: every Sample returns the
// same batch of c.Batch trials of c.Steps steps, with normal inputs (sd 1)
// and targets (sd 0.5) drawn once, and a loss mask that judges the second
// half of each trial. Sampling costs nothing, so a measured step is the
// trainer's alone.
type Source struct{ b *batch.Batch }

// NewSource returns c's Source.
func NewSource(c Case) *Source {
	b, err := batch.New(c.Batch, c.Steps, c.In, c.Out)
	if err != nil {
		panic(err) // a Case of non-positive shape is a programming error
	}
	rng := rand.New(rand.NewPCG(2, 3))
	for i := range b.Inputs {
		b.Inputs[i] = float32(rng.NormFloat64())
	}
	for i := range b.Targets {
		b.Targets[i] = float32(rng.NormFloat64() * 0.5)
		if t := (i / c.Out) % c.Steps; t >= c.Steps/2 {
			b.Mask[i] = 1
		}
	}
	return &Source{b: b}
}

// Sample returns the source's batch; size must be its number of trials.
func (s *Source) Sample(_ *rand.Rand, size int) (*batch.Batch, error) {
	if size != s.b.Size {
		return nil, fmt.Errorf("benchmarks: a batch of %d trials was asked of a source of %d", size, s.b.Size)
	}
	return s.b, nil
}

// TrainOptions are the options of a measured run of c: steps training
// steps of batch c.Batch with train's defaults (Adam at 1e-3, gradient
// clipping at norm 1, masked MSE, constant learning rate), no evaluation,
// no run directory, no checkpoints, no progress output, rec seeing every
// step.
func TrainOptions(c Case, steps int, rec train.Recorder) train.Options {
	return train.Options{Steps: steps, BatchSize: c.Batch, Seed: 1, EvalEvery: -1, CheckpointEvery: -1, Recorders: []train.Recorder{rec}}
}

// Options bound how long one case is measured.
type Options struct {
	Warmup   int           // untimed steps after the first (which builds and compiles the graph) (default 2)
	MinSteps int           // timed steps at least (default 5)
	MaxSteps int           // timed steps at most (default 30)
	MinTime  time.Duration // keep stepping until this much time is spent, within the bounds (default 2 s)
}

func (o Options) withDefaults() Options {
	if o.Warmup <= 0 {
		o.Warmup = 2
	}
	if o.MinSteps <= 0 {
		o.MinSteps = 5
	}
	if o.MaxSteps < o.MinSteps {
		o.MaxSteps = max(30, o.MinSteps)
	}
	if o.MinTime <= 0 {
		o.MinTime = 2 * time.Second
	}
	return o
}

// Measure builds the case and times training steps.
func Measure(c Case, o Options) (Result, error) {
	rs, err := MeasureGroup([]Case{c}, o)
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

// stepped is what a runner's recorder reports after each step.
type stepped struct {
	ms   float64 // the step's wall time
	loss float64 // its total loss (train.Record.Total)
}

type runEnd struct {
	res *train.Result
	err error
}

// runner is one case's train.Run on a goroutine of its own that steps only
// when it is given a turn: after every step its recorder reports the step
// on done and waits on turn, so that the caller decides which case steps
// next. A step's time runs from the moment the run got its turn to the
// moment it records the step: the whole of train's step (taking the
// prefetched batch, setting the leaves, the graph run, reading and
// clipping the gradients, the update, the finiteness checks), and nothing
// of the wait.
type runner struct {
	c     Case
	turn  chan struct{}
	done  chan stepped
	end   chan runEnd
	ended *runEnd
	setup time.Duration // building the model
	steps int           // steps recorded
}

// startRunner builds c's model and starts train.Run on it for at most steps
// steps; the run takes its first step (which builds the graph) at once.
func startRunner(ctx context.Context, c Case, steps int) (*runner, error) {
	t0 := time.Now()
	m, err := NewModel(c)
	if err != nil {
		return nil, err
	}
	r := &runner{c: c, turn: make(chan struct{}), done: make(chan stepped, 1), end: make(chan runEnd, 1), setup: time.Since(t0)}
	start := time.Now()
	rec := train.RecorderFunc(func(rec train.Record) error {
		r.done <- stepped{ms: ms(time.Since(start)), loss: rec.Total}
		if _, ok := <-r.turn; !ok {
			return nil // stopped: the run sees its context cancelled before the next step
		}
		start = time.Now()
		return nil
	})
	go func() {
		res, err := train.Run(ctx, m, NewSource(c), TrainOptions(c, steps, rec))
		r.end <- runEnd{res, err}
	}()
	return r, nil
}

// wait returns the step the run takes next (or has taken).
func (r *runner) wait() (stepped, error) {
	if r.ended == nil {
		select {
		case s := <-r.done:
			r.steps++
			return s, nil
		case e := <-r.end:
			r.ended = &e
		}
	}
	if r.ended.err != nil {
		return stepped{}, fmt.Errorf("%s: %w", r.c.Label(), r.ended.err)
	}
	return stepped{}, fmt.Errorf("benchmarks: %s: the run stopped after %d steps, before the measurement did", r.c.Label(), r.steps)
}

// step lets the run take one more step and returns it.
func (r *runner) step() (stepped, error) {
	if r.ended == nil {
		r.turn <- struct{}{}
	}
	return r.wait()
}

// stop ends the run (its context must be cancelled first) and returns
// train's result.
func (r *runner) stop() runEnd {
	if r.ended == nil {
		close(r.turn)
		e := <-r.end
		r.ended = &e
	}
	return *r.ended
}

// MeasureGroup measures cases that share one BLAS side by side. Each case
// is a real training run, train.Run on the case's model (NewModel) and its
// fixed synthetic Source with TrainOptions — the step `dale train` takes —
// whose recorder times every step. MeasureGroup starts and warms up each
// case in turn (its memory figures are taken then: the process's heap
// after GC and its peak RSS, both including the cases started before it
// in the group), then times the cases' steps interleaved round-robin (in
// alternating order), so that a slow spell of a shared machine hits all
// of them alike and their ratios stay meaningful.
func MeasureGroup(cases []Case, o Options) ([]Result, error) {
	o = o.withDefaults()
	if len(cases) == 0 {
		return nil, nil
	}
	for _, c := range cases[1:] {
		if c.BLAS != cases[0].BLAS {
			return nil, fmt.Errorf("benchmarks: a group shares one BLAS: %s vs %s", c.Label(), cases[0].Label())
		}
	}
	// Each run is given at most this many steps: first + warm-up + timed +
	// the one alone for allocation; it is stopped before it ends.
	steps := 1 + o.Warmup + o.MaxSteps + 1
	ctx, cancel := context.WithCancel(context.Background())
	var rns []*runner
	stopAll := func() []runEnd {
		cancel()
		out := make([]runEnd, len(rns))
		for i, r := range rns {
			out[i] = r.stop()
		}
		rns = nil
		return out
	}
	defer func() {
		if rns != nil {
			stopAll()
		}
	}()
	debug.FreeOSMemory()
	res := make([]Result, len(cases))
	for i, c := range cases {
		resetPeakRSS()
		sampler := startHeapSampler()
		r, err := startRunner(ctx, c, steps)
		if err != nil {
			sampler.stop()
			return nil, fmt.Errorf("%s: %w", c.Label(), err)
		}
		rns = append(rns, r)
		s, err := r.wait()
		if err != nil {
			sampler.stop()
			return nil, err
		}
		res[i] = Result{Case: c, BLASReason: blas.Reason(), GoMaxProcs: runtime.GOMAXPROCS(0), FirstLossVal: s.loss}
		for w := 0; w < o.Warmup; w++ {
			if _, err := r.step(); err != nil {
				sampler.stop()
				return nil, err
			}
		}
		res[i].PeakHeapMB = float64(sampler.stop()) / (1 << 20)
		res[i].PeakRSSMB = peakRSSMB()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		res[i].LiveHeapMB = float64(after.HeapAlloc) / (1 << 20)
	}
	times := make([][]float64, len(cases))
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	budget := time.Duration(len(cases)) * o.MinTime
	for n := 0; n < o.MaxSteps && (n < o.MinSteps || time.Since(t0) < budget); n++ {
		for k := range rns {
			i := k
			if n%2 == 1 { // ABBA order: neither case always runs right after the other
				i = len(rns) - 1 - k
			}
			s, err := rns[i].step()
			if err != nil {
				return nil, err
			}
			times[i] = append(times[i], s.ms)
			res[i].LastLossVal = s.loss
		}
	}
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	total := 0
	for i := range times {
		total += len(times[i])
	}
	for i := range res {
		t := times[i]
		slices.Sort(t)
		res[i].Measured = len(t)
		res[i].MsPerStep = median(t)
		res[i].MinMs = t[0]
		res[i].GFLOPS = cases[i].FLOPs() / (res[i].MsPerStep / 1e3) / 1e9
		// allocation is shared out by step time, cases being similar in kind
		res[i].AllocMBStep = float64(m1.TotalAlloc-m0.TotalAlloc) / float64(total) / (1 << 20)
	}
	if len(cases) > 1 {
		// per-case allocation: measure one more step of each alone
		for i, r := range rns {
			var a, b runtime.MemStats
			runtime.ReadMemStats(&a)
			if _, err := r.step(); err != nil {
				return nil, err
			}
			runtime.ReadMemStats(&b)
			res[i].AllocMBStep = float64(b.TotalAlloc-a.TotalAlloc) / (1 << 20)
		}
	}
	all := rns
	for i, e := range stopAll() {
		if e.err != nil {
			return nil, fmt.Errorf("%s: %w", cases[i].Label(), e.err)
		}
		res[i].SetupMs = ms(all[i].setup + e.res.Timing.Build)
	}
	return res, nil
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// heapSampler records the largest live heap seen, read every 2 ms through
// runtime/metrics (which does not stop the world).
type heapSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{done: make(chan struct{})}
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 {
			h.peak = max(h.peak, s[0].Value.Uint64())
		}
	}
	read()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tk := time.NewTicker(2 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-h.done:
				read()
				return
			case <-tk.C:
				read()
			}
		}
	}()
	return h
}

func (h *heapSampler) stop() uint64 {
	close(h.done)
	h.wg.Wait()
	return h.peak
}

// resetPeakRSS resets the kernel's peak resident set (VmHWM) of this
// process, where Linux allows it.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMB returns the process's peak resident set size (VmHWM) in MiB, or
// 0 where /proc is not available.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}

// AvailableBLAS returns the BLAS implementations that can be used here:
// "go" always, "openblas" when the library loads. It leaves the BLAS in use
// as it found it.
func AvailableBLAS() []string {
	prev := blas.Name()
	defer func() {
		_ = blas.Set(prev)
		blas.UseInGorgonia()
	}()
	out := []string{blas.Go}
	if err := blas.Set(blas.OpenBLAS); err == nil && blas.Name() == blas.OpenBLAS {
		out = append(out, blas.OpenBLAS)
	}
	return out
}

// SuiteR returns the cases of config R: each engine × masked/unmasked ×
// each BLAS given, masked first in each (BLAS, engine) pair.
func SuiteR(blasNames []string) []Case {
	var cs []Case
	for _, b := range blasNames {
		for _, e := range []string{rnn.EngineFused, rnn.EngineUnrolled} {
			for _, masked := range []bool{true, false} {
				cs = append(cs, R(e, masked, b))
			}
		}
	}
	return cs
}

// SuiteScaling returns config R's model (fused, masked) scaled over N ∈
// {64, 128, 256, 512, 1024}, steps ∈ {25, 50, 100, 200, 400} and batch ∈
// {8, 16, 32, 64, 128}, one factor at a time, on one BLAS.
func SuiteScaling(blasName string) []Case {
	var cs []Case
	base := R(rnn.EngineFused, true, blasName)
	for _, n := range []int{64, 128, 256, 512, 1024} {
		c := base
		c.Name, c.N = "scale-n", n
		cs = append(cs, c)
	}
	for _, t := range []int{25, 50, 100, 200, 400} {
		c := base
		c.Name, c.Steps = "scale-steps", t
		cs = append(cs, c)
	}
	for _, b := range []int{8, 16, 32, 64, 128} {
		c := base
		c.Name, c.Batch = "scale-batch", b
		cs = append(cs, c)
	}
	return cs
}

// Smoke is a tiny case for tests of the machinery.
func Smoke(engine string, masked bool, blasName string) Case {
	return Case{Name: "smoke", In: 4, N: 32, Out: 2, Batch: 4, Steps: 10, Engine: engine, Masked: masked, BLAS: blasName}
}

// Groups splits cases into runs of consecutive cases that differ only in
// masking (same name, size, engine and BLAS): each such pair is measured
// side by side by MeasureGroup.
func Groups(cases []Case) [][]Case {
	var out [][]Case
	for _, c := range cases {
		if k := len(out); k > 0 {
			p := out[k-1][0]
			p.Masked = c.Masked
			if p == c && len(out[k-1]) < 2 {
				out[k-1] = append(out[k-1], c)
				continue
			}
		}
		out = append(out, []Case{c})
	}
	return out
}

// Ratios are the comparisons printed for a set of results measured in one
// run: each is numerator median / denominator median for cases that differ
// in one factor only.
type Ratio struct {
	What     string  // e.g. "fused/unrolled (masked, openblas)"
	Value    float64 // ratio of the median ms per step
	ValueMin float64 // ratio of the fastest steps (less sensitive to a busy machine)
}

// Ratios computes fused/unrolled, masked/unmasked and openblas/go ratios
// among results (matching on every other field).
func Ratios(rs []Result) []Ratio {
	find := func(c Case) *Result {
		for i := range rs {
			if rs[i].Case == c {
				return &rs[i]
			}
		}
		return nil
	}
	var out []Ratio
	for _, r := range rs {
		c := r.Case
		mk := "unmasked"
		if c.Masked {
			mk = "masked"
		}
		if c.Engine == rnn.EngineFused {
			o := c
			o.Engine = rnn.EngineUnrolled
			if u := find(o); u != nil {
				out = append(out, Ratio{fmt.Sprintf("%s fused/unrolled (%s, %s)", c.Name, mk, c.BLAS), r.MsPerStep / u.MsPerStep, r.MinMs / u.MinMs})
			}
		}
		if c.Masked {
			o := c
			o.Masked = false
			if u := find(o); u != nil {
				out = append(out, Ratio{fmt.Sprintf("%s masked/unmasked (%s, %s)", c.Name, c.Engine, c.BLAS), r.MsPerStep / u.MsPerStep, r.MinMs / u.MinMs})
			}
		}
		if c.BLAS == blas.OpenBLAS {
			o := c
			o.BLAS = blas.Go
			if u := find(o); u != nil {
				out = append(out, Ratio{fmt.Sprintf("%s openblas/go (%s, %s)", c.Name, c.Engine, mk), r.MsPerStep / u.MsPerStep, r.MinMs / u.MinMs})
			}
		}
	}
	return out
}

// MaskOpsMs estimates what Dale's masking adds to one training step of c,
// measured directly rather than as the difference of two noisy step times:
// a small graph takes the three raw weight matrices of c's size through
// rnn.EffectiveNode (the model's own W_eff = |W| ⊙ M) to a scalar Σ W_eff ⊙ U (U a fixed dense matrix standing for the gradient that
// arrives from the rest of the network) and differentiates it; the graph
// runs with W_eff = |W| ⊙ M and with W_eff = W, interleaved reps times, and
// the difference of the medians is returned (ms). Runs on the BLAS in use.
func MaskOpsMs(c Case, reps int) (float64, error) {
	mr, err := MaskR(c.In, c.N, c.Out, 1)
	if err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(4, 5))
	shapes := [][2]int{{c.In, c.N}, {c.N, c.N}, {c.N, c.Out}}
	masks := [][]float64{mr.Input, mr.Hidden, mr.Readout}
	dense := func(r, k int, f func(i int) float32) *tensor.Dense {
		d := make([]float32, r*k)
		for i := range d {
			d[i] = f(i)
		}
		return tensor.New(tensor.WithShape(r, k), tensor.WithBacking(d))
	}
	build := func(masked bool) (G.VM, error) {
		g := G.NewGraph()
		var loss *G.Node
		var raws []*G.Node
		for l, sh := range shapes {
			w := G.NewMatrix(g, tensor.Float32, G.WithShape(sh[0], sh[1]), G.WithName(fmt.Sprintf("w%d", l)),
				G.WithValue(dense(sh[0], sh[1], func(int) float32 { return float32(rng.NormFloat64()) })))
			u := G.NewMatrix(g, tensor.Float32, G.WithShape(sh[0], sh[1]), G.WithName(fmt.Sprintf("u%d", l)),
				G.WithValue(dense(sh[0], sh[1], func(int) float32 { return float32(rng.NormFloat64()) })))
			raws = append(raws, w)
			e := w
			if masked {
				m := G.NewMatrix(g, tensor.Float32, G.WithShape(sh[0], sh[1]), G.WithName(fmt.Sprintf("m%d", l)),
					G.WithValue(dense(sh[0], sh[1], func(i int) float32 { return float32(masks[l][i]) })))
				var err error
				if e, err = rnn.EffectiveNode(w, m, true); err != nil { // what every rnn.Graph uses
					return nil, err
				}
			}
			p, err := G.HadamardProd(e, u)
			if err != nil {
				return nil, err
			}
			s, err := G.Sum(p)
			if err != nil {
				return nil, err
			}
			if loss == nil {
				loss = s
			} else if loss, err = G.Add(loss, s); err != nil {
				return nil, err
			}
		}
		if _, err := G.Grad(loss, raws...); err != nil {
			return nil, err
		}
		return G.NewTapeMachine(g), nil
	}
	vms := make([]G.VM, 2)
	for i, masked := range []bool{true, false} {
		vm, err := build(masked)
		if err != nil {
			return 0, err
		}
		defer vm.Close()
		vms[i] = vm
	}
	times := [2][]float64{}
	for r := 0; r < reps+2; r++ {
		for i, vm := range vms {
			s := time.Now()
			if err := vm.RunAll(); err != nil {
				return 0, err
			}
			vm.Reset()
			if r >= 2 { // two warm-up rounds
				times[i] = append(times[i], ms(time.Since(s)))
			}
		}
	}
	for i := range times {
		slices.Sort(times[i])
	}
	return median(times[0]) - median(times[1]), nil
}
