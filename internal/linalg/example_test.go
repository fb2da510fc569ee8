package linalg_test

import (
	"fmt"

	"github.com/dale-rnn/dale/internal/linalg"
)

// The spectral radius of a matrix scaled by 2 doubles.
func ExampleSpectralRadius() {
	w := []float64{0.5, 0, 0, -0.25}
	a, _ := linalg.SpectralRadius(w, 2)
	for i := range w {
		w[i] *= 2
	}
	b, _ := linalg.SpectralRadius(w, 2)
	fmt.Println(a, b)
	// Output: 0.5 1
}
