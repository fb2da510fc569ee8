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

// Trajectory is one path in a 2-D projection (e.g. PC1 against PC2 of the
// hidden state: one trial, or the average of the trials of one
// condition), with the value of the condition it is coloured by (e.g.
// signed coherence or context).
type Trajectory struct {
	X, Y      []float64
	Condition float64
	// Faint draws the path thin and translucent, without markers, under
	// the others: single trials shown with condition averages.
	Faint bool
	// Periods, if any, mark the start of each named period (steps index X
	// and Y) with a glyph per period name, in place of the start dot.
	Periods []Period
}

// TrajectoriesPlot is a figure of 2-D trajectories, one colour per distinct
// condition value (ordered: a blue–orange ramp from the lowest to the
// highest), with each trajectory's start marked by a dot (or its periods'
// starts by their glyphs) and its end by a square (a cross when periods
// are marked).
type TrajectoriesPlot struct {
	// Title defaults to "Hidden-state trajectories"; XLabel to "PC1";
	// YLabel to "PC2"; ConditionName (the legend's heading over the
	// condition values) to "condition"; FaintName (the legend entry of the
	// faint trajectories) to "single trials".
	Title, XLabel, YLabel, ConditionName, FaintName string
	Trajectories                                    []Trajectory
	// Width, Height are the PNG's size in pixels; 0 selects 760×600.
	Width, Height int
}

// trajectoriesLegendMax is the most condition entries the legend lists;
// with more distinct values it lists an evenly spaced selection.
const trajectoriesLegendMax = 12

// trajectoriesGlyphs mark the periods' starts, one per period name in
// order of first appearance (cycling).
var trajectoriesGlyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.PyramidGlyph{}, trajectoriesDiamond{}, draw.BoxGlyph{},
	draw.RingGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.PlusGlyph{},
}

// Trajectories writes the trajectory figure tp to path as a PNG. It
// returns an error, and writes nothing, for no trajectory, a trajectory
// with no points or X and Y of different lengths, a NaN or infinite
// value or condition, or a period outside the trajectory or with
// End ≤ Start.
func Trajectories(path string, tp TrajectoriesPlot) error {
	w, h, err := panelSize(tp.Width, tp.Height, 760, 600)
	if err != nil {
		return err
	}
	if len(tp.Trajectories) == 0 {
		return fmt.Errorf("figure: trajectories: no trajectory to draw: need at least one")
	}
	var conds []float64
	var periodNames []string
	anyFaint := false
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
		for _, p := range tr.Periods {
			if p.Start < 0 || p.End > len(tr.X) || p.End <= p.Start {
				return fmt.Errorf("figure: trajectory %d period %q = [%d, %d) is not allowed: must satisfy 0 ≤ Start < End ≤ %d (the trajectory's points)", i, p.Name, p.Start, p.End, len(tr.X))
			}
			if !tr.Faint && !slices.Contains(periodNames, p.Name) {
				periodNames = append(periodNames, p.Name)
			}
		}
		anyFaint = anyFaint || tr.Faint
		conds = append(conds, tr.Condition)
	}
	slices.Sort(conds)
	conds = slices.Compact(conds)
	title, xl, yl, cn, fn := tp.Title, tp.XLabel, tp.YLabel, tp.ConditionName, tp.FaintName
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
	if fn == "" {
		fn = "single trials"
	}
	p := panelNewPlot(title, xl, yl)
	p.Add(plotter.NewGrid())
	colour := func(c float64) color.Color {
		i, _ := slices.BinarySearch(conds, c)
		return trajectoriesRamp(i, len(conds))
	}
	glyph := func(name string) draw.GlyphDrawer {
		return trajectoriesGlyphs[slices.Index(periodNames, name)%len(trajectoriesGlyphs)]
	}
	marked := len(periodNames) > 0
	var lines, marks []plot.Plotter
	for i, tr := range tp.Trajectories {
		col := colour(tr.Condition)
		xys := linesXYs(tr.X, tr.Y)
		l, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("figure: trajectory %d: %v", i, err)
		}
		if tr.Faint {
			l.Color = panelFade(col, 0.3)
			l.Width = vg.Points(0.8)
			p.Add(l) // under every other line
			continue
		}
		l.Color = panelFade(col, 0.85)
		l.Width = vg.Points(1.2)
		if marked {
			l.Width = vg.Points(2)
		}
		lines = append(lines, l)
		if marked {
			for _, per := range tr.Periods {
				marks = append(marks, trajectoriesMarkAt(xys[per.Start], glyph(per.Name), col, vg.Points(4)))
			}
			marks = append(marks, trajectoriesMarkAt(xys[len(xys)-1], draw.CrossGlyph{}, color.Black, vg.Points(3.5)))
			continue
		}
		s, _ := plotter.NewScatter(xys[:1])
		s.Shape, s.Color, s.Radius = draw.CircleGlyph{}, col, vg.Points(3)
		e, _ := plotter.NewScatter(xys[len(xys)-1:])
		e.Shape, e.Color, e.Radius = draw.BoxGlyph{}, col, vg.Points(2.5)
		marks = append(marks, s, e)
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
	p.Add(lines...)
	// Markers on top of every line.
	p.Add(marks...)

	leg := panelNewLegend()
	idx := trajectoriesLegendIndex(len(conds))
	leg.Add(cn + ":")
	for _, i := range idx {
		l, _ := plotter.NewLine(plotter.XYs{{}, {}})
		l.Color = trajectoriesRamp(i, len(conds))
		l.Width = vg.Points(2)
		leg.Add(trajectoriesFormat(conds[i], conds), l)
	}
	if len(idx) < len(conds) {
		leg.Add(fmt.Sprintf("(%d of %d values shown)", len(idx), len(conds)))
	}
	if anyFaint {
		l, _ := plotter.NewLine(plotter.XYs{{}, {}})
		l.Color = panelFade(panelPalette[7], 0.3)
		l.Width = vg.Points(0.8)
		leg.Add(fn+" (faint)", l)
	}
	grey := color.Gray{Y: 0x60}
	if marked {
		for _, name := range periodNames {
			leg.Add("start of "+name, trajectoriesMarkAt(plotter.XY{}, glyph(name), grey, vg.Points(4)))
		}
		leg.Add("end", trajectoriesMarkAt(plotter.XY{}, draw.CrossGlyph{}, color.Black, vg.Points(3.5)))
	} else {
		ms, _ := plotter.NewScatter(plotter.XYs{{}})
		ms.Shape, ms.Color, ms.Radius = draw.CircleGlyph{}, color.Black, vg.Points(3)
		me, _ := plotter.NewScatter(plotter.XYs{{}})
		me.Shape, me.Color, me.Radius = draw.BoxGlyph{}, color.Black, vg.Points(2.5)
		leg.Add("start", ms)
		leg.Add("end", me)
	}
	return savePNG(path, w, h, func(c draw.Canvas) error {
		panelDraw(panelFrame(c), p, &leg)
		return nil
	})
}

