package rnn

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/internal/blas"
)

// TestFusedMatchesUnrolled compares V and the gradients of sum(V ⊙ R) with respect to I, W,
// alpha and h0 between the engines, in float32, for every activation with and without noise.
func TestFusedMatchesUnrolled(t *testing.T) {
	for _, act := range activations {
		for _, noise := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/noise=%t", act, noise), func(t *testing.T) {
				p := recNewProblem(3, act, 4, 9, 6, noise)
				f := recBuild(t, recFused, p, tensor.Float32, true)
				u := recBuild(t, recUnrolled, p, tensor.Float32, true)
				f.run(t)
				u.run(t)
				for _, k := range []string{"V", "dI", "dW", "dalpha", "dh0"} {
					if e := recRelErr(f.values[k], u.values[k]); !(e <= 1e-4) {
						t.Errorf("%s: fused vs unrolled relative error %.3g > 1e-4", k, e)
					}
				}
				// A second run must give the same (buffers are reused, gradients re-zeroed).
				v1 := append([]float64(nil), f.values["dW"]...)
				f.run(t)
				if e := recRelErr(f.values["dW"], v1); e != 0 {
					t.Errorf("second run: dW changed by %.3g", e)
				}
			})
		}
	}
}

// TestFusedMatchesUnrolledEachBLAS repeats one comparison under each available BLAS, so the
// assembly kernel (used with the pure-Go BLAS) and OpenBLAS are both covered whatever DALE_BLAS
// says.
func TestFusedMatchesUnrolledEachBLAS(t *testing.T) {
	prev := blas.Name()
	defer func() { _ = blas.Set(prev) }()
	for _, name := range []string{blas.Go, blas.OpenBLAS} {
		t.Run(name, func(t *testing.T) {
			if err := blas.Set(name); err != nil {
				t.Skipf("BLAS %s not available: %v", name, err)
			}
			// sizes past one kernel tile with edges (B not a multiple of 4, N not of 16), and
			// one large enough for the batch to be split among workers
			if name == blas.Go && fusedHasKernel && runtime.GOMAXPROCS(0) > 1 {
				st := &fusedState[float32]{B: 10, T: 3, N: 256}
				if parts := st.parts(); len(parts) < 2 {
					t.Errorf("batch of 10 × 256 neurons is not split among workers: %v", parts)
				}
			}
			for _, p := range []*recProblem{
				recNewProblem(8, Softplus, 6, 11, 21, true),
				recNewProblem(9, ReLU, 10, 3, 256, true),
			} {
				f := recBuild(t, recFused, p, tensor.Float32, true)
				u := recBuild(t, recUnrolled, p, tensor.Float32, true)
				f.run(t)
				u.run(t)
				for _, k := range []string{"V", "dI", "dW", "dalpha", "dh0"} {
					if e := recRelErr(f.values[k], u.values[k]); !(e <= 1e-4) {
						t.Errorf("B=%d N=%d: %s: fused vs unrolled relative error %.3g > 1e-4", p.B, p.N, k, e)
					}
				}
			}
		})
	}
}

// recFiniteDiff checks the gradients of engine e in float64 against central differences of the
// cost, element by element, for every entry of I, W, alpha and h0.
func recFiniteDiff(t *testing.T, e recEngine, p *recProblem, tol float64) {
	t.Helper()
	r := recBuild(t, e, p, tensor.Float64, true)
	r.run(t)
	grads := map[string][]float64{}
	for k, v := range r.values {
		grads[k] = v
	}
	const h = 1e-6
	for _, c := range []struct {
		name string
		x    []float64
		grad string
	}{
		{"I", p.I, "dI"}, {"W", p.W, "dW"}, {"alpha", p.alpha, "dalpha"}, {"h0", p.h0, "dh0"},
	} {
		leaf := map[string]*G.Node{"I": r.I, "W": r.W, "alpha": r.alpha, "h0": r.h0}[c.name]
		num := make([]float64, len(c.x))
		for i := range c.x {
			orig := c.x[i]
			c.x[i] = orig + h
			r.set(t, leaf, c.x)
			r.run(t)
			up := r.values["cost"][0]
			c.x[i] = orig - h
			r.set(t, leaf, c.x)
			r.run(t)
			down := r.values["cost"][0]
			c.x[i] = orig
			num[i] = (up - down) / (2 * h)
		}
		r.set(t, leaf, c.x)
		if err := recRelErr(grads[c.grad], num); !(err <= tol) {
			t.Errorf("%s: %s vs finite differences: relative error %.3g > %.3g", e.name, c.grad, err, tol)
		}
	}
}

