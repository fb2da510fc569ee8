package figure

import (
	"fmt"
	"math"
	"math/cmplx"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// EigenSet is one named set of eigenvalues, e.g. of the effective
// recurrent matrix before or after training.
type EigenSet struct {
	Name   string
	Values []complex128
}

// SpectrumPlot is an eigenvalue spectrum in the complex plane, with the
// unit circle drawn and equal scales on both axes.
type SpectrumPlot struct {
	// Title defaults to "Eigenvalue spectrum".
	Title string
	Sets  []EigenSet
	// Width, Height are the PNG's size in pixels; 0 selects 760×600.
	Width, Height int
}

// Spectrum writes a PNG of eigenvalues in the complex plane with the unit
// circle; the legend gives the spectral radius ρ.
func Spectrum(path, title string, eigenvalues []complex128) error {
	return SpectrumWith(path, SpectrumPlot{Title: title, Sets: []EigenSet{{Name: "eigenvalues", Values: eigenvalues}}})
}

// SpectrumWith writes the spectrum figure sp to path as a PNG. It returns
// an error, and writes nothing, for no set, an empty set, or a NaN or
// infinite eigenvalue.
func SpectrumWith(path string, sp SpectrumPlot) error {
	w, h, err := panelSize(sp.Width, sp.Height, 760, 600)
	if err != nil {
		return err
	}
	if len(sp.Sets) == 0 {
		return fmt.Errorf("figure: spectrum: no eigenvalues to draw: need at least one set")
	}
	radius := 1.0
	for i, s := range sp.Sets {
		if len(s.Values) == 0 {
			return fmt.Errorf("figure: spectrum set %q (%d) has no eigenvalues: need at least one", s.Name, i)
		}
		for j, v := range s.Values {
			if cmplx.IsNaN(v) || cmplx.IsInf(v) {
				return fmt.Errorf("figure: spectrum set %q eigenvalue[%d] = %v is not allowed: must be finite", s.Name, j, v)
			}
			radius = math.Max(radius, cmplx.Abs(v))
		}
	}
	title := sp.Title
	if title == "" {
		title = "Eigenvalue spectrum"
	}
	p := panelNewPlot(title, "Re λ", "Im λ")
	p.Add(plotter.NewGrid())
	lim := radius * 1.08
	p.X.Min, p.X.Max = -lim, lim
	p.Y.Min, p.Y.Max = -lim, lim
	leg := panelNewLegend()

	circle := make(plotter.XYs, 361)
	for i := range circle {
		a := 2 * math.Pi * float64(i) / 360
		circle[i] = plotter.XY{X: math.Cos(a), Y: math.Sin(a)}
	}
	cl, err := plotter.NewLine(circle)
	if err != nil {
		return fmt.Errorf("figure: spectrum: %v", err)
	}
	cl.Color = panelPalette[7]
	cl.Width = vg.Points(1)
	cl.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(cl)
	leg.Add("unit circle", cl)

	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.CrossGlyph{}}
	for i, s := range sp.Sets {
		xys := make(plotter.XYs, len(s.Values))
		rho := 0.0
		for j, v := range s.Values {
			xys[j] = plotter.XY{X: real(v), Y: imag(v)}
			rho = math.Max(rho, cmplx.Abs(v))
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return fmt.Errorf("figure: spectrum set %q: %v", s.Name, err)
		}
		sc.Color = panelFade(panelColor(i), 0.75)
		sc.Shape = shapes[i%len(shapes)]
		sc.Radius = vg.Points(2.5)
		p.Add(sc)
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("set %d", i)
		}
		leg.Add(fmt.Sprintf("%s (ρ = %.3g)", name, rho), sc)
	}
	return savePNG(path, w, h, func(c draw.Canvas) error {
		c = panelFrame(c)
		// Equal scales: shrink the plot area until the data area is square.
		r := leg.Rectangle(c)
		legW := r.Max.X - r.Min.X + vg.Points(16)
		plotC := draw.Crop(c, 0, -legW, 0, 0)
		da := p.DataCanvas(plotC)
		dw, dh := da.Max.X-da.Min.X, da.Max.Y-da.Min.Y
		if dw > dh {
			c = draw.Crop(c, 0, -(dw - dh), 0, 0)
		} else if dh > dw {
			c = draw.Crop(c, 0, 0, (dh-dw)/2, -(dh-dw)/2)
		}
		panelDraw(c, p, &leg)
		return nil
	})
}