// trajectoriesMark is one marker: glyph g in colour col over a black one
// slightly larger, so that it stands out on a line of its own colour.
type trajectoriesMark struct {
	at     plotter.XY
	g      draw.GlyphDrawer
	col    color.Color
	radius vg.Length
}

func trajectoriesMarkAt(at plotter.XY, g draw.GlyphDrawer, col color.Color, radius vg.Length) trajectoriesMark {
	return trajectoriesMark{at: at, g: g, col: col, radius: radius}
}

func (m trajectoriesMark) draw(c *draw.Canvas, pt vg.Point) {
	outline := vg.Points(1)
	if _, stroke := m.g.(draw.CrossGlyph); stroke {
		outline = 0
	}
	if outline > 0 {
		c.DrawGlyph(draw.GlyphStyle{Color: color.Black, Radius: m.radius + outline, Shape: m.g}, pt)
	}
	c.DrawGlyph(draw.GlyphStyle{Color: m.col, Radius: m.radius, Shape: m.g}, pt)
}

func (m trajectoriesMark) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	m.draw(&c, vg.Point{X: trX(m.at.X), Y: trY(m.at.Y)})
}

func (m trajectoriesMark) Thumbnail(c *draw.Canvas) {
	m.draw(c, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2})
}

// trajectoriesDiamond is a filled diamond glyph.
type trajectoriesDiamond struct{}

func (trajectoriesDiamond) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(0.5)})
	r := sty.Radius * 1.25
	var path vg.Path
	path.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	path.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	path.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	path.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	path.Close()
	c.Fill(path)
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
	f := "%.3g"
	if v == math.Trunc(v) && math.Abs(v) < 1e6 { // whole numbers in full: 1500, not 1.5e+03
		f = "%.0f"
	}
	if all[0] < 0 && all[len(all)-1] > 0 {
		f = "%+" + f[1:]
	}
	return fmt.Sprintf(f, v)
}
