package analysis

import (
	"fmt"
	"math"
)

// SplitBySender splits the nonzero entries of a rows×cols row-major weight
// matrix in dale's (pre, post) orientation by the type of the sending
// neuron: row r is excitatory when excitatory[r] is true. Zeros (absent
// synapses) are left out. The results feed a weight-distribution figure.
//
// It returns an error for rows or cols < 1, len(w) != rows*cols,
// len(excitatory) != rows, or a NaN or infinite weight.
func SplitBySender(w []float64, rows, cols int, excitatory []bool) (exc, inh []float64, err error) {
	if rows < 1 || cols < 1 {
		return nil, nil, fmt.Errorf("analysis: split weights: shape %d×%d is not allowed: rows and cols must be ≥ 1", rows, cols)
	}
	if len(w) != rows*cols {
		return nil, nil, fmt.Errorf("analysis: split weights: matrix has %d values: %d×%d needs %d", len(w), rows, cols, rows*cols)
	}
	if len(excitatory) != rows {
		return nil, nil, fmt.Errorf("analysis: split weights: %d neuron types for %d rows: must be equal (one per sending neuron)", len(excitatory), rows)
	}
	for r := range rows {
		for c := range cols {
			v := w[r*cols+c]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, fmt.Errorf("analysis: split weights: w[%d] (row %d, col %d) = %v is not allowed: must be finite", r*cols+c, r, c, v)
			}
			if v == 0 {
				continue
			}
			if excitatory[r] {
				exc = append(exc, v)
			} else {
				inh = append(inh, v)
			}
		}
	}
	return exc, inh, nil
}
