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
	v, explained, x, err := pcaFit(data, rows, cols, k)
	if err != nil {
		return nil, nil, err
	}
	var p mat.Dense
	p.Mul(x, v)
	return p.RawMatrix().Data, explained, nil
}

// PCAComponents returns the first k principal axes as a cols×k row-major
// matrix (column j is component j, unit length, sign as in PCA), the
// column means of data and the explained-variance fractions, so that new
// data can be projected as (x − mean) · axes.
func PCAComponents(data []float64, rows, cols int, k int) (axes, mean, explained []float64, err error) {
	v, explained, _, err := pcaFit(data, rows, cols, k)
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

// pcaFit returns the cols×k matrix of principal axes, the explained
// variance fractions and the centred data.
func pcaFit(data []float64, rows, cols, k int) (*mat.Dense, []float64, *mat.Dense, error) {
	if rows < 2 {
		return nil, nil, nil, fmt.Errorf("analysis: PCA rows = %d is not allowed: need at least 2 observations", rows)
	}
	if cols < 1 {
		return nil, nil, nil, fmt.Errorf("analysis: PCA cols = %d is not allowed: need at least 1 variable", cols)
	}
	if len(data) != rows*cols {
		return nil, nil, nil, fmt.Errorf("analysis: PCA data has %d values: rows×cols = %d×%d needs %d", len(data), rows, cols, rows*cols)
	}
	if kmax := min(rows, cols); k < 1 || k > kmax {
		return nil, nil, nil, fmt.Errorf("analysis: PCA k = %d is not allowed: must be in [1, min(rows, cols) = %d]", k, kmax)
	}
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, nil, fmt.Errorf("analysis: PCA data[%d] (row %d, col %d) = %v is not allowed: must be finite", i, i/cols, i%cols, v)
		}
	}
	x := mat.NewDense(rows, cols, pcaCentre(data, rows, cols))
	// Variances s[j] (descending) and axes vAll (columns). With more rows
	// than columns (the usual case: many time steps, fewer neurons) the
	// cols×cols scatter matrix is much cheaper than an SVD of the data.
	var (
		s    []float64
		vAll mat.Dense
	)
	if rows >= cols {
		var scatter mat.SymDense
		scatter.SymOuterK(1, x.T())
		var es mat.EigenSym
		if ok := es.Factorize(&scatter, true); !ok {
			return nil, nil, nil, fmt.Errorf("analysis: PCA: eigen decomposition did not converge")
		}
		asc := es.Values(nil)
		var vec mat.Dense
		es.VectorsTo(&vec)
		s = make([]float64, cols)
		vAll.ReuseAs(cols, cols)
		for j := range cols { // reverse to descending order
			s[j] = math.Max(asc[cols-1-j], 0)
			for r := range cols {
				vAll.Set(r, j, vec.At(r, cols-1-j))
			}
		}
	} else {
		var svd mat.SVD
		if ok := svd.Factorize(x, mat.SVDThinV); !ok {
			return nil, nil, nil, fmt.Errorf("analysis: PCA: singular value decomposition did not converge")
		}
		s = svd.Values(nil)
		for j := range s {
			s[j] *= s[j]
		}
		svd.VTo(&vAll)
	}
	total := 0.0
	for _, v := range x.RawMatrix().Data {
		total += v * v
	}
	if total == 0 || math.IsNaN(total) || math.IsInf(total, 0) {
		return nil, nil, nil, fmt.Errorf("analysis: PCA data has no variance: every column is constant")
	}
	v := mat.NewDense(cols, k, nil)
	explained := make([]float64, k)
	for j := range k {
		explained[j] = s[j] / total
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
	return v, explained, x, nil
}

// pcaCentre returns a copy of data with each column's mean subtracted.
func pcaCentre(data []float64, rows, cols int) []float64 {
	mean := make([]float64, cols)
	for r := range rows {
		row := data[r*cols : (r+1)*cols]
		for c, v := range row {
			mean[c] += v
		}
	}
	for c := range mean {
		mean[c] /= float64(rows)
	}
	out := make([]float64, len(data))
	for r := range rows {
		row, o := data[r*cols:(r+1)*cols], out[r*cols:(r+1)*cols]
		for c, v := range row {
			o[c] = v - mean[c]
		}
	}
	return out
}
