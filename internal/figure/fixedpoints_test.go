package figure

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/dale-rnn/dale/internal/pngtest"
)

func TestFixedPoints(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fp.png")
	fp := FixedPointsPlot{Title: "fixed points", XLabel: "PC1", YLabel: "PC2",
		PathsX: [][]float64{{0, 1, 2}}, PathsY: [][]float64{{0, 1, 0}},
		X: []float64{0, 2, 1}, Y: []float64{0, 0, 1}, Kind: []int{0, 0, 1}}
	if err := FixedPoints(p, fp); err != nil {
		t.Fatal(err)
	}
	if img := pngtest.Decode(t, p); img.Bounds().Dx() != 820 {
		t.Errorf("size %v", img.Bounds())
	}
	for _, bad := range []FixedPointsPlot{
		{X: []float64{1}, Y: []float64{1}},
		{X: []float64{1}, Y: []float64{1}, Kind: []int{3}},
		{X: []float64{math.NaN()}, Y: []float64{1}, Kind: []int{0}},
		{PathsX: [][]float64{{1, 2}}, PathsY: [][]float64{{1}}},
	} {
		if err := FixedPoints(filepath.Join(t.TempDir(), "x.png"), bad); err == nil {
			t.Errorf("%+v was drawn", bad)
		}
	}
}
