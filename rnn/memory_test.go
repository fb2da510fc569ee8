package rnn

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/internal/memlimit"
)

// liveHeap returns the bytes of live heap after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func totalAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// memGraph builds a graph as train.Run does (Build, an MSE loss against a
// target leaf under a mask leaf, Grad, a TapeMachine with the parameters'
// dual values bound) or as Forward does, and runs it twice.
func memGraph(t *testing.T, m *Model, b, s int, train bool) (keep []any) {
	t.Helper()
	mode := Eval
	if train {
		mode = Train
	}
	g, err := m.Build(b, s, mode)
	if err != nil {
		t.Fatal(err)
	}
	var vm G.VM
	if train {
		out := m.Dims()[2]
		dt := m.DType()
		target := G.NewTensor(g.G, dt, 3, G.WithShape(b, s, out), G.WithName("target"), G.WithValue(tensor.New(tensor.Of(dt), tensor.WithShape(b, s, out))))
		mask := G.NewTensor(g.G, dt, 3, G.WithShape(b, s, out), G.WithName("mask"), G.WithValue(tensor.New(tensor.Of(dt), tensor.WithShape(b, s, out))))
		d, err := G.Sub(g.Outputs, target)
		if err != nil {
			t.Fatal(err)
		}
		if d, err = G.HadamardProd(d, mask); err != nil {
			t.Fatal(err)
		}
		sq, err := G.Square(d)
		if err != nil {
			t.Fatal(err)
		}
		loss, err := G.Mean(sq)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := G.Grad(loss, g.ParamNodes...); err != nil {
			t.Fatal(err)
		}
		vm = G.NewTapeMachine(g.G, G.BindDualValues(g.ParamNodes...))
	} else {
		vm = G.NewTapeMachine(g.G)
	}
	x := randInputs(rand.New(rand.NewPCG(1, 2)), b*s*m.Dims()[0])
	for range 2 {
		vm.Reset()
		if err := g.SetInputs(x, rand.New(rand.NewPCG(3, 4))); err != nil {
			t.Fatal(err)
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
	}
	return []any{g, vm}
}

// The estimates are within a factor of 2 of the live heap that New (with
// the effective-weight graph Save and Load run) and a graph (built,
// differentiated and run twice, as train.Run and Forward do) really add,
// on both engines. (The unrolled engine's estimate is coarser: gorgonia
// sums gradients partly in place, so how much of its per-step values stay
// live varies; the cases here are within [0.85, 1.35].) The optimiser and
// trainer state ModelBytes adds per parameter (Adam's two float64 moments,
// a float64 gradient, a scratch copy) is allocated by package train, not
// here, and is not measured.
func TestMemoryEstimates(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a few hundred MiB")
	}
	type tc struct {
		name          string
		n, b, s       int
		engine, dtype string
		masked, noise bool
		train         bool
		tol           float64
	}
	cases := []tc{
		{"fused N=64", 64, 16, 50, EngineFused, Float32, false, false, true, 2},
		{"fused N=256 E/I noise", 256, 32, 100, EngineFused, Float32, true, true, true, 2},
		{"fused N=512 long", 512, 16, 200, EngineFused, Float32, true, false, true, 2},
		{"fused N=1024 short", 1024, 8, 20, EngineFused, Float32, false, false, true, 2},
		{"fused N=256 float64", 256, 16, 100, EngineFused, Float64, true, false, true, 2},
		{"fused N=512 eval", 512, 32, 200, EngineFused, Float32, true, false, false, 2},
		{"fused N=1024 eval", 1024, 8, 50, EngineFused, Float32, false, false, false, 2},
		{"unrolled N=64", 64, 16, 50, EngineUnrolled, Float32, false, false, true, 2},
		{"unrolled N=256 E/I", 256, 8, 20, EngineUnrolled, Float32, true, false, true, 2},
		{"unrolled N=256 eval", 256, 16, 50, EngineUnrolled, Float32, true, false, false, 2},
		{"unrolled N=64 T=200", 64, 4, 200, EngineUnrolled, Float32, false, true, true, 2},
		{"unrolled N=128 B=32", 128, 32, 100, EngineUnrolled, Float32, true, false, true, 2},
		{"unrolled N=256 float64", 256, 4, 30, EngineUnrolled, Float64, false, false, true, 2},
	}
	t.Logf("%-24s %12s %12s %6s %12s %12s %6s %12s", "case", "model est", "model meas", "ratio", "graph est", "graph meas", "ratio", "graph alloc")
	for _, c := range cases {
		cfg := DefaultConfig()
		cfg.Dims = []int{3, c.n, 2}
		cfg.Engine, cfg.DType = c.engine, c.dtype
		cfg.LearnAlpha, cfg.InitState = true, "learn"
		if c.masked {
			cfg.Masks = eiMasks(rand.New(rand.NewPCG(5, 6)), 3, c.n, 2, c.n*4/5, 0.3)
		}
		if c.noise {
			cfg.PreactNoise, cfg.PostactNoise = 0.1, 0.1
		}
		l := cfg.layout()
		modelEst := int64(l.modelOwnBytes())
		graphEst := cfg.GraphBytes(c.b, c.s, c.train)

		h0 := liveHeap()
		m, err := New(cfg, rand.New(rand.NewPCG(7, 8)))
		if err != nil {
			t.Fatal(err)
		}
		m.Effective() // as Save and Load do: the effective-weight graph
		h1 := liveHeap()
		a0 := totalAlloc()
		keep := memGraph(t, m, c.b, c.s, c.train)
		a1 := totalAlloc()
		h2 := liveHeap()
		runtime.KeepAlive(keep)
		runtime.KeepAlive(m)
		runtime.KeepAlive(cfg) // the caller's masks stay alive, as they would in a program

		modelMeas, graphMeas := int64(h1)-int64(h0), int64(h2)-int64(h1)
		mr, gr := float64(modelEst)/float64(modelMeas), float64(graphEst)/float64(graphMeas)
		t.Logf("%-24s %12d %12d %6.2f %12d %12d %6.2f %12d", c.name, modelEst, modelMeas, mr, graphEst, graphMeas, gr, a1-a0)
		if mr < 1/c.tol || mr > c.tol {
			t.Errorf("%s: model estimate %d is %.2f× the measured %d", c.name, modelEst, mr, modelMeas)
		}
		if gr < 1/c.tol || gr > c.tol {
			t.Errorf("%s: graph estimate %d is %.2f× the measured %d", c.name, graphEst, gr, graphMeas)
		}
	}
}

