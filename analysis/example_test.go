package analysis_test

import (
	"fmt"

	"github.com/dale-rnn/dale/analysis"
)

// PCA of four observations of three variables that vary along one line
// (plus a small orthogonal wobble): the first component carries almost all
// of the variance.
func ExamplePCA() {
	data := []float64{
		0, 0, 0.1,
		1, 2, -0.1,
		2, 4, 0.1,
		3, 6, -0.1,
	}
	proj, explained, err := analysis.PCA(data, 4, 3, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("explained: %.4f %.4f\n", explained[0], explained[1])
	for r := range 4 {
		fmt.Printf("row %d: PC1 = %+.3f\n", r, proj[r*2])
	}
	// Output:
	// explained: 0.9987 0.0013
	// row 0: PC1 = -3.355
	// row 1: PC1 = -1.116
	// row 2: PC1 = +1.116
	// row 3: PC1 = +3.355
}

// The eigenvalues of a 90° rotation are ±i; its spectral radius is 1.
func ExampleEigenvalues() {
	w := []float64{
		0, -1,
		1, 0,
	}
	vals, err := analysis.Eigenvalues(w, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	rho, _ := analysis.SpectralRadius(w, 2)
	fmt.Println(vals, rho)
	// Output: [(0+1i) (0-1i)] 1
}

// Choices per signed coherence level, then a logistic fit.
