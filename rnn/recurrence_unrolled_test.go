package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// recEngine is one of the two engines under test.
type recEngine struct {
	name  string
	build func(act Activation, I, W, alpha, h0, xi, eta *G.Node) (*G.Node, error)
}

var (
	recFused    = recEngine{"fused", fusedRecurrence}
	recUnrolled = recEngine{"unrolled", unrolledRecurrence}
)

// recProblem is a recurrence's inputs in float64, row-major.
type recProblem struct {
	B, T, N     int
	I, W, alpha []float64
	h0, xi, eta []float64 // xi, eta nil for no noise
	R           []float64 // the loss is sum(V ⊙ R)
	act         Activation
	noise       bool
}

func recRandom(rng *rand.Rand, n int, scale float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = scale * rng.NormFloat64()
	}
	return x
}

// recNewProblem draws a problem with weights scaled so activity stays in a sensible range.
func recNewProblem(seed uint64, act Activation, B, T, N int, noise bool) *recProblem {
	rng := rand.New(rand.NewPCG(seed, 7))
	p := &recProblem{B: B, T: T, N: N, act: act, noise: noise}
	p.I = recRandom(rng, B*T*N, 1)
	p.W = recRandom(rng, N*N, 1.5/math.Sqrt(float64(N)))
	p.alpha = make([]float64, N)
	for i := range p.alpha {
		p.alpha[i] = 0.05 + 0.5*rng.Float64()
	}
	p.h0 = recRandom(rng, N, 0.5)
	if noise {
		p.xi = recRandom(rng, B*T*N, 0.1)
		p.eta = recRandom(rng, B*T*N, 0.1)
	}
	p.R = recRandom(rng, B*T*N, 1)
	return p
}

// recActRef is f and f' in float64 for the naive reference.
func recActRef(act Activation, v float64) (f, d float64) {
	switch act {
	case ReLU:
		if v > 0 {
			return v, 1
		}
		return 0, 0
	case Tanh:
		t := math.Tanh(v)
		return t, 1 - t*t
	case Sigmoid:
		s := 1 / (1 + math.Exp(-v))
		return s, s * (1 - s)
	case ReTanh:
		if v > 0 {
			t := math.Tanh(v)
			return t, 1 - t*t
		}
		return 0, 0
	case Softplus:
		return math.Log1p(math.Exp(v)), 1 / (1 + math.Exp(-v))
	}
	panic("unknown activation " + string(act))
}

// recReference computes V with plain loops, in float64.
func recReference(p *recProblem) []float64 {
	B, T, N := p.B, p.T, p.N
	V := make([]float64, B*T*N)
	vPrev := make([]float64, B*N)
	rPrev := make([]float64, B*N)
	for b := 0; b < B; b++ {
		for n := 0; n < N; n++ {
			vPrev[b*N+n] = p.h0[n]
			rPrev[b*N+n], _ = recActRef(p.act, p.h0[n])
		}
	}
	for t := 0; t < T; t++ {
		vNew := make([]float64, B*N)
		for b := 0; b < B; b++ {
			for n := 0; n < N; n++ {
				x := p.I[(b*T+t)*N+n]
				for m := 0; m < N; m++ {
					x += rPrev[b*N+m] * p.W[m*N+n]
				}
				a := p.alpha[n]
				v := (1-a)*vPrev[b*N+n] + a*x
				if p.xi != nil {
					v += p.xi[(b*T+t)*N+n]
				}
				vNew[b*N+n] = v
				V[(b*T+t)*N+n] = v
			}
		}
		for i, v := range vNew {
			rPrev[i], _ = recActRef(p.act, v)
			if p.eta != nil {
				b, n := i/N, i%N
				rPrev[i] += p.eta[(b*T+t)*N+n]
			}
		}
		vPrev = vNew
	}
	return V
}

// recGraph is a built graph with its leaves and the results of one run.
type recGraph struct {
	g                        *G.ExprGraph
	I, W, alpha, h0, xi, eta *G.Node
	V, cost                  *G.Node
	vRead                    G.Value // V as read by a G.Read node (V's own value may be overwritten in place)
	vm                       G.VM
	dtype                    tensor.Dtype
	values                   map[string][]float64 // after run: "V", "dI", "dW", "dalpha", "dh0", "cost"
}

