package mask_test

import (
	"testing"

	"github.com/dale-rnn/dale/mask"
)

// BenchmarkMultiAreaEI4096 builds a 4096-neuron, 4-area E/I mask (16.8 M
// neuron pairs, one Bernoulli draw each where 0 < p < 1). The target is
// well under one second per build.
func BenchmarkMultiAreaEI4096(b *testing.B) {
	cfg := mask.MultiAreaEIConfig{MultiAreaConfig: mask.MultiAreaConfig{
		Dims: [3]int{8, 4096, 4}, NAreas: 4,
		AreaConnectivityMatrix: [][]float64{
			{0.5, 0.1, 0.05, 0.02},
			{0.2, 0.5, 0.1, 0.05},
			{0.1, 0.2, 0.5, 0.1},
			{0.05, 0.1, 0.2, 0.5},
		},
	}}
	for i := 0; b.Loop(); i++ {
		if _, err := mask.NewMultiAreaEI(cfg.WithSeed(uint64(i)).(mask.MultiAreaEIConfig)); err != nil {
			b.Fatal(err)
		}
	}
}
