package figure

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// dense is a small Grid for tests.
type dense struct {
	rows, cols int
	v          []float64
}

func (d dense) Dims() (int, int)    { return d.rows, d.cols }
func (d dense) At(i, j int) float64 { return d.v[i*d.cols+j] }

func render(t *testing.T, f *Figure, w, h int) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := f.WritePNG(&buf, w, h); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("image %d×%d, want %d×%d", b.Dx(), b.Dy(), w, h)
	}
	return img
}

type box struct{ minX, minY, maxX, maxY, n int }

func bbox(img image.Image, c color.RGBA) box {
	b := box{minX: math.MaxInt, minY: math.MaxInt, maxX: -1, maxY: -1}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) == c {
				b.minX, b.minY, b.maxX, b.maxY, b.n = min(b.minX, x), min(b.minY, y), max(b.maxX, x), max(b.maxY, y), b.n+1
			}
		}
	}
	return b
}

// TestSignedMaskOrientation draws [[+1, −1], [0, +1]] without a legend and
// checks where each colour lands: row 0 at the top, column 0 on the left,
// cells of equal size in their exact colours.
func TestSignedMaskOrientation(t *testing.T) {
	g := dense{2, 2, []float64{1, -1, 0, 1}}
	f, err := HeatMap(g, HeatMapOptions{Color: func(v float64) color.Color {
		return map[float64]color.RGBA{1: ExcitatoryColor, -1: InhibitoryColor, 0: NoneColor}[v]
	}, Legend: []LegendEntry{}})
	if err != nil {
		t.Fatal(err)
	}
	img := render(t, f, 400, 300)
	exc, inh := bbox(img, ExcitatoryColor), bbox(img, InhibitoryColor)
	if exc.n == 0 || inh.n == 0 {
		t.Fatalf("missing colours: exc %d, inh %d pixels", exc.n, inh.n)
	}
	// The drawing area runs from the leftmost to the rightmost saturated
	// pixel and from the top of the inhibitory cell to the bottom of the
	// excitatory one; check the colour at the centre of each cell.
	left, right, top, bottom := exc.minX, max(exc.maxX, inh.maxX), min(exc.minY, inh.minY), exc.maxY
	want := [2][2]color.RGBA{{ExcitatoryColor, InhibitoryColor}, {NoneColor, ExcitatoryColor}}
	for i := range 2 {
		for j := range 2 {
			x := left + (2*j+1)*(right-left)/4
			y := top + (2*i+1)*(bottom-top)/4
			if got := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA); got != want[i][j] {
				t.Errorf("cell (%d, %d) at pixel (%d, %d) is %v, want %v", i, j, x, y, got, want[i][j])
			}
		}
	}
	// Two excitatory cells against one inhibitory (edges round to whole pixels).
	if d := float64(exc.n) / float64(inh.n); math.Abs(d-2) > 0.05 {
		t.Errorf("excitatory/inhibitory area ratio %.3f, want 2", d)
	}
}

