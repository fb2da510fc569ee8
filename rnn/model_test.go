package rnn

import (
	"archive/zip"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/npz"
)

// eiMasks returns signed masks for dims (in, n, out): neurons from nE on are
// inhibitory (negative rows of hidden and readout), about density of the
// hidden synapses exist, every input channel reaches every neuron.
func eiMasks(rng *rand.Rand, in, n, out, nE int, density float64) Masks {
	ms := Masks{Input: ones(in * n), Hidden: make([]float64, n*n), Readout: make([]float64, n*out)}
	for pre := 0; pre < n; pre++ {
		s := 1.0
		if pre >= nE {
			s = -1
		}
		for post := 0; post < n; post++ {
			if rng.Float64() < density {
				ms.Hidden[pre*n+post] = s
			}
		}
		for o := 0; o < out; o++ {
			ms.Readout[pre*out+o] = s
		}
	}
	return ms
}

func refAct(a Activation, v float64) float64 {
	switch a {
	case ReLU:
		return math.Max(0, v)
	case Tanh:
		return math.Tanh(v)
	case Sigmoid:
		return 1 / (1 + math.Exp(-v))
	case ReTanh:
		return math.Max(0, math.Tanh(v))
	default:
		return math.Log1p(math.Exp(v))
	}
}

// refForward simulates the model in float64 from its effective weights,
// independently of the graph.
func refForward(m *Model, x []float32, B, T int) (y, r []float64) {
	in, n, out := m.cfg.Dims[0], m.cfg.Dims[1], m.cfg.Dims[2]
	ei, er, eo := m.Effective()
	wi, wr, wo := toFloat64(ei.Data()), toFloat64(er.Data()), toFloat64(eo.Data())
	get := func(name string, size int) []float64 {
		if p := m.byName[name]; p != nil {
			return p.Float64s()
		}
		return make([]float64, size)
	}
	br, bo, h0 := get(NameBRec, n), get(NameBOut, out), get(NameInitState, n)
	alpha := m.Alpha()
	act := m.cfg.Activation
	y = make([]float64, B*T*out)
	r = make([]float64, B*T*n)
	for b := 0; b < B; b++ {
		v := append([]float64(nil), h0...)
		rp := make([]float64, n)
		for i := range rp {
			rp[i] = refAct(act, v[i])
		}
		for t := 0; t < T; t++ {
			nv := make([]float64, n)
			for j := 0; j < n; j++ {
				s := br[j]
				for i := 0; i < n; i++ {
					s += rp[i] * wr[i*n+j]
				}
				for k := 0; k < in; k++ {
					s += float64(x[(b*T+t)*in+k]) * wi[k*n+j]
				}
				nv[j] = (1-alpha[j])*v[j] + alpha[j]*s
			}
			v = nv
			for j := 0; j < n; j++ {
				rp[j] = refAct(act, v[j])
				r[(b*T+t)*n+j] = rp[j]
			}
			for o := 0; o < out; o++ {
				s := bo[o]
				for j := 0; j < n; j++ {
					s += rp[j] * wo[j*out+o]
				}
				y[(b*T+t)*out+o] = s
			}
		}
	}
	return y, r
}

