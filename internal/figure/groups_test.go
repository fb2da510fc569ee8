package figure

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/dale-rnn/dale/internal/pngtest"
)

func TestGroups(t *testing.T) {
	p := filepath.Join(t.TempDir(), "groups.png")
	gp := GroupsPlot{Title: "sweep", XLabel: "inter_area_connections", Labels: []string{"[T,T,T,T]", "[T,F,F,F] (1 not done)"},
		Panels: []GroupsPanel{
			{Title: "accuracy", Values: [][]float64{{0.93, 0.94, 0.95}, {0.9, 0.91}}},
			{Title: "mse", Values: [][]float64{{0.01, 0.011, 0.012}, {}}},
		}}
	if err := Groups(p, gp); err != nil {
		t.Fatal(err)
	}
	img := pngtest.Decode(t, p)
	if img.Bounds().Dx() != 840 || img.Bounds().Dy() != 420 {
		t.Errorf("size %v, want 840×420", img.Bounds())
	}
	if m, sd := meanSD([]float64{1, 2, 3}); m != 2 || sd != 1 {
		t.Errorf("meanSD = %g, %g, want 2, 1", m, sd)
	}
	bad := []GroupsPlot{
		{},
		{Labels: []string{"a"}, Panels: []GroupsPanel{{Title: "x", Values: [][]float64{{1}, {2}}}}},
		{Labels: []string{"a"}, Panels: []GroupsPanel{{Title: "x", Values: [][]float64{{math.NaN()}}}}},
		{Labels: []string{"a"}, Panels: []GroupsPanel{{Title: "x", Values: [][]float64{{}}}}},
	}
	for _, g := range bad {
		q := filepath.Join(t.TempDir(), "x.png")
		if err := Groups(q, g); err == nil {
			t.Errorf("%+v was drawn", g)
		}
		if _, err := os.Stat(q); err == nil {
			t.Errorf("%+v left a file", g)
		}
	}
}