// The estimates count what they document: exact bytes for a small config,
// growth with every size, saturation instead of overflow, 0 for what
// cannot be built.
func TestMemoryEstimateArithmetic(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dims = []int{2, 10, 3}
	// w_in 20, w_rec 100, w_out 30, b_rec 10, b_out 3 = 163 float32 values;
	// dt/tau 10 float64; the effective-weight graph's results 150 float32.
	own := int64(modelOverhead + 163*4 + 10*8 + 150*4)
	if got, want := cfg.ModelBytes(), own+163*(16+8+4); got != want {
		t.Errorf("ModelBytes of dims [2 10 3] = %d, want %d", got, want)
	}
	// eval: inputs 2·5·2, outputs 2·5·3, drive, V, rates and the fused
	// forward's two buffers 5 × 2·5·10, all float32 (no masks, no dale).
	if got, want := cfg.GraphBytes(2, 5, false), int64((20+30+500)*4); got != want {
		t.Errorf("GraphBytes(2, 5, eval) of dims [2 10 3] = %d, want %d", got, want)
	}

	big := DefaultConfig()
	big.Dims = []int{1, 46000, 1}
	if got := big.ModelBytes(); got < 46000*46000*(4+16+8+4) {
		t.Errorf("ModelBytes of hidden 46000 = %d (%s): less than its w_rec with Adam state", got, memlimitFormat(got))
	}
	grow := []struct {
		name string
		a, b int64
	}{
		{"train > eval", cfg.GraphBytes(8, 50, true), cfg.GraphBytes(8, 50, false)},
		{"more steps", cfg.GraphBytes(8, 100, true), cfg.GraphBytes(8, 50, true)},
		{"more trials", cfg.GraphBytes(16, 50, true), cfg.GraphBytes(8, 50, true)},
		{"float64", with(cfg, func(c *Config) { c.DType = Float64 }).ModelBytes(), cfg.ModelBytes()},
		{"mask file", with(cfg, func(c *Config) { c.MaskFile = "m.npz" }).ModelBytes(), cfg.ModelBytes()},
		{"noise", with(cfg, func(c *Config) { c.PreactNoise = 0.1 }).GraphBytes(8, 50, true), cfg.GraphBytes(8, 50, true)},
		{"unrolled", with(cfg, func(c *Config) { c.Engine = EngineUnrolled }).GraphBytes(8, 50, true), cfg.GraphBytes(8, 50, true)},
		{"learned alpha", with(cfg, func(c *Config) { c.LearnAlpha = true }).ModelBytes(), cfg.ModelBytes()},
		{"plasticity", with(cfg, func(c *Config) { c.Plasticity = Plasticities{{Value: 0.5}} }).ModelBytes(), cfg.ModelBytes()},
	}
	for _, g := range grow {
		if g.a <= g.b {
			t.Errorf("%s: %d is not more than %d", g.name, g.a, g.b)
		}
	}
	for _, c := range []struct {
		name string
		got  int64
		want int64
	}{
		{"dims past 2^62 bytes", with(cfg, func(c *Config) { c.Dims = []int{1 << 31, 1 << 31, 1 << 31} }).ModelBytes(), maxBytes},
		{"batch × steps past 2^62", cfg.GraphBytes(1<<40, 1<<40, true), maxBytes},
		{"max int batch", cfg.GraphBytes(math.MaxInt, math.MaxInt, false), maxBytes},
		{"no dims", with(cfg, func(c *Config) { c.Dims = nil }).ModelBytes(), 0},
		{"negative dims", with(cfg, func(c *Config) { c.Dims = []int{1, -5, 1} }).GraphBytes(1, 1, true), 0},
		{"batch 0", cfg.GraphBytes(0, 5, true), 0},
		{"steps −1", cfg.GraphBytes(5, -1, false), 0},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	if b := bytesOf(maxBytes - 1).add(2); b != bytesOf(maxBytes) {
		t.Errorf("saturating sum = %d", b)
	}
	if b := bytesOf(0).add(1<<31, 1<<31, 1<<31); b != bytesOf(maxBytes) {
		t.Errorf("saturating product = %d", b)
	}
	if b := bytesOf(7).add(3, -1); b != 7 {
		t.Errorf("a negative factor added %d", b-7)
	}
}

func with(c Config, mod func(*Config)) Config {
	c = c.Clone()
	mod(&c)
	return c
}

func memlimitFormat(n int64) string { return memlimit.Format(n) }

// New, Load and Build check the memory before they allocate: hidden_size
// 46000 without a mask (8 GiB of w_rec alone) and an absurd batch × steps
// are errors naming the setting, not a fatal "out of memory".
func TestMemoryCheckBeforeAllocating(t *testing.T) {
	const limit = 64 << 20
	var asked []string
	old := memCheck
	memCheck = func(need int64, what string) error {
		asked = append(asked, what)
		if need <= limit {
			return nil
		}
		return config.Errorf("%s is not allowed: it would need about %s, and %s is available (test)", what, memlimit.Format(need), memlimit.Format(limit))
	}
	defer func() { memCheck = old }()

	cfg := DefaultConfig()
	cfg.Dims = []int{1, 46000, 1}
	h0 := liveHeap()
	_, err := New(cfg, nil)
	if h := liveHeap(); h > h0+limit {
		t.Errorf("New allocated %d bytes before refusing", h-h0)
	}
	var ce *config.Error
	if err == nil || !errors.As(err, &ce) || ce.Field != "dims" || ce.Value != "[1 46000 1]" ||
		!strings.HasPrefix(err.Error(), "rnn: dims = [1 46000 1] is not allowed: it would need about 31.5 GiB, and 64.0 MiB is available (test)") {
		t.Fatalf("New with hidden 46000: err = %v", err)
	}

	cfg.Dims = []int{2, 16, 1}
	m, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Build(4, 10, Train); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Build(1<<14, 1<<13, Train); err == nil || !strings.HasPrefix(err.Error(), "rnn: build: batch = 16384, steps = 8192 is not allowed: it would need about") {
		t.Fatalf("Build of 16384 × 8192 trials × steps: err = %v", err)
	}
	if _, err := m.Forward(nil, 1<<14, 1<<13); err == nil || !strings.Contains(err.Error(), "is not allowed: it would need about") {
		t.Fatalf("Forward of 16384 × 8192: err = %v", err)
	}
	path := filepath.Join(t.TempDir(), "m.npz")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(path); err != nil {
		t.Fatal(err)
	}
	memCheck = func(need int64, what string) error {
		return config.Errorf("%s is not allowed: it would need about %s, and 0 B is available (test)", what, memlimit.Format(need))
	}
	if _, _, err := Load(path); err == nil || !strings.HasPrefix(err.Error(), "rnn: checkpoint "+path+": dims = [2 16 1] is not allowed: it would need about") {
		t.Fatalf("Load with no memory left: err = %v", err)
	}
	if len(asked) < 4 {
		t.Fatalf("memory checks made: %q", asked)
	}
}
