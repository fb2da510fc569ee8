package figure

import (
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Grid is a matrix to draw: Dims gives its size, At one entry.
type Grid interface {
	Dims() (rows, cols int)
	At(i, j int) float64
}

// HeatMapOptions says how HeatMap draws a matrix.
type HeatMapOptions struct {
	Title, XLabel, YLabel string
	// Color gives the colour of one value. Nil maps values between Min and
	// Max through ColorMap.
	Color func(v float64) color.Color
	// ColorMap is used when Color is nil; nil means a blue-white-red
	// diverging map.
	ColorMap palette.ColorMap
	// Min and Max bound the colour range; both zero means the data range.
	Min, Max float64
	// RowLines draws a horizontal line above each listed row (a boundary
	// between row i−1 and row i); ColLines a vertical line left of each
	// listed column.
	RowLines, ColLines []int
	// Legend is drawn to the right of the axes. Nil, with Color nil, shows
	// the colours of Max, the middle and Min.
	Legend []LegendEntry
}

// NaNColor is the colour of NaN entries.
var NaNColor = color.RGBA{0x80, 0x80, 0x80, 0xff}

// HeatMap draws g with row 0 at the top, one cell per entry.
func HeatMap(g Grid, o HeatMapOptions) (*Figure, error) {
	rows, cols := g.Dims()
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("figure: cannot draw a %d × %d matrix: it must have at least one row and one column", rows, cols)
	}
	f := New(o.Title, o.XLabel, o.YLabel)
	f.Legend = o.Legend
	colorOf := o.Color
	if colorOf == nil {
		lo, hi := o.Min, o.Max
		if lo == 0 && hi == 0 {
			lo, hi = math.Inf(1), math.Inf(-1)
			for i := 0; i < rows; i++ {
				for j := 0; j < cols; j++ {
					if v := g.At(i, j); !math.IsNaN(v) {
						lo, hi = min(lo, v), max(hi, v)
					}
				}
			}
			if lo > hi { // all NaN
				lo, hi = 0, 1
			}
		}
		if !(lo <= hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
			return nil, fmt.Errorf("figure: colour range [%v, %v] is not allowed: Min must not exceed Max and both must be finite", lo, hi)
		}
		if lo == hi {
			lo, hi = lo-0.5, hi+0.5
		}
		cm := o.ColorMap
		if cm == nil {
			cm = moreland.SmoothBlueRed()
		}
		cm.SetMin(lo)
		cm.SetMax(hi)
		colorOf = func(v float64) color.Color {
			if math.IsNaN(v) {
				return NaNColor
			}
			c, err := cm.At(min(max(v, lo), hi))
			if err != nil {
				return NaNColor
			}
			return c
		}
		if f.Legend == nil {
			for _, v := range []float64{hi, (lo + hi) / 2, lo} {
				f.Legend = append(f.Legend, LegendEntry{Label: strconv.FormatFloat(v, 'g', 4, 64), Color: colorOf(v)})
			}
		}
	}
	p := f.Plot
	p.Add(&raster{g: g, color: colorOf})
	p.X.Min, p.X.Max = -0.5, float64(cols)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(rows)-0.5
	p.Y.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	p.Y.Tick.Marker = intTicks{}
	p.X.Tick.Marker = intTicks{}
	line := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	for _, r := range o.RowLines {
		if r <= 0 || r >= rows {
			continue
		}
		y := float64(r) - 0.5
		l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: y}, {X: float64(cols) - 0.5, Y: y}})
		if err != nil {
			return nil, err
		}
		l.LineStyle = line
		p.Add(l)
	}
	for _, c := range o.ColLines {
		if c <= 0 || c >= cols {
			continue
		}
		x := float64(c) - 0.5
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: -0.5}, {X: x, Y: float64(rows) - 0.5}})
		if err != nil {
			return nil, err
		}
		l.LineStyle = line
		p.Add(l)
	}
	return f, nil
}

// intTicks labels matrix indices: integers at a step of 1, 2 or 5 × 10^k
// chosen for at most about 8 labels, with unlabelled minor ticks between.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := math.Ceil(lo), math.Floor(hi)
	if !(first <= last) || math.IsInf(first, 0) || math.IsInf(last, 0) {
		return nil
	}
	span := last - first
	step := 1.0
	for span/step > 8 {
		switch m := step / math.Pow(10, math.Floor(math.Log10(step))); {
		case m < 2:
			step *= 2
		case m < 5:
			step = step / 2 * 5
		default:
			step *= 2
		}
	}
	minor := step / 5
	if step < 5 || minor != math.Trunc(minor) {
		minor = 0
	}
	var out []plot.Tick
	for v := math.Ceil(first/step) * step; v <= last; v += step {
		if v == 0 {
			v = 0 // not −0
		}
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	if minor > 0 {
		for v := math.Ceil(first/minor) * minor; v <= last; v += minor {
			if math.Mod(v, step) != 0 {
				out = append(out, plot.Tick{Value: v})
			}
		}
	}
	return out
}

