package figure

import (
	"image"
	"image/color"
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

// psychometricTestGrid is a 2 × 2 grid in Mante's layout: the panels on
// the diagonal are the relevant ones, steep; the others muted and flat.
func psychometricTestGrid() PsychometricGrid {
	coh := []float64{-50, -15, -5, 5, 15, 50}
	curve := func(slope float64) PsychometricCondition {
		f := func(x float64) float64 { return 0.5 * math.Erfc(-slope*x/math.Sqrt2) }
		c := PsychometricCondition{Name: "200 trials", Evidence: coh, Fit: f, Notes: []string{"probit bias +0 %", "probit slope 0.1 /%"}}
		for _, x := range coh {
			c.PRight = append(c.PRight, math.Round(f(x)*40)/40)
			c.N = append(c.N, 40)
		}
		return c
	}
	var panels []PsychometricPanel
	for r := range 2 {
		for c := range 2 {
			slope := 0.1
			if r != c {
				slope = 0.002
			}
			panels = append(panels, PsychometricPanel{
				Title: "panel", XLabel: "signed coherence (%)", YLabel: "P(choose right)",
				Conditions: []PsychometricCondition{curve(slope)}, Muted: r != c,
			})
		}
	}
	return PsychometricGrid{Title: "Mante", Rows: 2, Cols: 2, Panels: panels}
}

func TestPsychometricPanels(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "psychometric_grid.png")
	if err := PsychometricPanels(path, psychometricTestGrid()); err != nil {
		t.Fatal(err)
	}
	const w, h = 2 * 560, 2*400 + 40
	panelTestPNG(t, path, w, h)
	panelTestKeep(t, path)
	img := pixelsTestDecode(t, path, w, h)
	// Row r's colour is series r's; a muted panel draws it lightened.
	full := [2]color.Color{panelColor(0), panelColor(1)}
	muted := [2]color.Color{panelLighten(full[0], psychometricMuted), panelLighten(full[1], psychometricMuted)}
	for r := range 2 {
		for c := range 2 {
			// The panel's tile, leaving out the figure title and the edges.
			quad := image.Rect(c*w/2+10, 40+r*(h-40)/2+10, (c+1)*w/2-10, 40+(r+1)*(h-40)/2-10)
			nFull := pixelsTestCount(img, quad, pixelsTestNear(full[r], 2))
			nMuted := pixelsTestCount(img, quad, pixelsTestNear(muted[r], 2))
			nOther := pixelsTestCount(img, quad, pixelsTestNear(full[1-r], 2)) + pixelsTestCount(img, quad, pixelsTestNear(muted[1-r], 2))
			if nOther > 3 {
				t.Errorf("panel (%d, %d) has %d pixels of the other row's colours", r, c, nOther)
			}
			if r == c { // relevant: the row's colour, in full
				if nFull < 150 {
					t.Errorf("relevant panel (%d, %d) has %d pixels of its colour %v, want ≥ 150", r, c, nFull, full[r])
				}
				continue
			}
			if nFull > 3 || nMuted < 150 {
				t.Errorf("muted panel (%d, %d) has %d pixels of the full colour (want none) and %d of the muted one (want ≥ 150)", r, c, nFull, nMuted)
			}
		}
	}

	// A 1 × 3 grid of its own size.
	g := psychometricTestGrid()
	g.Rows, g.Cols, g.Title, g.Width, g.Height = 1, 3, "", 900, 300
	g.Panels = g.Panels[:3]
	path = filepath.Join(dir, "psychometric_row.png")
	if err := PsychometricPanels(path, g); err != nil {
		t.Fatal(err)
	}
	panelTestPNG(t, path, 900, 300)
}

func TestPsychometricPanelsErrors(t *testing.T) {
	g := psychometricTestGrid()
	empty := psychometricTestGrid()
	empty.Panels[3].Conditions = nil
	bad := psychometricTestGrid()
	bad.Panels[1].Conditions[0].PRight = bad.Panels[1].Conditions[0].PRight[:2]
	for _, tc := range []struct {
		name string
		g    PsychometricGrid
		want string
	}{
		{"no rows", PsychometricGrid{Cols: 1}, "0 × 1 panels"},
		{"too many", PsychometricGrid{Rows: 100, Cols: 100}, "100 × 100 panels"},
		{"count", PsychometricGrid{Rows: 2, Cols: 3, Panels: g.Panels}, "has 4 panels: 2 × 3 needs 6"},
		{"empty panel", empty, "(row 1, column 1)"},
		{"bad condition", bad, "6 evidence and 2 PRight"},
		{"size", PsychometricGrid{Rows: 2, Cols: 2, Panels: g.Panels, Width: 10}, "width = 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := PsychometricPanels(filepath.Join(dir, "p.png"), tc.g)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			panelTestNothing(t, dir)
		})
	}
}
