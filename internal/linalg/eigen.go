package linalg

import (
	"cmp"
	"fmt"
	"math"
	"math/cmplx"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Eigenvalues returns the eigenvalues of the n×n row-major matrix w,
// sorted by decreasing modulus, then by decreasing real part, then by
// decreasing imaginary part. Complex eigenvalues of a real matrix come in
// conjugate pairs. The orientation of w does not matter: a matrix and its
// transpose have the same eigenvalues.
//
// It returns an error for n < 1, len(w) != n*n, a NaN or infinite value,
// or when the eigen decomposition fails.
func Eigenvalues(w []float64, n int) ([]complex128, error) {
	if n < 1 {
		return nil, fmt.Errorf("eigenvalues: n = %d is not allowed: must be ≥ 1", n)
	}
	if len(w) != n*n {
		return nil, fmt.Errorf("eigenvalues: matrix has %d values: n×n = %d×%d needs %d", len(w), n, n, n*n)
	}
	for i, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("eigenvalues: w[%d] (row %d, col %d) = %v is not allowed: must be finite", i, i/n, i%n, v)
		}
	}
	var (
		eig mat.Eigen
		ok  bool
	)
	// mat.Eigen may panic on pathological input; turn that into an error.
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("eigenvalues: %v", r)
			}
		}()
		ok = eig.Factorize(mat.NewDense(n, n, slices.Clone(w)), mat.EigenNone)
		return nil
	}()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("eigenvalues: the decomposition of the %d×%d matrix did not converge", n, n)
	}
	vals := eig.Values(nil)
	slices.SortStableFunc(vals, func(a, b complex128) int {
		if c := cmp.Compare(cmplx.Abs(b), cmplx.Abs(a)); c != 0 {
			return c
		}
		if c := cmp.Compare(real(b), real(a)); c != 0 {
			return c
		}
		return cmp.Compare(imag(b), imag(a))
	})
	return vals, nil
}

// SpectralRadius returns the largest eigenvalue modulus of the n×n
// row-major matrix w, with the errors of Eigenvalues.
func SpectralRadius(w []float64, n int) (float64, error) {
	vals, err := Eigenvalues(w, n)
	if err != nil {
		return 0, err
	}
	return cmplx.Abs(vals[0]), nil
}