func randInputs(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// randomize fills every parameter with random values (nonzero biases and
// init state, so the graph wiring of each is exercised).
func randomize(m *Model, rng *rand.Rand, scale float64) {
	for _, p := range m.params {
		v := p.Float64s()
		for i := range v {
			switch p.Name {
			case NameAlpha:
				v[i] = 0.05 + 0.5*rng.Float64()
			default:
				v[i] = scale * rng.NormFloat64()
			}
		}
		p.set(v)
	}
}

// The graph computes what the equations say: compare Forward with a plain
// float64 simulation, for each activation, with biases, learned alpha and
// learned initial state.
func TestForwardMatchesReference(t *testing.T) {
	for _, act := range activations {
		t.Run(string(act), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			cfg := DefaultConfig()
			cfg.Dims = []int{3, 10, 2}
			cfg.Activation = act
			cfg.LearnAlpha = true
			cfg.InitState = "learn"
			cfg.Biases = Strings{"normal"}
			cfg.Masks = eiMasks(rng, 3, 10, 2, 8, 0.5)
			m, err := New(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			randomize(m, rng, 0.5)
			const B, T = 2, 7
			x := randInputs(rng, B*T*3)
			res, err := m.Forward(x, B, T)
			if err != nil {
				t.Fatal(err)
			}
			y, r := refForward(m, x, B, T)
			maxDiff(t, "outputs", res.Outputs, y, 1e-4)
			maxDiff(t, "rates", res.Rates, r, 1e-4)
			for i, v := range res.Potentials {
				if got := float32(refAct(act, float64(v))); math.Abs(float64(got-res.Rates[i])) > 1e-5 {
					t.Fatalf("rates[%d] = %v but f(potentials[%d]) = %v", i, res.Rates[i], i, got)
				}
			}
		})
	}
}

func maxDiff(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		d := math.Abs(float64(got[i]) - want[i])
		if d > tol*math.Max(1, math.Abs(want[i])) || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// Dale property: after 1000 random raw-weight updates written in place into
// Params, every row of every effective matrix (computed by running the
// graph's own nodes) has the sign its mask says, and masked entries are 0.
func TestDaleProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	in, n, out := 3, 12, 2
	cfg := DefaultConfig()
	cfg.Dims = []int{in, n, out}
	cfg.Masks = eiMasks(rng, in, n, out, 9, 0.4)
	cfg.Masks.Input[0] = 0 // some input sparsity too
	cfg.NoSelfConnections = true
	m, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Build(1, 1, Eval)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g.G)
	defer vm.Close()
	masks := m.MasksInUse()
	if masks.Hidden[0] != 0 || masks.Hidden[n+1] != 0 {
		t.Fatal("no_self_connections left the diagonal in the hidden mask")
	}
	check := func(step int, name string, eff []float64, mask []float64, cols int) {
		for r := 0; r < len(eff)/cols; r++ {
			pos, neg := false, false
			for _, v := range eff[r*cols : (r+1)*cols] {
				pos = pos || v > 0
				neg = neg || v < 0
			}
			if pos && neg {
				t.Fatalf("update %d: row %d of %s has both signs", step, r, name)
			}
		}
		for i, v := range eff {
			mk := mask[i]
			switch {
			case mk == 0 && v != 0:
				t.Fatalf("update %d: %s[%d, %d] = %v where the mask is 0", step, name, i/cols, i%cols, v)
			case mk > 0 && v < 0, mk < 0 && v > 0:
				t.Fatalf("update %d: %s[%d, %d] = %v but the mask says %v", step, name, i/cols, i%cols, v, mk)
			}
		}
	}
	nonzero := 0
	for step := 0; step < 1000; step++ {
		for _, p := range m.Params() {
			switch d := p.Value.Data().(type) {
			case []float32:
				for i := range d {
					switch rng.IntN(10) {
					case 0:
						d[i] = 0
					case 1:
						d[i] = -d[i]
					default:
						d[i] += float32(rng.NormFloat64())
					}
				}
			}
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		for i, e := range []*G.Node{g.WInEff, g.WRecEff, g.WOutEff} {
			v, err := nodeFloat64(e)
			if err != nil {
				t.Fatal(err)
			}
			mk := [][]float64{masks.Input, masks.Hidden, masks.Readout}[i]
			cols := []int{n, n, out}[i]
			check(step, []string{"w_in_eff", "w_rec_eff", "w_out_eff"}[i], v, mk, cols)
			for _, x := range v {
				if x != 0 {
					nonzero++
				}
			}
		}
		vm.Reset()
		if step%100 == 0 {
			ei, er, eo := m.Effective()
			check(step, "Effective in", toFloat64(ei.Data()), masks.Input, n)
			check(step, "Effective rec", toFloat64(er.Data()), masks.Hidden, n)
			check(step, "Effective out", toFloat64(eo.Data()), masks.Readout, out)
		}
	}
	if nonzero == 0 {
		t.Fatal("every effective weight was 0: the test checked nothing")
	}
}

// The graph's parameter leaves share the Params' arrays: an in-place update
// changes the next run of an already built graph, and running never writes
// into the raw parameters.
func TestParamsShared(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dims = []int{2, 6, 1}
	cfg.Seed = 7
	m, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Build(2, 3, Eval)
	if err != nil {
		t.Fatal(err)
	}
	x := randInputs(rand.New(rand.NewPCG(1, 1)), 2*3*2)
	if err := g.SetInputs(x, nil); err != nil {
		t.Fatal(err)
	}
	for i, p := range m.Params() {
		if g.ParamNodes[i].Value() != G.Value(p.Value) {
			t.Fatalf("param node %s is not bound to the Param's tensor", p.Name)
		}
	}
	before := m.Param(NameWRec).Float64s()
	vm := G.NewTapeMachine(g.G)
	defer vm.Close()
	run := func() []float32 {
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		defer vm.Reset()
		y, err := nodeFloat32(g.Outputs)
		if err != nil {
			t.Fatal(err)
		}
		return y
	}
	y1 := run()
	after := m.Param(NameWRec).Float64s()
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("running the graph changed w_rec[%d] from %v to %v", i, before[i], after[i])
		}
	}
	m.Param(NameBOut).Value.Data().([]float32)[0] += 1
	y2 := run()
	for i := range y1 {
		if d := y2[i] - y1[i]; math.Abs(float64(d)-1) > 1e-6 {
			t.Fatalf("after b_out += 1, output %d moved by %v, want 1", i, d)
		}
	}
}

