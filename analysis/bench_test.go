package analysis

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkPCA: hidden states of 200 trials × 100 steps × 128 neurons.
func BenchmarkPCA(b *testing.B) {
	const rows, cols = 200 * 100, 128
	rng := rand.New(rand.NewPCG(1, 1))
	data := make([]float64, rows*cols)
	for i := range data {
		data[i] = rng.NormFloat64()
	}
	b.ResetTimer()
	for range b.N {
		if _, _, err := PCA(data, rows, cols, 3); err != nil {
			b.Fatal(err)
		}
	}
}
