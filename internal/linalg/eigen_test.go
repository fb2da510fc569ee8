package linalg

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestEigenvalues(t *testing.T) {
	c, s := math.Cos(0.3), math.Sin(0.3)
	tests := []struct {
		name string
		w    []float64
		n    int
		want []complex128
	}{
		{"rotation 90°", []float64{0, -1, 1, 0}, 2, []complex128{1i, -1i}},
		{"rotation 0.3 scaled", []float64{2 * c, -2 * s, 2 * s, 2 * c}, 2, []complex128{complex(2*c, 2*s), complex(2*c, -2*s)}},
		{"diagonal", []float64{0.5, 0, 0, 0, -3, 0, 0, 0, 2}, 3, []complex128{-3, 2, 0.5}},
		{"triangular", []float64{1, 5, 7, 0, 4, 2, 0, 0, -0.5}, 3, []complex128{4, 1, -0.5}},
		{"scalar", []float64{-0.25}, 1, []complex128{-0.25}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Eigenvalues(tc.w, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if cmplx.Abs(got[i]-tc.want[i]) > 1e-12 {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
			rho, err := SpectralRadius(tc.w, tc.n)
			if err != nil || math.Abs(rho-cmplx.Abs(tc.want[0])) > 1e-12 {
				t.Fatalf("SpectralRadius = %v, %v; want %v", rho, err, cmplx.Abs(tc.want[0]))
			}
		})
	}
}

func TestEigenvaluesErrors(t *testing.T) {
	tests := []struct {
		name string
		w    []float64
		n    int
		want string
	}{
		{"n zero", nil, 0, "n = 0"},
		{"length", []float64{1, 2, 3}, 2, "3 values"},
		{"nan", []float64{1, math.NaN(), 3, 4}, 2, "NaN"},
		{"inf", []float64{1, 2, math.Inf(1), 4}, 2, "+Inf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Eigenvalues(tc.w, tc.n); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if _, err := SpectralRadius(tc.w, tc.n); err == nil {
				t.Fatal("SpectralRadius accepted bad input")
			}
		})
	}
}

func TestEigenvaluesRandom(t *testing.T) {
	const n = 200
	rng := rand.New(rand.NewPCG(3, 4))
	w := make([]float64, n*n)
	for i := range w {
		w[i] = 1.5 * rng.NormFloat64() / math.Sqrt(n)
	}
	vals, err := Eigenvalues(w, n)
	if err != nil {
		t.Fatal(err)
	}
	if rho := cmplx.Abs(vals[0]); rho < 1.3 || rho > 1.8 {
		t.Errorf("spectral radius %v, want ≈ 1.5", rho)
	}
	sumIm := 0.0
	for _, v := range vals {
		sumIm += imag(v)
	}
	if math.Abs(sumIm) > 1e-9 {
		t.Errorf("imaginary parts sum to %v: conjugate pairs broken", sumIm)
	}
}