// Noise leaves: only in Train mode, drawn reproducibly from the rng.
func TestNoise(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dims = []int{1, 5, 1}
	cfg.PreactNoise, cfg.PostactNoise = 0.1, 0.2
	m, err := New(cfg, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := m.Build(2, 4, Eval)
	if err != nil {
		t.Fatal(err)
	}
	if ev.PreNoise != nil || ev.PostNoise != nil {
		t.Fatal("an Eval graph has noise leaves")
	}
	x := make([]float32, 8)
	run := func(seed uint64) []float32 {
		g, err := m.Build(2, 4, Train)
		if err != nil {
			t.Fatal(err)
		}
		if g.PreNoise == nil || g.PostNoise == nil {
			t.Fatal("a Train graph lacks its noise leaves")
		}
		if err := g.SetInputs(x, nil); err == nil || !strings.Contains(err.Error(), "needs a *rand.Rand") {
			t.Fatalf("SetInputs with nil rng on a noisy graph: err = %v", err)
		}
		if err := g.SetInputs(x, rand.New(rand.NewPCG(seed, 0))); err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g.G)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		y, _ := nodeFloat32(g.Rates)
		return y
	}
	a, b, c := run(1), run(1), run(2)
	same, diff := true, false
	for i := range a {
		same = same && a[i] == b[i]
		diff = diff || a[i] != c[i]
	}
	if !same || !diff {
		t.Fatalf("noise: same seed same result = %v (want true), other seed differs = %v (want true)", same, diff)
	}
	clean, err := m.Forward(x, 2, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range clean.Rates {
		if v != 0 {
			t.Fatalf("Forward (eval, zero input, zero bias and state) rate %d = %v, want 0: noise leaked into evaluation", i, v)
		}
	}
}

// lossAndGrads builds a graph in Train mode, adds a loss that touches
// outputs and rates, and returns the loss and its gradient with respect to
// every raw parameter, as float64.
func lossAndGrads(t *testing.T, m *Model, x []float32, B, T int, noiseSeed uint64) (float64, map[string][]float64) {
	t.Helper()
	g, err := m.Build(B, T, Train)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.SetInputs(x, rand.New(rand.NewPCG(noiseSeed, 9))); err != nil {
		t.Fatal(err)
	}
	sq, err := G.Square(g.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	l1, err := G.Sum(sq)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := G.Sum(g.Rates)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Add(l1, l2)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, g.ParamNodes...)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g.G)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	out := map[string][]float64{}
	for i, p := range m.Params() {
		v, err := nodeFloat64(grads[i])
		if err != nil {
			t.Fatal(err)
		}
		out[p.Name] = v
	}
	lv := loss.Value().Data()
	var l float64
	switch d := lv.(type) {
	case float32:
		l = float64(d)
	case float64:
		l = d
	}
	return l, out
}

