package analysis_test

import (
	"fmt"
	"math"

	"github.com/dale-rnn/dale/analysis"
	"github.com/dale-rnn/dale/rnn"
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

// The fixed points of one self-exciting tanh unit, v ↦ v + α (2 tanh(v) −
// v) with α = 0.5: the origin is unstable (the map's eigenvalue there is
// 1 − α + 2α = 1.5) and ±1.915 (v = 2 tanh v) are stable (1 − α +
// 2α (1 − tanh² v) = 0.583). In a trained network the Dynamics comes
// from (*rnn.Model).Dynamics and the initial states from its
// trajectories (SampleStates).
func ExampleFixedPoints() {
	d := &rnn.Dynamics{N: 1, Out: 1, Activation: rnn.Tanh,
		Alpha: []float64{0.5}, WRec: []float64{2}, WOut: []float64{1},
		BRec: []float64{0}, BOut: []float64{0}, V0: []float64{0}}
	var initial [][]float64
	for _, v := range []float64{-3, -1, -0.1, 0.2, 1, 3} {
		initial = append(initial, []float64{v})
	}
	res, err := analysis.FixedPoints(d, nil, initial, analysis.FixedPointOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	round := func(x float64) float64 { return math.Round(x*1e4)/1e4 + 0 } // no "-0.0000"
	fmt.Printf("%d points from %d initial states\n", len(res.Points), res.Tried)
	for _, p := range res.Points {
		fmt.Printf("v = %+.4f  y = %+.4f  λ = %.4f  %-8s  from %d states, q < 1e-20: %v\n",
			round(p.V[0]), round(p.Readout[0]), real(p.Eigenvalues[0]), p.Stability, p.Count, p.Q < 1e-20)
	}
	// Output:
	// 3 points from 6 initial states
	// v = -1.9150  y = -0.9575  λ = 0.5832  stable    from 2 states, q < 1e-20: true
	// v = +0.0000  y = +0.0000  λ = 1.5000  unstable  from 2 states, q < 1e-20: true
	// v = +1.9150  y = +0.9575  λ = 0.5832  stable    from 2 states, q < 1e-20: true
}
