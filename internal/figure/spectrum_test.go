package figure

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

func spectrumTestValues(n int, g float64, seed uint64) []complex128 {
	rng := rand.New(rand.NewPCG(seed, 1))
	v := make([]complex128, 0, n)
	for len(v) < n {
		r := g * math.Sqrt(rng.Float64())
		a := math.Pi * rng.Float64()
		z := cmplx.Rect(r, a)
		v = append(v, z, cmplx.Conj(z))
	}
	return v
}

func TestSpectrum(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "spectrum.png")
	if err := Spectrum(path, "Effective recurrent matrix", spectrumTestValues(100, 1.4, 1)); err != nil {
		t.Fatal(err)
	}
	panelTestPNG(t, path, 760, 600)
	panelTestKeep(t, path)

	path = filepath.Join(dir, "spectrum_two.png")
	err := SpectrumWith(path, SpectrumPlot{
		Sets: []EigenSet{
			{Name: "initial", Values: spectrumTestValues(100, 0.8, 2)},
			{Name: "trained", Values: append(spectrumTestValues(98, 0.9, 3), 1.2, -0.3)},
		},
		Width: 500, Height: 700,
	})
	if err != nil {
		t.Fatal(err)
	}
	panelTestPNG(t, path, 500, 700)
	panelTestKeep(t, path)
}

func TestSpectrumErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		sp   SpectrumPlot
		want string
	}{
		{"none", SpectrumPlot{}, "no eigenvalues"},
		{"empty", SpectrumPlot{Sets: []EigenSet{{Name: "a"}}}, "has no eigenvalues"},
		{"nan", SpectrumPlot{Sets: []EigenSet{{Name: "a", Values: []complex128{1, cmplx.NaN()}}}}, "eigenvalue[1]"},
		{"inf", SpectrumPlot{Sets: []EigenSet{{Name: "a", Values: []complex128{cmplx.Inf()}}}}, "must be finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := SpectrumWith(filepath.Join(dir, "s.png"), tc.sp)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			panelTestNothing(t, dir)
		})
	}
}
