package linalg

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkEigenvalues: a 256×256 recurrent matrix.
func BenchmarkEigenvalues(b *testing.B) {
	const n = 256
	rng := rand.New(rand.NewPCG(1, 1))
	w := make([]float64, n*n)
	for i := range w {
		w[i] = rng.NormFloat64() / 16
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Eigenvalues(w, n); err != nil {
			b.Fatal(err)
		}
	}
}
