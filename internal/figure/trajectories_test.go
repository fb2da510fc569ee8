package figure

import (
	"image"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func trajectoriesTest(conds []float64, reps, T int) []Trajectory {
	var out []Trajectory
	for r := range reps {
		for _, c := range conds {
			x := make([]float64, T)
			y := make([]float64, T)
			for t := range T {
				s := float64(t) / float64(T-1)
				x[t] = 3*c*s + 0.05*float64(r)
				y[t] = math.Sin(math.Pi*s)*(1+0.1*float64(r)) - 0.5*s
			}
			out = append(out, Trajectory{X: x, Y: y, Condition: c})
		}
	}
	return out
}

func TestTrajectories(t *testing.T) {
	dir := t.TempDir()
	coh := []float64{-0.5, -0.2, -0.05, 0, 0.05, 0.2, 0.5}
	many := make([]float64, 30)
	for i := range many {
		many[i] = float64(i)
	}
	for _, tc := range []struct {
		name string
		tp   TrajectoriesPlot
		w, h int
	}{
		{"coherence", TrajectoriesPlot{ConditionName: "coherence", Trajectories: trajectoriesTest(coh, 3, 40)}, 760, 600},
		{"many", TrajectoriesPlot{Title: "Ring", Trajectories: trajectoriesTest(many, 1, 20), Width: 640, Height: 640}, 640, 640},
		{"one point", TrajectoriesPlot{Trajectories: []Trajectory{{X: []float64{1}, Y: []float64{2}}}}, 760, 600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "trajectories_"+tc.name+".png")
			if err := Trajectories(path, tc.tp); err != nil {
				t.Fatal(err)
			}
			panelTestPNG(t, path, tc.w, tc.h)
			panelTestKeep(t, path)
		})
	}
	if got := trajectoriesLegendIndex(30); len(got) != trajectoriesLegendMax || got[0] != 0 || got[len(got)-1] != 29 {
		t.Errorf("legend index for 30 conditions = %v", got)
	}
}

func TestTrajectoriesErrors(t *testing.T) {
	ok := []float64{1, 2}
	for _, tc := range []struct {
		name string
		tr   []Trajectory
		want string
	}{
		{"none", nil, "no trajectory"},
		{"empty", []Trajectory{{}}, "no points"},
		{"length", []Trajectory{{X: ok, Y: ok[:1]}}, "2 X and 1 Y"},
		{"nan", []Trajectory{{X: ok, Y: []float64{0, math.NaN()}}}, "trajectory 0 Y[1] = NaN"},
		{"condition", []Trajectory{{X: ok, Y: ok, Condition: math.Inf(1)}}, "Condition = +Inf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := Trajectories(filepath.Join(dir, "t.png"), TrajectoriesPlot{Trajectories: tc.tr})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			panelTestNothing(t, dir)
		})
	}
}

// trajectoriesTestAverages are condition averages with three periods and
// two faint single trials per condition.
func trajectoriesTestAverages(periods, faint bool) []Trajectory {
	const T = 60
	var out []Trajectory
	for _, c := range []float64{-1, 1} {
		for k := range 3 {
			tr := Trajectory{Condition: c, Faint: k > 0}
			if tr.Faint && !faint {
				continue
			}
			for t := range T {
				s := float64(t) / (T - 1)
				tr.X = append(tr.X, c*s+0.03*float64(k))
				tr.Y = append(tr.Y, math.Sin(math.Pi*s)+0.05*float64(k))
			}
			if periods && !tr.Faint {
				tr.Periods = []Period{{Name: "fixation", Start: 0, End: 10}, {Name: "stimulus", Start: 10, End: 40}, {Name: "decision", Start: 40, End: T}}
			}
			out = append(out, tr)
		}
	}
	return out
}

// TestTrajectoriesAverages checks the period markers (black-edged glyphs)
// and the faint single trials, counting pixels inside the axes.
func TestTrajectoriesAverages(t *testing.T) {
	dir := t.TempDir()
	const w, h = 760, 600
	data := image.Rect(60, 40, w*55/100, h-60) // left of the legend
	count := func(name string, trs []Trajectory) (black, blue int) {
		path := filepath.Join(dir, "trajectories_"+name+".png")
		if err := Trajectories(path, TrajectoriesPlot{ConditionName: "signed coherence (%)", Trajectories: trs}); err != nil {
			t.Fatal(err)
		}
		panelTestPNG(t, path, w, h)
		panelTestKeep(t, path)
		img := pixelsTestDecode(t, path, w, h)
		black = pixelsTestCount(img, data, func(r, g, b uint8) bool { return r < 0x30 && g < 0x30 && b < 0x30 })
		// Strongly blue: the lowest condition's line, not its faint trials.
		blue = pixelsTestCount(img, data, func(r, g, b uint8) bool { return int(b)-int(r) > 100 })
		return black, blue
	}
	bMarked, _ := count("marked", trajectoriesTestAverages(true, false))
	bPlain, bluePlain := count("plain", trajectoriesTestAverages(false, false))
	_, blueFaint := count("faint", trajectoriesTestAverages(false, true))
	if bMarked < bPlain+50 {
		t.Errorf("period markers add %d black pixels inside the axes, want ≥ 50 (marked %d, plain %d)", bMarked-bPlain, bMarked, bPlain)
	}
	// Faint trials are light: they add hardly any strongly blue pixels.
	if d := blueFaint - bluePlain; d < -bluePlain/10 || d > bluePlain/10 {
		t.Errorf("faint trials changed the strongly blue pixels from %d to %d: they should not count as lines", bluePlain, blueFaint)
	}
	// The same trials drawn as full lines do.
	full := trajectoriesTestAverages(false, true)
	for i := range full {
		full[i].Faint = false
	}
	if _, blueFull := count("full", full); blueFull < bluePlain+bluePlain/4 {
		t.Errorf("full lines in place of the faint trials give %d strongly blue pixels, want well above %d", blueFull, bluePlain)
	}
	if got := trajectoriesFormat(1500, []float64{900, 1500}); got != "1500" {
		t.Errorf("format(1500) = %q, want 1500", got)
	}
	if got := trajectoriesFormat(-5, []float64{-5, 5}); got != "-5" {
		t.Errorf("format(-5) = %q, want -5", got)
	}
	if got := trajectoriesFormat(0.125, []float64{-1, 1}); got != "+0.125" {
		t.Errorf("format(0.125) = %q, want +0.125", got)
	}
}

func TestTrajectoriesPeriodErrors(t *testing.T) {
	ok := []float64{1, 2, 3}
	for _, tc := range []struct {
		name string
		p    Period
		want string
	}{
		{"past end", Period{Name: "late", Start: 1, End: 4}, `"late" = [1, 4)`},
		{"empty", Period{Name: "none", Start: 2, End: 2}, `"none" = [2, 2)`},
		{"negative", Period{Name: "neg", Start: -1, End: 2}, `"neg" = [-1, 2)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := Trajectories(filepath.Join(dir, "t.png"), TrajectoriesPlot{Trajectories: []Trajectory{{X: ok, Y: ok, Periods: []Period{tc.p}}}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			panelTestNothing(t, dir)
		})
	}
}
