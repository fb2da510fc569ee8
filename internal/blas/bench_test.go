package blas

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// benchImpls returns the implementations to compare side by side in one run.
func benchImpls(b *testing.B) []struct {
	name string
	impl Impl
} {
	out := []struct {
		name string
		impl Impl
	}{{Go, gonum.Implementation{}}}
	if l, err := loadOpenBLAS(); err == nil {
		out = append(out, struct {
			name string
			impl Impl
		}{OpenBLAS, openblas{lib: l}})
	} else {
		b.Logf("OpenBLAS not benchmarked: %v", err)
	}
	return out
}

// BenchmarkSgemm measures C = op(A)·B for the shapes of the performance reference, named
// m×k×n: 64×256×256 is one time step's r·W at config R (batch 64, N 256); 256×6400×256 is the
// batched weight gradient Rᵀ·dR over 100 steps (A stored 6400×256, transposed); 1024³ is the
// machine's sgemm rate.
func BenchmarkSgemm(b *testing.B) {
	shapes := []struct {
		name    string
		m, k, n int
		tA      blas.Transpose
	}{
		{"64x256x256", 64, 256, 256, blas.NoTrans},
		{"256x6400x256", 256, 6400, 256, blas.Trans},
		{"1024x1024x1024", 1024, 1024, 1024, blas.NoTrans},
	}
	impls := benchImpls(b)
	rnd := rand.New(rand.NewPCG(9, 10))
	for _, s := range shapes {
		a := randSlice[float32](rnd, s.m*s.k)
		bm := randSlice[float32](rnd, s.k*s.n)
		c := make([]float32, s.m*s.n)
		lda := s.k
		if s.tA == blas.Trans {
			lda = s.m
		}
		flops := 2 * float64(s.m) * float64(s.k) * float64(s.n)
		for _, im := range impls {
			b.Run(s.name+"/"+im.name, func(b *testing.B) {
				for b.Loop() {
					im.impl.Sgemm(s.tA, blas.NoTrans, s.m, s.n, s.k, 1, a, lda, bm, s.n, 0, c, s.n)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkSgemmCall measures the fixed cost of one foreign call: a 4×4×4 sgemm sent to OpenBLAS
// whatever its size (normally such a product stays in gonum).
func BenchmarkSgemmCall(b *testing.B) {
	g := minGemmFlops
	minGemmFlops = 0
	defer func() { minGemmFlops = g }()
	a := make([]float32, 16)
	c := make([]float32, 16)
	for _, im := range benchImpls(b) {
		b.Run(im.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				im.impl.Sgemm(blas.NoTrans, blas.NoTrans, 4, 4, 4, 1, a, 4, a, 4, 0, c, 4)
			}
		})
	}
}
