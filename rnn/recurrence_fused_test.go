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

func TestFusedForwardMatchesReference(t *testing.T) {
	for _, act := range activations {
		for _, noise := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/noise=%t", act, noise), func(t *testing.T) {
				p := recNewProblem(2, act, 3, 7, 5, noise)
				want := recReference(p)
				r := recBuild(t, recFused, p, tensor.Float64, false)
				r.run(t)
				if e := recRelErr(r.values["V"], want); e > 1e-12 {
					t.Errorf("V: relative error %.3g > 1e-12", e)
				}
			})
		}
	}
}

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
