package figure

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named curve: Y[i] at X[i].
type Series struct {
	Name string
	X, Y []float64
}

// LinesPlot describes a figure of curves sharing one pair of axes, such as
// the loss terms or the accuracy over training steps.
type LinesPlot struct {
	Title, XLabel, YLabel string
	Series                []Series
	// LogY draws the y axis on a log scale; every Y must then be > 0.
	LogY bool
	// YMin, YMax fix the y range when YMin < YMax (e.g. 0 and 1 for an
	// accuracy); otherwise the range fits the data.
	YMin, YMax float64
	// Width, Height are the PNG's size in pixels; 0 selects 800×500.
	Width, Height int
}

// Lines writes a PNG of the series as curves on linear axes, with a legend
// when there are several series. See LinesWith for log axes and sizes.
func Lines(path, title, xlabel, ylabel string, series []Series) error {
	return LinesWith(path, LinesPlot{Title: title, XLabel: xlabel, YLabel: ylabel, Series: series})
}

// LinesWith writes the PNG described by lp to path. It returns an error,
// and writes nothing, when there is no series, a series is empty, X and Y
// differ in length, a value is NaN or infinite, or LogY meets a Y ≤ 0.
func LinesWith(path string, lp LinesPlot) error {
	w, h, err := panelSize(lp.Width, lp.Height, 800, 500)
	if err != nil {
		return err
	}
	if err := linesCheck(lp.Series, lp.LogY); err != nil {
		return err
	}
	p := panelNewPlot(lp.Title, lp.XLabel, lp.YLabel)
	if lp.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	leg := panelNewLegend()
	for i, s := range lp.Series {
		l, err := plotter.NewLine(linesXYs(s.X, s.Y))
		if err != nil {
			return fmt.Errorf("figure: series %q: %v", s.Name, err)
		}
		l.Color = panelColor(i)
		l.Width = vg.Points(1.5)
		p.Add(l)
		if len(s.X) == 1 { // a single point draws no line: mark it
			sc, _ := plotter.NewScatter(linesXYs(s.X, s.Y))
			sc.Color = panelColor(i)
			sc.Shape = draw.CircleGlyph{}
			p.Add(sc)
		}
		if len(lp.Series) > 1 || s.Name != "" {
			leg.Add(s.Name, l)
		}
	}
	p.Add(plotter.NewGrid())
	if lp.YMin < lp.YMax {
		p.Y.Min, p.Y.Max = lp.YMin, lp.YMax
	} else if !lp.LogY {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range lp.Series {
			a, b := linesRange(s.Y)
			lo, hi = math.Min(lo, a), math.Max(hi, b)
		}
		panelPad(&p.Y, lo, hi, 0.03)
	}
	return savePNG(path, w, h, func(c draw.Canvas) error {
		panelDraw(panelFrame(c), p, &leg)
		return nil
	})
}

// linesCheck validates series for a line figure.
func linesCheck(series []Series, logY bool) error {
	if len(series) == 0 {
		return fmt.Errorf("figure: no series to draw: need at least one")
	}
	for i, s := range series {
		name := s.Name
		if name == "" {
			name = fmt.Sprint(i)
		}
		if len(s.X) == 0 {
			return fmt.Errorf("figure: series %q is empty: need at least one point", name)
		}
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("figure: series %q has %d X and %d Y values: must be equal", name, len(s.X), len(s.Y))
		}
		if err := panelFinite(fmt.Sprintf("series %q X", name), s.X); err != nil {
			return err
		}
		if err := panelFinite(fmt.Sprintf("series %q Y", name), s.Y); err != nil {
			return err
		}
		if logY {
			for j, y := range s.Y {
				if y <= 0 {
					return fmt.Errorf("figure: series %q Y[%d] = %v is not allowed on a log axis: must be > 0", name, j, y)
				}
			}
		}
	}
	return nil
}

// linesXYs zips x and y (equal lengths) into plotter points.
func linesXYs(x, y []float64) plotter.XYs {
	xys := make(plotter.XYs, len(x))
	for i := range x {
		xys[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	return xys
}

// linesRange returns the min and max of xs (xs non-empty, finite).
func linesRange(xs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range xs {
		lo = math.Min(lo, v)
		hi = math.Max(hi, v)
	}
	return lo, hi
}
