package figure

import (
	"image"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// tvTestMap returns a map of 20 tasks × 60 units in three clusters of
// 20, each bright on its own block of tasks.
func tvTestMap() TaskVarianceMapPlot {
	names := []string{"fdgo", "reactgo", "delaygo", "fdanti", "reactanti", "delayanti",
		"dm1", "dm2", "contextdm1", "contextdm2", "multidm", "delaydm1", "delaydm2",
		"contextdelaydm1", "contextdelaydm2", "multidelaydm", "dmsgo", "dmsnogo", "dmcgo", "dmcnogo"}
	const U = 60
	T := len(names)
	v := make([]float64, U*T)
	cl := make([]int, U)
	for u := range U {
		cl[u] = u / 20
		for a := range T {
			x := 0.05 * float64((u*7+a*3)%10) / 10
			if a/7 == cl[u] {
				x = 0.5 + 0.5*float64((u+a)%5)/4
			}
			v[u*T+a] = x
		}
	}
	return TaskVarianceMapPlot{Title: "Normalised task variance", Tasks: names, Units: U, Values: v, Clusters: cl}
}

func TestTaskVarianceMap(t *testing.T) {
	dir := t.TempDir()
	tv := tvTestMap()
	path := filepath.Join(dir, "taskvariance_map.png")
	if err := TaskVarianceMap(path, tv); err != nil {
		t.Fatal(err)
	}
	panelTestPNG(t, path, 900, 150+24*20)
	panelTestKeep(t, path)
	img := pixelsTestDecode(t, path, 900, 630)
	// The strip has the three cluster colours.
	for l := range 3 {
		if n := pixelsTestCount(img, img.Bounds(), pixelsTestNear(panelColor(l), 2)); n < 200 {
			t.Errorf("cluster %d's colour covers %d pixels", l+1, n)
		}
	}
	// Black (0) and near-white (1) cells of the 'hot' map are there.
	if n := pixelsTestCount(img, image.Rect(0, 0, 900, 630), func(r, g, b uint8) bool { return r < 30 && g < 30 && b < 30 }); n < 10000 {
		t.Errorf("only %d near-black pixels: where are the low variances?", n)
	}
	// Without clusters, at a chosen size, one task, one unit.
	path = filepath.Join(dir, "taskvariance_plain.png")
	if err := TaskVarianceMap(path, TaskVarianceMapPlot{Tasks: []string{"go"}, Units: 1, Values: []float64{0.7}, Width: 300, Height: 200}); err != nil {
		t.Fatal(err)
	}
	pixelsTestDecode(t, path, 300, 200)
}

func TestTaskVarianceMapErrors(t *testing.T) {
	ok := tvTestMap()
	for _, tc := range []struct {
		name string
		edit func(*TaskVarianceMapPlot)
		want string
	}{
		{"no tasks", func(p *TaskVarianceMapPlot) { p.Tasks = nil }, "0 tasks"},
		{"no units", func(p *TaskVarianceMapPlot) { p.Units = 0 }, "0 units"},
		{"values", func(p *TaskVarianceMapPlot) { p.Values = p.Values[1:] }, "1199 values"},
		{"nan", func(p *TaskVarianceMapPlot) { p.Values = append([]float64{math.NaN()}, p.Values[1:]...) }, "NaN"},
		{"clusters", func(p *TaskVarianceMapPlot) { p.Clusters = p.Clusters[1:] }, "59 cluster labels"},
		{"negative cluster", func(p *TaskVarianceMapPlot) { p.Clusters = append([]int{-1}, p.Clusters[1:]...) }, "cluster -1"},
		{"size", func(p *TaskVarianceMapPlot) { p.Width = 10 }, "width = 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			dir := t.TempDir()
			err := TaskVarianceMap(filepath.Join(dir, "m.png"), p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			panelTestNothing(t, dir)
		})
	}
}

func TestSilhouetteScores(t *testing.T) {
	dir := t.TempDir()
	var ks []int
	var scores []float64
	for k := 2; k < 30; k++ {
		ks = append(ks, k)
		scores = append(scores, 0.3-0.002*math.Abs(float64(k-11))*float64(k-11)/4+0.01*math.Sin(float64(k)))
	}
	path := filepath.Join(dir, "silhouette.png")
	if err := SilhouetteScores(path, SilhouettePlot{Ks: ks, Scores: scores}); err != nil {
		t.Fatal(err)
	}
	panelTestPNG(t, path, 640, 460)
	panelTestKeep(t, path)
	path = filepath.Join(dir, "silhouette_one.png")
	if err := SilhouetteScores(path, SilhouettePlot{Ks: []int{3}, Scores: []float64{-0.2}, Chosen: 3, Width: 400, Height: 300}); err != nil {
		t.Fatal(err)
	}
	pixelsTestDecode(t, path, 400, 300)
	for _, tc := range []struct {
		name string
		sp   SilhouettePlot
		want string
	}{
		{"none", SilhouettePlot{}, "0 ks"},
		{"lengths", SilhouettePlot{Ks: []int{2, 3}, Scores: []float64{1}}, "2 ks and 1 scores"},
		{"nan", SilhouettePlot{Ks: []int{2}, Scores: []float64{math.NaN()}}, "NaN"},
		{"chosen", SilhouettePlot{Ks: []int{2, 3}, Scores: []float64{0.1, 0.2}, Chosen: 5}, "chosen k = 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := SilhouetteScores(filepath.Join(dir, "s.png"), tc.sp)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			panelTestNothing(t, dir)
		})
	}
}

func TestFTVHistograms(t *testing.T) {
	dir := t.TempDir()
	shared := make([]int, 20) // peaked at 0
	separate := make([]int, 20)
	for j := range 20 {
		d := math.Abs(float64(j) - 9.5)
		shared[j] = int(40 * math.Exp(-d*d/8))
		separate[j] = int(30 * math.Exp(-(9.5-d)*(9.5-d)/2))
	}
	panels := []FTVPanel{{"dm1", "dm2", shared}, {"contextdm1", "contextdm2", shared}, {"dm1", "fdanti", separate}}
	for _, tc := range []struct {
		name string
		fp   FTVPlot
		w, h int
	}{
		{"row", FTVPlot{Title: "Fractional task variance", Panels: panels}, 990, 340},
		{"grid", FTVPlot{Panels: panels, Cols: 2}, 660, 640},
		{"one", FTVPlot{Panels: panels[:1], Width: 300, Height: 260}, 300, 260},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "ftv_"+tc.name+".png")
			if err := FTVHistograms(path, tc.fp); err != nil {
				t.Fatal(err)
			}
			panelTestPNG(t, path, tc.w, tc.h)
			panelTestKeep(t, path)
		})
	}
	for _, tc := range []struct {
		name string
		fp   FTVPlot
		want string
	}{
		{"none", FTVPlot{}, "0 panels"},
		{"cols", FTVPlot{Panels: panels, Cols: -1}, "cols = -1"},
		{"name", FTVPlot{Panels: []FTVPanel{{"", "b", shared}}}, "both must be named"},
		{"bins", FTVPlot{Panels: []FTVPanel{{"a", "b", nil}}}, "no bins"},
		{"negative", FTVPlot{Panels: []FTVPanel{{"a", "b", []int{1, -1}}}}, "count -1"},
		{"empty", FTVPlot{Panels: []FTVPanel{{"a", "b", []int{0, 0}}}}, "no units"},
		{"size", FTVPlot{Panels: panels, Height: 20}, "height = 20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := FTVHistograms(filepath.Join(dir, "f.png"), tc.fp)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			panelTestNothing(t, dir)
		})
	}
}