func TestSignedMaskLegendAndLines(t *testing.T) {
	g := dense{4, 4, []float64{1, 1, 0, -1, 1, 1, 0, 0, 0, 0, 1, 1, -1, 0, 1, 1}}
	f, err := SignedMask(g, MaskOptions{Title: "hidden", RowLines: []int{2, 0, 9}, ColLines: []int{2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Legend) != 3 || f.Legend[0].Label != "excitatory (+1)" || f.Legend[2].Color != NoneColor {
		t.Errorf("legend %v", f.Legend)
	}
	if f.Plot.X.Label.Text != "post" || f.Plot.Y.Label.Text != "pre" {
		t.Errorf("axis labels %q, %q; want post, pre", f.Plot.X.Label.Text, f.Plot.Y.Label.Text)
	}
	img := render(t, f, 500, 400)
	// Boundary lines are black; out-of-range lines (0 and 9) are skipped.
	if bbox(img, color.RGBA{0, 0, 0, 255}).n == 0 {
		t.Error("no black boundary pixels")
	}
	u, err := SignedMask(g, MaskOptions{Unsigned: true})
	if err != nil || len(u.Legend) != 2 || !strings.HasPrefix(u.Legend[0].Label, "synapse") {
		t.Errorf("unsigned legend %v (%v)", u.Legend, err)
	}
}

// TestHeatMapShrinks: a 1000×1000 checkerboard drawn in a few hundred
// pixels averages to the midpoint of the two colours.
func TestHeatMapShrinks(t *testing.T) {
	n := 1000
	v := make([]float64, n*n)
	for i := range v {
		if (i/n+i%n)%2 == 0 {
			v[i] = 1
		}
	}
	f, err := SignedMask(dense{n, n, v}, MaskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	img := render(t, f, 420, 380)
	c := color.RGBAModel.Convert(img.At(200, 200)).(color.RGBA)
	mid := func(a, b uint8) int { return (int(a) + int(b)) / 2 }
	if d := abs(int(c.R)-mid(ExcitatoryColor.R, NoneColor.R)) + abs(int(c.G)-mid(ExcitatoryColor.G, NoneColor.G)); d > 12 {
		t.Errorf("centre pixel %v, want about the mean of %v and %v", c, ExcitatoryColor, NoneColor)
	}
}

func abs(x int) int { return max(x, -x) }

func TestHeatMapContinuous(t *testing.T) {
	g := dense{3, 4, []float64{-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, math.NaN()}}
	f, err := HeatMap(g, HeatMapOptions{Title: "weights", XLabel: "post", YLabel: "pre"})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Legend) != 3 || f.Legend[0].Label != "8" || f.Legend[2].Label != "-2" {
		t.Errorf("automatic legend %v, want 8, 3, -2", f.Legend)
	}
	img := render(t, f, 400, 300)
	if bbox(img, NaNColor).n == 0 {
		t.Error("NaN entry not drawn in NaNColor")
	}
	top := color.RGBAModel.Convert(f.Legend[0].Color).(color.RGBA)
	if bbox(img, top).n < 100 {
		t.Errorf("no cell drawn in the colour of the maximum %v", top)
	}
	path := filepath.Join(t.TempDir(), "w.png")
	if err := f.SavePNG(path, 300, 200); err != nil {
		t.Fatal(err)
	}
}

func TestHeatMapErrors(t *testing.T) {
	if _, err := HeatMap(dense{0, 3, nil}, HeatMapOptions{}); err == nil || err.Error() != "figure: cannot draw a 0 × 3 matrix: it must have at least one row and one column" {
		t.Errorf("empty matrix: %v", err)
	}
	g := dense{1, 2, []float64{0, 1}}
	if _, err := HeatMap(g, HeatMapOptions{Min: 2, Max: 1}); err == nil || !strings.Contains(err.Error(), "Min must not exceed Max") {
		t.Errorf("Min > Max: %v", err)
	}
	f, _ := HeatMap(g, HeatMapOptions{})
	var buf bytes.Buffer
	if err := f.WritePNG(&buf, 0, 100); err == nil || err.Error() != "figure: size 0 × 100 pixels is not allowed: width and height must be in [1, 8192]" {
		t.Errorf("zero width: %v", err)
	}
	if err := f.SavePNG(filepath.Join(t.TempDir(), "no", "such", "dir", "x.png"), 100, 100); err == nil {
		t.Error("saving into a missing folder succeeded")
	}
	if err := (&Figure{}).WritePNG(&buf, 10, 10); err == nil {
		t.Error("a figure without a plot rendered")
	}
}

func TestIntTicks(t *testing.T) {
	cases := []struct {
		lo, hi float64
		want   string
	}{
		{-0.5, 2.5, "0 1 2"},
		{-0.5, 119.5, "0 20 40 60 80 100"},
		{-0.5, 1999.5, "0 500 1000 1500"},
		{-0.5, 0.5, "0"},
	}
	for _, tc := range cases {
		var labels []string
		for _, tk := range (intTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if got := strings.Join(labels, " "); got != tc.want {
			t.Errorf("ticks on [%v, %v]: %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}
