package blas

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// counting wraps an implementation and counts the float32 gemm calls that reach it.
type counting struct {
	Impl
	sgemms *atomic.Int64
}

func (c counting) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, cc []float32, ldc int) {
	c.sgemms.Add(1)
	c.Impl.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc)
}

// TestUseInGorgonia checks that after UseInGorgonia gorgonia's and tensor's products go through
// the chosen implementation and give the same result as gonum, forward and backward.
func TestUseInGorgonia(t *testing.T) {
	impls := []struct {
		name string
		impl func(t *testing.T) Impl
	}{
		{Go, func(*testing.T) Impl { return gonum.Implementation{} }},
		{OpenBLAS, func(t *testing.T) Impl { return requireOpenBLAS(t) }},
	}
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			impl := im.impl(t)
			keepChoice(t)
			oldG := gorgonia.WhichBLAS()
			t.Cleanup(func() { gorgonia.Use(oldG) })

			var calls atomic.Int64
			wrapped := counting{Impl: impl, sgemms: &calls}
			current.Store(&choice{name: im.name, reason: "test", impl: wrapped})
			UseInGorgonia()
			if gorgonia.WhichBLAS() != Impl(wrapped) || tensor.WhichBLAS() != Impl(wrapped) {
				t.Fatalf("after UseInGorgonia: gorgonia uses %T, tensor uses %T", gorgonia.WhichBLAS(), tensor.WhichBLAS())
			}

			const m, k, n = 64, 96, 80
			rnd := rand.New(rand.NewPCG(7, 8))
			a := randSlice[float32](rnd, m*k)
			b := randSlice[float32](rnd, k*n)

			g := gorgonia.NewGraph()
			A := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(m, k), gorgonia.WithName("A"),
				gorgonia.WithValue(tensor.New(tensor.WithShape(m, k), tensor.WithBacking(append([]float32(nil), a...)))))
			B := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(k, n), gorgonia.WithName("B"),
				gorgonia.WithValue(tensor.New(tensor.WithShape(k, n), tensor.WithBacking(append([]float32(nil), b...)))))
			C, err := gorgonia.Mul(A, B)
			if err != nil {
				t.Fatal(err)
			}
			loss, err := gorgonia.Sum(C)
			if err != nil {
				t.Fatal(err)
			}
			grads, err := gorgonia.Grad(loss, A)
			if err != nil {
				t.Fatal(err)
			}
			var cVal, dA gorgonia.Value
			gorgonia.Read(C, &cVal)
			gorgonia.Read(grads[0], &dA)
			vm := gorgonia.NewTapeMachine(g)
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}

			// Reference: C = A·B and dA = ones(m,n)·Bᵀ, with gonum.
			wantC := make([]float32, m*n)
			gonum.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, wantC, n)
			ones := make([]float32, m*n)
			for i := range ones {
				ones[i] = 1
			}
			wantDA := make([]float32, m*k)
			gonum.Implementation{}.Sgemm(blas.NoTrans, blas.Trans, m, k, n, 1, ones, n, b, n, 0, wantDA, k)

			compare := func(what string, v gorgonia.Value, want []float32, terms int) {
				t.Helper()
				got := v.Data().([]float32)
				if len(got) != len(want) {
					t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
				}
				tol := 2 * float64(terms+2) * 0x1p-24 * float64(terms) // |entries| ≤ 1
				for i := range want {
					if d := math.Abs(float64(got[i] - want[i])); d > tol || math.IsNaN(float64(got[i])) {
						t.Fatalf("%s[%d] = %v, gonum gives %v", what, i, got[i], want[i])
					}
				}
			}
			compare("C", cVal, wantC, k)
			compare("dA", dA, wantDA, n)
			if calls.Load() < 2 {
				t.Errorf("gorgonia made %d sgemm calls through the chosen BLAS, want at least 2 (forward and backward)", calls.Load())
			}
		})
	}
}