func recTensor(dt tensor.Dtype, shape tensor.Shape, x []float64) *tensor.Dense {
	if dt == tensor.Float32 {
		y := make([]float32, len(x))
		for i, v := range x {
			y[i] = float32(v)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(y))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), x...)))
}

func recFloat64s(v G.Value) []float64 {
	switch s := v.(type) {
	case *G.F32:
		return []float64{float64(*s)}
	case *G.F64:
		return []float64{float64(*s)}
	}
	d, err := opsDense(v)
	if err != nil {
		panic(err)
	}
	switch x := d.Data().(type) {
	case []float32:
		y := make([]float64, len(x))
		for i, v := range x {
			y[i] = float64(v)
		}
		return y
	case []float64:
		return append([]float64(nil), x...)
	case float32:
		return []float64{float64(x)}
	case float64:
		return []float64{x}
	}
	panic(fmt.Sprintf("unexpected data %T", d.Data()))
}

// recBuild builds engine e on problem p in dtype dt, with cost sum(V ⊙ R) and its gradients.
func recBuild(t testing.TB, e recEngine, p *recProblem, dt tensor.Dtype, grads bool) *recGraph {
	t.Helper()
	return recBuildRead(t, e, p, dt, grads, true)
}

// recBuildRead is recBuild; read says whether V is copied out on every run (G.Read).
func recBuildRead(t testing.TB, e recEngine, p *recProblem, dt tensor.Dtype, grads, read bool) *recGraph {
	t.Helper()
	B, T, N := p.B, p.T, p.N
	r := &recGraph{g: G.NewGraph(), dtype: dt}
	leaf := func(name string, shape tensor.Shape, x []float64) *G.Node {
		return G.NewTensor(r.g, dt, len(shape), G.WithShape(shape...), G.WithName(name),
			G.WithValue(recTensor(dt, shape, x)))
	}
	r.I = leaf("I", tensor.Shape{B, T, N}, p.I)
	r.W = leaf("W", tensor.Shape{N, N}, p.W)
	r.alpha = leaf("alpha", tensor.Shape{N}, p.alpha)
	r.h0 = leaf("h0", tensor.Shape{N}, p.h0)
	if p.xi != nil {
		r.xi = leaf("xi", tensor.Shape{B, T, N}, p.xi)
		r.eta = leaf("eta", tensor.Shape{B, T, N}, p.eta)
	}
	V, err := e.build(p.act, r.I, r.W, r.alpha, r.h0, r.xi, r.eta)
	if err != nil {
		t.Fatalf("%s: build: %v", e.name, err)
	}
	r.V = V
	if read {
		G.Read(V, &r.vRead)
	}
	// R is a leaf, not a constant: gorgonia hashes a constant tensor by printing it.
	Rn := leaf("R", tensor.Shape{B, T, N}, p.R)
	prod, err := G.HadamardProd(V, Rn)
	if err != nil {
		t.Fatal(err)
	}
	if r.cost, err = G.Sum(prod); err != nil {
		t.Fatal(err)
	}
	wrt := G.Nodes{r.I, r.W, r.alpha, r.h0}
	if V == r.I { // the benchmarks' loss-only baseline
		wrt = G.Nodes{r.I}
	}
	if grads {
		if _, err := G.Grad(r.cost, wrt...); err != nil {
			t.Fatalf("%s: grad: %v", e.name, err)
		}
		r.vm = G.NewTapeMachine(r.g, G.BindDualValues(wrt...))
	} else {
		r.vm = G.NewTapeMachine(r.g)
	}
	return r
}

// run runs the machine once and collects V, the cost and (if built) the gradients.
func (r *recGraph) run(t testing.TB) {
	t.Helper()
	if err := r.vm.RunAll(); err != nil {
		t.Fatalf("run: %v", err)
	}
	r.vm.Reset()
	r.values = map[string][]float64{
		"cost": recFloat64s(r.cost.Value()),
	}
	if r.vRead != nil {
		r.values["V"] = recFloat64s(r.vRead)
	}
	for name, n := range map[string]*G.Node{"dI": r.I, "dW": r.W, "dalpha": r.alpha, "dh0": r.h0} {
		if gv, err := n.Grad(); err == nil {
			r.values[name] = recFloat64s(gv)
			// zero the accumulated gradient for the next run
			d, _ := opsDense(gv)
			d.Zero()
		}
	}
}

