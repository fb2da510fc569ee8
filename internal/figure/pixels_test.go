package figure

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
)

// pixelsTestDecode decodes the PNG at path and checks its size.
func pixelsTestDecode(t *testing.T, path string, w, h int) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("%s is %d×%d pixels, want %d×%d", path, b.Dx(), b.Dy(), w, h)
	}
	return img
}

// pixelsTestCount counts the pixels of img within r that match.
func pixelsTestCount(img image.Image, r image.Rectangle, match func(r, g, b uint8) bool) int {
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if match(uint8(cr>>8), uint8(cg>>8), uint8(cb>>8)) {
				n++
			}
		}
	}
	return n
}

// pixelsTestNear matches colours within tol of c in every channel.
func pixelsTestNear(c color.Color, tol int) func(r, g, b uint8) bool {
	cr, cg, cb, _ := c.RGBA()
	want := [3]int{int(cr >> 8), int(cg >> 8), int(cb >> 8)}
	return func(r, g, b uint8) bool {
		for i, v := range [3]int{int(r), int(g), int(b)} {
			if d := v - want[i]; d > tol || d < -tol {
				return false
			}
		}
		return true
	}
}
