package figure

// Shared plumbing for the line-style figures (lines, histograms, spectra,
// trials, trajectories, psychometric curves): pixel sizes, fonts, colours,
// a legend drawn beside the data instead of over it, input checks and the
// PNG writer that never leaves a half-written file behind.

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/dale-rnn/dale/npz"
)

// panelFont is the typeface of every text in these figures.
var panelFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// panelPalette is the Okabe–Ito colour-blind-safe palette (black moved to
// the end), used in order for the series of a figure.
var panelPalette = []color.Color{
	color.RGBA{R: 0x00, G: 0x72, B: 0xB2, A: 0xFF}, // blue
	color.RGBA{R: 0xD5, G: 0x5E, B: 0x00, A: 0xFF}, // vermillion
	color.RGBA{R: 0x00, G: 0x9E, B: 0x73, A: 0xFF}, // bluish green
	color.RGBA{R: 0xCC, G: 0x79, B: 0xA7, A: 0xFF}, // reddish purple
	color.RGBA{R: 0xE6, G: 0x9F, B: 0x00, A: 0xFF}, // orange
	color.RGBA{R: 0x56, G: 0xB4, B: 0xE9, A: 0xFF}, // sky blue
	color.RGBA{R: 0xB8, G: 0xA9, B: 0x00, A: 0xFF}, // dark yellow
	color.RGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xFF}, // black
}

// panelColor returns the i-th series colour, cycling through the palette
// and darkening each further cycle so that colours stay distinct.
func panelColor(i int) color.Color {
	c := panelPalette[i%len(panelPalette)].(color.RGBA)
	cycle := i / len(panelPalette)
	if cycle == 0 {
		return c
	}
	f := math.Pow(0.65, float64(cycle))
	return color.RGBA{R: uint8(float64(c.R) * f), G: uint8(float64(c.G) * f), B: uint8(float64(c.B) * f), A: 0xFF}
}

// panelFade returns c with alpha a (0..1), premultiplied.
func panelFade(c color.Color, a float64) color.Color {
	r, g, b, _ := c.RGBA()
	return color.RGBA64{
		R: uint16(float64(r) * a), G: uint16(float64(g) * a), B: uint16(float64(b) * a),
		A: uint16(0xFFFF * a),
	}
}

// panelLength converts pixels to a canvas length at DPI (figure.go).
func panelLength(px int) vg.Length { return vg.Length(px) * vg.Inch / DPI }

// panelSize returns (w, h), replacing a zero side by its default, and an
// error for a negative or absurd size.
func panelSize(w, h, defW, defH int) (int, int, error) {
	if w == 0 {
		w = defW
	}
	if h == 0 {
		h = defH
	}
	if w < 50 || w > MaxPixels {
		return 0, 0, fmt.Errorf("figure: width = %d pixels is not allowed: must be 0 (default) or in [50, %d]", w, MaxPixels)
	}
	if h < 50 || h > MaxPixels {
		return 0, 0, fmt.Errorf("figure: height = %d pixels is not allowed: must be 0 (default) or in [50, %d]", h, MaxPixels)
	}
	return w, h, nil
}

// panelNewPlot returns a plot with the figure fonts, title and axis labels.
func panelNewPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(panelFont, 14)
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(panelFont, 12)
		ax.Tick.Label.Font = font.From(panelFont, 10)
		ax.Tick.Marker = panelTicks{}
	}
	p.Legend = panelNewLegend()
	return p
}

// panelNewLegend returns an empty legend in the figure font, meant to be
// drawn by panelDraw beside a plot.
func panelNewLegend() plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font = font.From(panelFont, 11)
	l.Left = true
	l.Top = true
	l.ThumbnailWidth = vg.Points(22)
	l.Padding = vg.Points(2)
	return l
}