// set overwrites a leaf's value with x.
func (r *recGraph) set(t testing.TB, n *G.Node, x []float64) {
	t.Helper()
	if err := G.Let(n, recTensor(r.dtype, n.Shape(), x)); err != nil {
		t.Fatal(err)
	}
}

// recRelErr is max|a−b| / max(max|b|, tiny).
func recRelErr(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	if den < 1e-30 {
		return num
	}
	return num / den
}

// TestEnginesForwardMatchReference: both engines give the potentials of
// plain Go loops, for every activation with and without noise.
func TestEnginesForwardMatchReference(t *testing.T) {
	for i, e := range []recEngine{recUnrolled, recFused} {
		for _, act := range activations {
			for _, noise := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/noise=%t", e.name, act, noise), func(t *testing.T) {
					p := recNewProblem(uint64(i+1), act, 3, 7, 5, noise)
					want := recReference(p)
					r := recBuild(t, e, p, tensor.Float64, false)
					r.run(t)
					if err := recRelErr(r.values["V"], want); err > 1e-12 {
						t.Errorf("V: relative error %.3g > 1e-12", err)
					}
				})
			}
		}
	}
}

func TestUnrolledFiniteDifferences(t *testing.T) {
	for _, act := range []Activation{ReLU, Softplus} {
		t.Run(string(act), func(t *testing.T) {
			p := recNewProblem(6, act, 2, 4, 3, true)
			recFiniteDiff(t, recUnrolled, p, 1e-6)
		})
	}
}

// TestRecurrenceRejectsBadInputs checks that both engines return errors (naming what is wrong)
// rather than panicking on bad activations, shapes, dtypes and nil inputs.
func TestRecurrenceRejectsBadInputs(t *testing.T) {
	const B, T, N = 2, 3, 4
	g := G.NewGraph()
	node := func(name string, dt tensor.Dtype, shape ...int) *G.Node {
		return G.NewTensor(g, dt, len(shape), G.WithShape(shape...), G.WithName(name))
	}
	I := node("I", tensor.Float32, B, T, N)
	W := node("W", tensor.Float32, N, N)
	a := node("alpha", tensor.Float32, N)
	h := node("h0", tensor.Float32, N)
	xi := node("xi", tensor.Float32, B, T, N)
	other := G.NewGraph()
	cases := []struct {
		name                string
		act                 Activation
		I, W, a, h, xi, eta *G.Node
		want                string
	}{
		{"activation", "gelu", I, W, a, h, nil, nil, `"gelu"`},
		{"nil I", ReLU, nil, W, a, h, nil, nil, "I is nil"},
		{"nil W", ReLU, I, nil, a, h, nil, nil, "W is nil"},
		{"I rank", ReLU, node("I2", tensor.Float32, B, N), W, a, h, nil, nil, "I has shape"},
		{"W shape", ReLU, I, node("W2", tensor.Float32, N, N+1), a, h, nil, nil, "W has shape"},
		{"alpha shape", ReLU, I, W, node("a2", tensor.Float32, N+1), h, nil, nil, "alpha has shape"},
		{"h0 dtype", ReLU, I, W, a, node("h2", tensor.Float64, N), nil, nil, "h0 has dtype"},
		{"xi shape", ReLU, I, W, a, h, node("xi2", tensor.Float32, B, T+1, N), nil, "xi has shape"},
		{"eta graph", ReLU, I, W, a, h, xi, G.NewTensor(other, tensor.Float32, 3, G.WithShape(B, T, N), G.WithName("eta")), "another graph"},
		{"int dtype", ReLU, node("I3", tensor.Int, B, T, N), W, a, h, nil, nil, "float32 or float64"},
	}
	for _, e := range []recEngine{recFused, recUnrolled} {
		for _, c := range cases {
			_, err := e.build(c.act, c.I, c.W, c.a, c.h, c.xi, c.eta)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %s: error %v, want one containing %q", e.name, c.name, err, c.want)
			}
		}
	}
}
