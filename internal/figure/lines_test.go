package figure

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func linesTestLoss(n int) []Series {
	x := make([]float64, n)
	task := make([]float64, n)
	reg := make([]float64, n)
	total := make([]float64, n)
	for i := range x {
		x[i] = float64(i * 10)
		task[i] = 0.7*math.Exp(-float64(i)/40) + 0.01 + 0.005*math.Sin(float64(i))
		reg[i] = 0.02 * math.Exp(-float64(i)/200)
		total[i] = task[i] + reg[i]
	}
	return []Series{{Name: "total", X: x, Y: total}, {Name: "task", X: x, Y: task}, {Name: "rate L2", X: x, Y: reg}}
}

func TestLines(t *testing.T) {
	dir := t.TempDir()
	loss := linesTestLoss(200)
	tests := []struct {
		name string
		lp   LinesPlot
		w, h int
	}{
		{"loss_log", LinesPlot{Title: "Training loss", XLabel: "step", YLabel: "loss", Series: loss, LogY: true}, 800, 500},
		{"accuracy", LinesPlot{Title: "Accuracy", XLabel: "step", YLabel: "accuracy", YMin: 0, YMax: 1,
			Series: []Series{{Name: "accuracy", X: loss[0].X, Y: loss[2].Y}}, Width: 640, Height: 400}, 640, 400},
		{"one_point", LinesPlot{Title: "One", XLabel: "x", YLabel: "y", Series: []Series{{X: []float64{1}, Y: []float64{2}}}}, 800, 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "lines_"+tc.name+".png")
			if err := LinesWith(path, tc.lp); err != nil {
				t.Fatal(err)
			}
			panelTestPNG(t, path, tc.w, tc.h)
			panelTestKeep(t, path)
		})
	}
	path := filepath.Join(dir, "plain.png")
	if err := Lines(path, "t", "x", "y", loss); err != nil {
		t.Fatal(err)
	}
	panelTestPNG(t, path, 800, 500)
}

func TestLinesErrors(t *testing.T) {
	ok := []float64{1, 2, 3}
	tests := []struct {
		name string
		lp   LinesPlot
		want string
	}{
		{"no series", LinesPlot{}, "no series"},
		{"empty", LinesPlot{Series: []Series{{Name: "a"}}}, "empty"},
		{"mismatch", LinesPlot{Series: []Series{{Name: "a", X: ok, Y: ok[:2]}}}, "3 X and 2 Y"},
		{"nan", LinesPlot{Series: []Series{{Name: "a", X: ok, Y: []float64{1, math.NaN(), 3}}}}, "NaN"},
		{"inf x", LinesPlot{Series: []Series{{Name: "a", X: []float64{1, math.Inf(1), 3}, Y: ok}}}, "+Inf"},
		{"log zero", LinesPlot{LogY: true, Series: []Series{{Name: "a", X: ok, Y: []float64{1, 0, 3}}}}, "log axis"},
		{"size", LinesPlot{Width: -3, Series: []Series{{Name: "a", X: ok, Y: ok}}}, "width = -3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := LinesWith(filepath.Join(dir, "x.png"), tc.lp)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			panelTestNothing(t, dir)
		})
	}
	// An unwritable path is an error too, and leaves nothing.
	dir := t.TempDir()
	if err := Lines(filepath.Join(dir, "missing", "x.png"), "t", "x", "y", []Series{{X: ok, Y: ok}}); err == nil {
		t.Fatal("writing into a missing folder succeeded")
	}
	panelTestNothing(t, dir)
}
