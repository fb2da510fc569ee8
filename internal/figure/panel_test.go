package figure

import (
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg/draw"
)

// panelTestPNG decodes the PNG at path and checks its size and that it is
// not blank: it must have several colours and a fair share of non-white
// pixels.
func panelTestPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() != w || b.Dy() != h {
		t.Fatalf("%s is %d×%d pixels, want %d×%d", path, b.Dx(), b.Dy(), w, h)
	}
	colours := map[[4]uint32]bool{}
	nonWhite := 0
	count := func(r, g, bl, a uint32) {
		if len(colours) < 64 {
			colours[[4]uint32{r, g, bl, a}] = true
		}
		if r < 0xF000 || g < 0xF000 || bl < 0xF000 {
			nonWhite++
		}
	}
	switch m := img.(type) {
	case *image.RGBA: // the usual case: fast path over the raw pixels
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):m.PixOffset(b.Max.X, y)]
			for i := 0; i < len(row); i += 4 {
				count(uint32(row[i])*0x101, uint32(row[i+1])*0x101, uint32(row[i+2])*0x101, uint32(row[i+3])*0x101)
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				count(img.At(x, y).RGBA())
			}
		}
	}
	if len(colours) < 4 {
		t.Errorf("%s has only %d distinct colours: looks blank", path, len(colours))
	}
	if frac := float64(nonWhite) / float64(w*h); frac < 0.01 {
		t.Errorf("%s has only %.2f%% non-white pixels: looks blank", path, 100*frac)
	}
}

// panelTestNothing checks that a failed call left no file (not even a
// temporary one) in dir.
func panelTestNothing(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("a failed call left %s behind", filepath.Join(dir, e.Name()))
	}
}

// panelTestKeep copies figures to $DALE_FIGURE_DIR when set, for a person
// to look at them.
func panelTestKeep(t *testing.T, path string) {
	dir := os.Getenv("DALE_FIGURE_DIR")
	if dir == "" {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(path)), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPanelTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   []string // labelled ticks
	}{
		{-1.5, 1.5, []string{"-1", "0", "1"}},
		{-0.47, 0.17, []string{"-0.4", "-0.2", "0.0"}},
		{0, 100, []string{"0", "20", "40", "60", "80", "100"}},
		{0, 1, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{0, 110, []string{"0", "25", "50", "75", "100"}},
		{0, 1.1, []string{"0.00", "0.25", "0.50", "0.75", "1.00"}},
		{0, 2000, []string{"0", "500", "1000", "1500", "2000"}},
	} {
		var got []string
		for _, tk := range (panelTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("ticks on [%v, %v] = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestSavePNGFailures(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.png")
	if err := savePNG(path, 100, 100, func(draw.Canvas) error { panic("boom") }); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("a panicking render gave err = %v", err)
	}
	if err := savePNG(path, 100, 100, func(draw.Canvas) error { return errors.New("no data") }); err == nil || !strings.Contains(err.Error(), "no data") {
		t.Errorf("a failing render gave err = %v", err)
	}
	if err := savePNG("", 100, 100, func(draw.Canvas) error { return nil }); err == nil {
		t.Error("an empty path was accepted")
	}
	panelTestNothing(t, dir)
	// A failed call leaves an existing file as it was.
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Lines(path, "t", "x", "y", []Series{{X: []float64{1}, Y: []float64{math.NaN()}}}); err == nil {
		t.Fatal("NaN accepted")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("a failed call changed the existing file to %d bytes", len(b))
	}
}
