package figure

import (
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