// cloneModel returns a model with cfg's engine replaced and the same
// parameter values as m.
func withEngine(t *testing.T, m *Model, engine string) *Model {
	t.Helper()
	cfg := m.Config()
	cfg.Engine = engine
	m2, err := New(cfg, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range m.Params() {
		copy(m2.params[i].Value.Data().([]float32), p.Value.Data().([]float32))
	}
	return m2
}

// Model level: the fused and the unrolled engines give the same outputs and
// the same gradients for every raw parameter (float32, relative error ≤
// 1e-4), with learned alpha and initial state, signed / sparsity / no masks,
// noise on.
func TestModelFusedMatchesUnrolled(t *testing.T) {
	type tc struct {
		name string
		mod  func(c *Config, rng *rand.Rand)
	}
	cases := []tc{
		{"signed masks, relu", func(c *Config, rng *rand.Rand) {
			c.Masks = eiMasks(rng, 3, 12, 2, 9, 0.5)
		}},
		{"sparsity mask, tanh, dale false", func(c *Config, rng *rand.Rand) {
			ms := eiMasks(rng, 3, 12, 2, 12, 0.4)
			c.Masks = Masks{Hidden: ms.Hidden}
			c.Activation = Tanh
		}},
		{"sparsity mask excitatory-only, softplus", func(c *Config, rng *rand.Rand) {
			ms := eiMasks(rng, 3, 12, 2, 12, 0.4)
			c.Masks = Masks{Hidden: ms.Hidden}
			yes := true
			c.Dale = &yes
			c.Activation = Softplus
		}},
		{"no masks, retanh", func(c *Config, rng *rand.Rand) { c.Activation = ReTanh }},
		{"no masks, sigmoid, fixed alpha, zero state", func(c *Config, rng *rand.Rand) {
			c.Activation = Sigmoid
			c.LearnAlpha = false
			c.InitState = "zero"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			cfg := DefaultConfig()
			cfg.Dims = []int{3, 12, 2}
			cfg.LearnAlpha = true
			cfg.InitState = "learn"
			cfg.Biases = Strings{"normal"}
			cfg.PreactNoise, cfg.PostactNoise = 0.05, 0.05
			c.mod(&cfg, rng)
			cfg.Engine = EngineFused
			mf, err := New(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			randomize(mf, rng, 0.4)
			mu := withEngine(t, mf, EngineUnrolled)
			const B, T = 3, 9
			x := randInputs(rng, B*T*3)
			rf, err := mf.Forward(x, B, T)
			if err != nil {
				t.Fatal(err)
			}
			ru, err := mu.Forward(x, B, T)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []struct {
				name string
				a, b []float32
			}{{"outputs", rf.Outputs, ru.Outputs}, {"rates", rf.Rates, ru.Rates}, {"potentials", rf.Potentials, ru.Potentials}} {
				for i := range p.a {
					if d := math.Abs(float64(p.a[i] - p.b[i])); d > 1e-4*math.Max(1, math.Abs(float64(p.b[i]))) {
						t.Fatalf("%s[%d]: fused %v, unrolled %v", p.name, i, p.a[i], p.b[i])
					}
				}
			}
			lf, gf := lossAndGrads(t, mf, x, B, T, 11)
			lu, gu := lossAndGrads(t, mu, x, B, T, 11)
			if math.Abs(lf-lu) > 1e-4*math.Max(1, math.Abs(lu)) {
				t.Fatalf("loss fused %v, unrolled %v", lf, lu)
			}
			for _, p := range mf.Params() {
				a, b := gf[p.Name], gu[p.Name]
				var num, den float64
				for i := range a {
					num = math.Max(num, math.Abs(a[i]-b[i]))
					den = math.Max(den, math.Abs(b[i]))
				}
				if den == 0 && p.Name != NameBRec {
					t.Errorf("gradient of %s is all zero: the check is empty", p.Name)
				}
				t.Logf("%s: max |fused − unrolled| %.3g, max |grad| %.3g", p.Name, num, den)
				if num > 1e-4*math.Max(den, 1e-3) {
					t.Errorf("gradient of %s: fused and unrolled differ by %g (max |grad| %g)", p.Name, num, den)
				}
			}
		})
	}
}

// E/I balance and spectral radius do what they claim.
func TestBalanceAndSpectralRadius(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	base := DefaultConfig()
	base.Dims = []int{2, 40, 2}
	base.Masks = eiMasks(rng, 2, 40, 2, 32, 0.5)
	sums := func(w []float64, idx func(i int) bool) (exc, inh float64) {
		for i, v := range w {
			if !idx(i) {
				continue
			}
			if v > 0 {
				exc += v
			} else {
				inh -= v
			}
		}
		return
	}
	t.Run("global", func(t *testing.T) {
		cfg := base
		cfg.EIBalance = "global"
		m, err := New(cfg, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		_, er, _ := m.Effective()
		e, i := sums(toFloat64(er.Data()), func(int) bool { return true })
		if e == 0 || math.Abs(e-i) > 1e-4*e {
			t.Fatalf("global balance: excitatory sum %v, inhibitory %v", e, i)
		}
	})
	t.Run("neuron", func(t *testing.T) {
		cfg := base
		cfg.EIBalance = "neuron"
		m, err := New(cfg, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		_, er, _ := m.Effective()
		w := toFloat64(er.Data())
		checked := 0
		for c := 0; c < 40; c++ {
			e, i := sums(w, func(k int) bool { return k%40 == c })
			if e > 0 && i > 0 {
				checked++
				if math.Abs(e-i) > 1e-4*e {
					t.Fatalf("neuron %d: excitatory input %v, inhibitory %v", c, e, i)
				}
			}
		}
		if checked < 30 {
			t.Fatalf("only %d neurons have both kinds of input", checked)
		}
	})
	for _, rb := range []string{"neuron", "global", "none"} {
		t.Run("readout "+rb, func(t *testing.T) {
			cfg := base
			cfg.Dims = []int{2, 40, 3}
			cfg.Masks = eiMasks(rand.New(rand.NewPCG(8, 8)), 2, 40, 3, 32, 0.5)
			cfg.ReadoutBalance = rb
			m, err := New(cfg, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			_, _, eo := m.Effective()
			w := toFloat64(eo.Data())
			for c := 0; c < 3; c++ {
				e, i := sums(w, func(k int) bool { return k%3 == c })
				if e == 0 || i == 0 {
					t.Fatalf("output %d: excitatory %v, inhibitory %v: want both", c, e, i)
				}
				balanced := math.Abs(e-i) <= 1e-4*e
				if want := rb == "neuron"; balanced != want {
					t.Errorf("readout_balance %s, output %d: excitatory %v, inhibitory %v (balanced %v, want %v)", rb, c, e, i, balanced, want)
				}
			}
			if rb == "global" {
				e, i := sums(w, func(int) bool { return true })
				if math.Abs(e-i) > 1e-4*e {
					t.Errorf("readout_balance global: excitatory %v, inhibitory %v", e, i)
				}
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		cfg := base
		cfg.EIBalance = "none"
		m, err := New(cfg, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		_, er, _ := m.Effective()
		e, i := sums(toFloat64(er.Data()), func(int) bool { return true })
		if math.Abs(e-i) < 0.1*e {
			t.Fatalf("without balance the sums %v and %v should differ (32 E vs 8 I neurons)", e, i)
		}
	})
	for _, rho := range []float64{0.5, 1.5} {
		for _, bal := range []string{"none", "global"} {
			t.Run(fmt.Sprintf("spectral radius %g balance %s", rho, bal), func(t *testing.T) {
				cfg := base
				cfg.EIBalance = bal
				cfg.SpectralRadius = rho
				m, err := New(cfg, rand.New(rand.NewPCG(2, 2)))
				if err != nil {
					t.Fatal(err)
				}
				_, er, _ := m.Effective()
				got, err := spectralRadius(toFloat64(er.Data()), 40)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(got-rho) > 1e-4*rho {
					t.Fatalf("spectral radius %v, want %v", got, rho)
				}
			})
		}
	}
}

// Raw weights start away from 0 where a mask is nonzero under dale, and at 0
// where it is 0.
func TestInitAwayFromZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	cfg := DefaultConfig()
	cfg.Dims = []int{2, 30, 2}
	cfg.Masks = eiMasks(rng, 2, 30, 2, 24, 0.3)
	m, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	ms := m.MasksInUse()
	for i, name := range []string{NameWIn, NameWRec, NameWOut} {
		mk := [][]float64{ms.Input, ms.Hidden, ms.Readout}[i]
		for j, v := range m.Param(name).Float64s() {
			if mk[j] != 0 && math.Abs(v) < minAbsWeight*0.999 {
				t.Fatalf("%s[%d] = %v starts too close to 0 (mask %v)", name, j, v, mk[j])
			}
			if mk[j] == 0 && v != 0 {
				t.Fatalf("%s[%d] = %v where the mask is 0", name, j, v)
			}
		}
	}
	// Scaling: uniform weights lie within 1/sqrt(fan_in).
	cfg2 := DefaultConfig()
	cfg2.Dims = []int{4, 64, 3}
	m2, _ := New(cfg2, rand.New(rand.NewPCG(1, 2)))
	for _, name := range []string{NameWIn, NameWRec, NameWOut} {
		p := m2.Param(name)
		lim := 1 / math.Sqrt(float64(p.Shape()[0]))
		maxAbs := 0.0
		for _, v := range p.Float64s() {
			maxAbs = math.Max(maxAbs, math.Abs(v))
		}
		if maxAbs > lim || maxAbs < 0.8*lim {
			t.Errorf("%s: max |w| = %v, want just under 1/sqrt(fan_in) = %v", name, maxAbs, lim)
		}
	}
}

// Same seed, same model, bit for bit; float64 models work end to end.
func TestSeedAndFloat64(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dims = []int{2, 8, 2}
	cfg.Seed = 3
	a, _ := New(cfg, nil)
	b, _ := New(cfg, nil)
	for i := range a.params {
		pa, pb := a.params[i].Float64s(), b.params[i].Float64s()
		for j := range pa {
			if pa[j] != pb[j] {
				t.Fatalf("same seed gave different %s", a.params[i].Name)
			}
		}
	}
	cfg.DType = Float64
	cfg.Biases = Strings{"uniform"}
	m, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.WRec().Dtype() != tensor.Float64 {
		t.Fatalf("float64 model has %v weights", m.WRec().Dtype())
	}
	x := randInputs(rand.New(rand.NewPCG(1, 1)), 2*5*2)
	res, err := m.Forward(x, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := refForward(m, x, 2, 5)
	maxDiff(t, "float64 outputs", res.Outputs, y, 1e-6)
}

// Weights, biases and plasticity from .npy files, masks from an .npz laid
// out as package mask writes it (extra arrays ignored).
func TestFilesInConfig(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(4, 4))
	in, n, out := 2, 6, 1
	ms := eiMasks(rng, in, n, out, 4, 0.7)
	f32 := func(v []float64) []float32 {
		o := make([]float32, len(v))
		for i, x := range v {
			o[i] = float32(x)
		}
		return o
	}
	if err := npz.Write(filepath.Join(dir, "masks.npz"),
		npz.Array{Name: "input", Shape: []int{in, n}, Data: f32(ms.Input)},
		npz.Array{Name: "hidden", Shape: []int{n, n}, Data: f32(ms.Hidden)},
		npz.Array{Name: "readout", Shape: []int{n, out}, Data: f32(ms.Readout)},
		npz.Array{Name: "area", Shape: []int{n}, Data: make([]int64, n)},
	); err != nil {
		t.Fatal(err)
	}
	wrec := make([]float64, n*n)
	for i := range wrec {
		wrec[i] = rng.NormFloat64() // signs the mask will override
	}
	wrec[1] = 0 // exactly 0 where the mask may be nonzero: must start at ±minAbsWeight
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(npz.WriteNPYFile(filepath.Join(dir, "w_rec.npy"), npz.Array{Shape: []int{n, n}, Data: wrec}))
	must(npz.WriteNPYFile(filepath.Join(dir, "b_rec.npy"), npz.Array{Shape: []int{n}, Data: []float32{1, 2, 3, 4, 5, 6}}))
	pl := make([]float32, n*n)
	pl[0] = 0.25
	must(npz.WriteNPYFile(filepath.Join(dir, "p_rec.npy"), npz.Array{Shape: []int{n, n}, Data: pl}))
	cfgPath := filepath.Join(dir, "model.json")
	must(os.WriteFile(cfgPath, []byte(`{"dims": [2, 6, 1], "masks": "masks.npz",
		"weights": ["uniform", "w_rec.npy", "normal"], "biases": ["b_rec.npy", "none"],
		"plasticity": [1, "p_rec.npy", 0.5], "ei_balance": "none"}`), 0o644))
	cfg, err := LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Dale() {
		t.Fatal("a signed mask file did not turn dale on")
	}
	if m.Param(NameBOut) != nil || len(m.Params()) != 4 {
		t.Fatalf("biases [file, none]: params %d, b_out present %v", len(m.Params()), m.Param(NameBOut) != nil)
	}
	if b := m.Param(NameBRec).Float64s(); b[5] != 6 {
		t.Fatalf("b_rec from file = %v", b)
	}
	raw := m.Param(NameWRec).Float64s()
	_, er, _ := m.Effective()
	eff := toFloat64(er.Data())
	for i := range raw {
		mk := ms.Hidden[i]
		want := math.Abs(float64(float32(wrec[i]))) * mk
		if i == 1 && mk != 0 {
			want = float64(float32(minAbsWeight)) * mk
		}
		if math.Abs(eff[i]-want) > 1e-7 {
			t.Fatalf("w_rec_eff[%d] = %v, want |file value| × mask = %v", i, eff[i], want)
		}
	}
	if p := m.Param(NameWRec).Plasticity; p[0] != 0.25 || p[1] != 0 {
		t.Fatalf("plasticity from file = %v", p[:2])
	}
	if p := m.Param(NameWOut).Plasticity; p[0] != 0.5 {
		t.Fatalf("scalar plasticity = %v", p)
	}
	if m.Param(NameWIn).Plasticity != nil {
		t.Fatal("plasticity 1 should be nil (1 everywhere)")
	}
}

// With dale and a signed hidden mask but no readout mask, inhibitory
// neurons read out with negative weights; inputs without a mask are
// excitatory.
func TestDaleDerivedReadout(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	cfg := DefaultConfig()
	cfg.Dims = []int{2, 10, 3}
	ms := eiMasks(rng, 2, 10, 3, 7, 0.6)
	cfg.Masks = Masks{Hidden: ms.Hidden}
	m, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	ei, _, eo := m.Effective()
	out := toFloat64(eo.Data())
	for i := 0; i < 10; i++ {
		for o := 0; o < 3; o++ {
			v := out[i*3+o]
			if (i >= 7 && v >= 0) || (i < 7 && v <= 0) {
				t.Fatalf("readout weight of neuron %d (inhibitory: %v) = %v", i, i >= 7, v)
			}
		}
	}
	for _, v := range toFloat64(ei.Data()) {
		if v <= 0 {
			t.Fatalf("input weight %v: inputs should be excitatory under dale", v)
		}
	}
	if got := m.MasksInUse().Readout[9*3]; got != -1 {
		t.Fatalf("derived readout mask of an inhibitory neuron = %v", got)
	}
	if m.Config().Masks.Readout != nil {
		t.Fatal("Config() should return the masks as given, not the derived one")
	}
}

// Past 256 steps the model still computes the equations (gorgonia's slice
// hashing keeps only the low byte of offsets; nothing in the model's graph
// may depend on it).
func TestLongSequenceModel(t *testing.T) {
	for _, engine := range []string{EngineFused, EngineUnrolled} {
		t.Run(engine, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(31, 32))
			cfg := DefaultConfig()
			cfg.Dims = []int{2, 3, 1}
			cfg.Engine = engine
			cfg.Biases = Strings{"normal"}
			m, err := New(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			const B, T = 1, 300
			x := randInputs(rng, B*T*2)
			res, err := m.Forward(x, B, T)
			if err != nil {
				t.Fatal(err)
			}
			y, r := refForward(m, x, B, T)
			maxDiff(t, "outputs", res.Outputs, y, 1e-4)
			maxDiff(t, "rates", res.Rates, r, 1e-4)
		})
	}
}

// SetInputs writes into whatever tensor a leaf is bound to now, so a
// trainer that rebinds the noise leaves with gorgonia.Let (to draw noise
// ahead) and later calls SetInputs still gets fresh noise.
func TestSetInputsAfterLet(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dims = []int{1, 4, 1}
	cfg.PreactNoise = 0.5
	m, err := New(cfg, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Build(2, 3, Train)
	if err != nil {
		t.Fatal(err)
	}
	mine := tensor.New(tensor.WithShape(2, 3, 4), tensor.WithBacking(make([]float32, 24)))
	if err := G.Let(g.PreNoise, mine); err != nil {
		t.Fatal(err)
	}
	if err := g.SetInputs(make([]float32, 6), rand.New(rand.NewPCG(3, 3))); err != nil {
		t.Fatal(err)
	}
	nz := 0
	for _, v := range mine.Data().([]float32) {
		if v != 0 {
			nz++
		}
	}
	if nz == 0 {
		t.Fatal("SetInputs did not fill the tensor now bound to the noise leaf")
	}
	// A leaf bound to something of the wrong size gets the graph's own tensor back.
	if err := G.Let(g.PreNoise, tensor.New(tensor.WithShape(2, 3, 4), tensor.WithBacking(make([]float32, 24)))); err != nil {
		t.Fatal(err)
	}
	if err := g.SetInputs(make([]float32, 6), rand.New(rand.NewPCG(3, 3))); err != nil {
		t.Fatal(err)
	}
}

// Forward keeps its compiled graph between calls of one shape, sees
// parameter updates and gives the same result as a fresh model.
func TestForwardCache(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dims = []int{2, 5, 1}
	cfg.Seed = 4
	m, _ := New(cfg, nil)
	x := randInputs(rand.New(rand.NewPCG(2, 2)), 3*4*2)
	a, err := m.Forward(x, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	cached := m.fwd
	b, _ := m.Forward(x, 3, 4)
	if m.fwd != cached {
		t.Fatal("Forward rebuilt its graph for the same shape")
	}
	for i := range a.Outputs {
		if a.Outputs[i] != b.Outputs[i] {
			t.Fatal("two Forward calls differ")
		}
	}
	m.Param(NameBOut).Value.Data().([]float32)[0] += 2
	c, _ := m.Forward(x, 3, 4)
	if math.Abs(float64(c.Outputs[0]-a.Outputs[0])-2) > 1e-6 {
		t.Fatalf("Forward did not see b_out += 2: %v → %v", a.Outputs[0], c.Outputs[0])
	}
	if _, err := m.Forward(x[:2*2*2], 2, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(x, 3, 5); err == nil {
		t.Fatal("Forward accepted inputs of the wrong size")
	}
}

func TestBuildErrors(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dims = []int{1, 4, 1}
	m, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		b, s int
		mode Mode
		want string
	}{
		{0, 5, Eval, "batch = 0, steps = 5 is not allowed"},
		{1 << 30, 1 << 30, Eval, "would exceed"},
		{1, 1, Mode(7), "mode = 7 is not allowed"},
	} {
		if _, err := m.Build(c.b, c.s, c.mode); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Build(%d, %d, %v): err = %v, want %q", c.b, c.s, c.mode, err, c.want)
		}
	}
	if _, err := m.Forward(make([]float32, 3), 2, 2); err == nil || !strings.Contains(err.Error(), "want batch 2 × steps 2 × inputs 1 = 4") {
		t.Errorf("Forward with 3 inputs for 2×2×1: err = %v", err)
	}
}

// A masks file's other arrays are never decoded: a 64 MiB array of zeros
// beside the masks costs nothing to load the masks.
func TestMaskFileReadsOnlyMasks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "masks.npz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	add := func(name string, shape []int, data any) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if err := npz.WriteNPY(w, shape, data); err != nil {
			t.Fatal(err)
		}
	}
	ones := func(n int) []float64 {
		o := make([]float64, n)
		for i := range o {
			o[i] = 1
		}
		return o
	}
	add("input", []int{2, 8}, ones(16))
	add("hidden", []int{8, 8}, ones(64))
	add("readout", []int{8, 1}, ones(8))
	add("junk", []int{8 << 20}, make([]float64, 8<<20))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cfg := DefaultConfig()
	cfg.Dims = []int{2, 8, 1}
	cfg.MaskFile = path
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := New(cfg, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 16<<20 {
		t.Errorf("loading the masks allocated %d MiB: the 64 MiB junk array was decoded", d>>20)
	}
}

// output_activation "sigmoid": the outputs are σ of the linear readout,
// in Forward and in Dynamics.Readout, and the rates are unchanged.
func TestSigmoidOutput(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cfg := DefaultConfig()
	cfg.Dims = []int{3, 10, 2}
	cfg.Biases = Strings{"normal"}
	cfg.Masks = eiMasks(rng, 3, 10, 2, 8, 0.5)
	cfg.OutputActivation = OutputSigmoid
	m, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	randomize(m, rng, 1)
	const B, T = 2, 6
	x := randInputs(rng, B*T*3)
	res, err := m.Forward(x, B, T)
	if err != nil {
		t.Fatal(err)
	}
	lin, r := refForward(m, x, B, T)
	want := make([]float64, len(lin))
	spread := 0.0
	for i, v := range lin {
		want[i] = 1 / (1 + math.Exp(-v))
		spread = math.Max(spread, math.Abs(v))
	}
	if spread < 0.5 {
		t.Fatalf("linear outputs within ±%v: the test needs a wider range", spread)
	}
	maxDiff(t, "outputs", res.Outputs, want, 1e-5)
	maxDiff(t, "rates", res.Rates, r, 1e-4)
	d := m.Dynamics()
	y := make([]float64, 2)
	rates := make([]float64, 10)
	for j := range rates {
		rates[j] = r[j]
	}
	d.Readout(rates, y)
	for o := range y {
		if math.Abs(y[o]-want[o]) > 1e-5 {
			t.Errorf("Dynamics.Readout output %d = %v, want %v", o, y[o], want[o])
		}
	}
}

// input_sign "free": with Dale's law on, the input weights take either sign
// from initialisation on (W_in ⊙ |M_in|: masked synapses stay 0, a −1 in
// the input mask does not flip a weight) while the recurrent and readout
// layers keep their signs; "dale" keeps every input weight ≥ 0.
func TestInputSignFree(t *testing.T) {
	for _, c := range []struct {
		sign string
		free bool
	}{{InputSignDale, false}, {"", false}, {InputSignFree, true}} {
		t.Run("input_sign_"+c.sign, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			in, n, out := 4, 10, 2
			cfg := DefaultConfig()
			cfg.Dims = []int{in, n, out}
			cfg.Masks = eiMasks(rng, in, n, out, 8, 0.5)
			for i := range cfg.Masks.Input {
				cfg.Masks.Input[i] = float64(i % 2) // half the input synapses absent
				if c.free && i%4 == 3 {
					cfg.Masks.Input[i] = -1 // mixed signs in a row: refused under the dale rule
				}
			}
			cfg.InputSign = c.sign
			m, err := New(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Dale() || m.InputDale() == c.free {
				t.Fatalf("Dale %v, InputDale %v", m.Dale(), m.InputDale())
			}
			check := func(when string) {
				raw := m.WIn().Data().([]float32)
				ei, er, eo := m.Effective()
				negative := false
				for i, v := range ei.Data().([]float32) {
					mk := cfg.Masks.Input[i]
					want := float32(math.Abs(float64(raw[i]))) * float32(mk)
					if c.free {
						want = raw[i] * float32(math.Abs(mk))
					}
					if v != want {
						t.Fatalf("%s: w_in_eff[%d] = %v, want %v (raw %v, mask %v)", when, i, v, want, raw[i], mk)
					}
					negative = negative || v < 0
				}
				if negative != c.free {
					t.Errorf("%s: negative input weights: %v, want %v", when, negative, c.free)
				}
				masks := m.MasksInUse()
				for li, l := range []struct {
					eff  []float32
					mask []float64
				}{{er.Data().([]float32), masks.Hidden}, {eo.Data().([]float32), masks.Readout}} {
					for i, v := range l.eff {
						if (l.mask[i] > 0 && v < 0) || (l.mask[i] < 0 && v > 0) || (l.mask[i] == 0 && v != 0) {
							t.Fatalf("%s: layer %d weight %d = %v against mask %v", when, li+1, i, v, l.mask[i])
						}
					}
				}
			}
			check("after New")
			// Raw weights of both signs, as training leaves them.
			for _, name := range []string{NameWIn, NameWRec, NameWOut} {
				d := m.Param(name).Value.Data().([]float32)
				for i := range d {
					if i%3 == 0 {
						d[i] = -d[i]
					}
				}
			}
			check("after sign flips")
		})
	}
	// Under "free" an input mask's −1 does not switch Dale's law on by
	// itself (the default of dale counts the hidden and readout masks).
	cfg := DefaultConfig()
	cfg.Dims = []int{2, 3, 1}
	cfg.Masks = Masks{Input: []float64{1, -1, 1, 0, 1, -1}}
	for _, c := range []struct {
		sign string
		dale bool
	}{{InputSignDale, true}, {InputSignFree, false}} {
		cfg.InputSign = c.sign
		if c.dale {
			cfg.Masks.Input = []float64{1, 1, 1, -1, -1, -1}
		}
		m, err := New(cfg, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		if m.Dale() != c.dale {
			t.Errorf("input_sign %s, signed input mask only: Dale %v, want %v", c.sign, m.Dale(), c.dale)
		}
	}
}