// raster is a plotter that paints a Grid pixel by pixel, cell (i, j)
// covering x ∈ [j−½, j+½], y ∈ [i−½, i+½].
type raster struct {
	g     Grid
	color func(float64) color.Color
}

func (r *raster) DataRange() (xmin, xmax, ymin, ymax float64) {
	rows, cols := r.g.Dims()
	return -0.5, float64(cols) - 0.5, -0.5, float64(rows) - 0.5
}

func (r *raster) Plot(c draw.Canvas, p *plot.Plot) {
	rows, cols := r.g.Dims()
	trX, trY := p.Transforms(&c)
	x0, x1 := trX(-0.5), trX(float64(cols)-0.5) // left edges of column 0, right of the last
	y0, y1 := trY(-0.5), trY(float64(rows)-0.5)

	// Paint straight onto the image when the canvas is one (PNG): no
	// resampling, so every colour stays exact.
	var cv vg.Canvas = c.Canvas
	for {
		if dc, ok := cv.(draw.Canvas); ok {
			cv = dc.Canvas
			continue
		}
		break
	}
	dpi := float64(DPI)
	if d, ok := cv.(interface{ DPI() float64 }); ok {
		dpi = d.DPI()
	}
	if ic, ok := cv.(interface{ Image() stddraw.Image }); ok {
		img := ic.Image()
		h := float64(img.Bounds().Dy())
		px0, px1 := math.Round(x0.Dots(dpi)), math.Round(x1.Dots(dpi))
		py0, py1 := math.Round(h-y0.Dots(dpi)), math.Round(h-y1.Dots(dpi))
		r.paint(img, int(min(px0, px1)), int(max(px0, px1)), int(min(py0, py1)), int(max(py0, py1)), px0 > px1, py0 > py1)
		return
	}
	// Other canvases: paint an image of the drawing area's size and let the
	// canvas place it.
	w := int(math.Max(1, math.Round(math.Abs((x1 - x0).Dots(dpi)))))
	hh := int(math.Max(1, math.Round(math.Abs((y1 - y0).Dots(dpi)))))
	img := image.NewRGBA(image.Rect(0, 0, min(w, 4096), min(hh, 4096)))
	b := img.Bounds()
	r.paint(img, 0, b.Dx(), 0, b.Dy(), x0 > x1, y0 < y1)
	c.DrawImage(vg.Rectangle{Min: vg.Point{X: min(x0, x1), Y: min(y0, y1)}, Max: vg.Point{X: max(x0, x1), Y: max(y0, y1)}}, img)
}

// paint fills pixels [left, right) × [top, bottom) of img (y down). flipX
// puts column 0 on the right, flipY row 0 at the bottom. Each pixel gets the
// mean colour of the cells it covers.
func (r *raster) paint(img stddraw.Image, left, right, top, bottom int, flipX, flipY bool) {
	rows, cols := r.g.Dims()
	w, h := right-left, bottom-top
	if w <= 0 || h <= 0 {
		return
	}
	bounds := img.Bounds()
	span := func(k, n, cells int) (int, int) {
		a := k * cells / n
		b := (k + 1) * cells / n
		return a, max(b, a+1)
	}
	for py := 0; py < h; py++ {
		if top+py < bounds.Min.Y || top+py >= bounds.Max.Y {
			continue
		}
		r0, r1 := span(py, h, rows)
		for px := 0; px < w; px++ {
			if left+px < bounds.Min.X || left+px >= bounds.Max.X {
				continue
			}
			c0, c1 := span(px, w, cols)
			var sr, sg, sb, sa, n uint64
			for i := r0; i < r1; i++ {
				ii := i
				if flipY {
					ii = rows - 1 - i
				}
				for j := c0; j < c1; j++ {
					jj := j
					if flipX {
						jj = cols - 1 - j
					}
					cr, cg, cb, ca := r.color(r.g.At(ii, jj)).RGBA()
					sr, sg, sb, sa, n = sr+uint64(cr), sg+uint64(cg), sb+uint64(cb), sa+uint64(ca), n+1
				}
			}
			img.Set(left+px, top+py, color.RGBA64{uint16(sr / n), uint16(sg / n), uint16(sb / n), uint16(sa / n)})
		}
	}
}
