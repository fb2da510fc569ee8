package figure

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// GroupsPlot is a figure of one measure or more (one panel each, in a
// grid) against the values of one setting: per value, every member's
// value as a faint point and their mean ± standard deviation as a marker
// with error bars. A sweep's measure against one axis, over seeds.
type GroupsPlot struct {
	Title string
	// XLabel names the setting; Labels its values, one per group.
	XLabel string
	Labels []string
	Panels []GroupsPanel
	// Width, Height are the PNG's size in pixels; 0 selects 420 per
	// panel column (at least 520) by 360 per panel row.
	Width, Height int
}

// GroupsPanel is one measure: Values[g] are the members of group g (an
// empty group is drawn without a marker).
type GroupsPanel struct {
	Title  string
	Values [][]float64
}

// Groups writes gp to path as a PNG. It returns an error, and writes
// nothing, for no panels or labels, a panel whose groups do not match the
// labels, a NaN or infinite value, or a panel without any value.
func Groups(path string, gp GroupsPlot) error {
	if len(gp.Panels) == 0 || len(gp.Labels) == 0 {
		return fmt.Errorf("figure: groups: %d panels and %d labels: need at least one of each", len(gp.Panels), len(gp.Labels))
	}
	for _, pn := range gp.Panels {
		if len(pn.Values) != len(gp.Labels) {
			return fmt.Errorf("figure: groups: panel %q has %d groups for %d labels", pn.Title, len(pn.Values), len(gp.Labels))
		}
		n := 0
		for _, g := range pn.Values {
			if err := panelFinite("groups "+pn.Title, g); err != nil {
				return err
			}
			n += len(g)
		}
		if n == 0 {
			return fmt.Errorf("figure: groups: panel %q has no values", pn.Title)
		}
	}
	cols := min(len(gp.Panels), 3)
	rows := (len(gp.Panels) + cols - 1) / cols
	w, h, err := panelSize(gp.Width, gp.Height, max(520, 420*cols), 60+360*rows)
	if err != nil {
		return err
	}
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
		for c := range grid[r] {
			k := r*cols + c
			if k >= len(gp.Panels) {
				grid[r][c] = emptyPlot()
				continue
			}
			p, err := groupsPanel(gp.Panels[k], gp.XLabel, gp.Labels)
			if err != nil {
				return err
			}
			grid[r][c] = p
		}
	}
	return savePNG(path, w, h, func(c draw.Canvas) error {
		panelGrid(panelFrame(c), gp.Title, grid, nil)
		return nil
	})
}

func groupsPanel(pn GroupsPanel, xlabel string, labels []string) (*plot.Plot, error) {
	p := panelNewPlot(pn.Title, xlabel, "")
	p.Add(plotter.NewGrid())
	var pts, means plotter.XYs
	var errs plotter.YErrors
	lo, hi := math.Inf(1), math.Inf(-1)
	for g, vs := range pn.Values {
		for k, v := range vs {
			// A small fixed spread so that equal values stay visible.
			dx := 0.0
			if len(vs) > 1 {
				dx = 0.18 * (float64(k)/float64(len(vs)-1) - 0.5)
			}
			pts = append(pts, plotter.XY{X: float64(g) + dx, Y: v})
			lo, hi = min(lo, v), max(hi, v)
		}
		if len(vs) == 0 {
			continue
		}
		m, sd := meanSD(vs)
		means = append(means, plotter.XY{X: float64(g), Y: m})
		errs = append(errs, struct{ Low, High float64 }{sd, sd})
		lo, hi = min(lo, m-sd), max(hi, m+sd)
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, fmt.Errorf("figure: groups: %v", err)
	}
	sc.GlyphStyle.Color = panelFade(panelColor(0), 0.45)
	sc.GlyphStyle.Radius = vg.Points(2.5)
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	p.Add(sc)
	type meanErrs struct {
		plotter.XYs
		plotter.YErrors
	}
	eb, err := plotter.NewYErrorBars(meanErrs{means, errs})
	if err != nil {
		return nil, fmt.Errorf("figure: groups: %v", err)
	}
	eb.LineStyle.Width = vg.Points(1.5)
	eb.LineStyle.Color = color.Black
	eb.CapWidth = vg.Points(8)
	p.Add(eb)
	mk, err := plotter.NewScatter(means)
	if err != nil {
		return nil, fmt.Errorf("figure: groups: %v", err)
	}
	mk.GlyphStyle.Color = color.Black
	mk.GlyphStyle.Radius = vg.Points(3.5)
	mk.GlyphStyle.Shape = draw.BoxGlyph{}
	p.Add(mk)
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.5, float64(len(labels))-0.5
	pad := 0.08 * (hi - lo)
	if pad == 0 {
		pad = math.Max(math.Abs(hi)*0.05, 1e-3)
	}
	p.Y.Min, p.Y.Max = lo-pad, hi+pad
	return p, nil
}

// meanSD is the mean and the sample standard deviation (0 for one value).
func meanSD(vs []float64) (float64, float64) {
	m := 0.0
	for _, v := range vs {
		m += v
	}
	m /= float64(len(vs))
	if len(vs) < 2 {
		return m, 0
	}
	ss := 0.0
	for _, v := range vs {
		ss += (v - m) * (v - m)
	}
	return m, math.Sqrt(ss / float64(len(vs)-1))
}

// emptyPlot is a blank tile of a grid.
func emptyPlot() *plot.Plot {
	p := plot.New()
	p.HideAxes()
	return p
}
