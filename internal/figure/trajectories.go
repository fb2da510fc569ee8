package figure

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Trajectory is one trial's path in a 2-D projection (e.g. PC1 against
// PC2 of the hidden state), with the value of the condition it is coloured
// by (e.g. signed coherence or context).
type Trajectory struct {
	X, Y      []float64
	Condition float64
}

// TrajectoriesPlot is a figure of 2-D trajectories, one colour per distinct
// condition value (ordered: a blue–orange ramp from the lowest to the
// highest), with each trajectory's start marked by a dot and its end by a
// square.
type TrajectoriesPlot struct {
	// Title defaults to "Hidden-state trajectories"; XLabel to "PC1";
	// YLabel to "PC2"; ConditionName (used in the legend as
	// "coherence = +0.1") to "condition".
	Title, XLabel, YLabel, ConditionName string
	Trajectories                         []Trajectory
	// Width, Height are the PNG's size in pixels; 0 selects 760×600.
	Width, Height int
}

// trajectoriesLegendMax is the most condition entries the legend lists;
// with more distinct values it lists an evenly spaced selection.
const trajectoriesLegendMax = 12

// Trajectories writes the trajectory figure tp to path as a PNG. It
// returns an error, and writes nothing, for no trajectory, a trajectory
// with no points or X and Y of different lengths, or a NaN or infinite
// value or condition.
func Trajectories(path string, tp TrajectoriesPlot) error {
	w, h, err := panelSize(tp.Width, tp.Height, 760, 600)
	if err != nil {
		return err
	}
	if len(tp.Trajectories) == 0 {
		return fmt.Errorf("figure: trajectories: no trajectory to draw: need at least one")
	}
	var conds []float64
	for i, tr := range tp.Trajectories {
		if len(tr.X) == 0 {
			return fmt.Errorf("figure: trajectory %d has no points: need at least one", i)
		}
		if len(tr.X) != len(tr.Y) {
			return fmt.Errorf("figure: trajectory %d has %d X and %d Y values: must be equal", i, len(tr.X), len(tr.Y))
		}
		if err := panelFinite(fmt.Sprintf("trajectory %d X", i), tr.X); err != nil {
			return err
		}
		if err := panelFinite(fmt.Sprintf("trajectory %d Y", i), tr.Y); err != nil {
			return err
		}
		if math.IsNaN(tr.Condition) || math.IsInf(tr.Condition, 0) {
			return fmt.Errorf("figure: trajectory %d Condition = %v is not allowed: must be finite", i, tr.Condition)
		}
		conds = append(conds, tr.Condition)
	}
	slices.Sort(conds)
	conds = slices.Compact(conds)
	title, xl, yl, cn := tp.Title, tp.XLabel, tp.YLabel, tp.ConditionName
	if title == "" {
		title = "Hidden-state trajectories"
	}
	if xl == "" {
		xl = "PC1"
	}
	if yl == "" {
		yl = "PC2"
	}
	if cn == "" {
		cn = "condition"
	}
	p := panelNewPlot(title, xl, yl)
	p.Add(plotter.NewGrid())
	colour := func(c float64) color.Color {
		i, _ := slices.BinarySearch(conds, c)
		return trajectoriesRamp(i, len(conds))
	}
	var starts, ends []plot.Plotter
	for i, tr := range tp.Trajectories {
		col := colour(tr.Condition)
		xys := linesXYs(tr.X, tr.Y)
		l, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("figure: trajectory %d: %v", i, err)
		}
		l.Color = panelFade(col, 0.85)
		l.Width = vg.Points(1.2)
		p.Add(l)
		s, _ := plotter.NewScatter(xys[:1])
		s.Shape, s.Color, s.Radius = draw.CircleGlyph{}, col, vg.Points(3)
		e, _ := plotter.NewScatter(xys[len(xys)-1:])
		e.Shape, e.Color, e.Radius = draw.BoxGlyph{}, col, vg.Points(2.5)
		starts = append(starts, s)
		ends = append(ends, e)
	}
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, tr := range tp.Trajectories {
		a, b := linesRange(tr.X)
		xlo, xhi = math.Min(xlo, a), math.Max(xhi, b)
		a, b = linesRange(tr.Y)
		ylo, yhi = math.Min(ylo, a), math.Max(yhi, b)
	}
	panelPad(&p.X, xlo, xhi, 0.04)
	panelPad(&p.Y, ylo, yhi, 0.04)
	// Markers on top of every line.
	p.Add(starts...)
	p.Add(ends...)

	leg := panelNewLegend()
	idx := trajectoriesLegendIndex(len(conds))
	for _, i := range idx {
		l, _ := plotter.NewLine(plotter.XYs{{}, {}})
		l.Color = trajectoriesRamp(i, len(conds))
		l.Width = vg.Points(2)
		leg.Add(fmt.Sprintf("%s = %s", cn, trajectoriesFormat(conds[i], conds)), l)
	}
	if len(idx) < len(conds) {
		leg.Add(fmt.Sprintf("(%d of %d values shown)", len(idx), len(conds)))
	}
	black := color.Black
	ms, _ := plotter.NewScatter(plotter.XYs{{}})
	ms.Shape, ms.Color, ms.Radius = draw.CircleGlyph{}, black, vg.Points(3)
	me, _ := plotter.NewScatter(plotter.XYs{{}})
	me.Shape, me.Color, me.Radius = draw.BoxGlyph{}, black, vg.Points(2.5)
	leg.Add("start", ms)
	leg.Add("end", me)
	return savePNG(path, w, h, func(c draw.Canvas) error {
		panelDraw(panelFrame(c), p, &leg)
		return nil
	})
}

// trajectoriesRamp returns colour i of n, from blue (lowest) through a
// muted purple to vermillion (highest): every step stays visible on white.
func trajectoriesRamp(i, n int) color.Color {
	if n <= 1 {
		return panelPalette[0]
	}
	stops := [3][3]float64{{0x00, 0x72, 0xB2}, {0x8A, 0x5A, 0x9E}, {0xD5, 0x5E, 0x00}}
	f := float64(i) / float64(n-1) * 2
	k := min(int(f), 1)
	f -= float64(k)
	a, b := stops[k], stops[k+1]
	mix := func(j int) uint8 { return uint8(math.Round(a[j] + (b[j]-a[j])*f)) }
	return color.RGBA{R: mix(0), G: mix(1), B: mix(2), A: 0xFF}
}

// trajectoriesLegendIndex returns which of n sorted conditions the legend
// lists: all up to trajectoriesLegendMax, else an even selection that keeps
// the lowest and highest.
func trajectoriesLegendIndex(n int) []int {
	if n <= trajectoriesLegendMax {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	m := trajectoriesLegendMax
	idx := make([]int, 0, m)
	for j := range m {
		i := int(math.Round(float64(j) * float64(n-1) / float64(m-1)))
		if len(idx) == 0 || idx[len(idx)-1] != i {
			idx = append(idx, i)
		}
	}
	return idx
}

// trajectoriesFormat prints a condition value compactly, with a sign when
// the conditions take both signs (signed coherences).
func trajectoriesFormat(v float64, all []float64) string {
	if v == 0 {
		return "0"
	}
	if all[0] < 0 && all[len(all)-1] > 0 {
		return fmt.Sprintf("%+.3g", v)
	}
	return fmt.Sprintf("%.3g", v)
}
