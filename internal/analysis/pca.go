package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// PCA projects every row of data (rows×cols, row-major: one observation,
// e.g. one trial's time step, per row and one variable, e.g. one neuron,
// per column) onto the first k principal components of the column-centred
// data.
//
// proj is rows×k, row-major: proj[r*k+j] is row r's coordinate on
// component j. explained[j] is the fraction of the total variance that
// component j explains (descending). Each component's sign is fixed so that
// its largest-magnitude loading is positive, which makes the result
// deterministic.
//
// It returns an error for rows < 2, cols < 1, len(data) != rows*cols,
// k outside [1, min(rows, cols)], a NaN or infinite value, or data with no
// variance at all.
func PCA(data []float64, rows, cols int, k int) (proj []float64, explained []float64, err error) {
	v, explained, err := pcaFit(data, rows, cols, k)
	if err != nil {
		return nil, nil, err
	}
	centred := pcaCentre(data, rows, cols)
	var p mat.Dense
	p.Mul(mat.NewDense(rows, cols, centred), v)
	return p.RawMatrix().Data, explained, nil
}

// PCAComponents returns the first k principal axes as a cols×k row-major
// matrix (column j is component j, unit length, sign as in PCA), the
// column means of data and the explained-variance fractions, so that new
// data can be projected as (x − mean) · axes.
func PCAComponents(data []float64, rows, cols int, k int) (axes, mean, explained []float64, err error) {
	v, explained, err := pcaFit(data, rows, cols, k)
	if err != nil {
		return nil, nil, nil, err
	}
	mean = make([]float64, cols)
	for r := range rows {
		for c := range cols {
			mean[c] += data[r*cols+c]
		}
	}
	for c := range mean {
		mean[c] /= float64(rows)
	}
	return mat.DenseCopyOf(v).RawMatrix().Data, mean, explained, nil
}

// pcaFit returns the cols×k matrix of principal axes and the explained
// variance fractions.
func pcaFit(data []float64, rows, cols, k int) (*mat.Dense, []float64, error) {
	if rows < 2 {
		return nil, nil, fmt.Errorf("analysis: PCA rows = %d is not allowed: need at least 2 observations", rows)
	}
	if cols < 1 {
		return nil, nil, fmt.Errorf("analysis: PCA cols = %d is not allowed: need at least 1 variable", cols)
	}
	if len(data) != rows*cols {
		return nil, nil, fmt.Errorf("analysis: PCA data has %d values: rows×cols = %d×%d needs %d", len(data), rows, cols, rows*cols)
	}
	if kmax := min(rows, cols); k < 1 || k > kmax {
		return nil, nil, fmt.Errorf("analysis: PCA k = %d is not allowed: must be in [1, min(rows, cols) = %d]", k, kmax)
	}
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, fmt.Errorf("analysis: PCA data[%d] (row %d, col %d) = %v is not allowed: must be finite", i, i/cols, i%cols, v)
		}
	}
	x := mat.NewDense(rows, cols, pcaCentre(data, rows, cols))
	var svd mat.SVD
	if ok := svd.Factorize(x, mat.SVDThinV); !ok {
		return nil, nil, fmt.Errorf("analysis: PCA: singular value decomposition did not converge")
	}
	s := svd.Values(nil)
	total := 0.0
	for _, v := range s {
		total += v * v
	}
	if total == 0 || math.IsNaN(total) {
		return nil, nil, fmt.Errorf("analysis: PCA data has no variance: every column is constant")
	}
	var vAll mat.Dense
	svd.VTo(&vAll)
	v := mat.NewDense(cols, k, nil)
	explained := make([]float64, k)
	for j := range k {
		explained[j] = s[j] * s[j] / total
		// Fix the sign: largest-magnitude loading positive.
		big, sign := 0.0, 1.0
		for r := range cols {
			if a := math.Abs(vAll.At(r, j)); a > big {
				big = a
				sign = math.Copysign(1, vAll.At(r, j))
			}
		}
		for r := range cols {
			v.Set(r, j, sign*vAll.At(r, j))
		}
	}
	return v, explained, nil
}

// pcaCentre returns a copy of data with each column's mean subtracted.
func pcaCentre(data []float64, rows, cols int) []float64 {
	mean := make([]float64, cols)
	for r := range rows {
		for c := range cols {
			mean[c] += data[r*cols+c]
		}
	}
	out := make([]float64, len(data))
	for c := range mean {
		mean[c] /= float64(rows)
	}
	for r := range rows {
		for c := range cols {
			out[r*cols+c] = data[r*cols+c] - mean[c]
		}
	}
	return out
}
