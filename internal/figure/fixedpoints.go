package figure

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// FixedPointsPlot is a figure of a network's fixed points in a plane (the
// first two principal components of its trajectories): the trajectories
// faint and grey, the points marked by their kind.
type FixedPointsPlot struct {
	Title, XLabel, YLabel string
	// Paths are trajectories (X[i], Y[i] of path i), drawn faint.
	PathsX, PathsY [][]float64
	// X, Y and Kind are the points: Kind 0 stable (filled circle), 1 saddle
	// (triangle), 2 unstable (cross).
	X, Y []float64
	Kind []int
	// Width, Height are the PNG's size in pixels; 0 selects 820×600.
	Width, Height int
}

var fixedPointKinds = []struct {
	name  string
	color color.Color
	glyph draw.GlyphDrawer
	size  vg.Length
}{
	{"stable", color.RGBA{R: 0, G: 90, B: 181, A: 255}, draw.CircleGlyph{}, 5},
	{"saddle", color.RGBA{R: 230, G: 120, B: 0, A: 255}, draw.PyramidGlyph{}, 6},
	{"unstable", color.RGBA{R: 200, G: 0, B: 0, A: 255}, draw.CrossGlyph{}, 5},
}

// FixedPoints writes fp to path as a PNG. It returns an error, and writes
// nothing, for points of unequal lengths, a kind outside 0…2, paths of
// unequal lengths or a NaN or infinite value.
func FixedPoints(path string, fp FixedPointsPlot) error {
	if len(fp.X) != len(fp.Y) || len(fp.X) != len(fp.Kind) {
		return fmt.Errorf("figure: fixed points: %d x, %d y and %d kinds: need one of each per point", len(fp.X), len(fp.Y), len(fp.Kind))
	}
	if len(fp.PathsX) != len(fp.PathsY) {
		return fmt.Errorf("figure: fixed points: %d x paths and %d y paths", len(fp.PathsX), len(fp.PathsY))
	}
	if err := panelFinite("fixed points X", fp.X); err != nil {
		return err
	}
	if err := panelFinite("fixed points Y", fp.Y); err != nil {
		return err
	}
	w, h, err := panelSize(fp.Width, fp.Height, 820, 600)
	if err != nil {
		return err
	}
	p := panelNewPlot(fp.Title, fp.XLabel, fp.YLabel)
	p.Add(plotter.NewGrid())
	leg := panelNewLegend()
	for i := range fp.PathsX {
		if len(fp.PathsX[i]) != len(fp.PathsY[i]) {
			return fmt.Errorf("figure: fixed points: path %d has %d x and %d y values", i, len(fp.PathsX[i]), len(fp.PathsY[i]))
		}
		if err := panelFinite(fmt.Sprintf("fixed points path %d", i), append(append([]float64(nil), fp.PathsX[i]...), fp.PathsY[i]...)); err != nil {
			return err
		}
		xy := make(plotter.XYs, len(fp.PathsX[i]))
		for j := range xy {
			xy[j].X, xy[j].Y = fp.PathsX[i][j], fp.PathsY[i][j]
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("figure: fixed points: %v", err)
		}
		l.Color = color.NRGBA{R: 120, G: 120, B: 120, A: 70}
		l.Width = vg.Points(0.6)
		p.Add(l)
		if i == 0 {
			leg.Add("trials", l)
		}
	}
	for k, kind := range fixedPointKinds {
		var xy plotter.XYs
		for i := range fp.X {
			if fp.Kind[i] < 0 || fp.Kind[i] >= len(fixedPointKinds) {
				return fmt.Errorf("figure: fixed points: kind %d of point %d is not allowed: 0 stable, 1 saddle, 2 unstable", fp.Kind[i], i)
			}
			if fp.Kind[i] == k {
				xy = append(xy, plotter.XY{X: fp.X[i], Y: fp.Y[i]})
			}
		}
		if len(xy) == 0 {
			continue
		}
		s, err := plotter.NewScatter(xy)
		if err != nil {
			return fmt.Errorf("figure: fixed points: %v", err)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: kind.color, Shape: kind.glyph, Radius: vg.Points(float64(kind.size))}
		p.Add(s)
		leg.Add(fmt.Sprintf("%s (%d)", kind.name, len(xy)), s)
	}
	return savePNG(path, w, h, func(c draw.Canvas) error {
		panelDraw(panelFrame(c), p, &leg)
		return nil
	})
}