func TestFusedFiniteDifferences(t *testing.T) {
	for _, act := range activations {
		t.Run(string(act), func(t *testing.T) {
			p := recNewProblem(4, act, 2, 5, 4, true)
			recFiniteDiff(t, recFused, p, 1e-6)
		})
	}
}

// TestLongSequencePast256 would have caught gorgonia's slice-hashing bug (offsets hashed by
// their low byte only): with T = 300, step t and step t+256 get different inputs, and V, the
// gradient with respect to I at steps ≥ 256, and the other gradients must match the plain
// reference, the other engine and finite differences.
func TestLongSequencePast256(t *testing.T) {
	p := recNewProblem(5, Tanh, 2, 300, 3, true)
	// make step t+256 differ markedly from step t
	for b := 0; b < p.B; b++ {
		for s := 256; s < p.T; s++ {
			for n := 0; n < p.N; n++ {
				p.I[(b*p.T+s)*p.N+n] += 3
			}
		}
	}
	want := recReference(p)
	f := recBuild(t, recFused, p, tensor.Float64, true)
	u := recBuild(t, recUnrolled, p, tensor.Float64, true)
	f.run(t)
	u.run(t)
	for _, e := range []*recGraph{f, u} {
		if err := recRelErr(e.values["V"], want); err > 1e-12 {
			t.Errorf("V: relative error vs reference %.3g > 1e-12", err)
		}
	}
	// the per-step quantity at t and t+256 really differs
	if v0, v256 := f.values["V"][(0*p.T+10)*p.N], f.values["V"][(0*p.T+266)*p.N]; v0 == v256 {
		t.Fatalf("V at steps 10 and 266 coincide (%v): test inputs do not separate them", v0)
	}
	for _, k := range []string{"dI", "dW", "dalpha", "dh0"} {
		if err := recRelErr(u.values[k], f.values[k]); err > 1e-10 {
			t.Errorf("%s: unrolled vs fused relative error %.3g > 1e-10", k, err)
		}
	}
	// finite differences of dI at a few entries past 255, through both engines
	const h = 1e-6
	for _, e := range []*recGraph{f, u} {
		dI := e.values["dI"]
		for _, idx := range []int{(0*p.T+256)*p.N + 0, (1*p.T+270)*p.N + 2, (0*p.T+299)*p.N + 1, (1*p.T+10)*p.N + 1} {
			orig := p.I[idx]
			p.I[idx] = orig + h
			e.set(t, e.I, p.I)
			e.run(t)
			up := e.values["cost"][0]
			p.I[idx] = orig - h
			e.set(t, e.I, p.I)
			e.run(t)
			down := e.values["cost"][0]
			p.I[idx] = orig
			e.set(t, e.I, p.I)
			num := (up - down) / (2 * h)
			if d := math.Abs(num - dI[idx]); d > 1e-6*math.Max(1, math.Abs(num)) {
				t.Errorf("dI[%d]: %v, finite differences %v", idx, dI[idx], num)
			}
		}
	}
}

// TestFusedSplitMatchesOnePart runs the fused kernels with the batch in one part and split in
// three (the split the assembly kernel and single-threaded OpenBLAS get on a machine with three
// or more cores), under each available BLAS, in float32 and float64. Rows are independent, so V
// and dI do not depend on the split (up to the product's rounding for a different number of
// rows); dW, dα and dh0 are sums over the batch taken part by part and then added in part order,
// so they may differ in the last bits. Everything must agree within 1e-6 relative (float32) or
// 1e-12 (float64), max-norm.
func TestFusedSplitMatchesOnePart(t *testing.T) {
	prev := blas.Name()
	defer func() { _ = blas.Set(prev) }()
	for _, name := range []string{blas.Go, blas.OpenBLAS} {
		t.Run(name, func(t *testing.T) {
			if err := blas.Set(name); err != nil {
				t.Skipf("BLAS %s not available: %v", name, err)
			}
			if name == blas.OpenBLAS && blas.Threads() != 1 {
				// the split needs single-threaded OpenBLAS (the default)
				n := blas.Threads()
				if err := blas.SetThreads(1); err != nil {
					t.Fatal(err)
				}
				defer func() { _ = blas.SetThreads(n) }()
			}
			for _, act := range []Activation{ReLU, Tanh} {
				p := recNewProblem(21, act, 13, 7, 40, true)
				t.Run(string(act)+"/float32", func(t *testing.T) { fusedSplitCheck[float32](t, p, 1e-6) })
				t.Run(string(act)+"/float64", func(t *testing.T) { fusedSplitCheck[float64](t, p, 1e-12) })
			}
		})
	}
}

