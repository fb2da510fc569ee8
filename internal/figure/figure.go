package figure

import (
	"bytes"
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/dale-rnn/dale/npz"
)

// DPI is the resolution figures are rendered at: sizes are given in pixels.
const DPI = 96

// MaxPixels bounds a figure's width and height.
const MaxPixels = 8192

// Figure is one plot and an optional legend drawn to its right, outside
// the axes.
type Figure struct {
	Plot   *plot.Plot
	Legend []LegendEntry
}

// LegendEntry is one legend line: a filled swatch of Color and a label.
type LegendEntry struct {
	Label string
	Color color.Color
}

// New returns a figure with an empty plot carrying the title and axis
// labels.
func New(title, xLabel, yLabel string) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	return &Figure{Plot: p}
}

// swatch is a legend thumbnail: a filled rectangle.
type swatch struct{ c color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	pad := vg.Points(1)
	r := vg.Rectangle{Min: vg.Point{X: c.Min.X + pad, Y: c.Min.Y + pad}, Max: vg.Point{X: c.Max.X - pad, Y: c.Max.Y - pad}}
	c.SetColor(s.c)
	c.Fill(r.Path())
	c.SetColor(color.Gray{Y: 0x60})
	c.SetLineWidth(vg.Points(0.5))
	c.Stroke(r.Path())
}

// WritePNG renders the figure as a width × height pixel PNG to w.
func (f *Figure) WritePNG(w io.Writer, width, height int) (err error) {
	if width <= 0 || height <= 0 || width > MaxPixels || height > MaxPixels {
		return fmt.Errorf("figure: size %d × %d pixels is not allowed: width and height must be in [1, %d]", width, height, MaxPixels)
	}
	if f == nil || f.Plot == nil {
		return fmt.Errorf("figure: nothing to draw: the figure has no plot")
	}
	defer func() {
		// gonum/plot panics on some degenerate input; report it instead.
		if r := recover(); r != nil {
			err = fmt.Errorf("figure: drawing failed: %v", r)
		}
	}()
	px := func(n int) vg.Length { return vg.Length(n) * vg.Inch / DPI }
	cv := vgimg.NewWith(vgimg.UseWH(px(width), px(height)), vgimg.UseDPI(DPI))
	pad := vg.Points(6)
	dc := draw.Crop(draw.New(cv), pad, -pad, pad, -pad)
	legendW := vg.Length(0)
	var l plot.Legend
	if len(f.Legend) > 0 {
		l = plot.NewLegend()
		l.Left, l.Top = true, true
		l.TextStyle.Font.Size = vg.Points(10)
		wmax := vg.Length(0)
		for _, e := range f.Legend {
			l.Add(e.Label, swatch{e.Color})
			wmax = max(wmax, l.TextStyle.Width(e.Label))
		}
		legendW = wmax + l.ThumbnailWidth + vg.Points(16)
	}
	f.Plot.Draw(draw.Crop(dc, 0, -legendW, 0, 0))
	if len(f.Legend) > 0 {
		top := vg.Length(0)
		if f.Plot.Title.Text != "" {
			top = f.Plot.Title.TextStyle.Rectangle(f.Plot.Title.Text).Size().Y + f.Plot.Title.Padding
		}
		l.Draw(draw.Crop(dc, dc.Max.X-dc.Min.X-legendW+vg.Points(6), 0, 0, -top-vg.Points(6)))
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: cv}).WriteTo(&buf); err != nil {
		return fmt.Errorf("figure: encoding PNG: %v", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// SavePNG renders the figure as a width × height pixel PNG file at path,
// written atomically.
func (f *Figure) SavePNG(path string, width, height int) error {
	var buf bytes.Buffer
	if err := f.WritePNG(&buf, width, height); err != nil {
		return err
	}
	return npz.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
}