// panelDraw draws p into c with leg (if it has entries) in a column on the
// right of the data area, so that the legend never hides data.
func panelDraw(c draw.Canvas, p *plot.Plot, leg *plot.Legend) {
	if leg == nil {
		p.Draw(c)
		return
	}
	r := leg.Rectangle(c)
	w := r.Max.X - r.Min.X
	if w <= 0 {
		p.Draw(c)
		return
	}
	gap := vg.Points(8)
	// Never give the legend more than 40% of the width.
	if limit := (c.Max.X - c.Min.X) * 0.4; w > limit {
		w = limit
	}
	plotC := draw.Crop(c, 0, -(w + 2*gap), 0, 0)
	p.Draw(plotC)
	legC := draw.Crop(c, (c.Max.X-c.Min.X)-w-gap, -gap, 0, 0)
	// Align the legend's top with the top of the data area.
	top := p.DataCanvas(plotC).Max.Y
	legC.Max.Y = top
	leg.Draw(legC)
}

// savePNG renders a W×H pixel figure with render and writes it as PNG to
// path. Nothing is written when render fails or panics (gonum/plot panics
// on some degenerate inputs); the file is replaced atomically.
func savePNG(path string, w, h int, render func(c draw.Canvas) error) (err error) {
	if path == "" {
		return fmt.Errorf("figure: path is empty: must name the PNG file to write")
	}
	img := vgimg.NewWith(vgimg.UseWH(panelLength(w), panelLength(h)), vgimg.UseDPI(DPI))
	var buf bytes.Buffer
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("figure: drawing %s failed: %v", path, r)
			}
		}()
		if err = render(draw.New(img)); err != nil {
			return
		}
		_, err = vgimg.PngCanvas{Canvas: img}.WriteTo(&buf)
	}()
	if err != nil {
		return err
	}
	if err := npz.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return fmt.Errorf("figure: writing %s: %w", path, err)
	}
	return nil
}

// panelFinite returns an error naming what[i] if any value is NaN or ±Inf.
func panelFinite(what string, xs []float64) error {
	for i, v := range xs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("figure: %s[%d] = %v is not allowed: must be finite", what, i, v)
		}
	}
	return nil
}

// panelTiles returns the tiling of n panels stacked vertically.
func panelTiles(n int) draw.Tiles {
	return draw.Tiles{
		Rows:      n,
		Cols:      1,
		PadX:      vg.Points(4),
		PadY:      vg.Points(10),
		PadTop:    vg.Points(4),
		PadBottom: vg.Points(4),
		PadLeft:   vg.Points(4),
		PadRight:  vg.Points(8),
	}
}

// panelFrame pads a whole-figure canvas so that text does not touch the
// image border.
func panelFrame(c draw.Canvas) draw.Canvas {
	return draw.Crop(c, vg.Points(6), -vg.Points(10), vg.Points(4), -vg.Points(4))
}

// panelStack draws a figure title at the top of c and the plots (one per
// row) stacked below it, their axes aligned, each with its legend in a
// common column on the right. legs may be nil or hold empty legends.
func panelStack(c draw.Canvas, title string, plots [][]*plot.Plot, legs []plot.Legend) {
	c = panelTitle(c, title)
	legW := vg.Length(0)
	for i := range legs {
		r := legs[i].Rectangle(c)
		legW = max(legW, r.Max.X-r.Min.X)
	}
	if limit := (c.Max.X - c.Min.X) * 0.4; legW > limit {
		legW = limit
	}
	gap := vg.Points(8)
	plotC := c
	if legW > 0 {
		plotC = draw.Crop(c, 0, -(legW + 2*gap), 0, 0)
	}
	canvases := plot.Align(plots, panelTiles(len(plots)), plotC)
	for i := range plots {
		p := plots[i][0]
		p.Draw(canvases[i][0])
		if i < len(legs) && legW > 0 {
			lc := canvases[i][0]
			lc.Min.X = c.Max.X - legW - gap
			lc.Max.X = c.Max.X - gap
			lc.Max.Y = p.DataCanvas(canvases[i][0]).Max.Y
			legs[i].Draw(lc)
		}
	}
}