func fusedSplitCheck[T fusedFloat](t *testing.T, p *recProblem, tol float64) {
	conv := func(x []float64) []T {
		if x == nil {
			return nil
		}
		out := make([]T, len(x))
		for i, v := range x {
			out[i] = T(v)
		}
		return out
	}
	back := func(x []T) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = float64(v)
		}
		return out
	}
	B, S, N := p.B, p.T, p.N
	I, W, alpha, h0, xi, eta := conv(p.I), conv(p.W), conv(p.alpha), conv(p.h0), conv(p.xi), conv(p.eta)
	gV := conv(p.R) // dL/dV of the tests' cost sum(V ⊙ R)
	results := map[int]map[string][]float64{}
	for _, workers := range []int{1, 3} {
		st := &fusedState[T]{kind: p.act.kind(), B: B, T: S, N: N, workers: workers}
		parts := st.parts()
		if want := 1; workers > 1 && fusedSplits[T]() {
			want = workers
			if len(parts) != want {
				t.Fatalf("workers %d: %d parts %v, want %d", workers, len(parts), parts, want)
			}
		}
		V := make([]T, B*S*N)
		dI, dW, da, dh := make([]T, B*S*N), make([]T, N*N), make([]T, N), make([]T, N)
		// twice: buffers are reused from run to run
		for range 2 {
			st.forward(V, I, W, alpha, h0, xi, eta)
			st.backward(dI, dW, da, dh, I, W, alpha, h0, V, gV)
		}
		results[workers] = map[string][]float64{"V": back(V), "dI": back(dI), "dW": back(dW), "dalpha": back(da), "dh0": back(dh)}
	}
	for _, k := range []string{"V", "dI", "dW", "dalpha", "dh0"} {
		a, b := results[3][k], results[1][k]
		if e := recRelErr(a, b); !(e <= tol) {
			t.Errorf("%s: 3 parts vs 1: relative error %.3g > %.3g", k, e, tol)
		} else if e != 0 {
			t.Logf("%s: 3 parts vs 1: relative error %.3g", k, e)
		}
	}
}

// TestFusedFixedAlpha: with alpha fixed (fusedRecurrenceWith(..., false)) the op is not
// differentiable with respect to alpha, and V and the gradients with respect to I, W and h0 are
// the same, bit for bit, as with the full backward, under each available BLAS.
func TestFusedFixedAlpha(t *testing.T) {
	prev := blas.Name()
	defer func() { _ = blas.Set(prev) }()
	for _, name := range []string{blas.Go, blas.OpenBLAS} {
		t.Run(name, func(t *testing.T) {
			if err := blas.Set(name); err != nil {
				t.Skipf("BLAS %s not available: %v", name, err)
			}
			for _, p := range []*recProblem{
				recNewProblem(31, Tanh, 3, 6, 5, true),
				recNewProblem(32, ReLU, 10, 4, 256, false), // split among workers where there are several
			} {
				for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
					full := recBuild(t, recFused, p, dt, true)
					full.run(t)
					fixed := recFixedAlpha(t, p, dt)
					for range 2 { // twice: buffers are reused
						fixed.run(t)
					}
					if _, ok := fixed.values["dalpha"]; ok {
						t.Errorf("%v N=%d: alpha got a gradient though fixed", dt, p.N)
					}
					for _, k := range []string{"V", "dI", "dW", "dh0", "cost"} {
						a, b := fixed.values[k], full.values[k]
						if len(a) != len(b) || len(a) == 0 {
							t.Fatalf("%v N=%d: %s has %d values, want %d", dt, p.N, k, len(a), len(b))
						}
						for i := range a {
							if a[i] != b[i] {
								t.Errorf("%v N=%d: %s[%d] = %v with alpha fixed, %v with the full backward", dt, p.N, k, i, a[i], b[i])
								break
							}
						}
					}
				}
			}
		})
	}
}

// recFixedAlpha builds recBuild's graph with the fused engine and alpha fixed: gradients with
// respect to I, W and h0 only.
func recFixedAlpha(t *testing.T, p *recProblem, dt tensor.Dtype) *recGraph {
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
	V, err := fusedRecurrenceWith(p.act, r.I, r.W, r.alpha, r.h0, r.xi, r.eta, false)
	if err != nil {
		t.Fatal(err)
	}
	r.V = V
	G.Read(V, &r.vRead)
	prod, err := G.HadamardProd(V, leaf("R", tensor.Shape{B, T, N}, p.R))
	if err != nil {
		t.Fatal(err)
	}
	if r.cost, err = G.Sum(prod); err != nil {
		t.Fatal(err)
	}
	wrt := G.Nodes{r.I, r.W, r.h0}
	if _, err := G.Grad(r.cost, wrt...); err != nil {
		t.Fatal(err)
	}
	r.vm = G.NewTapeMachine(r.g, G.BindDualValues(wrt...))
	return r
}
