package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPCAPlanted plants a rank-2 structure (two latent signals with
// variances 9 and 1 along orthonormal axes) plus small noise in 10
// dimensions and checks that PCA finds the variance ratios and the latent
// signals up to sign.
func TestPCAPlanted(t *testing.T) {
	const rows, cols = 400, 10
	rng := rand.New(rand.NewPCG(1, 2))
	// Orthonormal axes: e1 = (1,1,0,...)/√2, e2 = (1,−1,0,...)/√2 rotated into
	// columns 0,1 and spread a little into column 5.
	a1 := make([]float64, cols)
	a2 := make([]float64, cols)
	a1[0], a1[1], a1[5] = 1, 1, 1
	a2[0], a2[1], a2[5] = 1, -1, 0
	norm := func(v []float64) {
		s := 0.0
		for _, x := range v {
			s += x * x
		}
		for i := range v {
			v[i] /= math.Sqrt(s)
		}
	}
	norm(a1)
	norm(a2)
	z1 := make([]float64, rows)
	z2 := make([]float64, rows)
	data := make([]float64, rows*cols)
	for r := range rows {
		z1[r] = 3 * rng.NormFloat64()
		z2[r] = rng.NormFloat64()
		for c := range cols {
			data[r*cols+c] = 5 + z1[r]*a1[c] + z2[r]*a2[c] + 0.01*rng.NormFloat64()
		}
	}
	proj, explained, err := PCA(data, rows, cols, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(proj) != rows*2 || len(explained) != 2 {
		t.Fatalf("len(proj) = %d, len(explained) = %d", len(proj), len(explained))
	}
	// Expected ratios from the sample variances of z1, z2.
	v1, v2 := variance(z1), variance(z2)
	total := v1 + v2 + cols*1e-4
	if math.Abs(explained[0]-v1/total) > 0.01 || math.Abs(explained[1]-v2/total) > 0.01 {
		t.Errorf("explained = %v, want ≈ [%.3f %.3f]", explained, v1/total, v2/total)
	}
	if explained[0] < explained[1] {
		t.Errorf("explained not descending: %v", explained)
	}
	// Projections match the (centred) latents up to sign.
	for j, z := range [][]float64{z1, z2} {
		pj := make([]float64, rows)
		for r := range rows {
			pj[r] = proj[r*2+j]
		}
		if c := math.Abs(corr(pj, z)); c < 0.999 {
			t.Errorf("component %d: |corr(proj, latent)| = %.5f, want > 0.999", j, c)
		}
	}
	// Components are deterministic and unit length.
	axes, mean, ex2, err := PCAComponents(data, rows, cols, 2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(mean[2]-5) > 0.01 || ex2[0] != explained[0] {
		t.Errorf("mean[2] = %v, explained %v vs %v", mean[2], ex2[0], explained[0])
	}
	for j := range 2 {
		s := 0.0
		for c := range cols {
			s += axes[c*2+j] * axes[c*2+j]
		}
		if math.Abs(s-1) > 1e-9 {
			t.Errorf("axis %d has squared norm %v", j, s)
		}
	}
	// (x − mean)·axes reproduces proj.
	for _, r := range []int{0, 17, rows - 1} {
		for j := range 2 {
			s := 0.0
			for c := range cols {
				s += (data[r*cols+c] - mean[c]) * axes[c*2+j]
			}
			if math.Abs(s-proj[r*2+j]) > 1e-9 {
				t.Errorf("row %d comp %d: %v vs proj %v", r, j, s, proj[r*2+j])
			}
		}
	}
}

func TestPCAErrors(t *testing.T) {
	good := []float64{1, 2, 3, 4, 5, 7}
	tests := []struct {
		name          string
		data          []float64
		rows, cols, k int
		want          string
	}{
		{"one row", good[:3], 1, 3, 1, "rows = 1"},
		{"no cols", nil, 3, 0, 1, "cols = 0"},
		{"length", good, 2, 2, 1, "6 values"},
		{"k too big", good, 2, 3, 3, "k = 3"},
		{"k zero", good, 3, 2, 0, "k = 0"},
		{"nan", []float64{1, 2, math.NaN(), 4}, 2, 2, 1, "NaN"},
		{"inf", []float64{1, 2, 3, math.Inf(-1)}, 2, 2, 1, "-Inf"},
		{"constant", []float64{1, 2, 1, 2, 1, 2}, 3, 2, 1, "no variance"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := PCA(tc.data, tc.rows, tc.cols, tc.k)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestEigenvaluesRandom checks the circular law scale: a random n×n matrix
// with entries of sd g/√n has spectral radius ≈ g, and eigenvalues of a real
// matrix come in conjugate pairs.
func TestSplitBySender(t *testing.T) {
	w := []float64{
		0.1, 0, 0.3, // exc row
		-0.2, -0.4, 0, // inh row
		0, 0.5, 0, // exc row
	}
	exc, inh, err := SplitBySender(w, 3, 3, []bool{true, false, true})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(exc) != "[0.1 0.3 0.5]" || fmt.Sprint(inh) != "[-0.2 -0.4]" {
		t.Errorf("exc %v inh %v", exc, inh)
	}
	for _, tc := range []struct {
		name string
		w    []float64
		r, c int
		e    []bool
		want string
	}{
		{"shape", nil, 0, 3, nil, "shape 0×3"},
		{"length", w[:8], 3, 3, []bool{true, true, true}, "8 values"},
		{"types", w, 3, 3, []bool{true}, "1 neuron types"},
		{"nan", []float64{math.NaN()}, 1, 1, []bool{true}, "NaN"},
	} {
		if _, _, err := SplitBySender(tc.w, tc.r, tc.c, tc.e); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func variance(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return s / float64(len(x)-1)
}

func corr(a, b []float64) float64 {
	ma, mb := 0.0, 0.0
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}
