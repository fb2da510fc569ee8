package figure

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

func histTestWeights() []HistSeries {
	rng := rand.New(rand.NewPCG(7, 8))
	exc := make([]float64, 3000)
	inh := make([]float64, 800)
	for i := range exc {
		if i%4 == 0 {
			continue // absent synapse
		}
		exc[i] = math.Abs(rng.NormFloat64() * 0.05)
	}
	for i := range inh {
		inh[i] = -math.Abs(rng.NormFloat64() * 0.15)
	}
	return []HistSeries{{Name: "excitatory", Values: exc}, {Name: "inhibitory", Values: inh}}
}

func TestHistogram(t *testing.T) {
	dir := t.TempDir()
	s := histTestWeights()
	for _, tc := range []struct {
		name string
		hp   HistogramPlot
		w, h int
	}{
		{"overlaid", HistogramPlot{Title: "Effective recurrent weights", XLabel: "weight", Series: s, SkipZeros: true, Density: true}, 800, 500},
		{"panels", HistogramPlot{Title: "Effective recurrent weights", XLabel: "weight", Series: s, Panels: true, Bins: 30}, 800, 460},
		{"constant", HistogramPlot{Series: []HistSeries{{Values: []float64{2, 2, 2}}}, Width: 300, Height: 200}, 300, 200},
		{"all zero skipped", HistogramPlot{Series: []HistSeries{{Name: "z", Values: []float64{0, 0}}}, SkipZeros: true}, 800, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "hist_"+tc.name+".png")
			if err := Histogram(path, tc.hp); err != nil {
				t.Fatal(err)
			}
			panelTestPNG(t, path, tc.w, tc.h)
			panelTestKeep(t, path)
		})
	}
}

func TestHistogramErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		hp   HistogramPlot
		want string
	}{
		{"none", HistogramPlot{}, "no series"},
		{"empty", HistogramPlot{Series: []HistSeries{{Name: "e"}}}, "no values"},
		{"nan", HistogramPlot{Series: []HistSeries{{Name: "e", Values: []float64{1, math.NaN()}}}}, "NaN"},
		{"bins", HistogramPlot{Bins: -1, Series: []HistSeries{{Name: "e", Values: []float64{1}}}}, "bins = -1"},
		{"size", HistogramPlot{Height: 100000, Series: []HistSeries{{Name: "e", Values: []float64{1}}}}, "height = 100000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := Histogram(filepath.Join(dir, "h.png"), tc.hp)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			panelTestNothing(t, dir)
		})
	}
}