// panelTitle draws a figure title (if any) centred at the top of c and
// returns the canvas below it.
func panelTitle(c draw.Canvas, title string) draw.Canvas {
	if title == "" {
		return c
	}
	sty := panelNewPlot(title, "", "").Title.TextStyle
	r := sty.Rectangle(title)
	h := r.Max.Y - r.Min.Y
	descent := sty.FontExtents().Descent
	c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y + descent}, title)
	c.Max.Y -= h + vg.Points(6)
	return c
}

// panelGrid draws a figure title at the top of c and the plots below it
// in a grid (plots[row][col], every row as long as the first), their data
// areas of one size and aligned, each with its legend legs[row][col] in a
// column on its right as wide as the widest legend.
func panelGrid(c draw.Canvas, title string, plots [][]*plot.Plot, legs [][]plot.Legend) {
	c = panelTitle(c, title)
	rows, cols := len(plots), len(plots[0])
	legW := vg.Length(0)
	for i := range legs {
		for j := range legs[i] {
			r := legs[i][j].Rectangle(c)
			legW = max(legW, r.Max.X-r.Min.X)
		}
	}
	if limit := (c.Max.X - c.Min.X) / vg.Length(cols) * 0.4; legW > limit {
		legW = limit
	}
	gap := vg.Points(8)
	side := vg.Length(0)
	if legW > 0 {
		side = legW + 2*gap
	}
	tiles := draw.Tiles{
		Rows: rows, Cols: cols,
		PadX: side + vg.Points(10), PadY: vg.Points(14),
		PadTop: vg.Points(4), PadBottom: vg.Points(4),
		PadLeft: vg.Points(4), PadRight: side,
	}
	canvases := plot.Align(plots, tiles, c)
	for i := range plots {
		for j, p := range plots[i] {
			p.Draw(canvases[i][j])
			if legW == 0 || i >= len(legs) || j >= len(legs[i]) {
				continue
			}
			tile := tiles.At(c, j, i)
			lc := canvases[i][j]
			lc.Min.X = tile.Max.X + gap
			lc.Max.X = lc.Min.X + legW
			lc.Max.Y = p.DataCanvas(canvases[i][j]).Max.Y
			legs[i][j].Draw(lc)
		}
	}
}

// panelLighten mixes c with a fraction f (0..1) of white: an opaque,
// lighter version of the colour.
func panelLighten(c color.Color, f float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(math.Round(float64(v>>8)*(1-f) + 255*f)) }
	return color.RGBA{R: mix(r), G: mix(g), B: mix(b), A: 0xFF}
}

// panelTicks places major ticks at multiples of a round step (1, 2, 2.5 or
// 5 × 10^k) so that zero is labelled whenever it is in range, with
// unlabelled minor ticks between them.
type panelTicks struct{}

func (panelTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if step == 10*mag {
		mag = step
	}
	minor := step / 5
	if step/mag == 2 {
		minor = step / 4
	}
	extra := 0.0
	if step/mag == 2.5 {
		extra = 1
	}
	prec := max(0, int(math.Round(-math.Log10(mag)+extra)))
	var ticks []plot.Tick
	for i := math.Ceil(lo/minor - 1e-9); i*minor <= hi+1e-9*minor; i++ {
		v := i * minor
		if math.Abs(v) < 1e-12*step {
			v = 0
		}
		t := plot.Tick{Value: v}
		if r := math.Abs(math.Remainder(v, step)); r < 1e-6*step {
			t.Label = strconv.FormatFloat(v, 'f', prec, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// panelPad sets ax's range to [lo, hi] widened by frac of its span on each
// side (by ±0.5, or ±10% of |lo|, when lo == hi).
func panelPad(ax *plot.Axis, lo, hi, frac float64) {
	if lo == hi {
		d := math.Max(math.Abs(lo)*0.1, 0.5)
		ax.Min, ax.Max = lo-d, hi+d
		return
	}
	d := (hi - lo) * frac
	ax.Min, ax.Max = lo-d, hi+d
}
