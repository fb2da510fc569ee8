package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestFusedSgemmMatchesNaive checks the assembly kernel's driver against a plain triple loop on
// shapes with and without edges (rows not a multiple of 4, columns not a multiple of 16, depth
// past one pass), with A plain and transposed, and strided operands.
func TestFusedSgemmMatchesNaive(t *testing.T) {
	if !fusedHasKernel {
		t.Skip("no AVX2/FMA kernel on this machine")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, s := range [][3]int{{4, 16, 1}, {64, 256, 256}, {7, 37, 300}, {3, 15, 5}, {13, 48, 513}, {256, 32, 640}} {
		for _, transA := range []bool{false, true} {
			m, n, k := s[0], s[1], s[2]
			t.Run(fmt.Sprintf("%dx%dx%d/transA=%t", m, n, k, transA), func(t *testing.T) {
				lda, ldb, ldc := k+3, n+5, n+2
				if transA {
					lda = m + 3
				}
				rows := m
				if transA {
					rows = k
				}
				a := make([]float32, (rows-1)*lda+max(k, m))
				b := make([]float32, (k-1)*ldb+n)
				c := make([]float32, (m-1)*ldc+n+1)
				for i := range a {
					a[i] = float32(rng.NormFloat64())
				}
				for i := range b {
					b[i] = float32(rng.NormFloat64())
				}
				for i := range c {
					c[i] = 99 // must be overwritten inside the product, kept outside
				}
				fusedSgemm(transA, m, n, k, a, lda, b, ldb, c, ldc, 0)
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						var want, scale float64
						for l := 0; l < k; l++ {
							var x float32
							if transA {
								x = a[l*lda+i]
							} else {
								x = a[i*lda+l]
							}
							want += float64(x) * float64(b[l*ldb+j])
							scale += math.Abs(float64(x) * float64(b[l*ldb+j]))
						}
						if got := float64(c[i*ldc+j]); math.Abs(got-want) > 1e-5*(scale+1) {
							t.Fatalf("C[%d][%d] = %v, want %v", i, j, got, want)
						}
					}
					for j := n; j < ldc && i*ldc+j < len(c); j++ {
						if c[i*ldc+j] != 99 {
							t.Fatalf("C[%d][%d] outside the product was changed to %v", i, j, c[i*ldc+j])
						}
					}
				}
			})
		}
	}
}
