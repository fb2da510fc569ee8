package figure

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// BarsPlot is a bar chart: one labelled bar per value (a lesion's effect
// on a measure, say), the first drawn in grey as the reference.
type BarsPlot struct {
	Title, YLabel string
	Labels        []string
	Values        []float64
	// Width, Height are the PNG's size in pixels; 0 selects 120 + 90 per
	// bar (at least 500) by 520.
	Width, Height int
}

// Bars writes the bar chart bp to path as a PNG. It returns an error, and
// writes nothing, for no values, labels of another count, or a NaN or
// infinite value.
func Bars(path string, bp BarsPlot) error {
	if len(bp.Values) == 0 || len(bp.Labels) != len(bp.Values) {
		return fmt.Errorf("figure: bars: %d values and %d labels: need at least one value and a label each", len(bp.Values), len(bp.Labels))
	}
	if err := panelFinite("bars Values", bp.Values); err != nil {
		return err
	}
	w, h, err := panelSize(bp.Width, bp.Height, max(500, 120+90*len(bp.Values)), 520)
	if err != nil {
		return err
	}
	p := panelNewPlot(bp.Title, "", bp.YLabel)
	p.Add(plotter.NewGrid())
	for i, v := range bp.Values {
		bc, err := plotter.NewBarChart(plotter.Values{v}, vg.Points(28))
		if err != nil {
			return fmt.Errorf("figure: bars: %v", err)
		}
		bc.XMin = float64(i)
		bc.LineStyle.Width = 0
		bc.Color = panelColor(0)
		if i == 0 {
			bc.Color = color.Gray{Y: 150}
		}
		p.Add(bc)
	}
	p.NominalX(bp.Labels...)
	p.X.Tick.Label.Rotation = 0.5
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	lo, hi := 0.0, 0.0
	for _, v := range bp.Values {
		lo, hi = min(lo, v), max(hi, v)
	}
	p.Y.Min, p.Y.Max = lo*1.08, hi*1.08
	return savePNG(path, w, h, func(c draw.Canvas) error {
		p.Draw(panelFrame(c))
		return nil
	})
}
