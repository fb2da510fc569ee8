package figure

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func psychometricTestConditions() []PsychometricCondition {
	coh := []float64{-0.5, -0.25, -0.1, -0.05, 0, 0.05, 0.1, 0.25, 0.5}
	logistic := func(bias, slope float64) func(float64) float64 {
		return func(x float64) float64 { return 1 / (1 + math.Exp(-slope*(x-bias))) }
	}
	f1, f2 := logistic(0.02, 10), logistic(-0.05, 6)
	p1 := make([]float64, len(coh))
	p2 := make([]float64, len(coh))
	n := make([]int, len(coh))
	for i, c := range coh {
		p1[i] = math.Round(f1(c)*40) / 40
		p2[i] = math.Round(f2(c)*40) / 40
		n[i] = 40
	}
	fx, fy := psychometricSample(f2, -0.5, 0.5)
	return []PsychometricCondition{
		{Name: "context: motion", Evidence: coh, PRight: p1, N: n, Fit: f1},
		{Name: "context: colour", Evidence: coh, PRight: p2, FitX: fx, FitY: fy},
	}
}

func TestPsychometric(t *testing.T) {
	dir := t.TempDir()
	conds := psychometricTestConditions()
	for _, tc := range []struct {
		name string
		pp   PsychometricPlot
		w, h int
	}{
		{"two", PsychometricPlot{Conditions: conds, XLabel: "signed coherence"}, 700, 500},
		{"one", PsychometricPlot{Title: "Eval", Conditions: conds[:1], Width: 500, Height: 400}, 500, 400},
		{"single point", PsychometricPlot{Conditions: []PsychometricCondition{{Evidence: []float64{0}, PRight: []float64{0.5}, N: []int{0}}}}, 700, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "psychometric_"+tc.name+".png")
			if err := Psychometric(path, tc.pp); err != nil {
				t.Fatal(err)
			}
			panelTestPNG(t, path, tc.w, tc.h)
			panelTestKeep(t, path)
		})
	}
}

func TestPsychometricErrors(t *testing.T) {
	x := []float64{-1, 0, 1}
	p := []float64{0.1, 0.5, 0.9}
	for _, tc := range []struct {
		name string
		c    []PsychometricCondition
		want string
	}{
		{"none", nil, "no condition"},
		{"empty", []PsychometricCondition{{Name: "a"}}, "no points"},
		{"length", []PsychometricCondition{{Name: "a", Evidence: x, PRight: p[:2]}}, "3 evidence and 2 PRight"},
		{"counts", []PsychometricCondition{{Name: "a", Evidence: x, PRight: p, N: []int{1}}}, "counts N"},
		{"neg count", []PsychometricCondition{{Name: "a", Evidence: x, PRight: p, N: []int{1, -2, 3}}}, "N[1] = -2"},
		{"p range", []PsychometricCondition{{Name: "a", Evidence: x, PRight: []float64{0, 1.2, 1}}}, "PRight[1] = 1.2"},
		{"p nan", []PsychometricCondition{{Name: "a", Evidence: x, PRight: []float64{0, math.NaN(), 1}}}, "PRight[1] = NaN"},
		{"x nan", []PsychometricCondition{{Name: "a", Evidence: []float64{0, math.NaN(), 1}, PRight: p}}, "NaN"},
		{"both fits", []PsychometricCondition{{Name: "a", Evidence: x, PRight: p, Fit: math.Abs, FitX: x, FitY: p}}, "both Fit"},
		{"fit length", []PsychometricCondition{{Name: "a", Evidence: x, PRight: p, FitX: x, FitY: p[:1]}}, "FitX"},
		{"fit nan", []PsychometricCondition{{Name: "a", Evidence: x, PRight: p, Fit: func(float64) float64 { return math.NaN() }}}, "fitted curve"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := Psychometric(filepath.Join(dir, "p.png"), PsychometricPlot{Conditions: tc.c})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			panelTestNothing(t, dir)
		})
	}
}
