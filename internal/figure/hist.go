package figure

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HistSeries is one named set of values, e.g. the weights leaving the
// excitatory neurons of an effective matrix.
type HistSeries struct {
	Name   string
	Values []float64
}

// HistogramPlot is a histogram figure of one or several series that share
// the same bins, either overlaid in translucent colours or, with Panels,
// one panel per series stacked vertically on a common x axis.
type HistogramPlot struct {
	// YLabel defaults to "count", or "density" with Density.
	Title, XLabel, YLabel string
	Series                []HistSeries
	// Bins is the number of bins over the range of all values; 0 selects 40.
	Bins int
	// Density scales each series to unit area, so that series of different
	// sizes compare.
	Density bool
	// Panels draws each series in its own panel instead of overlaying them.
	Panels bool
	// SkipZeros leaves out values that are exactly 0 (absent synapses in an
	// effective weight matrix).
	SkipZeros bool
	// Width, Height are the PNG's size in pixels; 0 selects a width of 800
	// and a height of 500 (overlaid) or 60 + 200 per panel.
	Width, Height int
}

// Histogram writes the histogram figure hp to path as a PNG. The legend
// gives each series' name and number of values. It returns an error, and
// writes nothing, for no series, a series with no values, a NaN or
// infinite value, or a bin count outside [1, 1000].
func Histogram(path string, hp HistogramPlot) error {
	if len(hp.Series) == 0 {
		return fmt.Errorf("figure: histogram: no series to draw: need at least one")
	}
	bins := hp.Bins
	if bins == 0 {
		bins = 40
	}
	if bins < 1 || bins > 1000 {
		return fmt.Errorf("figure: histogram: bins = %d is not allowed: must be 0 (default 40) or in [1, 1000]", hp.Bins)
	}
	defH := 500
	if hp.Panels {
		defH = 60 + 200*len(hp.Series)
	}
	w, h, err := panelSize(hp.Width, hp.Height, 800, defH)
	if err != nil {
		return err
	}
	// Check, filter, and find the common range.
	vals := make([][]float64, len(hp.Series))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range hp.Series {
		name := s.Name
		if name == "" {
			name = fmt.Sprint(i)
		}
		if len(s.Values) == 0 {
			return fmt.Errorf("figure: histogram series %q has no values: need at least one", name)
		}
		if err := panelFinite(fmt.Sprintf("histogram series %q Values", name), s.Values); err != nil {
			return err
		}
		for _, v := range s.Values {
			if hp.SkipZeros && v == 0 {
				continue
			}
			vals[i] = append(vals[i], v)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) { // every value skipped
		lo, hi = -1, 1
	}
	if lo == hi {
		d := math.Max(math.Abs(lo)*0.1, 0.5)
		lo, hi = lo-d, hi+d
	}
	ylabel := hp.YLabel
	if ylabel == "" {
		ylabel = "count"
		if hp.Density {
			ylabel = "density"
		}
	}
	// Bin edges sit on multiples of the width, so that 0 is an edge and
	// positive and negative weights never share a bin.
	width := (hi - lo) / float64(bins)
	lo = math.Floor(lo/width) * width
	bins = max(1, int(math.Ceil((hi-lo)/width-1e-9)))
	hi = lo + float64(bins)*width
	top := 0.0 // highest bar, for the y range
	mk := func(i int) (*plotter.Histogram, string) {
		counts := make([]float64, bins)
		for _, v := range vals[i] {
			b := int((v - lo) / width)
			b = min(max(b, 0), bins-1)
			counts[b]++
		}
		var hb []plotter.HistogramBin // empty bins are not drawn
		for b, n := range counts {
			if n == 0 {
				continue
			}
			bin := plotter.HistogramBin{Min: lo + float64(b)*width, Max: lo + float64(b+1)*width, Weight: n}
			if hp.Density {
				bin.Weight /= float64(len(vals[i])) * width
			}
			hb = append(hb, bin)
			top = math.Max(top, bin.Weight)
		}
		col := panelColor(i)
		hist := &plotter.Histogram{Bins: hb, Width: width, FillColor: panelFade(col, 0.45)}
		hist.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(0.7)}
		name := hp.Series[i].Name
		if name == "" {
			name = fmt.Sprintf("series %d", i)
		}
		return hist, fmt.Sprintf("%s (n = %d)", name, len(vals[i]))
	}
	if !hp.Panels {
		p := panelNewPlot(hp.Title, hp.XLabel, ylabel)
		p.Add(plotter.NewGrid())
		leg := panelNewLegend()
		for i := range hp.Series {
			hist, label := mk(i)
			p.Add(hist)
			leg.Add(label, hist)
		}
		p.X.Min, p.X.Max = lo, hi
		p.Y.Min, p.Y.Max = 0, histTop(top)
		return savePNG(path, w, h, func(c draw.Canvas) error {
			panelDraw(panelFrame(c), p, &leg)
			return nil
		})
	}
	plots := make([][]*plot.Plot, len(hp.Series))
	legs := make([]plot.Legend, len(hp.Series))
	for i := range hp.Series {
		xl := ""
		if i == len(hp.Series)-1 {
			xl = hp.XLabel
		}
		p := panelNewPlot("", xl, ylabel)
		p.Add(plotter.NewGrid())
		hist, label := mk(i)
		p.Add(hist)
		p.X.Min, p.X.Max = lo, hi
		p.Y.Min, p.Y.Max = 0, histTop(histMax(hist))
		legs[i] = panelNewLegend()
		legs[i].Add(label, hist)
		plots[i] = []*plot.Plot{p}
	}
	return savePNG(path, w, h, func(c draw.Canvas) error {
		panelStack(panelFrame(c), hp.Title, plots, legs)
		return nil
	})
}

// histTop returns the y axis maximum that leaves room above the highest bar.
func histTop(top float64) float64 {
	if top <= 0 {
		return 1
	}
	return top * 1.06
}

// histMax returns the highest bar of h.
func histMax(h *plotter.Histogram) float64 {
	top := 0.0
	for _, b := range h.Bins {
		top = math.Max(top, b.Weight)
	}
	return top
}
