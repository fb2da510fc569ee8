package analysis

import "github.com/dale-rnn/dale/internal/linalg"

// Eigenvalues returns the eigenvalues of the n×n row-major matrix w,
// sorted by decreasing modulus, then by decreasing real part, then by
// decreasing imaginary part (conjugate pairs of a real matrix stay
// together). A matrix and its transpose have the same eigenvalues, so the
// orientation of w does not matter. It returns an error for n < 1,
// len(w) != n*n, a NaN or infinite value, or a failed decomposition.
func Eigenvalues(w []float64, n int) ([]complex128, error) { return linalg.Eigenvalues(w, n) }

// SpectralRadius returns the largest eigenvalue modulus of w (n×n,
// row-major), as Eigenvalues checks it.
func SpectralRadius(w []float64, n int) (float64, error) { return linalg.SpectralRadius(w, n) }
