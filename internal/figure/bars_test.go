package figure

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/dale-rnn/dale/internal/pngtest"
)

func TestBars(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bars.png")
	if err := Bars(p, BarsPlot{Title: "lesions", YLabel: "accuracy", Labels: []string{"intact", "area 0", "area 1"}, Values: []float64{0.95, 0.5, 0.9}}); err != nil {
		t.Fatal(err)
	}
	img := pngtest.Decode(t, p)
	if img.Bounds().Dx() != 500 || img.Bounds().Dy() != 520 {
		t.Errorf("size %v", img.Bounds())
	}
	for _, bp := range []BarsPlot{{}, {Labels: []string{"a"}, Values: []float64{1, 2}}, {Labels: []string{"a"}, Values: []float64{math.NaN()}}} {
		if err := Bars(filepath.Join(t.TempDir(), "x.png"), bp); err == nil {
			t.Errorf("%+v was drawn", bp)
		}
	}
}
